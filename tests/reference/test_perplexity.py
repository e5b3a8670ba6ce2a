"""reference.perplexity against torch: exp of the mean cross-entropy over the unmasked tokens."""

import numpy as np
import torch
import torch.nn.functional as F
from hypothesis import given, settings, strategies as st

from reference import perplexity, temporal_softmax_loss
from tests.reference.numgrad import call_unmutated, rel_error
from tests.reference.torch_convert import to_t


@settings(max_examples=25, deadline=None, derandomize=True)
@given(N=st.integers(1, 4), T=st.integers(1, 6), V=st.integers(2, 9), scale=st.sampled_from([0.1, 1.0, 5.0]),
       seed=st.integers(0, 2**32 - 1))
def test_perplexity_matches_torch(N, T, V, scale, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, T, V)) * scale
    y = rng.integers(0, V, size=(N, T))
    mask = rng.random((N, T)) < 0.6
    mask.flat[rng.integers(mask.size)] = True  # at least one predicted token
    loss, _ = temporal_softmax_loss(x, y, mask)
    ppl = call_unmutated(perplexity, loss, mask)
    # torch: the mean cross-entropy of the unmasked tokens only, then exp
    keep = torch.from_numpy(mask.reshape(-1))
    ce = F.cross_entropy(to_t(x).reshape(-1, V)[keep], torch.from_numpy(y.reshape(-1))[keep], reduction="mean")
    assert isinstance(ppl, float)
    assert rel_error(ppl, float(torch.exp(ce))) < 1e-12


def test_a_uniform_model_has_perplexity_V_and_a_perfect_one_1():
    rng = np.random.default_rng(0)
    N, T, V = 3, 5, 7
    y = rng.integers(0, V, size=(N, T))
    mask = rng.random((N, T)) < 0.7
    loss, _ = temporal_softmax_loss(np.zeros((N, T, V)), y, mask)
    assert abs(perplexity(loss, mask) - V) < 1e-12
    perfect = np.where(np.arange(V) == y[..., None], 50.0, -50.0)
    loss, _ = temporal_softmax_loss(perfect, y, mask)
    assert abs(perplexity(loss, mask) - 1.0) < 1e-12


def test_padding_changes_nothing():
    # a masked step counts neither in the loss nor in the number of tokens
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((2, 4, 5)), rng.integers(0, 5, size=(2, 4))
    mask = np.ones((2, 4), dtype=bool)
    padded_x = np.concatenate([x, rng.standard_normal((2, 3, 5))], axis=1)
    padded_y = np.concatenate([y, rng.integers(0, 5, size=(2, 3))], axis=1)
    padded_mask = np.concatenate([mask, np.zeros((2, 3), dtype=bool)], axis=1)
    assert abs(perplexity(temporal_softmax_loss(x, y, mask)[0], mask)
               - perplexity(temporal_softmax_loss(padded_x, padded_y, padded_mask)[0], padded_mask)) < 1e-12
