"""Real student code: the example class's typical mistakes are named by the catalogue.

Only the benign profiles run here, in-process (they are the project's own notebooks; the
hostile ones belong in the sandbox).  Their code comes from examples/submitted through the
real extraction, so a mutant that drifts from how students actually write the mistake fails.
"""
import pytest

from autograder.grading.pipeline import grade_submission, read_submission
from autograder.grading.runners import InProcessRunner

from .conftest import ROOT

EXPECTED = {  # student -> the diagnosis every one of their failed items must get
    "s01": None,
    "s03": "bptt-overwrite-accumulator",
    "s04": "bptt-missing-carried-gradient",
    "s05": "loss-mask-not-applied-to-dx",
    "s06": "embedding-backward-repeated-indices",
    "s07": "clip-norm-per-tensor",
}


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_example_students_are_diagnosed(student, course, plan):
    """Graded as `autograder grade` grades them (every post-scoring step), only in this process."""
    runner = InProcessRunner()
    failed = []
    for aid in course.assignments:  # every assignment has its notebook: a missing one must fail
        notebook = ROOT / "examples" / "submitted" / student / aid / course.assignments[aid].notebook
        result = grade_submission(plan, read_submission(plan.rubric, aid, notebook), runner, student).result
        assert not result["errors"], result["errors"]
        failed += [(i["id"], i["status"], i["diagnosis"]) for i in result["items"] if i["status"] != "passed"]
    if EXPECTED[student] is None:
        assert failed == []
    else:
        assert failed and all(status == "failed" and diagnosis == EXPECTED[student]
                              for _, status, diagnosis in failed), failed
