"""The kept grading plan (grading/plancache.py): read back, it is the plan that was computed, value for
value and type for type; it is private to the grader's user; anything else is computed again."""
from __future__ import annotations

import stat

import numpy as np
import pytest

from autograder.grading import pipeline, plancache
from autograder.grading.course import load_course

SECRET = b"test-plan-cache"
ASSIGNMENTS = ["rnn", "training"]  # the largest plan (its large cases) and one with scalars in its programs


@pytest.fixture(scope="module")
def course():
    from pathlib import Path

    return load_course(Path(__file__).resolve().parents[2] / "course.yaml")


@pytest.fixture
def kept_in(tmp_path, monkeypatch):
    folder = tmp_path / "plans"
    monkeypatch.setattr(plancache, "FOLDER", folder)  # absolute: root / FOLDER is FOLDER
    return folder


def _same(a, b, where="") -> None:
    assert type(a) is type(b), where
    if isinstance(a, dict):
        assert list(a) == list(b), where
        for key in a:
            _same(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{where}[{i}]")
    elif isinstance(a, np.ndarray):
        assert (a.dtype, a.shape, a.tobytes()) == (b.dtype, b.shape, b.tobytes()), where
        assert b.flags.writeable and b.flags.c_contiguous, where
    else:
        assert a == b or (a != a and b != b), where


def _same_plan(computed: pipeline.GradingPlan, read: pipeline.GradingPlan) -> None:
    assert list(computed.expected) == list(read.expected)
    for name, expected in computed.expected.items():
        other = read.expected[name]
        assert [(c.function, c.index) for c in expected.cases] == [(c.function, c.index) for c in other.cases]
        for a, b in zip(expected.cases, other.cases):
            _same(a.dims, b.dims, f"{name} dims")
            _same(a.program, b.program, f"{name} program")
        _same(expected.outputs, other.outputs, f"{name} outputs")
        assert [c.describe() for c in expected.cases] == [c.describe() for c in other.cases]


def test_a_kept_plan_is_the_computed_plan(course, kept_in, monkeypatch):
    computed = pipeline.GradingPlan(course, SECRET, ASSIGNMENTS, keep=True)
    files = sorted(kept_in.iterdir())
    assert [f.name.split("-")[0] for f in files] == sorted(ASSIGNMENTS)
    monkeypatch.setattr(pipeline, "build_cases", lambda *a, **k: pytest.fail("cases drawn again"))
    read = pipeline.GradingPlan(course, SECRET, ASSIGNMENTS, keep=True)
    _same_plan(computed, read)
    # what the sandbox is sent is the same bytes
    for name in computed.programs:
        assert computed.programs[name].frame() == read.programs[name].frame()


def test_the_kept_plan_is_private_to_the_grader(course, kept_in):
    pipeline.GradingPlan(course, SECRET, ["training"], keep=True)
    assert stat.S_IMODE(kept_in.stat().st_mode) == 0o700
    for path in kept_in.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_another_secret_or_a_damaged_file_computes_the_plan_again(course, kept_in):
    first = pipeline.GradingPlan(course, SECRET, ["training"], keep=True)
    (path,) = kept_in.iterdir()
    other = pipeline.GradingPlan(course, SECRET + b"2", ["training"], keep=True)
    assert path.exists() is False and len(list(kept_in.iterdir())) == 1  # the older rubric's plan is gone
    assert any(first.programs[name].frame() != other.programs[name].frame() for name in first.programs)
    (path,) = kept_in.iterdir()
    data = bytearray(path.read_bytes())
    data[20:28] = b"\xff" * 8  # inside the header
    path.write_bytes(bytes(data))
    assert plancache.load(path, list(other.expected)) is None
    again = pipeline.GradingPlan(course, SECRET + b"2", ["training"], keep=True)
    _same_plan(other, again)
    assert plancache.load(path, list(other.expected)) is not None  # written anew


def test_a_value_the_format_cannot_keep_exactly_is_not_kept(tmp_path):
    from autograder.grading.cases import Case

    path = tmp_path / "x-1.plan"
    plancache.keep(path, {"f": ([Case("f", 0, {"N": 2}, {"steps": [{"args": [np.float64(1.5)]}]})], [{}])})
    assert not path.exists()  # a numpy scalar would come back as a 0-d array
    plancache.keep(path, {"f": ([Case("f", 0, {"N": 2}, {"steps": [{"args": [1.5, 2, True, None, (1, "a"),
                                                                              float("nan"), np.eye(2)]}]})],
                                [{"y": np.arange(3)}])})
    (case,), outputs = plancache.load(path, ["f"])["f"]
    _same(case.program, {"steps": [{"args": [1.5, 2, True, None, (1, "a"), float("nan"), np.eye(2)]}]})
    _same(outputs, [{"y": np.arange(3)}])
    assert plancache.load(path, ["g"]) is None  # another assignment's functions


def test_the_key_names_what_the_reference_outputs_depend_on(monkeypatch, tmp_path):
    one = plancache.path_of(tmp_path, "rubric", "rnn")
    assert plancache.path_of(tmp_path, "rubric", "rnn") == one
    assert plancache.path_of(tmp_path, "rubric2", "rnn") != one
    assert plancache.path_of(tmp_path, "rubric", "lstm") != one
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    assert plancache.path_of(tmp_path, "rubric", "rnn") != one
