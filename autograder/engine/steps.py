"""Post-scoring steps: what happens to one student's items of one assignment after scoring.

Owns the order, and only the order: :data:`POST_SCORING` is an ordered list of small
classes, composed the way nbgrader composes its preprocessors.  Each is built from the
:class:`~autograder.engine.pipeline.GradingPlan` and has ``apply(graded)``, which reads and
amends the :class:`Graded` assignment; no step reaches into another's internals, and the
pipeline reads the list alone.

1. :class:`NumericalGradient` a backward that called the student's forwards more often than
                            backpropagation needs fails (course.yaml grading.numerical_gradient)
2. :class:`Diagnose`        a failed item → the catalogued mistake or generic pattern (diagnose.py)
3. :class:`SelfConsistency` a wrong backward that is the exact gradient of the student's own
                            forward earns course.yaml's share of its points (consistency.py)
4. :class:`RootCauses`      a failure caused by a failing dependency says so (rootcause.py)
5. :class:`Explanations`    each diagnosed item gets its explanation and hint, rendered once at
                            the course's level and language (the result JSON's fields)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from autograder.engine import consistency
from autograder.engine.course import FunctionSpec
from autograder.engine.diagnose import NUMERICAL_GRADIENT, Explanations as _Explanations
from autograder.engine.rootcause import RootCauses as _RootCauses
from autograder.engine.score import CaseRun, ItemResult


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
    sandbox: Any = None  # the student's live sandbox, for steps that run more of the student's code

    @property
    def items(self) -> list[ItemResult]:
        return [item for function in self.functions for item in function.items]


class NumericalGradient:
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


class Diagnose:
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


class SelfConsistency:
    """Credit failed gradients that are exact for the student's own forward (consistency.py)."""

    def __init__(self, plan):
        self.plan = plan
        self.course = plan.course

    def apply(self, graded: Graded) -> None:
        share = self.course.self_consistency_credit
        if not share or graded.sandbox is None:
            return
        for function in graded.functions:
            spec = function.spec
            if function.runs and spec.through and any(i.status == "failed" for i in function.items):
                consistent = self._consistent_outputs(spec, graded, function.runs)
                for item in function.items:
                    if item.status == "failed" and item.item.output in consistent:
                        item.score = item.item.points * share
                        item.notes.append(("status.self-consistent", {"forward": spec.through, "share": share * 100}))

    def _consistent_outputs(self, spec: FunctionSpec, graded: Graded, runs: list[CaseRun]) -> set[str]:
        probes = self.plan.probes(spec)
        if not all(directions for _, directions in probes):
            return set()
        try:
            reply = graded.sandbox.run(graded.assignment, [program for program, _ in probes],
                                       timeout=spec.call_seconds)
        except Exception:  # noqa: BLE001 - no credit, nothing else lost
            return set()
        if not reply.get("ok"):
            return set()
        forward = self.course.functions[spec.through]
        consistent = None
        for case, run, (_, directions), result in zip(self.plan.expected[spec.name].cases, runs, probes,
                                                       reply["results"]):
            if "error" in result:
                return set()
            found = consistency.consistent_outputs(spec, forward, case, run.outputs, result, directions)
            consistent = found if consistent is None else consistent & found
        return set(consistent or ())


class RootCauses:
    """Point every failing item at the failing function it depends on (rootcause.py)."""

    def __init__(self, plan):
        self.finder = _RootCauses(plan.course)

    def apply(self, graded: Graded) -> None:
        self.finder.apply(graded.items)


class Explanations:
    """Render each diagnosed item's explanation and hint once, for the result JSON."""

    def __init__(self, plan):
        self.renderer = _Explanations(plan.course)

    def apply(self, graded: Graded) -> None:
        self.renderer.apply(graded.items)


POST_SCORING = (NumericalGradient, Diagnose, SelfConsistency, RootCauses, Explanations)
