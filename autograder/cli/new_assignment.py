"""autograder new-assignment ID: add an assignment to the course, as a skeleton.

Writes its course.yaml entry (after the last assignment; comments and layout kept) and
solutions/ID/ID.ipynb: the bilingual header with the expected time, the grader-setup cell,
the notebook-only imports (the self-check's `check`), and the summary, with nbgrader's
metadata, as every notebook of the course has them.  Then add its functions with
`autograder new-function NAME --assignment ID`, write them, and run `autograder release ID`
and `autograder validate --assignment ID` (docs/NOTEBOOKS.md, "Adding an assignment").

Example:
  autograder new-assignment attention --title "Scaled dot-product attention" \\
      --title-ko "스케일드 점곱 어텐션" --minutes 90
"""
from __future__ import annotations

import argparse

from autograder.cli import say
from autograder.grading.course import Course
from autograder.authoring.scaffold import new_assignment, plan_assignment


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", help="the assignment's id: lower-case letters, digits and _ (names solutions/ID)")
    parser.add_argument("--title", default=None, help="its English title (default: from the id)")
    parser.add_argument("--title-ko", default=None, help="its Korean title (default: the English one)")
    parser.add_argument("--notebook", default=None, metavar="FILE.ipynb", help="the notebook's name (default: ID.ipynb)")
    parser.add_argument("--minutes", type=int, default=90,
                        help="the expected time the header states, 30 to 180 (default 90)")


def run(args: argparse.Namespace, course: Course) -> int:
    new = plan_assignment(course, args.id, args.title, args.title_ko, args.notebook, args.minutes)
    for path in new_assignment(course, new):
        print(say(args, "cli.wrote", path=path))
    print(say(args, "cli.next-assignment", id=new.id))
    return 0
