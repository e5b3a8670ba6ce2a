"""`autograder similarity`: planted copies are found, honest students (different correct code) are not."""
from __future__ import annotations

import csv
from pathlib import Path

import nbformat
import numpy as np
import pytest

from autograder.cli import main
from autograder.engine.course import load_course
from autograder.integrations.similarity import find_similar, normalise, pairs

ROOT = Path(__file__).resolve().parents[2]

# ---------------------------------------------------------------- three honest students, each their own way

HONEST_A = {
    "rnn_forward": '''
def rnn_forward(x, h0, Wx, Wh, b):
    """Run a vanilla RNN forward over the whole sequence."""
    N, T, D = x.shape
    states = []
    prev = h0
    for t in range(T):
        prev = np.tanh(x[:, t, :] @ Wx + prev @ Wh + b)
        states.append(prev)
    h = np.stack(states, axis=1)
    cache = (x, h0, Wx, Wh, h)
    return h, cache
''',
    "rnn_backward": '''
def rnn_backward(dh, cache):
    """Backward pass for a vanilla RNN over an entire sequence of data."""
    x, h0, Wx, Wh, h = cache
    N, T, D = x.shape
    dx = np.zeros_like(x)
    dWx = np.zeros_like(Wx)
    dWh = np.zeros_like(Wh)
    db = np.zeros(Wh.shape[0])
    carry = np.zeros_like(h0)
    for t in reversed(range(T)):
        prev = h[:, t - 1, :] if t > 0 else h0
        da = (dh[:, t, :] + carry) * (1 - h[:, t, :] ** 2)
        dx[:, t, :] = da @ Wx.T
        dWx += x[:, t, :].T @ da
        dWh += prev.T @ da
        db += da.sum(axis=0)
        carry = da @ Wh.T
    return dx, carry, dWx, dWh, db
''',
    "temporal_softmax_loss": '''
def temporal_softmax_loss(x, y, mask):
    """A temporal version of softmax loss."""
    N, T, V = x.shape
    flat = x.reshape(N * T, V)
    labels = y.reshape(N * T)
    keep = mask.reshape(N * T)
    shifted = flat - flat.max(axis=1, keepdims=True)
    probs = np.exp(shifted)
    probs /= probs.sum(axis=1, keepdims=True)
    loss = -np.sum(keep * np.log(probs[np.arange(N * T), labels])) / N
    dflat = probs.copy()
    dflat[np.arange(N * T), labels] -= 1
    dflat *= keep[:, None] / N
    return loss, dflat.reshape(N, T, V)
''',
}

HONEST_B = {
    "rnn_forward": '''
def rnn_forward(x, h0, Wx, Wh, b):
    xw = np.einsum("ntd,dh->nth", x, Wx) + b
    h = np.empty(xw.shape)
    state = h0
    for step in range(xw.shape[1]):
        state = np.tanh(xw[:, step] + state.dot(Wh))
        h[:, step] = state
    return h, {"x": x, "h0": h0, "Wx": Wx, "Wh": Wh, "h": h}
''',
    "rnn_backward": '''
def rnn_backward(dh, cache):
    x, Wh, h = cache["x"], cache["Wh"], cache["h"]
    hprev = np.concatenate([cache["h0"][:, None, :], h[:, :-1]], axis=1)
    dpre = np.zeros_like(h)
    running = np.zeros(cache["h0"].shape)
    for step in range(h.shape[1] - 1, -1, -1):
        g = dh[:, step] + running
        dpre[:, step] = g * (1.0 - np.square(h[:, step]))
        running = dpre[:, step].dot(Wh.T)
    dx = np.einsum("nth,dh->ntd", dpre, cache["Wx"])
    dWx = np.einsum("ntd,nth->dh", x, dpre)
    dWh = np.einsum("nti,ntj->ij", hprev, dpre)
    db = dpre.sum(axis=(0, 1))
    return dx, running, dWx, dWh, db
''',
    "temporal_softmax_loss": '''
def temporal_softmax_loss(x, y, mask):
    n = x.shape[0]
    m = np.max(x, axis=2, keepdims=True)
    logz = m + np.log(np.sum(np.exp(x - m), axis=2, keepdims=True))
    logp = x - logz
    onehot = np.eye(x.shape[2])[y]
    picked = np.sum(logp * onehot, axis=2)
    loss = -np.sum(picked * mask) / n
    dx = (np.exp(logp) - onehot) * mask[..., None] / n
    return loss, dx
''',
}

