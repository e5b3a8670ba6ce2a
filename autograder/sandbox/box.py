"""Start, stop and restart the sandboxed worker; deadlines and limits (grader side).

This module never executes student code and never unpickles: it spawns ``worker.py``
inside bubblewrap (or, with ``isolate=False`` -- the grader's ``--no-sandbox`` -- as a plain
subprocess), sends it frames and validates the frames it sends back.  See
docs/ARCHITECTURE.md, "Sandbox", for the mount layout, the limits and the failure modes.
"""
from __future__ import annotations

import fcntl
import functools
import importlib.util
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from glob import glob
from pathlib import Path
from typing import Any

import numpy as np

from autograder.sandbox import cgroups
from autograder.sandbox import seccomp as seccomp_mod
from autograder.sandbox.inside import protocol

__all__ = ["Limits", "Sandbox", "SandboxUnavailable", "SharedPrograms", "available", "bwrap_available",
           "bwrap_command", "isolation_mode", "UID_BASE"]

UID_BASE = 60000  # slot k runs as uid/gid UID_BASE + k ...
UID_SPARE = UID_BASE + 5000  # ... unless another process on this host uses it: then a spare uid 65000-69999
UID_LOCK_DIRS = ("/run/rnnlab", os.path.join(tempfile.gettempdir(), f"rnnlab-uids-{os.geteuid()}"))
INSIDE = "/opt/rnnlab"  # where worker.py, protocol.py, program.py and site/numpy appear
WORKER_FILES = ("worker.py", "protocol.py", "program.py")
HERE = Path(__file__).resolve().parent / "inside"  # exactly what is bound into the sandbox
COURSE_ROOT = Path(__file__).resolve().parents[2]
ENV = {  # the sandbox's whole environment
    "PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8",
    "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
    "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0",
}
# OpenBLAS's kernel choice, passed on when the host sets it: some machines need it because
# their default kernels crash or compute wrong results, and student code must run the same
# kernels as the reference it is compared with.  Values are short words or numbers.
BLAS_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def sandbox_env() -> dict[str, str]:
    """The sandbox's whole environment: ENV plus the host's BLAS kernel settings, if plain."""
    env = dict(ENV)
    for key in BLAS_ENV:
        value = os.environ.get(key, "")
        if value and len(value) <= 32 and value.isalnum():
            env[key] = value
    return env
ERROR_KINDS = frozenset({"missing", "not-implemented", "exception", "arity", "error"})
FAILURE_KINDS = frozenset({"exception", "crash", "timeout", "error"})
_NEVER_BIND = ("/", "/root", "/home", "/etc", "/work", "/tmp", "/var", "/opt", "/srv", "/mnt", "/media")


@dataclass(frozen=True)
class Limits:
    memory_bytes: int = 1 << 30  # RLIMIT_AS of the worker and of every unit process
    processes: int = 64  # RLIMIT_NPROC of the slot's private uid (sandbox only)
    file_bytes: int = 16 << 20  # RLIMIT_FSIZE
    cpu_seconds: int = 600  # RLIMIT_CPU (soft = hard: SIGKILL) of each unit process
    load_seconds: float = 30.0  # wall clock to exec one unit's code
    call_seconds: float = 10.0  # default wall-clock timeout of one run request
    reply_bytes: int = 64 << 20  # largest reply frame a unit may send
    request_bytes: int = 256 << 20  # largest request frame the worker accepts
    open_files: int = 128  # RLIMIT_NOFILE
    tmp_bytes: int = 64 << 20  # size of the sandbox's private /tmp
    grace_seconds: float = 2.0  # grader-side watchdog slack over the worker's own deadlines
    tmp_inodes: int = 8192  # files and folders in the private /tmp (each costs ~1 KB of kernel memory)
    shm_bytes: int = 32 << 20  # SysV shared memory of the sandbox's IPC namespace (shmmax = shmall)
    shm_segments: int = 32  # SysV shared memory segments (shmmni)
    sandbox_memory_bytes: int = 0  # the cgroup's limit on all the sandbox holds; 0: memory + tmp + shm + 256 MiB

    @property
    def cgroup_memory_bytes(self) -> int:
        return int(self.sandbox_memory_bytes or self.memory_bytes + self.tmp_bytes + self.shm_bytes + (256 << 20))

    @property
    def cgroup_processes(self) -> int:
        return int(self.processes) + 16  # + bwrap, its init, setpriv

    def for_worker(self, sandboxed: bool) -> dict:
        out = asdict(self)
        # RLIMIT_NPROC counts every process of the real uid: only meaningful for a private uid.
        out["processes"] = self.processes if sandboxed else None
        out["sandboxed"] = sandboxed
        out["pid_namespace"] = sandboxed  # False for the uid fallback (sandbox.py sets it)
        return out


class SandboxUnavailable(RuntimeError):
    """No sandbox can be built here; the message says why and what to do."""

    def __init__(self, message: str | None = None):
        reason = message or _unavailable_reason() or "it failed to start"
        if _reason_kind() == "namespaces":
            advice = ("bubblewrap is installed, but this host does not let it create namespaces (a container "
                      "without CAP_SYS_ADMIN, Docker's default seccomp profile, or namespaces disabled). There "
                      "the grader, run as root, falls back to an unprivileged uid with rlimits (isolation "
                      "uid+rlimits) when the Python runtime is readable by every user and the course by root "
                      "only; or pass --no-sandbox to run student code without isolation (only for code you trust).")
        else:
            advice = ("Install it with `sudo apt-get install bubblewrap` (Debian/Ubuntu; `make sandbox-tools` "
                      "does it) and run the grader as root (CI, a container or sudo), or pass --no-sandbox "
                      "to run student code without isolation (only for code you trust).")
        super().__init__(f"Student code runs only inside a sandbox, which is unavailable: {reason}. {advice}")


