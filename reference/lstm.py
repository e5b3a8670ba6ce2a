"""LSTM: single step and unrolled over a sequence.

    a = x @ Wx + prev_h @ Wh + b            (N, 4H), blocks in the order [i | f | o | g]
    i, f, o = sigmoid(a_i), sigmoid(a_f), sigmoid(a_o);  g = tanh(a_g)
    next_c = f * prev_c + i * g
    next_h = o * tanh(next_c)

Shapes: N batch, T time, D input, H hidden. Row vectors, float64.
torch.nn.LSTM uses the block order [i | f | g | o] and column-vector weights
(weight_ih = Wx.T after reordering the blocks).
Step and layer share the same cell code, so they cannot drift apart; the layer does
the input projection and the weight gradients as single matrix products over all T.
"""

import numpy as np

from .layers import _matmul_last, sigmoid

__all__ = [
    "lstm_step_forward",
    "lstm_step_backward",
    "lstm_forward",
    "lstm_backward",
]


def _lstm_cell(xp, prev_h, prev_c, Wh):
    """Cell from the already projected input xp = x @ Wx + b.

    Returns next_h, next_c, gates (N, 4H: activated i, f, o, g) and tanh(next_c).
    """
    H = Wh.shape[0]
    # The matmul result is a fresh buffer: the gates are activated in place in it, which
    # saves an allocation and a copy per step. i, f, o are contiguous, so one sigmoid
    # call covers all three.
    gates = prev_h @ Wh
    gates += xp
    sigmoid(gates[:, :3 * H], out=gates[:, :3 * H])
    np.tanh(gates[:, 3 * H:], out=gates[:, 3 * H:])
    i, f, o, g = gates[:, :H], gates[:, H:2 * H], gates[:, 2 * H:3 * H], gates[:, 3 * H:]
    next_c = f * prev_c + i * g
    tanh_c = np.tanh(next_c)
    next_h = o * tanh_c
    return next_h, next_c, gates, tanh_c


def _lstm_cell_backward(dnext_h, dnext_c, prev_c, gates, tanh_c):
    """Gradients with respect to the pre-activation a (N, 4H) and to prev_c."""
    H = prev_c.shape[1]
    i, f, o, g = gates[:, :H], gates[:, H:2 * H], gates[:, 2 * H:3 * H], gates[:, 3 * H:]
    # next_c reaches the loss directly (dnext_c) and through next_h = o * tanh(next_c).
    dc = dnext_c + dnext_h * o * (1.0 - tanh_c * tanh_c)
    da = np.empty_like(gates)
    # sigmoid' = s (1 - s) and tanh' = 1 - t^2, both from the stored activations.
    da[:, :H] = dc * g * i * (1.0 - i)
    da[:, H:2 * H] = dc * prev_c * f * (1.0 - f)
    da[:, 2 * H:3 * H] = dnext_h * tanh_c * o * (1.0 - o)
    da[:, 3 * H:] = dc * i * (1.0 - g * g)
    dprev_c = dc * f
    return da, dprev_c


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    """One time step of an LSTM.

    Inputs:
    - x: array of shape (N, D)
    - prev_h: array of shape (N, H)
    - prev_c: array of shape (N, H)
    - Wx: array of shape (D, 4H), blocks [i | f | o | g]
    - Wh: array of shape (H, 4H), blocks [i | f | o | g]
    - b: array of shape (4H,), blocks [i | f | o | g]

    Returns a tuple of:
    - next_h: array of shape (N, H)
    - next_c: array of shape (N, H)
    - cache: dict of the inputs and intermediate activations
    """
    next_h, next_c, gates, tanh_c = _lstm_cell(x @ Wx + b, prev_h, prev_c, Wh)
    cache = {"x": x, "prev_h": prev_h, "prev_c": prev_c, "Wx": Wx, "Wh": Wh,
             "gates": gates, "tanh_c": tanh_c}
    return next_h, next_c, cache


