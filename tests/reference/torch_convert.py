"""Convert the reference's weights to torch's layouts and torch's gradients back.

Reference: row vectors, Wx (D, kH), Wh (H, kH), blocks along the last axis.
torch:     column vectors, weight_ih (kH, D) = Wx.T, weight_hh (kH, H) = Wh.T.
Block orders: RNN k=1; LSTM ours [i | f | o | g], torch [i | f | g | o];
GRU [r | z | n] in both. torch has two biases; where we have one (RNN, LSTM), it goes
into bias_ih and bias_hh is zero, so both torch bias gradients equal our db.
"""

import numpy as np
import torch

DTYPE = torch.float64


def to_t(a, requires_grad=False):
    """numpy -> float64 torch tensor (a copy, so torch never writes into our arrays)."""
    return torch.tensor(np.array(a, dtype=np.float64), dtype=DTYPE, requires_grad=requires_grad)


def to_np(t):
    """torch tensor -> float64 numpy array (a copy)."""
    return t.detach().cpu().numpy().astype(np.float64, copy=True)


def _blocks(W, k):
    return np.split(np.asarray(W), k, axis=-1)


def lstm_ifog_to_ifgo(W):
    """Reorder the gate blocks on the last axis from ours [i|f|o|g] to torch's [i|f|g|o]."""
    i, f, o, g = _blocks(W, 4)
    return np.concatenate([i, f, g, o], axis=-1)


def lstm_ifgo_to_ifog(W):
    """Reorder the gate blocks on the last axis from torch's [i|f|g|o] to ours [i|f|o|g]."""
    i, f, g, o = _blocks(W, 4)
    return np.concatenate([i, f, o, g], axis=-1)


KINDS = ("rnn", "lstm", "gru")
_GATES = {"rnn": 1, "lstm": 4, "gru": 3}


def to_torch_params(kind, params):
    """Our parameters -> (weight_ih, weight_hh, bias_ih, bias_hh) as numpy arrays.

    params: (Wx, Wh, b) for rnn/lstm, (Wx, Wh, bx, bh) for gru.
    """
    if kind == "gru":
        Wx, Wh, bx, bh = params
        return Wx.T, Wh.T, bx, bh
    Wx, Wh, b = params
    if kind == "lstm":
        Wx, Wh, b = lstm_ifog_to_ifgo(Wx), lstm_ifog_to_ifgo(Wh), lstm_ifog_to_ifgo(b)
    return Wx.T, Wh.T, b, np.zeros_like(b)


def from_torch_grads(kind, w_ih, w_hh, b_ih, b_hh):
    """torch parameter gradients (numpy) -> ours: (dWx, dWh, db) or (dWx, dWh, dbx, dbh)."""
    if kind == "gru":
        return w_ih.T, w_hh.T, b_ih, b_hh
    # bias_ih and bias_hh enter the pre-activation as a sum: equal gradients (up to
    # torch's summation order).
    assert np.allclose(b_ih, b_hh, rtol=1e-12, atol=1e-14), np.max(np.abs(b_ih - b_hh))
    dWx, dWh, db = w_ih.T, w_hh.T, b_ih
    if kind == "lstm":
        dWx, dWh, db = lstm_ifgo_to_ifog(dWx), lstm_ifgo_to_ifog(dWh), lstm_ifgo_to_ifog(db)
    return dWx, dWh, db


def make_cell(kind, D, H, params):
    """A float64 torch.nn.RNNCell (tanh) / LSTMCell / GRUCell holding our parameters."""
    cls = {"rnn": torch.nn.RNNCell, "lstm": torch.nn.LSTMCell, "gru": torch.nn.GRUCell}[kind]
    kw = {"nonlinearity": "tanh"} if kind == "rnn" else {}
    cell = cls(D, H, dtype=DTYPE, **kw)
    load(cell, "", kind, params)
    return cell


def make_module(kind, D, H, num_layers=1, bidirectional=False):
    """A float64, batch_first torch.nn.RNN (tanh) / LSTM / GRU with torch's own init."""
    cls = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind]
    kw = {"nonlinearity": "tanh"} if kind == "rnn" else {}
    return cls(D, H, num_layers=num_layers, bidirectional=bidirectional,
               batch_first=True, dtype=DTYPE, **kw)


def suffix(layer, reverse):
    """torch's parameter name suffix of a (layer, direction) of a multi-layer module."""
    return f"_l{layer}" + ("_reverse" if reverse else "")


