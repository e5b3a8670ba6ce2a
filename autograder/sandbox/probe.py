"""Owns: what this host lets the sandbox do, and which launcher that picks (or why none).

The facts (``Facts``) are gathered once per grader process: is bubblewrap installed, is this
process root, may bwrap create its namespaces (tried for real: the same namespaces, mounts
and program a sandbox uses), may an ordinary user create user namespaces (the kernel's
settings and a real unprivileged bwrap start), the kernel version (whether RLIMIT_NPROC is
counted per user namespace).  ``decide`` turns facts into a ``Decision``: the launcher's
name in ``launchers.REGISTRY`` or, when no sandbox can run here, a message that says why
and what to do.  ``decide`` is a pure function, so every message is tested with made-up
facts (tests/sandbox/test_userns.py).

  root, bwrap may create namespaces            -> "bwrap"        (a private uid per slot)
  root, namespaces refused (a container)       -> "uid"          (private uid + rlimits)
  not root, user namespaces allowed            -> "bwrap-userns" (bwrap --unshare-user)
  not root, user namespaces refused            -> none: the message names the setting
"""
from __future__ import annotations

import functools
import os
import platform
import shutil
import subprocess
import tempfile
from dataclasses import dataclass

SYSTEM_PATH = "/usr/bin:/bin:/usr/sbin:/sbin"
# The kernel settings that forbid an ordinary user's user namespaces, and the value that does.
USERNS_SYSCTLS = (
    ("user.max_user_namespaces", "/proc/sys/user/max_user_namespaces", lambda v: v == 0),
    ("kernel.unprivileged_userns_clone", "/proc/sys/kernel/unprivileged_userns_clone", lambda v: v == 0),
    ("kernel.apparmor_restrict_unprivileged_userns", "/proc/sys/kernel/apparmor_restrict_unprivileged_userns",
     lambda v: v == 1),
)
NPROC_PER_USERNS = (5, 14)  # since Linux 5.14 RLIMIT_NPROC counts a uid's processes per user namespace


class SandboxUnavailable(RuntimeError):
    """No sandbox can be built here; the message says why and what to do."""

    def __init__(self, message: str | None = None):
        if message is None:
            decision = decide(facts())
            super().__init__(decision.message() if decision.reason is not None else
                             "Student code runs only inside a sandbox, which is unavailable: it failed to start. "
                             "Check that `bwrap --unshare-all --ro-bind / / true` runs here. " + NO_SANDBOX_LAST)
        else:
            decision = decide(facts())
            advice = f" {decision.advice}" if decision.mode is None and decision.advice else ""
            super().__init__(f"Student code runs only inside a sandbox, which is unavailable: {message}.{advice}")


@dataclass(frozen=True)
class Facts:
    """What the host allows (gathered by ``facts()``, or made up in tests)."""

    euid: int
    bwrap: str | None  # path of bwrap, None if not installed
    setpriv: str | None = None  # real path of setpriv when it is under /usr (the root launchers need it)
    root_error: str | None = None  # root: why bwrap could not create its namespaces (None: it could)
    userns_error: str | None = None  # not root: why bwrap --unshare-user failed (None: it worked)
    userns_ipc: bool = False  # not root: the IPC namespace's SysV limits can be set (Linux >= 5.17 or so)
    sysctls: tuple[tuple[str, int], ...] = ()  # the USERNS_SYSCTLS this kernel has, with their values
    kernel: tuple[int, int] = (0, 0)

    @property
    def nproc_per_userns(self) -> bool:
        return self.kernel >= NPROC_PER_USERNS

    def blocking_sysctls(self) -> list[str]:
        """``name=value`` of each setting that forbids unprivileged user namespaces here."""
        rules = {name: rule for name, _, rule in USERNS_SYSCTLS}
        return [f"{name}={value}" for name, value in self.sysctls if rules[name](value)]


@dataclass(frozen=True)
class Decision:
    mode: str | None  # a key of launchers.REGISTRY, or None: no sandbox here
    kind: str | None  # None | "missing" | "setpriv" | "namespaces" | "userns"
    reason: str | None  # why bwrap itself cannot run (None when it can)
    advice: str = ""

    def message(self) -> str:
        return f"Student code runs only inside a sandbox, which is unavailable: {self.reason}. {self.advice}".strip()


