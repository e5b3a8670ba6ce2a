"""Owns: how each isolation mode starts the worker and takes it down again (one class per mode).

``Sandbox`` (box.py) holds a sandbox's state and speaks the protocol; the launcher of its
mode, chosen from ``REGISTRY`` by the name probe.py decided, does the mode's part:

- ``prepare``: claim what the sandbox needs (a uid, a folder, a cgroup) and return the
  command that starts the worker (``Start``); set ``box.isolation``;
- ``ready``: read what the worker's first message says (the uid fallback's own seccomp);
- ``stop``: kill everything the sandbox runs, before the grader reaps the worker;
- ``wait_gone``: after reaping, wait until no process of the sandbox is left, remove traces;
- ``release``: give back the uid once nothing of the sandbox can still use it.

Modes (``isolation`` in every result starts with the label):

  bwrap         root: bwrap, a private uid per slot (setpriv), SysV limits and an inode-capped
                /tmp set by LAUNCHER, a cgroup per sandbox, seccomp;
  bwrap-userns  not root: bwrap in its own user namespace (the user's uid), the same mounts
                and namespaces, rlimits, seccomp, a cgroup where a delegated one exists;
  uid           root without namespaces (a container): a private uid, rlimits, the worker's
                own seccomp, the host's file system;
  none          --no-sandbox: a plain subprocess, for code one trusts.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

from autograder.sandbox import cgroups, layout, probe, uids
from autograder.sandbox import seccomp as seccomp_mod
from autograder.sandbox.inside import protocol
from autograder.sandbox.probe import SandboxUnavailable, Words

# The first program of every root bwrap sandbox, run as root by ``unshare --ipc --mount`` (util-linux):
# join the sandbox's cgroup(s), give the new IPC namespace small SysV shared-memory limits and
# shm_rmid_forced (a detached segment is freed at once: none outlives its last user), mount the
# private /tmp with a size *and an inode* limit (bwrap's --tmpfs has no nr_inodes) in the new,
# private mount namespace, then exec bwrap, which inherits all of it.
# Arguments: N, N cgroup.procs files, shmmax (0: leave the SysV limits as they are), shmall (pages),
# shmmni, tmp size, tmp inodes, mount point, command...
LAUNCHER = r"""set -e
n=$1; shift
while [ "$n" -gt 0 ]; do echo $$ > "$1"; shift; n=$((n - 1)); done
if [ "$1" != 0 ]; then
echo "$1" > /proc/sys/kernel/shmmax
echo "$2" > /proc/sys/kernel/shmall
echo "$3" > /proc/sys/kernel/shmmni
echo 1 > /proc/sys/kernel/shm_rmid_forced
fi
mount -t tmpfs -o "size=$4,nr_inodes=$5,mode=1777,nosuid,nodev" rnnlab-tmp "$6"
shift 6
exec "$@"
"""
# An ordinary user's grader runs the same script under ``unshare --user --map-root-user --ipc
# --mount`` (a user namespace of its own, in which it is root, owning the new IPC and mount
# namespaces), passing shmmax 0 where the kernel does not let a namespace's root set the SysV
# limits (the seccomp filter then denies SysV IPC); bwrap then makes the sandbox's own, nested
# user namespace.
# The uid fallback's and the user-namespace mode's first program: join the cgroup(s), then exec.
JOIN_CGROUP = r"""set -e
n=$1; shift
while [ "$n" -gt 0 ]; do echo $$ > "$1"; shift; n=$((n - 1)); done
exec "$@"
"""
ARGS_MAX = 60000  # a pipe holds 64 KiB: a larger bwrap argument list would need a writer thread


@dataclass
class Start:
    """How to start one worker: what ``Sandbox`` hands to ``subprocess.Popen``."""

    argv: list[str]
    env: dict[str, str]
    cwd: str
    pass_fds: tuple[int, ...] = ()
    to_close: list[int] = field(default_factory=list)  # closed in the grader once the worker started
    info_r: int | None = None  # bwrap's --info-fd (the sandbox's init pid and pid namespace)


def _pipe_with(data: bytes) -> int:
    """The read end of a pipe holding ``data`` (then EOF)."""
    read, write = os.pipe()
    os.write(write, data)
    os.close(write)
    return read


def _join_cgroup(cgroup: cgroups.Cgroup | None, argv: list[str]) -> list[str]:
    if cgroup is None:
        return argv
    return ["/bin/sh", "-c", JOIN_CGROUP, "rnnlab-join", str(len(cgroup.procs)), *cgroup.procs, *argv]


def _release_slot_uid(box, emptied: bool) -> None:
    """The slot's private uid back to the pool (the root launchers claim one per sandbox)."""
    if box.uid in uids._held_uids and (emptied or not uids._slot_processes(box.uid)):
        uids.release_uid(box.uid)  # (a uid with processes left stays claimed: they still count)


