"""One submission starts its sandbox on presumed facts, and the probe decides once that fails.

probe.py presumes that bwrap's namespaces work where bwrap is installed and no kernel setting
forbids them, so that a grade cell or a Gradescope run does not start bwrap twice (the probe,
then the sandbox).  These tests check that the presumption costs nothing in trust: a start on
it that fails asks the probe, and then starts on the probe's launcher, or says that no sandbox
can run here as before (a usage error, not a student's failure); a class run is decided on
probed facts.  Launchers are replaced by small ones here: a "bwrap" that cannot start (the
host under test has a working one) and the plain launcher standing in for the uid fallback
(which needs a runtime prepared for every user: tests/sandbox/test_uid_fallback.py).
"""
from __future__ import annotations

import dataclasses
import functools
import tempfile
import time
from pathlib import Path

import pytest

from autograder.grading import terminal  # noqa: F401  (installs the glossary's renderer: probe.WORDING)
from autograder.grading.errors import UsageError
from autograder.grading.runners import SandboxRunner
from autograder.sandbox import box as sandbox_mod
from autograder.sandbox import launchers, probe

CODE = "def double(x):\n    return 2 * x\n"
PRESUMED = probe.presumed  # (tests replace it)
REFUSED = probe.Words("sandbox.bwrap-no-namespaces", error="bwrap: Creating new namespace failed: Operation not permitted")


@pytest.fixture(autouse=True)
def unknown_host(monkeypatch):
    """Each test starts as a grader process that has probed nothing yet."""
    monkeypatch.setattr(probe._Known, "confirmed", False)
    PRESUMED.cache_clear()
    yield
    PRESUMED.cache_clear()


class CannotStart(launchers.Plain):
    """A launcher whose worker exits at once: a sandbox that does not start (as bwrap where a
    container forbids its namespaces)."""

    name = label = "bwrap"

    def prepare(self, box):
        start = super().prepare(box)
        return dataclasses.replace(start, argv=["/bin/false"])


class StandInFallback(launchers.Plain):
    name = "uid"
    label = "stand-in for uid+rlimits"


def _root_bwrap_presumed(monkeypatch, probed: probe.Facts, calls: list) -> None:
    """Presume root's bwrap; the probe (counted in ``calls``) finds ``probed``."""
    presumed = probe.Facts(euid=0, bwrap="/usr/bin/bwrap", setpriv="/usr/bin/setpriv")
    monkeypatch.setattr(probe, "presumed", lambda: presumed)

    @functools.lru_cache(maxsize=1)  # as probe.probed: once per process
    def probe_now():
        calls.append(1)
        return probed

    monkeypatch.setattr(probe, "probed", probe_now)


def test_a_sandbox_starts_without_the_probe_where_the_presumption_holds(monkeypatch, make_sandbox):
    if sandbox_mod.isolation_mode(confirmed=True) not in ("bwrap", "bwrap-userns"):
        pytest.skip("this host's sandbox is not bwrap's, so nothing is presumed here")
    probe._Known.confirmed = False  # (the line above probed)

    def no_probe():
        raise AssertionError("probed although the presumption held")

    monkeypatch.setattr(probe, "probed", no_probe)
    box = make_sandbox()
    assert box.load("u", CODE) == {"ok": True}
    assert box.mode in ("bwrap", "bwrap-userns") and box.isolation.startswith("bwrap")
    assert not probe._Known.confirmed


def test_a_failed_start_asks_the_probe_and_starts_on_its_launcher(monkeypatch, make_sandbox):
    calls: list = []
    _root_bwrap_presumed(monkeypatch, probe.Facts(euid=0, bwrap="/usr/bin/bwrap", setpriv="/usr/bin/setpriv",
                                                  root_error=REFUSED),
                         calls)
    monkeypatch.setitem(launchers.REGISTRY, "bwrap", CannotStart)
    monkeypatch.setitem(launchers.REGISTRY, "uid", StandInFallback)
    box = make_sandbox()
    assert box.mode == "bwrap" and calls == []  # made on the presumption, nothing probed yet
    assert box.load("u", CODE) == {"ok": True}
    assert (box.mode, box.isolation, len(calls)) == ("uid", StandInFallback.label, 1)
    reply = box.run("u", [{"steps": [{"fn": "double", "args": [21.0], "nret": 1}]}])
    assert float(reply["results"][0]["outputs"][0][0]) == 42.0
    assert box.starts == 2  # the failed start on the presumption, then the fallback's


