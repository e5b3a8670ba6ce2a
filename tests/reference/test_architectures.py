"""reference.architectures against torch (float64 autograd) and central finite differences.

Two torch oracles:
- torch.nn.RNN / LSTM / GRU modules (num_layers, bidirectional) for the stacked and
  bidirectional networks in the default GRU form (torch_convert loads our weights);
- a hand-unrolled torch network written from the cell equations (the reference modules' docstrings), in our
  own weight layout, for everything else and for the textbook GRU form, which torch
  does not implement. It is itself checked against the torch modules below.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings, strategies as st

from reference import (CELL_KEYS, bidirectional_backward, bidirectional_forward,
                       encoder_decoder_backward, encoder_decoder_forward,
                       encoder_decoder_generate, many_to_many_backward, many_to_many_forward,
                       many_to_one_backward, many_to_one_forward,
                       one_to_many_backward, one_to_many_forward, one_to_many_generate,
                       sequence_backward, sequence_forward, softmax_loss, stacked_backward,
                       stacked_forward, temporal_softmax_loss)
from tests.reference.numgrad import call_unmutated, eval_numerical_gradient_array, rel_error
from tests.reference.torch_convert import grads_of, load, make_module, suffix, to_np, to_t

TORCH_TOL = 1e-9
# Composite models chain many nonlinear steps: the O(h^2) truncation error of central
# differences reaches ~1e-7 on small entries; a wrong gradient is off by far more.
FD_TOL = 1e-6
FD_H = 1e-5

VARIANTS = [("rnn", "pytorch"), ("lstm", "pytorch"), ("gru", "pytorch"), ("gru", "textbook")]
VARIANT_IDS = [f"{c}-{f}" for c, f in VARIANTS]
TORCH_CELLS = ["rnn", "lstm", "gru"]

# Distinct sizes, so that a transposed or mixed-up weight cannot broadcast silently.
N, T, D, H, E, V, C, T_SRC = 3, 4, 5, 3, 2, 6, 4, 5
N_GEN = 16


# --------------------------------------------------------------------------- data

def cell_params(cell, D_in, H_, rng, scale=0.5):
    k = {"rnn": 1, "lstm": 4, "gru": 3}[cell]
    p = {"Wx": rng.standard_normal((D_in, k * H_)) * scale,
         "Wh": rng.standard_normal((H_, k * H_)) * scale}
    if cell == "gru":
        p["bx"] = rng.standard_normal(k * H_) * scale
        p["bh"] = rng.standard_normal(k * H_) * scale
    else:
        p["b"] = rng.standard_normal(k * H_) * scale
    return p


def as_tuple(cell, p):
    return tuple(p[k] for k in CELL_KEYS[cell])


def tokens(rng, shape):
    t = rng.integers(0, V, size=shape)
    t.flat[-1] = t.flat[0]          # a repeated token exercises accumulation in dW_embed
    return t


def one_to_many_params(cell, rng):
    p = {"W_proj": rng.standard_normal((D, H)) * 0.5, "b_proj": rng.standard_normal(H) * 0.5,
         "W_embed": rng.standard_normal((V, E))}
    p.update(cell_params(cell, E, H, rng))
    p.update(W_vocab=rng.standard_normal((H, V)), b_vocab=rng.standard_normal(V))
    return p


def seq2seq_params(cell, rng):
    p = {"enc_" + k: v for k, v in cell_params(cell, D, H, rng).items()}
    p["W_embed"] = rng.standard_normal((V, E))
    p.update({"dec_" + k: v for k, v in cell_params(cell, E, H, rng).items()})
    p.update(W_vocab=rng.standard_normal((H, V)), b_vocab=rng.standard_normal(V))
    return p


def lively(p):
    """Generation parameters whose greedy decoding does not collapse onto one token:
    strong recurrence and feedback, weak output bias (so a wrong state changes tokens)."""
    gain = {"Wh": 3.0, "Wx": 2.0, "W_embed": 2.0, "W_vocab": 3.0, "b_vocab": 0.1}
    return {k: v * next((g for suffix_, g in gain.items() if k.endswith(suffix_)), 1.0)
            for k, v in p.items()}


# --------------------------------------------------------------------------- torch oracle

def leaves(tree):
    """numpy tree -> torch tree of float64 leaves that require grad."""
    if isinstance(tree, dict):
        return {k: leaves(v) for k, v in tree.items()}
    if isinstance(tree, list):
        return [leaves(v) for v in tree]
    return to_t(tree, True)


def grads(tree):
    if isinstance(tree, dict):
        return {k: grads(v) for k, v in tree.items()}
    if isinstance(tree, list):
        return [grads(v) for v in tree]
    return to_np(tree.grad)


def t_step(cell, form, x, h, c, p):
    """One step written from the cell equations (row vectors, our block orders)."""
    if cell == "rnn":
        return torch.tanh(x @ p["Wx"] + h @ p["Wh"] + p["b"]), c
    Hh = h.shape[1]
    if cell == "lstm":
        i, f, o, g = (x @ p["Wx"] + h @ p["Wh"] + p["b"]).split(Hh, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c), c
    xr, xz, xn = (x @ p["Wx"] + p["bx"]).split(Hh, dim=1)
    Whr, Whz, Whn = p["Wh"].split(Hh, dim=1)
    bhr, bhz, bhn = p["bh"].split(Hh)
    r = torch.sigmoid(xr + h @ Whr + bhr)
    z = torch.sigmoid(xz + h @ Whz + bhz)
    if form == "pytorch":
        n = torch.tanh(xn + r * (h @ Whn + bhn))
        return (1 - z) * n + z * h, c
    n = torch.tanh(xn + (r * h) @ Whn + bhn)
    return (1 - z) * h + z * n, c


def t_layer(cell, form, x, h0, p):
    h, c, out = h0, torch.zeros_like(h0), []
    for t in range(x.shape[1]):
        h, c = t_step(cell, form, x[:, t], h, c, p)
        out.append(h)
    return torch.stack(out, dim=1)


def t_greedy(cell, form, h0, p_cell, W_embed, W_vocab, b_vocab, start, T_out):
    h, c = h0, torch.zeros_like(h0)
    prev = torch.full((h0.shape[0],), start, dtype=torch.long)
    out = []
    for _ in range(T_out):
        h, c = t_step(cell, form, W_embed[prev], h, c, p_cell)
        prev = torch.argmax(h @ W_vocab + b_vocab, dim=1)
        out.append(prev)
    return torch.stack(out, dim=1).numpy()


def sub(p, prefix, cell):
    return {k: p[prefix + k] for k in CELL_KEYS[cell]}


# --------------------------------------------------------------------------- asserts

def assert_close(ours, theirs, tol, path="out"):
    """Same structure, every array within tol (rel_error)."""
    if isinstance(theirs, dict):
        assert isinstance(ours, dict) and set(ours) == set(theirs), (path, ours.keys())
        for k in theirs:
            assert_close(ours[k], theirs[k], tol, f"{path}[{k!r}]")
    elif isinstance(theirs, list):
        assert isinstance(ours, list) and len(ours) == len(theirs), path
        for i, (a, b) in enumerate(zip(ours, theirs)):
            assert_close(a, b, tol, f"{path}[{i}]")
    else:
        err = rel_error(ours, theirs)
        assert err < tol, f"{path}: relative error {err:.3g}"


def arrays_of(tree, path=""):
    if isinstance(tree, dict):
        return [a for k, v in tree.items() for a in arrays_of(v, f"{path}[{k!r}]")]
    if isinstance(tree, list):
        return [a for i, v in enumerate(tree) for a in arrays_of(v, f"{path}[{i}]")]
    return [(path, tree)]


def check_fd(f, dout, pairs, tol=FD_TOL):
    """pairs: (name, input array, analytic gradient); f() reads the arrays in place."""
    for name, x, analytic in pairs:
        num = eval_numerical_gradient_array(lambda _: f(), x, dout, h=FD_H)
        err = rel_error(analytic, num)
        assert err < tol, f"{name}: relative error {err:.3g} against finite differences"


# --------------------------------------------------------------------------- oracle sanity

@pytest.mark.parametrize("cell", TORCH_CELLS)
def test_hand_unrolled_torch_oracle_matches_torch_modules(cell):
    rng = np.random.default_rng(0)
    x, h0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H))
    p = cell_params(cell, D, H, rng)
    module = make_module(cell, D, H)
    load(module, "_l0", cell, as_tuple(cell, p))
    h0t = to_t(h0[None])
    with torch.no_grad():
        ref = module(to_t(x), (h0t, torch.zeros_like(h0t)) if cell == "lstm" else h0t)[0]
        ours = t_layer(cell, "pytorch", to_t(x), to_t(h0), {k: to_t(v) for k, v in p.items()})
    assert rel_error(to_np(ours), to_np(ref)) < TORCH_TOL


# --------------------------------------------------------------------------- one layer

@pytest.mark.parametrize("cell,form", VARIANTS, ids=VARIANT_IDS)
def test_sequence_matches_torch(cell, form):
    rng = np.random.default_rng(1)
    x, h0, dh = (rng.standard_normal(s) for s in ((N, T, D), (N, H), (N, T, H)))
    p = cell_params(cell, D, H, rng)
    h, cache = call_unmutated(sequence_forward, x, h0, p, cell, form)
    dx, dh0, dp = call_unmutated(sequence_backward, dh, cache)

    xt, h0t, pt = to_t(x, True), to_t(h0, True), leaves(p)
    out = t_layer(cell, form, xt, h0t, pt)
    (out * to_t(dh)).sum().backward()
    assert_close(h, to_np(out), TORCH_TOL, "h")
    assert_close(dx, to_np(xt.grad), TORCH_TOL, "dx")
    assert_close(dh0, to_np(h0t.grad), TORCH_TOL, "dh0")
    assert_close(dp, grads(pt), TORCH_TOL, "dparams")


def test_bad_cell_form_and_keys_are_rejected():
    rng = np.random.default_rng(2)
    x, h0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H))
    p = cell_params("rnn", D, H, rng)
    with pytest.raises(ValueError, match="cell"):
        sequence_forward(x, h0, p, "transformer")
    with pytest.raises(ValueError, match="form"):
        sequence_forward(x, h0, p, "rnn", form="keras")
    with pytest.raises(ValueError, match="missing keys"):
        sequence_forward(x, h0, {"Wx": p["Wx"], "Wh": p["Wh"]}, "rnn")
    with pytest.raises(ValueError, match="unexpected keys"):
        sequence_forward(x, h0, dict(p, bh=p["b"]), "rnn")
    with pytest.raises(ValueError, match="missing keys"):   # gru wants bx, bh
        sequence_forward(x, h0, p, "gru")


# --------------------------------------------------------------------------- stacked

def _stacked_case(cell, L, rng, n=N, t=T, d=D, hh=H):
    x = rng.standard_normal((n, t, d))
    h0 = rng.standard_normal((L, n, hh))
    params = [cell_params(cell, d if l == 0 else hh, hh, rng) for l in range(L)]
    return x, h0, params, rng.standard_normal((n, t, hh))


@pytest.mark.parametrize("cell", TORCH_CELLS)
@settings(max_examples=8, deadline=None)
@given(L=st.integers(1, 3), n=st.integers(1, 3), t=st.integers(1, 4), d=st.integers(1, 5),
       hh=st.integers(1, 4), seed=st.integers(0, 2**32 - 1))
def test_stacked_matches_torch_multilayer_module(cell, L, n, t, d, hh, seed):
    rng = np.random.default_rng(seed)
    x, h0, params, dh = _stacked_case(cell, L, rng, n, t, d, hh)
    h, cache = call_unmutated(stacked_forward, x, h0, params, cell)
    dx, dh0, dparams = call_unmutated(stacked_backward, dh, cache)

    module = make_module(cell, d, hh, num_layers=L)
    for l in range(L):
        load(module, suffix(l, False), cell, as_tuple(cell, params[l]))
    xt, h0t = to_t(x, True), to_t(h0, True)
    out, _ = module(xt, (h0t, torch.zeros_like(h0t)) if cell == "lstm" else h0t)
    (out * to_t(dh)).sum().backward()

    assert h.shape == (n, t, hh) and dh0.shape == (L, n, hh) and len(dparams) == L
    assert_close(h, to_np(out), TORCH_TOL, "h")
    assert_close(dx, to_np(xt.grad), TORCH_TOL, "dx")
    assert_close(dh0, to_np(h0t.grad), TORCH_TOL, "dh0")
    for l in range(L):
        theirs = dict(zip(CELL_KEYS[cell], grads_of(module, suffix(l, False), cell)))
        assert_close(dparams[l], theirs, TORCH_TOL, f"dparams[{l}]")


def test_stacked_textbook_gru_matches_hand_unrolled_torch():
    rng = np.random.default_rng(3)
    x, h0, params, dh = _stacked_case("gru", 3, rng)
    h, cache = stacked_forward(x, h0, params, "gru", form="textbook")
    dx, dh0, dparams = stacked_backward(dh, cache)

    xt, h0t, pt = to_t(x, True), to_t(h0, True), leaves(params)
    out = xt
    for l in range(3):
        out = t_layer("gru", "textbook", out, h0t[l], pt[l])
    (out * to_t(dh)).sum().backward()
    assert_close(h, to_np(out), TORCH_TOL, "h")
    assert_close(dx, to_np(xt.grad), TORCH_TOL, "dx")
    assert_close(dh0, to_np(h0t.grad), TORCH_TOL, "dh0")
    assert_close(dparams, grads(pt), TORCH_TOL, "dparams")


@pytest.mark.parametrize("cell,form", VARIANTS, ids=VARIANT_IDS)
def test_stacked_backward_matches_finite_differences(cell, form):
    rng = np.random.default_rng(4)
    x, h0, params, dh = _stacked_case(cell, 2, rng)
    _, cache = stacked_forward(x, h0, params, cell, form)
    dx, dh0, dparams = stacked_backward(dh, cache)
    f = lambda: stacked_forward(x, h0, params, cell, form)[0]
    pairs = [("dx", x, dx), ("dh0", h0, dh0)]
    pairs += [(name, a, g[1]) for (name, a), g in zip(arrays_of(params), arrays_of(dparams))]
    check_fd(f, dh, pairs)


def test_stacked_rejects_mismatched_layers():
    rng = np.random.default_rng(5)
    x, h0, params, _ = _stacked_case("rnn", 2, rng)
    with pytest.raises(ValueError, match="layers"):
        stacked_forward(x, h0[:1], params, "rnn")


# --------------------------------------------------------------------------- bidirectional

def _bidir_case(cell, rng):
    x, h0 = rng.standard_normal((N, T, D)), rng.standard_normal((2, N, H))
    params = [cell_params(cell, D, H, rng) for _ in range(2)]
    return x, h0, params, rng.standard_normal((N, T, 2 * H))


@pytest.mark.parametrize("cell", TORCH_CELLS)
@pytest.mark.parametrize("seed", [6, 7])
def test_bidirectional_matches_torch_bidirectional_module(cell, seed):
    rng = np.random.default_rng(seed)
    x, h0, params, dh = _bidir_case(cell, rng)
    h, cache = call_unmutated(bidirectional_forward, x, h0, params, cell)
    dx, dh0, dparams = call_unmutated(bidirectional_backward, dh, cache)

    module = make_module(cell, D, H, bidirectional=True)
    for d in range(2):
        load(module, suffix(0, d), cell, as_tuple(cell, params[d]))
    xt, h0t = to_t(x, True), to_t(h0, True)
    out, _ = module(xt, (h0t, torch.zeros_like(h0t)) if cell == "lstm" else h0t)
    (out * to_t(dh)).sum().backward()

    assert h.shape == (N, T, 2 * H) and dh0.shape == (2, N, H)
    assert_close(h, to_np(out), TORCH_TOL, "h")
    assert_close(dx, to_np(xt.grad), TORCH_TOL, "dx")
    assert_close(dh0, to_np(h0t.grad), TORCH_TOL, "dh0")
    for d in range(2):
        theirs = dict(zip(CELL_KEYS[cell], grads_of(module, suffix(0, d), cell)))
        assert_close(dparams[d], theirs, TORCH_TOL, f"dparams[{d}]")


def test_bidirectional_textbook_gru_matches_hand_unrolled_torch():
    rng = np.random.default_rng(8)
    x, h0, params, dh = _bidir_case("gru", rng)
    h, cache = bidirectional_forward(x, h0, params, "gru", form="textbook")
    dx, dh0, dparams = bidirectional_backward(dh, cache)

    xt, h0t, pt = to_t(x, True), to_t(h0, True), leaves(params)
    fwd = t_layer("gru", "textbook", xt, h0t[0], pt[0])
    bwd = t_layer("gru", "textbook", xt.flip(1), h0t[1], pt[1]).flip(1)
    out = torch.cat([fwd, bwd], dim=2)
    (out * to_t(dh)).sum().backward()
    assert_close(h, to_np(out), TORCH_TOL, "h")
    assert_close(dx, to_np(xt.grad), TORCH_TOL, "dx")
    assert_close(dh0, to_np(h0t.grad), TORCH_TOL, "dh0")
    assert_close(dparams, grads(pt), TORCH_TOL, "dparams")


@pytest.mark.parametrize("cell,form", VARIANTS, ids=VARIANT_IDS)
def test_bidirectional_backward_matches_finite_differences(cell, form):
    rng = np.random.default_rng(9)
    x, h0, params, dh = _bidir_case(cell, rng)
    _, cache = bidirectional_forward(x, h0, params, cell, form)
    dx, dh0, dparams = bidirectional_backward(dh, cache)
    f = lambda: bidirectional_forward(x, h0, params, cell, form)[0]
    pairs = [("dx", x, dx), ("dh0", h0, dh0)]
    pairs += [(name, a, g[1]) for (name, a), g in zip(arrays_of(params), arrays_of(dparams))]
    check_fd(f, dh, pairs)


def test_bidirectional_halves_see_past_and_future():
    """h[:, t, :H] must not depend on x[:, t+1:], h[:, t, H:] not on x[:, :t]."""
    rng = np.random.default_rng(10)
    x, h0, params, _ = _bidir_case("lstm", rng)
    base, _ = bidirectional_forward(x, h0, params, "lstm")
    x2 = x.copy()
    x2[:, 2] += 1.0
    moved, _ = bidirectional_forward(x2, h0, params, "lstm")
    assert np.array_equal(base[:, :2, :H], moved[:, :2, :H])     # forward: past only
    assert np.array_equal(base[:, 3:, H:], moved[:, 3:, H:])     # backward: future only
    assert not np.allclose(base[:, 2:, :H], moved[:, 2:, :H])
    assert not np.allclose(base[:, :3, H:], moved[:, :3, H:])


# ------------------------------------------------------------ many-to-one and many-to-many
#
# The two classifiers share the recurrent part and differ only in the head: the last state
# (N, C) or every state (N, T, C) through W_out, b_out.  For a (N, T, C) output each
# difference quotient sums more rounding, hence its looser finite-difference tolerance;
# the exact proof is the torch comparison (1e-9).

HEADS = {
    "many_to_one": (many_to_one_forward, many_to_one_backward, lambda h: h[:, -1], (N, C), FD_TOL),
    "many_to_many": (many_to_many_forward, many_to_many_backward, lambda h: h, (N, T, C), 1e-5),
}


def _head_case(head, cell, rng):
    x, h0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H))
    p = cell_params(cell, D, H, rng)
    p.update(W_out=rng.standard_normal((H, C)), b_out=rng.standard_normal(C))
    return x, h0, p, rng.standard_normal(HEADS[head][3])


@pytest.mark.parametrize("head", HEADS)
@pytest.mark.parametrize("cell,form", VARIANTS, ids=VARIANT_IDS)
def test_classifier_heads_match_torch(head, cell, form):
    forward, backward, read_states, shape, _ = HEADS[head]
    rng = np.random.default_rng(11)
    x, h0, p, dscores = _head_case(head, cell, rng)
    scores, cache = call_unmutated(forward, x, h0, p, cell, form)
    dx, dh0, dp = call_unmutated(backward, dscores, cache)

    xt, h0t, pt = to_t(x, True), to_t(h0, True), leaves(p)
    h = t_layer(cell, form, xt, h0t, sub(pt, "", cell))
    out = read_states(h) @ pt["W_out"] + pt["b_out"]
    (out * to_t(dscores)).sum().backward()
    assert scores.shape == shape
    assert_close(scores, to_np(out), TORCH_TOL, "scores")
    assert_close(dx, to_np(xt.grad), TORCH_TOL, "dx")
    assert_close(dh0, to_np(h0t.grad), TORCH_TOL, "dh0")
    assert_close(dp, grads(pt), TORCH_TOL, "dparams")


@pytest.mark.parametrize("head", HEADS)
@pytest.mark.parametrize("cell,form", VARIANTS, ids=VARIANT_IDS)
def test_classifier_heads_backward_match_finite_differences(head, cell, form):
    forward, backward, _, _, tol = HEADS[head]
    rng = np.random.default_rng(12)
    x, h0, p, dscores = _head_case(head, cell, rng)
    _, cache = forward(x, h0, p, cell, form)
    dx, dh0, dp = backward(dscores, cache)
    f = lambda: forward(x, h0, p, cell, form)[0]
    check_fd(f, dscores, [("dx", x, dx), ("dh0", h0, dh0)] + [(k, p[k], dp[k]) for k in p], tol=tol)


def test_softmax_loss_matches_torch_cross_entropy():
    rng = np.random.default_rng(13)
    scores = rng.standard_normal((7, 5)) * 3
    scores[0] += 1000.0                  # must not overflow
    y = rng.integers(0, 5, size=7)
    loss, dscores = call_unmutated(softmax_loss, scores, y)
    st_ = to_t(scores, True)
    ref = F.cross_entropy(st_, torch.tensor(y), reduction="mean")
    ref.backward()
    assert isinstance(loss, float)
    assert abs(loss - ref.item()) <= 1e-12 * abs(ref.item())
    assert_close(dscores, to_np(st_.grad), TORCH_TOL, "dscores")


def test_many_to_one_classifier_end_to_end_gradient():
    """softmax_loss on many_to_one scores: the whole chain against torch."""
    rng = np.random.default_rng(14)
    x, h0, p, _ = _head_case("many_to_one", "lstm", rng)
    y = rng.integers(0, C, size=N)
    scores, cache = many_to_one_forward(x, h0, p, "lstm")
    loss, dscores = softmax_loss(scores, y)
    _, _, dp = many_to_one_backward(dscores, cache)
    pt = leaves(p)
    h = t_layer("lstm", "pytorch", to_t(x), to_t(h0), sub(pt, "", "lstm"))
    ref = F.cross_entropy(h[:, -1] @ pt["W_out"] + pt["b_out"], torch.tensor(y))
    ref.backward()
    assert abs(loss - ref.item()) <= 1e-12 * abs(ref.item())
    assert_close(dp, grads(pt), TORCH_TOL, "dparams")


# --------------------------------------------------------------------------- one-to-many

def _o2m_case(cell, rng):
    return (rng.standard_normal((N, D)), tokens(rng, (N, T)), one_to_many_params(cell, rng),
            rng.standard_normal((N, T, V)))


def t_one_to_many(cell, form, xt, tok, pt):
    h0 = xt @ pt["W_proj"] + pt["b_proj"]
    h = t_layer(cell, form, pt["W_embed"][torch.tensor(tok)], h0, sub(pt, "", cell))
    return h @ pt["W_vocab"] + pt["b_vocab"]


@pytest.mark.parametrize("cell,form", VARIANTS, ids=VARIANT_IDS)
def test_one_to_many_matches_torch(cell, form):
    rng = np.random.default_rng(15)
    x, tok, p, dscores = _o2m_case(cell, rng)
    scores, cache = call_unmutated(one_to_many_forward, x, tok, p, cell, form)
    dx, dp = call_unmutated(one_to_many_backward, dscores, cache)

    xt, pt = to_t(x, True), leaves(p)
    out = t_one_to_many(cell, form, xt, tok, pt)
    (out * to_t(dscores)).sum().backward()
    assert scores.shape == (N, T, V)
    assert_close(scores, to_np(out), TORCH_TOL, "scores")
    assert_close(dx, to_np(xt.grad), TORCH_TOL, "dx")
    assert_close(dp, grads(pt), TORCH_TOL, "dparams")


@pytest.mark.parametrize("cell,form", VARIANTS, ids=VARIANT_IDS)
def test_one_to_many_backward_matches_finite_differences(cell, form):
    rng = np.random.default_rng(16)
    x, tok, p, dscores = _o2m_case(cell, rng)
    _, cache = one_to_many_forward(x, tok, p, cell, form)
    dx, dp = one_to_many_backward(dscores, cache)
    f = lambda: one_to_many_forward(x, tok, p, cell, form)[0]
    check_fd(f, dscores, [("dx", x, dx)] + [(k, p[k], dp[k]) for k in p])


@pytest.mark.parametrize("cell,form", VARIANTS, ids=VARIANT_IDS)
def test_one_to_many_generate_matches_torch_greedy_and_teacher_forcing(cell, form):
    rng = np.random.default_rng(1)           # a seed whose greedy decoding stays diverse
    p = lively(_o2m_case(cell, rng)[2])
    x = rng.standard_normal((N_GEN, D))     # many rows: a wrong state shows in some argmax
    start, T_out = 1, 10
    out = call_unmutated(one_to_many_generate, x, p, cell, start, T_out, form)

    pt = {k: to_t(v) for k, v in p.items()}
    with torch.no_grad():
        ref = t_greedy(cell, form, to_t(x) @ pt["W_proj"] + pt["b_proj"], sub(pt, "", cell),
                       pt["W_embed"], pt["W_vocab"], pt["b_vocab"], start, T_out)
    assert out.shape == (N_GEN, T_out) and out.dtype == np.int64
    assert len(np.unique(out)) >= 3              # the test data exercise the feedback
    assert np.array_equal(out, ref)
    # feeding the generated tokens back under teacher forcing reproduces every argmax
    fed = np.concatenate([np.full((N_GEN, 1), start), out[:, :-1]], axis=1)
    scores, _ = one_to_many_forward(x, fed, p, cell, form)
    assert np.array_equal(scores.argmax(axis=2), out)


# --------------------------------------------------------------------------- encoder–decoder

T_DEC = T


def _s2s_case(cell, rng):
    return (rng.standard_normal((N, T_SRC, D)), tokens(rng, (N, T_DEC)), seq2seq_params(cell, rng),
            rng.standard_normal((N, T_DEC, V)))


def t_encoder_decoder(cell, form, xt, tok, pt):
    h_enc = t_layer(cell, form, xt, torch.zeros(xt.shape[0], H, dtype=xt.dtype),
                    sub(pt, "enc_", cell))
    h_dec = t_layer(cell, form, pt["W_embed"][torch.tensor(tok)], h_enc[:, -1],
                    sub(pt, "dec_", cell))
    return h_dec @ pt["W_vocab"] + pt["b_vocab"]


@pytest.mark.parametrize("cell,form", VARIANTS, ids=VARIANT_IDS)
def test_encoder_decoder_matches_torch(cell, form):
    rng = np.random.default_rng(18)
    x, tok, p, dscores = _s2s_case(cell, rng)
    scores, cache = call_unmutated(encoder_decoder_forward, x, tok, p, cell, form)
    dx, dp = call_unmutated(encoder_decoder_backward, dscores, cache)

    xt, pt = to_t(x, True), leaves(p)
    out = t_encoder_decoder(cell, form, xt, tok, pt)
    (out * to_t(dscores)).sum().backward()
    assert scores.shape == (N, T_DEC, V) and dx.shape == x.shape
    assert_close(scores, to_np(out), TORCH_TOL, "scores")
    assert_close(dx, to_np(xt.grad), TORCH_TOL, "dx")
    assert_close(dp, grads(pt), TORCH_TOL, "dparams")


@pytest.mark.parametrize("cell,form", VARIANTS, ids=VARIANT_IDS)
def test_encoder_decoder_backward_matches_finite_differences(cell, form):
    rng = np.random.default_rng(19)
    x, tok, p, dscores = _s2s_case(cell, rng)
    _, cache = encoder_decoder_forward(x, tok, p, cell, form)
    dx, dp = encoder_decoder_backward(dscores, cache)
    f = lambda: encoder_decoder_forward(x, tok, p, cell, form)[0]
    check_fd(f, dscores, [("dx", x, dx)] + [(k, p[k], dp[k]) for k in p])


@pytest.mark.parametrize("cell", TORCH_CELLS)
def test_encoder_decoder_with_temporal_softmax_loss_matches_torch(cell):
    """The training loss of the model: temporal_softmax_loss (summed over T, mean over N,
    masked) on the scores, against torch's cross-entropy."""
    rng = np.random.default_rng(20)
    x, tok, p, _ = _s2s_case(cell, rng)
    y = tokens(rng, (N, T_DEC))
    mask = rng.random((N, T_DEC)) < 0.7
    mask[0, 0], mask[-1, -1] = True, False
    scores, cache = encoder_decoder_forward(x, tok, p, cell)
    loss, dscores = temporal_softmax_loss(scores, y, mask)
    dx, dp = encoder_decoder_backward(dscores, cache)

    xt, pt = to_t(x, True), leaves(p)
    out = t_encoder_decoder(cell, "pytorch", xt, tok, pt)
    per_step = F.cross_entropy(out.reshape(-1, V), torch.tensor(y).reshape(-1), reduction="none")
    ref = (per_step * to_t(mask.reshape(-1).astype(float))).sum() / N
    ref.backward()
    assert abs(loss - ref.item()) <= 1e-12 * abs(ref.item())
    assert_close(dx, to_np(xt.grad), TORCH_TOL, "dx")
    assert_close(dp, grads(pt), TORCH_TOL, "dparams")


