"""reference.layers (embedding, temporal affine, temporal softmax loss, shared helpers)
against torch and finite differences."""

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, example, given, settings, strategies as st

from reference import (log_softmax, sigmoid, softmax, temporal_affine_backward,
                       temporal_affine_forward, temporal_softmax_loss, word_embedding_backward,
                       word_embedding_forward)
from tests.reference.numgrad import (call_unmutated, eval_numerical_gradient,
                                     eval_numerical_gradient_array, rel_error)
from tests.reference.torch_convert import to_np, to_t

TORCH_TOL = 1e-9
FD_TOL = 1e-7
FD_H = 1e-5

fast = settings(max_examples=15, deadline=None)
dims = dict(N=st.integers(2, 4), T=st.integers(3, 5), D=st.integers(1, 6),
            M=st.integers(1, 6), seed=st.integers(0, 2**32 - 1))


# --------------------------------------------------------------------------- helpers

def test_sigmoid_matches_torch_and_is_stable():
    x = np.concatenate([np.linspace(-800, 800, 1601), [-1e308, 1e308, 0.0, -0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # overflow in exp would raise here
        s = call_unmutated(sigmoid, x)
    expected = to_np(torch.sigmoid(to_t(x)))
    assert s.dtype == np.float64 and np.all(np.isfinite(s))
    # Full relative precision even where sigmoid underflows towards 0.
    assert rel_error(s, expected) < 1e-14


def test_softmax_and_log_softmax_match_torch():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4, 7)) * 50 + 1000  # large logits: no overflow allowed
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = call_unmutated(softmax, x, axis=-1)
        lp = call_unmutated(log_softmax, x, axis=1)
    assert rel_error(p, to_np(torch.softmax(to_t(x), dim=-1))) < 1e-12
    assert rel_error(lp, to_np(torch.log_softmax(to_t(x), dim=1))) < 1e-12


# --------------------------------------------------------------------------- embedding

@fast
@given(N=st.integers(2, 4), T=st.integers(3, 5), V=st.integers(1, 4), D=st.integers(1, 6),
       seed=st.integers(0, 2**32 - 1))
def test_word_embedding_matches_torch(N, T, V, D, seed):
    # V <= 4 < N * T: words repeat, which a `dW[x] += dout` backward would get wrong.
    rng = np.random.default_rng(seed)
    x = rng.integers(0, V, size=(N, T))
    W = rng.standard_normal((V, D))
    dout = rng.standard_normal((N, T, D))

    out, cache = call_unmutated(word_embedding_forward, x, W)
    dW = call_unmutated(word_embedding_backward, dout, cache)

    Wt = to_t(W, True)
    out_t = F.embedding(torch.tensor(x), Wt)
    (out_t * to_t(dout)).sum().backward()
    assert out.shape == (N, T, D)
    assert rel_error(out, to_np(out_t)) < TORCH_TOL
    assert rel_error(dW, to_np(Wt.grad)) < TORCH_TOL
    assert not np.shares_memory(out, W)


def test_word_embedding_backward_accumulates_repeated_words():
    x = np.array([[0, 2, 0], [2, 2, 1]])
    dout = np.arange(18, dtype=np.float64).reshape(2, 3, 3)
    _, cache = word_embedding_forward(x, np.zeros((4, 3)))
    dW = word_embedding_backward(dout, cache)
    expected = np.zeros((4, 3))
    for n in range(2):
        for t in range(3):
            expected[x[n, t]] += dout[n, t]
    assert np.array_equal(dW, expected)
    assert np.array_equal(dW[3], np.zeros(3))  # unused word: zero gradient


def test_word_embedding_backward_matches_finite_differences():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 5, size=(2, 4))
    W = rng.standard_normal((5, 3))
    dout = rng.standard_normal((2, 4, 3))
    _, cache = word_embedding_forward(x, W)
    num = eval_numerical_gradient_array(lambda _: word_embedding_forward(x, W)[0], W, dout,
                                        h=FD_H)
    assert rel_error(word_embedding_backward(dout, cache), num) < FD_TOL


# --------------------------------------------------------------------------- temporal affine

@fast
@given(**dims)
def test_temporal_affine_matches_torch(N, T, D, M, seed):
    assume(D != M)
    rng = np.random.default_rng(seed)
    x, w, b, dout = (rng.standard_normal(s) for s in ((N, T, D), (D, M), (M,), (N, T, M)))

    out, cache = call_unmutated(temporal_affine_forward, x, w, b)
    dx, dw, db = call_unmutated(temporal_affine_backward, dout, cache)

    xt, wt, bt = to_t(x, True), to_t(w.T, True), to_t(b, True)
    out_t = F.linear(xt, wt, bt)
    (out_t * to_t(dout)).sum().backward()
    assert rel_error(out, to_np(out_t)) < TORCH_TOL
    assert rel_error(dx, to_np(xt.grad)) < TORCH_TOL
    assert rel_error(dw, to_np(wt.grad).T) < TORCH_TOL
    assert rel_error(db, to_np(bt.grad)) < TORCH_TOL


