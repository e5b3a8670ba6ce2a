"""`autograder similarity`: planted copies are found, honest students (different correct code) are not."""
from __future__ import annotations

import csv
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

from autograder.cli import main
from autograder.grading.course import load_course
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
        exec(source, namespace)  # test fixtures
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
# ---------------------------------------------------------------- a class of twelve, written as students write

# Twelve honest students' rnn_step_forward, rnn_step_backward, rnn_forward and rnn_backward, each
# consistent with their own cache.  Several write the same idioms (the tanh line, the step loop,
# `dh[:, t, :] + dprev`), as a real class does; two honest students are copied, renamed and reordered.
STEP_FORWARD = {
    "h01": """
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
    cache = (x, prev_h, Wx, Wh, next_h)
    return next_h, cache""",
    "h02": """
    a = np.dot(x, Wx) + np.dot(prev_h, Wh) + b
    next_h = np.tanh(a)
    cache = (x, prev_h, Wx, Wh, a, next_h)
    return next_h, cache""",
    "h03": """
    pre = x.dot(Wx) + prev_h.dot(Wh) + b
    next_h = np.tanh(pre)
    return next_h, {"x": x, "prev_h": prev_h, "Wx": Wx, "Wh": Wh, "next_h": next_h}""",
    "h04": """
    z = b + prev_h @ Wh + x @ Wx
    next_h = np.tanh(z)
    cache = x, prev_h, Wx, Wh, next_h
    return next_h, cache""",
    "h05": """
    next_h = np.tanh(np.matmul(x, Wx) + np.matmul(prev_h, Wh) + b[np.newaxis, :])
    cache = [x, prev_h, Wx, Wh, next_h]
    return next_h, cache""",
    "h06": """
    stacked_in = np.hstack([x, prev_h])
    stacked_W = np.vstack([Wx, Wh])
    next_h = np.tanh(stacked_in @ stacked_W + b)
    cache = (stacked_in, stacked_W, next_h, x.shape[1])
    return next_h, cache""",
    "h07": """
    affine = x @ Wx
    affine += prev_h @ Wh
    affine += b
    next_h = np.tanh(affine)
    cache = (x, prev_h, Wx, Wh, next_h)
    return next_h, cache""",
    "h08": """
    next_h = np.tanh(x.dot(Wx) + prev_h.dot(Wh) + b)
    cache = (x, prev_h, Wx, Wh, next_h)
    return next_h, cache""",
    "h09": """
    hidden_in = x @ Wx
    hidden_rec = prev_h @ Wh
    next_h = np.tanh(hidden_in + hidden_rec + b)
    cache = (x, prev_h, Wx, Wh, next_h)
    return next_h, cache""",
    "h10": """
    s = x @ Wx + prev_h @ Wh + b
    next_h = np.tanh(s)
    cache = (x, prev_h, Wx, Wh, s)
    return next_h, cache""",
    "h11": """
    next_h = np.tanh(prev_h @ Wh + x @ Wx + b)
    cache = (x, prev_h, Wx, Wh, next_h)
    return next_h, cache""",
    "h12": """
    N = x.shape[0]
    bias = np.tile(b, (N, 1))
    next_h = np.tanh(np.dot(x, Wx) + np.dot(prev_h, Wh) + bias)
    cache = (x, prev_h, Wx, Wh, next_h)
    return next_h, cache""",
}

