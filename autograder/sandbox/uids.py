"""Owns: the private uids of the root launchers, and what runs (or was left) under them.

The root launchers run each sandbox as its own unprivileged uid (``UID_BASE + slot``), so
RLIMIT_NPROC bounds that sandbox alone and nothing of another sandbox is its own.  The uid
fallback has no pid or IPC namespace: what its uid started or left on the host is found and
removed by uid (``_kill_uid``, ``_remove_traces``).
"""
from __future__ import annotations

import fcntl
import functools
import os
import shutil
import signal
import stat
import tempfile
import threading

from autograder.sandbox.probe import SandboxUnavailable, Words

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
    raise SandboxUnavailable(Words("sandbox.no-uid-lock-dir", folders=", ".join(UID_LOCK_DIRS)))


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
    raise SandboxUnavailable(Words("sandbox.uids-in-use"))


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


# Where every user may create files (found once per process, below these roots) and the SysV IPC
# tables: what a uid fallback sandbox may leave on the host for the next student to find.
WRITABLE_ROOTS = ("/tmp", "/var", "/run", "/dev", "/srv", "/opt", "/home", "/mnt", "/media")
WRITABLE_DEPTH = 3
SYSV = (("shm", "shmid"), ("msg", "msqid"), ("sem", "semid"))
IPC_RMID = 0


@functools.lru_cache(maxsize=1)
def world_writable_dirs() -> tuple[str, ...]:
    """Folders below WRITABLE_ROOTS (WRITABLE_DEPTH levels, symlinks not followed) every user may write."""
    found, todo = [], [(root, 0) for root in WRITABLE_ROOTS]
    while todo:
        folder, depth = todo.pop()
        try:
            st = os.lstat(folder)
        except OSError:
            continue
        if not stat.S_ISDIR(st.st_mode):
            continue
        if st.st_mode & 0o002:
            found.append(folder)
        if depth < WRITABLE_DEPTH:
            try:
                with os.scandir(folder) as entries:
                    todo += [(e.path, depth + 1) for e in entries if e.is_dir(follow_symlinks=False)]
            except OSError:
                continue
    return tuple(sorted(found))


def _remove_owned(folder: str, uid: int, depth: int = 0) -> None:
    """Remove what ``uid`` owns in ``folder``; look into the world-writable folders others own."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        try:
            st = entry.stat(follow_symlinks=False)
            if st.st_uid == uid:
                if stat.S_ISDIR(st.st_mode):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)
            elif stat.S_ISDIR(st.st_mode) and st.st_mode & 0o002 and depth < 4:
                _remove_owned(entry.path, uid, depth + 1)
        except OSError:
            pass


def _sysv_objects(uid: int) -> list[tuple[str, int]]:
    """(kind, id) of the SysV shared memory, message queues and semaphore sets ``uid`` created or owns."""
    found = []
    for kind, id_column in SYSV:
        try:
            with open(f"/proc/sysvipc/{kind}") as handle:
                header, *rows = [line.split() for line in handle]
            ident, owner, creator = header.index(id_column), header.index("uid"), header.index("cuid")
        except (OSError, ValueError):
            continue
        for row in rows:
            try:
                if uid in (int(row[owner]), int(row[creator])):
                    found.append((kind, int(row[ident])))
            except (IndexError, ValueError):
                continue
    return found


def _remove_sysv(uid: int) -> None:
    """Remove ``uid``'s SysV IPC objects, as ``uid``: root without CAP_SYS_ADMIN (the very container
    this mode is for) may not remove another user's, their creator may."""
    objects = _sysv_objects(uid)
    if not objects:
        return
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    calls = {"shm": lambda n: libc.shmctl(n, IPC_RMID, None), "msg": lambda n: libc.msgctl(n, IPC_RMID, None),
             "sem": lambda n: libc.semctl(n, 0, IPC_RMID)}
    pid = os.fork()
    if pid == 0:  # (only system calls here: the grader has threads)
        try:
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            for kind, number in objects:
                calls[kind](number)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def _remove_traces(uid: int) -> None:
    """The uid fallback shares the host's file system and IPC namespace: remove what the slot's
    private uid left there (its processes are gone; the uid is still ours) -- files in every
    world-writable folder (/tmp, /var/tmp, /dev/shm, /run/lock, /dev/mqueue's POSIX message
    queues where it is mounted, ...) and its SysV IPC objects."""
    for folder in world_writable_dirs():
        _remove_owned(folder, uid)
    _remove_sysv(uid)
