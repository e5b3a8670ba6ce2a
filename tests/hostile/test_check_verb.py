"""`autograder check` on a submission never exposes the course.

A TA reproducing a student's complaint runs `autograder check SUB/thief/rnn/rnn.ipynb` inside the
course folder.  The thief's notebook tries, from a solution cell, to read the grading secret,
to import the reference and to read an environment canary, and reports what it found in the
exception text that the check prints; its own setup cell is replaced by one that would plant a
marker file.  Checked like `autograder grade`, in the sandbox with the course's setup cells, it
learns nothing.  The same notebook with `--no-sandbox` does read the secret (so the thief is
real and the test can fail), after a warning.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.sandbox import box as sandbox_mod

ROOT = Path(__file__).resolve().parents[2]
SECRET = "decoy-secret-for-check-5e0f1c"
CANARY = "check-env-canary-a1b2c3"
MARKER = "rnnlab-pwned-by-check"

THIEF = '''\
    import os as _os
    _leak = []
    try:
        _leak.append("SECRET=" + open(@@COURSE@@ + "/.grading-secret").read().strip())
    except Exception as _exc:
        _leak.append("nosecret:" + type(_exc).__name__)
    try:
        import reference as _reference
        _leak.append("REFERENCE=" + _reference.__file__)
    except Exception as _exc:
        _leak.append("noreference:" + type(_exc).__name__)
    _leak.append("ENV=" + _os.environ.get("RNNLAB_CANARY", "none"))
    _leak.append("COURSE=" + str(_os.path.exists(@@COURSE@@ + "/course.yaml")))
    raise RuntimeError("|".join(_leak))
'''
SETUP = f"open({{course!r}} + '/{MARKER}', 'w').write('setup cell of the submission ran')\nimport numpy as np\n"


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """A copy of the course (with reference/ and a secret) holding one thief's submission."""
    root = tmp_path_factory.mktemp("course")
    for name in ("course.yaml", "nbgrader_config.py"):
        shutil.copy2(ROOT / name, root / name)
    for name in ("solutions", "reference"):
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    (root / ".grading-secret").write_text(SECRET + "\n")
    notebook = nbformat.read(str(ROOT / "solutions" / "rnn" / "rnn.ipynb"), as_version=4)
    for cell in notebook.cells:
        meta = cell.get("metadata", {})
        if "grader-setup" in meta.get("tags", []):
            cell.source = SETUP.format(course=str(root))
        if meta.get("nbgrader", {}).get("grade_id") == "rnn_step_forward":
            marker = "    ### BEGIN SOLUTION\n"
            assert marker in cell.source
            cell.source = cell.source.replace(marker, marker + THIEF.replace("@@COURSE@@", repr(str(root))), 1)
    target = root / "SUB" / "thief" / "rnn" / "rnn.ipynb"
    target.parent.mkdir(parents=True)
    nbformat.write(notebook, str(target))
    return root


def _check(course: Path, *extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("RNNLAB_SECRET", "PYTHONPATH")}
    env.update(RNNLAB_CANARY=CANARY, RNNLAB_LANG="en")
    # `python -m` puts the course folder on sys.path: in this process `import reference` works
    return subprocess.run([sys.executable, "-m", "autograder", "check", "SUB/thief/rnn/rnn.ipynb",
                           "--function", "rnn_step_forward", "--function", "temporal_affine_forward", *extra],
                          cwd=course, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.sandbox
@pytest.mark.skipif(not sandbox_mod.bwrap_available(), reason="needs the bubblewrap sandbox (bwrap, setpriv, root)")
def test_check_of_a_submission_runs_in_the_sandbox_with_the_courses_setup(course):
    (course / MARKER).unlink(missing_ok=True)
    proc = _check(course)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "[ERROR] rnn_step_forward" in proc.stdout and "RuntimeError: nosecret:" in proc.stdout, out
    for leaked in (SECRET, CANARY, "REFERENCE=", "COURSE=True"):
        assert leaked not in out, f"{leaked!r} reached the output:\n{out}"
    assert "noreference:ModuleNotFoundError" in proc.stdout and "ENV=none" in proc.stdout
    assert not (course / MARKER).exists(), "the submission's own setup cell ran"
    # the course's setup cell defined np (the submission's would have failed before `import numpy`)
    assert "[PASS] temporal_affine_forward.out" in proc.stdout, out


def test_no_sandbox_runs_the_thief_in_this_process_after_a_warning(course):
    """Proof that the thief is real: without the sandbox it reads the secret and the reference."""
    proc = _check(course, "--no-sandbox")
    assert "--no-sandbox" in proc.stderr and "only for code you trust" in proc.stderr
    assert f"SECRET={SECRET}" in proc.stdout and "REFERENCE=" in proc.stdout and f"ENV={CANARY}" in proc.stdout
    assert not (course / MARKER).exists(), "even in this process, the course's setup cell runs, not the submission's"


def test_inside_a_course_check_refuses_to_run_without_a_sandbox(course, monkeypatch):
    from autograder.authoring import notebook_check
    from autograder.grading.errors import UsageError

    from autograder.sandbox import probe

    monkeypatch.chdir(course)
    # a host without bubblewrap, faked where the grader learns it: the probe's facts
    monkeypatch.setattr(probe, "facts", lambda: probe.Facts(euid=os.geteuid(), bwrap=None))
    with pytest.raises(UsageError, match="--no-sandbox") as refused:
        notebook_check.check_notebooks([Path("SUB/thief/rnn/rnn.ipynb")], ["temporal_affine_forward"], lang="en")
    assert "bubblewrap (bwrap) is not installed" in str(refused.value)  # the reason, not "None"
    assert "apt-get install bubblewrap" in str(refused.value)
    assert not (course / MARKER).exists()
