"""Failed items → the classic mistake behind them: feedback that teaches.

Owns: recognising a failed item as one of the known mistakes of ``reference/mutants.py``
(the student's outputs equal a mutant's on every hidden case), or else as a generic
pattern on the deciding case (transposed, wrong sign, constant factor, all zeros, right
only for some time steps, wrong shape); the Korean/English explanation and hint of every
diagnosis id; the check that the rubric catches every catalogued mistake
(:func:`rubric_escapes`, used by ``autograder validate``); and docs/MISTAKES.md
(:func:`catalogue_markdown`).

Trusted side: the mutants are built on the reference, which is imported lazily inside
functions only — the ``autograder`` package ships to students without ``reference/``.
Nothing here runs student code: student outputs arrive as plain values (``CaseRun``).
"""
from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .cases import graded_outputs
from .compare import compare, relative_error
from .course import Course, FunctionSpec
from .program import ProgramError, run_program
from .score import CaseRun, FunctionFailure, ItemResult, score_function

__all__ = [
    "GENERIC", "MATCH_FACTOR", "Diagnosis", "Diagnoser", "RubricCoverage", "catalogue_markdown",
    "explain", "explanations", "generic_diagnosis", "mutant_runs", "rubric_coverage", "rubric_escapes",
]

#: Set by the pipeline (not found by comparing values): a backward that calls its forward once
#: per perturbed number is a finite-difference gradient (course.yaml ``numerical_gradient``).
NUMERICAL_GRADIENT = "numerical-gradient"

#: A student matches a mutant (or a generic pattern) within max(item tolerance, 1e-6) · 10.
MATCH_FACTOR = 10.0
MIN_TOLERANCE = 1e-6

# ------------------------------------------------------------------ generic diagnoses
#
# "detail" is appended to the explanation when the diagnosis carries its parameters;
# a dict of details is chosen by the parameter "variant".

GENERIC: dict[str, dict[str, Any]] = {
    "transposed": {
        "explanation": {
            "ko": "결과가 정답을 전치(transpose)한 것, 즉 축의 순서가 바뀐 것과 같습니다.",
            "en": "Your output equals the correct one transposed: its axes are in the wrong order.",
        },
        "hint": {
            "ko": "행 벡터 규약(x @ W)에서 dW = x.T @ dout 입니다. 각 중간값의 .shape을 docstring과 비교해 보세요.",
            "en": "With row vectors (x @ W), dW = x.T @ dout; compare each intermediate's .shape with the docstring.",
        },
        "detail": {"ko": "(축 순서 {axes})", "en": "(axis order {axes})"},
    },
    "wrong-sign": {
        "explanation": {
            "ko": "결과의 부호가 정답과 반대입니다 (−1배).",
            "en": "Your output has the opposite sign of the correct one (−1 times).",
        },
        "hint": {
            "ko": "빼기의 순서(예: p − onehot 대 onehot − p)와 (1 − z), (1 − f) 같은 항의 부호를 확인하세요.",
            "en": "Check the order of a subtraction (e.g. p − onehot vs onehot − p) and signs of terms like (1 − z).",
        },
    },
    "constant-factor": {
        "explanation": {
            "ko": "결과가 정답의 상수배입니다: 방향은 맞고 크기만 다릅니다.",
            "en": "Your output is a constant multiple of the correct one: right direction, wrong scale.",
        },
        "hint": {
            "ko": "평균을 낼 때 나누는 수(N, T, N·T), 빠진 상수(예: 2) 또는 두 번 곱한 항을 확인하세요.",
            "en": "Check what you divide by when averaging (N, T, N·T), a missing constant (e.g. 2) or a factor applied twice.",
        },
        "detail": {"ko": "(배율 ≈ {factor:.4g})", "en": "(factor ≈ {factor:.4g})"},
    },
    "all-zeros": {
        "explanation": {
            "ko": "결과가 모두 0입니다: 값을 계산했지만 반환하지 않았거나 0으로 초기화한 배열을 그대로 돌려준 것 같습니다.",
            "en": "Your output is all zeros: a value seems to be computed but not returned, or a zero-initialised array is returned unchanged.",
        },
        "hint": {
            "ko": "`np.zeros`로 만든 배열에 결과를 실제로 더하거나 대입하는지, 반환하는 변수가 맞는지 확인하세요.",
            "en": "Check that you actually add or assign into the array made with `np.zeros`, and that you return the right variable.",
        },
    },
    "partial-time-steps": {
        "explanation": {
            "ko": "일부 시간 스텝에서만 맞습니다: 한 스텝에서 생긴 오류가 순환 연결을 따라 퍼집니다. 역전파라면 뒤 스텝에서 전달된 기울기가 앞 스텝으로 제대로 전달되지 않는 경우가 대부분입니다 (BPTT).",
            "en": "Right for some time steps only: an error made at one step spreads along the recurrence. In a backward this usually means the gradient from later steps is not carried back to earlier ones (BPTT).",
        },
        "hint": {
            "ko": "루프에서 스텝 사이에 넘겨주는 값(순전파의 prev_h, 역전파의 dprev_h)을 확인하세요: 갱신하는지, 더하는지.",
            "en": "Check what the loop passes from one step to the next (prev_h forward, dprev_h backward): is it updated, is it added?",
        },
        "detail": {
            "suffix": {"ko": "(t ≥ {k}인 마지막 스텝들에서만 맞고 그 앞은 틀림: 기울기가 시간을 거슬러 전달되지 않습니다)",
                       "en": "(right only for the last steps t ≥ {k}, wrong before: the gradient is not carried back through time)"},
            "prefix": {"ko": "(t ≤ {k}까지만 맞고 그 뒤는 틀림: 다음 스텝으로 넘기는 값이 잘못되었습니다)",
                       "en": "(right only up to t = {k}, wrong after: what is passed on to the next step is wrong)"},
        },
    },
    NUMERICAL_GRADIENT: {
        "explanation": {
            "ko": "수치 미분(numerical gradient)이지 역전파가 아닙니다: 역전파 함수가 실행되는 동안 순전파 함수를 "
                  "입력 원소마다 다시 호출했습니다. 값은 맞더라도 이 과제는 연쇄 법칙으로 기울기를 계산하는 것입니다.",
            "en": "A numerical gradient, not backpropagation: while the backward ran it called the forward again for "
                  "every perturbed number. Even if the values are right, the exercise is to compute the gradient by the chain rule.",
        },
        "hint": {
            "ko": "순전파의 cache에 저장한 중간값으로 국소 미분을 곱해 가며 기울기를 거꾸로 전달하세요. "
                  "수치 미분은 답을 확인하는 데만 쓰세요 (check 셀이 이미 해 줍니다).",
            "en": "Propagate the gradient backwards by multiplying local derivatives, using the values saved in the "
                  "forward's cache. Keep finite differences for checking your answer (the check cell already does).",
        },
    },
    "shape-mismatch": {
        "explanation": {
            "ko": "결과의 shape이 기대한 shape과 다릅니다.",
            "en": "Your output's shape differs from the expected shape.",
        },
        "hint": {
            "ko": "어느 축으로 합하는지(예: db는 N과 T 모두에 대해 합함), 빠지거나 남은 축이 없는지 docstring의 shape과 비교하세요.",
            "en": "Check which axes you sum over (e.g. db sums over N and T) and compare every shape with the docstring.",
        },
        "detail": {"ko": "(결과 {got}, 기대 {expected})", "en": "(got {got}, expected {expected})"},
    },
}


