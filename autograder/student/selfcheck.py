"""`check("fn")` inside a student notebook: run the public cases of ``public_cases.npz``.

Owns the student's self-check: find the function in the notebook's globals, run every
public case with the same call programs the grader uses (program.py), compare each graded
output with compare.py and print one line per output (pass/fail, relative error, one
hint on a failure), in the course's language (the fixture's ``language``; ``lang="en"`` or
``RNNLAB_LANG=en`` switch, and the first check of a session says so).  Before running, it warns
when the function reads a name that only a non-solution cell defines (the grader would raise
NameError, see :func:`outside_names`); the student's calls stop after the course's
``call_seconds`` (:func:`time_limit`).  Under nbgrader's Validate a failing grade cell raises
AssertionError, so Validate no longer says "Success" on stubs or wrong answers.

This module ships to students: ``autograder release`` bundles it, with the modules it
imports (compare, messages, program, protocol, nbgrader_cell), into one numpy-only file
beside each exercise notebook (authoring/bundle.py), which the notebook imports as
``from rnnlab_check import check``.  It reads only the self-contained fixture written by the
release: no course.yaml, no reference code, nothing that can reveal a hidden case.  It never
raises for a problem of the student's code: every failure is printed and returned.  Under
``nbgrader autograde`` a grade cell's ``check`` defers to nbgrader_cell.py (standard library
only), which asks the instructor's grader in a subprocess.  ``autograder check`` from a shell
runs the same :func:`run_check`, with the student's calls made in the sandbox
(authoring/notebook_check.py).
"""
from __future__ import annotations

import difflib
import dis
import os
import signal
import symtable
import sys
import threading
import time
import types
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from autograder.student.compare import Verdict, compare
from autograder.student.messages import LANG_ENV, LANGUAGES, MESSAGES, render
from autograder.sandbox.inside.program import ProgramError, run_program
from autograder.sandbox.inside.protocol import load_npz

__all__ = ["check", "CheckResult", "OutputCheck", "FIXTURE_NAME", "LANG_ENV", "load_fixtures", "language"]

FIXTURE_NAME = "public_cases.npz"
CACHE_OUTPUT = "cache"
# The messages.py codes this module renders (prefixes): the bundle carries only these sentences.
MESSAGE_CODES = ("check.", "verdict.", "status.arity", "status.exception", "status.mutated")

def language(preferred: str | None = None, course: str | None = None) -> str:
    """``preferred``, else $RNNLAB_LANG, else the course's language (the fixture's), else Korean."""
    for lang in (preferred, os.environ.get(LANG_ENV, "").strip().lower(), course):
        if lang in LANGUAGES:
            return lang
    return "ko"


def say(code: str, lang: str, **params: Any) -> str:
    return render(code, lang, **params)


@dataclass(frozen=True)
class OutputCheck:
    """The verdict on one graded output over all public cases."""

    item: str  # "<function>.<output>"
    ok: bool
    code: str  # compare.py's code ("ok", "value", "shape", ...)
    error: float | None  # largest relative error (pass) or the failing case's error
    case: int | None = None  # 1-based case that failed


@dataclass
class CheckResult:
    """What ``check`` found; ``bool(result)`` is True when every output passed."""

    function: str
    status: str  # passed | failed | not-implemented | missing | error
    passed: int = 0
    total: int = 0
    outputs: list[OutputCheck] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)  # names the grader will not have (outside_names)

    @property
    def verdicts(self) -> dict[str, OutputCheck]:
        return {o.item.split(".", 1)[1]: o for o in self.outputs}

    def __bool__(self) -> bool:
        return self.status == "passed"

    def __repr__(self) -> str:
        return (f"CheckResult(function={self.function!r}, status={self.status!r}, "
                f"passed={self.passed}, total={self.total})")

    def _ipython_display_(self) -> None:
        """Jupyter shows nothing for a grade cell's value: the printed lines already say it all.

        (The value is still the cell's result, in ``_`` and ``Out``; a plain Python REPL shows
        the repr above.)"""


# ------------------------------------------------------------------------------ fixtures


def fixture_path(fixtures: str | os.PathLike | None = None) -> Path:
    """The fixture file: ``fixtures`` (a file or its folder), else ./public_cases.npz, else the
    one beside this module (the bundled module lives in the notebook's folder)."""
    if fixtures is None:
        here = Path.cwd() / FIXTURE_NAME
        beside = Path(__file__).resolve().with_name(FIXTURE_NAME)
        return beside if not here.is_file() and beside.is_file() else here
    path = Path(fixtures)
    return path / FIXTURE_NAME if path.is_dir() else path


