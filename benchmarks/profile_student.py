"""Where one student's grading time goes: pyinstrument, plus wall time per pipeline stage.

    python benchmarks/profile_student.py [--student s0001] [--students 20] [--repeats 10]
                                         [--html FILE]   (needs requirements/bench.in)

Builds a benign class (examples/make_class.py; not timed), makes the GradingPlan once (as
`autograder grade` does), then grades the same student --repeats times in this process, as one
`--jobs 1` worker thread would, under pyinstrument (the grader's side; the sandboxed worker is
another process, so its time shows as waiting for replies).  Prints the per-stage wall time per
student (sandbox start, notebook loads, run requests, scoring and diagnosis, result files) and
the profile.  RNNLAB_PREWARM=0 measures without the spare sandboxes (autograder/sandbox/prewarm.py);
with them, each repeat after the first takes a sandbox started during the previous one.
"""
from __future__ import annotations

import argparse
import collections
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import ROOT, bench_env, describe, timed

sys.path.insert(0, str(ROOT))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from autograder.grading import pipeline
from autograder.sandbox import box as sandbox, prewarm
from autograder.grading.course import load_course
from autograder.grading.classrun import make_sandbox_factory
from autograder.grading.results import write_result

STAGES = collections.defaultdict(float)


def _timed_write(out: Path, result: dict, feedback: str) -> None:
    start = time.perf_counter()
    try:
        write_result(out, result, feedback)
    finally:
        STAGES["write result + feedback files"] += time.perf_counter() - start


def _timing(owner, name: str, label: str) -> None:
    original = getattr(owner, name)

    def timed_call(*args, **kwargs):
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            STAGES[label] += time.perf_counter() - start

    setattr(owner, name, timed_call)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--student", default="s0001", help="s0001 is a correct student (all six notebooks)")
    parser.add_argument("--students", type=int, default=20, help="size of the class to build")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--html", type=Path, default=None, help="also write pyinstrument's HTML view")
    args = parser.parse_args(argv)
    from pyinstrument import Profiler

    print(f"machine: {describe()}")
    course = load_course(ROOT / "course.yaml")
    with tempfile.TemporaryDirectory(prefix="rnnlab-profile-") as tmp:
        submitted = Path(tmp) / "submitted"
        timed([sys.executable, str(ROOT / "examples" / "make_class.py"), "--out", str(submitted),
               "--students", str(args.students), "--benign-only"], ROOT, bench_env())
        start = time.perf_counter()
        plan = pipeline.GradingPlan(course, b"benchmark-profile", list(course.assignments))
        print(f"GradingPlan (once per run, all assignments): {time.perf_counter() - start:.3f} s")
        factory_for = make_sandbox_factory(course, isolate=True)
        _timing(sandbox.Sandbox, "_spawn", "sandbox start (bwrap + python + import numpy)"
                + ("; with prewarm, in the spare thread, off the student's path" if prewarm.enabled() else ""))
        _timing(sandbox.Sandbox, "load", "load notebooks (incl. sandbox start)")
        _timing(sandbox.Sandbox, "run", "run requests (worker round trips)")
        _timing(sandbox.Sandbox, "close", "close sandbox")
        _timing(pipeline._SubmissionGrading, "_run_together", "a notebook's shared request (run + decode)")
        _timing(pipeline._SubmissionGrading, "_grade_function", "grade functions (compare/score; own reruns)")
        _timing(pipeline._SubmissionGrading, "_result", "result JSON + feedback text")
        _timing(pipeline, "parse_notebook", "parse notebooks")
        out = Path(tmp) / "results"
        profiler = Profiler(interval=0.0005)
        walls = []
        profiler.start()
        for _ in range(args.repeats):
            start = time.perf_counter()
            grader = pipeline.StudentGrader(plan, out, factory_for(0), write=_timed_write)
            grader.grade(args.student, grader.pending(args.student, submitted, force=True))
            walls.append(time.perf_counter() - start)
        profiler.stop()
    n = args.repeats
    print(f"one student ({args.student}, 6 notebooks), {n} repeats: median {statistics.median(walls) * 1000:.0f} ms "
          f"(min {min(walls) * 1000:.0f}, max {max(walls) * 1000:.0f}); prewarm "
          f"{'on' if prewarm.enabled() else 'off'}")
    print("wall time per student by stage (nested stages overlap their parents):")
    for label, seconds in STAGES.items():
        print(f"  {seconds / n * 1000:7.1f} ms  {label}")
    print(profiler.output_text(unicode=False, color=False, show_all=False))
    if args.html:
        args.html.write_text(profiler.output_html())
    print(f"[loadavg {describe().split('loadavg')[1]}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
