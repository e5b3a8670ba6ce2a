"""The example class graded by this checkout and by a baseline checkout, side by side, in one run.

    python benchmarks/class_vs_baseline.py --baseline CHECKOUT [--baseline CHECKOUT ...]
        [--repeats 3] [--exclude s09 ...] [--submitted examples/submitted]

Grades the same submissions (this checkout's ``examples/submitted`` unless --submitted) with
``python -m autograder --course TREE/course.yaml grade SUBMITTED --out OUT --jobs 1 --force --quiet``
from each checkout (``python -m`` from the tree imports that tree's ``autograder/``; one venv,
one grading secret), --repeats times, the order of the checkouts rotating each repeat so that a
change in the machine's load hits each alike.  For each run it prints the wall time and the CPU
time of everything the command started, the sandboxes included (a cpuacct cgroup:
per_student_floor.CpuMeter), and the load average around it; at the end, per checkout, the
fastest and median run, and the ratios ``this / baseline`` of the fastest and of the median runs,
wall and CPU, and the median (and middle half) of each repeat's own ratio, the two runs of a
repeat being next to each other.  CPU is the steadier figure on a shared machine.

A baseline checkout is any tree of the project, e.g. ``git worktree add --detach /tmp/base
COMMIT`` (or ``git archive COMMIT | tar -x -C /tmp/base``).  ``--exclude`` leaves students out
of the class (a copy of it is graded): e.g. s09, whose infinite loop waits out two call limits
and so measures the limits rather than the grader's work.
"""
from __future__ import annotations

import argparse
import atexit
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import ROOT, bench_env, describe, load
from per_student_floor import CpuMeter, run_grade


def summary(runs: list[tuple[float, float]]) -> dict[str, float]:
    walls, cpus = [w for w, _ in runs], [c for _, c in runs]
    return {"wall_min": min(walls), "wall_median": statistics.median(walls),
            "cpu_min": min(cpus), "cpu_median": statistics.median(cpus)}


def paired(mine: list[tuple[float, float]], base: list[tuple[float, float]]) -> str:
    """Each repeat's own ratio (this run / the baseline's run next to it), median and middle half:
    two runs side by side share the machine's load, which drifts from one repeat to the next."""
    parts = []
    for label, k in (("wall", 0), ("CPU", 1)):
        ratios = sorted(m[k] / b[k] for m, b in zip(mine, base))
        spread = statistics.quantiles(ratios, n=4) if len(ratios) >= 4 else [ratios[0], ratios[-1], ratios[-1]]
        parts.append(f"{label} {statistics.median(ratios):.3f} (middle half {spread[0]:.3f}-{spread[2]:.3f})")
    return ";  ".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, action="append", required=True, metavar="CHECKOUT",
                        help="another checkout of the project to grade the same class with (repeatable)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--submitted", type=Path, default=ROOT / "examples" / "submitted")
    parser.add_argument("--exclude", action="append", default=[], metavar="STUDENT",
                        help="grade the class without this student (repeatable)")
    args = parser.parse_args(argv)
    trees = {"this checkout": ROOT, **{f"baseline {path}": path.resolve() for path in args.baseline}}
    env = bench_env(RNNLAB_SECRET="benchmark-class-vs-baseline")
    meter = CpuMeter("class")
    atexit.register(meter.close)
    print(f"machine: {describe()}")
    print(f"CPU time from: {meter.kind}")
    rows: dict[str, list[tuple[float, float]]] = {name: [] for name in trees}
    with tempfile.TemporaryDirectory(prefix="rnnlab-class-vs-") as tmp:
        source = submitted = args.submitted.resolve()
        if args.exclude:
            submitted = Path(tmp) / "submitted"
            shutil.copytree(source, submitted, symlinks=True,
                            ignore=lambda folder, names: [n for n in names if Path(folder) == source and n in args.exclude])
        students = sorted(p.name for p in submitted.iterdir() if p.is_dir())
        print(f"class: {submitted} ({len(students)} students)")
        outs = {name: Path(tmp) / f"results-{i}" for i, name in enumerate(trees)}
        for name, tree in trees.items():  # warm the page cache, .pyc files and course caches (not counted)
            run_grade(submitted, outs[name], env, meter, tree)
        names = list(trees)
        for repeat in range(args.repeats):
            order = names[repeat % len(names):] + names[:repeat % len(names)]
            for name in order:
                before = load()
                wall, cpu = run_grade(submitted, outs[name], env, meter, trees[name])
                rows[name].append((wall, cpu))
                print(f"  repeat {repeat + 1} {name:40s} wall {wall:6.2f} s  CPU {cpu:6.2f} s   "
                      f"[load {before} -> {load()}]", flush=True)
    print(f"\n{len(students)} students, --jobs 1, start-up included, {args.repeats} runs each")
    figures = {name: summary(runs) for name, runs in rows.items()}
    for name, f in figures.items():
        print(f"  {name:40s} wall fastest {f['wall_min']:6.2f} s, median {f['wall_median']:6.2f} s;  "
              f"CPU fastest {f['cpu_min']:6.2f} s, median {f['cpu_median']:6.2f} s")
    mine = figures["this checkout"]
    for name in names[1:]:
        base = figures[name]
        print(f"  this / {name}: wall {mine['wall_min'] / base['wall_min']:.3f} (fastest), "
              f"{mine['wall_median'] / base['wall_median']:.3f} (median);  CPU {mine['cpu_min'] / base['cpu_min']:.3f} "
              f"(fastest), {mine['cpu_median'] / base['cpu_median']:.3f} (median)")
        print(f"  this / {name}, repeat by repeat: {paired(rows['this checkout'], rows[name])}")
    print(f"[loadavg {load()}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
