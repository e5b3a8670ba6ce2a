"""How long a student waits for `check("fn")` in a notebook (the student loop).

    python benchmarks/selfcheck_latency.py [--assignment ID ...] [--repeats 7]

For each assignment (default: all), starts a real Jupyter kernel (ipykernel, as JupyterLab would)
in solutions/<asg>/, runs the
notebook's setup, helper and solution cells there (no exploration cells), then executes one cell
`check("<fn>")` per graded function: once cold (the first call in the kernel loads the public
fixture), then --repeats times.  Each figure is the wall time of the whole execute request as the
client sees it (send → reply, output included), i.e. what JupyterLab shows as the cell's time.
Target: every function's warm check answers in <= 0.3 s.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import ROOT, bench_env, describe


def execute(client, code: str, timeout: float = 60.0) -> tuple[float, str]:
    """Seconds from sending ``code`` to its reply, and the text the cell printed."""
    printed: list[str] = []

    def hook(msg):
        if msg["msg_type"] == "stream":
            printed.append(msg["content"]["text"])
        elif msg["msg_type"] == "error":
            printed.append("\n".join(msg["content"]["traceback"]))

    start = time.perf_counter()
    reply = client.execute_interactive(code, timeout=timeout, output_hook=hook)
    seconds = time.perf_counter() - start
    if reply["content"]["status"] != "ok":
        raise SystemExit(f"cell failed: {code[:80]}\n{''.join(printed)[-2000:]}")
    return seconds, "".join(printed)


def measure(course, assignment: str, repeats: int, env: dict) -> list[tuple[str, float, float, float]]:
    from jupyter_client.manager import start_new_kernel

    folder = ROOT / "solutions" / assignment
    notebook = json.loads((folder / course.assignments[assignment].notebook).read_text())
    kernel, client = start_new_kernel(kernel_name="python3", cwd=str(folder), env=env)
    rows = []
    try:
        for cell in notebook["cells"]:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if cell["cell_type"] == "code" and (meta.get("locked") and not meta.get("grade") or meta.get("solution")):
                execute(client, "".join(cell["source"]))
        for spec in course.functions_of(assignment):
            fn = spec.name
            cold, text = execute(client, f'check("{fn}")')
            if "[" not in text:
                raise SystemExit(f"check({fn!r}) printed nothing recognisable: {text[:200]}")
            warm = [execute(client, f'check("{fn}")')[0] for _ in range(repeats)]
            rows.append((fn, cold, statistics.median(warm), max(warm)))
    finally:
        client.stop_channels()
        kernel.shutdown_kernel(now=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", action="append", default=None, help="default: every assignment")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from autograder.grading.course import load_course

    course = load_course(ROOT / "course.yaml")
    env = bench_env()
    for name in ("NBGRADER_EXECUTION", "RNNLAB_AUTOGRADE"):
        env.pop(name, None)
    print(f"machine: {describe()}")
    worst = []
    for assignment in args.assignment or list(course.assignments):
        rows = measure(course, assignment, args.repeats, env)
        print(f"{assignment}: check(\"fn\") latency in a live kernel, seconds (cold = first call of the function)")
        for fn, cold, median, high in rows:
            print(f"  {fn:28s} cold {cold:.3f}   warm median {median:.3f}   warm max {high:.3f}")
        worst += rows
    fn, _, _, high = max(worst, key=lambda r: r[3])
    median_fn = max(worst, key=lambda r: r[2])
    print(f"slowest warm check: median {median_fn[2]:.3f} s ({median_fn[0]}), max {high:.3f} s ({fn}); "
          f"target <= 0.3 s   [loadavg {describe().split('loadavg')[1]}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
