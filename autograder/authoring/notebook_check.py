"""`autograder check NOTEBOOK...`: the public self-check from a shell, run where the grader runs code.

Owns where a notebook's code runs and with which setup cells; judging and wording are the
notebook's own ``check`` (student/selfcheck.run_check: the same programs, comparison and
sentences as ``check("fn")`` in Jupyter).

- **Inside a course** (``--course``, or a course.yaml in the current folder or above the
  notebook) the notebook is somebody else's work — a TA reproducing a student's complaint.
  As in ``autograder grade``: its solution cells run with the course's own setup cells
  (extract.Template of ``solutions/<asg>/``), loaded and called in the sandbox with the
  course's limits, on the course's public cases (``solutions/<asg>/public_cases.npz``).
  Nothing the notebook does can read the grading secret, the reference or the course.
  Without a sandbox it refuses (SandboxUnavailable says how to get one), unless
  ``--no-sandbox``.
- **Without a course** (a student's released folder): the notebook's own setup cells and
  the public cases beside it; in the sandbox when there is one, otherwise in this process —
  the student's own code on the student's own machine.
- ``--no-sandbox``: in this process, after a warning on stderr.

The in-notebook ``check()`` is not this: it runs in the student's own kernel.
"""
from __future__ import annotations

import builtins
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from autograder.grading.course import Course, CourseError, find_course, load_course
from autograder.grading.errors import UsageError
from autograder.grading.extract import NotebookError, Program, Template, read_notebook
from autograder.grading.terminal import render_terminal
from autograder.student.messages import Nested, render
from autograder.sandbox.inside.program import ProgramError, describe_exception, run_program
from autograder.sandbox.inside.protocol import Bad
from autograder.student.selfcheck import FIXTURE_NAME, LANG_ENV, CheckResult, language, load_fixtures, run_check

NAMESPACE_NAME = "__rnnlab_check__"
NO_SANDBOX_WARNING = "cli.check-no-sandbox"  # said before anything runs, in the check's language
IN_PROCESS_NOTE = "cli.check-in-process"


@dataclass
class Target:
    """One notebook to check: where its setup cells and public cases come from."""

    notebook: Path
    course: Course | None
    assignment: str | None
    template: Path  # the notebook whose setup cells run (the course's, or the notebook itself)
    fixtures: Path


# ----------------------------------------------------------------------------- planning


def _course_of(notebook: Path, explicit: Path | None, loaded: dict[Path, Course]) -> Course | None:
    """The course the notebook belongs to: --course, else the nearest course.yaml to the cwd or the notebook."""
    path = explicit
    if path is None:
        for start in (Path.cwd(), notebook.resolve().parent):
            try:
                path = find_course(start)
                break
            except CourseError:
                continue
    if path is None:
        return None
    path = Path(path).resolve()
    if path not in loaded:
        try:
            loaded[path] = load_course(path)
        except CourseError as exc:  # refuse rather than run a submission unprotected
            raise UsageError("usage.invalid-course", problems=exc) from None
    return loaded[path]


def _assignment_of(course: Course, notebook: Path) -> str:
    by_name = [aid for aid, a in course.assignments.items() if a.notebook == notebook.name]
    if len(by_name) == 1:
        return by_name[0]
    folder = notebook.resolve().parent.name
    if folder in course.assignments:
        return folder
    raise UsageError("usage.not-course-notebook", notebook=notebook, course=course.path)


def plan(notebooks: list[Path], course_file: Path | None = None, fixtures: Path | None = None) -> list[Target]:
    """Where each notebook's setup cells and public cases come from (UsageError if it cannot be checked)."""
    loaded: dict[Path, Course] = {}
    targets = []
    for notebook in notebooks:
        if not notebook.is_file():
            raise UsageError("usage.no-such-notebook", path=notebook)
        course = _course_of(notebook, course_file, loaded)
        if course is None:
            targets.append(Target(notebook, None, None, notebook, fixtures or notebook.resolve().parent / FIXTURE_NAME))
            continue
        aid = _assignment_of(course, notebook)
        own = course.root / "solutions" / aid
        template = own / course.assignments[aid].notebook
        if not template.is_file():
            raise UsageError("usage.no-template", path=template, assignment=aid)
        targets.append(Target(notebook, course, aid, template, fixtures or own / FIXTURE_NAME))
    return targets


