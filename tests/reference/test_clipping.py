"""reference.clipping against torch.nn.utils.clip_grad_norm_ / clip_grad_value_."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

from reference import clip_grad_norm, clip_grad_value
from tests.reference.numgrad import call_unmutated, rel_error
from tests.reference.torch_convert import to_np, to_t

fast = settings(max_examples=15, deadline=None)


def _random_grads(rng, count, scale):
    shapes = [tuple(rng.integers(1, 5, size=rng.integers(0, 3))) for _ in range(count)]
    return {f"g{k}": rng.standard_normal(s) * scale for k, s in enumerate(shapes)}


def _torch_params(grads):
    params = []
    for g in grads.values():
        p = torch.nn.Parameter(torch.zeros(g.shape, dtype=torch.float64))
        p.grad = to_t(g)
        params.append(p)
    return params


def _torch_clip_norm(grads, max_norm):
    params = _torch_params(grads)
    total = torch.nn.utils.clip_grad_norm_(params, max_norm)
    return [to_np(p.grad) for p in params], total.item()


def _torch_clip_value(grads, clip_value):
    params = _torch_params(grads)
    torch.nn.utils.clip_grad_value_(params, clip_value)
    return [to_np(p.grad) for p in params]


def _assert_fresh(clipped, grads):
    assert list(clipped) == list(grads)  # same keys, same order
    for k in grads:
        assert clipped[k].shape == np.shape(grads[k])
        assert not np.shares_memory(clipped[k], grads[k])


@fast
@given(count=st.integers(1, 5), scale=st.sampled_from([1e-3, 1.0, 100.0]),
       max_norm=st.sampled_from([0.0, 0.5, 1.0, 5.0, 1e3]), seed=st.integers(0, 2**32 - 1))
def test_clip_grad_norm_matches_torch(count, scale, max_norm, seed):
    grads = _random_grads(np.random.default_rng(seed), count, scale)
    clipped, total = call_unmutated(clip_grad_norm, grads, max_norm)
    t_clipped, t_total = _torch_clip_norm(grads, max_norm)

    assert type(total) is float
    assert rel_error(total, t_total) < 1e-12
    assert rel_error(total, math.sqrt(sum(np.sum(g**2) for g in grads.values()))) < 1e-12
    _assert_fresh(clipped, grads)
    for ours, theirs in zip(clipped.values(), t_clipped):
        assert rel_error(ours, theirs) < 1e-12


def test_clip_grad_norm_scales_only_above_the_threshold():
    grads = {"a": np.array([3.0, 0.0]), "b": np.array([[4.0]])}  # global norm 5
    same, total = clip_grad_norm(grads, 5.0 + 1e-3)
    assert total == 5.0
    assert all(np.array_equal(same[k], grads[k]) for k in grads)  # exactly, no rescale by ~1
    _assert_fresh(same, grads)

    clipped, total = clip_grad_norm(grads, 1.0)
    assert total == 5.0
    scale = 1.0 / (5.0 + 1e-6)
    assert np.allclose(clipped["a"], [3.0 * scale, 0.0], rtol=1e-15, atol=0)
    assert np.allclose(clipped["b"], [[4.0 * scale]], rtol=1e-15, atol=0)


def test_clip_grad_norm_empty_and_non_finite_like_torch():
    assert clip_grad_norm({}, 1.0) == ({}, 0.0)
    for bad in (np.nan, np.inf):
        grads = {"a": np.array([1.0, bad]), "b": np.array([2.0])}
        clipped, total = clip_grad_norm(grads, 1.0)
        t_clipped, t_total = _torch_clip_norm(grads, 1.0)
        assert np.array_equal(total, t_total, equal_nan=True)
        for ours, theirs in zip(clipped.values(), t_clipped):
            assert np.array_equal(ours, theirs, equal_nan=True)


@fast
@given(count=st.integers(1, 5), clip_value=st.sampled_from([0.0, 0.1, 1.0, 10.0]),
       seed=st.integers(0, 2**32 - 1))
def test_clip_grad_value_matches_torch(count, clip_value, seed):
    grads = _random_grads(np.random.default_rng(seed), count, 2.0)
    clipped = call_unmutated(clip_grad_value, grads, clip_value)
    _assert_fresh(clipped, grads)
    for ours, theirs in zip(clipped.values(), _torch_clip_value(grads, clip_value)):
        assert np.array_equal(ours, theirs)


@pytest.mark.parametrize("fn", [clip_grad_value, clip_grad_norm])
def test_negative_threshold_is_rejected(fn):
    with pytest.raises(ValueError):
        fn({"a": np.ones(2)}, -1.0)
