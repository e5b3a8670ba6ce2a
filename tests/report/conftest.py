"""A synthetic graded class, written through results.write_result like `autograder grade` does
(diagnosed items get their explanation and hint at write time, through the pipeline's own step)."""
from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import numpy as np
import pytest

from autograder.cli import report
from autograder.student.compare import time_profile
from autograder.grading import diagnose
from autograder.grading.results import write_result

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = "<script>alert('x')</script>"
EVIL_STUDENT = "s9<img src=x onerror=alert(1)>&'\""  # a folder name may hold anything but '/'


@pytest.fixture(scope="session")
def shipped_course(course):
    return course  # tests/conftest.py


@pytest.fixture
def course_en(shipped_course):
    return dataclasses.replace(shipped_course, language="en")


@pytest.fixture
def course_ko(shipped_course):
    return dataclasses.replace(shipped_course, language="ko")


def _items(course, assignment, outcome):
    """Every item of ``assignment``; ``outcome`` maps item id -> overrides (status passed by default)."""
    items = []
    for spec in course.functions_of(assignment):
        for item in spec.items:
            entry = {"id": item.id, "function": spec.name, "output": item.output, "score": item.points,
                     "max_score": item.points, "status": "passed", "message": "correct on all 3 cases",
                     "diagnosis": None, "error": 1e-9, "case": None, "profile": None}
            if item.id in outcome:
                entry.update(outcome[item.id])
                if entry["status"] != "passed":
                    entry["score"] = 0.0
            items.append(entry)
    return items


def explained(item: dict, language: str) -> dict:
    """The item with its diagnosis' explanation and hint, as the grader writes them (steps.ExplainStep)."""
    entry = diagnose.explain(item["diagnosis"], language, item.get("diagnosis_params"), course=ROOT) if item.get("diagnosis") else None
    if entry:
        item["explanation"], item["hint"] = entry["explanation"], entry.get("hint") or ""
    return item


def _write(out, course, student, assignment, outcome, errors=()):
    items = [explained(item, course.language) for item in _items(course, assignment, outcome)]
    result = {"student": student, "assignment": assignment,
              "score": float(sum(i["score"] for i in items)), "max_score": course.max_score(assignment),
              "items": items, "errors": list(errors), "fingerprint": "f"}
    write_result(out, result, "# feedback")
    return result


def bptt_profile():
    """A gradient that is right only at the last step: not carried back through time."""
    rng = np.random.default_rng(0)
    reference = rng.normal(size=(3, 5, 4)) * (0.5 ** np.arange(5)[::-1])[None, :, None]
    student = reference.copy()
    student[:, :-1] = 0.0
    student[:, -2] = reference[:, -2] * 0.3
    return time_profile(student, reference)


def build_class(out, c):
    """3 students on rnn, 2 on gru.  rnn_backward.dWh: passed by s1 only (1/3);
    rnn_forward.h: passed by s1, s2 (2/3); diagnosis 'bptt-no-carry' x3, 'transposed-wh' x1."""
    fail = lambda diag=None, **kw: {"status": "failed", "message": "relative error 0.9 on case 2",
                                    "diagnosis": diag, **kw}
    _write(out, c, "s1", "rnn", {})
    _write(out, c, "s2", "rnn", {
        "rnn_backward.dWh": fail("bptt-no-carry"),
        "rnn_backward.dx": fail("bptt-no-carry", profile=bptt_profile()),  # (N, T, D): has a profile
        "rnn_backward.dWx": fail(),
    })
    _write(out, c, EVIL_STUDENT, "rnn", {
        "rnn_forward.h": {"status": "error", "message": f"`rnn_forward` raised an error: {SCRIPT}"},
        "rnn_backward.dWh": fail("bptt-no-carry"),
        "rnn_step_backward.dWh": fail("transposed-wh"),
    }, errors=[f"notebook problem {SCRIPT}"])
    _write(out, c, "s1", "gru", {"gru_backward.dh0": {"status": "timeout", "message": "did not finish"}})
    _write(out, c, "s2", "gru", {})
    return out


@pytest.fixture
def graded_class(tmp_path, shipped_course):
    return build_class(tmp_path / "results", shipped_course)


@pytest.fixture(scope="module")
def english_report(tmp_path_factory, shipped_course):
    """The class graded and reported once in English (diagnose catalogue absent), shared by read-only tests."""
    course = dataclasses.replace(shipped_course, language="en")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("autograder.grading.diagnose.explain", lambda *args, **kwargs: None)
        results = build_class(tmp_path_factory.mktemp("class") / "results", course)
        assert run_report(results, course) == 0
    return results


def run_report(results, course, out=None) -> int:
    parser = argparse.ArgumentParser()
    report.add_arguments(parser)
    argv = [str(results)] + (["--out", str(out)] if out else [])
    return report.run(parser.parse_args(argv), course)
