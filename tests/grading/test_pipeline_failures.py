"""One student's sandbox trouble costs only that student's items, and the class run goes on.

A fake sandbox plays a perfect student (it runs the reference) except for the failure under
test, raised where the real Sandbox raises it: ProtocolError / ValueError for a request the
frame limits refuse, OSError, SandboxUnavailable for a sandbox that will not start.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from autograder.sandbox.inside import protocol
from autograder.grading.course import load_course
from autograder.grading.pipeline import RETRY_PREFIX, GradingPlan, StudentGrader, read_submission, reference_namespace
from autograder.sandbox.inside.program import ProgramError, run_program
from autograder.sandbox.box import SandboxUnavailable

ROOT = Path(__file__).resolve().parents[2]
AID = "gradients"


@pytest.fixture(scope="module")
def plan():
    course = load_course(ROOT / "course.yaml")
    return GradingPlan(course, b"pipeline-failures", [AID])


class FakeSandbox:
    def __init__(self, course, load_error=None, run_error=None, failing_function=None):
        self.namespace = reference_namespace(course)
        self.load_error, self.run_error, self.failing = load_error, run_error, failing_function
        self.closed = False

    def load(self, unit, code, filename="<student>"):
        if self.load_error is not None:
            raise self.load_error
        return {"ok": True}

    def run(self, unit, programs, timeout=None):
        if self.run_error is not None and any(p["steps"][-1]["fn"] == self.failing for p in programs):
            raise self.run_error
        results = []
        for program in programs:
            try:
                results.append(run_program(self.namespace, program))
            except ProgramError as exc:
                results.append({"error": {"kind": exc.kind, "message": exc.message}})
        return {"ok": True, "results": results}

    def close(self):
        self.closed = True


def _grade(plan, tmp_path, **fake):
    made = []

    def factory():
        made.append(FakeSandbox(plan.course, **fake))
        return made[-1]

    grader = StudentGrader(plan, tmp_path, factory, prewarm_next=False)
    notebook = ROOT / "examples" / "submitted" / "s01" / AID / f"{AID}.ipynb"
    (result,) = grader.grade("s01", [read_submission(plan.rubric, AID, notebook)])
    assert made and all(s.closed for s in made)
    assert json.loads((tmp_path / "s01" / f"{AID}.json").read_text()) == result  # written, as returned
    return result


def test_the_fake_student_is_perfect(plan, tmp_path):
    result = _grade(plan, tmp_path)
    assert result["score"] == result["max_score"] and not result["errors"]


@pytest.mark.parametrize("error", [
    protocol.ProtocolError("frame header of 18009224 bytes exceeds 16777216"),
    ValueError("request larger than limits.request_bytes (268435456)"),
], ids=["protocol-error", "request-bytes"])
def test_a_request_the_frame_limits_refuse_errors_the_notebook_and_is_final(plan, tmp_path, error):
    result = _grade(plan, tmp_path, load_error=error)
    assert result["score"] == 0 and {i["status"] for i in result["items"]} == {"error"}
    assert all(str(error) in i["message"] for i in result["items"])
    assert any(type(error).__name__ in e for e in result["errors"])
    assert not result["fingerprint"].startswith(RETRY_PREFIX)  # the submission's own doing: not regraded


@pytest.mark.parametrize("error", [SandboxUnavailable("the sandbox did not start (OSError: ENOMEM)"),
                                   OSError(24, "Too many open files")], ids=["unavailable", "oserror"])
def test_a_sandbox_that_will_not_start_errors_the_notebook_and_is_graded_again(plan, tmp_path, error):
    result = _grade(plan, tmp_path, load_error=error)
    assert result["score"] == 0 and {i["status"] for i in result["items"]} == {"error"}
    assert result["fingerprint"].startswith(RETRY_PREFIX)  # the next run grades it again
    assert all("grades it again" in i["message"] or "다시 채점" in i["message"] for i in result["items"])


@pytest.mark.parametrize("error", [protocol.ProtocolError("bad frame"), ValueError("request larger"),
                                   OSError(32, "Broken pipe"), SandboxUnavailable("restart failed")],
                         ids=["protocol-error", "value-error", "oserror", "unavailable"])
def test_a_failing_call_costs_only_that_functions_items(plan, tmp_path, error):
    result = _grade(plan, tmp_path, run_error=error, failing_function="clip_grad_norm")
    for item in result["items"]:
        if item["function"] == "clip_grad_norm":
            assert item["status"] == "error" and item["score"] == 0
            assert f"{type(error).__name__}: " in item["message"]
            assert any(w in item["message"] for w in ("bad frame", "request larger", "Broken pipe", "restart failed"))
        else:
            assert item["status"] == "passed" and item["score"] == item["max_score"]


def test_a_sandbox_that_will_not_start_is_said_in_the_courses_language(plan, tmp_path):
    """The reason comes from the glossary (probe.Words), in the course's language like the rest."""
    from autograder.grading import terminal  # noqa: F401  (installs the glossary's renderer)
    from autograder.sandbox.probe import Words

    error = SandboxUnavailable(Words("sandbox.did-not-start", error="OSError: ENOMEM", stderr=""))
    result = _grade(plan, tmp_path, load_error=error)
    expected = error.message(plan.course.language)
    assert plan.course.language == "ko" and expected != error.message("en")
    assert all(expected[:60] in i["message"] for i in result["items"]), result["items"][0]["message"]