HONEST_C = {
    "rnn_forward": '''
def rnn_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H))
    t = 0
    current = h0.copy()
    while t < T:
        a = x[:, t].dot(Wx) + current.dot(Wh) + b[None, :]
        current = np.tanh(a)
        h[:, t] = current
        t += 1
    return h, [x, h0, Wx, Wh, h]
''',
    "rnn_backward": '''
def rnn_backward(dh, cache):
    x, h0, Wx, Wh, h = cache
    N, T, D = x.shape
    H = h0.shape[1]
    grads_pre = np.zeros((N, T, H))
    back = np.zeros((N, H))
    t = T - 1
    while t >= 0:
        total = dh[:, t] + back
        grads_pre[:, t] = total - total * h[:, t] * h[:, t]
        back = grads_pre[:, t] @ Wh.T
        t -= 1
    inputs_prev = np.concatenate((h0.reshape(N, 1, H), h[:, : T - 1]), axis=1)
    flat = grads_pre.reshape(N * T, H)
    dx = (flat @ Wx.T).reshape(N, T, D)
    dWx = x.reshape(N * T, D).T @ flat
    dWh = inputs_prev.reshape(N * T, H).T @ flat
    db = flat.sum(0)
    return dx, back, dWx, dWh, db
''',
    "temporal_softmax_loss": '''
def temporal_softmax_loss(x, y, mask):
    N, T, V = x.shape
    loss = 0.0
    dx = np.zeros_like(x)
    for t in range(T):
        scores = x[:, t] - np.max(x[:, t], axis=1)[:, None]
        e = np.exp(scores)
        p = e / e.sum(axis=1)[:, None]
        idx = (np.arange(N), y[:, t])
        loss -= np.sum(np.log(p[idx]) * mask[:, t])
        p[idx] -= 1.0
        dx[:, t] = p * mask[:, t][:, None]
    return loss / N, dx / N
''',
}

# ---------------------------------------------------------------- planted copies

# A's code: variables renamed, independent lines reordered, comments and docstrings rewritten
COPY_OF_A = {
    "rnn_forward": '''
def rnn_forward(x, h0, Wx, Wh, b):
    """My forward pass."""
    hs = []
    N, T, D = x.shape
    hidden = h0
    for step in range(T):
        # the new hidden state
        hidden = np.tanh(x[:, step, :] @ Wx + hidden @ Wh + b)
        hs.append(hidden)
    out = np.stack(hs, axis=1)
    memo = (x, h0, Wx, Wh, out)
    return out, memo
''',
    "rnn_backward": '''
def rnn_backward(dh, cache):
    # backprop through time, written by me
    inp, h_init, W_in, W_rec, hs = cache
    N, T, D = inp.shape
    dW_rec = np.zeros_like(W_rec)
    dinp = np.zeros_like(inp)
    dbias = np.zeros(W_rec.shape[0])
    dW_in = np.zeros_like(W_in)
    nxt = np.zeros_like(h_init)
    for t in reversed(range(T)):
        before = hs[:, t - 1, :] if t > 0 else h_init
        g = (dh[:, t, :] + nxt) * (1 - hs[:, t, :] ** 2)
        dW_in += inp[:, t, :].T @ g  # input weights
        dinp[:, t, :] = g @ W_in.T
        dbias += g.sum(axis=0)
        dW_rec += before.T @ g
        nxt = g @ W_rec.T
    note = "</pre><script>alert('copied')</script>"
    return dinp, nxt, dW_in, dW_rec, dbias
''',
    "temporal_softmax_loss": '''
def temporal_softmax_loss(x, y, mask):
    N, T, V = x.shape
    scores = x.reshape(N * T, V)
    target = y.reshape(N * T)
    m = mask.reshape(N * T)
    z = scores - scores.max(axis=1, keepdims=True)  # stability
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    loss = -np.sum(m * np.log(p[np.arange(N * T), target])) / N
    grad = p.copy()
    grad[np.arange(N * T), target] -= 1
    grad *= m[:, None] / N
    return loss, grad.reshape(N, T, V)
''',
}

