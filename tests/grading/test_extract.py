"""extract.py: only trusted setup cells and the student's solution cells run, in notebook order."""
import json

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder.grading import extract as ex


def _cell(source, grade_id=None, solution=False, locked=False, tags=()):
    cell = new_code_cell(source)
    if grade_id:
        cell.metadata["nbgrader"] = {"grade_id": grade_id, "solution": solution, "grade": False,
                                     "locked": locked, "schema_version": 3, "task": False}
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def _extract(template, path):
    return template.program(ex.read_notebook(path))


def _template(tmp_path):
    nb = new_notebook(cells=[
        new_markdown_cell("# intro"),
        _cell("import numpy as np\nSCALE = 2", "setup", locked=True, tags=[ex.SETUP_TAG]),
        _cell("from rnnlab_check import check\nimport matplotlib", "imports", locked=True),
        _cell("def f(x):\n    ### BEGIN SOLUTION\n    return x * SCALE\n    ### END SOLUTION", "f", solution=True),
        _cell('check("f")', "check_f", locked=True),
        _cell("plot_everything()"),
        _cell("def g(x):\n    raise NotImplementedError()", "g", solution=True),
    ])
    path = tmp_path / "t.ipynb"
    nbformat.write(nb, str(path))
    return ex.Template(path), nb


def _submit(tmp_path, nb, name="s.ipynb"):
    path = tmp_path / name
    nbformat.write(nb, str(path))
    return path


def test_only_setup_and_solution_cells_in_order(tmp_path):
    template, nb = _template(tmp_path)
    program = _extract(template, _submit(tmp_path, nb))
    code = program.code
    assert code.index("SCALE = 2") < code.index("def f") < code.index("def g")
    assert "check(" not in code and "matplotlib" not in code and "plot_everything" not in code
    namespace = {}
    exec(compile(code, program.filename, "exec"), namespace)
    assert namespace["f"](3) == 6


def test_tampered_setup_cell_is_replaced_by_the_course_copy(tmp_path):
    template, nb = _template(tmp_path)
    nb.cells[1].source = "import numpy as np\nSCALE = 100\nnp.allclose = lambda *a, **k: True"
    nb.cells[1].metadata["nbgrader"]["locked"] = False
    code = _extract(template, _submit(tmp_path, nb)).code
    assert "SCALE = 2" in code and "SCALE = 100" not in code and "allclose" not in code


def test_extra_student_cells_do_not_run(tmp_path):
    template, nb = _template(tmp_path)
    nb.cells.insert(4, new_code_cell("import os; os._exit(1)"))
    assert "_exit" not in _extract(template, _submit(tmp_path, nb)).code


def test_deleted_or_renamed_solution_cell_is_reported_missing(tmp_path):
    template, nb = _template(tmp_path)
    nb.cells[3].metadata["nbgrader"]["grade_id"] = "renamed"
    program = _extract(template, _submit(tmp_path, nb))
    assert program.missing_cells == ["f"] and "def f" not in program.code


def test_magics_and_shell_lines_are_neutralised(tmp_path):
    template, nb = _template(tmp_path)
    nb.cells[3].source = "%matplotlib inline\n!pip install torch\ndef f(x):\n    return 2 * x"
    code = _extract(template, _submit(tmp_path, nb)).code
    compile(code, "x", "exec")
    assert "pass  # %matplotlib" in code


def test_errors_name_the_cell_and_one_broken_cell_hides_nothing_else(tmp_path):
    template, nb = _template(tmp_path)
    nb.cells[3].source = "def f(x):\n    return x +* 2"   # a syntax error in f's cell
    program = _extract(template, _submit(tmp_path, nb))
    namespace = {}
    with pytest.raises(SyntaxError) as info:
        exec(compile(program.code, program.filename, "exec"), namespace)
    assert info.value.filename == "t.ipynb, cell 4 (f)" and info.value.lineno == 2
    assert "g" in namespace and namespace["SCALE"] == 2  # the other cells still ran


def test_runtime_error_points_at_the_students_cell_and_line(tmp_path):
    import traceback
    template, nb = _template(tmp_path)
    nb.cells[6].source = "def g(x):\n    return x\n\ng(undefined_name)"
    program = _extract(template, _submit(tmp_path, nb))
    namespace = {}
    with pytest.raises(NameError) as info:
        exec(compile(program.code, program.filename, "exec"), namespace)
    last = traceback.extract_tb(info.value.__traceback__)[-1]
    assert (last.filename, last.lineno) == ("t.ipynb, cell 7 (g)", 4)
    assert namespace["f"](1) == 2


@pytest.mark.parametrize("content, expected", [
    (b"", "empty"),
    (b"{not json", "invalid JSON"),
    (b"\xff\xfe\x00garbage", "not UTF-8"),
    (json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode(), "no cells"),
    (json.dumps([1, 2, 3]).encode(), "not a Jupyter notebook"),
])
def test_broken_files_raise_notebook_error(tmp_path, content, expected):
    template, _ = _template(tmp_path)
    path = tmp_path / "bad.ipynb"
    path.write_bytes(content)
    with pytest.raises(ex.NotebookError) as info:
        _extract(template, path)
    assert info.value.code == "notebook.unreadable" and expected in info.value.detail


def test_missing_file(tmp_path):
    template, _ = _template(tmp_path)
    with pytest.raises(ex.NotebookError) as info:
        _extract(template, tmp_path / "nope.ipynb")
    assert info.value.code == "notebook.missing"


def test_oversized_notebook_is_refused(tmp_path, monkeypatch):
    template, nb = _template(tmp_path)
    monkeypatch.setattr(ex, "MAX_NOTEBOOK_BYTES", 100)
    with pytest.raises(ex.NotebookError) as info:
        _extract(template, _submit(tmp_path, nb))
    assert "limit" in info.value.detail


def test_old_nbformat_v3_is_upgraded(tmp_path):
    template, nb = _template(tmp_path)
    v3 = nbformat.convert(nb, 3)
    path = tmp_path / "old.ipynb"
    path.write_text(nbformat.writes(v3, version=3))
    assert json.loads(path.read_text())["nbformat"] == 3
    program = _extract(template, path)
    assert "def f" in program.code
