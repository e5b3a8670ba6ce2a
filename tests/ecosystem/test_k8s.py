"""The Kubernetes kit (deploy/): manifests valid against the Kubernetes API schemas, wired to each
other and to the image, commands the CLI accepts, and a Dockerfile whose inputs exist."""
import argparse
import os
import re
import subprocess
import sys
from pathlib import Path, PurePosixPath

import kubernetes_validate
import pytest
import yaml

from autograder.cli import SIGPIPE_STATUS, grade, merge
from tests.ecosystem.conftest import write_class

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
MANIFESTS = sorted((DEPLOY / "k8s").glob("*.yaml"))
# the oldest release with backoffLimitPerIndex as beta (on by default), and the newest schemas shipped
K8S_VERSIONS = ["1.29.0", kubernetes_validate.latest_version()]


def parse(module, argv):
    """The verb's arguments as its own parser reads them (an unknown option is an error, not an exit)."""
    parser = argparse.ArgumentParser(exit_on_error=False)
    module.add_arguments(parser)
    return parser.parse_args(argv)


def manifest(name):
    return yaml.safe_load((DEPLOY / "k8s" / name).read_text())


def pod(job):
    return job["spec"]["template"]["spec"]


def env(container):
    return {e["name"]: e for e in container.get("env", [])}


def dockerfile():
    """(instruction, argument) of deploy/Dockerfile, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", (DEPLOY / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [tuple(line.split(None, 1)) for line in lines]


def makefile_targets():
    text = (ROOT / "Makefile").read_text()
    targets = set()
    for line in text.splitlines():
        m = re.match(r"^([^\s:=#][^:=]*):(?!=)", line)
        if m:
            targets.update(m.group(1).split())
    return {t.replace("$(VENV)", ".venv").replace("$(BIN)", ".venv/bin") for t in targets}


def test_the_kit_has_every_piece():
    kinds = {(m["kind"], m["metadata"]["name"]) for m in map(yaml.safe_load, map(Path.read_text, MANIFESTS))}
    assert kinds == {("PersistentVolumeClaim", "rnnlab-course"), ("Secret", "rnnlab-grading"),
                     ("Job", "rnnlab-grade"), ("Job", "rnnlab-merge"), ("Pod", "rnnlab-shell")}


@pytest.mark.parametrize("version", K8S_VERSIONS)
@pytest.mark.parametrize("path", MANIFESTS, ids=[p.name for p in MANIFESTS])
def test_manifest_is_valid_against_the_kubernetes_schema(path, version):
    for document in yaml.safe_load_all(path.read_text()):
        kubernetes_validate.validate(document, version, strict=True)  # raises on an unknown or mistyped field


def test_schema_check_catches_a_misspelt_field():
    """The check above can fail: strict validation refuses a field the API does not have."""
    job = manifest("grade-job.yaml")
    job["spec"]["backoffLimitPerIndexes"] = job["spec"].pop("backoffLimitPerIndex")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(job, K8S_VERSIONS[-1], strict=True)


def test_the_volume_is_read_write_many_and_mounted_by_every_pod_at_the_images_working_folder():
    pvc = manifest("pvc.yaml")
    assert pvc["spec"]["accessModes"] == ["ReadWriteMany"]  # pods of one Job land on several nodes
    workdir = [arg for op, arg in dockerfile() if op == "WORKDIR"][-1]
    for name in ("grade-job.yaml", "merge-job.yaml"):
        spec = pod(manifest(name))
        assert spec["volumes"] == [{"name": "course", "persistentVolumeClaim": {"claimName": "rnnlab-course"}}]
        (container,) = spec["containers"]
        assert container["volumeMounts"] == [{"name": "course", "mountPath": workdir}]
        assert container["workingDir"] == workdir
    shell = manifest("shell-pod.yaml")["spec"]
    assert shell["volumes"][0]["persistentVolumeClaim"]["claimName"] == "rnnlab-course"
    assert shell["containers"][0]["volumeMounts"][0]["mountPath"] == workdir


def test_the_grader_venv_is_outside_the_mounted_course_folder():
    """A PVC mounted on /course hides whatever the image has there: the venv must live elsewhere."""
    ops = dockerfile()
    mount = PurePosixPath(manifest("grade-job.yaml")["spec"]["template"]["spec"]["containers"][0]
                          ["volumeMounts"][0]["mountPath"])
    workdir = None
    venv = None
    for op, arg in ops:
        if op == "WORKDIR":
            workdir = PurePosixPath(arg)
        if op == "RUN" and "make .venv/.run" in arg:
            venv = workdir / ".venv"
    assert venv is not None and mount not in venv.parents and venv != mount
    path = next(arg for op, arg in ops if op == "ENV" and arg.startswith("PATH="))
    assert path.startswith(f"PATH={venv}/bin:")


def test_grade_job_fails_per_index_so_kubectl_wait_returns():
    job = manifest("grade-job.yaml")["spec"]
    assert job["completionMode"] == "Indexed"
    assert job["backoffLimitPerIndex"] >= 0 and job["maxFailedIndexes"] < job["completions"]
    assert pod(manifest("grade-job.yaml"))["restartPolicy"] == "Never"  # required by backoffLimitPerIndex


def test_grade_job_gives_each_pod_its_shard_and_the_shared_secret():
    job = manifest("grade-job.yaml")
    (container,) = pod(job)["containers"]
    variables = env(container)
    assert variables["RNNLAB_SHARDS"]["value"] == str(job["spec"]["completions"])
    secret = manifest("secret.yaml")
    ref = variables["RNNLAB_SECRET"]["valueFrom"]["secretKeyRef"]
    assert ref["name"] == secret["metadata"]["name"] and ref["key"] in secret["stringData"]
    assert container["securityContext"]["privileged"] is True  # bubblewrap's namespaces


def _run_container(container, tmp_path, **environment):
    """The container's shell command under sh, with `autograder` a stand-in that prints its arguments."""
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    fake = bindir / "autograder"
    fake.write_text('#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n')
    fake.chmod(0o755)
    assert container["command"] == ["sh", "-c"]
    return subprocess.run(["sh", "-c", *container["args"]], capture_output=True, text=True, cwd=tmp_path,
                          env={"PATH": f"{bindir}:/usr/bin:/bin", **environment})


