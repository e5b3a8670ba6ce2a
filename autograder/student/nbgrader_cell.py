"""A grade cell under ``nbgrader autograde``: show the real grader's score as the cell's value.

Owns what ``check("fn")`` does when nbgrader's autograder, not a student, executes the
notebook (docs/ECOSYSTEM.md, "nbgrader autograde"):

- :func:`autograde_mode` tells the two apart: ``$RNNLAB_AUTOGRADE`` (``1``/``0``) decides if
  set; otherwise ``$NBGRADER_EXECUTION``, which nbgrader sets to ``autograde`` (or
  ``validate``) around the kernels it starts; otherwise, for an nbgrader without that
  variable, the kernel's folder being ``<course>/autograded/<student>/<assignment>``.
- :func:`hidden_score` grades the notebook file being autograded with
  ``python -m autograder grade-notebook`` (the sandboxed pipeline of ``autograder grade``, in
  a subprocess: nothing but this call runs in the kernel), once per notebook content, and
  returns the function's points as a plain ``float``.  nbgrader reads partial credit from
  the cell's result with ``float()`` (a numpy scalar's ``np.float64(…)`` repr would not
  parse and earn full points) and gives 0 to a cell that writes to stderr, so the grader's
  output is captured and only the float is shown.  If the grader fails, the cell raises:
  nbgrader scores it 0 and shows the reason, never full points.
- :func:`validate_mode`: nbgrader's Validate (``$NBGRADER_EXECUTION`` = ``validate``) runs
  the student's side; the grade cell then raises when the public check fails.

Standard library only: this file ships to students with selfcheck.py, where it is inert.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["AUTOGRADE_ENV", "autograde_mode", "validate_mode", "hidden_score", "GraderUnavailable"]

AUTOGRADE_ENV = "RNNLAB_AUTOGRADE"
NBGRADER_ENV = "NBGRADER_EXECUTION"
AUTOGRADED_FOLDER = "autograded"
GRADER_TIMEOUT = 900.0  # nbgrader's own cell timeout normally ends the wait long before
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}

# notebook path -> (sha256 of its bytes, the grader's summary): one grading per notebook content
_GRADES: dict[str, tuple[str, dict]] = {}


class GraderUnavailable(RuntimeError):
    """The grader could not grade this notebook (the grade cell then earns 0 in nbgrader)."""


def _course_root(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        if (folder / "course.yaml").is_file():
            return folder
    return None


def autograde_mode(cwd: Path | None = None) -> bool:
    """True when nbgrader's autograder is executing this notebook (see the module doc)."""
    flag = os.environ.get(AUTOGRADE_ENV, "").strip().lower()
    if flag in _TRUE:
        return True
    if flag in _FALSE:
        return False
    execution = os.environ.get(NBGRADER_ENV, "").strip().lower()
    if execution:
        return execution == "autograde"
    here = (cwd or Path.cwd()).resolve()
    parents = here.parents
    return (len(parents) >= 3 and parents[1].name == AUTOGRADED_FOLDER
            and (parents[2] / "course.yaml").is_file())


def validate_mode() -> bool:
    """True when nbgrader's Validate (the student's button, ``nbgrader validate``) executes the
    notebook: a grade cell then raises when the public check fails (selfcheck.check)."""
    return os.environ.get(NBGRADER_ENV, "").strip().lower() == "validate" and not autograde_mode()


def _notebooks(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.ipynb") if p.is_file())


def _run_grader(target: Path, root: Path) -> dict:
    """``python -m autograder grade-notebook TARGET --json``, its output kept off the kernel's streams.

    The grader runs in its own session: if nbgrader interrupts the cell (its timeout), the
    grading still finishes and lands in the on-disk cache for the next grade cell.
    """
    command = [sys.executable, "-m", "autograder", "--course", str(root / "course.yaml"),
               "grade-notebook", str(target), "--json"]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(command, cwd=root, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                start_new_session=True)
        try:
            code = proc.wait(timeout=GRADER_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise GraderUnavailable(f"the RNN Lab grader did not finish in {GRADER_TIMEOUT:g} s") from None
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if code != 0:
        raise GraderUnavailable(f"the RNN Lab grader failed (exit {code}): {stderr.strip()[-1500:]}")
    try:
        return json.loads(stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise GraderUnavailable(f"the RNN Lab grader printed no result: {stdout.strip()[-500:]}") from None


def _summary(folder: Path) -> dict:
    """The grader's summary of the notebook in ``folder`` (graded once per notebook content)."""
    root = _course_root(folder)
    if root is None:
        raise GraderUnavailable(f"{folder}: no course.yaml here or above; nbgrader autograde must run "
                                "in the course folder")
    key = str(folder)
    known = _GRADES.get(key)
    if known is not None:
        notebook = Path(known[1]["notebook"])
        try:
            if hashlib.sha256(notebook.read_bytes()).hexdigest() == known[0]:
                return known[1]
        except OSError:
            pass
    notebooks = _notebooks(folder)
    target = notebooks[0] if len(notebooks) == 1 else folder  # several: course.yaml names the notebook
    summary = _run_grader(target, root)
    notebook = Path(summary["notebook"])
    if not notebook.is_absolute():
        notebook = root / notebook
    summary["notebook"] = str(notebook)
    try:
        digest = hashlib.sha256(notebook.read_bytes()).hexdigest()
    except OSError:
        digest = ""
    _GRADES[key] = (digest, summary)
    return summary


def hidden_score(function_name: str, folder: Path | None = None) -> float:
    """Points of ``function_name`` on the hidden cases, as nbgrader must read them (a plain float)."""
    summary = _summary((folder or Path.cwd()).resolve())
    entry = summary["functions"].get(function_name)
    if entry is None:
        raise GraderUnavailable(f"{function_name} is not graded in {summary['assignment']} (course.yaml)")
    score, max_score = float(entry["score"]), float(entry["max_score"])
    print(f"{function_name}: {score:g}/{max_score:g} (RNN Lab, hidden cases)", flush=True)
    for line in entry.get("feedback", ()):  # the grader's feedback for this function, for generate_feedback
        print(f"  {line}", flush=True)
    return float(round(min(max(score, 0.0), max_score), 6))
