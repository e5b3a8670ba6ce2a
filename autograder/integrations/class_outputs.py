"""Every output of a results folder, from one registry, and the one pass that writes them.

Owns :data:`REGISTRY`: grades.csv, JUnit, the CI summary, nbgrader's gradebook, each export
format, items.csv and the HTML report, one :class:`~autograder.grading.results.Output` class
each (its name, description, the verbs that offer it and the options it needs), in the order a
pass writes them.  A verb asks the registry for its arguments (:func:`add_arguments`: the flags
that ask for an output, ``--format`` with its choices and a list of the formats in ``--help``,
and every option those outputs need) and for the outputs a command line asks for
(:func:`chosen`); it holds no format of its own.

One streamed pass over a results folder (grading/results.py :func:`feed_results`) builds the
class view (report/stats.py :class:`ClassView`) that every output reads and writes them all:
at the end of `grade` and `merge` (:class:`ClassPass`), or over a folder already graded
(:func:`write_outputs`: `export`, `gradebook`, `report`).
"""
from __future__ import annotations

import argparse
import textwrap
from pathlib import Path
from typing import Callable, Iterable

from autograder.grading.course import Course
from autograder.grading.errors import UsageError
from autograder.student.messages import Nested
from autograder.grading.results import ASKED, FORMAT, GradesCsv, Offer, Output, feed_results
from autograder.integrations.ci_summary import MarkdownSummary
from autograder.integrations.junit import JunitXml
from autograder.integrations.lms import CanvasExport, LmsExport, MoodleExport, NbgraderExport
from autograder.integrations.nbgrader_gradebook import NbgraderGradebook
from autograder.report.html import HtmlReport, ItemsCsv
from autograder.report.stats import ClassView

REGISTRY: dict[str, type[Output]] = {output.name: output for output in (
    GradesCsv, JunitXml, MarkdownSummary, NbgraderGradebook,
    NbgraderExport, LmsExport, CanvasExport, MoodleExport,
    ItemsCsv, HtmlReport)}
FORMAT_DEST = "fmt"  # where argparse keeps --format's value
HELP_WIDTH = 100  # the Formats: list of --help, as wide as the verbs' docstrings


def offered_by(verb: str) -> list[tuple[type[Output], Offer]]:
    """The outputs ``verb`` offers, and how, in registry order."""
    return [(output, output.offers[verb]) for output in REGISTRY.values() if verb in output.offers]


def formats(verb: str) -> list[type[Output]]:
    """The outputs ``verb`` chooses among with ``--format``."""
    return [output for output, offer in offered_by(verb) if offer.when == FORMAT]


def formats_help(verb: str) -> str:
    """The ``Formats:`` list of a verb's ``--help``, from the registry."""
    names = formats(verb)
    width = max(len(output.name) for output in names)
    return "Formats:\n" + "\n".join(textwrap.fill(output.description, HELP_WIDTH, initial_indent=f"  {output.name:<{width}}  ",
                                                  subsequent_indent=" " * (width + 4)) for output in names)


def add_arguments(parser: argparse.ArgumentParser, verb: str) -> None:
    """The arguments through which ``verb`` asks for its outputs, after the verb's own: ``--format``
    (when it chooses one), each output's ``where`` option and the options the outputs need, once
    each.  An option the verb already has (``grade``'s SUBMITTED) is the verb's.  Where a verb
    chooses a format, an option only some formats read says which in its help."""
    offered, choices = offered_by(verb), formats(verb)
    if choices:
        parser.add_argument("--format", required=True, choices=[output.name for output in choices],
                            dest=FORMAT_DEST, help="what to write (the formats are listed below)")
        parser.epilog = formats_help(verb)
    taken = {action.dest for action in parser._actions}
    for output, offer in offered:
        for option in ((offer.where,) if offer.where else ()) + output.options:
            if option.dest in taken:
                continue
            taken.add(option.dest)
            users = [o.name for o in choices if option in (o.offers[verb].where, *o.options)]
            prefix = " / ".join(users) + ": " if choices and len(users) < len(choices) else ""
            parser.add_argument(option.flag, help=prefix + option.help, **option.kwargs)


def _wanted(args: argparse.Namespace, output: type[Output], offer: Offer) -> tuple[bool, object]:
    """Whether the command line asks for ``output``, and the value of its ``where`` option."""
    given = getattr(args, offer.where.dest, None) if offer.where else None
    if offer.when == FORMAT:
        return getattr(args, FORMAT_DEST, None) == output.name, given
    return offer.when != ASKED or given is not None, given


def chosen(verb: str, args: argparse.Namespace, course: Course, folder: Path) -> list[Output]:
    """The outputs of results folder ``folder`` that ``verb``'s command line ``args`` asks for,
    made (each checks what it needs, e.g. nbgrader or matplotlib, before anything is graded)."""
    made = []
    for output, offer in offered_by(verb):
        wanted, given = _wanted(args, output, offer)
        if wanted:
            options = {option.dest: getattr(args, option.dest) for option in output.options}
            make: Callable[..., Output] = output  # (destination, course, **its options)
            made.append(make(output.destination(given, Path(folder), course), course, **options))
    return made


def names_in(folder: Path, outputs: Iterable[Output]) -> tuple[str, ...]:
    """Names of the files the outputs write directly into ``folder`` (no student may be named so)."""
    names = []
    for output in outputs:
        path = output.local_path
        try:
            if path is not None and path.resolve().parent == Path(folder).resolve():
                names.append(path.name)
        except OSError:
            continue
    return tuple(names)


class ClassPass:
    """The one pass over a results folder: the class view, and the outputs written from it."""

    def __init__(self, folder: Path, outputs: Iterable[Output]):
        self.folder = Path(folder)
        self.outputs = list(outputs)
        self.view = ClassView(self.folder, scores=any(output.reads_scores for output in self.outputs))

    def run(self) -> list[str | Nested]:
        """Read the folder once and write every output; the lines they said, in order."""
        return feed_results(self.folder, self.outputs, self.view)


def write_outputs(folder: Path, outputs: Iterable[Output]) -> list[str | Nested]:
    """The outputs of a results folder already graded, in one pass; the lines they said."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UsageError("usage.no-results-dir", path=folder)
    return ClassPass(folder, outputs).run()
