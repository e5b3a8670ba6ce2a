"""Turn what a student's function did on each case into rubric items: the grading policy.

Owns: the statuses (passed, failed, error, timeout, missing), the rule that an item passes
only if every case passes, the points from course.yaml, the mutation penalty, and which
message code explains each item.  No I/O, no process handling, no wording.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from autograder.grading.cases import Case, graded_outputs
from autograder.student.compare import Verdict, compare, time_profile
from autograder.grading.course import Course, FunctionSpec, Item
from autograder.student.messages import MAX_TEXT, Nested, render
from autograder.sandbox.inside import protocol

STATUSES = ("passed", "failed", "error", "timeout", "missing")


@dataclass
class CaseRun:
    """What the student's program did on one case (adapted from the worker's reply)."""

    outputs: dict[str, Any] | None = None  # graded output name -> value
    mutated: tuple[str, ...] = ()  # argument names changed in place
    error_kind: str | None = None  # missing | not-implemented | exception | arity | invalid-output
    error_detail: str = ""
    failed_function: str | None = None
    forward_calls: int | None = None  # calls of the student's forward functions while a backward ran


@dataclass
class FunctionFailure:
    """The function produced nothing gradable at all (time-out, crash, notebook failure)."""

    status: str  # error | timeout | missing
    code: str  # message code
    params: dict = field(default_factory=dict)


@dataclass
class ItemResult:
    item: Item
    status: str
    score: float
    code: str
    params: dict
    error: float | None = None  # the worst relative error over the cases, when comparable
    case: int | None = None  # index of the case that decided a failure
    diagnosis: str | None = None
    diagnosis_params: dict | None = None  # e.g. the factor of "constant-factor"
    notes: list[tuple[str, dict]] = field(default_factory=list)
    profile: dict | None = None  # per-time-step norms/errors of the deciding case (compare.time_profile)
    root_cause: str | None = None  # id of the failing item to fix first (rootcause.py)
    explanation: str | None = None  # the diagnosis at the course's feedback level (diagnose.Explanations)
    hint: str | None = None

    def message(self, language: str) -> str:
        text = render(self.code, language, **self.params)
        for code, params in self.notes:
            text += "; " + render(code, language, **params)
        return text if len(text) <= MAX_TEXT else text[:MAX_TEXT - 1] + "…"

    def to_json(self, language: str) -> dict:
        return {
            "id": self.item.id,
            "function": self.item.function,
            "output": self.item.output,
            "score": round(self.score, 6),
            "max_score": self.item.points,
            "status": self.status,
            "message": self.message(language),
            "diagnosis": self.diagnosis,
            "diagnosis_params": self.diagnosis_params or None,
            "error": None if self.error is None else float(f"{self.error:.3e}"),
            "case": self.case,
            "profile": self.profile,
            **({"root_cause": self.root_cause} if self.root_cause else {}),
            **({"explanation": self.explanation, "hint": self.hint} if self.explanation else {}),
        }


def _is_bad(value: Any) -> str | None:
    """Name of the first non-numeric object the worker could not send, if any."""
    if isinstance(value, protocol.Bad):
        return value.type_name
    if isinstance(value, dict):
        return next(filter(None, map(_is_bad, value.values())), None)
    if isinstance(value, list):
        return next(filter(None, map(_is_bad, value)), None)
    return None


def case_run(spec: FunctionSpec, case: Case, reply: dict) -> CaseRun:
    """What one case's reply says the code did: the worker's reply for a student, or a trusted
    run's (run_program's result, or :func:`program_error_reply` of its ProgramError)."""
    steps = case.program["steps"]
    if "error" in reply:
        error = reply["error"]
        step = error.get("step", len(steps) - 1)
        function = steps[step]["fn"] if 0 <= step < len(steps) else spec.name
        return CaseRun(error_kind=error.get("kind", "exception"),
                       error_detail=str(error.get("message", ""))[:600],
                       failed_function=function)
    outputs = graded_outputs(reply, spec)
    bad = next(filter(None, map(_is_bad, outputs.values())), None)
    if bad:
        return CaseRun(error_kind="invalid-output", error_detail=f"an object of type {bad}",
                       failed_function=spec.name)
    mutated = reply.get("mutated", [[]] * len(steps))[-1]
    calls = (reply.get("calls") or [None])[-1]
    return CaseRun(outputs=outputs, mutated=tuple(spec.args[i] for i in mutated if i < len(spec.args)),
                   forward_calls=calls)


def program_error_reply(exc) -> dict:
    """A ProgramError raised in this process, as the worker would have replied it."""
    error = {"kind": exc.kind, "message": exc.message}
    if exc.step is not None:
        error["step"] = exc.step
    return {"error": error}


def _fail_all(spec: FunctionSpec, status: str, code: str, params: dict) -> list[ItemResult]:
    return [ItemResult(item, status, 0.0, code, dict(params)) for item in spec.items]


def _verdict_params(verdict: Verdict, case: Case) -> dict:
    params = dict(verdict.params)
    path = params.get("path")
    params["path"] = f" ({path})" if path else ""
    params.update(case=case.index + 1, dims=case.describe(), error=verdict.error or 0.0)
    params.setdefault("tolerance", 0.0)
    return params


def _run_error(spec: FunctionSpec, run: CaseRun, case: Case) -> list[ItemResult]:
    assert run.error_kind is not None  # only a failed run comes here
    base = {"function": spec.name, "case": case.index + 1, "dims": case.describe(),
            "detail": run.error_detail, "expected": ", ".join(spec.returns)}
    if run.failed_function and run.failed_function != spec.name:
        inner = "status." + ("exception" if run.error_kind in ("arity", "invalid-output") else run.error_kind)
        detail = Nested(inner, **{**base, "function": run.failed_function})
        status = "missing" if run.error_kind == "missing" else "error"
        return _fail_all(spec, status, "status.through-forward",
                         {"forward": run.failed_function, "detail": detail})
    status = "missing" if run.error_kind == "missing" else "error"
    return _fail_all(spec, status, f"status.{run.error_kind}", base)


def score_function(course: Course, spec: FunctionSpec, cases: list[Case], references: list[dict],
                   runs: list[CaseRun] | FunctionFailure) -> list[ItemResult]:
    """Items of one function; ``references[i]`` holds the reference's graded outputs of case i."""
    if isinstance(runs, FunctionFailure):
        return _fail_all(spec, runs.status, runs.code, runs.params)
    for run, case in zip(runs, cases):
        if run.error_kind:
            return _run_error(spec, run, case)
    mutated = sorted({name for run in runs for name in run.mutated})
    results = []
    for item in spec.items:
        worst, failure = 0.0, None
        for case, run, ref in zip(cases, runs, references):
            outputs = run.outputs
            assert outputs is not None  # a run without error_kind returned its outputs
            verdict = compare(outputs[item.output], ref[item.output], item.tolerance)
            if not verdict.ok:
                failure = (case, verdict, time_profile(outputs[item.output], ref[item.output]))
                break
            worst = max(worst, verdict.error or 0.0)
        if failure:
            case, verdict, profile = failure
            result = ItemResult(item, "failed", 0.0, f"verdict.{verdict.code}", _verdict_params(verdict, case),
                                error=verdict.error, case=case.index + 1, profile=profile)
        else:
            result = ItemResult(item, "passed", item.points, "verdict.ok",
                                {"cases": len(cases), "error": worst}, error=worst)
        if mutated:
            result.notes.append(("status.mutated", {"args": ", ".join(mutated)}))
            result.score *= 1.0 - course.mutation_penalty
        results.append(result)
    return results
