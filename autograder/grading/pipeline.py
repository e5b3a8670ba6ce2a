"""The grading pipeline shared by every verb: extract → run in sandbox → compare → score → write.

Owns the order of the stages and what flows between them: the :class:`GradingPlan`
(hidden cases and reference outputs, computed once per run in the trusted process), and
:func:`grade_student`, which drives one student's sandbox through every assignment and
writes each result as soon as it exists.  The stages themselves live in their own modules.
"""
from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import os
import secrets
import threading
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Callable, Iterator

from autograder.grading import consistency
from autograder.grading import diagnose
from autograder.grading import mistakes
from autograder.grading import plancache
from autograder.sandbox import prewarm
from autograder.grading import steps
from autograder.sandbox.box import SharedPrograms
from autograder.grading.cases import Case, build_cases, graded_outputs
from autograder.grading.course import Course, FunctionSpec
from autograder.grading.errors import UsageError
from autograder.grading.extract import NotebookError, Program, Template, parse_notebook, read_submitted_bytes
from autograder.grading.refimpl import reference_package
from autograder.grading.feedback import Sources, render_feedback
from autograder.student.messages import render
from autograder.sandbox.inside.program import run_program
from autograder.grading.results import is_current, write_atomic, write_result
from autograder.grading.runners import Runner, SandboxRunner
from autograder.grading.score import FunctionFailure, ItemResult, case_run, score_function

# Time limit of one request running all of a notebook's functions together (StudentGrader._run_together):
# far above what a correct notebook needs (benchmarks/README.md); beyond it, each function runs on its own.
TOGETHER_SECONDS = 1.0
SECRET_ENV = "RNNLAB_SECRET"
SECRET_FILE = ".grading-secret"


# ----------------------------------------------------------------------- the plan


def load_secret(course: Course, secret_file: Path | None = None) -> bytes:
    """The key of the hidden cases: $RNNLAB_SECRET, --secret-file, or .grading-secret (made once)."""
    if os.environ.get(SECRET_ENV):
        return os.environ[SECRET_ENV].encode()
    path = secret_file or course.root / SECRET_FILE
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32) + "\n")
    return path.read_text().strip().encode()


def reference_namespace(course: Course) -> dict[str, Callable]:
    """The trusted implementations the student's functions are compared with."""
    # imported here: the student release ships autograder/ without reference/
    reference = reference_package(course.root)  # the course's own reference/ (refimpl.py)

    namespace = {name: getattr(reference, name) for name in reference.__all__}
    if course.gru_form != "pytorch":  # the course's GRU form, decided once, in course.yaml
        for name in ("gru_step_forward", "gru_forward"):
            namespace[name] = partial(namespace[name], form=course.gru_form)
    return namespace


def _source_digest(package_file: str) -> str:
    """Hash of a package's Python sources: a changed reference regrades everyone."""
    digest = hashlib.sha256()
    for path in sorted(Path(package_file).parent.rglob("*.py")):
        digest.update(path.relative_to(Path(package_file).parent).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()


# What the sandbox runs is bound in as files, not imported by the grader: all of it decides grades.
SANDBOX_FOLDER = "sandbox/inside"


def grading_sources(package: Path, start: str = "autograder.grading.pipeline") -> list[Path]:
    """The modules of ``package`` that decide a grade: ``start`` and every module of the package it
    imports, directly or not (module-level and local imports alike, read with ``ast``, never run),
    and every module of SANDBOX_FOLDER, which runs the student's code.
    The CLI, the report, the exports and the authoring verbs are not among them, so editing a
    ``--help`` text or the HTML report regrades nobody; editing the scoring, the sandbox or the
    wording that goes into a result does."""
    import ast

    top = package.name
    def file_of(module: str) -> Path | None:
        rel = Path(*module.split(".")[1:])
        for candidate in (package / rel.with_suffix(".py"), package / rel / "__init__.py"):
            if candidate.is_file():
                return candidate
        return None

    seen: dict[str, Path] = {}
    todo = [start]
    while todo:
        module = todo.pop()
        path = file_of(module)
        if module in seen or path is None:
            continue
        seen[module] = path
        package_of = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_bytes(), str(path))):
            if isinstance(node, ast.Import):
                todo += [alias.name for alias in node.names if alias.name.split(".")[0] == top]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package_of.split(".")[: len(package_of.split(".")) - node.level + 1]
                                    + ([base] if base else []))
                if base.split(".")[0] == top:
                    todo += [base] + [f"{base}.{alias.name}" for alias in node.names]
    return sorted(set(seen.values()) | set((package / SANDBOX_FOLDER).rglob("*.py")))


