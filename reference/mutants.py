"""A catalogue of known student mistakes ("mutants"), for feedback that names the mistake.

Trusted side only (never shipped to students, never in the sandbox).  Each :class:`Mutant`
re-implements, with the reference's exact signature, only the functions a classic mistake
changes — built on the reference's own code (calling it with transformed arguments, or
wrapping its cell-level helpers) rather than on copies.  The grader runs a failed item's
case programs through :func:`namespace_with` (the reference namespace with the mutant's
overrides) and, when the student's outputs match a mutant's on every case, reports the
mutant's id and its explanation (``autograder/engine/diagnose.py``).

A mistake that lives in a forward comes as a forward + backward pair that is consistent
with itself (the student's backward is graded through the student's own forward): for
example the LSTM gate order [i | f | g | o] passes a gradient check and is caught only by
the forward values.  A mistake made only in a forward is a forward-only mutant: the
reference backward then runs on the mutant forward's cache, as a student's correct
backward would run on their wrong forward's cache.

``targets`` lists the rubric items ``<function>.<output>`` the mistake must make fail;
``autograder.diagnose.rubric_escapes`` checks that the course's hidden cases catch every
one of them (``autograder validate``).
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from functools import partial, wraps
from types import MappingProxyType
from typing import Callable, Mapping

import numpy as np

from . import architectures as _arch
from . import clipping as _clip
from . import gradient_flow as _flow
from . import gru as _gru
from . import layers as _layers
from . import lstm as _lstm
from . import rnn as _rnn

__all__ = ["Mutant", "MutantNamespace", "CATALOGUE", "by_id", "namespace_with", "applicable"]

GRU_FORMS = _gru.GRU_FORMS


@dataclass(frozen=True)
class Mutant:
    """One known mistake: the functions it changes, the items it must fail, what to say."""

    id: str
    functions: Mapping[str, Callable]
    targets: tuple[str, ...]
    explanation: Mapping[str, str]  # {"ko": ..., "en": ...}, one line each
    hint: Mapping[str, str]
    gru_forms: tuple[str, ...] = GRU_FORMS  # the course GRU forms in which this is a mistake

    def applies_to(self, gru_form: str) -> bool:
        return gru_form in self.gru_forms

    def relevant_to(self, function: str, through: str | None = None) -> bool:
        """Can this mistake change the outputs of ``function`` (graded through ``through``)?"""
        return function in self.functions or (through is not None and through in self.functions)


class MutantNamespace(dict):
    """A namespace (name -> callable) with one mutant's overrides; ``.mutant`` is the mutant."""

    mutant: Mutant | None = None


def namespace_with(base_namespace: Mapping[str, Callable], mutant: Mutant) -> MutantNamespace:
    """``base_namespace`` with ``mutant``'s functions in place of the reference's.

    If the base binds keywords with ``functools.partial`` (the course's GRU ``form``), the
    override gets the same keywords, so a mutant follows the course's form.
    """
    namespace = MutantNamespace(base_namespace)
    namespace.mutant = mutant
    for name, fn in mutant.functions.items():
        base = base_namespace.get(name)
        if isinstance(base, partial) and base.keywords:
            accepted = inspect.signature(fn).parameters
            fn = partial(fn, **{k: v for k, v in base.keywords.items() if k in accepted})
        namespace[name] = fn
    return namespace


def applicable(gru_form: str = "pytorch") -> tuple[Mutant, ...]:
    """The mutants that are mistakes in a course with this GRU form."""
    return tuple(m for m in CATALOGUE if m.applies_to(gru_form))


def by_id(mutant_id: str) -> Mutant:
    try:
        return _BY_ID[mutant_id]
    except KeyError:
        raise KeyError(f"no mutant {mutant_id!r}; known: {', '.join(_BY_ID)}") from None


def _sig(reference_fn):
    """Give a mutated implementation the reference function's name, docstring and signature."""
    def decorate(fn):
        fn = wraps(reference_fn)(fn)
        del fn.__wrapped__  # inspect.signature must show fn's own parameters
        return fn
    return decorate


# =========================================================================== RNN / BPTT
#
# One BPTT loop over the reference's step backward.  With the defaults it computes exactly
# rnn_backward (tests/diagnose checks this); each keyword is one classic mistake.


def _rnn_bptt(dh, cache, *, step_backward=_rnn.rnn_step_backward, carry=True, accumulate=True,
              wrap_h0=False):
    x, h0, Wx, Wh, h = cache
    N, T, _ = x.shape
    dx = np.zeros(x.shape)
    dWx, dWh, db = np.zeros(Wx.shape), np.zeros(Wh.shape), np.zeros(Wh.shape[0])
    dprev_h = np.zeros(h0.shape)
    for t in range(T - 1, -1, -1):
        # mistake wrap_h0: h[:, t-1] read at t = 0 is h[:, -1] = h_{T-1}, not h0
        prev_h = h[:, t - 1] if (t > 0 or wrap_h0) else h0
        upstream = dh[:, t] + dprev_h if carry else dh[:, t]
        dx[:, t], dprev_h, dWx_t, dWh_t, db_t = step_backward(upstream, (x[:, t], prev_h, Wx, Wh, h[:, t]))
        if accumulate:
            dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
        else:  # `dWx = ...` instead of `dWx += ...`: only the last step of the loop (t = 0) survives
            dWx, dWh, db = dWx_t, dWh_t, db_t
    return dx, dprev_h, dWx, dWh, db


@_sig(_rnn.rnn_backward)
def _rnn_backward_overwrite(dh, cache):
    return _rnn_bptt(dh, cache, accumulate=False)


@_sig(_rnn.rnn_backward)
def _rnn_backward_no_carry(dh, cache):
    return _rnn_bptt(dh, cache, carry=False)


@_sig(_rnn.rnn_backward)
def _rnn_backward_wrap_h0(dh, cache):
    return _rnn_bptt(dh, cache, wrap_h0=True)