def _say_bye(proc: subprocess.Popen) -> None:
    """The worker kills its units on "bye"; their setsid'd offspring may survive."""
    assert proc.stdin is not None  # every launcher starts the worker with stdin=PIPE
    try:
        protocol.send(proc.stdin.fileno(), {"op": "bye"}, deadline=time.monotonic() + 0.2)
        proc.wait(timeout=1)
    except (OSError, TimeoutError, subprocess.TimeoutExpired, protocol.ProtocolError):
        pass


WAIT_GONE_SECONDS = 10.0  # at most, after a sandbox is killed, for its processes to be gone


class Launcher:
    """One isolation mode (see the module docstring)."""

    name = ""
    label = ""  # ``isolation`` before the first start
    isolated = True  # False: student code runs as the grader's user, unconfined

    def prepare(self, box) -> Start:
        raise NotImplementedError

    def ready(self, box, message: dict) -> None:
        """The worker's first message arrived (``{"ready": True, ...}``)."""

    def stop(self, box, proc: subprocess.Popen) -> None:
        _say_bye(proc)

    def wait_gone(self, box) -> None:
        """The worker was reaped: wait until no process of the sandbox is left."""

    def release(self, box, emptied: bool) -> None:
        """``emptied``: the sandbox's cgroup is gone (so none of its processes is left anywhere)."""

    @classmethod
    def class_run_problem(cls, folders: list[str]) -> Words | None:
        """Why this mode must not grade several students whose work and results are in ``folders``
        (the submissions, the results), or None."""
        return None


class _NamespacedBwrap(Launcher):
    """What both bwrap launchers share: the sandbox's init is killed through its pidfd, which takes
    every process of its pid namespace with it; the outer bwrap then reaps it and exits."""

    def _bwrap_fds(self, opts: list[str], box, seccomp_program: bytes | None) -> tuple[int, int, list[int]]:
        """(args fd, info read end, fds to pass) with ``opts`` written to the args pipe."""
        info_r, info_w = os.pipe()
        fds = [info_w]
        if seccomp_program is not None:  # bwrap reads the BPF program from this fd until EOF
            seccomp_r = _pipe_with(seccomp_program)
            opts = [*opts, "--seccomp", str(seccomp_r)]
            fds.append(seccomp_r)
        data = b"".join(a.encode() + b"\0" for a in [*opts, "--info-fd", str(info_w)])
        if len(data) > ARGS_MAX:
            for fd in (info_r, *fds):
                os.close(fd)
            raise SandboxUnavailable(Words("sandbox.args-too-long"))
        args_r = _pipe_with(data)
        return args_r, info_r, [args_r, *fds]

    def stop(self, box, proc: subprocess.Popen) -> None:
        try:
            if box._init_pidfd is not None:
                signal.pidfd_send_signal(box._init_pidfd, signal.SIGKILL)
            elif box._init_pid is not None:
                os.kill(box._init_pid, signal.SIGKILL)
        except OSError:
            pass
        try:
            proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            pass

    def wait_gone(self, box) -> None:
        # Returns as soon as nothing is left.  The bound is long because what is left still counts
        # against the slot uid's RLIMIT_NPROC: the next sandbox of that uid could not fork (EAGAIN)
        # while a killed fork storm of the last one is still dying on a loaded machine.
        end = time.monotonic() + WAIT_GONE_SECONDS
        cgroup = box._cgroup
        if cgroup is not None:
            # Every process of the sandbox is in its cgroup (joined before bwrap started, and
            # nothing inside may leave it): its few lines, not a scan of /proc.
            while cgroup.pids() and time.monotonic() < end:
                time.sleep(0.005)
        else:
            while uids._slot_processes(box.uid, box._pidns) and time.monotonic() < end:
                time.sleep(0.01)


