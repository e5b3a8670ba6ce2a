"""`nbgrader autograde` agrees with `autograder grade`, grade cell by grade cell.

The slow test runs the real nbgrader (generate_assignment, then autograde) on a copy of the
course with part of the example class — a correct student, the untouched stubs and two
buggy students — and compares the partial credit nbgrader recorded for every grade cell
with the sum of that function's item scores from `autograder grade` on the same
submissions and the same secret; then it runs `nbgrader generate_feedback` and reads, in the
HTML a student gets, the explanation and hint that `autograder grade` wrote for a diagnosed
mistake.  The fast tests pin down how check() tells autograding from a student's session and
what it shows nbgrader.

The slow tests run once per grader: as root, and as an ordinary account, as nbgrader's
formgrader runs on JupyterHub (tests/userland/account.py; only the latter when the suite does
not run as root): there every grade cell's `grade-notebook` sandboxes without root.
"""
from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from contextlib import nullcontext
from pathlib import Path

import pytest

from autograder.student import nbgrader_cell
from autograder.student import selfcheck
from autograder.grading.course import load_course
from tests.userland.account import GRADERS

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENT = "rnn"
STUDENTS = ("s01", "s02", "s03", "s05")  # correct, stubs, BPTT '=' for '+=', softmax mask missing in dx
SECRET = "nbgrader-autograde-test"


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in (nbgrader_cell.AUTOGRADE_ENV, nbgrader_cell.NBGRADER_ENV)}
    bin_dir = str(Path(sys.executable).parent)  # nbgrader runs `alembic` when it creates the gradebook
    env.update(RNNLAB_SECRET=SECRET, PATH=os.pathsep.join([bin_dir, env.get("PATH", "")]),
               OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return env


def _run(args: list[str], cwd: Path, account=None) -> subprocess.CompletedProcess:
    if account:  # the account's own Python (its venv's bin/ first on PATH), with the same secret
        return account.run([str(account.python), *args], cwd=cwd, env=account.env(RNNLAB_SECRET=SECRET), timeout=300)
    proc = subprocess.run([sys.executable, *args], cwd=cwd, env=_env(), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"{args} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module", params=GRADERS)
def autograded(request, tmp_path_factory):
    """nbgrader autograde and autograder grade over the same course copy, run by root or by the ordinary account."""
    from autograder.sandbox import box as sandbox

    if not sandbox.bwrap_available():
        pytest.skip("needs the bubblewrap sandbox (bwrap installed)")
    account = request.getfixturevalue("ordinary") if request.param == "user" else None
    course_dir = account.workdir("nbgrader-course") if account else tmp_path_factory.mktemp("nbgrader-course")
    for name in ("course.yaml", "nbgrader_config.py"):
        shutil.copy(ROOT / name, course_dir / name)
    shutil.copytree(ROOT / "solutions" / ASSIGNMENT, course_dir / "solutions" / ASSIGNMENT)
    # the reference is the course's (pyproject installs only autograder/): a course copy brings it along
    shutil.copytree(ROOT / "reference", course_dir / "reference", ignore=shutil.ignore_patterns("__pycache__"))
    for student in STUDENTS:
        shutil.copytree(ROOT / "examples" / "submitted" / student / ASSIGNMENT,
                        course_dir / "submitted" / student / ASSIGNMENT)
    if account:
        account.give(course_dir)
    with account.busy() if account else nullcontext():
        _run(["-m", "nbgrader", "generate_assignment", ASSIGNMENT, "--force", "--log-level=WARN"], course_dir, account)
        _run(["-m", "nbgrader", "autograde", ASSIGNMENT, "--log-level=WARN"], course_dir, account)
        _run(["-m", "nbgrader", "generate_feedback", ASSIGNMENT, "--log-level=WARN"], course_dir, account)
        _run(["-m", "autograder", "--course", str(course_dir / "course.yaml"), "grade", str(course_dir / "submitted"),
              "--out", str(course_dir / "results"), "--assignment", ASSIGNMENT, "--quiet"], course_dir, account)
    isolation = json.loads((course_dir / "results" / STUDENTS[0] / f"{ASSIGNMENT}.json").read_text())["isolation"]
    assert isolation.startswith("bwrap-userns" if account else "bwrap"), isolation
    return course_dir


def _nbgrader_scores(course_dir: Path) -> dict[str, dict[str, tuple[float, float]]]:
    from nbgrader.api import Gradebook

    scores = {}
    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}") as gb:
        for student in STUDENTS:
            notebook = gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student)
            scores[student] = {g.name: (g.auto_score, g.max_score) for g in notebook.grades}
    return scores


