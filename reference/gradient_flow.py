"""Gradient flow through time in a vanilla (tanh) RNN.

How strongly does the last hidden state depend on an early one?  For the RNN of
``reference.rnn`` (row vectors, ``h_t = tanh(x_t Wx + h_{t-1} Wh + b)``) the one-step
Jacobian is

    J_t = ∂h_t/∂h_{t-1} = diag(1 - h_t**2) @ Wh.T          (H, H), per sample

(entry [k, j] = ∂h_t[k]/∂h_{t-1}[j] = (1 - h_t[k]**2) * Wh[j, k]), and by the chain rule

    ∂h_{T-1}/∂h_t = J_{T-1} @ J_{T-2} @ ... @ J_{t+1}       (identity for t = T-1).

Indexing follows the arrays: ``h[:, t]`` is the state after reading ``x[:, t]``,
t = 0..T-1, and ``h[:, -1]`` (the lecture's h_T) is the last one; h0 is the state
before step 0.  All norms are spectral norms (largest singular value).

Pascanu, Mikolov & Bengio (2013), "On the difficulty of training recurrent neural
networks", bound each factor by ‖J_t‖₂ ≤ ‖Wh‖₂ · max_k |tanh'(a_t[k])| with
tanh'(a_t) = 1 - h_t**2, hence the product bound on ‖∂h_{T-1}/∂h_t‖.  If the
largest singular value of Wh is < 1 the gradient must vanish geometrically; if the
spectral radius is > 1 and the units stay in tanh's linear regime it can explode.

Public functions (every array float64):

    rnn_step_jacobian_norms(x, h0, Wx, Wh, b) -> step_norms   (N, T)
        step_norms[n, t] = ‖∂h_t/∂h_{t-1}‖₂ for sample n (t = 0: ∂h_0/∂h0).
    rnn_hidden_grad_norms(x, h0, Wx, Wh, b) -> norms           (N, T)
        norms[n, t] = ‖∂h_{T-1}/∂h_t‖₂ for sample n; norms[:, T-1] = 1.
    pascanu_step_bound(x, h0, Wx, Wh, b) -> step_bounds        (N, T)
        step_bounds[n, t] = ‖Wh‖₂ · max_k (1 - h[n, t, k]**2)  ≥ step_norms[n, t].
    pascanu_product_bound(x, h0, Wx, Wh, b) -> bounds          (N, T)
        bounds[n, t] = prod_{s=t+1}^{T-1} step_bounds[n, s]   ≥ norms[n, t];
        bounds[:, T-1] = 1 (empty product).
    spectral_radius(W) -> rho                                  Python float
        max |eigenvalue| of the square matrix W.
    scale_to_spectral_radius(W, rho) -> W_scaled               same shape as W
        W * (rho / spectral_radius(W)); a new array, W is unchanged.

Inputs of the RNN functions: x (N, T, D), h0 (N, H), Wx (D, H), Wh (H, H), b (H,).
"""
import numpy as np

from .rnn import rnn_forward

__all__ = [
    "rnn_step_jacobian_norms",
    "rnn_hidden_grad_norms",
    "pascanu_step_bound",
    "pascanu_product_bound",
    "spectral_radius",
    "scale_to_spectral_radius",
]


def _hidden_states(x, h0, Wx, Wh, b):
    """Run the reference RNN forward; only its hidden states are needed here."""
    h, _ = rnn_forward(x, h0, Wx, Wh, b)
    return np.asarray(h, dtype=np.float64)


def _step_jacobians(h, Wh):
    """J[n, t] = diag(1 - h[n, t]**2) @ Wh.T, shape (N, T, H, H).

    Row-vector convention: h_t = tanh(a_t) with a_t = ... + h_{t-1} @ Wh, so
    ∂a_t[k]/∂h_{t-1}[j] = Wh[j, k], i.e. the Jacobian of a_t is Wh.T, and tanh scales
    row k of it by tanh'(a_t[k]) = 1 - h_t[k]**2.
    """
    dtanh = 1.0 - h ** 2                                   # (N, T, H)
    return dtanh[..., :, None] * Wh.T[None, None, :, :]


def _spectral_norms(M):
    """Largest singular value of each matrix in a stack (..., H, H)."""
    return np.linalg.svd(M, compute_uv=False)[..., 0]


def rnn_step_jacobian_norms(x, h0, Wx, Wh, b):
    """Spectral norm of every one-step Jacobian ∂h_t/∂h_{t-1}.

    Inputs:
    - x: (N, T, D) inputs; h0: (N, H) initial state
    - Wx: (D, H), Wh: (H, H), b: (H,) RNN parameters

    Returns:
    - step_norms: (N, T); step_norms[n, t] = ‖diag(1 - h[n,t]**2) Wh.T‖₂, where
      h[:, t] is the state after step t and the state before step 0 is h0.
    """
    h = _hidden_states(x, h0, Wx, Wh, b)
    return _spectral_norms(_step_jacobians(h, Wh))


