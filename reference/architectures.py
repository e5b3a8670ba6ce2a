"""RNN architectures built from the reference cells: deep, bidirectional, many-to-one,
one-to-many and encoder–decoder, each with a forward and a backward.

Conventions (those of the whole reference package): batch-major, row vectors, float64; every forward
returns ``(out, cache)`` and the matching backward takes ``(dout, cache)``.

``cell`` is one of "rnn", "lstm", "gru"; ``form`` ("pytorch" | "textbook", see
``reference.gru``) is checked for every cell but only changes the GRU.  A *cell parameter dict* holds

    rnn:  Wx (D, H),  Wh (H, H),  b (H,)
    lstm: Wx (D, 4H), Wh (H, 4H), b (4H,)          gate blocks [i | f | o | g]
    gru:  Wx (D, 3H), Wh (H, 3H), bx (3H,), bh (3H,)  blocks [r | z | n]

The LSTM always starts from c0 = 0 (as ``lstm_forward``).  Every gradient dict
``dparams`` has exactly the keys of the corresponding ``params`` (key "Wx" holds
dLoss/dWx, and so on); lists of dicts give lists of dicts.  Params dicts must hold
exactly the documented keys (a missing or an unexpected key raises ValueError).

Public names:

    CELL_KEYS: dict cell -> tuple of its parameter keys, e.g. CELL_KEYS["gru"] ==
        ("Wx", "Wh", "bx", "bh") (the order the reference cell functions take them)

    sequence_forward(x, h0, params, cell, form="pytorch") -> h, cache
        one layer over a sequence: x (N, T, D), h0 (N, H) -> h (N, T, H)
    sequence_backward(dh, cache) -> dx, dh0, dparams

    stacked_forward(x, h0, params, cell, form="pytorch") -> h, cache
        L >= 1 layers; h0 (L, N, H); params: list of L cell dicts (layer 0 has Wx
        (D, kH), the others (H, kH)); layer l reads the states of layer l-1;
        h (N, T, H) = states of the top layer
    stacked_backward(dh, cache) -> dx, dh0, dparams
        dh (N, T, H) upstream on the top layer; dh0 (L, N, H); dparams: list of L dicts

    bidirectional_forward(x, h0, params, cell, form="pytorch") -> h, cache
        h0 (2, N, H): [forward direction, backward direction]; params: list of 2 cell
        dicts in the same order; h (N, T, 2H): h[:, t, :H] is the forward direction
        after reading x[:, :t+1], h[:, t, H:] the backward direction after reading
        x[:, t:] in reverse order (torch.nn.RNN(bidirectional=True) layout)
    bidirectional_backward(dh, cache) -> dx, dh0, dparams

    many_to_many_forward(x, h0, params, cell, form="pytorch") -> scores, cache
        synchronous: scores (N, T, C) = h[:, t] @ W_out + b_out for every t;
        params: cell keys + W_out (H, C), b_out (C,)
    many_to_many_backward(dscores, cache) -> dx, dh0, dparams

    many_to_one_forward(x, h0, params, cell, form="pytorch") -> scores, cache
        scores (N, C) = h[:, T-1] @ W_out + b_out; params: cell keys + W_out (H, C),
        b_out (C,)
    many_to_one_backward(dscores, cache) -> dx, dh0, dparams
    softmax_loss(scores, y) -> loss, dscores
        scores (N, C), y (N,) ints in [0, C); mean cross-entropy over N

    one_to_many_forward(x, tokens_in, params, cell, form="pytorch") -> scores, cache
        teacher forcing. x (N, D) sets the initial state h0 = x @ W_proj + b_proj;
        step t reads the embedding W_embed[tokens_in[:, t]] (tokens_in (N, T) ints,
        usually [<start>, y_0, ..., y_{T-2}]); scores (N, T, V) = h @ W_vocab + b_vocab.
        params: W_proj (D, H), b_proj (H,), W_embed (V, E), cell keys (Wx (E, kH)),
        W_vocab (H, V), b_vocab (V,)
    one_to_many_backward(dscores, cache) -> dx, dparams
    one_to_many_generate(x, params, cell, start_token, T_out, form="pytorch") -> tokens
        greedy decoding from h0 = x @ W_proj + b_proj, first input <start>, each argmax
        fed back as the next input; tokens (N, T_out) int64 (the start token excluded)

    encoder_decoder_forward(x, tokens_in, params, cell, form="pytorch") -> scores, cache
        teacher forcing. The encoder reads x (N, T_src, D) from h = 0; its last state
        h_enc[:, T_src-1] is the decoder's h0 (LSTM decoder: c0 = 0); the decoder reads
        W_embed[tokens_in] (tokens_in (N, T_dec) ints) and scores (N, T_dec, V) =
        h_dec @ W_vocab + b_vocab.  params: the encoder's cell keys prefixed "enc_"
        (enc_Wx (D, kH), ...), W_embed (V, E), the decoder's cell keys prefixed "dec_"
        (dec_Wx (E, kH), ...), W_vocab (H, V), b_vocab (V,)
    encoder_decoder_backward(dscores, cache) -> dx, dparams
    encoder_decoder_generate(x, params, cell, start_token, T_out, form="pytorch") -> tokens
        greedy decoding after the encoder, as one_to_many_generate

The sequence losses are the reference ``temporal_softmax_loss(scores, y, mask)``.
"""
import numpy as np