def _fixture_functions(target: Target) -> dict[str, Any]:
    try:
        return dict(load_fixtures(target.fixtures)["functions"])
    except FileNotFoundError:
        raise UsageError("usage.no-fixtures", path=target.fixtures) from None
    except Exception as exc:
        raise UsageError("usage.bad-fixtures", path=target.fixtures, detail=exc) from None


def _program(target: Target, lang: str) -> Program:
    """The code the grader would take from the notebook: setup cells of ``target.template`` + solution cells."""
    try:
        return Template(target.template).program(read_notebook(target.notebook))
    except NotebookError as exc:
        raise UsageError(exc.code, notebook=target.notebook.name, detail=exc.detail) from None


# ------------------------------------------------------------------------------ running


class InProcess:
    """The notebook's code in a fresh namespace of this process (--no-sandbox; a student's own folder)."""

    def __init__(self):
        self.namespaces: dict[str, dict] = {}

    def load(self, unit: str, program: Program) -> dict:
        namespace: dict = {"__name__": NAMESPACE_NAME, "__builtins__": builtins}
        self.namespaces[unit] = namespace
        try:
            exec(compile(program.code, program.filename, "exec"), namespace)  # see module doc
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: B036 - SystemExit & co. in a cell end the load, not the shell
            return {"ok": False, "kind": "exception", "message": describe_exception(exc)}
        return {"ok": True}

    def runner(self, unit: str, programs: list, seconds: float, name: str, lang: str) -> Callable[[Mapping], dict]:
        namespace = self.namespaces[unit]
        return lambda program: run_program(namespace, program)

    def close(self) -> None:
        self.namespaces.clear()


def _unbad(value: Any) -> Any:
    """protocol.Bad (an object the worker could not send) as compare.py reads it."""
    if isinstance(value, Bad):
        return {"$bad": value.type_name}
    if isinstance(value, list):
        return [_unbad(v) for v in value]
    if isinstance(value, dict):
        return {k: _unbad(v) for k, v in value.items()}
    return value


class Sandboxed:
    """The notebook's code in the grader's sandbox (sandbox/box.py), one unit per notebook."""

    def __init__(self, course: Course | None, isolate: bool = True):
        from autograder.sandbox import box

        if course is not None:
            from autograder.grading.classrun import sandbox_limits

            limits = sandbox_limits(course)
        else:
            limits = box.Limits()
        self.box = box.Sandbox(limits, slot=0, isolate=isolate)

    def load(self, unit: str, program: Program) -> dict:
        from autograder.grading.runners import host_without_sandbox

        with host_without_sandbox(self.box):
            return self.box.load(unit, program.code, program.filename)

    def runner(self, unit: str, programs: list, seconds: float, name: str, lang: str) -> Callable[[Mapping], dict]:
        reply = self.box.run(unit, programs, timeout=seconds)
        if not reply.get("ok"):
            if reply.get("kind") == "timeout":
                failure = ProgramError("timeout", render("status.timeout", lang, function=name, seconds=seconds))
            else:
                failure = ProgramError("crash", render("status.crash", lang, function=name,
                                                       detail=str(reply.get("message", ""))[:300]))

            def failed(program: Mapping) -> dict:
                raise failure
            return failed
        answers = iter(reply["results"])

        def replay(program: Mapping) -> dict:  # run_check asks for the cases in the order they were sent
            answer = next(answers)
            if "error" in answer:
                error = answer["error"]
                raise ProgramError(error.get("kind", "exception"), str(error.get("message", ""))[:600],
                                   error.get("step"))
            return {"outputs": _unbad(answer["outputs"]), "mutated": answer["mutated"]}
        return replay

    def close(self) -> None:
        self.box.close()


def _load_failure(reply: dict, lang: str, seconds: float) -> tuple[bool, str]:
    """(can the functions still be checked?, the line to print) for a failed load."""
    kind, message = reply.get("kind", "exception"), str(reply.get("message", ""))[:600]
    if kind == "exception":  # one cell failed: the others' functions are defined (extract.Program)
        return True, render("notebook.load-error", lang, detail=message)
    if kind == "timeout":
        return False, render("notebook.load-timeout", lang, seconds=seconds)
    return False, render("notebook.load-crash", lang, detail=message)


