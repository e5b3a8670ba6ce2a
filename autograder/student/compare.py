"""Compare one output of a student's function with the reference's: the numerics of grading.

Owns: the norm-wise relative error ‖s − r‖ / (‖s‖ + ‖r‖) over a whole (possibly nested)
output, and the checks that come before it — type, structure, shape, dtype, NaN/inf.  A
verdict carries a problem *code* and its parameters; wording is feedback's job.
Used both by the grader (trusted side) and by the notebook self-check.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Verdict:
    ok: bool
    code: str  # "ok" | "value" | "shape" | "dtype" | "nonfinite" | "type" | "keys" | "length"
    error: float | None = None  # relative error, when values could be compared
    params: dict = field(default_factory=dict)


def _abs_max(x: np.ndarray) -> float:
    """max |x| (0 for an empty array; NaN if x holds one) without an ``abs`` temporary."""
    return max(float(x.max(initial=0.0)), -float(x.min(initial=0.0)))


def relative_error(student: np.ndarray, reference: np.ndarray) -> float:
    """‖s − r‖ / (‖s‖ + ‖r‖); 0 when both are zero.  Bounded by 1 for any s ≠ −r·c."""
    s: np.ndarray = np.asarray(student, dtype=np.float64).ravel()
    r: np.ndarray = np.asarray(reference, dtype=np.float64).ravel()
    scale = max(_abs_max(s), _abs_max(r))
    if scale == 0.0:
        return 0.0
    s, r = s / scale, r / scale  # squares of tiny (or huge) values would underflow (overflow)
    ss, rr = s.dot(s), r.dot(r)
    d = np.subtract(s, r, out=s)  # s / scale is this function's own: no third temporary
    # = np.linalg.norm(d) / (np.linalg.norm(s) + np.linalg.norm(r)) (norm of a 1-d float array is
    # sqrt(x.dot(x))), without norm's checks: ~240 calls per student, some on a large case's megabytes
    return float(math.sqrt(d.dot(d)) / (math.sqrt(ss) + math.sqrt(rr)))


def _kind(value: Any) -> str:
    if isinstance(value, np.ndarray) or isinstance(value, (int, float, bool, np.generic)):
        return "array"
    if isinstance(value, dict):
        return "dict"
    if isinstance(value, (list, tuple)):
        return "list"
    if isinstance(value, str):
        return "str"
    if value is None:
        return "none"
    return type(value).__name__


def _leaves(student: Any, reference: Any, path: str = ""):
    """Pair up array leaves; yield (path, s, r) or a failing Verdict for a structural mismatch."""
    kind_s, kind_r = _kind(student), _kind(reference)
    if kind_s != kind_r:
        got = student.get("$bad", "object") if isinstance(student, dict) and "$bad" in student else kind_s
        yield Verdict(False, "type", params={"path": path, "got": got, "expected": kind_r})
    elif kind_r == "dict":
        if set(student) != set(reference):
            yield Verdict(False, "keys", params={"path": path, "missing": sorted(set(reference) - set(student)),
                                                 "extra": sorted(map(str, set(student) - set(reference)))})
            return
        for key in reference:
            yield from _leaves(student[key], reference[key], f"{path}[{key!r}]")
    elif kind_r == "list":
        if len(student) != len(reference):
            yield Verdict(False, "length", params={"path": path, "got": len(student), "expected": len(reference)})
            return
        for i, (s, r) in enumerate(zip(student, reference)):
            yield from _leaves(s, r, f"{path}[{i}]")
    elif kind_r == "array":
        yield path, np.asarray(student), np.asarray(reference)
    elif student != reference:
        yield Verdict(False, "value", error=1.0, params={"path": path})


def _dtype_problem(s: np.ndarray, r: np.ndarray) -> str | None:
    if r.dtype.kind == "f":
        return None if s.dtype == np.float64 else "float64"
    if r.dtype.kind in "iu":
        return None if s.dtype.kind in "iu" else "integer"
    if r.dtype.kind == "b":
        return None if s.dtype.kind == "b" else "bool"
    return None


def compare(student: Any, reference: Any, tolerance: float) -> Verdict:
    """Verdict for one graded output (an array, a scalar, or a dict/list of them)."""
    pairs = []
    for leaf in _leaves(student, reference):
        if isinstance(leaf, Verdict):
            return leaf
        path, s, r = leaf
        if s.shape != r.shape:
            return Verdict(False, "shape", params={"path": path, "got": list(s.shape), "expected": list(r.shape)})
        expected_dtype = _dtype_problem(s, r)
        if expected_dtype:
            return Verdict(False, "dtype", params={"path": path, "got": str(s.dtype), "expected": expected_dtype})
        if s.dtype.kind == "f" and s.size and not (math.isfinite(s.max()) and math.isfinite(s.min())):
            # (max and min are finite iff every value is: NaN and ±inf reach one of them)
            bad = int(np.size(s) - np.count_nonzero(np.isfinite(s)))
            return Verdict(False, "nonfinite", params={"path": path, "count": bad})
        pairs.append((s, r))
    if not pairs:
        return Verdict(True, "ok", error=0.0)
    exact = [(s, r) for s, r in pairs if r.dtype.kind != "f"]
    for s, r in exact:  # token ids, masks: nothing is "close" about a wrong integer
        if not np.array_equal(s, r):
            return Verdict(False, "value", error=1.0, params={"tolerance": 0, "mismatches": int(np.sum(s != r))})
    floats = [(s, r) for s, r in pairs if r.dtype.kind == "f"]
    if not floats:
        return Verdict(True, "ok", error=0.0)
    if len(floats) == 1:  # the usual case: one array, compared where it is
        error = relative_error(*floats[0])
    else:
        error = relative_error(np.concatenate([s.ravel() for s, _ in floats]),
                               np.concatenate([r.ravel() for _, r in floats]))
    if error <= tolerance:
        return Verdict(True, "ok", error=error)
    return Verdict(False, "value", error=error, params={"tolerance": tolerance})


def time_profile(student: Any, reference: Any) -> dict | None:
    """Per-time-step view of a wrong (N, T, ...) output: its norms and relative error at each t.

    Feedback uses it to show *where* in time a gradient goes wrong (e.g. right only for
    the last steps: the gradient is not carried back through time).
    """
    if not (isinstance(student, np.ndarray) and isinstance(reference, np.ndarray)):
        return None
    if reference.ndim != 3 or student.shape != reference.shape or reference.dtype.kind != "f":
        return None
    if not np.all(np.isfinite(student)):
        return None
    steps = range(reference.shape[1])
    return {
        "student_norm": [float(np.linalg.norm(student[:, t])) for t in steps],
        "reference_norm": [float(np.linalg.norm(reference[:, t])) for t in steps],
        "error": [relative_error(student[:, t], reference[:, t]) for t in steps],
    }
