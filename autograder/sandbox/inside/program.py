"""Run a call program against a namespace (standalone: stdlib + numpy only).

The same function runs a graded call in the sandbox worker (the student's namespace), in
the grader (the reference namespace) and in the self-check (notebook globals), so all
three see identical semantics.  See docs/ARCHITECTURE.md, "Call programs".

A program is ``{"steps": [{"fn": name, "args": [value, ...], "nret": n, "send": [i, ...]}, ...]}``
(optionally ``"kwargs": {name: value}`` per step).  An argument ``{"$ref": [step, index]}``
is output ``index`` of an earlier step, passed on unchanged (the student's own cache).
A step may also name functions to count (``"count": [name, ...]``): while the step's own call
runs, each call of those names through the namespace is counted, and the result then carries
``"calls": [count or None per step]`` (the grader's numerical-gradient check: a backward that
calls its forward once per perturbed number is a finite difference, not backpropagation).
"""
from __future__ import annotations

import operator
import os
import sys
import weakref
from typing import Any, Mapping

import numpy as np

try:  # in the grader these files form a package; inside the sandbox they are imported flat
    from .protocol import type_name
except ImportError:
    from protocol import type_name  # type: ignore[no-redef]  # the same function, imported flat

__all__ = ["ProgramError", "run_program", "describe_exception", "KINDS"]

KINDS = ("missing", "not-implemented", "exception", "arity")
MAX_MESSAGE = 500
_MAX_COPY_DEPTH = 64

_LIBRARY_DIRS = tuple(os.path.dirname(os.path.abspath(p)) + os.sep
                      for p in (os.__file__, np.__file__))
_THIS_FILE = os.path.abspath(__file__)


class ProgramError(Exception):
    """A graded call failed; ``kind`` is one of :data:`KINDS`, ``step`` the failing step."""

    def __init__(self, kind: str, message: str, step: int | None = None):
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message
        self.step = step


# ------------------------------------------------------------------------------ messages


def _safe_str(obj: Any, limit: int = MAX_MESSAGE) -> str:
    try:
        text = str(obj)
        if type(text) is not str:  # pragma: no cover - defensive
            raise TypeError
    except BaseException:  # a student's __str__ may raise anything
        return "<unprintable>"
    return text[:limit]


def _is_library(filename: str) -> bool:
    if not filename or filename.startswith("<frozen"):
        return True
    path = os.path.abspath(filename) if not filename.startswith("<") else filename
    return path == _THIS_FILE or path.startswith(_LIBRARY_DIRS)


def describe_exception(exc: BaseException) -> str:
    """``Type: message (file, line N, in func)`` with the innermost non-library frame, ≤ 500 chars."""
    name = type_name(exc, default="Exception")
    if isinstance(exc, SyntaxError):
        msg = _safe_str(getattr(exc, "msg", "") or "", 300)
        where = f" ({_safe_str(exc.filename, 120)}, line {exc.lineno})" if getattr(exc, "lineno", None) else ""
        return f"{name}: {msg}{where}"[:MAX_MESSAGE]
    where = ""
    try:
        frames: list[tuple[str, int, str]] = []
        tb = exc.__traceback__
        while tb is not None and len(frames) < 10_000:
            code = tb.tb_frame.f_code
            frames.append((code.co_filename, tb.tb_lineno, code.co_name))
            tb = tb.tb_next
        user = [f for f in frames if not _is_library(f[0])] or frames
        if user:
            filename, line, func = user[-1]
            where = f" ({filename[:120]}, line {line}, in {func[:60]})"
    except Exception:  # pragma: no cover - defensive
        where = ""
    msg = _safe_str(exc, MAX_MESSAGE)
    room = MAX_MESSAGE - len(name) - len(where) - 2
    if len(msg) > room:
        msg = msg[:max(0, room - 3)] + "..."
    return f"{name}: {msg}{where}" if msg else f"{name}{where}"


# ------------------------------------------------------------------------------ values


def _copy(value: Any, depth: int = 0) -> Any:
    """Copy a protocol value: arrays copied, containers rebuilt, anything else shared."""
    if depth > _MAX_COPY_DEPTH:
        return value
    t = type(value)
    if t is np.ndarray:
        return value.copy()
    if t is list:
        return [_copy(v, depth + 1) for v in value]
    if t is tuple:
        return tuple(_copy(v, depth + 1) for v in value)
    if t is dict:
        return {k: _copy(v, depth + 1) for k, v in value.items()}
    return value


