"""Failed items → the classic mistake behind them: feedback that teaches.

Owns: recognising a failed item as one of the known mistakes of ``reference/mutants.py``
(the student's outputs equal a mutant's on every hidden case), or else as a generic
pattern on the deciding case (transposed, wrong sign, constant factor, all zeros, right
only for some time steps, wrong shape, one gate's block of an LSTM/GRU gradient); the
Korean/English explanation and hint of every diagnosis id (words: mistakes.py, which reads the
course's reference/mistakes.yaml).  What the authoring side asks of the catalogue (does the
rubric catch every mistake, docs/MISTAKES.md) is catalogue.py's.

Trusted side: the mutants are built on the reference, which is imported lazily inside
functions only — the ``autograder`` package ships to students without ``reference/``.
Nothing here runs student code: student outputs arrive as plain values (``CaseRun``).
"""
from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from autograder.grading import mistakes
from autograder.student.compare import compare, relative_error
from autograder.grading.course import Course, FunctionSpec
from autograder.grading.refimpl import reference_submodule
from autograder.sandbox.inside.program import ProgramError, run_program
from autograder.grading.score import CaseRun, FunctionFailure, ItemResult, case_run, program_error_reply

__all__ = [
    "GENERIC", "MATCH_FACTOR", "Diagnosis", "Diagnoser", "Explanations", "explain", "explanations",
    "gate_block_diagnosis", "generic_diagnosis", "mutant_runs",
]

#: Set by the pipeline (not found by comparing values): a backward that calls its forward once
#: per perturbed number is a finite-difference gradient (course.yaml ``numerical_gradient``).
NUMERICAL_GRADIENT = "numerical-gradient"

#: A student matches a mutant (or a generic pattern) within max(item tolerance, 1e-6) · 10.
MATCH_FACTOR = 10.0
MIN_TOLERANCE = 1e-6

# ------------------------------------------------------------------ generic diagnoses
#
# The generic patterns' ids and words (four parts, three feedback levels) live in mistakes.py.

GENERIC: dict[str, dict[str, Any]] = mistakes.GENERIC_TEXTS


@dataclass(frozen=True)
class Diagnosis:
    item: str  # item id
    id: str  # mutant id or generic id
    kind: str  # "mutant" | "generic"
    params: dict = field(default_factory=dict)

    def explain(self, language: str, level: str = mistakes.DEFAULT_LEVEL) -> dict | None:
        return explain(self.id, language, self.params, level)


def _mutants_module(course: Course | Path | str | None):
    """The catalogue (``reference/mutants.py``) of ``course`` (a Course or its folder), through
    refimpl.py (a copied course's own); None without a course or where its reference is not there
    (the student side)."""
    if course is None:
        return None
    root = Path(course) if isinstance(course, (str, Path)) else course.root
    try:
        return reference_submodule(root, "mutants")  # trusted side only; never at module import
    except ImportError:
        return None


def explain(diagnosis_id: str, language: str, params: dict | None = None,
            level: str = mistakes.DEFAULT_LEVEL, course: Course | None = None) -> dict | None:
    """{"explanation": ..., "hint": ...} of a diagnosis id in ``language`` at ``level``; None if unknown.

    With ``params`` (a :class:`Diagnosis`' parameters) a generic explanation gets its
    detail: the factor, the axis order, the shapes, the time steps.  The words come from
    mistakes.py (:func:`mistakes.render`), a mistake's from ``course``'s reference/mistakes.yaml
    (without a course only the generic patterns are known); an id no mutant and no pattern has is
    unknown.
    """
    if diagnosis_id not in GENERIC:
        mutants = _mutants_module(course)
        if mutants is not None:
            try:
                mutants.by_id(diagnosis_id)
            except KeyError:  # words for a mistake the catalogue no longer has
                return None
    return mistakes.render(diagnosis_id, level, language, params, extra=GENERIC, course=course)


def explanations(language: str, level: str = mistakes.DEFAULT_LEVEL, course: Course | None = None) -> dict[str, dict | None]:
    """Every diagnosis id (mutants, then generic patterns) → its explanation and hint."""
    mutants = _mutants_module(course)
    ids = [m.id for m in mutants.CATALOGUE] if mutants else list(mistakes.course_texts(course))
    return {i: explain(i, language, level=level, course=course) for i in ids + list(GENERIC)}


