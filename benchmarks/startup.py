"""What one `autograder` command costs from a shell, against `python -c "import numpy"`.

    python benchmarks/startup.py [--repeats 9] [--notebook examples/submitted/s01/rnn/rnn.ipynb]
                                 [--function rnn_backward]

The target: `autograder check NB --function F` (a student's or a TA's check, run in the
sandbox inside the course) and `autograder grade-notebook NB` (what the first grade cell of a
notebook runs under `nbgrader autograde`: the whole notebook graded on the hidden cases, in the
sandbox) each cost at most 5x `python -c "import numpy"` on the same machine, in the same run.

Every round runs the commands back to back, in this order: numpy, check, grade-notebook (no
cache: a real grading), grade-notebook (cached: nbgrader's rerun), so a load change on a
shared machine hits all alike; the figures are the medians over the rounds and the median
of the per-round ratios.  One untimed warm-up round first: bytecode caches and the course
file's validation cache are filled, as on any machine after the first command (the timed
commands run with bytecode writing on, whatever the caller's PYTHONDONTWRITEBYTECODE).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import ROOT, bench_env, describe, timed


def commands(notebook: Path, function: str, cache: Path) -> dict[str, list[str]]:
    python = sys.executable
    grade = [python, "-m", "autograder", "--course", str(ROOT / "course.yaml"), "grade-notebook", str(notebook),
             "--json"]  # exactly what autograder/student/nbgrader_cell.py runs
    return {
        "python -c 'import numpy'": [python, "-c", "import numpy"],
        f"autograder check NB --function {function}": [str(Path(python).parent / "autograder"), "check",
                                                       str(notebook), "--function", function],
        "autograder grade-notebook NB (grades)": [*grade, "--no-cache"],
        "autograder grade-notebook NB (cached)": [*grade, "--cache", str(cache)],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--notebook", type=Path, default=ROOT / "examples" / "submitted" / "s01" / "rnn" / "rnn.ipynb")
    parser.add_argument("--function", default="rnn_backward")
    args = parser.parse_args(argv)
    env = bench_env(RNNLAB_SECRET="benchmark-startup", RNNLAB_LANG="en")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    print(describe())
    with tempfile.TemporaryDirectory(prefix="rnnlab-bench-cache-") as cache:
        todo = commands(args.notebook.resolve(), args.function, Path(cache))
        for command in todo.values():  # warm-up, untimed
            timed(command, ROOT, env)
        seconds: dict[str, list[float]] = {name: [] for name in todo}
        for _ in range(args.repeats):
            for name, command in todo.items():
                took, _proc = timed(command, ROOT, env)
                seconds[name].append(took)
    print(f"load after: {describe().split('loadavg')[1]}")
    base_name = next(iter(todo))
    base = seconds[base_name]
    width = max(map(len, todo))
    print(f"{'command':<{width}}  median s  min s   ratio to numpy (median of rounds; of medians)")
    for name, values in seconds.items():
        ratios = [v / b for v, b in zip(values, base)]
        print(f"{name:<{width}}  {statistics.median(values):8.3f}  {min(values):5.3f}   "
              f"{statistics.median(ratios):5.2f}x; {statistics.median(values) / statistics.median(base):5.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