from .gru import gru_backward, gru_forward, gru_step_forward
from .layers import (
    temporal_affine_backward,
    temporal_affine_forward,
    word_embedding_backward,
    word_embedding_forward,
)
from .lstm import lstm_backward, lstm_forward, lstm_step_forward
from .rnn import rnn_backward, rnn_forward, rnn_step_forward

__all__ = [
    "CELL_KEYS",
    "sequence_forward",
    "sequence_backward",
    "stacked_forward",
    "stacked_backward",
    "bidirectional_forward",
    "bidirectional_backward",
    "many_to_one_forward",
    "many_to_one_backward",
    "many_to_many_forward",
    "many_to_many_backward",
    "softmax_loss",
    "one_to_many_forward",
    "one_to_many_backward",
    "one_to_many_generate",
    "encoder_decoder_forward",
    "encoder_decoder_backward",
    "encoder_decoder_generate",
]

# Parameter names of each cell, in the order the cell functions take them.
CELL_KEYS = {
    "rnn": ("Wx", "Wh", "b"),
    "lstm": ("Wx", "Wh", "b"),
    "gru": ("Wx", "Wh", "bx", "bh"),
}
_FORMS = ("pytorch", "textbook")


# --------------------------------------------------------------------------- helpers

def _check_cell(cell, form):
    if cell not in CELL_KEYS:
        raise ValueError(f"cell must be one of {sorted(CELL_KEYS)}, got {cell!r}")
    if form not in _FORMS:
        raise ValueError(f"form must be one of {_FORMS}, got {form!r}")


def _check_keys(params, expected, what):
    """Exact key sets: a typo'd or forgotten key must not be silently ignored."""
    if not isinstance(params, dict):
        raise ValueError(f"{what} must be a dict of arrays, got {type(params).__name__}")
    missing = [k for k in expected if k not in params]
    extra = sorted(k for k in params if k not in expected)
    if missing or extra:
        raise ValueError(f"{what}: missing keys {missing}, unexpected keys {extra}")


def _sub(params, prefix, cell):
    """The cell dict stored under ``prefix + key`` in a flat params dict."""
    return {k: params[prefix + k] for k in CELL_KEYS[cell]}


def _prefixed(d, prefix):
    return {prefix + k: v for k, v in d.items()}


def _head_keys(cell, before, after, prefix=""):
    return tuple(before) + tuple(prefix + k for k in CELL_KEYS[cell]) + tuple(after)


def _step(x, h, c, params, cell, form):
    """One step of any cell (forward only, for generation): returns (next_h, next_c)."""
    if cell == "rnn":
        h, _ = rnn_step_forward(x, h, params["Wx"], params["Wh"], params["b"])
    elif cell == "lstm":
        h, c, _ = lstm_step_forward(x, h, c, params["Wx"], params["Wh"], params["b"])
    else:
        h, _ = gru_step_forward(x, h, params["Wx"], params["Wh"], params["bx"], params["bh"],
                                form=form)
    return h, c


