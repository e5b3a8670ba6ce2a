"""The real sandbox (bubblewrap): isolation, limits, failure modes.  Each test starts its own."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from autograder.sandbox.inside import protocol
from autograder.sandbox import box as sandbox_mod
from autograder.sandbox.inside.program import run_program

from .conftest import requires_bwrap

pytestmark = [pytest.mark.sandbox, requires_bwrap]

COURSE = Path(__file__).resolve().parents[2]

RNN = '''\
import numpy as np

def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)

def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1 - next_h ** 2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)
'''


def call(fn, *args, nret=1, send=None):
    s = {"fn": fn, "args": list(args), "nret": nret}
    if send is not None:
        s["send"] = send
    return {"steps": [s]}


def one(box, unit, fn, *args, timeout=None, **kw):
    """Run one call; return the reply's only result (or the failure reply)."""
    reply = box.run(unit, [call(fn, *args, **kw)], timeout=timeout)
    return reply["results"][0] if reply["ok"] else reply


def value(result):
    assert "outputs" in result, result
    return result["outputs"][0][0]


def rnn_program(seed=0):
    rng = np.random.default_rng(seed)
    N, D, H = 4, 5, 6
    args = [rng.standard_normal(s) for s in [(N, D), (N, H), (D, H), (H, H), (H,)]]
    return {"steps": [
        {"fn": "rnn_step_forward", "args": args, "nret": 2, "send": [0]},
        {"fn": "rnn_step_backward", "args": [rng.standard_normal((N, H)), {"$ref": [0, 1]}], "nret": 5,
         "send": [0, 1, 2, 3, 4]},
    ]}


def slot_processes(box):
    return sandbox_mod._slot_processes(box.uid)


# ---------------------------------------------------------------- correctness


def test_outputs_are_bit_identical_to_a_local_run(make_sandbox):
    box = make_sandbox()
    assert box.load("rnn", RNN, "rnn.ipynb") == {"ok": True}
    programs = [rnn_program(seed) for seed in range(3)]
    reply = box.run("rnn", programs)
    assert reply["ok"] is True
    local_ns: dict = {}
    exec(compile(RNN, "rnn.ipynb", "exec"), local_ns)
    for program, got in zip(programs, reply["results"]):
        want = run_program(local_ns, program)
        assert got["mutated"] == [[], []]
        assert [len(o) for o in got["outputs"]] == [1, 5]
        for g, w in zip(sum(got["outputs"], []), sum(want["outputs"], [])):
            assert g.dtype == w.dtype and g.shape == w.shape and g.tobytes() == w.tobytes()


def test_errors_invalid_outputs_and_load_exceptions(make_sandbox):
    box = make_sandbox()
    code = "def ok(x):\n    return x * 2\n\ndef obj(x):\n    return object()\n\ndef bad(x):\n    return x[99]\n\n1/0\n"
    loaded = box.load("u", code, "hw.ipynb")
    assert loaded["ok"] is False and loaded["kind"] == "exception"
    assert "ZeroDivisionError" in loaded["message"] and "hw.ipynb, line 10" in loaded["message"]
    reply = box.run("u", [call("ok", 2.0), call("obj", 1.0), call("bad", np.zeros(2)), call("nope", 1)])
    assert reply["ok"] is True
    ok, obj, bad, nope = reply["results"]
    assert value(ok) == 4.0
    assert value(obj) == protocol.Bad("object")
    assert bad["error"]["kind"] == "exception" and "hw.ipynb, line 8, in bad" in bad["error"]["message"]
    assert nope["error"] == {"kind": "missing", "message": "nope is not defined", "step": 0}
    malformed = box.run("u", [{"steps": [{"fn": "ok", "args": [1.0], "nret": 0}]}])["results"][0]
    assert malformed["error"]["kind"] == "error" and "step" not in malformed["error"]
    syntax = box.load("s", "def f(:\n  pass\n", "s.ipynb")
    assert syntax["kind"] == "exception" and syntax["message"].startswith("SyntaxError")