def lstm_step_backward(dnext_h, dnext_c, cache):
    """Backward pass of one LSTM step.

    Inputs:
    - dnext_h: array of shape (N, H)
    - dnext_c: array of shape (N, H)
    - cache: from lstm_step_forward

    Returns a tuple of:
    - dx: array of shape (N, D)
    - dprev_h: array of shape (N, H)
    - dprev_c: array of shape (N, H)
    - dWx: array of shape (D, 4H)
    - dWh: array of shape (H, 4H)
    - db: array of shape (4H,)
    """
    da, dprev_c = _lstm_cell_backward(dnext_h, dnext_c, cache["prev_c"],
                                      cache["gates"], cache["tanh_c"])
    dx = da @ cache["Wx"].T
    dprev_h = da @ cache["Wh"].T
    dWx = cache["x"].T @ da
    dWh = cache["prev_h"].T @ da
    db = da.sum(axis=0)
    return dx, dprev_h, dprev_c, dWx, dWh, db


def lstm_forward(x, h0, Wx, Wh, b):
    """An LSTM unrolled over a whole sequence; the initial cell state is zero.

    Inputs:
    - x: array of shape (N, T, D)
    - h0: array of shape (N, H)
    - Wx: array of shape (D, 4H)
    - Wh: array of shape (H, 4H)
    - b: array of shape (4H,)

    Returns a tuple of:
    - h: array of shape (N, T, H), hidden states of all steps
    - cache: dict of the inputs and the per-step activations
    """
    N, T, _ = x.shape
    H = Wh.shape[0]
    xp = _matmul_last(x, Wx)
    xp += b
    dtype = np.result_type(xp, h0, Wh)
    h = np.empty((N, T, H), dtype=dtype)
    c = np.empty((N, T, H), dtype=dtype)
    gates = np.empty((N, T, 4 * H), dtype=dtype)
    tanh_c = np.empty((N, T, H), dtype=dtype)
    prev_h = h0
    prev_c = np.zeros((N, H), dtype=dtype)
    for t in range(T):
        prev_h, prev_c, gates[:, t], tanh_c[:, t] = _lstm_cell(xp[:, t], prev_h, prev_c, Wh)
        h[:, t] = prev_h
        c[:, t] = prev_c
    cache = {"x": x, "h0": h0, "Wx": Wx, "Wh": Wh, "h": h, "c": c,
             "gates": gates, "tanh_c": tanh_c}
    return h, cache


def lstm_backward(dh, cache):
    """Backpropagation through time for the unrolled LSTM.

    Inputs:
    - dh: array of shape (N, T, H), upstream gradients of the hidden states from the
      loss only (per step)
    - cache: from lstm_forward

    Returns a tuple of:
    - dx: array of shape (N, T, D)
    - dh0: array of shape (N, H)
    - dWx: array of shape (D, 4H)
    - dWh: array of shape (H, 4H)
    - db: array of shape (4H,)
    """
    x, h0, Wx, Wh = cache["x"], cache["h0"], cache["Wx"], cache["Wh"]
    h, c, gates, tanh_c = cache["h"], cache["c"], cache["gates"], cache["tanh_c"]
    N, T, D = x.shape
    H = Wh.shape[0]
    da = np.empty((N, T, 4 * H), dtype=np.result_type(dh, gates))
    dprev_h = np.zeros((N, H), dtype=da.dtype)
    dprev_c = np.zeros((N, H), dtype=da.dtype)
    zeros = np.zeros((N, H), dtype=da.dtype)
    WhT = Wh.T
    for t in range(T - 1, -1, -1):
        prev_c = c[:, t - 1] if t > 0 else zeros  # c0 = 0
        da_t, dprev_c = _lstm_cell_backward(dh[:, t] + dprev_h, dprev_c,
                                            prev_c, gates[:, t], tanh_c[:, t])
        da[:, t] = da_t
        dprev_h = da_t @ WhT
    dx = _matmul_last(da, Wx.T)
    h_in = np.concatenate([h0[:, None, :], h[:, :-1]], axis=1)
    da_flat = da.reshape(N * T, 4 * H)
    dWx = x.reshape(N * T, D).T @ da_flat
    dWh = h_in.reshape(N * T, H).T @ da_flat
    db = da_flat.sum(axis=0)
    return dx, dprev_h, dWx, dWh, db
