"""reference.gru in both forms.

form="pytorch" against torch.nn.GRUCell / nn.GRU; form="textbook" against a GRU cell
written here in torch and differentiated by autograd; both against finite differences.
"""

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings, strategies as st

from reference import gru_backward, gru_forward, gru_step_backward, gru_step_forward
from tests.reference.numgrad import call_unmutated, eval_numerical_gradient_array, rel_error
from tests.reference.torch_convert import (composed_vs_torch_errors, grads_of, load,
                                           make_cell, make_module, random_params, to_np, to_t)

TORCH_TOL = 1e-9
FD_TOL = 1e-7
FD_H = 1e-5
FORMS = ("pytorch", "textbook")

shapes = dict(N=st.integers(2, 4), T=st.integers(3, 5), D=st.integers(1, 6),
              H=st.integers(1, 6), seed=st.integers(0, 2**32 - 1))
fast = settings(max_examples=15, deadline=None)


def torch_textbook_cell(x, h, Wx, Wh, bx, bh):
    """밑바닥부터 시작하는 딥러닝 2's GRU, in our [r | z | n] layout with two biases.

    r = σ(x Wx_r + bx_r + h Wh_r + bh_r), z likewise,
    h̃ = tanh(x Wx_n + bx_n + (r * h) Wh_n + bh_n), h' = (1 - z) * h + z * h̃.
    """
    H = h.shape[1]
    Wxr, Wxz, Wxn = Wx.split(H, dim=1)
    Whr, Whz, Whn = Wh.split(H, dim=1)
    bxr, bxz, bxn = bx.split(H)
    bhr, bhz, bhn = bh.split(H)
    r = torch.sigmoid(x @ Wxr + bxr + h @ Whr + bhr)
    z = torch.sigmoid(x @ Wxz + bxz + h @ Whz + bhz)
    h_tilde = torch.tanh(x @ Wxn + bxn + (r * h) @ Whn + bhn)
    return (1 - z) * h + z * h_tilde


class TorchGRU:
    """Torch oracle for one form: .step(x, h) and .run(x_seq, h0), parameters as leaves."""

    def __init__(self, form, D, H, params):
        self.form = form
        if form == "pytorch":
            self.cell = make_cell("gru", D, H, params)
        else:
            self.leaves = [to_t(p, True) for p in params]

    def step(self, x, h):
        if self.form == "pytorch":
            return self.cell(x, h)
        return torch_textbook_cell(x, h, *self.leaves)

    def grads(self):
        if self.form == "pytorch":
            return grads_of(self.cell, "", "gru")
        return [to_np(p.grad) for p in self.leaves]


@pytest.mark.parametrize("form", FORMS)
@fast
@given(**shapes)
def test_step_forward_backward_match_torch(form, N, T, D, H, seed):
    assume(D != H)
    rng = np.random.default_rng(seed)
    x, prev_h, dnext_h = (rng.standard_normal(s) for s in ((N, D), (N, H), (N, H)))
    params = random_params("gru", D, H, rng)

    next_h, cache = call_unmutated(gru_step_forward, x, prev_h, *params, form=form)
    dx, dprev_h, dWx, dWh, dbx, dbh = call_unmutated(gru_step_backward, dnext_h, cache)

    oracle = TorchGRU(form, D, H, params)
    xt, ht = to_t(x, True), to_t(prev_h, True)
    out = oracle.step(xt, ht)
    (out * to_t(dnext_h)).sum().backward()
    tdWx, tdWh, tdbx, tdbh = oracle.grads()

    assert rel_error(next_h, to_np(out)) < TORCH_TOL
    assert rel_error(dx, to_np(xt.grad)) < TORCH_TOL
    assert rel_error(dprev_h, to_np(ht.grad)) < TORCH_TOL
    assert rel_error(dWx, tdWx) < TORCH_TOL
    assert rel_error(dWh, tdWh) < TORCH_TOL
    assert rel_error(dbx, tdbx) < TORCH_TOL
    assert rel_error(dbh, tdbh) < TORCH_TOL


@pytest.mark.parametrize("form", FORMS)
@fast
@given(**shapes)
def test_forward_backward_match_torch(form, N, T, D, H, seed):
    assume(D != H)
    rng = np.random.default_rng(seed)
    x, h0, dh = (rng.standard_normal(s) for s in ((N, T, D), (N, H), (N, T, H)))
    params = random_params("gru", D, H, rng)

    h, cache = call_unmutated(gru_forward, x, h0, *params, form=form)
    dx, dh0, dWx, dWh, dbx, dbh = call_unmutated(gru_backward, dh, cache)

    xt = to_t(x, True)
    if form == "pytorch":
        module = make_module("gru", D, H)
        load(module, "_l0", "gru", params)
        h0t = to_t(h0[None], True)
        out, _ = module(xt, h0t)
        h0_grad = lambda: to_np(h0t.grad)[0]
        torch_grads = lambda: grads_of(module, "_l0", "gru")
    else:
        oracle = TorchGRU(form, D, H, params)
        h0t = to_t(h0, True)
        states, ht = [], h0t
        for t in range(T):
            ht = oracle.step(xt[:, t], ht)
            states.append(ht)
        out = torch.stack(states, dim=1)
        h0_grad = lambda: to_np(h0t.grad)
        torch_grads = oracle.grads
    (out * to_t(dh)).sum().backward()
    tdWx, tdWh, tdbx, tdbh = torch_grads()

    assert h.shape == (N, T, H)
    assert rel_error(h, to_np(out)) < TORCH_TOL
    assert rel_error(dx, to_np(xt.grad)) < TORCH_TOL
    assert rel_error(dh0, h0_grad()) < TORCH_TOL
    assert rel_error(dWx, tdWx) < TORCH_TOL
    assert rel_error(dWh, tdWh) < TORCH_TOL
    assert rel_error(dbx, tdbx) < TORCH_TOL
    assert rel_error(dbh, tdbh) < TORCH_TOL