STEP_BACKWARD = {
    "h01": """
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1 - next_h ** 2)
    dx = da @ Wx.T
    dprev_h = da @ Wh.T
    dWx = x.T @ da
    dWh = prev_h.T @ da
    db = da.sum(axis=0)
    return dx, dprev_h, dWx, dWh, db""",
    "h02": """
    x, prev_h, Wx, Wh, a, next_h = cache
    dtanh = 1 - np.tanh(a) ** 2
    da = dnext_h * dtanh
    dx = np.dot(da, Wx.T)
    dWx = np.dot(x.T, da)
    dprev_h = np.dot(da, Wh.T)
    dWh = np.dot(prev_h.T, da)
    db = np.sum(da, axis=0)
    return dx, dprev_h, dWx, dWh, db""",
    "h03": """
    c = cache
    dpre = dnext_h * (1.0 - c["next_h"] * c["next_h"])
    dx = dpre.dot(c["Wx"].T)
    dprev_h = dpre.dot(c["Wh"].T)
    dWx = c["x"].T.dot(dpre)
    dWh = c["prev_h"].T.dot(dpre)
    db = dpre.sum(0)
    return dx, dprev_h, dWx, dWh, db""",
    "h04": """
    x, prev_h, Wx, Wh, next_h = cache
    grad_z = (1 - np.square(next_h)) * dnext_h
    db = grad_z.sum(axis=0)
    dWh = prev_h.T @ grad_z
    dWx = x.T @ grad_z
    dprev_h = grad_z @ Wh.T
    dx = grad_z @ Wx.T
    return dx, dprev_h, dWx, dWh, db""",
    "h05": """
    [x, prev_h, Wx, Wh, next_h] = cache
    local = dnext_h * (1 - next_h ** 2)
    dx = np.matmul(local, Wx.T)
    dprev_h = np.matmul(local, Wh.T)
    dWx = np.matmul(x.T, local)
    dWh = np.matmul(prev_h.T, local)
    db = local.sum(axis=0)
    return dx, dprev_h, dWx, dWh, db""",
    "h06": """
    stacked_in, stacked_W, next_h, D = cache
    d = dnext_h * (1 - next_h ** 2)
    dstack = d @ stacked_W.T
    dW = stacked_in.T @ d
    return dstack[:, :D], dstack[:, D:], dW[:D], dW[D:], d.sum(axis=0)""",
    "h07": """
    x, prev_h, Wx, Wh, next_h = cache
    dtanh = dnext_h * (1 - next_h * next_h)
    dx = dtanh @ Wx.T
    dprev_h = dtanh @ Wh.T
    dWx = x.T @ dtanh
    dWh = prev_h.T @ dtanh
    db = np.sum(dtanh, axis=0)
    return dx, dprev_h, dWx, dWh, db""",
    "h08": """
    x, prev_h, Wx, Wh, next_h = cache
    dout = dnext_h * (1 - next_h ** 2)
    dx = dout.dot(Wx.T)
    dprev_h = dout.dot(Wh.T)
    dWx = x.T.dot(dout)
    dWh = prev_h.T.dot(dout)
    db = dout.sum(axis=0)
    return dx, dprev_h, dWx, dWh, db""",
    "h09": """
    x, prev_h, Wx, Wh, next_h = cache
    local_grad = 1.0 - next_h ** 2
    dpre = local_grad * dnext_h
    dx, dprev_h = dpre @ Wx.T, dpre @ Wh.T
    dWx, dWh = x.T @ dpre, prev_h.T @ dpre
    db = np.sum(dpre, axis=0)
    return dx, dprev_h, dWx, dWh, db""",
    "h10": """
    x, prev_h, Wx, Wh, s = cache
    ds = dnext_h / np.cosh(s) ** 2
    dx = ds @ Wx.T
    dprev_h = ds @ Wh.T
    dWx = x.T @ ds
    dWh = prev_h.T @ ds
    db = ds.sum(axis=0)
    return dx, dprev_h, dWx, dWh, db""",
    "h11": """
    (x, prev_h, Wx, Wh, next_h) = cache
    delta = (1 - next_h ** 2) * dnext_h
    return delta @ Wx.T, delta @ Wh.T, x.T @ delta, prev_h.T @ delta, delta.sum(0)""",
    "h12": """
    x, prev_h, Wx, Wh, next_h = cache
    dz = dnext_h * (1 - np.power(next_h, 2))
    dx = np.dot(dz, Wx.T)
    dprev_h = np.dot(dz, Wh.T)
    dWx = np.dot(x.T, dz)
    dWh = np.dot(prev_h.T, dz)
    db = np.sum(dz, axis=0)
    return dx, dprev_h, dWx, dWh, db""",
}