def _greedy_decode(h0, cell_params, W_embed, W_vocab, b_vocab, cell, form, start_token, T_out):
    """Feed back argmax tokens, starting from <start>; LSTM memory starts at 0."""
    N, H = h0.shape
    h, c = h0, np.zeros((N, H))
    prev = np.full(N, int(start_token), dtype=np.int64)
    tokens = np.empty((N, int(T_out)), dtype=np.int64)
    for t in range(int(T_out)):
        h, c = _step(W_embed[prev], h, c, cell_params, cell, form)
        scores = h @ W_vocab + b_vocab
        prev = np.argmax(scores, axis=1).astype(np.int64)
        tokens[:, t] = prev
    return tokens


# --------------------------------------------------------------------------- one layer

def sequence_forward(x, h0, params, cell, form="pytorch"):
    """Run one recurrent layer of any cell over a whole sequence.

    Inputs:
    - x: (N, T, D) inputs; h0: (N, H) initial hidden state (LSTM: c0 = 0)
    - params: cell parameter dict (keys per ``CELL_KEYS[cell]``, see module docstring)
    - cell: "rnn" | "lstm" | "gru"; form: GRU form, "pytorch" | "textbook"

    Returns:
    - h: (N, T, H) hidden states
    - cache: for sequence_backward
    """
    _check_cell(cell, form)
    _check_keys(params, CELL_KEYS[cell], f"{cell} params")
    if cell == "rnn":
        h, c = rnn_forward(x, h0, params["Wx"], params["Wh"], params["b"])
    elif cell == "lstm":
        h, c = lstm_forward(x, h0, params["Wx"], params["Wh"], params["b"])
    else:
        h, c = gru_forward(x, h0, params["Wx"], params["Wh"], params["bx"], params["bh"],
                           form=form)
    return h, (cell, c)


def sequence_backward(dh, cache):
    """Backward of sequence_forward.

    Inputs:
    - dh: (N, T, H) upstream gradient on every hidden state
    - cache: from sequence_forward

    Returns:
    - dx: (N, T, D); dh0: (N, H)
    - dparams: dict with the keys of the forward's params
    """
    cell, c = cache
    if cell == "gru":
        dx, dh0, *grads = gru_backward(dh, c)
    elif cell == "lstm":
        dx, dh0, *grads = lstm_backward(dh, c)
    else:
        dx, dh0, *grads = rnn_backward(dh, c)
    return dx, dh0, dict(zip(CELL_KEYS[cell], grads))


# --------------------------------------------------------------------------- stacked

def stacked_forward(x, h0, params, cell, form="pytorch"):
    """Deep (stacked) RNN: layer l reads the hidden states of layer l-1 (layer 0 reads x).

    Inputs:
    - x: (N, T, D)
    - h0: (L, N, H) initial state of every layer (LSTM: every c0 = 0)
    - params: list of L cell dicts; layer 0: Wx (D, kH), layers 1..L-1: Wx (H, kH)
      (k = 1 rnn, 4 lstm, 3 gru)
    - cell, form: as sequence_forward

    Returns:
    - h: (N, T, H) hidden states of the top layer
    - cache: for stacked_backward
    """
    if not isinstance(params, (list, tuple)) or len(params) < 1:
        raise ValueError("params must be a non-empty list with one cell dict per layer")
    if np.shape(h0)[0] != len(params):
        raise ValueError(f"h0 has {np.shape(h0)[0]} layers but params has {len(params)}")
    caches, inp = [], x
    for l, layer in enumerate(params):
        inp, c = sequence_forward(inp, h0[l], layer, cell, form)
        caches.append(c)
    return inp, caches


def stacked_backward(dh, cache):
    """Backward of stacked_forward.

    Inputs:
    - dh: (N, T, H) upstream gradient on the top layer's hidden states only
    - cache: from stacked_forward

    Returns:
    - dx: (N, T, D)
    - dh0: (L, N, H)
    - dparams: list of L dicts (keys as params)
    """
    L = len(cache)
    dh0, dparams = [None] * L, [None] * L
    d = dh
    for l in range(L - 1, -1, -1):
        # the gradient on layer l's inputs is the upstream gradient of layer l-1's states
        d, dh0[l], dparams[l] = sequence_backward(d, cache[l])
    return d, np.stack(dh0), dparams


# --------------------------------------------------------------------------- bidirectional

