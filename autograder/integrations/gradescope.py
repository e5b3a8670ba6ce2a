"""`autograder gradescope`: grade on Gradescope with the same engine and the same sandbox.

Two modes of one verb:

- ``autograder gradescope --out autograder.zip [--assignment ID ...]`` (instructor) builds
  the zip Gradescope asks for: ``setup.sh`` and ``run_autograder`` at its root, plus the
  course (course.yaml, reference/, the solutions/ notebooks the grader reads its trusted
  cells from, autograder/, pyproject.toml and the pinned requirements) and a fresh
  grading secret.
- ``autograder gradescope --run /autograder`` (what ``run_autograder`` calls for every
  submission) reads the submitted notebook(s), grades each in memory with the shared
  pipeline (``pipeline.grade_notebooks``, in one sandbox, as `autograder grade` grades one
  student), and writes ``/autograder/results/results.json`` in Gradescope's format: the
  student's feedback page (Markdown) as the submission's output, one test per rubric item.

Owns the zip's layout and scripts, the mapping of result items to Gradescope tests and
the search for the submitted notebooks.  Where the container forbids namespaces (Gradescope
drops CAP_SYS_ADMIN), student code runs under the sandbox's uid+rlimits fallback and
``close_to_others`` makes /autograder readable by root only; results.json records the
isolation.  If no sandbox can run, or one fails to start, the run writes no results.json and
exits non-zero with a sentence for the staff (:class:`AutograderFailure`): Gradescope then
reports that the autograder failed instead of giving a grade.
"""
from __future__ import annotations

import json
import os
import secrets
import time
import unicodedata
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from autograder.grading.course import Course, load_course
from autograder.grading.errors import UsageError
from autograder.grading.terminal import render_terminal
from autograder.grading.extract import MAX_NOTEBOOK_BYTES, StudentFileError, read_student_file
from autograder.grading.feedback import inert_markdown
from autograder.student.messages import render
from autograder.grading.runners import SandboxRunner, make_sandbox_factory
from autograder.grading.results import item_explanation, write_atomic
from autograder.sandbox import prewarm

if TYPE_CHECKING:
    from autograder.grading.pipeline import SubmissionResult

# The grading pipeline (autograder.grading.pipeline) is imported where it is used: a submission's
# sandbox starts first and comes up while the pipeline's modules load (grade_in_memory).
DEFAULT_ROOT = "/autograder"
VENV = "/opt/rnnlab-venv"  # outside the course folder, so the sandbox may bind its numpy
STUDENT = "student"  # the one student of a Gradescope run (Gradescope knows who it is)
REQUIREMENTS = "requirements/grade.txt"  # exactly what grading needs, every version pinned
PROJECT_FILES = ("course.yaml", "pyproject.toml", "README.md", REQUIREMENTS)
PACKAGES = ("autograder", "reference")
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed timestamps: the same course gives the same zip entries

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder image.
# It installs what grading needs and nothing else (no Jupyter, nbgrader or matplotlib).
set -euo pipefail
SOURCE=/autograder/source
VENV={venv}
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# bubblewrap + setpriv/unshare (util-linux) build the sandbox that student code runs in, and
# python3-seccomp its seccomp filter.  Where the container forbids namespaces (no CAP_SYS_ADMIN,
# Docker's seccomp profile), the grader falls back to an unprivileged uid with rlimits.
apt-get install -y -q --no-install-recommends python3 python3-venv bubblewrap util-linux python3-seccomp
# The Python just installed, not whichever python3 comes first on PATH.  Too old for the pins
# (requirements/grade.txt's requires-python): one sentence, and the image build fails here.
PYTHON=/usr/bin/python3
"$PYTHON" "$SOURCE/autograder/integrations/python_version.py" "$SOURCE/{requirements}" "choose a newer base image (Ubuntu 22.04 or later)"
"$PYTHON" -m venv "$VENV"
# Every package pinned, none pulled in unpinned (--no-deps: grade.txt is the whole closure).
"$VENV/bin/python" -m pip install --disable-pip-version-check -q --no-deps -r "$SOURCE/requirements/grade.txt"
# The course is not installed: run_autograder puts $SOURCE on PYTHONPATH (it stays in $SOURCE,
# which the sandbox never binds and the grader closes to everyone but root).  What every
# submission would otherwise redo is done once, in the image: bytecode, the course file's check,
# the digest of the grading modules, the hidden cases and reference outputs (computed with the BLAS
# settings the grader defaults to: autograder/cli's BLAS_THREADS).
export OPENBLAS_NUM_THREADS="${{OPENBLAS_NUM_THREADS:-1}}" OMP_NUM_THREADS="${{OMP_NUM_THREADS:-1}}" MKL_NUM_THREADS="${{MKL_NUM_THREADS:-1}}"
cd "$SOURCE" && "$VENV/bin/python" -c "from autograder.integrations.gradescope import prepare_image; prepare_image()"
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission (docs/ECOSYSTEM.md): it grades the notebook(s)
# in $ROOT/submission and writes $ROOT/results/results.json.
set -euo pipefail
# Both made absolute before the cd below: a local test passes them relative to where it runs.
ROOT="$(cd "${{AUTOGRADER_ROOT:-/autograder}}" && pwd)"
VENV="$(cd "${{RNNLAB_VENV:-{venv}}}" && pwd)"
cd "$ROOT/source"
PYTHONPATH="$ROOT/source" exec "$VENV/bin/python" -m autograder --course "$ROOT/source/course.yaml" \\
    gradescope --run "$ROOT"{flags}
