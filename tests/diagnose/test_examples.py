"""Real student code: the example class's typical mistakes are named by the catalogue.

Only the benign profiles run here, in-process (they are the project's own notebooks; the
hostile ones belong in the sandbox).  Their code comes from examples/submitted through the
real extraction, so a mutant that drifts from how students actually write the mistake fails.
"""
import pytest

from autograder.engine.cases import graded_outputs
from autograder.engine.diagnose import Diagnoser
from autograder.engine.extract import Template, read_notebook
from autograder.sandbox.inside.program import ProgramError, run_program
from autograder.engine.score import CaseRun, score_function

from .conftest import ROOT, SECRET, ReferencePlan

EXPECTED = {  # student -> the diagnosis every one of their failed items must get
    "s01": None,
    "s03": "bptt-overwrite-accumulator",
    "s04": "bptt-missing-carried-gradient",
    "s05": "loss-mask-not-applied-to-dx",
    "s06": "embedding-backward-repeated-indices",
    "s07": "clip-norm-per-tensor",
}


@pytest.fixture(scope="module")
def example_plan(course):
    assignments = list(course.assignments)  # every assignment has its notebook: a missing one must fail
    return ReferencePlan(course, SECRET, assignments)


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_example_students_are_diagnosed(student, course, example_plan):
    diagnoser = Diagnoser(course, example_plan)
    failed = []
    for aid in example_plan.assignments:
        notebook = course.assignments[aid].notebook
        program = Template(ROOT / "solutions" / aid / notebook).program(
            read_notebook(ROOT / "examples" / "submitted" / student / aid / notebook))
        namespace = {"__name__": "__main__"}
        exec(compile(program.code, program.filename, "exec"), namespace)
        for spec in course.functions_of(aid):
            expected = example_plan.expected[spec.name]
            runs = []
            for case in expected.cases:
                try:
                    runs.append(CaseRun(outputs=graded_outputs(run_program(namespace, case.program), spec)))
                except ProgramError as exc:
                    runs.append(CaseRun(error_kind=exc.kind, error_detail=exc.message, failed_function=spec.name))
            items = score_function(course, spec, expected.cases, expected.outputs, runs)
            diagnoser.diagnose(spec, runs, items)
            failed += [(i.item.id, i.status, i.diagnosis) for i in items if i.status != "passed"]
    if EXPECTED[student] is None:
        assert failed == []
    else:
        assert failed and all(status == "failed" and diagnosis == EXPECTED[student]
                              for _, status, diagnosis in failed), failed
