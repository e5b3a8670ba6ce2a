"""Owns: the private uids of the root launchers, and what runs (or was left) under them.

The root launchers run each sandbox as its own unprivileged uid (``UID_BASE + slot``), so
RLIMIT_NPROC bounds that sandbox alone and nothing of another sandbox is its own.  The uid
fallback has no pid or IPC namespace: what its uid started or left on the host is found and
removed by uid (``_kill_uid``, ``_remove_traces``).
"""
from __future__ import annotations

import fcntl
import os
import shutil
import signal
import tempfile
import threading

from autograder.sandbox.probe import SandboxUnavailable

UID_BASE = 60000  # slot k runs as uid/gid UID_BASE + k ...
UID_SPARE = UID_BASE + 5000  # ... unless another process on this host uses it: then a spare uid 65000-69999
UID_LOCK_DIRS = ("/run/rnnlab", os.path.join(tempfile.gettempdir(), f"rnnlab-uids-{os.geteuid()}"))


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
