"""`autograder export --format canvas|moodle`: files that Canvas's and Moodle's importers (as their
rules are written in lms_importers.py) take as written: existing assignments, every row a
known student, the grades of the results; a malformed roster is a sentence naming the line;
and a missing nbgrader is a sentence, not a ModuleNotFoundError."""
import argparse
import builtins
import csv

import pytest

from autograder.cli import export, main
from autograder.grading.errors import UsageError

from .lms_importers import CanvasCourse, ImportRejected, canvas_import, moodle_import


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


def _canvas_ids():
    """Canvas's own assignment ids for the course's assignments (made up, one per assignment, in order)."""
    from autograder.grading.course import load_course

    from tests.conftest import ROOT

    return {aid: 5512 + i for i, aid in enumerate(load_course(ROOT / "course.yaml").assignments)}


CANVAS_IDS = _canvas_ids()


def graded_students(results):
    return sorted({s for s, _ in results})


def canvas_course(course, students):
    """The Canvas course the grades go to: its assignments, and every student (login = nbgrader id)."""
    return CanvasCourse({CANVAS_IDS[a]: course.assignments[a].title for a in course.assignments},
                        [{"id": 1000 + i, "name": f"Student {s}", "sis_user_id": f"2024-{i:04d}", "sis_login_id": s}
                         for i, s in enumerate(students)])


def canvas_export(path, canvas, course, students):
    """What Canvas's Grades → Export writes for ``canvas``: a BOM, ``Name (id)`` columns, read-only
    totals, a points row, and its students (of whom ``students``)."""
    rows = [["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
             *(f"{title} ({aid})" for aid, title in canvas.assignments.items()), "Current Score", "Final Score"],
            ["    Points Possible", "", "", "", "", *(f"{course.max_score(a):g}" for a in course.assignments), "", ""]]
    for s in canvas.students:
        if s["sis_login_id"] in students:
            rows.append([s["name"], str(s["id"]), s["sis_user_id"], s["sis_login_id"], "RNN 001",
                         *[""] * len(canvas.assignments), "", ""])
    return write_csv(path, rows, bom=True)


def assert_canvas_got_the_grades(imported, canvas, results, course):
    assert imported.new_assignments == [] and imported.unknown_students == []
    assert imported.points == {CANVAS_IDS[a]: f"{course.max_score(a):g}" for a in course.assignments}
    by_login = {s["sis_login_id"]: s["id"] for s in canvas.students}
    assert set(imported.grades) == {by_login[s] for s in graded_students(results)}
    for (student, aid), result in results.items():
        assert float(imported.grades[by_login[student]][CANVAS_IDS[aid]]) == pytest.approx(result["score"])


def test_canvas_columns_take_their_ids_from_a_canvas_export_used_as_roster(tmp_path, graded_class, course, capsys):
    out, results = graded_class
    students = graded_students(results)
    canvas = canvas_course(course, students + ["dropped.student"])
    roster = canvas_export(tmp_path / "canvas-export.csv", canvas, course, students[:5] + ["dropped.student"])
    run_export(course, out, "--format", "canvas", "--roster", roster, "--out", tmp_path / "canvas.csv")
    rows = read_csv(tmp_path / "canvas.csv")
    assert rows[0][5:] == [f"{a.title} ({CANVAS_IDS[aid]})" for aid, a in course.assignments.items()]
    assert "dropped.student" not in {r[3] for r in rows}  # no results: nothing to import
    assert_canvas_got_the_grades(canvas_import((tmp_path / "canvas.csv").read_text(), canvas), canvas, results, course)
    assert f"warning: {len(students) - 5} student(s) not in" in capsys.readouterr().out  # found by SIS Login ID


def test_canvas_columns_from_column_mappings(tmp_path, graded_class, course):
    out, results = graded_class
    canvas = canvas_course(course, graded_students(results))
    mapping = [f"--column={aid}={canvas.assignments[CANVAS_IDS[aid]]} ({CANVAS_IDS[aid]})" for aid in course.assignments]
    run_export(course, out, "--format", "canvas", *mapping, "--out", tmp_path / "canvas.csv")
    assert_canvas_got_the_grades(canvas_import((tmp_path / "canvas.csv").read_text(), canvas), canvas, results, course)


def test_canvas_assignments_without_an_id_are_refused_unless_new_ones_are_asked_for(tmp_path, graded_class, course):
    out, results = graded_class
    canvas = canvas_course(course, graded_students(results))
    with pytest.raises(UsageError) as error:
        run_export(course, out, "--format", "canvas", "--column", f"rnn=Vanilla RNN and BPTT ({CANVAS_IDS['rnn']})",
                   "--out", tmp_path / "canvas.csv")
    assert "Canvas would create a new assignment for gradients (\"Vanishing and exploding gradients\")" in str(error.value)
    assert "rnn (" not in str(error.value) and not (tmp_path / "canvas.csv").exists()

    run_export(course, out, "--format", "canvas", "--new-assignments", "--out", tmp_path / "canvas.csv")
    imported = canvas_import((tmp_path / "canvas.csv").read_text(), CanvasCourse({}, canvas.students))
    assert imported.new_assignments == [a.title for a in course.assignments.values()]  # as asked: Canvas creates them


