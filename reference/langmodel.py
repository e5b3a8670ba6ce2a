"""Owns: the character-level language model of the langmodel assignment, and the gradient-flow
measurement ||dL/dh_t|| of the adding problem.

Text enters as integer Unicode code points (``np.array([ord(ch) for ch in text])``), so every
function takes and returns plain numeric arrays, as the grader's protocol requires.

    char_vocab(codes, max_size) -> vocab, ids
        vocab (K,) the K = min(max_size, #distinct) most frequent code points, most frequent
        first, ties broken by the smaller code point; ids (L,) with vocab[k] -> k + 1 and every
        other code point -> 0, the unknown character <unk>.  The model's vocabulary size is K + 1.
    tbptt_batches(ids, batch_size, seq_len) -> inputs, targets
        N = batch_size parallel streams of length S = (L - 1) // N: stream n is ids[n S : n S + S]
        and its targets are shifted by one, ids[n S + 1 : n S + S + 1].  Batch k holds the
        k-th window of seq_len steps of every stream, so the last hidden state of batch k is the
        right initial state of batch k + 1 (truncated BPTT).  Shapes (B, N, T), B = S // T.
    lm_loss_and_grads(x, y, h0, c0, params) -> loss, grads, hT, cT
        embedding -> LSTM (state carried in from h0, c0) -> affine -> softmax cross-entropy,
        the mean over all N*T characters (nats per character), its gradient for every parameter,
        and the final state (hT, cT) to carry into the next window.
    heldout_perplexity(inputs, targets, params) -> ppl
        exp(mean cross-entropy) over every window of (B, N, T) batches, the state carried from
        zeros through the windows in order, as the model is trained.
    sample(params, h0, c0, start_id, length, temperature, seed) -> ids
        `length` characters per row, each fed back as the next input; temperature 0 is argmax,
        otherwise softmax(scores / temperature) sampled by inverse CDF with
        u = np.random.default_rng(seed).random(N) drawn once per step.
    hidden_grad_norms(X, y, params, cell, form="pytorch") -> norms
        the adding problem's many-to-one regressor (cell + linear readout of the last hidden
        state, MSE): ||dL/dh_t|| (Frobenius over the batch) for every time step t, the total
        derivative through every later step, as torch's h_t.grad.

params of the language model: W_embed (V, E), Wx (E, 4H), Wh (H, 4H), b (4H,) in the LSTM
block order [i | f | o | g], W_out (H, V), b_out (V,).
"""

import numpy as np

from .architectures import CELL_KEYS
from .gru import gru_step_backward, gru_step_forward
from .layers import log_softmax, softmax
from .lstm import lstm_step_backward, lstm_step_forward
from .rnn import rnn_step_backward, rnn_step_forward

__all__ = [
    "char_vocab",
    "tbptt_batches",
    "lm_loss_and_grads",
    "heldout_perplexity",
    "sample",
    "hidden_grad_norms",
]

LM_KEYS = ("W_embed", "Wx", "Wh", "b", "W_out", "b_out")


def char_vocab(codes, max_size):
    """
    Character vocabulary of a text and the text's ids.

    Inputs:
    - codes: Integer array of shape (L,), the text's Unicode code points (ord of each character)
    - max_size: Most characters to keep (int); the others become <unk>

    Returns a tuple of:
    - vocab: Integer array of shape (K,), K = min(max_size, number of distinct code points):
      the most frequent code points, most frequent first, ties by the smaller code point
    - ids: Integer array of shape (L,): vocab[k] has id k + 1, every other code point id 0 (<unk>)
    """
    codes = np.asarray(codes).astype(np.int64).ravel()
    max_size = int(max_size)
    if max_size < 0:
        raise ValueError(f"max_size must be >= 0, got {max_size}")
    distinct, counts = np.unique(codes, return_counts=True)      # distinct is sorted ascending
    # A stable sort on -count keeps ascending code points within equal counts.
    order = np.argsort(-counts, kind="stable")
    vocab = distinct[order][:max_size]
    lookup = dict(zip(vocab.tolist(), range(1, len(vocab) + 1)))
    ids = np.array([lookup.get(c, 0) for c in codes.tolist()], dtype=np.int64)
    return vocab, ids


