"""Test helpers: central finite differences, relative error, no-mutation check.

Usable from any test file: ``from tests.reference.numgrad import
eval_numerical_gradient_array, eval_numerical_gradient, rel_error, call_unmutated``.
"""

import copy

import numpy as np


ROUNDING_ULPS = 64  # differences below this many ulps of the array's largest entry are rounding


def rel_error(a, b):
    """Largest elementwise relative error of a against b, fit to the arrays' scale.

    Each entry is judged by |a - b| / max(1e-8, |a| + |b|) (CS231n's measure), after the
    rounding noise of the array is taken off: ROUNDING_ULPS ulps of the largest magnitude in
    a or b. An entry that is near zero only through cancellation (``p - 1`` in a softmax
    gradient, ~1e-12 beside entries of 0.3) carries an absolute error of a few ulps of its
    neighbours, which CS231n's measure alone would scale by 1e8 into a false failure; a real
    error in a small entry is far above that noise and is still judged relatively.
    Raises AssertionError if the shapes differ, so a broadcast cannot hide a bug.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, f"shape mismatch {a.shape} vs {b.shape}"
    if a.size == 0:
        return 0.0
    scale = max(float(np.max(np.abs(a))), float(np.max(np.abs(b))))
    noise = ROUNDING_ULPS * np.finfo(np.float64).eps * scale
    diff = np.maximum(np.abs(a - b) - noise, 0.0)
    return float(np.max(diff / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def eval_numerical_gradient_array(f, x, df, h=1e-6):
    """Central-difference gradient of sum(f(x) * df) with respect to the array x.

    f takes x (and may read other arrays captured by closure) and returns an array;
    df is the upstream gradient of f's output. x is perturbed in place, one element at
    a time, and every element is restored before returning.

    Returns an array of x's shape.
    """
    grad = np.zeros(x.shape, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=[["readwrite"]])
    while not it.finished:
        ix = it.multi_index
        old = x[ix]
        x[ix] = old + h
        pos = np.array(f(x), dtype=np.float64, copy=True)
        x[ix] = old - h
        neg = np.array(f(x), dtype=np.float64, copy=True)
        x[ix] = old
        grad[ix] = np.sum((pos - neg) * df) / (2.0 * h)
        it.iternext()
    return grad


def eval_numerical_gradient(f, x, h=1e-6):
    """Central-difference gradient of a scalar function f at x (x perturbed in place
    and restored). Returns an array of x's shape."""
    return eval_numerical_gradient_array(lambda v: np.asarray(f(v), dtype=np.float64),
                                         x, np.float64(1.0), h=h)


def _same(a, b):
    if isinstance(a, np.ndarray):
        return (isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape
                and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if isinstance(a, dict):
        return (isinstance(b, dict) and a.keys() == b.keys()
                and all(_same(a[k], b[k]) for k in a))
    if isinstance(a, (list, tuple)):
        return (type(a) is type(b) and len(a) == len(b)
                and all(_same(u, v) for u, v in zip(a, b)))
    return a == b


def call_unmutated(fn, *args, **kwargs):
    """Call fn(*args, **kwargs) and assert that no argument changed (arrays compared
    bit for bit, dicts/tuples/lists such as caches compared recursively).

    Returns fn's result.
    """
    before = copy.deepcopy((args, kwargs))
    result = fn(*args, **kwargs)
    for i, (old, new) in enumerate(zip(before[0], args)):
        assert _same(old, new), f"{fn.__name__} modified its argument {i}"
    for k in kwargs:
        assert _same(before[1][k], kwargs[k]), f"{fn.__name__} modified its argument {k!r}"
    return result
