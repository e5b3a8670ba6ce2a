"""reference.gradient_flow against torch autograd Jacobians and closed-form cases."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

from reference import (pascanu_product_bound, pascanu_step_bound, rnn_hidden_grad_norms,
                       rnn_step_jacobian_norms, scale_to_spectral_radius, spectral_radius)
from tests.reference.numgrad import call_unmutated, rel_error
from tests.reference.torch_convert import to_np, to_t

TORCH_TOL = 1e-9


def rnn_case(rng, N=3, T=6, D=4, H=5, x_scale=1.0, w_scale=0.6):
    return (rng.standard_normal((N, T, D)) * x_scale, rng.standard_normal((N, H)),
            rng.standard_normal((D, H)) * w_scale, rng.standard_normal((H, H)) * w_scale,
            rng.standard_normal(H) * 0.3)


def torch_states(x, h0, Wx, Wh, b):
    """Unrolled torch RNN; returns the list of states h_0..h_{T-1} (no grad)."""
    xt, Wxt, Wht, bt = to_t(x), to_t(Wx), to_t(Wh), to_t(b)
    h, hs = to_t(h0), []
    for t in range(x.shape[1]):
        h = torch.tanh(xt[:, t] @ Wxt + h @ Wht + bt)
        hs.append(h)
    return hs


def torch_jacobian_norms(x, h0, Wx, Wh, b):
    """‖∂h_{T-1}/∂h_t‖₂ from torch.autograd.functional.jacobian of the unrolled tail."""
    N, T, _ = x.shape
    xt, Wxt, Wht, bt = to_t(x), to_t(Wx), to_t(Wh), to_t(b)
    hs = torch_states(x, h0, Wx, Wh, b)
    norms = np.empty((N, T))
    for n in range(N):
        for t in range(T):
            def tail(h, n=n, t=t):
                for s in range(t + 1, T):
                    h = torch.tanh(xt[n, s] @ Wxt + h @ Wht + bt)
                return h
            J = torch.autograd.functional.jacobian(tail, hs[t][n].clone())
            norms[n, t] = torch.linalg.matrix_norm(J, ord=2).item()
    return norms


def torch_step_jacobian_norms(x, h0, Wx, Wh, b):
    """‖∂h_t/∂h_{t-1}‖₂ (h_{-1} = h0) from torch autograd."""
    N, T, _ = x.shape
    xt, Wxt, Wht, bt = to_t(x), to_t(Wx), to_t(Wh), to_t(b)
    prev = [to_t(h0)] + torch_states(x, h0, Wx, Wh, b)[:-1]
    norms = np.empty((N, T))
    for n in range(N):
        for t in range(T):
            J = torch.autograd.functional.jacobian(
                lambda h, n=n, t=t: torch.tanh(xt[n, t] @ Wxt + h @ Wht + bt), prev[t][n].clone())
            norms[n, t] = torch.linalg.matrix_norm(J, ord=2).item()
    return norms


# --------------------------------------------------------------------------- against torch

@pytest.mark.parametrize("seed", [0, 1, 2])
def test_hidden_grad_norms_match_torch_jacobians(seed):
    args = rnn_case(np.random.default_rng(seed))
    norms = call_unmutated(rnn_hidden_grad_norms, *args)
    assert norms.shape == (3, 6)
    assert np.all(norms[:, -1] == 1.0)
    assert rel_error(norms, torch_jacobian_norms(*args)) < TORCH_TOL


@pytest.mark.parametrize("seed", [3, 4])
def test_step_jacobian_norms_match_torch(seed):
    args = rnn_case(np.random.default_rng(seed))
    step = call_unmutated(rnn_step_jacobian_norms, *args)
    assert step.shape == (3, 6)
    assert rel_error(step, torch_step_jacobian_norms(*args)) < TORCH_TOL


def test_non_square_sizes_and_single_step():
    rng = np.random.default_rng(5)
    args = rnn_case(rng, N=2, T=1, D=7, H=3)
    assert np.array_equal(rnn_hidden_grad_norms(*args), np.ones((2, 1)))
    assert np.array_equal(pascanu_product_bound(*args), np.ones((2, 1)))
    args = rnn_case(rng, N=1, T=4, D=7, H=2)
    assert rel_error(rnn_hidden_grad_norms(*args), torch_jacobian_norms(*args)) < TORCH_TOL


# --------------------------------------------------------------------------- the bound

@settings(max_examples=25, deadline=None)
@given(N=st.integers(1, 3), T=st.integers(1, 12), D=st.integers(1, 4), H=st.integers(1, 6),
       x_scale=st.sampled_from([0.01, 1.0, 5.0]), w_scale=st.sampled_from([0.2, 0.7, 2.0]),
       seed=st.integers(0, 2**32 - 1))
def test_pascanu_bounds_hold(N, T, D, H, x_scale, w_scale, seed):
    args = rnn_case(np.random.default_rng(seed), N, T, D, H, x_scale, w_scale)
    step = rnn_step_jacobian_norms(*args)
    step_bound = call_unmutated(pascanu_step_bound, *args)
    norms = rnn_hidden_grad_norms(*args)
    bound = call_unmutated(pascanu_product_bound, *args)
    assert step_bound.shape == bound.shape == (N, T)
    slack = 1 + 1e-10                       # rounding only
    assert np.all(step <= step_bound * slack)
    assert np.all(norms <= bound * slack)
    assert np.all(step_bound <= np.linalg.norm(args[3], 2) * slack)   # |tanh'| <= 1


def test_step_bound_is_tanh_derivative_times_weight_norm():
    """Recompute the bound from its definition with torch: max_k tanh'(a_t[k]) ‖Wh‖₂."""
    x, h0, Wx, Wh, b = rnn_case(np.random.default_rng(6))
    h_prev = to_t(h0)
    expected = []
    for t in range(x.shape[1]):
        a = (to_t(x[:, t]) @ to_t(Wx) + h_prev @ to_t(Wh) + to_t(b)).requires_grad_(True)
        h = torch.tanh(a)
        (dtanh,) = torch.autograd.grad(h.sum(), a)   # tanh'(a), elementwise
        expected.append(dtanh.max(dim=1).values * torch.linalg.matrix_norm(to_t(Wh), ord=2))
        h_prev = h.detach()
    expected = to_np(torch.stack(expected, dim=1))
    assert rel_error(pascanu_step_bound(x, h0, Wx, Wh, b), expected) < TORCH_TOL
    prod = np.ones_like(expected)
    for t in range(expected.shape[1] - 1):
        prod[:, t] = np.prod(expected[:, t + 1:], axis=1)
    assert rel_error(pascanu_product_bound(x, h0, Wx, Wh, b), prod) < TORCH_TOL


