"""Shared by the benchmarks: what machine and load a figure was measured on, and a timer."""
from __future__ import annotations

import datetime as _dt
import os
import platform
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def load() -> str:
    try:
        one, five, fifteen = os.getloadavg()
        return f"{one:.2f} {five:.2f} {fifteen:.2f}"
    except OSError:
        return "n/a"


def describe() -> str:
    """One line: date, nproc, CPU model, Python, load average (other people's jobs share the box)."""
    now = _dt.datetime.now().astimezone().isoformat(timespec="seconds")
    return (f"{now}  nproc={os.cpu_count()}  cpu={cpu_model()!r}  python={platform.python_version()}  "
            f"loadavg(1/5/15 min)={load()}")


def bench_env(**extra: str) -> dict:
    """The environment every timed command gets: one BLAS thread, the venv's bin/ first on PATH."""
    import sys

    env = dict(os.environ)
    env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
               PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]))
    env.update(extra)
    return env


def timed(command: list[str], cwd: Path, env: dict, check: bool = True) -> tuple[float, subprocess.CompletedProcess]:
    """Wall-clock seconds of ``command`` and its completed process (output captured)."""
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if check and proc.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
    return seconds, proc