DIGEST_CACHE = "grading-digest"  # in the package's own __pycache__ (see _grading_digest)


@functools.lru_cache(maxsize=None)
def _grading_digest() -> str:
    """Hash of :func:`grading_sources`, remembered across processes.

    Finding the grading sources parses every module they import (most of a one-notebook grade's
    own CPU), yet it depends only on the package's Python files: the answer is kept in the
    package's ``__pycache__``, named after a hash of all of them, so any edit finds no answer
    and computes it again.  Whoever can write there can already replace the bytecode Python
    runs, so it trusts nobody new; where it is not writable, nothing is kept.
    """
    package = Path(__file__).resolve().parents[1]
    every = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        every.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    kept = package / "__pycache__" / f"{DIGEST_CACHE}.{every.hexdigest()}"
    try:
        answer = kept.read_text(encoding="ascii").strip()
        if len(answer) == 64 and all(c in "0123456789abcdef" for c in answer):
            return answer
    except (OSError, ValueError):
        pass
    digest = hashlib.sha256()
    for path in grading_sources(package):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    try:
        for old in kept.parent.glob(f"{DIGEST_CACHE}.*"):  # the answers for earlier sources
            old.unlink(missing_ok=True)
        write_atomic(kept, digest.hexdigest() + "\n")
    except OSError:
        pass
    return digest.hexdigest()


def reference_forward(namespace: dict[str, Callable]) -> Callable[[FunctionSpec, list], list]:
    """``forward_shapes`` for build_cases: every output of the reference forward on ``args``."""
    def forward(spec: FunctionSpec, args: list) -> list:
        step = {"fn": spec.name, "args": args, "nret": len(spec.returns), "send": list(range(len(spec.returns)))}
        return run_program(namespace, {"steps": [step]})["outputs"][0]
    return forward


def rubric_digest(course: Course, secret: bytes) -> str:
    """What every grade depends on besides the notebook: the grading modules, course, reference, secret.

    Cheap (no hidden case is drawn), so a cached grade can be found without a GradingPlan.
    """
    reference = reference_package(course.root)
    if reference.__file__ is None:  # a namespace package: no sources to hash
        raise UsageError("usage.reference-not-package", path=course.root / "reference")

    wording = mistakes.wording_path(course)  # results quote the mistakes' words: rewording regrades
    return hashlib.sha256("|".join([
        course.digest, _source_digest(reference.__file__), _grading_digest(),
        hashlib.sha256(secret).hexdigest(),
        hashlib.sha256(wording.read_bytes()).hexdigest() if wording and wording.is_file() else "",
    ]).encode()).hexdigest()


def trusted_outputs(namespace: dict[str, Callable], spec: FunctionSpec, cases: list[Case]) -> list[dict[str, Any]]:
    """The graded outputs of ``spec`` on each case, run in a trusted namespace (the reference,
    or a catalogued mistake's): the grader's expected values and the self-check fixture's."""
    return [graded_outputs(run_program(namespace, case.program), spec) for case in cases]


@dataclass(frozen=True)
class Submission:
    """One submitted notebook, read once: its bytes (or why it can't be read) and its fingerprint."""

    assignment: str
    notebook: Path
    fingerprint: str  # the resume/cache key under a rubric
    raw: bytes | None
    error: NotebookError | None


def read_submission(rubric: str, assignment: str, notebook: Path) -> Submission:
    """Read the notebook once (bounded, never through a symlink: the file is the student's)."""
    try:
        raw, error = read_submitted_bytes(notebook), None
    except NotebookError as exc:
        raw, error = None, exc
    return _submission(rubric, assignment, notebook, raw, error)


def submission_of(rubric: str, assignment: str, name: str, raw: bytes | None) -> Submission:
    """A notebook already read (``raw``; None: not submitted), named ``name`` in its messages."""
    return _submission(rubric, assignment, Path(name), raw, None if raw is not None else NotebookError("notebook.missing"))


