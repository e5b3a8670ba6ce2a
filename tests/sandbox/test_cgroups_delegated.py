"""A grader that is not root gets per-sandbox cgroups inside a cgroup v2 subtree delegated to it.

This host may have no delegated subtree (cgroup v1, no systemd user instance), so the kernel's
rules that matter here are played by a fake cgroupfs: a write to ``cgroup.procs`` moves the
process out of every other cgroup; enabling controllers in ``cgroup.subtree_control`` fails
with EBUSY while the cgroup itself holds a process (cgroup v2's "no internal processes").
"""
from __future__ import annotations

import errno
import os

import pytest

from autograder.sandbox import cgroups

OWN = "/user.slice/user-1000.slice/user@1000.service/app.slice/run-r1.scope"


@pytest.fixture
def cgroupfs(tmp_path, monkeypatch):
    mount = tmp_path / "cgroup"
    own = mount / OWN.lstrip("/")
    own.mkdir(parents=True)
    (mount / "cgroup.controllers").write_text("cpuset cpu io memory pids\n")
    (own / "cgroup.controllers").write_text("cpu memory pids\n")
    (own / "cgroup.subtree_control").write_text("\n")
    (own / "cgroup.procs").write_text(f"{os.getpid()}\n")

    def write(path: str, value: str) -> None:
        folder, name = os.path.split(path)
        if name == "cgroup.procs":
            for procs in mount.rglob("cgroup.procs"):
                procs.write_text("".join(f"{p}\n" for p in procs.read_text().split() if p != value))
            with open(path, "a") as handle:
                handle.write(f"{value}\n")
        elif name == "cgroup.subtree_control":
            if open(os.path.join(folder, "cgroup.procs")).read().split():
                raise OSError(errno.EBUSY, "Device or resource busy")
            with open(path, "w") as handle:
                handle.write(" ".join(w.lstrip("+") for w in value.split()) + "\n")
        else:
            with open(path, "w") as handle:
                handle.write(value)

    monkeypatch.setattr(cgroups, "MOUNT", str(mount))
    monkeypatch.setattr(cgroups, "_write", write)
    monkeypatch.setattr(cgroups, "_own_paths", lambda: {"": OWN})
    monkeypatch.setattr(cgroups.os, "geteuid", lambda: 1000)
    cgroups._parents.cache_clear()
    yield own
    cgroups._parents.cache_clear()


def test_in_a_delegated_scope_each_sandbox_gets_its_own_cgroup(cgroupfs):
    group = cgroups.create(300 << 20, 80)
    assert group is not None and group.version == "v2"
    assert os.path.dirname(group.dirs[0]) == str(cgroupfs)  # a sibling of the grader's own leaf
    assert (cgroupfs / "cgroup.subtree_control").read_text().split() == ["memory", "pids"]
    leaf = cgroupfs / f"rnnlab-grader-{os.getpid()}"
    assert (leaf / "cgroup.procs").read_text().split() == [str(os.getpid())]  # the grader moved itself
    assert (cgroupfs / "cgroup.procs").read_text().split() == []
    assert open(os.path.join(group.dirs[0], "memory.max")).read() == str(300 << 20)
    assert open(os.path.join(group.dirs[0], "pids.max")).read() == "80"
    assert group.procs == [os.path.join(group.dirs[0], "cgroup.procs")]


def test_a_cgroup_shared_with_other_processes_gives_none(cgroupfs):
    (cgroupfs / "cgroup.procs").write_text(f"{os.getpid()}\n1\n")  # e.g. the job's shell
    assert cgroups.create(300 << 20, 80) is None


def test_without_the_memory_controller_gives_none(cgroupfs):
    (cgroupfs / "cgroup.controllers").write_text("cpu pids\n")
    assert cgroups.create(300 << 20, 80) is None