@pytest.mark.parametrize("num_layers,bidirectional", [(2, False), (1, True), (2, True)])
def test_cells_compose_to_torch_multilayer_bidirectional(num_layers, bidirectional):
    errors = composed_vs_torch_errors("gru", N=3, T=4, D=5, H=3, num_layers=num_layers,
                                      bidirectional=bidirectional, seed=13)
    assert max(errors.values()) < TORCH_TOL, errors


def _inputs(rng, N=2, T=3, D=4, H=3):
    return [rng.standard_normal((N, T, D)), rng.standard_normal((N, H)),
            *random_params("gru", D, H, rng)]


@pytest.mark.parametrize("form", FORMS)
def test_step_backward_matches_finite_differences(form):
    rng = np.random.default_rng(0)
    x, *rest = _inputs(rng)
    args = [x[:, 0].copy(), *rest]
    dnext_h = rng.standard_normal(rest[0].shape)
    _, cache = gru_step_forward(*args, form=form)
    grads = gru_step_backward(dnext_h, cache)
    for i, g in enumerate(grads):
        num = eval_numerical_gradient_array(lambda _: gru_step_forward(*args, form=form)[0],
                                            args[i], dnext_h, h=FD_H)
        assert rel_error(g, num) < FD_TOL, i


@pytest.mark.parametrize("form", FORMS)
def test_backward_matches_finite_differences(form):
    rng = np.random.default_rng(1)
    args = _inputs(rng)
    dh = rng.standard_normal((2, 3, 3))
    _, cache = gru_forward(*args, form=form)
    grads = gru_backward(dh, cache)
    for i, g in enumerate(grads):
        num = eval_numerical_gradient_array(lambda _: gru_forward(*args, form=form)[0],
                                            args[i], dh, h=FD_H)
        assert rel_error(g, num) < FD_TOL, i


def test_default_form_is_pytorch_and_forms_differ():
    rng = np.random.default_rng(2)
    args = _inputs(rng)
    default, _ = gru_forward(*args)
    pytorch, _ = gru_forward(*args, form="pytorch")
    textbook, _ = gru_forward(*args, form="textbook")
    assert np.array_equal(default, pytorch)
    assert rel_error(pytorch, textbook) > 1e-3


def test_backward_follows_the_form_in_the_cache():
    rng = np.random.default_rng(3)
    args = _inputs(rng)
    dh = rng.standard_normal((2, 3, 3))
    _, cache_p = gru_forward(*args, form="pytorch")
    _, cache_t = gru_forward(*args, form="textbook")
    assert cache_p["form"] == "pytorch" and cache_t["form"] == "textbook"
    assert rel_error(gru_backward(dh, cache_p)[2], gru_backward(dh, cache_t)[2]) > 1e-3


@pytest.mark.parametrize("fn", [gru_step_forward, gru_forward])
def test_unknown_form_is_rejected(fn):
    rng = np.random.default_rng(4)
    x, *rest = _inputs(rng)
    with pytest.raises(ValueError, match="form"):
        fn(x[:, 0] if fn is gru_step_forward else x, *rest, form="keras")


def test_textbook_form_is_the_books_gru():
    # 밑바닥부터 시작하는 딥러닝 2, common/time_layers.py GRU.forward: no biases, blocks
    # [z | r | h]. Written out here in numpy; equal to form="textbook" with zero biases
    # once the blocks are reordered to [r | z | n].
    rng = np.random.default_rng(5)
    N, D, H = 3, 4, 2
    x, h_prev = rng.standard_normal((N, D)), rng.standard_normal((N, H))
    Wx_book, Wh_book = rng.standard_normal((D, 3 * H)), rng.standard_normal((H, 3 * H))

    def sig(a):
        return 1 / (1 + np.exp(-a))

    Wxz, Wxr, Wxh = np.split(Wx_book, 3, axis=1)
    Whz, Whr, Whh = np.split(Wh_book, 3, axis=1)
    z = sig(x @ Wxz + h_prev @ Whz)
    r = sig(x @ Wxr + h_prev @ Whr)
    h_hat = np.tanh(x @ Wxh + (r * h_prev) @ Whh)
    book = (1 - z) * h_prev + z * h_hat

    Wx = np.concatenate([Wxr, Wxz, Wxh], axis=1)
    Wh = np.concatenate([Whr, Whz, Whh], axis=1)
    ours, _ = gru_step_forward(x, h_prev, Wx, Wh, np.zeros(3 * H), np.zeros(3 * H),
                               form="textbook")
    assert rel_error(ours, book) < 1e-13