@pytest.mark.parametrize("cell,form", VARIANTS, ids=VARIANT_IDS)
def test_encoder_decoder_generate_matches_torch_greedy(cell, form):
    rng = np.random.default_rng(6)           # a seed whose greedy decoding stays diverse
    p = lively(_s2s_case(cell, rng)[2])
    x = rng.standard_normal((N_GEN, T_SRC, D))
    start, T_out = 0, 10
    out = call_unmutated(encoder_decoder_generate, x, p, cell, start, T_out, form)

    pt = {k: to_t(v) for k, v in p.items()}
    with torch.no_grad():
        h_enc = t_layer(cell, form, to_t(x), torch.zeros(N_GEN, H, dtype=torch.float64),
                        sub(pt, "enc_", cell))
        ref = t_greedy(cell, form, h_enc[:, -1], sub(pt, "dec_", cell), pt["W_embed"],
                       pt["W_vocab"], pt["b_vocab"], start, T_out)
    assert out.shape == (N_GEN, T_out) and out.dtype == np.int64
    assert len(np.unique(out)) >= 3
    assert np.array_equal(out, ref)
    fed = np.concatenate([np.full((N_GEN, 1), start), out[:, :-1]], axis=1)
    scores, _ = encoder_decoder_forward(x, fed, p, cell, form)
    assert np.array_equal(scores.argmax(axis=2), out)


def test_encoder_decoder_reads_the_source_only_through_its_last_state():
    """Zero upstream gradient on the decoder gives zero gradient everywhere upstream, and
    the source gradient is nonzero at every step (each feeds the final encoder state)."""
    rng = np.random.default_rng(22)
    x, tok, p, dscores = _s2s_case("gru", rng)
    _, cache = encoder_decoder_forward(x, tok, p, "gru")
    dx0, dp0 = encoder_decoder_backward(np.zeros_like(dscores), cache)
    assert not np.any(dx0) and not any(np.any(g) for g in dp0.values())
    dx, _ = encoder_decoder_backward(dscores, cache)
    assert np.all(np.abs(dx).sum(axis=2) > 0)
