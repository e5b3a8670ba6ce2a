"""The GitHub Actions workflows: valid YAML, the documented jobs, and commands the CLI accepts."""
import argparse
import re
import shlex
from pathlib import Path

import pytest
import yaml

from autograder.cli import grade, merge

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"


def load(name):
    data = yaml.safe_load((WORKFLOWS / name).read_text())
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def runs(job):
    return "\n".join(step.get("run", "") for step in job["steps"])


def command(script, verb):
    """The `autograder VERB ...` command line of a script, continuations joined, shell values filled in."""
    script = script.replace("\\\n", " ")
    line = next(line for line in script.splitlines() if re.search(rf"autograder {verb}\b", line))
    line = line[line.index(f"autograder {verb}") + len(f"autograder {verb}"):]
    line = re.sub(r"\$\{\{[^}]*\}\}", "1", line)
    line = re.sub(r"\$\{?(\w+)\}?", lambda m: {"SHARDS": "4"}.get(m.group(1), m.group(1).lower()), line)
    return shlex.split(line)


def parse(module, argv):
    parser = argparse.ArgumentParser(exit_on_error=False)
    module.add_arguments(parser)
    return parser.parse_args(argv)


def test_grade_workflow_validates_then_grades_shards_then_merges():
    wf = load("grade.yml")
    assert {"push", "workflow_dispatch"} <= set(wf["on"])
    jobs = wf["jobs"]
    assert set(jobs) == {"validate", "grade", "merge"}
    assert "make test" in runs(jobs["validate"])

    shard_job = jobs["grade"]
    assert shard_job["needs"] == "validate"
    assert shard_job["strategy"]["matrix"]["shard"] == "${{ fromJSON(needs.validate.outputs.shards) }}"
    assert "RNNLAB_SECRET" in shard_job["env"]  # every shard must draw the same hidden cases
    args = parse(grade, command(runs(shard_job), "grade"))
    assert args.out == Path("results") and args.shard == "1/4"
    upload = next(s for s in shard_job["steps"] if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["with"]["name"] == "shard-${{ matrix.shard }}" and upload["with"]["path"].rstrip("/") == "results"

    merge_job = jobs["merge"]
    assert merge_job["needs"] == "grade"
    download = next(s for s in merge_job["steps"] if s.get("uses", "").startswith("actions/download-artifact"))
    assert download["with"]["pattern"] == "shard-*"
    args = parse(merge, command(runs(merge_job), "merge"))
    assert args.shards == [Path(f"{download['with']['path']}/shard-*")] and args.out == Path("merged")
    assert args.junit and args.summary
    script = runs(merge_job)
    assert f"cat {args.summary} >> \"$GITHUB_STEP_SUMMARY\"" in script and str(args.junit) in script


def test_matrix_size_is_set_in_one_place():
    wf = load("grade.yml")
    assert isinstance(wf["env"]["SHARDS"], int) and wf["env"]["SHARDS"] >= 1
    assert "$SHARDS" in runs(wf["jobs"]["validate"])


@pytest.mark.parametrize("name", ["grade.yml", "student-selfcheck.yml"])
def test_only_github_maintained_actions(name):
    for job in load(name)["jobs"].values():
        for step in job["steps"]:
            if "uses" in step:
                assert re.fullmatch(r"actions/[\w-]+@v\d+", step["uses"]), step["uses"]


def test_student_selfcheck_runs_only_the_public_check():
    wf = load("student-selfcheck.yml")
    [job] = wf["jobs"].values()
    script = runs(job)
    assert "autograder check exercises/*/*.ipynb" in script
    assert "autograder grade" not in script and "RNNLAB_SECRET" not in str(wf)


def test_grade_workflow_runs_once_per_change():
    """A push to a pull request's branch triggers the pull_request run only, not also a push run."""
    on = load("grade.yml")["on"]
    assert "pull_request" in on
    assert on["push"] and on["push"].get("branches") == ["main"], "push must be limited to the main branch"
    assert load("grade.yml")["concurrency"]["cancel-in-progress"] is True


def test_course_workflow_installs_the_cpu_build_of_torch_before_make_test():
    wf = load("grade.yml")
    steps = wf["jobs"]["validate"]["steps"]
    runs_in_order = [s.get("run", "") for s in steps]
    torch_step = next(i for i, r in enumerate(runs_in_order) if "--index-url" in r and "torch==" in r)
    make_step = next(i for i, r in enumerate(runs_in_order) if "make test" in r)
    assert torch_step < make_step
    assert wf["env"]["TORCH_CPU_INDEX"].rstrip("/").endswith("/whl/cpu")
    pinned = re.search(r"^torch==(\S+)", (ROOT / "requirements" / "test.in").read_text(), re.M).group(1)
    assert wf["env"]["TORCH_VERSION"] == pinned


# ------------------------------------------------------------------ the sandbox tools of every grading job


def _sandbox_packages():
    return re.search(r"^SANDBOX_PACKAGES\s*:=\s*(.+)$", (ROOT / "Makefile").read_text(), re.M).group(1).split()


@pytest.mark.parametrize("job_name, first_use", [("validate", "make test"), ("grade", "autograder grade")])
def test_jobs_that_run_student_code_install_what_make_sandbox_tools_installs(job_name, first_use):
    """Not a hand-kept apt-get list: before, the grade job installed bubblewrap but not python3-seccomp,
    so CI graded without the seccomp filter and said nothing."""
    assert "python3-seccomp" in _sandbox_packages() and "bubblewrap" in _sandbox_packages()
    steps = [s.get("run", "") for s in load("grade.yml")["jobs"][job_name]["steps"]]
    tools = next(i for i, r in enumerate(steps) if re.search(r"^\s*sudo make sandbox-tools\s*$", r, re.M))
    assert tools < next(i for i, r in enumerate(steps) if first_use in r)
    assert "/usr/bin/python3 -c 'import seccomp'" in steps[tools] and "exit 1" in steps[tools]  # fails loudly
    assert not [r for r in steps if "apt-get install" in r]  # one list of packages: the Makefile's


# ------------------------------------------------------------------ the student self-check: unfinished is not red


def _selfcheck_step():
    [job] = load("student-selfcheck.yml")["jobs"].values()
    return next(s for s in job["steps"] if "autograder check" in s.get("run", ""))["run"]


def _student_repo(tmp_path, edit=None):
    """A student's repository as the release ships it (exercises/ only matters here), stubs untouched
    except ``edit``: (function, new body) replacing that stub's `raise NotImplementedError()`."""
    import json
    import shutil

    repo = tmp_path / "student"
    shutil.copytree(ROOT / "exercises" / "rnn", repo / "exercises" / "rnn")
    if edit:
        path = repo / "exercises" / "rnn" / "rnn.ipynb"
        nb = json.loads(path.read_text(encoding="utf-8"))
        cell = next(c for c in nb["cells"] if f"def {edit[0]}(" in "".join(c["source"]))
        source = "".join(cell["source"])
        assert "raise NotImplementedError()" in source
        cell["source"] = source.replace("raise NotImplementedError()", edit[1], 1)
        path.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    return repo


def _run_selfcheck(repo):
    import os
    import subprocess
    import sys

    summary = repo / "step-summary.md"
    env = {**os.environ, "GITHUB_STEP_SUMMARY": str(summary), "RNNLAB_LANG": "en", "OPENBLAS_NUM_THREADS": "1",
           "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
    proc = subprocess.run(["bash", "-c", _selfcheck_step()], cwd=repo, env=env, capture_output=True, text=True,
                          timeout=600)
    return proc, summary.read_text(encoding="utf-8") if summary.exists() else ""


@pytest.mark.slow
def test_selfcheck_is_green_on_untouched_stubs_with_a_line_per_notebook(tmp_path):
    proc, summary = _run_selfcheck(_student_repo(tmp_path))
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    row = next(line for line in summary.splitlines() if "rnn.ipynb" in line)
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1] == "0" and int(cells[2]) > 0 and cells[3] == "0"  # pass, unfinished, fail


@pytest.mark.slow
@pytest.mark.parametrize("body", ["return np.zeros_like(prev_h), None",  # a wrong answer
                                  "raise ValueError('oops')"],  # an error
                         ids=["wrong-answer", "error"])
def test_selfcheck_is_red_on_a_wrong_answer_or_an_error(tmp_path, body):
    proc, summary = _run_selfcheck(_student_repo(tmp_path, ("rnn_step_forward", body)))
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    row = next(line for line in summary.splitlines() if "rnn.ipynb" in line)
    assert [c.strip() for c in row.strip("|").split("|")][3] != "0"
