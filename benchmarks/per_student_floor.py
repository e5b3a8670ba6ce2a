"""Per-student cost of `autograder grade --jobs 1` against its floor, side by side, in one run.

    python benchmarks/per_student_floor.py [--students 30] [--repeats 3] [--no-prewarm-too]
        [--baseline CHECKOUT] [--as-user USER PYTHON CHECKOUT]

Builds a class of K students x 6 notebooks (examples/make_class.py --benign-only: correct work,
the typical mistakes, the untouched release (stubs) and one unreadable notebook, repeated to K;
not timed).  Then, --repeats times, alternating which goes first:

* **floor**: K sandboxed ``python -c "import numpy"``, one after the other, in exactly the
  sandbox a student gets (``autograder.sandbox.box.bwrap_command``: the same bwrap mounts and
  namespaces, ``setpriv`` to the slot's uid, ``python -I -S -B`` with numpy in /opt/rnnlab/site),
  only the worker replaced by the import;
* **grade**: ``autograder grade SUBMITTED --out RESULTS --jobs 1 --force --quiet`` (a fresh
  process: the command's start-up, the GradingPlan and grades.csv are included).

Per student = wall time / K.  Also printed: CPU seconds (user + sys of all reaped children,
bwrap'd processes included) per student, which is less sensitive to the other jobs on a shared
machine, and the load average around each run.  The ratio is grade / floor per repeat; the
headline is the median.  Target: at most 1.5.
"""
from __future__ import annotations

import argparse
import atexit
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import ROOT, bench_env, describe, load, timed

sys.path.insert(0, str(ROOT))

from autograder.sandbox import box

PY = sys.executable
IMPORT_NUMPY = f"import sys; sys.path[:0] = ['{box.INSIDE}/site']; import numpy"


class CpuMeter:
    """CPU seconds of everything started through :meth:`enter` (a cgroup's cpuacct.usage, so the
    processes inside bwrap's pid namespace count too; getrusage does not see them).  Falls back to
    getrusage(RUSAGE_CHILDREN) where no cgroup can be made (reported as such)."""

    def __init__(self, name: str):
        self.path = None
        for base in ("/sys/fs/cgroup/cpuacct", "/sys/fs/cgroup/cpu,cpuacct"):
            try:
                path = Path(base) / f"rnnlab-bench-{os.getpid()}-{name}"
                path.mkdir(exist_ok=True)
                (path / "cpuacct.usage").read_text()
                self.path = path
                break
            except OSError:
                continue
        self.kind = "cgroup" if self.path else "rusage (without the sandboxed processes)"

    def enter(self) -> None:
        """preexec_fn: put the new process (and so its descendants) in the cgroup."""
        if self.path is not None:
            (self.path / "tasks").write_text(str(os.getpid()))

    def seconds(self) -> float:
        if self.path is not None:
            return int((self.path / "cpuacct.usage").read_text()) / 1e9
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    def close(self) -> None:
        if self.path is not None:
            try:
                self.path.rmdir()
            except OSError:
                pass


def floor_command(slot: int = 0) -> tuple[list[str], int]:
    """bwrap + setpriv + python -c 'import numpy' in a student's sandbox; and the uid it claimed."""
    uid = box.claim_uid(slot)
    opts, inside = box.bwrap_command(slot, box.Limits(), uid)
    python_at = next(i for i, arg in enumerate(inside) if arg == "-I") - 1
    return [shutil.which("bwrap"), *opts, *inside[:python_at + 1], "-I", "-S", "-B", "-c", IMPORT_NUMPY], uid


def run_floor(students: int, meter: CpuMeter) -> tuple[float, float]:
    command, uid = floor_command()
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}  # what Sandbox gives bwrap itself
    try:
        cpu0, start = meter.seconds(), time.perf_counter()
        for _ in range(students):
            subprocess.run(command, env=env, cwd="/", stdin=subprocess.DEVNULL, check=True, preexec_fn=meter.enter)
        return time.perf_counter() - start, meter.seconds() - cpu0
    finally:
        box.release_uid(uid)


