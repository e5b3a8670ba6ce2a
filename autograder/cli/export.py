"""autograder export RESULTS --format FORMAT --out FILE: grades as a CSV for other tools.

Formats:
  nbgrader  the columns of `nbgrader export`, one row per student and assignment
  lms       student_id, one column per assignment, total (--points-row adds the maxima)
  canvas    Canvas's gradebook import: Student, ID, SIS User ID, SIS Login ID, Section,
            then one column per assignment; identities from --roster (e.g. a Canvas export)
  moodle    Moodle's CSV grade import: First name, Last name, ID number, Email address,
            then one column per assignment; identities from --roster

Examples:
  autograder export results --format canvas --roster canvas-export.csv --out canvas-import.csv
  autograder export results --format moodle --out moodle-import.csv
  autograder export results --format nbgrader --submitted submitted --out grades-nbgrader.csv
"""
from __future__ import annotations

from pathlib import Path
import argparse

from autograder.engine.course import Course
from autograder.engine.results import write_atomic
from autograder.integrations.lms import _csv, canvas_rows, lms_rows, moodle_rows, nbgrader_rows

FORMATS = ("nbgrader", "lms", "canvas", "moodle")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("results", type=Path, help="results folder written by `autograder grade`")
    parser.add_argument("--format", required=True, choices=FORMATS, dest="fmt",
                        help="nbgrader: the columns of `nbgrader export`; lms: one row per student; "
                             "canvas / moodle: their gradebook import files")
    parser.add_argument("--out", type=Path, required=True, help="CSV file to write")
    parser.add_argument("--submitted", type=Path, default=None,
                        help="nbgrader: read submission times from the timestamp.txt files of this submitted/ folder")
    parser.add_argument("--points-row", action="store_true", help="lms: add a 'Points Possible' row")
    parser.add_argument("--roster", type=Path, default=None, metavar="CSV",
                        help="canvas / moodle: who is who — the LMS's own gradebook export, or a CSV with "
                             "student_id and the LMS's identity columns (Student, ID, SIS User ID, SIS Login ID, "
                             "Section; First name, Last name, ID number, Email address)")


def run(args: argparse.Namespace, course: Course) -> int:
    unmatched: list[str] = []
    if args.fmt == "nbgrader":
        rows = nbgrader_rows(args.results, course, args.submitted)
    elif args.fmt == "canvas":
        rows, unmatched = canvas_rows(args.results, course, args.roster)
    elif args.fmt == "moodle":
        rows, unmatched = moodle_rows(args.results, course, args.roster)
    else:
        rows = lms_rows(args.results, course, args.points_row)
    write_atomic(args.out, _csv(rows))
    data_rows = len(rows) - 1 - (args.fmt == "canvas")
    print(f"{args.out}: {data_rows} row(s) in the {args.fmt} format")
    if unmatched:
        print(f"warning: {len(unmatched)} student(s) not in {args.roster}, written with their nbgrader id only: "
              + ", ".join(unmatched[:10]) + (" …" if len(unmatched) > 10 else ""))
    return 0
