"""`autograder merge SHARD1 SHARD2 ... --out RESULTS`: join the result folders of a sharded run.

Owns the join: every ``<student>/<assignment>.json`` and ``.md`` of every shard is copied
byte for byte into RESULTS; the same student and assignment in two shards must be the same
bytes, otherwise nothing is written and the command says which files disagree.
``grades.csv`` (and whatever else the caller asks for: JUnit XML, the Markdown summary) is then
written from the result files by the same pass as in `autograder grade`, so merging the shards
of a class gives the folder an unsharded run would have written.

Before anything is copied, :func:`shard_problems` reads each folder's shard record
(shard.py's MANIFEST) and names every shard that is missing, given twice, or from another
run (another class, course, reference or secret, or another N), and every folder without a
record (not a `grade --shard` folder, or a run that did not finish).  The caller refuses on
any of them unless told to merge a partial class.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from autograder.grading.errors import UsageError
from autograder.grading.terminal import name_list
from autograder.student.messages import Nested
from autograder.grading.results import Output, View, feed_results, parse_result, write_atomic
from autograder.grading.shard import MANIFEST, read_manifest, select_shard

SUFFIXES = (".md", ".json")  # feedback first, JSON last: as results.write_result, the JSON marks completion


def _result_files(shard: Path) -> list[tuple[str, Path]]:
    """(``<student>/<file>``, path) of every result and feedback file of one shard folder."""
    files = []
    for student_dir in sorted(p for p in shard.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for path in sorted(student_dir.iterdir()):
            if path.is_file() and path.suffix in SUFFIXES and not path.name.startswith("."):
                files.append((f"{student_dir.name}/{path.name}", path))
    return files


def _check_result(rel: str, path: Path, text: str) -> None:
    data = parse_result(text)
    student, name = rel.split("/", 1)
    if data is None:
        raise UsageError("usage.result-unreadable", path=path)
    if (data.get("student"), data.get("assignment")) != (student, name[: -len(".json")]):
        raise UsageError("usage.result-misplaced", path=path, holds=f"{data.get('student')}/{data.get('assignment')}",
                         expected=rel[: -len(".json")])


def _decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError("usage.result-not-utf8", path=path) from None


def _names(students: list[str], limit: int = 8):
    return name_list(students, limit)


def shard_problems(shards: list[Path]) -> list[Nested]:
    """One sentence (a message) per reason these folders are not exactly the N shards of one run
    (empty: they are)."""
    problems, records = [], {}
    for shard in shards:
        if not shard.is_dir():
            raise UsageError("usage.no-results-folder", path=shard)
        record = read_manifest(shard)
        if record is None:
            problems.append(Nested("cli.shard-no-record", path=shard, manifest=MANIFEST))
        else:
            records[shard] = record
    if not records:
        return problems
    runs: dict[tuple[str, int], list[Path]] = {}
    for shard, record in records.items():
        runs.setdefault((record["fingerprint"], record["of"]), []).append(shard)
    (fingerprint, n), main = max(runs.items(), key=lambda kv: (len(kv[1]), -shards.index(kv[1][0])))
    for (other, other_n), folders in runs.items():
        if (other, other_n) != (fingerprint, n):
            why = Nested("cli.shard-other-count", other=other_n, n=n) if other_n != n else Nested("cli.shard-other-class")
            problems.append(Nested("cli.shard-other-run", folders=", ".join(map(str, folders)), main=main[0], why=why))
    taken: dict[int, list[Path]] = {}
    for shard in main:
        taken.setdefault(records[shard]["shard"], []).append(shard)
    for k, folders in sorted(taken.items()):
        if len(folders) > 1:
            problems.append(Nested("cli.shard-twice", k=k, n=n, times=len(folders), folders=", ".join(map(str, folders))))
    everyone = records[main[0]]["class"]
    for k in range(1, n + 1):
        if k not in taken:
            missing = select_shard(everyone, f"{k}/{n}")
            problems.append(Nested("cli.shard-missing", k=k, n=n, count=len(missing),
                                   names=Nested("cli.in-parens", text=_names(missing)) if missing else ""))
    return problems


def plan_merge(shards: list[Path]) -> dict[str, tuple[Path, str]]:
    """``<student>/<file>`` → (first source, SHA-256 of its bytes); raises :class:`UsageError` on any
    conflict.  Only digests are kept, so memory does not grow with the size of the class's files."""
    plan: dict[str, tuple[Path, str]] = {}
    conflicts = []
    for shard in shards:
        if not shard.is_dir():
            raise UsageError("usage.no-results-folder", path=shard)
        for rel, path in _result_files(shard):
            data = path.read_bytes()
            if path.suffix == ".json":
                try:
                    text = data.decode("utf-8")
                except UnicodeDecodeError:
                    text = ""  # as read_result: not UTF-8, not a result
                _check_result(rel, path, text)
            else:
                _decode(path, data)
            digest = hashlib.sha256(data).hexdigest()
            if rel not in plan:
                plan[rel] = (path, digest)
            elif plan[rel][1] != digest:
                conflicts.append(f"  {rel}: {plan[rel][0]} and {path} differ")
    if conflicts:
        raise UsageError("usage.shards-conflict", conflicts="\n".join(conflicts))
    return plan


def merge(shards: list[Path], out: Path, outputs: Iterable[Output] = (), view: View | None = None) -> None:
    """Copy every shard's result files into ``out``, then write ``outputs`` (grades.csv, JUnit, ...:
    integrations/class_outputs.py) from ``view`` in one pass over the merged folder."""
    plan = plan_merge(shards)
    for suffix in SUFFIXES:
        for rel, (source, digest) in sorted(plan.items()):
            if rel.endswith(suffix):
                data = source.read_bytes()
                if hashlib.sha256(data).hexdigest() != digest:
                    raise UsageError("usage.shard-changed", path=source)
                target = out / rel
                if not (target.is_file() and target.read_bytes() == data):
                    write_atomic(target, _decode(source, data))
    out.mkdir(parents=True, exist_ok=True)
    feed_results(out, outputs, view)
