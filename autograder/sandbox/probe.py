"""Owns: what this host lets the sandbox do, and which launcher that picks (or why none).

The facts (``Facts``): is bubblewrap installed, is this process root, may bwrap create its
namespaces (tried for real by ``probed``: the same namespaces, mounts and program a sandbox
uses), may an ordinary user create user namespaces (the kernel's settings and a real
unprivileged bwrap start), the kernel version (whether RLIMIT_NPROC is counted per user
namespace).  ``decide`` turns facts into a ``Decision``: the launcher's name in
``launchers.REGISTRY`` or, when no sandbox can run here, why and what to do, as ``Words``:
message codes of the glossary (``sandbox.*`` in student/messages.py) with their parameters,
said in the command's language by the layer that speaks.  ``decide`` is a pure function, so
every outcome is tested with made-up facts, in both languages (tests/sandbox/test_userns.py).

The real probe starts bwrap, as a sandbox does: as long as a sandbox start costs, so one
submission (a grade cell, Gradescope) would pay it twice.  ``facts`` therefore presumes
(``presumed``: what costs no process) that the namespaces work where bwrap is installed and
no kernel setting forbids them.  A sandbox started on that presumption that fails to start
calls ``refute``; from then on the probe decides (the uid fallback, the message), and the
sandbox starts again if that changed what it starts on.  A class run ``confirm``s first: it
decides whether a class may be graded here on probed facts.  A presumption never weakens
the sandbox: it only presumes the strongest launcher this host could have, which either
starts (and is that sandbox) or does not start at all.

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
from typing import Callable

SYSTEM_PATH = "/usr/bin:/bin:/usr/sbin:/sbin"
# The kernel settings that forbid an ordinary user's user namespaces, and the value that does.
USERNS_SYSCTLS = (
    ("user.max_user_namespaces", "/proc/sys/user/max_user_namespaces", lambda v: v == 0),
    ("kernel.unprivileged_userns_clone", "/proc/sys/kernel/unprivileged_userns_clone", lambda v: v == 0),
    ("kernel.apparmor_restrict_unprivileged_userns", "/proc/sys/kernel/apparmor_restrict_unprivileged_userns",
     lambda v: v == 1),
)
NPROC_PER_USERNS = (5, 14)  # since Linux 5.14 RLIMIT_NPROC counts a uid's processes per user namespace


class Words:
    """A sentence of the sandbox: a message code of the glossary (``sandbox.*`` in
    student/messages.py) and its parameters, each text (a path, machine output quoted as it
    is), another ``Words`` or a list of them.  This layer lies below the wording, so the layer
    that speaks says it in the command's language (grading/terminal.py); ``str()`` is English."""

    def __init__(self, code: str, /, **params: object):
        self.code, self.params = code, params

    def message(self, language: str = "en") -> str:
        """The sentence in ``language``, by the glossary's renderer (:data:`WORDING`)."""
        if WORDING:
            return WORDING[0](self, language)
        return self.code + "".join(f"; {k}={v}" for k, v in self.params.items())  # no glossary loaded: the code

    def __str__(self) -> str:
        return self.message("en")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Words) and (self.code, self.params) == (other.code, other.params)

    def __hash__(self) -> int:
        return hash(self.code)

    def __repr__(self) -> str:
        return f"Words({self.code!r}" + "".join(f", {k}={v!r}" for k, v in self.params.items()) + ")"


# How a sentence reads in a language: the glossary's renderer, installed by the layer that holds the
# wording (grading/terminal.py imports this module and sets it), since this one may not import it.
WORDING: list[Callable[[Words, str], str]] = []


class SandboxUnavailable(RuntimeError):
    """No sandbox can be built here; ``words`` say why and, when the host is to blame, what to do
    (``message(language)``; ``str()`` in English)."""

    def __init__(self, why: Words | str | None = None):
        decision = decide(facts())
        if why is None and decision.reason is not None:
            words = decision.words()
        elif why is None:  # the host has a sandbox, yet it would not start
            words = Words("sandbox.unavailable", reason=Words("sandbox.failed-to-start"),
                          advice=Words("sandbox.check-bwrap"))
        elif decision.mode is None and decision.advice is not None:
            words = Words("sandbox.unavailable", reason=why, advice=decision.advice)
        else:  # the host has a sandbox: this one failed (a text ``why`` is quoted as it is)
            words = Words("sandbox.unavailable-why", reason=why)
        self.words = words
        super().__init__(words.code)

    def message(self, language: str = "en") -> str:
        return self.words.message(language)

    def __str__(self) -> str:
        return self.words.message("en")


