"""The sandbox's seccomp filter (defence in depth), built with libseccomp, passed to bwrap --seccomp FD.

The namespaces, the unprivileged uid and the rlimits already keep student code away from
the course and the host; this filter removes the kernel surface that code has no reason to
reach: creating or entering namespaces (``unshare``, ``setns``, ``clone`` with any
``CLONE_NEW*`` flag; ``clone3``, whose flags a filter cannot read, answers ENOSYS so that
libc falls back to ``clone``), ``ptrace`` and cross-process memory access, ``bpf``,
``perf_event_open``, the key rings, every way of mounting, module loading, kexec,
``userfaultfd`` and io_uring.  Denied calls fail with EPERM; everything else is allowed, and
calls of a foreign architecture (the 32-bit ABI on x86-64) kill the process (libseccomp's
default for a filter of the native architecture only).

The BPF program is generated once per grader process by Debian's ``/usr/bin/python3`` with
its ``python3-seccomp`` (libseccomp's own Python binding, which works only for that
interpreter), installed by ``make sandbox-tools``.  Without it, ``program()`` returns None
and the sandbox says so in its ``isolation`` (no ``+seccomp``).
"""
from __future__ import annotations

import functools
import os
import subprocess

SYSTEM_PYTHON = "/usr/bin/python3"

DENIED = (
    "unshare", "setns",
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp",
    "bpf", "perf_event_open",
    "keyctl", "add_key", "request_key",
    "mount", "umount", "umount2", "pivot_root", "chroot",
    "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
    "init_module", "finit_module", "delete_module",
    "kexec_load", "kexec_file_load",
    "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
    "quotactl", "swapon", "swapoff", "reboot", "acct", "syslog",
)
# CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET (clone's low byte is the exit signal)
CLONE_NEW_FLAGS = (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000)

_BUILD = r"""
import errno, socket, sys, seccomp
denied, flags = sys.argv[1].split(","), [int(f) for f in sys.argv[2].split(",")]
f = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
if sys.argv[3] == "1":  # sockets: AF_UNIX only (the uid fallback has no network namespace)
    f.add_rule(seccomp.ERRNO(errno.EPERM), "socket", seccomp.Arg(0, seccomp.NE, socket.AF_UNIX))
if sys.argv[4] == "1":  # no SysV IPC objects nor POSIX message queues (they outlive the process)
    denied += ["shmget", "msgget", "semget", "mq_open"]
for name in denied:
    try:
        f.add_rule(seccomp.ERRNO(errno.EPERM), name)
    except (RuntimeError, ValueError):
        pass  # not a system call on this architecture
for flag in flags:
    f.add_rule(seccomp.ERRNO(errno.EPERM), "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
f.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
f.export_bpf(sys.stdout)
"""


@functools.lru_cache(maxsize=4)
def _built(unix_sockets_only: bool = False, no_sysv_ipc: bool = False) -> tuple[bytes | None, str]:
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        return None, f"{SYSTEM_PYTHON} is missing"
    try:
        proc = subprocess.run([SYSTEM_PYTHON, "-I", "-c", _BUILD, ",".join(DENIED), ",".join(map(str, CLONE_NEW_FLAGS)),
                               "1" if unix_sockets_only else "0", "1" if no_sysv_ipc else "0"],
                              capture_output=True, timeout=30, env={"PATH": "/usr/bin:/bin"})
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"libseccomp could not build the filter ({exc})"
    if proc.returncode != 0 or not proc.stdout or len(proc.stdout) % 8:
        tail = proc.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        hint = " (install python3-seccomp: `make sandbox-tools`)" if b"No module named" in proc.stderr else ""
        return None, f"libseccomp could not build the filter: {tail[0][:200]}{hint}"
    return proc.stdout, ""


def program(unix_sockets_only: bool = False, no_sysv_ipc: bool = False) -> bytes | None:
    """The filter as raw ``struct sock_filter`` records (what bwrap --seccomp reads), or None.

    ``unix_sockets_only``: also deny ``socket()`` of every family but AF_UNIX (for the uid
    fallback, which has no network namespace; the worker installs that filter itself with
    PR_SET_NO_NEW_PRIVS + PR_SET_SECCOMP, which Docker's default profile allows).
    ``no_sysv_ipc``: also deny creating SysV shared memory, message queues and semaphores and
    POSIX message queues, for the modes whose launcher cannot bound them (the user-namespace
    mode cannot set its IPC namespace's limits; the uid fallback shares the host's)."""
    return _built(unix_sockets_only, no_sysv_ipc)[0]


def unavailable_reason() -> str:
    return _built()[1]
