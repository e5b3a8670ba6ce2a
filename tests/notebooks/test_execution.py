"""Every notebook runs top to bottom: solutions pass every check, exercises stop only at stubs, and a
grade cell shows the printed verdicts but no echo of its value (the CheckResult stays in ``Out``)."""
from __future__ import annotations

import pytest

from .nbtools import (check_results, course, errors, execute, exercise_of, is_locked, is_setup, is_solution,
                      notebook_id, solution_notebooks)

SOLUTIONS = solution_notebooks()
MAX_SECONDS = 60  # docs/NOTEBOOKS.md asks for < ~20 s; this leaves room for a slow CI machine


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
        assert result["shown"] == [], f"{name}: the grade cell echoes its value: {result['shown']}"
    assert seconds < MAX_SECONDS, f"{notebook_id(path)} took {seconds:.0f} s"


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
