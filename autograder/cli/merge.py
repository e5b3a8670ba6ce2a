"""autograder merge SHARD ... --out RESULTS: join the results of a sharded run.

Each SHARD is the --out folder of one `autograder grade --shard K/N` (or --shard auto in a
Slurm array or a Kubernetes Indexed Job); the merged folder is what one unsharded run would
have written.  Refuses, and writes nothing, when a shard is missing, given twice or from
another run (another class, course or secret), or when two shards disagree about a student;
--allow-partial merges what is there anyway, and says so on every line it can.

Example:
  autograder merge shards/* --out results --junit results/junit.xml --summary results/summary.md
"""
from __future__ import annotations

from pathlib import Path
import argparse
import sys

from autograder.cli import say, spoken
from autograder.grading.course import Course
from autograder.student.messages import Nested
from autograder.grading.errors import UsageError
from autograder.integrations.merge import merge, shard_problems
from autograder.integrations import class_outputs
from autograder.report.stats import class_summary


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("shards", type=Path, nargs="+", metavar="SHARD", help="results folders of the shards")
    parser.add_argument("--out", type=Path, required=True, help="merged results folder (created if needed)")
    class_outputs.add_arguments(parser, "merge")  # --junit, --summary
    parser.add_argument("--allow-partial", action="store_true",
                        help="merge even if a shard is missing, duplicated or from another run (loudly)")


def run(args: argparse.Namespace, course: Course) -> int:
    # grades.csv, the class figures and the optional outputs come from one pass over the merged folder
    problems = [say(args, p.code, **p.params) for p in shard_problems(args.shards)]
    if problems and not args.allow_partial:
        raise UsageError("usage.shards-incomplete", problems="\n".join(f"  {p}" for p in problems))
    for problem in problems:
        print(f"autograder merge: {say(args, 'cli.partial-warning', problem=problem)}", file=sys.stderr)
    outputs = class_outputs.ClassPass(args.out, class_outputs.chosen("merge", args, course, args.out))
    merge(args.shards, args.out, outputs.outputs, outputs.view)
    print(say(args, "cli.merged", folders=len(args.shards), rows=outputs.view.files,
              partial=Nested("cli.merged-partial", count=len(problems)) if problems else ""))
    print(class_summary(outputs.view.stats, course, args.out, spoken(args)))
    return 0
