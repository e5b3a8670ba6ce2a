"""autograder gradebook RESULTS: record the scores in nbgrader's gradebook.

formgrader and `nbgrader export` then show the same scores, one per grade cell.  Needs
nbgrader (installed by `make .venv/.run`).

Example:
  autograder gradebook results --db sqlite:///gradebook.db --submitted submitted
"""
from __future__ import annotations

from pathlib import Path
import argparse

from autograder.engine.course import Course
from autograder.integrations.nbgrader_gradebook import write_gradebook


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("results", type=Path, help="results folder written by `autograder grade`")
    parser.add_argument("--db", default=None, metavar="URL",
                        help="nbgrader database URL (default: sqlite:///<course folder>/gradebook.db, as nbgrader)")
    parser.add_argument("--submitted", type=Path, default=None,
                        help="nbgrader submitted/ folder: record submission times from its timestamp.txt files")


def run(args: argparse.Namespace, course: Course) -> int:
    db_url = args.db or f"sqlite:///{course.root / 'gradebook.db'}"
    counts = write_gradebook(args.results, course, db_url, args.submitted)
    print(f"{db_url}: {counts['submissions']} submission(s), {counts['grades']} grade cell score(s)")
    if counts["skipped"]:
        print(f"skipped {len(counts['skipped'])} result(s) of assignments not in {course.path.name}: "
              + ", ".join(counts["skipped"][:10]))
    return 0
