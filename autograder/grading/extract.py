"""Notebook → the code the grader runs: trusted setup cells plus the student's solution cells.

Owns: reading any file of a submission folder bounded (:func:`read_student_file`: the notebook,
nbgrader's ``timestamp.txt``), reading a submitted notebook defensively (size, encoding, JSON, nbformat version),
matching its solution cells to the course's own notebook by nbgrader ``grade_id``, and
assembling the program text.  Setup cells (tag ``grader-setup``) always come from the
course's copy, so a student who edits a locked cell or its metadata changes nothing;
every other cell (plots, training, self-checks) never runs while grading.
"""
from __future__ import annotations

import itertools
import json
import os
import re
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path

from autograder.grading.terminal import render_terminal, said, spoken_language
from autograder.student.messages import Nested

SETUP_TAG = "grader-setup"
MAX_NOTEBOOK_BYTES = 100 * 1024 * 1024
# Parsed JSON costs up to ~100 bytes per value: bound the values, not only the bytes, so a
# small file of millions of empty objects cannot take gigabytes of the grader's memory.
# Strings and the separators outside them ({ [ , :) are counted; a real notebook has a few
# thousand, and a million lines of printed output about two million.
MAX_JSON_TOKENS = 3_000_000
MAX_LEGACY_JSON_TOKENS = 300_000  # nbformat's converters copy everything several times
_JSON_TOKENS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[{,:]')
_SHELL_OR_MAGIC = re.compile(r"^\s*[%!]")


class NotebookError(Exception):
    """The submitted notebook cannot be used; ``code`` is a messages.py key."""

    def __init__(self, code: str, detail: str = "", **params):
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.params = params  # further message parameters


@dataclass(frozen=True)
class Chunk:
    label: str  # e.g. "cell 7 (rnn_step_forward)"
    source: str
    trusted: bool


@dataclass
class Program:
    filename: str
    chunks: list[Chunk] = field(default_factory=list)
    missing_cells: list[str] = field(default_factory=list)

    @property
    def code(self) -> str:
        """Python source that runs every chunk on its own, each under its cell's name.

        One broken cell (a syntax error, a top-level exception) must not hide the functions
        of the others, and a traceback should point at "rnn.ipynb, cell 7 (rnn_forward),
        line 3" rather than at a line of one concatenated file.  The first error is raised
        at the end, so it is still reported.
        """
        cells = [(f"{self.filename}, {c.label}", c.source) for c in self.chunks]
        return _LOADER.format(cells=repr(cells))


_LOADER = """\
def __rnnlab_load(cells, namespace):
    failed = None
    for name, source in cells:
        try:
            exec(compile(source, name, "exec"), namespace)
        except BaseException as exc:  # sys.exit() or Ctrl-C in one cell: Jupyter runs the next one too
            failed = failed or exc
    return failed
__rnnlab_failed = __rnnlab_load({cells}, globals())
del __rnnlab_load
if __rnnlab_failed is not None:
    raise __rnnlab_failed
"""


class StudentFileError(Exception):
    """A file of a student's submission folder that the grader will not read; :meth:`message` says
    why in a language, ``str()`` in English."""

    def __init__(self, code: str, /, **params):
        self.why = Nested(code, **params)
        super().__init__(self.message("en"))

    def message(self, language: str = "en") -> str:
        return said(self.why, language)


def read_student_file(path: Path, limit: int) -> bytes:
    """The bytes of a file from a student's submission folder: a regular file of at most ``limit`` bytes.

    Every file there is the student's: it may be a symbolic link (to the course's solutions,
    to /dev/zero), a FIFO, a device, a directory or a sparse 10 GB file.  It is opened without
    following a final symlink and without blocking, checked to be a regular file, and read
    bounded.  ``FileNotFoundError`` when it is absent; :class:`StudentFileError` otherwise.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise
    except OSError as exc:
        if os.path.islink(path):
            raise StudentFileError("cli.file-symlink") from None
        raise StudentFileError("cli.file-cannot-open", detail=exc.strerror) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise StudentFileError("cli.file-directory" if stat.S_ISDIR(info.st_mode) else "cli.file-device")
        if info.st_size > limit:
            raise StudentFileError("cli.file-too-large", size=_size(info.st_size), limit=_size(limit))
        with os.fdopen(os.dup(fd), "rb") as handle:
            raw = handle.read(limit + 1)
    finally:
        os.close(fd)
    if len(raw) > limit:  # it grew while being read
        raise StudentFileError("cli.file-grew", limit=_size(limit))
    return raw


def _size(n: int) -> Nested:
    return Nested("cli.size-mb", mb=f"{n / 2**20:.0f}") if n >= 2**20 else Nested("cli.size-bytes", n=f"{n:,}")


MAX_SIDE_FILE_BYTES = 4096  # nbgrader's timestamp.txt holds one line


def read_side_file(path: Path, limit: int = MAX_SIDE_FILE_BYTES) -> str | None:
    """The text of a small file beside a student's notebook (nbgrader's ``timestamp.txt``), or None.

    None when it is absent, and when it cannot be used (a symlink, FIFO or device, too long,
    not UTF-8): that is then said on stderr, once per file, and costs this student only
    what the file would have told (e.g. the submission time); everything else goes on."""
    try:
        return read_student_file(path, limit).decode("utf-8").strip()
    except FileNotFoundError:
        return None
    except (StudentFileError, UnicodeDecodeError) as exc:
        why = Nested("cli.file-not-utf8") if isinstance(exc, UnicodeDecodeError) else exc.why
        print("autograder: " + render_terminal("cli.ignoring-file", spoken_language(), path=_printable(str(path)),
                                               why=why), file=sys.stderr)
        return None


def _printable(text: str) -> str:
    """A student-named path as one safe line for the terminal."""
    return "".join(c if c.isprintable() else "?" for c in text[:300])


def read_submitted_bytes(path: Path) -> bytes:
    """The bytes of a submitted notebook (:func:`read_student_file`, at most MAX_NOTEBOOK_BYTES), or NotebookError."""
    try:
        return read_student_file(path, MAX_NOTEBOOK_BYTES)
    except FileNotFoundError:
        raise NotebookError("notebook.missing") from None
    except StudentFileError as exc:
        raise NotebookError("notebook.unreadable", str(exc)) from None


def read_notebook(path: Path) -> dict:
    """Read and parse a submitted notebook (see :func:`read_submitted_bytes`, :func:`parse_notebook`)."""
    return parse_notebook(read_submitted_bytes(path))


def _json_tokens(raw: bytes) -> int:
    """JSON values and separators in ``raw``, counted up to MAX_JSON_TOKENS + 1."""
    return sum(1 for _ in itertools.islice(_JSON_TOKENS.finditer(raw), MAX_JSON_TOKENS + 1))


def parse_notebook(raw: bytes) -> dict:
    """Parse a notebook of any nbformat version into v4 (cells as dicts), or raise NotebookError."""
    # counted one match at a time and only up to the limit: constant memory and bounded time;
    # not at all when the file is too short to hold that many (a token is at least one byte)
    tokens = _json_tokens(raw) if len(raw) > MAX_JSON_TOKENS else None
    if tokens is not None and tokens > MAX_JSON_TOKENS:
        raise NotebookError("notebook.unreadable", f"too many JSON values (over {MAX_JSON_TOKENS:,}): "
                            "clear the outputs and submit again")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotebookError("notebook.unreadable", f"not UTF-8 text (byte {exc.start})") from None
    del raw
    if not text.strip():
        raise NotebookError("notebook.unreadable", "the file is empty")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookError("notebook.unreadable", f"invalid JSON at line {exc.lineno}: {exc.msg}") from None
    except RecursionError:
        raise NotebookError("notebook.unreadable", "JSON nested too deeply") from None
    if not isinstance(data, dict) or "cells" not in data and "worksheets" not in data:
        raise NotebookError("notebook.unreadable", "not a Jupyter notebook (no cells)")
    current = data.get("nbformat") == 4 and isinstance(data.get("cells"), list)
    if not current and tokens is None and len(text) > MAX_LEGACY_JSON_TOKENS:
        tokens = _json_tokens(text.encode("utf-8"))  # (fewer characters cannot hold more tokens)
    if current:
        # Current format: use the parsed JSON as is (plain dicts: nbformat.from_dict would copy
        # every value into a NotebookNode, several times the memory).  Full schema validation
        # costs more than the rest of a student's extraction, and every field we read is checked below.
        notebook = data
    elif tokens is not None and tokens > MAX_LEGACY_JSON_TOKENS:
        raise NotebookError("notebook.unreadable", f"an old notebook format with too many JSON values "
                            f"({tokens:,}): open it in Jupyter, clear the outputs and save it again")
    else:
        try:  # older formats are upgraded by nbformat's own converters
            import nbformat  # imported only here: it imports jsonschema (start-up: benchmarks/README.md)

            notebook = nbformat.reads(text, as_version=4)
        except Exception as exc:  # nbformat raises several unrelated types for malformed files
            raise NotebookError("notebook.unreadable", f"nbformat cannot read it: {str(exc)[:200]}") from None
    del text
    cells = [c for c in notebook.get("cells", []) if isinstance(c, dict)]
    if not cells:
        raise NotebookError("notebook.unreadable", "the notebook has no cells")
    notebook["cells"] = cells
    return notebook


def _nbgrader(cell) -> dict:
    meta = cell.get("metadata")
    meta = meta.get("nbgrader") if isinstance(meta, dict) else None
    return meta if isinstance(meta, dict) else {}


def _grade_id(cell) -> str | None:
    gid = _nbgrader(cell).get("grade_id")
    return gid if isinstance(gid, str) else None


def _source(cell) -> str:
    source = cell.get("source", "")
    if isinstance(source, list):
        source = "".join(s for s in source if isinstance(s, str))
    return source if isinstance(source, str) else ""


def _is_solution(cell) -> bool:
    return bool(_nbgrader(cell).get("solution")) and cell.get("cell_type") == "code"


def _is_setup(cell) -> bool:
    tags = cell.get("metadata", {}).get("tags", [])
    return cell.get("cell_type") == "code" and isinstance(tags, list) and SETUP_TAG in tags


def _plain_python(source: str) -> str:
    """Notebook-only syntax (``%magic``, ``!shell``) has no meaning outside Jupyter."""
    return "\n".join("pass  # " + line if _SHELL_OR_MAGIC.match(line) else line
                     for line in source.splitlines())


class Template:
    """The course's own notebook: which cells run while grading, in which order."""

    def __init__(self, path: Path):
        notebook = parse_notebook(Path(path).read_bytes())
        self.filename = path.name
        self.plan: list[tuple[str, str]] = []  # ("setup", source) or ("solution", grade_id)
        for cell in notebook["cells"]:
            if _is_setup(cell):
                self.plan.append(("setup", _source(cell)))
            elif _is_solution(cell):
                self.plan.append(("solution", _grade_id(cell) or ""))  # without an id: reported missing

    def program(self, submitted: dict, max_source_bytes: int | None = None) -> Program:
        """The code to run for ``submitted``; NotebookError if its solution cells hold more
        than ``max_source_bytes`` of code (UTF-8): a multi-megabyte literal would only cost
        the grader memory and time, and could not even be sent to the sandbox (frame limits)."""
        cells: dict[str, tuple[int, str]] = {}
        for index, cell in enumerate(submitted["cells"]):
            gid = _grade_id(cell)
            if gid and cell.get("cell_type") == "code" and gid not in cells:
                cells[gid] = (index + 1, _source(cell))
        program = Program(self.filename)
        for kind, value in self.plan:
            if kind == "setup":
                program.chunks.append(Chunk("setup", value, True))
            elif value in cells:
                number, source = cells[value]
                program.chunks.append(Chunk(f"cell {number} ({value})", _plain_python(source), False))
            else:
                program.missing_cells.append(value)
        if max_source_bytes is not None:
            size = sum(len(c.source.encode("utf-8", "surrogatepass")) for c in program.chunks if not c.trusted)
            if size > max_source_bytes:
                raise NotebookError("notebook.source-too-large", f"{size} bytes of solution code",
                                    size_kb=-(-size // 1024), limit_kb=max_source_bytes // 1024)
        return program