# ------------------------------------------------------------- generic pattern tests


def _flat_pair(student: Any, reference: Any):
    """(s, r) float vectors if both have the same structure and shapes, else None."""
    if isinstance(reference, dict):
        if not isinstance(student, dict) or set(student) != set(reference):
            return None
        pairs = [_flat_pair(student[k], reference[k]) for k in reference]
    elif isinstance(reference, (list, tuple)):
        if not isinstance(student, (list, tuple)) or len(student) != len(reference):
            return None
        pairs = [_flat_pair(s, r) for s, r in zip(student, reference)]
    else:
        try:
            s, r = np.asarray(student), np.asarray(reference)
        except Exception:
            return None
        if s.shape != r.shape or s.dtype.kind not in "fiub" or r.dtype.kind not in "fiub":
            return None
        return s.astype(np.float64).ravel(), r.astype(np.float64).ravel()
    if any(p is None for p in pairs):
        return None
    if not pairs:
        return np.zeros(0), np.zeros(0)
    return np.concatenate([p[0] for p in pairs]), np.concatenate([p[1] for p in pairs])


def _as_float_array(value: Any) -> np.ndarray | None:
    if isinstance(value, (dict, list, tuple, str)) or value is None:
        return None
    try:
        a = np.asarray(value)
    except Exception:
        return None
    return a.astype(np.float64) if a.dtype.kind in "fiub" else None


def _transposed(s: np.ndarray, r: np.ndarray, tol: float) -> tuple | None:
    if r.ndim < 2 or r.ndim > 5 or s.size != r.size:
        return None
    for perm in itertools.permutations(range(r.ndim)):
        if perm == tuple(range(r.ndim)):
            continue
        rt = r.transpose(perm)
        if rt.shape == s.shape and relative_error(s, rt) <= tol:
            return perm
    return None


def _near_integer_ratio(c: float) -> bool:
    for v in (abs(c), 1.0 / abs(c) if c else 0.0):
        if v >= 2 and abs(v - round(v)) <= 1e-9 * v:
            return True
    return False


def _time_errors(s: np.ndarray, r: np.ndarray, profile: dict | None) -> list[float]:
    if profile and len(profile.get("error", [])) == r.shape[1]:
        return list(profile["error"])
    return [relative_error(s[:, t], r[:, t]) for t in range(r.shape[1])]


def generic_diagnosis(student: Any, reference: Any, tolerance: float, profile: dict | None = None,
                      shape_params: dict | None = None) -> tuple[str, dict] | None:
    """The generic pattern relating a wrong output to the reference's, as (id, params), or None.

    ``tolerance`` is the item's; a pattern must hold within max(tolerance, 1e-6) · 10.
    ``shape_params`` are a shape verdict's parameters (got/expected), used for nested outputs.
    """
    tol = max(tolerance, MIN_TOLERANCE) * MATCH_FACTOR
    s, r = _as_float_array(student), _as_float_array(reference)
    if s is not None and r is not None:
        if not (np.all(np.isfinite(s)) and np.all(np.isfinite(r))):
            return None
        perm = _transposed(s, r, tol)
        if perm is not None:
            return "transposed", {"axes": tuple(perm), "got": list(s.shape), "expected": list(r.shape)}
        if s.shape != r.shape:
            return "shape-mismatch", {"got": list(s.shape), "expected": list(r.shape)}
    pair = _flat_pair(student, reference)
    if pair is None:
        if shape_params and "got" in shape_params and "expected" in shape_params:
            return "shape-mismatch", {"got": shape_params["got"], "expected": shape_params["expected"]}
        return None
    sv, rv = pair
    if not (np.all(np.isfinite(sv)) and np.all(np.isfinite(rv))):
        return None
    rn = float(np.linalg.norm(rv))
    if rn == 0.0 or relative_error(sv, rv) <= tol:
        return None
    if not np.any(sv):
        return "all-zeros", {}
    if relative_error(sv, -rv) <= tol:
        return "wrong-sign", {}
    c = float(sv @ rv) / (rn * rn)
    if c != 0.0 and relative_error(sv, c * rv) <= tol and (sv.size >= 2 or _near_integer_ratio(c)):
        return "constant-factor", {"factor": c}
    if s is not None and r is not None and r.ndim >= 3 and r.shape[1] >= 2:
        errors = _time_errors(s, r, profile)
        ok = [e <= tol for e in errors]
        T = len(ok)
        if any(ok) and not all(ok):
            first_ok = ok.index(True)
            if all(ok[first_ok:]) and not any(ok[:first_ok]):
                return "partial-time-steps", {"variant": "suffix", "k": first_ok, "T": T}
            last_ok = T - 1 - ok[::-1].index(True)
            if all(ok[:last_ok + 1]) and not any(ok[last_ok + 1:]):
                return "partial-time-steps", {"variant": "prefix", "k": last_ok, "T": T}
    return None


