"""The `autograder` command: one sub-command per verb, each a thin module over the pipeline.

Owns how a verb ends when it cannot go on: one line (or a short list) on stderr, exit status 2,
no traceback; and the language of every verb's own lines.  Every verb takes `--lang ko|en`;
without it a verb speaks $RNNLAB_LANG, else the course's `language` (course.yaml), else (no
course found, or an invalid one) the locale's language if Korean or English, else Korean
(grading/terminal.py).  The sentences are message codes of student/messages.py.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path

from autograder.grading.errors import DiskFull, UsageError, is_disk_full
from autograder.student.messages import LANGUAGES, Nested
from autograder.grading.terminal import render_terminal, speak, terminal_language

VERBS = {
    "grade": ("autograder.cli.grade", "grade a class of nbgrader submissions"),
    "check": ("autograder.cli.check", "run notebooks' public self-check from the shell (in the sandbox inside a course)"),
    "validate": ("autograder.cli.validate", "prove the course: solutions full, stubs zero, mutants caught, release in sync"),
    "report": ("autograder.cli.report", "HTML class report: pass rates, common mistakes, per-student pages"),
    "release": ("autograder.cli.release", "make the student release: public self-check fixtures + nbgrader"),
    "merge": ("autograder.cli.merge", "join the results folders of a sharded run (--shard K/N)"),
    "export": ("autograder.cli.export", "grades as a CSV for nbgrader (its export columns) or an LMS"),
    "gradebook": ("autograder.cli.gradebook", "record the results in nbgrader's gradebook (formgrader)"),
    "gradescope": ("autograder.cli.gradescope", "build the Gradescope autograder zip, or grade inside Gradescope"),
    "grade-notebook": ("autograder.cli.grade_notebook", "grade one notebook file (what nbgrader autograde's grade cells call)"),
    "new-assignment": ("autograder.cli.new_assignment", "add an assignment: course.yaml entry and a skeleton notebook"),
    "new-function": ("autograder.cli.new_function", "add a graded function: course.yaml entry, reference stub, notebook cells"),
    "new-mistake": ("autograder.cli.new_mistake", "add a catalogued mistake: its code stub and its wording to fill in"),
    "similarity": ("autograder.cli.similarity", "find near-copies among students' solution cells (HTML page of pairs)"),
}


def build_parser(verb: str | None = None) -> argparse.ArgumentParser:
    """The parser; only ``verb``'s module is imported (students' `check` stays light)."""
    parser = argparse.ArgumentParser(
        prog="autograder", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="RNN Lab autograder: grade numpy RNN/LSTM/GRU notebooks in a sandbox, check, release and "
                    "export them.",
        epilog="`autograder VERB --help` explains a verb, with an example.")
    parser.add_argument("--course", type=Path, default=None, help="course.yaml (default: the nearest one)")
    sub = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    for name, (module_name, help_text) in VERBS.items():
        verb_parser = sub.add_parser(name, help=help_text, formatter_class=argparse.RawDescriptionHelpFormatter)
        if name == verb:
            module = importlib.import_module(module_name)
            verb_parser.description = module.__doc__
            module.add_arguments(verb_parser)
            if "--lang" not in verb_parser._option_string_actions:
                verb_parser.add_argument("--lang", choices=LANGUAGES, default=None,
                                         help="the language of this command's lines: ko or en (default: "
                                              "$RNNLAB_LANG, else course.yaml's language)")
    return parser


SIGPIPE_STATUS = 128 + 13  # what a shell reports for a command ended by SIGPIPE


def main(argv: list[str] | None = None) -> int:
    """Run one verb; when the reader of stdout goes away (`… | head -1`), stop quietly as Unix filters do."""
    try:
        try:
            return _main(argv)
        finally:  # also after argparse's --help: a pipe closed since the last print fails here, not at exit
            sys.stdout.flush()
    except BrokenPipeError:
        # Python's own advice: point stdout at /dev/null so the flush at exit cannot fail again
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return SIGPIPE_STATUS


# The grader's arrays are small (hidden cases of a few rows): a second BLAS thread only adds thread
# switches, which cost most on a shared machine (benchmarks/README.md, "One submission").  Set before
# the verb imports numpy; a caller's own setting wins.  Student code runs with one anyway (the sandbox).
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _main(argv: list[str] | None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    for name in BLAS_THREADS:
        os.environ.setdefault(name, "1")
    verb = next((a for a in argv if a in VERBS), None)
    args = build_parser(verb).parse_args(argv)
    module = importlib.import_module(VERBS[args.verb][0])
    course = None

    def language() -> str:
        return terminal_language(args.lang, course.language if course is not None else _course_language(args))

    try:
        if getattr(module, "NEEDS_COURSE", True):
            # Imported here: `autograder check` (students) needs neither yaml nor jsonschema.
            from autograder.grading.course import CourseError, find_course, load_course

            try:
                course = load_course(args.course or find_course())
            except CourseError as exc:
                lang = terminal_language(args.lang)
                print(f"autograder: {render_terminal(exc.heading_code, lang)}\n{exc.message(lang)}", file=sys.stderr)
                return 2
            args.terminal_lang = language()
            speak(args.terminal_lang)
        return module.run(args, course)
    except UsageError as exc:
        print(f"autograder {args.verb}: {exc.message(language())}", file=sys.stderr)
        return 2
    except OSError as exc:
        if is_disk_full(exc):
            folder = Path(exc.filename).parent if isinstance(exc.filename, str) else Path.cwd()
            print(f"autograder {args.verb}: {DiskFull(folder, exc).message(language())}", file=sys.stderr)
            return 2
        if exc.filename is None:
            raise
        # a path the command was given, or makes, that the file system refuses
        said = render_terminal("usage.os-error", language(), path=exc.filename, detail=exc.strerror)
        print(f"autograder {args.verb}: {said}", file=sys.stderr)
        return 2
    finally:
        speak(None)


def _course_language(args: argparse.Namespace) -> str | None:
    """The language of the course a verb that loads none (`check`) runs in, if there is one."""
    try:
        from autograder.grading.course import find_course, load_course

        return load_course(args.course or find_course()).language
    except Exception:  # no course here, or not a usable one: the language comes from elsewhere
        return None


def spoken(args: argparse.Namespace) -> str:
    """The language the verb speaks (:func:`_main` decides it)."""
    return getattr(args, "terminal_lang", None) or terminal_language(getattr(args, "lang", None))


def say(args: argparse.Namespace, code: str, **params) -> str:
    """A status line of the verb, in the language it speaks."""
    return render_terminal(code, spoken(args), **params)


def say_line(args: argparse.Namespace, line) -> str:
    """A line an output said (a message, or text as it is), in the language the verb speaks."""
    return say(args, line.code, **line.params) if isinstance(line, Nested) else str(line)


if __name__ == "__main__":
    sys.exit(main())