def run_grade(submitted: Path, out: Path, env: dict, meter: CpuMeter, tree: Path = ROOT,
              user: tuple[str, str] | None = None) -> tuple[float, float]:
    """`autograder grade` of the checkout ``tree`` (``python -m`` from there imports its autograder/);
    ``user``: (name, its Python) to run it as that ordinary user (runuser), in the user-namespace sandbox."""
    python, prefix = PY, []
    if user is not None:
        name, python = user
        out.mkdir(exist_ok=True)
        shutil.chown(out, name)
        keep = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "RNNLAB_SECRET", "RNNLAB_PREWARM", "LANG")
        prefix = ["runuser", "-u", name, "--", "env", "-i", "PATH=/usr/bin:/bin", f"PYTHONPATH={tree}",
                  *(f"{k}={env[k]}" for k in keep if k in env)]
    command = [*prefix, python, "-m", "autograder", "--course", str(tree / "course.yaml"), "grade", str(submitted),
               "--out", str(out), "--jobs", "1", "--force", "--quiet"]
    cpu0, start = meter.seconds(), time.perf_counter()
    proc = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True, preexec_fn=meter.enter)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return seconds, meter.seconds() - cpu0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-prewarm-too", action="store_true",
                        help="also time the grade run with RNNLAB_PREWARM=0 (no spare sandbox started ahead)")
    parser.add_argument("--as-user", nargs=3, default=None, metavar=("USER", "PYTHON", "CHECKOUT"),
                        help="also time `autograder grade` run by the ordinary USER with its PYTHON (a venv of the "
                             "grade requirements) from CHECKOUT (a copy USER can read): the user-namespace sandbox")
    parser.add_argument("--baseline", type=Path, default=None, metavar="CHECKOUT",
                        help="also time `autograder grade` of another checkout (e.g. `git worktree add --detach "
                             "/tmp/base <commit>`), same venv, same class, in the same run: before/after")
    args = parser.parse_args(argv)
    if not box.bwrap_available():
        raise SystemExit(str(box.SandboxUnavailable()))
    k = args.students
    env = bench_env(RNNLAB_SECRET="benchmark-per-student-floor")
    print(f"machine: {describe()}")
    variants = {"grade": (env, ROOT, None)}
    if args.no_prewarm_too:
        variants["grade, RNNLAB_PREWARM=0"] = (dict(env, RNNLAB_PREWARM="0"), ROOT, None)
    if args.baseline:
        variants[f"grade, baseline {args.baseline.name}"] = (env, args.baseline.resolve(), None)
    if args.as_user:
        name, python, tree = args.as_user
        variants[f"grade as {name} (bwrap-userns)"] = (env, Path(tree).resolve(), (name, python))
    rows: dict[str, list[tuple[float, float]]] = {"floor": [], **{name: [] for name in variants}}
    meter = CpuMeter("all")
    atexit.register(meter.close)
    print(f"CPU time from: {meter.kind}")
    with tempfile.TemporaryDirectory(prefix="rnnlab-floor-") as tmp:
        submitted = Path(tmp) / "submitted"
        timed([PY, str(ROOT / "examples" / "make_class.py"), "--out", str(submitted), "--students", str(k),
               "--benign-only"], ROOT, env)
        os.chmod(tmp, 0o755)  # the class is read by --as-user's user too
        outs = {name: Path(tmp) / f"results-{i}" for i, name in enumerate(variants)}
        for name, (_, tree, user) in variants.items():  # warm the page cache and .pyc files (not counted)
            run_grade(submitted, outs[name], env, meter, tree, user)
        for repeat in range(args.repeats):
            order = ["floor", *variants] if repeat % 2 == 0 else [*variants, "floor"]
            for name in order:
                before = load()
                if name == "floor":
                    wall, cpu = run_floor(k, meter)
                else:
                    grade_env, tree, user = variants[name]
                    wall, cpu = run_grade(submitted, outs[name], grade_env, meter, tree, user)
                rows[name].append((wall, cpu))
                print(f"  repeat {repeat + 1} {name:26s} {wall / k * 1000:7.1f} ms/student wall, "
                      f"{cpu / k * 1000:7.1f} ms/student CPU   [load {before} -> {load()}]", flush=True)
    floor = rows["floor"]
    print(f"\n{k} students x 6 notebooks, --jobs 1, start-up included; median of {args.repeats} "
          f"(per repeat: grade / floor of the same repeat)")
    label = 'floor (sandboxed python -c "import numpy")'
    print(f"  {label:44s} "
          f"{statistics.median(w for w, _ in floor) / k * 1000:7.1f} ms/student wall  "
          f"{statistics.median(c for _, c in floor) / k * 1000:7.1f} ms CPU")
    for name in variants:
        walls = [w for w, _ in rows[name]]
        ratios = [w / f for (w, _), (f, _) in zip(rows[name], floor)]
        cpu_ratios = [c / fc for (_, c), (_, fc) in zip(rows[name], floor)]
        print(f"  {name:44s} {statistics.median(walls) / k * 1000:7.1f} ms/student wall  "
              f"{statistics.median(c for _, c in rows[name]) / k * 1000:7.1f} ms CPU   "
              f"ratio {statistics.median(ratios):.2f}x wall (runs: {', '.join(f'{r:.2f}' for r in ratios)}), "
              f"{statistics.median(cpu_ratios):.2f}x CPU")
    print(f"[loadavg {load()}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
