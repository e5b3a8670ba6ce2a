"""Grade the hostile class once per test session and record everything its tests check.

One run of ``python -m autograder grade --jobs 2`` over s01 (correct), s02 (stubs) and every
case of cases.py, per grader: as root, and as an ordinary account (tests/userland/account.py;
the only one when the suite does not run as root), against a copy of course.yaml with small
time limits, with canaries in the grader's environment, a TCP server listening on the host's
127.0.0.1, snapshots of every tree the run must not touch, and a sampler that follows the
grader's process tree (pid namespaces, uids, peak memory).  Under pytest-xdist the first worker grades and the
others reuse its record (a file lock in the run's shared temporary folder).
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import socket
import stat
import subprocess
import sys
import threading
import time
from contextlib import nullcontext
from dataclasses import asdict, dataclass
from pathlib import Path

import pytest

from autograder.sandbox import box as sandbox_mod
from autograder.grading.course import load_course
from autograder.grading.pipeline import TOGETHER_SECONDS

from tests.userland.account import GRADERS, Account

from . import cases as C

ROOT = C.ROOT
JOBS = 2
LIMITS = {"call_seconds": 2, "load_seconds": 6, "submission_seconds": 60}  # load: a 1 GiB MemoryError must fit under load
UID_RANGE = range(sandbox_mod.UID_BASE, sandbox_mod.UID_SPARE + 5000)  # 60000-69999 (spare uids from 65000)
# Values that must never reach a result, a feedback file or the grader's output.
CANARIES = {
    "RNNLAB_SECRET": "hostile-secret-7c1d0e55a9",
    "RNNLAB_CANARY": "canary-env-4b8f2a91d3",
    "GITHUB_TOKEN": "ghp_canary0123456789abcdef",
}
DECOY_SECRET_FILE = "decoy-grading-secret-91aa3f6e"  # course/.grading-secret (the env var wins)
HOST_TRACES = [f"/tmp/{C.MARK}", f"/dev/shm/{C.MARK}", f"/var/tmp/{C.MARK}", f"/{C.MARK}", f"/usr/{C.MARK}"]
# The budget: plenty of times what a benign student takes on an idle machine, plus the course
# set-up, plus every time limit the table says a case waits out.  It catches a wait no limit
# bounds (each limit itself is tested in tests/sandbox); the margin is for a machine whose two
# cores are shared with other jobs, where a student's grading takes several times longer.
PER_STUDENT_SECONDS = 3.0
SETUP_SECONDS = 10.0

requires_bwrap = pytest.mark.skipif(not sandbox_mod.bwrap_available(),
                                    reason="bubblewrap sandbox unavailable (needs bwrap, setpriv and root)")


@dataclass
class Run:
    root: str
    course: str
    submitted: str
    results: str
    clean_results: str
    students: list
    assignments: list
    wall: float
    budget: float
    returncode: int
    stdout: str
    stderr: str
    maxrss_kb: int
    vmhwm_kb: int
    namespaces: list
    uids: list
    sandboxed_pids: int
    leftovers: list
    changed: dict  # tree -> {path: (before, after)}
    tmp_ours: dict
    host_traces: list
    marker: list
    accepted: int
    who: str = "root"  # who graded: root, or the ordinary account ("user")
    watched_uids: tuple = (UID_RANGE.start, UID_RANGE.stop)  # [lo, hi): the uids its sandboxes run as

    def result(self, student: str, assignment: str, clean: bool = False) -> dict:
        base = Path(self.clean_results if clean else self.results)
        return json.loads((base / student / f"{assignment}.json").read_text())


# ------------------------------------------------------------------ the course copy


def make_course(dest: Path, repo: Path = ROOT) -> Path:
    """course.yaml with small limits and English messages, next to (links to) ``repo``'s solutions/ and reference/."""
    dest.mkdir(parents=True)
    text = (repo / "course.yaml").read_text()
    for key, value in {**LIMITS, "language": "en"}.items():
        # the first is the course-wide one (grading/limits); a function's own call_seconds comes later
        text, n = re.subn(rf"(?m)^(\s+{key}:\s*)\S+", rf"\g<1>{value}", text, count=1)
        assert n == 1, key
    (dest / "course.yaml").write_text(text)
    (dest / "solutions").symlink_to(repo / "solutions")
    (dest / "reference").symlink_to(repo / "reference")  # the course's own reference, beside course.yaml
    (dest / ".grading-secret").write_text(DECOY_SECRET_FILE + "\n")
    return dest / "course.yaml"


