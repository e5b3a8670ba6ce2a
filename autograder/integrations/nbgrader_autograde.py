"""`autograder grade-notebook NOTEBOOK [--assignment A] [--json]`: grade one notebook file.

Owns the one-notebook entry point that nbgrader's grade cells use (docs/ECOSYSTEM.md,
"nbgrader autograde"): when ``nbgrader autograde`` executes a student notebook, each
``check("fn")`` grade cell asks this verb, in a subprocess, for the score of its function,
so nbgrader records the same per-cell partial credit as ``autograder grade``.

It is the shared pipeline on one file: the same hidden cases, sandbox, comparison and
scoring as ``autograder grade`` (GradingPlan + grade_submission, in memory).  The grade is cached on
disk under the submission's fingerprint (the notebook's bytes + rubric: engine, course,
reference, secret), so the nine grade cells of a notebook, or a rerun of nbgrader, grade
it once.  Concurrent calls for the same notebook wait for each other instead of grading
twice.  NOTEBOOK may be the notebook or the folder that holds it (the folder's name is the
assignment, nbgrader's ``<student>/<assignment>/`` layout).

Each function's entry also carries its ``feedback``: the lines its grade cell prints under the
score, so that ``nbgrader generate_feedback`` shows them to the student — every item that did
not pass with its status and message, then each recognised mistake's explanation and hint as
the result carries them (rendered at grading time, in the course's language and at its
feedback level; never re-derived here).  Plain text on one line each: the cell's output is a
text stream, and the message may hold what the student's code printed.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import unicodedata
from collections import defaultdict
from pathlib import Path

from autograder.grading.course import Course
from autograder.grading.errors import UsageError
from autograder.student.messages import STATUS_LABEL, render
from autograder.grading.results import item_explanation, write_atomic

CACHE_DIR = Path(".rnnlab-cache") / "autograde"
DEFAULT_STUDENT = "notebook"


def resolve(course: Course, path: Path, assignment: str | None) -> tuple[str, Path]:
    """(assignment id, notebook path) from a notebook or its folder."""
    if assignment is not None and assignment not in course.assignments:
        raise UsageError("usage.unknown-assignment", unknown=assignment, known=", ".join(course.assignments))
    if path.is_dir():
        aid = assignment or path.resolve().name
        if aid not in course.assignments:
            raise UsageError("usage.folder-not-assignment", path=path)
        return aid, path / course.assignments[aid].notebook
    if assignment is not None:
        return assignment, path
    by_name = [aid for aid, a in course.assignments.items() if a.notebook == path.name]
    if len(by_name) == 1:
        return by_name[0], path
    folder = path.resolve().parent.name
    if folder in course.assignments:
        return folder, path
    raise UsageError("usage.which-assignment", path=path)


def student_of(notebook: Path, assignment: str) -> str:
    """``<student>`` of nbgrader's ``.../<student>/<assignment>/<notebook>`` layout, if it is one."""
    parent = notebook.resolve().parent
    return parent.parent.name if parent.name == assignment and parent.parent.name else DEFAULT_STUDENT


def _plain(text) -> str:
    """One line of plain text: control and format characters (ANSI escapes, line breaks) become spaces."""
    return " ".join("".join(" " if unicodedata.category(c)[0] == "C" else c for c in str(text)).split())


def function_feedback(items: list[dict], language: str) -> list[str]:
    """The lines a grade cell prints under its score for these items of one function (see the module doc)."""
    lines = [f"{item['id']}: {render(STATUS_LABEL.get(item['status'], 'status.error'), language)}: "
             f"{_plain(item.get('message') or '')}" for item in items if item["status"] != "passed"]
    diagnosed: dict[tuple[str, str], list[str]] = {}
    for item in items:
        entry = item_explanation(item) if item.get("diagnosis") else None
        if entry:
            diagnosed.setdefault((entry["explanation"], entry["hint"]), []).append(item["id"])
    for (explanation, hint), ids in diagnosed.items():
        if explanation:
            lines.append(f"{', '.join(ids)}: {_plain(explanation)}")
        if hint:
            lines.append(f"{render('feedback.hint', language)}: {_plain(hint)}")
    return lines


