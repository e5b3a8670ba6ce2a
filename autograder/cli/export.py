"""autograder export RESULTS --format FORMAT --out FILE: grades as a CSV for other tools.

Formats:
  nbgrader  the columns of `nbgrader export`, one row per student and assignment
  lms       student_id, one column per assignment, total (--points-row adds the maxima)
  canvas    Canvas's gradebook import: Student, ID, SIS User ID, SIS Login ID, Section,
            then one "Name (id)" column per assignment (ids from --roster or --column);
            identities from --roster (e.g. a Canvas gradebook export)
  moodle    Moodle's CSV grade import: First name, Last name, one identity column
            (--identity idnumber|email|username), then one column per assignment

Examples:
  autograder export results --format canvas --roster canvas-export.csv --out canvas-import.csv
  autograder export results --format canvas --column rnn="Vanilla RNN and BPTT (5512)" --out canvas-import.csv
  autograder export results --format moodle --roster moodle-export.csv --identity email --out moodle-import.csv
  autograder export results --format nbgrader --submitted submitted --out grades-nbgrader.csv
"""
from __future__ import annotations

from pathlib import Path
import argparse

from autograder.engine.course import Course
from autograder.engine.errors import UsageError
from autograder.engine.results import write_atomic
from autograder.integrations.lms import FORMATS, MOODLE_IDENTITY, ExportOptions, _csv


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("results", type=Path, help="results folder written by `autograder grade`")
    parser.add_argument("--format", required=True, choices=tuple(FORMATS), dest="fmt",
                        help="nbgrader: the columns of `nbgrader export`; lms: one row per student; "
                             "canvas / moodle: their gradebook import files")
    parser.add_argument("--out", type=Path, required=True, help="CSV file to write")
    parser.add_argument("--submitted", type=Path, default=None,
                        help="nbgrader: read submission times from the timestamp.txt files of this submitted/ folder")
    parser.add_argument("--points-row", action="store_true", help="lms: add a 'Points Possible' row")
    parser.add_argument("--roster", type=Path, default=None, metavar="CSV",
                        help="canvas / moodle: who is who — the LMS's own gradebook export, or a CSV with "
                             "student_id and the LMS's identity columns (Student, ID, SIS User ID, SIS Login ID, "
                             "Section; First name, Last name, ID number, Email address, Username)")
    parser.add_argument("--column", action="append", default=[], metavar='ASSIGNMENT="Name (id)"',
                        help="canvas: the Canvas header of an assignment, as in Canvas's gradebook export "
                             "(repeatable; default: found in --roster's columns)")
    parser.add_argument("--new-assignments", action="store_true",
                        help="canvas: write plain titles for assignments Canvas does not have yet (it creates them)")
    parser.add_argument("--identity", choices=tuple(MOODLE_IDENTITY), default="idnumber",
                        help="moodle: the column Moodle identifies users by (default idnumber; without --roster, "
                             "the nbgrader id)")


def _columns(pairs: list[str]) -> dict[str, str]:
    columns = {}
    for pair in pairs:
        aid, sep, header = pair.partition("=")
        if not sep or not aid.strip() or not header.strip():
            raise UsageError(f'--column {pair}: expected ASSIGNMENT="Name (id)", e.g. rnn="Vanilla RNN (123456)"')
        columns[aid.strip()] = header.strip()
    return columns


def run(args: argparse.Namespace, course: Course) -> int:
    options = ExportOptions(roster=args.roster, submitted=args.submitted, points_row=args.points_row,
                            columns=_columns(args.column), new_assignments=args.new_assignments,
                            identity=args.identity)
    sheet = FORMATS[args.fmt]().sheet(args.results, course, options)
    write_atomic(args.out, _csv(sheet.rows))
    print(f"{args.out}: {sheet.students} row(s) in the {args.fmt} format")
    for warning in sheet.warnings:
        print(f"warning: {warning}")
    return 0
