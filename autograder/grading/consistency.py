"""Follow-through credit: a wrong backward that is the exact gradient of a catalogued mistake
in the student's forward.

Owns: which failed gradient items of a backward earn course.yaml's ``self_consistency_credit``
share of their points, and the grader's own gradients they are compared with.  Credit is
decided from the compared outputs alone; no student code runs for it:

1. the forward the backward is graded through (``through``) fails, and every failed item of
   it is diagnosed as one and the same catalogued mistake (reference/mutants.py, found by
   diagnose.py on the forward's own hidden cases).  A forward that passes earns nothing here:
   its backward was compared with the true gradient already;
2. the grader computes the gradient of that mistaken forward on the backward's hidden cases,
   in its own process, from the reference: the mistake's own backward when the catalogue has
   one (a forward + backward pair consistent with itself), else central differences of the
   mistake's forward (:class:`FiniteDifferences`);
3. each failed gradient output of the student that matches it on every case, within the
   item's tolerance (course.yaml), earns the share, unless the grader's gradient is zero on
   every case (an input the mistaken forward ignores: zeros take no work to match).

Trusted side: the mutants are imported lazily (``autograder`` ships to students without
``reference/``).  The grader's gradients depend only on the mistake and the hidden cases, so
they are computed once per run and shared by every student (and thread).
"""
from __future__ import annotations

import threading
from typing import Any

import numpy as np

from autograder.grading.cases import Case, case_seed
from autograder.student.compare import compare, relative_error
from autograder.grading.course import CACHE_OUTPUT, Course, FunctionSpec
from autograder.grading.refimpl import reference_submodule
from autograder.sandbox.inside.program import ProgramError, run_program

EPSILON = 1e-6  # central-difference step
# Up to this many numbers in a case's differentiated forward inputs, the gradient is differenced
# element by element and compared whole; above it (the large case that makes a numerical gradient
# too slow), along PROJECTIONS random directions drawn from the grading secret, which no student
# code ever sees: a gradient that differs anywhere differs along them (with probability 1).
FULL_GRADIENT = 4096
PROJECTIONS = 8
PROJECTION_STEP = 3e-6  # along a unit direction (five-point stencil)


# ------------------------------------------------------------------ nested values


def _leaves(value: Any) -> list[np.ndarray]:
    """The float arrays of a (nested) value, dict keys in sorted order."""
    if isinstance(value, dict):
        return [leaf for key in sorted(value) for leaf in _leaves(value[key])]
    if isinstance(value, (list, tuple)):
        return [leaf for v in value for leaf in _leaves(v)]
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return [value]
    return []


def _student_leaves(value: Any) -> list:
    """The numeric leaves of a student's output, in :func:`_leaves` order (any dtype)."""
    if isinstance(value, dict):
        return [leaf for key in sorted(value) for leaf in _student_leaves(value[key])]
    if isinstance(value, (list, tuple)):
        return [leaf for v in value for leaf in _student_leaves(v)]
    return [value] if isinstance(value, (np.ndarray, float, int, np.generic)) else []


def _flat(value: Any) -> np.ndarray:
    leaves = _leaves(value)
    return np.concatenate([leaf.ravel() for leaf in leaves]) if leaves else np.zeros(0)


def _rebuild(value: Any, flat: np.ndarray) -> Any:
    """``value`` with its float leaves read, in :func:`_leaves` order, from ``flat``."""
    at = 0

    def build(v: Any) -> Any:
        nonlocal at
        if isinstance(v, dict):
            return {key: build(v[key]) for key in sorted(v)}
        if isinstance(v, (list, tuple)):
            return [build(x) for x in v]
        if isinstance(v, np.ndarray) and v.dtype.kind == "f":
            leaf = flat[at:at + v.size].reshape(v.shape)
            at += v.size
            return leaf
        return v

    return build(value)