# ------------------------------------------------------------------------------ host checks


def _setpriv() -> str | None:
    path = shutil.which("setpriv", path="/usr/bin:/bin:/usr/sbin:/sbin")
    return os.path.realpath(path) if path else None


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


@functools.lru_cache(maxsize=1)
def _host_check() -> tuple[str | None, str | None]:
    """``(kind, reason)`` why the bwrap sandbox cannot run here, or ``(None, None)``.

    kind: "missing" (no bwrap), "not-root", "setpriv", or "namespaces" (bwrap is installed
    but cannot create its namespaces: the uid fallback applies)."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return "missing", "bubblewrap (bwrap) is not installed"
    if os.geteuid() != 0:
        return "not-root", ("bwrap is started as root without a user namespace (so that each slot has its own "
                            "uid and process limit) and this process is not root")
    setpriv = _setpriv()
    if setpriv is None or not _under(setpriv, "/usr"):
        return "setpriv", "setpriv (util-linux) is not installed in /usr"
    # The probe starts bwrap exactly as a sandbox does: through the launcher (own IPC and mount
    # namespaces, SysV limits, the inode-capped /tmp), without a cgroup.
    mount_point = tempfile.mkdtemp(prefix="rnnlab-probe-")
    try:
        probe = subprocess.run(
            [shutil.which("unshare", path="/usr/bin:/bin") or "unshare", "--ipc", "--mount", "--propagation",
             "private", "--", "/bin/sh", "-c", LAUNCHER, "rnnlab-launch", "0", str(1 << 20), "256", "4",
             str(1 << 20), "64", mount_point,
             bwrap, "--unshare-pid", "--unshare-net", "--unshare-uts", "--die-with-parent",
             "--ro-bind", "/usr", "/usr", *_system_links(), "--proc", "/proc", "--dev", "/dev",
             "--bind", mount_point, "/tmp", setpriv, f"--reuid={UID_BASE}", f"--regid={UID_BASE}", "--clear-groups",
             "--inh-caps=-all", "--bounding-set=-all", "/usr/bin/true"],
            env={"PATH": "/usr/bin:/bin"}, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return "namespaces", f"bwrap cannot run: {exc}"
    finally:
        shutil.rmtree(mount_point, ignore_errors=True)
    if probe.returncode != 0:
        return "namespaces", ("bwrap is installed but cannot create its namespaces: "
                              f"{probe.stderr.decode(errors='replace').strip()[:300]}")
    return None, None


def _unavailable_reason() -> str | None:
    return _host_check()[1]


def _reason_kind() -> str | None:
    return _host_check()[0]


def bwrap_available() -> bool:
    """True if bubblewrap can build the sandbox here (root, bwrap, setpriv, namespaces)."""
    return _unavailable_reason() is None


def isolation_mode() -> str | None:
    """"bwrap"; "uid" when bwrap is installed but namespaces are forbidden (root: unprivileged uid +
    rlimits, e.g. Gradescope's containers); None when student code cannot be isolated here."""
    if _unavailable_reason() is None:
        return "bwrap"
    return "uid" if _reason_kind() == "namespaces" else None


def available() -> bool:
    return isolation_mode() is not None


# ------------------------------------------------------------------------------ the mounts


def _system_links() -> list[str]:
    """Recreate the host's /bin /lib /lib64 /sbin (usually symlinks into /usr)."""
    args = []
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = "/" + name
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    return args


def _check_bindable(path: str, what: str) -> None:
    course = COURSE_ROOT.as_posix()
    if path in _NEVER_BIND or _under(course, path) or _under(path, course):
        raise SandboxUnavailable(f"refusing to bind {what} {path} into the sandbox (it would expose "
                                 "the course or the host); install Python outside the course directory")


def _python_roots() -> tuple[str, list[str]]:
    """The real interpreter and the directories that must be visible for it to run."""
    exe = os.path.realpath(sys.executable)
    roots: list[str] = []
    for prefix in (sys.base_prefix, sys.base_exec_prefix):
        real = os.path.realpath(prefix)
        if not _under(real, "/usr") and real not in roots:
            roots.append(real)
    if not _under(exe, "/usr") and not any(_under(exe, r) for r in roots):
        roots.append(exe)
    for root in roots:
        _check_bindable(root, "the Python runtime")
    return exe, roots


def _hidden_site_dirs(roots: list[str]) -> list[str]:
    """Every site-packages/dist-packages the bound trees contain: hidden under an empty tmpfs."""
    base = {"base": sys.base_prefix, "platbase": sys.base_exec_prefix}
    found = {os.path.realpath(sysconfig.get_path(k, vars=base)) for k in ("purelib", "platlib")}
    for root in ["/usr", *roots]:
        for pattern in ("lib*/python3*/site-packages", "lib*/python3*/dist-packages", "lib/python3/dist-packages",
                        "local/lib*/python3*/site-packages", "local/lib*/python3*/dist-packages"):
            found.update(os.path.realpath(p) for p in glob(os.path.join(root, pattern)))
    for entry in sys.path:
        if entry.endswith(("site-packages", "dist-packages")):
            found.add(os.path.realpath(entry))
    visible = ["/usr", *roots]
    return sorted(d for d in found if os.path.isdir(d) and any(_under(d, r) and d != r for r in visible))


def _numpy_dirs() -> list[str]:
    spec = importlib.util.find_spec("numpy")
    if spec is None or not spec.origin:
        raise SandboxUnavailable("numpy is not installed")
    pkg = os.path.realpath(os.path.dirname(spec.origin))
    dirs = [pkg]
    libs = os.path.join(os.path.dirname(pkg), "numpy.libs")
    if os.path.isdir(libs):
        dirs.append(os.path.realpath(libs))
    return dirs


def worker_argv(exe: str, folder: str, limits: dict) -> list[str]:
    """``python ... LIMITS_JSON`` starting the worker from ``folder`` (where WORKER_FILES are).

    worker.py is imported, not run as a script: a script is compiled from source at every start,
    an imported module's bytecode comes from ``folder/__pycache__`` (``_bytecode``)."""
    start = f"import sys; sys.path.insert(0, {folder!r}); import worker; worker.main()"
    return [exe, "-I", "-S", "-B", "-c", start, json.dumps(limits, separators=(",", ":"))]


@functools.lru_cache(maxsize=1)
def _bytecode() -> str | None:
    """A ``__pycache__`` folder with WORKER_FILES compiled, once per grader process; None if it
    cannot be made (the worker then compiles them itself, as it always may).

    Without it every sandbox start compiled worker.py, protocol.py and program.py from source
    (~12 ms of the ~120 ms a start costs, benchmarks/README.md): their folder in the sandbox is
    bound file by file, so the package's own ``__pycache__`` is not there.  Hash-checked pycs
    (PEP 552): the interpreter in the sandbox uses one only if it was compiled from exactly the
    source beside it, whatever the files' times."""
    import atexit
    import py_compile

    folder = tempfile.mkdtemp(prefix="rnnlab-pyc-")
    atexit.register(shutil.rmtree, folder, True)
    cache = os.path.join(folder, "__pycache__")
    try:
        os.mkdir(cache)
        os.chmod(cache, 0o755)  # read by the sandbox's uid, written by nobody but us
        for name in WORKER_FILES:
            target = os.path.join(cache, os.path.basename(importlib.util.cache_from_source(name, optimization="")))
            py_compile.compile(str(HERE / name), cfile=target, dfile=f"{INSIDE}/{name}", doraise=True, optimize=0,
                               invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH)
            os.chmod(target, 0o644)
    except (OSError, py_compile.PyCompileError):
        shutil.rmtree(folder, ignore_errors=True)
        return None
    return cache


def _copy_worker(opt: str, mode: int | None = None) -> None:
    """WORKER_FILES and their bytecode into ``opt`` (the uid fallback and --no-sandbox)."""
    cache = _bytecode()
    names = [(HERE / name, os.path.join(opt, name)) for name in WORKER_FILES]
    if cache is not None:
        os.makedirs(os.path.join(opt, "__pycache__"))
        names += [(os.path.join(cache, pyc), os.path.join(opt, "__pycache__", pyc)) for pyc in os.listdir(cache)]
        if mode is not None:
            os.chmod(os.path.join(opt, "__pycache__"), 0o755)
    for source, target in names:
        shutil.copyfile(source, target)
        if mode is not None:
            os.chmod(target, mode)


def _mkdirs(path: str, made: set[str]) -> list[str]:
    """``--perms 0755 --dir`` for every missing ancestor (bwrap would make them 0700)."""
    args = []
    parts = Path(path).parts[1:-1]
    for i in range(len(parts)):
        ancestor = "/" + "/".join(parts[:i + 1])
        if ancestor not in made and not _under(ancestor, "/usr"):
            made.add(ancestor)
            args += ["--perms", "0755", "--dir", ancestor]
    return args


def bwrap_command(slot: int, limits: Limits, uid: int | None = None,
                  tmp_dir: str | None = None) -> tuple[list[str], list[str]]:
    """``(bwrap options, command inside)`` of the sandbox of ``slot`` (bwrap itself not included).

    With ``tmp_dir`` (what ``Sandbox`` uses) bwrap runs inside the launcher's IPC and mount
    namespaces (``LAUNCHER``): its /tmp is the launcher's size- and inode-limited tmpfs mounted
    on ``tmp_dir``, and it keeps the launcher's IPC namespace, whose SysV limits were set there."""
    setpriv = _setpriv()
    if setpriv is None:
        raise SandboxUnavailable("setpriv (util-linux) is not installed")
    exe, roots = _python_roots()
    uid = UID_BASE + int(slot) if uid is None else int(uid)
    opts = ["--unshare-pid", "--unshare-net", *(["--unshare-ipc"] if tmp_dir is None else []), "--unshare-uts",
            "--hostname", "rnnlab", "--die-with-parent", "--new-session", "--clearenv"]
    for key, value in sandbox_env().items():
        opts += ["--setenv", key, value]
    opts += ["--ro-bind", "/usr", "/usr", *_system_links(),
             "--proc", "/proc", "--dev", "/dev"]
    if tmp_dir is None:
        opts += ["--perms", "1777", "--size", str(int(limits.tmp_bytes)), "--tmpfs", "/tmp"]
    else:
        opts += ["--bind", tmp_dir, "/tmp"]
    made: set[str] = set()
    for root in roots:
        opts += _mkdirs(root, made) + ["--ro-bind", root, root]
    for hidden in _hidden_site_dirs(roots):
        opts += ["--size", "4096", "--tmpfs", hidden]
    opts += _mkdirs(f"{INSIDE}/site/x", made)
    for name in WORKER_FILES:
        opts += ["--ro-bind", str(HERE / name), f"{INSIDE}/{name}"]
    cache = _bytecode()
    if cache is not None:
        opts += ["--ro-bind", cache, f"{INSIDE}/__pycache__"]
    for directory in _numpy_dirs():
        opts += ["--ro-bind", directory, f"{INSIDE}/site/{os.path.basename(directory)}"]
    opts += ["--chdir", "/tmp"]
    inside = [setpriv, f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all",
              "--bounding-set=-all", *worker_argv(exe, INSIDE, limits.for_worker(True))]
    return opts, inside


# The first program of every bwrap sandbox, run as root by ``unshare --ipc --mount`` (util-linux):
# join the sandbox's cgroup(s), give the new IPC namespace small SysV shared-memory limits and
# shm_rmid_forced (a detached segment is freed at once: none outlives its last user), mount the
# private /tmp with a size *and an inode* limit (bwrap's --tmpfs has no nr_inodes) in the new,
# private mount namespace, then exec bwrap, which inherits all of it.
# Arguments: N, N cgroup.procs files, shmmax, shmall (pages), shmmni, tmp size, tmp inodes, mount point, command...
LAUNCHER = r"""set -e
n=$1; shift
while [ "$n" -gt 0 ]; do echo $$ > "$1"; shift; n=$((n - 1)); done
echo "$1" > /proc/sys/kernel/shmmax
echo "$2" > /proc/sys/kernel/shmall
echo "$3" > /proc/sys/kernel/shmmni
echo 1 > /proc/sys/kernel/shm_rmid_forced
mount -t tmpfs -o "size=$4,nr_inodes=$5,mode=1777,nosuid,nodev" rnnlab-tmp "$6"
shift 6
exec "$@"
"""
# The uid fallback's first program: join the cgroup(s), then exec setpriv.
JOIN_CGROUP = r"""set -e
n=$1; shift
while [ "$n" -gt 0 ]; do echo $$ > "$1"; shift; n=$((n - 1)); done
exec "$@"
"""


def _world_reachable(path: str) -> bool:
    """True if a user with no special rights (not the owner, no group) can reach and read ``path``."""
    path = os.path.realpath(path)
    try:
        parts = Path(path).parts
        for i in range(1, len(parts)):
            if not os.stat("/" + "/".join(parts[1:i])).st_mode & 0o001:
                return False
        return bool(os.stat(path).st_mode & 0o004)
    except OSError:
        return False


def _check_uid_fallback() -> None:
    """The uid fallback shares the host's file system: the course must be closed to other users
    and the runtime open to them."""
    exe, _ = _python_roots()
    for path, what in [(exe, "the Python interpreter"), (sys.base_prefix, "the Python runtime"),
                       *((d, "numpy") for d in _numpy_dirs())]:
        if not _world_reachable(path):
            raise SandboxUnavailable(f"bwrap cannot create namespaces here, and the unprivileged-uid fallback "
                                     f"cannot run {what} at {path} (not readable by other users)")
    for path in (COURSE_ROOT / "reference", COURSE_ROOT / "solutions", COURSE_ROOT / "course.yaml"):
        if path.exists() and _world_reachable(str(path)):
            raise SandboxUnavailable(f"bwrap cannot create namespaces here, and with the unprivileged-uid fallback "
                                     f"student code could read {path}: make the course readable by root only "
                                     f"(chmod 700 {COURSE_ROOT}; `autograder gradescope --run` does it)")


# ------------------------------------------------------------------------------ uids

# RLIMIT_NPROC counts every process of a uid on the host, in every pid namespace: two sandboxes
# sharing a uid share one process budget, so a fork storm in one grader would stop another
# grader's (innocent) student from starting.  Each live sandbox on the host therefore holds an
# exclusive lock on its uid (flock: released by the kernel if the grader dies).
_held_uids: dict[int, int] = {}  # uid -> fd of its lock file, held by this process
_held_guard = threading.Lock()


def _uid_lock_dir() -> str:
    for directory in UID_LOCK_DIRS:
        try:
            os.makedirs(directory, mode=0o700, exist_ok=True)
            if os.access(directory, os.W_OK):
                return directory
        except OSError:
            continue
    raise SandboxUnavailable("no writable folder for the sandbox uid locks (" + ", ".join(UID_LOCK_DIRS) + ")")


def claim_uid(slot: int) -> int:
    """A uid no other live sandbox on this host uses: ``UID_BASE + slot`` if free, else a spare one."""
    directory = _uid_lock_dir()
    with _held_guard:
        for uid in (UID_BASE + int(slot), *range(UID_SPARE, UID_SPARE + 5000)):
            if uid in _held_uids:
                continue
            fd = os.open(os.path.join(directory, f"uid-{uid}.lock"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                continue
            _held_uids[uid] = fd
            return uid
    raise SandboxUnavailable("every sandbox uid is in use")


def release_uid(uid: int) -> None:
    with _held_guard:
        fd = _held_uids.pop(uid, None)
    if fd is not None:
        os.close(fd)


# ------------------------------------------------------------------------------ processes


def _status_field(status: str, name: str) -> str:
    """First word of a field of /proc/<pid>/status (KeyError if absent)."""
    key = f"{name}:"
    start = 0 if status.startswith(key) else status.find("\n" + key) + 1
    if start == 0 and not status.startswith(key):
        raise KeyError(name)
    end = status.find("\n", start)
    return status[start + len(key):end if end >= 0 else None].split()[0]


def _slot_processes(uid: int, pidns: str | None = None) -> list[int]:
    """Host pids of live processes whose real uid is ``uid`` (and in ``pidns``, if given)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as handle:
                status = handle.read()
            # only the two fields needed (this runs over every process on the host, often)
            if int(_status_field(status, "Uid")) != uid or _status_field(status, "State") in ("Z", "X"):
                continue
            if pidns is not None and os.readlink(f"/proc/{entry}/ns/pid") != f"pid:[{pidns}]":
                continue
        except (OSError, KeyError, ValueError, IndexError):
            continue
        pids.append(int(entry))
    return pids


def _kill_uid(uid: int) -> None:
    for pid in _slot_processes(uid):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def _remove_traces(uid: int) -> None:
    """The uid fallback shares the host's /tmp, /var/tmp, /dev/shm and IPC namespace: remove what
    the slot's private uid left there (its processes are gone; the uid is still ours)."""
    for top in ("/tmp", "/var/tmp", "/dev/shm"):
        try:
            names = os.listdir(top)
        except OSError:
            continue
        for name in names:
            path = os.path.join(top, name)
            try:
                if os.lstat(path).st_uid != uid:
                    continue
                if os.path.isdir(path) and not os.path.islink(path):
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    os.unlink(path)
            except OSError:
                pass
    try:
        with open("/proc/sysvipc/shm") as handle:
            rows = [line.split() for line in handle.readlines()[1:]]
    except OSError:
        return
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    for row in rows:  # key shmid perms size cpid lpid nattch uid ...
        try:
            if int(row[7]) == uid:
                libc.shmctl(int(row[1]), 0, None)  # IPC_RMID
        except (IndexError, ValueError):
            continue


def _result_error(value: Any) -> dict:
    error = value.get("error") if isinstance(value, dict) else None
    if not isinstance(error, dict) or set(error) - {"kind", "message", "step"}:
        raise ValueError("bad error entry")
    kind, message, step = error.get("kind"), error.get("message", ""), error.get("step")
    if kind not in ERROR_KINDS or not isinstance(message, str):
        raise ValueError("bad error entry")
    clean = {"kind": str(kind), "message": message[:2000]}
    if step is not None:  # present only when known
        clean["step"] = int(step)
    return {"error": clean}


def _check_run_reply(reply: Any, programs: list) -> dict:
    """Validate a worker's run reply against the programs sent; raise ValueError if malformed."""
    if not isinstance(reply, dict) or set(reply) != {"ok", "results"} or not isinstance(reply["results"], list):
        raise ValueError("not {'ok', 'results'}")
    results = reply["results"]
    if len(results) != len(programs):
        raise ValueError(f"{len(results)} results for {len(programs)} programs")
    checked = []
    for result, prog in zip(results, programs):
        if isinstance(result, dict) and "error" in result:
            checked.append(_result_error(result))
            continue
        steps = prog["steps"]
        counted = any(step.get("count") for step in steps)
        if not isinstance(result, dict) or set(result) != {"outputs", "mutated"} | ({"calls"} if counted else set()):
            raise ValueError("a result is not {'outputs', 'mutated'[, 'calls']}")
        outputs, mutated = result["outputs"], result["mutated"]
        if not isinstance(outputs, list) or not isinstance(mutated, list) or \
                len(outputs) != len(steps) or len(mutated) != len(steps):
            raise ValueError("outputs/mutated do not match the steps")
        for out, step in zip(outputs, steps):
            if not isinstance(out, list) or len(out) != len(step.get("send", range(step.get("nret", 1)))):
                raise ValueError("a step sent the wrong number of outputs")
        clean = []
        for indices, step in zip(mutated, steps):
            if not isinstance(indices, list):
                raise ValueError("mutated is not a list")
            ints = [int(i) for i in indices]
            if any(not 0 <= i < len(step.get("args", [])) for i in ints):
                raise ValueError("mutated index out of range")
            clean.append(ints)
        checked.append({"outputs": outputs, "mutated": clean})
        if counted:  # numbers only, and only ever about this student's own functions
            calls = result["calls"]
            if not isinstance(calls, list) or len(calls) != len(steps):
                raise ValueError("calls do not match the steps")
            checked[-1]["calls"] = [None if n is None else int(n) for n in calls]
            if any(n is not None and not 0 <= n < 2**62 for n in checked[-1]["calls"]):
                raise ValueError("calls out of range")
    return {"ok": True, "results": checked}


def _check_failure(reply: Any) -> dict:
    if isinstance(reply, dict) and not bool(reply.get("ok", True)):
        kind, message = reply.get("kind"), reply.get("message", "")
        if kind in FAILURE_KINDS and isinstance(message, str):
            return {"ok": False, "kind": str(kind), "message": message[:2000]}
    raise ValueError("malformed failure reply")


class SharedPrograms(tuple):
    """Call programs sent unchanged to many sandboxes (the hidden cases are the same for every
    student): the ``run`` request's programs frame is encoded once, not per request (grader CPU per
    program: benchmarks/README.md).  Never mutate the programs once shared."""

    def frame(self) -> list:
        frame = self.__dict__.get("_frame")
        if frame is None:  # (two threads may both encode it: same bytes)
            frame = self.__dict__["_frame"] = [
                b"".join(memoryview(c).cast("B") for c in protocol.encode_frame(*protocol.pack({"programs": list(self)})))]
        return frame


class Sandbox:
    """One worker (one student): ``load`` units, ``run`` call programs, ``close``.

    Not thread-safe: use one Sandbox per thread, from a thread that outlives it (bwrap's
    --die-with-parent follows the thread that started it).  ``slot`` must be unique among
    the sandboxes alive at the same time: it picks the private uid ``60000 + slot``, or a
    spare uid (65000-69999) while another process on the host holds that one (``claim_uid``).
    """

    def __init__(self, limits: Limits | None = None, slot: int = 0, isolate: bool = True):
        self.mode = isolation_mode() if isolate else "none"  # "bwrap" | "uid" | "none"
        if self.mode is None:
            raise SandboxUnavailable()
        if not 0 <= int(slot) < 5000:
            raise ValueError("slot must be in 0..4999")
        self.limits = limits or Limits()
        self.slot = int(slot)
        self.isolate = isolate
        self.uid = UID_BASE + self.slot
        self.startup_seconds: float | None = None  # of the last start
        self.starts = 0
        self._proc: subprocess.Popen | None = None
        self._codes: dict[str, tuple[str, str]] = {}
        self._loaded: set[str] = set()
        self._tmp: str | None = None
        self._stderr = None
        self._init_pidfd: int | None = None
        self._init_pid: int | None = None
        self._pidns: str | None = None
        self._cgroup: cgroups.Cgroup | None = None
        # what the student's code runs under (the result's "isolation"); exact once started
        self.isolation = {"bwrap": "bwrap", "uid": "uid+rlimits", "none": "none"}[self.mode]

    # ------------------------------------------------------------------ public API

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> float:
        """Start the worker now (otherwise the first request does); return the seconds it took."""
        if not self.running:
            self._kill()
            self._spawn()
        return self.startup_seconds or 0.0

    def load(self, unit: str, code: str, filename: str = "<student>") -> dict:
        """Exec ``code`` (compiled as ``filename``) in a fresh process for ``unit``.

        Returns ``{"ok": True}`` or ``{"ok": False, "kind": "exception"|"crash"|"timeout"|"error",
        "message": str}``.  After ``exception`` the unit stays usable: its namespace holds what was
        defined before the error.
        """
        if not isinstance(unit, str) or not isinstance(code, str) or not isinstance(filename, str):
            raise TypeError("unit, code and filename must be str")
        self._codes[unit] = (code, filename)
        self._loaded.discard(unit)
        return self._load(unit)

    def run(self, unit: str, programs: list, timeout: float | None = None) -> dict:
        """Run call programs in ``unit``'s process; ``timeout`` (seconds) covers the whole request.

        Returns ``{"ok": True, "results": [R, ...]}`` with, per program, either
        ``{"outputs": [[values] per step], "mutated": [[arg indices] per step]}`` or
        ``{"error": {"kind": K, "message": M[, "step": i]}}``; or, if the unit's process
        died or timed out, ``{"ok": False, "kind": "crash"|"timeout", "message": M}``.
        """
        if unit not in self._codes:
            raise KeyError(f"unit {unit!r} was never loaded")
        timeout = float(self.limits.call_seconds if timeout is None else timeout)
        frame = programs.frame() if isinstance(programs, SharedPrograms) else None
        programs = list(programs)
        if frame is None:
            frame = protocol.encode_frame(*protocol.pack({"programs": programs}))
        if not self.running:
            self._kill()
        if unit not in self._loaded:  # the worker was restarted: load lazily
            loaded = self._load(unit)
            if not loaded["ok"] and loaded["kind"] != "exception":
                return {"ok": False, "kind": loaded["kind"], "message": "reloading the unit failed: " + loaded["message"]}
        deadline = time.monotonic() + timeout + self.limits.load_seconds + self.limits.grace_seconds
        # two frames: what the worker's zygote reads to route it, then the programs, which it passes
        # to the unit's process unread (decoding them there too cost CPU per student: benchmarks/README.md)
        reply = self._request({"op": "run", "unit": unit, "timeout": timeout}, deadline, frame)
        try:
            if reply["ok"] is False:
                return _check_failure(reply)
            return _check_run_reply(reply, programs)
        except (ValueError, TypeError, KeyError) as exc:
            return {"ok": False, "kind": "crash", "message": f"invalid reply from the worker ({exc})"}

    def close(self) -> None:
        """Kill the worker and everything it started, and forget the units (idempotent)."""
        self._kill()
        self._codes.clear()

    # ------------------------------------------------------------------ internals

    def _load(self, unit: str) -> dict:
        code, filename = self._codes[unit]
        if not self.running:
            self._kill()
            self._spawn()
        deadline = time.monotonic() + self.limits.load_seconds + self.limits.grace_seconds
        reply = self._request({"op": "load", "unit": unit, "code": code, "filename": filename,
                               "timeout": float(self.limits.load_seconds)}, deadline)
        if reply.get("ok") is True and set(reply) == {"ok"}:
            self._loaded.add(unit)
            return {"ok": True}
        try:
            failure = _check_failure(reply)
        except ValueError:
            failure = {"ok": False, "kind": "crash", "message": "invalid reply from the worker"}
        if failure["kind"] == "exception":
            self._loaded.add(unit)
        return failure

    def _request(self, msg: dict, deadline: float, payload: list | None = None) -> dict:
        """Send one request (``msg``, then the frame ``payload`` if given: a run request's programs);
        return the reply (unpacked) or a timeout/crash failure after killing the worker."""
        if not self.running:
            self._kill()
            self._spawn()
        proc = self._proc
        chunks = [*protocol.encode_frame(*protocol.pack(msg)), *(payload or [])]
        if sum(len(memoryview(c).cast("B")) for c in chunks) > self.limits.request_bytes:
            raise ValueError(f"request larger than limits.request_bytes ({self.limits.request_bytes})")
        try:
            protocol.write_bytes(proc.stdin.fileno(), chunks, deadline)
            reply = protocol.recv(proc.stdout.fileno(), self.limits.reply_bytes + (1 << 20), deadline)
        except TimeoutError:
            self._kill()
            return {"ok": False, "kind": "timeout",
                    "message": "the sandbox did not answer in time; it was killed and will be restarted"}
        except (protocol.ProtocolError, OSError) as exc:
            detail = self._stderr_tail()
            self._kill()
            return {"ok": False, "kind": "crash", "message": f"the sandbox died ({exc}){detail}"}
        if not isinstance(reply, dict):
            self._kill()
            return {"ok": False, "kind": "crash", "message": "invalid reply from the worker"}
        ok = reply.get("ok")
        reply["ok"] = type(ok) in (bool, np.bool_) and bool(ok)
        return reply

    def _stderr_tail(self) -> str:
        try:
            self._stderr.seek(0)
            tail = self._stderr.read()[-600:].decode(errors="replace").strip()
            return f": {tail}" if tail else ""
        except Exception:
            return ""

    def _spawn(self) -> None:
        t0 = time.monotonic()
        self._stderr = tempfile.TemporaryFile(prefix="rnnlab-sandbox-")
        pass_fds: tuple[int, ...] = ()
        to_close: list[int] = []
        info_r = None
        if self.mode == "bwrap":
            self.uid = claim_uid(self.slot)
            self._tmp = tempfile.mkdtemp(prefix="rnnlab-sandbox-")  # mount point of the private /tmp
            opts, inside = bwrap_command(self.slot, self.limits, self.uid, tmp_dir=self._tmp)
            args_r, args_w = os.pipe()
            info_r, info_w = os.pipe()
            pass_fds, to_close = [args_r, info_w], [args_r, info_w]
            program = seccomp_mod.program()
            if program is not None:  # bwrap reads the BPF program from this fd until EOF
                seccomp_r, seccomp_w = os.pipe()
                os.write(seccomp_w, program)
                os.close(seccomp_w)
                opts += ["--seccomp", str(seccomp_r)]
                pass_fds.append(seccomp_r)
                to_close.append(seccomp_r)
            data = b"".join(a.encode() + b"\0" for a in [*opts, "--info-fd", str(info_w)])
            if len(data) > 60000:  # a pipe holds 64 KiB: larger would need a writer thread
                raise SandboxUnavailable("bwrap argument list too long")
            os.write(args_w, data)
            os.close(args_w)
            self._cgroup = cgroups.create(self.limits.cgroup_memory_bytes, self.limits.cgroup_processes)
            procs = self._cgroup.procs if self._cgroup else []
            page = os.sysconf("SC_PAGE_SIZE")
            argv = [shutil.which("unshare", path="/usr/bin:/bin") or "unshare", "--ipc", "--mount",
                    "--propagation", "private", "--", "/bin/sh", "-c", LAUNCHER, "rnnlab-launch",
                    str(len(procs)), *procs, str(int(self.limits.shm_bytes)),
                    str(max(1, int(self.limits.shm_bytes) // page)), str(int(self.limits.shm_segments)),
                    str(int(self.limits.tmp_bytes)), str(int(self.limits.tmp_inodes)), self._tmp,
                    shutil.which("bwrap"), "--args", str(args_r), *inside]
            pass_fds = tuple(pass_fds)
            env, cwd = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}, "/"
            self.isolation = "bwrap" + ("+cgroup" if self._cgroup else "") + ("+seccomp" if program else "")
        elif self.mode == "uid":
            _check_uid_fallback()
            self.uid = claim_uid(self.slot)
            self._tmp = tempfile.mkdtemp(prefix="rnnlab-uid-")
            os.chmod(self._tmp, 0o711)
            opt = os.path.join(self._tmp, "opt")
            os.makedirs(os.path.join(opt, "site"))
            for folder in (opt, os.path.join(opt, "site")):
                os.chmod(folder, 0o755)
            _copy_worker(opt, 0o644)
            for directory in _numpy_dirs():
                os.symlink(directory, os.path.join(opt, "site", os.path.basename(directory)))
            cwd = os.path.join(self._tmp, "work")  # the student's only writable folder (and HOME, TMPDIR)
            os.mkdir(cwd, 0o700)
            os.chown(cwd, self.uid, self.uid)
            env = dict(sandbox_env(), HOME=cwd, TMPDIR=cwd)
            limits = dict(self.limits.for_worker(True), pid_namespace=False)
            program = seccomp_mod.program(unix_sockets_only=True)
            if program is not None:  # the worker installs it itself, before numpy and student code
                seccomp_r, seccomp_w = os.pipe()
                os.write(seccomp_w, program)
                os.close(seccomp_w)
                limits["seccomp_fd"] = seccomp_r
                pass_fds, to_close = (seccomp_r,), [seccomp_r]
            setpriv = _setpriv()
            argv = [setpriv, f"--reuid={self.uid}", f"--regid={self.uid}", "--clear-groups", "--inh-caps=-all",
                    "--bounding-set=-all", *worker_argv(os.path.realpath(sys.executable), opt, limits)]
            self._cgroup = cgroups.create(self.limits.cgroup_memory_bytes, self.limits.cgroup_processes)
            if self._cgroup:
                argv = ["/bin/sh", "-c", JOIN_CGROUP, "rnnlab-join", str(len(self._cgroup.procs)),
                        *self._cgroup.procs, *argv]
            self.isolation = "uid+rlimits" + ("+cgroup" if self._cgroup else "")
        else:
            self._tmp = tempfile.mkdtemp(prefix="rnnlab-nosandbox-")
            opt = os.path.join(self._tmp, "opt")
            os.makedirs(os.path.join(opt, "site"))
            _copy_worker(opt)
            for directory in _numpy_dirs():
                os.symlink(directory, os.path.join(opt, "site", os.path.basename(directory)))
            cwd = os.path.join(self._tmp, "work")
            os.mkdir(cwd)
            env = dict(sandbox_env(), HOME=cwd, TMPDIR=cwd)
            argv = worker_argv(os.path.realpath(sys.executable), opt, self.limits.for_worker(False))
        try:
            self._proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
                                          env=env, cwd=cwd, pass_fds=pass_fds, start_new_session=True, bufsize=0)
        finally:
            for fd in to_close:
                os.close(fd)
        self.starts += 1
        self._loaded.clear()
        os.set_blocking(self._proc.stdin.fileno(), False)
        os.set_blocking(self._proc.stdout.fileno(), False)
        deadline = t0 + max(10.0, self.limits.load_seconds)
        try:
            ready = protocol.recv(self._proc.stdout.fileno(), 1 << 20, deadline)
            if not isinstance(ready, dict) or not ready.get("ready"):
                raise protocol.ProtocolError("no ready message")
            if self.mode == "uid" and bool(ready.get("seccomp")):
                self.isolation += "+seccomp"
            if info_r is not None:
                self._read_info(info_r, deadline)
        except (protocol.ProtocolError, TimeoutError, OSError) as exc:
            detail = self._stderr_tail()
            self._kill()
            raise SandboxUnavailable(f"the sandbox did not start ({type(exc).__name__}: {exc}){detail}") from None
        finally:
            if info_r is not None:
                os.close(info_r)
        self.startup_seconds = time.monotonic() - t0

    def _read_info(self, fd: int, deadline: float) -> None:
        data = bytearray()
        os.set_blocking(fd, False)
        while True:
            try:
                chunk = os.read(fd, 4096)
            except BlockingIOError:
                protocol._poll(fd, select.POLLIN, deadline)
                continue
            if not chunk:
                break
            data += chunk
        info = json.loads(data.decode())
        self._init_pid = int(info["child-pid"])
        self._pidns = str(info.get("pid-namespace", "")) or None
        try:
            self._init_pidfd = os.pidfd_open(self._init_pid)
        except (AttributeError, OSError):
            self._init_pidfd = None

    def _kill(self) -> None:
        """SIGKILL the whole sandbox, reap it, and wait until no process of the slot's uid is left."""
        proc, self._proc = self._proc, None
        self._loaded.clear()
        if proc is not None:
            if self.mode == "uid":  # no pid namespace: every process of the slot's private uid goes
                _kill_uid(self.uid)
            if self.mode == "bwrap":
                # Killing the pid namespace's init takes every process inside with it;
                # the outer bwrap then reaps it and exits.
                try:
                    if self._init_pidfd is not None:
                        signal.pidfd_send_signal(self._init_pidfd, signal.SIGKILL)
                    elif self._init_pid is not None:
                        os.kill(self._init_pid, signal.SIGKILL)
                except OSError:
                    pass
                try:
                    proc.wait(timeout=2)
                except subprocess.TimeoutExpired:
                    pass
            else:
                try:  # the worker kills its units on "bye"; their setsid'd offspring may survive
                    protocol.send(proc.stdin.fileno(), {"op": "bye"}, deadline=time.monotonic() + 0.2)
                    proc.wait(timeout=1)
                except (OSError, TimeoutError, subprocess.TimeoutExpired, protocol.ProtocolError):
                    pass
            if proc.poll() is None:  # not reaped yet, so its pid (= pgid) is still ours
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except OSError:
                    pass
            proc.wait()
            for stream in (proc.stdin, proc.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
            cgroup = self._cgroup
            if self.mode == "bwrap" and cgroup is not None:
                # Every process of the sandbox is in its cgroup (the launcher joined it before bwrap
                # started, and nothing inside may leave it): its few lines, not a scan of /proc.
                end = time.monotonic() + 2
                while cgroup.pids() and time.monotonic() < end:
                    time.sleep(0.005)
            elif self.isolate:
                end = time.monotonic() + 2
                while _slot_processes(self.uid, self._pidns) and time.monotonic() < end:
                    if self.mode == "uid":
                        _kill_uid(self.uid)
                    time.sleep(0.01)
            if self.mode == "uid":
                _remove_traces(self.uid)
        cgroup, self._cgroup = self._cgroup, None  # taken once: a background close may race a kill
        emptied = False  # True: the sandbox's cgroup is gone, so no process of it is left anywhere
        if cgroup is not None:
            end = time.monotonic() + 2
            while not (emptied := cgroup.remove()) and time.monotonic() < end:
                time.sleep(0.01)
        if self.isolate and self.uid in _held_uids and (
                (self.mode == "bwrap" and emptied) or not _slot_processes(self.uid)):
            release_uid(self.uid)  # (a uid with processes left stays claimed: they still count)
        pidfd, self._init_pidfd = self._init_pidfd, None
        if pidfd is not None:  # (close() from another thread may race a failing request's _kill)
            try:
                os.close(pidfd)
            except OSError:
                pass
        self._init_pid = self._pidns = None
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None