# B's RNN (both functions), renamed; the softmax loss left as the stub
COPY_OF_B = {
    "rnn_forward": '''
def rnn_forward(x, h0, Wx, Wh, b):
    proj = np.einsum("ntd,dh->nth", x, Wx) + b
    H_all = np.empty(proj.shape)
    s = h0
    for k in range(proj.shape[1]):
        s = np.tanh(proj[:, k] + s.dot(Wh))
        H_all[:, k] = s
    return H_all, {"x": x, "h0": h0, "Wx": Wx, "Wh": Wh, "h": H_all}
''',
    "rnn_backward": '''
def rnn_backward(dh, cache):
    # gradient of everything
    x, Wh, H_all = cache["x"], cache["Wh"], cache["h"]
    H_prev = np.concatenate([cache["h0"][:, None, :], H_all[:, :-1]], axis=1)
    d_a = np.zeros_like(H_all)
    flow = np.zeros(cache["h0"].shape)
    for k in range(H_all.shape[1] - 1, -1, -1):
        upstream = dh[:, k] + flow
        d_a[:, k] = upstream * (1.0 - np.square(H_all[:, k]))
        flow = d_a[:, k].dot(Wh.T)
    dx = np.einsum("nth,dh->ntd", d_a, cache["Wx"])
    dWx = np.einsum("ntd,nth->dh", x, d_a)
    db = d_a.sum(axis=(0, 1))
    dWh = np.einsum("nti,ntj->ij", H_prev, d_a)
    return dx, flow, dWx, dWh, db
''',
}

CLASS = {"honest-a": HONEST_A, "honest-b": HONEST_B, "honest-c": HONEST_C,
         "copier-of-a": COPY_OF_A, "<em>copier-of-b&co": COPY_OF_B, "stub-only": {}}


def _fill(exercise: Path, target: Path, functions: dict[str, str]) -> None:
    nb = nbformat.read(str(exercise), as_version=4)
    for cell in nb.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in functions:
            cell.source = functions[grade_id].strip("\n")
    target.parent.mkdir(parents=True)
    nbformat.write(nb, str(target))


@pytest.fixture(scope="module")
def submitted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("class") / "submitted"
    for student, functions in CLASS.items():
        _fill(ROOT / "exercises/rnn/rnn.ipynb", folder / student / "rnn" / "rnn.ipynb", functions)
    return folder


@pytest.fixture(scope="module")
def course():
    return load_course(ROOT / "course.yaml")


