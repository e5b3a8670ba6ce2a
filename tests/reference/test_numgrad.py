"""The tests' own measure of agreement (numgrad.rel_error): fit to the values' scale."""

import numpy as np

from tests.reference.numgrad import rel_error


def test_cancellation_near_zero_is_rounding_not_error():
    # A softmax gradient row: p - 1 cancels to ~1e-12, beside entries of ~0.33. The two
    # computations differ there by one ulp of 0.33 (5.5e-17): CS231n's measure alone reads
    # that as 5.5e-17 / 1e-8 = 5.5e-9, a false failure at a 1e-9 tolerance.
    a = np.array([0.33, 0.33, 0.34, 1e-12])
    b = a.copy()
    b[3] += np.spacing(0.33)
    assert rel_error(a, b) < 1e-12
    assert float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b)))) > 1e-9


def test_real_error_in_a_small_entry_is_still_caught():
    a = np.array([1.0, 2.0, 1e-6])
    b = a.copy()
    b[2] *= 1 + 1e-3  # a wrong small entry, far above the array's rounding noise
    assert rel_error(a, b) > 4e-4
    b = a.copy()
    b[0] *= 1 + 1e-10
    assert 1e-11 < rel_error(a, b) < 1e-10


def test_nan_and_shape_mismatch_fail():
    assert not rel_error(np.array([1.0, np.nan]), np.array([1.0, 2.0])) < 1.0
    try:
        rel_error(np.zeros(3), np.zeros((3, 1)))
    except AssertionError:
        pass
    else:
        raise AssertionError("a shape mismatch must not pass")


def test_zero_arrays_agree():
    assert rel_error(np.zeros(4), np.zeros(4)) == 0.0
    assert rel_error(np.zeros(0), np.zeros(0)) == 0.0