@dataclass(frozen=True)
class Facts:
    """What the host allows (gathered by ``facts()``, or made up in tests)."""

    euid: int
    bwrap: str | None  # path of bwrap, None if not installed
    setpriv: str | None = None  # real path of setpriv when it is under /usr (the root launchers need it)
    root_error: Words | str | None = None  # root: why bwrap could not create its namespaces (None: it could)
    userns_error: Words | str | None = None  # not root: why bwrap --unshare-user failed (None: it worked)
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
    reason: Words | str | None  # why bwrap itself cannot run (None when it can)
    advice: Words | None = None  # what to do about it

    def words(self) -> Words:
        """The whole sentence: student code needs a sandbox, why there is none, what to do."""
        return Words("sandbox.unavailable", reason=self.reason, advice=self.advice)

    def message(self, language: str = "en") -> str:
        return self.words().message(language)


# Each fix of a host that refuses an ordinary user's user namespaces: the setting that blames it, its words.
USERNS_FIXES = (
    ("user.max_user_namespaces", "sandbox.fix-max-userns"),
    ("kernel.unprivileged_userns_clone", "sandbox.fix-userns-clone"),
)


def decide(f: Facts) -> Decision:
    """The launcher these facts allow, or why none can run and what to do (as :class:`Words`)."""
    if f.bwrap is None:
        install = Words("sandbox.install-bwrap")
        return Decision(None, "missing", Words("sandbox.no-bwrap"),
                        install if f.euid == 0 else Words("sandbox.install-bwrap-user", install=install))
    if f.euid == 0:
        if f.setpriv is None:
            return Decision(None, "setpriv", Words("sandbox.no-setpriv"), Words("sandbox.install-util-linux"))
        if f.root_error is not None:
            return Decision("uid", "namespaces", f.root_error, Words("sandbox.namespaces-uid-fallback"))
        return Decision("bwrap", None, None)
    if f.userns_error is None:
        return Decision("bwrap-userns", None, None)
    blocking = f.blocking_sysctls()
    fixes = [Words(code) for name, code in USERNS_FIXES if any(b.startswith(name) for b in blocking)]
    if any(b.startswith("kernel.apparmor_restrict_unprivileged_userns") for b in blocking) or not blocking:
        fixes.append(Words("sandbox.fix-apparmor"))
    fixes.append(Words("sandbox.fix-root"))
    reason = (Words("sandbox.userns-refused-by", settings=", ".join(blocking), error=f.userns_error) if blocking
              else Words("sandbox.userns-refused", error=f.userns_error))
    return Decision(None, "userns", reason, Words("sandbox.userns-fixes", fixes=fixes))


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


def _run(argv: list[str]) -> Words | None:
    """None if ``argv`` ran and exited 0, else what went wrong (bounded)."""
    try:
        proc = subprocess.run(argv, env={"PATH": "/usr/bin:/bin"}, stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Words("sandbox.bwrap-cannot-run", error=str(exc)[:300])
    if proc.returncode != 0:
        return Words("sandbox.bwrap-no-namespaces", error=proc.stderr.decode(errors="replace").strip()[:300])
    return None


def _root_probe(bwrap: str, setpriv: str) -> Words | None:
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


def _userns_probe(bwrap: str, ipc_limits: bool) -> Words | None:
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
def presumed() -> Facts:
    """This host's facts as far as they cost no process; the namespaces presumed to work."""
    euid = os.geteuid()
    return Facts(euid=euid, bwrap=shutil.which("bwrap"), setpriv=setpriv_path(), userns_ipc=euid != 0,
                 sysctls=_sysctls(), kernel=_kernel())


class _Known:
    confirmed = False  # probed facts decide (after confirm() or refute())


def facts() -> Facts:
    """The facts a sandbox starts on: ``presumed()`` while they name a bwrap launcher and nothing
    has contradicted them, else ``probed()`` (see the module doc)."""
    if not _Known.confirmed:
        guess = presumed()
        if decide(guess).mode in ("bwrap", "bwrap-userns") and not guess.blocking_sysctls():
            return guess
    return probed()


def confirm() -> Facts:
    """Probe now, and decide on probed facts from now on (a class run's first step)."""
    _Known.confirmed = True
    return facts()


def refute() -> bool:
    """A sandbox started on ``facts()`` did not start.  True if those facts were presumed and the
    probe now says otherwise: the caller may start it once more, on the new ``facts()``."""
    if _Known.confirmed:
        return False  # the probe's facts were used: the failure is the sandbox's own
    before = facts()
    _Known.confirmed = True
    return facts() != before


@functools.lru_cache(maxsize=1)
def probed() -> Facts:
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


def decision(confirmed: bool = False) -> Decision:
    """The launcher ``facts()`` allow; ``confirmed``: on probed facts (``confirm``)."""
    if confirmed:
        confirm()
    return decide(facts())
