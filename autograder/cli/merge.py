"""autograder merge SHARD ... --out RESULTS: join the results of a sharded run.

Each SHARD is the --out folder of one `autograder grade --shard K/N` (or --shard auto in a
Slurm array or a Kubernetes Indexed Job); the merged folder is what one unsharded run would
have written.  Refuses, and writes nothing, when two shards disagree about a student.

Example:
  autograder merge shards/* --out results --junit results/junit.xml --summary results/summary.md
"""
from __future__ import annotations

from pathlib import Path
import argparse

from autograder.engine.course import Course
from autograder.engine.merge import merge
from autograder.integrations.class_outputs import class_outputs
from autograder.report.stats import class_summary


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("shards", type=Path, nargs="+", metavar="SHARD", help="results folders of the shards")
    parser.add_argument("--out", type=Path, required=True, help="merged results folder (created if needed)")
    parser.add_argument("--junit", type=Path, default=None, help="also write JUnit XML of the merged class here")
    parser.add_argument("--summary", type=Path, default=None,
                        help="also write the Markdown class summary here (e.g. for $GITHUB_STEP_SUMMARY)")


def run(args: argparse.Namespace, course: Course) -> int:
    # grades.csv, the class figures and the optional outputs come from one pass over the merged folder
    stats, outputs = class_outputs(course, junit=args.junit, summary=args.summary)
    rows = merge(args.shards, args.out, outputs)
    print(f"merged {len(args.shards)} folder(s): {rows} result(s)")
    print(class_summary(stats, course, args.out))
    return 0
