"""`autograder release [ASSIGNMENT ...]`: make the student release of the course's assignments.

Owns the instructor's release step: (a) the public self-check fixtures
``solutions/<asg>/public_cases.npz`` — public input cases drawn from a fixed, public seed
with the reference's outputs, self-contained because the student release has neither
course.yaml nor the reference — beside them the numpy-only self-check module
``rnnlab_check.py`` (authoring/bundle.py), and (b) the real ``nbgrader generate_assignment`` that
turns ``solutions/<asg>/`` into ``exercises/<asg>/`` (notebook without solutions + the
fixture + the module: all a student needs to run ``check``).  Running it twice gives identical files: a fixture whose content has not
changed is not rewritten, and nbgrader's output depends only on its input.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable

import numpy as np

from autograder.authoring import bundle
from autograder.grading.cases import build_cases
from autograder.student.compare import compare
from autograder.grading.course import Course
from autograder.grading.errors import Lines, UsageError
from autograder.student.messages import Nested
from autograder.grading.pipeline import reference_forward, reference_namespace, trusted_outputs
from autograder.sandbox.inside.program import ProgramError
from autograder.sandbox.inside.protocol import load_npz, save_npz
from autograder.student.selfcheck import FIXTURE_NAME

PUBLIC_CASES = 2
PUBLIC_SECRET_PREFIX = b"public-selfcheck:"
NBGRADER_TIMEOUT = 300


def public_secret(assignment_id: str) -> bytes:
    """The (public) seed of an assignment's self-check cases; hidden cases use the grading secret."""
    return PUBLIC_SECRET_PREFIX + assignment_id.encode()


def build_fixture(course: Course, assignment_id: str, namespace: dict[str, Callable] | None = None) -> dict:
    """The self-check fixture of one assignment (a protocol value, see selfcheck.py)."""
    namespace = reference_namespace(course) if namespace is None else namespace
    functions = {}
    for spec in course.functions_of(assignment_id):
        cases = build_cases(course, spec, secret=public_secret(assignment_id),
                            forward_shapes=reference_forward(namespace), count=PUBLIC_CASES)
        entries = []
        for case, outputs in zip(cases, trusted_outputs(namespace, spec, cases)):
            entries.append({"program": case.program,
                            "expected": {item.output: outputs[item.output] for item in spec.items},
                            "dims": case.describe()})
        functions[spec.name] = {
            "args": list(spec.args),
            "returns": list(spec.returns),
            "through": spec.through,
            "cases": entries,
            "tolerance": {item.output: item.tolerance for item in spec.items},
            "mistakes": public_mistakes(course, spec, namespace, cases, entries),
            "call_seconds": spec.call_seconds,
        }
    provided, solution_names = notebook_names(course, assignment_id)
    return {"functions": functions, "assignment": assignment_id, "language": course.language,
            "course_functions": {spec.name: spec.assignment for spec in course.functions.values()},
            "provided": provided, "solution_names": solution_names}


def notebook_names(course: Course, assignment_id: str) -> tuple[list[str], list[str]]:
    """(names the setup cells bind, names the solution cells bind) in the course's notebook.

    The self-check warns when a graded function reads a name the grader will not have: one
    that neither list holds and that the student defined in another cell (selfcheck.outside_names).
    """
    from autograder.grading.extract import Template, parse_notebook

    assignment = course.assignments.get(assignment_id)
    path = course.root / "solutions" / assignment_id / assignment.notebook if assignment else None
    if path is None or not path.is_file():
        return [], []
    setup = [source for kind, source in Template(path).plan if kind == "setup"]
    solutions = [c for c in parse_notebook(path.read_bytes())["cells"]
                 if c.get("cell_type") == "code" and (c.get("metadata", {}).get("nbgrader") or {}).get("solution")]
    sources = ["".join(c["source"]) if isinstance(c.get("source"), list) else str(c.get("source", ""))
               for c in solutions]
    return sorted(_top_level_names(setup)), sorted(_top_level_names(sources))


