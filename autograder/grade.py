"""`autograder grade SUBMITTED --out RESULTS`: grade a class (DESIGN.md §5).

Owns the verb: arguments, choosing students and assignments, the worker pool, the progress
bar and the closing summary.  Everything else is the shared pipeline.
"""
from __future__ import annotations

import argparse
import queue
import sys
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from tqdm import tqdm

from . import sandbox as sandbox_mod
from .course import Course
from .errors import UsageError
from .pipeline import GradingPlan, StudentGrader, load_secret
from .results import write_grades_csv
from .shard import select_shard
from .summary import class_summary


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("submitted", type=Path, help="nbgrader layout: SUBMITTED/<student>/<assignment>/<notebook>.ipynb")
    parser.add_argument("--out", type=Path, required=True, help="results folder (created if needed)")
    parser.add_argument("--jobs", type=int, default=1, help="students graded in parallel (default 1)")
    parser.add_argument("--force", action="store_true", help="regrade everyone, even unchanged submissions")
    parser.add_argument("--assignment", action="append", default=None, metavar="ID",
                        help="grade only this assignment (repeatable)")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="run student code without bubblewrap (still in a separate, limited process)")
    parser.add_argument("--secret-file", type=Path, default=None, help="key of the hidden cases")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--shard", default=None, metavar="K/N",
                        help="grade only shard K of N of the students (CI matrix, batch array); "
                             "every shard needs the same secret; join them with `autograder merge`")
    parser.add_argument("--junit", type=Path, default=None, metavar="FILE", help="also write a JUnit XML report")
    parser.add_argument("--summary", type=Path, default=None, metavar="FILE",
                        help="also write a Markdown class summary (e.g. $GITHUB_STEP_SUMMARY)")
    parser.add_argument("--gradebook", default=None, metavar="DB_URL",
                        help="also record the scores in nbgrader's gradebook, e.g. sqlite:///gradebook.db")


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
    if isolate and not sandbox_mod.available():  # bwrap, or the uid fallback where namespaces are forbidden
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


def run(args: argparse.Namespace, course: Course) -> int:
    if args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    students, assignments = discover(args.submitted, course, args.assignment)
    if not students or not assignments:
        raise UsageError(f"{args.submitted}: no submissions for any assignment of {course.path.name}")
    if args.shard:
        students = select_shard(students, args.shard)  # may be empty in a small class: still a valid shard
    args.out.mkdir(parents=True, exist_ok=True)
    if students:
        grade_students(args, course, students, assignments)
    write_grades_csv(args.out)
    write_reports(args, course)
    print(class_summary(args.out, course))
    return 0


def grade_students(args: argparse.Namespace, course: Course, students: list[str], assignments: list[str]) -> None:
    factory_for = make_sandbox_factory(course, isolate=not args.no_sandbox)
    slots: queue.Queue[int] = queue.Queue()
    for slot in range(args.jobs):
        slots.put(slot)
    plan = GradingPlan(course, load_secret(course, args.secret_file), assignments)

    def grade_one(student: str) -> None:
        slot = slots.get()
        try:
            grader = StudentGrader(plan, args.out, factory_for(slot))
            todo = grader.pending(student, args.submitted, args.force)
            if todo:
                grader.grade(student, todo)
        finally:
            slots.put(slot)

    bar = tqdm(total=len(students), unit="student", desc="grading", disable=args.quiet, file=sys.stderr)
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for future in as_completed([pool.submit(grade_one, s) for s in students]):
            future.result()
            bar.update(1)
    bar.close()


def write_reports(args: argparse.Namespace, course: Course) -> None:
    """The optional outputs for other tools, rebuilt like grades.csv from every result file."""
    if args.junit:
        from .junit import write_junit

        write_junit(args.out, args.junit)
    if args.summary:
        from .ci_summary import write_markdown_summary

        write_markdown_summary(args.out, course, args.summary)
    if args.gradebook:
        from .gradebook import write_gradebook

        write_gradebook(args.out, course, args.gradebook, submitted=args.submitted)
