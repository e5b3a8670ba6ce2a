"""A catalogue of known student mistakes ("mutants"), for feedback that names the mistake.

Trusted side only (never shipped to students, never in the sandbox).  Each :class:`Mutant`
re-implements, with the reference's exact signature, only the functions a classic mistake
changes — built on the reference's own code (calling it with transformed arguments, or
wrapping its cell-level helpers) rather than on copies.  The grader runs a failed item's
case programs through :func:`namespace_with` (the reference namespace with the mutant's
overrides) and, when the student's outputs match a mutant's on every case, reports the
mutant's id and its explanation (``autograder/grading/diagnose.py``).

A mistake that lives in a forward comes as a forward + backward pair that is consistent
with itself (the student's backward is graded through the student's own forward): for
example the LSTM gate order [i | f | g | o] passes a gradient check and is caught only by
the forward values.  A mistake made only in a forward is a forward-only mutant: the
reference backward then runs on the mutant forward's cache, as a student's correct
backward would run on their wrong forward's cache.

The words of each mistake (three feedback levels, Korean and English) are in
``autograder/grading/mistakes.py``, keyed by the same id.

``targets`` lists the rubric items ``<function>.<output>`` the mistake must make fail;
``autograder.authoring.catalogue.rubric_escapes`` checks that the course's hidden cases catch every
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
from . import langmodel as _lm
from . import layers as _layers
from . import lstm as _lstm
from . import optim as _optim
from . import rnn as _rnn

__all__ = ["Mutant", "MutantNamespace", "CATALOGUE", "GATE_BLOCKS", "by_id", "gate_blocks", "namespace_with",
           "applicable"]

GRU_FORMS = _gru.GRU_FORMS

#: The gate blocks, in order, along the last axis of a gated cell's stacked weights and biases
#: (reference/lstm.py: [i | f | o | g], reference/gru.py: [r | z | n]); the grader locates a wrong block with them.
GATE_BLOCKS = {"lstm": ("i", "f", "o", "g"), "gru": ("r", "z", "n")}
_GATED_OUTPUTS = ("dWx", "dWh", "db", "dbx", "dbh")


def gate_blocks(function: str, output: str) -> tuple[str, ...] | None:
    """The gate blocks stacked along the last axis of ``function``'s ``output``, or None."""
    family = function.partition("_")[0]
    return GATE_BLOCKS.get(family) if output in _GATED_OUTPUTS else None


@dataclass(frozen=True)
class Mutant:
    """One known mistake: the functions it changes and the items it must fail.

    What the feedback says about it (ko/en, at the hint, explain and reveal levels) lives
    in ``autograder/grading/mistakes.py`` under the same id.  Neither ships to students: the release
    writes only the hint-level words into ``public_cases.npz`` for the self-check.
    """

    id: str
    functions: Mapping[str, Callable]
    targets: tuple[str, ...]
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
              wrap_h0=False, forward_in_time=False):
    x, h0, Wx, Wh, h = cache
    N, T, _ = x.shape
    dx = np.zeros(x.shape)
    dWx, dWh, db = np.zeros(Wx.shape), np.zeros(Wh.shape), np.zeros(Wh.shape[0])
    dprev_h = np.zeros(h0.shape)
    # mistake forward_in_time: the loop runs t = 0, 1, ..., T-1, so what it carries comes from step t-1
    for t in (range(T) if forward_in_time else range(T - 1, -1, -1)):
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
def _rnn_backward_forward_in_time(dh, cache):
    return _rnn_bptt(dh, cache, forward_in_time=True)


@_sig(_rnn.rnn_step_backward)
def _rnn_step_backward_not_squared(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1.0 - next_h)  # tanh' written as 1 - h instead of 1 - h**2
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)


@_sig(_rnn.rnn_backward)
def _rnn_backward_not_squared(dh, cache):
    return _rnn_bptt(dh, cache, step_backward=_rnn_step_backward_not_squared)


@_sig(_rnn.rnn_step_backward)
def _rnn_step_backward_no_tanh_grad(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h  # the local derivative of tanh left out: `da = dnext_h`
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)


