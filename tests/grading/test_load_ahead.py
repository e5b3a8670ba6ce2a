"""A student's next notebook is loaded while the one before is scored (pipeline.StudentGrader ->
Sandbox.load_ahead): each notebook is still loaded once, and every result is what grading each
notebook on its own gives."""
from __future__ import annotations

from pathlib import Path

import pytest

from autograder.grading.pipeline import GradingPlan, StudentGrader, grade_submission
from autograder.grading.runners import SandboxRunner, make_sandbox_factory
from autograder.sandbox import box as box_mod

ROOT = Path(__file__).resolve().parents[2]
SUBMITTED = ROOT / "examples" / "submitted"
ASSIGNMENTS = ["rnn", "gradients", "lstm"]


@pytest.fixture(scope="module")
def plan(course):
    return GradingPlan(course, b"load-ahead", ASSIGNMENTS)


def _timeless(result: dict) -> dict:
    return {k: v for k, v in result.items() if k != "graded_at"}


@pytest.mark.parametrize("student", ["s01", "s03", "s13"])  # correct; a BPTT mistake; a notebook that cannot load
def test_each_notebook_is_loaded_once_ahead_and_graded_as_on_its_own(student, plan, tmp_path, monkeypatch):
    factory = make_sandbox_factory(plan.course, isolate=False)(0)
    sent_ahead, loaded = [], []
    load_ahead, load = box_mod.Sandbox.load_ahead, box_mod.Sandbox._load

    def spy_ahead(self, unit, code, filename="<student>"):
        sent = load_ahead(self, unit, code, filename)
        sent_ahead.append((unit, sent))
        return sent

    def spy_load(self, unit):
        loaded.append(unit)
        return load(self, unit)

    monkeypatch.setattr(box_mod.Sandbox, "load_ahead", spy_ahead)
    monkeypatch.setattr(box_mod.Sandbox, "_load", spy_load)
    grader = StudentGrader(plan, tmp_path, factory, prewarm_next=False)
    todo = grader.pending(student, SUBMITTED, force=True)
    assert [s.assignment for s in todo] == ASSIGNMENTS
    together = grader.grade(student, todo)
    assert sent_ahead == [(aid, True) for aid in ASSIGNMENTS[1:]]
    assert loaded == ASSIGNMENTS[:1]  # the first the usual way; the others were loaded ahead

    monkeypatch.undo()
    for submission, result in zip(todo, together):
        runner = SandboxRunner(factory)
        try:
            alone = grade_submission(plan, submission, runner, student).result
        finally:
            runner.close()
        assert _timeless(result) == _timeless(alone)
