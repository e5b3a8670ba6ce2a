"""autograder export RESULTS --format FORMAT --out FILE: grades as a CSV for other tools.

Formats: nbgrader (the columns of `nbgrader export`), lms (one row per student).

Example:  autograder export results --format lms --out grades-lms.csv
"""
from __future__ import annotations

from pathlib import Path
import argparse

from autograder.engine.course import Course
from autograder.engine.results import write_atomic
from autograder.integrations.lms import _csv, lms_rows, nbgrader_rows


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("results", type=Path, help="results folder written by `autograder grade`")
    parser.add_argument("--format", required=True, choices=("nbgrader", "lms"), dest="fmt",
                        help="nbgrader: the columns of `nbgrader export`; lms: one row per student")
    parser.add_argument("--out", type=Path, required=True, help="CSV file to write")
    parser.add_argument("--submitted", type=Path, default=None,
                        help="nbgrader submitted/ folder: read submission times from its timestamp.txt files")
    parser.add_argument("--points-row", action="store_true", help="lms: add a 'Points Possible' row")


def run(args: argparse.Namespace, course: Course) -> int:
    if args.fmt == "nbgrader":
        rows = nbgrader_rows(args.results, course, args.submitted)
    else:
        rows = lms_rows(args.results, course, args.points_row)
    write_atomic(args.out, _csv(rows))
    print(f"{args.out}: {len(rows) - 1} row(s) in the {args.fmt} format")
    return 0