def _submission(rubric: str, assignment: str, notebook: Path, raw: bytes | None,
                error: NotebookError | None) -> Submission:
    content = f"<{error.code}: {error.detail}>".encode() if error is not None else raw or b""
    fingerprint = hashlib.sha256(rubric.encode() + assignment.encode() + content).hexdigest()
    return Submission(assignment, notebook, fingerprint, raw, error)


@dataclass
class Expected:
    cases: list[Case]
    outputs: list[dict[str, Any]]  # graded outputs of the reference, per case


class GradingPlan:
    """Hidden cases and reference outputs: computed once per run, shared by every student."""

    def __init__(self, course: Course, secret: bytes, assignments: list[str], *, rubric: str | None = None,
                 keep: bool = False):
        """``rubric``: ``rubric_digest(course, secret)`` if the caller has it; ``keep``: read and keep
        each assignment's cases and reference outputs in the course's cache (plancache.py)."""
        self.course = course
        self.assignments = assignments
        self.namespace = reference_namespace(course)
        self.rubric = rubric or rubric_digest(course, secret)
        self.expected: dict[str, Expected] = {}
        for aid in assignments:
            names = [spec.name for spec in course.functions_of(aid)]
            path = plancache.path_of(course.root, self.rubric, aid) if keep else None
            kept = plancache.load(path, names) if path is not None else None
            if kept is None:
                kept = {}
                for spec in course.functions_of(aid):
                    cases = build_cases(course, spec, secret, forward_shapes=reference_forward(self.namespace))
                    kept[spec.name] = (cases, trusted_outputs(self.namespace, spec, cases))
                if path is not None:
                    plancache.keep(path, kept)
            self.expected.update({name: Expected(cases, outputs) for name, (cases, outputs) in kept.items()})
        # what a function's own request sends (SharedPrograms: encoded once per run, not per student)
        self.programs = {name: SharedPrograms(self._counted(course, spec, case.program) for case in expected.cases)
                         for name, expected in self.expected.items() for spec in [course.functions[name]]}
        self.templates = {aid: Template(course.root / "solutions" / aid / course.assignments[aid].notebook)
                          for aid in assignments}
        self.diagnoser = diagnose.Diagnoser(course, self)
        self.follow_through = consistency.FollowThrough(course, self, secret)
        self._together_lock = threading.Lock()
        self._together: dict[str, SharedPrograms] = {}

    @staticmethod
    def forwards_of(course: Course, spec: FunctionSpec) -> list[str]:
        """The assignment's forward functions (those a backward is graded through, step functions too)."""
        return sorted({f.through for f in course.functions_of(spec.assignment) if f.through})

    def _counted(self, course: Course, spec: FunctionSpec, program: dict) -> dict:
        """The program the student's sandbox runs: a backward's step counts the calls of the forwards."""
        if not (spec.through and course.numerical_gradient.check):
            return program
        *before, last = program["steps"]
        return {**program, "steps": [*before, {**last, "count": self.forwards_of(course, spec)}]}

    def together(self, aid: str) -> SharedPrograms:
        """Every case program of an assignment's functions, in order (StudentGrader._run_together)."""
        with self._together_lock:
            if aid not in self._together:
                self._together[aid] = SharedPrograms(program for spec in self.course.functions_of(aid)
                                                     for program in self.programs[spec.name])
            return self._together[aid]


# ------------------------------------------------------------- one student's run


def _cut_for_size(result: dict) -> bool:
    """A result the worker replaced because the whole reply was too large (worker._send_results)."""
    error = result.get("error") if isinstance(result, dict) else None
    return isinstance(error, dict) and str(error.get("message", "")).startswith("the outputs are too large")


def _load_failure(reply: dict, limit: float) -> FunctionFailure | None:
    """A notebook that could not load at all; None when only some cells failed.

    An exception in one cell leaves the other cells' functions defined (extract.Program),
    so those are still graded and the error is reported once for the notebook.
    """
    kind = reply.get("kind", "exception")
    detail = str(reply.get("message", ""))[:600]
    if kind == "timeout":
        return FunctionFailure("timeout", "notebook.load-timeout", {"seconds": limit})
    if kind == "exception":
        return None
    return FunctionFailure("error", "notebook.load-crash", {"detail": detail})


RETRY_PREFIX = "retry:"  # a result's fingerprint with this prefix is regraded by the next run


