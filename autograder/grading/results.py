"""Result files on disk: the only module of the grader that writes them.

Owns: the layout ``RESULTS/<student>/<assignment>.json`` (+ ``.md`` feedback), atomic
writes (a crash or ``kill -9`` leaves either the old file or the new one, never half of
one), the resume fingerprint stored in each result, and ``grades.csv`` rebuilt from the
result files so that it always agrees with them.

Also owns what a spreadsheet makes of every CSV the grader writes: :func:`csv_writer` is the
only ``csv.writer`` of the package, and it passes each cell through :func:`spreadsheet_cell`.

Also owns what an output of a whole results folder is (:class:`Output`: grades.csv here, JUnit,
summaries, the gradebook, the exports and the report elsewhere, all registered in
integrations/class_outputs.py) and the one streamed pass that feeds them, :func:`feed_results`:
the class view first, then every output takes the results one at a time (``add``) and writes
itself from the finished view at the end (``write``).
"""
from __future__ import annotations

import csv
import json
import os
import queue
import re
import tempfile
import unicodedata
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, ClassVar, Iterable, Iterator, Mapping, Protocol, Sequence

from autograder.student.messages import Nested

RESULT_SCHEMA_VERSION = 1
GRADES_COLUMNS = ["student_id", "assignment_id", "score", "max_score"]


# What a results folder holds besides the student folders: a student named like one of these
# would mix their results with the grader's own files (and end the run with IsADirectoryError).
RESERVED_NAMES = frozenset({"grades.csv", "report", "junit.xml", "summary.md", "gradebook.db", "items.csv",
                            "index.html", "figures", "students"})
# Names that look like a file the grader or a CI step writes next to the student folders.
RESERVED_SUFFIXES = (".csv", ".json", ".xml", ".md", ".html", ".htm", ".db", ".sqlite", ".zip", ".txt", ".log",
                     ".tmp")
MAX_STUDENT_ID = 100  # characters; every view prints the id in full


def student_id_problem(name: str, outputs: Iterable[str] = ()) -> Nested | None:
    """Why ``name`` (a folder under SUBMITTED) cannot be a student id, or None if it can.

    A student id becomes a folder of the results, a row of grades.csv, a JUnit suite name and
    a heading of the feedback: it must not collide with the grader's own outputs (``outputs``:
    names of further files the run writes directly in the results folder), escape the folder,
    hide, or carry characters that change how a line reads (control, format, line breaks).
    """
    if not name or name != name.strip():
        return Nested("cli.id-blank")
    if len(name) > MAX_STUDENT_ID:
        return Nested("cli.id-long", limit=MAX_STUDENT_ID)
    if name in (".", "..") or name.startswith((".", "-", "~")):
        return Nested("cli.id-start")
    if any(c in "/\\`" for c in name):
        return Nested("cli.id-slash")
    odd = next((c for c in name if c != " " and unicodedata.category(c)[0] in "CZ"), None)
    if odd is not None:
        return Nested("cli.id-character", char=f"U+{ord(odd):04X}", category=unicodedata.category(odd))
    folded = name.casefold()
    if folded in RESERVED_NAMES or folded in {o.casefold() for o in outputs}:
        return Nested("cli.id-reserved")
    if folded.endswith(RESERVED_SUFFIXES):
        return Nested("cli.id-suffix", suffixes=", ".join(RESERVED_SUFFIXES))
    return None


# What makes a spreadsheet read a cell as a formula (OWASP, "CSV Injection"): its first character,
# or the first one after a field separator (a spreadsheet may split on ';' or ',' itself), once
# white space and quotes before it are skipped.
FORMULA_START = re.compile(r"""(?:^|[,;])[\s"']*[=+\-@\t\r\0]""")
# A number the grader writes itself ("-0.5", "1e-06"): a spreadsheet reads it as a number, and it stays one.
PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def spreadsheet_cell(value):
    """``value`` as a CSV cell that no spreadsheet runs as a formula.

    A text that a spreadsheet would read as a formula (``=HYPERLINK(…)``, ``+1+cmd|…``,
    ``@SUM(…)``, ``-2+3``, or such a text after leading quotes, white space or a ``;``) gets a
    single quote in front, as OWASP recommends: the spreadsheet then shows it as it is.  Numbers
    (``-1.5`` included) and every other text are written unchanged."""
    if not isinstance(value, str):
        return value
    if PLAIN_NUMBER.fullmatch(value) or not FORMULA_START.search(value):
        return value
    return "'" + value