@pytest.mark.slow
@pytest.mark.sandbox
def test_nbgrader_records_the_graders_partial_credit_per_grade_cell(autograded):
    course = load_course(ROOT / "course.yaml")
    recorded = _nbgrader_scores(autograded)
    mismatches = []
    for student in STUDENTS:
        result = json.loads((autograded / "results" / student / f"{ASSIGNMENT}.json").read_text())
        expected = {}
        for item in result["items"]:
            expected[item["function"]] = expected.get(item["function"], 0.0) + item["score"]
        assert set(recorded[student]) == {f"check_{spec.name}" for spec in course.functions_of(ASSIGNMENT)}
        for spec in course.functions_of(ASSIGNMENT):
            got, max_score = recorded[student][f"check_{spec.name}"]
            assert max_score == spec.max_score
            if got is None or abs(got - expected[spec.name]) > 1e-9:
                mismatches.append(f"{student} check_{spec.name}: nbgrader {got}, autograder {expected[spec.name]}")
    assert not mismatches, "\n".join(mismatches)
    totals = {s: sum(v[0] for v in recorded[s].values()) for s in STUDENTS}
    full = course.max_score(ASSIGNMENT)
    assert totals["s01"] == full and totals["s02"] == 0  # correct / stubs
    assert 0 < totals["s03"] < full and 0 < totals["s05"] < full  # partial credit, not all-or-nothing


