"""autograder report RESULTS: a static HTML report of a graded class.

Pass rates of every item, score histograms, the most common mistakes, and one page per
student with plots.  Written to RESULTS/report/ unless --out says otherwise.

Example:
  autograder report results && xdg-open results/report/index.html
"""
from __future__ import annotations

from pathlib import Path
import argparse

from autograder.cli import say_line
from autograder.grading.course import Course
from autograder.integrations import class_outputs


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("results", type=Path, help="results folder written by `autograder grade`")
    class_outputs.add_arguments(parser, "report")  # --out


def run(args: argparse.Namespace, course: Course) -> int:
    for line in class_outputs.write_outputs(args.results, class_outputs.chosen("report", args, course, args.results)):
        print(say_line(args, line))
    return 0
