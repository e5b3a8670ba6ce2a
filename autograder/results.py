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
import tempfile
import unicodedata
from pathlib import Path
from typing import Iterable, Iterator

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


def student_id_problem(name: str, outputs: Iterable[str] = ()) -> str | None:
    """Why ``name`` (a folder under SUBMITTED) cannot be a student id, or None if it can.

    A student id becomes a folder of the results, a row of grades.csv, a JUnit suite name and
    a heading of the feedback: it must not collide with the grader's own outputs (``outputs``:
    names of further files the run writes directly in the results folder), escape the folder,
    hide, or carry characters that change how a line reads (control, format, line breaks).
    """
    if not name or name != name.strip():
        return "it is empty or starts or ends with white space"
    if len(name) > MAX_STUDENT_ID:
        return f"it is longer than {MAX_STUDENT_ID} characters"
    if name in (".", "..") or name.startswith((".", "-", "~")):
        return "it starts with '.', '-' or '~'"
    if any(c in "/\\`" for c in name):
        return "it contains '/', '\\' or '`'"
    odd = next((c for c in name if c != " " and unicodedata.category(c)[0] in "CZ"), None)
    if odd is not None:
        return f"it contains the character U+{ord(odd):04X} ({unicodedata.category(odd)})"
    folded = name.casefold()
    if folded in RESERVED_NAMES or folded in {o.casefold() for o in outputs}:
        return "the grader writes a file or folder of that name into the results folder"
    if folded.endswith(RESERVED_SUFFIXES):
        return "it ends like a file name (" + ", ".join(RESERVED_SUFFIXES) + ")"
    return None


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
