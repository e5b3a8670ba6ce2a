"""Sandboxes started one student ahead, so no student waits for a sandbox to start.

Starting a sandbox (bwrap, the interpreter, ``import numpy`` in the worker) is the
largest single cost of grading one student (benchmarks/README.md).  Once a student's own
sandbox is up, the pipeline (StudentGrader) asks for a spare, which starts in the background
while that student is graded; the next student takes it ready-made.

A spare is a fresh sandbox nobody has used: every student still gets their own, never one in
which another student's code ran.  Spares are started by one thread that lives as long as the
process (bwrap's ``--die-with-parent`` follows the thread that started it), each takes its own
uid like any other live sandbox (sandbox.claim_uid), and those left over are closed at exit.
A spare for a later student is also warmed (``Sandbox.warm``: the worker imports what each
notebook's unit would otherwise import on its own); a sandbox launched for one submission is
not, as its first request would wait for it.  ``RNNLAB_PREWARM=0`` turns it off (to measure
the difference).
"""
from __future__ import annotations

import atexit
import os
import queue
import threading
from concurrent.futures import Future
from typing import Any, Callable

PREWARM_ENV = "RNNLAB_PREWARM"


def enabled() -> bool:
    return os.environ.get(PREWARM_ENV, "1").strip() != "0"


class Spares:
    """A pool of started sandboxes, filled by :meth:`prepare`, emptied by :meth:`take`."""

    def __init__(self):
        self._lock = threading.Lock()
        self._ready: list[tuple[Any, Future]] = []
        self._requests: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._used: queue.SimpleQueue = queue.SimpleQueue()  # sandboxes to close (close_later)
        self._closer: threading.Thread | None = None
        self._closing = 0
        self._closed = threading.Condition(self._lock)
        atexit.register(self.close)

    def _start_loop(self) -> None:
        while True:
            sandbox, future, warm = self._requests.get()
            try:
                sandbox.start()
            except BaseException as exc:  # noqa: B036 - reported to whoever takes it
                future.set_exception(exc)
                continue
            if warm:
                try:
                    sandbox.warm()
                except Exception:  # the student's first request starts it again and says what is wrong
                    pass
            future.set_result(sandbox)

    def prepare(self, factory: Callable[[], Any], launch: bool = False, warm: bool = False) -> None:
        """Start one sandbox made by ``factory`` in the background; ``launch``: start its processes
        in this thread first (``Sandbox.launch``), the background thread waiting until it is ready;
        ``warm``: then ``Sandbox.warm`` it (a spare for the next student, who comes later)."""
        sandbox = factory()
        if not callable(getattr(sandbox, "start", None)):
            return
        if launch:
            try:
                sandbox.launch()
            except BaseException:
                sandbox.close()  # what its launcher claimed (a uid, a folder, a cgroup)
                raise
        future: Future = Future()
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._start_loop, name="rnnlab-spare-sandboxes", daemon=True)
                self._thread.start()
            self._ready.append((sandbox, future))
        self._requests.put((sandbox, future, warm and callable(getattr(sandbox, "warm", None))))

    def take(self, like: Any) -> Any | None:
        """A started spare with the limits and isolation of ``like`` (a new, unstarted sandbox), or None."""
        key = (getattr(like, "limits", None), getattr(like, "isolate", None))
        if key[0] is None:
            return None
        with self._lock:
            for index, (sandbox, future) in enumerate(self._ready):
                if (getattr(sandbox, "limits", None), getattr(sandbox, "isolate", None)) == key:
                    del self._ready[index]
                    break
            else:
                return None
        try:
            return future.result()
        except Exception:  # it could not start: the student's own sandbox will say why
            sandbox.close()
            return None

    def _close_loop(self) -> None:
        while True:
            sandbox = self._used.get()
            try:
                sandbox.close()
            except Exception:  # closing is best effort, as in StudentGrader
                pass
            finally:
                with self._closed:
                    self._closing -= 1
                    self._closed.notify_all()

    def close_later(self, sandbox: Any) -> None:
        """Close a student's sandbox in a background thread, off the next student's path.

        For a sandbox whose student is done (results written): it is killed as soon as this
        thread runs, within milliseconds; what takes time under load -- reaping bwrap and
        waiting until no process of its uid is left (tens of ms, benchmarks/README.md) -- no
        longer delays the next student.  Its uid stays claimed until then, so the next sandbox
        gets another one, as it already does with a spare.  :meth:`wait_closed` waits for all.
        """
        with self._lock:
            if self._closer is None:
                self._closer = threading.Thread(target=self._close_loop, name="rnnlab-close-sandboxes", daemon=True)
                self._closer.start()
            self._closing += 1
        self._used.put(sandbox)

    def wait_closed(self, timeout: float | None = 60) -> bool:
        """Wait until every sandbox given to :meth:`close_later` is closed; False on timeout."""
        with self._closed:
            return self._closed.wait_for(lambda: self._closing == 0, timeout)

    def close(self) -> None:
        """Close every spare nobody took (waiting for those still starting), and the used ones."""
        self.wait_closed()
        with self._lock:
            ready, self._ready = self._ready, []
        for sandbox, future in ready:
            try:
                future.result(timeout=60)
            except Exception:
                pass
            sandbox.close()


SPARES = Spares()