def summarise(result: dict, notebook: Path, cached: bool, student: str | None = None,
              language: str = "en") -> dict:
    """What a grade cell needs: per-function scores (= per grade cell) and feedback beside the items."""
    functions: dict[str, dict] = defaultdict(lambda: {"score": 0.0, "max_score": 0.0, "items": []})
    for item in result["items"]:
        entry = functions[item["function"]]
        entry["score"] += float(item["score"])
        entry["max_score"] += float(item["max_score"])
        entry["items"].append(item)
    return {
        "notebook": str(notebook),
        "student": student or result["student"],
        "assignment": result["assignment"],
        "score": result["score"],
        "max_score": result["max_score"],
        "functions": {name: {"score": round(v["score"], 6), "max_score": round(v["max_score"], 6),
                             "feedback": function_feedback(v["items"], language)}
                      for name, v in functions.items()},
        "items": [{k: item.get(k) for k in ("id", "function", "score", "max_score", "status")}
                  for item in result["items"]],
        "errors": result.get("errors", []),
        "fingerprint": result.get("fingerprint"),
        "cached": cached,
    }


@contextlib.contextmanager
def _locked(path: Path):
    """An exclusive lock on ``path`` (one grader per notebook at a time, across processes).

    The lock file is never deleted: a process waiting on it and a newcomer would otherwise
    lock two different files and grade the same notebook twice."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _cached(path: Path, fingerprint: str) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("fingerprint") == fingerprint else None


def _seen(cache: Path, notebook: Path, assignment: str) -> Path | None:
    """The marker of this notebook's content in the cache (written beside each cached grade), or None
    when the notebook cannot be read (it is then graded without a sandbox: nothing of it runs)."""
    from autograder.grading.extract import NotebookError, read_submitted_bytes

    try:
        raw = read_submitted_bytes(notebook)
    except NotebookError:
        return None
    return cache / f"{hashlib.sha256(assignment.encode() + b'/' + raw).hexdigest()}.seen"


def grade_notebook(course: Course, notebook: Path, assignment: str, *, student: str | None = None,
                   secret_file: Path | None = None, isolate: bool = True, cache: Path | None = None,
                   use_cache: bool = True, slot: int = 0) -> dict:
    """Grade one notebook with the shared pipeline; return its summary (see :func:`summarise`).

    A notebook whose content was never graded here (no marker in the cache) is not going to be
    found there: its sandbox starts at once, while the grading pipeline loads and the hidden cases
    are drawn.  A grade cell after the first finds the marker and starts nothing unless the
    cached grade turns out not to be current (e.g. another rubric)."""
    from autograder.grading.runners import SandboxRunner, make_sandbox_factory
    from autograder.sandbox import prewarm

    cache = (course.root / CACHE_DIR) if cache is None else cache
    seen = _seen(cache, notebook, assignment)
    runner = None
    if seen is not None and not (use_cache and seen.exists()):
        try:
            runner = SandboxRunner.starting_now(make_sandbox_factory(course, isolate=isolate)(slot))
        except UsageError:  # no sandbox here: said below, unless the grade is in the cache
            pass
    try:
        from autograder.grading.pipeline import (GradingPlan, grade_submission, load_secret, read_submission,
                                                rubric_digest)

        secret = load_secret(course, secret_file)
        rubric = rubric_digest(course, secret)
        submission = read_submission(rubric, assignment, notebook)
        fingerprint = submission.fingerprint
        student = student or student_of(notebook, assignment)
        entry = cache / f"{fingerprint}.json"
        with (_locked(cache / f"{fingerprint}.lock") if use_cache else contextlib.nullcontext()):
            if use_cache:
                result = _cached(entry, fingerprint)
                if result is not None:
                    return summarise(result, notebook, cached=True, student=student, language=course.language)
            if runner is None:
                factory = make_sandbox_factory(course, isolate=isolate)(slot)
                # a notebook that can be read starts its sandbox while the hidden cases are drawn
                runner = SandboxRunner.starting_now(factory) if submission.raw is not None else SandboxRunner(factory)
            plan = GradingPlan(course, secret, [assignment], rubric=rubric, keep=True)
            result = grade_submission(plan, submission, runner, student).result
            if use_cache:
                write_atomic(entry, json.dumps(result, ensure_ascii=False) + "\n")
                if seen is not None:
                    seen.touch()
    finally:
        if runner is not None:
            runner.close()
            prewarm.SPARES.close()  # the sandbox is gone before the grade is reported
    return summarise(result, notebook, cached=False, language=course.language)
