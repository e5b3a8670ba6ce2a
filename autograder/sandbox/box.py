"""Owns: one student's sandbox -- start, stop and restart its worker; deadlines, limits, replies.

This module never executes student code and never unpickles: a launcher (launchers.py, one
per isolation mode, chosen by probe.py from what the host allows) spawns ``worker.py`` inside
bubblewrap, under a private uid, or -- with ``isolate=False``, the grader's ``--no-sandbox`` --
as a plain subprocess; ``Sandbox`` sends it frames and validates the frames it sends back.
See docs/ARCHITECTURE.md, "Sandbox", for the mount layout, the limits and the failure modes.
"""
from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from typing import IO, Any

from autograder.sandbox import cgroups, probe
from autograder.sandbox.inside import protocol
from autograder.sandbox.launchers import REGISTRY, bwrap_command  # callers use box.*
from autograder.sandbox.layout import (  # noqa: F401 (callers use box.*)
    ENV, INSIDE, WORKER_FILES, _numpy_dirs, _world_reachable, sandbox_env, worker_argv)
from autograder.sandbox.probe import SandboxUnavailable, Words
from autograder.sandbox.uids import (  # noqa: F401 (callers use box.*)
    UID_BASE, UID_SPARE, _held_uids, _slot_processes, claim_uid, release_uid)

__all__ = ["Limits", "Sandbox", "SandboxUnavailable", "SharedPrograms", "available", "bwrap_available",
           "bwrap_command", "class_run_problem", "isolation_mode", "UID_BASE"]

ERROR_KINDS = frozenset({"missing", "not-implemented", "exception", "arity", "error"})
FAILURE_KINDS = frozenset({"exception", "crash", "timeout", "error"})


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
        # RLIMIT_NPROC counts every process of the real uid (in its user namespace, since Linux 5.14):
        # meaningful for a private uid or a sandbox's own user namespace, not for --no-sandbox.
        out["processes"] = self.processes if sandboxed else None
        out["sandboxed"] = sandboxed
        out["pid_namespace"] = sandboxed  # False for the uid fallback (sandbox.py sets it)
        return out


# ------------------------------------------------------------------------------ what this host allows


def bwrap_available() -> bool:
    """True if bubblewrap builds the sandbox here (as root, or in a user namespace), as far as
    is known without starting one (probe.facts: presumed until a start fails)."""
    return isolation_mode() in ("bwrap", "bwrap-userns")


def isolation_mode(confirmed: bool = False) -> str | None:
    """The launcher this host allows (a key of launchers.REGISTRY): "bwrap" (root), "bwrap-userns"
    (not root, user namespaces allowed), "uid" (root, namespaces forbidden: an unprivileged uid +
    rlimits, e.g. Gradescope's containers); None when student code cannot be isolated here.
    ``confirmed``: decided on the probe's facts, not on what probe.py presumes."""
    return probe.decision(confirmed).mode


def available() -> bool:
    return isolation_mode() is not None


def class_run_problem(folders: list) -> Words | None:
    """Why this host's sandbox must not grade a class whose submissions and results are in
    ``folders`` (a message saying what to do), or None.  One submission is always allowed.
    Decided on probed facts: a class is never graded on a presumption."""
    mode = isolation_mode(confirmed=True)
    return None if mode is None else REGISTRY[mode].class_run_problem([str(f) for f in folders])



