"""autograder new-mistake FUNCTION ID: add a catalogued mistake to the course, as stubs.

Writes a stub of the mistake's code in reference/mutants.py (FUNCTION's signature, raising
NotImplementedError) with its catalogue entry, and its wording in reference/mistakes.yaml:
what, where, why and fix in Korean and English and the fix's key words, every one a TODO
placeholder.  `autograder validate` refuses the mistake until both are written; then it must
lose points on every item it targets (default: every graded output of FUNCTION).  When it
is written: `autograder release ASSIGNMENT` (the self-check learns it where the public cases
tell it apart) and `autograder validate` (docs/NOTEBOOKS.md, "Adding a mistake").

Examples:
  autograder new-mistake rnn_step_forward rnn-step-relu-activation
  autograder new-mistake rnn_step_forward rnn-step-relu-activation --target rnn_step_forward.next_h
"""
from __future__ import annotations

import argparse

from autograder.cli import say
from autograder.grading.course import Course
from autograder.authoring.scaffold import new_mistake, plan_mistake


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("function", help="the graded function the mistake is made in (course.yaml)")
    parser.add_argument("id", help="the mistake's id: lower-case words joined by '-' (shown in results as `diagnosis`)")
    parser.add_argument("--target", action="append", default=None, metavar="FUNCTION.OUTPUT",
                        help="a rubric item the mistake must make fail (repeatable; default: every graded "
                             "output of FUNCTION)")


def run(args: argparse.Namespace, course: Course) -> int:
    new = plan_mistake(course, args.function, args.id, args.target)
    for path in new_mistake(course, new):
        print(say(args, "cli.wrote", path=path))
    assignment = course.functions[new.function].assignment
    print(say(args, "cli.next-mistake", code_name=new.code_name, id=new.id, assignment=assignment))
    return 0