_CACHE: dict[tuple[str, int, int], dict] = {}


class FixtureDamaged(Exception):
    """The fixture file exists but is not a readable RNN Lab fixture (truncated, edited, renamed)."""


def load_fixtures(path: Path) -> dict:
    """``{"functions": {name: {...}}, ...}`` from a fixture file (cached by path, size and mtime).

    FileNotFoundError if there is none; FixtureDamaged for anything that is not a fixture
    (numpy's own wording, e.g. about ``allow_pickle``, would only mislead a student)."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _CACHE:
        try:
            data = load_npz(path)
        except Exception as exc:  # whatever numpy or the protocol says, the file is unusable
            raise FixtureDamaged(str(path)) from exc
        if not isinstance(data, dict) or not isinstance(data.get("functions"), dict):
            raise FixtureDamaged(str(path))
        _CACHE.clear()
        _CACHE[key] = data
    return _CACHE[key]


def _fixture_problem(function: str, path: Path, lang: str) -> tuple[Mapping | None, str | None]:
    """(the fixture entry of ``function``, None), or (None, the one sentence saying what to do)."""
    try:
        data = load_fixtures(path)
    except FileNotFoundError:
        return None, say("check.no-fixtures", lang, function=function, path=path, fixture=FIXTURE_NAME)
    except (FixtureDamaged, OSError):
        return None, say("check.fixture-damaged", lang, function=function, path=path)
    entry = data["functions"].get(function)
    if entry is not None:
        return entry, None
    owner = (data.get("course_functions") or {}).get(function)
    if owner is not None and owner != data.get("assignment"):
        return None, say("check.fixture-foreign", lang, function=function, path=path,
                         theirs=str(data.get("assignment")), ours=str(owner))
    close = difflib.get_close_matches(function, list(data["functions"]), n=1)
    return None, say("check.unknown-function", lang, function=function, path=path,
                     suggestion=f': check("{close[0]}")?' if close else "")


# ------------------------------------------------------------------------------ the grader's view


def _global_reads(code: types.CodeType) -> set[str]:
    """The global names ``code`` reads, with every function, lambda and comprehension nested in it."""
    found: set[str] = set()
    todo = [code]
    while todo:
        current = todo.pop()
        for instruction in dis.get_instructions(current):
            if instruction.opname in ("LOAD_GLOBAL", "LOAD_NAME") and isinstance(instruction.argval, str):
                found.add(instruction.argval)
        todo.extend(c for c in current.co_consts if isinstance(c, types.CodeType))
    return found


def _bound_by(source: str, names: set[str]) -> set[str]:
    """Which of ``names`` a cell's top level binds (def, class, import, assignment, for, with ...)."""
    try:
        table = symtable.symtable(source, "cell", "exec")
    except (SyntaxError, ValueError):
        return set()
    bound = set()
    for symbol in table.get_symbols():
        if symbol.get_name() in names and (symbol.is_assigned() or symbol.is_imported() or symbol.is_namespace()):
            bound.add(symbol.get_name())
    return bound


def outside_names(function: str, namespace: Mapping[str, Any], graded: set[str],
                  provided: set[str]) -> list[str]:
    """The names ``function`` (and the helpers it calls) reads that no solution cell defines.

    The grader runs only the setup cell (``provided``: the names it binds) and the solution
    cells, so a helper such as ``tanh_grad`` defined in an ordinary cell passes in the kernel
    and fails grading with NameError.  Static analysis of what the code reads (its
    ``LOAD_GLOBAL`` names), then, for each name the kernel knows:

    - a function is in a solution cell when it was compiled from the same cell (file name of
      its code: one per cell in IPython) as one of the graded functions; its own reads are
      followed in turn;
    - anything else (a constant, a module, a class) is looked up in the kernel's history of
      executed cells (IPython's ``In``): the last cell that binds it must define a graded function.

    Builtins, names the kernel does not know (running the function says so) and names whose
    origin cannot be told (no history) are never reported: a warning must not be a false alarm.
    """
    start = namespace.get(function)
    if not isinstance(start, types.FunctionType):
        return []
    homes = {f.__code__.co_filename for name in graded
             if isinstance(f := namespace.get(name), types.FunctionType)}
    history = namespace.get("In") if isinstance(namespace.get("In"), list) else None
    outside: list[str] = []
    seen: set[str] = set(graded) | set(provided)
    todo = [start]
    while todo:
        for name in sorted(_global_reads(todo.pop().__code__) - seen):
            seen.add(name)
            if name not in namespace:
                continue  # a builtin, or undefined: the call reports that itself
            value = namespace[name]
            if isinstance(value, types.FunctionType):
                if value.__code__.co_filename in homes:
                    todo.append(value)
                else:
                    outside.append(name)
                continue
            if history is None:
                continue
            for source in reversed(history):
                if not isinstance(source, str) or name not in _bound_by(source, {name}):
                    continue
                if not _bound_by(source, set(graded)):
                    outside.append(name)
                break
    return outside


