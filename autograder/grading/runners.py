"""Where a submission's code runs while it is graded: one class per environment, chosen from a registry.

Owns: the :class:`Runner` interface that :func:`pipeline.grade_submission` speaks (load a unit's
code, run call programs in it, say which isolation held it, close), the sandbox limits of a
course, and the two environments:

- ``sandbox`` (:class:`SandboxRunner`): the student's code in the grader's sandbox
  (sandbox/box.py), started on the first load.  The only runner for code the grader does not
  trust: class runs, Gradescope, `grade-notebook` and `validate` all use it.
- ``in-process`` (:class:`InProcessRunner`): code the grader trusts (the project's own
  notebooks and catalogued mistakes in tests) in a fresh namespace of this process, with no
  isolation and no time limit.  Its replies are exactly the sandbox's: every value goes
  through the same pack/unpack as a worker's reply, so a test grades what the sandbox would.
"""
from __future__ import annotations

import builtins
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Callable, Iterator, Protocol

from autograder.grading.course import Course
from autograder.grading.errors import UsageError
from autograder.sandbox import box as sandbox_mod
from autograder.sandbox import prewarm
from autograder.sandbox.inside import protocol

if TYPE_CHECKING:
    from autograder.sandbox.inside.program import ProgramError

MAX_MESSAGE = 2000  # an error message's length in a reply, as the worker bounds it


class Runner(Protocol):
    """Loads a unit's code and runs call programs in it, replying as ``sandbox.box.Sandbox`` does."""

    @property
    def isolation(self) -> str | None: ...  # what the code ran under (the result's "isolation"); None: nothing ran

    def load(self, unit: str, code: str, filename: str) -> dict: ...

    def load_ahead(self, unit: str, code: str, filename: str) -> bool: ...  # start a load; load() answers it

    def run(self, unit: str, programs: Any, timeout: float | None = None) -> dict: ...

    def close(self) -> None: ...


def sandbox_limits(course: Course) -> "sandbox_mod.Limits":
    """The sandbox limits of course.yaml's ``grading.limits`` (grading and `autograder check` alike)."""
    return sandbox_mod.Limits(
        memory_bytes=course.limits.memory_mb * 2**20,
        processes=course.limits.processes,
        file_bytes=course.limits.file_mb * 2**20,
        cpu_seconds=int(course.limits.submission_seconds),
        load_seconds=course.limits.load_seconds,
        call_seconds=course.limits.call_seconds,
    )


def no_sandbox_here() -> UsageError:
    """The command's error on a host where no sandbox can run: why, and what to do (its language)."""
    return UsageError("usage.sandbox-unavailable", detail=sandbox_mod.SandboxUnavailable())


@contextmanager
def host_without_sandbox(box: Any = None) -> Iterator[None]:
    """Around making a sandbox (``box`` None) or its first start: when that fails because, as the
    probe finds once a start on presumed facts failed (sandbox/probe.py), no sandbox can run on this
    host at all, raise :func:`no_sandbox_here` (the command stops, as it would have before any start)
    instead of one student's failure.  A sandbox made with ``isolate=False`` is not concerned."""
    try:
        yield
    except sandbox_mod.SandboxUnavailable as exc:
        if (box is None or getattr(box, "isolate", False)) and not sandbox_mod.available():
            raise no_sandbox_here() from exc
        raise


def make_sandbox_factory(course: Course, isolate: bool):
    """``factory_for(slot)``: a callable making that slot's sandbox with the course's limits."""
    if isolate and not sandbox_mod.available():  # bwrap, or the uid fallback where namespaces are forbidden
        raise no_sandbox_here()
    limits = sandbox_limits(course)

    def factory_for(slot: int):
        return lambda: sandbox_mod.Sandbox(limits, slot=slot, isolate=isolate)

    return factory_for


