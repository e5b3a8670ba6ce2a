"""What each backward's large hidden case costs, and how far it puts a numerical gradient over the limit.

    python benchmarks/large_cases.py [--repeats 9] [--function NAME ...] [--size NAME N=..,T=..]

For every backward with a course.yaml ``large_case`` (the hidden case that exists to make a
finite-difference backward time out), on the reference code in this process:

* **backprop**: the case's call program (the forward, then the backward through its cache), best
  of --repeats: what a correct student's code does on it;
* **numbers**: the floats in the forward's inputs a gradient is returned for;
* **one evaluation**: ``Σ_k sum(g_k · forward(...)_k)`` (consistency.FiniteDifferences' objective),
  best of --repeats; **central difference** = 2 × numbers × one evaluation, the least a numerical
  gradient needs (it must differentiate every number);
* **margin**: central difference / the backward's ``call_seconds`` (the limit for all its cases):
  the defence wants at least 10;
* **MB to / from** the sandbox: the encoded request frame of the case and the reply the reference's
  outputs make (what every student's case costs in copies and decoding).

``--size`` tries other sizes for one function without editing course.yaml (e.g.
``--size rnn_backward N=16,T=8``); rows below the 10x margin are marked.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import ROOT, describe

sys.path.insert(0, str(ROOT))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

from autograder.grading import consistency, pipeline
from autograder.grading.cases import build_case, case_seed
from autograder.grading.course import load_course
from autograder.sandbox.inside import protocol
from autograder.sandbox.inside.program import run_program

MARGIN = 10.0  # the defence: a central difference takes at least this many call limits


def best_ms(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times) * 1000


def frame_mb(value) -> float:
    chunks = protocol.encode_frame(*protocol.pack(value, strict=False))
    return sum(len(memoryview(c).cast("B")) for c in chunks) / 1e6


def measure(course, namespace, spec, sizes: dict[str, int], repeats: int) -> dict:
    forward = course.functions[spec.through]
    case = build_case(course, spec, spec.cases, case_seed(b"benchmark-large-cases", spec.name, spec.cases),
                      pipeline.reference_forward(namespace), sizes)
    result = run_program(namespace, case.program)
    backprop = best_ms(lambda: run_program(namespace, case.program), repeats)
    differences = consistency.FiniteDifferences(namespace, forward, spec, case, 0)
    numbers = sum(consistency._flat(differences.args[i]).size
                  for i in consistency.gradient_inputs(spec, forward).values())
    call, args = namespace[forward.name], differences.args
    upstream = [(differences.sent[k], g) for k, g in differences.upstream.items()]

    def objective() -> float:  # the forward itself on ready inputs: no copies, the least one evaluation costs
        outputs = call(*args)
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        return sum(float(np.vdot(g, outputs[i])) for i, g in upstream)

    evaluation = best_ms(objective, repeats)
    central = 2 * numbers * evaluation / 1000
    return {"sizes": sizes, "backprop": backprop, "numbers": numbers, "evaluation": evaluation,
            "central": central, "margin": central / spec.call_seconds,
            "to": frame_mb({"programs": [case.program]}), "from": frame_mb({"ok": True, "results": [result]})}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--function", action="append", default=None, help="only these backwards")
    parser.add_argument("--size", nargs=2, action="append", default=[], metavar=("FUNCTION", "SIZES"),
                        help="other large-case sizes for FUNCTION, e.g. N=16,T=8 (replacing course.yaml's)")
    args = parser.parse_args(argv)
    course = load_course(ROOT / "course.yaml")
    namespace = pipeline.reference_namespace(course)
    override: dict[str, dict[str, int]] = {}
    for name, text in args.size:
        override.setdefault(name, {}).update({k: int(v) for k, v in (kv.split("=") for kv in text.split(","))})
    print(f"machine: {describe()}")
    print("| backward | large case | backprop | numbers | one evaluation | central difference | "
          "call limit | margin | MB to / from |")
    print("|---|---|---|---|---|---|---|---|---|")
    totals = {"backprop": 0.0, "to": 0.0, "from": 0.0}
    low = []
    for spec in course.functions.values():
        if not spec.large_case or (args.function and spec.name not in args.function):
            continue
        sizes = {**dict(spec.large_case), **override.get(spec.name, {})}
        row = measure(course, namespace, spec, sizes, args.repeats)
        for key in totals:
            totals[key] += row[key]
        if row["margin"] < MARGIN:
            low.append(spec.name)
        print(f"| `{spec.name}` | {', '.join(f'{k}={v}' for k, v in sizes.items())} | {row['backprop']:.1f} ms | "
              f"{row['numbers']} | {row['evaluation']:.2f} ms | {row['central']:.0f} s | {spec.call_seconds:g} s | "
              f"{row['margin']:.1f}x{' (below 10x)' if row['margin'] < MARGIN else ''} | "
              f"{row['to']:.2f} / {row['from']:.2f} |", flush=True)
    print(f"\nall large cases together: backprop {totals['backprop']:.1f} ms, {totals['to']:.2f} MB to the sandbox, "
          f"{totals['from']:.2f} MB back")
    if low:
        print(f"below the {MARGIN:g}x margin: {', '.join(low)}")
    return 1 if low else 0


if __name__ == "__main__":
    sys.exit(main())