def tbptt_batches(ids, batch_size, seq_len):
    """
    Windows of parallel streams for truncated BPTT.

    Inputs:
    - ids: Integer array of shape (L,), the encoded text
    - batch_size: Number N of parallel streams
    - seq_len: Window length T

    Returns a tuple of:
    - inputs: Integer array of shape (B, N, T), inputs[k, n, t] = ids[n * S + k * T + t]
      with S = (L - 1) // N and B = S // T
    - targets: Integer array of shape (B, N, T), the next character: ids[n * S + k * T + t + 1]
    """
    ids = np.asarray(ids).astype(np.int64).ravel()
    N, T = int(batch_size), int(seq_len)
    if N < 1 or T < 1:
        raise ValueError(f"batch_size and seq_len must be >= 1, got {N} and {T}")
    S = (len(ids) - 1) // N
    B = S // T
    if B < 1:
        raise ValueError(f"{len(ids)} ids cannot fill one window of {N} streams x {T} steps")
    starts = np.arange(N)[:, None] * S + np.arange(B * T)[None, :]      # (N, B*T)
    inputs = ids[starts].reshape(N, B, T).transpose(1, 0, 2)
    targets = ids[starts + 1].reshape(N, B, T).transpose(1, 0, 2)
    return np.ascontiguousarray(inputs), np.ascontiguousarray(targets)


def _lm_forward(x, h0, c0, params):
    """Scores (N, T, V), the per-step LSTM caches and the final state."""
    x = np.asarray(x).astype(np.int64)
    N, T = x.shape
    emb = params["W_embed"][x]                                     # (N, T, E)
    H = h0.shape[1]
    hs = np.empty((N, T, H))
    caches = []
    h, c = h0, c0
    for t in range(T):
        h, c, cache = lstm_step_forward(emb[:, t], h, c, params["Wx"], params["Wh"], params["b"])
        hs[:, t] = h
        caches.append(cache)
    scores = hs @ params["W_out"] + params["b_out"]
    return scores, (x, hs, caches), h, c


def lm_loss_and_grads(x, y, h0, c0, params):
    """
    Loss and gradients of the character-level LSTM language model on one window.

    Inputs:
    - x: Integer array of shape (N, T), input character ids in [0, V)
    - y: Integer array of shape (N, T), target ids: the character after each input
    - h0: Initial hidden state, of shape (N, H) (carried from the previous window)
    - c0: Initial cell state, of shape (N, H) (carried from the previous window)
    - params: dict with W_embed (V, E), Wx (E, 4H), Wh (H, 4H), b (4H,), W_out (H, V), b_out (V,)

    Returns a tuple of:
    - loss: Mean cross-entropy over the N*T characters (float, nats per character)
    - grads: dict with the keys of params, the gradient of loss for each
    - hT: Final hidden state, of shape (N, H)
    - cT: Final cell state, of shape (N, H)
    """
    y = np.asarray(y).astype(np.int64)
    scores, (x, hs, caches), hT, cT = _lm_forward(x, h0, c0, params)
    N, T, V = scores.shape
    logp = log_softmax(scores, axis=-1)
    rows = np.arange(N)[:, None], np.arange(T)[None, :]
    loss = float(-np.mean(logp[rows[0], rows[1], y]))
    dscores = np.exp(logp)
    dscores[rows[0], rows[1], y] -= 1.0
    dscores /= N * T
    H = hs.shape[2]
    grads = {"W_out": hs.reshape(-1, H).T @ dscores.reshape(-1, V),
             "b_out": dscores.sum(axis=(0, 1))}
    dhs = dscores @ params["W_out"].T                              # (N, T, H)
    demb = np.empty((N, T, params["W_embed"].shape[1]))
    dWx, dWh, db = (np.zeros_like(params[k]) for k in ("Wx", "Wh", "b"))
    dh, dc = np.zeros((N, H)), np.zeros((N, H))
    for t in reversed(range(T)):
        # The state (hT, cT) goes on to the next window without a gradient: the truncation.
        dxt, dh, dc, dWx_t, dWh_t, db_t = lstm_step_backward(dhs[:, t] + dh, dc, caches[t])
        demb[:, t] = dxt
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    dW_embed = np.zeros_like(params["W_embed"])
    np.add.at(dW_embed, x, demb)
    grads.update(W_embed=dW_embed, Wx=dWx, Wh=dWh, b=db)
    return loss, {k: grads[k] for k in params}, hT, cT


