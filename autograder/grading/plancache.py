"""Owns: a grading plan's hidden cases and reference outputs kept on disk between grader processes.

Drawing an assignment's hidden cases and running the reference on each is most of the grader's
own work for one notebook (`grade-notebook`, Gradescope), yet it depends only on the rubric
(course, reference, grading modules, secret: ``pipeline.rubric_digest``), the assignment, and
the numbers this machine's numpy computes.  So it is kept, per assignment, in the course's
trusted cache folder (``.rnnlab-cache/plans/`` beside course.yaml, mode 0700, files 0600: it
holds the hidden cases, as secret as ``.grading-secret``), never anywhere a sandbox can see.

The file is an RNN Lab protocol frame (``sandbox/inside/protocol.py``: a JSON header and raw
array bytes, validated when read, nothing unpickled) of a tree that keeps every Python type
the plan holds (int, float, str, bool, None, list, tuple, dict with str keys, ndarray), so a
plan read back is the plan that was computed, value for value and type for type.  A plan
holding anything else is simply not kept.  Its name is a hash of everything the values depend
on; any other file, or one that does not decode, is ignored and the plan is computed again.
"""
from __future__ import annotations

import hashlib
import mmap
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from autograder.grading.cases import Case
from autograder.sandbox.inside import protocol

FOLDER = Path(".rnnlab-cache") / "plans"  # beside course.yaml
FORMAT = "rnnlab-plan-1"
# environment that decides which BLAS kernels compute the reference outputs
BLAS_ENV = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_CORETYPE",
            "OPENBLAS_L2_SIZE", "OPENBLAS_VERBOSE", "MKL_CBWR", "NPY_DISABLE_CPU_FEATURES")


class _NotKept(Exception):
    """The plan holds a value this format does not keep exactly."""


def _machine() -> str:
    """What the reference's floating-point results depend on besides the rubric."""
    cpu = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as handle:
            first = handle.read(1 << 16).split("\n\n", 1)[0]
        cpu = "\n".join(line for line in first.splitlines() if line.split(":")[0].strip() in
                        ("vendor_id", "cpu family", "model", "model name", "flags"))
    except OSError:
        pass
    return "\0".join([FORMAT, sys.version, np.__version__, os.path.realpath(np.__file__), os.uname().machine, cpu,
                      *(f"{k}={os.environ.get(k, '')}" for k in BLAS_ENV)])


def path_of(root: Path, rubric: str, assignment: str) -> Path:
    key = hashlib.sha256("\0".join([rubric, assignment, _machine()]).encode()).hexdigest()
    return Path(root) / FOLDER / f"{assignment}-{key[:40]}.plan"


# ------------------------------------------------------------------------------ the tree


def _encode(value: Any, arrays: list) -> Any:
    t = type(value)
    if value is None or t is bool or t is int or t is str:
        return value if t is not str else {"$s": value}
    if t is float:
        if value != value or value in (float("inf"), float("-inf")):
            return {"$f": repr(value)}  # JSON has no NaN/Infinity
        return {"$f": value}
    if t is list:
        return [_encode(v, arrays) for v in value]
    if t is tuple:
        return {"$t": [_encode(v, arrays) for v in value]}
    if t is dict:
        if not all(type(k) is str for k in value):
            raise _NotKept("a dict key that is not a str")
        return {"$d": {k: _encode(v, arrays) for k, v in value.items()}}
    if t is np.ndarray and value.dtype.str in protocol.ALLOWED_DTYPES and value.flags.c_contiguous:
        arrays.append(value)
        return {"$a": len(arrays) - 1}
    raise _NotKept(f"a value of type {t.__name__}")


def _decode(node: Any, arrays: list) -> Any:
    if node is None or type(node) in (bool, int):
        return node
    if type(node) is list:
        return [_decode(v, arrays) for v in node]
    if type(node) is dict and len(node) == 1:
        (tag, inner), = node.items()
        if tag == "$s" and type(inner) is str:
            return inner
        if tag == "$f" and type(inner) in (float, int, str):
            return float(inner)
        if tag == "$t" and type(inner) is list:
            return tuple(_decode(v, arrays) for v in inner)
        if tag == "$d" and type(inner) is dict:
            return {k: _decode(v, arrays) for k, v in inner.items()}
        if tag == "$a" and type(inner) is int and 0 <= inner < len(arrays):
            return arrays[inner]
    raise protocol.ProtocolError(f"unexpected node {str(node)[:80]}")


# ------------------------------------------------------------------------------ load and keep


def load(path: Path, functions: list[str]) -> dict[str, tuple[list[Case], list[dict]]] | None:
    """``{function: (cases, reference outputs)}`` kept at ``path``, or None (absent, unreadable, other)."""
    try:
        with open(path, "rb") as handle:
            # copy-on-write: the arrays viewing it are writable, as computed, and the file is never changed
            buf = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_COPY)
        tree, arrays = protocol.decode_frame(buf)
        value = _decode(tree, arrays)
        if type(value) is not dict or value.get("format") != FORMAT or list(value.get("functions", {})) != functions:
            return None
        plan = {}
        for name, (cases, outputs) in value["functions"].items():
            plan[name] = ([Case(name, index, dims, program) for index, dims, program in cases], outputs)
        return plan
    except (OSError, protocol.ProtocolError, ValueError, TypeError, KeyError, RecursionError):
        return None


def keep(path: Path, plan: dict[str, tuple[list[Case], list[dict]]]) -> None:
    """Best effort: write the plan where :func:`load` finds it, and remove the assignment's older ones."""
    arrays: list = []
    try:
        tree = _encode({"format": FORMAT, "functions": {
            name: [[(case.index, case.dims, case.program) for case in cases], outputs]
            for name, (cases, outputs) in plan.items()}}, arrays)
        chunks = protocol.encode_frame(tree, arrays)
    except (_NotKept, protocol.ProtocolError, ValueError, TypeError):
        return
    try:
        path.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)  # mode 0600
        try:
            with os.fdopen(fd, "wb") as handle:
                for chunk in chunks:
                    handle.write(chunk)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        assignment = path.name.rsplit("-", 1)[0]
        for old in path.parent.glob(f"{assignment}-*.plan"):  # plans of an earlier rubric
            if old != path and old.name.rsplit("-", 1)[0] == assignment:
                old.unlink(missing_ok=True)
    except OSError:
        pass
