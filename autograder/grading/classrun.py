"""Grade a class: choose the students and assignments, run the pipeline over a pool of sandboxes.

Owns: discovering the nbgrader layout ``SUBMITTED/<student>/<assignment>/<notebook>.ipynb``,
the shard of the class this run grades, the worker pool with one sandbox slot per job, the
progress bar, and the one pass over the results at the end (the outputs the caller asked for).  One student's grading is the pipeline's
(StudentGrader); the verbs (`grade`, `gradescope`, `validate`) call :func:`grade_class`.
"""
from __future__ import annotations

import queue
import sys
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from autograder.sandbox import box as sandbox_mod
from autograder.sandbox import prewarm
from autograder.grading.course import Course
from autograder.grading.runners import make_sandbox_factory, sandbox_limits  # noqa: F401 - the verbs' names
from autograder.grading.errors import DiskFull, Lines, UsageError, is_disk_full
from autograder.grading.pipeline import RETRY_PREFIX, GradingPlan, StudentGrader, load_secret, rubric_digest
from autograder.grading.results import Output, View, feed_results, student_id_problem, WriteBehind
from autograder.grading.shard import clear_manifest, select_shard, write_manifest
from autograder.student.messages import Nested


def discover(submitted: Path, course: Course, only: list[str] | None,
             outputs: tuple[str, ...] = ()) -> tuple[list[str], list[str], dict[str, Nested]]:
    """Students (sub-folders), the assignments at least one of them submitted, and the refused folders.

    A folder whose name cannot be a student id (results.student_id_problem; ``outputs``: other
    files this run writes into the results folder) is refused, with the reason, before anything
    is graded.  Hidden folders without any assignment folder (``.ipynb_checkpoints``, ``.git``)
    are not students and are skipped silently.
    """
    if not submitted.is_dir():
        raise UsageError("usage.no-submitted-folder", path=submitted)
    if only:
        unknown = [a for a in only if a not in course.assignments]
        if unknown:
            raise UsageError("usage.unknown-assignment", unknown=", ".join(unknown), known=", ".join(course.assignments))
    students, refused = [], {}
    for folder in sorted(p for p in submitted.iterdir() if p.is_dir()):
        problem = student_id_problem(folder.name, outputs)
        if problem is None:
            students.append(folder.name)
        elif not folder.name.startswith(".") or any((folder / a).is_dir() for a in course.assignments):
            refused[folder.name] = problem
    assignments = [a for a in course.assignments if (only is None or a in only)
                   and any((submitted / s / a).is_dir() for s in students)]
    return students, assignments, refused


@dataclass(frozen=True)
class ClassRun:
    """What one grading run is asked to do (the `grade` verb's options, without the outputs)."""

    submitted: Path
    out: Path
    assignments: list[str] | None = None  # None: every assignment somebody submitted
    jobs: int = 1
    force: bool = False
    isolate: bool = True
    secret_file: Path | None = None
    shard: str | None = None
    quiet: bool = True


@dataclass
class ClassRunOutcome:
    """What a run graded, and what it could not: refused folders, and grader-side failures."""

    students: list[str]
    refused: dict[str, Nested] = field(default_factory=dict)  # folder name -> why it is no student id
    trouble: list[Nested] = field(default_factory=list)  # one line per student the grader failed

    @property
    def clean(self) -> bool:
        return not self.refused and not self.trouble


def grade_class(course: Course, run: ClassRun, outputs: Iterable[Output] = (),
                output_names: tuple[str, ...] = (), view: View | None = None) -> ClassRunOutcome:
    """Grade every pending submission of the run's shard, then write ``outputs`` (grades.csv, JUnit,
    ...: integrations/class_outputs.py) from ``view`` (the class figures) in one pass over the
    results folder.

    ``output_names``: files the run writes directly into the results folder besides its own
    (a student folder of that name is refused).  One student never ends the run: whatever goes
    wrong for one is in the outcome, and every output is still written.  A full disk ends the run
    with :class:`DiskFull` (a sentence, and no temporary file left): nothing more can be written,
    and a rerun after space is freed grades only what is missing.
    """
    if run.jobs < 1:
        raise UsageError("usage.jobs")
    students, assignments, refused = discover(run.submitted, course, run.assignments, output_names)
    if not students or not assignments:
        raise UsageError("usage.no-submissions", path=run.submitted, course=course.path.name)
    everyone = students
    if run.shard:
        students = select_shard(students, run.shard)  # may be empty in a small class: still a valid shard
    if run.out.exists() and not run.out.is_dir():
        raise UsageError("usage.out-is-file", path=run.out)
    try:
        run.out.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise UsageError("usage.out-below-file", path=run.out) from None
    try:
        clear_manifest(run.out)  # written again only once this shard is graded to the end
        trouble = grade_students(run, course, students, assignments) if students else []
        feed_results(run.out, outputs, view)
        if run.shard:  # what `autograder merge` checks: K/N and the class's fingerprint
            write_manifest(run.out, run.shard, everyone, assignments,
                           rubric_digest(course, load_secret(course, run.secret_file)))
    except Exception as exc:
        if is_disk_full(exc):
            raise DiskFull(run.out, exc, resumes=True) from None
        raise
    return ClassRunOutcome(students, refused, trouble)