def gradient_inputs(spec: FunctionSpec, forward: FunctionSpec) -> dict[str, int]:
    """Backward output name -> index of the forward input it is the gradient of (dX <-> X)."""
    graded = {item.output for item in spec.items}
    return {f"d{name}": i for i, name in enumerate(forward.args) if f"d{name}" in graded}


# ------------------------------------------------------------------ the grader's gradients


class Exact:
    """The grader's gradient itself (a catalogued backward's output, or a full difference)."""

    def __init__(self, value: Any):
        self.value = value

    def nonzero(self) -> bool:
        return any(np.any(leaf != 0) for leaf in _leaves(self.value))

    def matches(self, student: Any, tolerance: float) -> bool:
        return compare(student, self.value, tolerance).ok


class Projected:
    """The grader's gradient along random directions ``D`` (rows): ``D @ g``, by differences."""

    def __init__(self, like: Any, directions: np.ndarray, values: np.ndarray):
        self.like, self.directions, self.values = like, directions, values

    def nonzero(self) -> bool:
        return bool(np.any(self.values != 0))

    def matches(self, student: Any, tolerance: float) -> bool:
        if not compare(student, self.like, float("inf")).ok:  # structure, shapes, dtype, finite
            return False
        try:
            flat = np.concatenate([np.asarray(leaf, dtype=np.float64).ravel() for leaf in _student_leaves(student)])
            projected = self.directions @ flat
        except ValueError:
            return False
        return relative_error(projected, self.values) <= tolerance


class FiniteDifferences:
    """Central differences of a trusted forward's objective ``L = Σ_k <g_k, out_k>``.

    ``g_k`` are the case's upstream gradients (the backward's ``like`` inputs); the gradient
    of ``L`` with respect to forward input ``X`` is what the backward's ``dX`` must be.
    """

    def __init__(self, namespace, forward: FunctionSpec, spec: FunctionSpec, case: Case, seed: int):
        fwd_step, bwd_step = case.program["steps"]
        self.namespace, self.forward, self.args = namespace, forward, list(fwd_step["args"])
        self.sent = [i for i, r in enumerate(forward.returns) if r != CACHE_OUTPUT]
        self.upstream = {}
        for arg, value in zip(spec.args, bwd_step["args"]):
            like = spec.inputs[arg].get("like")
            if like is not None:
                self.upstream[self.sent.index(forward.returns.index(like))] = value
        self.rng = np.random.default_rng(seed)
        numbers = sum(_flat(self.args[i]).size for i in gradient_inputs(spec, forward).values())
        self.full = numbers <= FULL_GRADIENT

    def _objective(self, index: int, x: Any) -> float:
        args = list(self.args)
        args[index] = x
        step = {"fn": self.forward.name, "args": args, "nret": len(self.forward.returns), "send": self.sent}
        outputs = run_program(self.namespace, {"steps": [step]})["outputs"][0]
        return float(sum(np.vdot(_flat(g), _flat(outputs[k])) for k, g in self.upstream.items()))

    def gradient(self, index: int) -> Exact | Projected | None:
        """The gradient with respect to forward input ``index``; None if it has no float numbers."""
        x = self.args[index]
        flat = _flat(x)
        if flat.size == 0:
            return None
        if self.full:  # element by element: the gradient itself
            values = np.array([self._central(index, x, flat, unit, EPSILON) for unit in np.eye(flat.size)])
            return Exact(_rebuild(x, values))
        directions = self.rng.standard_normal((PROJECTIONS, flat.size))
        directions /= np.linalg.norm(directions, axis=1, keepdims=True)
        # a step along a unit direction moves every number a little: the five-point stencil keeps
        # both the rounding of L (a sum over large outputs) and the truncation error (which grows
        # with the sequence length) near 1e-8, far below the item tolerance
        values = np.array([self._five_point(index, x, flat, d, PROJECTION_STEP) for d in directions])
        return Projected(x, directions, values)

    def _central(self, index: int, x: Any, flat: np.ndarray, d: np.ndarray, h: float) -> float:
        return (self._objective(index, _rebuild(x, flat + h * d))
                - self._objective(index, _rebuild(x, flat - h * d))) / (2 * h)

    def _five_point(self, index: int, x: Any, flat: np.ndarray, d: np.ndarray, h: float) -> float:
        return (4 * self._central(index, x, flat, d, h) - self._central(index, x, flat, d, 2 * h)) / 3