@_sig(_rnn.rnn_backward)
def _rnn_backward_no_tanh_grad(dh, cache):
    return _rnn_bptt(dh, cache, step_backward=_rnn_step_backward_no_tanh_grad)


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


@_sig(_rnn.rnn_step_forward)
def _rnn_step_forward_no_bias(x, prev_h, Wx, Wh, b):
    return _rnn.rnn_step_forward(x, prev_h, Wx, Wh, np.zeros_like(np.asarray(b, dtype=np.float64)))  # b left out


@_sig(_rnn.rnn_forward)
def _rnn_forward_no_bias(x, h0, Wx, Wh, b):
    return _rnn.rnn_forward(x, h0, Wx, Wh, np.zeros_like(np.asarray(b, dtype=np.float64)))


@_sig(_rnn.rnn_step_backward)
def _rnn_step_backward_dwh_next_h(dnext_h, cache):
    dx, dprev_h, dWx, _, db = _rnn.rnn_step_backward(dnext_h, cache)
    da = _rnn._tanh_cell_backward(dnext_h, cache[4])
    return dx, dprev_h, dWx, cache[4].T @ da, db  # next_h.T @ da instead of prev_h.T @ da


@_sig(_rnn.rnn_backward)
def _rnn_backward_dwh_next_h(dh, cache):
    return _rnn_bptt(dh, cache, step_backward=_rnn_step_backward_dwh_next_h)


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


def _lstm_bptt(dh, cache, cell_backward=_lstm._lstm_cell_backward, carry_h=True, carry_c=True):
    x, h0, Wx, Wh = cache["x"], cache["h0"], cache["Wx"], cache["Wh"]
    h, c, gates, tanh_c = cache["h"], cache["c"], cache["gates"], cache["tanh_c"]
    N, T, D = x.shape
    H = Wh.shape[0]
    da = np.empty((N, T, 4 * H))
    dprev_h, dprev_c = np.zeros((N, H)), np.zeros((N, H))
    for t in range(T - 1, -1, -1):
        prev_c = c[:, t - 1] if t > 0 else np.zeros((N, H))
        upstream = dh[:, t] + dprev_h if carry_h else dh[:, t]
        carried_c = dprev_c if carry_c else np.zeros((N, H))  # mistake: dprev_c dropped between steps
        da[:, t], dprev_c = cell_backward(upstream, carried_c, prev_c, gates[:, t], tanh_c[:, t])
        dprev_h = da[:, t] @ Wh.T
    h_in = np.concatenate([h0[:, None, :], h[:, :-1]], axis=1)
    da_flat = da.reshape(N * T, 4 * H)
    return (da @ Wx.T, dprev_h, x.reshape(N * T, D).T @ da_flat,
            h_in.reshape(N * T, H).T @ da_flat, da_flat.sum(axis=0))


def _lstm_backward_with(cell_backward, carry_h=True, carry_c=True):
    @_sig(_lstm.lstm_backward)
    def lstm_backward(dh, cache):
        return _lstm_bptt(dh, cache, cell_backward, carry_h, carry_c)
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


def _cell_no_tanh_derivative(dnext_h, dnext_c, prev_c, gates, tanh_c):
    o = _blocks(gates, prev_c.shape[1])[2]
    # dc becomes dnext_c + dnext_h*o: the factor tanh'(next_c) = 1 - tanh_c^2 left out
    return _lstm._lstm_cell_backward(dnext_h, dnext_c + dnext_h * o * tanh_c * tanh_c, prev_c, gates, tanh_c)


def _cell_sigmoid_as_tanh(dnext_h, dnext_c, prev_c, gates, tanh_c):
    da, dprev_c = _lstm._lstm_cell_backward(dnext_h, dnext_c, prev_c, gates, tanh_c)
    H = prev_c.shape[1]
    s = gates[:, :3 * H]
    da = da.copy()
    # sigmoid gates differentiated as tanh: s(1 - s) replaced by 1 - s^2 = s(1 - s) * (1 + s) / s
    da[:, :3 * H] *= (1.0 + s) / s
    return da, dprev_c


