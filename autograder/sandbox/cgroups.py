"""One cgroup per sandbox: a memory limit over everything it holds, and a process limit.

RLIMIT_AS bounds each process, not what a sandbox holds in all: SysV shared memory, tmpfs
files and kernel memory (inodes, dentries) count in no process's address space.  A memory
cgroup charges all of it -- page cache and shmem pages to the cgroup of the process that
faulted them in, slab objects to the cgroup of the allocating process -- so a limit on
the sandbox's cgroup covers RSS, shared memory, its /tmp and kernel memory together.
When the limit is reached the kernel reclaims or OOM-kills inside that cgroup only.

cgroup v2 where the unified hierarchy has the ``memory`` and ``pids`` controllers; cgroup v1
(``memory`` + ``pids`` hierarchies) otherwise.  As root, each sandbox's
cgroup is created below the grader's own cgroup (so a cap on the grader covers its
sandboxes); in v2, where a cgroup holding processes cannot enable controllers for its
children, below ``/sys/fs/cgroup/rnnlab`` instead.  ``create()`` returns None when no usable
hierarchy exists (a container without a writable cgroupfs): the caller records that the
sandbox ran without one.

Not root, only a cgroup v2 subtree delegated to the user can be had: the one
``systemd-run --user --scope`` gives, or a batch system's job cgroup if it is the user's.  The
grader's own cgroup must be writable by it, with ``memory`` and ``pids`` available: the grader
then moves itself into a leaf (``rnnlab-grader-<pid>``; v2 lets a cgroup enable controllers
for its children only while it holds no process itself) and makes each sandbox's cgroup a
sibling of that leaf.  When other processes share the grader's cgroup (a shell, a job step),
that cannot be done and the sandboxes run without a cgroup, as ``isolation`` then says.

The sandbox joins its cgroup before bwrap starts (sandbox.py's launcher writes its own pid to
``procs`` and then execs bwrap), so every process of the sandbox is inside from the start.
"""
from __future__ import annotations

import functools
import itertools
import os
import threading

MOUNT = "/sys/fs/cgroup"
PREFIX = "rnnlab-"
_counter = itertools.count()
_lock = threading.Lock()


def _own_paths() -> dict[str, str]:
    """controller (or "" for v2) -> this process's cgroup path, from /proc/self/cgroup."""
    paths = {}
    try:
        with open("/proc/self/cgroup") as handle:
            for line in handle:
                hid, controllers, path = line.rstrip("\n").split(":", 2)
                if hid == "0":
                    paths[""] = path
                for name in controllers.split(","):
                    if name:
                        paths[name] = path
    except (OSError, ValueError):
        pass
    return paths


def _write(path: str, value: str) -> None:
    with open(path, "w") as handle:
        handle.write(value)


def _read(path: str) -> str:
    with open(path) as handle:
        return handle.read()


@functools.lru_cache(maxsize=1)
def _parents() -> tuple[str, tuple[str, ...]] | None:
    """("v1"|"v2", directories under which each sandbox gets a child), or None if unusable."""
    own = _own_paths()
    if os.geteuid() != 0:
        return _delegated_parent(own.get("")) if os.path.isfile(os.path.join(MOUNT, "cgroup.controllers")) else None
    if os.path.isfile(os.path.join(MOUNT, "cgroup.controllers")):  # pure v2
        return _v2_parent(own.get("", "/"))
    memory, pids = os.path.join(MOUNT, "memory"), os.path.join(MOUNT, "pids")
    if not (os.path.isfile(os.path.join(memory, "cgroup.procs")) and os.path.isfile(os.path.join(pids, "cgroup.procs"))):
        return None
    parents = (os.path.normpath(memory + own.get("memory", "/")), os.path.normpath(pids + own.get("pids", "/")))
    if all(os.access(p, os.W_OK) for p in parents):
        _sweep(parents)
        return "v1", parents
    return None


def _v2_parent(own: str) -> tuple[str, tuple[str, ...]] | None:
    for parent in (os.path.normpath(MOUNT + own), os.path.join(MOUNT, "rnnlab")):
        try:
            os.makedirs(parent, exist_ok=True)
            enabled = _read(os.path.join(parent, "cgroup.subtree_control")).split()
            if not {"memory", "pids"} <= set(enabled):
                _write(os.path.join(parent, "cgroup.subtree_control"), "+memory +pids")
            if {"memory", "pids"} <= set(_read(os.path.join(parent, "cgroup.subtree_control")).split()):
                _sweep((parent,))
                return "v2", (parent,)
        except OSError:
            continue
    return None


