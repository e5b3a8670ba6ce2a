"""The process inside the sandbox: a zygote that forks one child per unit (standalone).

Started by a launcher (``launchers.py``) as ``python -I -S -B -c "...; import worker; worker.main()" LIMITS_JSON``
(imported, not run as a script, so that its bytecode comes from the ``__pycache__`` the grader
compiled: see ``layout.worker_argv`` and ``layout._bytecode``), with ``protocol.py`` and ``program.py`` next to it and
numpy in ``./site``.  Imports only those two and the standard library.  See
docs/ARCHITECTURE.md, "Worker requests and replies" and "Sandbox".

The zygote reads request frames on fd 0 and writes replies on fd 1.  It never runs student
code: each unit's code runs in a forked child (own process group, stdio on /dev/null,
RLIMIT_CPU) that serves ``run`` requests relayed by the zygote over a socketpair.  The
zygote enforces the per-request wall-clock timeout (SIGKILL to the child's process group),
turns a dead child into a ``crash`` reply, never forwards a partial or oversize frame, and
reloads a dead unit from its stored code on the next request.
"""
import json
import os
import resource
import sys

# --------------------------------------------------------------- limits, before anything else

LIMITS = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}


def _setrlimit(which: int, value) -> None:
    if value is None:
        return
    value = int(value)
    soft, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY and os.getuid() != 0:
        value = min(value, hard)
    resource.setrlimit(which, (value, value))


_setrlimit(resource.RLIMIT_CORE, 0)
_setrlimit(resource.RLIMIT_AS, LIMITS.get("memory_bytes", 1 << 30))
_setrlimit(resource.RLIMIT_NPROC, LIMITS.get("processes"))
_setrlimit(resource.RLIMIT_FSIZE, LIMITS.get("file_bytes", 16 << 20))
_setrlimit(resource.RLIMIT_NOFILE, LIMITS.get("open_files", 128))
try:  # if memory runs out on the host, the kernel kills student processes first (inherited)
    with open("/proc/self/oom_score_adj", "w") as _f:
        _f.write("1000")
except OSError:
    pass

import ctypes  # noqa: E402

_libc = ctypes.CDLL(None, use_errno=True)
PR_SET_PDEATHSIG, PR_SET_DUMPABLE = 1, 4
# Same-uid children must not ptrace the zygote or open /proc/<zygote>/fd (the grader's pipes).
_libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


def _init(zygote: int) -> None:
    """Be the sandbox's pid 1 (started ``--as-pid-1``): hold none of the grader's pipes, reap
    what is orphaned in the sandbox, and exit as the zygote did (as bwrap's own init would).

    Without root, bwrap's own init would run as the user's uid, dumpable and without seccomp,
    with the grader's pipes as its stdin and stdout: units could open its /proc/1/fd, mem and
    environ.  This one is non-dumpable and filtered like the zygote, and the zygote stays an
    ordinary process its units can kill or stop, as under root's bwrap."""
    os.closerange(0, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            os._exit(1)
        if pid == zygote:
            os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))


if os.getpid() == 1:  # the user-namespace mode: the zygote is pid 1's child, as under root's bwrap
    _zygote = os.fork()
    if _zygote:
        _init(_zygote)


def _install_seccomp(fd) -> bool:
    """The uid fallback (no bwrap to do it): install the grader's seccomp program, read from ``fd``."""
    if fd is None:
        return False
    data = b""
    while True:
        chunk = os.read(int(fd), 65536)
        if not chunk:
            break
        data += chunk
    os.close(int(fd))

    class _Fprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    buf = ctypes.create_string_buffer(data, len(data))
    prog = _Fprog(len(data) // 8, ctypes.addressof(buf))
    PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
    return (_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 and
            _libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) == 0)


SECCOMP = _install_seccomp(LIMITS.get("seccomp_fd"))  # before any student code, before numpy

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "site")]

import builtins  # noqa: E402
import fcntl  # noqa: E402
import gc  # noqa: E402
import mmap  # noqa: E402
import select  # noqa: E402
import signal  # noqa: E402
import _socket  # noqa: E402  (socket.py would build its enums at every sandbox start)
import time  # noqa: E402

import numpy as np  # noqa: E402 (warm import: every unit child inherits it)

import program  # noqa: E402
import protocol  # noqa: E402