def test_a_failure_the_probe_does_not_explain_is_the_sandboxs_own(monkeypatch, make_sandbox):
    calls: list = []
    _root_bwrap_presumed(monkeypatch, probe.Facts(euid=0, bwrap="/usr/bin/bwrap", setpriv="/usr/bin/setpriv"),
                         calls)
    monkeypatch.setitem(launchers.REGISTRY, "bwrap", CannotStart)
    box = make_sandbox()
    with pytest.raises(sandbox_mod.SandboxUnavailable) as caught:
        box.load("u", CODE)
    assert caught.value.words.params["reason"].code == "sandbox.did-not-start"  # the start's own failure
    assert calls == [1] and box.starts == 1  # asked once; the same launcher is not tried again
    with pytest.raises(sandbox_mod.SandboxUnavailable):
        box.load("u", CODE)
    assert calls == [1]  # probed facts decide from now on: no second probe, no second refutation


@pytest.mark.parametrize("lang, expected", [("en", "setpriv"), ("ko", "setpriv")])
def test_no_sandbox_here_after_all_is_a_usage_error_not_a_students_failure(monkeypatch, lang, expected):
    calls: list = []
    _root_bwrap_presumed(monkeypatch, probe.Facts(euid=0, bwrap="/usr/bin/bwrap", setpriv=None), calls)
    monkeypatch.setitem(launchers.REGISTRY, "bwrap", CannotStart)
    runner = SandboxRunner(lambda: sandbox_mod.Sandbox(sandbox_mod.Limits(), slot=140))
    try:
        with pytest.raises(UsageError) as caught:
            runner.load("u", CODE, "<student>")
    finally:
        runner.close()
    assert caught.value.code == "usage.sandbox-unavailable" and calls == [1]
    said = caught.value.message(lang)
    assert expected in said and "sandbox.setpriv" not in said  # the probe's reason, worded
    assert (lang == "ko") == any("\uac00" <= c <= "\ud7a3" for c in said)


def test_no_sandbox_here_found_by_the_spare_is_a_usage_error_too(monkeypatch):
    """One submission's sandbox starts ahead (prewarm.py): when that start is the one that finds no
    sandbox can run here, the runner's own sandbox cannot even be made, and says so the same way."""
    from autograder.sandbox import prewarm

    calls: list = []
    _root_bwrap_presumed(monkeypatch, probe.Facts(euid=0, bwrap="/usr/bin/bwrap", setpriv=None), calls)
    monkeypatch.setitem(launchers.REGISTRY, "bwrap", CannotStart)
    monkeypatch.setenv(prewarm.PREWARM_ENV, "1")
    runner = SandboxRunner.starting_now(lambda: sandbox_mod.Sandbox(sandbox_mod.Limits(), slot=141))
    deadline = time.monotonic() + 30
    while not probe._Known.confirmed and time.monotonic() < deadline:  # the spare's start failed and asked
        time.sleep(0.01)
    try:
        with pytest.raises(UsageError) as caught:
            runner.load("u", CODE, "<student>")
    finally:
        runner.close()
        prewarm.SPARES.close()
    assert caught.value.code == "usage.sandbox-unavailable" and calls == [1]


def test_a_class_is_decided_on_probed_facts(monkeypatch):
    calls: list = []
    _root_bwrap_presumed(monkeypatch, probe.Facts(euid=0, bwrap="/usr/bin/bwrap", setpriv="/usr/bin/setpriv",
                                                  root_error=REFUSED),
                         calls)
    assert sandbox_mod.isolation_mode() == "bwrap"  # what one submission starts on
    folder = Path(tempfile.mkdtemp(prefix="rnnlab-presumed-"))  # open to other users, as /tmp's folders are
    try:
        folder.chmod(0o755)
        problem = sandbox_mod.class_run_problem([folder])
    finally:
        folder.rmdir()
    assert calls == [1] and problem is not None  # the uid fallback's refusal, although bwrap was presumed
    assert sandbox_mod.isolation_mode() == "uid"  # and from now on every sandbox of this process
