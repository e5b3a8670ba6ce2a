"""Post-scoring steps: what happens to one student's items of one assignment after scoring.

Owns the order, and only the order: :data:`POST_SCORING` is an ordered list of small
classes, composed the way nbgrader composes its preprocessors.  Each is built from the
:class:`~autograder.grading.pipeline.GradingPlan` and has ``apply(graded)``, which reads and
amends the :class:`Graded` assignment; no step reaches into another's internals, and the
pipeline reads the list alone.  Every step's name ends in ``Step``: the names without it
belong to what a step runs (``course.NumericalGradient`` is the rule from course.yaml,
``rootcause.RootCauses`` and ``diagnose.Explanations`` work on a flat list of items).

1. :class:`NumericalGradientStep` a backward that called the student's forwards more often than
                                backpropagation needs fails (course.yaml grading.numerical_gradient)
2. :class:`DiagnoseStep`        a failed item → the catalogued mistake or generic pattern (diagnose.py)
3. :class:`SelfConsistencyStep` a wrong backward that is the exact gradient of a catalogued mistake
                                in the student's forward earns course.yaml's share of its points
                                (consistency.py; the grader's gradient, no student code runs)
4. :class:`RootCauseStep`       a failure caused by a failing dependency says so (rootcause.py)
5. :class:`ExplainStep`         each diagnosed item gets its explanation and hint, rendered once at
                                the course's level and language (the result JSON's fields)
"""
from __future__ import annotations

from dataclasses import dataclass, field

from autograder.grading.diagnose import NUMERICAL_GRADIENT, Explanations
from autograder.grading.rootcause import RootCauses
from autograder.grading.course import FunctionSpec
from autograder.grading.score import CaseRun, ItemResult


@dataclass
class FunctionRun:
    """One graded function: its items, and what the student's code did on each case (None when
    nothing gradable came back: a time-out, a crash, a notebook that did not load)."""

    spec: FunctionSpec
    items: list[ItemResult]
    runs: list[CaseRun] | None = None


@dataclass
class Graded:
    """One student's scored assignment, as the steps see it."""

    assignment: str
    functions: list[FunctionRun] = field(default_factory=list)

    @property
    def items(self) -> list[ItemResult]:
        return [item for function in self.functions for item in function.items]


class NumericalGradientStep:
    """A backward that is a finite difference of the student's own forward is not backpropagation.

    The sandbox counts the calls of the student's forwards while a backward runs (program.py,
    step key ``count``); more than course.yaml allows fails every item of that backward with the
    diagnosis ``numerical-gradient``, and no later step credits or re-diagnoses them.  The count
    is a number about the student's own functions: forging it changes only their own items.
    """

    def __init__(self, plan):
        self.plan = plan
        self.course = plan.course

    def apply(self, graded: Graded) -> None:
        check = self.course.numerical_gradient
        for function in graded.functions:
            spec, runs = function.spec, function.runs
            if not (check.check and spec.through and runs) or any(run.error_kind for run in runs):
                continue
            for case, run in zip(self.plan.expected[spec.name].cases, runs):
                allowed = check.allowed(case.dims)
                if run.forward_calls is not None and run.forward_calls > allowed:
                    params = {"function": spec.name, "forwards": ", ".join(self.plan.forwards_of(self.course, spec)),
                              "calls": int(run.forward_calls), "allowed": allowed, "case": case.index + 1,
                              "dims": case.describe()}
                    function.items[:] = [ItemResult(item, "failed", 0.0, "status.numerical-gradient", dict(params),
                                                    case=case.index + 1, diagnosis=NUMERICAL_GRADIENT)
                                         for item in spec.items]
                    function.runs = None  # nothing left for the steps that read the student's values
                    break


class DiagnoseStep:
    """Name the mistake behind each failed item of a function that ran."""

    def __init__(self, plan):
        self.diagnoser = plan.diagnoser

    def apply(self, graded: Graded) -> None:
        for function in graded.functions:
            if function.runs is None:
                continue
            found = self.diagnoser.diagnose(function.spec, function.runs, function.items)
            for item in function.items:
                if item.item.id in found:
                    item.diagnosis_params = found[item.item.id].params or None


class SelfConsistencyStep:
    """Follow-through credit: a failed gradient that is exact for a catalogued mistake in the
    student's forward earns course.yaml's share of its points (consistency.py).  Decided from
    the compared outputs alone: the forward's diagnosis and the backward's own outputs."""

    def __init__(self, plan):
        self.follow_through = plan.follow_through
        self.course = plan.course

    def apply(self, graded: Graded) -> None:
        share = self.course.self_consistency_credit
        if not share:
            return
        forwards = {function.spec.name: function for function in graded.functions}
        for function in graded.functions:
            spec = function.spec
            forward = forwards.get(spec.through or "")
            if not (function.runs and forward and any(i.status == "failed" for i in function.items)):
                continue
            mutant = self.follow_through.mistake(forward.items)
            if mutant is None:
                continue
            credited = self.follow_through.credited(spec, mutant, function.items, function.runs)
            for item in function.items:
                if item.status == "failed" and item.item.output in credited:
                    item.score = item.item.points * share
                    item.notes.append(("status.self-consistent", {"forward": spec.through, "share": share * 100}))


class RootCauseStep:
    """Point every failing item at the failing function it depends on (rootcause.py)."""

    def __init__(self, plan):
        self.finder = RootCauses(plan.course)

    def apply(self, graded: Graded) -> None:
        self.finder.apply(graded.items)


class ExplainStep:
    """Render each diagnosed item's explanation and hint once, for the result JSON."""

    def __init__(self, plan):
        self.renderer = Explanations(plan.course)

    def apply(self, graded: Graded) -> None:
        self.renderer.apply(graded.items)


POST_SCORING = (NumericalGradientStep, DiagnoseStep, SelfConsistencyStep, RootCauseStep, ExplainStep)
