"""The language-model notebook: its shipped text, the training it promises (loss down, held-out
perplexity under a bound), and the gradient-flow picture (its helper is the reference's
||dL/dh_t||, and the picture shows what its markdown says).

The cells run in-process on the filled-in solutions, as in test_teaching; the full top-to-bottom run
(and its time) is test_execution's.
"""
from __future__ import annotations

import hashlib
import re

import numpy as np
import pytest

import reference
from tests.reference.numgrad import rel_error

from .nbtools import ROOT
from .test_teaching import _cell, _namespace, _nb, _run

FOLDER = ROOT / "solutions" / "langmodel"
VAL_PPL_BOUND = 25.0          # the run reaches about 16; an untrained model scores about V = 301


@pytest.fixture(scope="module")
def lm_run():
    """The notebook's namespace after its data, windows and training cells (cwd = the notebook's folder)."""
    import os

    nb = _nb("langmodel")
    ns = _namespace(nb)
    here = os.getcwd()
    os.chdir(FOLDER)
    try:
        text = "".join(_run(ns, _cell(nb, cid)) for cid in ("data-run", "windows-run", "train-lm"))
    finally:
        os.chdir(here)
    return nb, ns, text


def test_the_shipped_text_is_the_documented_file():
    readme = (FOLDER / "data" / "README.txt").read_text(encoding="utf-8")
    digest = hashlib.sha256((FOLDER / "data" / "constitution.txt").read_bytes()).hexdigest()
    assert re.search(r"SHA-256 ([0-9a-f]{64})", readme).group(1) == digest
    assert "konlpy/data/corpus/kolaw/constitution.txt" in readme and "제7조" in readme and "Article 7" in readme
    released = ROOT / "exercises" / "langmodel" / "data"
    for name in ("constitution.txt", "README.txt"):
        assert (released / name).read_bytes() == (FOLDER / "data" / name).read_bytes(), name


def test_training_lowers_the_loss_and_the_held_out_perplexity(lm_run):
    _, ns, text = lm_run
    history, V = ns["lm_history"], ns["V"]
    assert V == 301 and ns["train_x"].shape[1:] == (32, 32)
    val = history["val_ppl"]
    assert abs(val[0] - V) < 0.05 * V, "an untrained model is close to uniform: perplexity about V"
    assert val[-1] < VAL_PPL_BOUND, text
    assert all(b < a for a, b in zip(history["train_ppl"], history["train_ppl"][1:])), history["train_ppl"]
    windows = len(ns["train_x"])
    first, last = np.mean(history["loss"][:windows]), np.mean(history["loss"][-windows:])
    assert last < first - 1.0, (first, last)
    # held out means held out: the windows the model never trained on do worse than those it did
    assert val[-1] > history["train_ppl"][-1]


def test_generation_follows_the_temperature(lm_run):
    _, ns, _ = lm_run
    lm, h0, c0 = ns["lm"], np.zeros((4, ns["HIDDEN"])), np.zeros((4, ns["HIDDEN"]))
    greedy = ns["sample"](lm, h0, c0, 1, 40, 0.0, 0)
    assert np.array_equal(greedy, reference.sample(lm, h0, c0, 1, 40, 0.0, 0))
    assert np.array_equal(ns["sample"](lm, h0, c0, 1, 40, 1.0, 5), reference.sample(lm, h0, c0, 1, 40, 1.0, 5))
    distinct = [len(np.unique(ns["sample"](lm, h0, c0, 1, 200, t, 0))) for t in (0.5, 1.0, 1.5)]
    assert distinct[0] < distinct[1] < distinct[2], distinct   # a hotter temperature uses more characters


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_gradient_flow_helper_is_the_reference(cell, lm_run):
    """The provided helper, over the (solution) step functions, gives the reference's ||dL/dh_t|| and gradients."""
    _, ns, _ = lm_run
    rng = np.random.default_rng(11)
    X, y = ns["adding_problem"](5, 9, rng)
    params = ns["init_cell_params"](cell, 2, 6, rng)
    params = {k: v + 0.3 * rng.standard_normal(v.shape) for k, v in params.items()}
    loss, grads, norms = ns["adding_grads"](cell, params, X, y)
    assert rel_error(norms, reference.hidden_grad_norms(X, y, params, cell)) < 1e-12
    scores, cache = reference.many_to_one_forward(X, np.zeros((5, 6)), params, cell)
    ref_loss, dpred = reference.mse_loss(scores[:, 0], y)
    _, _, ref_grads = reference.many_to_one_backward(dpred[:, None], cache)
    assert abs(loss - ref_loss) < 1e-12
    for k in params:
        assert rel_error(grads[k], ref_grads[k]) < 1e-10, k


def test_gradient_flow_picture_shows_what_its_markdown_says(lm_run):
    nb, ns, _ = lm_run
    import matplotlib.pyplot as plt

    text = _run(ns, _cell(nb, "flow-run"))
    plt.close("all")
    ratio = {}
    for cell, (flow, losses) in ns["flows"].items():
        assert flow.shape == (ns["FLOW_STEPS"], ns["T_FLOW"]) and np.all(flow > 0)
        first, last = flow[:20].mean(axis=0), flow[-20:].mean(axis=0)
        ratio[cell] = (first[0] / first[-1], last[0] / last[-1], losses[-20:].mean())
    reading = _cell(nb, "md-flow-read").source
    assert "그림 읽기" in reading and "reading the picture" in reading   # one sentence in each language
    # at the start all three lose orders of magnitude back through time
    assert all(r[0] < 1e-2 for r in ratio.values()), (ratio, text)
    # the gated cells learn to keep it, and learn the task; the vanilla RNN does neither
    assert ratio["rnn"][1] < 1e-3 and ratio["rnn"][2] > 0.12, (ratio, text)
    for cell in ("lstm", "gru"):
        assert ratio[cell][1] > 1e-2 and ratio[cell][1] > 100 * ratio["rnn"][1], (ratio, text)
        assert ratio[cell][2] < 0.05, (ratio, text)