"""


def prepare_image(source: str | Path = ".") -> None:
    """What ``setup.sh`` does once in the image so that no submission pays for it: compile the
    course's Python (autograder/, reference/) to bytecode, check course.yaml (its validation
    cache), remember the digest of the grading modules (pipeline.rubric_digest), and keep the hidden
    cases and reference outputs of each assignment the zip grades (grading/plancache.py)."""
    import compileall

    from autograder.grading.pipeline import GradingPlan, load_secret, rubric_digest

    source = Path(source).resolve()
    for package in PACKAGES:
        if not compileall.compile_dir(str(source / package), quiet=1):
            raise UsageError("usage.does-not-compile", path=source / package)
    course = load_course(source / "course.yaml")
    secret = load_secret(course)
    rubric = rubric_digest(course, secret)  # imports the reference; keeps the grading modules' digest
    shipped = [aid for aid, a in course.assignments.items() if (source / "solutions" / aid / a.notebook).is_file()]
    GradingPlan(course, secret, shipped, rubric=rubric, keep=True)


def requires_python(course_root: Path) -> tuple[int, int]:
    """The lowest Python the pins of requirements/grade.txt accept (its ``requires-python`` line)."""
    from autograder.integrations.python_version import lowest

    found = lowest((course_root / REQUIREMENTS).read_text())
    if not found:
        raise UsageError("usage.requires-python", path=course_root / REQUIREMENTS)
    return found[0], found[1] if len(found) > 1 else 0


# --------------------------------------------------------------------------- the zip


def _tree(folder: Path) -> Iterable[Path]:
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).parts
        if path.is_file() and not path.is_symlink() and not any(
                p.startswith(".") or p == "__pycache__" for p in rel) and path.suffix != ".pyc":
            yield path


def _check_assignments(course: Course, assignments: list[str] | None) -> list[str]:
    unknown = [a for a in assignments or [] if a not in course.assignments]
    if unknown:
        raise UsageError("usage.unknown-assignment", unknown=", ".join(unknown), known=", ".join(course.assignments))
    return list(assignments) if assignments else list(course.assignments)


def zip_files(course: Course, assignments: list[str] | None = None) -> dict[str, Path]:
    """Name in the zip → file on disk, for everything the grader needs besides the two scripts."""
    root = course.root
    files: dict[str, Path] = {}
    for name in PROJECT_FILES:
        if not (root / name).is_file():
            raise UsageError("usage.gradescope-project-file", path=root / name)
        files[name] = root / name
    for package in PACKAGES:
        for path in _tree(root / package):
            files[path.relative_to(root).as_posix()] = path
    for aid in _check_assignments(course, assignments):
        template = root / "solutions" / aid / course.assignments[aid].notebook
        if not template.is_file():
            raise UsageError("usage.gradescope-template", path=template)
        for path in _tree(template.parent):
            files[path.relative_to(root).as_posix()] = path
    return files


def build_zip(course: Course, out: Path, assignments: list[str] | None = None, no_sandbox: bool = False,
              secret_file: Path | None = None) -> list[str]:
    """Write Gradescope's autograder zip to ``out``; return the names it holds."""
    from autograder.grading.pipeline import SECRET_FILE  # the secret: in the course folder, /autograder/source

    files = zip_files(course, assignments)
    if secret_file is not None:
        try:
            secret = secret_file.read_text().strip()
        except OSError as exc:
            raise UsageError("usage.secret-unreadable", path=secret_file, detail=exc.strerror) from None
    else:
        secret = secrets.token_hex(32)
    flags = "".join(f" --assignment {a}" for a in assignments or []) + (" --no-sandbox" if no_sandbox else "")
    requires_python(course.root)  # setup.sh checks the image's Python against it: fail here if it is missing
    generated = {
        "setup.sh": (SETUP_SH.format(venv=VENV, requirements=REQUIREMENTS), 0o755),
        "run_autograder": (RUN_AUTOGRADER.format(venv=VENV, flags=flags), 0o755),
        SECRET_FILE: (secret + "\n", 0o600),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    entries = [(name, text.encode(), mode) for name, (text, mode) in generated.items()]
    entries += [(name, path.read_bytes(), 0o644) for name, path in files.items()]
    tmp = out.with_name(f".{out.name}.tmp")
    try:
        with zipfile.ZipFile(tmp, "w") as archive:
            for name, data, mode in sorted(entries):
                info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
                info.external_attr = (0o100000 | mode) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, data)
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
    return sorted(name for name, _, _ in entries)


