"""`autograder export RESULTS --format nbgrader|lms|canvas|moodle --out FILE`: grades for other tools.

Owns the CSV layouts built from the class view's score table (report/stats.py; RESULTS/grades.csv
itself never changes shape and is not touched), one output per format (a :class:`SheetExport`,
registered in integrations/class_outputs.py), and the options they need:

- ``nbgrader``: the columns and value formatting of ``nbgrader export`` (its CSV export
  plugin): one row per assignment and student, assignments in course order, students
  sorted by id, a student without a result for an assignment scored 0 with an empty
  timestamp, as nbgrader does.  Names and e-mail are empty (results do not hold them);
  with ``--submitted`` the timestamp is read from nbgrader's ``timestamp.txt``.
- ``lms``: one row per student, one column per assignment plus ``total``.  An assignment
  without a result is left empty; ``total`` counts it as 0.  ``--points-row`` adds a second
  row with the points possible.
- ``canvas``: Canvas's gradebook import: ``Student, ID, SIS User ID, SIS Login ID, Section``
  (Canvas matches a row by ID, then SIS User ID, then SIS Login ID), a ``Points Possible``
  row, then one column per assignment headed ``Name (id)``, the form Canvas matches to an
  existing assignment (any other header creates a new one).  The ids come from the roster's
  own assignment columns (a Canvas gradebook export has them) or from ``--column
  ASSIGNMENT="Name (id)"``; an assignment with neither is refused, unless
  ``--new-assignments`` asks for Canvas to create it.  Identities come from the roster
  (``--roster``: a Canvas gradebook export, or any CSV with those columns and optionally
  ``student_id``); without one, SIS Login ID is the nbgrader student id.
- ``moodle``: Moodle's CSV grade import: ``First name, Last name``, one identity column chosen
  by ``--identity`` (``ID number`` → useridnumber, ``Email address`` → useremail,
  ``Username`` → username in the import's "Identify user by"), then one column per
  assignment.  Moodle stops the whole import at a row whose identity it cannot find, and
  carries the previous row's student onto a row with an empty one, so every row must have
  it: a student without one (not in the roster, or the roster's cell empty) is refused by
  name.  An empty grade cell sets "no grade" in Moodle.

In both LMS sheets, roster students without any result are left out: they have nothing
to import, and an empty cell is not "leave as is" in either importer.  A malformed roster is
a :class:`UsageError` naming the line.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from autograder.grading.course import Course
from autograder.grading.errors import UsageError
from autograder.grading.terminal import name_list
from autograder.student.messages import Nested
from autograder.grading.extract import read_side_file
from autograder.grading.results import FORMAT, Offer, Option, Output, csv_writer, write_atomic

NBGRADER_COLUMNS = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
                    "raw_score", "late_submission_penalty", "score", "max_score"]
LMS_STUDENT_COLUMN = "student_id"
LMS_TOTAL_COLUMN = "total"
POINTS_ROW_LABEL = "Points Possible"


def _grades(view, course: Course) -> tuple[list[str], list[str], dict, dict]:
    """Students (by id), assignments (course order first), scores[(student, aid)], max_score[aid],
    from the class view's score table; the course's points are the maximum of its own assignments."""
    view.require_results()
    table = view.scores
    scores = {(student, aid): score for student, row in table.by_student.items() for aid, (score, _) in row.items()}
    max_scores = dict(table.max_score)
    for aid in course.assignments:
        if aid in max_scores:
            max_scores[aid] = course.max_score(aid)
    return sorted(table.by_student), table.assignments(course), scores, max_scores


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
        raise UsageError("usage.nbgrader-for-timestamps") from None

    try:
        return parse_utc(text) if text else None
    except (ValueError, OverflowError):
        return None


def _csv(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv_writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


# --------------------------------------------------------------------------- Canvas, Moodle

CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
CANVAS_IDENTITY = ("ID", "SIS User ID", "SIS Login ID")  # what Canvas matches a row by, in its order
CANVAS_ASSIGNMENT = re.compile(r"\A(.*)\s\((\d+)\)\Z", re.S)  # Canvas's "Name (id)" assignment header
MOODLE_NAMES = ["First name", "Last name"]
MOODLE_IDENTITY = {"idnumber": "ID number", "email": "Email address", "username": "Username"}
MOODLE_COLUMNS = [*MOODLE_NAMES, "ID number"]  # the default identity
ROSTER_KEY = "student_id"
# Without a student_id column, a roster row belongs to the student whose id equals one of
# these (a Canvas or Moodle export, where the nbgrader id is usually the login or the ID number).
ROSTER_MATCH = ("SIS Login ID", "SIS User ID", "ID", "Username", "ID number", "Email address")


@dataclass(frozen=True)
class Roster:
    """The roster's header and its student rows as dicts (header = first row)."""

    path: Path
    header: list[str]
    rows: list[dict[str, str]]


