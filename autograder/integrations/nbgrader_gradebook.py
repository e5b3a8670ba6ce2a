"""`autograder gradebook RESULTS [--db URL]` and `grade --gradebook URL`: put the results into nbgrader's gradebook.

Owns the mapping of result files onto nbgrader's database (``nbgrader.api.Gradebook``), so
that formgrader's gradebook pages and ``nbgrader export`` show RNN Lab's scores:

- one nbgrader assignment per course assignment, one notebook (the notebook's file stem);
- one autograded code grade cell per graded function, named ``check_<function>`` — the
  ``grade_id`` of the function's grade cell in the notebooks — whose ``max_score`` is the
  sum of the function's points in course.yaml;
- one student and one submission per result file; each grade cell's ``auto_score`` is the
  sum of that function's item scores.

Rerunning gives the same database: existing rows are updated, never duplicated.  A score a
human grader set in formgrader (``manual_score``) is kept, and the cell stays flagged for
review, as nbgrader's own autograder does.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import sys
import warnings
from collections import defaultdict
from pathlib import Path
from typing import TypedDict

from autograder.grading.course import Course
from autograder.grading.errors import UsageError
from autograder.student.messages import Nested
from autograder.grading.results import ALWAYS, ASKED, Offer, Option, Output
from autograder.integrations.lms import SUBMITTED, submission_time

NBGRADER_COURSE_ID = ""  # nbgrader's CourseDirectory.course_id default; nbgrader_config.py does not set it


def grade_cell_name(function: str) -> str:
    """The nbgrader grade_id of a graded function's grade cell (docs/NOTEBOOKS.md)."""
    return f"check_{function}"


def notebook_name(course: Course, assignment: str) -> str:
    """nbgrader names a notebook by its file name without ``.ipynb``."""
    return Path(course.assignments[assignment].notebook).stem


def require_nbgrader() -> None:
    """A :class:`UsageError` that says how to get nbgrader, instead of a ModuleNotFoundError."""
    try:
        import nbgrader.api  # noqa: F401
    except ImportError:
        raise UsageError("usage.nbgrader-missing", python=sys.executable) from None


@contextlib.contextmanager
def _alembic_on_path():
    """nbgrader runs the ``alembic`` command to stamp a new database; in an unactivated venv
    (``.venv/bin/autograder``) it is not on PATH, so add the interpreter's own bin folder."""
    saved = os.environ.get("PATH")
    if shutil.which("alembic") is None:
        os.environ["PATH"] = os.pathsep.join(filter(None, [str(Path(sys.executable).parent), saved]))
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("PATH", None)
        else:
            os.environ["PATH"] = saved


def _ensure_assignment(gb, course: Course, aid: str) -> dict:
    """Assignment, notebook and grade cells of ``aid``; returns grade cell name → GradeCell.

    Rows that already hold the right values are left alone (nbgrader commits every update)."""
    from nbgrader.api import MissingEntry

    notebook = notebook_name(course, aid)
    try:
        gb.find_notebook(notebook, aid)
    except MissingEntry:
        gb.update_or_create_assignment(aid)
        gb.add_notebook(notebook, aid)
    cells = {}
    for spec in course.functions_of(aid):
        name = grade_cell_name(spec.name)
        try:
            cell = gb.find_grade_cell(name, notebook, aid)
        except MissingEntry:
            cell = None
        if cell is None or cell.max_score != spec.max_score or cell.cell_type != "code":
            cell = gb.update_or_create_grade_cell(name, notebook, aid, max_score=spec.max_score, cell_type="code")
        cells[name] = cell
    return cells


def _submitted_notebook(gb, submission, notebook: str, aid: str):
    """The submission's copy of ``notebook``, created if the notebook was added to the assignment later."""
    from nbgrader.api import SubmittedNotebook

    for nb in submission.notebooks:
        if nb.name == notebook:
            return nb
    nb = SubmittedNotebook(notebook=gb.find_notebook(notebook, aid), assignment=submission)
    gb.db.add(nb)
    return nb