def test_a_started_worker_answers_many_requests_without_restarting(make_sandbox):
    # How long start-up and a request take is measured in benchmarks/ (startup.py), not asserted here.
    box = make_sandbox()
    box.start()
    box.load("u", "def f(x):\n    return x\n", "u.py")
    program = call("f", np.ones(10))
    for _ in range(50):
        assert box.run("u", [program])["ok"]
    assert box.starts == 1


# ---------------------------------------------------------------- time


def test_infinite_loop_times_out_and_the_unit_recovers(make_sandbox):
    box = make_sandbox()
    box.load("u", "def spin(x):\n    while True:\n        pass\n\ndef ok(x):\n    return x + 1\n", "u.py")
    reply = box.run("u", [call("spin", 1)], timeout=0.5)
    assert reply["ok"] is False and reply["kind"] == "timeout"
    assert value(one(box, "u", "ok", 1.0)) == 2.0  # same unit, another function
    assert box.starts == 1  # the worker enforced it; the grader did not have to kill the sandbox


def test_a_loop_ignoring_signals_is_killed(make_sandbox):
    box = make_sandbox()
    box.load("u", (
        "import signal\n"
        "for s in (signal.SIGTERM, signal.SIGINT, signal.SIGXCPU, signal.SIGHUP):\n"
        "    signal.signal(s, signal.SIG_IGN)\n"
        "def spin(x):\n    while True:\n        pass\n"), "u.py")
    assert one(box, "u", "spin", 1, timeout=0.5)["kind"] == "timeout"


def test_cpu_limit_kills_with_sigkill(make_sandbox):
    box = make_sandbox(cpu_seconds=1)
    box.load("u", (
        "import signal\nsignal.signal(signal.SIGXCPU, signal.SIG_IGN)\n"
        "def spin(x):\n    while True:\n        pass\n"), "u.py")
    start = time.monotonic()
    reply = one(box, "u", "spin", 1, timeout=120)
    assert reply["kind"] == "timeout" and "CPU" in reply["message"]
    assert time.monotonic() - start < 60  # RLIMIT_CPU, not the 120 s wall clock, stopped it


def test_load_timeout(make_sandbox):
    box = make_sandbox(load_seconds=0.5)
    start = time.monotonic()
    loaded = box.load("u", "import time\ntime.sleep(120)\n", "u.py")
    assert loaded["ok"] is False and loaded["kind"] == "timeout"
    assert time.monotonic() - start < 60  # the 0.5 s load limit, not the 120 s sleep, ended it


def test_grader_watchdog_when_the_worker_is_stopped(make_sandbox):
    box = make_sandbox(load_seconds=0.5, grace_seconds=0.5)
    box.load("u", "import os, signal\ndef stop(x):\n    os.kill(os.getppid(), signal.SIGSTOP)\n    return x\n"
                  "def ok(x):\n    return x\n", "u.py")
    reply = one(box, "u", "stop", 1, timeout=0.5)
    assert reply["kind"] == "timeout" and "did not answer" in reply["message"]
    assert not slot_processes(box)  # the stopped worker was killed
    assert value(one(box, "u", "ok", 3.0)) == 3.0  # restarted lazily, unit reloaded
    assert box.starts == 2


# ---------------------------------------------------------------- crashes


def test_exit_and_segfault_are_crashes_then_the_unit_reloads(make_sandbox):
    box = make_sandbox()
    box.load("u", (
        "import os, ctypes\n"
        "def leave(x):\n    os._exit(7)\n"
        "def segv(x):\n    ctypes.string_at(0)\n"
        "def ok(x):\n    return x * 2\n"), "u.py")
    reply = one(box, "u", "leave", 1)
    assert reply["kind"] == "crash" and "status 7" in reply["message"]
    assert value(one(box, "u", "ok", 2.0)) == 4.0
    reply = one(box, "u", "segv", 1)
    assert reply["kind"] == "crash" and "SIGSEGV" in reply["message"]
    assert value(one(box, "u", "ok", 3.0)) == 6.0


