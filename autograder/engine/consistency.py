"""Self-consistency credit: is a wrong backward at least the true gradient of the student's
own (wrong) forward?

Owns the probe programs and their numerics.  For each case of a backward graded through
a forward, and each forward input ``X`` whose gradient ``dX`` the backward returns, the
student's forward is evaluated at ``X ± εV`` for a random direction ``V``; with the
upstream gradients ``g_k`` the scalar ``L = Σ_k <g_k, out_k>`` gives the directional
derivative ``(L(X+εV) − L(X−εV)) / 2ε``, which must equal ``<dX, V>``.  A backward that
passes on every case earns course.yaml's ``self_consistency_credit`` share of its points:
the student did backpropagate correctly, through a forward that was wrong (and lost its
own points there).  Only numbers cross the sandbox boundary, as for any graded call.

No credit without work: a forward that does not depend on ``X`` (zeros of the right shape, a
constant) has a zero directional derivative, which a backward returning zeros "matches".  An
output is credited only if the derivative along ``V`` is clearly non-zero
(:data:`NONZERO`, relative to ``‖g‖·‖V‖``) and the backward's ``dX`` is not all zeros.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from autograder.engine.cases import Case
from autograder.engine.course import CACHE_OUTPUT, FunctionSpec

EPSILON = 1e-6
TOLERANCE = 1e-5  # on the relative difference of the two directional derivatives
# |directional derivative| / (‖g‖·‖V‖) below this is "the forward does not depend on X": for
# a real forward it is about 1e-3 to 1 (tanh, sigmoid), and the finite difference's noise ~1e-9.
NONZERO = 1e-6


def _leaves(value: Any) -> list[np.ndarray]:
    if isinstance(value, dict):
        return [leaf for key in sorted(value) for leaf in _leaves(value[key])]
    if isinstance(value, (list, tuple)):
        return [leaf for v in value for leaf in _leaves(v)]
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return [value]
    return []


def _map(value: Any, fn) -> Any:
    """``value`` with every float array replaced by ``fn(array)`` (same nesting)."""
    if isinstance(value, dict):
        return {key: _map(v, fn) for key, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_map(v, fn) for v in value]
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return fn(value)
    return value


def _inner(a: Any, b: Any) -> float:
    la, lb = _leaves(a), _leaves(b)
    if len(la) != len(lb) or any(x.shape != y.shape for x, y in zip(la, lb)):
        raise ValueError("structures differ")
    return float(sum(np.vdot(x, y) for x, y in zip(la, lb)))


def gradient_inputs(spec: FunctionSpec, forward: FunctionSpec) -> dict[str, int]:
    """Backward output name -> index of the forward input it is the gradient of (dX <-> X)."""
    graded = {item.output for item in spec.items}
    return {f"d{name}": i for i, name in enumerate(forward.args) if f"d{name}" in graded}


def probes(spec: FunctionSpec, forward: FunctionSpec, case: Case) -> tuple[dict, list[tuple[str, Any]]]:
    """The probe program of one case and, per gradient output, its direction V."""
    fwd_step, _ = case.program["steps"]
    rng = np.random.default_rng(case.index + 7919)
    steps, directions = [], []
    for output, index in gradient_inputs(spec, forward).items():
        x = fwd_step["args"][index]
        v = _map(x, lambda a: rng.standard_normal(a.shape))
        if not _leaves(v):
            continue
        directions.append((output, v))
        for sign in (1.0, -1.0):
            moved = _map_pair(x, v, sign)
            args = list(fwd_step["args"])
            args[index] = moved
            steps.append({"fn": forward.name, "args": args, "nret": len(forward.returns),
                          "send": [i for i, r in enumerate(forward.returns) if r != CACHE_OUTPUT]})
    return {"steps": steps}, directions


def _map_pair(x: Any, v: Any, sign: float) -> Any:
    if isinstance(x, dict):
        return {key: _map_pair(x[key], v[key], sign) for key in x}
    if isinstance(x, (list, tuple)):
        return [_map_pair(a, b, sign) for a, b in zip(x, v)]
    if isinstance(x, np.ndarray) and x.dtype.kind == "f":
        return x + sign * EPSILON * v
    return x


def _objective(outputs: list, upstream: dict[int, Any]) -> float:
    """L = Σ_k <g_k, out_k> over the forward outputs that receive an upstream gradient."""
    return sum(_inner(g, outputs[k]) for k, g in upstream.items())


def consistent_outputs(spec: FunctionSpec, forward: FunctionSpec, case: Case, gradients: dict[str, Any],
                       probe_result: dict, directions: list[tuple[str, Any]]) -> set[str]:
    """Backward outputs whose directional derivative matches the student's forward on this case."""
    _, bwd_step = case.program["steps"]
    sent = [i for i, r in enumerate(forward.returns) if r != CACHE_OUTPUT]
    upstream = {}
    for arg, value in zip(spec.args, bwd_step["args"]):
        like = spec.inputs[arg].get("like")
        if like is not None:
            upstream[sent.index(forward.returns.index(like))] = value
    ok = set()
    scale = np.sqrt(sum(_inner(g, g) for g in upstream.values()))
    for n, (output, v) in enumerate(directions):
        try:
            plus = _objective(probe_result["outputs"][2 * n], upstream)
            minus = _objective(probe_result["outputs"][2 * n + 1], upstream)
            numeric = (plus - minus) / (2 * EPSILON)
            analytic = _inner(gradients[output], v)
            backward_works = any(np.any(leaf != 0) for leaf in _leaves(gradients[output]))
        except (ValueError, TypeError, KeyError, IndexError):
            continue
        forward_depends = abs(numeric) > NONZERO * scale * np.sqrt(_inner(v, v))
        if np.isfinite(numeric) and forward_depends and backward_works and \
                abs(numeric - analytic) <= TOLERANCE * (abs(numeric) + abs(analytic) + 1e-12):
            ok.add(output)
    return ok