def _choose_runner(target: Target, sandbox: bool | None) -> tuple[Callable[[], Any], str | None]:
    """(factory of the runner, a warning to print first or None)."""
    from autograder.sandbox import box

    if sandbox is False:
        return InProcess, NO_SANDBOX_WARNING
    if box.bwrap_available():
        return (lambda: Sandboxed(target.course)), None
    if target.course is not None:
        from autograder.grading.runners import no_sandbox_here

        raise no_sandbox_here()
    return InProcess, IN_PROCESS_NOTE


def check_notebook(target: Target, names: list[str], entries: dict[str, Any], lang: str,
                   runner_factory: Callable[[], Any], out: Callable[[str], None] = print) -> list[CheckResult]:
    """Check ``names`` of one notebook; print every line; return one result per function."""
    course = target.course
    load_seconds = course.limits.load_seconds if course else 30.0
    program = _program(target, lang)
    unit = target.assignment or target.notebook.stem
    runner = runner_factory()
    results = []
    try:
        reply = runner.load(unit, program)
        usable = True
        if not reply.get("ok"):
            usable, line = _load_failure(reply, lang, load_seconds)
            out(line)
        for name in names:
            entry = entries[name]
            if not usable:
                results.append(CheckResult(function=name, status="error"))
                continue
            seconds = course.functions[name].call_seconds if course and name in course.functions else \
                (course.limits.call_seconds if course else 10.0)
            programs = [case["program"] for case in entry["cases"]]
            run = runner.runner(unit, programs, seconds, name, lang)
            result = run_check(name, None, entry, lang, run=run)
            out("\n".join(result.lines))
            results.append(result)
    finally:
        runner.close()
    return results


def check_notebooks(notebooks: list[Path], functions: list[str] | None = None, *, course_file: Path | None = None,
                    fixtures: Path | None = None, lang: str | None = None, sandbox: bool | None = None,
                    out: Callable[[str], None] = print, warn: Callable[[str], None] | None = None,
                    allow_unfinished: bool = False, summary: Path | None = None) -> int:
    """Check every notebook (``sandbox``: None = choose as the module doc says, False = --no-sandbox).

    Returns the exit status: 0 when every checked function passes (``allow_unfinished``: or
    is still a stub raising NotImplementedError), 1 otherwise.  ``summary``: a Markdown table
    per notebook (passed, unfinished, failing) is appended there (e.g. $GITHUB_STEP_SUMMARY).
    """
    warn = warn or (lambda line: print(line, file=sys.stderr, flush=True))
    targets = plan(notebooks, course_file, fixtures)
    available = [_fixture_functions(t) for t in targets]
    if functions:
        unknown = [n for n in functions if not any(n in a for a in available)]
        if unknown:
            where = targets[0].fixtures if len(targets) == 1 else Nested("usage.these-notebooks-cases")
            raise UsageError("usage.check-unknown-function", functions=", ".join(unknown), where=where,
                             available=", ".join(dict.fromkeys(n for a in available for n in a)))
    runners = [_choose_runner(t, sandbox) for t in targets]  # refuse before running anything
    warned = {}  # each warning once, in the language of the first notebook it is for
    for target, (_, code) in zip(targets, runners):
        if code and code not in warned:
            warned[code] = _language(lang, target.course)
    for code, spoken in warned.items():
        warn("autograder check: " + render_terminal(code, spoken))
    failed, table = 0, []
    for target, entries, (factory, _) in zip(targets, available, runners):
        names = [n for n in (functions or entries) if n in entries]
        if not names:
            continue
        if len(targets) > 1:
            out(f"== {target.notebook}")
        this_lang = _language(lang, target.course)
        results = check_notebook(target, names, entries, this_lang, factory, out)
        passed = sum(bool(r) for r in results)
        unfinished = sum(r.status == "not-implemented" for r in results)
        failed += len(results) - passed - (unfinished if allow_unfinished else 0)
        out(render("check.total", this_lang, notebook=target.notebook.name, passed=passed, total=len(results)))
        table.append(f"| `{target.notebook.as_posix().replace('`', '')}` | {passed} | {unfinished} | "
                     f"{len(results) - passed - unfinished} |")
    if summary is not None:
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write("\n".join([render("check.table-head", _language(lang, None)), *table]) + "\n\n")
    return 0 if failed == 0 else 1


def _language(preferred: str | None, course: Course | None) -> str:
    """--lang, else $RNNLAB_LANG, else the course's language, else Korean."""
    if preferred or os.environ.get(LANG_ENV, "").strip() or course is None:
        return language(preferred)
    return language(course.language)