def test_temporal_affine_backward_matches_finite_differences():
    rng = np.random.default_rng(2)
    args = [rng.standard_normal((2, 3, 4)), rng.standard_normal((4, 5)), rng.standard_normal(5)]
    dout = rng.standard_normal((2, 3, 5))
    _, cache = temporal_affine_forward(*args)
    for i, g in enumerate(temporal_affine_backward(dout, cache)):
        num = eval_numerical_gradient_array(lambda _: temporal_affine_forward(*args)[0],
                                            args[i], dout, h=FD_H)
        assert rel_error(g, num) < FD_TOL, i


# --------------------------------------------------------------------------- softmax loss

def _torch_masked_loss(x, y, mask):
    N, T, V = x.shape
    xt = to_t(x, True)
    per_step = F.cross_entropy(xt.reshape(N * T, V), torch.tensor(y.reshape(N * T)),
                               reduction="none")
    loss = (per_step * to_t(mask.reshape(N * T))).sum() / N
    loss.backward()
    return loss.item(), to_np(xt.grad)


@fast
@given(N=st.integers(2, 4), T=st.integers(3, 5), V=st.integers(2, 7),
       scale=st.sampled_from([1.0, 30.0, 1000.0]), seed=st.integers(0, 2**32 - 1))
@example(N=3, T=5, V=4, scale=30.0, seed=554846)  # a p - 1 that cancels to ~1e-12 beside entries of 0.33
def test_temporal_softmax_loss_matches_torch(N, T, V, scale, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, T, V)) * scale  # 1000: exp would overflow without the shift
    y = rng.integers(0, V, size=(N, T))
    mask = rng.random((N, T)) < 0.7

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, dx = call_unmutated(temporal_softmax_loss, x, y, mask)
    t_loss, t_dx = _torch_masked_loss(x, y, mask)
    assert isinstance(loss, float)
    assert rel_error(loss, t_loss) < TORCH_TOL
    assert rel_error(dx, t_dx) < TORCH_TOL
    assert np.all(dx[~mask] == 0)


@pytest.mark.parametrize("mask_value", [True, False])
def test_temporal_softmax_loss_full_and_empty_mask(mask_value):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 4, 5))
    y = rng.integers(0, 5, size=(3, 4))
    mask = np.full((3, 4), mask_value)
    loss, dx = temporal_softmax_loss(x, y, mask)
    t_loss, t_dx = _torch_masked_loss(x, y, mask)
    assert rel_error(loss, t_loss) < TORCH_TOL
    assert rel_error(dx, t_dx) < TORCH_TOL


def test_temporal_softmax_loss_known_value():
    # Uniform scores over V classes: each unmasked step costs log V; sum over T, mean over N.
    N, T, V = 2, 3, 4
    mask = np.array([[1, 1, 0], [1, 0, 0]], dtype=bool)
    loss, _ = temporal_softmax_loss(np.zeros((N, T, V)), np.zeros((N, T), dtype=int), mask)
    assert loss == pytest.approx(3 * np.log(V) / N, rel=1e-15)


def test_temporal_softmax_loss_matches_finite_differences():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 4, 5))
    y = rng.integers(0, 5, size=(3, 4))
    mask = rng.random((3, 4)) < 0.6
    _, dx = temporal_softmax_loss(x, y, mask)
    num = eval_numerical_gradient(lambda _: temporal_softmax_loss(x, y, mask)[0], x, h=FD_H)
    assert rel_error(dx, num) < FD_TOL


# --------------------------------------------------------------------------- the helpers

def test_helpers_can_fail():
    # The checks above are only as good as these helpers: they must reject a wrong
    # gradient and an in-place modification.
    x = np.linspace(0.5, 2.0, 7)
    df = np.ones_like(x)
    num = eval_numerical_gradient_array(lambda v: v**3, x, df, h=FD_H)
    assert np.array_equal(x, np.linspace(0.5, 2.0, 7))  # restored after perturbation
    assert rel_error(3 * x**2, num) < FD_TOL
    assert rel_error(3.001 * x**2, num) > 1e-4

    def scale_in_place(a):
        a *= 2
        return a

    with pytest.raises(AssertionError, match="modified"):
        call_unmutated(scale_in_place, np.ones(3))
    with pytest.raises(AssertionError, match="modified"):
        call_unmutated(lambda cache: cache["h"].fill(0), {"h": np.ones(2)})
