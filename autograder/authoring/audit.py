"""What was released: is exercises/ exactly what `autograder release` makes of solutions/,
and does any solution line leak into it?

Checks the output of the release, not how the course is written (conventions.py) nor how it
scores (validation.py).  Owns the definitions of "stale" and "leaked" that both `autograder validate` (CI) and the
notebook tests use.  Regeneration happens in a temporary copy of the course, so the
repository is never touched.
"""
from __future__ import annotations

import json
import re
import shutil
import tempfile
from pathlib import Path

import nbformat

from autograder.grading.course import Course, load_course
from autograder.grading.refimpl import own_reference
from autograder.student.messages import Nested

SOLUTION_REGION = re.compile(r"^(?P<indent>[ \t]*)### BEGIN SOLUTION[^\n]*\n(?P<body>.*?)^[ \t]*### END SOLUTION",
                             re.M | re.S)
# Lines too generic to count as a leaked solution line.
TRIVIAL_LINES = {"", "pass", "return", "else:", "try:", "]", ")", "}"}
MIN_LEAK_LENGTH = 12
COURSE_FILES = ("course.yaml", "nbgrader_config.py")


def solution_lines(notebook) -> list[str]:
    """Non-trivial lines between ### BEGIN SOLUTION and ### END SOLUTION."""
    lines = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        for match in SOLUTION_REGION.finditer(cell.source):
            for line in match.group("body").splitlines():
                text = line.strip()
                if text not in TRIVIAL_LINES and len(text) >= MIN_LEAK_LENGTH:
                    lines.append(text)
    return lines


def leaked_lines(solution, exercise) -> list[str]:
    """Solution lines that appear in the exercise notebook (any cell)."""
    present = {line.strip() for cell in exercise.cells for line in cell.source.splitlines()}
    return [line for line in solution_lines(solution) if line in present]


def differing_cells(a: dict, b: dict) -> list[str]:
    """Ids (or indexes) of cells that differ between two notebook JSON documents."""
    diff = []
    if a.get("metadata") != b.get("metadata"):
        diff.append("notebook metadata")
    cells_a, cells_b = a.get("cells", []), b.get("cells", [])
    if len(cells_a) != len(cells_b):
        diff.append(f"number of cells {len(cells_a)} != {len(cells_b)}")
    for i, (x, y) in enumerate(zip(cells_a, cells_b)):
        if x != y:
            diff.append(str(x.get("id", i)))
    return diff


CACHES = ("__pycache__", ".ipynb_checkpoints")  # what Python and Jupyter leave in a folder they ran (git ignores them)


def _is_cache(relative: Path) -> bool:
    return any(part in CACHES for part in relative.parts) or relative.suffix == ".pyc"


def _files(folder: Path) -> list[str]:
    """The files of a released folder, without what running its notebook and check module leaves."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if p.is_file() and not _is_cache(p.relative_to(folder)))


def stale_release(course: Course, assignment: str) -> list[Nested]:
    """Why exercises/<assignment> (and its fixture) differ from a fresh release; [] if current."""
    from autograder.authoring import release  # the release needs the reference: trusted side only
    from autograder.sandbox.inside.protocol import load_npz

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name in COURSE_FILES:
            shutil.copy2(course.root / name, root / name)
        shutil.copytree(course.root / "solutions", root / "solutions",
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        own = own_reference(course.root)  # a course copy grades with its own reference (refimpl.py)
        if own is not None:
            shutil.copytree(own, root / "reference", ignore=shutil.ignore_patterns("__pycache__"))
        copy = load_course(root / "course.yaml")
        fixture = root / "solutions" / assignment / release.FIXTURE_NAME
        before = fixture.read_bytes() if fixture.exists() else b""
        release.release(copy, [assignment], log=lambda line: None)
        problems = []
        if fixture.read_bytes() != before:
            problems.append(Nested("course.stale", path=f"solutions/{assignment}/{release.FIXTURE_NAME}",
                                   assignment=assignment))
        module = Path("solutions") / assignment / release.bundle.FILE_NAME  # the self-check module nbgrader ships
        committed_module = course.root / module
        if not committed_module.is_file() or committed_module.read_bytes() != (root / module).read_bytes():
            problems.append(Nested("course.stale", path=module.as_posix(), assignment=assignment))
        fresh, committed = root / "exercises" / assignment, course.root / "exercises" / assignment
        if not committed.is_dir():
            return problems + [Nested("course.release-missing", path=f"exercises/{assignment}",
                                      assignment=assignment)]
        if _files(committed) != _files(fresh):
            return problems + [Nested("course.release-other-files", path=f"exercises/{assignment}",
                                      assignment=assignment)]
        for name in _files(fresh):
            if name.endswith(".ipynb"):
                diff = differing_cells(json.loads((fresh / name).read_text(encoding="utf-8")),
                                       json.loads((committed / name).read_text(encoding="utf-8")))
                same = not diff
            elif name.endswith(".npz"):
                same = release.same_fixture(load_npz(fresh / name), load_npz(committed / name))
            else:
                same = (fresh / name).read_bytes() == (committed / name).read_bytes()
            if not same:
                problems.append(Nested("course.stale", path=f"exercises/{assignment}/{name}", assignment=assignment))
        return problems


def leaks(course: Course, assignment: str) -> list[Nested]:
    """Solution lines of solutions/<assignment> found in exercises/<assignment>."""
    notebook = course.assignments[assignment].notebook
    solution = course.root / "solutions" / assignment / notebook
    exercise = course.root / "exercises" / assignment / notebook
    if not exercise.is_file():
        return []  # reported by stale_release
    found = leaked_lines(nbformat.read(str(solution), as_version=4), nbformat.read(str(exercise), as_version=4))
    return [Nested("course.leak", path=f"exercises/{assignment}/{notebook}", line=line) for line in found]
