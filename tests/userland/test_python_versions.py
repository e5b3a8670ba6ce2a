"""A Python too old for the pins is told so in one sentence before pip runs: by `make` (the
README's commands) and by Gradescope's setup.sh, which checks the Python it installed itself.

The bound is made unreachable (requires-python >=3.99) in a copy, so that the Python running
these tests plays the old one; the shipped bound is checked against Debian 12's own Python.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder.grading.course import load_course
from autograder.integrations.gradescope import build_zip

ROOT = Path(__file__).resolve().parents[2]
CHECK = "autograder/integrations/python_version.py"
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian 12's 3.11.2 on the project's machines


def _sentences(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def test_the_shipped_bounds_admit_debians_own_python():
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        pytest.fail(f"{SYSTEM_PYTHON} is missing: the project's machines are Debian 12")
    for bound in ("pyproject.toml", "requirements/grade.txt"):
        proc = subprocess.run([SYSTEM_PYTHON, str(ROOT / CHECK), str(ROOT / bound)], capture_output=True, text=True)
        assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", ""), (bound, proc.stderr)


def test_make_says_which_python_it_needs_before_pip_runs(tmp_path):
    for name in ("Makefile", CHECK, "pyproject.toml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    pyproject = tmp_path / "pyproject.toml"
    text, n = re.subn(r'(?m)^requires-python = "[^"]*"', 'requires-python = ">=3.99"', pyproject.read_text())
    assert n == 1
    pyproject.write_text(text)
    env = {k: v for k, v in os.environ.items() if k not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")}  # as typed, not under `make test`
    proc = subprocess.run(["make", "demo", f"PYTHON={sys.executable}"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=60, env=env)
    assert proc.returncode != 0
    ours = [line for line in _sentences(proc.stderr) if not line.startswith(("make:", "make["))]
    have = ".".join(map(str, sys.version_info[:3]))
    assert ours == [f"RNN Lab needs Python 3.99 or newer (requires-python in pyproject.toml), but {sys.executable} "
                    f"is Python {have}: name a newer one, e.g. make demo PYTHON=python3.12."], proc.stderr
    assert not (tmp_path / ".venv").exists() and "pip" not in proc.stdout + proc.stderr  # before the venv and pip


def test_gradescope_setup_fails_the_image_build_with_that_sentence(tmp_path):
    """setup.sh, run with apt-get stubbed out: it checks /usr/bin/python3 (what apt installed), not
    the python3 that comes first on PATH, and stops before creating the venv."""
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        pytest.fail(f"{SYSTEM_PYTHON} is missing: the project's machines are Debian 12")
    build_zip(load_course(ROOT / "course.yaml"), tmp_path / "autograder.zip", ["rnn"])
    source, venv, stubs = tmp_path / "source", tmp_path / "venv", tmp_path / "stubs"
    with zipfile.ZipFile(tmp_path / "autograder.zip") as archive:
        archive.extractall(source)
    grade = source / "requirements" / "grade.txt"
    grade.write_text(re.sub(r"requires-python: >=\S+", "requires-python: >=3.99", grade.read_text()))
    script = (source / "setup.sh").read_text()
    for var, value in (("SOURCE", source), ("VENV", venv)):
        script, n = re.subn(rf"(?m)^{var}=.*$", f"{var}={value}", script)
        assert n == 1, var
    stubs.mkdir()
    calls = tmp_path / "calls"
    for tool in ("apt-get", "python3"):  # a python3 on PATH that would pass any check, and log its use
        (stubs / tool).write_text(f"#!/bin/sh\necho {tool} \"$@\" >> {calls}\nexit 0\n")
        (stubs / tool).chmod(0o755)
    proc = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60,
                          env={"PATH": f"{stubs}:/usr/bin:/bin", "LANG": "C.UTF-8"})
    assert proc.returncode != 0
    have = subprocess.run([SYSTEM_PYTHON, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    assert _sentences(proc.stderr) == [
        f"RNN Lab needs Python 3.99 or newer (requires-python in grade.txt), but {SYSTEM_PYTHON} is Python {have}: "
        "choose a newer base image (Ubuntu 22.04 or later)."], proc.stderr
    assert not venv.exists()
    assert [line.split()[0] for line in calls.read_text().splitlines()] == ["apt-get", "apt-get"]  # never python3