# ------------------------------------------------------------------ snapshots


def snapshot(top: Path) -> dict[str, list]:
    """Every entry under ``top`` (symlinks not followed): type, mode, size, mtime, content hash."""
    entries = {}
    for folder, dirs, files in os.walk(top, followlinks=False):
        for name in dirs + files:
            path = os.path.join(folder, name)
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                what = ["link", os.readlink(path)]
            elif stat.S_ISREG(st.st_mode):
                with open(path, "rb") as handle:
                    what = ["file", hashlib.sha256(handle.read()).hexdigest()]
            else:
                what = ["other", ""]
            entries[os.path.relpath(path, top)] = [*what, st.st_mode, st.st_size, st.st_mtime_ns]
    return entries


def tmp_top_level() -> dict[str, list]:
    """/tmp's top-level entries: owner uid, mode, size, mtime."""
    entries = {}
    for name in os.listdir("/tmp"):
        try:
            st = os.lstat(os.path.join("/tmp", name))
        except OSError:
            continue
        entries[name] = [st.st_uid, st.st_mode, st.st_size, st.st_mtime_ns]
    return entries


def diff(before: dict, after: dict) -> dict:
    return {k: [before.get(k), after.get(k)] for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)}


# ------------------------------------------------------------------ processes


def _proc(pid: str) -> tuple[int, int, str, int] | None:
    """(ppid, real uid, pid namespace, start time in clock ticks since boot) of a live, non-zombie process."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        if fields[0] in ("Z", "X"):
            return None
        with open(f"/proc/{pid}/status") as handle:
            uid = next(int(line.split()[1]) for line in handle if line.startswith("Uid:"))
        return int(fields[1]), uid, os.readlink(f"/proc/{pid}/ns/pid"), int(fields[19])
    except (OSError, ValueError, StopIteration, IndexError):
        return None


def ticks_now() -> int:
    """The current time in /proc/<pid>/stat start-time units (clock ticks since boot)."""
    with open("/proc/uptime") as handle:
        return int(float(handle.read().split()[0]) * os.sysconf("SC_CLK_TCK"))


def processes() -> dict[int, tuple[int, int, str, int]]:
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            info = _proc(entry)
            if info is not None:
                found[int(entry)] = info
    return found


class Sampler(threading.Thread):
    """Follows the grader's process tree: pid namespaces and uids of its descendants, its VmHWM."""

    def __init__(self, pid: int, watched: range = UID_RANGE, via_runuser: bool = False):
        super().__init__(daemon=True)
        self.pid = pid
        self.watched = watched
        self.via_runuser = via_runuser  # the grader is then runuser's child
        self.host_ns = os.readlink("/proc/self/ns/pid")
        self.namespaces: set[str] = set()
        self.uids: set[int] = set()
        self.sandboxed: set[tuple[int, int]] = set()  # (pid, start time) of every process seen in a sandbox
        self.vmhwm_kb = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.sample()
            self.done.wait(0.03)

    def sample(self) -> None:
        table = processes()
        children: dict[int, list[int]] = {}
        for pid, (ppid, _, _, _) in table.items():
            children.setdefault(ppid, []).append(pid)
        try:
            for grader in children.get(self.pid, []) if self.via_runuser else [self.pid]:
                with open(f"/proc/{grader}/status") as handle:
                    for line in handle:
                        if line.startswith("VmHWM:"):
                            self.vmhwm_kb = max(self.vmhwm_kb, int(line.split()[1]))
        except OSError:
            return
        todo = list(children.get(self.pid, []))
        while todo:
            pid = todo.pop()
            _, uid, ns, start = table[pid]
            if ns != self.host_ns:
                self.namespaces.add(ns)
                self.sandboxed.add((pid, start))
            if uid in self.watched:
                self.uids.add(uid)
            todo += children.get(pid, [])


def leftovers(seen: set[tuple[int, int]], namespaces: set[str], host_ns: str, since: int,
              watched: range = UID_RANGE) -> list:
    """Live processes the grader started: seen in one of its sandboxes, in a pid namespace where such
    a process still lives, or under a sandbox uid in the host's namespace since grading began.

    (A namespace's inode number is reused once it is freed, so another grader's new sandbox
    may carry the number of one of ours: it counts only while a process we saw lives in it.)
    """
    table = processes()
    ours = {ns for pid, (_, _, ns, start) in table.items() if (pid, start) in seen and ns in namespaces}
    found = []
    for pid, (ppid, uid, ns, start) in table.items():
        if (pid, start) in seen or ns in ours or (ns == host_ns and uid in watched and start >= since):
            try:
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                cmd = "?"
            found.append([pid, uid, ns, cmd[:200]])
    return found


