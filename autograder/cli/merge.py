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
from autograder.report.stats import class_summary
from autograder.engine.merge import merge


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("shards", type=Path, nargs="+", metavar="SHARD", help="results folders of the shards")
    parser.add_argument("--out", type=Path, required=True, help="merged results folder (created if needed)")
    parser.add_argument("--junit", type=Path, default=None, help="also write JUnit XML of the merged class here")
    parser.add_argument("--summary", type=Path, default=None,
                        help="also write the Markdown class summary here (e.g. for $GITHUB_STEP_SUMMARY)")


def run(args: argparse.Namespace, course: Course) -> int:
    rows = merge(args.shards, args.out)
    if args.junit:
        from autograder.integrations.junit import write_junit

        write_junit(args.out, args.junit)
    if args.summary:
        from autograder.integrations.ci_summary import write_markdown_summary

        write_markdown_summary(args.out, course, args.summary)
    print(f"merged {len(args.shards)} folder(s): {rows} result(s)")
    print(class_summary(args.out, course))
    return 0
