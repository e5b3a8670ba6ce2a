"""`autograder export RESULTS --format nbgrader|lms --out FILE`: grades for other tools.

Owns two CSV layouts built from the result files (RESULTS/grades.csv itself is fixed by
DESIGN.md §5 and is not touched):

- ``nbgrader``: the columns and value formatting of ``nbgrader export`` (its CSV export
  plugin): one row per assignment and student, assignments in course order, students
  sorted by id, a student without a result for an assignment scored 0 with an empty
  timestamp, as nbgrader does.  Names and e-mail are empty (results do not hold them);
  with ``--submitted`` the timestamp is read from nbgrader's ``timestamp.txt``.
- ``lms``: one row per student, one column per assignment plus ``total`` — the shape LMS
  gradebook imports (Canvas, Moodle, Blackboard) accept.  An assignment without a result
  is left empty (an LMS then keeps what it has); ``total`` counts it as 0.
  ``--points-row`` adds a second row with the points possible, as Canvas expects.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from autograder.engine.course import Course
from autograder.engine.errors import UsageError
from autograder.engine.results import iter_results

NBGRADER_COLUMNS = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
                    "raw_score", "late_submission_penalty", "score", "max_score"]
LMS_STUDENT_COLUMN = "student_id"
LMS_TOTAL_COLUMN = "total"
POINTS_ROW_LABEL = "Points Possible"


def _collect(results_dir: Path, course: Course) -> tuple[list[str], list[str], dict, dict]:
    """Students, assignments (course order first), scores[(student, aid)], max_score[aid]."""
    if not results_dir.is_dir():
        raise UsageError(f"{results_dir}: no such results folder")
    scores: dict[tuple[str, str], float] = {}
    max_scores: dict[str, float] = {}
    for result in iter_results(results_dir):
        scores[result["student"], result["assignment"]] = float(result["score"])
        max_scores[result["assignment"]] = float(result["max_score"])
    if not scores:
        raise UsageError(f"{results_dir}: no result files (RESULTS/<student>/<assignment>.json)")
    for aid in course.assignments:
        if aid in max_scores:
            max_scores[aid] = course.max_score(aid)
    assignments = [a for a in course.assignments if a in max_scores] + sorted(a for a in max_scores
                                                                             if a not in course.assignments)
    students = sorted({s for s, _ in scores})
    return students, assignments, scores, max_scores


def submission_time(submitted: Path | None, student: str, aid: str):
    """The submission time nbgrader's ``collect`` recorded (naive UTC datetime, as nbgrader stores it), or None."""
    if submitted is None:
        return None
    try:
        text = (submitted / student / aid / "timestamp.txt").read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    from nbgrader.utils import parse_utc  # nbgrader is only needed when its timestamps are used

    try:
        return parse_utc(text) if text else None
    except (ValueError, OverflowError):
        return None


def nbgrader_rows(results_dir: Path, course: Course, submitted: Path | None = None) -> list[list[str]]:
    students, assignments, scores, max_scores = _collect(results_dir, course)
    rows = [NBGRADER_COLUMNS]
    for aid in assignments:
        for student in students:
            raw = scores.get((student, aid))
            when = submission_time(submitted, student, aid) if raw is not None else None
            timestamp = "" if when is None else str(when)
            raw = 0.0 if raw is None else raw
            penalty = 0.0
            rows.append([aid, "", timestamp, student, "", "", "", str(raw), str(penalty),
                         str(max(0.0, raw - penalty)), str(max_scores[aid])])
    return rows


def lms_rows(results_dir: Path, course: Course, points_row: bool = False) -> list[list[str]]:
    students, assignments, scores, max_scores = _collect(results_dir, course)
    rows = [[LMS_STUDENT_COLUMN, *assignments, LMS_TOTAL_COLUMN]]
    if points_row:
        rows.append([POINTS_ROW_LABEL, *(f"{max_scores[a]:g}" for a in assignments),
                     f"{sum(max_scores.values()):g}"])
    for student in students:
        cells = [scores.get((student, a)) for a in assignments]
        rows.append([student, *("" if c is None else f"{c:g}" for c in cells),
                     f"{round(sum(c for c in cells if c is not None), 6):g}"])
    return rows


def _csv(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()