def _sent(value: Any, count_only: bool = False) -> Any:
    """A sent output as the reply carries it: the array itself when nothing else can reach it,
    else a copy (:func:`_copy`).

    A new array the call returned (it owns its data) that no other name, container, view (a view
    holds its base) or weak reference refers to cannot change before the reply is encoded, so
    it needs no copy: a large case's gradients are megabytes, and a copy is new memory in a
    process that lives for one notebook.  The caller passes ``outputs[k]`` from the step's own
    outputs list, having dropped the call's return value, and never for an output a later step
    takes by ``$ref``.  ``count_only``: the references of such an array (:data:`_PRIVATE_REFS`)."""
    refs = sys.getrefcount(value)
    if count_only:
        return refs
    if (type(value) is np.ndarray and value.base is None and value.flags.owndata
            and refs <= _PRIVATE_REFS and weakref.getweakrefcount(value) == 0):
        return value
    return _copy(value)


def _private_refs() -> int:
    """How many references :func:`_sent` sees on an array held by nothing but an outputs list
    (measured, not assumed: the interpreter's own count differs between versions)."""
    outputs = [np.empty(1)]
    return [_sent(outputs[k], count_only=True) for k in (0,)][0]


_PRIVATE_REFS = _private_refs()

_BITS = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


def _bits_equal(a: np.ndarray, b: np.ndarray) -> bool:
    """Bitwise equality of two arrays of one shape and dtype, without copying either (as unsigned
    integers of the item's size: a NaN equals itself, -0.0 differs from 0.0, as with ``tobytes``)."""
    bits = _BITS.get(a.dtype.itemsize)
    if bits is None or a.dtype.hasobject:  # pragma: no cover - the protocol's dtypes all have one
        return a.tobytes() == b.tobytes()
    return bool(np.array_equal(a.view(bits), b.view(bits)))


def _same(a: Any, b: Any, depth: int = 0) -> bool:
    """Structural equality of a protocol value and what became of its copy (bitwise for arrays)."""
    if depth > _MAX_COPY_DEPTH:
        return True
    if type(a) is np.ndarray:
        return (type(b) is np.ndarray and a.shape == b.shape and a.dtype == b.dtype
                and _bits_equal(a, b))
    if type(a) in (list, tuple):
        return (type(b) is type(a) and len(b) == len(a)
                and all(_same(x, y, depth + 1) for x, y in zip(a, b)))
    if type(a) is dict:
        return (type(b) is dict and list(b) == list(a)
                and all(_same(a[k], b[k], depth + 1) for k in a))
    return a is b


def _is_ref(arg: Any) -> bool:
    return type(arg) is dict and len(arg) == 1 and "$ref" in arg


def _index(value: Any, what: str) -> int:
    try:
        return operator.index(value)
    except TypeError:
        raise ValueError(f"invalid program: {what} must be an integer") from None


def _steps(program: Mapping) -> list[dict]:
    """Check the program's shape (a malformed program is the caller's bug: ValueError)."""
    if not isinstance(program, Mapping) or not isinstance(program.get("steps"), (list, tuple)):
        raise ValueError("invalid program: expected {'steps': [...]}")
    steps: list[dict[str, Any]] = []
    for i, step in enumerate(program["steps"]):
        if not isinstance(step, Mapping) or not isinstance(step.get("fn"), str):
            raise ValueError(f"invalid program: step {i} needs a function name 'fn'")
        args = step.get("args", [])
        kwargs = step.get("kwargs", {})
        if not isinstance(args, (list, tuple)) or not isinstance(kwargs, Mapping):
            raise ValueError(f"invalid program: step {i} args/kwargs")
        nret = _index(step.get("nret", 1), "nret")
        if nret < 1:
            raise ValueError(f"invalid program: step {i} nret must be at least 1")
        send = [_index(k, "send") for k in step.get("send", range(nret))]
        if any(not 0 <= k < nret for k in send):
            raise ValueError(f"invalid program: step {i} sends an output it does not have")
        for arg in [*args, *kwargs.values()]:
            if _is_ref(arg):
                ref = arg["$ref"]
                if not isinstance(ref, (list, tuple)) or len(ref) != 2:
                    raise ValueError(f"invalid program: step {i} has a bad $ref")
                s, k = _index(ref[0], "$ref step"), _index(ref[1], "$ref index")
                if not 0 <= s < i or not 0 <= k < steps[s]["nret"]:
                    raise ValueError(f"invalid program: step {i} refers to output {k} of step {s}")
        count = step.get("count", [])
        if not isinstance(count, (list, tuple)) or not all(isinstance(name, str) for name in count):
            raise ValueError(f"invalid program: step {i} count must be a list of function names")
        steps.append({"fn": step["fn"], "args": list(args), "kwargs": dict(kwargs),
                      "nret": nret, "send": send, "count": list(count)})
    return steps