@_sig(_rnn.rnn_step_backward)
def _rnn_step_backward_preact(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    a = np.arctanh(np.clip(next_h, -1 + 1e-15, 1 - 1e-15))  # the pre-activation
    # the reference computes 1 - next_h**2 from the cache's next_h: hand it `a` instead
    return _rnn.rnn_step_backward(dnext_h, (x, prev_h, Wx, Wh, a))


@_sig(_rnn.rnn_backward)
def _rnn_backward_preact(dh, cache):
    return _rnn_bptt(dh, cache, step_backward=_rnn_step_backward_preact)


@_sig(_rnn.rnn_step_backward)
def _rnn_step_backward_wh_not_t(dnext_h, cache):
    dx, _, dWx, dWh, db = _rnn.rnn_step_backward(dnext_h, cache)
    da = _rnn._tanh_cell_backward(dnext_h, cache[4])
    return dx, da @ cache[3], dWx, dWh, db  # da @ Wh instead of da @ Wh.T


@_sig(_rnn.rnn_backward)
def _rnn_backward_wh_not_t(dh, cache):
    return _rnn_bptt(dh, cache, step_backward=_rnn_step_backward_wh_not_t)


@_sig(_rnn.rnn_step_backward)
def _rnn_step_backward_db_axis(dnext_h, cache):
    dx, dprev_h, dWx, dWh, _ = _rnn.rnn_step_backward(dnext_h, cache)
    return dx, dprev_h, dWx, dWh, _rnn._tanh_cell_backward(dnext_h, cache[4]).sum(axis=1)


@_sig(_rnn.rnn_step_forward)
def _rnn_step_forward_linear(x, prev_h, Wx, Wh, b):
    next_h = x @ Wx + prev_h @ Wh + b  # tanh forgotten
    return next_h, (x, prev_h, Wx, Wh, next_h)


@_sig(_rnn.rnn_forward)
def _rnn_forward_linear(x, h0, Wx, Wh, b):
    h = np.empty(x.shape[:2] + (Wh.shape[0],))
    prev_h = h0
    for t in range(x.shape[1]):
        prev_h, _ = _rnn_step_forward_linear(x[:, t], prev_h, Wx, Wh, b)
        h[:, t] = prev_h
    return h, (x, h0, Wx, Wh, h)


@_sig(_rnn.rnn_forward)
def _rnn_forward_h0_every_step(x, h0, Wx, Wh, b):
    h = np.empty(x.shape[:2] + (Wh.shape[0],))
    for t in range(x.shape[1]):
        h[:, t], _ = _rnn.rnn_step_forward(x[:, t], h0, Wx, Wh, b)  # prev_h never updated
    return h, (x, h0, Wx, Wh, h)


# ================================================================================ LSTM
#
# The reference's step backward and BPTT loop with a pluggable cell backward
# (reference.lstm._lstm_cell_backward by default: then they equal the reference exactly).


def _lstm_step_backward_with(cell_backward):
    @_sig(_lstm.lstm_step_backward)
    def lstm_step_backward(dnext_h, dnext_c, cache):
        da, dprev_c = cell_backward(dnext_h, dnext_c, cache["prev_c"], cache["gates"], cache["tanh_c"])
        return (da @ cache["Wx"].T, da @ cache["Wh"].T, dprev_c,
                cache["x"].T @ da, cache["prev_h"].T @ da, da.sum(axis=0))
    return lstm_step_backward


def _lstm_bptt(dh, cache, cell_backward=_lstm._lstm_cell_backward, carry_h=True):
    x, h0, Wx, Wh = cache["x"], cache["h0"], cache["Wx"], cache["Wh"]
    h, c, gates, tanh_c = cache["h"], cache["c"], cache["gates"], cache["tanh_c"]
    N, T, D = x.shape
    H = Wh.shape[0]
    da = np.empty((N, T, 4 * H))
    dprev_h, dprev_c = np.zeros((N, H)), np.zeros((N, H))
    for t in range(T - 1, -1, -1):
        prev_c = c[:, t - 1] if t > 0 else np.zeros((N, H))
        upstream = dh[:, t] + dprev_h if carry_h else dh[:, t]
        da[:, t], dprev_c = cell_backward(upstream, dprev_c, prev_c, gates[:, t], tanh_c[:, t])
        dprev_h = da[:, t] @ Wh.T
    h_in = np.concatenate([h0[:, None, :], h[:, :-1]], axis=1)
    da_flat = da.reshape(N * T, 4 * H)
    return (da @ Wx.T, dprev_h, x.reshape(N * T, D).T @ da_flat,
            h_in.reshape(N * T, H).T @ da_flat, da_flat.sum(axis=0))


def _lstm_backward_with(cell_backward, carry_h=True):
    @_sig(_lstm.lstm_backward)
    def lstm_backward(dh, cache):
        return _lstm_bptt(dh, cache, cell_backward, carry_h)
    return lstm_backward


def _blocks(gates, H):
    return gates[:, :H], gates[:, H:2 * H], gates[:, 2 * H:3 * H], gates[:, 3 * H:]


def _cell_no_f(dnext_h, dnext_c, prev_c, gates, tanh_c):
    da, _ = _lstm._lstm_cell_backward(dnext_h, dnext_c, prev_c, gates, tanh_c)
    o = _blocks(gates, prev_c.shape[1])[2]
    return da, dnext_c + dnext_h * o * (1.0 - tanh_c * tanh_c)  # dprev_c = dc, without * f


def _cell_no_tanh_path(dnext_h, dnext_c, prev_c, gates, tanh_c):
    o = _blocks(gates, prev_c.shape[1])[2]
    # the reference's dc = dnext_c + dnext_h*o*(1 - tanh_c^2); cancel the second term
    return _lstm._lstm_cell_backward(dnext_h, dnext_c - dnext_h * o * (1.0 - tanh_c * tanh_c),
                                     prev_c, gates, tanh_c)


def _cell_one_minus_c2(dnext_h, dnext_c, prev_c, gates, tanh_c):
    o = _blocks(gates, prev_c.shape[1])[2]
    c = np.arctanh(np.clip(tanh_c, -1 + 1e-15, 1 - 1e-15))  # next_c
    # dc becomes dnext_c + dnext_h*o*(1 - c^2)
    return _lstm._lstm_cell_backward(dnext_h, dnext_c + dnext_h * o * (tanh_c * tanh_c - c * c),
                                     prev_c, gates, tanh_c)


def _swap_go(a):
    """Swap the last two gate blocks along the last axis: [i|f|o|g] <-> [i|f|g|o]."""
    H = a.shape[-1] // 4
    return np.concatenate([a[..., :2 * H], a[..., 3 * H:], a[..., 2 * H:3 * H]], axis=-1)


# A student who splits a into [i | f | g | o] computes the reference LSTM with the g and o
# blocks of Wx, Wh, b swapped; the consistent backward swaps the weight gradients back.

@_sig(_lstm.lstm_step_forward)
def _lstm_step_forward_ifgo(x, prev_h, prev_c, Wx, Wh, b):
    return _lstm.lstm_step_forward(x, prev_h, prev_c, _swap_go(Wx), _swap_go(Wh), _swap_go(b))


@_sig(_lstm.lstm_step_backward)
def _lstm_step_backward_ifgo(dnext_h, dnext_c, cache):
    dx, dprev_h, dprev_c, dWx, dWh, db = _lstm.lstm_step_backward(dnext_h, dnext_c, cache)
    return dx, dprev_h, dprev_c, _swap_go(dWx), _swap_go(dWh), _swap_go(db)


@_sig(_lstm.lstm_forward)
def _lstm_forward_ifgo(x, h0, Wx, Wh, b):
    return _lstm.lstm_forward(x, h0, _swap_go(Wx), _swap_go(Wh), _swap_go(b))


@_sig(_lstm.lstm_backward)
def _lstm_backward_ifgo(dh, cache):
    dx, dh0, dWx, dWh, db = _lstm.lstm_backward(dh, cache)
    return dx, dh0, _swap_go(dWx), _swap_go(dWh), _swap_go(db)


# ================================================================================= GRU
#
# GRU forms differ in two places (see reference/gru.py): which gate keeps the old state,
# and where the reset gate acts.  Flipping the update convention, u = z <-> u = 1 - z, is
# the reference GRU with the z block of every parameter negated (1 - σ(a) = σ(-a)), so
# both GRU forward mistakes reuse the reference exactly, forward and backward.


def _neg_z(a):
    H = a.shape[-1] // 3
    out = np.array(a, dtype=np.float64, copy=True)
    out[..., H:2 * H] *= -1.0
    return out


def _other_form(form):
    return "textbook" if form == "pytorch" else "pytorch"


@_sig(_gru.gru_step_forward)
def _gru_step_forward_flip_z(x, prev_h, Wx, Wh, bx, bh, form="pytorch"):
    return _gru.gru_step_forward(x, prev_h, _neg_z(Wx), _neg_z(Wh), _neg_z(bx), _neg_z(bh), form=form)


@_sig(_gru.gru_forward)
def _gru_forward_flip_z(x, h0, Wx, Wh, bx, bh, form="pytorch"):
    return _gru.gru_forward(x, h0, _neg_z(Wx), _neg_z(Wh), _neg_z(bx), _neg_z(bh), form=form)


@_sig(_gru.gru_step_forward)
def _gru_step_forward_reset_moved(x, prev_h, Wx, Wh, bx, bh, form="pytorch"):
    # the other form's candidate with this form's update convention
    return _gru.gru_step_forward(x, prev_h, _neg_z(Wx), _neg_z(Wh), _neg_z(bx), _neg_z(bh),
                                 form=_other_form(form))


@_sig(_gru.gru_forward)
def _gru_forward_reset_moved(x, h0, Wx, Wh, bx, bh, form="pytorch"):
    return _gru.gru_forward(x, h0, _neg_z(Wx), _neg_z(Wh), _neg_z(bx), _neg_z(bh), form=_other_form(form))


@_sig(_gru.gru_step_backward)
def _gru_step_backward_neg_z(dnext_h, cache):
    dx, dprev_h, dWx, dWh, dbx, dbh = _gru.gru_step_backward(dnext_h, cache)
    return dx, dprev_h, _neg_z(dWx), _neg_z(dWh), _neg_z(dbx), _neg_z(dbh)


@_sig(_gru.gru_backward)
def _gru_backward_neg_z(dh, cache):
    dx, dh0, dWx, dWh, dbx, dbh = _gru.gru_backward(dh, cache)
    return dx, dh0, _neg_z(dWx), _neg_z(dWh), _neg_z(dbx), _neg_z(dbh)


def _gru_step_backward_with(cell_backward):
    @_sig(_gru.gru_step_backward)
    def gru_step_backward(dnext_h, cache):
        textbook = _gru._is_textbook(cache["form"])
        Wx, Wh = cache["Wx"], cache["Wh"]
        dxp, dprev_h, dhp = cell_backward(dnext_h, cache, Wh, textbook)
        dWh = _gru._gru_dWh(cache["prev_h"], cache["hin_n"], dhp, Wh.shape[0])
        return dxp @ Wx.T, dprev_h, cache["x"].T @ dxp, dWh, dxp.sum(axis=0), dhp.sum(axis=0)
    return gru_step_backward


def _gru_bptt(dh, cache, cell_backward=_gru._gru_cell_backward, carry_h=True):
    textbook = _gru._is_textbook(cache["form"])
    x, h0, Wx, Wh, h = cache["x"], cache["h0"], cache["Wx"], cache["Wh"], cache["h"]
    N, T, D = x.shape
    H = Wh.shape[0]
    h_in = np.concatenate([h0[:, None, :], h[:, :-1]], axis=1)
    dxp, dhp = np.empty((N, T, 3 * H)), np.empty((N, T, 3 * H))
    dprev_h = np.zeros((N, H))
    for t in range(T - 1, -1, -1):
        c = {k: cache[k][:, t] for k in ("r", "z", "n", "hn")}
        c["prev_h"] = h_in[:, t]
        upstream = dh[:, t] + dprev_h if carry_h else dh[:, t]
        dxp[:, t], dprev_h, dhp[:, t] = cell_backward(upstream, c, Wh, textbook)
    dxp_flat, dhp_flat = dxp.reshape(N * T, 3 * H), dhp.reshape(N * T, 3 * H)
    h_in_flat = h_in.reshape(N * T, H)
    hin_n_flat = cache["hin_n"].reshape(N * T, H) if textbook else h_in_flat
    return (dxp @ Wx.T, dprev_h, x.reshape(N * T, D).T @ dxp_flat,
            _gru._gru_dWh(h_in_flat, hin_n_flat, dhp_flat, H), dxp_flat.sum(axis=0), dhp_flat.sum(axis=0))


def _gru_backward_with(cell_backward, carry_h=True):
    @_sig(_gru.gru_backward)
    def gru_backward(dh, cache):
        return _gru_bptt(dh, cache, cell_backward, carry_h)
    return gru_backward


def _gru_cell_no_direct_path(dnext_h, c, Wh, textbook):
    dxp, dprev_h, dhp = _gru._gru_cell_backward(dnext_h, c, Wh, textbook)
    u = (1.0 - c["z"]) if textbook else c["z"]
    return dxp, dprev_h - dnext_h * u, dhp  # the h' = ... + u * h term dropped


# ====================================================================== loss, embedding


@_sig(_layers.temporal_softmax_loss)
def _loss_mask_not_on_dx(x, y, mask):
    loss, _ = _layers.temporal_softmax_loss(x, y, mask)
    _, dx = _layers.temporal_softmax_loss(x, y, np.ones(np.shape(mask), dtype=bool))
    return loss, dx


@_sig(_layers.temporal_softmax_loss)
def _loss_mean_over_nt(x, y, mask):
    loss, dx = _layers.temporal_softmax_loss(x, y, mask)
    T = x.shape[1]
    return loss / T, dx / T  # divided by N*T instead of N


@_sig(_layers.temporal_softmax_loss)
def _loss_dx_no_onehot(x, y, mask):
    loss, dx = _layers.temporal_softmax_loss(x, y, mask)
    N, T, V = x.shape
    onehot = np.eye(V)[np.asarray(y)] * np.asarray(mask, dtype=np.float64)[..., None]
    return loss, dx + onehot / N  # softmax without the - 1 at the correct class


@_sig(_layers.word_embedding_backward)
def _embedding_backward_overwrite(dout, cache):
    x, V = cache
    dW = np.zeros((V, dout.shape[-1]))
    dW[x] += dout  # buffered fancy indexing: a repeated word keeps one contribution (as dW[x] = dout)
    return dW


@_sig(_layers.temporal_affine_backward)
def _affine_db_batch_only(dout, cache):
    dx, dw, _ = _layers.temporal_affine_backward(dout, cache)
    return dx, dw, dout.sum(axis=0)  # summed over N only: shape (T, M)


# ======================================================================= gradient flow


def _grad_norms(x, h0, Wx, Wh, b, *, norm=_flow._spectral_norms, left=False, transpose_wh=True):
    """reference.rnn_hidden_grad_norms' loop with its three classic mistakes as keywords."""
    h = _flow._hidden_states(x, h0, Wx, Wh, b)
    N, T, H = h.shape
    # _step_jacobians builds diag(1 - h^2) @ Wh.T from its Wh argument; giving it Wh.T
    # yields diag(1 - h^2) @ Wh, the column-vector Jacobian
    J = _flow._step_jacobians(h, Wh if transpose_wh else Wh.T)
    norms = np.empty((N, T))
    P = np.broadcast_to(np.eye(H), (N, H, H)).copy()
    norms[:, T - 1] = 1.0
    for t in range(T - 2, -1, -1):
        P = J[:, t + 1] @ P if left else P @ J[:, t + 1]
        norms[:, t] = norm(P)
    return norms


@_sig(_flow.rnn_hidden_grad_norms)
def _grad_norms_frobenius(x, h0, Wx, Wh, b):
    return _grad_norms(x, h0, Wx, Wh, b, norm=lambda P: np.linalg.norm(P, axis=(-2, -1)))


@_sig(_flow.rnn_hidden_grad_norms)
def _grad_norms_reversed(x, h0, Wx, Wh, b):
    return _grad_norms(x, h0, Wx, Wh, b, left=True)


@_sig(_flow.rnn_hidden_grad_norms)
def _grad_norms_wh_not_t(x, h0, Wx, Wh, b):
    return _grad_norms(x, h0, Wx, Wh, b, transpose_wh=False)


# ============================================================================ clipping


@_sig(_clip.clip_grad_norm)
def _clip_norm_elementwise(grads, max_norm):
    _, total_norm = _clip.clip_grad_norm(grads, max_norm)
    return _clip.clip_grad_value(grads, max_norm), total_norm


@_sig(_clip.clip_grad_norm)
def _clip_norm_per_tensor(grads, max_norm):
    _, total_norm = _clip.clip_grad_norm(grads, max_norm)
    return {k: _clip.clip_grad_norm({k: g}, max_norm)[0][k] for k, g in grads.items()}, total_norm


@_sig(_clip.clip_grad_value)
def _clip_value_one_sided(grads, clip_value):
    return {k: np.minimum(np.asarray(g, dtype=np.float64), float(clip_value)) for k, g in grads.items()}


# ======================================================================= architectures


@_sig(_arch.bidirectional_forward)
def _birnn_forward_not_flipped(x, h0, params, cell, form="pytorch"):
    h, cache = _arch.bidirectional_forward(x, h0, params, cell, form)
    H = cache[2]
    # the backward direction's states left in reversed time order
    return np.concatenate([h[:, :, :H], h[:, ::-1, H:]], axis=2), cache


@_sig(_arch.bidirectional_backward)
def _birnn_backward_not_flipped(dh, cache):
    H = cache[2]
    return _arch.bidirectional_backward(np.concatenate([dh[:, :, :H], dh[:, ::-1, H:]], axis=2), cache)


def _sequence_backward_no_carry(dh, cache):
    cell, c = cache
    if cell == "rnn":
        dx, dh0, *grads = _rnn_bptt(dh, c, carry=False)
    elif cell == "lstm":
        dx, dh0, *grads = _lstm_bptt(dh, c, carry_h=False)
    else:
        dx, dh0, *grads = _gru_bptt(dh, c, carry_h=False)
    return dx, dh0, dict(zip(_arch.CELL_KEYS[cell], grads))


@_sig(_arch.stacked_backward)
def _stacked_backward_overwrite(dh, cache):
    L = len(cache)
    dh0, dparams = [None] * L, [None] * L
    d, dh0[L - 1], dparams[L - 1] = _arch.sequence_backward(dh, cache[L - 1])
    for l in range(L - 2, -1, -1):
        # `dh_l[:, t] = dx_above[:, t]` replaces the recurrent gradient instead of adding to it
        d, dh0[l], dparams[l] = _sequence_backward_no_carry(d, cache[l])
    return d, np.stack(dh0), dparams


# ============================================================================ catalogue

_RNN_BWD = tuple(f"rnn_backward.{o}" for o in ("dx", "dh0", "dWx", "dWh", "db"))
_RNN_STEP_BWD = tuple(f"rnn_step_backward.{o}" for o in ("dx", "dprev_h", "dWx", "dWh", "db"))
_LSTM_BWD = tuple(f"lstm_backward.{o}" for o in ("dx", "dh0", "dWx", "dWh", "db"))
_LSTM_STEP_BWD = tuple(f"lstm_step_backward.{o}" for o in ("dx", "dprev_h", "dprev_c", "dWx", "dWh", "db"))
_LSTM_FWD = ("lstm_step_forward.next_h", "lstm_step_forward.next_c", "lstm_forward.h")
_GRU_BWD = tuple(f"gru_backward.{o}" for o in ("dx", "dh0", "dWx", "dWh", "dbx", "dbh"))
_GRU_STEP_BWD = tuple(f"gru_step_backward.{o}" for o in ("dx", "dprev_h", "dWx", "dWh", "dbx", "dbh"))
_GRU_FWD = ("gru_step_forward.next_h", "gru_forward.h")

def _m(id, functions, targets, ko, en, hint_ko, hint_en, **extra) -> Mutant:
    return Mutant(id=id, functions=MappingProxyType(dict(functions)), targets=tuple(targets),
                  explanation=MappingProxyType({"ko": ko, "en": en}),
                  hint=MappingProxyType({"ko": hint_ko, "en": hint_en}), **extra)


CATALOGUE: tuple[Mutant, ...] = (
    # ------------------------------------------------------------------ RNN / BPTT
    _m("bptt-overwrite-accumulator", {"rnn_backward": _rnn_backward_overwrite},
       ("rnn_backward.dWx", "rnn_backward.dWh", "rnn_backward.db"),
       "가중치 기울기 dWx, dWh, db를 시간 스텝마다 `+=`로 누적하지 않고 `=`로 덮어써서, 마지막으로 계산한 t = 0 스텝의 기여만 남았습니다 (BPTT 누적).",
       "dWx, dWh and db are assigned with `=` at every time step instead of accumulated with `+=`, so only the last step the loop visits (t = 0) remains.",
       "가중치는 모든 시간 스텝에서 공유되므로 루프 전에 0으로 만들고 각 스텝의 기여를 더하세요.",
       "The weights are shared by every time step: start the gradients at zero before the loop and add each step's contribution."),
    _m("bptt-missing-carried-gradient", {"rnn_backward": _rnn_backward_no_carry}, _RNN_BWD,
       "스텝 t의 은닉 상태에 들어오는 기울기로 dh[:, t]만 사용하고, 다음 스텝에서 거꾸로 전달된 기울기(dprev_h)를 더하지 않았습니다 (시간 역전파).",
       "Only dh[:, t] is used as the gradient of the hidden state at step t; the gradient carried back from step t+1 (dprev_h) is not added.",
       "h_t는 손실과 다음 스텝 두 곳으로 쓰이니 두 기울기를 더하세요: `dh[:, t] + dprev_h`.",
       "h_t feeds both the loss and the next step, so its gradient is the sum of both: `dh[:, t] + dprev_h`."),
    _m("rnn-tanh-grad-on-preactivation",
       {"rnn_step_backward": _rnn_step_backward_preact, "rnn_backward": _rnn_backward_preact},
       _RNN_STEP_BWD + _RNN_BWD,
       "tanh의 미분을 출력이 아닌 활성화 전 값(pre-activation) a에 적용해 1 − a²를 계산했습니다. 올바른 미분은 1 − tanh²(a) = 1 − h² 입니다.",
       "The tanh derivative is taken on the pre-activation a (1 − a²) instead of on the output: tanh'(a) = 1 − tanh²(a) = 1 − h².",
       "캐시에 저장한 next_h(= tanh(a))로 `1 - next_h**2`를 계산하세요.",
       "Use the cached output next_h = tanh(a): `1 - next_h**2`."),
    _m("rnn-tanh-missing-forward",
       {"rnn_step_forward": _rnn_step_forward_linear, "rnn_forward": _rnn_forward_linear},
       ("rnn_step_forward.next_h", "rnn_forward.h") + _RNN_STEP_BWD + _RNN_BWD,
       "순전파에서 tanh를 빠뜨려 은닉 상태가 선형 값 x·Wx + h·Wh + b 그대로입니다 (활성화 함수 누락). 역전파도 이 잘못된 캐시 때문에 틀립니다.",
       "The forward leaves out tanh, so the hidden state is the linear x·Wx + h·Wh + b; the backward then works on this wrong cache too.",
       "next_h = np.tanh(x @ Wx + prev_h @ Wh + b) 처럼 활성화 함수를 적용하세요.",
       "Apply the activation: next_h = np.tanh(x @ Wx + prev_h @ Wh + b)."),
    _m("rnn-forward-h0-every-step", {"rnn_forward": _rnn_forward_h0_every_step},
       ("rnn_forward.h",) + _RNN_BWD,
       "순전파 루프에서 이전 은닉 상태를 갱신하지 않아 모든 스텝이 h0를 입력으로 받습니다 (순환 연결 누락).",
       "The forward loop never updates the previous hidden state, so every step reads h0 instead of h_{t-1}.",
       "루프 안에서 `prev_h = next_h`로 상태를 넘겨주세요.",
       "Carry the state inside the loop: `prev_h = next_h`."),
    _m("rnn-dprev-h-not-transposed",
       {"rnn_step_backward": _rnn_step_backward_wh_not_t, "rnn_backward": _rnn_backward_wh_not_t},
       ("rnn_step_backward.dprev_h",) + _RNN_BWD,
       "dprev_h를 `da @ Wh`로 계산했습니다. Wh가 정사각 행렬이라 shape은 맞지만 올바른 식은 `da @ Wh.T` 입니다 (전치 누락).",
       "dprev_h is computed as `da @ Wh`; Wh is square so the shape fits, but the gradient is `da @ Wh.T`.",
       "순전파가 `prev_h @ Wh`이면 역전파는 `da @ Wh.T` 입니다. 정사각 행렬은 shape 검사로 실수를 잡을 수 없습니다.",
       "If the forward is `prev_h @ Wh`, the backward is `da @ Wh.T`; a square matrix hides the mistake from shape checks."),
    _m("rnn-h0-wraparound", {"rnn_backward": _rnn_backward_wrap_h0}, ("rnn_backward.dWh",),
       "t = 0에서 이전 상태로 h[:, t-1]을 읽어 h0 대신 마지막 상태 h[:, T-1]이 dWh에 들어갔습니다 (파이썬 음수 인덱스 -1).",
       "At t = 0 the previous state is read as h[:, t-1], which is h[:, -1] = h_{T-1} (Python's negative index), not h0, so dWh is wrong.",
       "t = 0일 때는 h0를 쓰도록 분기하세요: `prev_h = h[:, t-1] if t > 0 else h0`.",
       "Branch at t = 0: `prev_h = h[:, t-1] if t > 0 else h0`."),
    _m("rnn-step-db-wrong-axis", {"rnn_step_backward": _rnn_step_backward_db_axis},
       ("rnn_step_backward.db",),
       "db를 배치 축(axis=0)이 아닌 은닉 축(axis=1)으로 합했습니다.",
       "db is summed over the hidden axis (axis=1) instead of the batch axis (axis=0).",
       "b는 배치의 모든 샘플에 더해지므로 `da.sum(axis=0)`으로 shape (H,)를 만드세요.",
       "b is added to every sample of the batch: `da.sum(axis=0)` gives shape (H,)."),
    # ------------------------------------------------------------------------ LSTM
    _m("lstm-gate-order-ifgo",
       {"lstm_step_forward": _lstm_step_forward_ifgo, "lstm_step_backward": _lstm_step_backward_ifgo,
        "lstm_forward": _lstm_forward_ifgo, "lstm_backward": _lstm_backward_ifgo},
       _LSTM_FWD + _LSTM_STEP_BWD + _LSTM_BWD,
       "게이트를 [i | f | g | o] 순서로 나눴습니다. 이 과목은 [i | f | o | g] 순서입니다. 순전파와 역전파가 서로 일관되어 기울기 검사(gradient check)는 통과하지만 값이 다릅니다.",
       "The gates are split in the order [i | f | g | o]; this course uses [i | f | o | g]. Forward and backward agree, so a gradient check passes, but the values differ.",
       "a[:, 2H:3H]가 출력 게이트 o(sigmoid), a[:, 3H:]가 후보 g(tanh)입니다. 순전파 값을 공개 케이스와 비교해 보세요.",
       "a[:, 2H:3H] is the output gate o (sigmoid) and a[:, 3H:] the candidate g (tanh); compare your forward values, not only gradients."),
    _m("lstm-dprev-c-missing-f",
       {"lstm_step_backward": _lstm_step_backward_with(_cell_no_f),
        "lstm_backward": _lstm_backward_with(_cell_no_f)},
       ("lstm_step_backward.dprev_c",) + _LSTM_BWD,
       "dprev_c에 forget 게이트 f를 곱하지 않았습니다. next_c = f ⊙ prev_c + i ⊙ g 이므로 dprev_c = dc ⊙ f 입니다.",
       "dprev_c is missing the factor f: next_c = f ⊙ prev_c + i ⊙ g, so dprev_c = dc ⊙ f.",
       "셀 상태 경로의 기울기는 forget 게이트를 지날 때마다 f가 곱해집니다.",
       "The gradient along the cell state is multiplied by f at every forget gate it crosses."),
    _m("lstm-tanh-c-path-missing",
       {"lstm_step_backward": _lstm_step_backward_with(_cell_no_tanh_path),
        "lstm_backward": _lstm_backward_with(_cell_no_tanh_path)},
       _LSTM_STEP_BWD + _LSTM_BWD,
       "dc에 next_h = o ⊙ tanh(next_c)를 거쳐 오는 경로 dnext_h ⊙ o ⊙ (1 − tanh²c)를 더하지 않았습니다 (셀 상태의 두 경로).",
       "dc lacks the path through next_h = o ⊙ tanh(next_c): dc = dnext_c + dnext_h ⊙ o ⊙ (1 − tanh²(next_c)).",
       "next_c는 다음 셀 상태와 next_h 두 곳에 쓰이므로 두 기울기를 더하세요.",
       "next_c is used twice (the next cell state and next_h): add both gradients."),
    _m("lstm-tanh-derivative-on-c",
       {"lstm_step_backward": _lstm_step_backward_with(_cell_one_minus_c2),
        "lstm_backward": _lstm_backward_with(_cell_one_minus_c2)},
       _LSTM_STEP_BWD + _LSTM_BWD,
       "tanh(next_c)의 미분을 1 − tanh²(c) 대신 1 − c²로 계산했습니다.",
       "The derivative of tanh(next_c) is computed as 1 − c² instead of 1 − tanh²(c).",
       "캐시에 저장한 tanh(next_c) 값 t로 `1 - t**2`를 쓰세요.",
       "Use the cached t = tanh(next_c): `1 - t**2`."),
    _m("lstm-missing-carried-gradient", {"lstm_backward": _lstm_backward_with(_lstm._lstm_cell_backward, carry_h=False)},
       _LSTM_BWD,
       "LSTM 역전파에서 스텝 t의 은닉 상태 기울기로 dh[:, t]만 쓰고, 다음 스텝에서 전달된 dprev_h를 더하지 않았습니다.",
       "In the LSTM backward, only dh[:, t] is used for the hidden state at step t; the dprev_h carried back from step t+1 is not added.",
       "`dh[:, t] + dprev_h`를 셀의 역전파에 넘기고, 셀 상태 기울기 dprev_c도 함께 넘겨주세요.",
       "Pass `dh[:, t] + dprev_h` to the cell backward, together with the carried cell-state gradient dprev_c."),
    # ------------------------------------------------------------------------- GRU
    _m("gru-update-gate-flipped",
       {"gru_step_forward": _gru_step_forward_flip_z, "gru_step_backward": _gru_step_backward_neg_z,
        "gru_forward": _gru_forward_flip_z, "gru_backward": _gru_backward_neg_z},
       _GRU_FWD + _GRU_STEP_BWD + _GRU_BWD,
       "업데이트 게이트 z의 역할이 뒤바뀌었습니다: 이 과목의 식에서 z를 곱하는 항과 (1 − z)를 곱하는 항을 서로 바꿨습니다 (pytorch 형식: h' = (1 − z) ⊙ n + z ⊙ h).",
       "The update gate's convention is flipped: z and (1 − z) weigh the wrong terms (the course's form; pytorch: h' = (1 − z) ⊙ n + z ⊙ h).",
       "노트북의 GRU 식을 다시 확인하세요: 어느 항이 이전 상태 h를 유지하는지가 형식(form)마다 다릅니다.",
       "Re-read the notebook's GRU equation: which term keeps the old state h depends on the form."),
    _m("gru-reset-before-matmul",
       {"gru_step_forward": _gru_step_forward_reset_moved, "gru_step_backward": _gru_step_backward_neg_z,
        "gru_forward": _gru_forward_reset_moved, "gru_backward": _gru_backward_neg_z},
       _GRU_FWD + _GRU_STEP_BWD + _GRU_BWD,
       "리셋 게이트를 행렬곱 전에 적용했습니다 ((r ⊙ h) Wh_n, 밑바닥부터 시작하는 딥러닝 2의 방식). 이 과목은 pytorch 형식 r ⊙ (h Wh_n + bh_n)을 씁니다.",
       "The reset gate is applied before the matmul, (r ⊙ h) Wh_n (the textbook form); this course uses the pytorch form r ⊙ (h Wh_n + bh_n).",
       "후보 n = tanh(x Wx_n + bx_n + r ⊙ (h Wh_n + bh_n)): r은 bh_n을 포함한 곱 전체에 곱합니다.",
       "Candidate n = tanh(x Wx_n + bx_n + r ⊙ (h Wh_n + bh_n)): r scales the whole product including bh_n.",
       gru_forms=("pytorch",)),
    _m("gru-reset-after-matmul",
       {"gru_step_forward": _gru_step_forward_reset_moved, "gru_step_backward": _gru_step_backward_neg_z,
        "gru_forward": _gru_forward_reset_moved, "gru_backward": _gru_backward_neg_z},
       _GRU_FWD + _GRU_STEP_BWD + _GRU_BWD,
       "리셋 게이트를 행렬곱 뒤에 적용했습니다 (r ⊙ (h Wh_n), pytorch 방식). 이 과목은 교재 형식 (r ⊙ h) Wh_n을 씁니다.",
       "The reset gate is applied after the matmul, r ⊙ (h Wh_n) (the pytorch form); this course uses the textbook form (r ⊙ h) Wh_n.",
       "교재 형식에서는 r ⊙ h를 먼저 계산한 뒤 Wh_n을 곱합니다.",
       "In the textbook form compute r ⊙ h first, then multiply by Wh_n.",
       gru_forms=("textbook",)),
    _m("gru-dprev-h-missing-direct-path",
       {"gru_step_backward": _gru_step_backward_with(_gru_cell_no_direct_path),
        "gru_backward": _gru_backward_with(_gru_cell_no_direct_path)},
       ("gru_step_backward.dprev_h",) + _GRU_BWD,
       "dprev_h에 업데이트 게이트를 통한 직접 경로(pytorch 형식: dnext_h ⊙ z)를 더하지 않았습니다. 게이트를 거치는 경로만 계산했습니다.",
       "dprev_h lacks the direct path through the update gate (pytorch form: dnext_h ⊙ z); only the paths through the gates are there.",
       "h는 h' 식에 직접 나타나고, r·z·n을 통해서도 나타납니다. 모든 경로의 기울기를 더하세요.",
       "h appears in h' directly and through r, z and n: add the gradients of every path."),
    _m("gru-missing-carried-gradient", {"gru_backward": _gru_backward_with(_gru._gru_cell_backward, carry_h=False)},
       _GRU_BWD,
       "GRU 역전파에서 스텝 t의 은닉 상태 기울기로 dh[:, t]만 쓰고, 다음 스텝에서 전달된 dprev_h를 더하지 않았습니다.",
       "In the GRU backward, only dh[:, t] is used for the hidden state at step t; the dprev_h carried back from step t+1 is not added.",
       "셀의 역전파에 `dh[:, t] + dprev_h`를 넘기세요.",
       "Pass `dh[:, t] + dprev_h` to the cell backward."),
    # ------------------------------------------------------------------------ loss
    _m("loss-mask-not-applied-to-dx", {"temporal_softmax_loss": _loss_mask_not_on_dx},
       ("temporal_softmax_loss.dx",),
       "손실에는 마스크를 적용했지만 기울기 dx에는 적용하지 않아, 패딩(mask = 0) 위치에도 기울기가 생겼습니다.",
       "The mask is applied to the loss but not to dx, so padded positions (mask = 0) still get a gradient.",
       "dx에도 `mask[:, :, None]`을 곱하세요.",
       "Multiply dx by `mask[:, :, None]` too."),
    _m("loss-averaged-over-nt", {"temporal_softmax_loss": _loss_mean_over_nt},
       ("temporal_softmax_loss.loss", "temporal_softmax_loss.dx"),
       "손실을 N·T로 나눴습니다. 이 과목의 손실은 시간(T)에 대해 합하고 배치(N)에 대해서만 평균합니다.",
       "The loss is divided by N·T; this course sums over time and averages over the batch N only.",
       "loss와 dx 모두 N으로만 나누세요.",
       "Divide both the loss and dx by N only."),
    _m("softmax-dx-missing-onehot", {"temporal_softmax_loss": _loss_dx_no_onehot},
       ("temporal_softmax_loss.dx",),
       "dx를 softmax 확률 p 그대로 두고 정답 클래스에서 1을 빼지 않았습니다 (dx = p − onehot(y)).",
       "dx is the softmax probability p without subtracting 1 at the correct class (dx = p − onehot(y)).",
       "`dx[n, t, y[n, t]] -= 1`을 마스크와 1/N을 곱하기 전에 적용하세요.",
       "Apply `dx[n, t, y[n, t]] -= 1` before masking and dividing by N."),
    # ------------------------------------------------------------------- embedding
    _m("embedding-backward-repeated-indices", {"word_embedding_backward": _embedding_backward_overwrite},
       ("word_embedding_backward.dW",),
       "`dW[x] = dout` (또는 `dW[x] += dout`)은 같은 단어가 여러 번 나오면 기여 하나만 남깁니다 (버퍼링된 팬시 인덱싱).",
       "`dW[x] = dout` (or `dW[x] += dout`) keeps only one contribution of a word that occurs several times (buffered fancy indexing).",
       "`np.add.at(dW, x, dout)`로 반복된 인덱스의 기여를 모두 더하세요.",
       "Use `np.add.at(dW, x, dout)` to add up every occurrence."),
    _m("temporal-affine-db-batch-only", {"temporal_affine_backward": _affine_db_batch_only},
       ("temporal_affine_backward.db",),
       "db를 배치 축으로만 합해 shape이 (T, M)입니다. 바이어스는 모든 시간 스텝에서 공유되므로 N과 T 모두에 대해 합해야 합니다.",
       "db is summed over the batch only, giving shape (T, M); the bias is shared by every time step, so sum over N and T.",
       "`dout.sum(axis=(0, 1))`을 쓰세요.",
       "Use `dout.sum(axis=(0, 1))`."),
    # --------------------------------------------------------------- gradient flow
    _m("grad-norms-frobenius", {"rnn_hidden_grad_norms": _grad_norms_frobenius}, ("rnn_hidden_grad_norms.norms",),
       "야코비안 곱의 노름으로 스펙트럼 노름(spectral norm, 최대 특이값) 대신 프로베니우스 노름(Frobenius norm)을 썼습니다. 2차원 배열에 대한 np.linalg.norm의 기본값이 프로베니우스 노름입니다.",
       "The Jacobian product's norm is the Frobenius norm instead of the spectral norm (largest singular value); np.linalg.norm of a 2-D array defaults to Frobenius.",
       "`np.linalg.norm(P, 2)` 또는 `np.linalg.svd(P, compute_uv=False)[..., 0]`을 쓰세요.",
       "Use `np.linalg.norm(P, 2)` or `np.linalg.svd(P, compute_uv=False)[..., 0]`."),
    _m("grad-norms-product-reversed", {"rnn_hidden_grad_norms": _grad_norms_reversed}, ("rnn_hidden_grad_norms.norms",),
       "야코비안을 반대 순서로 곱했습니다 (J_{t+1} ⋯ J_{T-1}). 연쇄 법칙에 따라 ∂h_{T-1}/∂h_t = J_{T-1} ⋯ J_{t+1} 이며, 행렬곱은 교환 법칙이 성립하지 않습니다.",
       "The Jacobians are multiplied in the reverse order (J_{t+1} ⋯ J_{T-1}); by the chain rule ∂h_{T-1}/∂h_t = J_{T-1} ⋯ J_{t+1}, and matrix products do not commute.",
       "t를 줄여 가며 기존 곱의 오른쪽에 새 야코비안을 곱하세요: `P = P @ J[:, t+1]`.",
       "Going back in t, multiply the new Jacobian on the right: `P = P @ J[:, t+1]`."),
    _m("grad-norms-jacobian-not-transposed", {"rnn_hidden_grad_norms": _grad_norms_wh_not_t},
       ("rnn_hidden_grad_norms.norms",),
       "한 스텝 야코비안을 diag(1 − h²) Wh로 계산했습니다. 행 벡터 규약(h Wh)에서는 ∂h_t/∂h_{t-1} = diag(1 − h_t²) Wh.T 입니다 (열 벡터 규약과 혼동).",
       "The one-step Jacobian is computed as diag(1 − h²) Wh; with row vectors (h Wh) it is ∂h_t/∂h_{t-1} = diag(1 − h_t²) Wh.T (the column-vector formula was used).",
       "원소로 확인하세요: ∂h_t[k]/∂h_{t-1}[j] = (1 − h_t[k]²) Wh[j, k].",
       "Check one entry: ∂h_t[k]/∂h_{t-1}[j] = (1 − h_t[k]²) Wh[j, k]."),
    # -------------------------------------------------------------------- clipping
    _m("clip-norm-elementwise", {"clip_grad_norm": _clip_norm_elementwise}, ("clip_grad_norm.clipped",),
       "노름 클리핑(norm clipping) 대신 원소별 값 클리핑(np.clip)을 했습니다. 노름 클리핑은 방향을 유지한 채 전체 크기만 줄입니다.",
       "Element-wise value clipping (np.clip) is used where norm clipping is asked; norm clipping rescales all gradients, keeping their direction.",
       "전체 노름이 max_norm을 넘으면 모든 기울기에 max_norm / (total_norm + 1e-6)을 곱하세요.",
       "If the total norm exceeds max_norm, multiply every gradient by max_norm / (total_norm + 1e-6)."),
    _m("clip-norm-per-tensor", {"clip_grad_norm": _clip_norm_per_tensor}, ("clip_grad_norm.clipped",),
       "배열마다 따로 노름을 계산해 클리핑했습니다. 이 과목(torch.nn.utils.clip_grad_norm_)은 모든 기울기를 하나의 벡터로 본 전역 노름(global norm)을 씁니다.",
       "Each array is clipped by its own norm; this course (like torch.nn.utils.clip_grad_norm_) uses one global norm over all gradients.",
       "total_norm = sqrt(Σ‖g‖²)를 한 번 계산하고 같은 배율을 모든 기울기에 적용하세요.",
       "Compute total_norm = sqrt(Σ‖g‖²) once and apply the same scale to every gradient."),
    _m("clip-value-one-sided", {"clip_grad_value": _clip_value_one_sided}, ("clip_grad_value.clipped",),
       "값 클리핑에서 위쪽(clip_value)만 자르고 아래쪽(−clip_value)은 자르지 않았습니다.",
       "Value clipping cuts only the upper side (clip_value), not the lower side (−clip_value).",
       "`np.clip(g, -clip_value, clip_value)`를 쓰세요.",
       "Use `np.clip(g, -clip_value, clip_value)`."),
    # --------------------------------------------------------------- architectures
    _m("birnn-backward-states-not-flipped",
       {"bidirectional_forward": _birnn_forward_not_flipped, "bidirectional_backward": _birnn_backward_not_flipped},
       ("bidirectional_forward.h", "bidirectional_backward.dx", "bidirectional_backward.dh0",
        "bidirectional_backward.dparams"),
       "역방향 RNN의 출력을 시간 순서로 다시 뒤집지 않아, 위치 t에 x[:, t:]가 아닌 다른 구간을 읽은 상태가 놓였습니다.",
       "The backward direction's states are not flipped back in time, so position t holds a state that has not read x[:, t:].",
       "x[:, ::-1]로 돌린 결과 h_b를 `h_b[:, ::-1]`로 되돌린 뒤 이어 붙이세요 (역전파에서도 같은 뒤집기).",
       "Flip the reversed run's states back, `h_b[:, ::-1]`, before concatenating (and mirror it in the backward)."),
    _m("stacked-interlayer-gradient-overwritten", {"stacked_backward": _stacked_backward_overwrite},
       ("stacked_backward.dx", "stacked_backward.dh0", "stacked_backward.dparams"),
       "다층(stacked) RNN의 아래층에서 위층에서 온 기울기가 시간 방향으로 전달된 기울기를 덮어썼습니다 (`=` 대신 `+=`가 필요).",
       "In the lower layers of the stacked RNN, the gradient from the layer above overwrites the gradient carried back through time instead of being added to it.",
       "아래층의 h_t는 위층(같은 시각)과 자기 층의 다음 스텝 두 곳으로 쓰이므로 두 기울기를 더하세요.",
       "A lower layer's h_t feeds the layer above and its own next step: add both gradients."),
)

_BY_ID = {m.id: m for m in CATALOGUE}
assert len(_BY_ID) == len(CATALOGUE), "duplicate mutant id"
