"""autograder gradebook RESULTS: record the scores in nbgrader's gradebook.

formgrader and `nbgrader export` then show the same scores, one per grade cell.  Needs
nbgrader (installed by `make .venv/.run`).

Example:
  autograder gradebook results --db sqlite:///gradebook.db --submitted submitted
"""
from __future__ import annotations

from pathlib import Path
import argparse

from autograder.cli import say_line
from autograder.grading.course import Course
from autograder.integrations import class_outputs


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("results", type=Path, help="results folder written by `autograder grade`")
    class_outputs.add_arguments(parser, "gradebook")  # --db, --submitted


def run(args: argparse.Namespace, course: Course) -> int:
    for line in class_outputs.write_outputs(args.results,
                                            class_outputs.chosen("gradebook", args, course, args.results)):
        print(say_line(args, line))
    return 0
