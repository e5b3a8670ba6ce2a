"""Split a class into N disjoint shards for a CI matrix or a batch scheduler (``--shard K/N``).

Owns the rule that puts a student in a shard: a stable hash of the student id (SHA-256, not
Python's per-process ``hash``), so every machine agrees, and adding or removing a student
never moves anyone else to another shard.  Shards are therefore close to, not exactly,
equal in size.  All shards of one class must use the same grading secret
(``$RNNLAB_SECRET`` or ``--secret-file``) so that they grade on the same hidden cases.
"""
from __future__ import annotations

import hashlib
import re

from autograder.engine.errors import UsageError

_SPEC = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


def parse_shard(spec: str) -> tuple[int, int]:
    """``"K/N"`` → ``(K, N)`` with 1 <= K <= N; anything else is a :class:`UsageError`."""
    match = _SPEC.match(spec or "")
    if not match:
        raise UsageError(f"--shard {spec!r}: expected K/N, e.g. --shard 2/4 for the second of four shards")
    k, n = int(match.group(1)), int(match.group(2))
    if n < 1:
        raise UsageError(f"--shard {spec}: the number of shards N must be at least 1")
    if not 1 <= k <= n:
        raise UsageError(f"--shard {spec}: K must be between 1 and {n} (shards are numbered from 1)")
    return k, n


def shard_of(student: str, n: int) -> int:
    """The shard (1..n) that ``student`` belongs to, for every class and every machine."""
    digest = hashlib.sha256(student.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % n + 1


def select_shard(students: list[str], spec: str) -> list[str]:
    """The students of shard K of N, in their original order."""
    k, n = parse_shard(spec)
    return [s for s in students if shard_of(s, n) == k]
