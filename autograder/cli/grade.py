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
import sys
from pathlib import Path

from autograder.cli import say, say_line, spoken
from autograder.grading.classrun import ClassRun, grade_class
from autograder.grading.course import Course
from autograder.grading.shard import resolve_shard
from autograder.integrations import class_outputs
from autograder.report.stats import class_summary


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
                        help="grade only shard K of N of the students (sorted ids dealt round-robin: sizes differ "
                             "by at most one); 'auto': K and N from a Slurm job array given as one range "
                             "(--array=1-N) or a Kubernetes Indexed Job (with $RNNLAB_SHARDS); every shard needs "
                             "the same secret; join them with `autograder merge`, which checks that none is missing")
    class_outputs.add_arguments(parser, "grade")  # --junit, --summary, --gradebook


def run(args: argparse.Namespace, course: Course) -> int:
    # grades.csv, the class figures and the optional outputs come from one pass over the results
    shard, where = resolve_shard(args.shard)
    if shard:
        print(say(args, "cli.grading-shard", shard=shard, where=where), flush=True)
    outputs = class_outputs.ClassPass(args.out, class_outputs.chosen("grade", args, course, args.out))
    outcome = grade_class(course, ClassRun(args.submitted, args.out, args.assignment, args.jobs, args.force,
                                           isolate=not args.no_sandbox, secret_file=args.secret_file,
                                           shard=shard, quiet=args.quiet), outputs.outputs,
                          output_names=class_outputs.names_in(args.out, outputs.outputs), view=outputs.view)
    for name, problem in outcome.refused.items():
        said = say(args, "cli.refused-folder", name=_printable(name), submitted=args.submitted, problem=problem)
        print(f"autograder grade: {said}", file=sys.stderr)
    print(class_summary(outputs.view.stats, course, args.out, spoken(args)))
    for line in outcome.trouble:
        print(f"autograder grade: {say_line(args, line)}", file=sys.stderr)
    if outcome.refused:
        print(f"autograder grade: {say(args, 'cli.refused-count', count=len(outcome.refused))}", file=sys.stderr)
    return 0 if outcome.clean else 1


def _printable(name: str) -> str:
    """A refused folder's name as one safe line for the terminal (it may hold control characters)."""
    return ascii(name)[1:-1][:120]
