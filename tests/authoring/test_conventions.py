"""`autograder validate` names each authoring slip — file, cell, function, fix — never a traceback.

Every test plants one slip in a temporary copy of the course (course.yaml is edited as text,
so its comments and layout stay as an instructor's editor would leave them)."""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

from autograder.cli import main
from autograder.authoring.conventions import check_conventions
from autograder.grading.course import load_course

ROOT = Path(__file__).resolve().parents[2]


def copy_course(tmp_path: Path, with_reference: bool = False) -> Path:
    for name in ("course.yaml", "nbgrader_config.py"):
        shutil.copy2(ROOT / name, tmp_path / name)
    folders = ("solutions", "exercises") + (("reference",) if with_reference else ())
    for folder in folders:
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path / "course.yaml"


def edit_text(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def edit_cell(path: Path, grade_id: str, edit) -> None:
    nb = nbformat.read(str(path), as_version=4)
    edit(next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id))
    nbformat.write(nb, str(path))


def problems_of(course_file: Path, assignments=("rnn",)) -> list[str]:
    return [str(p) for p in check_conventions(load_course(course_file), assignments).problems]


def test_the_shipped_course_follows_its_conventions():
    course = load_course(ROOT / "course.yaml")
    findings = check_conventions(course, course.assignments)
    assert findings.problems == [] and findings.blocked == set()


def test_grade_cell_points_that_differ_from_course_yaml(tmp_path):
    course_file = copy_course(tmp_path)
    edit_cell(tmp_path / "solutions/rnn/rnn.ipynb", "check_rnn_forward",
              lambda c: c.metadata["nbgrader"].__setitem__("points", 3))
    assert problems_of(course_file) == [
        "solutions/rnn/rnn.ipynb, cell 17 (id check-rnn-forward): rnn_forward: the grade cell gives 3 points, "
        "course.yaml gives 2 (h 2); fix: set the cell's points to 2, or change course.yaml"]


def test_a_misspelled_check_call(tmp_path):
    course_file = copy_course(tmp_path)
    edit_cell(tmp_path / "solutions/rnn/rnn.ipynb", "check_rnn_step_backward",
              lambda c: setattr(c, "source", 'check("rnn_step_backwrd")'))
    problems = problems_of(course_file)
    assert ('solutions/rnn/rnn.ipynb, cell 12 (id check-rnn-step-backward): rnn_step_backwrd: '
            'check("rnn_step_backwrd") is not a graded function in course.yaml; '
            'fix: did you mean check("rnn_step_backward")?') in problems
    assert any("rnn_step_backward: the grade cell's source is 'check(\"rnn_step_backwrd\")'" in p for p in problems)


def test_a_check_of_another_assignments_function(tmp_path):
    course_file = copy_course(tmp_path)
    edit_cell(tmp_path / "solutions/rnn/rnn.ipynb", "rnn_forward",
              lambda c: setattr(c, "source", c.source + '\n\ncheck("lstm_forward")\n'))
    assert any("rnn_forward" not in p.split(":")[1] and 'check("lstm_forward") is graded in \'lstm\', not \'rnn\''
               in p for p in problems_of(course_file))


def test_a_check_in_a_comment_is_not_a_call(tmp_path):
    """The notebooks' import cell shows `check("함수 이름")` in a comment: an example, not a call."""
    course_file = copy_course(tmp_path)
    edit_cell(tmp_path / "solutions/rnn/rnn.ipynb", "rnn_forward",
              lambda c: setattr(c, "source", c.source + '\n\n# e.g. check("no_such_function")\n'))
    assert not any("no_such_function" in p for p in problems_of(course_file))


def test_an_argument_renamed_in_course_yaml_but_not_in_the_notebook(tmp_path):
    course_file = copy_course(tmp_path)
    edit_text(course_file, "      b: {shape: [H], scale: 0.5}\n    returns: [next_h, cache]",
              "      bias: {shape: [H], scale: 0.5}\n    returns: [next_h, cache]")
    problems = problems_of(course_file)
    assert ("solutions/rnn/rnn.ipynb, cell 8 (id rnn-step-forward): rnn_step_forward: the notebook defines "
            "rnn_step_forward(x, prev_h, Wx, Wh, b), course.yaml's inputs are (x, prev_h, Wx, Wh, bias); "
            "fix: use course.yaml's argument names and order in the def (the grader passes them in that order), "
            "or rename the inputs in course.yaml") in problems
    assert any(p.startswith("reference/rnn.py: rnn_step_forward: the reference is rnn_step_forward(x, prev_h, Wx, "
                            "Wh, b)") for p in problems)


NEW_FUNCTION = """  tanh_backward:
    assignment: rnn
    inputs:
      dout: {shape: [N, H]}
      out: {shape: [N, H], uniform: [-0.9, 0.9]}
    returns: [dx]
    points: {dx: 1}
  # ------------------------------------------------------------ gradients"""


