"""One submission, side by side in one run: Gradescope's `run_autograder` and `grade-notebook`
against one sandboxed ``python -c "import numpy"``.

    python benchmarks/one_submission.py [--repeats 7] [--notebook examples/submitted/s01/rnn/rnn.ipynb]
                                        [--assignment rnn] [--profile]

Set-up (not timed): the Gradescope zip of the notebook's assignment (`autograder gradescope
--out`), unpacked as ``ROOT/source`` of a fake ``/autograder`` with the notebook in
``ROOT/submission``, then what ``setup.sh`` does last in the image, with the venv's Python
(``gradescope.prepare_image``: bytecode, the course file's check, the grading modules' digest).
One untimed warm-up round follows.

Then, --repeats rounds, each running back to back (so a load change on a shared machine hits all
three alike):

* **floor**: one sandboxed ``python -c "import numpy"``, in exactly the sandbox a student gets
  (per_student_floor.floor_command: the same bwrap mounts and namespaces, setpriv to the slot's uid);
* **gradescope**: ``bash ROOT/source/run_autograder`` (``AUTOGRADER_ROOT=ROOT``,
  ``RNNLAB_VENV`` = this venv): the notebook graded and ``results.json`` written;
* **grade-notebook**: ``autograder grade-notebook NB --json --no-cache`` on the course
  (what the first grade cell of a notebook runs under ``nbgrader autograde``).

It prints each one's median seconds and the median of the per-round ratios to the floor.
Targets: gradescope at most 4x, grade-notebook at most 3x.  ``--profile`` also prints a cProfile
of one `gradescope --run` in this process (top functions by cumulative time).
"""
from __future__ import annotations

import argparse
import atexit
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import ROOT, bench_env, describe, load, timed
from per_student_floor import CpuMeter, floor_command

from autograder.sandbox import box

PY = sys.executable
TARGETS = {"gradescope run_autograder": 4.0, "grade-notebook": 3.0}


def make_autograder_root(tmp: Path, notebook: Path, assignment: str, env: dict, tree: Path = ROOT) -> Path:
    """A fake /autograder: the zip of checkout ``tree`` in source/, the notebook in submission/ (not timed)."""
    zip_path = tmp / "autograder.zip"
    flags = [] if box.bwrap_available() else ["--no-sandbox"]
    timed([PY, "-m", "autograder", "--course", str(tree / "course.yaml"), "gradescope", "--out", str(zip_path),
           "--assignment", assignment, *flags], tree, env)
    root = tmp / "autograder"
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(root / "source")
    for script in ("run_autograder", "setup.sh"):
        os.chmod(root / "source" / script, 0o755)
    (root / "submission").mkdir()
    shutil.copy(notebook, root / "submission" / notebook.name)
    # what setup.sh leaves in the image: its last line, run the same way (``env`` has the BLAS settings
    # setup.sh exports before it)
    last = (root / "source" / "setup.sh").read_text().strip().splitlines()[-1]
    prefix = 'cd "$SOURCE" && "$VENV/bin/python" '
    if not last.startswith(prefix):
        raise SystemExit(f"setup.sh of {tree} does not end as expected: {last}")
    timed([PY, *shlex.split(last[len(prefix):])], root / "source", env)
    return root


def commands(root: Path, notebook: Path, tree: Path = ROOT) -> dict[str, tuple[list[str], Path, dict]]:
    env = bench_env()
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    gradescope_env = dict(env, AUTOGRADER_ROOT=str(root), RNNLAB_VENV=str(Path(PY).parent.parent))
    return {  # `python -m autograder` run from the checkout imports that checkout's autograder/
        "gradescope run_autograder": (["bash", str(root / "source" / "run_autograder")], tree, gradescope_env),
        "grade-notebook": ([PY, "-m", "autograder", "--course", str(tree / "course.yaml"), "grade-notebook",
                            str(notebook), "--json", "--no-cache"], tree, env),
    }


def run_floor(meter: CpuMeter) -> tuple[float, float]:
    command, uid = floor_command()
    try:
        return run(command, Path("/"), {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}, meter)
    finally:
        box.release_uid(uid)


