"""course.yaml ``large_case``: one more hidden case per backward, sized against numerical gradients;
never one of the public self-check's cases."""
from pathlib import Path

import pytest
import yaml

from autograder.grading.cases import build_cases
from autograder.grading.course import CourseError, load_course
from autograder.grading.pipeline import reference_forward, reference_namespace
from autograder.authoring.release import PUBLIC_CASES, public_secret
from autograder.sandbox.inside.program import run_program

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def course():
    return load_course(ROOT / "course.yaml")


def test_every_backward_has_a_large_case(course):
    backwards = [spec for spec in course.functions.values() if spec.through]
    assert backwards and all(spec.large_case for spec in backwards)
    assert not any(spec.large_case for spec in course.functions.values() if not spec.through)


def test_the_large_case_comes_after_the_drawn_ones_with_its_sizes(course):
    spec = course.functions["rnn_backward"]
    forward = reference_forward(reference_namespace(course))
    cases = build_cases(course, spec, b"large", forward_shapes=forward)
    assert len(cases) == spec.cases + 1
    large = cases[-1]
    assert large.index == spec.cases and large.dims == dict(spec.large_case)
    x, h0, Wx, Wh, b = large.program["steps"][0]["args"]
    sizes = dict(spec.large_case)
    assert x.shape == (sizes["N"], sizes["T"], sizes["D"]) and Wh.shape == (sizes["H"], sizes["H"])
    dh = large.program["steps"][1]["args"][0]
    assert dh.shape == (sizes["N"], sizes["T"], sizes["H"])  # the upstream gradient is shaped like h
    drawn = build_cases(course, spec, b"large", forward_shapes=forward, count=spec.cases)
    assert [c.describe() for c in drawn] == [c.describe() for c in cases[:-1]]  # the others are unchanged


def test_public_cases_never_include_the_large_case(course):
    spec = course.functions["rnn_backward"]
    public = build_cases(course, spec, public_secret("rnn"), reference_forward(reference_namespace(course)),
                         count=PUBLIC_CASES)
    assert len(public) == PUBLIC_CASES and all(c.dims != dict(spec.large_case) for c in public)


def test_a_large_case_size_must_be_defined(tmp_path):
    data = yaml.safe_load((ROOT / "course.yaml").read_text())
    data["functions"]["rnn_backward"]["large_case"]["Q"] = 3
    path = tmp_path / "course.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    with pytest.raises(CourseError) as info:
        load_course(path)
    assert "functions.rnn_backward.large_case.Q" in str(info.value) and "size 'Q' is not defined" in str(info.value)


def test_a_backwards_case_sends_back_only_the_backwards_outputs(course):
    """The forward's outputs stay in the sandbox (the backward takes its cache by reference): on the
    large case they would only cost copies and decoding."""
    spec = course.functions["rnn_backward"]
    namespace = reference_namespace(course)
    for case in build_cases(course, spec, b"large", forward_shapes=reference_forward(namespace)):
        forward_step, backward_step = case.program["steps"]
        assert forward_step["send"] == [] and backward_step["send"] == [0, 1, 2, 3, 4]
        assert backward_step["args"][1] == {"$ref": [0, 1]}  # the forward's cache
        result = run_program(namespace, case.program)
        assert result["outputs"][0] == [] and len(result["outputs"][1]) == 5


# ------------------------------------------------------------------ one more try after a timeout

STALL = '''
import os, time
os.makedirs("stalls", exist_ok=True)  # the sandbox's own folder: it outlives a killed unit
if len(os.listdir("stalls")) < @@TIMES@@:
    open(os.path.join("stalls", str(len(os.listdir("stalls")))), "w").close()
    time.sleep(60)
'''
STEP_BACKWARD = [f"rnn_step_backward.{o}" for o in ("dx", "dprev_h", "dWx", "dWh", "db")]


def _grade_stalling(course, tmp_path: Path, times: int) -> dict:
    """rnn_step_backward (the solution) stalls the first ``times`` times it is called: in the
    notebook's shared request, then in its own request(s)."""
    from autograder.grading.classrun import make_sandbox_factory
    from autograder.grading.pipeline import GradingPlan, StudentGrader, read_submission
    from tests.hostile.cases import body

    from make_class import Profile, write_student  # tests.hostile.cases puts examples/ on sys.path

    profile = Profile("s1", "stalls", (body("rnn", "rnn_step_backward", STALL.replace("@@TIMES@@", str(times))),))
    write_student(course, tmp_path / "submitted", "s1", profile, ["rnn"])
    plan = GradingPlan(course, b"stalls", ["rnn"])
    grader = StudentGrader(plan, tmp_path / "results", make_sandbox_factory(course, isolate=False)(0),
                           prewarm_next=False)
    [result] = grader.grade("s1", [read_submission(plan.rubric, "rnn", tmp_path / "submitted" / "s1" / "rnn" / "rnn.ipynb")])
    return {item["id"]: item for item in result["items"]}


def test_a_backward_that_times_out_once_on_its_own_gets_one_more_try(course, tmp_path):
    """Its limit is tight by design (the large case is sized against it): a stall of the host must not
    cost an honest backward its points."""
    items = _grade_stalling(course, tmp_path, times=2)  # the shared request, then its own first try
    assert all(items[i]["status"] == "passed" for i in STEP_BACKWARD), {i: items[i]["status"] for i in STEP_BACKWARD}


def test_only_one_more_try(course, tmp_path):
    items = _grade_stalling(course, tmp_path, times=3)
    assert all(items[i]["status"] == "timeout" for i in STEP_BACKWARD), {i: items[i]["status"] for i in STEP_BACKWARD}
    assert items["rnn_backward.dx"]["status"] == "passed"  # it calls rnn_step_backward after the stalls
