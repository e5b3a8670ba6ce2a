"""GRU: single step and unrolled over a sequence, in two forms.

Weights are laid out in three blocks [r | z | n] (reset, update, candidate) along the
last axis: Wx (D, 3H), Wh (H, 3H), bx (3H,), bh (3H,). Row vectors, float64.

form="pytorch" (default, identical to torch.nn.GRUCell; weight_ih = Wx.T, weight_hh = Wh.T,
bias_ih = bx, bias_hh = bh):

    r  = sigmoid(x Wx_r + bx_r + h Wh_r + bh_r)
    z  = sigmoid(x Wx_z + bx_z + h Wh_z + bh_z)
    n  = tanh(x Wx_n + bx_n + r * (h Wh_n + bh_n))
    h' = (1 - z) * n + z * h

form="textbook" (밑바닥부터 시작하는 딥러닝 2: the reset gate acts before the matmul, and
the update gate weighs the candidate):

    r, z as above
    n  = tanh(x Wx_n + bx_n + (r * h) Wh_n + bh_n)
    h' = (1 - z) * h + z * n

The book's own GRU (common/time_layers.py) has no biases and the block order
[z | r | h]; here both forms share the [r | z | n] layout and the two biases, so the
book's cell is form="textbook" with bx = bh = 0 after reordering the blocks.

Both forms run through the same cell code. They differ in two places only:
- what multiplies Wh_n: h (pytorch) or r * h (textbook), and whether r scales the
  product afterwards (pytorch) or not (textbook);
- which gate keeps the old state: writing h' = n + u * (h - n), u = z (pytorch) or
  u = 1 - z (textbook).
The form is stored in the cache so the backward follows the forward.
"""

import numpy as np

from .layers import _matmul_last, sigmoid

__all__ = [
    "GRU_FORMS",
    "gru_step_forward",
    "gru_step_backward",
    "gru_forward",
    "gru_backward",
]

GRU_FORMS = ("pytorch", "textbook")


def _is_textbook(form):
    if form not in GRU_FORMS:
        raise ValueError(f"unknown GRU form {form!r}; expected one of {GRU_FORMS}")
    return form == "textbook"


def _gru_cell(xp, prev_h, Wh, bh, textbook):
    """Cell from the already projected input xp = x @ Wx + bx (N, 3H).

    Returns next_h and a dict of what the backward needs:
    r, z, n (activations), hn (pytorch: h Wh_n + bh_n, the term r scales),
    hin_n (what multiplies Wh_n: h or r * h).
    """
    H = prev_h.shape[1]
    if textbook:
        # r must be known before the candidate's matmul, so the Wh product splits.
        hp_rz = prev_h @ Wh[:, :2 * H] + bh[:2 * H]
        rz = sigmoid(xp[:, :2 * H] + hp_rz)
        r, z = rz[:, :H], rz[:, H:]
        hin_n = r * prev_h
        hn = hin_n @ Wh[:, 2 * H:] + bh[2 * H:]
        n = np.tanh(xp[:, 2 * H:] + hn)
        u = 1.0 - z
    else:
        # One (H, 3H) product serves all three gates, as in torch.
        hp = prev_h @ Wh + bh
        rz = sigmoid(xp[:, :2 * H] + hp[:, :2 * H])
        r, z = rz[:, :H], rz[:, H:]
        hin_n = prev_h
        hn = hp[:, 2 * H:]
        n = np.tanh(xp[:, 2 * H:] + r * hn)
        u = z
    next_h = n + u * (prev_h - n)
    return next_h, {"prev_h": prev_h, "r": r, "z": z, "n": n, "hn": hn, "hin_n": hin_n}


def _gru_cell_backward(dnext_h, c, Wh, textbook):
    """Gradients of one cell.

    Returns dxp (N, 3H: w.r.t. x @ Wx + bx), dprev_h (N, H) and dhp (N, 3H: w.r.t. the
    products with Wh plus bh, block n being hin_n @ Wh_n + bh_n).
    """
    prev_h, r, z, n, hn = c["prev_h"], c["r"], c["z"], c["n"], c["hn"]
    H = prev_h.shape[1]
    u = (1.0 - z) if textbook else z
    # h' = n + u (h - n): the direct path to h carries u, the candidate 1 - u.
    dprev_h = dnext_h * u
    du = dnext_h * (prev_h - n)
    dz = -du if textbook else du
    dan = dnext_h * (1.0 - u) * (1.0 - n * n)

    dxp = np.empty((dnext_h.shape[0], 3 * H), dtype=dan.dtype)
    dhp = np.empty_like(dxp)
    dxp[:, 2 * H:] = dan
    if textbook:
        # n's pre-activation contains (r * h) Wh_n: r and h both get a share.
        drh = dan @ Wh[:, 2 * H:].T
        dr = drh * prev_h
        dprev_h += drh * r
        dhp[:, 2 * H:] = dan
    else:
        # n's pre-activation contains r * (h Wh_n + bh_n).
        dr = dan * hn
        dhp[:, 2 * H:] = dan * r
    dxp[:, :H] = dr * r * (1.0 - r)
    dxp[:, H:2 * H] = dz * z * (1.0 - z)
    # r and z see x and h through the same pre-activation sum.
    dhp[:, :2 * H] = dxp[:, :2 * H]
    if textbook:
        dprev_h += dhp[:, :2 * H] @ Wh[:, :2 * H].T
    else:
        dprev_h += dhp @ Wh.T
    return dxp, dprev_h, dhp


def _gru_dWh(h_in, hin_n, dhp, H):
    """dWh from the (flattened) inputs of the r/z blocks and of the n block."""
    if hin_n is h_in:
        return h_in.T @ dhp
    return np.concatenate([h_in.T @ dhp[:, :2 * H], hin_n.T @ dhp[:, 2 * H:]], axis=1)


