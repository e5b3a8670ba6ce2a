"""reference.lstm against torch.nn.LSTMCell / nn.LSTM and finite differences.

Our gate blocks are [i | f | o | g]; torch_convert reorders them to torch's [i | f | g | o].
"""

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

from reference import lstm_backward, lstm_forward, lstm_step_backward, lstm_step_forward
from reference.layers import sigmoid
from tests.reference.numgrad import call_unmutated, eval_numerical_gradient_array, rel_error
from tests.reference.torch_convert import (composed_vs_torch_errors, grads_of, load,
                                           make_cell, make_module, random_params, to_np, to_t)

TORCH_TOL = 1e-9
FD_TOL = 1e-7
FD_H = 1e-5

shapes = dict(N=st.integers(2, 4), T=st.integers(3, 5), D=st.integers(1, 6),
              H=st.integers(1, 6), seed=st.integers(0, 2**32 - 1))
fast = settings(max_examples=15, deadline=None)


@fast
@given(**shapes)
def test_step_forward_backward_match_torch(N, T, D, H, seed):
    assume(D != H)
    rng = np.random.default_rng(seed)
    x, prev_h, prev_c, dnext_h, dnext_c = (
        rng.standard_normal(s) for s in ((N, D), (N, H), (N, H), (N, H), (N, H)))
    params = random_params("lstm", D, H, rng)

    next_h, next_c, cache = call_unmutated(lstm_step_forward, x, prev_h, prev_c, *params)
    dx, dprev_h, dprev_c, dWx, dWh, db = call_unmutated(
        lstm_step_backward, dnext_h, dnext_c, cache)

    cell = make_cell("lstm", D, H, params)
    xt, ht, ct = to_t(x, True), to_t(prev_h, True), to_t(prev_c, True)
    h_t, c_t = cell(xt, (ht, ct))
    ((h_t * to_t(dnext_h)).sum() + (c_t * to_t(dnext_c)).sum()).backward()
    tdWx, tdWh, tdb = grads_of(cell, "", "lstm")

    assert rel_error(next_h, to_np(h_t)) < TORCH_TOL
    assert rel_error(next_c, to_np(c_t)) < TORCH_TOL
    assert rel_error(dx, to_np(xt.grad)) < TORCH_TOL
    assert rel_error(dprev_h, to_np(ht.grad)) < TORCH_TOL
    assert rel_error(dprev_c, to_np(ct.grad)) < TORCH_TOL
    assert rel_error(dWx, tdWx) < TORCH_TOL
    assert rel_error(dWh, tdWh) < TORCH_TOL
    assert rel_error(db, tdb) < TORCH_TOL


@fast
@given(**shapes)
def test_forward_backward_match_torch(N, T, D, H, seed):
    assume(D != H)
    rng = np.random.default_rng(seed)
    x, h0, dh = (rng.standard_normal(s) for s in ((N, T, D), (N, H), (N, T, H)))
    params = random_params("lstm", D, H, rng)

    h, cache = call_unmutated(lstm_forward, x, h0, *params)
    dx, dh0, dWx, dWh, db = call_unmutated(lstm_backward, dh, cache)

    module = make_module("lstm", D, H)
    load(module, "_l0", "lstm", params)
    xt, h0t = to_t(x, True), to_t(h0[None], True)
    out, _ = module(xt, (h0t, to_t(np.zeros((1, N, H)))))  # c0 = 0
    (out * to_t(dh)).sum().backward()
    tdWx, tdWh, tdb = grads_of(module, "_l0", "lstm")

    assert h.shape == (N, T, H)
    assert rel_error(h, to_np(out)) < TORCH_TOL
    assert rel_error(dx, to_np(xt.grad)) < TORCH_TOL
    assert rel_error(dh0, to_np(h0t.grad)[0]) < TORCH_TOL
    assert rel_error(dWx, tdWx) < TORCH_TOL
    assert rel_error(dWh, tdWh) < TORCH_TOL
    assert rel_error(db, tdb) < TORCH_TOL


@pytest.mark.parametrize("num_layers,bidirectional", [(2, False), (1, True), (2, True)])
def test_cells_compose_to_torch_multilayer_bidirectional(num_layers, bidirectional):
    errors = composed_vs_torch_errors("lstm", N=3, T=4, D=5, H=3, num_layers=num_layers,
                                      bidirectional=bidirectional, seed=11)
    assert max(errors.values()) < TORCH_TOL, errors


def test_gate_order_is_i_f_o_g():
    # Independent of torch: with Wx = Wh = 0 the gates are the activated bias blocks.
    N, D, H = 2, 3, 2
    b = np.concatenate([np.full(H, v) for v in (0.1, 0.2, 0.3, 0.4)])
    prev_c = np.full((N, H), 2.0)
    next_h, next_c, _ = lstm_step_forward(np.ones((N, D)), np.ones((N, H)), prev_c,
                                          np.zeros((D, 4 * H)), np.zeros((H, 4 * H)), b)
    i, f, o, g = sigmoid(0.1), sigmoid(0.2), sigmoid(0.3), np.tanh(0.4)
    assert np.allclose(next_c, f * 2.0 + i * g, rtol=1e-14, atol=0)
    assert np.allclose(next_h, o * np.tanh(f * 2.0 + i * g), rtol=1e-14, atol=0)


def _inputs(rng, N=2, T=3, D=4, H=3):
    return [rng.standard_normal((N, T, D)), rng.standard_normal((N, H)),
            *random_params("lstm", D, H, rng)]


def test_step_backward_matches_finite_differences():
    rng = np.random.default_rng(0)
    x, prev_h, Wx, Wh, b = _inputs(rng)
    args = [x[:, 0].copy(), prev_h, rng.standard_normal(prev_h.shape), Wx, Wh, b]
    dnext_h, dnext_c = rng.standard_normal(prev_h.shape), rng.standard_normal(prev_h.shape)
    _, _, cache = lstm_step_forward(*args)
    dx, dprev_h, dprev_c, dWx, dWh, db = lstm_step_backward(dnext_h, dnext_c, cache)

    def f(_):
        next_h, next_c, _ = lstm_step_forward(*args)
        # Stacking both outputs lets one upstream array cover dnext_h and dnext_c.
        return np.stack([next_h, next_c])

    dout = np.stack([dnext_h, dnext_c])
    for i, g in zip(range(6), (dx, dprev_h, dprev_c, dWx, dWh, db)):
        num = eval_numerical_gradient_array(f, args[i], dout, h=FD_H)
        assert rel_error(g, num) < FD_TOL, i


def test_backward_matches_finite_differences():
    rng = np.random.default_rng(1)
    args = _inputs(rng)
    dh = rng.standard_normal((2, 3, 3))
    _, cache = lstm_forward(*args)
    grads = lstm_backward(dh, cache)
    for i, g in enumerate(grads):
        num = eval_numerical_gradient_array(lambda _: lstm_forward(*args)[0], args[i], dh, h=FD_H)
        assert rel_error(g, num) < FD_TOL, i


def test_forward_starts_from_zero_cell_state():
    rng = np.random.default_rng(2)
    x, h0, Wx, Wh, b = _inputs(rng)
    h, _ = lstm_forward(x, h0, Wx, Wh, b)
    h1, _, _ = lstm_step_forward(x[:, 0], h0, np.zeros_like(h0), Wx, Wh, b)
    assert np.allclose(h[:, 0], h1, rtol=1e-13, atol=1e-15)
