"""Gradient clipping on a dict of gradients (name -> array), without side effects.

Semantics follow torch.nn.utils.clip_grad_value_ and clip_grad_norm_ (L2), except that
nothing is modified in place: the clipped gradients come back as new arrays, and a
negative clip_value / max_norm is rejected instead of silently flipping signs.
"""

import numpy as np

__all__ = ["clip_grad_value", "clip_grad_norm"]


def clip_grad_value(grads, clip_value):
    """Clip every gradient element into [-clip_value, clip_value].

    Inputs:
    - grads: dict name -> array (any shapes)
    - clip_value: non-negative number

    Returns:
    - clipped: new dict with the same keys (same order), each a new array of the same
      shape; the input arrays are unchanged
    """
    clip_value = float(clip_value)
    if not clip_value >= 0:
        raise ValueError(f"clip_value must be >= 0, got {clip_value}")
    # np.clip always allocates a new array, so no result aliases an input.
    return {k: np.clip(np.asarray(g, dtype=np.float64), -clip_value, clip_value)
            for k, g in grads.items()}


def clip_grad_norm(grads, max_norm):
    """Rescale all gradients together so that their global L2 norm is at most max_norm.

    total_norm is the L2 norm of all arrays viewed as one vector. As in
    torch.nn.utils.clip_grad_norm_, the scale max_norm / (total_norm + 1e-6) is applied
    to every array only if it is below 1 (a NaN scale propagates, as in torch).

    Inputs:
    - grads: dict name -> array (any shapes)
    - max_norm: non-negative number

    Returns a tuple of:
    - clipped: new dict with the same keys (same order), each a new array
    - total_norm: Python float, the global norm before clipping
    """
    max_norm = float(max_norm)
    if not max_norm >= 0:
        raise ValueError(f"max_norm must be >= 0, got {max_norm}")
    arrays = {k: np.asarray(g, dtype=np.float64) for k, g in grads.items()}
    # Norm of the per-array norms, the same reduction order as torch.
    norms = [np.linalg.norm(g.ravel()) for g in arrays.values()]
    total_norm = float(np.linalg.norm(norms)) if norms else 0.0
    coef = max_norm / (total_norm + 1e-6)
    # `not coef >= 1` rather than `coef < 1`: a NaN norm yields NaN gradients, as torch's
    # clamp(coef, max=1) does, instead of passing them on unclipped.
    if not coef >= 1.0:
        # An infinite norm gives coef 0 and inf * 0 = NaN, deliberately (as in torch).
        with np.errstate(invalid="ignore"):
            clipped = {k: g * coef for k, g in arrays.items()}
    else:
        clipped = {k: g.copy() for k, g in arrays.items()}
    return clipped, total_norm
