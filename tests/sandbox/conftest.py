"""Shared helpers for the sandbox tests: private slots per xdist worker, a sandbox factory."""
from __future__ import annotations

import os

import pytest

from autograder.sandbox import box as sandbox_mod


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
