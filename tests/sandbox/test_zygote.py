"""The zygote's relay (the buffers it keeps) and the grader's loads ahead, in whichever sandbox this
host gives: root's bubblewrap, or an ordinary user's in its own user namespace (the make_sandbox
fixture's default).  The worker is the same in both; these run in both suites (root, and `make test`
as an ordinary user)."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.sandbox import box as sandbox_mod

from .test_sandbox import one, value

pytestmark = [pytest.mark.sandbox,
              pytest.mark.skipif(sandbox_mod.isolation_mode() not in ("bwrap", "bwrap-userns"),
                                 reason="needs bubblewrap (as root, or in a user namespace)")]


ECHO = '''\
import numpy as np

def echo(x):
    return x * 1.0

def pair(x):
    return x * 1.0, x

def seen(value, size):
    """How many runs of ``size`` bytes of ``value``'s bytes this process can read in its memory."""
    import ctypes
    needle = np.full(size // 8, value).tobytes()
    found = 0
    with open("/proc/self/maps") as maps:
        for line in maps:
            where, perms, *rest = line.split()
            start, end = (int(a, 16) for a in where.split("-"))
            if "r" not in perms or end - start > 1 << 28 or rest[-1] in ("[vvar]", "[vvar_vclock]", "[vsyscall]"):
                continue
            found += ctypes.string_at(start, end - start).count(needle)
    return found
'''


def test_frames_of_every_size_in_any_order_pass_through_the_kept_buffers(make_sandbox):
    # The zygote reads programs and replies into buffers it keeps across requests (worker._KeptBuffer):
    # a larger frame replaces one, a smaller one uses its start, one over KEPT_FRAME_BYTES gets its own.
    box = make_sandbox()
    assert box.load("u", ECHO, "u.ipynb")["ok"]
    rng = np.random.default_rng(7)
    for n in (3 << 17, 1 << 10, 5 << 17, 1 << 14, 5 << 17, 5 << 20, 3 << 17):
        x = rng.standard_normal(n)
        assert value(one(box, "u", "echo", x)).tobytes() == x.tobytes()
        result = one(box, "u", "pair", x[:1 << 18], nret=2)
        assert [o.tobytes() for o in result["outputs"][0]] == [x[:1 << 18].tobytes()] * 2
    assert box.starts == 1


def test_a_unit_cannot_read_what_the_zygote_relayed_for_another_notebook(make_sandbox):
    box = make_sandbox()
    assert box.load("a", ECHO, "a.ipynb")["ok"]
    secret = 1234.5678125  # four megabytes of it go to unit a and back through the zygote's kept buffers
    assert one(box, "a", "pair", np.full(1 << 19, secret), nret=2)["outputs"]
    assert box.load("b", ECHO, "b.ipynb")["ok"]  # unit b is forked after that
    # b's own needle is one run; the relayed frames would be a thousand (no MADV_DONTFORK: b inherits them)
    assert value(one(box, "b", "seen", secret, 4096)) < 8
    assert value(one(box, "a", "seen", secret, 4096)) > 500  # the test can see what it looks for


def test_a_unit_loaded_ahead_answers_its_load_as_a_load_would(make_sandbox):
    # Sandbox.load_ahead sends the load and returns; the worker loads while the grader scores the
    # notebook before, and load() of the same code returns the reply (the class run: pipeline.StudentGrader).
    box = make_sandbox()
    assert box.load("a", ECHO, "a.ipynb")["ok"]
    assert box.load_ahead("b", "x = 1\n1/0\n", "b.ipynb") is True
    # a request of another unit is served after it, in the order sent
    assert value(one(box, "a", "echo", np.ones(2))).tolist() == [1.0, 1.0]
    failed = box.load("b", "x = 1\n1/0\n", "b.ipynb")  # what box.load would have said
    assert failed["ok"] is False and failed["kind"] == "exception" and "ZeroDivisionError" in failed["message"]
    assert box.load_ahead("c", ECHO, "c.ipynb") is True
    assert box.load("c", ECHO, "c.ipynb") == {"ok": True}
    assert value(one(box, "c", "echo", np.arange(3.0))).tolist() == [0.0, 1.0, 2.0]
    # other code than was loaded ahead: loaded again, as asked
    assert box.load_ahead("d", "def f(x):\n    return 1\n", "d.ipynb") is True
    assert box.load("d", "def f(x):\n    return 2\n", "d.ipynb") == {"ok": True}
    assert value(one(box, "d", "f", 0)) == 2
    assert box.starts == 1


def test_a_load_ahead_that_kills_the_worker_is_said_by_its_load_and_the_rest_goes_on(make_sandbox):
    box = make_sandbox()
    assert box.load("a", ECHO, "a.ipynb")["ok"]
    killer = "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n"  # the zygote
    assert box.load_ahead("b", killer, "b.ipynb") is True
    # a's request waits for that load, then finds a new worker (a is loaded again there)
    assert value(one(box, "a", "echo", np.ones(1))).tolist() == [1.0]
    assert box.starts == 2
    loaded = box.load("b", killer, "b.ipynb")
    assert loaded["ok"] is False and loaded["kind"] == "crash"
    assert box.load_ahead("c", ECHO, "c.ipynb") is True
    box.close()  # an unread reply dies with the worker
    assert box.load("c", ECHO, "c.ipynb") == {"ok": True}  # on a new one


def _loaded(make_sandbox, code: str, warmed: bool):
    """A started sandbox, asked the ``warm`` request first if ``warmed``, with ``code`` loaded as unit "u"."""
    box = make_sandbox()
    box.start()
    if warmed:
        assert box.warm() is True
    assert box.load("u", code, "u.ipynb") == {"ok": True}
    return box


def test_a_warmed_sandbox_s_units_find_numpy_random_imported(make_sandbox):
    # worker.WARM_MODULES: a spare sandbox imports them once while it waits (prewarm.py), rather
    # than every notebook that draws random numbers in its own unit
    code = "import sys\nWARM = 'numpy.random' in sys.modules\n\ndef warm():\n    return WARM\n"
    for warmed in (True, False):
        box = _loaded(make_sandbox, code, warmed)
        assert value(one(box, "u", "warm")) == warmed  # (a numpy bool after the round trip)
        assert box.starts == 1
        box.close()


def test_load_ahead_needs_a_running_worker(make_sandbox):
    box = make_sandbox()
    assert box.load_ahead("a", ECHO, "a.ipynb") is False  # not started: load() starts it
    assert box.load("a", ECHO, "a.ipynb") == {"ok": True}
    with pytest.raises(TypeError):
        box.load_ahead("a", b"code", "a.ipynb")


def test_a_unit_s_code_runs_with_the_garbage_collector_on_warmed_or_not(make_sandbox):
    # The worker's imports run without it (layout.worker_argv, worker._warm); student code must not:
    # a notebook that makes reference cycles would otherwise keep them until its memory limit.
    # 1000 two-object cycles: with the collector on, most are gone before the last gc.collect() (which
    # finds all 2000 with it off)
    code = ("import gc\n\ndef collector():\n    class Node:\n        pass\n"
            "    gc.collect()\n    for _ in range(1000):\n        a, b = Node(), Node()\n"
            "        a.other, b.other = b, a\n    return gc.isenabled(), gc.collect() < 1000\n")
    for warmed in (True, False):
        box = _loaded(make_sandbox, code, warmed)
        assert [bool(v) for v in one(box, "u", "collector", nret=2)["outputs"][0]] == [True, True]
        box.close()