FORWARD = {
    "h01": """
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H))
    cache = []
    prev_h = h0
    for t in range(T):
        prev_h, c = rnn_step_forward(x[:, t, :], prev_h, Wx, Wh, b)
        h[:, t, :] = prev_h
        cache.append(c)
    return h, cache""",
    "h02": """
    N, T, D = x.shape
    _, H = h0.shape
    h = np.zeros((N, T, H))
    caches = []
    h_t = h0
    for t in range(T):
        h_t, cache_t = rnn_step_forward(x[:, t], h_t, Wx, Wh, b)
        h[:, t] = h_t
        caches.append(cache_t)
    cache = (caches, D)
    return h, cache""",
    "h03": """
    hs = []
    h = h0
    cache = []
    for t in range(x.shape[1]):
        h, step_cache = rnn_step_forward(x[:, t, :], h, Wx, Wh, b)
        hs.append(h)
        cache.append(step_cache)
    return np.stack(hs, axis=1), cache""",
    "h04": """
    N, T, _ = x.shape
    h = np.empty((N, T, h0.shape[-1]))
    steps = []
    last = h0
    for t in range(T):
        last, memo = rnn_step_forward(x[:, t, :], last, Wx, Wh, b)
        h[:, t, :] = last
        steps.append(memo)
    return h, (steps, x.shape)""",
    "h05": """
    N, T, D = x.shape
    H = Wh.shape[0]
    h = np.zeros((N, T, H))
    cache = {}
    state = h0
    for t in range(T):
        state, cache[t] = rnn_step_forward(x[:, t, :], state, Wx, Wh, b)
        h[:, t, :] = state
    return h, cache""",
    "h06": """
    T = x.shape[1]
    h = []
    cache = []
    prev = h0
    for t in range(T):
        nxt, c = rnn_step_forward(x[:, t, :], prev, Wx, Wh, b)
        h.append(nxt[:, None, :])
        cache.append(c)
        prev = nxt
    return np.concatenate(h, axis=1), cache""",
    "h07": """
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H))
    cache = []
    t = 0
    cur = h0
    while t < T:
        cur, c = rnn_step_forward(x[:, t, :], cur, Wx, Wh, b)
        h[:, t, :] = cur
        cache.append(c)
        t += 1
    return h, cache""",
    "h08": """
    xs = x.transpose(1, 0, 2)
    outs = []
    caches = []
    prev = h0
    for x_t in xs:
        prev, c = rnn_step_forward(x_t, prev, Wx, Wh, b)
        outs.append(prev)
        caches.append(c)
    h = np.array(outs).transpose(1, 0, 2)
    return h, caches""",
    "h09": """
    N, T, D = x.shape
    H = b.shape[0]
    h = np.zeros((N, T, H), dtype=x.dtype)
    cache = [None] * T
    h_prev = h0
    for t in range(T):
        h_prev, cache[t] = rnn_step_forward(x[:, t, :], h_prev, Wx, Wh, b)
        h[:, t, :] = h_prev
    return h, cache""",
    "h10": """
    N, T, D = x.shape
    cache = []
    h_list = []
    h = h0
    for t in range(T):
        h, step = rnn_step_forward(x[:, t, :], h, Wx, Wh, b)
        h_list.append(h)
        cache.append(step)
    return np.stack(h_list, 1), cache""",
    "h11": """
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H))
    caches = []
    for t in range(T):
        h_prev = h0 if t == 0 else h[:, t - 1, :]
        h[:, t, :], c = rnn_step_forward(x[:, t, :], h_prev, Wx, Wh, b)
        caches.append(c)
    return h, caches""",
    "h12": """
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H))
    cache = []
    for i in range(T):
        if i == 0:
            ht, c = rnn_step_forward(x[:, i, :], h0, Wx, Wh, b)
        else:
            ht, c = rnn_step_forward(x[:, i, :], h[:, i - 1, :], Wx, Wh, b)
        h[:, i, :] = ht
        cache.append(c)
    return h, cache""",
}

