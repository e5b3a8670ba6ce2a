"""Every notebook runs top to bottom: solutions pass every check, exercises stop only at stubs, and a
grade cell shows the printed verdicts but no echo of its value (the CheckResult stays in ``Out``)."""
from __future__ import annotations

import pytest

from .nbtools import (check_results, course, errors, execute, exercise_of, is_locked, is_setup, is_solution,
                      notebook_id, solution_notebooks)

SOLUTIONS = solution_notebooks()
MAX_SECONDS = 60  # 3x the 20 s docs/NOTEBOOKS.md asks for: room for a slow CI machine


@pytest.mark.slow
@pytest.mark.parametrize("path", SOLUTIONS, ids=notebook_id)
def test_solution_notebook_runs_and_every_check_passes(path):
    notebook, seconds = execute(path, allow_errors=False)
    results = check_results(notebook)
    graded = [spec.name for spec in course().functions_of(path.parent.name)]
    for name in graded:
        assert name in results, f"{name}: no grade cell output"
        result = results[name]
        assert result["status"] == "passed" and result["passed"] == result["total"], \
            f"{name}: {result['status']}\n{result['text']}"
        assert "[FAIL]" not in result["text"] and "[ERROR]" not in result["text"], result["text"]
        assert "[WARNING]" not in result["text"], f"a false alarm in a real kernel:\n{result['text']}"
        assert result["shown"] == [], f"{name}: the grade cell echoes its value: {result['shown']}"
    assert seconds < MAX_SECONDS, f"{notebook_id(path)} took {seconds:.0f} s"


@pytest.mark.slow
@pytest.mark.parametrize("path", SOLUTIONS, ids=notebook_id)
def test_exercise_notebook_runs_on_stubs(path):
    exercise = exercise_of(path)
    assert exercise.is_file(), f"{exercise} is missing: run `autograder release {path.parent.name}`"
    notebook, _ = execute(exercise, allow_errors=True)
    for index, cell in enumerate(notebook.cells):
        for ename, evalue in errors(cell):
            where = f"cell {index} ({cell.get('id')})"
            assert ename == "NotImplementedError", f"{where} raised {ename}: {evalue}"
            # the stub raises only when called: defining it, or running provided code, never fails
            assert not (is_setup(cell) or is_solution(cell) or is_locked(cell)), f"{where} raised on its own"
    results = check_results(notebook)
    for spec in course().functions_of(path.parent.name):
        result = results.get(spec.name)
        assert result is not None, f"{spec.name}: no grade cell output"
        assert result["status"] == "not-implemented", f"{spec.name}: {result['status']}\n{result['text']}"
        assert "not implemented yet" in result["text"]
        assert result["shown"] == [], f"{spec.name}: the grade cell echoes its value: {result['shown']}"


def test_in_a_real_kernel_a_helper_outside_the_solution_cells_is_named():
    """ipykernel compiles each cell under its own file name and keeps ``In``: the warning works there."""
    import nbformat

    from .nbtools import read

    path = next(p for p in SOLUTIONS if p.parent.name == "rnn")
    notebook = read(path)
    index = next(i for i, c in enumerate(notebook.cells) if (c.metadata.get("nbgrader") or {}).get("grade_id") == "rnn_step_backward")
    notebook.cells[index].source = notebook.cells[index].source.replace(
        "da = dnext_h * (1.0 - next_h ** 2)", "da = dnext_h * tanh_grad(next_h)")
    assert "tanh_grad(next_h)" in notebook.cells[index].source
    notebook.cells.insert(index, nbformat.v4.new_code_cell("EPS = 0.0\ndef tanh_grad(h):\n    return 1.0 - h ** 2 + EPS\n"))
    notebook, _ = execute(path, allow_errors=False, notebook=notebook)
    results = check_results(notebook)
    assert results["rnn_step_backward"]["status"] == "passed"  # it works here: the grader would raise NameError
    text = results["rnn_step_backward"]["text"]
    assert "[WARNING] rnn_step_backward uses tanh_grad" in text and "solution cell" in text, text
    assert "[WARNING]" not in results["rnn_step_forward"]["text"] + results["rnn_backward"]["text"]


def test_nbgrader_validate_fails_on_stubs_and_passes_the_solution(tmp_path):
    """The real ``nbgrader validate`` (the Validate button): no more "Success" on untouched stubs."""
    import os
    import shutil
    import subprocess
    import sys

    from .nbtools import kernel_env

    env = {**kernel_env("en"), "PATH": os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])}
    outcomes = {}
    for label, source in (("exercise", exercise_of(SOLUTIONS[0])), ("solution", SOLUTIONS[0])):
        folder = tmp_path / label
        shutil.copytree(source.parent, folder)
        run = subprocess.run([sys.executable, "-m", "nbgrader", "validate", source.name], cwd=folder, env=env,
                             capture_output=True, text=True, timeout=300)
        outcomes[label] = run.stdout + run.stderr
    assert "VALIDATION FAILED" in outcomes["exercise"] and "AssertionError" in outcomes["exercise"], outcomes["exercise"]
    assert "not implemented yet" in outcomes["exercise"]
    assert "Success! Your notebook passes all the tests." in outcomes["solution"], outcomes["solution"]
