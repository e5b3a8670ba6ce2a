"""A synthetic graded class, written through results.write_result (the grading pipeline is not run).

Every student's result depends only on the student id and the item, never on which folder it
is written to, so a class written whole and the same class written shard by shard hold the
same bytes.  Messages carry what real ones can: Korean, markup, ``]]>``, control characters
from a student's exception text.
"""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from autograder.grading.results import GradesCsv, feed_results, write_result

ROOT = Path(__file__).resolve().parents[2]
COURSE = ROOT / "course.yaml"
STATUSES = ("passed", "passed", "passed", "failed", "error", "timeout", "missing")
NASTY = ["상대 오차 0.93 (케이스 2)", "<b>&amp;</b> \"quoted\" 'single'", "ends the CDATA ]]> here",
         "control \x00\x01\x07\x08\x0b\x0c\x1b[31m\x1f chars", "tab\tnewline\ncarriage\rreturn"]
STUDENTS = [f"s{i:02d}" for i in range(1, 13)] + ["학생13"]


def _pick(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256("|".join(parts).encode()).digest()[:4], "big")


def submits(student: str, assignment: str) -> bool:
    """Most students submit everything; a few skip an assignment (no result file)."""
    return _pick("submits", student, assignment) % 6 != 0 or student == "s01"


def make_result(course, student: str, assignment: str) -> dict:
    items = []
    for spec in course.functions_of(assignment):
        for item in spec.items:
            status = STATUSES[_pick(student, item.id) % len(STATUSES)]
            if student == "s01":
                status = "passed"
            message = "correct on all 3 cases" if status == "passed" else NASTY[_pick("m", student, item.id) % len(NASTY)]
            diagnosis = "bptt-overwrite-accumulator" if status == "failed" and _pick("d", student, item.id) % 2 else None
            items.append({"id": item.id, "function": spec.name, "output": item.output,
                          "score": item.points if status == "passed" else 0.0, "max_score": item.points,
                          "status": status, "message": message, "diagnosis": diagnosis,
                          "error": None, "case": None, "profile": None})
    errors = ["노트북 코드를 실행하는 중 오류가 발생했습니다: \x1b[0m boom ]]>"] \
        if any(i["status"] == "error" for i in items) else []
    return {"student": student, "assignment": assignment,
            "score": round(sum(i["score"] for i in items), 6), "max_score": course.max_score(assignment),
            "items": items, "errors": errors, "fingerprint": f"fp-{student}-{assignment}",
            "graded_at": "2025-01-01T00:00:00+00:00"}


def write_class(out: Path, course, students=STUDENTS) -> dict[tuple[str, str], dict]:
    """Write the class's results into ``out`` (+ grades.csv); return them by (student, assignment)."""
    results = {}
    for student in students:
        for aid in course.assignments:
            if submits(student, aid):
                result = make_result(course, student, aid)
                write_result(out, result, f"# {aid}: {result['score']:g}\n\n{NASTY[0]}\n")
                results[student, aid] = result
    feed_results(out, [GradesCsv(out)])
    return results


def written_by_the_pass(results_dir: Path, course, tmp: Path) -> tuple[str, str, dict]:
    """The JUnit XML and the Markdown summary that ``grade --junit --summary`` writes for
    ``results_dir`` (its one pass over the results, integrations/class_outputs.py), read back as
    text, and the JUnit totals."""
    from autograder.integrations.ci_summary import MarkdownSummary
    from autograder.integrations.class_outputs import write_outputs
    from autograder.integrations.junit import JunitXml

    junit, summary = JunitXml(tmp / "pass-junit.xml"), MarkdownSummary(tmp / "pass-summary.md", course)
    write_outputs(Path(results_dir), [junit, summary])
    return junit.dest.read_bytes().decode(), summary.dest.read_bytes().decode(), junit.totals


def write_gradebook(results_dir: Path, course, db_url: str, submitted: Path | None = None) -> dict:
    """What ``autograder gradebook RESULTS --db URL`` does: the one pass records the results in
    nbgrader's gradebook; what it recorded."""
    from autograder.integrations.class_outputs import write_outputs
    from autograder.integrations.nbgrader_gradebook import NbgraderGradebook

    gradebook = NbgraderGradebook(db_url, course, submitted=submitted)
    write_outputs(Path(results_dir), [gradebook])
    return gradebook.counts


@pytest.fixture
def graded_class(tmp_path, course):
    out = tmp_path / "results"
    return out, write_class(out, course)


@pytest.fixture
def small_class(tmp_path, course):
    """Four students (one with full marks, one who skipped two assignments): for the slower database tests."""
    out = tmp_path / "results"
    return out, write_class(out, course, STUDENTS[:4])


@pytest.fixture(scope="session")
def empty_gradebook(tmp_path_factory, course):
    """An empty nbgrader database, made once: nbgrader stamps a new one by running `alembic` (seconds)."""
    folder = tmp_path_factory.mktemp("gradebook")
    (folder / "no-results").mkdir()
    write_gradebook(folder / "no-results", course, f"sqlite:///{folder / 'empty.db'}")
    return folder / "empty.db"


@pytest.fixture
def gradebook_url(empty_gradebook, tmp_path):
    target = tmp_path / "gradebook.db"
    shutil.copyfile(empty_gradebook, target)
    return f"sqlite:///{target}"