def grade_students(run: ClassRun, course: Course, students: list[str], assignments: list[str]) -> list[Nested]:
    """Grade every student; return what went wrong on the grader's side (one line each, usually none).

    A failure while running one student's code is already that student's items' ``error``
    (pipeline.StudentGrader); should anything still escape for one student, it is reported
    here and the class run goes on, so grades.csv and the reports are always written.
    """
    if run.isolate and len(students) > 1:  # classmates out of each other's reach (the uid fallback)
        problem = sandbox_mod.class_run_problem([run.submitted, run.out])
        if problem:
            raise UsageError("usage.cannot-grade-here", count=len(students), problem=problem)
    factory_for = make_sandbox_factory(course, isolate=run.isolate)
    # The first student's sandbox starts while the reference's outputs are computed (prewarm.py).
    first_spare = prewarm.enabled() and bool(students)
    if first_spare:
        prewarm.SPARES.prepare(factory_for(0), warm=True)
    slots: queue.Queue[int] = queue.Queue()
    for slot in range(run.jobs):
        slots.put(slot)
    from autograder.grading.refimpl import reference_problems  # a missing reference is a sentence, not a traceback

    problems, _ = reference_problems(course, assignments, run_cases=False)
    if problems:
        raise UsageError("usage.course-problems", problems=Lines(tuple(problems), indent="  "))
    plan = GradingPlan(course, load_secret(course, run.secret_file), assignments)
    trouble: list[Nested] = []
    # Each student's grading starts a spare sandbox for a student still waiting (prewarm.py):
    # none once every student has one coming, so no sandbox is started for nobody at the end.
    spares = {"waiting": len(students), "coming": int(first_spare)}
    spares_lock = threading.Lock()

    def grade_one(student: str) -> None:
        slot = slots.get()
        with spares_lock:
            spares["coming"] = max(0, spares["coming"] - 1)  # (this student takes one, if it is ready)
            spares["waiting"] -= 1
            prewarm_next = prewarm.enabled() and spares["waiting"] > spares["coming"]
            spares["coming"] += prewarm_next
        try:
            grader = StudentGrader(plan, run.out, factory_for(slot), write=writer.submit,
                                   prewarm_next=prewarm_next, use_spare=prewarm.enabled())
            todo = grader.pending(student, run.submitted, run.force)
            results = grader.grade(student, todo) if todo else []
            retry = [r["assignment"] for r in results if str(r.get("fingerprint", "")).startswith(RETRY_PREFIX)]
            if retry:
                trouble.append(Nested("cli.trouble-sandbox", student=student, assignments=", ".join(retry)))
        except Exception as exc:  # one student never ends the class run ...
            if is_disk_full(exc):  # ... but a full disk ends it: no other result could be written
                raise
            trouble.append(Nested("cli.trouble-not-graded", student=student,
                                  detail=f"{type(exc).__name__}: {str(exc)[:300]}"))
        finally:
            slots.put(slot)

    bar = None
    if not run.quiet:
        from tqdm import tqdm  # imported only for a progress bar somebody sees (benchmarks/README.md)

        bar = tqdm(total=len(students), unit="student", desc="grading", file=sys.stderr)
    writer = WriteBehind()  # result files written in the background (results.py)
    try:
        try:
            with ThreadPoolExecutor(max_workers=run.jobs) as pool:
                futures = [pool.submit(grade_one, s) for s in students]
                try:
                    for future in as_completed(futures):
                        future.result()
                        if bar is not None:
                            bar.update(1)
                except BaseException:
                    for future in futures:  # the students not started yet are not started
                        future.cancel()
                    raise
        finally:
            if bar is not None:
                bar.close()
            writer.flush()
    except BaseException:
        prewarm.SPARES.close()  # a sandbox started for a student who is not graded now
        raise
    prewarm.SPARES.wait_closed()  # the last students' sandboxes, closed in the background (prewarm.py)
    return trouble