def bidirectional_forward(x, h0, params, cell, form="pytorch"):
    """Bidirectional RNN: a forward pass and a pass over the time-reversed sequence.

    Inputs:
    - x: (N, T, D)
    - h0: (2, N, H); h0[0] starts the forward direction, h0[1] the backward one
    - params: list of 2 cell dicts [forward direction, backward direction], Wx (D, kH)
    - cell, form: as sequence_forward

    Returns:
    - h: (N, T, 2H); h[:, t, :H] forward state after x[:, 0..t],
      h[:, t, H:] backward state after x[:, T-1..t] (re-aligned to time t)
    - cache: for bidirectional_backward
    """
    if not isinstance(params, (list, tuple)) or len(params) != 2:
        raise ValueError("params must be a list of 2 cell dicts [forward, backward]")
    if np.shape(h0)[0] != 2:
        raise ValueError(f"h0 must have shape (2, N, H), got {np.shape(h0)}")
    h_f, c_f = sequence_forward(x, h0[0], params[0], cell, form)
    # the backward direction is an ordinary RNN run on x[:, ::-1]; flipping its output
    # back puts the state that has seen x[:, t:] at position t
    h_b, c_b = sequence_forward(np.ascontiguousarray(x[:, ::-1]), h0[1], params[1], cell, form)
    h = np.concatenate([h_f, h_b[:, ::-1]], axis=2)
    return h, (c_f, c_b, h_f.shape[2])


def bidirectional_backward(dh, cache):
    """Backward of bidirectional_forward.

    Inputs:
    - dh: (N, T, 2H) upstream gradient on the concatenated states
    - cache: from bidirectional_forward

    Returns:
    - dx: (N, T, D)
    - dh0: (2, N, H)
    - dparams: list of 2 dicts [forward direction, backward direction]
    """
    c_f, c_b, H = cache
    dx_f, dh0_f, dp_f = sequence_backward(dh[:, :, :H], c_f)
    # undo the time flip on the way in and on the way out
    dx_b, dh0_b, dp_b = sequence_backward(np.ascontiguousarray(dh[:, ::-1, H:]), c_b)
    dx = dx_f + dx_b[:, ::-1]
    return dx, np.stack([dh0_f, dh0_b]), [dp_f, dp_b]


# --------------------------------------------------------------------------- many-to-one

def many_to_one_forward(x, h0, params, cell, form="pytorch"):
    """Sequence classifier/regressor: the last hidden state through an affine layer.

    Inputs:
    - x: (N, T, D); h0: (N, H)
    - params: cell keys (Wx (D, kH), ...) + W_out (H, C), b_out (C,)
    - cell, form: as sequence_forward

    Returns:
    - scores: (N, C) = h[:, T-1] @ W_out + b_out
    - cache: for many_to_one_backward
    """
    _check_cell(cell, form)
    _check_keys(params, _head_keys(cell, (), ("W_out", "b_out")), "many_to_one params")
    h, c = sequence_forward(x, h0, _sub(params, "", cell), cell, form)
    h_last = h[:, -1, :]
    scores = h_last @ params["W_out"] + params["b_out"]
    return scores, (c, h_last, params["W_out"], h.shape)


def many_to_one_backward(dscores, cache):
    """Backward of many_to_one_forward.

    Inputs:
    - dscores: (N, C)
    - cache: from many_to_one_forward

    Returns:
    - dx: (N, T, D); dh0: (N, H)
    - dparams: dict with the keys of params (cell keys, W_out, b_out)
    """
    c, h_last, W_out, h_shape = cache
    # only the last state is read by the head; the other steps get gradient through time
    dh = np.zeros(h_shape)
    dh[:, -1, :] = dscores @ W_out.T
    dx, dh0, dparams = sequence_backward(dh, c)
    dparams["W_out"] = h_last.T @ dscores
    dparams["b_out"] = dscores.sum(axis=0)
    return dx, dh0, dparams


# --------------------------------------------------------------------------- many-to-many

def many_to_many_forward(x, h0, params, cell, form="pytorch"):
    """Synchronous many-to-many (a tagger): one output per input step.

    Inputs:
    - x: (N, T, D); h0: (N, H)
    - params: cell keys (Wx (D, kH), ...) + W_out (H, C), b_out (C,)
    - cell, form: as sequence_forward

    Returns:
    - scores: (N, T, C) = h[:, t] @ W_out + b_out at every step t
    - cache: for many_to_many_backward
    """
    _check_cell(cell, form)
    _check_keys(params, _head_keys(cell, (), ("W_out", "b_out")), "many_to_many params")
    h, c = sequence_forward(x, h0, _sub(params, "", cell), cell, form)
    scores, c_affine = temporal_affine_forward(h, params["W_out"], params["b_out"])
    return scores, (c, c_affine)


