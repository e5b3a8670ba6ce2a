"""One submission graded in memory (pipeline.grade_submission) gives what a class run writes, and
Gradescope's results.json is what it was when Gradescope graded a one-student class on disk.

The runners (grading/runners.py): the in-process runner replies as the sandbox does, so a test
grading the project's own notebooks in this process grades what the sandbox would; and the
verbs that grade somebody's notebook never use it.
"""
from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest

from autograder.grading import classrun, runners
from autograder.grading.classrun import ClassRun, grade_class
from autograder.grading.pipeline import GradingPlan, grade_submission, read_submission, submission_of
from autograder.grading.results import feedback_path, iter_results, result_path
from autograder.grading.runners import InProcessRunner, SandboxRunner, make_runner, make_sandbox_factory
from autograder.integrations import gradescope
from autograder.integrations.nbgrader_autograde import grade_notebook

ROOT = Path(__file__).resolve().parents[2]
SUBMITTED = ROOT / "examples" / "submitted"
SECRET = "grade-submission-tests"
AID = "rnn"
# correct, the untouched release, a BPTT mistake, a notebook that is not JSON, a wrong forward
# with its exact backward (self-consistency credit): benign code, so it may run in this process too
BENIGN = ("s01", "s02", "s03", "s12", "s17")


def _without_time(result: dict) -> dict:
    return {k: v for k, v in result.items() if k != "graded_at"}


@pytest.fixture(scope="module")
def plan(course):
    return GradingPlan(course, SECRET.encode(), [AID])


@pytest.fixture(scope="module")
def class_run(course, tmp_path_factory):
    """The benign students' rnn notebooks graded by `autograder grade` (a class run, files on disk)."""
    work = tmp_path_factory.mktemp("class")
    for student in BENIGN:
        shutil.copytree(SUBMITTED / student / AID, work / "submitted" / student / AID)
    patch = pytest.MonkeyPatch()
    patch.setenv("RNNLAB_SECRET", SECRET)
    try:
        grade_class(course, ClassRun(work / "submitted", work / "results", [AID], force=True, isolate=False))
    finally:
        patch.undo()
    return work


def _one(plan, student: str, runner) -> tuple[dict, str]:
    notebook = SUBMITTED / student / AID / "rnn.ipynb"
    graded = grade_submission(plan, read_submission(plan.rubric, AID, notebook), runner, student)
    return graded.result, graded.feedback


@pytest.mark.parametrize("student", BENIGN)
def test_a_class_run_writes_what_grade_submission_returns(student, plan, class_run):
    runner = SandboxRunner(make_sandbox_factory(plan.course, isolate=False)(0))
    try:
        result, feedback = _one(plan, student, runner)
    finally:
        runner.close()
    out = class_run / "results"
    written = json.loads(result_path(out, student, AID).read_text(encoding="utf-8"))
    assert _without_time(written) == _without_time(result)
    assert feedback_path(out, student, AID).read_text(encoding="utf-8") == feedback
    # the sandbox's worker, unisolated (--no-sandbox); s12's notebook is not JSON: nothing ran
    assert result["isolation"] == (None if student == "s12" else "none")


@pytest.mark.parametrize("student", BENIGN)
def test_the_in_process_runner_grades_as_the_sandbox_does(student, plan):
    sandboxed = SandboxRunner(make_sandbox_factory(plan.course, isolate=False)(0))
    try:
        expected, expected_page = _one(plan, student, sandboxed)
    finally:
        sandboxed.close()
    result, page = _one(plan, student, InProcessRunner())
    assert result.pop("isolation") == ("in-process" if student != "s12" else None)  # s12: nothing ran
    assert expected.pop("isolation") == ("none" if student != "s12" else None)
    assert _without_time(result) == _without_time(expected)
    assert page == expected_page


def test_the_registry_names_one_runner_per_environment():
    assert set(runners.REGISTRY) == {"sandbox", "in-process"}
    assert isinstance(make_runner("in-process"), InProcessRunner)
    with pytest.raises(ValueError, match="no runner 'docker'"):
        make_runner("docker")


def test_the_in_process_runner_reports_a_failing_load_as_the_worker_does():
    runner = InProcessRunner()
    reply = runner.load("u", "x = 1\nraise ValueError('boom')\n", "<cell>")
    assert reply["ok"] is False and reply["kind"] == "exception" and "ValueError: boom" in reply["message"]
    program = {"steps": [{"fn": "nowhere", "args": [], "nret": 1, "send": [0]}]}
    (answer,) = runner.run("u", [program])["results"]
    assert answer["error"]["kind"] == "missing"