def _top_level_names(sources: list[str]) -> set[str]:
    import symtable

    names: set[str] = set()
    for source in sources:
        try:
            table = symtable.symtable(source, "cell", "exec")
        except SyntaxError:
            continue
        names |= {s.get_name() for s in table.get_symbols()
                  if s.is_assigned() or s.is_imported() or s.is_namespace()}
    return names


def public_mistakes(course: Course, spec, namespace: dict[str, Callable], cases: list, entries: list[dict]) -> list[dict]:
    """The catalogued mistakes the public cases can tell apart, for the self-check's hint.

    For each mistake of ``spec`` (reference/mutants.py) that changes an output on a public case,
    its outputs on every public case (those it changes) and its words at the hint level, in both
    languages (reference/mistakes.yaml): the self-check names the concept and where to look, never
    the fix, and the student release carries no mutant code.
    """
    from autograder.grading.mistakes import render
    from autograder.grading.refimpl import reference_submodule

    mutants = reference_submodule(course.root, "mutants")  # trusted side only: the course's own
    applicable, namespace_with = mutants.applicable, mutants.namespace_with
    found = []
    for mutant in applicable(course.gru_form):
        if not mutant.relevant_to(spec.name, spec.through) or not any(t.startswith(f"{spec.name}.") for t in mutant.targets):
            continue
        try:
            runs = trusted_outputs(namespace_with(namespace, mutant), spec, cases)
        except ProgramError:
            continue
        changed = [item.output for item in spec.items
                   if any(not compare(run[item.output], entry["expected"][item.output], item.tolerance).ok
                          for run, entry in zip(runs, entries))]
        words = {lang: render(mutant.id, "hint", lang, course=course) for lang in ("ko", "en")}
        if changed and all(words.values()):
            found.append({"id": mutant.id, "words": words,
                          "mistake_outputs": [{out: run[out] for out in changed} for run in runs]})
    return found


# Expected outputs are computed with BLAS, whose last bits depend on the CPU's kernels
# (OpenBLAS picks SkylakeX, Haswell, Zen, ... at run time): they are compared with this
# relative tolerance, far below any grading tolerance.  Inputs are drawn without BLAS and
# must match bit for bit.
OUTPUT_RTOL = 1e-12
COMPUTED = ("expected", "mistake_outputs")  # the fixture's values that BLAS computed


