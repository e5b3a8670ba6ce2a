"""steps.NumericalGradient: a backward that differences the student's own forward fails, even when
it finishes within the time limits.

With the shipped course such a backward times out on the large hidden case first (course.yaml
``large_case``), so here the course is the shipped one without its large cases: the student's
central difference then runs to the end, is accurate far below the tolerance, and only the
counted forward calls can tell it from backpropagation.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from autograder.grading import steps
from autograder.grading.classrun import make_sandbox_factory
from autograder.grading.course import load_course
from autograder.grading.diagnose import NUMERICAL_GRADIENT
from autograder.grading.pipeline import GradingPlan, StudentGrader, read_submission
from tests.hostile import cases as C

from make_class import PROFILES, write_student  # tests.hostile.cases puts examples/ on sys.path

ROOT = Path(__file__).resolve().parents[2]
STEP_BACKWARD = [f"rnn_step_backward.{o}" for o in ("dx", "dprev_h", "dWx", "dWh", "db")]
BACKWARD = [f"rnn_backward.{o}" for o in ("dx", "dh0", "dWx", "dWh", "db")]


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """The shipped course without its large hidden cases, beside the shipped solutions and reference."""
    folder = tmp_path_factory.mktemp("course")
    text, removed = re.subn(r"(?m)^    large_case: .*\n", "", (ROOT / "course.yaml").read_text())
    assert removed
    (folder / "course.yaml").write_text(text)
    (folder / "solutions").symlink_to(ROOT / "solutions")
    (folder / "reference").symlink_to(ROOT / "reference")
    loaded = load_course(folder / "course.yaml")
    assert not any(spec.large_case for spec in loaded.functions.values())
    assert loaded.numerical_gradient.check
    return loaded


@pytest.fixture(scope="module")
def plan(course):
    return GradingPlan(course, b"numerical-gradient-step", ["rnn"])


def _grade(plan, folder: Path, profile) -> dict:
    write_student(plan.course, folder / "submitted", "s1", profile, ["rnn"])
    grader = StudentGrader(plan, folder / "results", make_sandbox_factory(plan.course, isolate=False)(0),
                           prewarm_next=False)
    submission = read_submission(plan.rubric, "rnn", folder / "submitted" / "s1" / "rnn" / "rnn.ipynb")
    [result] = grader.grade("s1", [submission])
    return {item["id"]: item for item in result["items"]}


def _numerical_gradient_student():
    return next(case for case in C.CASES if case.name == "f-numerical-gradient").profile


def test_a_finite_difference_through_the_students_forward_fails_its_items(plan, tmp_path):
    items = _grade(plan, tmp_path, _numerical_gradient_student())
    for item_id in STEP_BACKWARD + BACKWARD:  # rnn_backward calls the differencing rnn_step_backward
        item = items[item_id]
        assert (item["status"], item["score"], item["diagnosis"]) == ("failed", 0, NUMERICAL_GRADIENT), item
        assert "수치 기울기" in item["message"] and "rnn_step_forward" in item["message"]  # the course speaks ko
    assert items["rnn_step_forward.next_h"]["status"] == "passed"  # the forward it calls is right


def test_without_the_step_the_same_backward_passes(plan, tmp_path, monkeypatch):
    """The differences are accurate: the counted calls are all that tells them from backpropagation."""
    monkeypatch.setattr(steps, "POST_SCORING", tuple(s for s in steps.POST_SCORING if s is not steps.NumericalGradientStep))
    items = _grade(plan, tmp_path, _numerical_gradient_student())
    assert all(items[item_id]["status"] == "passed" for item_id in STEP_BACKWARD + BACKWARD)


def test_backpropagation_calls_its_forward_few_enough_times(plan, tmp_path):
    correct = next(profile for profile in PROFILES if profile.name == "s01")
    items = _grade(plan, tmp_path, correct)
    assert all(items[item_id]["status"] == "passed" for item_id in STEP_BACKWARD + BACKWARD)