REQUEST_BYTES = int(LIMITS.get("request_bytes", 256 << 20))
REPLY_BYTES = int(LIMITS.get("reply_bytes", 64 << 20))
# A reply's header holds only structure, dict keys, type names and error messages (the arrays
# travel in the body): an honest one is a few kB.  More is refused here, in the sandbox, so a
# function returning 14 000 long dict keys costs the grader no memory to parse them.
REPLY_HEADER_BYTES = int(LIMITS.get("reply_header_bytes", 1 << 20))
# kernel buffer of the grader's pipes and of each unit's socket (the most a pipe may hold without
# privileges, /proc/sys/fs/pipe-max-size's default)
PIPE_BYTES = 1 << 20
LOAD_SECONDS = float(LIMITS.get("load_seconds", 30.0))
CALL_SECONDS = float(LIMITS.get("call_seconds", 10.0))
CPU_SECONDS = LIMITS.get("cpu_seconds")
SANDBOXED = bool(LIMITS.get("sandboxed", False))  # under a private uid (alone in a pid namespace with bwrap)
PID_NAMESPACE = bool(LIMITS.get("pid_namespace", SANDBOXED))  # False: the uid fallback, no namespaces


def _message(text) -> str:
    return str(text)[:2000]


def _failure(kind: str, message: str) -> dict:
    return {"ok": False, "kind": kind, "message": _message(message)}


# --------------------------------------------------------------------------- unit child


def _serve_unit(sock: int, code: str, filename: str) -> None:
    """Runs in the forked child: load the student's code, then answer ``run`` requests."""
    namespace = {"__name__": "__main__", "__builtins__": builtins}
    try:
        exec(compile(code, filename, "exec", dont_inherit=True), namespace)
        reply: dict[str, object] = {"ok": True}
    except BaseException as exc:  # noqa: B036 - SystemExit & co. from the student's code
        reply = {"ok": False, "kind": "exception", "message": program.describe_exception(exc)}
    del code
    protocol.send(sock, reply, strict=False)
    while True:
        try:
            msg = protocol.unpack(*protocol.decode_frame(
                protocol.read_frame_bytes(sock, REQUEST_BYTES, into=_request_memory), REQUEST_BYTES))
        except protocol.ConnectionClosed:
            return
        results = []
        for prog in msg.get("programs", []):
            try:
                results.append(program.run_program(namespace, prog))
            except program.ProgramError as exc:
                results.append({"error": {"kind": exc.kind, "message": _message(exc.message), "step": exc.step}})
            except BaseException as exc:  # noqa: B036 - malformed program or worse
                results.append({"error": {"kind": "error", "message": program.describe_exception(exc)}})
        _send_results(sock, results)


# Memory a large frame is read into is mapped populated: one call makes its pages, rather than a
# page fault for each page as the bytes arrive (a process that lives for one notebook has no page
# of its own to reuse; for the zygote, see _KeptBuffer).
POPULATE_BYTES = 256 << 10
_POPULATE = getattr(mmap, "MAP_POPULATE", 0)


def _mapped(size: int) -> mmap.mmap:
    return mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | _POPULATE)


def _request_memory(size: int) -> memoryview:
    """What a unit reads a request into (protocol.read_frame_bytes' ``into``)."""
    return memoryview(_mapped(size) if size >= POPULATE_BYTES else bytearray(size))


def _encoded(value) -> tuple:
    """(header bytes, frame bytes, the frame's chunks or None) of ``value`` sent as a frame."""
    try:
        tree, arrays = protocol.pack(value, strict=False)
        floor = protocol.header_floor(tree, REPLY_HEADER_BYTES)
        if floor > REPLY_HEADER_BYTES:
            return floor, floor, None
        chunks = protocol.encode_frame(tree, arrays)
        return len(chunks[1]), sum(len(memoryview(c).cast("B")) for c in chunks), chunks
    except Exception:
        return REPLY_HEADER_BYTES + 1, REPLY_BYTES + 1, None


def _frame_sizes(value) -> tuple:
    """(header bytes, frame bytes) of ``value`` sent as a frame."""
    return _encoded(value)[:2]


