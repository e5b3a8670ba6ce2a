"""`autograder export --format canvas|moodle`: the LMSs' own import columns, identities from a roster;
and a missing nbgrader is a sentence, not a ModuleNotFoundError."""
import argparse
import builtins
import csv

import pytest

from autograder.cli import export, main
from autograder.engine.errors import UsageError
from autograder.integrations.lms import MOODLE_COLUMNS


def run_export(course, *argv):
    parser = argparse.ArgumentParser()
    export.add_arguments(parser)
    return export.run(parser.parse_args([str(a) for a in argv]), course)


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def write_csv(path, rows, bom=False):
    with open(path, "w", newline="", encoding="utf-8-sig" if bom else "utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def test_canvas_header_points_row_and_one_column_per_assignment(tmp_path, graded_class, course):
    out, results = graded_class
    run_export(course, out, "--format", "canvas", "--out", tmp_path / "canvas.csv")
    rows = read_csv(tmp_path / "canvas.csv")
    titles = [a.title for a in course.assignments.values()]
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *titles]
    assert rows[1] == ["Points Possible", "", "", "", "", *(f"{course.max_score(a):g}" for a in course.assignments)]
    students = sorted({s for s, _ in results})
    assert [r[3] for r in rows[2:]] == students  # without a roster: SIS Login ID = the nbgrader id
    for row in rows[2:]:
        for aid, cell in zip(course.assignments, row[5:]):
            if (row[3], aid) in results:
                assert float(cell) == pytest.approx(results[row[3], aid]["score"])
            else:
                assert cell == ""  # no result: Canvas keeps what it has


def test_canvas_identities_come_from_a_canvas_export_used_as_roster(tmp_path, graded_class, course, capsys):
    out, results = graded_class
    # what Canvas's "Export" of a gradebook looks like (BOM, a points row, a student with no submission)
    roster = write_csv(tmp_path / "canvas-export.csv", [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Quiz 1 (5512)"],
        ["    Points Possible", "", "", "", "", "10"],
        ["Kim, Minji", "1001", "2024-0001", "s01", "RNN 001", "9"],
        ["이, 서연", "1002", "2024-0002", "학생13", "RNN 002", "7"],
        ["Park, Jiho", "1003", "2024-0003", "dropped.student", "RNN 001", ""],
    ], bom=True)
    run_export(course, out, "--format", "canvas", "--roster", roster, "--out", tmp_path / "canvas.csv")
    rows = read_csv(tmp_path / "canvas.csv")
    by_login = {r[3]: r for r in rows[2:]}
    assert by_login["s01"][:5] == ["Kim, Minji", "1001", "2024-0001", "s01", "RNN 001"]
    assert by_login["학생13"][:5] == ["이, 서연", "1002", "2024-0002", "학생13", "RNN 002"]
    assert float(by_login["s01"][5]) == results["s01", "rnn"]["score"]
    assert by_login["dropped.student"][5:] == [""] * len(course.assignments)  # in Canvas, no results: left empty
    assert "Points Possible" not in {r[0].strip() for r in rows[2:]}
    unmatched = sorted({s for s, _ in results} - {"s01", "학생13"})
    assert by_login["s02"][:5] == ["s02", "", "", "s02", ""]
    assert f"warning: {len(unmatched)} student(s) not in" in capsys.readouterr().out


def test_roster_with_a_student_id_column(tmp_path, graded_class, course):
    out, results = graded_class
    roster = write_csv(tmp_path / "roster.csv", [
        ["student_id", "First name", "Last name", "ID number", "Email address"],
        ["s01", "Minji", "Kim", "20240001", "minji@uni.example"],
    ])
    run_export(course, out, "--format", "moodle", "--roster", roster, "--out", tmp_path / "moodle.csv")
    rows = read_csv(tmp_path / "moodle.csv")
    assert rows[0] == [*MOODLE_COLUMNS, *(a.title for a in course.assignments.values())]
    first = next(r for r in rows[1:] if r[2] == "20240001")
    assert first[:4] == ["Minji", "Kim", "20240001", "minji@uni.example"]
    assert [float(c) for c in first[4:]] == [results["s01", a]["score"] for a in course.assignments]
    assert {r[2] for r in rows[1:]} == {"20240001"} | ({s for s, _ in results} - {"s01"})


def test_moodle_without_roster_identifies_by_id_number(tmp_path, graded_class, course):
    out, results = graded_class
    run_export(course, out, "--format", "moodle", "--out", tmp_path / "moodle.csv")
    rows = read_csv(tmp_path / "moodle.csv")
    assert rows[0][:4] == ["First name", "Last name", "ID number", "Email address"]
    assert sorted(r[2] for r in rows[1:]) == sorted({s for s, _ in results})


def test_a_roster_without_an_id_column_is_a_clear_error(tmp_path, graded_class, course):
    out, _ = graded_class
    roster = write_csv(tmp_path / "roster.csv", [["name", "mail"], ["Kim", "k@x"]])
    with pytest.raises(UsageError, match="no column to find students by; add 'student_id'"):
        run_export(course, out, "--format", "canvas", "--roster", roster, "--out", tmp_path / "c.csv")
    with pytest.raises(UsageError, match="cannot read it"):
        run_export(course, out, "--format", "canvas", "--roster", tmp_path / "nope.csv", "--out", tmp_path / "c.csv")


@pytest.fixture
def without_nbgrader(monkeypatch):
    """Python as on a machine without nbgrader: importing it fails."""
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "nbgrader" or name.startswith("nbgrader."):
            raise ModuleNotFoundError(f"No module named '{name}'", name=name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)


def test_gradebook_without_nbgrader_says_how_to_get_it(tmp_path, small_class, course, without_nbgrader, capsys):
    out, _ = small_class
    status = main(["--course", str(course.path), "gradebook", str(out), "--db", f"sqlite:///{tmp_path / 'g.db'}"])
    err = capsys.readouterr().err
    assert status == 2 and "Traceback" not in err
    assert "nbgrader is not installed" in err and "make .venv/.run" in err
    assert not (tmp_path / "g.db").exists()


def test_grade_gradebook_without_nbgrader_stops_before_grading(tmp_path, course, without_nbgrader, capsys):
    (tmp_path / "submitted" / "s01" / "rnn").mkdir(parents=True)
    status = main(["--course", str(course.path), "grade", str(tmp_path / "submitted"), "--out", str(tmp_path / "r"),
                   "--gradebook", f"sqlite:///{tmp_path / 'g.db'}", "--quiet"])
    assert status == 2 and "nbgrader is not installed" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()  # nothing graded for nothing


def test_export_submitted_without_nbgrader_is_explained(tmp_path, small_class, course, without_nbgrader):
    out, _ = small_class
    (tmp_path / "submitted" / "s01" / "rnn").mkdir(parents=True)
    (tmp_path / "submitted" / "s01" / "rnn" / "timestamp.txt").write_text("2025-03-04 05:06:07 UTC")
    with pytest.raises(UsageError, match="leave out --submitted"):
        run_export(course, out, "--format", "nbgrader", "--submitted", tmp_path / "submitted", "--out", tmp_path / "n.csv")
