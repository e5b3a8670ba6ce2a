"""Post-scoring steps: what happens to one student's items of one assignment after scoring.

Owns the order, and only the order: :data:`POST_SCORING` is an ordered list of small
classes, composed the way nbgrader composes its preprocessors.  Each is built from the
:class:`~autograder.engine.pipeline.GradingPlan` and has ``apply(graded)``, which reads and
amends the :class:`Graded` assignment; no step reaches into another's internals, and the
pipeline reads the list alone.

1. :class:`Diagnose`        a failed item → the catalogued mistake or generic pattern (diagnose.py)
2. :class:`SelfConsistency` a wrong backward that is the exact gradient of the student's own
                            forward earns course.yaml's share of its points (consistency.py)
3. :class:`RootCauses`      a failure caused by a failing dependency says so (rootcause.py)
4. :class:`Explanations`    each diagnosed item gets its explanation and hint, rendered once at
                            the course's level and language (the result JSON's fields)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from autograder.engine import consistency
from autograder.engine.course import FunctionSpec
from autograder.engine.diagnose import Explanations as _Explanations
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
        reply = graded.sandbox.run(graded.assignment, [program for program, _ in probes], timeout=spec.call_seconds)
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


POST_SCORING = (Diagnose, SelfConsistency, RootCauses, Explanations)
