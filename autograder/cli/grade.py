"""autograder grade SUBMITTED --out RESULTS: grade a whole class.

SUBMITTED is nbgrader's layout, SUBMITTED/<student>/<assignment>/<notebook>.ipynb.  Every
graded function runs in a sandbox on hidden cases; RESULTS gets one JSON result and one
Markdown feedback page per student and assignment, and grades.csv.  Rerunning grades only
what changed (--force regrades everyone).

Examples:
  autograder grade submitted --out results --jobs 2 --junit results/junit.xml
  autograder grade submitted --out shards/3 --shard 3/8      # one of 8 machines; then `autograder merge`
  autograder grade submitted --out "shards/$SLURM_ARRAY_TASK_ID" --shard auto   # in a Slurm array / k8s Indexed Job
"""
from __future__ import annotations

import argparse
from pathlib import Path

from autograder.engine.course import Course
from autograder.report.stats import class_summary
from autograder.engine.classrun import ClassRun, grade_class
from autograder.engine.shard import resolve_shard


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
    parser.add_argument("--shard", default=None, metavar="K/N|auto",
                        help="grade only shard K of N of the students (CI matrix, batch array); 'auto': K and N "
                             "from a Slurm job array or a Kubernetes Indexed Job (with $RNNLAB_SHARDS); "
                             "every shard needs the same secret; join them with `autograder merge`")
    parser.add_argument("--junit", type=Path, default=None, metavar="FILE", help="also write a JUnit XML report")
    parser.add_argument("--summary", type=Path, default=None, metavar="FILE",
                        help="also write a Markdown class summary (e.g. $GITHUB_STEP_SUMMARY)")
    parser.add_argument("--gradebook", default=None, metavar="DB_URL",
                        help="also record the scores in nbgrader's gradebook, e.g. sqlite:///gradebook.db")


def run(args: argparse.Namespace, course: Course) -> int:
    if args.gradebook:  # before grading: a missing nbgrader must not be found only at the end
        from autograder.integrations.nbgrader_gradebook import require_nbgrader

        require_nbgrader()
    shard, where = resolve_shard(args.shard)
    if shard:
        print(f"grading shard {shard} ({where})", flush=True)
    grade_class(course, ClassRun(args.submitted, args.out, args.assignment, args.jobs, args.force,
                                 isolate=not args.no_sandbox, secret_file=args.secret_file,
                                 shard=shard, quiet=args.quiet))
    write_reports(args, course)
    print(class_summary(args.out, course))
    return 0


def write_reports(args: argparse.Namespace, course: Course) -> None:
    """The optional outputs for other tools, rebuilt like grades.csv from every result file."""
    if args.junit:
        from autograder.integrations.junit import write_junit

        write_junit(args.out, args.junit)
    if args.summary:
        from autograder.integrations.ci_summary import write_markdown_summary

        write_markdown_summary(args.out, course, args.summary)
    if args.gradebook:
        from autograder.integrations.nbgrader_gradebook import write_gradebook

        write_gradebook(args.out, course, args.gradebook, submitted=args.submitted)
