"""autograder export RESULTS --format FORMAT --out FILE: grades as a CSV for other tools.

Each format (listed below) writes one CSV file; the options a format reads say which.

Examples:
  autograder export results --format canvas --roster canvas-export.csv --out canvas-import.csv
  autograder export results --format canvas --column rnn="Vanilla RNN and BPTT (5512)" --out canvas-import.csv
  autograder export results --format moodle --roster moodle-export.csv --identity email --out moodle-import.csv
  autograder export results --format nbgrader --submitted submitted --out grades-nbgrader.csv
"""
from __future__ import annotations

from pathlib import Path
import argparse

from autograder.cli import say_line
from autograder.grading.course import Course
from autograder.integrations import class_outputs


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("results", type=Path, help="results folder written by `autograder grade`")
    class_outputs.add_arguments(parser, "export")  # --format, --out and what each format reads


def run(args: argparse.Namespace, course: Course) -> int:
    for line in class_outputs.write_outputs(args.results, class_outputs.chosen("export", args, course, args.results)):
        print(say_line(args, line))
    return 0