def read_roster(path: Path) -> Roster:
    """The roster (UTF-8, a BOM from Excel is fine); a row with more fields than the header is refused by line."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = [h.strip() for h in next(reader, [])]
            rows = []
            for fields in reader:
                if not any(f.strip() for f in fields):
                    continue
                if len(fields) > len(header):
                    raise UsageError("usage.roster-fields", path=path, line=reader.line_num, fields=len(fields),
                                     header=len(header))
                rows.append({h: (fields[i].strip() if i < len(fields) else "") for i, h in enumerate(header)})
    except OSError as exc:
        raise UsageError("usage.roster-unreadable", path=path, detail=exc.strerror) from None
    except UnicodeDecodeError as exc:
        raise UsageError("usage.roster-not-utf8", path=path, detail=exc) from None
    except csv.Error as exc:
        raise UsageError("usage.roster-csv", path=path, line=reader.line_num, detail=exc) from None
    doubled = sorted({h for h in header if h and header.count(h) > 1})
    if doubled:
        raise UsageError("usage.roster-doubled", path=path, column=doubled[0])
    if ROSTER_KEY not in header and not set(ROSTER_MATCH) & set(header):
        raise UsageError("usage.roster-no-key", path=path, key=ROSTER_KEY, columns=", ".join(ROSTER_MATCH))
    # Canvas exports have a "Points Possible" row (and sometimes muted/read-only rows) before the students
    return Roster(path, header, [r for r in rows if "Points Possible" not in r.get("Student", "")])


def _roster_index(roster: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    index: dict[str, dict[str, str]] = {}
    for row in roster:
        keys = [row[ROSTER_KEY]] if row.get(ROSTER_KEY) else [row[c] for c in ROSTER_MATCH if row.get(c)]
        for key in keys:
            index.setdefault(key, row)
    return index


@dataclass(frozen=True)
class Sheet:
    """An export: its rows (header first), how many are students, and what the user should know."""

    rows: list[list[str]]
    students: int
    warnings: list[Nested] = field(default_factory=list)  # said in the command's language


def _names(students: list[str], limit: int = 10):
    return name_list(students, limit)


def _students_with_rows(students: list[str], roster: Roster | None) -> tuple[list[tuple[str, dict | None]], list[str]]:
    """(student, their roster row or None) for every graded student, and those the roster lacks."""
    index = _roster_index(roster.rows) if roster is not None else {}
    pairs = [(student, index.get(student)) for student in students]
    return pairs, [s for s, row in pairs if roster is not None and row is None]


def _score_cells(student: str, assignments: list[str], scores: dict) -> list[str]:
    return ["" if scores.get((student, a)) is None else f"{scores[student, a]:g}" for a in assignments]


def canvas_headers(course: Course, assignments: list[str], roster: Roster | None, columns: dict[str, str],
                   new_assignments: bool) -> list[str]:
    """One ``Name (id)`` header per assignment: ``--column`` first, then the roster's own columns."""
    unknown = sorted(set(columns) - set(assignments))
    if unknown:
        raise UsageError("usage.column-unknown", aid=unknown[0], assignments=", ".join(assignments))
    for aid, header in columns.items():
        if not CANVAS_ASSIGNMENT.match(header):
            raise UsageError("usage.column-form", aid=aid, header=header)
    found: dict[str, list[str]] = {}
    for header in roster.header if roster is not None else []:
        match = CANVAS_ASSIGNMENT.match(header)
        if match:
            name = match.group(1).strip().casefold()
            for aid in assignments:
                title = course.assignments[aid].title if aid in course.assignments else aid
                if name in (title.strip().casefold(), aid.casefold()):
                    found.setdefault(aid, []).append(header)
    headers, unmatched = [], []
    for aid in assignments:
        title = course.assignments[aid].title if aid in course.assignments else aid
        if aid in columns:
            headers.append(columns[aid])
        elif len(found.get(aid, [])) == 1:
            headers.append(found[aid][0])
        elif found.get(aid) and roster is not None:  # (only a roster finds columns)
            raise UsageError("usage.column-ambiguous", path=roster.path, aid=aid, columns=", ".join(found[aid]))
        elif new_assignments:
            headers.append(title)
        else:
            unmatched.append(f'{aid} ("{title}")')
    if unmatched:
        raise UsageError("usage.canvas-new-assignment", unmatched=", ".join(unmatched))
    return headers


