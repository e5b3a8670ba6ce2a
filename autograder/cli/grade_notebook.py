"""autograder grade-notebook NOTEBOOK: grade one notebook file.

What the grade cells call under `nbgrader autograde`, so nbgrader records the same partial
credit as `autograder grade`; also handy to grade one file by hand.

Examples:
  autograder grade-notebook submitted/s01/rnn/rnn.ipynb
  autograder grade-notebook submitted/s01/rnn --json
"""
from __future__ import annotations

from pathlib import Path
import argparse
import json

from autograder.cli import say
from autograder.grading.course import Course
from autograder.integrations.nbgrader_autograde import CACHE_DIR, grade_notebook, resolve


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("notebook", type=Path,
                        help="the notebook, or its folder (named after the assignment, as in nbgrader's layout)")
    parser.add_argument("--assignment", default=None, metavar="ID",
                        help="assignment id (default: from the notebook's file name or its folder's name)")
    parser.add_argument("--student", default=None, metavar="ID",
                        help="student id in the result (default: from <student>/<assignment>/<notebook>)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object: score, max_score, per-function and per-item scores")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="run student code without bubblewrap (still in a separate, limited process)")
    parser.add_argument("--secret-file", type=Path, default=None, help="key of the hidden cases")
    parser.add_argument("--cache", type=Path, default=None, metavar="DIR",
                        help=f"grade cache (default: <course folder>/{CACHE_DIR})")
    parser.add_argument("--no-cache", action="store_true", help="grade even if a cached grade exists; store none")
    parser.add_argument("--slot", type=int, default=0, help="sandbox slot (uid 60000 + slot; default 0)")


def run(args: argparse.Namespace, course: Course) -> int:
    aid, notebook = resolve(course, args.notebook, args.assignment)
    summary = grade_notebook(course, notebook, aid, student=args.student, secret_file=args.secret_file,
                             isolate=not args.no_sandbox, cache=args.cache, use_cache=not args.no_cache,
                             slot=args.slot)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
        return 0
    for name, entry in summary["functions"].items():
        print(f"{name}: {entry['score']:g}/{entry['max_score']:g}")
    for error in summary["errors"]:
        print(f"  {error}")
    print(f"{summary['student']}/{aid}: {summary['score']:g}/{summary['max_score']:g}"
          + (say(args, "cli.cached") if summary["cached"] else ""))
    return 0
