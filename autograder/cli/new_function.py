"""autograder new-function NAME --assignment A: add a graded function to the course, as stubs.

Writes its course.yaml entry (comments and layout kept), a reference stub with a CS231n-style
docstring in reference/added.py, and a markdown, a solution and a grade cell in
solutions/A/A.ipynb.  Then: write the reference and the solution, run `autograder release A`
and `autograder validate --assignment A` (docs/NOTEBOOKS.md, "Adding a function").

Arguments: --arg NAME=N,H (a random array), --arg dout=like:OUT (upstream gradient shaped like
the forward's output OUT), --arg cache=from:cache (the forward's cache); --dim NAME=LOW,HIGH a
size of this function's own (e.g. Tq, Tk, Dv), so grading.dims (every function's sizes) stays.
A new assignment first: `autograder new-assignment ID`.

Examples:
  autograder new-function tanh_forward --assignment rnn --arg x=N,H --returns out=N,H --returns cache
  autograder new-function tanh_backward --assignment rnn --through tanh_forward \\
      --arg dout=like:out --arg cache=from:cache --returns dx=N,H --points dx=2
  autograder new-function attention_forward --assignment attention --dim Tq=2,5 --dim Tk=2,5 \\
      --arg q=N,Tq,D --arg k=N,Tk,D --arg v=N,Tk,H --returns out=N,Tq,H --returns cache
"""
from __future__ import annotations

import argparse

from autograder.cli import say
from autograder.grading.course import Course
from autograder.authoring.scaffold import new_function, plan_function


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", help="the function's name (a Python identifier, new to course.yaml)")
    parser.add_argument("--assignment", required=True, metavar="ID", help="the assignment it belongs to")
    parser.add_argument("--arg", action="append", default=None, metavar="NAME=SPEC",
                        help="an argument, in call order (repeatable): NAME=N,D | NAME=like:OUT | NAME=from:OUT "
                             "(default: x=N,D; with --through: dout=like:<first output> cache=from:cache)")
    parser.add_argument("--returns", action="append", default=None, metavar="NAME[=SHAPE]",
                        help="a returned value, in order (repeatable; default: out, cache; with --through: "
                             "the gradient of each of the forward's arguments)")
    parser.add_argument("--points", action="append", default=None, metavar="OUTPUT=POINTS",
                        help="points of a graded output (repeatable; default 1 each; the cache is never graded)")
    parser.add_argument("--through", default=None, metavar="FORWARD",
                        help="for a backward: the forward it is graded through (the student's own forward and cache)")
    parser.add_argument("--summary", default="", help="one line on what it computes (docstring, course.yaml)")
    parser.add_argument("--dim", action="append", default=None, metavar="NAME=LOW,HIGH",
                        help="a size of this function's own, drawn from [LOW, HIGH] (repeatable; e.g. --dim Tq=2,5); "
                             "a backward draws its forward's sizes")


def run(args: argparse.Namespace, course: Course) -> int:
    fn = plan_function(course, args.name, args.assignment, args.arg, args.returns, args.points, args.through,
                       args.summary, args.dim)
    for path in new_function(course, fn):
        print(say(args, "cli.wrote", path=path))
    print(say(args, "cli.next-function", name=fn.name, assignment=fn.assignment))
    return 0