# ------------------------------------------------------------------------------ time limit


RETRY_SECONDS = 0.01  # after the limit, the timer fires again this often until the call is unwound


class CheckTimeout(BaseException):
    """Raised inside the student's code when its time is up (a BaseException: ``except
    Exception`` in the student's loop does not swallow it)."""


@contextmanager
def time_limit(seconds: float | None) -> Iterator[dict]:
    """Stop the student's calls after ``seconds`` of wall time, as the grader does.

    Why a signal: the student's function lives in the kernel (its globals, closures and
    cache objects), so it cannot be moved to a subprocess without re-running the notebook;
    a thread cannot be stopped, so a runaway loop would keep burning CPU after a thread-based
    check gave up.  ``SIGALRM`` (``setitimer``) instead raises :class:`CheckTimeout` inside the
    student's frame and unwinds it; the timer re-fires every RETRY_SECONDS in case the student's code
    catches it.  Jupyter, VS Code and Colab kernels run cells in the main thread on Linux and
    macOS, where this works.  Where there is no ``setitimer`` (Windows) or outside the main
    thread, the check runs without a limit (the grader's own limit still applies).  A single
    numpy call is interrupted only when it returns.

    Yields a dict whose ``"fired"`` tells whether the limit was reached.
    """
    state = {"fired": False}
    usable = (seconds is not None and seconds > 0 and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread())
    if not usable or seconds is None:  # (usable implies a limit; this tells the type checker)
        yield state
        return

    def on_alarm(signum, frame):  # the signal handler's signature
        state["fired"] = True
        raise CheckTimeout(f"time limit of {seconds:g} s reached")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, float(seconds), RETRY_SECONDS)
    try:
        yield state
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# ------------------------------------------------------------------------------ checking


def _graded_names(entry: Mapping) -> list[str]:
    return [str(name) for name in entry["returns"] if name != CACHE_OUTPUT]


def _verdict_params(verdict: Verdict, case_number: int, dims: str) -> dict:
    params = dict(verdict.params)
    path = params.get("path")
    params["path"] = f" ({path})" if path else ""
    params.update(case=case_number, dims=dims, error=verdict.error or 0.0)
    params.setdefault("tolerance", 0.0)
    return params


def _hint(code: str, backward: bool) -> str | None:
    key = "check.hint.value-backward" if code == "value" and backward else f"check.hint.{code}"
    return key if key in MESSAGES else None


def _caller_namespace(depth: int = 2) -> Mapping[str, Any]:
    try:
        return sys._getframe(depth).f_globals
    except ValueError:  # pragma: no cover - no such frame
        return sys.modules["__main__"].__dict__


def _program_error(result: CheckResult, exc: ProgramError, case: Mapping, dims: str, lang: str) -> None:
    steps = case["program"]["steps"]
    step = exc.step if exc.step is not None and 0 <= exc.step < len(steps) else len(steps) - 1
    failed = str(steps[step]["fn"])
    name = result.function
    if exc.kind == "not-implemented":
        result.status = "not-implemented"
        result.lines.append(say("check.not-implemented", lang, function=failed))
    elif exc.kind == "missing":
        result.status = "missing"
        result.lines.append(say("check.missing", lang, function=failed))
    else:
        result.status = "error"
        if exc.kind in ("timeout", "crash"):  # the sandbox's verdict on the whole call (already worded)
            detail = exc.message
        elif exc.kind == "arity":
            detail = say("status.arity", lang, function=failed, expected=", ".join(map(str, case.get("returns", []))),
                         detail=exc.message) if failed == name else exc.message
        else:
            detail = say("status.exception", lang, function=failed, case=case.get("number", 1), dims=dims,
                         detail=exc.message)
        result.lines.append(say("check.error", lang, function=failed, detail=detail))
    if failed != name:
        result.lines.append("    " + say("check.through", lang, function=name, forward=failed))