def load(module, sfx, kind, params):
    """Copy our parameters into module.weight_ih{sfx}, weight_hh{sfx}, bias_ih{sfx}, bias_hh{sfx}."""
    names = [n + sfx for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
    with torch.no_grad():
        for name, value in zip(names, to_torch_params(kind, params)):
            p = getattr(module, name)
            assert tuple(p.shape) == value.shape, (name, tuple(p.shape), value.shape)
            p.copy_(to_t(value))


def grads_of(module, sfx, kind):
    """Our-layout gradients of the parameters with suffix sfx, after .backward()."""
    names = [n + sfx for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
    return from_torch_grads(kind, *(to_np(getattr(module, n).grad) for n in names))


def gate_count(kind):
    """Number of H-wide blocks in Wx / Wh / b: 1 (rnn), 4 (lstm), 3 (gru)."""
    return _GATES[kind]


# ---------------------------------------------------------------------------
# Our single-layer functions composed by hand into torch's multi-layer /
# bidirectional topology (the reference's own stacked/bidirectional architectures
# live elsewhere; this only shows the cells compose to torch's results).
# ---------------------------------------------------------------------------

def _layer_fns(kind):
    import reference as R
    return {"rnn": (R.rnn_forward, R.rnn_backward),
            "lstm": (R.lstm_forward, R.lstm_backward),
            "gru": (R.gru_forward, R.gru_backward)}[kind]


def composed_forward(kind, x, h0, params, num_layers, bidirectional):
    """Run our unrolled layer as torch.nn.RNN/LSTM/GRU(num_layers, bidirectional) does.

    x: (N, T, D); h0: (num_layers * dirs, N, H); params[layer][direction] = our params.
    Returns (output (N, T, dirs * H), h_n (num_layers * dirs, N, H), caches).
    """
    forward, _ = _layer_fns(kind)
    dirs = 2 if bidirectional else 1
    inp, h_n, caches = x, [], []
    for layer in range(num_layers):
        outs = []
        for d in range(dirs):
            # The reverse direction reads the sequence backwards; its outputs are put
            # back in the original time order before concatenation.
            seq = inp[:, ::-1] if d else inp
            h, cache = forward(seq, h0[layer * dirs + d], *params[layer][d])
            h_n.append(h[:, -1])
            outs.append(h[:, ::-1] if d else h)
            caches.append(cache)
        inp = np.concatenate(outs, axis=-1)
    return inp, np.stack(h_n), caches


def composed_backward(kind, dout, caches, num_layers, bidirectional):
    """Backward of composed_forward for a loss on the output sequence only.

    Returns (dx, dh0 (num_layers * dirs, N, H), grads[layer][direction]).
    """
    _, backward = _layer_fns(kind)
    dirs = 2 if bidirectional else 1
    H = dout.shape[-1] // dirs
    dh0 = [None] * (num_layers * dirs)
    grads = [[None] * dirs for _ in range(num_layers)]
    for layer in range(num_layers - 1, -1, -1):
        dinp = 0.0
        for d in range(dirs):
            dh = dout[..., d * H:(d + 1) * H]
            dh = dh[:, ::-1] if d else dh
            dx, dh0_, *g = backward(dh, caches[layer * dirs + d])
            # The layer input feeds both directions: their gradients add.
            dinp = dinp + (dx[:, ::-1] if d else dx)
            dh0[layer * dirs + d] = dh0_
            grads[layer][d] = g
        dout = dinp
    return dout, np.stack(dh0), grads


def random_params(kind, D, H, rng, scale=0.5):
    """Random parameters in our layout with nonzero biases: (Wx, Wh, b) or (Wx, Wh, bx, bh)."""
    k = gate_count(kind)
    Wx = rng.standard_normal((D, k * H)) * scale
    Wh = rng.standard_normal((H, k * H)) * scale
    if kind == "gru":
        return Wx, Wh, rng.standard_normal(k * H) * scale, rng.standard_normal(k * H) * scale
    return Wx, Wh, rng.standard_normal(k * H) * scale


def composed_vs_torch_errors(kind, N, T, D, H, num_layers, bidirectional, seed):
    """Relative errors between our composed layers and torch's multi-layer module.

    Returns a dict name -> rel error covering output, h_n, dx, dh0 and every
    parameter gradient of every layer and direction.
    """
    from .numgrad import rel_error

    rng = np.random.default_rng(seed)
    dirs = 2 if bidirectional else 1
    x = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal((num_layers * dirs, N, H))
    dout = rng.standard_normal((N, T, dirs * H))
    params = [[random_params(kind, D if layer == 0 else dirs * H, H, rng) for _ in range(dirs)]
              for layer in range(num_layers)]

    module = make_module(kind, D, H, num_layers, bidirectional)
    for layer in range(num_layers):
        for d in range(dirs):
            load(module, suffix(layer, d), kind, params[layer][d])
    xt, h0t = to_t(x, True), to_t(h0, True)
    if kind == "lstm":
        out_t, (hn_t, _) = module(xt, (h0t, torch.zeros_like(h0t)))
    else:
        out_t, hn_t = module(xt, h0t)
    (out_t * to_t(dout)).sum().backward()

    out, h_n, caches = composed_forward(kind, x, h0, params, num_layers, bidirectional)
    dx, dh0, grads = composed_backward(kind, dout, caches, num_layers, bidirectional)

    errors = {"output": rel_error(out, to_np(out_t)), "h_n": rel_error(h_n, to_np(hn_t)),
              "dx": rel_error(dx, to_np(xt.grad)), "dh0": rel_error(dh0, to_np(h0t.grad))}
    for layer in range(num_layers):
        for d in range(dirs):
            sfx = suffix(layer, d)
            for i, (ours, theirs) in enumerate(zip(grads[layer][d], grads_of(module, sfx, kind))):
                errors[f"grad{i}{sfx}"] = rel_error(ours, theirs)
    return errors