@dataclass(frozen=True)
class Diagnosis:
    item: str  # item id
    id: str  # mutant id or generic id
    kind: str  # "mutant" | "generic"
    params: dict = field(default_factory=dict)

    def explain(self, language: str) -> dict | None:
        return explain(self.id, language, self.params)


def _mutants_module():
    """reference.mutants, or None where the reference is not installed (student side)."""
    try:
        from reference import mutants  # trusted side only; never at module import
    except ImportError:
        return None
    return mutants


def _lang(texts, language: str) -> str:
    return texts.get(language) or texts["en"]


def explain(diagnosis_id: str, language: str, params: dict | None = None) -> dict | None:
    """{"explanation": ..., "hint": ...} of a diagnosis id in ``language``; None if unknown.

    With ``params`` (a :class:`Diagnosis`' parameters) a generic explanation gets its
    detail: the factor, the axis order, the shapes, the time steps.
    """
    if diagnosis_id in GENERIC:
        entry = GENERIC[diagnosis_id]
        text = _lang(entry["explanation"], language)
        detail = entry.get("detail")
        if params and detail:
            if "variant" in params:
                detail = detail.get(params["variant"])
            if detail:
                try:
                    text += " " + _lang(detail, language).format(**params)
                except (KeyError, ValueError, IndexError):
                    pass
        return {"explanation": text, "hint": _lang(entry["hint"], language)}
    mutants = _mutants_module()
    if mutants is None:
        return None
    try:
        mutant = mutants.by_id(diagnosis_id)
    except KeyError:
        return None
    return {"explanation": _lang(mutant.explanation, language), "hint": _lang(mutant.hint, language)}


def explanations(language: str) -> dict[str, dict]:
    """Every diagnosis id (mutants, then generic patterns) → its explanation and hint."""
    mutants = _mutants_module()
    ids = [m.id for m in mutants.CATALOGUE] if mutants else []
    return {i: explain(i, language) for i in ids + list(GENERIC)}


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


def _time_errors(s: np.ndarray, r: np.ndarray, profile: dict | None) -> list[float] | None:
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


# --------------------------------------------------------------- mutants as students


