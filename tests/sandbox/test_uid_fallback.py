"""The uid+rlimits fallback (root, but namespaces forbidden): classmates out of reach, nothing left behind.

The fallback runs for real here: the grader is started as root without CAP_SYS_ADMIN (as in a
container without it, the way tests/ecosystem/test_gradescope.py does), from a copy of the
course closed to other users, with a Python every user may run.  Student code then:

- finds nothing of its classmates or of the results once those folders are closed, and a class
  run refuses to start while they are open (one submission at a time is always allowed);
- leaves nothing behind: files in every world-writable folder and SysV IPC objects are removed
  when its sandbox closes, and this mode's seccomp filter denies creating IPC objects at all.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from autograder.sandbox import box, launchers

from .conftest import ROOT, runtime_for_every_user

pytestmark = pytest.mark.sandbox
NO_SYS_ADMIN = ["setpriv", "--bounding-set", "-sys_admin", "--inh-caps", "-sys_admin"]

# What a student leaves behind: files in the world-writable folders, SysV IPC objects.
LEAVE = r'''
import ctypes, json, os
libc = ctypes.CDLL(None, use_errno=True)
def leave(shared):
    made = {}
    for folder in ("/tmp", "/var/tmp", "/dev/shm", "/run/lock", shared):
        try:
            with open(os.path.join(folder, "rnnlab-left-%d" % os.getuid()), "w") as f:
                f.write("a note for the next student")
            made[folder] = True
        except OSError:
            made[folder] = False
    try:
        os.makedirs("/tmp/rnnlab-tree-%d/a/b" % os.getuid())
        os.chmod("/tmp/rnnlab-tree-%d" % os.getuid(), 0o777)
        made["tree"] = True
    except OSError:
        made["tree"] = False
    made["shmget"] = libc.shmget(0, 4096, 0o1666) >= 0
    made["msgget"] = libc.msgget(0, 0o1666) >= 0
    made["semget"] = libc.semget(0, 1, 0o1666) >= 0
    return json.dumps(made)

def steal(paths):
    found = {}
    for path in paths:
        try:
            with open(path) as f:
                found[path] = f.read(100)
        except OSError as exc:
            found[path] = type(exc).__name__
    return json.dumps(found)
'''

GRADER = r'''
import json, os, sys
sys.path.insert(0, sys.argv[1])
from autograder.grading import terminal  # the glossary's renderer: str() of the sandbox's words is English
from autograder.sandbox import box, seccomp, uids
if sys.argv[2] == "no-seccomp":  # to see that the cleanup alone removes what the filter would deny
    seccomp.program = lambda *a, **k: None
shared, steal_paths = sys.argv[3], json.loads(sys.argv[4])
sandbox = box.Sandbox(slot=int(sys.argv[5]))
sandbox.load("u", sys.argv[6], "u.py")
def call(fn, *args):
    reply = sandbox.run("u", [{"steps": [{"fn": fn, "args": list(args)}]}], timeout=30)
    return json.loads(str(reply["results"][0]["outputs"][0][0]))
made, stolen, uid = call("leave", shared), call("steal", steal_paths), sandbox.uid
isolation = sandbox.isolation
sandbox.close()
left = []
for folder in ("/tmp", "/var/tmp", "/dev/shm", "/run/lock", shared):
    left += [os.path.join(folder, n) for n in os.listdir(folder) if os.lstat(os.path.join(folder, n)).st_uid == uid]
for kind in ("shm", "msg", "sem"):
    with open("/proc/sysvipc/" + kind) as handle:
        header, *rows = [line.split() for line in handle]
    left += [kind + " " + row[1] for row in rows if int(row[header.index("cuid")]) == uid]
print(json.dumps({"mode": box.isolation_mode(), "isolation": isolation, "made": made, "stolen": stolen, "left": left,
                  "open_class": str(box.class_run_problem([sys.argv[7]])),
                  "open_class_ko": box.class_run_problem([sys.argv[7]]).message("ko"),
                  "closed_class": box.class_run_problem([sys.argv[8]])}))
'''


@pytest.fixture(scope="module")
def fallback(tmp_path_factory):
    """``run(seccomp)``: the grader script above, as root without CAP_SYS_ADMIN, from a closed course copy."""
    if os.geteuid() != 0:  # the fallback is root's mode (namespaces refused): an ordinary user never gets it
        pytest.skip("the uid fallback is root's mode: tested when the suite runs as root (make test in CI)")
    if shutil.which("bwrap") is None:
        pytest.fail("the uid fallback is tested as root with bubblewrap installed (make test)")
    base = tmp_path_factory.mktemp("uid-fallback")
    python = runtime_for_every_user(base / "runtime", with_course=False)
    closed = base / "closed"  # the course and the class, readable by root only
    closed.mkdir(mode=0o700)
    course = closed / "course"
    shutil.copytree(ROOT, course, ignore=shutil.ignore_patterns(".venv", ".git", "__pycache__", "*.egg-info"))
    for student in ("s01", "s02"):
        target = closed / "submitted" / student / "rnn"
        target.mkdir(parents=True)
        shutil.copy(ROOT / "examples" / "submitted" / student / "rnn" / "rnn.ipynb", target / "rnn.ipynb")
    opened = Path(tempfile.mkdtemp(prefix="rnnlab-open-class-"))  # a class left open to every user
    os.chmod(opened, 0o755)
    shutil.copytree(closed / "submitted", opened / "submitted")
    shared = Path(tempfile.mkdtemp(prefix="rnnlab-shared-"))  # someone else's world-writable folder
    os.chmod(shared, 0o1777)
    classmate = str(closed / "submitted" / "s02" / "rnn" / "rnn.ipynb")
    open_classmate = str(opened / "submitted" / "s02" / "rnn" / "rnn.ipynb")
    slots = iter(range(4000, 4010))

    def run(mode: str) -> dict:
        proc = subprocess.run([*NO_SYS_ADMIN, python, "-I", "-c", GRADER, str(course), mode, str(shared),
                               json.dumps([classmate, open_classmate]), str(next(slots)), LEAVE,
                               str(opened / "submitted"), str(closed / "submitted")],
                              capture_output=True, text=True, timeout=300, cwd="/",
                              env={"PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "OPENBLAS_NUM_THREADS": "1"})
        assert proc.returncode == 0, proc.stderr[-3000:]
        return json.loads(proc.stdout.strip().splitlines()[-1])

    yield run, course, closed, opened, python
    shutil.rmtree(opened, ignore_errors=True)
    shutil.rmtree(shared, ignore_errors=True)


def test_the_fallback_runs_and_its_filter_denies_ipc_objects(fallback):
    run, *_ = fallback
    got = run("seccomp")
    assert got["mode"] == "uid" and got["isolation"].startswith("uid+rlimits") and got["isolation"].endswith("+seccomp")
    made = got["made"]
    assert made["shmget"] is made["msgget"] is made["semget"] is False
    assert made["/tmp"] and made["tree"]  # files it may make: removed below
    assert got["left"] == []


def test_without_the_filter_whatever_the_uid_left_is_removed(fallback):
    run, *_ = fallback
    got = run("no-seccomp")
    assert got["isolation"] == "uid+rlimits" or got["isolation"] == "uid+rlimits+cgroup"
    made = got["made"]
    assert made["shmget"] and made["msgget"] and made["semget"]  # created ...
    assert made["/tmp"] and made["/var/tmp"] and made["/dev/shm"] and made["/run/lock"] and made["tree"]
    assert any(made[k] for k in made if k.startswith("/tmp/rnnlab-shared-"))
    assert got["left"] == []  # ... and gone once its sandbox closed


def test_classmates_are_out_of_reach_and_an_open_class_is_refused(fallback):
    run, *_ = fallback
    got = run("seccomp")
    closed_one, open_one = got["stolen"].values()
    assert closed_one == "PermissionError"
    assert open_one.startswith("{")  # an open class is readable: why a class run is refused there
    assert "chmod 700" in got["open_class"] and "one submission per container" in got["open_class"]
    assert "chmod 700" in got["open_class_ko"] and "제출물 하나만" in got["open_class_ko"]  # the command's language
    assert got["closed_class"] is None


def test_the_grade_verb_refuses_an_open_class_in_the_fallback_and_grades_a_closed_one(fallback, tmp_path):
    run, course, closed, opened, python = fallback
    env = {"PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "OPENBLAS_NUM_THREADS": "1", "RNNLAB_LANG": "en", "PYTHONPATH": str(course)}

    def grade(submitted: Path, out: Path):
        return subprocess.run([*NO_SYS_ADMIN, python, "-m", "autograder", "--course", str(course / "course.yaml"),
                               "grade", str(submitted), "--out", str(out), "--assignment", "rnn", "--quiet"],
                              capture_output=True, text=True, timeout=600, cwd="/", env=env)

    refused = grade(opened / "submitted", closed / "out-open")
    assert refused.returncode == 2, refused.stderr[-2000:]
    assert "cannot grade 2 students here" in refused.stderr and "chmod 700" in refused.stderr
    assert not (closed / "out-open" / "s01").exists()
    graded = grade(closed / "submitted", closed / "out")
    assert graded.returncode == 0, graded.stderr[-3000:]
    rows = (closed / "out" / "grades.csv").read_text().splitlines()
    assert len(rows) == 3
    result = json.loads((closed / "out" / "s01" / "rnn.json").read_text())
    assert result["isolation"].startswith("uid+rlimits")


def test_modes_with_namespaces_grade_any_class():
    for name in ("bwrap", "bwrap-userns", "none"):
        assert launchers.REGISTRY[name].class_run_problem(["/"]) is None
    assert box.class_run_problem(["/"]) in (None, launchers.UidFallback.class_run_problem(["/"]))
