"""score.py: points from course.yaml, all-cases-must-pass, statuses and messages."""
from pathlib import Path

import numpy as np
import pytest

from autograder.grading.cases import build_cases
from autograder.grading.course import load_course
from autograder.grading.score import CaseRun, FunctionFailure, score_function

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def course():
    return load_course(ROOT / "course.yaml")


def _setup(course, name):
    spec = course.functions[name]
    cases = build_cases(course, spec, b"k", forward_shapes=lambda f, args: [np.zeros((2, 3))] * len(f.returns))
    refs = [{item.output: np.arange(6.0).reshape(2, 3) + i for item in spec.items} for i in range(len(cases))]
    return spec, cases, refs


def _runs(refs, tweak=None):
    runs = []
    for i, ref in enumerate(refs):
        outputs = {k: v.copy() for k, v in ref.items()}
        if tweak:
            tweak(i, outputs)
        runs.append(CaseRun(outputs=outputs))
    return runs


def test_all_correct_scores_course_points(course):
    spec, cases, refs = _setup(course, "rnn_backward")
    items = score_function(course, spec, cases, refs, _runs(refs))
    assert [i.status for i in items] == ["passed"] * 5
    assert sum(i.score for i in items) == spec.max_score == 10
    assert items[0].to_json("en")["message"].startswith(f"correct on all {len(cases)} cases")


def test_one_wrong_output_costs_only_its_item(course):
    spec, cases, refs = _setup(course, "rnn_backward")
    runs = _runs(refs, lambda i, o: o.__setitem__("dWh", o["dWh"] * 2))
    items = {i.item.output: i for i in score_function(course, spec, cases, refs, runs)}
    assert items["dWh"].status == "failed" and items["dWh"].score == 0
    assert all(items[k].status == "passed" for k in ("dx", "dh0", "dWx", "db"))


def test_item_fails_if_only_the_last_case_is_wrong(course):
    spec, cases, refs = _setup(course, "rnn_forward")
    runs = _runs(refs, lambda i, o: o.__setitem__("h", o["h"] + (1.0 if i == len(refs) - 1 else 0.0)))
    (item,) = score_function(course, spec, cases, refs, runs)
    assert item.status == "failed" and item.case == len(refs)
    message = item.to_json("en")["message"]
    assert f"case {len(refs)}" in message and "N=" in message


def test_korean_message(course):
    spec, cases, refs = _setup(course, "rnn_forward")
    runs = _runs(refs, lambda i, o: o.__setitem__("h", -o["h"]))
    (item,) = score_function(course, spec, cases, refs, runs)
    assert "상대 오차" in item.to_json("ko")["message"]


def test_not_implemented_and_missing_statuses(course):
    spec, cases, refs = _setup(course, "rnn_forward")
    stub = [CaseRun(error_kind="not-implemented", failed_function="rnn_forward")] * len(cases)
    (item,) = score_function(course, spec, cases, refs, stub)
    assert item.status == "error" and "not implemented" in item.to_json("en")["message"]
    gone = [CaseRun(error_kind="missing", failed_function="rnn_forward")] * len(cases)
    (item,) = score_function(course, spec, cases, refs, gone)
    assert item.status == "missing"


def test_backward_blames_the_failing_forward(course):
    spec, cases, refs = _setup(course, "rnn_backward")
    runs = [CaseRun(error_kind="exception", error_detail="ValueError: boom", failed_function="rnn_forward")] * 3
    items = score_function(course, spec, cases, refs, runs)
    assert all(i.status == "error" for i in items)
    assert "rnn_forward" in items[0].to_json("en")["message"] and "boom" in items[0].to_json("en")["message"]


def test_whole_function_failure(course):
    spec, cases, refs = _setup(course, "lstm_backward")
    failure = FunctionFailure("timeout", "status.timeout", {"function": spec.name, "seconds": 5})
    items = score_function(course, spec, cases, refs, failure)
    assert {i.status for i in items} == {"timeout"} and sum(i.score for i in items) == 0
    assert "5 s" in items[0].to_json("en")["message"]


def test_mutation_is_reported_and_penalised_per_course(course):
    import dataclasses
    spec, cases, refs = _setup(course, "rnn_forward")
    runs = _runs(refs)
    runs[0].mutated = ("x",)
    (item,) = score_function(course, spec, cases, refs, runs)
    assert item.score == item.item.points  # default penalty is none
    assert "changes its input(s) x in place" in item.to_json("en")["message"]
    strict = dataclasses.replace(course, mutation_penalty=0.5)
    (item,) = score_function(strict, spec, cases, refs, runs)
    assert item.score == item.item.points * 0.5