BACKWARD = {
    "h01": """
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D))
    dWx = np.zeros((D, H))
    dWh = np.zeros((H, H))
    db = np.zeros(H)
    dprev = np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t, :], dprev, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t, :] + dprev, cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    dh0 = dprev
    return dx, dh0, dWx, dWh, db""",
    "h02": """
    caches, D = cache
    N, T, H = dh.shape
    dx = np.zeros((N, T, D))
    dWx = np.zeros((D, H)); dWh = np.zeros((H, H)); db = np.zeros((H,))
    dh_next = np.zeros((N, H))
    for t in range(T - 1, -1, -1):
        dx_t, dh_next, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + dh_next, caches[t])
        dx[:, t] = dx_t
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dh_next, dWx, dWh, db""",
    "h03": """
    grads = None
    dxs = []
    carry = 0
    for t in reversed(range(len(cache))):
        step = rnn_step_backward(dh[:, t, :] + carry, cache[t])
        dxs.insert(0, step[0])
        carry = step[1]
        if grads is None:
            grads = [g.copy() for g in step[2:]]
        else:
            for g, new in zip(grads, step[2:]):
                g += new
    dWx, dWh, db = grads
    return np.stack(dxs, axis=1), carry, dWx, dWh, db""",
    "h04": """
    steps, (N, T, D) = cache
    H = dh.shape[2]
    dx = np.empty((N, T, D))
    dWx, dWh, db = np.zeros((D, H)), np.zeros((H, H)), np.zeros(H)
    upstream = np.zeros((N, H))
    for t in range(T)[::-1]:
        dx[:, t, :], upstream, gx, gh, gb = rnn_step_backward(upstream + dh[:, t, :], steps[t])
        dWx += gx
        dWh += gh
        db += gb
    return dx, upstream, dWx, dWh, db""",
    "h05": """
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D))
    dWx = np.zeros_like(cache[0][2])
    dWh = np.zeros_like(cache[0][3])
    db = np.zeros(H)
    dh_prev = np.zeros((N, H))
    for t in reversed(range(T)):
        total = dh[:, t, :] + dh_prev
        dx[:, t, :], dh_prev, a, bb, c = rnn_step_backward(total, cache[t])
        dWx, dWh, db = dWx + a, dWh + bb, db + c
    return dx, dh_prev, dWx, dWh, db""",
    "h06": """
    D = cache[0][3]
    N, T, H = dh.shape
    dx = np.zeros((N, T, D))
    grads = [np.zeros((D, H)), np.zeros((H, H)), np.zeros(H)]
    dnext = np.zeros((N, H))
    for t in range(T - 1, -1, -1):
        out = rnn_step_backward(dh[:, t, :] + dnext, cache[t])
        dx[:, t, :] = out[0]
        dnext = out[1]
        for i in range(3):
            grads[i] += out[2 + i]
    return (dx, dnext, *grads)""",
    "h07": """
    N, T, H = dh.shape
    x0 = cache[0][0]
    D = x0.shape[1]
    dx = np.zeros((N, T, D))
    dWx = np.zeros((D, H))
    dWh = np.zeros((H, H))
    db = np.zeros(H)
    dcur = np.zeros((N, H))
    t = T - 1
    while t >= 0:
        dx[:, t, :], dcur, dwx, dwh, dbb = rnn_step_backward(dh[:, t, :] + dcur, cache[t])
        dWx += dwx
        dWh += dwh
        db += dbb
        t -= 1
    return dx, dcur, dWx, dWh, db""",
    "h08": """
    N, T, H = dh.shape
    dxs = [None] * T
    dWx = dWh = db = 0
    dprev = np.zeros((N, H))
    for t in reversed(range(T)):
        dxs[t], dprev, a, c, d = rnn_step_backward(dh[:, t, :] + dprev, cache[t])
        dWx = dWx + a
        dWh = dWh + c
        db = db + d
    return np.stack(dxs, axis=1), dprev, dWx, dWh, db""",
    "h09": """
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D))
    dWx = np.zeros((D, H))
    dWh = np.zeros((H, H))
    db = np.zeros((H,))
    dh_prev = np.zeros((N, H))
    for t in reversed(range(T)):
        step = rnn_step_backward(dh[:, t, :] + dh_prev, cache[t])
        dx[:, t, :] = step[0]
        dh_prev = step[1]
        dWx += step[2]
        dWh += step[3]
        db += step[4]
    return dx, dh_prev, dWx, dWh, db""",
    "h10": """
    N, T, H = dh.shape
    D = cache[0][2].shape[0]
    dx = np.zeros((N, T, D))
    dWx, dWh, db = 0.0, 0.0, 0.0
    g = np.zeros((N, H))
    for t in range(T - 1, -1, -1):
        parts = rnn_step_backward(dh[:, t, :] + g, cache[t])
        dx[:, t, :], g = parts[0], parts[1]
        dWx += parts[2]
        dWh += parts[3]
        db += parts[4]
    return dx, g, dWx, dWh, db""",
    "h11": """
    N, T, H = dh.shape
    D = cache[0][2].shape[0]
    dx = np.zeros((N, T, D))
    dWx = np.zeros((D, H)); dWh = np.zeros((H, H)); db = np.zeros(H)
    dh_t = np.zeros((N, H))
    for t in reversed(range(T)):
        dx_t, dh_t, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t, :] + dh_t, cache[t])
        dx[:, t, :] = dx_t
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dh_t, dWx, dWh, db""",
    "h12": """
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D))
    dh0 = np.zeros((N, H))
    dWx = np.zeros((D, H))
    dWh = np.zeros((H, H))
    db = np.zeros((H,))
    for i in range(T - 1, -1, -1):
        dcur = dh[:, i, :] + dh0
        dx[:, i, :], dh0, dWx_i, dWh_i, db_i = rnn_step_backward(dcur, cache[i])
        dWx += dWx_i
        dWh += dWh_i
        db += db_i
    return dx, dh0, dWx, dWh, db""",
}