@pytest.mark.parametrize("column, expected", [
    ("rnn=Vanilla RNN", 'of the form "Name \\(id\\)"'),
    ("nope=Quiz (12)", "--column nope: not an assignment"),
    ("rnn", 'expected ASSIGNMENT="Name \\(id\\)"'),
])
def test_a_bad_column_mapping_is_a_sentence(tmp_path, graded_class, course, column, expected):
    out, _ = graded_class
    with pytest.raises(UsageError, match=expected):
        run_export(course, out, "--format", "canvas", "--column", column, "--new-assignments", "--out", tmp_path / "c.csv")


def test_two_roster_columns_for_one_assignment_are_refused_until_one_is_chosen(tmp_path, graded_class, course):
    out, results = graded_class
    canvas = canvas_course(course, graded_students(results))
    roster = write_csv(tmp_path / "canvas-export.csv", [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "LSTM (5514)", "lstm (7777)",
         *(f"{t} ({i})" for i, t in canvas.assignments.items() if i != 5514)],
        ["Kim, Minji", "1000", "2024-0000", "s01", "RNN 001", "", "", *[""] * 5]])
    with pytest.raises(UsageError, match=r"several columns could be lstm: LSTM \(5514\), lstm \(7777\)"):
        run_export(course, out, "--format", "canvas", "--roster", roster, "--out", tmp_path / "canvas.csv")
    run_export(course, out, "--format", "canvas", "--roster", roster, "--column", "lstm=LSTM (5514)",
               "--out", tmp_path / "canvas.csv")
    assert_canvas_got_the_grades(canvas_import((tmp_path / "canvas.csv").read_text(), canvas), canvas, results, course)


def test_the_canvas_checker_catches_what_the_old_export_wrote(course):
    """Bare titles, as before: Canvas would have created every assignment anew."""
    canvas = canvas_course(course, ["s01"])
    old = "Student,ID,SIS User ID,SIS Login ID,Section,Vanilla RNN and BPTT x\ns01,,,s01,,30\n"
    assert canvas_import(old, canvas).new_assignments == ["Vanilla RNN and BPTT x"]


MOODLE_EXPORT_HEADER = ["First name", "Last name", "ID number", "Institution", "Department", "Email address"]


def moodle_users(students):
    """Moodle's users for ``students``: the nbgrader id is their ID number (a student number, typically)."""
    return [{"id": 200 + i, "idnumber": s, "email": f"user{i}@uni.example", "username": f"u{i}"}
            for i, s in enumerate(students)]


def moodle_roster(path, students, users, blank=(), with_key=False):
    """Moodle's plain-text grade export of the course, used as the roster; ``blank``: (student, column)
    left empty; ``with_key``: a hand-made roster that also names the nbgrader id in ``student_id``."""
    rows = [(["student_id"] if with_key else []) + MOODLE_EXPORT_HEADER]
    for student, user in zip(students, users):
        row = [f"First{user['id']}", f"Last{user['id']}", user["idnumber"], "Uni", "CS", user["email"]]
        for who, column in blank:
            if who == student:
                row[MOODLE_EXPORT_HEADER.index(column)] = ""
        rows.append(([student] if with_key else []) + row)
    return write_csv(path, rows, bom=True)


def moodle_items(course):
    return {a.title: 900 + i for i, a in enumerate(course.assignments.values())}


def assert_moodle_got_the_grades(grades, users, students, results, course):
    items = moodle_items(course)
    by_student = dict(zip(students, (u["id"] for u in users)))
    assert set(grades) == {by_student[s] for s in graded_students(results)}
    for student in graded_students(results):
        for aid, assignment in course.assignments.items():
            got = grades[by_student[student]][items[assignment.title]]
            if (student, aid) in results:
                assert got == pytest.approx(results[student, aid]["score"])
            else:
                assert got is None  # an empty cell: Moodle sets "no grade"


@pytest.mark.parametrize("identity, column, mapto", [("email", "Email address", "useremail"),
                                                     ("idnumber", "ID number", "useridnumber")])
def test_moodle_with_a_moodle_export_as_roster_imports_by_the_chosen_identity(
        tmp_path, graded_class, course, identity, column, mapto):
    out, results = graded_class
    students = graded_students(results) + ["dropped.student"]
    users = moodle_users(students)
    roster = moodle_roster(tmp_path / "moodle-export.csv", students, users)
    run_export(course, out, "--format", "moodle", "--roster", roster, "--identity", identity,
               "--out", tmp_path / "moodle.csv")
    rows = read_csv(tmp_path / "moodle.csv")
    assert rows[0] == ["First name", "Last name", column, *(a.title for a in course.assignments.values())]
    grades = moodle_import((tmp_path / "moodle.csv").read_text(encoding="utf-8"), users, column, mapto,
                           moodle_items(course))
    assert_moodle_got_the_grades(grades, users, students, results, course)


