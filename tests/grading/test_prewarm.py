"""prewarm.Spares: the next student's sandbox is started ahead of time, never shared, never leaked.

Fakes stand in for sandbox.Sandbox (start/warm/close/limits/isolate); the real sandbox is covered by
tests/examples and tests/hostile, which grade with prewarming on (the default).
"""
from __future__ import annotations

import threading

import pytest

from autograder.sandbox import prewarm


class FakeSandbox:
    made: list["FakeSandbox"] = []

    def __init__(self, limits="L", isolate=True, fail=False, fail_warm=False):
        self.limits, self.isolate, self.fail, self.fail_warm = limits, isolate, fail, fail_warm
        self.started_in = self.warmed_in = None
        self.closed = False
        FakeSandbox.made.append(self)

    def warm(self):
        if self.fail_warm:
            raise OSError("the worker died")
        self.warmed_in = threading.current_thread().name
        return True

    def start(self):
        if self.fail:
            raise RuntimeError("cannot start")
        self.started_in = self.started_in or threading.current_thread().name
        return 0.0

    def launch(self):  # the processes start in the caller's thread; start() then waits for them
        if self.fail:
            raise RuntimeError("cannot launch")
        self.started_in = threading.current_thread().name

    def close(self):
        self.closed = True


@pytest.fixture
def spares():
    FakeSandbox.made = []
    pool = prewarm.Spares()
    yield pool
    pool.close()


def test_a_prepared_sandbox_is_started_in_the_long_lived_thread_and_taken_once(spares):
    spares.prepare(FakeSandbox)
    spare = spares.take(FakeSandbox())
    assert spare is FakeSandbox.made[0] and spare.started_in == "rnnlab-spare-sandboxes"
    assert spares.take(FakeSandbox()) is None  # each spare goes to one student only


def test_only_a_spare_with_the_same_limits_and_isolation_is_taken(spares):
    spares.prepare(lambda: FakeSandbox(limits="small"))
    assert spares.take(FakeSandbox(limits="big")) is None
    assert spares.take(FakeSandbox(limits="small", isolate=False)) is None
    assert spares.take(FakeSandbox(limits="small")) is not None


def test_a_spare_that_failed_to_start_is_closed_and_not_handed_out(spares):
    spares.prepare(lambda: FakeSandbox(fail=True))
    assert spares.take(FakeSandbox()) is None
    assert FakeSandbox.made[0].closed


def test_a_spare_for_a_later_student_is_warmed_in_the_spare_thread_and_a_one_off_is_not(spares):
    spares.prepare(FakeSandbox, warm=True)
    warmed = spares.take(FakeSandbox())
    assert warmed.warmed_in == "rnnlab-spare-sandboxes"  # after its start, before anyone takes it
    spares.prepare(FakeSandbox, launch=True)  # one submission: its first request would wait for it
    assert spares.take(FakeSandbox()).warmed_in is None


def test_a_spare_whose_warming_fails_is_still_handed_out(spares):
    spares.prepare(lambda: FakeSandbox(fail_warm=True), warm=True)
    assert spares.take(FakeSandbox()) is FakeSandbox.made[0]  # its first request starts it again if need be


def test_a_launched_spare_starts_in_the_callers_thread(spares):
    spares.prepare(FakeSandbox, launch=True)
    spare = spares.take(FakeSandbox())
    assert spare is FakeSandbox.made[0] and spare.started_in == threading.current_thread().name


def test_a_spare_that_failed_to_launch_is_closed_and_the_caller_told(spares):
    with pytest.raises(RuntimeError, match="cannot launch"):
        spares.prepare(lambda: FakeSandbox(fail=True), launch=True)
    assert FakeSandbox.made[0].closed  # what its launcher claimed is given back
    assert spares.take(FakeSandbox()) is None


def test_spares_nobody_took_are_closed(spares):
    spares.prepare(FakeSandbox)
    spares.prepare(FakeSandbox)
    spares.close()
    assert [s.closed for s in FakeSandbox.made] == [True, True]


def test_the_switch(monkeypatch):
    monkeypatch.setenv(prewarm.PREWARM_ENV, "0")
    assert not prewarm.enabled()
    monkeypatch.setenv(prewarm.PREWARM_ENV, "1")
    assert prewarm.enabled()
    monkeypatch.delenv(prewarm.PREWARM_ENV)
    assert prewarm.enabled()


def test_a_used_sandbox_is_closed_in_the_background_and_waited_for(spares):
    closed_in = []

    class Used(FakeSandbox):
        def close(self):
            closed_in.append(threading.current_thread().name)
            super().close()

    used = [Used() for _ in range(3)]
    for sandbox in used:
        spares.close_later(sandbox)
    assert spares.wait_closed(timeout=10)
    assert all(s.closed for s in used) and set(closed_in) == {"rnnlab-close-sandboxes"}


# ------------------------------------------------------------------ in a class run (classrun.py)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_class_run_starts_no_sandbox_for_nobody(tmp_path, monkeypatch, jobs):
    """Each student's grading starts the next one's sandbox ahead; the last ones must not (a whole
    sandbox start per run).  One per student at --jobs 1; at most one extra per job."""
    from pathlib import Path

    from autograder.grading.classrun import ClassRun, grade_students
    from autograder.grading.course import load_course
    from autograder.sandbox import box

    root = Path(__file__).resolve().parents[2]
    monkeypatch.setenv("RNNLAB_SECRET", "test-no-spare-for-nobody")
    monkeypatch.delenv(prewarm.PREWARM_ENV, raising=False)
    spawned = []
    real_spawn = box.Sandbox._spawn
    monkeypatch.setattr(box.Sandbox, "_spawn", lambda self: spawned.append(self) or real_spawn(self))
    students = ["s01", "s02", "s03", "s04"]
    run = ClassRun(root / "examples" / "submitted", tmp_path / "out", jobs=jobs, force=True, isolate=False)
    assert grade_students(run, load_course(root / "course.yaml"), students, ["gradients"]) == []
    prewarm.SPARES.close()
    assert len(list((tmp_path / "out").glob("s0*/gradients.json"))) == len(students)
    assert len(students) <= len(spawned) <= len(students) + (jobs - 1)