# h04 and h09 copied: every local name changed, operands of + and * swapped, independent lines moved
COPIES = {
    "c04": {
        "rnn_step_forward": """
    pre_act = x @ Wx + prev_h @ Wh + b
    next_h = np.tanh(pre_act)
    cache = x, prev_h, Wx, Wh, next_h
    return next_h, cache""",
        "rnn_step_backward": """
    x, prev_h, Wx, Wh, h_new = cache
    g = dnext_h * (1 - np.square(h_new))
    db = g.sum(axis=0)
    dWh = prev_h.T @ g
    dWx = x.T @ g
    dprev_h = g @ Wh.T
    dx = g @ Wx.T
    return dx, dprev_h, dWx, dWh, db""",
        "rnn_forward": """
    N, T, _ = x.shape
    out = np.empty((N, T, h0.shape[-1]))
    store = []
    cur = h0
    for step in range(T):
        cur, saved = rnn_step_forward(x[:, step, :], cur, Wx, Wh, b)
        out[:, step, :] = cur
        store.append(saved)
    return out, (store, x.shape)""",
        "rnn_backward": """
    store, (N, T, D) = cache
    H = dh.shape[2]
    dx = np.empty((N, T, D))
    dWx, dWh, db = np.zeros((D, H)), np.zeros((H, H)), np.zeros(H)
    back = np.zeros((N, H))
    for step in range(T)[::-1]:
        dx[:, step, :], back, a1, a2, a3 = rnn_step_backward(dh[:, step, :] + back, store[step])
        dWx += a1
        dWh += a2
        db += a3
    return dx, back, dWx, dWh, db""",
    },
    "c09": {
        "rnn_step_forward": """
    rec = prev_h @ Wh
    inp = x @ Wx
    next_h = np.tanh(b + rec + inp)
    cache = (x, prev_h, Wx, Wh, next_h)
    return next_h, cache""",
        "rnn_step_backward": """
    x, prev_h, Wx, Wh, next_h = cache
    slope = 1.0 - next_h ** 2
    g = dnext_h * slope
    dx, dprev_h = g @ Wx.T, g @ Wh.T
    dWx, dWh = x.T @ g, prev_h.T @ g
    db = np.sum(g, axis=0)
    return dx, dprev_h, dWx, dWh, db""",
        "rnn_forward": """
    N, T, D = x.shape
    H = b.shape[0]
    out = np.zeros((N, T, H), dtype=x.dtype)
    memo = [None] * T
    state = h0
    for k in range(T):
        state, memo[k] = rnn_step_forward(x[:, k, :], state, Wx, Wh, b)
        out[:, k, :] = state
    return out, memo""",
        "rnn_backward": """
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    grad_x = np.zeros((N, T, D))
    gWx = np.zeros((D, H))
    gWh = np.zeros((H, H))
    gb = np.zeros((H,))
    carry = np.zeros((N, H))
    for k in reversed(range(T)):
        res = rnn_step_backward(carry + dh[:, k, :], cache[k])
        grad_x[:, k, :] = res[0]
        carry = res[1]
        gWx += res[2]
        gWh += res[3]
        gb += res[4]
    return grad_x, carry, gWx, gWh, gb""",
    },
}
SIGNATURES = {"rnn_step_forward": "def rnn_step_forward(x, prev_h, Wx, Wh, b):",
              "rnn_step_backward": "def rnn_step_backward(dnext_h, cache):",
              "rnn_forward": "def rnn_forward(x, h0, Wx, Wh, b):",
              "rnn_backward": "def rnn_backward(dh, cache):"}