def test_moodle_without_roster_identifies_by_id_number_or_username(tmp_path, graded_class, course):
    out, results = graded_class
    students = graded_students(results)
    users = [{"id": 300 + i, "idnumber": s, "email": "", "username": s} for i, s in enumerate(students)]
    for identity, column, mapto in (("idnumber", "ID number", "useridnumber"), ("username", "Username", "username")):
        run_export(course, out, "--format", "moodle", "--identity", identity, "--out", tmp_path / "moodle.csv")
        grades = moodle_import((tmp_path / "moodle.csv").read_text(encoding="utf-8"), users, column, mapto,
                               moodle_items(course))
        assert_moodle_got_the_grades(grades, users, students, results, course)


def test_moodle_refuses_rows_without_the_identity_and_names_the_students(tmp_path, graded_class, course):
    out, results = graded_class
    students = graded_students(results)
    users = moodle_users(students)
    # a mixed roster: two students with only an e-mail, one with only an ID number
    roster = moodle_roster(tmp_path / "roster.csv", students, users,
                           blank=[(students[1], "ID number"), (students[4], "ID number"), (students[2], "Email address")],
                           with_key=True)
    with pytest.raises(UsageError) as error:
        run_export(course, out, "--format", "moodle", "--roster", roster, "--out", tmp_path / "m.csv")
    assert f"has no 'ID number' for {students[1]}, {students[4]};" in str(error.value)
    with pytest.raises(UsageError, match=f"has no 'Email address' for {students[2]};"):
        run_export(course, out, "--format", "moodle", "--roster", roster, "--identity", "email", "--out", tmp_path / "m.csv")
    with pytest.raises(UsageError, match=f"no 'Email address' for {', '.join(students[:10])} and"):
        run_export(course, out, "--format", "moodle", "--identity", "email", "--out", tmp_path / "m.csv")
    short = moodle_roster(tmp_path / "short.csv", students[2:], users[2:])
    with pytest.raises(UsageError, match=f"lacks {students[0]}, {students[1]}; Moodle stops the whole import"):
        run_export(course, out, "--format", "moodle", "--roster", short, "--out", tmp_path / "m.csv")
    assert not (tmp_path / "m.csv").exists()


def test_the_moodle_checker_catches_what_the_old_export_wrote(course):
    """Rows without an identity, as before: Moodle aborts on the first, and carries the previous student onto a later one."""
    users = moodle_users(["s01"])
    items = {"Vanilla RNN and BPTT": 900}
    first_blank = "First name,Last name,ID number,Vanilla RNN and BPTT\n,,,30\n"
    with pytest.raises(ImportRejected, match="usermappingerrorusernotfound"):
        moodle_import(first_blank, users, "ID number", "useridnumber", items)
    later_blank = f"First name,Last name,ID number,Vanilla RNN and BPTT\n,,{users[0]['idnumber']},30\n,,,12\n"
    with pytest.raises(ImportRejected, match="previous row's user"):
        moodle_import(later_blank, users, "ID number", "useridnumber", items)


@pytest.mark.parametrize("fmt", ["canvas", "moodle"])
def test_a_roster_line_with_an_extra_field_is_named(tmp_path, small_class, course, fmt, capsys):
    out, _ = small_class
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,First name,Last name,ID number,Email address\n"
                      "s01,Minji,Kim,20240001,minji@uni.example\n"
                      "s02,Seoyeon,Lee, Jr.,20240002,seoyeon@uni.example\n", encoding="utf-8")
    status = main(["--course", str(course.path), "export", str(out), "--format", fmt, "--roster", str(roster),
                   "--new-assignments", "--out", str(tmp_path / "x.csv")])
    err = capsys.readouterr().err
    assert status == 2 and "Traceback" not in err and "AttributeError" not in err
    assert f"--roster {roster}, line 3: 6 fields, but the header has 5" in err


def test_roster_with_a_student_id_column(tmp_path, graded_class, course):
    out, results = graded_class
    roster = write_csv(tmp_path / "roster.csv", [
        ["student_id", "First name", "Last name", "ID number", "Email address"],
        *[[s, "Minji", "Kim", f"2024{i:04d}", f"{s}@uni.example"] for i, s in enumerate(graded_students(results))],
    ])
    run_export(course, out, "--format", "moodle", "--roster", roster, "--out", tmp_path / "moodle.csv")
    rows = read_csv(tmp_path / "moodle.csv")
    first = next(r for r in rows[1:] if r[2] == "20240000")
    assert first[:3] == ["Minji", "Kim", "20240000"]
    assert [float(c) for c in first[3:]] == [results["s01", a]["score"] for a in course.assignments]


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
