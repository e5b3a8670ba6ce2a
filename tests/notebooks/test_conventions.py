"""Static checks of every solutions notebook against docs/NOTEBOOKS.md and course.yaml (no kernel)."""
from __future__ import annotations

import ast
import copy
import re

import nbformat
import pytest
from nbgrader.nbgraderformat import MetadataValidator

from .nbtools import (ROOT, SOLUTION_REGION, code_of, course, exercise_of, imported_modules, is_grade,
                      is_locked, is_setup, is_solution, meta, notebook_id, read, solution_notebooks,
                      stdlib_or_numpy)

SOLUTIONS = solution_notebooks()
HANGUL = re.compile(r"[\uac00-\ud7a3]")
PREVIOUS_WORK = "previous_work"


def test_there_are_solution_notebooks():
    assert SOLUTIONS, "course.yaml has no assignments"
    missing = [notebook_id(p) for p in SOLUTIONS if not p.is_file()]
    assert not missing, f"course.yaml names notebooks that do not exist: {missing}"


def test_no_notebook_outside_course_yaml():
    found = sorted(p for p in (ROOT / "solutions").glob("*/*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    assert found == sorted(SOLUTIONS), "a solutions notebook that course.yaml does not name is never graded"


@pytest.fixture(params=SOLUTIONS, ids=notebook_id)
def solution(request):
    return request.param


def _assignment(path):
    aid = path.parent.name
    assert aid in course().assignments, f"{notebook_id(path)}: '{aid}' is not an assignment in course.yaml"
    return course().assignments[aid]


def _defs(source: str) -> dict[str, ast.FunctionDef]:
    return {node.name: node for node in ast.parse(code_of(source)).body if isinstance(node, ast.FunctionDef)}


def test_notebook_is_the_assignments_notebook(solution):
    assert solution.name == _assignment(solution).notebook


def test_valid_nbformat_4_with_python3_kernel(solution):
    nb = read(solution)
    nbformat.validate(nb)
    assert nb.nbformat == 4
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"
    assert nb.metadata.get("kernelspec", {}).get("language") == "python"


@pytest.mark.parametrize("which", ["solutions", "exercises"])
def test_nbgrader_metadata_is_valid(solution, which):
    path = solution if which == "solutions" else exercise_of(solution)
    assert path.is_file(), f"{path.relative_to(ROOT)} is missing: run `autograder release {solution.parent.name}`"
    nb = read(path)
    MetadataValidator().validate_nb(copy.deepcopy(nb))  # raises nbgrader's ValidationError
    for cell in nb.cells:
        m = meta(cell)
        if m:
            assert m.get("schema_version") == 3, cell.get("id")
            assert m.get("task") is False, cell.get("id")


def test_opens_with_korean_markdown_and_grading_note(solution):
    nb = read(solution)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and HANGUL.search(first.source), "the first cell is the Korean introduction"
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "$" in markdown, "formulas in LaTeX"
    # the notebook tells students, in both languages, that only solution cells are graded
    assert "솔루션 셀" in markdown and "solution cell" in markdown


def test_one_locked_setup_cell_with_numpy_and_stdlib_only(solution):
    nb = read(solution)
    setup = [c for c in nb.cells if is_setup(c)]
    assert len(setup) == 1, "exactly one code cell tagged grader-setup"
    cell = setup[0]
    assert is_locked(cell) and not is_solution(cell) and not is_grade(cell)
    assert "import numpy as np" in cell.source
    bad = sorted(m for m in imported_modules(cell.source) if not stdlib_or_numpy(m))
    assert not bad, f"the grader-setup cell runs in the sandbox (numpy + stdlib only): {bad}"
    first_solution = next(i for i, c in enumerate(nb.cells) if is_solution(c))
    assert nb.cells.index(cell) < first_solution, "the setup cell comes before every solution cell"
    exec(compile(code_of(cell.source), "setup", "exec"), {})  # runs on its own


def test_notebook_only_imports_in_a_locked_cell(solution):
    nb = read(solution)
    cells = [c for c in nb.cells if c.cell_type == "code" and "from autograder.selfcheck import check" in c.source]
    assert len(cells) == 1, "one locked cell imports check (and matplotlib, ...)"
    assert is_locked(cells[0]) and not is_setup(cells[0]) and not is_solution(cells[0])


def test_solution_cells(solution):
    nb = read(solution)
    seen = set()
    for cell in filter(is_solution, nb.cells):
        m, name = meta(cell), meta(cell).get("grade_id", "")
        assert m.get("grade") is False and m.get("locked") is False, name
        assert name.isidentifier() and name not in seen, f"grade_id {name!r} must be a unique function name"
        seen.add(name)
        defs = _defs(cell.source)
        if name == PREVIOUS_WORK:
            # students paste their own functions from earlier notebooks here (ungraded, no grade cell)
            for region in SOLUTION_REGION.finditer(cell.source):
                assert region.group("indent"), f"{name}: BEGIN SOLUTION must be inside a function body"
            assert f"check_{name}" not in {meta(c).get("grade_id") for c in nb.cells}
            continue
        assert name in defs, f"solution cell {name!r} must define `def {name}(...)`"
        for extra in set(defs) - {name}:
            assert extra.startswith("_"), f"{name}: helper {extra!r} in a solution cell must start with '_'"
        doc = ast.get_docstring(defs[name]) or ""
        assert "Inputs" in doc and "Returns" in doc, f"{name}: CS231n-style docstring (Inputs/Returns)"
        regions = list(SOLUTION_REGION.finditer(cell.source))
        assert regions, f"{name}: no ### BEGIN SOLUTION ... ### END SOLUTION"
        assert cell.source.count("### BEGIN SOLUTION") == cell.source.count("### END SOLUTION") == len(regions)
        for region in regions:
            # the stub must stay inside a function body, or the exercise raises while loading
            assert region.group("indent"), f"{name}: BEGIN SOLUTION must be inside a function body"
        bad = sorted(m for m in imported_modules(cell.source) if not stdlib_or_numpy(m))
        assert not bad, f"{name}: solution code may import numpy and the standard library only: {bad}"


def test_graded_functions_have_solution_and_grade_cells(solution):
    assignment = _assignment(solution)
    nb = read(solution)
    solutions = {meta(c)["grade_id"]: i for i, c in enumerate(nb.cells) if is_solution(c)}
    grades = {meta(c)["grade_id"]: (i, c) for i, c in enumerate(nb.cells) if is_grade(c)}
    for spec in course().functions_of(assignment.id):
        name = spec.name
        assert name in solutions, f"{name}: no solution cell (grade_id {name!r})"
        defined = _defs(nb.cells[solutions[name]].source)[name]
        args = [a.arg for a in defined.args.args]
        assert args == list(spec.args), f"{name}: signature {args} != course.yaml inputs {list(spec.args)}"
        assert f"check_{name}" in grades, f"{name}: no grade cell (grade_id 'check_{name}')"
        index, cell = grades[f"check_{name}"]
        assert index > solutions[name], f"{name}: the grade cell comes after the solution cell"
        assert cell.source.strip() == f'check("{name}")'
        assert is_locked(cell) and not is_solution(cell)
    graded = {spec.name for spec in course().functions_of(assignment.id)}
    extra = sorted(g[len("check_"):] for g in grades if g[len("check_"):] not in graded)
    assert not extra, f"grade cells for functions that course.yaml does not grade in '{assignment.id}': {extra}"


def test_grade_cell_points_equal_course_points(solution):
    nb = read(solution)
    for cell in filter(is_grade, nb.cells):
        name = meta(cell)["grade_id"][len("check_"):]
        assert name in course().functions, f"{name} is not a graded function in course.yaml"
        assert float(meta(cell).get("points", -1)) == course().functions[name].max_score, name


def test_graded_code_only_in_solution_and_setup_cells(solution):
    """Graded functions are defined once, in their solution cell (the grader sees nothing else)."""
    nb = read(solution)
    graded = {spec.name for spec in course().functions_of(solution.parent.name)}
    for cell in nb.cells:
        if cell.cell_type == "code" and not is_solution(cell):
            redefined = graded & set(_defs(cell.source))
            assert not redefined, f"cell {cell.get('id')} redefines {sorted(redefined)} outside a solution cell"
