"""Grade a class: choose the students and assignments, run the pipeline over a pool of sandboxes.

Owns: discovering the nbgrader layout ``SUBMITTED/<student>/<assignment>/<notebook>.ipynb``,
the shard of the class this run grades, the worker pool with one sandbox slot per job, the
progress bar, and grades.csv at the end.  One student's grading is the pipeline's
(StudentGrader); the verbs (`grade`, `gradescope`, `validate`) call :func:`grade_class`.
"""
from __future__ import annotations

import queue
import sys
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from autograder.sandbox import box as sandbox_mod
from autograder.sandbox import prewarm
from autograder.engine.course import Course
from autograder.engine.errors import UsageError
from autograder.engine.pipeline import GradingPlan, StudentGrader, load_secret
from autograder.engine.results import WriteBehind, write_grades_csv
from autograder.engine.shard import select_shard


def discover(submitted: Path, course: Course, only: list[str] | None) -> tuple[list[str], list[str]]:
    """Students (sub-folders) and the assignments at least one of them submitted."""
    if not submitted.is_dir():
        raise UsageError(f"{submitted}: no such folder (expected SUBMITTED/<student>/<assignment>/<notebook>.ipynb)")
    if only:
        unknown = [a for a in only if a not in course.assignments]
        if unknown:
            raise UsageError(f"unknown assignment {', '.join(unknown)}; course.yaml has {', '.join(course.assignments)}")
    students = sorted(p.name for p in submitted.iterdir() if p.is_dir() and not p.name.startswith("."))
    assignments = [a for a in course.assignments if (only is None or a in only)
                   and any((submitted / s / a).is_dir() for s in students)]
    return students, assignments


def make_sandbox_factory(course: Course, isolate: bool):
    """``factory_for(slot)``: a callable making that slot's sandbox with the course's limits."""
    if isolate and not sandbox_mod.bwrap_available():
        raise UsageError(str(sandbox_mod.SandboxUnavailable()))
    limits = sandbox_mod.Limits(
        memory_bytes=course.limits.memory_mb * 2**20,
        processes=course.limits.processes,
        file_bytes=course.limits.file_mb * 2**20,
        cpu_seconds=int(course.limits.submission_seconds),
        load_seconds=course.limits.load_seconds,
        call_seconds=course.limits.call_seconds,
    )

    def factory_for(slot: int):
        return lambda: sandbox_mod.Sandbox(limits, slot=slot, isolate=isolate)

    return factory_for


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


def grade_class(course: Course, run: ClassRun) -> list[str]:
    """Grade every pending submission of the run's shard, then rebuild grades.csv; return the students."""
    if run.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    students, assignments = discover(run.submitted, course, run.assignments)
    if not students or not assignments:
        raise UsageError(f"{run.submitted}: no submissions for any assignment of {course.path.name}")
    if run.shard:
        students = select_shard(students, run.shard)  # may be empty in a small class: still a valid shard
    run.out.mkdir(parents=True, exist_ok=True)
    if students:
        grade_students(run, course, students, assignments)
    write_grades_csv(run.out)
    return students


def grade_students(run: ClassRun, course: Course, students: list[str], assignments: list[str]) -> None:
    factory_for = make_sandbox_factory(course, isolate=run.isolate)
    slots: queue.Queue[int] = queue.Queue()
    for slot in range(run.jobs):
        slots.put(slot)
    plan = GradingPlan(course, load_secret(course, run.secret_file), assignments)

    def grade_one(student: str) -> None:
        slot = slots.get()
        try:
            grader = StudentGrader(plan, run.out, factory_for(slot), write=writer.submit)
            todo = grader.pending(student, run.submitted, run.force)
            if todo:
                grader.grade(student, todo)
        finally:
            slots.put(slot)

    bar = tqdm(total=len(students), unit="student", desc="grading", disable=run.quiet, file=sys.stderr)
    writer = WriteBehind()  # result files written in the background (results.py)
    try:
        with ThreadPoolExecutor(max_workers=run.jobs) as pool:
            for future in as_completed([pool.submit(grade_one, s) for s in students]):
                future.result()
                bar.update(1)
    finally:
        writer.flush()
    bar.close()
    prewarm.SPARES.wait_closed()  # the last students' sandboxes, closed in the background (prewarm.py)