def test_bound_is_tight_at_the_origin_for_scaled_orthogonal_weights():
    """x = 0, h0 = 0, b = 0 keeps every h_t = 0: J_t = Wh.T, and for Wh = rho Q
    (Q orthogonal) ‖∂h_{T-1}/∂h_t‖₂ = rho^(T-1-t) exactly, equal to the bound."""
    rng = np.random.default_rng(7)
    N, T, D, H, rho = 2, 8, 3, 4, 0.8
    Q, _ = np.linalg.qr(rng.standard_normal((H, H)))
    args = (np.zeros((N, T, D)), np.zeros((N, H)), rng.standard_normal((D, H)), rho * Q,
            np.zeros(H))
    expected = np.broadcast_to(rho ** np.arange(T - 1, -1, -1.0), (N, T))
    assert rel_error(rnn_hidden_grad_norms(*args), expected) < 1e-12
    assert rel_error(pascanu_product_bound(*args), expected) < 1e-12
    assert rel_error(pascanu_step_bound(*args), np.full((N, T), rho)) < 1e-12


# --------------------------------------------------------------------------- vanishing / exploding

def test_radius_below_one_makes_gradients_vanish():
    rng = np.random.default_rng(8)
    N, T, D, H = 4, 60, 3, 16
    Wh = scale_to_spectral_radius(rng.standard_normal((H, H)), 0.8)
    norms = rnn_hidden_grad_norms(rng.standard_normal((N, T, D)), rng.standard_normal((N, H)) * 0.1,
                                  rng.standard_normal((D, H)) * 0.5, Wh, np.zeros(H))
    assert np.all(norms[:, 0] < 1e-4)                       # 59 steps back: gone
    # decays steadily with the distance: every 10 steps back cost at least a factor 2
    assert np.all(norms[:, :-10] < 0.5 * norms[:, 10:])