@pytest.mark.parametrize("student", ["honest-a", "honest-b", "honest-c", "copier-of-a", "<em>copier-of-b&co"])
def test_every_planted_solution_is_correct(student):
    """Honest and copied code alike computes what the reference computes (so 'honest' means 'correct')."""
    import reference

    namespace = {"np": np}
    for source in CLASS[student].values():
        exec(source, namespace)  # noqa: S102 - test fixtures
    rng = np.random.default_rng(0)
    x, h0 = rng.normal(size=(3, 5, 4)), rng.normal(size=(3, 6))
    Wx, Wh, b = rng.normal(size=(4, 6)) * 0.5, rng.normal(size=(6, 6)) * 0.5, rng.normal(size=6)
    h, cache = namespace["rnn_forward"](x, h0, Wx, Wh, b)
    ref_h, ref_cache = reference.rnn_forward(x, h0, Wx, Wh, b)
    np.testing.assert_allclose(h, ref_h, rtol=1e-10)
    dh = rng.normal(size=h.shape)
    for mine, theirs in zip(namespace["rnn_backward"](dh, cache), reference.rnn_backward(dh, ref_cache)):
        np.testing.assert_allclose(mine, theirs, rtol=1e-9, atol=1e-12)
    if "temporal_softmax_loss" in namespace:
        scores, y, mask = rng.normal(size=(3, 5, 7)), rng.integers(0, 7, size=(3, 5)), rng.random((3, 5)) < 0.7
        for mine, theirs in zip(namespace["temporal_softmax_loss"](scores, y, mask),
                                reference.temporal_softmax_loss(scores, y, mask)):
            np.testing.assert_allclose(mine, theirs, rtol=1e-10)


def test_planted_copies_are_found_and_honest_students_are_not(submitted, course):
    report = find_similar(course, submitted, ["rnn"])
    found = {(p["a"], p["b"]): sorted(m.function for m in p["matches"]) for p in pairs(report)}
    assert found == {
        ("copier-of-a", "honest-a"): ["rnn_backward", "rnn_forward", "temporal_softmax_loss"],
        ("<em>copier-of-b&co", "honest-b"): ["rnn_backward", "rnn_forward"],
    }
    assert report.students == len(CLASS) and report.skipped == []


def test_command_writes_an_escaped_html_page_and_a_csv(submitted, course, tmp_path, capsys):
    out = tmp_path / "similarity"
    assert main(["--course", str(course.path), "similarity", str(submitted), "--out", str(out),
                 "--assignment", "rnn"]) == 0
    printed = capsys.readouterr().out
    assert "6 student(s)" in printed and "2 pair(s) of students with similar solutions" in printed
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "<script>" not in page and "<em>copier" not in page  # student-controlled text is escaped
    assert "&lt;script&gt;" in page and "&lt;em&gt;copier-of-b&amp;co" in page
    assert "<mark>" in page  # the matching code is highlighted
    rows = list(csv.DictReader(open(out / "pairs.csv", encoding="utf-8")))
    assert {(r["student_a"], r["student_b"]) for r in rows} == {("copier-of-a", "honest-a"),
                                                                ("<em>copier-of-b&co", "honest-b")}


def test_stubs_and_docstrings_are_not_code_of_ones_own(course, tmp_path):
    """Two students who only rewrote docstrings and comments of the stubs share nothing."""
    folder = tmp_path / "submitted"
    stub = '''def rnn_backward(dh, cache):
    """{doc}"""
    # {comment}
    raise NotImplementedError()'''
    for i, student in enumerate(["x1", "x2"]):
        _fill(ROOT / "exercises/rnn/rnn.ipynb", folder / student / "rnn" / "rnn.ipynb",
              {"rnn_backward": stub.format(doc="A long explanation of backpropagation through time " * 3,
                                           comment="the same long comment in both notebooks " * 3)})
    report = find_similar(course, folder, ["rnn"], min_tokens=1)
    assert report.matches == []
    assert "NotImplementedError" in normalise(stub) and "explanation" not in normalise(stub.format(doc="explanation",
                                                                                                   comment="c"))


def test_bad_arguments_are_clear(course, tmp_path, capsys):
    assert main(["--course", str(course.path), "similarity", str(tmp_path / "nope"), "--out", str(tmp_path)]) == 2
    assert "no such folder" in capsys.readouterr().err
    (tmp_path / "sub").mkdir()
    assert main(["--course", str(course.path), "similarity", str(tmp_path / "sub"), "--out", str(tmp_path),
                 "--threshold", "7"]) == 2
    assert "between 0 and 1" in capsys.readouterr().err