# ------------------------------------------------------------------- results.json


class AutograderFailure(UsageError):
    """This submission cannot be graded in this container (no sandbox): no grade is given."""

    def __init__(self, cause: str | UsageError):  # an error is said in the command's language too
        super().__init__("usage.gradescope-failure", cause=cause)

    def message(self, language: str = "en") -> str:
        cause = self.params["cause"]
        said = cause.message(language) if isinstance(cause, UsageError) else str(cause)
        return render_terminal(self.code, language, cause=said.rstrip().rstrip("."))  # the sentence adds its "."


def gradescope_results(result_dicts: Iterable[dict], course: Course, execution_time: float,
                       pages: dict[str, str] | None = None) -> dict:
    """Gradescope's results.json for one submission: one test per rubric item, scores as graded.

    ``pages``: the feedback page (Markdown) of each assignment, as `autograder grade` wrote it;
    it is the submission's output, where Gradescope shows it first.  Every text is Markdown
    (``output_format``): an item's message, which the student's code may have chosen, as inert text."""
    results = list(result_dicts)
    pages = pages or {}
    several = len({r["assignment"] for r in results}) > 1
    tests, summary, extra = [], [], {}
    for a_index, result in enumerate(results, 1):
        aid = result["assignment"]
        assignment = course.assignments.get(aid)
        title = aid if assignment is None else (assignment.title_ko if course.language == "ko" else assignment.title)
        summary.append(render("feedback.title", course.language, assignment=title, score=result["score"],
                              max_score=result["max_score"]).removeprefix("# "))
        summary += [f"- {error}" for error in result.get("errors", [])]
        extra[aid] = {"score": result["score"], "max_score": result["max_score"],
                      "isolation": result.get("isolation")}
        for i_index, item in enumerate(result["items"], 1):
            output = inert_markdown(str(item.get("message") or ""))
            # the explanation and hint as graded, the same text as the feedback page (docs/ARCHITECTURE.md)
            entry = item_explanation(item) if item.get("diagnosis") else None
            if entry:
                if entry["explanation"]:
                    output += f"\n\n{entry['explanation']}"
                if entry["hint"]:
                    output += f"\n{render('feedback.hint', course.language)}: {entry['hint']}"
            tests.append({
                "name": f"{aid}: {item['id']}" if several else item["id"],
                "number": f"{a_index}.{i_index}",
                "score": float(item["score"]),
                "max_score": float(item["max_score"]),
                "status": "passed" if item["status"] == "passed" else "failed",
                "output": output,
                "tags": [item["function"], item["status"]],
                "visibility": "visible",
            })
    shown = [pages[r["assignment"]].strip() for r in results if pages.get(r["assignment"], "").strip()]
    return {
        "score": round(sum(float(r["score"]) for r in results), 6),
        "execution_time": max(0, round(execution_time)),
        "output": "\n\n---\n\n".join(shown) if len(shown) == len(results) else "\n".join(summary),
        "output_format": "md",
        "test_output_format": "md",
        "test_name_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",  # the grader's own log, for the instructor
        "tests": tests,
        "extra_data": {"course": course.id, "assignments": extra},
    }