def test_killing_the_worker_is_a_crash_then_everything_restarts(make_sandbox):
    box = make_sandbox()
    box.load("a", "import os, signal\ndef kill(x):\n    os.kill(os.getppid(), signal.SIGKILL)\n", "a.py")
    box.load("b", "def ok(x):\n    return x + 1\n", "b.py")
    assert one(box, "a", "kill", 1)["kind"] == "crash"
    assert value(one(box, "b", "ok", 1.0)) == 2.0  # b reloaded from its stored code
    assert box.starts == 2


def test_forged_oversize_frame_is_not_forwarded(make_sandbox):
    box = make_sandbox(reply_bytes=1 << 20)
    box.load("u", (
        "import os, struct, time\nimport numpy as np\n"
        "def forge(x):\n    os.write(3, b'RNNL' + struct.pack('<IQ', 64, 1 << 40))\n    time.sleep(120)\n"
        "def big(x):\n    return np.zeros(1 << 18)\n"  # 2 MiB > reply_bytes
        "def small(x):\n    return x\n"), "u.py")
    start = time.monotonic()
    reply = one(box, "u", "forge", 1, timeout=120)
    assert reply["kind"] == "crash" and "exceeds" in reply["message"]
    assert time.monotonic() - start < 60  # the forged header ended it, not the 120 s timeout
    reply = box.run("u", [call("small", 1.0), call("big", 1), call("small", 2.0)])
    small, big, small2 = reply["results"]
    assert value(small) == 1.0 and value(small2) == 2.0 and "too large" in big["error"]["message"]


# ---------------------------------------------------------------- resources


def test_huge_allocation_fails_without_harming_anyone(make_sandbox):
    box = make_sandbox()
    box.load("u", "import numpy as np\ndef alloc(x):\n    return np.ones((4, 2**30)).sum()\n"
                  "def ok(x):\n    return x\n", "u.py")
    result = one(box, "u", "alloc", 1)
    assert result["error"]["kind"] == "exception" and "MemoryError" in result["error"]["message"]
    assert value(one(box, "u", "ok", 5.0)) == 5.0
    assert np.ones(10**6).sum() == 10**6  # the grader is fine


def test_fork_storm_is_contained(make_sandbox):
    box = make_sandbox(processes=24)
    other = make_sandbox()
    box.load("u", (
        "import os, time\n"
        "def count(x):\n"
        "    n = 0\n"
        "    while n < 1000:\n"
        "        try:\n            pid = os.fork()\n        except OSError:\n            return n\n"
        "        if pid == 0:\n            time.sleep(60)\n            os._exit(0)\n"
        "        n += 1\n"
        "    return n\n"
        "def storm(x):\n"
        "    while True:\n        try:\n            os.fork()\n        except OSError:\n            pass\n"
        "def ok(x):\n    return x\n"), "u.py")
    other.load("v", "import os\ndef forks(x):\n    pid = os.fork()\n    if pid == 0:\n        os._exit(0)\n"
                    "    return os.waitpid(pid, 0)[1]\n", "v.py")
    forked = value(one(box, "u", "count", 1))
    assert 10 < forked < 24  # stopped by RLIMIT_NPROC of the slot's own uid
    assert value(one(other, "v", "forks", 1)) == 0  # another slot can still fork
    assert one(box, "u", "storm", 1, timeout=1)["kind"] == "timeout"
    assert value(one(other, "v", "forks", 1)) == 0
    assert subprocess.run(["true"]).returncode == 0  # so can the grader
    assert value(one(box, "u", "ok", 1.0)) == 1.0  # the storm's process group was killed


DAEMON = (
    "import os, time\n"
    "def daemon(linger):\n"
    "    if os.fork() == 0:\n"
    "        os.setsid()\n"
    "        if os.fork() == 0:\n"
    "            time.sleep(300)\n"
    "        os._exit(0)\n"
    "    time.sleep(float(linger))\n"
    "    return 1\n")


def wait_for(predicate, seconds=5.0):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def test_daemon_is_swept_when_its_request_ends(make_sandbox):
    box = make_sandbox()
    box.load("u", DAEMON, "u.py")
    assert len(slot_processes(box)) == 2  # the worker and the unit
    assert value(one(box, "u", "daemon", 0.2)) == 1
    assert wait_for(lambda: len(slot_processes(box)) == 2, 2)  # the setsid'd grandchild is gone
    assert value(one(box, "u", "daemon", 0.0)) == 1  # and the unit still works