def _split(result: Any, nret: int, fn: str, step: int) -> list:
    if nret == 1:
        if type(result) is tuple and len(result) == 1:
            return [result[0]]
        return [result]
    if not isinstance(result, tuple):
        got = "None" if result is None else f"a {type_name(result)}"
        raise ProgramError("arity", f"{fn} returned {got}; expected a tuple of {nret} values", step)
    try:
        values = list(tuple.__iter__(result))
    except Exception:  # pragma: no cover - defensive
        values = []
    if len(values) != nret:
        raise ProgramError("arity", f"{fn} returned {len(values)} values; expected {nret}", step)
    return values


# ------------------------------------------------------------------------------ running


def _counting(namespace: Any, names: list[str], calls: list[int]) -> dict[str, tuple[Any, Any]]:
    """Replace each callable ``namespace[name]`` by a wrapper that counts its calls in ``calls[0]``."""
    swapped: dict[str, tuple[Any, Any]] = {}
    if not hasattr(namespace, "__setitem__"):
        return swapped
    for name in names:
        original = namespace.get(name) if name in namespace else None
        if original is None or not callable(original) or name in swapped:
            continue

        def counted(*args, __original=original, **kwargs):
            calls[0] += 1
            return __original(*args, **kwargs)

        namespace[name] = counted
        swapped[name] = (original, counted)
    return swapped


def _restore(namespace: Any, swapped: dict[str, tuple[Any, Any]]) -> None:
    for name, (original, counted) in swapped.items():
        if namespace.get(name) is counted:  # unless the called code rebound the name itself
            namespace[name] = original


def run_program(namespace: Mapping[str, Any], program: Mapping) -> dict:
    """Run every step; return ``{"outputs": [[sent values] per step], "mutated": [[arg indices] per step]}``.

    Arguments are copied before each call (the caller's values are never touched);
    ``mutated`` lists the positional arguments (not ``$ref``s) the call changed in place.
    Sent outputs are copied right after their step, so a later step cannot alter them (an
    array nothing else can reach is sent as it is: :func:`_sent`).
    Raises :class:`ProgramError` on ``missing``, ``not-implemented``, ``exception`` (any
    ``BaseException`` from the called code, including SystemExit/KeyboardInterrupt) and
    ``arity``; ``ValueError`` if the program itself is malformed.
    """
    steps = _steps(program)
    taken = {tuple(arg["$ref"]) for step in steps for arg in [*step["args"], *step["kwargs"].values()]
             if _is_ref(arg)}  # (step, output) pairs a later step is passed
    results: list[list] = []
    sent_all: list[list] = []
    mutated_all: list[list[int]] = []
    calls_all: list[int | None] = []
    for i, step in enumerate(steps):
        name = step["fn"]
        fn = namespace.get(name) if name in namespace else None
        if fn is None or not callable(fn):
            what = "is not defined" if name not in namespace else "is not a function"
            raise ProgramError("missing", f"{name} {what}", i)

        def resolve(arg: Any) -> Any:
            s, k = arg["$ref"]
            return results[operator.index(s)][operator.index(k)]

        originals: list[Any] = []
        passed: list[Any] = []
        for arg in step["args"]:
            if _is_ref(arg):
                originals.append(None)
                passed.append(resolve(arg))
            else:
                originals.append(arg)
                passed.append(_copy(arg))
        kwargs = {k: resolve(v) if _is_ref(v) else _copy(v) for k, v in step["kwargs"].items()}
        calls = [0]
        swapped = _counting(namespace, step["count"], calls) if step["count"] else {}
        try:
            try:
                result = fn(*passed, **kwargs)
            finally:
                _restore(namespace, swapped)
            outputs = _split(result, step["nret"], name, i)
            del result  # (a returned tuple holds its arrays: _sent counts who else does)
            mutated = [j for j, (orig, arg) in enumerate(zip(originals, passed))
                       if not _is_ref(step["args"][j]) and not _same(orig, arg)]
            sent = [_copy(outputs[k]) if (i, k) in taken else _sent(outputs[k]) for k in step["send"]]
        except ProgramError:
            raise
        except NotImplementedError as exc:
            raise ProgramError("not-implemented", f"{name} is not implemented yet"
                               + (f" ({_safe_str(exc, 200)})" if _safe_str(exc, 200) else ""), i) from None
        except BaseException as exc:  # noqa: B036 - student code may raise SystemExit & co.
            raise ProgramError("exception", describe_exception(exc), i) from None
        results.append(outputs)
        sent_all.append(sent)
        mutated_all.append(mutated)
        calls_all.append(calls[0] if step["count"] else None)
    if any(step["count"] for step in steps):
        return {"outputs": sent_all, "mutated": mutated_all, "calls": calls_all}
    return {"outputs": sent_all, "mutated": mutated_all}