def _delegated_parent(own: str | None) -> tuple[str, tuple[str, ...]] | None:
    """Not root: the grader's own v2 cgroup, if delegated to it, made able to hold sandbox cgroups."""
    if not own:
        return None
    parent = os.path.normpath(MOUNT + own)
    files = [os.path.join(parent, name) for name in ("cgroup.procs", "cgroup.subtree_control")]
    if not all(os.access(path, os.W_OK) for path in [parent, *files]):
        return None
    try:
        if not {"memory", "pids"} <= set(_read(os.path.join(parent, "cgroup.controllers")).split()):
            return None
        if not {"memory", "pids"} <= set(_read(files[1]).split()):
            leaf = os.path.join(parent, f"{PREFIX}grader-{os.getpid()}")
            os.makedirs(leaf, exist_ok=True)
            _write(os.path.join(leaf, "cgroup.procs"), str(os.getpid()))
            _write(files[1], "+memory +pids")  # EBUSY while another process is left in ``parent``
        if {"memory", "pids"} <= set(_read(files[1]).split()):
            _sweep((parent,))
            return "v2", (parent,)
    except OSError:
        pass
    return None


def _sweep(parents: tuple[str, ...]) -> None:
    """Remove empty cgroups left by graders that died (their pid is gone)."""
    for parent in parents:
        try:
            names = os.listdir(parent)
        except OSError:
            continue
        for name in names:
            if name.startswith(PREFIX):
                pid = name[len(PREFIX):].removeprefix("grader-").split("-", 1)[0]
                if pid.isdigit() and not os.path.exists(f"/proc/{pid}"):
                    try:
                        os.rmdir(os.path.join(parent, name))
                    except OSError:
                        pass


def available() -> bool:
    return _parents() is not None


class Cgroup:
    """A sandbox's cgroup(s): ``procs`` are the files a process writes its pid to, to join."""

    def __init__(self, version: str, dirs: list[str]):
        self.version = version
        self.dirs = dirs
        self.procs = [os.path.join(d, "cgroup.procs") for d in dirs]

    @property
    def memory_dir(self) -> str:
        return self.dirs[0]

    def memory_peak(self) -> int:
        name = "memory.max_usage_in_bytes" if self.version == "v1" else "memory.peak"
        try:
            return int(_read(os.path.join(self.memory_dir, name)))
        except (OSError, ValueError):
            return -1

    def oom_kills(self) -> int:
        """How many processes the kernel killed for this cgroup's memory limit."""
        name = "memory.oom_control" if self.version == "v1" else "memory.events"
        try:
            for line in _read(os.path.join(self.memory_dir, name)).splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill":
                    return int(value)
        except (OSError, ValueError):
            pass
        return 0

    def pids(self) -> list[int]:
        found: set[int] = set()
        for procs in self.procs:
            try:
                found.update(int(p) for p in _read(procs).split())
            except (OSError, ValueError):
                pass
        return sorted(found)

    def remove(self) -> bool:
        """Remove the cgroup (True), or leave it while processes remain in it (False)."""
        ok = True
        for directory in self.dirs:
            try:
                os.rmdir(directory)
            except FileNotFoundError:
                pass
            except OSError:
                ok = False
        return ok


def create(memory_bytes: int, processes: int) -> Cgroup | None:
    """A new cgroup limited to ``memory_bytes`` (no swap) and ``processes`` tasks, or None."""
    found = _parents()
    if found is None:
        return None
    version, parents = found
    with _lock:
        name = f"{PREFIX}{os.getpid()}-{next(_counter)}"
    dirs = [os.path.join(parent, name) for parent in parents]
    group = Cgroup(version, dirs)
    try:
        for directory in dirs:
            os.mkdir(directory)
        memory, pids = (dirs[0], dirs[0]) if version == "v2" else (dirs[0], dirs[1])
        if version == "v2":
            _write(os.path.join(memory, "memory.max"), str(int(memory_bytes)))
            if os.path.exists(os.path.join(memory, "memory.swap.max")):
                _write(os.path.join(memory, "memory.swap.max"), "0")
            if os.path.exists(os.path.join(memory, "memory.oom.group")):
                _write(os.path.join(memory, "memory.oom.group"), "0")
        else:
            _write(os.path.join(memory, "memory.limit_in_bytes"), str(int(memory_bytes)))
            memsw = os.path.join(memory, "memory.memsw.limit_in_bytes")
            if os.path.exists(memsw):  # swap accounting: memory + swap no more than memory alone
                _write(memsw, str(int(memory_bytes)))
        _write(os.path.join(pids, "pids.max"), str(int(processes)))
    except OSError:
        group.remove()
        return None
    return group