def gate_block_diagnosis(student: Any, reference: Any, tolerance: float,
                         gates: tuple[str, ...]) -> tuple[str, dict] | None:
    """("gate-block", {"gate", "block"}) when exactly one gate's block of a gated output is wrong.

    ``gates`` name the blocks stacked, in order, along the last axis (LSTM i, f, o, g; GRU
    r, z, n).  The other blocks must match within max(tolerance, 1e-6) · 10.
    """
    s, r = _as_float_array(student), _as_float_array(reference)
    k = len(gates)
    if s is None or r is None or s.shape != r.shape or r.ndim < 1 or k < 2 or r.shape[-1] % k:
        return None
    if not (np.all(np.isfinite(s)) and np.all(np.isfinite(r))):
        return None
    tol = max(tolerance, MIN_TOLERANCE) * MATCH_FACTOR
    H = r.shape[-1] // k
    wrong = [b for b in range(k) if relative_error(s[..., b * H:(b + 1) * H], r[..., b * H:(b + 1) * H]) > tol]
    if len(wrong) != 1:
        return None
    return "gate-block", {"gate": gates[wrong[0]], "block": wrong[0]}


def _square_transpose(params: dict, function: str, output: str) -> dict:
    """A transposed square matrix: its shape cannot tell, so the words name the product's factor."""
    got = params.get("got") or []
    if len(got) == 2 and got[0] == got[1]:
        return {**params, "variant": "square", "function": function, "output": output}
    return params


# --------------------------------------------------------------- mutants as students


def mutant_runs(course: Course, plan, mutant, spec: FunctionSpec) -> list[CaseRun]:
    """``spec``'s hidden cases run through the mutant, read as the pipeline reads a student's."""
    namespace = reference_submodule(course.root, "mutants").namespace_with(plan.namespace, mutant)
    runs = []
    for case in plan.expected[spec.name].cases:
        try:
            result = run_program(namespace, case.program)
        except ProgramError as exc:
            result = program_error_reply(exc)
        runs.append(case_run(spec, case, result))
    return runs