def test_a_graded_function_without_a_reference_is_named_not_a_traceback(tmp_path, capsys):
    course_file = copy_course(tmp_path)
    edit_text(course_file, "  # ------------------------------------------------------------ gradients", NEW_FUNCTION)
    assert main(["--course", str(course_file), "validate", "--assignment", "rnn"]) == 1
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "ProgramError" not in out + err
    assert ("reference/: tanh_backward: no reference implementation: the grader has nothing to compare with; "
            "fix: write `def tanh_backward(dout, out)` in a reference/ module and export it from "
            "reference/__init__.py (`autograder new-function tanh_backward --assignment rnn` writes a stub)") in out
    assert "solutions/rnn/rnn.ipynb: tanh_backward: no solution cell defines it" in out
    assert "solutions/rnn/rnn.ipynb: tanh_backward: no grade cell check_tanh_backward" in out
    assert "skip grading rnn: its reference is missing or broken" in out
    # release says the same instead of crashing
    assert main(["--course", str(course_file), "release", "rnn"]) == 2
    err = capsys.readouterr().err
    assert "tanh_backward: no reference implementation" in err and "Traceback" not in err


def test_a_grade_cell_for_a_function_course_yaml_does_not_grade(tmp_path):
    course_file = copy_course(tmp_path)
    edit_cell(tmp_path / "solutions/rnn/rnn.ipynb", "check_rnn_forward", lambda c: (
        c.metadata["nbgrader"].__setitem__("grade_id", "check_rnn_forwrd"), setattr(c, "source", 'check("rnn_forwrd")')))
    problems = problems_of(course_file)
    assert any("rnn_forwrd: a grade cell for a function course.yaml does not grade in 'rnn'" in p for p in problems)
    assert "solutions/rnn/rnn.ipynb: rnn_forward: no grade cell check_rnn_forward; fix: add a locked grade cell, " \
           "grade_id check_rnn_forward, points 2, source check(\"rnn_forward\")" in problems


def test_catalogued_mistakes_only_for_functions_that_exist(tmp_path):
    course_file = copy_course(tmp_path, with_reference=True)
    with open(tmp_path / "reference/mutants.py", "a", encoding="utf-8") as handle:
        handle.write('\nimport dataclasses as _dc\nCATALOGUE = CATALOGUE + (\n'
                     '    _dc.replace(CATALOGUE[0], id="planted-typo", functions={"rnn_step_forwad": _rnn.rnn_step_forward},\n'
                     '                targets=("rnn_step_forwad.next_h",)),\n'
                     '    _dc.replace(CATALOGUE[0], id="planted-output", functions={"rnn_forward": _rnn.rnn_forward},\n'
                     '                targets=("rnn_forward.hidden",)),\n)\n')
    problems = problems_of(course_file)
    assert ("reference/mutants.py: rnn_step_forwad: mistake 'planted-typo' replaces rnn_step_forwad, which the "
            "reference does not define; fix: correct the name or remove the mistake") in problems
    assert ("reference/mutants.py: rnn_step_forwad: mistake 'planted-typo' targets rnn_step_forwad.next_h, but no "
            "function rnn_step_forwad exists; fix: correct the target or remove it") in problems
    assert ("reference/mutants.py: rnn_forward: mistake 'planted-output' targets rnn_forward.hidden, which is not a "
            "graded output; fix: use one of: rnn_forward.h") in problems


def test_a_reference_stub_and_a_reference_that_does_not_import(tmp_path):
    course_file = copy_course(tmp_path, with_reference=True)
    edit_text(tmp_path / "reference/rnn.py", "def rnn_step_forward(x, prev_h, Wx, Wh, b):\n",
              "def rnn_step_forward(x, prev_h, Wx, Wh, b):\n    raise NotImplementedError\n")
    problems = problems_of(course_file)
    assert ("reference/rnn.py: rnn_step_forward: the reference is still a stub (raises NotImplementedError); "
            "fix: implement it: the grader compares every student with it") in problems
    edit_text(tmp_path / "reference/rnn.py", "    raise NotImplementedError\n", "    raise NotImplementedError(\n")
    findings = check_conventions(load_course(course_file), ["rnn"])
    assert findings.blocked == {"rnn"}
    assert str(findings.problems[-1]).startswith("reference/__init__.py: the reference does not import (SyntaxError")


def test_grade_without_a_reference_is_a_sentence(tmp_path, capsys):
    course_file = copy_course(tmp_path)
    edit_text(course_file, "  # ------------------------------------------------------------ gradients", NEW_FUNCTION)
    (tmp_path / "submitted/s01/rnn").mkdir(parents=True)
    shutil.copy2(tmp_path / "solutions/rnn/rnn.ipynb", tmp_path / "submitted/s01/rnn/rnn.ipynb")
    assert main(["--course", str(course_file), "grade", str(tmp_path / "submitted"), "--out", str(tmp_path / "r"),
                 "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "cannot grade" in err and "tanh_backward: no reference implementation" in err and "Traceback" not in err


def test_a_catalogue_that_does_not_load_is_named(tmp_path):
    course_file = copy_course(tmp_path, with_reference=True)
    with open(tmp_path / "reference/mutants.py", "a", encoding="utf-8") as handle:
        handle.write("\nCATALOGUE = CATALOGUE + (_m('broken'),)\n")
    problems = problems_of(course_file)
    assert len(problems) == 1 and problems[0].startswith(
        "reference/mutants.py: the catalogue of mistakes does not load (TypeError: ")
