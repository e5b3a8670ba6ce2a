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
from autograder.report.html import Report


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("results", type=Path, help="results folder written by `autograder grade`")
    parser.add_argument("--out", type=Path, default=None, help="report folder (default: RESULTS/report)")


def run(args: argparse.Namespace, course: Course) -> int:
    results: Path = args.results
    if not results.is_dir():  # the terminal's lines are English, as every verb's (the pages: the course's language)
        raise UsageError(f"{results}: no such folder (the results folder written by `autograder grade`)")
    try:
        import matplotlib  # noqa: F401 - an optional dependency of the autograder package
    except ImportError:
        raise UsageError("the report needs matplotlib: pip install 'rnnlab[notebooks]' (or matplotlib)") from None
    out = args.out if args.out is not None else results / "report"
    report = Report(results, out, course)
    report.build()
    print(f"report: {out / 'index.html'} ({len(report.students)} students, {report.files} result files)")
    return 0