#: The student's output is a catalogued mistake's when it matches it this closely on every
#: public case (the grader's diagnose.MATCH_FACTOR and MIN_TOLERANCE).
MISTAKE_MATCH_FACTOR = 10.0
MISTAKE_MIN_TOLERANCE = 1e-6


def _known_mistake(entry: Mapping, out: str, seen: list[dict], tolerance: float) -> Mapping | None:
    """The first catalogued mistake (fixture ``mistakes``) whose ``out`` the student's equals on
    every public case, or None.  Only its hint-level words are in the fixture: the concept and
    where to look, never the fix."""
    allowed = max(tolerance, MISTAKE_MIN_TOLERANCE) * MISTAKE_MATCH_FACTOR
    for mistake in entry.get("mistakes") or ():
        theirs = mistake.get("mistake_outputs") or []
        if len(theirs) != len(seen) or not all(out in case for case in theirs):
            continue
        if all(out in mine and compare(mine[out], case[out], allowed).ok for mine, case in zip(seen, theirs)):
            return mistake
    return None


Runner = Callable[[Mapping], dict]


def run_check(name: str, namespace: Mapping[str, Any] | None, entry: Mapping, lang: str,
              run: Runner | None = None) -> CheckResult:
    """Run the public cases of one function (fixture ``entry``) and judge every graded output.

    The calls are made by ``run(program)`` (program.run_program's reply, or ProgramError);
    by default in ``namespace`` (the notebook's globals), in this process.  `autograder
    check` passes a ``run`` that replays what the sandbox answered.
    """
    if run is None:
        if namespace is None:
            raise ValueError("run_check needs the notebook's namespace or a run")
        globals_ = namespace

        def run(program: Mapping) -> dict:
            return run_program(globals_, program)
    graded = list(entry["tolerance"])
    result = CheckResult(function=name, status="failed", total=len(graded))
    sent_names = _graded_names(entry)
    backward = bool(entry.get("through"))
    args = [str(a) for a in entry.get("args", [])]
    worst = {out: 0.0 for out in graded}
    failures: dict[str, tuple[Verdict, int, str]] = {}
    seen: list[dict] = []  # the student's graded outputs, per case
    mutated: set[str] = set()
    for number, case in enumerate(entry["cases"], start=1):
        dims = str(case["dims"])
        try:
            reply = run(case["program"])
        except ProgramError as exc:
            _program_error(result, exc, {**case, "number": number, "returns": entry["returns"]}, dims, lang)
            return result
        except ValueError as exc:  # a malformed fixture: not the student's fault
            result.status = "error"
            result.lines.append(say("check.error", lang, function=name, detail=str(exc)))
            return result
        outputs = dict(zip(sent_names, reply["outputs"][-1]))
        seen.append(outputs)
        mutated.update(args[i] for i in reply["mutated"][-1] if i < len(args))
        for out in graded:
            if out in failures:
                continue
            verdict = compare(outputs[out], case["expected"][out], float(entry["tolerance"][out]))
            if verdict.ok:
                worst[out] = max(worst[out], verdict.error or 0.0)
            else:
                failures[out] = (verdict, number, dims)
    for out in graded:
        item = f"{name}.{out}"
        if out in failures:
            verdict, number, dims = failures[out]
            detail = say(f"verdict.{verdict.code}", lang, **_verdict_params(verdict, number, dims))
            result.lines.append(say("check.fail", lang, item=item, detail=detail))
            mistake = _known_mistake(entry, out, seen, float(entry["tolerance"][out]))
            hint = _hint(verdict.code, backward)
            if mistake is not None:
                words = mistake["words"].get(lang) or mistake["words"]["en"]
                result.lines.append(f"    {say('check.hint-label', lang)}: "
                                    + say("check.mistake", lang, explanation=words["explanation"], hint=words["hint"]))
            elif hint:
                result.lines.append(f"    {say('check.hint-label', lang)}: {say(hint, lang)}")
            result.outputs.append(OutputCheck(item, False, verdict.code, verdict.error, number))
        else:
            result.lines.append(say("check.pass", lang, item=item, error=worst[out]))
            result.outputs.append(OutputCheck(item, True, "ok", worst[out]))
    if mutated:
        result.lines.append("    " + say("status.mutated", lang, args=", ".join(sorted(mutated))))
    result.passed = sum(o.ok for o in result.outputs)
    result.status = "passed" if result.passed == result.total else "failed"
    result.lines.append(say("check.summary", lang, function=name, passed=result.passed, total=result.total))
    return result


_LANGUAGE_NOTED: set[str] = set()  # the languages whose switch was already shown this session