def test_daemon_does_not_outlive_close(make_sandbox):
    box = make_sandbox()
    box.load("u", DAEMON, "u.py")
    replies = []
    thread = threading.Thread(target=lambda: replies.append(box.run("u", [call("daemon", 30.0)], timeout=60)))
    thread.start()
    try:
        assert wait_for(lambda: len(slot_processes(box)) >= 3)  # worker, unit, daemon (mid-request)
    finally:
        box.close()  # while the request is still running
        thread.join(10)
    assert slot_processes(box) == []
    assert replies and replies[0]["ok"] is False


def test_output_floods_are_ignored(make_sandbox):
    box = make_sandbox()
    box.load("u", (
        "import os, sys\n"
        "def flood(x):\n"
        "    chunk = 'x' * (1 << 20)\n"
        "    for _ in range(25):\n"
        "        print(chunk)\n        sys.stderr.write(chunk)\n"
        "        os.write(1, chunk.encode())\n        os.write(2, chunk.encode())\n"
        "    return x\n"), "u.py")
    assert value(one(box, "u", "flood", 7.0)) == 7.0


# ---------------------------------------------------------------- isolation


def test_no_network_to_the_host(make_sandbox):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.setblocking(False)
    port = server.getsockname()[1]
    try:
        box = make_sandbox()
        box.load("u", "import socket\ndef connect(port):\n"
                      "    socket.create_connection(('127.0.0.1', int(port)), timeout=2)\n    return 1\n", "u.py")
        result = one(box, "u", "connect", port)
        assert result["error"]["kind"] == "exception"
        assert "ConnectionRefused" in result["error"]["message"] or "OSError" in result["error"]["message"]
        with pytest.raises(BlockingIOError):
            server.accept()  # nothing reached the host's listener
    finally:
        server.close()


def test_course_root_venv_and_reference_are_invisible(make_sandbox):
    box = make_sandbox()
    box.load("u", (
        "import os, sys\n"
        "def probe(paths):\n"
        "    return [os.path.exists(p) for p in paths]\n"
        "def listing(path):\n"
        "    return sorted(os.listdir(path))\n"
        "def imports(name):\n"
        "    __import__(name)\n"
        "    return name\n"), "u.py")
    venv_site = next(p for p in sys.path if p.endswith("site-packages"))
    paths = [str(COURSE), str(COURSE / "reference" / "rnn.py"), str(COURSE / "course.yaml"), venv_site,
             os.path.join(venv_site, "numpy"), "/work", "/home", "/etc/passwd", "/root/.bashrc",
             os.path.join(sys.base_prefix, "lib", "python3.11", "site-packages", "pip")]
    assert value(one(box, "u", "probe", paths)) == [False] * len(paths)
    assert os.path.exists(paths[1]) and os.path.exists(paths[4])  # (they do exist outside)
    if sys.base_prefix.startswith("/root/.pyenv/"):  # only the runtime's own path exists under /root
        assert value(one(box, "u", "listing", "/root")) == [".pyenv"]
    assert value(one(box, "u", "listing", "/opt/rnnlab/site")) == sorted(
        os.path.basename(d) for d in sandbox_mod._numpy_dirs())
    for name in ("reference", "autograder", "yaml", "torch", "pytest"):
        result = one(box, "u", "imports", name)
        assert result["error"]["kind"] == "exception" and "ModuleNotFoundError" in result["error"]["message"]
    assert value(one(box, "u", "imports", "numpy")) == "numpy"


def test_grader_environment_does_not_leak(make_sandbox, monkeypatch):
    secret = "rnnlab-test-secret-5f3a9c"
    monkeypatch.setenv("RNNLAB_TEST_SECRET", secret)
    box = make_sandbox()
    box.load("u", (
        "import os\n"
        "def env(x):\n"
        "    return dict(os.environ)\n"
        "def proc_files(x):\n"
        "    found = []\n"
        "    for pid in os.listdir('/proc'):\n"
        "        for name in ('environ', 'cmdline'):\n"
        "            try:\n"
        "                found.append(open(f'/proc/{pid}/{name}', 'rb').read().decode(errors='replace'))\n"
        "            except OSError:\n"
        "                pass\n"
        "    return found\n"), "u.py")
    env = value(one(box, "u", "env", 1))
    assert "RNNLAB_TEST_SECRET" not in env and set(env) <= set(sandbox_mod.ENV) | {"PWD"}
    texts = value(one(box, "u", "proc_files", 1))
    assert len(texts) >= 4 and any("worker.main()" in t for t in texts)  # the scan did read something
    assert not any(secret in t or "RNNLAB_TEST_SECRET" in t for t in texts)


