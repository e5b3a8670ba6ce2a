"""compare.py: the norm-wise relative error and the checks before it."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from autograder.student.compare import compare, relative_error


def test_relative_error_definition():
    s, r = np.array([3.0, 4.0]), np.array([0.0, 0.0])
    assert relative_error(s, r) == pytest.approx(1.0)
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(np.array([1.0, 1.0]), np.array([1.0, 1.0 + 1e-8])) == pytest.approx(
        1e-8 / (np.sqrt(2) + np.sqrt(1 + (1 + 1e-8) ** 2)), rel=1e-6)


@settings(max_examples=50, deadline=None)
@given(arrays(np.float64, st.integers(1, 20), elements=st.floats(-1e3, 1e3)))
def test_identical_arrays_pass_and_negation_fails(a):
    assert compare(a.copy(), a, 1e-6).ok
    if np.linalg.norm(a) > 0:
        verdict = compare(-a, a, 1e-6)
        assert not verdict.ok and verdict.code == "value" and verdict.error == pytest.approx(1.0)


def test_relative_error_survives_tiny_and_huge_values():
    for magnitude in (1e-310, 1e-200, 1e200):
        a = np.array([3.0, -4.0]) * magnitude
        assert relative_error(-a, a) == pytest.approx(1.0)
        assert relative_error(a, a) == 0.0


def test_shape_dtype_nan_are_named():
    r = np.ones((2, 3))
    assert compare(np.ones((3, 2)), r, 1e-6).code == "shape"
    assert compare(np.ones((2, 3), dtype=np.float32), r, 1e-6).code == "dtype"
    bad = r.copy(); bad[0, 1] = np.nan
    verdict = compare(bad, r, 1e-6)
    assert verdict.code == "nonfinite" and verdict.params["count"] == 1
    inf = r.copy(); inf[1, 2] = np.inf
    assert compare(inf, r, 1e-6).code == "nonfinite"


def test_scalars_python_float_vs_0d_array():
    assert compare(np.float64(2.5), 2.5, 1e-6).ok
    assert compare(np.array(2.5), 2.5, 1e-6).ok
    assert not compare(np.array(2.6), 2.5, 1e-6).ok


def test_dicts_compare_as_one_vector_and_need_same_keys():
    ref = {"W": np.ones((2, 2)), "b": np.zeros(2)}
    assert compare({"W": np.ones((2, 2)), "b": np.zeros(2)}, ref, 1e-6).ok
    assert compare({"W": np.ones((2, 2))}, ref, 1e-6).code == "keys"
    assert compare([np.ones(2)], ref, 1e-6).code == "type"


def test_lists_need_same_length():
    assert compare([np.ones(2)], [np.ones(2), np.ones(2)], 1e-6).code == "length"


def test_integers_must_match_exactly():
    ref = np.array([1, 2, 3])
    assert compare(np.array([1, 2, 3]), ref, 1e-6).ok
    verdict = compare(np.array([1, 2, 4]), ref, 0.5)
    assert not verdict.ok and verdict.params["mismatches"] == 1
    assert compare(np.array([1.0, 2.0, 3.0]), ref, 1e-6).code == "dtype"


def test_tolerance_boundary():
    r = np.array([1.0, 0.0])
    s = np.array([1.0 + 2e-6, 0.0])  # error = 2e-6 / (2 + 2e-6) ~ 1e-6
    e = relative_error(s, r)
    assert compare(s, r, e * 1.0001).ok
    assert not compare(s, r, e * 0.9999).ok


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 300), st.integers(-300, 300), st.integers(-320, 300), st.integers(0, 2**32 - 1))
def test_relative_error_is_the_norm_formula_bit_for_bit(n, scale, noise, seed):
    """relative_error skips np.linalg.norm's checks (it runs ~240 times per student); the value
    written to every result must stay what the norm formula gives, to the last bit."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(n) * 10.0 ** scale
    b = a + rng.standard_normal(n) * 10.0 ** noise
    for s, r in ((a, b), (a, a.copy()), (np.zeros(n), b)):
        top = max(np.max(np.abs(s), initial=0.0), np.max(np.abs(r), initial=0.0))
        want = 0.0 if top == 0.0 else float(
            np.linalg.norm(s / top - r / top) / (np.linalg.norm(s / top) + np.linalg.norm(r / top)))
        assert relative_error(s, r) == want


def test_compare_leaves_both_sides_untouched_and_finds_any_nonfinite():
    """compare works on the arrays where they are (no copy of a single output): it must not write into them."""
    rng = np.random.default_rng(7)
    s, r = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    s0, r0 = s.copy(), r.copy()
    verdict = compare(s, r, 1e-6)
    assert not verdict.ok and verdict.error == relative_error(s0, r0)
    assert np.array_equal(s, s0) and np.array_equal(r, r0)
    for bad in (np.nan, np.inf, -np.inf):
        for where in ((0, 0), (2, 3), (3, 4)):
            x = r.copy(); x[where] = bad
            assert compare(x, r, 1e-6).code == "nonfinite"