def mutant_runs(course: Course, plan, mutant, spec: FunctionSpec) -> list[CaseRun]:
    """``spec``'s hidden cases run through the mutant, adapted as pipeline._case_run does."""
    from reference.mutants import namespace_with

    namespace = namespace_with(plan.namespace, mutant)
    runs = []
    for case in plan.expected[spec.name].cases:
        steps = case.program["steps"]
        try:
            result = run_program(namespace, case.program)
        except ProgramError as exc:
            step = exc.step if exc.step is not None else len(steps) - 1
            runs.append(CaseRun(error_kind=exc.kind, error_detail=exc.message[:600],
                                failed_function=steps[step]["fn"] if 0 <= step < len(steps) else spec.name))
            continue
        mutated = result.get("mutated", [[]] * len(steps))[-1]
        runs.append(CaseRun(outputs=graded_outputs(result, spec),
                            mutated=tuple(spec.args[i] for i in mutated if i < len(spec.args))))
    return runs


class Diagnoser:
    """Diagnoses the failed items of one run; mutant outputs are computed once per function.

    ``plan`` is a :class:`pipeline.GradingPlan` (or anything with ``.namespace`` and
    ``.expected[function].cases / .outputs``).  Safe to share between threads.
    """

    def __init__(self, course: Course, plan):
        self.course = course
        self.plan = plan
        self._mutants = None
        self._outputs: dict[tuple[str, str], list[dict | None]] = {}
        self._lock = threading.Lock()

    @property
    def mutants(self) -> tuple:
        if self._mutants is None:
            module = _mutants_module()
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
        reference = self.plan.expected[spec.name].outputs[item.case - 1][item.item.output]
        shape = item.params if item.code == "verdict.shape" else None
        return generic_diagnosis(run.outputs[item.item.output], reference, item.item.tolerance,
                                 item.profile, shape)

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


# ------------------------------------------------------------------ rubric coverage


@dataclass
class RubricCoverage:
    escapes: list[tuple[str, str]] = field(default_factory=list)  # (mutant id, item id) that passes
    skipped: list[tuple[str, str, str]] = field(default_factory=list)  # (mutant id, item id, why)


def rubric_coverage(course: Course, plan, mutants=None) -> RubricCoverage:
    """Score every applicable mutant (or ``mutants``) as a student; list targeted items that still pass."""
    from reference.mutants import applicable

    coverage = RubricCoverage()
    for mutant in (applicable(course.gru_form) if mutants is None else mutants):
        by_function: dict[str, list[str]] = {}
        for target in mutant.targets:
            function, _, output = target.partition(".")
            by_function.setdefault(function, []).append(output)
        for function, outputs in by_function.items():
            spec = course.functions.get(function)
            if spec is None or function not in plan.expected:
                why = "not in course.yaml" if spec is None else "not in the plan's assignments"
                coverage.skipped += [(mutant.id, f"{function}.{o}", why) for o in outputs]
                continue
            items = {r.item.output: r for r in score_function(
                course, spec, plan.expected[function].cases, plan.expected[function].outputs,
                mutant_runs(course, plan, mutant, spec))}
            for output in outputs:
                if output not in items:
                    coverage.skipped.append((mutant.id, f"{function}.{output}", "output has no points"))
                elif items[output].status == "passed":
                    coverage.escapes.append((mutant.id, f"{function}.{output}"))
    return coverage


def rubric_escapes(course: Course, plan) -> list[tuple[str, str]]:
    """(mutant id, item id) of every catalogued mistake the rubric does not catch."""
    return rubric_coverage(course, plan).escapes


# ------------------------------------------------------------------- docs/MISTAKES.md


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def catalogue_markdown() -> str:
    """docs/MISTAKES.md, generated from the catalogue (a test keeps the file in sync)."""
    from reference.mutants import CATALOGUE, GRU_FORMS

    lines = [
        "# Recognised mistakes",
        "",
        "<!-- Generated by autograder.diagnose.catalogue_markdown(); do not edit by hand:",
        "     tests/diagnose checks that this file is in sync with reference/mutants.py. -->",
        "",
        "When an item fails, the grader compares the student's outputs with each known mistake",
        "below (`reference/mutants.py`) on the same hidden cases; a match on every case within",
        f"{MATCH_FACTOR:g} × the item's tolerance sets the item's `diagnosis` to the mistake's id",
        "and the feedback shows its explanation and hint in the course's language.",
        "Otherwise a generic pattern is looked for on the deciding case.",
        "",
        f"## Known mistakes ({len(CATALOGUE)})",
        "",
        "| id | functions | 설명 (ko) | explanation (en) |",
        "|---|---|---|---|",
    ]
    for m in CATALOGUE:
        functions = ", ".join(f"`{f}`" for f in m.functions)
        if tuple(m.gru_forms) != tuple(GRU_FORMS):
            functions += f" (gru_form: {', '.join(m.gru_forms)})"
        lines.append(f"| `{m.id}` | {functions} | {_cell(m.explanation['ko'])} | {_cell(m.explanation['en'])} |")
    lines += [
        "",
        f"## Generic patterns ({len(GENERIC)})",
        "",
        "| id | 설명 (ko) | explanation (en) |",
        "|---|---|---|",
    ]
    for gid, entry in GENERIC.items():
        lines.append(f"| `{gid}` | {_cell(entry['explanation']['ko'])} | {_cell(entry['explanation']['en'])} |")
    return "\n".join(lines) + "\n"
