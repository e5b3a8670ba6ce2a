"""autograder report RESULTS: a static HTML report of a graded class.

Pass rates of every item, score histograms, the most common mistakes, and one page per
student with plots.  Written to RESULTS/report/ unless --out says otherwise.

Example:
  autograder report results && xdg-open results/report/index.html
"""
from __future__ import annotations

from pathlib import Path
import argparse

from autograder.engine.course import Course
from autograder.engine.errors import UsageError
from autograder.report.html import Report, text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("results", type=Path, help="results folder written by `autograder grade`")
    parser.add_argument("--out", type=Path, default=None, help="report folder (default: RESULTS/report)")


def run(args: argparse.Namespace, course: Course) -> int:
    results: Path = args.results
    language = course.language
    if not results.is_dir():
        raise UsageError(text("report.not-a-folder", language, results=results))
    try:
        import matplotlib  # noqa: F401, PLC0415 - an optional dependency of the autograder package
    except ImportError:
        raise UsageError("the report needs matplotlib: pip install 'rnnlab[notebooks]' (or matplotlib)") from None
    out = args.out if args.out is not None else results / "report"
    report = Report(results, out, course)
    report.build()
    print(text("report.written", language, path=out / "index.html", students=len(report.students),
               files=report.files))
    return 0