# --------------------------------------------------------------- inside Gradescope


def find_notebooks(submission: Path) -> list[Path]:
    """Submitted notebooks, shallowest first; checkpoints, hidden files and symlinks are ignored."""
    if not submission.is_dir():
        return []
    found = [p for p in submission.rglob("*.ipynb")
             if p.is_file() and not p.is_symlink()
             and not any(part.startswith(".") for part in p.relative_to(submission).parts)]
    return sorted(found, key=lambda p: (len(p.relative_to(submission).parts), p.as_posix()))


def submitted_files(submission: Path, limit: int = 20) -> list[str]:
    """The submission's file names as shown to the student (relative, sorted; at most ``limit``, then
    "… and N more"): each on one line, control characters replaced, Markdown inert."""
    if not submission.is_dir():
        return []
    names = sorted(p.relative_to(submission).as_posix()[:120] for p in submission.rglob("*")
                   if p.is_file() and not any(part.startswith(".") for part in p.relative_to(submission).parts))
    shown = [shown_name(name) for name in names[:limit]]
    return shown + ([f"… and {len(names) - limit} more"] if len(names) > limit else [])


def shown_name(name: str) -> str:
    """A file name the student chose, as one line of inert Markdown: every control, format or
    line-separator character (a line break could forge a heading or a "TA note") becomes U+FFFD."""
    return inert_markdown("".join("\ufffd" if unicodedata.category(c)[0] == "C" or unicodedata.category(c) in
                                  ("Zl", "Zp") else c for c in name))


def close_to_others(root: Path) -> None:
    """Make ``ROOT`` (the course, the secret, the submission, the results) reachable by root only.

    Where the container forbids namespaces the sandbox falls back to an unprivileged uid that
    shares the file system: this is what keeps /autograder/** out of its reach."""
    if os.geteuid() != 0:
        return
    for path in (root, root / "source"):
        try:
            os.chmod(path, 0o700)
        except OSError:
            pass


def submitted_notebooks(submission: Path, course: Course, assignments: list[str] | None) -> dict[str, bytes | None]:
    """The assignments to grade, in order, each with its submitted notebook's bytes (None: not submitted).

    A notebook is matched by the file name course.yaml gives it.  A Gradescope assignment that
    grades a single course assignment also accepts one notebook under any name (Gradescope and
    students rename files).  Assignments asked for but not submitted are still graded: every
    item is then ``missing`` with a message, as in `autograder grade`.  The student's file is
    read bounded, never through a symlink or from a FIFO; one that cannot be read is not submitted."""
    scope = _check_assignments(course, assignments)
    notebooks = find_notebooks(submission)
    chosen: dict[str, Path] = {}
    for aid in scope:
        match = next((p for p in notebooks if p.name == course.assignments[aid].notebook), None)
        if match is not None:
            chosen[aid] = match
    if len(scope) == 1 and not chosen and len(notebooks) == 1:
        chosen[scope[0]] = notebooks[0]
    graded = scope if assignments or not chosen else [a for a in scope if a in chosen]
    found: dict[str, bytes | None] = {}
    for aid in graded:
        try:
            found[aid] = read_student_file(chosen[aid], MAX_NOTEBOOK_BYTES) if aid in chosen else None
        except (OSError, StudentFileError):
            found[aid] = None  # graded as not submitted, and the files seen are named
    return found