def _result_error(value: Any) -> dict:
    error = value.get("error") if isinstance(value, dict) else None
    if not isinstance(error, dict) or set(error) - {"kind", "message", "step"}:
        raise ValueError("bad error entry")
    kind, message, step = error.get("kind"), error.get("message", ""), error.get("step")
    if kind not in ERROR_KINDS or not isinstance(message, str):
        raise ValueError("bad error entry")
    clean: dict[str, str | int] = {"kind": str(kind), "message": message[:2000]}
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
        self.mode = isolation_mode() if isolate else "none"  # a key of launchers.REGISTRY
        if self.mode is None:
            raise SandboxUnavailable()
        self.launcher = REGISTRY[self.mode]()
        if not 0 <= int(slot) < 5000:
            raise ValueError("slot must be in 0..4999")
        self.limits = limits or Limits()
        self.slot = int(slot)
        self.isolate = isolate
        self.uid = UID_BASE + self.slot
        self.startup_seconds: float | None = None  # of the last start
        self.starts = 0
        self._proc: subprocess.Popen | None = None
        self._launched: tuple[float, Any] | None = None  # launch()ed, its ready message not read yet
        self._codes: dict[str, tuple[str, str]] = {}
        self._loaded: set[str] = set()
        self._ahead: tuple[str, tuple[str, str], float] | None = None  # load_ahead's, its reply unread
        self._ahead_reply: tuple[str, tuple[str, str], dict] | None = None  # read, for load() to return
        self._tmp: str | None = None
        self._stderr: IO[bytes] | None = None
        self._init_pidfd: int | None = None
        self._init_pid: int | None = None
        self._pidns: str | None = None
        self._cgroup: cgroups.Cgroup | None = None
        # what the student's code runs under (the result's "isolation"); exact once started
        self.isolation = self.launcher.label

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
        self._ensure_started()
        return self.startup_seconds or 0.0

    def launch(self) -> None:
        """Start the worker's processes and return at once; ``start()`` or the first request waits
        until it is ready.  A caller with work of its own (importing numpy, drawing the hidden
        cases) does it while the sandbox boots on another core, where a thread of its own could
        not even start it before that work released the GIL."""
        if self._launched is None and not self.running:
            self._kill()
            self._launched = self._launch()

    def load(self, unit: str, code: str, filename: str = "<student>") -> dict:
        """Exec ``code`` (compiled as ``filename``) in a fresh process for ``unit``.

        Returns ``{"ok": True}`` or ``{"ok": False, "kind": "exception"|"crash"|"timeout"|"error",
        "message": str}``.  After ``exception`` the unit stays usable: its namespace holds what was
        defined before the error.
        """
        if not isinstance(unit, str) or not isinstance(code, str) or not isinstance(filename, str):
            raise TypeError("unit, code and filename must be str")
        self._finish_ahead()
        ahead, self._ahead_reply = self._ahead_reply, None
        self._codes[unit] = (code, filename)
        if ahead is not None and ahead[:2] == (unit, (code, filename)):
            return ahead[2]  # (if the worker restarted since, run() loads the unit there first)
        self._loaded.discard(unit)
        return self._load(unit)

    def warm(self) -> bool:
        """Have the worker import now what units would otherwise import each on first use
        (worker.WARM_MODULES): for a spare sandbox, while it waits for its student.  Returns
        whether it did (a worker that fails here is started again by the next request)."""
        self._ensure_started()
        reply = self._request({"op": "warm"}, time.monotonic() + self.limits.load_seconds + self.limits.grace_seconds)
        return reply.get("ok") is True and set(reply) == {"ok"}

    def load_ahead(self, unit: str, code: str, filename: str = "<student>") -> bool:
        """Send ``unit``'s load request and return without waiting for it: the worker loads the unit
        while the caller does work of its own (scoring the notebook before).  ``load`` of the same
        unit and code then returns the reply as it would have, and any other request reads it first,
        so the worker still serves one request at a time, in the order they were sent.  Only on a
        running worker with no reply outstanding; returns whether the request was sent."""
        if not isinstance(unit, str) or not isinstance(code, str) or not isinstance(filename, str):
            raise TypeError("unit, code and filename must be str")
        self._finish_ahead()
        if self._launched is not None or not self.running:
            return False
        self._codes[unit] = (code, filename)
        self._loaded.discard(unit)
        msg, deadline = self._load_request(unit)
        try:
            protocol.write_bytes(self._pipes()[0], self._frame(msg), deadline)
        except (TimeoutError, OSError):
            self._kill()  # the next request starts the worker again and loads the unit then
            return False
        self._ahead = (unit, (code, filename), deadline)
        return True

    def run(self, unit: str, programs: list, timeout: float | None = None) -> dict:
        """Run call programs in ``unit``'s process; ``timeout`` (seconds) covers the whole request.

        Returns ``{"ok": True, "results": [R, ...]}`` with, per program, either
        ``{"outputs": [[values] per step], "mutated": [[arg indices] per step]}`` or
        ``{"error": {"kind": K, "message": M[, "step": i]}}``; or, if the unit's process
        died or timed out, ``{"ok": False, "kind": "crash"|"timeout", "message": M}``.
        """
        if unit not in self._codes:
            raise KeyError(f"unit {unit!r} was never loaded")
        self._finish_ahead()  # (its worker may have died meanwhile: then ``unit`` is loaded again below)
        timeout = float(self.limits.call_seconds if timeout is None else timeout)
        frame = programs.frame() if isinstance(programs, SharedPrograms) else None
        programs = list(programs)
        if frame is None:
            frame = protocol.encode_frame(*protocol.pack({"programs": programs}))
        if self._launched is None and not self.running:
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
        self._ahead_reply = None

    # ------------------------------------------------------------------ internals

    def _load(self, unit: str) -> dict:
        self._ensure_started()
        return self._loaded_reply(unit, self._request(*self._load_request(unit)))

    def _load_request(self, unit: str) -> tuple[dict, float]:
        """``unit``'s load request (its stored code) and the deadline of its reply, from now."""
        code, filename = self._codes[unit]
        return ({"op": "load", "unit": unit, "code": code, "filename": filename,
                 "timeout": float(self.limits.load_seconds)},
                time.monotonic() + self.limits.load_seconds + self.limits.grace_seconds)

    def _finish_ahead(self) -> None:
        """Read the reply of ``load_ahead``'s request, if one is outstanding, and keep it for ``load``."""
        ahead, self._ahead = self._ahead, None
        if ahead is None:
            return
        unit, code, deadline = ahead
        # (read late, the reply may be there although the deadline passed: the grace is the same)
        reply = self._exchange(None, max(deadline, time.monotonic() + self.limits.grace_seconds))
        result = self._loaded_reply(unit, reply)
        self._ahead_reply = (unit, code, result)  # after a kill in _exchange: load() returns what happened

    def _loaded_reply(self, unit: str, reply: dict) -> dict:
        """What ``load`` returns for the worker's ``reply`` to a load request."""
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
        self._finish_ahead()
        self._ensure_started()
        return self._exchange(self._frame(msg, payload), deadline)

    def _frame(self, msg: dict, payload: list | None = None) -> list:
        """The chunks of a request (``msg``'s frame, then ``payload``'s), within ``request_bytes``."""
        chunks = [*protocol.encode_frame(*protocol.pack(msg)), *(payload or [])]
        if sum(len(memoryview(c).cast("B")) for c in chunks) > self.limits.request_bytes:
            raise ValueError(f"request larger than limits.request_bytes ({self.limits.request_bytes})")
        return chunks

    def _exchange(self, chunks: list | None, deadline: float) -> dict:
        """Write ``chunks`` (None: already written) and read the reply, as :meth:`_request` returns it."""
        stdin, stdout = self._pipes()
        try:
            if chunks is not None:
                protocol.write_bytes(stdin, chunks, deadline)
            reply = protocol.recv(stdout, self.limits.reply_bytes + (1 << 20), deadline)
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
        import numpy as np  # (imported by the reply's decoding: numpy is not needed to start a sandbox)

        ok = reply.get("ok")
        reply["ok"] = type(ok) in (bool, np.bool_) and bool(ok)
        return reply

    def _pipes(self) -> tuple[int, int]:
        """The worker's stdin and stdout (``_spawn`` starts it with both piped)."""
        proc = self._proc
        assert proc is not None and proc.stdin is not None and proc.stdout is not None
        return proc.stdin.fileno(), proc.stdout.fileno()

    def _stderr_tail(self) -> str:
        if self._stderr is None:
            return ""
        try:
            self._stderr.seek(0)
            tail = self._stderr.read()[-600:].decode(errors="replace").strip()
            return f": {tail}" if tail else ""
        except Exception:
            return ""

    def _ensure_started(self) -> None:
        if self._launched is not None:
            self._spawn()  # the launched worker, once ready
        elif not self.running:
            self._kill()
            self._spawn()

    def _spawn(self) -> None:
        """Start the worker (or wait for the one ``launch`` started); if it did not start on presumed
        facts that the probe now corrects (probe.refute: e.g. namespaces refused here, so the uid
        fallback), once more on those."""
        try:
            self._spawn_once()
        except SandboxUnavailable:
            if not self.isolate or not probe.refute():
                raise
            self.mode = isolation_mode()
            if self.mode is None:
                raise SandboxUnavailable() from None
            self.launcher = REGISTRY[self.mode]()
            self.isolation = self.launcher.label
            self._spawn_once()

    def _spawn_once(self) -> None:
        launched, self._launched = self._launched, None
        self._await_ready(*(launched or self._launch()))

    def _launch(self) -> tuple[float, Any]:
        """Start the worker's processes: (when, the launcher's Start) for ``_await_ready``."""
        t0 = time.monotonic()
        self._stderr = tempfile.TemporaryFile(prefix="rnnlab-sandbox-")
        start = self.launcher.prepare(self)
        try:
            self._proc = subprocess.Popen(start.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                          stderr=self._stderr, env=start.env, cwd=start.cwd, pass_fds=start.pass_fds,
                                          start_new_session=True, bufsize=0)
        finally:
            for fd in start.to_close:
                os.close(fd)
        self.starts += 1
        self._loaded.clear()
        stdin, stdout = self._pipes()
        os.set_blocking(stdin, False)
        os.set_blocking(stdout, False)
        return t0, start

    def _await_ready(self, t0: float, start: Any) -> None:
        _, stdout = self._pipes()
        deadline = t0 + max(10.0, self.limits.load_seconds)
        try:
            ready = protocol.recv(stdout, 1 << 20, deadline)
            if not isinstance(ready, dict) or not ready.get("ready"):
                raise protocol.ProtocolError("no ready message")
            self.launcher.ready(self, ready)
            if start.info_r is not None:
                self._read_info(start.info_r, deadline)
        except (protocol.ProtocolError, TimeoutError, OSError) as exc:
            detail = self._stderr_tail()
            self._kill()
            raise SandboxUnavailable(Words("sandbox.did-not-start", error=f"{type(exc).__name__}: {exc}",
                                            stderr=detail)) from None
        finally:
            if start.info_r is not None:
                os.close(start.info_r)
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
        """SIGKILL the whole sandbox, reap it, and wait until no process of it is left."""
        launched, self._launched = self._launched, None
        if launched is not None and launched[1].info_r is not None:
            os.close(launched[1].info_r)
        proc, self._proc = self._proc, None
        self._loaded.clear()
        self._ahead = None  # an unread reply dies with the worker: load() then loads on the next one
        if proc is not None:
            self.launcher.stop(self, proc)
            if proc.poll() is None:  # not reaped yet, so its pid (= pgid) is still ours
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except OSError:
                    pass
            proc.wait()
            for stream in (proc.stdin, proc.stdout):
                try:
                    if stream is not None:
                        stream.close()
                except OSError:
                    pass
            self.launcher.wait_gone(self)
        cgroup, self._cgroup = self._cgroup, None  # taken once: a background close may race a kill
        emptied = False  # True: the sandbox's cgroup is gone, so no process of it is left anywhere
        if cgroup is not None:
            end = time.monotonic() + 2
            while not (emptied := cgroup.remove()) and time.monotonic() < end:
                time.sleep(0.01)
        self.launcher.release(self, emptied)
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
