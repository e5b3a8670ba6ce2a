"""reference.langmodel against torch (nn.Embedding + nn.LSTM + nn.Linear + cross_entropy,
torch.multinomial-free inverse-CDF sampling re-derived, h_t.grad) and finite differences."""

import collections

import numpy as np
import pytest
import torch

from reference import (
    char_vocab,
    heldout_perplexity,
    hidden_grad_norms,
    lm_loss_and_grads,
    sample,
    tbptt_batches,
)
from tests.reference.numgrad import call_unmutated, eval_numerical_gradient_array, rel_error
from tests.reference.torch_convert import load, make_cell, make_module, to_np, to_t

TOL = 1e-10


def lm_params(rng, V=7, E=3, H=4, scale=0.5):
    return {"W_embed": rng.standard_normal((V, E)), "Wx": rng.standard_normal((E, 4 * H)) * scale,
            "Wh": rng.standard_normal((H, 4 * H)) * scale, "b": rng.standard_normal(4 * H) * scale,
            "W_out": rng.standard_normal((H, V)), "b_out": rng.standard_normal(V)}


# --------------------------------------------------------------------------- vocabulary

def test_char_vocab_orders_by_count_then_code_point_and_maps_the_rest_to_unk():
    text = "가나다가나가라라라라 "          # 라 4, 가 3, 나 2, 다 1, ' ' 1
    codes = np.array([ord(ch) for ch in text])
    vocab, ids = call_unmutated(char_vocab, codes, 3)
    assert [chr(c) for c in vocab] == ["라", "가", "나"]
    # ' ' (32) and 다 tie at 1; neither fits in 3, both are <unk>
    assert ids.tolist() == [2, 3, 0, 2, 3, 2, 1, 1, 1, 1, 0]
    vocab_all, _ = char_vocab(codes, 10)
    assert [chr(c) for c in vocab_all] == ["라", "가", "나", " ", "다"]   # tie: smaller code point first


def test_char_vocab_agrees_with_collections_counter():
    rng = np.random.default_rng(3)
    codes = rng.integers(0xAC00, 0xAC00 + 40, size=500)
    vocab, ids = char_vocab(codes, 25)
    counts = collections.Counter(codes.tolist())
    expected = sorted(counts, key=lambda c: (-counts[c], c))[:25]
    assert vocab.tolist() == expected
    back = np.where(ids > 0, np.concatenate([[0], vocab])[ids], -1)
    kept = np.isin(codes, vocab)
    assert np.array_equal(back[kept], codes[kept]) and np.all(ids[~kept] == 0)


# --------------------------------------------------------------------------- TBPTT windows

