"""Input cases for a graded function, drawn from course.yaml's input specs.

Owns: turning a secret (hidden cases) or a public seed (self-check fixtures) into
reproducible sizes and input values, and wrapping them into call programs
(docs/ARCHITECTURE.md).  A backward is always called through a forward, so its case holds
the forward's inputs, the upstream gradients (shaped like the forward's outputs) and a
reference to the forward's own cache.  Numerics only: no I/O, no scoring.
"""
from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from autograder.grading.course import CACHE_OUTPUT, Course, FunctionSpec, spec_dims

_SHAPE_ENTRY = re.compile(r"^(?:(\d+)\*)?([A-Z]\w*)$")


@dataclass(frozen=True)
class Case:
    function: str
    index: int
    dims: dict[str, int]
    program: dict  # {"steps": [...]}: values are numpy arrays / python scalars

    def describe(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.dims.items())


def case_seed(secret: bytes, function: str, index: int) -> int:
    """A 64-bit seed no one can predict without the secret (HMAC-SHA256)."""
    digest = hmac.new(secret, f"{function}#{index}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "little")


def draw_dims(spec: FunctionSpec, rng: np.random.Generator) -> dict[str, int]:
    """Sizes for one case; groups listed in ``distinct`` get pairwise different values."""
    for _ in range(1000):
        dims = {name: int(rng.integers(lo, hi + 1)) for name, (lo, hi) in spec.dims.items()}
        if all(len({dims[d] for d in group if d in dims}) == len([d for d in group if d in dims])
               for group in spec.distinct):
            return dims
    raise ValueError(f"{spec.name}: the ranges in dims cannot satisfy distinct={spec.distinct}")


def resolve_shape(shape: list, dims: dict[str, int]) -> tuple[int, ...]:
    out = []
    for entry in shape:
        if isinstance(entry, int):
            out.append(entry)
            continue
        match = _SHAPE_ENTRY.match(entry)
        if match is None:  # course.py's schema admits only these forms
            raise ValueError(f"not a shape entry: {entry!r} (e.g. N, 4*H or a number)")
        factor, name = match.groups()
        out.append(int(factor or 1) * dims[name])
    return tuple(out)


def draw_value(spec: dict, dims: dict[str, int], rng: np.random.Generator, index: int = 0) -> Any:
    """One input value from its spec (the keys are documented in course.yaml's header).

    ``index`` is the case number: ``cycle`` specs use it so that every branch of a
    function (e.g. clipping and not clipping) is met by some case, not left to chance.
    """
    if "cycle" in spec:
        return draw_value(spec["cycle"][index % len(spec["cycle"])], dims, rng, index)
    if "value" in spec:
        return spec["value"]
    if "choice" in spec:
        return spec["choice"][int(rng.integers(len(spec["choice"])))]
    if "dict" in spec:
        return {key: draw_value(sub, dims, rng, index) for key, sub in spec["dict"].items()}
    if "list" in spec:
        count = dims[spec["list"]]
        return [draw_value(spec["first"] if i == 0 and "first" in spec else spec["item"], dims, rng, index)
                for i in range(count)]
    shape = resolve_shape(spec["shape"], dims)
    size = int(np.prod(shape))
    if "tokens" in spec:
        ids = rng.integers(0, dims[spec["tokens"]], size=shape, dtype=np.int64)
        if size >= 2:  # a repeated index is what breaks `dW[x] += ...`; make sure one exists
            ids.flat[-1] = ids.flat[0]
        return ids
    if "mask" in spec:
        mask = rng.random(shape) < spec["mask"]
        if size >= 2:  # both branches of the mask must be exercised
            mask.flat[0], mask.flat[-1] = True, False
        return mask
    if "uniform" in spec:
        lo, hi = spec["uniform"]
        values = rng.uniform(lo, hi, size=shape)
    else:
        values = rng.standard_normal(shape) * spec.get("scale", 1.0)
    return float(values) if shape == () else values


def _returned(spec: FunctionSpec) -> list[int]:
    return [i for i, name in enumerate(spec.returns) if name != CACHE_OUTPUT]


def _used(dims: dict[str, int], *specs: FunctionSpec) -> dict[str, int]:
    """Only the sizes the function's inputs mention: messages stay readable."""
    names = {name for spec in specs for name in spec_dims(spec)}
    return {k: v for k, v in dims.items() if k in names}


def build_case(course: Course, spec: FunctionSpec, index: int, seed: int,
               forward_shapes: Callable[[FunctionSpec, list], list] | None = None,
               sizes: dict[str, int] | None = None) -> Case:
    """The call program of case ``index``.

    ``forward_shapes(forward_spec, args)`` must return the forward's outputs (any objects
    with ``.shape`` for the ``like`` inputs); the grader passes the reference forward.
    ``sizes`` replace the drawn ones (the large case).
    """
    rng = np.random.default_rng(seed)
    dims = {**draw_dims(spec, rng), **(sizes or {})}
    if spec.through is None:
        args = [draw_value(s, dims, rng, index) for s in spec.inputs.values()]
        step = {"fn": spec.name, "args": args, "nret": len(spec.returns), "send": _returned(spec)}
        return Case(spec.name, index, _used(dims, spec), {"steps": [step]})

    forward = course.functions[spec.through]
    fwd_args = [draw_value(s, dims, rng, index) for s in forward.inputs.values()]
    fwd_out = forward_shapes(forward, fwd_args) if forward_shapes else None
    args = []
    for arg, s in spec.inputs.items():
        if "from" in s:
            args.append({"$ref": [0, forward.returns.index(s["from"])]})
        elif "like" in s:
            if fwd_out is None:
                raise ValueError(f"{spec.name}.{arg}: 'like' needs the forward's outputs (forward_shapes)")
            like = fwd_out[forward.returns.index(s["like"])]
            args.append(rng.standard_normal(np.shape(like)) * s.get("scale", 1.0))
        else:
            args.append(draw_value(s, dims, rng, index))
    steps = [  # the forward's outputs stay in the sandbox: only the backward's are graded (and its
        # case is large: sending them back would cost every student's copies and decoding for nothing)
        {"fn": forward.name, "args": fwd_args, "nret": len(forward.returns), "send": []},
        {"fn": spec.name, "args": args, "nret": len(spec.returns), "send": _returned(spec)},
    ]
    return Case(spec.name, index, _used(dims, forward, spec), {"steps": steps})


def build_cases(course: Course, spec: FunctionSpec, secret: bytes,
                forward_shapes: Callable[[FunctionSpec, list], list] | None = None,
                count: int | None = None) -> list[Case]:
    """The hidden cases (``count`` None: ``spec.cases`` of them, then the large case if the
    function has one), or the first ``count`` cases (the public self-check's: never the large one)."""
    cases = [build_case(course, spec, i, case_seed(secret, spec.name, i), forward_shapes)
             for i in range(spec.cases if count is None else count)]
    if count is None and spec.large_case:
        i = spec.cases
        cases.append(build_case(course, spec, i, case_seed(secret, spec.name, i), forward_shapes,
                                dict(spec.large_case)))
    return cases


def graded_outputs(case_result: dict, spec: FunctionSpec) -> dict[str, Any]:
    """Name → value of the function's own sent outputs (the last step of the program)."""
    sent = case_result["outputs"][-1]
    return dict(zip([spec.returns[i] for i in _returned(spec)], sent))
