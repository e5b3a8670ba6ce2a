"""Vanilla (tanh) RNN: single step and unrolled over a sequence.

    next_h = tanh(x @ Wx + prev_h @ Wh + b)

Shapes: N batch, T time, D input, H hidden. Row vectors, float64.
The unrolled layer computes the input projection x @ Wx for all T steps in one matrix
product and the weight gradients in one product after the backward loop; only the
recurrence itself is a Python loop. Step and layer share the same cell backward.
"""

import numpy as np

from .layers import _matmul_last

__all__ = [
    "rnn_step_forward",
    "rnn_step_backward",
    "rnn_forward",
    "rnn_backward",
]


def _tanh_cell_backward(dnext_h, next_h):
    """Gradient with respect to the pre-activation, from the cell's own output."""
    # tanh' = 1 - tanh^2: the output is all the backward needs, no pre-activation kept.
    return dnext_h * (1.0 - next_h * next_h)


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    """One time step of a tanh RNN.

    Inputs:
    - x: array of shape (N, D), input at this step
    - prev_h: array of shape (N, H), hidden state of the previous step
    - Wx: array of shape (D, H), input-to-hidden weights
    - Wh: array of shape (H, H), hidden-to-hidden weights
    - b: array of shape (H,), bias

    Returns a tuple of:
    - next_h: array of shape (N, H)
    - cache: (x, prev_h, Wx, Wh, next_h)
    """
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    """Backward pass of one tanh RNN step.

    Inputs:
    - dnext_h: array of shape (N, H), gradient of the loss with respect to next_h
    - cache: from rnn_step_forward

    Returns a tuple of:
    - dx: array of shape (N, D)
    - dprev_h: array of shape (N, H)
    - dWx: array of shape (D, H)
    - dWh: array of shape (H, H)
    - db: array of shape (H,)
    """
    x, prev_h, Wx, Wh, next_h = cache
    da = _tanh_cell_backward(dnext_h, next_h)
    dx = da @ Wx.T
    dprev_h = da @ Wh.T
    dWx = x.T @ da
    dWh = prev_h.T @ da
    db = da.sum(axis=0)
    return dx, dprev_h, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    """A tanh RNN unrolled over a whole sequence.

    Inputs:
    - x: array of shape (N, T, D), input sequence
    - h0: array of shape (N, H), initial hidden state
    - Wx: array of shape (D, H)
    - Wh: array of shape (H, H)
    - b: array of shape (H,)

    Returns a tuple of:
    - h: array of shape (N, T, H), hidden states of all steps
    - cache: (x, h0, Wx, Wh, h)
    """
    N, T, _ = x.shape
    H = Wh.shape[0]
    # The input projection does not depend on the recurrence: one big product.
    xp = _matmul_last(x, Wx)
    xp += b
    h = np.empty((N, T, H), dtype=np.result_type(xp, h0, Wh))
    prev_h = h0
    for t in range(T):
        prev_h = np.tanh(xp[:, t] + prev_h @ Wh)
        h[:, t] = prev_h
    return h, (x, h0, Wx, Wh, h)


def rnn_backward(dh, cache):
    """Backpropagation through time for the unrolled tanh RNN.

    Inputs:
    - dh: array of shape (N, T, H), upstream gradients of the hidden states from the
      loss only (per step); the gradient flowing back through the recurrence is added
      here, not by the caller
    - cache: from rnn_forward

    Returns a tuple of:
    - dx: array of shape (N, T, D)
    - dh0: array of shape (N, H)
    - dWx: array of shape (D, H)
    - dWh: array of shape (H, H)
    - db: array of shape (H,)
    """
    x, h0, Wx, Wh, h = cache
    N, T, D = x.shape
    H = Wh.shape[0]
    da = np.empty((N, T, H), dtype=np.result_type(dh, h))
    dprev_h = np.zeros((N, H), dtype=da.dtype)
    for t in range(T - 1, -1, -1):
        # Each h_t feeds both the loss (dh[:, t]) and the next step (dprev_h): the
        # two contributions add up.
        da_t = _tanh_cell_backward(dh[:, t] + dprev_h, h[:, t])
        da[:, t] = da_t
        dprev_h = da_t @ Wh.T
    dx = _matmul_last(da, Wx.T)
    # The hidden state entering step t is h0 for t = 0 and h[:, t-1] afterwards.
    h_in = np.concatenate([h0[:, None, :], h[:, :-1]], axis=1)
    da_flat = da.reshape(N * T, H)
    dWx = x.reshape(N * T, D).T @ da_flat
    dWh = h_in.reshape(N * T, H).T @ da_flat
    db = da_flat.sum(axis=0)
    return dx, dprev_h, dWx, dWh, db
