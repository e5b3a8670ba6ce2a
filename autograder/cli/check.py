"""autograder check NOTEBOOK... [--function NAME]: the public self-check of notebooks, from a shell.

Inside a course (a course.yaml here or above the notebook) each notebook runs like `autograder
grade` runs it: the course's setup cells plus the notebook's solution cells, in the sandbox,
on the course's public cases; the notebook can read nothing of the course.  In a student's
released folder (no course.yaml): the notebook's own setup cells and the public cases beside it.
Exit status: 0 when every checked function passes its public cases (with --allow-unfinished:
or is still a stub raising NotImplementedError), 1 otherwise, 2 when the check cannot run.

Examples:
  autograder check exercises/*/*.ipynb
  autograder check exercises/rnn/rnn.ipynb --function rnn_step_forward --lang en
  autograder check exercises/*/*.ipynb --allow-unfinished --summary "$GITHUB_STEP_SUMMARY"   # CI
"""
# Developer notes: the code is extracted exactly as the grader does (extract.py), run in a
# fresh namespace, then selfcheck.check runs per function.  Needs no course.yaml and no
# reference code, so it works in the student release.
from __future__ import annotations

import argparse
from pathlib import Path

from autograder.student.messages import LANGUAGES
from autograder.authoring.notebook_check import check_notebooks
from autograder.student.selfcheck import FIXTURE_NAME

NEEDS_COURSE = False  # found (or not) per notebook by authoring/notebook_check.py


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("notebooks", nargs="+", type=Path, metavar="NOTEBOOK",
                        help="the notebooks to check (e.g. exercises/*/*.ipynb)")
    parser.add_argument("--function", action="append", default=None, metavar="NAME",
                        help="check only this function (repeatable; default: every graded function)")
    parser.add_argument("--fixtures", type=Path, default=None,
                        help=f"public cases (default: the course's, else {FIXTURE_NAME} beside the notebook)")
    parser.add_argument("--lang", choices=LANGUAGES, default=None,
                        help="ko or en (default: $RNNLAB_LANG, else the course's language, else ko)")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="run the notebook's code in this process (only for code you trust; warns)")
    parser.add_argument("--allow-unfinished", action="store_true",
                        help="a stub still raising NotImplementedError does not fail the exit status "
                             "(work in progress); wrong answers and errors still do")
    parser.add_argument("--summary", type=Path, default=None, metavar="FILE",
                        help="append a Markdown table per notebook (pass / unfinished / fail) to FILE, "
                             "e.g. $GITHUB_STEP_SUMMARY")


def run(args: argparse.Namespace, course=None) -> int:
    return check_notebooks(args.notebooks, args.function, course_file=getattr(args, "course", None),
                           fixtures=args.fixtures, lang=args.lang, sandbox=False if args.no_sandbox else None,
                           allow_unfinished=args.allow_unfinished, summary=args.summary)
