"""autograder similarity SUBMITTED --out DIR: find near-copies among students' solution cells.

Compares every graded function's solution cell between every two students with copydetect:
renamed variables, reordered lines, swapped operands of + and * and changed comments still
match; docstrings, comments, everything the exercise notebook provides and passages that many
students write alike (as MOSS's -m) do not count.  Pairs sharing the most functions come
first.  Writes DIR/index.html (the pairs, with both cells side by side and the matching code
highlighted) and DIR/pairs.csv.
A match is a lead for a person to read, not a verdict.

Examples:
  autograder similarity submitted --out similarity
  autograder similarity submitted --out similarity --assignment lstm --threshold 0.8
  autograder similarity submitted --out similarity --common-share 0.1   # a large class: idioms sooner
"""
from __future__ import annotations

import argparse
from pathlib import Path

from autograder.cli import say
from autograder.grading.course import Course
from autograder.integrations.similarity import (COMMON_FLOOR, COMMON_SHARE, MIN_FUNCTIONS, MIN_TOKENS, THRESHOLD,
                                                find_similar, pairs, write_report)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("submitted", type=Path, help="nbgrader layout: SUBMITTED/<student>/<assignment>/<notebook>.ipynb")
    parser.add_argument("--out", type=Path, required=True, help="folder for index.html and pairs.csv")
    parser.add_argument("--assignment", action="append", default=None, metavar="ID",
                        help="compare only this assignment (repeatable; default: all)")
    parser.add_argument("--threshold", type=float, default=THRESHOLD,
                        help=f"share of both cells that must match (default {THRESHOLD})")
    parser.add_argument("--min-tokens", type=int, default=MIN_TOKENS,
                        help=f"ignore cells with fewer tokens of the student's own (default {MIN_TOKENS})")
    parser.add_argument("--min-functions", type=int, default=MIN_FUNCTIONS,
                        help=f"report a pair of students when this many functions match (default {MIN_FUNCTIONS}; "
                             "1 also lists pairs that share a single function)")
    parser.add_argument("--common-share", type=float, default=COMMON_SHARE,
                        help="ignore passages found in more than this share of the students' cells of a function "
                             f"(and in more than {COMMON_FLOOR} of them), as MOSS's -m; 1 keeps every passage "
                             f"(default {COMMON_SHARE})")


def run(args: argparse.Namespace, course: Course) -> int:
    report = find_similar(course, args.submitted, args.assignment, args.threshold, args.min_tokens, args.common_share,
                          args.min_functions)
    index = write_report(report, args.out, args.threshold, args.min_tokens, args.common_share, args.min_functions)
    found = pairs(report)
    print(say(args, "cli.similarity-summary", students=report.students, compared=report.compared, found=len(found)))
    for p in found[:20]:
        functions = ", ".join(f"{m.function} {m.score:.0%}" for m in p["matches"])
        print(f"  {p['a']} ~ {p['b']}: {functions}")
    if report.fewer_functions:
        print(say(args, "cli.similarity-fewer", count=report.fewer_functions, min=args.min_functions))
    print(f"{index}")
    return 0
