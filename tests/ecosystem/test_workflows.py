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
