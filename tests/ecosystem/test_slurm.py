"""A real Slurm: the docs' grade.sbatch and merge.sbatch, submitted by an ordinary user.

As root (CI, `make test` on the project's machines) the test installs Debian's `slurm-wlm` and
`munge` with apt-get, brings up a single-node cluster of its own (its own munge key and socket,
slurm.conf, spool and ports in a temporary folder: nothing of a cluster already on the machine
is touched), and has the ordinary account (tests/userland/account.py) run the docs' commands in
a course folder: `sbatch --parsable grade.sbatch` (a job array, `--shard auto`), then
`sbatch --dependency=afterok:$jid merge.sbatch`.  The merged results must be what an unsharded
`autograder grade` writes.  The daemons are stopped afterwards, also when the test fails.

The scripts are taken from docs/ECOSYSTEM.md, so the doc is what is tested.  The array is
submitted as the doc's; only its size is set from outside (SBATCH_ARRAY_INX, which sbatch
reads before the script's own #SBATCH lines) to keep the test short on two cores.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from autograder.grading.course import load_course

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "ECOSYSTEM.md"
PACKAGES = ("slurm-wlm", "munge")
ARRAY = "1-4"
SECRET = "slurm-test-secret-5d1e"
SUBMIT_SECONDS = 150  # every task and the merge, on two cores

pytestmark = [pytest.mark.slow, pytest.mark.sandbox]


def doc_blocks() -> dict[str, str]:
    """grade.sbatch, merge.sbatch and the submitting commands, as docs/ECOSYSTEM.md shows them."""
    text = DOC.read_text()
    section = text[text.index("**Slurm**"):text.index("**Kubernetes**")]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
    found = {}
    for block in blocks:
        if "--job-name=rnnlab-grade" in block:
            found["grade.sbatch"] = block
        elif "--job-name=rnnlab-merge" in block:
            found["merge.sbatch"] = block
        elif "sbatch --dependency=afterok" in block:
            found["submit"] = block
    assert found.keys() == {"grade.sbatch", "merge.sbatch", "submit"}, f"{DOC}: Slurm section has {list(found)}"
    return found


def test_the_doc_submits_an_array_then_a_merge_after_it():
    blocks = doc_blocks()
    assert "#SBATCH --array=" in blocks["grade.sbatch"] and "--shard auto" in blocks["grade.sbatch"]
    assert "autograder merge shards/*" in blocks["merge.sbatch"]
    assert "sbatch --parsable grade.sbatch" in blocks["submit"] and "afterok" in blocks["submit"]


# ---------------------------------------------------------------------------- the cluster


def _install() -> None:
    """apt-get install the packages (once more after apt-get update); a failure says why."""
    def attempt():
        return subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", *PACKAGES],
                              capture_output=True, text=True, timeout=600,
                              env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    proc = attempt()
    if proc.returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], capture_output=True, timeout=600)
        proc = attempt()
    if proc.returncode != 0 or not shutil.which("slurmctld"):
        pytest.fail(f"apt-get could not install {' '.join(PACKAGES)}: {(proc.stderr or proc.stdout)[-1500:]}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """munged, slurmctld and slurmd of one node, each a child of this process, configured in ``base``."""

    def __init__(self, base: Path):
        self.base = base
        self.conf = base / "slurm.conf"
        self.socket = base / "munge" / "munge.socket"
        self.daemons: list[tuple[str, subprocess.Popen]] = []

    def env(self) -> dict[str, str]:
        return {"SLURM_CONF": str(self.conf)}

    def start(self) -> None:
        import pwd

        munge = pwd.getpwnam("munge")
        os.chmod(self.base, 0o755)  # munged, and the user's sbatch (slurm.conf), look in here
        folder = self.base / "munge"
        folder.mkdir(mode=0o755)
        key = folder / "munge.key"
        key.write_bytes(os.urandom(1024))
        for path, mode in ((folder, 0o755), (key, 0o400)):
            os.chown(path, munge.pw_uid, munge.pw_gid)
            os.chmod(path, mode)
        self._daemon("munged", ["/usr/sbin/munged", "--foreground", "--force", f"--key-file={key}",
                                f"--socket={self.socket}", f"--pid-file={folder / 'munged.pid'}",
                                f"--log-file={folder / 'munged.log'}", f"--seed-file={folder / 'munged.seed'}"],
                     user="munge")
        self._wait(lambda: self.socket.exists(), "munged's socket", folder / "munged.log")

        host = socket.gethostname().split(".")[0]
        memory_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2 ** 20
        for name in ("state", "spool"):
            (self.base / name).mkdir()
        self.conf.write_text("\n".join([
            "ClusterName=rnnlab-test",
            f"SlurmctldHost={host}(127.0.0.1)",
            f"SlurmctldPort={_free_port()}",
            f"SlurmdPort={_free_port()}",
            "AuthType=auth/munge",
            "CredType=cred/munge",
            f"AuthInfo=socket={self.socket}",
            "SlurmUser=root",
            "ProctrackType=proctrack/linuxproc",  # no cgroup.conf: cgroup plugins need one
            "TaskPlugin=task/none",
            "JobAcctGatherType=jobacct_gather/none",
            "AccountingStorageType=accounting_storage/none",
            "SelectType=select/cons_tres",
            "SchedulerType=sched/backfill",
            "MpiDefault=none",
            "ReturnToService=2",
            f"StateSaveLocation={self.base / 'state'}",
            f"SlurmdSpoolDir={self.base / 'spool'}",
            f"SlurmctldPidFile={self.base / 'slurmctld.pid'}",
            f"SlurmdPidFile={self.base / 'slurmd.pid'}",
            f"SlurmctldLogFile={self.base / 'slurmctld.log'}",
            f"SlurmdLogFile={self.base / 'slurmd.log'}",
            f"NodeName={host} NodeAddr=127.0.0.1 CPUs={os.cpu_count()} RealMemory={memory_mb - 1024} State=UNKNOWN",
            "PartitionName=grading Nodes=ALL Default=YES MaxTime=INFINITE State=UP",
        ]) + "\n")
        self._daemon("slurmctld", ["slurmctld", "-D", "-i", "-f", str(self.conf)])
        self._daemon("slurmd", ["slurmd", "-D", "-f", str(self.conf)])
        self._wait(lambda: self.query(["sinfo", "-h", "-o", "%T"]).strip() == "idle", "an idle node",
                   self.base / "slurmd.log")

    def _daemon(self, name: str, argv: list[str], user: str | None = None) -> None:
        log = open(self.base / f"{name}.out", "w")
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, user=user,
                                env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", **self.env()},
                                start_new_session=True)
        log.close()
        self.daemons.append((name, proc))

    def _wait(self, ready, what: str, log: Path, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if ready():
                return
            dead = [name for name, proc in self.daemons if proc.poll() is not None]
            if dead:
                break
            time.sleep(0.2)
        outs = "\n".join(f"{p.name}: {p.read_text()[-1500:]}" for p in sorted(self.base.glob("*.out")))
        raise AssertionError(f"the test cluster has no {what}: {log.name}: "
                             f"{log.read_text()[-2000:] if log.exists() else '(none)'}\n{outs}")

    def query(self, argv: list[str]) -> str:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=30, env={**os.environ, **self.env()})
        return proc.stdout

    def stop(self) -> None:
        """Stop the daemons this cluster started (their process ids), slurmd first."""
        for name, proc in reversed(self.daemons):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        self.daemons.clear()


@pytest.fixture
def cluster():
    if os.geteuid() != 0:
        if os.environ.get("CI"):
            pytest.fail("the Slurm test brings up its own cluster as root: CI runs it as root (.ci/run)")
        pytest.skip("brings up its own Slurm cluster: run as root (CI does)")
    _install()
    base = Path(tempfile.mkdtemp(prefix="rnnlab-slurm-"))  # not under pytest's tmp (mode 700): users read slurm.conf
    cluster = Cluster(base)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(base, ignore_errors=True)


# ---------------------------------------------------------------------------- the test


def _results(folder: Path) -> dict:
    return {f"{p.parent.name}/{p.stem}": {k: v for k, v in json.loads(p.read_text()).items() if k != "graded_at"}
            for p in sorted(folder.glob("*/*.json"))}


def test_an_ordinary_user_grades_a_class_with_the_docs_sbatch_scripts(cluster, ordinary):
    from autograder.sandbox import box as sandbox

    assert ordinary.via_runuser  # the cluster is root's; its user is the ordinary account
    assert sandbox.bwrap_available(), "the nodes need bubblewrap (make sandbox-tools)"
    course = ordinary.workdir("slurm-course")
    for name in ("course.yaml", "reference", "solutions"):  # the course folder, as the doc has it
        source = ordinary.course / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, course / name)
    shutil.copytree(ordinary.course / "examples" / "submitted", course / "submitted")
    (course / ".venv").symlink_to(ordinary.python.parent.parent)  # `make .venv/.run` there: the account's venv
    (course / ".grading-secret").write_text(SECRET + "\n")
    blocks = doc_blocks()
    for name in ("grade.sbatch", "merge.sbatch"):
        (course / name).write_text(blocks[name])
    ordinary.give(course)

    env = ordinary.env(**cluster.env(), SBATCH_ARRAY_INX=ARRAY)
    with ordinary.busy():
        submit = ordinary.run(["bash", "-euo", "pipefail", "-c", blocks["submit"] + "\necho \"GRADE_JOB=$jid\"\n"],
                              cwd=course, env=env, timeout=60)
        jid = re.search(r"GRADE_JOB=(\d+)", submit.stdout).group(1)
        merge_id = re.search(r"Submitted batch job (\d+)", submit.stdout).group(1)
        deadline = time.monotonic() + SUBMIT_SECONDS
        while time.monotonic() < deadline and cluster.query(["squeue", "-h", "-o", "%i"]).strip():
            time.sleep(1)
        states = {job: re.search(r"JobState=(\S+)", cluster.query(["scontrol", "show", "job", job]) or "JobState=?")
                  for job in (jid, merge_id)}
        logs = "\n".join(f"{p.name}: {p.read_text()[-800:]}" for p in sorted((course / "logs").glob("*")))
        assert not cluster.query(["squeue", "-h", "-o", "%i"]).strip(), \
            f"jobs still queued after {SUBMIT_SECONDS} s:\n{cluster.query(['squeue'])}\n{logs}"
        assert {job: m and m.group(1) for job, m in states.items()} == {jid: "COMPLETED", merge_id: "COMPLETED"}, logs
        tasks = sorted(p.name for p in (course / "shards").iterdir())
        assert tasks == ["1", "2", "3", "4"], tasks  # one results folder per array task, each a shard

        unsharded = course / "unsharded"
        ordinary.run([str(course / ".venv" / "bin" / "autograder"), "grade", "submitted/", "--out", str(unsharded),
                      "--jobs", "2", "--quiet"], cwd=course, env=ordinary.env(RNNLAB_SECRET=SECRET))
    merged = course / "results"
    assert (merged / "grades.csv").read_text() == (unsharded / "grades.csv").read_text()
    assert _results(merged) == _results(unsharded)
    students = [p for p in (course / "submitted").iterdir() if p.is_dir()]
    assert len(_results(merged)) == len(students) * len(load_course(course / "course.yaml").assignments)
    assert {r["isolation"] for r in _results(merged).values()} == {r["isolation"] for r in _results(unsharded).values()}
    ran = [r["isolation"] for r in _results(merged).values() if r["isolation"]]  # None: nothing of it ran
    assert len(ran) > 80 and all(i.startswith("bwrap-userns") for i in ran), sorted(set(ran))
