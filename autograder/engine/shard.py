"""Split a class into N disjoint shards for a CI matrix or a batch scheduler (``--shard K/N``).

Owns the rule that puts a student in a shard: a stable hash of the student id (SHA-256, not
Python's per-process ``hash``), so every machine agrees, and adding or removing a student
never moves anyone else to another shard.  Shards are therefore close to, not exactly,
equal in size.  All shards of one class must use the same grading secret
(``$RNNLAB_SECRET`` or ``--secret-file``) so that they grade on the same hidden cases.
"""
from __future__ import annotations

import hashlib
import os
import re
from typing import Mapping

from autograder.engine.errors import UsageError

_SPEC = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


AUTO = "auto"
SHARDS_VARIABLE = "RNNLAB_SHARDS"  # a Kubernetes Indexed Job's shard count (= its .spec.completions)


def _int_var(env: Mapping[str, str], name: str) -> int:
    try:
        return int(env[name])
    except ValueError:
        raise UsageError(f"--shard auto: ${name}={env[name]!r} is not a whole number") from None


def auto_shard(env: Mapping[str, str] | None = None) -> tuple[int, int, str]:
    """``(K, N, where)`` from the batch system running this process: a Slurm job array or a
    Kubernetes Indexed Job.  Anything else is a :class:`UsageError` that says what to set.

    Slurm: task ``SLURM_ARRAY_TASK_ID`` of an array ``--array=MIN-MAX[:STEP]`` is shard
    ``(ID - MIN) / STEP + 1`` of ``SLURM_ARRAY_TASK_COUNT`` (the array must be one range).
    Kubernetes: ``JOB_COMPLETION_INDEX`` (0-based) is shard ``INDEX + 1`` of ``$RNNLAB_SHARDS``.
    """
    env = os.environ if env is None else env
    if "SLURM_ARRAY_TASK_ID" in env:
        missing = [v for v in ("SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_COUNT") if v not in env]
        if missing:
            raise UsageError(f"--shard auto: $SLURM_ARRAY_TASK_ID is set but not ${missing[0]}; "
                             "run the grader as a task of an sbatch --array job, or give --shard K/N")
        task, first, count = (_int_var(env, v) for v in
                              ("SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_COUNT"))
        step = _int_var(env, "SLURM_ARRAY_TASK_STEP") if env.get("SLURM_ARRAY_TASK_STEP") else 1
        offset = task - first
        if step < 1 or offset < 0 or offset % step or not 1 <= offset // step + 1 <= count:
            raise UsageError(f"--shard auto: Slurm array task {task} (min {first}, step {step}, {count} tasks) "
                             "is not in one evenly spaced range; use --array=1-N (no lists like 1,3,7)")
        return offset // step + 1, count, f"Slurm array task {task} of {count}"
    if "JOB_COMPLETION_INDEX" in env:
        if not env.get(SHARDS_VARIABLE):
            raise UsageError(f"--shard auto: $JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job) but not "
                             f"${SHARDS_VARIABLE}; set it to the Job's completions (docs/ECOSYSTEM.md)")
        index, count = _int_var(env, "JOB_COMPLETION_INDEX"), _int_var(env, SHARDS_VARIABLE)
        if count < 1 or not 0 <= index < count:
            raise UsageError(f"--shard auto: completion index {index} is not below ${SHARDS_VARIABLE}={count}; "
                             f"set ${SHARDS_VARIABLE} to the Job's .spec.completions")
        return index + 1, count, f"Kubernetes completion index {index} of {count}"
    raise UsageError("--shard auto: no Slurm job array ($SLURM_ARRAY_TASK_ID) and no Kubernetes Indexed Job "
                     f"($JOB_COMPLETION_INDEX with ${SHARDS_VARIABLE}) here; give --shard K/N instead")


def resolve_shard(spec: str | None, env: Mapping[str, str] | None = None) -> tuple[str | None, str]:
    """``(spec as "K/N" or None, how it was found)``; ``"auto"`` reads the batch system."""
    if spec is None:
        return None, ""
    if spec.strip().lower() == AUTO:
        k, n, where = auto_shard(env)
        return f"{k}/{n}", where
    k, n = parse_shard(spec)
    return f"{k}/{n}", "--shard"


def parse_shard(spec: str) -> tuple[int, int]:
    """``"K/N"`` → ``(K, N)`` with 1 <= K <= N (``"auto"``: from the batch system, see
    :func:`auto_shard`); anything else is a :class:`UsageError`."""
    if (spec or "").strip().lower() == AUTO:
        return auto_shard()[:2]
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