@pytest.mark.slow
@pytest.mark.sandbox
def test_grade_cells_show_a_plain_float_and_nothing_on_stderr(autograded):
    for student in STUDENTS:
        notebook = json.loads((autograded / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text())
        cells = [c for c in notebook["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade")]
        assert cells
        for cell in cells:
            outputs = cell["outputs"]
            assert not [o for o in outputs if o["output_type"] == "error"
                        or o["output_type"] == "stream" and o["name"] == "stderr"], (student, outputs)
            results = [o for o in outputs if o["output_type"] == "execute_result"]
            assert len(results) == 1 and outputs[-1] is results[0]
            text = "".join(results[0]["data"]["text/plain"])
            float(text)  # what nbgrader's get_partial_grade does; np.float64(...) would not parse
            assert not text.startswith("np.")


def _feedback_text(course_dir: Path, student: str) -> str:
    """The text of the feedback page nbgrader made for ``student``, tags dropped, whitespace collapsed."""
    page = (course_dir / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text(encoding="utf-8")
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.mark.slow
@pytest.mark.sandbox
def test_generate_feedback_shows_the_diagnosis_and_hint_autograder_grade_wrote(autograded):
    diagnosed = 0
    for student in STUDENTS:
        result = json.loads((autograded / "results" / student / f"{ASSIGNMENT}.json").read_text())
        text = _feedback_text(autograded, student)
        for item in result["items"]:
            if item["status"] != "passed":
                assert item["id"] in text, (student, item["id"])
            if item.get("diagnosis") and item.get("hint"):
                diagnosed += 1
                for field in ("explanation", "hint"):
                    assert " ".join(item[field].split()) in text, (student, item["id"], field)
    assert diagnosed  # s03 (BPTT '=' for '+=') and s05 (mask missing in dx) are diagnosed mistakes
    assert "Hint:" in _feedback_text(autograded, "s03")


# ----------------------------------------------------------------- fast: no nbgrader, no sandbox


@pytest.fixture
def clean_env(monkeypatch):
    for name in (nbgrader_cell.AUTOGRADE_ENV, nbgrader_cell.NBGRADER_ENV):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_autograde_mode_follows_nbgrader_and_the_explicit_switch(clean_env, tmp_path):
    assert not nbgrader_cell.autograde_mode(tmp_path)
    clean_env.setenv(nbgrader_cell.NBGRADER_ENV, "validate")  # a student's "Validate" button
    assert not nbgrader_cell.autograde_mode(tmp_path)
    clean_env.setenv(nbgrader_cell.NBGRADER_ENV, "autograde")
    assert nbgrader_cell.autograde_mode(tmp_path)
    clean_env.setenv(nbgrader_cell.AUTOGRADE_ENV, "0")  # the explicit switch wins
    assert not nbgrader_cell.autograde_mode(tmp_path)
    clean_env.delenv(nbgrader_cell.NBGRADER_ENV)
    clean_env.setenv(nbgrader_cell.AUTOGRADE_ENV, "1")
    assert nbgrader_cell.autograde_mode(tmp_path)


def test_autograde_mode_recognises_the_autograded_layout(clean_env, tmp_path):
    folder = tmp_path / "autograded" / "s01" / "rnn"
    folder.mkdir(parents=True)
    assert not nbgrader_cell.autograde_mode(folder)  # no course here
    (tmp_path / "course.yaml").write_text("course: {}\n")
    assert nbgrader_cell.autograde_mode(folder)
    assert not nbgrader_cell.autograde_mode(tmp_path / "autograded")


def test_a_students_check_is_unchanged(clean_env, tmp_path):
    clean_env.chdir(tmp_path)
    result = selfcheck.check("rnn_step_forward", quiet=True)  # a notebook's call, outside nbgrader
    assert isinstance(result, selfcheck.CheckResult) and result.status == "error"  # no fixture here


def test_under_autograde_check_returns_the_graders_points_as_a_float(clean_env, tmp_path, monkeypatch, capsys):
    (tmp_path / "course.yaml").write_text("course: {}\n")
    notebook = tmp_path / "rnn.ipynb"
    notebook.write_text("{}")
    calls = []

    def fake_grader(target, root):
        calls.append(target)
        return {"notebook": str(notebook), "assignment": "rnn",
                "functions": {"rnn_forward": {"score": 1.5, "max_score": 2.0, "feedback": ["rnn_forward.h: failed: x"]},
                              "rnn_backward": {"score": 0.0, "max_score": 10.0, "feedback": ["Hint: add, not assign"]}}}

    monkeypatch.setattr(nbgrader_cell, "_run_grader", fake_grader)
    monkeypatch.setattr(nbgrader_cell, "_GRADES", {})
    monkeypatch.chdir(tmp_path)
    clean_env.setenv(nbgrader_cell.NBGRADER_ENV, "autograde")
    first, second = selfcheck.check("rnn_forward"), selfcheck.check("rnn_backward")
    assert (first, second) == (1.5, 0.0) and type(first) is float and type(second) is float
    assert len(calls) == 1  # one grading per notebook content, not one per grade cell
    notebook.write_text('{"changed": true}')
    selfcheck.check("rnn_forward")
    assert len(calls) == 2
    captured = capsys.readouterr()
    assert captured.err == "" and "rnn_forward: 1.5/2" in captured.out
    assert "  rnn_forward.h: failed: x\n" in captured.out and "  Hint: add, not assign\n" in captured.out
    with pytest.raises(nbgrader_cell.GraderUnavailable):  # a cell that cannot be graded earns 0, not full points
        selfcheck.check("not_graded_here")


def test_each_function_carries_the_results_explanation_and_hint_as_plain_lines():
    from autograder.integrations.nbgrader_autograde import summarise

    items = [
        {"id": "rnn_backward.dx", "function": "rnn_backward", "score": 2.0, "max_score": 2.0, "status": "passed",
         "message": "correct on all 3 cases", "diagnosis": None},
        {"id": "rnn_backward.dWh", "function": "rnn_backward", "score": 0.0, "max_score": 2.0, "status": "failed",
         "message": "relative error 0.93\x1b[31m on\ncase 2", "diagnosis": "bptt-overwrite-accumulator",
         "explanation": "`dWh` keeps only\nthe last step.", "hint": "Accumulate with `+=`."},
        {"id": "rnn_backward.db", "function": "rnn_backward", "score": 0.0, "max_score": 1.0, "status": "failed",
         "message": "relative error 0.5", "diagnosis": "bptt-overwrite-accumulator",
         "explanation": "`dWh` keeps only\nthe last step.", "hint": "Accumulate with `+=`."},
        {"id": "rnn_forward.h", "function": "rnn_forward", "score": 0.0, "max_score": 2.0, "status": "error",
         "message": "NotImplementedError", "diagnosis": None},
    ]
    result = {"student": "s03", "assignment": "rnn", "score": 2.0, "max_score": 7.0, "items": items, "errors": []}
    functions = summarise(result, Path("rnn.ipynb"), cached=False, language="en")["functions"]
    assert functions["rnn_backward"]["feedback"] == [
        "rnn_backward.dWh: failed: relative error 0.93 [31m on case 2",
        "rnn_backward.db: failed: relative error 0.5",
        "rnn_backward.dWh, rnn_backward.db: `dWh` keeps only the last step.",  # one diagnosis, said once
        "Hint: Accumulate with `+=`.",
    ]
    assert functions["rnn_forward"]["feedback"] == ["rnn_forward.h: error: NotImplementedError"]
    korean = summarise(result, Path("rnn.ipynb"), cached=False, language="ko")["functions"]
    assert korean["rnn_backward"]["feedback"][-1] == "힌트: Accumulate with `+=`."
