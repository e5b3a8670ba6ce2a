"""--shard K/N: disjoint, complete, stable when the class changes, the same on every machine."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.engine.errors import UsageError
from autograder.engine.shard import select_shard

ROOT = Path(__file__).resolve().parents[2]
CLASS = [f"2024{i:05d}" for i in range(1, 301)] + ["kim.minji", "이서연", "s-01"]


@pytest.mark.parametrize("n", [1, 2, 3, 4, 7])
def test_shards_are_disjoint_and_cover_the_class_in_order(n):
    shards = [select_shard(CLASS, f"{k}/{n}") for k in range(1, n + 1)]
    assert sorted(s for shard in shards for s in shard) == sorted(CLASS)
    assert sum(map(len, shards)) == len(CLASS)  # no student in two shards
    for shard in shards:
        assert shard == [s for s in CLASS if s in set(shard)]  # original order kept


def test_adding_or_removing_students_moves_nobody_else():
    n = 4
    before = {s: k for k in range(1, n + 1) for s in select_shard(CLASS, f"{k}/{n}")}
    grown = ["new-student", "late.enrolment"] + CLASS[50:]  # some join, 50 leave, list reordered
    after = {s: k for k in range(1, n + 1) for s in select_shard(grown, f"{k}/{n}")}
    assert all(after[s] == before[s] for s in CLASS[50:])


def test_shards_are_roughly_even():
    sizes = [len(select_shard(CLASS, f"{k}/4")) for k in range(1, 5)]
    assert min(sizes) > len(CLASS) / 4 * 0.6 and max(sizes) < len(CLASS) / 4 * 1.4


def test_same_assignment_in_another_process_whatever_the_hash_seed():
    code = "from autograder.engine.shard import select_shard; import sys; print(select_shard(sys.argv[1:], '2/3'))"
    outputs = {subprocess.run([sys.executable, "-c", code, *CLASS[:40]], cwd=ROOT, capture_output=True, text=True,
                              env={**os.environ, "PYTHONHASHSEED": seed}, check=True).stdout
               for seed in ("1", "2")}
    assert outputs == {f"{select_shard(CLASS[:40], '2/3')}\n"}


@pytest.mark.parametrize("spec", ["0/3", "4/3", "1/0", "-1/3", "a/b", "3", "", "1/2/3", "1.5/3"])
def test_invalid_specs_are_usage_errors_that_say_what_is_expected(spec):
    with pytest.raises(UsageError, match=r"--shard"):
        select_shard(CLASS, spec)


# ------------------------------------------------------------------ --shard auto (Slurm, Kubernetes)

from autograder.engine.shard import auto_shard, resolve_shard  # noqa: E402


def _slurm_array(first: int, last: int, step: int = 1) -> list[dict]:
    """The environment of every task of `sbatch --array=FIRST-LAST:STEP` (what Slurm sets)."""
    ids = list(range(first, last + 1, step))
    return [{"SLURM_ARRAY_JOB_ID": "777", "SLURM_ARRAY_TASK_ID": str(i), "SLURM_ARRAY_TASK_MIN": str(first),
             "SLURM_ARRAY_TASK_MAX": str(ids[-1]), "SLURM_ARRAY_TASK_COUNT": str(len(ids)),
             **({"SLURM_ARRAY_TASK_STEP": str(step)} if step != 1 else {})} for i in ids]


def _indexed_job(completions: int) -> list[dict]:
    """The environment of every pod of a Kubernetes Indexed Job (+ RNNLAB_SHARDS from the manifest)."""
    return [{"JOB_COMPLETION_INDEX": str(i), "RNNLAB_SHARDS": str(completions)} for i in range(completions)]


@pytest.mark.parametrize("tasks", [_slurm_array(1, 8), _slurm_array(0, 4), _slurm_array(10, 22, 4),
                                   _slurm_array(5, 5), _indexed_job(1), _indexed_job(6)],
                         ids=["slurm-1-8", "slurm-0-4", "slurm-10-22-step4", "slurm-one-task", "k8s-1", "k8s-6"])
def test_auto_shards_of_a_class_are_disjoint_and_cover_it(tasks):
    specs = [resolve_shard("auto", env)[0] for env in tasks]
    n = len(tasks)
    assert sorted(specs, key=lambda s: int(s.split("/")[0])) == [f"{k}/{n}" for k in range(1, n + 1)]
    shards = [select_shard(CLASS, spec) for spec in specs]
    graded = [s for shard in shards for s in shard]
    assert sorted(graded) == sorted(CLASS) and len(graded) == len(CLASS)


def test_auto_is_the_same_as_the_explicit_spec():
    env = _slurm_array(1, 4)[2]
    assert auto_shard(env)[:2] == (3, 4)
    assert resolve_shard("auto", env) == ("3/4", "Slurm array task 3 of 4")
    assert resolve_shard(" 2 / 4 ", {}) == ("2/4", "--shard") and resolve_shard(None, env) == (None, "")


@pytest.mark.parametrize("env, expected", [
    ({}, "no Slurm job array"),
    ({"SLURM_ARRAY_TASK_ID": "3"}, "SLURM_ARRAY_TASK_MIN"),
    ({"SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_COUNT": "x"}, "not a whole number"),
    ({"SLURM_ARRAY_TASK_ID": "7", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_COUNT": "3"}, "one evenly spaced range"),
    ({"JOB_COMPLETION_INDEX": "0"}, "RNNLAB_SHARDS"),
    ({"JOB_COMPLETION_INDEX": "4", "RNNLAB_SHARDS": "4"}, "not below"),
])
def test_auto_without_a_batch_system_says_what_to_set(env, expected):
    with pytest.raises(UsageError, match=expected):
        resolve_shard("auto", env)


def test_grade_shard_auto_grades_the_tasks_shard(tmp_path, monkeypatch, capsys):
    """`grade --shard auto` in a Slurm task: only that shard's students get results."""
    from autograder.cli import main

    submitted = tmp_path / "submitted"
    students = [f"s{i:02d}" for i in range(12)]
    for student in students:
        (submitted / student / "rnn").mkdir(parents=True)  # no notebook: graded as missing, no sandbox needed
    env = _slurm_array(1, 3)[1]
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("RNNLAB_SECRET", "s" * 64)
    out = tmp_path / "results"
    main(["--course", str(ROOT / "course.yaml"), "grade", str(submitted), "--out", str(out), "--assignment", "rnn",
          "--quiet", "--no-sandbox", "--shard", "auto"])
    assert "grading shard 2/3 (Slurm array task 2 of 3)" in capsys.readouterr().out
    graded = sorted(p.name for p in out.iterdir() if p.is_dir())
    assert graded == select_shard(students, "2/3")
