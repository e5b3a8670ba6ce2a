"""Shared math helpers and the non-recurrent layers of the lecture.

Word embedding, temporal affine and temporal softmax loss (CS231n conventions), plus
the small numerically stable helpers (`sigmoid`, `softmax`, `log_softmax`) that the
other reference modules import from here.

Shapes are batch-major: N batch, T time, D input, M output, V vocabulary.
Every function is float64, vectorised and leaves its inputs untouched.
"""

import numpy as np

__all__ = [
    "sigmoid",
    "softmax",
    "log_softmax",
    "word_embedding_forward",
    "word_embedding_backward",
    "temporal_affine_forward",
    "temporal_affine_backward",
    "temporal_softmax_loss",
    "perplexity",
]


# ---------------------------------------------------------------------------
# Shared helpers
# ---------------------------------------------------------------------------

def sigmoid(x, out=None):
    """Numerically stable logistic function.

    Inputs:
    - x: array of any shape
    - out: optional float64 array of x's shape to write the result into (may not be x
      itself if x must stay unchanged)

    Returns:
    - array of the same shape, 1 / (1 + exp(-x)), accurate to ~1 ulp for every finite x
    """
    x = np.asarray(x, dtype=np.float64)
    if out is None:
        out = np.empty_like(x)  # an explicit buffer: 0-d inputs stay arrays until the end
    np.negative(x, out=out)
    # For x < -709, exp(-x) overflows to inf and 1 / inf = 0, which is the correctly
    # rounded result (the true value is below the smallest normal double): the overflow
    # is harmless, so its warning is silenced. Unlike the exp(-|x|) / where() variant,
    # this keeps full relative precision and needs a third of the passes.
    with np.errstate(over="ignore"):
        np.exp(out, out=out)
    out += 1.0
    np.reciprocal(out, out=out)
    return out[()] if out.ndim == 0 else out


def log_softmax(x, axis=-1):
    """Numerically stable log-softmax along `axis`.

    Inputs:
    - x: array of any shape
    - axis: the axis that holds the classes

    Returns:
    - array of the same shape, x - logsumexp(x, axis)
    """
    x = np.asarray(x, dtype=np.float64)
    # Subtracting the max makes every exponent <= 0: no overflow, and the largest
    # term is exactly 1 so the log never sees 0.
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def softmax(x, axis=-1):
    """Numerically stable softmax along `axis`.

    Inputs:
    - x: array of any shape
    - axis: the axis that holds the classes

    Returns:
    - array of the same shape whose entries along `axis` are positive and sum to 1
    """
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _matmul_last(a, W):
    """a (..., K) @ W (K, M) -> (..., M) as a single 2-D matrix product.

    For a 3-D `a`, `a @ W` runs one small GEMM per leading index (per sequence),
    measured 1.5-2.5x slower than one (N*T, K) @ (K, M) product at N=64, T=50, K=128.
    """
    return (a.reshape(-1, a.shape[-1]) @ W).reshape(*a.shape[:-1], W.shape[-1])


# ---------------------------------------------------------------------------
# Word embedding
# ---------------------------------------------------------------------------

def word_embedding_forward(x, W):
    """Look up word vectors.

    Inputs:
    - x: integer array of shape (N, T), word indices in [0, V)
    - W: array of shape (V, D), one row per word

    Returns a tuple of:
    - out: array of shape (N, T, D), out[n, t] = W[x[n, t]]
    - cache: (x, V) for the backward pass
    """
    x = np.asarray(x)
    # Fancy indexing copies, so `out` never aliases W.
    out = W[x]
    return out, (x, W.shape[0])


def word_embedding_backward(dout, cache):
    """Backward pass of the word embedding.

    Inputs:
    - dout: array of shape (N, T, D), upstream gradient
    - cache: from word_embedding_forward

    Returns:
    - dW: array of shape (V, D)
    """
    x, V = cache
    dW = np.zeros((V, dout.shape[-1]), dtype=np.float64)
    # A word may occur several times in the batch; `dW[x] += dout` would keep only one
    # of the contributions (buffered fancy assignment), np.add.at accumulates them all.
    np.add.at(dW, x, dout)
    return dW


# ---------------------------------------------------------------------------
# Temporal affine
# ---------------------------------------------------------------------------

def temporal_affine_forward(x, w, b):
    """Affine layer applied independently at every time step.

    Inputs:
    - x: array of shape (N, T, D)
    - w: array of shape (D, M)
    - b: array of shape (M,)

    Returns a tuple of:
    - out: array of shape (N, T, M), out = x @ w + b
    - cache: (x, w, b, out)
    """
    out = _matmul_last(x, w)
    out += b
    return out, (x, w, b, out)


def temporal_affine_backward(dout, cache):
    """Backward pass of the temporal affine layer.

    Inputs:
    - dout: array of shape (N, T, M)
    - cache: from temporal_affine_forward

    Returns a tuple of:
    - dx: array of shape (N, T, D)
    - dw: array of shape (D, M)
    - db: array of shape (M,)
    """
    x, w, b, _ = cache
    D, M = w.shape
    dx = _matmul_last(dout, w.T)
    # One (D, N*T) @ (N*T, M) product instead of a sum of N batched products.
    dw = x.reshape(-1, D).T @ dout.reshape(-1, M)
    db = dout.sum(axis=(0, 1))
    return dx, dw, db


# ---------------------------------------------------------------------------
# Temporal softmax loss
# ---------------------------------------------------------------------------

def temporal_softmax_loss(x, y, mask):
    """Softmax + cross-entropy at every time step, summed over T, averaged over N.

    Steps with mask == 0 (padding after the end of a sequence) contribute neither to
    the loss nor to the gradient.

    Inputs:
    - x: array of shape (N, T, V), scores
    - y: integer array of shape (N, T), targets in [0, V)
    - mask: boolean (or 0/1) array of shape (N, T)

    Returns a tuple of:
    - loss: Python float
    - dx: array of shape (N, T, V), gradient of loss with respect to x
    """
    N, T, V = x.shape
    x_flat = x.reshape(N * T, V)
    y_flat = np.asarray(y).reshape(N * T)
    mask_flat = np.asarray(mask).reshape(N * T).astype(np.float64)

    logp = log_softmax(x_flat, axis=1)
    rows = np.arange(N * T)
    loss = -np.sum(mask_flat * logp[rows, y_flat]) / N

    # d(-log p_y)/dx = p - onehot(y); exp(logp) is the softmax without recomputing it.
    dx_flat = np.exp(logp)
    dx_flat[rows, y_flat] -= 1.0
    dx_flat *= mask_flat[:, None] / N
    return float(loss), dx_flat.reshape(N, T, V)


def perplexity(loss, mask):
    """Perplexity of a language model from the value of temporal_softmax_loss.

    exp(mean negative log-likelihood per predicted token): temporal_softmax_loss sums the
    negative log-likelihood over time and averages it over the N sequences, so the total
    is N * loss, spread over the mask.sum() unmasked tokens.

    Inputs:
    - loss: Scalar returned by temporal_softmax_loss(x, y, mask)
    - mask: boolean (or 0/1) array of shape (N, T), the mask given to temporal_softmax_loss

    Returns:
    - ppl: Python float
    """
    mask = np.asarray(mask)
    return float(np.exp(float(loss) * mask.shape[0] / mask.sum()))
