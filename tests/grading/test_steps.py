"""The post-scoring steps are one ordered list, and the pipeline reads that list alone."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from autograder.grading import steps
from autograder.grading.classrun import make_sandbox_factory
from autograder.grading.pipeline import GradingPlan, StudentGrader, read_submission

ROOT = Path(__file__).resolve().parents[2]
SUBMITTED = ROOT / "examples" / "submitted"


def test_the_list_and_its_order():
    assert [step.__name__ for step in steps.POST_SCORING] == ["NumericalGradientStep", "DiagnoseStep",
                                                              "SelfConsistencyStep", "RootCauseStep", "ExplainStep"]
    assert all(callable(getattr(step, "apply", None)) for step in steps.POST_SCORING)


@pytest.fixture(scope="module")
def plan(course):
    return GradingPlan(course, b"post-scoring-steps", ["rnn"])


def _grade(plan, tmp_path, student: str) -> dict:
    grader = StudentGrader(plan, tmp_path, make_sandbox_factory(plan.course, isolate=False)(0), prewarm_next=False)
    submission = read_submission(plan.rubric, "rnn", SUBMITTED / student / "rnn" / "rnn.ipynb")
    [result] = grader.grade(student, [submission])
    assert json.loads((tmp_path / student / "rnn.json").read_text())["items"] == result["items"]
    return {item["id"]: item for item in result["items"]}


def test_every_step_acts_through_the_list(plan, tmp_path):
    overwrites = _grade(plan, tmp_path / "a", "s03")  # BPTT '=' instead of '+='
    assert overwrites["rnn_backward.dWh"]["diagnosis"] == "bptt-overwrite-accumulator"
    assert overwrites["rnn_backward.dWh"]["explanation"] and overwrites["rnn_backward.dWh"]["hint"]
    no_tanh = _grade(plan, tmp_path / "b", "s17")  # a wrong forward with its own exact backward
    credited = [i for i in no_tanh.values() if i["status"] == "failed" and i["score"] > 0]
    assert credited and all(i["function"] == "rnn_backward" or i["function"] == "rnn_step_backward"
                            for i in credited)


def test_without_the_steps_nothing_after_scoring_happens(plan, tmp_path, monkeypatch):
    monkeypatch.setattr(steps, "POST_SCORING", ())
    overwrites = _grade(plan, tmp_path / "a", "s03")
    assert all(i["diagnosis"] is None and not i.get("explanation") for i in overwrites.values())
    no_tanh = _grade(plan, tmp_path / "b", "s17")
    assert all(i["score"] == 0 for i in no_tanh.values() if i["status"] == "failed")