def _sandbox_failure(code: str, exc: BaseException, language: str, **params) -> tuple[FunctionFailure, bool]:
    """A failure while loading or calling one student's code, as that student's items' error.

    Whatever the grader side raises here — a ``ProtocolError`` or ``ValueError`` for a request
    the frame limits refuse, ``OSError``, ``SandboxUnavailable`` when a sandbox will not start —
    costs only these items; the class run goes on.  A ``ValueError`` (ProtocolError included)
    comes from what the student submitted and is final; anything else may be the host's
    trouble, so the result is marked to be graded again by the next run.
    """
    retry = not isinstance(exc, ValueError)
    message = getattr(exc, "message", None)  # SandboxUnavailable, UsageError: said in a language
    said = message(language) if callable(message) else str(exc)
    detail = f"{type(exc).__name__}: {said[:300]}"
    if retry:
        detail += "; " + render("status.retry", language)
    return FunctionFailure("error", code, {**params, "detail": detail}), retry


@dataclass(frozen=True)
class SubmissionResult:
    """One graded submission, in memory: the result JSON and its Markdown feedback page."""

    result: dict
    feedback: str

    @property
    def retry(self) -> bool:
        """Whether a failure that may be the host's marked it to be graded again (RETRY_PREFIX)."""
        return str(self.result.get("fingerprint", "")).startswith(RETRY_PREFIX)


def notebook_program(plan: GradingPlan, submission: Submission) -> Program:
    """The code a submitted notebook runs (trusted setup cells + the student's cells); NotebookError
    if it cannot be read or is not a notebook of the assignment."""
    if submission.error or submission.raw is None:  # read_submission sets one of the two
        raise submission.error or NotebookError("notebook.missing", "")
    return plan.templates[submission.assignment].program(parse_notebook(submission.raw),
                                                         plan.course.limits.source_kb * 1024)


def grade_submission(plan: GradingPlan, submission: Submission, runner: Runner, student: str,
                     deadline: float | None = None, *, then: Callable[[], None] | None = None,
                     program: Program | None = None) -> SubmissionResult:
    """Grade one submitted notebook with ``runner`` (runners.py) and return its result; write nothing.

    Extract the notebook's code (:func:`notebook_program`, or ``program`` if already extracted),
    load it, run every function's hidden cases, score them, apply the post-scoring steps and render
    the feedback.  ``runner`` stays open (one student's sandbox serves all of their notebooks);
    ``deadline`` (``time.monotonic()``) bounds all of a student's notebooks together, by default
    this one's ``submission_seconds``.  ``then`` is called once the notebook's functions have run
    together, before they are scored (StudentGrader loads the next notebook meanwhile).
    """
    if deadline is None:
        deadline = time.monotonic() + plan.course.limits.submission_seconds
    return _SubmissionGrading(plan, runner, deadline).grade(student, submission, then, program)


