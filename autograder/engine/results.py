"""Result files on disk: the only module of the grader that writes them.

Owns: the layout ``RESULTS/<student>/<assignment>.json`` (+ ``.md`` feedback), atomic
writes (a crash or ``kill -9`` leaves either the old file or the new one, never half of
one), the resume fingerprint stored in each result, and ``grades.csv`` rebuilt from the
result files so that it always agrees with them.

Everything built from a whole results folder (grades.csv, JUnit, the class figures, the
gradebook) is fed by one streamed pass over it, :func:`feed_results`: each output takes the
results one at a time (``add``) and writes itself at the end (``finish``).
"""
from __future__ import annotations

import csv
import json
import os
import tempfile
from pathlib import Path
from typing import IO, Iterable, Iterator, Protocol

RESULT_SCHEMA_VERSION = 1
GRADES_COLUMNS = ["student_id", "assignment_id", "score", "max_score"]


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
        self.handle.close()
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
    DESIGN §5; either may be empty), or None when it carries neither, as in result files
    written before items had them: downstream views then show nothing, they never re-derive."""
    explanation, hint = item.get("explanation"), item.get("hint")
    explanation = explanation if isinstance(explanation, str) else ""
    hint = hint if isinstance(hint, str) else ""
    return {"explanation": explanation, "hint": hint} if explanation or hint else None


def iter_results(out: Path) -> Iterator[dict]:
    """Every result file under ``out``, in a stable order (streamed: one in memory at a time)."""
    for student_dir in sorted(p for p in out.iterdir() if p.is_dir()):
        for path in sorted(student_dir.glob("*.json")):
            data = read_result(path)
            if data is not None:
                yield data


class Output(Protocol):
    """What the one pass over a results folder feeds: every result, then ``finish``."""

    def add(self, result: dict) -> None: ...

    def finish(self): ...


class GradesCsv:
    """RESULTS/grades.csv, one row per result, streamed to a temporary file and then swapped in."""

    def __init__(self, out: Path):
        self.out = Path(out)
        self.rows = 0
        self._file: AtomicFile | None = None

    def add(self, result: dict) -> None:
        if self._file is None:
            self._start()
        self._writer.writerow([result["student"], result["assignment"], f"{result['score']:g}",
                               f"{result['max_score']:g}"])
        self.rows += 1

    def _start(self) -> None:
        self._file = AtomicFile(self.out / "grades.csv")
        self._writer = csv.writer(self._file.handle, lineterminator="\n")
        self._writer.writerow(GRADES_COLUMNS)

    def finish(self) -> int:
        if self._file is None:
            self._start()
        self._file.commit()
        return self.rows

    def close(self) -> None:
        if self._file is not None:
            self._file.abort()


def feed_results(out: Path, outputs: Iterable[Output]) -> None:
    """One pass over the result files under ``out``: each result goes to every output, then each
    output finishes, in order.

    An output that fails is left out of the rest of the pass; the others are still written, and
    the first failure is raised at the end (as when each output read the folder on its own)."""
    live = list(outputs)
    failure: BaseException | None = None
    try:
        for result in iter_results(out):
            for output in list(live):
                try:
                    output.add(result)
                except Exception as exc:  # noqa: BLE001 - re-raised below, after the other outputs
                    failure = failure or exc
                    live.remove(output)
                    getattr(output, "close", lambda: None)()
    except BaseException:
        for output in live:
            getattr(output, "close", lambda: None)()
        raise
    for output in live:
        try:
            output.finish()
        except Exception as exc:  # noqa: BLE001
            failure = failure or exc
    if failure is not None:
        raise failure


def write_grades_csv(out: Path) -> int:
    """Rebuild RESULTS/grades.csv from the result files; return the number of rows."""
    grades = GradesCsv(out)
    feed_results(out, [grades])
    return grades.rows
