"""One student's CPU split between the grader, the sandbox's zygote and its unit processes.

    python benchmarks/student_cpu_split.py [--student s01] [--repeats 8] [--no-large-cases]

Makes the GradingPlan once, then grades one student of ``examples/submitted`` --repeats times in
this process, as one ``--jobs 1`` worker does (``RNNLAB_PREWARM=0`` keeps the spare sandboxes
out of it).  Per repeat: the grader's own CPU (this process), the CPU of everything the grading
started (a cpuacct cgroup: per_student_floor.CpuMeter, minus this process), and, read from /proc
just before each sandbox is closed, the CPU of its zygote and of its unit processes (one per
notebook).  The rest of the sandbox's CPU is its start (bwrap, setpriv, the interpreter, numpy)
and its exit.  ``--no-large-cases`` drops course.yaml's ``large_case`` sizes from the plan: what
the large cases cost one student is the difference.  The first repeat (a cold start) is left out.
Needs root and bwrap, like the grader.
"""
from __future__ import annotations

import argparse
import collections
import dataclasses
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import ROOT, describe
from per_student_floor import CpuMeter

sys.path.insert(0, str(ROOT))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("RNNLAB_PREWARM", "0")

from autograder.grading import pipeline
from autograder.grading.classrun import make_sandbox_factory
from autograder.grading.course import load_course
from autograder.sandbox import box

HZ = os.sysconf("SC_CLK_TCK")
ROLES = {2: "zygote", 3: "units"}  # depth below bwrap: its init, the zygote, the units


def _tree(pid: int, depth: int = 0) -> list[tuple[int, int]]:
    out = [(pid, depth)]
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as handle:
                for child in handle.read().split():
                    out += _tree(int(child), depth + 1)
    except OSError:
        pass
    return out


def _cpu(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / HZ


def _count_roles(counts: dict) -> None:
    close = box.Sandbox.close

    def counted_close(self):
        if self._proc is not None:
            for pid, depth in _tree(self._proc.pid):
                if depth in ROLES:
                    try:
                        counts[ROLES[depth]] += _cpu(pid)
                    except OSError:
                        pass
        return close(self)

    box.Sandbox.close = counted_close


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--student", default="s01", help="s01 is correct in every notebook")
    parser.add_argument("--repeats", type=int, default=8)
    parser.add_argument("--no-large-cases", action="store_true")
    args = parser.parse_args(argv)
    course = load_course(ROOT / "course.yaml")
    if args.no_large_cases:
        for name, spec in list(course.functions.items()):
            if spec.large_case:
                course.functions[name] = dataclasses.replace(spec, large_case=())
    plan = pipeline.GradingPlan(course, b"benchmark-student-cpu", list(course.assignments))
    meter = CpuMeter("student-cpu")
    meter.enter()
    factory_for = make_sandbox_factory(course, isolate=True)
    counts: dict[str, float] = collections.defaultdict(float)
    _count_roles(counts)
    rows: dict[str, list[float]] = collections.defaultdict(list)
    submitted = ROOT / "examples" / "submitted"
    try:
        with tempfile.TemporaryDirectory(prefix="rnnlab-student-cpu-") as tmp:
            for repeat in range(args.repeats + 1):
                counts.clear()
                own = resource.getrusage(resource.RUSAGE_SELF)
                total, wall = meter.seconds(), time.perf_counter()
                grader = pipeline.StudentGrader(plan, Path(tmp), factory_for(0))
                grader.grade(args.student, grader.pending(args.student, submitted, force=True))
                wall = time.perf_counter() - wall
                total = meter.seconds() - total
                after = resource.getrusage(resource.RUSAGE_SELF)
                mine = after.ru_utime + after.ru_stime - own.ru_utime - own.ru_stime
                if repeat == 0:
                    continue
                rows["wall"].append(wall)
                rows["grader CPU"].append(mine)
                rows["sandbox CPU (all)"].append(total - mine)
                rows["  zygote"].append(counts["zygote"])
                rows["  unit processes"].append(counts["units"])
    finally:
        if meter.path is not None:  # leave the cgroup, or it cannot be removed
            (meter.path.parent / "tasks").write_text(str(os.getpid()))
        meter.close()
    print(f"machine: {describe()}")
    print(f"{args.student}, {args.repeats} repeats{', no large cases' if args.no_large_cases else ''} "
          f"(CPU: {meter.kind}):")
    for label, values in rows.items():
        print(f"  {label:20s} median {statistics.median(values) * 1000:6.0f} ms   fastest {min(values) * 1000:6.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