class SpreadsheetWriter:
    """``csv.writer`` whose every cell goes through :func:`spreadsheet_cell` (same arguments)."""

    def __init__(self, handle: IO[str], **dialect):
        self._writer = csv.writer(handle, **dialect)

    def writerow(self, row: Iterable) -> None:
        self._writer.writerow([spreadsheet_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(handle: IO[str], **dialect) -> SpreadsheetWriter:
    """The one way the grader writes CSV: every file a person may open in a spreadsheet."""
    return SpreadsheetWriter(handle, **dialect)


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old or the new file, never a mix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class AtomicFile:
    """A text file written in pieces that readers see whole or not at all (cf. :func:`write_atomic`).

    ``write`` to :attr:`handle`, then ``commit()``; ``abort()`` (or an exception) leaves the old file."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, self._tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        self.handle: IO[str] = os.fdopen(fd, "w", encoding="utf-8", newline="")

    def commit(self) -> None:
        try:
            self.handle.flush()
            os.fsync(self.handle.fileno())
            self.handle.close()
            os.replace(self._tmp, self.path)
        except BaseException:
            self.abort()
            raise

    def abort(self) -> None:
        try:
            self.handle.close()  # flushes what is buffered: on a full disk that fails too
        except OSError:
            pass
        finally:
            Path(self._tmp).unlink(missing_ok=True)


def result_path(out: Path, student: str, assignment: str) -> Path:
    return out / student / f"{assignment}.json"


def feedback_path(out: Path, student: str, assignment: str) -> Path:
    return out / student / f"{assignment}.md"


def read_result(path: Path) -> dict | None:
    """A previously written result, or None if absent or unreadable (it is then regraded)."""
    try:
        return parse_result(path.read_text(encoding="utf-8"))
    except OSError:
        return None


def parse_result(text: str) -> dict | None:
    """The result a result file's text holds, or None if it is not one."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) and "fingerprint" in data else None


def is_current(out: Path, student: str, assignment: str, fingerprint: str) -> bool:
    previous = read_result(result_path(out, student, assignment))
    return previous is not None and previous.get("fingerprint") == fingerprint


def write_result(out: Path, result: dict, feedback: str) -> None:
    """Feedback first, JSON last: the JSON's presence marks the pair as complete."""
    student, assignment = result["student"], result["assignment"]
    write_atomic(feedback_path(out, student, assignment), feedback)
    write_atomic(result_path(out, student, assignment),
                 json.dumps(result, ensure_ascii=False, indent=1, sort_keys=False) + "\n")


def item_explanation(item: dict) -> dict | None:
    """``{"explanation", "hint"}`` as a diagnosed item carries them (rendered at grading time,
    docs/ARCHITECTURE.md; either may be empty), or None when it carries neither, as in result files
    written before items had them: downstream views then show nothing, they never re-derive."""
    explanation, hint = item.get("explanation"), item.get("hint")
    explanation = explanation if isinstance(explanation, str) else ""
    hint = hint if isinstance(hint, str) else ""
    return {"explanation": explanation, "hint": hint} if explanation or hint else None


class WriteBehind:
    """:func:`write_result` in one background thread, in submission order, so that the grading
    thread does not wait for the disk (two fsyncs per assignment; benchmarks/README.md).
    :meth:`flush` waits for every write and raises the first error (so does the next
    :meth:`submit`).  A result still queued when the process is killed is simply not there: it
    is graded again on the next run, as if the kill had come earlier."""

    def __init__(self):
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._done = threading.Condition()
        self._pending = 0
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def _loop(self) -> None:
        while True:
            args = self._queue.get()
            try:
                write_result(*args)
            except BaseException as exc:  # noqa: B036 - handed to the grading thread
                with self._done:
                    self._error = self._error or exc
            finally:
                with self._done:
                    self._pending -= 1
                    self._done.notify_all()

    def _raise(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def submit(self, out: Path, result: dict, feedback: str) -> None:
        with self._done:
            self._raise()
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="rnnlab-write-results", daemon=True)
                self._thread.start()
            self._pending += 1
        self._queue.put((out, result, feedback))

    def flush(self) -> None:
        with self._done:
            self._done.wait_for(lambda: self._pending == 0)
            self._raise()


def iter_results(out: Path) -> Iterator[dict]:
    """Every result file under ``out``, in a stable order (streamed: one in memory at a time)."""
    for student_dir in sorted(p for p in out.iterdir() if p.is_dir()):
        for path in sorted(student_dir.glob("*.json")):
            data = read_result(path)
            if data is not None:
                yield data


@dataclass(frozen=True)
class Option:
    """A command-line option an output needs: ``flag`` and ``help`` as ``--help`` shows them, and the
    other keywords of ``argparse``'s ``add_argument``.  One Option serves every output that uses it
    (``--roster`` for Canvas and Moodle); its value reaches the output as the keyword :attr:`dest`."""

    flag: str
    help: str
    kwargs: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @property
    def dest(self) -> str:
        return self.kwargs.get("dest") or self.flag.lstrip("-").replace("-", "_")


ALWAYS, ASKED, FORMAT = "always", "asked", "format"


@dataclass(frozen=True)
class Offer:
    """How a verb offers an output.  ``where``: the option that names its destination (None: a fixed
    place, see :meth:`Output.destination`).  ``when``: ``always`` written; ``asked``: written when
    ``where`` is given (``grade --junit FILE``); ``format``: written when ``--format`` names it."""

    where: Option | None = None
    when: str = ALWAYS


class View(Protocol):
    """What the pass builds before the outputs write (report/stats.py ClassView): fed every result first."""

    def add(self, result: dict) -> None: ...


class Output:
    """One output of a results folder (a file, a folder or a database), written by the one pass.

    A subclass says what it is: ``name`` (its key in the registry and its ``--format`` value),
    ``description`` (one line of ``--help``), ``offers`` (the verbs that offer it, and how), and
    ``options`` (what else shapes it; each option's value is a keyword of the constructor, which
    takes the destination and the course first).  During the pass it may take each result
    (``add``: outputs that stream, so memory stays flat); then ``write`` writes it from the
    finished class view and returns the lines the verb prints.  ``close`` abandons it and leaves
    nothing half-written.
    """

    name: ClassVar[str]
    description: ClassVar[str]
    offers: ClassVar[Mapping[str, Offer]] = {}
    options: ClassVar[tuple[Option, ...]] = ()
    reads_scores: ClassVar[bool] = False  # reads the view's score table (one entry per student and assignment)

    @classmethod
    def destination(cls, given: Any, folder: Path, course) -> Any:
        """Where it goes, from its ``where`` option's value (``given``) or a fixed place in ``folder``."""
        return given

    @property
    def local_path(self) -> Path | None:
        """The file or folder it writes on this machine, or None (a database on a server)."""
        dest = getattr(self, "dest", None)
        return Path(dest) if isinstance(dest, Path) else None

    def add(self, result: dict) -> None:
        """One result, as the pass goes by."""

    def write(self, view) -> Sequence[str | Nested]:
        """Write the output from the finished view; the lines the verb prints (often none), each a
        sentence or a :class:`~autograder.student.messages.Nested` message in the verb's language."""
        raise NotImplementedError

    def close(self) -> None:
        """Abandon the output: another one failed first, or the pass was interrupted."""


class GradesCsv(Output):
    """RESULTS/grades.csv, one row per result, streamed to a temporary file and then swapped in."""

    name = "grades.csv"
    description = "one row per student and assignment: student_id, assignment_id, score, max_score"
    offers = {"grade": Offer(), "merge": Offer()}

    def __init__(self, out: Path, course=None):
        self.out = Path(out)
        self.rows = 0
        self._file: AtomicFile | None = None

    @classmethod
    def destination(cls, given, folder: Path, course) -> Path:
        return Path(folder)  # the results folder it describes

    @property
    def local_path(self) -> Path:
        return self.out / "grades.csv"

    def add(self, result: dict) -> None:
        if self._file is None:
            self._start()
        self._writer.writerow([result["student"], result["assignment"], f"{result['score']:g}",
                               f"{result['max_score']:g}"])
        self.rows += 1

    def _start(self) -> AtomicFile:
        self._file = AtomicFile(self.local_path)
        self._writer = csv_writer(self._file.handle, lineterminator="\n")
        self._writer.writerow(GRADES_COLUMNS)
        return self._file

    def write(self, view=None) -> Sequence[str | Nested]:
        (self._file if self._file is not None else self._start()).commit()
        return []

    def close(self) -> None:
        if self._file is not None:
            self._file.abort()


def feed_results(out: Path, outputs: Iterable[Output], view: View | None = None) -> list[str | Nested]:
    """One pass over the result files under ``out``: each result goes to ``view``, then to every
    output; then each output writes itself from the view, in order.  Returns the lines they said.

    An output that fails is left out of the rest of the pass; the others are still written, and
    the first failure is raised at the end (as when each output read the folder on its own)."""
    live = list(outputs)
    failure: BaseException | None = None
    said: list[str | Nested] = []
    try:
        for result in iter_results(out):
            if view is not None:
                view.add(result)
            for output in list(live):
                try:
                    output.add(result)
                except Exception as exc:  # re-raised below, after the other outputs
                    failure = failure or exc
                    live.remove(output)
                    output.close()
    except BaseException:
        for output in live:
            output.close()
        raise
    for output in live:
        try:
            said += output.write(view)
        except Exception as exc:
            failure = failure or exc
    if failure is not None:
        raise failure
    return said