def same_value(a: Any, b: Any, rtol: float = 0.0) -> bool:
    """Equality of two protocol values, with dtype and shape.

    ``rtol == 0``: arrays (and numpy scalars) bitwise.  ``rtol > 0``: floating arrays may
    differ by ``rtol`` times the larger of the two arrays' largest magnitudes (NaN and inf
    in the same places); everything else still exactly.
    """
    if isinstance(a, (np.ndarray, np.generic)) or isinstance(b, (np.ndarray, np.generic)):
        a, b = np.asarray(a), np.asarray(b)
        if a.dtype != b.dtype or a.shape != b.shape:
            return False
        if rtol and a.dtype.kind in "fc":
            return _close(a, b, rtol)
        return a.tobytes() == b.tobytes()
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(same_value(a[k], b[k], rtol) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same_value(x, y, rtol) for x, y in zip(a, b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return type(a) is type(b) and same_value(np.asarray(a), np.asarray(b), rtol)
    return type(a) is type(b) and a == b


def _close(a: np.ndarray, b: np.ndarray, rtol: float) -> bool:
    finite_a, finite_b = np.isfinite(a), np.isfinite(b)
    if not np.array_equal(finite_a, finite_b) or not np.array_equal(a[~finite_a], b[~finite_b], equal_nan=True):
        return False
    x, y = a[finite_a], b[finite_b]
    if x.size == 0:
        return True
    scale = max(np.max(np.abs(x)), np.max(np.abs(y)))
    return bool(np.all(np.abs(x - y) <= rtol * scale))


def same_fixture(a: Any, b: Any) -> bool:
    """Two self-check fixtures agree: inputs bit for bit, computed outputs within OUTPUT_RTOL."""
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(
            same_value(a[k], b[k], OUTPUT_RTOL) if k in COMPUTED else same_fixture(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_fixture(x, y) for x, y in zip(a, b))
    return same_value(a, b)


def _normalised(value: Any) -> Any:
    """The value as it reads back from a fixture file (scalars become numpy scalars, tuples lists)."""
    from autograder.sandbox.inside.protocol import pack, unpack
    return unpack(*pack(value))


def fixture_path(course: Course, assignment_id: str) -> Path:
    return course.root / "solutions" / assignment_id / FIXTURE_NAME


def write_fixture(course: Course, assignment_id: str, path: Path | None = None,
                  namespace: dict[str, Callable] | None = None) -> tuple[Path, bool]:
    """Write the fixture unless the file already holds it (up to BLAS rounding); return (path, written)."""
    path = fixture_path(course, assignment_id) if path is None else path
    value = build_fixture(course, assignment_id, namespace)
    if path.is_file():
        try:
            if same_fixture(load_npz(path), _normalised(value)):
                return path, False
        except Exception:  # unreadable or foreign file: rewrite it
            pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    save_npz(tmp, value)
    tmp.replace(path)
    return path, True


def nbgrader_command(assignment_id: str, release_dir: Path | None = None, root: Path | None = None) -> list[str]:
    """The real ``nbgrader generate_assignment`` (no gradebook, no log file, fresh output)."""
    command = [sys.executable, "-m", "nbgrader", "generate_assignment", assignment_id,
               "--force", "--no-db", "--log-level=WARN", "--NbGrader.logfile="]
    if root is not None:
        command.append(f"--CourseDirectory.root={root}")
    if release_dir is not None:
        command.append(f"--CourseDirectory.release_directory={Path(release_dir).resolve()}")
    return command


# What nbgrader's failures usually mean, and what to do (matched against its output).
NBGRADER_HINTS = (
    ("No module named nbgrader", "nbgrader is not installed for {python}: run `make .venv/.run` "
                                 "(or pip install -c requirements/constraints.txt nbgrader) and use .venv/bin/autograder"),
    ("because there are submissions", "nbgrader's gradebook has submissions for this assignment, so nbgrader "
                                      "refuses to change its notebooks; `autograder release` runs nbgrader without "
                                      "the gradebook (--no-db): run it, not `nbgrader generate_assignment`, or "
                                      "rename the assignment"),
    ("command not found", "a command nbgrader runs is not on PATH: put the venv's bin/ on PATH "
                          "(`source .venv/bin/activate`) or call .venv/bin/autograder"),
    ("No such file or directory", "a command or file nbgrader needs is missing: put the venv's bin/ on PATH "
                                  "(`source .venv/bin/activate`) and check that solutions/{assignment}/ exists"),
    ("ValidationError", "the nbgrader metadata of a cell is invalid (docs/NOTEBOOKS.md, 'Cell metadata'); "
                        "`autograder validate` names the cell"),
)


def explain_nbgrader_failure(output: str, assignment_id: str) -> str:
    """A one-line hint for nbgrader's failure output (empty when nothing is recognised)."""
    for needle, hint in NBGRADER_HINTS:
        if needle in output:
            return hint.format(python=sys.executable, assignment=assignment_id)
    return ""


_EXCEPTION_LINE = re.compile(r"^[\w.]+(Error|Exception|Exit): ")


def nbgrader_summary(output: str, limit: int = 20) -> str:
    """nbgrader's log without its tracebacks' frames: its own messages and the exceptions' last lines."""
    kept: list[str] = []
    for line in output.splitlines():
        text = line.strip()
        if text.startswith("[") and "] Traceback" not in text and "Please see the the above traceback" not in text:
            kept.append(text)
        elif _EXCEPTION_LINE.match(text):
            kept.append("  " + text)
    kept = list(dict.fromkeys(kept))  # nbgrader repeats itself
    return "\n".join(kept[-limit:]) if kept else output[-3000:]


def _nbgrader_env() -> dict[str, str]:
    """nbgrader runs tools (jupyter, alembic) by name: an unactivated venv still finds its own."""
    env = dict(os.environ)
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in env.get("PATH", "").split(os.pathsep):
        env["PATH"] = os.pathsep.join(filter(None, [bin_dir, env.get("PATH")]))
    return env


def generate_assignment(course_root: Path, assignment_id: str, release_dir: Path | None = None) -> Path:
    """Run nbgrader from the course root (where nbgrader_config.py lives); return the release folder.

    nbgrader deletes its output folder before it writes (``--force``), and a failed run leaves
    nothing: it therefore writes into a fresh folder next to the release, which replaces
    ``<release>/<assignment>`` only once nbgrader has succeeded.  A failure leaves the committed
    release as it was and says what went wrong.
    """
    course_root = Path(course_root).resolve()
    release_root = Path(release_dir).resolve() if release_dir is not None else course_root / "exercises"
    out = release_root / assignment_id
    release_root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{assignment_id}.release-", dir=release_root))
    try:
        try:
            proc = subprocess.run(nbgrader_command(assignment_id, staging, root=course_root), cwd=course_root,
                                  capture_output=True, text=True, timeout=NBGRADER_TIMEOUT, env=_nbgrader_env())
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise UsageError("usage.nbgrader-did-not-run", assignment=assignment_id, detail=exc, out=out) from None
        fresh = staging / assignment_id
        if proc.returncode != 0 or not fresh.is_dir():
            output = (proc.stderr or proc.stdout).strip()
            hint = explain_nbgrader_failure(output, assignment_id)
            raise UsageError("usage.nbgrader-failed" if proc.returncode != 0 else "usage.nbgrader-wrote-nothing",
                             assignment=assignment_id, out=out, fix=Nested("usage.fix", hint=hint) if hint else "",
                             output=nbgrader_summary(output))
        _swap_in(fresh, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out


def _swap_in(fresh: Path, out: Path) -> None:
    """Replace ``out`` by ``fresh`` (same file system) with two renames; the old one is removed last."""
    old = out.with_name(f".{out.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if out.exists():
        out.rename(old)
    try:
        fresh.rename(out)
    except OSError:
        if old.exists():
            old.rename(out)
        raise
    shutil.rmtree(old, ignore_errors=True)


def releasable(course: Course) -> list[str]:
    """Assignments whose solutions notebook exists."""
    return [aid for aid, a in course.assignments.items()
            if (course.root / "solutions" / aid / a.notebook).is_file()]


def release(course: Course, assignments: list[str] | None = None, release_dir: Path | None = None,
            generate: bool = True, log: Callable[[str], None] = print) -> list[Path]:
    """Fixtures + nbgrader for each assignment; return the folders written."""
    if assignments:
        unknown = [a for a in assignments if a not in course.assignments]
        if unknown:
            raise UsageError("usage.unknown-assignment", unknown=", ".join(unknown), known=", ".join(course.assignments))
        missing = [a for a in assignments if a not in releasable(course)]
        if missing:
            raise UsageError("usage.no-such-notebook",
                             path=", ".join(f"solutions/{a}/{course.assignments[a].notebook}" for a in missing))
    else:
        assignments = releasable(course)
        if not assignments:
            raise UsageError("usage.no-solutions", path=course.root / "solutions")
    from autograder.grading.refimpl import reference_problems  # the fixture needs every reference

    problems, _ = reference_problems(course, assignments)
    if problems:
        raise UsageError("usage.no-public-cases-computed", problems=Lines(tuple(problems), indent="  "))
    namespace = reference_namespace(course)
    folders = []
    for aid in assignments:
        path, written = write_fixture(course, aid, namespace=namespace)
        log(f"{path.relative_to(course.root)}: {'written' if written else 'unchanged'}")
        module = path.with_name(bundle.FILE_NAME)  # the self-check module, copied by nbgrader with the fixture
        log(f"{module.relative_to(course.root)}: {'written' if bundle.write_bundle(module) else 'unchanged'}")
        if generate:
            out = generate_assignment(course.root, aid, release_dir)
            log(f"{aid}: released to {out}")
            folders.append(out)
        else:
            folders.append(path.parent)
    return folders