def grade_in_memory(course: Course, notebooks: dict[str, bytes | None], no_sandbox: bool) -> list[SubmissionResult]:
    """Each notebook graded by the shared pipeline (:func:`pipeline.grade_notebooks`) in one sandbox,
    as `autograder grade` grades one student: same hidden cases, sandbox, scoring and feedback."""
    assignments = list(notebooks)
    try:
        factory = make_sandbox_factory(course, isolate=not no_sandbox)(0)
    except UsageError as exc:  # e.g. no sandbox can be built in this container
        raise AutograderFailure(exc) from None
    runner = SandboxRunner.starting_now(factory)  # it starts while the pipeline loads and the cases are drawn
    try:
        from autograder.grading.refimpl import reference_problems  # a missing reference is a sentence
        from autograder.grading.pipeline import GradingPlan, grade_notebooks, load_secret, submission_of

        problems, _ = reference_problems(course, assignments, run_cases=False)
        if problems:
            raise AutograderFailure("cannot grade: `autograder validate` names what to fix\n"
                                    + "\n".join(f"  {p}" for p in problems))
        plan = GradingPlan(course, load_secret(course), assignments, keep=True)  # kept by setup.sh
        return list(grade_notebooks(plan, [submission_of(plan.rubric, aid, course.assignments[aid].notebook, raw)
                                           for aid, raw in notebooks.items()], runner, STUDENT))
    except UsageError as exc:  # the sandbox, presumed to start (sandbox/probe.py), cannot run here
        if exc.code != "usage.sandbox-unavailable":
            raise
        raise AutograderFailure(exc) from None
    finally:
        runner.close()
        prewarm.SPARES.close()  # the spare nobody took, and the used sandbox


def _grader_side_failure(results: list[dict], course: Course) -> str | None:
    """What went wrong on the grader's side (a sandbox that did not start), or None.

    The pipeline marks such a result to be graded again by the next class run; Gradescope has
    no next run, so its text for the student (and the promise of a regrade) is not shown."""
    from autograder.grading.pipeline import RETRY_PREFIX

    said = render("notebook.sandbox-failed", course.language, detail="")  # the student's words around it
    retry = "; " + render("status.retry", course.language)
    causes = [error.removeprefix(said).replace(retry, "") for r in results
              if str(r.get("fingerprint", "")).startswith(RETRY_PREFIX) for error in r.get("errors", [])]
    if not causes and not any(str(r.get("fingerprint", "")).startswith(RETRY_PREFIX) for r in results):
        return None
    return "; ".join(dict.fromkeys(causes)) or "the sandbox failed while grading"


GradeFunction = Callable[[Course, "dict[str, bytes | None]", bool], "list[SubmissionResult]"]


def run_gradescope(root: str | Path = DEFAULT_ROOT, course: Course | None = None,
                   assignments: list[str] | None = None, no_sandbox: bool = False,
                   grade: GradeFunction = grade_in_memory) -> dict:
    """Grade ``ROOT/submission`` and write ``ROOT/results/results.json``; return what was written."""
    started = time.monotonic()
    root = Path(root)
    course = course or load_course(root / "source" / "course.yaml")
    close_to_others(root)
    notebooks = submitted_notebooks(root / "submission", course, assignments)
    unmatched = [aid for aid, raw in notebooks.items() if raw is None]
    graded = grade(course, notebooks, no_sandbox)
    order = {aid: k for k, aid in enumerate(course.assignments)}  # the course's order, as the pages
    graded = sorted(graded, key=lambda g: order.get(g.result["assignment"], len(order)))
    results = [g.result for g in graded]
    pages = {g.result["assignment"]: g.feedback for g in graded}
    missing = sorted(set(notebooks) - {r["assignment"] for r in results})
    if missing:
        raise UsageError("usage.gradescope-no-result", assignments=", ".join(missing))
    failure = _grader_side_failure(results, course)
    if failure is not None:
        raise AutograderFailure(failure)
    payload = gradescope_results(results, course, time.monotonic() - started, pages)
    if unmatched:
        seen = submitted_files(root / "submission")
        names = ", ".join(course.assignments[aid].notebook for aid in unmatched)
        payload["output"] = (f"No notebook for {names} was found in the submission. Files seen: "
                             f"{', '.join(seen) if seen else 'none'}.\n\n" + payload["output"])
    write_atomic(root / "results" / "results.json", json.dumps(payload, ensure_ascii=False, indent=1) + "\n")
    return payload
