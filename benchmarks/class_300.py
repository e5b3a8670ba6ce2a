"""A large class: wall time and the grader's peak memory of `autograder grade`, by class size.

    python benchmarks/class_300.py [--students 30 300] [--jobs 2] [--repeats 3]

For each class size, builds the class (examples/make_class.py --benign-only, every assignment;
not timed), then runs `autograder grade --force --quiet --jobs J` --repeats times and prints the
median wall time and the grader process's peak resident memory (VmHWM, read by the grader
process itself at exit: the sandboxed workers are separate processes, one per student alive at a
time, and are not counted).  Memory that does not grow with the class size shows that results
stream to disk instead of piling up.  Target: 300 students x 6 assignments within 120 s at --jobs 2.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import ROOT, bench_env, describe, timed

PY = sys.executable
# Runs the real CLI in this process, then reports this process's peak RSS on stderr.
_WRAPPER = (
    "import sys\n"
    "from autograder.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "hwm = next(l for l in open('/proc/self/status') if l.startswith('VmHWM'))\n"
    "print('PEAK_RSS_KB', hwm.split()[1], file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def grade(submitted: Path, out: Path, jobs: int, env: dict) -> tuple[float, int]:
    seconds, proc = timed([PY, "-c", _WRAPPER, "--course", str(ROOT / "course.yaml"), "grade", str(submitted),
                           "--out", str(out), "--jobs", str(jobs), "--force", "--quiet"], ROOT, env)
    peak = next(int(line.split()[1]) for line in proc.stderr.splitlines() if line.startswith("PEAK_RSS_KB"))
    return seconds, peak


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, nargs="+", default=[30, 300])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    env = bench_env(RNNLAB_SECRET="benchmark-class-300")
    print(f"machine: {describe()}")
    with tempfile.TemporaryDirectory(prefix="rnnlab-class-") as tmp:
        for students in args.students:
            submitted = Path(tmp) / f"c{students}" / "submitted"
            timed([PY, str(ROOT / "examples" / "make_class.py"), "--out", str(submitted), "--students", str(students),
                   "--benign-only"], ROOT, env)
            walls, peaks = [], []
            for _ in range(args.repeats):
                seconds, peak = grade(submitted, Path(tmp) / f"c{students}" / "results", args.jobs, env)
                walls.append(seconds)
                peaks.append(peak)
            print(f"{students} students x 6 assignments, --jobs {args.jobs}: wall {statistics.median(walls):.1f} s "
                  f"(runs: {', '.join(f'{w:.1f}' for w in walls)}; {statistics.median(walls) / students * 1000:.0f} ms "
                  f"per student), grader peak RSS {statistics.median(peaks) / 1024:.1f} MiB "
                  f"(runs: {', '.join(f'{p / 1024:.1f}' for p in peaks)})   [loadavg {describe().split('loadavg')[1]}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