def test_writes_outside_tmp_fail(make_sandbox):
    box = make_sandbox()
    box.load("u", (
        "def write(path):\n"
        "    try:\n"
        "        with open(path, 'w') as f:\n            f.write('x')\n"
        "    except OSError as e:\n"
        "        return type(e).__name__\n"
        "    return 'written'\n"
        "def big(path):\n"
        "    with open(path, 'wb') as f:\n        f.write(b'x' * (32 << 20))\n"), "u.py")
    targets = ["/x", "/opt/rnnlab/worker.py", "/opt/rnnlab/x", "/usr/x", "/dev/shm/x", "/root/x",
               os.path.join(sys.base_prefix, "x"), "/proc/x"]
    for target in targets:
        assert value(one(box, "u", "write", target)) in ("PermissionError", "OSError", "FileNotFoundError"), target
    assert value(one(box, "u", "write", "/tmp/ok")) == "written"
    result = one(box, "u", "big", "/tmp/big")
    assert "File too large" in result["error"]["message"]  # RLIMIT_FSIZE


def test_worker_is_protected_from_its_units(make_sandbox):
    box = make_sandbox()
    box.load("u", (
        "import os\n"
        "def peek(x):\n"
        "    out = []\n"
        "    for path in (f'/proc/{os.getppid()}/fd/0', f'/proc/{os.getppid()}/mem', f'/proc/{os.getppid()}/environ'):\n"
        "        try:\n"
        "            open(path, 'rb').read(1)\n"
        "            out.append('open')\n"
        "        except OSError as e:\n"
        "            out.append(type(e).__name__)\n"
        "    return out\n"), "u.py")
    assert value(one(box, "u", "peek", 1)) == ["PermissionError"] * 3
    box.load("oom", "def adj(x):\n    return open('/proc/self/oom_score_adj').read().strip()\n", "oom.py")
    assert value(one(box, "oom", "adj", 1)) == "1000"  # the host's OOM killer takes student processes first


def test_monkeypatching_stays_inside_its_unit(make_sandbox):
    box = make_sandbox()
    box.load("cheat", (
        "import numpy as np\n"
        "np.allclose = lambda *a, **k: True\n"
        "np.tanh = lambda x, *a, **k: 0 * x\n"
        "def check(x):\n    return bool(np.allclose(1.0, 2.0)), float(np.tanh(x))\n"), "cheat.py")
    box.load("honest", (
        "import numpy as np\n"
        "def check(x):\n    return bool(np.allclose(1.0, 2.0)), float(np.tanh(x))\n"), "honest.py")
    cheat = box.run("cheat", [call("check", 0.5, nret=2)])["results"][0]["outputs"][0]
    honest = box.run("honest", [call("check", 0.5, nret=2)])["results"][0]["outputs"][0]
    assert [bool(v) for v in cheat] == [True, False]  # the patch took effect in its own unit...
    assert bool(honest[0]) is False and float(honest[1]) == np.tanh(0.5)  # ...and nowhere else
    assert not np.allclose(1.0, 2.0) and np.tanh(0.5) > 0.4  # nor in the grader


# ---------------------------------------------------------------- --no-sandbox


