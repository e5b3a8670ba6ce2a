"""`autograder export RESULTS --format nbgrader|lms|canvas|moodle --out FILE`: grades for other tools.

Owns the CSV layouts built from the result files (RESULTS/grades.csv itself never changes
shape and is not touched):

- ``nbgrader``: the columns and value formatting of ``nbgrader export`` (its CSV export
  plugin): one row per assignment and student, assignments in course order, students
  sorted by id, a student without a result for an assignment scored 0 with an empty
  timestamp, as nbgrader does.  Names and e-mail are empty (results do not hold them);
  with ``--submitted`` the timestamp is read from nbgrader's ``timestamp.txt``.
- ``lms``: one row per student, one column per assignment plus ``total``.  An assignment
  without a result is left empty (an LMS then keeps what it has); ``total`` counts it as 0.
  ``--points-row`` adds a second row with the points possible.
- ``canvas``: Canvas's gradebook import: ``Student, ID, SIS User ID, SIS Login ID, Section``
  (Canvas matches a row by ID, SIS User ID or SIS Login ID), a ``Points Possible`` row, then
  one column per assignment (its course.yaml title).  The identity columns come from a
  roster (``--roster``: a Canvas gradebook export, or any CSV with those columns and
  optionally ``student_id``); without one, SIS Login ID is the nbgrader student id.
- ``moodle``: Moodle's CSV grade import: ``First name, Last name, ID number, Email address``
  then one column per assignment; on import, "Identify user by" maps ``ID number`` to
  ``useridnumber`` (or ``Email address`` to ``useremail``).  Roster columns as for Canvas
  (``First name``, ``Last name``, ``ID number``, ``Email address``, ``Username``).
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from autograder.engine.course import Course
from autograder.engine.errors import UsageError
from autograder.engine.extract import read_side_file
from autograder.engine.results import csv_writer, iter_results

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
    text = read_side_file(submitted / student / aid / "timestamp.txt")
    if text is None:
        return None
    try:
        from nbgrader.utils import parse_utc  # nbgrader is only needed when its timestamps are used
    except ImportError:
        raise UsageError("--submitted reads nbgrader's timestamps, and nbgrader is not installed: "
                         "run `make .venv/.run` (or pip install nbgrader), or leave out --submitted") from None

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
    csv_writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


# --------------------------------------------------------------------------- Canvas, Moodle

CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_COLUMNS = ["First name", "Last name", "ID number", "Email address"]
ROSTER_KEY = "student_id"
# Without a student_id column, a roster row belongs to the student whose id equals one of
# these (a Canvas or Moodle export, where the nbgrader id is usually the login or the ID number).
ROSTER_MATCH = ("SIS Login ID", "SIS User ID", "ID", "Username", "ID number", "Email address")


def read_roster(path: Path) -> list[dict[str, str]]:
    """The roster's rows as dicts (header = first row; UTF-8, a BOM from Excel is fine)."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            rows = [{(k or "").strip(): (v or "").strip() for k, v in row.items()} for row in reader]
            header = [h.strip() for h in reader.fieldnames or []]
    except OSError as exc:
        raise UsageError(f"--roster {path}: cannot read it ({exc.strerror})") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise UsageError(f"--roster {path}: not a UTF-8 CSV file ({exc})") from None
    if ROSTER_KEY not in header and not set(ROSTER_MATCH) & set(header):
        raise UsageError(f"--roster {path}: no column to find students by; add '{ROSTER_KEY}' "
                         f"(the nbgrader student id) or one of: {', '.join(ROSTER_MATCH)}")
    # Canvas exports have a "Points Possible" row (and sometimes muted/read-only rows) before the students
    return [r for r in rows if r.get("Student", "").strip() not in ("Points Possible",) and any(r.values())]


def _roster_index(roster: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    index: dict[str, dict[str, str]] = {}
    for row in roster:
        keys = [row[ROSTER_KEY]] if row.get(ROSTER_KEY) else [row[c] for c in ROSTER_MATCH if row.get(c)]
        for key in keys:
            index.setdefault(key, row)
    return index


def _identity_rows(results_dir: Path, course: Course, roster_path: Path | None, columns: list[str],
                   default: dict[str, str], title_column: str | None) -> tuple[list[list[str]], list[str]]:
    """Header + one row per student for an LMS import: identity columns, then one score per assignment.

    Students of the roster without results get empty scores (the LMS keeps what it has);
    students with results but not in the roster are kept with the default identity and named
    in the returned warnings."""
    students, assignments, scores, max_scores = _collect(results_dir, course)
    titles = [course.assignments[a].title if a in course.assignments else a for a in assignments]
    header = [*columns, *titles]
    rows = [header]
    if title_column is not None:
        rows.append([title_column, *[""] * (len(columns) - 1), *(f"{max_scores[a]:g}" for a in assignments)])
    warnings = []
    roster = read_roster(roster_path) if roster_path is not None else []
    index = _roster_index(roster)
    seen: set[int] = set()
    entries: list[tuple[dict[str, str], str | None]] = []
    for student in students:
        row = index.get(student)
        if row is None:
            if roster_path is not None:
                warnings.append(student)
            row = {c: value.format(student=student) for c, value in default.items()}
        else:
            seen.add(id(row))
        entries.append((row, student))
    entries += [(row, None) for row in roster if id(row) not in seen]
    for row, student in entries:
        cells = [scores.get((student, a)) if student is not None else None for a in assignments]
        rows.append([row.get(c, "") for c in columns] + ["" if c is None else f"{c:g}" for c in cells])
    return rows, warnings


def canvas_rows(results_dir: Path, course: Course, roster: Path | None = None) -> tuple[list[list[str]], list[str]]:
    """Canvas's gradebook import sheet (see the module docstring); also the unmatched students."""
    return _identity_rows(results_dir, course, roster, CANVAS_COLUMNS,
                          {"Student": "{student}", "SIS Login ID": "{student}"}, "Points Possible")


def moodle_rows(results_dir: Path, course: Course, roster: Path | None = None) -> tuple[list[list[str]], list[str]]:
    """Moodle's CSV grade import sheet (see the module docstring); also the unmatched students."""
    return _identity_rows(results_dir, course, roster, MOODLE_COLUMNS, {"ID number": "{student}"}, None)