def _cell_do_from_dc(dnext_h, dnext_c, prev_c, gates, tanh_c):
    da, dprev_c = _lstm._lstm_cell_backward(dnext_h, dnext_c, prev_c, gates, tanh_c)
    H = prev_c.shape[1]
    o = _blocks(gates, H)[2]
    dc = dnext_c + dnext_h * o * (1.0 - tanh_c * tanh_c)
    da = da.copy()
    # the output gate's block from dc, as the other gates', instead of from dnext_h
    da[:, 2 * H:3 * H] = dc * tanh_c * o * (1.0 - o)
    return da, dprev_c


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


@_sig(_gru.gru_step_backward)
def _gru_step_backward_dbh_no_reset(dnext_h, cache):
    dx, dprev_h, dWx, dWh, dbx, _ = _gru.gru_step_backward(dnext_h, cache)
    return dx, dprev_h, dWx, dWh, dbx, dbx.copy()  # bh_n's gradient without the factor r: equal to dbx


@_sig(_gru.gru_backward)
def _gru_backward_dbh_no_reset(dh, cache):
    dx, dh0, dWx, dWh, dbx, _ = _gru.gru_backward(dh, cache)
    return dx, dh0, dWx, dWh, dbx, dbx.copy()


def _gru_cell_no_direct_path(dnext_h, c, Wh, textbook):
    dxp, dprev_h, dhp = _gru._gru_cell_backward(dnext_h, c, Wh, textbook)
    u = (1.0 - c["z"]) if textbook else c["z"]
    return dxp, dprev_h - dnext_h * u, dhp  # the h' = ... + u * h term dropped


def _gru_cell_dz_flipped(dnext_h, c, Wh, textbook):
    dxp, dprev_h, dhp = _gru._gru_cell_backward(dnext_h, c, Wh, textbook)
    H = dnext_h.shape[1]
    dz_block = dhp[:, H:2 * H].copy()  # da_z: the same in both affine maps
    dxp, dhp = dxp.copy(), dhp.copy()
    # dz with its sign flipped (n - h instead of h - n): da_z negated in both maps, and its
    # share of dprev_h (da_z @ Wh_z.T) with it
    dxp[:, H:2 * H] = -dz_block
    dhp[:, H:2 * H] = -dz_block
    return dxp, dprev_h - 2.0 * dz_block @ Wh[:, H:2 * H].T, dhp


# ====================================================================== loss, embedding


@_sig(_layers.temporal_softmax_loss)
def _loss_mask_not_on_dx(x, y, mask):
    loss, _ = _layers.temporal_softmax_loss(x, y, mask)
    _, dx = _layers.temporal_softmax_loss(x, y, np.ones(np.shape(mask), dtype=bool))
    return loss, dx


@_sig(_layers.temporal_softmax_loss)
def _loss_mask_not_on_loss(x, y, mask):
    loss, _ = _layers.temporal_softmax_loss(x, y, np.ones(np.shape(mask), dtype=bool))
    _, dx = _layers.temporal_softmax_loss(x, y, mask)
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


@_sig(_clip.clip_grad_norm)
def _clip_norm_no_sqrt(grads, max_norm):
    squared = float(sum(np.sum(np.asarray(g, dtype=np.float64) ** 2) for g in grads.values()))
    coef = min(1.0, float(max_norm) / (squared + 1e-6))  # the sum of squares used as the norm
    return {k: np.asarray(g, dtype=np.float64) * coef for k, g in grads.items()}, squared


# ============================================================================ optimisers


@_sig(_optim.sgd_step)
def _sgd_ascent(params, grads, lr):
    return _optim._tree_map(lambda p, g: p + float(lr) * g, params, grads)


