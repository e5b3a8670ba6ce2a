"""RNN Lab trusted reference: numpy implementations of everything students implement.

Every function students implement is importable from here (``from reference import
lstm_step_backward``), with exactly the student API's signatures and return orders.
Conventions: batch-major (N, T, D), row vectors (``x @ Wx``), float64; every forward
returns ``(out, cache)`` and its backward takes ``(dout, cache)``; caches are plain
tuples/dicts; no function modifies its inputs. As in CS231n, a cache holds references
to the forward's inputs and may share memory with its outputs (e.g. the hidden states):
treat both as read-only until the matching backward has run.

Modules:
- ``layers``: word embedding, temporal affine, temporal softmax loss, and the shared
  numerically stable helpers ``sigmoid``, ``softmax``, ``log_softmax`` that the other
  reference modules import (``from .layers import sigmoid``).
- ``rnn``, ``lstm`` (gate blocks [i | f | o | g]), ``gru`` (blocks [r | z | n]; keyword
  ``form="pytorch"`` (default, torch.nn.GRUCell) or ``form="textbook"``).
- ``clipping``: clip_grad_value, clip_grad_norm (torch semantics, no in-place change).
- ``gradient_flow``, ``architectures``, ``optim``, ``adding``, ``langmodel`` (the character-level
  language model and the adding problem's ||dL/dh_t||): re-exported wholesale.

Proven against torch autograd and finite differences in tests/reference/.
"""

from .layers import (
    sigmoid,
    softmax,
    log_softmax,
    word_embedding_forward,
    word_embedding_backward,
    temporal_affine_forward,
    temporal_affine_backward,
    temporal_softmax_loss,
    perplexity,
)
from .rnn import (
    rnn_step_forward,
    rnn_step_backward,
    rnn_forward,
    rnn_backward,
)
from .lstm import (
    lstm_step_forward,
    lstm_step_backward,
    lstm_forward,
    lstm_backward,
)
from .gru import (
    GRU_FORMS,
    gru_step_forward,
    gru_step_backward,
    gru_forward,
    gru_backward,
)
from .clipping import clip_grad_value, clip_grad_norm

from . import gradient_flow, architectures, optim, adding, langmodel
from .gradient_flow import *  # noqa: F403
from .architectures import *  # noqa: F403
from .optim import *  # noqa: F403
from .adding import *  # noqa: F403
from .langmodel import *  # noqa: F403

__all__ = [
    "sigmoid", "softmax", "log_softmax",
    "word_embedding_forward", "word_embedding_backward",
    "temporal_affine_forward", "temporal_affine_backward",
    "temporal_softmax_loss", "perplexity",
    "rnn_step_forward", "rnn_step_backward", "rnn_forward", "rnn_backward",
    "lstm_step_forward", "lstm_step_backward", "lstm_forward", "lstm_backward",
    "GRU_FORMS", "gru_step_forward", "gru_step_backward", "gru_forward", "gru_backward",
    "clip_grad_value", "clip_grad_norm",
]
for _module in (gradient_flow, architectures, optim, adding, langmodel):
    __all__ += [name for name in _module.__all__ if name not in __all__]
del _module
