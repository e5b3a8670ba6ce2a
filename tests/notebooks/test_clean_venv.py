"""A student needs only the released folder: every exercise runs in a venv with numpy, matplotlib
and a Jupyter kernel, and nothing else.

A fresh ``python -m venv`` gets ``pip install numpy matplotlib ipykernel`` with the project's
pins (``-c requirements/constraints.txt``: the local wheel cache on the project's machines).
It can import neither ``autograder`` nor ``reference``.  Each ``exercises/<asg>/`` folder is
copied out of the repository and executed with nbclient (from this venv) on that clean
venv's kernel: on the stubs every check says "not implemented"; with the instructor's
solution cells pasted into the same copy, every check passes.  Slow: it builds a venv.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .nbtools import ROOT, check_results, course, errors, execute, is_solution, meta, read, solution_notebooks

pytestmark = pytest.mark.slow

SOLUTIONS = solution_notebooks()
PACKAGES = ("numpy", "matplotlib", "ipykernel")
KERNEL = "rnnlab-clean-venv"


def _env(venv: Path) -> dict:
    """The student's environment: nothing of this project on any path."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "RNNLAB_AUTOGRADE", "NBGRADER_EXECUTION")}
    env["PATH"] = os.pathsep.join([str(venv / "bin"), "/usr/bin", "/bin"])
    env["RNNLAB_LANG"] = "en"
    env["MPLBACKEND"] = "Agg"
    return env


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    """(python of the clean venv, a kernel manager factory, its environment, a folder outside the repo)."""
    base = tmp_path_factory.mktemp("clean-venv")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    pip = subprocess.run([str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q",
                          "-c", str(ROOT / "requirements" / "constraints.txt"), *PACKAGES],
                         capture_output=True, text=True, timeout=1500)
    assert pip.returncode == 0, pip.stdout[-2000:] + pip.stderr[-3000:]
    env = _env(venv)
    work = base / "student"
    work.mkdir()
    for module in ("autograder", "reference"):  # the student has neither
        probe = subprocess.run([str(python), "-c", f"import {module}"], cwd=work, env=env,
                               capture_output=True, text=True, timeout=120)
        assert probe.returncode != 0 and "ModuleNotFoundError" in probe.stderr, f"{module} is importable"
    kernels = base / "kernels" / KERNEL
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "clean venv", "language": "python"}))

    def kernel_manager():
        from jupyter_client import KernelManager
        from jupyter_client.kernelspec import KernelSpecManager

        return KernelManager(kernel_name=KERNEL, kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels.parent)]))

    return python, kernel_manager, env, work


def _released_copy(path: Path, work: Path, filled: bool) -> tuple[Path, object]:
    """exercises/<asg>/ copied to ``work`` (and, if ``filled``, its solution cells taken from solutions/)."""
    aid = path.parent.name
    folder = work / ("filled" if filled else "stubs") / aid
    shutil.copytree(ROOT / "exercises" / aid, folder, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    notebook = read(folder / path.name)
    if filled:
        answers = {meta(c)["grade_id"]: c.source for c in read(path).cells if is_solution(c)}
        for cell in notebook.cells:
            if is_solution(cell):
                cell.source = answers[meta(cell)["grade_id"]]
    return folder / path.name, notebook


def _run(clean, path: Path, filled: bool):
    python, kernel_manager, env, work = clean
    target, notebook = _released_copy(path, work, filled)
    executed, _ = execute(target, allow_errors=not filled, notebook=notebook, km=kernel_manager(), env=env,
                          timeout=300)
    return executed


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.parent.name)
def test_the_released_folder_runs_in_a_clean_venv(clean, path):
    graded = [spec.name for spec in course().functions_of(path.parent.name)]
    stubs = _run(clean, path, filled=False)
    assert all(name == "NotImplementedError" for cell in stubs.cells for name, _ in errors(cell))
    results = check_results(stubs)
    for name in graded:
        assert results[name]["status"] == "not-implemented", (name, results[name])
        assert "not implemented yet" in results[name]["text"] and results[name]["shown"] == []
    filled = _run(clean, path, filled=True)
    results = check_results(filled)
    for name in graded:
        assert results[name]["status"] == "passed", (name, results[name])
        assert results[name]["shown"] == [] and "[FAIL]" not in results[name]["text"]