NO_SANDBOX_LAST = ("Only for code you trust: --no-sandbox runs student code without any isolation.")


def decide(f: Facts) -> Decision:
    """The launcher these facts allow, or why none can run and what to do."""
    if f.bwrap is None:
        where = ("" if f.euid == 0 else " Root is not needed where the kernel lets ordinary users create user "
                 "namespaces (Debian, Fedora, most HPC distributions do).")
        return Decision(None, "missing", "bubblewrap (bwrap) is not installed",
                        "Install it with `sudo apt-get install bubblewrap` (Debian/Ubuntu; `make sandbox-tools` does "
                        f"it).{where} {NO_SANDBOX_LAST}")
    if f.euid == 0:
        if f.setpriv is None:
            return Decision(None, "setpriv", "setpriv (util-linux) is not installed in /usr",
                            f"Install util-linux (`sudo apt-get install util-linux`). {NO_SANDBOX_LAST}")
        if f.root_error is not None:
            return Decision("uid", "namespaces", f.root_error,
                            "bubblewrap is installed, but this host does not let it create namespaces (a container "
                            "without CAP_SYS_ADMIN, Docker's default seccomp profile, or namespaces disabled). There "
                            "the grader, run as root, falls back to an unprivileged uid with rlimits (isolation "
                            "uid+rlimits) when the Python runtime is readable by every user and the course by root "
                            f"only. {NO_SANDBOX_LAST}")
        return Decision("bwrap", None, None)
    if f.userns_error is None:
        return Decision("bwrap-userns", None, None)
    blocking = f.blocking_sysctls()
    fixes = []
    if any(b.startswith("user.max_user_namespaces") for b in blocking):
        fixes.append("allow them: `sudo sysctl -w user.max_user_namespaces=16384` (and the same line in "
                     "/etc/sysctl.d/ to keep it)")
    if any(b.startswith("kernel.unprivileged_userns_clone") for b in blocking):
        fixes.append("allow them: `sudo sysctl -w kernel.unprivileged_userns_clone=1` (and in /etc/sysctl.d/)")
    if any(b.startswith("kernel.apparmor_restrict_unprivileged_userns") for b in blocking) or not blocking:
        fixes.append("on Ubuntu 24.04 and later (AppArmor), give bwrap a profile that allows user namespaces: "
                     "/etc/apparmor.d/bwrap holding `abi <abi/4.0>, include <tunables/global> profile bwrap "
                     "/usr/bin/bwrap flags=(unconfined) { userns, }`, then `sudo apparmor_parser -r "
                     "/etc/apparmor.d/bwrap` (or, for the whole host, `sudo sysctl -w "
                     "kernel.apparmor_restrict_unprivileged_userns=0`)")
    fixes.append("or run the grader as root (sudo, CI, a container), where bwrap needs no user namespace")
    setting = (" (" + ", ".join(blocking) + ")") if blocking else ""
    reason = (f"this process is not root, and the host does not let an ordinary user create user namespaces"
              f"{setting}: {f.userns_error}")
    return Decision(None, "userns", reason,
                    "Any one of these makes the sandbox work: " + "; ".join(fixes) + f". {NO_SANDBOX_LAST}")


# ------------------------------------------------------------------------------ gathering


def setpriv_path() -> str | None:
    """setpriv's real path if it is installed under /usr (bound read-only into the sandbox)."""
    path = shutil.which("setpriv", path=SYSTEM_PATH)
    real = os.path.realpath(path) if path else None
    return real if real and real.startswith("/usr/") else None


def system_links() -> list[str]:
    """bwrap options recreating the host's /bin /lib /lib64 /sbin (usually symlinks into /usr)."""
    args = []
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = "/" + name
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    return args


def _sysctls() -> tuple[tuple[str, int], ...]:
    found = []
    for name, path, _ in USERNS_SYSCTLS:
        try:
            with open(path) as handle:
                found.append((name, int(handle.read().strip())))
        except (OSError, ValueError):
            continue
    return tuple(found)