class RootBwrap(_NamespacedBwrap):
    """Root: bwrap without a user namespace; the worker runs as the slot's private uid."""

    name = label = "bwrap"

    def prepare(self, box) -> Start:
        box.uid = uids.claim_uid(box.slot)
        box._tmp = tempfile.mkdtemp(prefix="rnnlab-sandbox-")  # mount point of the private /tmp
        opts, inside = bwrap_command(box.slot, box.limits, box.uid, tmp_dir=box._tmp)
        program = seccomp_mod.program()
        args_r, info_r, fds = self._bwrap_fds(opts, box, program)
        box._cgroup = cgroups.create(box.limits.cgroup_memory_bytes, box.limits.cgroup_processes)
        procs = box._cgroup.procs if box._cgroup else []
        page = os.sysconf("SC_PAGE_SIZE")
        limits = box.limits
        argv = [shutil.which("unshare", path="/usr/bin:/bin") or "unshare", "--ipc", "--mount",
                "--propagation", "private", "--", "/bin/sh", "-c", LAUNCHER, "rnnlab-launch",
                str(len(procs)), *procs, str(max(1, int(limits.shm_bytes))),  # never 0: that skips the limits
                str(max(1, int(limits.shm_bytes) // page)), str(int(limits.shm_segments)),
                str(int(limits.tmp_bytes)), str(int(limits.tmp_inodes)), box._tmp,
                shutil.which("bwrap"), "--args", str(args_r), *inside]
        box.isolation = "bwrap" + ("+cgroup" if box._cgroup else "") + ("+seccomp" if program else "")
        return Start(argv, {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}, "/", tuple(fds), fds, info_r)

    def release(self, box, emptied: bool) -> None:
        _release_slot_uid(box, emptied)


class UsernsBwrap(_NamespacedBwrap):
    """Not root: bwrap creates a user namespace (the user's own uid inside, no capabilities) and,
    inside it, the same pid, network, IPC, UTS and mount namespaces and mount layout as root's.

    Like root's, bwrap starts inside the launcher's IPC and mount namespaces (LAUNCHER, in
    a user namespace of its own where it may mount and set sysctls): the same size- and
    inode-capped /tmp and SysV limits (where the kernel lets a namespace's root set them; else
    this mode's seccomp filter denies SysV IPC and POSIX message queues).  The user owns the
    tmpfs bwrap makes for / and /dev here (as root, root does): both are remounted read-only,
    and /dev/shm is a tmpfs of ``shm_bytes``.  What an ordinary user cannot have: a private uid
    (RLIMIT_NPROC counts this uid's processes in this user namespace only since Linux 5.14, so
    there it bounds this sandbox; on older kernels it would count all the user's processes, so
    it is not set), and a cgroup unless the grader runs in a delegated one (cgroups.py)."""

    name = label = "bwrap-userns"

    def prepare(self, box) -> Start:
        bwrap = shutil.which("bwrap")
        if bwrap is None:
            raise SandboxUnavailable()
        facts = probe.facts()
        box.uid = os.getuid()
        box._tmp = tempfile.mkdtemp(prefix="rnnlab-sandbox-")  # mount point of the private /tmp
        exe, _ = layout._python_roots()
        limits = box.limits
        worker_limits = dict(limits.for_worker(True))
        if not facts.nproc_per_userns:
            worker_limits["processes"] = None
        opts = ["--unshare-user", "--uid", str(box.uid), "--gid", str(os.getgid()), "--disable-userns",
                "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try", "--hostname", "rnnlab",
                # the worker's own init is pid 1 (worker._init): bwrap's would run as the user, dumpable and
                # without seccomp, holding the grader's pipes (its /proc/1/fd, mem and environ open to units)
                "--as-pid-1",
                "--die-with-parent", "--new-session", *layout.bwrap_mounts(["--bind", box._tmp, "/tmp"]),
                # the user owns the tmpfs bwrap makes for / and /dev: read-only, and /dev/shm its own, bounded
                "--perms", "1777", "--size", str(int(limits.shm_bytes)), "--tmpfs", "/dev/shm",
                "--remount-ro", "/dev", "--remount-ro", "/"]
        program = seccomp_mod.program(no_sysv_ipc=not facts.userns_ipc)
        args_r, info_r, fds = self._bwrap_fds(opts, box, program)
        box._cgroup = cgroups.create(limits.cgroup_memory_bytes, limits.cgroup_processes)
        procs = box._cgroup.procs if box._cgroup else []
        page = os.sysconf("SC_PAGE_SIZE")
        ipc = ([str(int(limits.shm_bytes)), str(max(1, int(limits.shm_bytes) // page)), str(int(limits.shm_segments))]
               if facts.userns_ipc else ["0", "0", "0"])
        argv = [shutil.which("unshare", path="/usr/bin:/bin") or "unshare", "--user", "--map-root-user", "--ipc",
                "--mount", "--propagation", "private", "--", "/bin/sh", "-c", LAUNCHER, "rnnlab-launch",
                str(len(procs)), *procs, *ipc, str(int(limits.tmp_bytes)), str(int(limits.tmp_inodes)), box._tmp,
                bwrap, "--args", str(args_r), *layout.worker_argv(exe, layout.INSIDE, worker_limits)]
        box.isolation = ("bwrap-userns+rlimits" + ("+cgroup" if box._cgroup else "")
                         + ("+seccomp" if program else ""))
        return Start(argv, {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}, "/", tuple(fds), fds, info_r)


class UidFallback(Launcher):
    """Root without namespaces (a container without CAP_SYS_ADMIN): the worker runs as the slot's
    private uid with rlimits and installs the seccomp filter itself; it shares the host's file
    system, /proc and IPC namespace, so what its uid can reach is checked first
    (``check_uid_fallback``) and what it left is removed after (``uids.remove_traces``)."""

    name = "uid"
    label = "uid+rlimits"

    def prepare(self, box) -> Start:
        check_uid_fallback()
        setpriv = probe.setpriv_path()  # the probe chose this launcher only with setpriv
        if setpriv is None:
            raise SandboxUnavailable(Words("sandbox.no-setpriv"))
        box.uid = uids.claim_uid(box.slot)
        box._tmp = tempfile.mkdtemp(prefix="rnnlab-uid-")
        os.chmod(box._tmp, 0o711)
        opt = layout.private_opt(box._tmp, 0o644)
        cwd = os.path.join(box._tmp, "work")  # the student's only writable folder (and HOME, TMPDIR)
        os.mkdir(cwd, 0o700)
        os.chown(cwd, box.uid, box.uid)
        env = dict(layout.sandbox_env(), HOME=cwd, TMPDIR=cwd)
        limits = dict(box.limits.for_worker(True), pid_namespace=False)
        program = seccomp_mod.program(unix_sockets_only=True, no_sysv_ipc=True)
        fds: list[int] = []
        if program is not None:  # the worker installs it itself, before numpy and student code
            limits["seccomp_fd"] = _pipe_with(program)
            fds = [limits["seccomp_fd"]]
        argv = [setpriv, f"--reuid={box.uid}", f"--regid={box.uid}", "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all",
                *layout.worker_argv(os.path.realpath(sys.executable), opt, limits)]
        box._cgroup = cgroups.create(box.limits.cgroup_memory_bytes, box.limits.cgroup_processes)
        box.isolation = "uid+rlimits" + ("+cgroup" if box._cgroup else "")
        return Start(_join_cgroup(box._cgroup, argv), env, cwd, tuple(fds), fds)

    def ready(self, box, message: dict) -> None:
        if bool(message.get("seccomp")):
            box.isolation += "+seccomp"

    def stop(self, box, proc: subprocess.Popen) -> None:
        uids._kill_uid(box.uid)  # no pid namespace: every process of the slot's private uid goes
        _say_bye(proc)

    def wait_gone(self, box) -> None:
        end = time.monotonic() + WAIT_GONE_SECONDS
        while uids._slot_processes(box.uid) and time.monotonic() < end:
            uids._kill_uid(box.uid)
            time.sleep(0.01)
        uids._remove_traces(box.uid)

    def release(self, box, emptied: bool) -> None:
        _release_slot_uid(box, emptied)

    @classmethod
    def class_run_problem(cls, folders: list[str]) -> Words | None:
        """The sandbox's uid reaches whatever other users may reach, and /proc shows the grader's
        command line (hidepid needs CAP_SYS_ADMIN, which this mode lacks): classmates' notebooks and
        the results must be closed to other users before several students share this host."""
        for folder in folders:
            if layout.others_can_enter(folder):
                return Words("sandbox.class-open-to-others", folder=folder)
        return None


class Plain(Launcher):
    """--no-sandbox: the worker as a plain subprocess of the grader, for code one trusts."""

    name = label = "none"
    isolated = False

    def prepare(self, box) -> Start:
        box._tmp = tempfile.mkdtemp(prefix="rnnlab-nosandbox-")
        opt = layout.private_opt(box._tmp)
        cwd = os.path.join(box._tmp, "work")
        os.mkdir(cwd)
        env = dict(layout.sandbox_env(), HOME=cwd, TMPDIR=cwd)
        return Start(layout.worker_argv(os.path.realpath(sys.executable), opt, box.limits.for_worker(False)), env, cwd)


REGISTRY: dict[str, type[Launcher]] = {cls.name: cls for cls in (RootBwrap, UsernsBwrap, UidFallback, Plain)}


# ------------------------------------------------------------------------------ mode-specific checks


def bwrap_command(slot: int, limits, uid: int | None = None,
                  tmp_dir: str | None = None) -> tuple[list[str], list[str]]:
    """``(bwrap options, command inside)`` of the root sandbox of ``slot`` (bwrap itself not included).

    With ``tmp_dir`` (what ``Sandbox`` uses) bwrap runs inside the launcher's IPC and mount
    namespaces (``LAUNCHER``): its /tmp is the launcher's size- and inode-limited tmpfs mounted
    on ``tmp_dir``, and it keeps the launcher's IPC namespace, whose SysV limits were set there."""
    setpriv = probe.setpriv_path()
    if setpriv is None:
        raise SandboxUnavailable(Words("sandbox.no-setpriv"))
    exe, _ = layout._python_roots()
    uid = uids.UID_BASE + int(slot) if uid is None else int(uid)
    opts = ["--unshare-pid", "--unshare-net", *(["--unshare-ipc"] if tmp_dir is None else []), "--unshare-uts",
            "--hostname", "rnnlab", "--die-with-parent", "--new-session"]
    tmp = (["--perms", "1777", "--size", str(int(limits.tmp_bytes)), "--tmpfs", "/tmp"] if tmp_dir is None
           else ["--bind", tmp_dir, "/tmp"])
    opts += layout.bwrap_mounts(tmp)
    inside = [setpriv, f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all",
              "--bounding-set=-all", *layout.worker_argv(exe, layout.INSIDE, limits.for_worker(True))]
    return opts, inside


def check_uid_fallback() -> None:
    """The uid fallback shares the host's file system: the course must be closed to other users
    and the runtime open to them."""
    exe, _ = layout._python_roots()
    parts: list[tuple[str, Words | str]] = [(exe, Words("sandbox.python-interpreter")),
                                            (sys.base_prefix, Words("sandbox.python-runtime")),
                                            *((d, "numpy") for d in layout._numpy_dirs())]
    for path, what in parts:
        if not layout._world_reachable(path):
            raise SandboxUnavailable(Words("sandbox.uid-runtime-unreadable", what=what, path=path))
    root = layout.COURSE_ROOT
    for secret in (root / "reference", root / "solutions", root / "course.yaml"):
        if secret.exists() and layout._world_reachable(str(secret)):
            raise SandboxUnavailable(Words("sandbox.uid-course-readable", secret=str(secret), root=str(root)))
