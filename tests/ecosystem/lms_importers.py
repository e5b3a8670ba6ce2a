"""What Canvas's and Moodle's grade importers do with a CSV file, as their documentation and
source describe it: test-side checkers, written from the importers' rules, not from our writer.

Canvas (instructure/canvas-lms, ``GradebookImporter`` and ``Assignment.title_and_id``; Canvas
guide "How do I import grades in the Gradebook?"):

- the delimiter is ``,`` unless ``;`` splits the first lines into more, equally many fields;
- the header row has more than 3 fields, ``Student`` in the first, ``ID`` in the second; the
  student columns are ``Student, ID, Section`` or ``Student, ID, SIS User ID, SIS Login ID,
  Section`` (the last one must contain ``Section``); ``Current Score``-like columns are not
  assignments;
- every other header is an assignment: ``Name (digits)`` (``\\A(.*)\\s\\((\\d+)\\)\\z``) is the
  assignment with that id; otherwise one with exactly that title; otherwise Canvas creates a
  **new** assignment;
- a row whose first field contains ``Points Possible`` sets points; a row of blanks or
  ``Muted`` is skipped; any other row is a student, found by ``ID``, then ``SIS User ID``, then
  ``SIS Login ID``, then by name; one not found is an unknown student;
- a grade cell is stripped; blank or ``-`` is no score; a decimal comma is read as a point.

Moodle (moodle/moodle, ``grade/import/csv/classes/load_data.php`` and ``lib/csvlib.class.php``;
MoodleDocs "Grade import"):

- UTF-8 (a BOM is dropped), fields as PHP's fgetcsv reads them, headers trimmed;
- every row has as many fields as the header, or the file is refused ("csvweirdcolumns");
- a row of at most one field is skipped;
- "Identify user by" maps one column to ``userid``, ``useridnumber``, ``useremail`` or
  ``username``; no two columns map to one target;
- an identity cell that PHP calls empty (``""`` or ``"0"``) does not change the current
  student: the first row then aborts the import ("user not found"), a later row writes its
  grades onto the previous row's student; an identity no user has aborts the whole import;
- a grade cell that is ``""`` or ``"-"`` sets **no grade**; anything else must be a number, or the
  import aborts ("badgrade"); above the site's maximum (100 by default) it aborts too.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field


class ImportRejected(Exception):
    """The importer would refuse the file, or silently do something else than intended."""


# ------------------------------------------------------------------------------------ Canvas

_TITLE_AND_ID = re.compile(r"\A(.*)\s\((\d+)\)\Z", re.S)
_NON_ASSIGNMENT = re.compile("Current Score|Current Points|Current Grade|Final Score|Final Points|Final Grade|"
                             "Override Score|Override Grade|Override Status")


@dataclass
class CanvasCourse:
    """A Canvas course as the importer sees it."""

    assignments: dict[int, str]  # id -> title
    students: list[dict]  # {"id": int, "name": str, "sis_user_id": str, "sis_login_id": str}


@dataclass
class CanvasImport:
    new_assignments: list[str] = field(default_factory=list)
    unknown_students: list[list[str]] = field(default_factory=list)
    points: dict[int, str] = field(default_factory=dict)
    grades: dict[int, dict[int, str | None]] = field(default_factory=dict)  # student id -> assignment id -> grade


def _delimiter(lines: list[str]) -> str:
    counts = {}
    for sep in (";", ","):
        sizes = {len(next(csv.reader([line], delimiter=sep), [])) for line in lines}
        counts[sep] = sizes.pop() if len(sizes) == 1 else 0
    return ";" if counts[";"] > counts[","] else ","


def canvas_import(text: str, course: CanvasCourse) -> CanvasImport:
    rows = [r for r in csv.reader(io.StringIO(text), delimiter=_delimiter(text.splitlines()[:3]))
            if not re.fullmatch(r"[;, ]*", ",".join(r))]
    header = rows[0]
    if not (len(header) > 3 and "Student" in header[0] and "ID" in header[1]):
        raise ImportRejected("Invalid header row: Student, ID expected first")
    student_columns, sis_user, sis_login = 3, None, None
    if re.search(r"SIS\s+Login\s+ID", header[2]):
        sis_login, student_columns = 2, 4
    elif re.search(r"SIS\s+User\s+ID", header[2]) and re.search(r"SIS\s+Login\s+ID", header[3]):
        sis_user, sis_login, student_columns = 2, 3, 5
    if "Section" not in header[student_columns - 1]:
        raise ImportRejected("Invalid header row: no Section after the student columns")
    result = CanvasImport()
    columns: dict[int, int] = {}  # csv column -> assignment id (negative: created by this import)
    for index, name in enumerate(header[student_columns:], start=student_columns):
        if _NON_ASSIGNMENT.search(name):
            continue
        match = _TITLE_AND_ID.match(name)
        aid = int(match.group(2)) if match and int(match.group(2)) in course.assignments else None
        if aid is None:
            aid = next((i for i, title in course.assignments.items() if title == name), None)
        if aid is None:
            result.new_assignments.append(name)
            aid = -len(result.new_assignments)
        columns[index] = aid
    for row in rows[1:]:
        if "Points Possible" in row[0]:
            result.points = {aid: row[i] for i, aid in columns.items()}
            continue
        if all(re.fullmatch(r"\s*(Muted|Manual Posting.*)?\s*", c, re.I) for c in row):
            continue
        student = None
        if row[1].strip().isdigit():
            student = next((s for s in course.students if s["id"] == int(row[1])), None)
        if student is None and sis_user is not None and row[sis_user]:
            student = next((s for s in course.students if s["sis_user_id"] == row[sis_user]), None)
        if student is None and sis_login is not None and row[sis_login]:
            student = next((s for s in course.students if s["sis_login_id"] == row[sis_login]), None)
        if student is None:
            student = next((s for s in course.students if s["name"] == row[0]), None)
        if student is None:
            result.unknown_students.append(row)
            continue
        grades = result.grades.setdefault(student["id"], {})
        for index, aid in columns.items():
            cell = row[index].strip()
            grades[aid] = None if cell in ("", "-") else cell.replace(",", ".")
    return result


# ------------------------------------------------------------------------------------ Moodle

MOODLE_USER_FIELDS = {"userid": "id", "useridnumber": "idnumber", "useremail": "email", "username": "username"}
MOODLE_GRADE_MAX = 100.0


def moodle_import(text: str, users: list[dict], mapfrom: str, mapto: str,
                  items: dict[str, int]) -> dict[int, dict[int, float | None]]:
    """User id -> grade item id -> final grade (None: no grade), as Moodle's CSV import would set them.

    ``mapfrom``: the header of the identity column; ``mapto``: what it is matched with;
    ``items``: header -> grade item id for every column mapped to a grade item."""
    if text.startswith("\ufeff"):
        text = text[1:]
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise ImportRejected("csvemptyfile")
    header = [h.strip() for h in rows[0]]
    if any(len(r) != len(header) for r in rows):
        raise ImportRejected("csvweirdcolumns: a row has another number of fields than the header")
    targets = [mapto] + list(items.values())
    if len(set(targets)) != len(targets):
        raise ImportRejected("cannotmapfield: two columns map to one target")
    identity = header.index(mapfrom)
    columns = {header.index(h): item for h, item in items.items()}
    field_name = MOODLE_USER_FIELDS[mapto]
    grades: dict[int, dict[int, float | None]] = {}
    current = None
    for number, row in enumerate(rows[1:], start=2):
        if len(row) <= 1:
            continue
        value = row[identity].strip()
        if value not in ("", "0"):  # PHP's empty()
            user = next((u for u in users if u[field_name] == value), None)
            if user is None:
                raise ImportRejected(f"usermappingerror: line {number}: no user with {field_name} {value!r}")
            current = user["id"]
        elif current is None:
            raise ImportRejected(f"usermappingerrorusernotfound: line {number} has no {mapfrom}")
        else:
            raise ImportRejected(f"line {number} has no {mapfrom}: its grades would go to the previous row's user")
        for index, item in columns.items():
            cell = row[index].strip()
            if cell in ("", "-"):
                grade = None
            else:
                try:
                    grade = float(cell.replace(",", "."))
                except ValueError:
                    raise ImportRejected(f"badgrade: line {number}: {cell!r}") from None
                if grade > MOODLE_GRADE_MAX:
                    raise ImportRejected(f"gradevaluetoobig: line {number}: {grade}")
            grades.setdefault(current, {})[item] = grade
    return grades
