"""Shared helpers of the notebook tests: discovery, nbgrader markup, execution, leak detection.

The tests are parametrised over the notebooks course.yaml names, so every new assignment is
covered without touching the tests (docs/NOTEBOOKS.md), and a deleted notebook fails its
tests instead of silently leaving them.
"""
from __future__ import annotations

import ast
import json
import os
import re
import sys
import time
from functools import lru_cache
from pathlib import Path

import nbformat

from autograder.authoring.audit import SOLUTION_REGION, leaked_lines, solution_lines  # noqa: F401 (re-exported)

ROOT = Path(__file__).resolve().parents[2]
SETUP_TAG = "grader-setup"
# Appended by execute() to the copy it runs: reads the CheckResult values the grade cells returned
# (IPython keeps every cell's value in Out, even one it does not display).
RESULTS_MARK = "RNNLAB-CHECK-RESULTS "
COLLECT_RESULTS = (
    "import json as __json\n"
    "print(" + repr(RESULTS_MARK) + " + __json.dumps({str(n): {'function': r.function, 'status': r.status, "
    "'passed': r.passed, 'total': r.total} for n, r in Out.items() if type(r).__name__ == 'CheckResult'}))\n"
)


def solution_notebooks() -> list[Path]:
    """solutions/<assignment>/<notebook> of every assignment in course.yaml (present or not)."""
    from autograder.grading.course import load_course

    course = load_course(ROOT / "course.yaml")
    return [ROOT / "solutions" / aid / a.notebook for aid, a in course.assignments.items()]


def notebook_id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def exercise_of(solution: Path) -> Path:
    return ROOT / "exercises" / solution.parent.name / solution.name


@lru_cache(maxsize=None)
def course():
    from autograder.grading.course import load_course

    return load_course(ROOT / "course.yaml")


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(str(path), as_version=4)


# --------------------------------------------------------------------------- markup


def meta(cell) -> dict:
    value = cell.get("metadata", {}).get("nbgrader", {})
    return value if isinstance(value, dict) else {}


def is_setup(cell) -> bool:
    return cell.cell_type == "code" and SETUP_TAG in cell.get("metadata", {}).get("tags", [])


def is_solution(cell) -> bool:
    return cell.cell_type == "code" and bool(meta(cell).get("solution"))


def is_grade(cell) -> bool:
    return cell.cell_type == "code" and bool(meta(cell).get("grade"))


def is_locked(cell) -> bool:
    return bool(meta(cell).get("locked"))


def code_of(source: str) -> str:
    """Cell source as plain Python (IPython magics and shell lines commented out)."""
    return "\n".join("pass  # " + line if re.match(r"^\s*[%!]", line) else line for line in source.splitlines())


def imported_modules(source: str) -> set[str]:
    """Top-level package names imported anywhere in the code."""
    names = set()
    for node in ast.walk(ast.parse(code_of(source))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add("." if node.level else (node.module or "").split(".")[0])
    return names


def imported_names(source: str) -> set[str]:
    """Full dotted module names imported anywhere in the code."""
    names = set()
    for node in ast.walk(ast.parse(code_of(source))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def stdlib_or_numpy(module: str) -> bool:
    return module == "numpy" or module in sys.stdlib_module_names


# --------------------------------------------------------------------------- execution


def kernel_env(lang: str = "en") -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["RNNLAB_LANG"] = lang
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    return env


def execute(path: Path, allow_errors: bool, timeout: int = 120, notebook=None, km=None,
            env: dict | None = None) -> tuple[nbformat.NotebookNode, float]:
    """Run a notebook top to bottom with its folder as cwd; return it with outputs and the wall time.

    A last cell, added to the copy that runs, records the CheckResult of every grade cell
    (:func:`check_results` reads it); ``km`` runs it on another kernel (e.g. a clean venv's).
    """
    from nbclient import NotebookClient

    notebook = read(path) if notebook is None else notebook
    notebook.cells.append(nbformat.v4.new_code_cell(COLLECT_RESULTS))
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3", allow_errors=allow_errors,
                            resources={"metadata": {"path": str(path.parent)}}, km=km)
    start = time.monotonic()
    client.execute(env=kernel_env() if env is None else env)
    return notebook, time.monotonic() - start


def output_text(cell) -> str:
    parts = []
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            parts.append(out.text)
        elif out.output_type in ("execute_result", "display_data"):
            parts.append(out.get("data", {}).get("text/plain", ""))
        elif out.output_type == "error":
            parts.append(f"{out.ename}: {out.evalue}")
    return "".join(parts)


def errors(cell) -> list[tuple[str, str]]:
    return [(o.ename, o.evalue) for o in cell.get("outputs", []) if o.output_type == "error"]


def check_results(notebook) -> dict[str, dict]:
    """Function → {status, passed, total, text, shown}: the CheckResult each grade cell returned,
    what the cell printed, and what Jupyter displayed as the cell's value (nothing, normally)."""
    collected = output_text(notebook.cells[-1])
    assert RESULTS_MARK in collected, f"the results cell did not run: {collected}"
    values = json.loads(collected.split(RESULTS_MARK, 1)[1].strip().splitlines()[0])
    results = {}
    for cell in notebook.cells:
        if is_grade(cell):
            name = meta(cell).get("grade_id", "")[len("check_"):]
            shown = [o for o in cell.get("outputs", []) if o.output_type in ("execute_result", "display_data")]
            value = values.get(str(cell.get("execution_count")))
            results[name] = {**(value or {"function": name, "status": "no-result", "passed": 0, "total": "?"}),
                             "text": output_text(cell), "shown": shown}
    return results