def test_grade_pod_runs_its_shard_into_its_own_folder(tmp_path):
    (container,) = pod(manifest("grade-job.yaml"))["containers"]
    done = _run_container(container, tmp_path, JOB_COMPLETION_INDEX="3", RNNLAB_SHARDS="8", RNNLAB_SECRET="k")
    assert done.returncode == 0, done.stderr
    argv = done.stdout.splitlines()
    assert argv[0] == "grade"
    args = parse(grade, argv[1:])
    assert args.out == Path("shards/3") and args.shard == "auto" and args.quiet
    assert args.submitted == Path("submitted")


def test_grade_pod_stops_at_once_on_an_empty_secret(tmp_path):
    """An empty Secret would let every pod invent its own .grading-secret: different hidden cases per shard."""
    (container,) = pod(manifest("grade-job.yaml"))["containers"]
    done = _run_container(container, tmp_path, JOB_COMPLETION_INDEX="0", RNNLAB_SHARDS="8", RNNLAB_SECRET="")
    assert done.returncode != 0 and done.stdout == ""
    assert "fill the Secret rnnlab-grading" in done.stderr


def test_merge_job_joins_every_shard_the_grade_job_writes(tmp_path):
    (container,) = pod(manifest("merge-job.yaml"))["containers"]
    for k in range(manifest("grade-job.yaml")["spec"]["completions"]):
        (tmp_path / "shards" / str(k)).mkdir(parents=True)
    done = _run_container(container, tmp_path)
    assert done.returncode == 0, done.stderr
    argv = done.stdout.splitlines()
    assert argv[0] == "merge"
    args = parse(merge, argv[1:])
    assert sorted(args.shards) == sorted(Path("shards") / str(k) for k in range(8))
    assert args.out == Path("results") and args.junit.parent == args.out and args.summary.parent == args.out


# ------------------------------------------------------------------ the image


def test_dockerfile_copies_only_files_that_exist_and_the_build_context_keeps():
    copies = [arg.split() for op, arg in dockerfile() if op == "COPY"]
    assert copies
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    kept = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    for *sources, _destination in copies:
        for source in sources:
            assert (ROOT / source).exists(), source
            assert source.rstrip("/") in kept, f"{source} is left out of the build context"


def test_dockerfile_make_targets_exist():
    targets = makefile_targets()
    called = [t for op, arg in dockerfile() if op == "RUN" for t in re.findall(r"(?:^|&&|;|\|\|)\s*make\s+([\w./-]+)", arg)]
    assert {"sandbox-tools", ".venv/.run"} <= set(called)
    assert set(called) <= targets, set(called) - targets


def test_dockerfile_checks_the_sandbox_packages_of_the_makefile():
    """The image installs with `make sandbox-tools` and checks every package of its list, read from the Makefile."""
    run = next(arg for op, arg in dockerfile() if op == "RUN" and "make sandbox-tools" in arg)
    sed = re.search(r"\$\(sed -n '(.*?)' Makefile\)", run)
    assert sed and "dpkg-query -W $(sed" in run
    pattern, replacement = re.fullmatch(r"s/(.*)/(.*)/p", sed.group(1)).groups()
    makefile = (ROOT / "Makefile").read_text()
    printed = [re.sub(pattern, replacement, line) for line in makefile.splitlines() if re.search(pattern, line)]
    packages = re.search(r"^SANDBOX_PACKAGES\s*:?=\s*(.*)$", makefile, re.M).group(1).split()
    assert [p.split() for p in printed] == [packages]
    assert "$(SANDBOX_PACKAGES)" in makefile.split("sandbox-tools:", 1)[1]
    assert {"bubblewrap", "python3-seccomp"} <= set(packages)


def test_dockerfile_base_has_the_python_the_project_needs():
    """python3-seccomp binds Debian's own python3, so the venv uses it too: it must meet requires-python."""
    base = next(arg for op, arg in dockerfile() if op == "FROM")
    debian_python = {"bookworm": (3, 11, 2), "trixie": (3, 13, 5)}
    release = next(name for name in debian_python if base.startswith(f"debian:{name}"))
    requires = re.search(r'requires-python = ">=([\d.]+)', (ROOT / "pyproject.toml").read_text()).group(1)
    assert debian_python[release] >= tuple(int(x) for x in requires.split("."))


# ------------------------------------------------------------------ the docs' commands


def test_cli_exits_quietly_when_the_reader_of_its_output_is_gone(tmp_path, course):
    """`autograder … | head -1`: no BrokenPipeError traceback once head has gone, whatever is printed."""
    results = tmp_path / "results"
    write_class(results, course)
    commands = [["--help"], ["merge", "--help"],
                ["--course", str(course.root / "course.yaml"), "merge", str(results), "--out", str(tmp_path / "m"),
                 "--allow-partial"]]  # one plain results folder, not a set of shard folders
    for argv in commands:
        read, write = os.pipe()
        os.close(read)  # the reader is gone before the first line: every write meets a broken pipe
        try:
            done = subprocess.run([sys.executable, "-m", "autograder", *argv], stdout=write,
                                  stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": ""})
        finally:
            os.close(write)
        assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr
        assert done.returncode == SIGPIPE_STATUS, (argv, done.stderr)