class FollowThrough:
    """The grader's gradients of catalogued forward mistakes, per (mistake, backward), cached.

    ``plan`` is a :class:`pipeline.GradingPlan` (``.namespace``, ``.expected``, ``.diagnoser``).
    """

    def __init__(self, course: Course, plan, secret: bytes):
        self.course, self.plan = course, plan
        self._secret = secret
        self._gradients: dict[tuple[str, str], list[dict[str, Exact | Projected] | None]] = {}
        self._lock = threading.Lock()

    def mistake(self, forward_items) -> Any:
        """The catalogued mistake every failed item of a forward is diagnosed as, or None.

        None too when the forward passes (no follow-through for a right forward) or any item
        did not run (error, timeout, missing).
        """
        if any(i.status not in ("passed", "failed") for i in forward_items):
            return None
        found = {i.diagnosis for i in forward_items if i.status == "failed"}
        if len(found) != 1:
            return None
        (mistake_id,) = found
        forward = forward_items[0].item.function
        return next((m for m in self.plan.diagnoser.mutants
                     if m.id == mistake_id and forward in m.functions), None)

    def gradients(self, mutant, spec: FunctionSpec) -> list[dict[str, Exact | Projected] | None]:
        """Per hidden case of ``spec``: graded output -> the grader's gradient under ``mutant``
        (None for a case the mistake's code could not run)."""
        key = (mutant.id, spec.name)
        with self._lock:
            if key not in self._gradients:
                self._gradients[key] = self._compute(mutant, spec)
            return self._gradients[key]

    def _compute(self, mutant, spec: FunctionSpec) -> list[dict | None]:
        namespace_with = reference_submodule(self.course.root, "mutants").namespace_with  # trusted side only

        cases = self.plan.expected[spec.name].cases
        if spec.name in mutant.functions:  # the catalogue's own backward of this mistake
            outputs = self.plan.diagnoser.mutant_outputs(mutant, spec)
            return [None if out is None else {k: Exact(v) for k, v in out.items()} for out in outputs]
        namespace = namespace_with(self.plan.namespace, mutant)
        assert spec.through is not None  # asked only for a backward graded through its forward
        forward = self.course.functions[spec.through]
        result = []
        for case in cases:
            differences = FiniteDifferences(namespace, forward, spec, case,
                                            case_seed(self._secret, f"follow-through/{spec.name}", case.index))
            try:
                grads = {output: differences.gradient(index)
                         for output, index in gradient_inputs(spec, forward).items()}
            except (ProgramError, ValueError, TypeError, FloatingPointError):
                grads = None
            result.append(None if grads is None else {k: v for k, v in grads.items() if v is not None})
        return result

    def credited(self, spec: FunctionSpec, mutant, items, runs) -> set[str]:
        """Failed outputs of ``spec`` that equal the grader's gradient under ``mutant`` on every case."""
        gradients = [g for g in self.gradients(mutant, spec) if g is not None]
        if len(gradients) != len(runs):  # a case without the grader's gradient: nothing to credit
            return set()
        credited = set()
        for item in items:
            output = item.item.output
            if item.status != "failed" or any(output not in g for g in gradients):
                continue
            if not any(g[output].nonzero() for g in gradients):
                continue
            if all(run.outputs is not None and g[output].matches(run.outputs.get(output), item.item.tolerance)
                   for g, run in zip(gradients, runs)):
                credited.add(output)
        return credited
