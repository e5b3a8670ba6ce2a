"""`autograder export`: nbgrader's export columns and values, and a one-row-per-student LMS sheet."""
import argparse
import csv

import pytest
from nbgrader.api import Gradebook
from nbgrader.plugins.export import CsvExportPlugin

from autograder.cli import export
from autograder.grading.errors import UsageError

from .conftest import write_gradebook


def run_export(course, *argv):
    parser = argparse.ArgumentParser()
    export.add_arguments(parser)
    return export.run(parser.parse_args([str(a) for a in argv]), course)


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def nbgrader_export(db_url, path):
    """What `nbgrader export` writes for this database (nbgrader's own CSV plugin)."""
    with Gradebook(db_url) as gb:
        CsvExportPlugin(to=str(path)).export(gb)
    return read_csv(path)


def test_nbgrader_header_is_exactly_nbgraders(tmp_path, empty_gradebook, small_class, course):
    out, _ = small_class
    run_export(course, out, "--format", "nbgrader", "--out", tmp_path / "ours.csv")
    theirs = nbgrader_export(f"sqlite:///{empty_gradebook}", tmp_path / "theirs.csv")
    assert read_csv(tmp_path / "ours.csv")[0] == theirs[0]
    assert theirs[0] == ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
                         "raw_score", "late_submission_penalty", "score", "max_score"]


def test_nbgrader_rows_equal_nbgrader_export_of_the_same_grades(tmp_path, gradebook_url, small_class, course):
    out, results = small_class
    submitted = tmp_path / "submitted"
    (submitted / "s02" / "lstm").mkdir(parents=True)
    (submitted / "s02" / "lstm" / "timestamp.txt").write_text("2025-03-04 05:06:07.000000 UTC\n")
    write_gradebook(out, course, gradebook_url, submitted=submitted)
    run_export(course, out, "--format", "nbgrader", "--out", tmp_path / "ours.csv", "--submitted", submitted)

    ours = read_csv(tmp_path / "ours.csv")
    theirs = nbgrader_export(gradebook_url, tmp_path / "theirs.csv")
    assert sorted(ours[1:]) == sorted(theirs[1:])  # nbgrader orders students by name, and names are empty

    students = sorted({s for s, _ in results})
    assert len(ours) - 1 == len(students) * len(course.assignments)
    rows = {(r[0], r[3]): dict(zip(ours[0], r)) for r in ours[1:]}
    for student in students:
        for aid in course.assignments:
            row = rows[aid, student]
            expected = results[student, aid]["score"] if (student, aid) in results else 0.0
            assert float(row["raw_score"]) == float(row["score"]) == pytest.approx(expected)
            assert float(row["max_score"]) == pytest.approx(course.max_score(aid))
            assert row["late_submission_penalty"] == "0.0"
    assert ("rnn", "s03") not in results and rows["rnn", "s03"]["raw_score"] == "0.0"
    assert rows["lstm", "s02"]["timestamp"] == "2025-03-04 05:06:07"


def test_lms_sheet_one_row_per_student_one_column_per_assignment(tmp_path, graded_class, course):
    out, results = graded_class
    run_export(course, out, "--format", "lms", "--out", tmp_path / "lms.csv", "--points-row")
    rows = read_csv(tmp_path / "lms.csv")
    assert rows[0] == ["student_id", *course.assignments, "total"]
    assert rows[1] == ["Points Possible", *(f"{course.max_score(a):g}" for a in course.assignments),
                       f"{sum(course.max_score(a) for a in course.assignments):g}"]
    students = sorted({s for s, _ in results})
    assert [r[0] for r in rows[2:]] == students
    for row in rows[2:]:
        student = row[0]
        for aid, cell in zip(course.assignments, row[1:-1]):
            if (student, aid) in results:
                assert float(cell) == pytest.approx(results[student, aid]["score"])
            else:
                assert cell == ""
        assert float(row[-1]) == pytest.approx(sum(r["score"] for (s, _), r in results.items() if s == student))


def test_empty_results_folder_is_a_usage_error(tmp_path, course):
    (tmp_path / "r").mkdir()
    with pytest.raises(UsageError, match="no result files"):
        run_export(course, tmp_path / "r", "--format", "lms", "--out", tmp_path / "x.csv")
