"""`check("fn")` inside a student notebook: run the public cases of ``public_cases.npz``.

Owns the student's self-check: find the function in the notebook's globals, run every
public case with the same call programs the grader uses (program.py), compare each graded
output with compare.py and print one line per output (pass/fail, relative error, one
hint on a failure), in Korean (default) or English (``RNNLAB_LANG=en``).

This module ships to students: ``autograder release`` bundles it, with the modules it
imports (compare, messages, program, protocol, nbgrader_cell), into one numpy-only file
beside each exercise notebook (engine/bundle.py), which the notebook imports as
``from rnnlab_check import check``.  It reads only the self-contained fixture written by the
release: no course.yaml, no reference code, nothing that can reveal a hidden case.  It never
raises for a problem of the student's code: every failure is printed and returned.  Under
``nbgrader autograde`` a grade cell's ``check`` defers to nbgrader_cell.py (standard library
only), which asks the instructor's grader in a subprocess.  ``autograder check`` from a shell
runs the same :func:`run_check`, with the student's calls made in the sandbox
(engine/notebook_check.py).
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from autograder.engine.compare import Verdict, compare
from autograder.engine.messages import LANGUAGES, MESSAGES, render
from autograder.sandbox.inside.program import ProgramError, run_program
from autograder.sandbox.inside.protocol import load_npz

__all__ = ["check", "CheckResult", "OutputCheck", "FIXTURE_NAME", "LANG_ENV", "load_fixtures", "language"]

FIXTURE_NAME = "public_cases.npz"
LANG_ENV = "RNNLAB_LANG"
CACHE_OUTPUT = "cache"
# The messages.py codes this module renders (prefixes): the bundle carries only these sentences.
MESSAGE_CODES = ("check.", "verdict.", "status.arity", "status.exception", "status.mutated")

def language(preferred: str | None = None) -> str:
    """``preferred``, else $RNNLAB_LANG, else Korean."""
    for lang in (preferred, os.environ.get(LANG_ENV, "").strip().lower()):
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


def load_fixtures(path: Path) -> dict:
    """``{"functions": {name: {...}}}`` from a fixture file (cached by path, size and mtime)."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = load_npz(path)
    return _CACHE[key]


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
        def run(program: Mapping) -> dict:
            return run_program(namespace, program)
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


def check(function_name: str, fixtures: str | os.PathLike | None = None, *,
          namespace: Mapping[str, Any] | None = None, lang: str | None = None,
          quiet: bool = False) -> CheckResult:
    """Check ``function_name`` of this notebook on the public cases and print the verdicts.

    Inputs:
    - function_name: a graded function of the notebook, e.g. "rnn_forward"
    - fixtures: public_cases.npz (or its folder); default: the one in the current folder
    - namespace: where the function lives; default: the caller's globals (the notebook)
    - lang: "ko" or "en"; default: $RNNLAB_LANG, else "ko"
    - quiet: do not print (the lines are in the result)

    Returns a CheckResult (status, passed/total outputs, per-output verdicts, the lines).

    Under ``nbgrader autograde`` (nbgrader_cell.autograde_mode) a grade cell's call -- no
    ``fixtures`` and no ``namespace`` given -- instead returns the function's points on the
    hidden cases, from the sandboxed grader, as a plain float: the partial credit nbgrader
    records for the cell (docs/ECOSYSTEM.md, "nbgrader autograde").
    """
    if fixtures is None and namespace is None:
        from autograder.student.nbgrader_cell import autograde_mode, hidden_score

        if autograde_mode():
            return hidden_score(function_name)  # type: ignore[return-value]
    lang = language(lang)
    if namespace is None:
        namespace = _caller_namespace()
    path = fixture_path(fixtures)
    result = CheckResult(function=function_name, status="error")
    try:
        data = load_fixtures(path)
        entry = data["functions"].get(function_name)
    except FileNotFoundError:
        result.lines.append(say("check.no-fixtures", lang, function=function_name, path=path, fixture=FIXTURE_NAME))
        entry = None
    except Exception as exc:  # a damaged fixture file
        result.lines.append(say("check.error", lang, function=function_name, detail=f"{path}: {exc}"))
        entry = None
    else:
        if entry is None:
            result.lines.append(say("check.unknown-function", lang, function=function_name, path=path))
    if entry is not None:
        result = run_check(function_name, namespace, entry, lang)
    if not quiet:
        print("\n".join(result.lines), flush=True)
    return result