class SandboxRunner:
    """One student's code in one sandbox, made by ``factory`` at the first load (none for a student
    whose notebooks cannot even be read).

    ``use_spare``: take a sandbox started ahead (sandbox/prewarm.py) instead of starting one;
    ``prewarm_next``: once this one is up, start a spare for the next student.  With either, the
    used sandbox is closed in the background (:meth:`prewarm.Spares.close_later`).
    """

    def __init__(self, factory: Callable[[], Any], prewarm_next: bool = False, use_spare: bool = False):
        self.factory = factory
        self.prewarm_next = prewarm_next
        self.use_spare = use_spare
        self.box: Any = None

    @classmethod
    def starting_now(cls, factory: Callable[[], Any]) -> "SandboxRunner":
        """A runner for one submission whose sandbox starts at once, in the background (prewarm.py),
        while the caller computes the hidden cases; as ``cls(factory)`` when RNNLAB_PREWARM=0.
        Call ``prewarm.SPARES.close()`` after :meth:`close` to wait until it is gone."""
        if not prewarm.enabled():
            return cls(factory)
        try:
            prewarm.SPARES.prepare(factory, launch=True)  # its processes start now, in this thread
        except Exception:  # the runner's own start meets it again and reports it (grade_submission)
            return cls(factory)
        return cls(factory, use_spare=True)

    @property
    def isolation(self) -> str | None:
        return getattr(self.box, "isolation", None)

    def load(self, unit: str, code: str, filename: str) -> dict:
        first = self.box is None
        if first:
            with host_without_sandbox():  # (made after a spare found that no sandbox can run here)
                box = self.factory()
            with host_without_sandbox(box):
                spare = prewarm.SPARES.take(box) if self.use_spare else None
                self.box = box if spare is None else spare
                reply = self.box.load(unit, code, filename)
        else:
            reply = self.box.load(unit, code, filename)
        if first and self.prewarm_next:  # the next student's, started (and warmed) while this one is graded
            prewarm.SPARES.prepare(self.factory, warm=True)
        return reply

    def load_ahead(self, unit: str, code: str, filename: str) -> bool:
        """Start loading ``unit`` in the sandbox (Sandbox.load_ahead) if it is up; ``load`` then answers."""
        return self.box is not None and self.box.load_ahead(unit, code, filename)

    def run(self, unit: str, programs: Any, timeout: float | None = None) -> dict:
        return self.box.run(unit, programs, timeout=timeout)

    def close(self) -> None:
        box, self.box = self.box, None
        if box is not None and (self.prewarm_next or self.use_spare):
            prewarm.SPARES.close_later(box)  # killed at once; the reaping is off the next student's path
        elif box is not None:
            box.close()


def _error(exc: ProgramError) -> dict:
    error: dict[str, Any] = {"kind": exc.kind, "message": str(exc.message)[:MAX_MESSAGE]}
    if exc.step is not None:
        error["step"] = int(exc.step)
    return {"error": error}


class InProcessRunner:
    """Trusted code in a fresh namespace of this process: never a student's (see the module doc)."""

    def __init__(self):
        self.namespaces: dict[str, dict] = {}

    @property
    def isolation(self) -> str | None:
        return "in-process" if self.namespaces else None

    def load(self, unit: str, code: str, filename: str) -> dict:
        # (program.py imports numpy: imported here, so that the sandbox's runner, the same module,
        # can start a sandbox before numpy is imported)
        from autograder.sandbox.inside.program import describe_exception

        namespace: dict = {"__name__": "__main__", "__builtins__": builtins}
        self.namespaces[unit] = namespace
        try:
            exec(compile(code, filename, "exec", dont_inherit=True), namespace)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: B036 - SystemExit & co. end the load, as in the worker
            return {"ok": False, "kind": "exception", "message": describe_exception(exc)[:MAX_MESSAGE]}
        return {"ok": True}

    def load_ahead(self, unit: str, code: str, filename: str) -> bool:
        return False  # nothing runs beside this process: load() does it

    def run(self, unit: str, programs: Any, timeout: float | None = None) -> dict:
        from autograder.sandbox.inside.program import ProgramError, run_program

        namespace = self.namespaces[unit]
        results = []
        for program in programs:
            try:
                results.append(run_program(namespace, program))
            except ProgramError as exc:
                results.append(_error(exc))
        # the values as a worker's reply carries them (numpy scalars, lists, protocol.Bad)
        return {"ok": True, "results": protocol.unpack(*protocol.pack(results, strict=False))}

    def close(self) -> None:
        self.namespaces.clear()


REGISTRY: dict[str, type] = {"sandbox": SandboxRunner, "in-process": InProcessRunner}


def make_runner(kind: str, **options: Any) -> Runner:
    """The runner of environment ``kind`` (a key of REGISTRY) with its class's ``options``."""
    try:
        cls = REGISTRY[kind]
    except KeyError:
        raise ValueError(f"no runner {kind!r}; there are {', '.join(REGISTRY)}") from None
    return cls(**options)
