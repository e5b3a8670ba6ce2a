"""autograder validate: prove the course before students see it (CI runs it on every push).

Checks, and names every problem with its file, cell, function and fix:
  - how the course is written (conventions, read without grading): grade-cell points =
    course.yaml, every check("...") names a graded function, each def's arguments =
    course.yaml's inputs, a reference for every graded function, catalogued mistakes only
    for functions that exist;
  - how it scores (graded for real in the sandbox on fresh hidden cases): the filled-in
    solutions score full marks, the student release scores zero, every catalogued mistake
    loses points;
  - what was released (the release audit): exercises/ is what `autograder release` makes of
    solutions/; no solution line leaks into exercises/.
Exit status 0 when the course is valid, 1 when a problem was found.

Examples:
  autograder validate
  autograder validate --assignment rnn --assignment lstm
"""
from __future__ import annotations

import argparse

from autograder.cli import say, spoken
from autograder.grading.course import Course
from autograder.grading.errors import UsageError
from autograder.authoring.validation import validate


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--assignment", action="append", default=None, metavar="ID",
                        help="validate only this assignment (repeatable)")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="grade the solutions and stubs without bubblewrap (development only)")


def run(args: argparse.Namespace, course: Course) -> int:
    assignments = args.assignment or list(course.assignments)
    unknown = [a for a in assignments if a not in course.assignments]
    if unknown:
        raise UsageError("usage.unknown-assignment", unknown=", ".join(unknown), known=", ".join(course.assignments))
    print(say(args, "cli.validate-ok", course=course.path.name, assignments=len(course.assignments),
              items=sum(len(f.items) for f in course.functions.values())))
    problems = validate(course, assignments, isolate=not args.no_sandbox, language=spoken(args))
    print(say(args, "cli.validate-problems", count=len(problems)) if problems else say(args, "cli.validate-valid"))
    return 1 if problems else 0