@_sig(_optim.adam_step)
def _adam_no_bias_correction(params, grads, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    _, new_state = _optim.adam_step(params, grads, state, lr, beta1, beta2, eps)
    new_params = _optim._tree_map(lambda p, m, v: p - float(lr) * m / (np.sqrt(v) + float(eps)),
                                  params, new_state["m"], new_state["v"])
    return new_params, new_state


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


@_sig(_arch.stacked_backward)
def _stacked_backward_top_everywhere(dh, cache):
    L = len(cache)
    dh0, dparams = [None] * L, [None] * L
    d = dh
    for l in range(L - 1, -1, -1):
        # every layer is given the top layer's dh instead of the gradient from the layer above
        d, dh0[l], dparams[l] = _arch.sequence_backward(dh, cache[l])
    return d, np.stack(dh0), dparams


# ===================================================================== language model
#
# Each is the reference called as the mistake's arithmetic needs it, not a copy of its code.


@_sig(_lm.tbptt_batches)
def _tbptt_targets_not_shifted(ids, batch_size, seq_len):
    inputs, _ = _lm.tbptt_batches(ids, batch_size, seq_len)
    return inputs, inputs.copy()  # targets = ids[starts], not ids[starts + 1]


@_sig(_lm.lm_loss_and_grads)
def _lm_embedding_grad_overwrite(x, y, h0, c0, params):
    # `dW_embed[x] += demb`: numpy's buffered fancy-index update keeps one position per repeated
    # id (the last), where np.add.at sums them all.  demb at every position is the reference's
    # dW_embed for a table with one row per position (the same embeddings, so the same model).
    x = np.asarray(x).astype(np.int64)
    loss, grads, hT, cT = _lm.lm_loss_and_grads(x, y, h0, c0, params)
    per_position = {**params, "W_embed": params["W_embed"][x.ravel()]}
    _, positional, _, _ = _lm.lm_loss_and_grads(np.arange(x.size).reshape(x.shape), y, h0, c0, per_position)
    dW_embed = np.zeros_like(params["W_embed"])
    dW_embed[x] += positional["W_embed"].reshape(*x.shape, -1)
    return loss, {**grads, "W_embed": dW_embed}, hT, cT


@_sig(_lm.sample)
def _sample_temperature_ignored(params, h0, c0, start_id, length, temperature, seed):
    # p = softmax(scores), not softmax(scores / temperature); the argmax of temperature 0 is kept
    return _lm.sample(params, h0, c0, start_id, length, 1.0 if float(temperature) > 0 else 0.0, seed)


@_sig(_lm.heldout_perplexity)
def _perplexity_exp_of_sum(inputs, targets, params):
    # exp of the summed cross-entropy, not of its mean: ppl ** (B*N*T)
    return float(_lm.heldout_perplexity(inputs, targets, params) ** np.asarray(inputs).size)


# ============================================================================ catalogue

_RNN_BWD = tuple(f"rnn_backward.{o}" for o in ("dx", "dh0", "dWx", "dWh", "db"))
_RNN_STEP_BWD = tuple(f"rnn_step_backward.{o}" for o in ("dx", "dprev_h", "dWx", "dWh", "db"))
_LSTM_BWD = tuple(f"lstm_backward.{o}" for o in ("dx", "dh0", "dWx", "dWh", "db"))
_LSTM_STEP_BWD = tuple(f"lstm_step_backward.{o}" for o in ("dx", "dprev_h", "dprev_c", "dWx", "dWh", "db"))
_LSTM_FWD = ("lstm_step_forward.next_h", "lstm_step_forward.next_c", "lstm_forward.h")
_GRU_BWD = tuple(f"gru_backward.{o}" for o in ("dx", "dh0", "dWx", "dWh", "dbx", "dbh"))
_GRU_STEP_BWD = tuple(f"gru_step_backward.{o}" for o in ("dx", "dprev_h", "dWx", "dWh", "dbx", "dbh"))
_GRU_FWD = ("gru_step_forward.next_h", "gru_forward.h")

def _m(id, functions, targets, **extra) -> Mutant:
    return Mutant(id=id, functions=MappingProxyType(dict(functions)), targets=tuple(targets), **extra)


CATALOGUE: tuple[Mutant, ...] = (
    # ------------------------------------------------------------------ RNN / BPTT
    _m("bptt-overwrite-accumulator",
       {"rnn_backward": _rnn_backward_overwrite},
       ("rnn_backward.dWx", "rnn_backward.dWh", "rnn_backward.db")),
    _m("bptt-missing-carried-gradient",
       {"rnn_backward": _rnn_backward_no_carry},
       _RNN_BWD),
    _m("rnn-tanh-grad-on-preactivation",
       {"rnn_step_backward": _rnn_step_backward_preact, "rnn_backward": _rnn_backward_preact},
       _RNN_STEP_BWD + _RNN_BWD),
    _m("rnn-tanh-missing-forward",
       {"rnn_step_forward": _rnn_step_forward_linear, "rnn_forward": _rnn_forward_linear},
       ("rnn_step_forward.next_h", "rnn_forward.h") + _RNN_STEP_BWD + _RNN_BWD),
    _m("rnn-forward-h0-every-step",
       {"rnn_forward": _rnn_forward_h0_every_step},
       ("rnn_forward.h",) + _RNN_BWD),
    _m("bptt-loop-forward-in-time",
       {"rnn_backward": _rnn_backward_forward_in_time},
       _RNN_BWD),
    _m("rnn-tanh-derivative-not-squared",
       {"rnn_step_backward": _rnn_step_backward_not_squared, "rnn_backward": _rnn_backward_not_squared},
       _RNN_STEP_BWD + _RNN_BWD),
    _m("rnn-dprev-h-not-transposed",
       {"rnn_step_backward": _rnn_step_backward_wh_not_t, "rnn_backward": _rnn_backward_wh_not_t},
       ("rnn_step_backward.dprev_h",) + _RNN_BWD),
    _m("rnn-tanh-derivative-missing",
       {"rnn_step_backward": _rnn_step_backward_no_tanh_grad, "rnn_backward": _rnn_backward_no_tanh_grad},
       _RNN_STEP_BWD + _RNN_BWD),
    _m("rnn-h0-wraparound",
       {"rnn_backward": _rnn_backward_wrap_h0},
       ("rnn_backward.dWh",)),
    _m("rnn-forward-missing-bias",
       {"rnn_step_forward": _rnn_step_forward_no_bias, "rnn_forward": _rnn_forward_no_bias},
       ("rnn_step_forward.next_h", "rnn_forward.h") + _RNN_STEP_BWD + _RNN_BWD),
    _m("rnn-dwh-from-next-h",
       {"rnn_step_backward": _rnn_step_backward_dwh_next_h, "rnn_backward": _rnn_backward_dwh_next_h},
       ("rnn_step_backward.dWh", "rnn_backward.dWh")),
    _m("rnn-step-db-wrong-axis",
       {"rnn_step_backward": _rnn_step_backward_db_axis},
       ("rnn_step_backward.db",)),
    # ------------------------------------------------------------------------ LSTM
    _m("lstm-gate-order-ifgo",
       {"lstm_step_forward": _lstm_step_forward_ifgo, "lstm_step_backward": _lstm_step_backward_ifgo,
        "lstm_forward": _lstm_forward_ifgo, "lstm_backward": _lstm_backward_ifgo},
       _LSTM_FWD + _LSTM_STEP_BWD + _LSTM_BWD),
    _m("lstm-dprev-c-missing-f",
       {"lstm_step_backward": _lstm_step_backward_with(_cell_no_f),
        "lstm_backward": _lstm_backward_with(_cell_no_f)},
       ("lstm_step_backward.dprev_c",) + _LSTM_BWD),
    _m("lstm-tanh-c-path-missing",
       {"lstm_step_backward": _lstm_step_backward_with(_cell_no_tanh_path),
        "lstm_backward": _lstm_backward_with(_cell_no_tanh_path)},
       _LSTM_STEP_BWD + _LSTM_BWD),
    _m("lstm-tanh-derivative-on-c",
       {"lstm_step_backward": _lstm_step_backward_with(_cell_one_minus_c2),
        "lstm_backward": _lstm_backward_with(_cell_one_minus_c2)},
       _LSTM_STEP_BWD + _LSTM_BWD),
    _m("lstm-tanh-c-derivative-missing",
       {"lstm_step_backward": _lstm_step_backward_with(_cell_no_tanh_derivative),
        "lstm_backward": _lstm_backward_with(_cell_no_tanh_derivative)},
       _LSTM_STEP_BWD + _LSTM_BWD),
    _m("lstm-gate-derivative-as-tanh",
       {"lstm_step_backward": _lstm_step_backward_with(_cell_sigmoid_as_tanh),
        "lstm_backward": _lstm_backward_with(_cell_sigmoid_as_tanh)},
       tuple(t for t in _LSTM_STEP_BWD if t != "lstm_step_backward.dprev_c") + _LSTM_BWD),
    _m("lstm-output-gate-from-dc",
       {"lstm_step_backward": _lstm_step_backward_with(_cell_do_from_dc),
        "lstm_backward": _lstm_backward_with(_cell_do_from_dc)},
       tuple(t for t in _LSTM_STEP_BWD if t != "lstm_step_backward.dprev_c") + _LSTM_BWD),
    _m("lstm-dprev-c-not-carried",
       {"lstm_backward": _lstm_backward_with(_lstm._lstm_cell_backward, carry_c=False)},
       _LSTM_BWD),
    _m("lstm-missing-carried-gradient",
       {"lstm_backward": _lstm_backward_with(_lstm._lstm_cell_backward, carry_h=False)},
       _LSTM_BWD),
    # ------------------------------------------------------------------------- GRU
    _m("gru-update-gate-flipped",
       {"gru_step_forward": _gru_step_forward_flip_z, "gru_step_backward": _gru_step_backward_neg_z,
        "gru_forward": _gru_forward_flip_z, "gru_backward": _gru_backward_neg_z},
       _GRU_FWD + _GRU_STEP_BWD + _GRU_BWD),
    _m("gru-reset-before-matmul",
       {"gru_step_forward": _gru_step_forward_reset_moved, "gru_step_backward": _gru_step_backward_neg_z,
        "gru_forward": _gru_forward_reset_moved, "gru_backward": _gru_backward_neg_z},
       _GRU_FWD + _GRU_STEP_BWD + _GRU_BWD,
       gru_forms=("pytorch",)),
    _m("gru-reset-after-matmul",
       {"gru_step_forward": _gru_step_forward_reset_moved, "gru_step_backward": _gru_step_backward_neg_z,
        "gru_forward": _gru_forward_reset_moved, "gru_backward": _gru_backward_neg_z},
       _GRU_FWD + _GRU_STEP_BWD + _GRU_BWD,
       gru_forms=("textbook",)),
    _m("gru-dprev-h-missing-direct-path",
       {"gru_step_backward": _gru_step_backward_with(_gru_cell_no_direct_path),
        "gru_backward": _gru_backward_with(_gru_cell_no_direct_path)},
       ("gru_step_backward.dprev_h",) + _GRU_BWD),
    _m("gru-dbh-missing-reset",
       {"gru_step_backward": _gru_step_backward_dbh_no_reset, "gru_backward": _gru_backward_dbh_no_reset},
       ("gru_step_backward.dbh", "gru_backward.dbh"),
       gru_forms=("pytorch",)),
    _m("gru-update-gate-grad-sign",
       {"gru_step_backward": _gru_step_backward_with(_gru_cell_dz_flipped),
        "gru_backward": _gru_backward_with(_gru_cell_dz_flipped)},
       _GRU_STEP_BWD + _GRU_BWD),
    _m("gru-missing-carried-gradient",
       {"gru_backward": _gru_backward_with(_gru._gru_cell_backward, carry_h=False)},
       _GRU_BWD),
    # ------------------------------------------------------------------------ loss
    _m("loss-mask-not-applied-to-dx",
       {"temporal_softmax_loss": _loss_mask_not_on_dx},
       ("temporal_softmax_loss.dx",)),
    _m("loss-mask-not-applied-to-loss",
       {"temporal_softmax_loss": _loss_mask_not_on_loss},
       ("temporal_softmax_loss.loss",)),
    _m("loss-averaged-over-nt",
       {"temporal_softmax_loss": _loss_mean_over_nt},
       ("temporal_softmax_loss.loss", "temporal_softmax_loss.dx")),
    _m("softmax-dx-missing-onehot",
       {"temporal_softmax_loss": _loss_dx_no_onehot},
       ("temporal_softmax_loss.dx",)),
    # ------------------------------------------------------------------- embedding
    _m("embedding-backward-repeated-indices",
       {"word_embedding_backward": _embedding_backward_overwrite},
       ("word_embedding_backward.dW",)),
    _m("temporal-affine-db-batch-only",
       {"temporal_affine_backward": _affine_db_batch_only},
       ("temporal_affine_backward.db",)),
    # --------------------------------------------------------------- gradient flow
    _m("grad-norms-frobenius",
       {"rnn_hidden_grad_norms": _grad_norms_frobenius},
       ("rnn_hidden_grad_norms.norms",)),
    _m("grad-norms-product-reversed",
       {"rnn_hidden_grad_norms": _grad_norms_reversed},
       ("rnn_hidden_grad_norms.norms",)),
    _m("grad-norms-jacobian-not-transposed",
       {"rnn_hidden_grad_norms": _grad_norms_wh_not_t},
       ("rnn_hidden_grad_norms.norms",)),
    # -------------------------------------------------------------------- clipping
    _m("clip-norm-elementwise",
       {"clip_grad_norm": _clip_norm_elementwise},
       ("clip_grad_norm.clipped",)),
    _m("clip-norm-per-tensor",
       {"clip_grad_norm": _clip_norm_per_tensor},
       ("clip_grad_norm.clipped",)),
    _m("clip-value-one-sided",
       {"clip_grad_value": _clip_value_one_sided},
       ("clip_grad_value.clipped",)),
    _m("clip-norm-missing-sqrt",
       {"clip_grad_norm": _clip_norm_no_sqrt},
       ("clip_grad_norm.clipped", "clip_grad_norm.total_norm")),
    # ------------------------------------------------------------------ optimisers
    _m("sgd-ascent",
       {"sgd_step": _sgd_ascent},
       ("sgd_step.new_params",)),
    _m("adam-no-bias-correction",
       {"adam_step": _adam_no_bias_correction},
       ("adam_step.new_params",)),
    # --------------------------------------------------------------- architectures
    _m("birnn-backward-states-not-flipped",
       {"bidirectional_forward": _birnn_forward_not_flipped, "bidirectional_backward": _birnn_backward_not_flipped},
       ("bidirectional_forward.h", "bidirectional_backward.dx", "bidirectional_backward.dh0",
        "bidirectional_backward.dparams")),
    _m("stacked-lower-layers-get-top-gradient",
       {"stacked_backward": _stacked_backward_top_everywhere},
       ("stacked_backward.dx", "stacked_backward.dh0", "stacked_backward.dparams")),
    _m("stacked-interlayer-gradient-overwritten",
       {"stacked_backward": _stacked_backward_overwrite},
       ("stacked_backward.dx", "stacked_backward.dh0", "stacked_backward.dparams")),
    # -------------------------------------------------------------- language model
    _m("lm-targets-not-shifted",
       {"tbptt_batches": _tbptt_targets_not_shifted},
       ("tbptt_batches.targets",)),
    _m("lm-embedding-grad-repeated-ids",
       {"lm_loss_and_grads": _lm_embedding_grad_overwrite},
       ("lm_loss_and_grads.grads",)),
    _m("lm-sample-temperature-ignored",
       {"sample": _sample_temperature_ignored},
       ("sample.ids",)),
    _m("lm-perplexity-exp-of-sum",
       {"heldout_perplexity": _perplexity_exp_of_sum},
       ("heldout_perplexity.ppl",)),
)

_BY_ID = {m.id: m for m in CATALOGUE}
assert len(_BY_ID) == len(CATALOGUE), "duplicate mutant id"
