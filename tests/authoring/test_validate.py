"""`autograder validate` passes on the shipped course and names each kind of broken course."""
import shutil
from pathlib import Path

import nbformat
import pytest
import yaml

from autograder.cli import main
from autograder.grading.course import load_course
from autograder.authoring.validation import validate

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.sandbox


def _copy(tmp_path, edit_course=None) -> Path:
    for name in ("course.yaml", "nbgrader_config.py"):
        shutil.copy2(ROOT / name, tmp_path / name)
    for folder in ("solutions", "exercises"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    if edit_course:
        data = yaml.safe_load((tmp_path / "course.yaml").read_text(encoding="utf-8"))
        edit_course(data)
        (tmp_path / "course.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                                             encoding="utf-8")
    return tmp_path / "course.yaml"


def _edit_cell(path: Path, grade_id: str, old: str, new: str) -> None:
    nb = nbformat.read(str(path), as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    assert old in cell.source
    cell.source = cell.source.replace(old, new)
    nbformat.write(nb, str(path))


@pytest.mark.slow
def test_shipped_course_is_valid(capsys):
    assert main(["--course", str(ROOT / "course.yaml"), "validate"]) == 0
    out = capsys.readouterr().out
    assert "FAIL" not in out and out.count("ok  ") == 7 and "the course is valid" in out


@pytest.mark.slow
def test_a_wrong_solution_is_named(tmp_path):
    course_file = _copy(tmp_path)
    _edit_cell(tmp_path / "solutions/rnn/rnn.ipynb", "rnn_forward", "h[:, t] = prev_h", "h[:, t] = 2 * prev_h")
    problems = validate(load_course(course_file), ["rnn"], isolate=True, say=lambda line: None)
    assert any(p.startswith("solutions/rnn: rnn_forward.h failed") for p in problems)
    assert not any("stub" in p for p in problems)


@pytest.mark.slow
def test_a_lenient_rubric_lets_mistakes_escape_and_is_named(tmp_path):
    course_file = _copy(tmp_path, lambda d: d["grading"].__setitem__("tolerance", 1.0))
    problems = validate(load_course(course_file), ["rnn"], isolate=True, say=lambda line: None)
    escapes = [p for p in problems if p.startswith("mistake ")]
    assert any("'bptt-overwrite-accumulator' still passes rnn_backward.dWh" in p for p in escapes)


@pytest.mark.slow
def test_stale_exercises_and_leaks_are_named(tmp_path):
    course_file = _copy(tmp_path)
    shutil.copy2(tmp_path / "solutions/gru/gru.ipynb", tmp_path / "exercises/gru/gru.ipynb")
    problems = validate(load_course(course_file), ["gru"], isolate=True, say=lambda line: None)
    assert "exercises/gru/gru.ipynb is stale: run `autograder release gru`" in problems
    assert any(p.startswith("exercises/gru/gru.ipynb contains a solution line:") for p in problems)
    assert any(p.startswith("exercises/gru: the stub earns") for p in problems)


def test_invalid_course_file_exits_2(tmp_path, capsys):
    course_file = _copy(tmp_path, lambda d: d["grading"].__setitem__("cases", "three"))
    assert main(["--course", str(course_file), "validate"]) == 2
    assert "grading.cases" in capsys.readouterr().err
