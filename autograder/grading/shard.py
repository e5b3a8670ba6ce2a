"""Split a class into N disjoint shards for a CI matrix or a batch scheduler (``--shard K/N``).

Owns the rule that puts a student in a shard, and the record each shard leaves for
`autograder merge`:

- The students of the submitted folder, sorted by id (code points, the same on every
  machine), are dealt round-robin: the i-th goes to shard ``i mod N + 1``.  Every shard's
  size is within one student of the others', and the split depends only on the folder.
- ``--shard auto`` reads K and N from a Slurm job array or a Kubernetes Indexed Job; an array
  that is not one evenly spaced range (``--array=1,3,7``) is refused before anything is
  graded, since its tasks cannot tell which shard they are.
- Each shard writes :data:`MANIFEST` into its results folder when it has graded everything:
  K, N, its students, and the class's fingerprint (the sorted student ids, the assignments
  and the rubric digest, which covers the course, the reference and the grading secret).
  Shards of one run share the fingerprint; a shard from another class, course or secret
  does not.  All shards of one class must use the same secret (``$RNNLAB_SECRET`` or
  ``--secret-file``) so that they grade on the same hidden cases.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Mapping

from autograder.grading.errors import UsageError
from autograder.student.messages import Nested
from autograder.grading.results import write_atomic

_SPEC = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


AUTO = "auto"
SHARDS_VARIABLE = "RNNLAB_SHARDS"  # a Kubernetes Indexed Job's shard count (= its .spec.completions)


def _int_var(env: Mapping[str, str], name: str) -> int:
    try:
        return int(env[name])
    except ValueError:
        raise UsageError("usage.shard-not-number", name=name, value=env[name]) from None


def auto_shard(env: Mapping[str, str] | None = None) -> tuple[int, int, str]:
    """``(K, N, where)`` from the batch system running this process: a Slurm job array or a
    Kubernetes Indexed Job.  Anything else is a :class:`UsageError` that says what to set.

    Slurm: task ``SLURM_ARRAY_TASK_ID`` of an array ``--array=MIN-MAX[:STEP]`` is shard
    ``(ID - MIN) / STEP + 1`` of ``SLURM_ARRAY_TASK_COUNT``.  The array must be one evenly spaced
    range (``MAX - MIN = STEP * (COUNT - 1)``): a list such as ``--array=1,3,7`` is refused
    in every task, before grading, because no task can tell which shard it is.
    Kubernetes: ``JOB_COMPLETION_INDEX`` (0-based) is shard ``INDEX + 1`` of ``$RNNLAB_SHARDS``.
    """
    env = os.environ if env is None else env
    if "SLURM_ARRAY_TASK_ID" in env:
        needed = ("SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_MAX", "SLURM_ARRAY_TASK_COUNT")
        missing = [v for v in needed if v not in env]
        if missing:
            raise UsageError("usage.shard-slurm-partial", missing=missing[0])
        task, first, last, count = (_int_var(env, v) for v in ("SLURM_ARRAY_TASK_ID", *needed))
        step = _int_var(env, "SLURM_ARRAY_TASK_STEP") if env.get("SLURM_ARRAY_TASK_STEP") else 1
        if step < 1 or count < 1 or last - first != step * (count - 1):
            raise UsageError("usage.shard-slurm-list", count=count, first=first, last=last,
                             step=Nested("usage.shard-step", step=step) if step != 1 else "")
        offset = task - first
        if offset < 0 or offset % step or offset // step >= count:
            raise UsageError("usage.shard-slurm-outside", task=task, first=first, last=last,
                             step=f":{step}" if step != 1 else "")
        return offset // step + 1, count, f"Slurm array task {task} of {count}"
    if "JOB_COMPLETION_INDEX" in env:
        if not env.get(SHARDS_VARIABLE):
            raise UsageError("usage.shard-k8s-count", var=SHARDS_VARIABLE)
        index, count = _int_var(env, "JOB_COMPLETION_INDEX"), _int_var(env, SHARDS_VARIABLE)
        if count < 1 or not 0 <= index < count:
            raise UsageError("usage.shard-k8s-index", index=index, var=SHARDS_VARIABLE, count=count)
        return index + 1, count, f"Kubernetes completion index {index} of {count}"
    raise UsageError("usage.shard-auto-none", var=SHARDS_VARIABLE)


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
        raise UsageError("usage.shard-spec", spec=spec)
    k, n = int(match.group(1)), int(match.group(2))
    if n < 1:
        raise UsageError("usage.shard-n", spec=spec)
    if not 1 <= k <= n:
        raise UsageError("usage.shard-k", spec=spec, n=n)
    return k, n


def assign_shards(students: list[str], n: int) -> dict[str, int]:
    """Student → shard (1..n): sorted by id, dealt round-robin, so shard sizes differ by at most one."""
    return {student: i % n + 1 for i, student in enumerate(sorted(set(students)))}


def select_shard(students: list[str], spec: str) -> list[str]:
    """The students of shard K of N, in their original order."""
    k, n = parse_shard(spec)
    shards = assign_shards(students, n)
    return [s for s in students if shards[s] == k]


# --------------------------------------------------------------------------- the shard's record

MANIFEST = ".rnnlab-shard.json"  # hidden: result listings skip it, merge reads it
MANIFEST_FORMAT = 1


def class_fingerprint(students: list[str], assignments: list[str], rubric: str) -> str:
    """What makes two shards parts of one run: the class (every student id), the assignments
    graded, and the rubric digest (engine, course, reference, secret)."""
    payload = json.dumps({"students": sorted(set(students)), "assignments": sorted(set(assignments)),
                          "rubric": rubric}, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def clear_manifest(out: Path) -> None:
    """Forget a previous run's record before grading (a shard that stops half-way leaves none)."""
    (out / MANIFEST).unlink(missing_ok=True)


def write_manifest(out: Path, spec: str, everyone: list[str], assignments: list[str], rubric: str) -> dict:
    """Record in ``out`` that it holds shard K of N of this class, graded to the end."""
    k, n = parse_shard(spec)
    record = {"format": MANIFEST_FORMAT, "shard": k, "of": n,
              "fingerprint": class_fingerprint(everyone, assignments, rubric),
              "class": sorted(set(everyone)), "assignments": list(assignments),
              "students": select_shard(sorted(set(everyone)), f"{k}/{n}")}
    write_atomic(out / MANIFEST, json.dumps(record, ensure_ascii=False, indent=1) + "\n")
    return record


def read_manifest(folder: Path) -> dict | None:
    """The shard record in ``folder``, or None when there is none or it is not one of ours."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    keys = {"shard": int, "of": int, "fingerprint": str, "class": list, "students": list}
    if not isinstance(data, dict) or not all(isinstance(data.get(k), t) for k, t in keys.items()):
        return None
    return data