def test_no_sandbox_mode_runs_the_same_worker_out_of_process(make_sandbox, monkeypatch):
    monkeypatch.setenv("RNNLAB_TEST_SECRET", "nope")
    box = make_sandbox(isolate=False)
    box.load("rnn", RNN + "import os\ndef env(x):\n    return dict(os.environ), os.getcwd(), os.getpid()\n"
                            "def spin(x):\n    while True:\n        pass\n", "rnn.ipynb")
    program = rnn_program(1)
    local_ns: dict = {}
    exec(compile(RNN, "rnn.ipynb", "exec"), local_ns)
    got = box.run("rnn", [program])["results"][0]["outputs"]
    want = run_program(local_ns, program)["outputs"]
    assert all(g.tobytes() == w.tobytes() for g, w in zip(sum(got, []), sum(want, [])))
    env, cwd, pid = box.run("rnn", [call("env", 1, nret=3)])["results"][0]["outputs"][0]
    assert "RNNLAB_TEST_SECRET" not in env and int(pid) != os.getpid() and cwd.startswith(tempfile_root())
    assert box.run("rnn", [call("spin", 1)], timeout=0.5)["kind"] == "timeout"
    assert value(one(box, "rnn", "env", 1, nret=3))  # recovered
    box.close()


def tempfile_root() -> str:
    import tempfile

    return tempfile.gettempdir()


def test_shared_programs_are_encoded_once_as_the_same_frame():
    from autograder.sandbox.inside import protocol

    programs = sandbox_mod.SharedPrograms([{"steps": [{"fn": "f", "args": [np.arange(3.0), 2], "nret": 1}]}] * 4)
    frame = programs.frame()
    assert programs.frame() is frame
    plain = protocol.encode_frame(*protocol.pack({"programs": list(programs)}))
    assert b"".join(frame) == b"".join(bytes(memoryview(c).cast("B")) for c in plain)


BYTECODE_PROBE = (
    "import importlib.util, os, sys\n"
    "def bytecode(x):\n"
    "    worker = sys.modules['worker']\n"
    "    folder = os.path.dirname(worker.__file__)\n"
    "    found = {}\n"
    "    for name in ('worker', 'protocol', 'program'):\n"
    "        source = os.path.join(folder, name + '.py')\n"
    "        pyc = importlib.util.cache_from_source(source)\n"
    "        data = open(pyc, 'rb').read()\n"
    "        flags = int.from_bytes(data[4:8], 'little')\n"
    "        # PEP 552: a checked hash-based pyc is used only if its hash is the source's\n"
    "        found[name] = (sys.modules[name].__cached__ == pyc, flags == 0b11,\n"
    "                       data[8:16] == importlib.util.source_hash(open(source, 'rb').read()),\n"
    "                       os.access(pyc, os.W_OK) or os.access(os.path.dirname(pyc), os.W_OK))\n"
    "    return found\n")


@pytest.mark.parametrize("isolate", [True, False], ids=["bwrap", "no-sandbox"])
def test_the_worker_starts_from_bytecode_compiled_by_the_grader(make_sandbox, isolate):
    """Every sandbox start used to compile worker.py, protocol.py and program.py from source (a
    share of its cost: benchmarks/README.md): the grader compiles them once, and the interpreter in the
    sandbox uses the result -- hash-checked against the very source beside it, and read-only."""
    box = make_sandbox(isolate=isolate)
    box.load("u", BYTECODE_PROBE, "u.py")
    found = value(one(box, "u", "bytecode", 1))
    used, checked, current, writable = (True, True, True, not isolate)  # (--no-sandbox: our own files)
    assert {name: tuple(bool(v) for v in row) for name, row in found.items()} == {
        name: (used, checked, current, writable) for name in ("worker", "protocol", "program")}


def test_a_request_the_worker_cannot_read_ends_it_and_the_next_request_starts_a_new_one(make_sandbox):
    """A run request's programs follow it in a second frame: after a request the zygote cannot read,
    the stream may be out of step, so it answers once and exits; nothing is lost but a restart."""
    box = make_sandbox()
    box.load("u", "def f(x):\n    return x + 1\n", "u.py")
    pid = box._proc.pid
    reply = box._request({"op": 5}, time.monotonic() + 10)
    assert reply["ok"] is False and reply["kind"] == "error" and "bad request" in reply["message"]
    box._proc.wait(timeout=10)  # the worker exited
    assert float(value(one(box, "u", "f", 1.0))) == 2.0  # reloaded in a new worker
    assert box._proc.pid != pid