SUBMITTED = Option("--submitted", "read submission times from the timestamp.txt files of this nbgrader submitted/ "
                   "folder", {"type": Path, "default": None})
EXPORT_FILE = Option("--out", "CSV file to write", {"type": Path, "required": True})
POINTS_ROW = Option("--points-row", "add a 'Points Possible' row", {"action": "store_true"})
ROSTER = Option("--roster", "who is who — the LMS's own gradebook export, or a CSV with student_id and the LMS's "
                "identity columns (Student, ID, SIS User ID, SIS Login ID, Section; First name, Last name, ID "
                "number, Email address, Username)", {"type": Path, "default": None, "metavar": "CSV"})
COLUMN = Option("--column", "the Canvas header of an assignment, as in Canvas's gradebook export (repeatable; "
                "default: found in --roster's columns)",
                {"action": "append", "default": [], "metavar": 'ASSIGNMENT="Name (id)"'})
NEW_ASSIGNMENTS = Option("--new-assignments", "write plain titles for assignments Canvas does not have yet (it "
                         "creates them)", {"action": "store_true"})
IDENTITY = Option("--identity", "the column Moodle identifies users by (default idnumber; without --roster, the "
                  "nbgrader id)", {"choices": tuple(MOODLE_IDENTITY), "default": "idnumber"})


class SheetExport(Output):
    """A CSV sheet of the class's grades (``export --format NAME --out FILE``), written whole
    from the class view's score table; an empty results folder is an error."""

    offers = {"export": Offer(EXPORT_FILE, FORMAT)}
    reads_scores = True

    def __init__(self, dest: Path, course: Course):
        self.dest, self.course = Path(dest), course

    def sheet(self, students: list[str], assignments: list[str], scores: dict, max_scores: dict) -> Sheet:
        raise NotImplementedError

    def write(self, view) -> list[Nested]:
        sheet = self.sheet(*_grades(view, self.course))
        write_atomic(self.dest, _csv(sheet.rows))
        return [Nested("cli.export-done", out=self.dest, rows=sheet.students, fmt=self.name),
                *(Nested("cli.warning", warning=warning) for warning in sheet.warnings)]


class NbgraderExport(SheetExport):
    """The columns of ``nbgrader export``."""

    name = "nbgrader"
    description = "the columns of `nbgrader export`, one row per student and assignment"
    options = (SUBMITTED,)

    def __init__(self, dest: Path, course: Course, submitted: Path | None = None):
        super().__init__(dest, course)
        self.submitted = submitted

    def sheet(self, students, assignments, scores, max_scores) -> Sheet:
        rows = [NBGRADER_COLUMNS]
        for aid in assignments:
            for student in students:
                raw = scores.get((student, aid))
                when = submission_time(self.submitted, student, aid) if raw is not None else None
                timestamp = "" if when is None else str(when)
                raw = 0.0 if raw is None else raw
                penalty = 0.0
                rows.append([aid, "", timestamp, student, "", "", "", str(raw), str(penalty),
                             str(max(0.0, raw - penalty)), str(max_scores[aid])])
        return Sheet(rows, len(rows) - 1)


class LmsExport(SheetExport):
    """One row per student, one column per assignment, and the total."""

    name = "lms"
    description = "student_id, one column per assignment, total (--points-row adds the maxima)"
    options = (POINTS_ROW,)

    def __init__(self, dest: Path, course: Course, points_row: bool = False):
        super().__init__(dest, course)
        self.points_row = points_row

    def sheet(self, students, assignments, scores, max_scores) -> Sheet:
        rows = [[LMS_STUDENT_COLUMN, *assignments, LMS_TOTAL_COLUMN]]
        if self.points_row:
            rows.append([POINTS_ROW_LABEL, *(f"{max_scores[a]:g}" for a in assignments),
                         f"{sum(max_scores.values()):g}"])
        for student in students:
            cells = [scores.get((student, a)) for a in assignments]
            rows.append([student, *("" if c is None else f"{c:g}" for c in cells),
                         f"{round(sum(c for c in cells if c is not None), 6):g}"])
        return Sheet(rows, len(rows) - 1 - self.points_row)


