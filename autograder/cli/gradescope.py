"""autograder gradescope: build the Gradescope autograder zip, or grade inside Gradescope.

--out builds the zip to upload as a Gradescope programming assignment's autograder;
--run is what the zip's run_autograder calls for each submission.

Examples:
  autograder gradescope --out rnn-autograder.zip --assignment rnn
  autograder gradescope --run /autograder       # inside Gradescope
"""
from __future__ import annotations

from pathlib import Path
import argparse

from autograder.cli import say
from autograder.grading.course import Course
from autograder.integrations.gradescope import DEFAULT_ROOT, build_zip, run_gradescope


def add_arguments(parser: argparse.ArgumentParser) -> None:
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--out", type=Path, help="build the Gradescope autograder zip here")
    mode.add_argument("--run", metavar="ROOT", nargs="?", const=DEFAULT_ROOT, default=None,
                      help=f"grade inside Gradescope: ROOT/submission → ROOT/results/results.json "
                           f"(default ROOT {DEFAULT_ROOT}; this is what run_autograder calls)")
    parser.add_argument("--assignment", action="append", default=None, metavar="ID",
                        help="the assignment(s) this Gradescope assignment grades (repeatable; default: "
                             "every assignment whose notebook is submitted)")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="grade without bubblewrap (student code could then read the course: "
                             "see docs/ECOSYSTEM.md before using it)")
    parser.add_argument("--secret-file", type=Path, default=None,
                        help="--out: ship this grading secret instead of a fresh one")


def run(args: argparse.Namespace, course: Course) -> int:
    if args.run is not None:
        payload = run_gradescope(args.run, course, args.assignment, args.no_sandbox)
        isolation = sorted({str(a.get("isolation")) for a in payload["extra_data"]["assignments"].values()})
        print(say(args, "cli.gradescope-ran", score=payload["score"], tests=len(payload["tests"]),
                  isolation=", ".join(isolation)))
        return 0
    names = build_zip(course, args.out, args.assignment, args.no_sandbox, args.secret_file)
    print(say(args, "cli.gradescope-zip", out=args.out, files=len(names)))
    return 0