def _kernel() -> tuple[int, int]:
    try:
        major, minor = platform.release().split(".")[:2]
        return int(major), int("".join(c for c in minor if c.isdigit()) or 0)
    except ValueError:
        return 0, 0


def _run(argv: list[str]) -> str | None:
    """None if ``argv`` ran and exited 0, else what went wrong (bounded)."""
    try:
        proc = subprocess.run(argv, env={"PATH": "/usr/bin:/bin"}, stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bwrap cannot run: {exc}"
    if proc.returncode != 0:
        return "bwrap is installed but cannot create its namespaces: " + \
            proc.stderr.decode(errors="replace").strip()[:300]
    return None


def _root_probe(bwrap: str, setpriv: str) -> str | None:
    """Start bwrap exactly as the root launcher does (own IPC and mount namespaces, SysV limits,
    the inode-capped /tmp), without a cgroup."""
    from autograder.sandbox.launchers import LAUNCHER
    from autograder.sandbox.uids import UID_BASE

    mount_point = tempfile.mkdtemp(prefix="rnnlab-probe-")
    try:
        return _run([shutil.which("unshare", path="/usr/bin:/bin") or "unshare", "--ipc", "--mount",
                     "--propagation", "private", "--", "/bin/sh", "-c", LAUNCHER, "rnnlab-launch", "0", str(1 << 20),
                     "256", "4", str(1 << 20), "64", mount_point,
                     bwrap, "--unshare-pid", "--unshare-net", "--unshare-uts", "--die-with-parent",
                     "--ro-bind", "/usr", "/usr", *system_links(), "--proc", "/proc", "--dev", "/dev",
                     "--bind", mount_point, "/tmp", setpriv, f"--reuid={UID_BASE}", f"--regid={UID_BASE}",
                     "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "/usr/bin/true"])
    finally:
        shutil.rmtree(mount_point, ignore_errors=True)


def _userns_probe(bwrap: str, ipc_limits: bool) -> str | None:
    """Start bwrap as the user-namespace launcher does, as this (unprivileged) process: ``unshare``
    into a user namespace of its own (as its root) with IPC and mount namespaces, the launcher
    script (SysV limits when ``ipc_limits``, the inode-capped /tmp), then bwrap's own user namespace."""
    from autograder.sandbox.launchers import LAUNCHER

    mount_point = tempfile.mkdtemp(prefix="rnnlab-probe-")
    limits = [str(1 << 20), "256", "4"] if ipc_limits else ["0", "0", "0"]
    try:
        return _run([shutil.which("unshare", path="/usr/bin:/bin") or "unshare", "--user", "--map-root-user", "--ipc",
                     "--mount", "--propagation", "private", "--", "/bin/sh", "-c", LAUNCHER, "rnnlab-launch",
                     "0", *limits, str(1 << 20), "64", mount_point,
                     bwrap, "--unshare-user", "--uid", str(os.getuid()), "--gid", str(os.getgid()), "--disable-userns",
                     "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try", "--die-with-parent",
                     "--ro-bind", "/usr", "/usr", *system_links(), "--proc", "/proc", "--dev", "/dev",
                     "--bind", mount_point, "/tmp", "/usr/bin/true"])
    finally:
        shutil.rmtree(mount_point, ignore_errors=True)


@functools.lru_cache(maxsize=1)
def facts() -> Facts:
    """This host's facts, gathered once per process (each probe starts bwrap once)."""
    euid = os.geteuid()
    bwrap = shutil.which("bwrap")
    setpriv = setpriv_path()
    root_error = userns_error = None
    if bwrap is not None and euid == 0 and setpriv is not None:
        root_error = _root_probe(bwrap, setpriv)
    userns_ipc = False
    if bwrap is not None and euid != 0:  # SysV limits need a kernel that lets a namespace's root set them
        userns_error = _userns_probe(bwrap, ipc_limits=True)
        userns_ipc = userns_error is None
        if not userns_ipc:
            userns_error = _userns_probe(bwrap, ipc_limits=False)
    return Facts(euid=euid, bwrap=bwrap, setpriv=setpriv, root_error=root_error, userns_error=userns_error,
                 userns_ipc=userns_ipc,
                 sysctls=_sysctls(), kernel=_kernel())


def decision() -> Decision:
    return decide(facts())
