"""`autograder new-function`: the stubs it writes, filled in, make a course that validates."""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from autograder.cli import main
from autograder.engine.conventions import check_conventions
from autograder.engine.course import load_course

ROOT = Path(__file__).resolve().parents[2]


def copy_course(tmp_path: Path) -> Path:
    for name in ("course.yaml", "nbgrader_config.py"):
        shutil.copy2(ROOT / name, tmp_path / name)
    for folder in ("solutions", "exercises", "reference"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path / "course.yaml"


def scaffold_tanh(course_file: Path) -> None:
    assert main(["--course", str(course_file), "new-function", "tanh_forward", "--assignment", "rnn",
                 "--arg", "x=N,H", "--returns", "out=N,H", "--returns", "cache",
                 "--summary", "Elementwise tanh, the RNN's activation."]) == 0
    assert main(["--course", str(course_file), "new-function", "tanh_backward", "--assignment", "rnn",
                 "--through", "tanh_forward", "--returns", "dx=N,H", "--points", "dx=2"]) == 0


def fill_in(root: Path) -> None:
    """What the instructor writes into the stubs."""
    added = root / "reference/added.py"
    text = added.read_text()
    text = text.replace('    raise NotImplementedError("reference tanh_forward: write it here, then run `autograder validate`")',
                        "    out = np.tanh(x)\n    return out, out")
    text = text.replace('    raise NotImplementedError("reference tanh_backward: write it here, then run `autograder validate`")',
                        "    return dout * (1.0 - cache ** 2)")
    added.write_text(text)
    path = root / "solutions/rnn/rnn.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    for cell in nb.cells:
        if cell.get("id") == "tanh-forward":
            cell.source = cell.source.replace('raise NotImplementedError("solution of tanh_forward: compute out, cache here")',
                                              "out = np.tanh(x)\n    return out, out")
        elif cell.get("id") == "tanh-backward":
            cell.source = cell.source.replace('raise NotImplementedError("solution of tanh_backward: compute dx here")',
                                              "return dout * (1.0 - cache ** 2)")
    nbformat.write(nb, str(path))


def test_scaffold_writes_entry_reference_stub_and_cells(tmp_path, capsys):
    course_file = copy_course(tmp_path)
    before = course_file.read_text()
    scaffold_tanh(course_file)
    out = capsys.readouterr().out
    assert "wrote course.yaml\nwrote reference/added.py\nwrote reference/__init__.py\nwrote solutions/rnn/rnn.ipynb" in out
    after = course_file.read_text()
    entry = ("  tanh_forward:\n    assignment: rnn\n    description: \"Elementwise tanh, the RNN's activation.\"\n"
             "    inputs:\n      x: {shape: [N, H]}\n    returns: [out, cache]\n    points: {out: 1}\n"
             "  tanh_backward:\n    assignment: rnn\n    through: tanh_forward\n    inputs:\n      dout: {like: out}\n"
             "      cache: {from: cache}\n    returns: [dx]\n    points: {dx: 2}\n")
    # an insertion after the assignment's last function, nothing else: every comment stays
    last = "    points: {ppl: 1}\n"  # perplexity, the last function of rnn
    assert after == before.replace(last, last + entry, 1)
    course = load_course(course_file)
    assert course.assignments["rnn"].functions[-2:] == ("tanh_forward", "tanh_backward")

    stub = (tmp_path / "reference/added.py").read_text()
    assert ('def tanh_backward(dout, cache):\n    """\n    TODO: one line on what tanh_backward computes.\n\n'
            "    Inputs:\n    - dout: Upstream gradient, shaped like the out of tanh_forward\n"
            "    - cache: Cache object from your tanh_forward\n\n    Returns:\n"
            "    - dx: Gradient with respect to x, of shape (N, H)\n    \"\"\"\n") in stub

    nb = nbformat.read(str(tmp_path / "solutions/rnn/rnn.ipynb"), as_version=4)
    ids = [c.get("id") for c in nb.cells]
    start = ids.index("check-perplexity") + 1  # after the last grade cell of rnn
    assert ids[start:start + 6] == ["md-tanh-forward", "tanh-forward", "check-tanh-forward",
                                    "md-tanh-backward", "tanh-backward", "check-tanh-backward"]
    grade = nb.cells[start + 5]
    assert grade.source == 'check("tanh_backward")' and grade.metadata["nbgrader"]["points"] == 2
    assert grade.metadata["nbgrader"]["locked"] and grade.metadata["nbgrader"]["grade"]
    solution = nb.cells[start + 4]
    assert solution.metadata["nbgrader"] == {"grade": False, "grade_id": "tanh_backward", "locked": False,
                                             "schema_version": 3, "solution": True, "task": False}
    assert "    ### BEGIN SOLUTION\n" in solution.source and "Inputs:" in solution.source

    # until the stubs are written, validate names them (and nothing else about the new function)
    problems = [str(p) for p in check_conventions(course, ["rnn"]).problems]
    assert problems[0] == ("reference/added.py: tanh_forward: the reference is still a stub (raises "
                           "NotImplementedError); fix: implement it: the grader compares every student with it")
    assert len(problems) == 2 and problems[1].startswith("reference/added.py: tanh_backward: ")


def _files(root):
    """Every file of the course copy, but the validation cache (a cache, not the course)."""
    return {p: p.read_bytes() for p in root.rglob("*") if p.is_file() and ".rnnlab-cache" not in p.parts}


@pytest.mark.parametrize("argv, message", [
    (["rnn_forward", "--assignment", "rnn"], "rnn_forward is already in course.yaml"),
    (["tanh", "--assignment", "rnnn"], "unknown assignment 'rnnn'"),
    (["tanh", "--assignment", "rnn", "--through", "nope"], "--through nope: not a graded function"),
    (["tanh", "--assignment", "rnn", "--arg", "x=N,Q"], "size 'Q' is not defined"),
    (["tanh", "--assignment", "rnn", "--points", "out=x"], "write OUTPUT=POINTS"),
    (["2tanh", "--assignment", "rnn"], "is not a Python function name"),
])
def test_bad_requests_change_nothing(tmp_path, capsys, argv, message):
    course_file = copy_course(tmp_path)
    before = _files(tmp_path)
    assert main(["--course", str(course_file), "new-function", *argv]) == 2
    assert message in capsys.readouterr().err
    assert _files(tmp_path) == before


@pytest.mark.sandbox
def test_filled_in_scaffold_validates(tmp_path, capsys):
    course_file = copy_course(tmp_path)
    scaffold_tanh(course_file)
    fill_in(tmp_path)
    assert main(["--course", str(course_file), "release", "rnn"]) == 0
    assert (tmp_path / "exercises/rnn/rnn.ipynb").read_text().count('check(\\"tanh_backward\\")') == 1
    capsys.readouterr()
    assert main(["--course", str(course_file), "validate", "--assignment", "rnn"]) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    assert "FAIL" not in out and "rnn 34/34" in out and "the course is valid" in out