def _send_results(sock: int, results: list) -> None:
    reply = {"ok": True, "results": results}
    budget, header_budget = REPLY_BYTES - 4096, REPLY_HEADER_BYTES - 4096
    header, size, chunks = _encoded(reply)
    if chunks is not None and size <= budget and header <= header_budget:  # the usual case: encoded once
        protocol.write_bytes(sock, chunks)
        return
    used = used_header = 0  # too large (or not encodable): keep the results that fit, in order
    for i, result in enumerate(results):
        header, size = _frame_sizes(result)
        if used + size > budget * 0.9 or used_header + header > header_budget * 0.9:
            what = (f"{size} bytes; the limit is {REPLY_BYTES}" if used + size > budget * 0.9 else
                    f"{'at least ' if header > REPLY_HEADER_BYTES else ''}{header} bytes of structure and keys; "
                    f"the limit is {REPLY_HEADER_BYTES}")
            results[i] = {"error": {"kind": "exception", "message": f"the outputs are too large ({what})"}}
        else:
            used, used_header = used + size, used_header + header
    tree, arrays = protocol.pack(reply, strict=False)
    protocol.write_frame(sock, tree, arrays)


def _child_main(sock: int, code: str, filename: str) -> None:
    status = 0
    try:
        os.setpgid(0, 0)
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        if sock != 3:
            os.dup2(sock, 3)  # the unit's socket is always fd 3
            sock = 3
        # close the zygote's other sockets, pidfds and /dev/null
        os.closerange(4, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
        if CPU_SECONDS is not None:
            resource.setrlimit(resource.RLIMIT_CPU, (int(CPU_SECONDS), int(CPU_SECONDS)))
        os.set_blocking(sock, True)
        _serve_unit(sock, code, filename)
    except BaseException:  # noqa: B036
        status = 3
    finally:
        os._exit(status)


# ------------------------------------------------------------------------------- zygote

# Frames up to this size are read into one of the zygote's kept buffers; larger ones (no honest
# request or reply comes near it) into memory of their own, freed after the request.
KEPT_FRAME_BYTES = 32 << 20


class _KeptBuffer:
    """Memory the zygote reads one kind of frame into, kept from one request to the next.

    A large case's megabytes then touch new memory once per sandbox rather than per request,
    and none of it is in the zygote's heap when it forks a unit: the mapping is anonymous and
    ``MADV_DONTFORK``, so a fork copies no page table of it, a unit never copies one of its
    pages on write (a unit's heap would otherwise reuse what the zygote freed), and the units
    cannot read the frames of other notebooks.  It is mapped populated (:func:`_mapped`).
    Called with a size, returns a view of that many bytes; a larger frame replaces the mapping
    (unmapped once no view of the old one is left)."""

    def __init__(self) -> None:
        self._map: mmap.mmap | None = None

    def __call__(self, size: int) -> memoryview:
        if size > KEPT_FRAME_BYTES:
            return memoryview(bytearray(size))
        if self._map is None or len(self._map) < size:
            self._map = None
            length = -(-size // (1 << 20)) * (1 << 20)  # whole MiB: a few larger frames grow it a few times
            kept = _mapped(length)
            try:
                kept.madvise(mmap.MADV_DONTFORK)
            except (AttributeError, OSError):  # without it the buffer is merely kept
                pass
            self._map = kept
        return memoryview(self._map)[:size]


class _Died(Exception):
    """The unit's process died; ``_Died(_BEFORE_REPLY)``: before a byte of its reply was read."""


_BEFORE_REPLY = "before-reply"


class Unit:
    def __init__(self, name: str, code: str, filename: str):
        self.name, self.code, self.filename = name, code, filename
        self.pid: int | None = None
        self.sock: int | None = None
        self.pidfd: int | None = None
        self.status: tuple[int, resource.struct_rusage | None] | None = None  # (wait status, rusage) once reaped

    @property
    def alive(self) -> bool:
        return self.pid is not None and self.status is None


class Zygote:
    def __init__(self):
        self.units = {}
        self.programs = _KeptBuffer()  # a run request's programs frame, passed on to the unit
        self.replies = _KeptBuffer()  # a unit's reply frame, checked, then passed on to the grader

    # ---------------------------------------------------------------- process handling

    def _fork(self):
        try:
            return os.fork()
        except BlockingIOError:
            if not SANDBOXED:  # never kill(-1) outside a private pid namespace + uid
                raise
        # A fork storm that escaped its process group holds every process slot of our uid:
        # inside the sandbox, kill everything of ours but us, then retry.  Nothing to kill (ESRCH):
        # the slots are held by processes still being reaped; the retries wait for them.
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            pass
        for unit in self.units.values():
            self._reap(unit, block=True)
        for _ in range(250):  # retry for a while: on a loaded machine the killed take long to be reaped
            try:
                return os.fork()
            except BlockingIOError:
                time.sleep(0.02)
        return os.fork()

    def _reap(self, unit: Unit, block: bool = False) -> None:
        if unit.pid is None or unit.status is not None:
            return
        try:
            pid, status, rusage = os.wait4(unit.pid, 0 if block else os.WNOHANG)
        except ChildProcessError:
            pid, status, rusage = unit.pid, 0, None
        if pid:
            unit.status = (status, rusage)

    def _kill(self, unit: Unit) -> None:
        if unit.pid is None:
            return
        if unit.status is None:
            for kill in (lambda: os.killpg(unit.pid, signal.SIGKILL), lambda: os.kill(unit.pid, signal.SIGKILL)):
                try:
                    kill()
                except OSError:
                    pass
            self._reap(unit, block=True)
        self._close(unit)

    def _close(self, unit: Unit) -> None:
        for fd in (unit.sock, unit.pidfd):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        unit.sock = unit.pidfd = None

    def _death(self, unit: Unit) -> dict:
        """Reap a unit child that died (or is killed now) and say how."""
        self._kill(unit)
        status, rusage = unit.status or (0, None)
        cpu = (rusage.ru_utime + rusage.ru_stime) if rusage else 0.0
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            # rusage under-reports by a few percent against the kernel's exact RLIMIT_CPU clock
            if sig == signal.SIGKILL and CPU_SECONDS is not None and cpu >= 0.9 * float(CPU_SECONDS) - 0.05:
                return _failure("timeout", f"CPU time limit of {CPU_SECONDS} s exceeded")
            try:
                name = signal.Signals(sig).name
            except ValueError:
                name = f"signal {sig}"
            return _failure("crash", f"the process was killed by {name}")
        if os.WIFEXITED(status):
            return _failure("crash", f"the process exited with status {os.WEXITSTATUS(status)}")
        return _failure("crash", "the process died")

    # ------------------------------------------------------------------------ I/O

    def _read_reply(self, unit: Unit, deadline: float, max_bytes: int,
                    into: _KeptBuffer | None = None) -> bytearray | memoryview:
        """One whole frame from the unit, or TimeoutError / _Died / ProtocolError.

        Read straight into one buffer of the frame's size once its prefix is known (no chunk
        objects, no growing buffer: a backward's large case replies with megabytes): ``into``'s,
        if given, else a new one."""
        sock = unit.sock
        assert sock is not None  # the unit is started
        buf: bytearray | memoryview = bytearray(protocol.PREFIX.size)
        view = memoryview(buf)
        got = 0
        sized = False
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        if unit.pidfd is not None:
            poller.register(unit.pidfd, select.POLLIN)
        dead = False
        while True:
            if not dead:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                step = left if unit.pidfd is not None else min(left, 0.05)
                events = dict(poller.poll(max(1, int(step * 1000))))
                if unit.pidfd is not None:
                    dead = unit.pidfd in events
                else:
                    self._reap(unit)
                    dead = unit.status is not None
                if not dead and sock not in events:
                    continue
            try:
                n = os.readv(sock, [view[got:]])
            except BlockingIOError:
                if dead:
                    raise (_Died(_BEFORE_REPLY) if not got else _Died()) from None
                continue
            except OSError:
                raise (_Died(_BEFORE_REPLY) if not got else _Died()) from None
            if not n:
                raise _Died(_BEFORE_REPLY) if not got else _Died()
            got += n
            if got == protocol.PREFIX.size and not sized:
                header_len, body_len = protocol.parse_prefix(bytes(buf), max_bytes)
                if header_len > REPLY_HEADER_BYTES:  # a forged frame: the honest path keeps below
                    raise protocol.ProtocolError(f"reply header of {header_len} bytes exceeds {REPLY_HEADER_BYTES}")
                sized = True
                view.release()
                size = protocol.PREFIX.size + header_len + body_len
                prefix, buf = buf, (bytearray(size) if into is None else into(size))
                buf[:protocol.PREFIX.size] = prefix
                view = memoryview(buf)
            if got == len(buf):
                view.release()
                return buf

    def _start(self, unit: Unit, timeout: float) -> dict:
        self._kill(unit)
        unit.status = None
        parent, child = _socket.socketpair(_socket.AF_UNIX, _socket.SOCK_STREAM)
        for end in (parent, child):  # a large case's megabytes in a few hand-overs, not a hundred
            try:
                end.setsockopt(_socket.SOL_SOCKET, _socket.SO_SNDBUF, PIPE_BYTES)
                end.setsockopt(_socket.SOL_SOCKET, _socket.SO_RCVBUF, PIPE_BYTES)
            except OSError:
                pass
        parent_fd, child_fd = parent.detach(), child.detach()
        try:
            pid = self._fork()
        except OSError as exc:
            os.close(parent_fd)
            os.close(child_fd)
            unit.pid = None
            return _failure("crash", f"cannot start the unit's process: {exc}")
        if pid == 0:
            os.close(parent_fd)
            code, filename = unit.code, unit.filename
            self.units = {}  # do not keep other units' code around in the child
            _child_main(child_fd, code, filename)
        os.close(child_fd)
        try:
            os.setpgid(pid, pid)
        except OSError:
            pass
        unit.pid, unit.sock = pid, parent_fd
        os.set_blocking(parent_fd, False)
        try:
            unit.pidfd = os.pidfd_open(pid)
        except (AttributeError, OSError):
            unit.pidfd = None
        try:
            raw = self._read_reply(unit, time.monotonic() + timeout, 1 << 20)
            reply = protocol.unpack(*protocol.decode_frame(raw, 1 << 20))
        except TimeoutError:
            self._kill(unit)
            return _failure("timeout", f"loading took longer than {timeout:g} s")
        except (_Died, protocol.ProtocolError):
            return self._death(unit)
        if not isinstance(reply, dict) or not bool(reply.get("ok", False)):
            message = reply.get("message", "") if isinstance(reply, dict) else ""
            return _failure("exception", message if isinstance(message, str) else "")
        return {"ok": True}

    # ------------------------------------------------------------------------ requests

    def load(self, msg: dict) -> dict:
        name, code = msg.get("unit"), msg.get("code")
        if not isinstance(name, str) or not isinstance(code, str):
            return _failure("error", "load needs 'unit' and 'code' strings")
        filename = msg.get("filename")
        if not isinstance(filename, str):
            filename = "<student>"
        old = self.units.get(name)
        if old is not None:
            self._kill(old)
        unit = self.units[name] = Unit(name, code, filename)
        return self._start(unit, float(msg.get("timeout") or LOAD_SECONDS))

    def run(self, msg: dict, raw: bytearray | memoryview):
        """The child's raw reply frame (bytes) or a failure dict; ``raw``: the programs frame, passed on."""
        unit = self.units.get(msg.get("unit"))
        if unit is None:
            return _failure("error", f"unknown unit {msg.get('unit')!r}")
        timeout = float(msg.get("timeout") or CALL_SECONDS)
        if unit.alive:
            self._reap(unit)
        if unit.alive and select.select([unit.sock], [], [], 0)[0]:
            self._kill(unit)  # unsolicited bytes from the child: it is not trustworthy any more
        if not unit.alive:
            loaded = self._start(unit, LOAD_SECONDS)
            if not loaded["ok"] and loaded["kind"] in ("crash", "timeout"):
                return _failure(loaded["kind"], "reloading the unit failed: " + loaded["message"])
        deadline = time.monotonic() + timeout
        for attempt in (1, 2):
            try:
                try:
                    protocol.write_bytes(unit.sock, [raw], deadline)
                except OSError:
                    raise _Died(_BEFORE_REPLY) from None
                reply = self._read_reply(unit, deadline, REPLY_BYTES, self.replies)
                protocol.unpack(*protocol.decode_frame(reply, REPLY_BYTES))
            except TimeoutError:
                self._kill(unit)
                return _failure("timeout", f"time limit of {timeout:g} s exceeded")
            except _Died as exc:
                # A unit that exited after its previous reply (a student's os._exit right after
                # answering) dies here before answering, or not, depending on timing: it is
                # reloaded and asked once more, so what this request costs does not depend on
                # the race.  A unit that dies on this request itself dies again and says so.
                if attempt == 1 and exc.args == (_BEFORE_REPLY,):
                    loaded = self._start(unit, LOAD_SECONDS)
                    if loaded["ok"] or loaded["kind"] not in ("crash", "timeout"):
                        continue
                return self._death(unit)
            except OSError:
                return self._death(unit)
            except protocol.ProtocolError as exc:
                failure = self._death(unit)
                failure["message"] = _message(f"invalid reply from the unit's process ({exc}); " + failure["message"])
                return failure
            return reply
        return self._death(unit)

    def serve(self) -> None:
        protocol.send(1, {"ok": True, "ready": True, "pid": os.getpid(), "numpy": np.__version__,
                          "python": sys.version.split()[0], "seccomp": SECCOMP})
        while True:
            try:
                raw = protocol.read_frame_bytes(0, REQUEST_BYTES)
            except protocol.ConnectionClosed:
                break
            except protocol.ProtocolError as exc:  # the stream is out of step: give up
                protocol.send(1, _failure("error", f"bad request frame: {exc}"))
                break
            try:
                msg = protocol.unpack(*protocol.decode_frame(raw, REQUEST_BYTES))
                if not isinstance(msg, dict) or not isinstance(msg.get("op"), str):
                    raise protocol.ProtocolError("a request is {'op': ..., ...}")
            except protocol.ProtocolError as exc:  # a run request's programs frame may follow: out of step
                protocol.send(1, _failure("error", f"bad request: {exc}"))
                break
            op = msg["op"]
            if op == "bye":
                break
            if op == "load":
                reply = self.load(msg)
            elif op == "warm":
                reply = _warm()
            elif op == "run":
                # the programs follow in a frame of their own: passed to the unit's process as they
                # are (it decodes and checks them), never decoded here
                try:
                    raw = protocol.read_frame_bytes(0, REQUEST_BYTES, into=self.programs)
                except protocol.ConnectionClosed:
                    break
                except protocol.ProtocolError as exc:
                    protocol.send(1, _failure("error", f"bad programs frame: {exc}"))
                    break
                reply = self.run(msg, raw)
            else:
                reply = _failure("error", f"unknown op {op!r}")
            del raw, msg
            self._sweep()
            if isinstance(reply, dict):
                protocol.send(1, reply)
            else:
                protocol.write_bytes(1, [reply])

    def _sweep(self) -> None:
        """Kill every process in the sandbox but the zygote and the units' own processes.

        Between requests no student process has any business running: this ends daemons,
        setsid'd spinners and storm leftovers that escaped their unit's process group.
        Only inside the sandbox, where /proc shows just this pid namespace.
        """
        if not SANDBOXED:
            return
        keep = {1, os.getpid()} | {u.pid for u in self.units.values() if u.alive}
        try:
            entries = os.listdir("/proc")
        except OSError:
            return
        for entry in entries:
            if entry.isdigit() and int(entry) not in keep:
                try:
                    os.kill(int(entry), signal.SIGKILL)
                except OSError:
                    pass

    def shutdown(self) -> None:
        for unit in self.units.values():
            self._kill(unit)


def _widen_pipes() -> None:
    """Let the grader's pipes (fds 0 and 1) hold PIPE_BYTES: a large case's request and reply
    cross in a few hand-overs between the processes instead of one per 64 kB (each a wake-up of
    the other side, and a wait for a core on a loaded machine).  Not a pipe, or not allowed: as is."""
    for fd in (0, 1):
        try:
            fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        except (OSError, AttributeError):
            pass


# numpy's submodules that ``import numpy`` leaves to their first use: a notebook that draws random
# numbers (np.random.default_rng, np.random.seed at its top) would import them in its own unit, for
# every student, as a fresh process's page faults.
WARM_MODULES = ("numpy.random",)


def _warm() -> dict:
    """The ``warm`` request: import WARM_MODULES here, so that units forked later inherit them.  A
    spare sandbox is asked while it waits for its student (prewarm.py); a one-off sandbox is not,
    as its first request would wait for it."""
    import importlib
    gc.disable()  # (as at the start: an import makes no garbage worth a collection)
    try:
        for name in WARM_MODULES:
            try:
                importlib.import_module(name)
            except Exception:  # a unit that needs it meets the error itself
                pass
    finally:
        gc.freeze()  # (as main: what the imports made is not copied by a collection in a unit)
        gc.enable()
    return {"ok": True}


def main() -> None:
    _widen_pipes()
    if not PID_NAMESPACE:  # no pid namespace to take the zygote down with the grader
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    gc.freeze()  # fork children without copying the warm heap on the next collection
    # (no gc.collect() first: after the imports it finds nothing, at a cost per sandbox start)
    gc.enable()  # off during the imports (layout.worker_argv); on for the zygote and every unit
    zygote = Zygote()
    try:
        zygote.serve()
    finally:
        zygote.shutdown()


if __name__ == "__main__":
    main()
