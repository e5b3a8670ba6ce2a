"""autograder release [ASSIGNMENT ...]: make the student release.

Writes each assignment's public self-check cases (solutions/<A>/public_cases.npz) and runs
nbgrader generate_assignment, which writes exercises/<A>/ without the solutions.  nbgrader
writes into a temporary folder that replaces exercises/<A>/ only when it succeeded: a
failed run leaves the committed release as it was and says how to fix it.

Examples:
  autograder release              # every assignment with a solutions notebook
  autograder release rnn --fixtures-only
"""
from __future__ import annotations

from pathlib import Path
import argparse

from autograder.grading.course import Course
from autograder.authoring.release import release


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("assignments", nargs="*", metavar="ASSIGNMENT",
                        help="assignment ids (default: every assignment with a solutions notebook)")
    parser.add_argument("--fixtures-only", action="store_true",
                        help="write solutions/<asg>/public_cases.npz and rnnlab_check.py but do not run nbgrader")
    parser.add_argument("--release-dir", type=Path, default=None,
                        help="write the release here instead of exercises/ (e.g. to compare)")


def run(args: argparse.Namespace, course: Course) -> int:
    release(course, args.assignments or None, release_dir=args.release_dir, generate=not args.fixtures_only)
    return 0

