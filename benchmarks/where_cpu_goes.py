"""Where one student's CPU goes in `autograder grade --jobs 1`: sandboxes against the grader's threads.

    python benchmarks/where_cpu_goes.py [--students 30] [--repeats 2]

Builds the benign class of benchmarks/per_student_floor.py (not timed), then, --repeats times:

* **floor** and **sandbox start + close**, side by side: K sandboxed ``python -c "import numpy"``
  (per_student_floor's floor) against K ``Sandbox().start(); close()`` -- the same bwrap sandbox
  with the launcher, cgroup, seccomp program and the worker's own start (imports, ready message);
* **grade**: the `grade` command's ``main()`` in this process (start-up included), with the CPU
  of every process it starts counted by a cpuacct cgroup, and the CPU of each of the grader's
  threads (the grading thread, the spare-sandbox thread, the closer, the result writer, the main
  thread: imports, GradingPlan, grades.csv and the summary) from /proc/self/task.

Per student = total / K.  "in the sandboxes" is everything the grade run started (bwrap, the
worker, one forked process per notebook running the student's code) = cgroup total - this
process; "loads + runs" is that minus the sandbox starts measured above.  Needs root and bwrap,
like the grader.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import ROOT, bench_env, describe, load, timed
from per_student_floor import CpuMeter, run_floor

sys.path.insert(0, str(ROOT))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from autograder.sandbox import box

THREADS = {"ThreadPoolExecutor": "grading thread (load, run, compare, score, diagnose, explain)",
           "rnnlab-spare-sandboxes": "spare-sandbox thread (starts the next student's)",
           "rnnlab-close-sandboxes": "closer thread (kill, reap, remove the cgroup)",
           "rnnlab-write-results": "result writer (JSON + Markdown, fsync)",
           "MainThread": "main thread (course, GradingPlan, grades.csv, summary; its imports are done once, "
                         "in the warm-up)"}


def _thread_cpu() -> dict[str, float]:
    """CPU seconds of each live thread of this process, by Python thread name."""
    by_id = {t.native_id: t.name for t in threading.enumerate()}
    out: dict[str, float] = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        name = by_id.get(int(tid), "other")
        out[name] = out.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return out


def _group(name: str) -> str:
    return next((key for key in THREADS if name.startswith(key)), "other")


def grade_in_process(submitted: Path, out: Path, meter: CpuMeter) -> dict[str, float]:
    """CPU seconds of one `grade` run in this process: per thread group, and in the sandboxes."""
    from autograder.cli import main

    finished: dict[str, float] = {}
    run = threading.Thread.run

    def counted(self):  # threads that end before we read /proc (the grading pool's)
        try:
            return run(self)
        finally:
            group = _group(self.name)
            finished[group] = finished.get(group, 0.0) + time.thread_time()

    threading.Thread.run = counted
    try:
        before = {_group(k): 0.0 for k in THREADS}
        for name, seconds in _thread_cpu().items():
            before[_group(name)] = before.get(_group(name), 0.0) + seconds
        cgroup0, self0, wall0 = meter.seconds(), time.process_time(), time.perf_counter()
        with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):  # (the summary table)
            status = main(["--course", str(ROOT / "course.yaml"), "grade", str(submitted), "--out", str(out),
                           "--jobs", "1", "--force", "--quiet"])
        wall, own = time.perf_counter() - wall0, time.process_time() - self0
        total = meter.seconds() - cgroup0
    finally:
        threading.Thread.run = run
    if status not in (0, None):
        raise SystemExit(f"grade exited with {status}")
    after: dict[str, float] = dict(finished)
    for name, seconds in _thread_cpu().items():
        after[_group(name)] = after.get(_group(name), 0.0) + seconds
    split = {group: after.get(group, 0.0) - before.get(group, 0.0) for group in THREADS}
    return {"wall": wall, "total": total, "grader": own, "sandboxes": total - own, **split}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args(argv)
    if not box.bwrap_available():
        raise SystemExit(str(box.SandboxUnavailable()))
    k = args.students
    print(f"machine: {describe()}")
    meter = CpuMeter("where")
    if meter.path is None:
        raise SystemExit("needs a cpuacct cgroup (root, cgroup v1) to see the sandboxes' CPU")
    meter.enter()  # this process: everything it starts is counted
    os.environ.update(bench_env(RNNLAB_SECRET="benchmark-where-cpu-goes"))
    rows: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="rnnlab-where-") as tmp:
        submitted = Path(tmp) / "submitted"
        timed([sys.executable, str(ROOT / "examples" / "make_class.py"), "--out", str(submitted), "--students",
               str(k), "--benign-only"], ROOT, dict(os.environ))
        for repeat in range(args.repeats + 1):  # the first: warm-up (page cache, .pyc), not counted
            _, floor = run_floor(k, meter)
            cpu0 = meter.seconds()
            for _ in range(k):
                sandbox = box.Sandbox(slot=0)
                sandbox.start()
                sandbox.close()
            start = meter.seconds() - cpu0
            graded = grade_in_process(submitted, Path(tmp) / f"results{repeat}", meter)
            if repeat == 0:
                continue
            for key, value in {"floor": floor, "start": start, **graded}.items():
                rows.setdefault(key, []).append(value / k * 1000)
            print(f"  repeat {repeat}: floor {floor / k * 1000:.1f}, start+close {start / k * 1000:.1f}, grade "
                  f"{graded['wall'] / k * 1000:.1f} ms wall / {graded['total'] / k * 1000:.1f} ms CPU per student "
                  f"[load {load()}]", flush=True)
    meter.close()
    med = {key: statistics.median(values) for key, values in rows.items()}
    floor = med["floor"]
    print(f"\nms of CPU per student (median of {args.repeats}; {k} students x 6 notebooks, --jobs 1, start-up "
          f"included), and in floors (sandboxed `python -c 'import numpy'` = {floor:.1f} ms)")

    def line(label: str, ms: float) -> None:
        print(f"  {ms:7.1f}  {ms / floor:5.2f}  {label}")

    line(f"grade, all of it (its wall time: {med['wall']:.1f} ms per student, imports not included; "
         "per_student_floor.py times the whole command)", med["total"])
    line("in the sandboxes", med["sandboxes"])
    line("  of which sandbox start + close (measured alone, side by side with the floor)", med["start"])
    line("  of which loads + runs: forks, the student's code, encoding", med["sandboxes"] - med["start"])
    line("in the grader process", med["grader"])
    for key, label in THREADS.items():
        line("  " + label, med[key])
    return 0


if __name__ == "__main__":
    sys.exit(main())
