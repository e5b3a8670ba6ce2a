"""Shared helpers for the sandbox tests: private slots per xdist worker, a sandbox factory."""
from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from autograder.sandbox import box as sandbox_mod

ROOT = Path(__file__).resolve().parents[2]


def _worker_index() -> int:
    name = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(name[2:]) if name.startswith("gw") and name[2:].isdigit() else 0


@pytest.fixture
def slots():
    """Slot numbers (uids 60000 + slot) no other xdist worker uses at the same time."""
    base = 100 + 16 * _worker_index()
    return iter(range(base, base + 16))


@pytest.fixture
def make_sandbox(slots):
    """``make_sandbox(**limits)`` → a started Sandbox (closed at teardown)."""
    made = []

    def make(isolate: bool = True, slot: int | None = None, **limits):
        box = sandbox_mod.Sandbox(sandbox_mod.Limits(**limits), slot=next(slots) if slot is None else slot,
                                  isolate=isolate)
        made.append(box)
        return box

    yield make
    for box in made:
        box.close()


requires_bwrap = pytest.mark.skipif(sandbox_mod.isolation_mode() != "bwrap",
                                    reason="the root bubblewrap sandbox (private uids, cgroups) needs bwrap, setpriv "
                                           "and root; tests/sandbox/test_userns.py covers an ordinary user's")


def runtime_for_every_user(tmp_path, with_course: bool = True) -> str:
    """A Python every user may run, with this venv's packages (a pyenv under /root is mode 700) and,
    ``with_course``, this course's package; its folders opened to every user."""
    system = "/usr/bin/python3"
    probe_version = subprocess.run([system, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True,
                                   text=True)
    if probe_version.stdout.strip() != str(tuple(sys.version_info[:2])):
        pytest.fail(f"{system} must have this venv's Python minor version to run the grader as another user")
    venv = tmp_path / "venv"
    site = venv / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "site-packages"
    site.mkdir(parents=True)
    (venv / "bin").mkdir()
    (venv / "bin" / "python").symlink_to(system)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\ninclude-system-site-packages = false\n")
    (site / "rnnlab.pth").write_text(sysconfig.get_path("purelib") + (f"\n{ROOT}" if with_course else "") + "\n")
    for path in (tmp_path, *tmp_path.parents):
        if str(path) in ("/", "/tmp"):
            break
        os.chmod(path, os.stat(path).st_mode | 0o755)
    return str(venv / "bin" / "python")