# ------------------------------------------------------------------ grading


# The grader, recording its own peak RSS at exit (VmHWM: ru_maxrss would include the forked
# test process's memory from before the exec).
WRAPPER = (
    "import atexit, runpy, sys\n"
    "out = sys.argv.pop(1)\n"
    "def peak():\n"
    "    hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')][0].split()[1]\n"
    "    open(out, 'w').write(hwm)\n"
    "atexit.register(peak)\n"
    "sys.argv[0] = 'autograder'\n"
    "runpy.run_module('autograder', run_name='__main__', alter_sys=True)\n"
)


def grader_env(tmpdir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(CANARIES, TMPDIR=str(tmpdir), OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return env


def watched_uids(account: Account | None) -> range:
    """The uids the sandboxes of a run are seen under: root's private range, or the account's own."""
    if account is None:
        return UID_RANGE
    return range(account.uid, account.uid + 1) if account.via_runuser else range(0)  # a developer's: theirs too


def grade(course_yaml: Path, submitted: Path, out: Path, tmpdir: Path, *extra: str,
          account: Account | None = None) -> dict:
    """Run the grader as a subprocess (as ``account``, else as this process); return its wall time,
    output, peak RSS and process record."""
    tmpdir.mkdir(exist_ok=True)
    rss_file = tmpdir / "maxrss"
    python = str(account.python) if account else sys.executable
    cmd = [python, "-c", WRAPPER, str(rss_file), "--course", str(course_yaml), "grade", str(submitted),
           "--out", str(out), "--quiet", "--jobs", str(JOBS), *extra]
    env = grader_env(tmpdir)
    if account:
        account.give(tmpdir)
        env = {**env, **account.env(**CANARIES, TMPDIR=str(tmpdir))}
        cmd = account.argv(cmd)
    start, since = time.monotonic(), ticks_now()
    proc = subprocess.Popen(cmd, env=env, cwd=tmpdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = Sampler(proc.pid, watched_uids(account), bool(account and account.via_runuser))
    sampler.start()
    stdout, stderr = proc.communicate(timeout=600)
    wall = time.monotonic() - start
    sampler.done.set()
    sampler.join()
    return {"wall": wall, "returncode": proc.returncode, "stdout": stdout, "stderr": stderr,
            "maxrss_kb": int(rss_file.read_text()) if rss_file.exists() else -1, "vmhwm_kb": sampler.vmhwm_kb,
            "namespaces": sorted(sampler.namespaces), "uids": sorted(sampler.uids),
            "sandboxed_pids": len(sampler.sandboxed), "host_ns": sampler.host_ns,
            "seen": sampler.sandboxed, "since": since}


class Listener:
    """A TCP server on the host's loopback (IPv4 and, if possible, IPv6) that counts connections."""

    def __init__(self):
        self.sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM)]
        self.sockets[0].bind(("127.0.0.1", 0))
        self.port = self.sockets[0].getsockname()[1]
        try:
            six = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            six.bind(("::1", self.port))
            self.sockets.append(six)
        except OSError:
            pass
        self.accepted = 0
        self.done = threading.Event()
        for s in self.sockets:
            s.listen(16)
            s.settimeout(0.1)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.done.is_set():
            for s in self.sockets:
                try:
                    conn, _ = s.accept()
                except OSError:
                    continue
                self.accepted += 1
                conn.close()

    def close(self) -> int:
        self.done.set()
        self.thread.join()
        for s in self.sockets:
            s.close()
        return self.accepted


def time_budget(course) -> float:
    """Wall-time bound of the class run, derived from the limits the cases wait out."""
    # a hanging function also waits out the request that runs its notebook's functions together
    call = course.limits.call_seconds + min(course.limits.call_seconds, TOGETHER_SECONDS)
    seconds = {"call": call, "load": course.limits.load_seconds, "grace": sandbox_mod.Limits().grace_seconds}
    burns = [sum(seconds[b] for b in c.burns) for c in C.CASES]
    students = len(C.CASES) + 2
    return SETUP_SECONDS + (sum(burns) + students * PER_STUDENT_SECONDS) / JOBS + max(burns)


def grade_hostile_class(root: Path, account: Account | None = None) -> Run:
    """Grade the class in ``root`` as ``account`` (None: as this process), from that grader's copy of the course."""
    repo = account.course if account else ROOT
    watched = watched_uids(account)
    course_yaml = make_course(root / "course", repo)
    course = load_course(course_yaml)
    assignments = [a for a in course.assignments]
    submitted, results, marker = root / "submitted", root / "results", root / "marker"
    marker.mkdir()
    listener = Listener()
    values = {"PORT": listener.port, "RESULTS": results, "SUBMITTED": submitted, "COURSE": course_yaml.parent,
              "REPO": repo, "MARKER": marker}
    students = C.build_class(course, submitted, assignments, values)
    if account:
        account.give(root)

    for trace in HOST_TRACES:
        assert not os.path.lexists(trace), f"{trace} exists before the run"
    trees = {"course": course_yaml.parent, "submitted": submitted, "reference": repo / "reference",
             "solutions": repo / "solutions"}
    before = {name: snapshot(path) for name, path in trees.items()}
    tmp_before = tmp_top_level()
    try:
        run = grade(course_yaml, submitted, results, root / "grader-tmp", "--junit", str(root / "junit.xml"),
                    "--summary", str(root / "summary.md"), account=account)
    finally:
        accepted = listener.close()
    gone = leftovers(run["seen"], set(run["namespaces"]), run["host_ns"], run["since"], watched)
    tmp_after = tmp_top_level()
    changed = {name: diff(before[name], snapshot(path)) for name, path in trees.items()}
    tmp_ours = {k: v for k, v in diff(tmp_before, tmp_after).items()
                if C.MARK in k or (v[1] is not None and v[1][0] in watched)}

    # The control class: s01 and s02 alone, graded the same way.
    clean_submitted, clean_results = root / "clean-submitted", root / "clean-results"
    C.build_class(course, clean_submitted, assignments, values, cases=())
    if account:
        account.give(clean_submitted)
    grade(course_yaml, clean_submitted, clean_results, root / "clean-tmp", account=account)

    return Run(
        root=str(root), course=str(course_yaml), submitted=str(submitted), results=str(results),
        clean_results=str(clean_results), students=students, assignments=assignments,
        wall=run["wall"], budget=time_budget(course), returncode=run["returncode"], stdout=run["stdout"],
        stderr=run["stderr"], maxrss_kb=run["maxrss_kb"], vmhwm_kb=run["vmhwm_kb"], namespaces=run["namespaces"],
        uids=run["uids"], sandboxed_pids=run["sandboxed_pids"], leftovers=gone, changed=changed, tmp_ours=tmp_ours,
        host_traces=[t for t in HOST_TRACES if os.path.lexists(t)], marker=sorted(os.listdir(marker)),
        accepted=accepted, who="user" if account else "root", watched_uids=(watched.start, watched.stop))


def hostile_run(who: str, tmp_path_factory, request) -> Run:
    """The hostile class graded by ``who`` ("root" or "user"), once per test run: under pytest-xdist
    the first worker grades and the others reuse its record."""
    if not sandbox_mod.bwrap_available():
        pytest.skip("bubblewrap sandbox unavailable")
    uid = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    shared = tmp_path_factory.getbasetemp().parent if uid else tmp_path_factory.getbasetemp()
    root = shared / f"hostile-{uid or 'run'}-{who}"
    root.mkdir(exist_ok=True)
    # one grader's class at a time: the cases wait out 2 s limits, which two classes on two cores would not keep
    with open(shared / f"hostile-{uid or 'run'}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        record = root / "run.json"
        if not record.exists():
            account = request.getfixturevalue("ordinary") if who == "user" else None
            work = account.workdir("hostile") if account else root / "run"
            if work.exists() and account is None:  # a worker that failed before: start over
                import shutil
                shutil.rmtree(work)
            with account.busy(alone=True) if account else nullcontext():
                record.write_text(json.dumps(asdict(grade_hostile_class(work, account))))
    return Run(**json.loads(record.read_text()))


@pytest.fixture(scope="session", params=GRADERS)
def hostile(request, tmp_path_factory) -> Run:
    """The graded hostile class, once per grader (graded once; xdist workers share the record)."""
    return hostile_run(request.param, tmp_path_factory, request)