class _SubmissionGrading:
    """The state of one :func:`grade_submission`: whether a failure marked it to be graded again."""

    def __init__(self, plan: GradingPlan, runner: Runner, deadline: float):
        self.plan = plan
        self.course = plan.course
        self.runner = runner
        self.deadline = deadline
        self.steps = [step(plan) for step in steps.POST_SCORING]
        self.retry = False  # the submission met a failure that may be the host's

    def grade(self, student: str, submission: Submission, then: Callable[[], None] | None = None,
              program: Program | None = None) -> SubmissionResult:
        aid, notebook, fingerprint = submission.assignment, submission.notebook, submission.fingerprint
        errors = []  # (message code, parameters)
        failure = None
        try:
            program = program or notebook_program(self.plan, submission)
        except NotebookError as exc:
            status = "missing" if exc.code == "notebook.missing" else "error"
            failure = FunctionFailure(status, exc.code, {"notebook": notebook.name, "detail": exc.detail, **exc.params})
        else:
            try:
                reply = self.runner.load(aid, program.code, program.filename)
            except UsageError:  # no sandbox can be built on this host at all (SandboxRunner.load): no grade
                raise
            except Exception as exc:  # any failure: see _sandbox_failure
                failure, self.retry = _sandbox_failure("notebook.sandbox-failed", exc, self.course.language)
            else:
                if not reply.get("ok"):
                    failure = _load_failure(reply, self.course.limits.load_seconds)
                    if failure is None:
                        errors.append(("notebook.load-error", {"detail": str(reply.get("message", ""))[:600]}))
        if failure:
            errors.append((failure.code, failure.params))
        try:  # the fast path; on any trouble every function runs on its own, as before
            together = self._run_together(aid) if failure is None else {}
        except Exception:  # any failure: _grade_function meets (and reports) it again
            together = {}
        if then is not None:
            then()
        graded = steps.Graded(aid, [self._grade_function(spec, aid, failure, together.get(spec.name))
                                    for spec in self.course.functions_of(aid)])
        for step in self.steps:
            step.apply(graded)
        if self.retry:
            fingerprint = RETRY_PREFIX + fingerprint
        return self._result(student, aid, fingerprint, graded.items, errors, self.runner.isolation)

    def _run_together(self, aid: str) -> dict[str, dict]:
        """Every graded function of a notebook in one request: a fast path that changes no grade.

        One request per function gives each function its own time limit and reloads a unit
        that crashed before the next function.  One request for the whole notebook saves ~30
        round trips through the sandbox per student (each one 4 process switches: the largest
        cost after the sandbox start, benchmarks/README.md), so it is tried first, and only its
        clean answers are used: if it times out (TOGETHER_SECONDS, or the functions' own limit if
        lower) or the unit dies, nothing of it is used and every function runs on its own as
        before; a function whose result was cut for size runs again on its own.  Same calls,
        same order.  What it costs: a notebook that hangs waits TOGETHER_SECONDS more.

        A function that does not pass every item in the shared request is graded again from its
        own request (_grade_function), as without this fast path: what one function's code does
        to the shared request (e.g. a forged reply frame for all of it, tests/hostile) can then
        cost only its own items, and its feedback, diagnosis and self-consistency credit come
        from its own run.  A function that passes here passes on its own: only the outputs of
        the student's own code can match the reference on hidden cases.
        Returns ``{function: reply}`` as one ``runner.run`` per function would have.
        """
        specs = self.course.functions_of(aid)
        if len(specs) < 2:
            return {}
        programs = self.plan.together(aid)
        reply = self.runner.run(aid, programs, timeout=min(TOGETHER_SECONDS, max(spec.call_seconds for spec in specs)))
        if not reply.get("ok"):
            return {}
        results, replies = iter(reply["results"]), {}
        for spec in specs:
            mine = [next(results) for _ in self.plan.expected[spec.name].cases]
            if not any(_cut_for_size(result) for result in mine):
                replies[spec.name] = {"ok": True, "results": mine}
        return replies

    def _grade_function(self, spec: FunctionSpec, aid: str, failure: FunctionFailure | None,
                        reply: dict | None = None, again: bool = False) -> steps.FunctionRun:
        """Run one function's hidden cases (or take ``reply``, from the notebook's shared request)
        and score them; the post-scoring steps come after.

        A backward with a large case that times out on its own runs once more (``again``): its limit
        is tight by design (the large case is sized against it, course.yaml), so a stall of the host
        must not cost an honest backward its points; a numerical gradient times out twice."""
        expected = self.plan.expected[spec.name]
        if failure is None and time.monotonic() > self.deadline:
            failure = FunctionFailure("timeout", "status.submission-timeout",
                                      {"seconds": self.course.limits.submission_seconds})
        if failure is None:
            together = reply is not None
            if reply is None:  # not run together with the notebook's other functions
                try:
                    reply = self.runner.run(aid, self.plan.programs[spec.name], timeout=spec.call_seconds)
                except Exception as exc:  # any failure: see _sandbox_failure
                    failure, retry = _sandbox_failure("status.sandbox-failed", exc, self.course.language,
                                                      function=spec.name)
                    self.retry = self.retry or retry
                    return steps.FunctionRun(spec, score_function(self.course, spec, expected.cases,
                                                                  expected.outputs, failure))
            if reply.get("ok"):
                runs = [case_run(spec, case, r) for case, r in zip(expected.cases, reply["results"])]
                items = score_function(self.course, spec, expected.cases, expected.outputs, runs)
                if together and any(i.status != "passed" for i in items):  # graded from its own request
                    return self._grade_function(spec, aid, failure)
                return steps.FunctionRun(spec, items, runs)
            if reply.get("kind") == "timeout" and spec.large_case and not again:
                return self._grade_function(spec, aid, failure, again=True)
            if reply.get("kind") == "timeout":
                failure = FunctionFailure("timeout", "status.timeout",
                                          {"function": spec.name, "seconds": spec.call_seconds})
            else:
                failure = FunctionFailure("error", "status.crash",
                                          {"function": spec.name, "detail": str(reply.get("message", ""))[:300]})
        return steps.FunctionRun(spec, score_function(self.course, spec, expected.cases, expected.outputs, failure))

    def _result(self, student: str, aid: str, fingerprint: str, items: list[ItemResult],
                errors: list[tuple[str, dict]], isolation: str | None = None) -> SubmissionResult:
        language = self.course.language
        result = {
            "student": student,
            "assignment": aid,
            "score": round(sum(i.score for i in items), 6),
            "max_score": self.course.max_score(aid),
            "items": [i.to_json(language) for i in items],  # explanation/hint: steps.ExplainStep
            "errors": [render(code, language, **params) for code, params in errors],
            "isolation": isolation,  # what the student's code ran under (null: none of it ran)
            "fingerprint": fingerprint,
            "graded_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        }
        assignment = self.course.assignments[aid]
        title = assignment.title_ko if language == "ko" else assignment.title
        return SubmissionResult(result, render_feedback(result, language, title, Sources.of(items, errors)))


class StudentGrader:
    """Grades one student's assignments in one sandbox (:func:`grade_submission` each) and writes
    each result as soon as it exists: what a class run does per student."""

    def __init__(self, plan: GradingPlan, out: Path, sandbox_factory: Callable[[], Any],
                 prewarm_next: bool | None = None, write: Callable[[Path, dict, str], None] = write_result,
                 use_spare: bool | None = None):
        self.plan = plan
        self.write = write  # results.write_result, or a WriteBehind's submit (classrun)
        self.course = plan.course
        self.out = out
        self.sandbox_factory = sandbox_factory
        # start the next student's sandbox while this one is graded (prewarm.py); off for one-offs,
        # and for a class's last student (classrun: nobody would take it)
        self.prewarm = prewarm.enabled() if prewarm_next is None else prewarm_next
        # take a sandbox started while the previous student was graded, if there is one
        self.use_spare = self.prewarm if use_spare is None else use_spare

    def pending(self, student: str, submitted: Path, force: bool) -> list[Submission]:
        """The student's submissions whose result is missing or was made under another rubric."""
        todo = []
        for aid in self.plan.assignments:
            notebook = submitted / student / aid / self.course.assignments[aid].notebook
            submission = read_submission(self.plan.rubric, aid, notebook)
            if force or not is_current(self.out, student, aid, submission.fingerprint):
                todo.append(submission)
        return todo

    def grade(self, student: str, todo: list[Submission]) -> list[dict]:
        """Grade the pending assignments; return their results (already written to disk)."""
        deadline = time.monotonic() + self.course.limits.submission_seconds
        results = []
        runner = SandboxRunner(self.sandbox_factory, prewarm_next=self.prewarm, use_spare=self.use_spare)
        try:
            for graded in grade_notebooks(self.plan, todo, runner, student, deadline):
                self.write(self.out, graded.result, graded.feedback)
                results.append(graded.result)
        finally:
            runner.close()
        return results


def grade_notebooks(plan: GradingPlan, submissions: list[Submission], runner: Runner, student: str,
                    deadline: float | None = None) -> Iterator[SubmissionResult]:
    """One student's notebooks in one runner, in order (:func:`grade_submission` each; ``deadline``
    as there, None: each notebook's own), each result yielded as soon as it exists.

    The next notebook is loaded while this one is scored (``runner.load_ahead``): the grader's
    scoring and the worker's fork and exec of the student's code overlap, and the next
    ``grade_submission`` gets that load's reply.  The worker still serves one request at a time:
    a rerun of this notebook's function waits for that load."""
    ahead: dict[str, Program] = {}  # the next notebook's code, extracted once

    def load_ahead(submission: Submission) -> None:
        try:
            program = ahead[submission.assignment] = notebook_program(plan, submission)
        except NotebookError:
            return  # grade_submission meets it again and says so
        try:
            runner.load_ahead(submission.assignment, program.code, program.filename)
        except Exception:  # then it is loaded when its turn comes, as without this
            pass

    for submission, after in zip(submissions, [*submissions[1:], None]):
        yield grade_submission(plan, submission, runner, student, deadline,
                               then=partial(load_ahead, after) if after is not None else None,
                               program=ahead.pop(submission.assignment, None))