def _columns(pairs: list[str]) -> dict[str, str]:
    """``--column ASSIGNMENT="Name (id)"`` pairs as assignment id -> Canvas header."""
    columns = {}
    for pair in pairs:
        aid, sep, header = pair.partition("=")
        if not sep or not aid.strip() or not header.strip():
            raise UsageError("usage.column-arg", pair=pair)
        columns[aid.strip()] = header.strip()
    return columns


class CanvasExport(SheetExport):
    """Canvas's gradebook import sheet (see the module docstring)."""

    name = "canvas"
    description = ("Canvas's gradebook import: Student, ID, SIS User ID, SIS Login ID, Section, then one "
                   '"Name (id)" column per assignment (ids from --roster or --column); identities from --roster '
                   "(e.g. a Canvas gradebook export)")
    options = (ROSTER, COLUMN, NEW_ASSIGNMENTS)

    def __init__(self, dest: Path, course: Course, roster: Path | None = None, column: Sequence[str] = (),
                 new_assignments: bool = False):
        super().__init__(dest, course)
        self.roster, self.columns, self.new_assignments = roster, _columns(list(column)), new_assignments

    def sheet(self, students, assignments, scores, max_scores) -> Sheet:
        roster = read_roster(self.roster) if self.roster is not None else None
        headers = canvas_headers(self.course, assignments, roster, self.columns, self.new_assignments)
        rows = [[*CANVAS_COLUMNS, *headers],
                ["Points Possible", *[""] * (len(CANVAS_COLUMNS) - 1), *(f"{max_scores[a]:g}" for a in assignments)]]
        pairs, unmatched = _students_with_rows(students, roster)
        for student, row in pairs:
            row = row or {"Student": student, "SIS Login ID": student}
            rows.append([row.get(c, "") for c in CANVAS_COLUMNS] + _score_cells(student, assignments, scores))
        faceless = [s for (s, _), r in zip(pairs, rows[2:]) if not any(r[CANVAS_COLUMNS.index(c)]
                                                                        for c in CANVAS_IDENTITY)]
        if faceless:
            raise UsageError("usage.canvas-faceless", path=self.roster, students=_names(faceless))
        warnings = [Nested("cli.canvas-unmatched", count=len(unmatched), roster=self.roster,
                           students=_names(unmatched))] if unmatched else []
        return Sheet(rows, len(pairs), warnings)


class MoodleExport(SheetExport):
    """Moodle's CSV grade import sheet (see the module docstring)."""

    name = "moodle"
    description = ("Moodle's CSV grade import: First name, Last name, one identity column "
                   "(--identity idnumber|email|username), then one column per assignment")
    options = (ROSTER, IDENTITY)

    def __init__(self, dest: Path, course: Course, roster: Path | None = None, identity: str = "idnumber"):
        super().__init__(dest, course)
        if identity not in MOODLE_IDENTITY:
            raise UsageError("usage.identity", identity=identity, choices=", ".join(MOODLE_IDENTITY))
        self.roster, self.identity = roster, identity

    def sheet(self, students, assignments, scores, max_scores) -> Sheet:
        column = MOODLE_IDENTITY[self.identity]
        roster = read_roster(self.roster) if self.roster is not None else None
        titles = [self.course.assignments[a].title if a in self.course.assignments else a for a in assignments]
        pairs, unmatched = _students_with_rows(students, roster)
        if unmatched:
            raise UsageError("usage.moodle-unmatched", path=self.roster, students=_names(unmatched))
        default = {} if column == "Email address" else {column: "{student}"}  # the nbgrader id can be a login
        rows, faceless = [[*MOODLE_NAMES, column, *titles]], []
        for student, row in pairs:
            row = row or {c: v.format(student=student) for c, v in default.items()}
            if not row.get(column):
                faceless.append(student)
            rows.append([row.get(c, "") for c in (*MOODLE_NAMES, column)] + _score_cells(student, assignments, scores))
        if faceless:
            raise UsageError("usage.moodle-faceless-roster" if roster is not None else "usage.moodle-faceless",
                             path=self.roster, column=column, students=_names(faceless), identity=self.identity)
        return Sheet(rows, len(pairs))
