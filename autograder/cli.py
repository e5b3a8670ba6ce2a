"""The `autograder` command: one sub-command per verb, each a thin module over the pipeline."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .course import CourseError, find_course, load_course
from .errors import UsageError

VERBS = {
    "grade": ("autograder.grade", "grade a class of nbgrader submissions"),
    "check": ("autograder.check", "run a notebook's public self-check from the shell"),
    "report": ("autograder.report", "HTML class report: pass rates, common mistakes, per-student pages"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="autograder", description="RNN Lab autograder")
    parser.add_argument("--course", type=Path, default=None, help="course.yaml (default: the nearest one)")
    sub = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    for verb, (module_name, help_text) in VERBS.items():
        module = __import__(module_name, fromlist=["add_arguments"])
        module.add_arguments(sub.add_parser(verb, help=help_text, description=module.__doc__))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    module = __import__(VERBS[args.verb][0], fromlist=["run"])
    try:
        course = None
        if getattr(module, "NEEDS_COURSE", True):
            course = load_course(args.course or find_course())
        return module.run(args, course)
    except CourseError as exc:
        print(f"autograder: invalid course file\n{exc}", file=sys.stderr)
        return 2
    except UsageError as exc:
        print(f"autograder {args.verb}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