BODIES = {"rnn_step_forward": STEP_FORWARD, "rnn_step_backward": STEP_BACKWARD, "rnn_forward": FORWARD,
          "rnn_backward": BACKWARD}
REALISTIC = {student: {f: SIGNATURES[f] + BODIES[f][student] + "\n" for f in SIGNATURES} for student in STEP_FORWARD}
REALISTIC.update({student: {f: SIGNATURES[f] + body + "\n" for f, body in functions.items()}
                  for student, functions in COPIES.items()})
PLANTED = {("c04", "h04"), ("c09", "h09")}


@pytest.fixture(scope="module")
def realistic(tmp_path_factory):
    folder = tmp_path_factory.mktemp("realistic") / "submitted"
    for student, functions in REALISTIC.items():
        _fill(ROOT / "exercises/rnn/rnn.ipynb", folder / student / "rnn" / "rnn.ipynb", functions)
    return folder


@pytest.mark.parametrize("student", sorted(REALISTIC))
def test_every_student_of_the_realistic_class_is_correct(student):
    import reference

    namespace = {"np": np}
    for source in REALISTIC[student].values():
        exec(source, namespace)  # test fixtures
    rng = np.random.default_rng(1)
    x, h0 = rng.normal(size=(3, 5, 4)), rng.normal(size=(3, 6))
    Wx, Wh, b = rng.normal(size=(4, 6)) * 0.5, rng.normal(size=(6, 6)) * 0.5, rng.normal(size=6)
    h, cache = namespace["rnn_forward"](x, h0, Wx, Wh, b)
    ref_h, ref_cache = reference.rnn_forward(x, h0, Wx, Wh, b)
    np.testing.assert_allclose(h, ref_h, rtol=1e-10)
    dh = rng.normal(size=h.shape)
    for mine, theirs in zip(namespace["rnn_backward"](dh, cache), reference.rnn_backward(dh, ref_cache)):
        np.testing.assert_allclose(mine, theirs, rtol=1e-9, atol=1e-12)