def test_a_submission_already_read_is_the_same_submission(plan):
    notebook = SUBMITTED / "s03" / AID / "rnn.ipynb"
    read = read_submission(plan.rubric, AID, notebook)
    given = submission_of(plan.rubric, AID, "rnn.ipynb", notebook.read_bytes())
    assert (given.fingerprint, given.raw, given.notebook.name) == (read.fingerprint, read.raw, read.notebook.name)
    missing = submission_of(plan.rubric, AID, "rnn.ipynb", None)
    assert missing.fingerprint == read_submission(plan.rubric, AID, SUBMITTED / "s03" / "no.ipynb").fingerprint
    assert missing.error is not None and missing.error.code == "notebook.missing"


@pytest.mark.parametrize("student", ["s03", "s12"])
def test_gradescope_results_json_is_what_the_class_run_gave(student, course, tmp_path, monkeypatch):
    """The same bytes as when Gradescope graded a one-student class tree and read its files back."""
    monkeypatch.setenv("RNNLAB_SECRET", SECRET)
    monkeypatch.setenv("RNNLAB_PREWARM", "0")
    shutil.copytree(SUBMITTED / student / AID, tmp_path / "class" / gradescope.STUDENT / AID)
    out = tmp_path / "class-results"
    grade_class(course, ClassRun(tmp_path / "class", out, [AID], force=True, isolate=False))
    results = list(iter_results(out))
    pages = {r["assignment"]: feedback_path(out, r["student"], r["assignment"]).read_text(encoding="utf-8")
             for r in results}
    before = gradescope.gradescope_results(results, course, 0.0, pages)

    root = tmp_path / "autograder"
    shutil.copytree(SUBMITTED / student / AID, root / "submission")
    _no_class_on_disk(monkeypatch)
    after = gradescope.run_gradescope(root, course, [AID], no_sandbox=True)
    before.pop("execution_time"), after.pop("execution_time")  # the one field that may differ
    assert after == before


def _no_class_on_disk(monkeypatch):
    """From here on, neither a throw-away folder nor the class-run machinery may be used."""
    def refused(*args, **kwargs):
        raise AssertionError("a fake class or a throw-away folder for one submission")

    monkeypatch.setattr(tempfile, "TemporaryDirectory", refused)
    monkeypatch.setattr(classrun, "grade_class", refused)
    monkeypatch.setattr(classrun, "grade_students", refused)


def test_the_verbs_for_somebodys_notebook_never_run_it_in_process(course, tmp_path, monkeypatch):
    """grade-notebook and Gradescope grade through the sandbox runner only (the trust boundary)."""
    def refused(self):
        raise AssertionError("student code in the grader's process")

    monkeypatch.setattr(InProcessRunner, "__init__", refused)
    monkeypatch.setenv("RNNLAB_SECRET", SECRET)
    monkeypatch.setenv("RNNLAB_PREWARM", "0")
    _no_class_on_disk(monkeypatch)
    notebook = SUBMITTED / "s01" / AID / "rnn.ipynb"
    summary = grade_notebook(course, notebook, AID, isolate=False, use_cache=False)
    assert summary["score"] == summary["max_score"]
    shutil.copytree(SUBMITTED / "s01" / AID, tmp_path / "submission")
    payload = gradescope.run_gradescope(tmp_path, course, [AID], no_sandbox=True)
    assert payload["score"] == course.max_score(AID)
    assert payload["extra_data"]["assignments"][AID]["isolation"] == "none"


def test_grade_notebook_starts_no_sandbox_for_a_grade_it_has(course, tmp_path, monkeypatch):
    """The first grade cell grades (its sandbox started at once); the next ones find the grade
    in the cache and start no sandbox at all."""
    monkeypatch.setenv("RNNLAB_SECRET", SECRET)
    notebook = SUBMITTED / "s03" / AID / "rnn.ipynb"
    first = grade_notebook(course, notebook, AID, isolate=False, cache=tmp_path)
    assert not first["cached"] and len(list(tmp_path.glob("*.seen"))) == 1

    def no_sandbox(*args, **kwargs):
        raise AssertionError("a sandbox started for a cached grade")

    monkeypatch.setattr(runners, "make_sandbox_factory", no_sandbox)
    again = grade_notebook(course, notebook, AID, isolate=False, cache=tmp_path)
    assert again["cached"] and again["score"] == first["score"] and again["functions"] == first["functions"]