class Diagnoser:
    """Diagnoses the failed items of one run; mutant outputs are computed once per function.

    ``plan`` is a :class:`pipeline.GradingPlan` (or anything with ``.namespace`` and
    ``.expected[function].cases / .outputs``).  Safe to share between threads.
    """

    def __init__(self, course: Course, plan):
        self.course = course
        self.plan = plan
        mistakes.course_texts(course)  # an invalid reference/mistakes.yaml stops the run before grading
        self._mutants: tuple | None = None
        self._outputs: dict[tuple[str, str], list[dict | None]] = {}
        self._lock = threading.Lock()

    @property
    def mutants(self) -> tuple:
        if self._mutants is None:
            module = _mutants_module(self.course)
            self._mutants = module.applicable(self.course.gru_form) if module else ()
        return self._mutants

    def mutant_outputs(self, mutant, spec: FunctionSpec) -> list[dict | None]:
        """Graded outputs of ``mutant`` on each hidden case of ``spec`` (None where it raised)."""
        key = (mutant.id, spec.name)
        with self._lock:
            if key not in self._outputs:
                self._outputs[key] = [run.outputs if run.error_kind is None else None
                                      for run in mutant_runs(self.course, self.plan, mutant, spec)]
            return self._outputs[key]

    def _match(self, mutant, spec, item: ItemResult, runs: list[CaseRun]) -> float | None:
        """Largest error of the student against the mutant on this item, if it matches on every case."""
        tol = max(item.item.tolerance, MIN_TOLERANCE) * MATCH_FACTOR
        outputs = self.mutant_outputs(mutant, spec)
        references = self.plan.expected[spec.name].outputs
        worst, differs = 0.0, False
        for run, mine, ref in zip(runs, outputs, references):
            if mine is None or run.outputs is None:
                return None
            verdict = compare(run.outputs[item.item.output], mine[item.item.output], tol)
            if not verdict.ok:
                return None
            worst = max(worst, verdict.error or 0.0)
            differs = differs or not compare(mine[item.item.output], ref[item.item.output], item.item.tolerance).ok
        return worst if differs and len(outputs) == len(runs) else None

    def _generic(self, spec, item: ItemResult, runs: list[CaseRun]) -> tuple[str, dict] | None:
        if item.case is None or not 1 <= item.case <= len(runs):
            return None
        run = runs[item.case - 1]
        if run.outputs is None:
            return None
        output = item.item.output
        reference = self.plan.expected[spec.name].outputs[item.case - 1][output]
        shape = item.params if item.code == "verdict.shape" else None
        found = generic_diagnosis(run.outputs[output], reference, item.item.tolerance, item.profile, shape)
        if found is not None and found[0] == "transposed":
            return found[0], _square_transpose(found[1], spec.name, output)
        if found is None:
            module = _mutants_module(self.course)
            gates = module.gate_blocks(spec.name, output) if module else None
            if gates:
                found = gate_block_diagnosis(run.outputs[output], reference, item.item.tolerance, gates)
                if found is not None:
                    found = found[0], {**found[1], "output": output}
        return found

    def diagnose(self, spec: FunctionSpec, runs: list[CaseRun] | FunctionFailure,
                 items: list[ItemResult]) -> dict[str, Diagnosis]:
        """Set ``item.diagnosis`` on every failed item recognised; return item id → Diagnosis."""
        found: dict[str, Diagnosis] = {}
        if not isinstance(runs, list) or spec.name not in self.plan.expected:
            return found
        failed = [i for i in items if i.status == "failed"]
        if not failed or any(run.outputs is None for run in runs):
            return found
        candidates = [m for m in self.mutants if m.relevant_to(spec.name, spec.through)]
        for item in failed:
            try:
                best = None
                for mutant in candidates:
                    error = self._match(mutant, spec, item, runs)
                    if error is not None and (best is None or error < best[0]):
                        best = (error, mutant.id)
                diagnosis: Diagnosis | None
                if best is not None:
                    diagnosis = Diagnosis(item.item.id, best[1], "mutant")
                else:
                    generic = self._generic(spec, item, runs)
                    diagnosis = Diagnosis(item.item.id, generic[0], "generic", generic[1]) if generic else None
            except Exception:  # a diagnosis is a courtesy: it must never break grading
                diagnosis = None
            if diagnosis is not None:
                item.diagnosis = diagnosis.id
                found[item.item.id] = diagnosis
        return found


class Explanations:
    """Every diagnosed item of a list gets its explanation and hint, rendered once at the course's
    feedback level and language (the result JSON's ``explanation``/``hint``); the pipeline runs it
    as the post-scoring step ``steps.ExplainStep``."""

    def __init__(self, course: Course, level: str | None = None):
        self.course = course
        self.language = course.language
        self.level = level or course.feedback
        mistakes.course_texts(course)  # an invalid reference/mistakes.yaml stops the run before grading

    def apply(self, items: list[ItemResult]) -> list[ItemResult]:
        for item in items:
            entry = explain(item.diagnosis, self.language, item.diagnosis_params, self.level,
                            self.course) if item.diagnosis else None
            if entry:
                item.explanation, item.hint = entry["explanation"], entry["hint"]
        return items