def test_tbptt_batches_streams_are_contiguous_across_windows():
    ids = np.arange(100)
    x, y = call_unmutated(tbptt_batches, ids, 3, 5)
    S = 99 // 3
    assert x.shape == y.shape == (S // 5, 3, 5)
    assert np.array_equal(y, x + 1)                    # the target is the next character
    for n in range(3):
        stream = x[:, n].ravel()                       # window k then window k + 1
        assert np.array_equal(stream, np.arange(n * S, n * S + (S // 5) * 5))


def test_tbptt_batches_rejects_too_short_text():
    with pytest.raises(ValueError):
        tbptt_batches(np.arange(5), 2, 4)


# --------------------------------------------------------------------------- loss and gradients

def torch_lm(x, y, h0, c0, params):
    V, E = params["W_embed"].shape
    H = params["Wh"].shape[0]
    lstm = make_module("lstm", E, H)
    load(lstm, "_l0", "lstm", (params["Wx"], params["Wh"], params["b"]))
    W_embed = to_t(params["W_embed"], True)
    W_out, b_out = to_t(params["W_out"], True), to_t(params["b_out"], True)
    th0, tc0 = to_t(h0, True), to_t(c0, True)
    out, (hT, cT) = lstm(W_embed[torch.as_tensor(x)], (th0[None], tc0[None]))
    scores = out @ W_out + b_out
    loss = torch.nn.functional.cross_entropy(scores.reshape(-1, V), torch.as_tensor(y).reshape(-1))
    loss.backward()
    from tests.reference.torch_convert import grads_of
    dWx, dWh, db = grads_of(lstm, "_l0", "lstm")
    grads = {"W_embed": to_np(W_embed.grad), "Wx": dWx, "Wh": dWh, "b": db,
             "W_out": to_np(W_out.grad), "b_out": to_np(b_out.grad)}
    return float(loss.detach()), grads, to_np(hT[0]), to_np(cT[0])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_lm_loss_and_grads_matches_torch(seed):
    rng = np.random.default_rng(seed)
    N, T, V = 3, 5, 7
    params = lm_params(rng, V=V)
    x, y = rng.integers(0, V, (N, T)), rng.integers(0, V, (N, T))
    h0, c0 = rng.standard_normal((N, 4)), rng.standard_normal((N, 4))
    loss, grads, hT, cT = call_unmutated(lm_loss_and_grads, x, y, h0, c0, params)
    t_loss, t_grads, t_hT, t_cT = torch_lm(x, y, h0, c0, params)
    assert abs(loss - t_loss) < TOL * max(1.0, abs(t_loss))
    assert list(grads) == list(params)
    for k in params:
        assert rel_error(grads[k], t_grads[k]) < TOL, k
    assert rel_error(hT, t_hT) < TOL and rel_error(cT, t_cT) < TOL


def test_lm_gradients_match_finite_differences():
    rng = np.random.default_rng(4)
    params = lm_params(rng)
    x, y = rng.integers(0, 7, (2, 4)), rng.integers(0, 7, (2, 4))
    h0, c0 = rng.standard_normal((2, 4)), rng.standard_normal((2, 4))
    _, grads, _, _ = lm_loss_and_grads(x, y, h0, c0, params)
    for k in params:
        num = eval_numerical_gradient_array(
            lambda _: np.array(lm_loss_and_grads(x, y, h0, c0, params)[0]), params[k], np.array(1.0), h=1e-5)
        # one scalar loss differenced: truncation error h^2 f''' on entries near 1e-4 (torch above is the tight check)
        assert rel_error(grads[k], num) < 1e-5, k


def test_heldout_perplexity_carries_the_state_like_torch():
    rng = np.random.default_rng(5)
    params = lm_params(rng)
    ids = rng.integers(0, 7, 61)
    inputs, targets = tbptt_batches(ids, 2, 5)
    ppl = call_unmutated(heldout_perplexity, inputs, targets, params)
    # one unbroken torch pass over each stream: the same as carrying (h, c) window to window
    stream_x = inputs.transpose(1, 0, 2).reshape(2, -1)
    stream_y = targets.transpose(1, 0, 2).reshape(2, -1)
    t_loss = torch_lm(stream_x, stream_y, np.zeros((2, 4)), np.zeros((2, 4)), params)[0]
    assert abs(ppl - np.exp(t_loss)) < 1e-10 * np.exp(t_loss)
    uniform = {**params, "W_out": np.zeros_like(params["W_out"]), "b_out": np.zeros(7)}
    assert abs(heldout_perplexity(inputs, targets, uniform) - 7.0) < 1e-12   # uniform model: V


# --------------------------------------------------------------------------- sampling

def test_sample_is_the_documented_inverse_cdf_draw_from_torch_probabilities():
    rng = np.random.default_rng(6)
    params = lm_params(rng)
    N, H, L, temp, seed = 4, 4, 6, 0.8, 11
    h0, c0 = rng.standard_normal((N, H)), rng.standard_normal((N, H))
    ids = call_unmutated(sample, params, h0, c0, 2, L, temp, seed)
    assert ids.shape == (N, L) and ids.dtype.kind == "i"
    cell = make_cell("lstm", 3, H, (params["Wx"], params["Wh"], params["b"]))
    draws = np.random.default_rng(seed)
    h, c = to_t(h0), to_t(c0)
    prev = torch.full((N,), 2)
    with torch.no_grad():
        for t in range(L):
            h, c = cell(to_t(params["W_embed"])[prev], (h, c))
            p = torch.softmax((h @ to_t(params["W_out"]) + to_t(params["b_out"])) / temp, dim=1)
            u = torch.as_tensor(draws.random(N))
            prev = torch.searchsorted(torch.cumsum(p, 1), u[:, None], right=True)[:, 0].clamp(max=6)
            assert np.array_equal(ids[:, t], prev.numpy()), t


def test_sample_is_deterministic_and_temperature_zero_is_argmax():
    rng = np.random.default_rng(7)
    params = lm_params(rng, scale=1.0)
    h0, c0 = rng.standard_normal((5, 4)), rng.standard_normal((5, 4))
    a = sample(params, h0, c0, 1, 8, 1.0, 3)
    assert np.array_equal(a, sample(params, h0, c0, 1, 8, 1.0, 3))
    assert not np.array_equal(a, sample(params, h0, c0, 1, 8, 1.0, 4))
    assert a.min() >= 0 and a.max() < 7
    greedy = sample(params, h0, c0, 1, 8, 0.0, 3)
    assert np.array_equal(greedy, sample(params, h0, c0, 1, 8, 0.0, 99))   # no randomness
    assert np.array_equal(greedy, sample(params, h0, c0, 1, 8, 1e-6, 3))   # the limit T -> 0
    with pytest.raises(ValueError):
        sample(params, h0, c0, 1, 8, -1.0, 3)


# --------------------------------------------------------------------------- gradient flow

def adding_params(cell, rng, D=2, H=5):
    k = {"rnn": 1, "lstm": 4, "gru": 3}[cell]
    p = {"Wx": rng.standard_normal((D, k * H)) * 0.5, "Wh": rng.standard_normal((H, k * H)) * 0.5}
    if cell == "gru":
        p["bx"], p["bh"] = rng.standard_normal(k * H) * 0.5, rng.standard_normal(k * H) * 0.5
    else:
        p["b"] = rng.standard_normal(k * H) * 0.5
    p["W_out"], p["b_out"] = rng.standard_normal((H, 1)), rng.standard_normal(1)
    return p


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_hidden_grad_norms_match_torch_retain_grad(cell):
    rng = np.random.default_rng(8)
    n, T, H = 3, 7, 5
    X, y = rng.random((n, T, 2)), rng.random(n)
    params = adding_params(cell, rng, H=H)
    norms = call_unmutated(hidden_grad_norms, X, y, params, cell)
    keys = ("Wx", "Wh", "bx", "bh") if cell == "gru" else ("Wx", "Wh", "b")
    tcell = make_cell(cell, 2, H, tuple(params[k] for k in keys))
    h = torch.zeros(n, H, dtype=torch.float64)
    c = torch.zeros(n, H, dtype=torch.float64)
    hs = []
    for t in range(T):
        if cell == "lstm":
            h, c = tcell(to_t(X[:, t]), (h, c))
        else:
            h = tcell(to_t(X[:, t]), h)
        h.retain_grad()
        hs.append(h)
    pred = (h @ to_t(params["W_out"]) + to_t(params["b_out"]))[:, 0]
    torch.mean((pred - to_t(y)) ** 2).backward()
    expected = np.array([float(torch.linalg.norm(ht.grad)) for ht in hs])
    assert rel_error(norms, expected) < TOL