def _record(gb, course: Course, cells: dict, result: dict, when) -> int:
    from nbgrader.api import Grade, MissingEntry

    student, aid = result["student"], result["assignment"]
    try:
        gb.find_student(student)
    except MissingEntry:
        gb.add_student(student)
    try:
        submission = gb.find_submission(aid, student)
    except MissingEntry:
        submission = gb.add_submission(aid, student)
    if when is not None:
        submission.timestamp = when
    nb = _submitted_notebook(gb, submission, notebook_name(course, aid), aid)
    grades = {grade.cell.name: grade for grade in nb.grades if grade.cell is not None}
    scores: dict[str, float] = defaultdict(float)
    for item in result["items"]:
        scores[grade_cell_name(item["function"])] += float(item["score"])
    for name, cell in cells.items():
        grade = grades.get(name)
        if grade is None:  # the cell was added after this submission was first recorded
            grade = Grade(cell=cell, notebook=nb)
            gb.db.add(grade)
        grade.auto_score = round(scores.get(name, 0.0), 6)
        grade.needs_manual_grade = grade.manual_score is not None
    return len(cells)


class GradebookCounts(TypedDict):
    """What a gradebook write recorded; ``skipped``: student/assignment of results not in the course."""
    submissions: int
    grades: int
    skipped: list[str]


SQLITE = "sqlite:///"
GRADEBOOK_URL = Option("--gradebook", "also record the scores in nbgrader's gradebook, e.g. sqlite:///gradebook.db",
                       {"default": None, "metavar": "DB_URL"})
DATABASE = Option("--db", "nbgrader database URL (default: sqlite:///<course folder>/gradebook.db, as nbgrader)",
                  {"default": None, "metavar": "URL"})


class NbgraderGradebook(Output):
    """Records results in nbgrader's database one at a time: ``add`` each, then ``write``.

    The database is opened (a new one stamped) at the first result or at ``write``, so a grade
    run's other outputs are written first when it cannot be; ``write`` commits the scores in one
    transaction and says what was written (:attr:`counts`); ``close`` records nothing more."""

    name = "gradebook"
    description = "nbgrader's gradebook: one grade cell score per graded function, for formgrader and nbgrader export"
    offers = {"grade": Offer(GRADEBOOK_URL, ASKED), "gradebook": Offer(DATABASE, ALWAYS)}
    options = (SUBMITTED,)

    def __init__(self, dest: str, course: Course, submitted: Path | None = None,
                 course_id: str = NBGRADER_COURSE_ID):
        require_nbgrader()  # here, not at the first result: `grade --gradebook` stops before grading
        self.course, self.dest, self.submitted, self.course_id = course, dest, submitted, course_id
        self.counts: GradebookCounts = {"submissions": 0, "grades": 0, "skipped": []}
        self._cells_of: dict[str, dict] = {}
        self._stack = contextlib.ExitStack()
        self._gb = None

    @classmethod
    def destination(cls, given, folder: Path, course: Course) -> str:
        return given or f"{SQLITE}{course.root / 'gradebook.db'}"

    @property
    def local_path(self) -> Path | None:
        return Path(self.dest[len(SQLITE):]) if self.dest.startswith(SQLITE) else None

    def _open(self):
        if self._gb is None:
            from nbgrader.api import Gradebook

            try:
                self._stack.enter_context(_alembic_on_path())
                gb = self._stack.enter_context(Gradebook(self.dest, self.course_id))
                self._stack.enter_context(warnings.catch_warnings())
                # nbgrader's own add_submission triggers this SQLAlchemy autoflush notice; the rows are right.
                warnings.filterwarnings("ignore", message=".*not in session, add operation along", category=Warning)
            except BaseException:
                self._stack.close()
                raise
            self._gb = gb
        return self._gb

    def add(self, result: dict) -> None:
        aid = result["assignment"]
        if aid not in self.course.assignments:
            self.counts["skipped"].append(f"{result['student']}/{aid}")
            return
        gb = self._open()
        if aid not in self._cells_of:
            self._cells_of[aid] = _ensure_assignment(gb, self.course, aid)
        when = submission_time(self.submitted, result["student"], aid)
        self.counts["grades"] += _record(gb, self.course, self._cells_of[aid], result, when)
        self.counts["submissions"] += 1

    def write(self, view=None) -> list[Nested]:
        try:
            self._open().db.commit()  # one transaction for the scores (nbgrader commits each new row itself)
        finally:
            self.close()
        said = [Nested("cli.gradebook-done", db=self.dest, submissions=self.counts["submissions"],
                       grades=self.counts["grades"])]
        if self.counts["skipped"]:
            said.append(Nested("cli.gradebook-skipped", count=len(self.counts["skipped"]), course=self.course.path.name,
                               names=", ".join(self.counts["skipped"][:10])))
        return said

    def close(self) -> None:
        self._stack.close()