def gru_step_forward(x, prev_h, Wx, Wh, bx, bh, form="pytorch"):
    """One time step of a GRU.

    Inputs:
    - x: array of shape (N, D)
    - prev_h: array of shape (N, H)
    - Wx: array of shape (D, 3H), blocks [r | z | n]
    - Wh: array of shape (H, 3H), blocks [r | z | n]
    - bx: array of shape (3H,), input bias
    - bh: array of shape (3H,), hidden bias
    - form: "pytorch" (default, torch.nn.GRUCell) or "textbook" (see module docstring)

    Returns a tuple of:
    - next_h: array of shape (N, H)
    - cache: dict of the inputs, intermediate activations and the form
    """
    textbook = _is_textbook(form)
    next_h, c = _gru_cell(x @ Wx + bx, prev_h, Wh, bh, textbook)
    c.update(x=x, Wx=Wx, Wh=Wh, form=form)
    return next_h, c


def gru_step_backward(dnext_h, cache):
    """Backward pass of one GRU step (in the form its forward used).

    Inputs:
    - dnext_h: array of shape (N, H)
    - cache: from gru_step_forward

    Returns a tuple of:
    - dx: array of shape (N, D)
    - dprev_h: array of shape (N, H)
    - dWx: array of shape (D, 3H)
    - dWh: array of shape (H, 3H)
    - dbx: array of shape (3H,)
    - dbh: array of shape (3H,)
    """
    textbook = _is_textbook(cache["form"])
    Wx, Wh = cache["Wx"], cache["Wh"]
    H = Wh.shape[0]
    dxp, dprev_h, dhp = _gru_cell_backward(dnext_h, cache, Wh, textbook)
    dx = dxp @ Wx.T
    dWx = cache["x"].T @ dxp
    dWh = _gru_dWh(cache["prev_h"], cache["hin_n"], dhp, H)
    return dx, dprev_h, dWx, dWh, dxp.sum(axis=0), dhp.sum(axis=0)


# Per-step activations the unrolled backward needs; hin_n only differs from the previous
# hidden state in the textbook form.
_PER_STEP = ("r", "z", "n", "hn")


def _per_step_keys(textbook):
    return (_PER_STEP + ("hin_n",)) if textbook else _PER_STEP


def gru_forward(x, h0, Wx, Wh, bx, bh, form="pytorch"):
    """A GRU unrolled over a whole sequence.

    Inputs:
    - x: array of shape (N, T, D)
    - h0: array of shape (N, H)
    - Wx: array of shape (D, 3H)
    - Wh: array of shape (H, 3H)
    - bx: array of shape (3H,)
    - bh: array of shape (3H,)
    - form: "pytorch" (default) or "textbook"

    Returns a tuple of:
    - h: array of shape (N, T, H), hidden states of all steps
    - cache: dict of the inputs, the per-step activations (N, T, H each) and the form
    """
    textbook = _is_textbook(form)
    N, T, _ = x.shape
    H = Wh.shape[0]
    xp = _matmul_last(x, Wx)
    xp += bx
    dtype = np.result_type(xp, h0, Wh, bh)
    h = np.empty((N, T, H), dtype=dtype)
    keys = _per_step_keys(textbook)
    saved = {k: np.empty((N, T, H), dtype=dtype) for k in keys}
    prev_h = h0
    for t in range(T):
        prev_h, c = _gru_cell(xp[:, t], prev_h, Wh, bh, textbook)
        h[:, t] = prev_h
        for k in keys:
            saved[k][:, t] = c[k]
    saved.update(x=x, h0=h0, Wx=Wx, Wh=Wh, h=h, form=form)
    return h, saved


def gru_backward(dh, cache):
    """Backpropagation through time for the unrolled GRU (in its forward's form).

    Inputs:
    - dh: array of shape (N, T, H), upstream gradients of the hidden states from the
      loss only (per step)
    - cache: from gru_forward

    Returns a tuple of:
    - dx: array of shape (N, T, D)
    - dh0: array of shape (N, H)
    - dWx: array of shape (D, 3H)
    - dWh: array of shape (H, 3H)
    - dbx: array of shape (3H,)
    - dbh: array of shape (3H,)
    """
    textbook = _is_textbook(cache["form"])
    x, h0, Wx, Wh, h = cache["x"], cache["h0"], cache["Wx"], cache["Wh"], cache["h"]
    N, T, D = x.shape
    H = Wh.shape[0]
    h_in = np.concatenate([h0[:, None, :], h[:, :-1]], axis=1)
    dxp = np.empty((N, T, 3 * H), dtype=np.result_type(dh, h))
    dhp = np.empty_like(dxp)
    dprev_h = np.zeros((N, H), dtype=dxp.dtype)
    for t in range(T - 1, -1, -1):
        c = {k: cache[k][:, t] for k in _PER_STEP}
        c["prev_h"] = h_in[:, t]
        dxp[:, t], dprev_h, dhp[:, t] = _gru_cell_backward(dh[:, t] + dprev_h, c, Wh, textbook)
    dx = _matmul_last(dxp, Wx.T)
    dxp_flat = dxp.reshape(N * T, 3 * H)
    dhp_flat = dhp.reshape(N * T, 3 * H)
    h_in_flat = h_in.reshape(N * T, H)
    hin_n_flat = cache["hin_n"].reshape(N * T, H) if textbook else h_in_flat
    dWx = x.reshape(N * T, D).T @ dxp_flat
    dWh = _gru_dWh(h_in_flat, hin_n_flat, dhp_flat, H)
    return dx, dprev_h, dWx, dWh, dxp_flat.sum(axis=0), dhp_flat.sum(axis=0)