def many_to_many_backward(dscores, cache):
    """Backward of many_to_many_forward.

    Inputs:
    - dscores: (N, T, C)
    - cache: from many_to_many_forward

    Returns:
    - dx: (N, T, D); dh0: (N, H)
    - dparams: dict with the keys of params (cell keys, W_out, b_out)
    """
    c, c_affine = cache
    # every step's state feeds its own output and, through time, the later ones
    dh, dW_out, db_out = temporal_affine_backward(dscores, c_affine)
    dx, dh0, dparams = sequence_backward(dh, c)
    dparams["W_out"], dparams["b_out"] = dW_out, db_out
    return dx, dh0, dparams


def softmax_loss(scores, y):
    """Softmax + cross-entropy, averaged over the batch.

    Inputs:
    - scores: (N, C) unnormalised class scores
    - y: (N,) integer labels in [0, C)

    Returns:
    - loss: Python float
    - dscores: (N, C) gradient of loss with respect to scores
    """
    scores = np.asarray(scores, dtype=np.float64)
    y = np.asarray(y).astype(np.int64)
    N = scores.shape[0]
    shifted = scores - scores.max(axis=1, keepdims=True)   # exp cannot overflow
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(N), y].sum() / N
    dscores = np.exp(log_probs)
    dscores[np.arange(N), y] -= 1.0
    return float(loss), dscores / N


# --------------------------------------------------------------------------- one-to-many

def one_to_many_forward(x, tokens_in, params, cell, form="pytorch"):
    """Conditioned sequence generator (e.g. image captioning), teacher-forced.

    Inputs:
    - x: (N, D) conditioning vector; h0 = x @ W_proj + b_proj (LSTM: c0 = 0)
    - tokens_in: (N, T) ints in [0, V): the input token of every step
    - params: W_proj (D, H), b_proj (H,), W_embed (V, E), cell keys (Wx (E, kH), ...),
      W_vocab (H, V), b_vocab (V,)
    - cell, form: as sequence_forward

    Returns:
    - scores: (N, T, V) next-token scores
    - cache: for one_to_many_backward
    """
    _check_cell(cell, form)
    _check_keys(params, _head_keys(cell, ("W_proj", "b_proj", "W_embed"),
                                   ("W_vocab", "b_vocab")), "one_to_many params")
    h0 = x @ params["W_proj"] + params["b_proj"]
    emb, c_emb = word_embedding_forward(tokens_in, params["W_embed"])
    h, c_rnn = sequence_forward(emb, h0, _sub(params, "", cell), cell, form)
    scores, c_aff = temporal_affine_forward(h, params["W_vocab"], params["b_vocab"])
    return scores, (x, params["W_proj"], c_emb, c_rnn, c_aff)


def one_to_many_backward(dscores, cache):
    """Backward of one_to_many_forward.

    Inputs:
    - dscores: (N, T, V)
    - cache: from one_to_many_forward

    Returns:
    - dx: (N, D)
    - dparams: dict with the keys of params
    """
    x, W_proj, c_emb, c_rnn, c_aff = cache
    dh, dW_vocab, db_vocab = temporal_affine_backward(dscores, c_aff)
    demb, dh0, dparams = sequence_backward(dh, c_rnn)
    dparams["W_embed"] = word_embedding_backward(demb, c_emb)
    dparams["W_vocab"], dparams["b_vocab"] = dW_vocab, db_vocab
    dparams["W_proj"] = x.T @ dh0
    dparams["b_proj"] = dh0.sum(axis=0)
    return dh0 @ W_proj.T, dparams


def one_to_many_generate(x, params, cell, start_token, T_out, form="pytorch"):
    """Greedy generation: start from <start>, feed every argmax back as the next input.

    Inputs:
    - x: (N, D) conditioning vector
    - params: as one_to_many_forward
    - cell, form: as sequence_forward
    - start_token: int, the first input token
    - T_out: int, number of tokens to generate

    Returns:
    - tokens: (N, T_out) int64; tokens[:, t] = argmax of the scores of step t.
      Teacher-forcing one_to_many_forward with [start, tokens[:, :-1]] reproduces them.
    """
    _check_cell(cell, form)
    _check_keys(params, _head_keys(cell, ("W_proj", "b_proj", "W_embed"),
                                   ("W_vocab", "b_vocab")), "one_to_many params")
    h0 = x @ params["W_proj"] + params["b_proj"]
    return _greedy_decode(h0, _sub(params, "", cell), params["W_embed"], params["W_vocab"],
                          params["b_vocab"], cell, form, start_token, T_out)