def test_contractive_weights_bound_every_input():
    """‖Wh‖₂ < 1 forces ‖∂h_{T-1}/∂h_t‖ ≤ ‖Wh‖₂^(T-1-t) whatever the inputs (Pascanu)."""
    rng = np.random.default_rng(9)
    N, T, D, H = 3, 30, 3, 6
    Wh = rng.standard_normal((H, H))
    Wh *= 0.9 / np.linalg.norm(Wh, 2)
    norms = rnn_hidden_grad_norms(rng.standard_normal((N, T, D)) * 3, rng.standard_normal((N, H)),
                                  rng.standard_normal((D, H)), Wh, rng.standard_normal(H))
    assert np.all(norms <= 0.9 ** np.arange(T - 1, -1, -1.0) * (1 + 1e-10))


def test_radius_above_one_with_small_inputs_explodes():
    """Near the origin tanh' ≈ 1 and ∂h_{T-1}/∂h_t ≈ (Wh.T)^(T-1-t), whose spectral norm is
    at least rho^(T-1-t): the gradient grows with the distance."""
    rng = np.random.default_rng(10)
    N, T, D, H, rho = 3, 10, 3, 8, 1.5
    Wh = scale_to_spectral_radius(rng.standard_normal((H, H)), rho)
    x = rng.standard_normal((N, T, D)) * 1e-4
    norms = rnn_hidden_grad_norms(x, np.zeros((N, H)), rng.standard_normal((D, H)), Wh, np.zeros(H))
    assert np.all(norms[:, 0] >= 0.99 * rho ** (T - 1))    # ≈ 38
    assert np.all(norms[:, 0] > 10)


def test_saturation_kills_the_gradient_even_with_a_large_radius():
    """Large inputs drive tanh into saturation (tanh' ≈ 0): the step bounds collapse."""
    rng = np.random.default_rng(11)
    N, T, D, H = 3, 20, 3, 8
    Wh = scale_to_spectral_radius(rng.standard_normal((H, H)), 1.5)
    args = (rng.standard_normal((N, T, D)) * 50, np.zeros((N, H)),
            rng.standard_normal((D, H)), Wh, np.zeros(H))
    assert np.median(pascanu_step_bound(*args)) < 0.5
    assert np.all(rnn_hidden_grad_norms(*args)[:, 0] < 1e-3)


# --------------------------------------------------------------------------- radius helpers

@pytest.mark.parametrize("seed", [12, 13, 14])
def test_spectral_radius_matches_torch(seed):
    W = np.random.default_rng(seed).standard_normal((7, 7))
    rho = call_unmutated(spectral_radius, W)
    assert isinstance(rho, float)
    expected = torch.linalg.eigvals(to_t(W)).abs().max().item()
    assert abs(rho - expected) <= 1e-12 * expected


def test_spectral_radius_of_known_matrices():
    assert spectral_radius(np.diag([0.5, -3.0, 2.0])) == pytest.approx(3.0, rel=1e-14)
    # a rotation by 90 degrees scaled by 2: complex eigenvalues ±2i
    assert spectral_radius(np.array([[0.0, -2.0], [2.0, 0.0]])) == pytest.approx(2.0, rel=1e-14)
    # nilpotent: radius 0 although the norm is 1
    assert spectral_radius(np.array([[0.0, 1.0], [0.0, 0.0]])) == 0.0
    with pytest.raises(ValueError):
        spectral_radius(np.ones((2, 3)))


@pytest.mark.parametrize("rho", [0.5, 1.0, 1.7])
def test_scale_to_spectral_radius(rho):
    W = np.random.default_rng(15).standard_normal((6, 6))
    W_scaled = call_unmutated(scale_to_spectral_radius, W, rho)
    assert W_scaled is not W
    got = torch.linalg.eigvals(to_t(W_scaled)).abs().max().item()
    assert abs(got - rho) <= 1e-12 * rho
    ratio = W_scaled / W                        # a pure rescaling: one common factor
    assert np.allclose(ratio, ratio[0, 0], rtol=1e-13, atol=0)
    with pytest.raises(ValueError):
        scale_to_spectral_radius(np.array([[0.0, 1.0], [0.0, 0.0]]), 1.0)
