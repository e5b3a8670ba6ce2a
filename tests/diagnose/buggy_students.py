"""Buggy submissions written as students write them: one edit of a solution notebook each.

Independent of reference/mutants.py on purpose: these are the typical mistakes met when
the notebooks were tried as a student would, written against the notebook's
own code, so the diagnosis rate measured on them (test_diagnosis_rate.py) is not the
catalogue recognising itself.  Some have no catalogued mistake (a ReLU cell, one gate's
derivative, a loss without its mask): they count against the rate.

Only mistakes that produce wrong values are listed: a mistake that raises (a shape error
in a matmul) is reported with the student's own traceback, not diagnosed.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bug:
    name: str
    assignment: str
    cell: str  # nbgrader grade_id of the solution cell
    old: str
    new: str


BUGS: tuple[Bug, ...] = (
    # ------------------------------------------------------------------------- rnn
    Bug("rnn-no-bias", "rnn", "rnn_step_forward", "np.tanh(x @ Wx + prev_h @ Wh + b)", "np.tanh(x @ Wx + prev_h @ Wh)"),
    Bug("rnn-relu-cell", "rnn", "rnn_step_forward", "np.tanh(x @ Wx + prev_h @ Wh + b)",
        "np.maximum(0.0, x @ Wx + prev_h @ Wh + b)"),
    Bug("rnn-dwh-next-h", "rnn", "rnn_step_backward", "dWh = prev_h.T @ da", "dWh = next_h.T @ da"),
    Bug("rnn-tanh-grad-no-square", "rnn", "rnn_step_backward", "(1.0 - next_h ** 2)", "(1.0 - next_h)"),
    Bug("rnn-dprev-h-no-transpose", "rnn", "rnn_step_backward", "dprev_h = da @ Wh.T", "dprev_h = da @ Wh"),
    Bug("rnn-db-axis-1", "rnn", "rnn_step_backward", "db = da.sum(axis=0)", "db = da.sum(axis=1)"),
    Bug("rnn-h0-every-step", "rnn", "rnn_forward", "rnn_step_forward(x[:, t], prev_h, Wx, Wh, b)",
        "rnn_step_forward(x[:, t], h0, Wx, Wh, b)"),
    Bug("rnn-dwh-overwritten", "rnn", "rnn_backward", "dWh += dWh_t", "dWh = dWh_t"),
    Bug("rnn-dh0-zeros", "rnn", "rnn_backward", "return dx, dprev_h, dWx, dWh, db",
        "return dx, np.zeros_like(dprev_h), dWx, dWh, db"),
    Bug("rnn-backward-forward-order", "rnn", "rnn_backward", "for t in range(T - 1, -1, -1):", "for t in range(T):"),
    Bug("embedding-assign", "rnn", "word_embedding_backward", "np.add.at(dW, x, dout)", "dW[x] = dout"),
    Bug("affine-db-batch-only", "rnn", "temporal_affine_backward", "db = dout.sum(axis=(0, 1))", "db = dout.sum(axis=0)"),
    Bug("loss-mean-nt", "rnn", "temporal_softmax_loss", "loss = -np.sum(mask_flat * log_probs[rows, y_flat]) / N",
        "loss = -np.sum(mask_flat * log_probs[rows, y_flat]) / (N * T)"),
    Bug("loss-no-onehot", "rnn", "temporal_softmax_loss", "    dx_flat[rows, y_flat] -= 1.0\n", ""),
    Bug("loss-unmasked", "rnn", "temporal_softmax_loss", "loss = -np.sum(mask_flat * log_probs[rows, y_flat]) / N",
        "loss = -np.sum(log_probs[rows, y_flat]) / N"),
    # ------------------------------------------------------------------------ lstm
    Bug("lstm-no-tanh-prime", "lstm", "lstm_step_backward", "dc = dnext_c + dnext_h * o * (1.0 - tanh_c ** 2)",
        "dc = dnext_c + dnext_h * o"),
    Bug("lstm-no-hidden-path", "lstm", "lstm_step_backward", "dc = dnext_c + dnext_h * o * (1.0 - tanh_c ** 2)",
        "dc = dnext_c"),
    Bug("lstm-dprev-c-no-f", "lstm", "lstm_step_backward", "dprev_c = dc * f", "dprev_c = dc"),
    Bug("lstm-f-derivative-as-tanh", "lstm", "lstm_step_backward", "da_f = dc * prev_c * f * (1.0 - f)",
        "da_f = dc * prev_c * (1.0 - f ** 2)"),
    Bug("lstm-gates-derivative-as-tanh", "lstm", "lstm_step_backward",
        "    da_i = dc * g * i * (1.0 - i)\n    da_f = dc * prev_c * f * (1.0 - f)\n"
        "    da_o = dnext_h * tanh_c * o * (1.0 - o)\n",
        "    da_i = dc * g * (1.0 - i ** 2)\n    da_f = dc * prev_c * (1.0 - f ** 2)\n"
        "    da_o = dnext_h * tanh_c * (1.0 - o ** 2)\n"),
    Bug("lstm-dprev-c-not-carried", "lstm", "lstm_backward", "dh[:, t] + dprev_h, dprev_c, step_caches[t])",
        "dh[:, t] + dprev_h, np.zeros((N, H)), step_caches[t])"),
    Bug("lstm-dprev-h-not-carried", "lstm", "lstm_backward", "dh[:, t] + dprev_h, dprev_c, step_caches[t])",
        "dh[:, t], dprev_c, step_caches[t])"),
    Bug("lstm-tanh-forget-gate", "lstm", "lstm_step_forward", "f = sigmoid(a[:, H:2 * H])", "f = np.tanh(a[:, H:2 * H])"),
    # ------------------------------------------------------------------------- gru
    Bug("gru-reset-before-matmul", "gru", "gru_step_forward", "n = np.tanh(xp[:, 2 * H:] + r * hn)",
        "n = np.tanh(xp[:, 2 * H:] + (r * prev_h) @ Wh[:, 2 * H:] + bh[2 * H:])"),
    Bug("gru-no-direct-path", "gru", "gru_step_backward", "dprev_h = dnext_h * z + dhp @ Wh.T", "dprev_h = dhp @ Wh.T"),
    Bug("gru-not-carried", "gru", "gru_backward", "gru_step_backward(dh[:, t] + dprev_h, step_caches[t])",
        "gru_step_backward(dh[:, t], step_caches[t])"),
    Bug("gru-dbh-from-dxp", "gru", "gru_step_backward", "dbh = dhp.sum(axis=0)", "dbh = dxp.sum(axis=0)"),
    # ------------------------------------------------------------------- gradients
    Bug("clip-value-upper-only", "gradients", "clip_grad_value", "np.clip(g, -clip_value, clip_value)",
        "np.minimum(g, clip_value)"),
    Bug("clip-norm-no-sqrt", "gradients", "clip_grad_norm", "float(np.sqrt(sum(np.sum(g ** 2) for g in grads.values())))",
        "float(sum(np.sum(g ** 2) for g in grads.values()))"),
    Bug("clip-norm-np-clip", "gradients", "clip_grad_norm", "clipped = {name: g * coef for name, g in grads.items()}",
        "clipped = {name: np.clip(g, -max_norm, max_norm) for name, g in grads.items()}"),
    Bug("grad-norms-frobenius", "gradients", "rnn_hidden_grad_norms", "np.linalg.norm(P, ord=2, axis=(1, 2))",
        "np.linalg.norm(P, axis=(1, 2))"),
    Bug("grad-norms-wh", "gradients", "rnn_hidden_grad_norms", "[:, :, None] * Wh.T", "[:, :, None] * Wh"),
    Bug("grad-norms-left", "gradients", "rnn_hidden_grad_norms", "P = P @ J", "P = J @ P"),
    # -------------------------------------------------------------------- training
    Bug("sgd-plus", "training", "sgd_step", "p - lr * grads[k]", "p + lr * grads[k]"),
    Bug("adam-no-bias-correction", "training", "adam_step",
        "        m_hat = m[k] / (1.0 - beta1 ** t)\n        v_hat = v[k] / (1.0 - beta2 ** t)\n",
        "        m_hat = m[k]\n        v_hat = v[k]\n"),
    # --------------------------------------------------------------- architectures
    Bug("softmax-loss-dscores-not-averaged", "architectures", "softmax_loss", "return float(loss), dscores / N",
        "return float(loss), dscores"),
    Bug("stacked-top-gradient-everywhere", "architectures", "stacked_backward", "rnn_backward(d, cache[l])",
        "rnn_backward(dh, cache[l])"),
    # -------------------------------------------------------------- language model
    Bug("lm-targets-not-shifted", "langmodel", "tbptt_batches", "targets = ids[start + 1]", "targets = ids[start]"),
    Bug("lm-embedding-grad-fancy-index", "langmodel", "lm_loss_and_grads", "np.add.at(dW_embed, x, demb)",
        "dW_embed[x] += demb"),
    Bug("lm-sample-no-temperature", "langmodel", "sample", "z = s / temperature", "z = s"),
    Bug("lm-perplexity-exp-of-sum", "langmodel", "heldout_perplexity", "np.exp(total / (B * N * T))",
        "np.exp(total)"),
)

#: The catalogued mistake each of these is (its every failed target item is diagnosed as it).
CATALOGUED = {
    "lm-targets-not-shifted": "lm-targets-not-shifted",
    "lm-embedding-grad-fancy-index": "lm-embedding-grad-repeated-ids",
    "lm-sample-no-temperature": "lm-sample-temperature-ignored",
    "lm-perplexity-exp-of-sum": "lm-perplexity-exp-of-sum",
}
