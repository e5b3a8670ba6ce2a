"""Result files on disk: the only module of the grader that writes them.

Owns: the layout ``RESULTS/<student>/<assignment>.json`` (+ ``.md`` feedback), atomic
writes (a crash or ``kill -9`` leaves either the old file or the new one, never half of
one), the resume fingerprint stored in each result, and ``grades.csv`` rebuilt from the
result files so that it always agrees with them.
"""
from __future__ import annotations

import csv
import io
import json
import os
import queue
import tempfile
import threading
from pathlib import Path
from typing import Iterator

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


def result_path(out: Path, student: str, assignment: str) -> Path:
    return out / student / f"{assignment}.json"


def feedback_path(out: Path, student: str, assignment: str) -> Path:
    return out / student / f"{assignment}.md"


def read_result(path: Path) -> dict | None:
    """A previously written result, or None if absent or unreadable (it is then regraded)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
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


class WriteBehind:
    """:func:`write_result` in one background thread, in submission order, so that the grading
    thread does not wait for the disk (two fsyncs per assignment: 6-30 ms per student here,
    more when other jobs write).  :meth:`flush` waits for every write and raises the first error
    (so does the next :meth:`submit`).  A result still queued when the process is killed is
    simply not there: it is graded again on the next run, as if the kill had come earlier."""

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


def write_grades_csv(out: Path) -> int:
    """Rebuild RESULTS/grades.csv from the result files; return the number of rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(GRADES_COLUMNS)
    rows = 0
    for result in iter_results(out):
        writer.writerow([result["student"], result["assignment"], f"{result['score']:g}", f"{result['max_score']:g}"])
        rows += 1
    write_atomic(out / "grades.csv", buffer.getvalue())
    return rows