def test_planted_copies_rank_first_and_honest_single_function_matches_fall_below(realistic, course):
    report = find_similar(course, realistic, ["rnn"])
    found = pairs(report)
    assert {(p["a"], p["b"]) for p in found} == PLANTED
    assert all(p["functions"] >= 3 for p in found)
    assert report.fewer_functions >= 1  # honest students who wrote one loop alike: below the bar, counted

    everything = pairs(find_similar(course, realistic, ["rnn"], min_functions=1))
    assert {(p["a"], p["b"]) for p in everything[:len(PLANTED)]} == PLANTED  # ranked first
    assert all(p["functions"] == 1 for p in everything[len(PLANTED):])
    assert len(everything) > len(PLANTED)


def test_passages_most_students_write_are_idioms_not_copies(realistic, course):
    """Without the idiom filter (as MOSS without -m), honest students who share the class's idioms are reported."""
    report = find_similar(course, realistic, ["rnn"], common_share=1.0)
    honest = [p for p in pairs(report) if (p["a"], p["b"]) not in PLANTED]
    assert honest, "the realistic class no longer shows the problem the idiom filter solves"
    filtered = find_similar(course, realistic, ["rnn"])
    assert filtered.common["rnn/rnn_backward"] > 0 and filtered.common["rnn/rnn_forward"] > 0


def test_operands_of_plus_and_times_are_put_in_one_order():
    plain = "def f(x, prev_h, Wx, Wh, b):\n    return np.tanh(x.dot(Wx)+prev_h.dot(Wh)+b)"
    swapped = "def f(x, prev_h, Wx, Wh, b):\n    return np.tanh(prev_h.dot(Wh) + x.dot(Wx) + b)"
    assert normalise(plain) == normalise(swapped)
    # a copy that renames its locals and swaps operands lands on the original's order
    original = "def f(x, prev_h, Wx, Wh, b):\n    z = b + prev_h @ Wh + x @ Wx\n    g = (1 - z ** 2) * x\n    return z, g"
    copy = "def f(x, prev_h, Wx, Wh, b):\n    pre_act = x @ Wx + prev_h @ Wh + b\n    k = x * (1 - pre_act ** 2)\n" \
           "    return pre_act, k"
    renamed_back = re.sub(r"\bk\b", "g", re.sub(r"\bpre_act\b", "z", normalise(copy)))
    assert normalise(original) == renamed_back
    # operations that do not commute keep their order
    assert normalise("def f(a, b):\n    return a - b, a @ b, a / b") == "def f(a, b):\n    return (a - b, a @ b, a / b)"


def test_the_report_is_the_same_in_every_process(submitted, course, tmp_path):
    """copydetect hashes with Python's salted hash(); the report must not depend on the process's salt."""
    import os
    import subprocess
    import sys

    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / f"seed{seed}"
        subprocess.run([sys.executable, "-m", "autograder", "--course", str(course.path), "similarity",
                        str(submitted), "--out", str(out), "--assignment", "rnn", "--min-functions", "1"],
                       check=True, capture_output=True, env={**os.environ, "PYTHONHASHSEED": seed})
        outputs.append((out / "pairs.csv").read_text(encoding="utf-8"))
    assert outputs[0] == outputs[1] and outputs[0].count("\n") > 3


def test_students_who_left_a_function_as_released_do_not_dilute_the_idioms(realistic, course, tmp_path):
    """Twenty untouched notebooks handed in: the idioms are still those of the students who wrote the code."""
    import shutil

    folder = tmp_path / "submitted"
    shutil.copytree(realistic, folder)
    for i in range(20):
        _fill(ROOT / "exercises/rnn/rnn.ipynb", folder / f"idle{i:02d}" / "rnn" / "rnn.ipynb", {})
    baseline = find_similar(course, realistic, ["rnn"])
    diluted = find_similar(course, folder, ["rnn"])
    assert [(p["a"], p["b"], p["functions"]) for p in pairs(diluted)] == \
        [(p["a"], p["b"], p["functions"]) for p in pairs(baseline)]
    assert diluted.common == baseline.common
