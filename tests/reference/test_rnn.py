"""reference.rnn against torch.nn.RNNCell / nn.RNN (tanh) and finite differences."""

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

from reference import rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward
from tests.reference.numgrad import call_unmutated, eval_numerical_gradient_array, rel_error
from tests.reference.torch_convert import (composed_vs_torch_errors, grads_of, load,
                                           make_cell, make_module, random_params, to_np, to_t)

TORCH_TOL = 1e-9
FD_TOL = 1e-7
FD_H = 1e-5  # balances truncation (~h^2) and round-off (~eps/h) errors best here

shapes = dict(N=st.integers(2, 4), T=st.integers(3, 5), D=st.integers(1, 6),
              H=st.integers(1, 6), seed=st.integers(0, 2**32 - 1))
fast = settings(max_examples=15, deadline=None)


@fast
@given(**shapes)
def test_step_forward_backward_match_torch(N, T, D, H, seed):
    assume(D != H)
    rng = np.random.default_rng(seed)
    x, prev_h, dnext_h = (rng.standard_normal(s) for s in ((N, D), (N, H), (N, H)))
    params = random_params("rnn", D, H, rng)

    next_h, cache = call_unmutated(rnn_step_forward, x, prev_h, *params)
    dx, dprev_h, dWx, dWh, db = call_unmutated(rnn_step_backward, dnext_h, cache)

    cell = make_cell("rnn", D, H, params)
    xt, ht = to_t(x, True), to_t(prev_h, True)
    out = cell(xt, ht)
    (out * to_t(dnext_h)).sum().backward()
    tdWx, tdWh, tdb = grads_of(cell, "", "rnn")

    assert rel_error(next_h, to_np(out)) < TORCH_TOL
    assert rel_error(dx, to_np(xt.grad)) < TORCH_TOL
    assert rel_error(dprev_h, to_np(ht.grad)) < TORCH_TOL
    assert rel_error(dWx, tdWx) < TORCH_TOL
    assert rel_error(dWh, tdWh) < TORCH_TOL
    assert rel_error(db, tdb) < TORCH_TOL


@fast
@given(**shapes)
def test_forward_backward_match_torch(N, T, D, H, seed):
    assume(D != H)
    rng = np.random.default_rng(seed)
    x, h0, dh = (rng.standard_normal(s) for s in ((N, T, D), (N, H), (N, T, H)))
    params = random_params("rnn", D, H, rng)

    h, cache = call_unmutated(rnn_forward, x, h0, *params)
    dx, dh0, dWx, dWh, db = call_unmutated(rnn_backward, dh, cache)

    module = make_module("rnn", D, H)
    load(module, "_l0", "rnn", params)
    xt, h0t = to_t(x, True), to_t(h0[None], True)
    out, _ = module(xt, h0t)
    # The loss reaches every h_t directly (dh), and earlier ones also through later steps.
    (out * to_t(dh)).sum().backward()
    tdWx, tdWh, tdb = grads_of(module, "_l0", "rnn")

    assert h.shape == (N, T, H)
    assert rel_error(h, to_np(out)) < TORCH_TOL
    assert rel_error(dx, to_np(xt.grad)) < TORCH_TOL
    assert rel_error(dh0, to_np(h0t.grad)[0]) < TORCH_TOL
    assert rel_error(dWx, tdWx) < TORCH_TOL
    assert rel_error(dWh, tdWh) < TORCH_TOL
    assert rel_error(db, tdb) < TORCH_TOL


@pytest.mark.parametrize("num_layers,bidirectional", [(2, False), (1, True), (2, True)])
def test_cells_compose_to_torch_multilayer_bidirectional(num_layers, bidirectional):
    errors = composed_vs_torch_errors("rnn", N=3, T=4, D=5, H=3, num_layers=num_layers,
                                      bidirectional=bidirectional, seed=7)
    assert max(errors.values()) < TORCH_TOL, errors


def _inputs(rng, N=2, T=3, D=4, H=5):
    return (rng.standard_normal((N, T, D)), rng.standard_normal((N, H)),
            *random_params("rnn", D, H, rng))


def test_step_backward_matches_finite_differences():
    rng = np.random.default_rng(0)
    x, prev_h, Wx, Wh, b = _inputs(rng)
    args = [x[:, 0].copy(), prev_h, Wx, Wh, b]
    dnext_h = rng.standard_normal(prev_h.shape)
    _, cache = rnn_step_forward(*args)
    grads = rnn_step_backward(dnext_h, cache)
    for i, g in enumerate(grads):
        num = eval_numerical_gradient_array(lambda _: rnn_step_forward(*args)[0],
                                            args[i], dnext_h, h=FD_H)
        assert rel_error(g, num) < FD_TOL, i


def test_backward_matches_finite_differences():
    rng = np.random.default_rng(1)
    args = list(_inputs(rng))
    dh = rng.standard_normal((2, 3, 5))
    _, cache = rnn_forward(*args)
    grads = rnn_backward(dh, cache)
    for i, g in enumerate(grads):
        num = eval_numerical_gradient_array(lambda _: rnn_forward(*args)[0], args[i], dh, h=FD_H)
        assert rel_error(g, num) < FD_TOL, i


def test_backward_uses_only_per_step_upstream_gradients():
    # With the loss on the last step only, dh is zero elsewhere; earlier inputs must
    # still receive gradient through the recurrence (the backward adds it itself).
    rng = np.random.default_rng(2)
    args = _inputs(rng)
    h, cache = rnn_forward(*args)
    dh = np.zeros_like(h)
    dh[:, -1] = 1.0
    dx = rnn_backward(dh, cache)[0]
    assert np.all(np.abs(dx[:, 0]).sum(axis=-1) > 0)


def test_all_float64():
    rng = np.random.default_rng(3)
    h, cache = rnn_forward(*_inputs(rng))
    assert h.dtype == np.float64
    assert all(g.dtype == np.float64 for g in rnn_backward(np.ones_like(h), cache))