def _resolve(function: Any, namespace: Mapping[str, Any] | None) -> tuple[str | None, Mapping[str, Any] | None]:
    """``check(rnn_step_backward)`` means ``check("rnn_step_backward")`` with that very object."""
    if isinstance(function, str):
        return function.strip(), namespace
    name = getattr(function, "__name__", None)
    if not callable(function) or not isinstance(name, str):
        return None, namespace
    if namespace is None:
        namespace = _caller_namespace(3)
    return name, {**namespace, name: function}


def check(function_name: str | Callable, fixtures: str | os.PathLike | None = None, *,
          namespace: Mapping[str, Any] | None = None, lang: str | None = None,
          quiet: bool = False) -> CheckResult:
    """Check ``function_name`` of this notebook on the public cases and print the verdicts.

    Inputs:
    - function_name: a graded function of the notebook, by name ("rnn_forward") or itself
      (``check(rnn_forward)``)
    - fixtures: public_cases.npz (or its folder); default: the one in the current folder
    - namespace: where the function lives; default: the caller's globals (the notebook)
    - lang: "ko" or "en"; default: $RNNLAB_LANG, else the course's language (the fixture's)
    - quiet: do not print (the lines are in the result)

    Returns a CheckResult (status, passed/total outputs, per-output verdicts, the lines).

    Under ``nbgrader autograde`` (nbgrader_cell.autograde_mode) a grade cell's call -- no
    ``fixtures`` and no ``namespace`` given -- instead returns the function's points on the
    hidden cases, from the sandboxed grader, as a plain float: the partial credit nbgrader
    records for the cell (docs/ECOSYSTEM.md, "nbgrader autograde").  Under nbgrader's Validate
    (nbgrader_cell.validate_mode) a grade cell's call raises AssertionError with the verdicts
    when the public check does not pass: Validate then reports the cell instead of "Success".
    """
    grade_cell = fixtures is None and namespace is None
    name, namespace = _resolve(function_name, namespace)
    if grade_cell and isinstance(name, str):
        from autograder.student.nbgrader_cell import autograde_mode, hidden_score

        if autograde_mode():
            return hidden_score(name)  # type: ignore[return-value]
    path = fixture_path(fixtures)
    try:
        data = load_fixtures(path)
    except Exception:  # reported below, in the right language
        data = {}
    lang = language(lang, data.get("language"))
    if name is None:
        result = CheckResult(function=str(function_name)[:80], status="error")
        result.lines.append(say("check.not-a-function", lang, got=type(function_name).__name__))
    else:
        if namespace is None:
            namespace = _caller_namespace()
        entry, problem = _fixture_problem(name, path, lang)
        if entry is None:
            result = CheckResult(function=name, status="error", lines=[problem or ""])
        else:
            result = _checked(name, namespace, entry, data, lang)
    verdicts = "\n".join(result.lines)
    if lang not in _LANGUAGE_NOTED:
        _LANGUAGE_NOTED.add(lang)
        result.lines.append(say("check.language", lang, function=name or "rnn_forward"))
    if not quiet:
        print("\n".join(result.lines), flush=True)
    if grade_cell and not result:
        from autograder.student.nbgrader_cell import validate_mode

        if validate_mode():
            raise AssertionError(verdicts)
    return result


def _checked(name: str, namespace: Mapping[str, Any], entry: Mapping, data: Mapping, lang: str) -> CheckResult:
    """run_check in the kernel: the student's calls under the time limit, then the grader's-view warning."""
    limit = entry.get("call_seconds")
    limit = float(limit) if isinstance(limit, (int, float)) and limit > 0 else None
    deadline = None if limit is None else time.monotonic() + limit

    def run(program: Mapping) -> dict:
        remaining = None if deadline is None else max(deadline - time.monotonic(), 0.01)
        try:
            with time_limit(remaining) as state:
                try:
                    return run_program(namespace, program)
                except ProgramError:
                    if not state["fired"]:
                        raise
        except CheckTimeout:
            pass
        raise ProgramError("timeout", say("check.timeout", lang, seconds=limit or 0.0), None)

    result = run_check(name, namespace, entry, lang, run=run)
    graded = set(data.get("functions") or ()) | set(data.get("solution_names") or ())
    try:
        result.outside = outside_names(name, namespace, graded, set(data.get("provided") or ()))
    except Exception:  # an analysis we cannot finish warns about nothing
        result.outside = []
    if result.outside:
        result.lines.insert(0, say("check.outside-names", lang, function=name,
                                   names=", ".join(result.outside)))
    return result