def rnn_hidden_grad_norms(x, h0, Wx, Wh, b):
    """‖∂h_{T-1}/∂h_t‖₂ for every sample and every t: how much the last state feels h_t.

    The product J_{T-1} ... J_{t+1} is accumulated from the right end backwards, one
    batched matrix product per step (exactly the order BPTT visits the steps).

    Inputs:
    - x: (N, T, D) inputs; h0: (N, H) initial state
    - Wx: (D, H), Wh: (H, H), b: (H,) RNN parameters

    Returns:
    - norms: (N, T); norms[n, t] = spectral norm of ∂h[n, T-1]/∂h[n, t];
      norms[:, T-1] = 1 (the Jacobian of h_{T-1} with respect to itself is I).
    """
    h = _hidden_states(x, h0, Wx, Wh, b)
    N, T, H = h.shape
    J = _step_jacobians(h, Wh)                               # (N, T, H, H)
    norms = np.empty((N, T))
    P = np.broadcast_to(np.eye(H), (N, H, H)).copy()         # ∂h_{T-1}/∂h_{T-1}
    norms[:, T - 1] = 1.0
    for t in range(T - 2, -1, -1):
        # ∂h_{T-1}/∂h_t = (∂h_{T-1}/∂h_{t+1}) @ (∂h_{t+1}/∂h_t)
        P = P @ J[:, t + 1]
        norms[:, t] = _spectral_norms(P)
    return norms


def pascanu_step_bound(x, h0, Wx, Wh, b):
    """Pascanu et al. (2013) upper bound on every one-step Jacobian norm.

    ‖∂h_t/∂h_{t-1}‖₂ = ‖diag(1 - h_t**2) Wh.T‖₂ ≤ ‖diag(1 - h_t**2)‖₂ ‖Wh.T‖₂
                     = max_k (1 - h_t[k]**2) · ‖Wh‖₂   (‖Wh.T‖₂ = ‖Wh‖₂).

    Inputs: as rnn_step_jacobian_norms.

    Returns:
    - step_bounds: (N, T); step_bounds[n, t] = ‖Wh‖₂ · max_k (1 - h[n, t, k]**2),
      the bound on ‖∂h_t/∂h_{t-1}‖₂ (same indexing as rnn_step_jacobian_norms).
    """
    h = _hidden_states(x, h0, Wx, Wh, b)
    max_dtanh = np.max(1.0 - h ** 2, axis=2)                  # (N, T)
    return np.linalg.norm(Wh, 2) * max_dtanh


def pascanu_product_bound(x, h0, Wx, Wh, b):
    """Upper bound on ‖∂h_{T-1}/∂h_t‖₂ from submultiplicativity of the spectral norm.

    Inputs: as rnn_hidden_grad_norms.

    Returns:
    - bounds: (N, T); bounds[n, t] = prod_{s=t+1}^{T-1} step_bounds[n, s] with
      step_bounds from pascanu_step_bound; bounds[:, T-1] = 1 (empty product).
      bounds ≥ rnn_hidden_grad_norms(...) elementwise.
    """
    step = pascanu_step_bound(x, h0, Wx, Wh, b)
    N, T = step.shape
    bounds = np.ones((N, T))
    # reversed cumulative product of the factors strictly after t
    rev = np.cumprod(step[:, :0:-1], axis=1)                   # factors T-1, T-2, ..., 1
    bounds[:, :-1] = rev[:, ::-1]
    return bounds


def spectral_radius(W):
    """Largest absolute eigenvalue of a square matrix.

    Inputs:
    - W: (H, H)

    Returns:
    - rho: Python float, max_i |λ_i(W)| (≤ ‖W‖₂; equal for normal matrices).
    """
    W = np.asarray(W, dtype=np.float64)
    if W.ndim != 2 or W.shape[0] != W.shape[1]:
        raise ValueError(f"spectral_radius needs a square matrix, got shape {W.shape}")
    return float(np.max(np.abs(np.linalg.eigvals(W))))


def scale_to_spectral_radius(W, rho):
    """Rescale a square matrix so that its spectral radius becomes ``rho``.

    Eigenvalues scale linearly with the matrix, so W * (rho / ρ(W)) has radius rho.

    Inputs:
    - W: (H, H) with nonzero spectral radius
    - rho: target spectral radius (≥ 0)

    Returns:
    - W_scaled: (H, H), a new array; W is not modified.
    """
    current = spectral_radius(W)
    if current == 0.0:
        raise ValueError("cannot rescale a matrix whose spectral radius is 0 (nilpotent)")
    return np.asarray(W, dtype=np.float64) * (float(rho) / current)