# --------------------------------------------------------------------------- encoder–decoder

def _seq2seq_keys(cell):
    return (tuple("enc_" + k for k in CELL_KEYS[cell]) + ("W_embed",)
            + tuple("dec_" + k for k in CELL_KEYS[cell]) + ("W_vocab", "b_vocab"))


def _encode(x, params, cell, form):
    N = x.shape[0]
    H = params["enc_Wh"].shape[0]
    return sequence_forward(x, np.zeros((N, H)), _sub(params, "enc_", cell), cell, form)


def encoder_decoder_forward(x, tokens_in, params, cell, form="pytorch"):
    """Sequence-to-sequence model, teacher-forced: encoder state → decoder h0.

    Inputs:
    - x: (N, T_src, D) source sequence; the encoder starts from h = 0 (LSTM: c = 0)
    - tokens_in: (N, T_dec) ints in [0, V): decoder input tokens
    - params: enc_<cell keys> (enc_Wx (D, kH), enc_Wh (H, kH), ...), W_embed (V, E),
      dec_<cell keys> (dec_Wx (E, kH), dec_Wh (H, kH), ...), W_vocab (H, V), b_vocab (V,)
    - cell, form: as sequence_forward (encoder and decoder use the same cell)

    Returns:
    - scores: (N, T_dec, V) decoder scores (loss: temporal_softmax_loss)
    - cache: for encoder_decoder_backward
    """
    _check_cell(cell, form)
    _check_keys(params, _seq2seq_keys(cell), "encoder_decoder params")
    h_enc, c_enc = _encode(x, params, cell, form)
    emb, c_emb = word_embedding_forward(tokens_in, params["W_embed"])
    # only the hidden state is handed over; an LSTM decoder starts with c0 = 0
    h_dec, c_dec = sequence_forward(emb, h_enc[:, -1, :], _sub(params, "dec_", cell), cell, form)
    scores, c_aff = temporal_affine_forward(h_dec, params["W_vocab"], params["b_vocab"])
    return scores, (c_enc, h_enc.shape, c_emb, c_dec, c_aff)


def encoder_decoder_backward(dscores, cache):
    """Backward of encoder_decoder_forward.

    Inputs:
    - dscores: (N, T_dec, V)
    - cache: from encoder_decoder_forward

    Returns:
    - dx: (N, T_src, D)
    - dparams: dict with the keys of params
    """
    c_enc, enc_shape, c_emb, c_dec, c_aff = cache
    dh_dec, dW_vocab, db_vocab = temporal_affine_backward(dscores, c_aff)
    demb, dh0_dec, dp_dec = sequence_backward(dh_dec, c_dec)
    # the encoder's states are read only through its last one
    dh_enc = np.zeros(enc_shape)
    dh_enc[:, -1, :] = dh0_dec
    dx, _, dp_enc = sequence_backward(dh_enc, c_enc)
    dparams = _prefixed(dp_enc, "enc_")
    dparams["W_embed"] = word_embedding_backward(demb, c_emb)
    dparams.update(_prefixed(dp_dec, "dec_"))
    dparams["W_vocab"], dparams["b_vocab"] = dW_vocab, db_vocab
    return dx, dparams


def encoder_decoder_generate(x, params, cell, start_token, T_out, form="pytorch"):
    """Encode x, then decode greedily (as one_to_many_generate).

    Inputs:
    - x: (N, T_src, D); params, cell, form: as encoder_decoder_forward
    - start_token: int, the decoder's first input; T_out: int, tokens to generate

    Returns:
    - tokens: (N, T_out) int64
    """
    _check_cell(cell, form)
    _check_keys(params, _seq2seq_keys(cell), "encoder_decoder params")
    h_enc, _ = _encode(x, params, cell, form)
    return _greedy_decode(h_enc[:, -1, :], _sub(params, "dec_", cell), params["W_embed"],
                          params["W_vocab"], params["b_vocab"], cell, form, start_token, T_out)