def heldout_perplexity(inputs, targets, params):
    """
    Perplexity of the language model on held-out windows, the state carried through them.

    Inputs:
    - inputs: Integer array of shape (B, N, T), windows from tbptt_batches
    - targets: Integer array of shape (B, N, T), their targets
    - params: dict of the language model's parameters (as in lm_loss_and_grads)

    Returns:
    - ppl: exp of the mean cross-entropy over all B*N*T characters (float); the state starts
      at zeros and is carried from window k to window k + 1
    """
    inputs = np.asarray(inputs).astype(np.int64)
    targets = np.asarray(targets).astype(np.int64)
    B, N, T = inputs.shape
    H = params["Wh"].shape[0]
    h, c = np.zeros((N, H)), np.zeros((N, H))
    total = 0.0
    for k in range(B):
        scores, _, h, c = _lm_forward(inputs[k], h, c, params)
        logp = log_softmax(scores, axis=-1)
        total -= np.take_along_axis(logp, targets[k][..., None], axis=-1).sum()
    return float(np.exp(total / (B * N * T)))


def sample(params, h0, c0, start_id, length, temperature, seed):
    """
    Generate characters from the language model, each fed back as the next input.

    Inputs:
    - params: dict of the language model's parameters (as in lm_loss_and_grads)
    - h0, c0: Initial state, each of shape (N, H) (e.g. after reading a prompt)
    - start_id: Id of the first input character (int), the same for every row
    - length: Number of characters to generate (int)
    - temperature: float >= 0; 0 picks the argmax, otherwise p = softmax(scores / temperature)
    - seed: Seed of rng = np.random.default_rng(seed); at every step with temperature > 0,
      u = rng.random(N) and row n takes the first id whose cumulative probability exceeds u[n]
      (the last id if rounding leaves none)

    Returns:
    - ids: Integer array of shape (N, length), the generated ids
    """
    temperature = float(temperature)
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0, got {temperature}")
    length = int(length)
    rng = np.random.default_rng(int(seed))
    N = h0.shape[0]
    V = params["W_out"].shape[1]
    prev = np.full(N, int(start_id), dtype=np.int64)
    ids = np.empty((N, length), dtype=np.int64)
    h, c = h0, c0
    for t in range(length):
        h, c, _ = lstm_step_forward(params["W_embed"][prev], h, c, params["Wx"], params["Wh"], params["b"])
        scores = h @ params["W_out"] + params["b_out"]
        if temperature == 0.0:
            prev = np.argmax(scores, axis=1)
        else:
            p = softmax(scores / temperature, axis=1)
            u = rng.random(N)
            prev = np.minimum((np.cumsum(p, axis=1) <= u[:, None]).sum(axis=1), V - 1)
        ids[:, t] = prev
    return ids


def hidden_grad_norms(X, y, params, cell, form="pytorch"):
    """
    ||dL/dh_t|| at every time step of the adding problem's many-to-one regressor.

    Inputs:
    - X: Inputs of shape (n, T, D); y: targets of shape (n,)
    - params: the cell's parameters (rnn: Wx, Wh, b; lstm: Wx, Wh, b; gru: Wx, Wh, bx, bh) and the
      readout W_out (H, 1), b_out (1,); h0 = 0 (and c0 = 0)
    - cell: "rnn", "lstm" or "gru"; form: the GRU form

    Returns:
    - norms: Array of shape (T,), the Frobenius norm over the batch of the total derivative of
      L = mean((h_{T-1} W_out + b_out - y)^2) with respect to h_t
    """
    if cell not in CELL_KEYS:
        raise ValueError(f"cell must be one of {sorted(CELL_KEYS)}, got {cell!r}")
    X = np.asarray(X, dtype=np.float64)
    n, T, _ = X.shape
    H = params["Wh"].shape[0]
    h = np.zeros((n, H))
    c = np.zeros((n, H))
    caches = []
    for t in range(T):
        if cell == "rnn":
            h, cache = rnn_step_forward(X[:, t], h, params["Wx"], params["Wh"], params["b"])
        elif cell == "lstm":
            h, c, cache = lstm_step_forward(X[:, t], h, c, params["Wx"], params["Wh"], params["b"])
        else:
            h, cache = gru_step_forward(X[:, t], h, params["Wx"], params["Wh"], params["bx"],
                                        params["bh"], form=form)
        caches.append(cache)
    pred = (h @ params["W_out"] + params["b_out"])[:, 0]
    dpred = 2.0 * (pred - np.asarray(y, dtype=np.float64)) / n
    dh = dpred[:, None] @ params["W_out"].T                      # dL/dh_{T-1}
    dc = np.zeros((n, H))
    norms = np.empty(T)
    for t in reversed(range(T)):
        norms[t] = np.linalg.norm(dh)
        if cell == "rnn":
            dh = rnn_step_backward(dh, caches[t])[1]
        elif cell == "lstm":
            _, dh, dc, *_ = lstm_step_backward(dh, dc, caches[t])
        else:
            dh = gru_step_backward(dh, caches[t])[1]
    return norms
