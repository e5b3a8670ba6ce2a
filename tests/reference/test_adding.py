"""reference.adding: the data generator, the MSE loss and the trainer.

The training runs are small (CI-sized) but real: fixed seeds, fresh test data, and the
claims of the lecture — gated cells bridge 50 steps, the vanilla RNN does not bridge 100
(yet learns the same task over 10 steps, so the failure is the lag, not the code).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from reference import adding_problem, mse_loss, train_adding
from tests.reference.numgrad import call_unmutated, eval_numerical_gradient_array, rel_error
from tests.reference.torch_convert import to_np, to_t


# --------------------------------------------------------------------------- data

@pytest.mark.parametrize("T", [2, 3, 10, 51])
def test_adding_problem_structure(T):
    X, y = adding_problem(500, T, 0)
    assert X.shape == (500, T, 2) and y.shape == (500,)
    assert X.dtype == np.float64 and y.dtype == np.float64
    values, markers = X[:, :, 0], X[:, :, 1]
    assert np.all((values >= 0) & (values < 1))
    assert set(np.unique(markers)) <= {0.0, 1.0}
    half = T // 2
    assert np.all(markers[:, :half].sum(axis=1) == 1)      # one marker in [0, T//2)
    assert np.all(markers[:, half:].sum(axis=1) == 1)      # one in [T//2, T)
    assert np.allclose(y, (values * markers).sum(axis=1), rtol=1e-15, atol=0)


def test_adding_problem_draws_in_the_documented_order():
    """A student's generator is graded against the reference from the same seed."""
    n, T = 6, 9
    rng = np.random.default_rng(42)
    values = rng.random((n, T))
    first = rng.integers(0, T // 2, size=n)
    second = rng.integers(T // 2, T, size=n)
    X, y = adding_problem(n, T, 42)
    assert np.array_equal(X[:, :, 0], values)
    assert np.array_equal(np.nonzero(X[:, :, 1])[1].reshape(n, 2), np.stack([first, second], 1))
    assert np.array_equal(y, values[np.arange(n), first] + values[np.arange(n), second])


def test_adding_problem_seeds_and_generators():
    a = adding_problem(4, 8, 7)
    b = adding_problem(np.array(4), np.array(8), np.array(7))   # as the grader's protocol sends ints
    assert all(np.array_equal(u, v) for u, v in zip(a, b))
    gen = np.random.default_rng(7)
    first = adding_problem(4, 8, gen)
    second = adding_problem(4, 8, gen)                      # the generator advances
    assert all(np.array_equal(u, v) for u, v in zip(first, a))
    assert not np.array_equal(first[0], second[0])
    with pytest.raises(ValueError):
        adding_problem(4, 1, 0)


def test_markers_cover_both_halves_uniformly():
    T = 10
    X, _ = adding_problem(20000, T, 1)
    counts = X[:, :, 1].sum(axis=0)                        # each step: 20000 / 5 expected
    assert np.all(np.abs(counts - 4000) < 5 * np.sqrt(4000))


def test_predicting_one_has_mse_one_sixth():
    """y = u1 + u2 with u ~ U(0, 1): mean 1, variance 2/12."""
    _, y = adding_problem(200_000, 20, 2)
    assert abs(y.mean() - 1.0) < 0.005
    assert abs(np.mean((y - 1.0) ** 2) - 1 / 6) < 0.003


# --------------------------------------------------------------------------- loss

def test_mse_loss_matches_torch_and_finite_differences():
    rng = np.random.default_rng(3)
    pred, y = rng.standard_normal(9), rng.standard_normal(9)
    loss, dpred = call_unmutated(mse_loss, pred, y)
    pt = to_t(pred, True)
    ref = torch.nn.functional.mse_loss(pt, to_t(y))
    ref.backward()
    assert isinstance(loss, float)
    assert abs(loss - ref.item()) <= 1e-14 * ref.item()
    assert rel_error(dpred, to_np(pt.grad)) < 1e-12
    num = eval_numerical_gradient_array(lambda p: np.array(mse_loss(p, y)[0]), pred.copy(),
                                        np.float64(1.0), h=1e-6)
    assert rel_error(dpred, num) < 1e-7


# --------------------------------------------------------------------------- trainer (cheap)

@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_train_adding_history_and_determinism(cell):
    h1 = train_adding(cell, T=6, steps=5, hidden=4, batch=8, seed=3, test_size=50)
    h2 = train_adding(cell, T=6, steps=5, hidden=4, batch=8, seed=3, test_size=50)
    assert set(h1) == {"train_loss", "grad_norm", "test_mse", "baseline_mse", "params"}
    assert h1["train_loss"].shape == h1["grad_norm"].shape == (5,)
    assert np.all(np.isfinite(h1["train_loss"])) and np.all(h1["grad_norm"] > 0)
    assert isinstance(h1["test_mse"], float) and isinstance(h1["baseline_mse"], float)
    assert h1["params"]["W_out"].shape == (4, 1) and h1["params"]["b_out"].shape == (1,)
    for k in ("train_loss", "grad_norm"):
        assert np.array_equal(h1[k], h2[k])
    assert h1["test_mse"] == h2["test_mse"]
    h3 = train_adding(cell, T=6, steps=5, hidden=4, batch=8, seed=4, test_size=50)
    assert not np.array_equal(h1["train_loss"], h3["train_loss"])


def test_train_adding_first_loss_is_the_untrained_model_on_the_first_batch():
    """train_loss[0] is measured before any update, and the LSTM forget bias starts at 1."""
    hist = train_adding("lstm", T=5, steps=1, hidden=3, batch=4, lr=0.0, seed=0, test_size=4)
    p = hist["params"]                                     # lr = 0: still the initial weights
    assert np.all(p["b"][3:6] == 1.0)
    init_ss, train_ss, _ = np.random.SeedSequence(0).spawn(3)
    X, y = adding_problem(4, 5, np.random.default_rng(train_ss))
    # an independent LSTM in torch, from the cell equations (reference/lstm.py's docstring)
    h = torch.zeros(4, 3, dtype=torch.float64)
    c = torch.zeros_like(h)
    for t in range(5):
        i, f, o, g = (to_t(X[:, t]) @ to_t(p["Wx"]) + h @ to_t(p["Wh"]) + to_t(p["b"])).split(3, 1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
    pred = to_np(h @ to_t(p["W_out"]) + to_t(p["b_out"]))[:, 0]
    assert abs(hist["train_loss"][0] - np.mean((pred - y) ** 2)) < 1e-12


def test_clipping_bounds_the_update():
    """With clip, Adam's input gradient is rescaled; without, grad_norm is still reported."""
    clipped = train_adding("rnn", T=8, steps=3, hidden=4, batch=8, seed=1, clip=1e-3, test_size=10)
    free = train_adding("rnn", T=8, steps=3, hidden=4, batch=8, seed=1, clip=None, test_size=10)
    # identical first step (same init and batch), and the reported norm is pre-clipping
    assert clipped["train_loss"][0] == free["train_loss"][0]
    assert clipped["grad_norm"][0] == pytest.approx(free["grad_norm"][0], rel=1e-12)
    assert clipped["grad_norm"][0] > 1e-3
    with pytest.raises(ValueError):
        train_adding("transformer", T=8, steps=1)


# --------------------------------------------------------------------------- trainer (real runs)

ROOT = Path(__file__).resolve().parents[2]
_CHILD = """
import json, sys
from reference.adding import train_adding
h = train_adding(**json.loads(sys.argv[1]))
print(json.dumps({"test_mse": h["test_mse"], "baseline_mse": h["baseline_mse"],
                  "train_loss": h["train_loss"].tolist()}))
"""


def train_single_threaded(**kwargs):
    """train_adding in a child process whose BLAS runs on one thread.

    The per-step matrices are tiny; a multi-threaded OpenBLAS on an oversubscribed
    machine (pytest -n 2 on 2 cores) spends ~10x longer waking threads than computing.
    The environment variable only takes effect before numpy is loaded, hence the child.
    """
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-c", _CHILD, json.dumps(kwargs)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    out["train_loss"] = np.array(out["train_loss"])
    return out


@pytest.mark.slow
class TestAddingProblemTraining:
    """The slowest reference tests: real training runs (marked slow)."""

    @pytest.mark.parametrize("cell,steps,seed", [("lstm", 600, 1), ("gru", 400, 0)])
    def test_gated_cells_solve_T50(self, cell, steps, seed):
        hist = train_single_threaded(cell=cell, T=50, steps=steps, seed=seed)
        assert hist["baseline_mse"] > 0.1
        assert hist["test_mse"] < 0.01, hist["test_mse"]
        assert np.mean(hist["train_loss"][-50:]) < 0.01

    def test_vanilla_rnn_stays_at_the_baseline_for_T100(self):
        hist = train_single_threaded(cell="rnn", T=100, steps=600, seed=0)
        assert hist["test_mse"] > 0.1, hist["test_mse"]
        assert hist["test_mse"] > 0.6 * hist["baseline_mse"]

    def test_vanilla_rnn_learns_short_lags(self):
        """Control: the same trainer and budget solve T = 10 with the vanilla RNN."""
        hist = train_single_threaded(cell="rnn", T=10, steps=600, seed=2)
        assert hist["test_mse"] < 0.05, hist["test_mse"]
