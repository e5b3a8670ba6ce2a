"""A failed `nbgrader generate_assignment` never touches the committed exercises/, and says why it failed."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.cli import main
from autograder.authoring import release
from autograder.grading.course import load_course
from autograder.grading.errors import UsageError

ROOT = Path(__file__).resolve().parents[2]

# What nbgrader does with --force before it fails: it empties its release folder first.
FAKE_NBGRADER = r'''
import shutil, sys
from pathlib import Path
args = sys.argv[1:]
aid = args[args.index("generate_assignment") + 1]
root = Path(next(a.split("=", 1)[1] for a in args if a.startswith("--CourseDirectory.root=")))
release = next((a.split("=", 1)[1] for a in args if a.startswith("--CourseDirectory.release_directory=")),
               str(root / "exercises"))
shutil.rmtree(Path(release) / aid, ignore_errors=True)
print("[GenerateAssignmentApp | ERROR] Cannot modify existing assignment '%s' because there are submissions "
      "associated with it" % aid, file=sys.stderr)
sys.exit(1)
'''


def _copy_course(tmp_path: Path) -> Path:
    for name in ("course.yaml", "nbgrader_config.py"):
        shutil.copy2(ROOT / name, tmp_path / name)
    for folder in ("solutions", "exercises"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    return tmp_path / "course.yaml"


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_failing_nbgrader_leaves_the_release_intact_and_is_explained(tmp_path, monkeypatch):
    course = load_course(_copy_course(tmp_path))
    before = _snapshot(tmp_path / "exercises")
    fake = tmp_path / "fake_nbgrader.py"
    fake.write_text(FAKE_NBGRADER)
    real_command = release.nbgrader_command
    monkeypatch.setattr(release, "nbgrader_command",
                        lambda *a, **k: [sys.executable, str(fake), *real_command(*a, **k)[3:]])
    with pytest.raises(UsageError) as error:
        release.release(course, ["rnn"], log=lambda line: None)
    message = str(error.value)
    assert "nbgrader generate_assignment rnn failed" in message and "is unchanged" in message
    assert "fix: nbgrader's gradebook has submissions for this assignment" in message
    assert "Cannot modify existing assignment 'rnn'" in message  # nbgrader's own words follow
    assert _snapshot(tmp_path / "exercises") == before
    assert sorted(p.name for p in (tmp_path / "exercises").iterdir()) == sorted(course.assignments)  # no leftovers


@pytest.mark.slow
def test_real_nbgrader_on_a_broken_notebook_without_the_venv_on_path(tmp_path, monkeypatch, capsys):
    """The instructor's slip: invalid nbgrader metadata, and a shell whose PATH lacks the venv."""
    course_file = _copy_course(tmp_path)
    notebook = tmp_path / "solutions/rnn/rnn.ipynb"
    nb = nbformat.read(str(notebook), as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade"))
    del cell.metadata["nbgrader"]["grade_id"]  # nbgrader refuses a grade cell without an id
    nbformat.write(nb, str(notebook))
    before = _snapshot(tmp_path / "exercises")
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    assert main(["--course", str(course_file), "release", "rnn"]) == 2
    err = capsys.readouterr().err
    assert "nbgrader generate_assignment rnn failed" in err and "is unchanged" in err and "Traceback" not in err
    assert _snapshot(tmp_path / "exercises") == before


@pytest.mark.slow
def test_a_successful_release_is_swapped_in_without_leftovers(tmp_path):
    course = load_course(_copy_course(tmp_path))
    (tmp_path / "exercises/rnn/stale-file.txt").write_text("from an older release")
    [out] = release.release(course, ["rnn"], log=lambda line: None)
    assert out == tmp_path / "exercises/rnn"
    assert sorted(p.name for p in out.iterdir()) == ["public_cases.npz", "rnn.ipynb", "rnnlab_check.py"]  # the old folder is gone
    assert sorted(p.name for p in (tmp_path / "exercises").iterdir()) == sorted(course.assignments)
    assert (out / "rnn.ipynb").read_bytes() == (ROOT / "exercises/rnn/rnn.ipynb").read_bytes()


def test_explanations_for_known_failures():
    assert "make .venv/.run" in release.explain_nbgrader_failure("/x/python: No module named nbgrader", "rnn")
    assert "PATH" in release.explain_nbgrader_failure("alembic: command not found", "rnn")
    assert release.explain_nbgrader_failure("something new", "rnn") == ""