def run(command: list[str], cwd: Path, env: dict, meter: CpuMeter) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the command and everything it started, sandboxes included)."""
    cpu, start = meter.seconds(), time.perf_counter()
    proc = subprocess.run(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          preexec_fn=meter.enter)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return wall, meter.seconds() - cpu


def profile(root: Path) -> None:
    import cProfile
    import pstats

    os.environ["RNNLAB_VENV"] = str(Path(PY).parent.parent)
    sys.path.insert(0, str(root / "source"))
    from autograder.grading.course import load_course
    from autograder.integrations.gradescope import run_gradescope

    profiler = cProfile.Profile()
    profiler.enable()
    run_gradescope(root, load_course(root / "source" / "course.yaml"))
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--notebook", type=Path, default=ROOT / "examples" / "submitted" / "s01" / "rnn" / "rnn.ipynb")
    parser.add_argument("--assignment", default="rnn")
    parser.add_argument("--profile", action="store_true", help="also print a cProfile of one gradescope run")
    parser.add_argument("--baseline", type=Path, default=None, metavar="CHECKOUT",
                        help="also time another checkout (e.g. `git worktree add --detach /tmp/base main`), same "
                             "venv, same notebook, in the same rounds: before/after")
    args = parser.parse_args(argv)
    if not box.bwrap_available():
        raise SystemExit(str(box.SandboxUnavailable()))
    notebook = args.notebook.resolve()
    print(f"machine: {describe()}")
    print(f"notebook: {notebook.relative_to(ROOT) if notebook.is_relative_to(ROOT) else notebook}")
    rows: dict[str, list[tuple[float, float]]] = {"floor": []}
    meter = CpuMeter("one-submission")
    atexit.register(meter.close)
    print(f"CPU time from: {meter.kind}")
    with tempfile.TemporaryDirectory(prefix="rnnlab-one-submission-") as tmp:
        programs, ours = {}, Path()
        for tree, label in [(ROOT, ""), *([(args.baseline.resolve(), " (baseline)")] if args.baseline else [])]:
            (Path(tmp) / label.strip(" ()")).mkdir(exist_ok=True)
            root = make_autograder_root(Path(tmp) / label.strip(" ()"), notebook, args.assignment, bench_env(), tree)
            programs.update({name + label: program for name, program in commands(root, notebook, tree).items()})
            ours = ours if label else root
        rows.update({name: [] for name in programs})
        for repeat in range(args.repeats + 1):  # round 0: warm-up, not counted
            before = load()
            times = {"floor": run_floor(meter)}
            for name, (command, cwd, env) in programs.items():
                times[name] = run(command, cwd, env, meter)
            if repeat:
                for name, seconds in times.items():
                    rows[name].append(seconds)
            print(f"  {'warm-up' if not repeat else f'round {repeat}':8s} "
                  + "  ".join(f"{name} {wall:.3f} s ({cpu:.3f} CPU)" for name, (wall, cpu) in times.items())
                  + f"   [load {before} -> {load()}]", flush=True)
        if args.profile:
            profile(ours)
    floor = rows["floor"]
    print(f"\nmedian of {args.repeats} rounds (ratios: per round, to that round's floor)")
    label = 'floor: sandboxed python -c "import numpy"'
    print(f"  {label:41s} {statistics.median(w for w, _ in floor):.3f} s wall, "
          f"{statistics.median(c for _, c in floor):.3f} s CPU")
    status = 0
    for name in programs:
        ratios = [w / f for (w, _), (f, _) in zip(rows[name], floor)]
        cpu_ratios = [c / f for (_, c), (_, f) in zip(rows[name], floor)]
        ratio = statistics.median(ratios)
        target = TARGETS[name.removesuffix(" (baseline)")]
        verdict = "ok" if ratio <= target else "OVER"
        status |= verdict != "ok" and name in TARGETS
        print(f"  {name:41s} {statistics.median(w for w, _ in rows[name]):.3f} s wall, "
              f"{statistics.median(c for _, c in rows[name]):.3f} s CPU   ratio {ratio:.2f}x wall "
              f"(target {target:g}x: {verdict}; rounds: {', '.join(f'{r:.2f}' for r in ratios)}), "
              f"{statistics.median(cpu_ratios):.2f}x CPU")
    print(f"[loadavg {load()}]")
    return status


if __name__ == "__main__":
    sys.exit(main())
