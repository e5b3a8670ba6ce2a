"""--shard K/N: disjoint, complete, balanced to one student, decided by the folder alone, the same on every machine;
--shard auto in Slurm arrays (one range, or refused) and Kubernetes Indexed Jobs."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.grading.errors import UsageError
from autograder.grading.shard import select_shard

ROOT = Path(__file__).resolve().parents[2]
CLASS = [f"2024{i:05d}" for i in range(1, 301)] + ["kim.minji", "이서연", "s-01"]


@pytest.mark.parametrize("n", [1, 2, 3, 4, 7])
def test_shards_are_disjoint_and_cover_the_class_in_order(n):
    shards = [select_shard(CLASS, f"{k}/{n}") for k in range(1, n + 1)]
    assert sorted(s for shard in shards for s in shard) == sorted(CLASS)
    assert sum(map(len, shards)) == len(CLASS)  # no student in two shards
    for shard in shards:
        assert shard == [s for s in CLASS if s in set(shard)]  # original order kept


@pytest.mark.parametrize("size", [0, 1, 3, 16, 17, 303])
@pytest.mark.parametrize("n", [1, 2, 3, 4, 7])
def test_every_shard_is_within_one_student_of_the_others(size, n):
    students = CLASS[:size]
    sizes = [len(select_shard(students, f"{k}/{n}")) for k in range(1, n + 1)]
    assert sum(sizes) == size and max(sizes) - min(sizes) <= 1, sizes


def test_seventeen_students_in_four_shards_is_5_4_4_4():
    students = [f"s{i:02d}" for i in range(1, 18)]
    assert sorted(len(select_shard(students, f"{k}/4")) for k in range(1, 5)) == [4, 4, 4, 5]


def test_the_split_depends_only_on_the_folder_not_on_the_listing_order():
    shuffled = CLASS[::-1][::2] + CLASS[::-1][1::2]  # the same folder, listed in another order
    for k in range(1, 5):
        assert sorted(select_shard(CLASS, f"{k}/4")) == sorted(select_shard(shuffled, f"{k}/4"))


def test_same_assignment_in_another_process_whatever_the_hash_seed():
    code = "from autograder.grading.shard import select_shard; import sys; print(select_shard(sys.argv[1:], '2/3'))"
    outputs = {subprocess.run([sys.executable, "-c", code, *CLASS[:40]], cwd=ROOT, capture_output=True, text=True,
                              env={**os.environ, "PYTHONHASHSEED": seed}, check=True).stdout
               for seed in ("1", "2")}
    assert outputs == {f"{select_shard(CLASS[:40], '2/3')}\n"}


@pytest.mark.parametrize("spec", ["0/3", "4/3", "1/0", "-1/3", "a/b", "3", "", "1/2/3", "1.5/3"])
def test_invalid_specs_are_usage_errors_that_say_what_is_expected(spec):
    with pytest.raises(UsageError, match=r"--shard"):
        select_shard(CLASS, spec)


# ------------------------------------------------------------------ --shard auto (Slurm, Kubernetes)

from autograder.grading.shard import auto_shard, resolve_shard  # noqa: E402


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
    ({"SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_COUNT": "3"}, "SLURM_ARRAY_TASK_MAX"),
    ({"SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "3",
      "SLURM_ARRAY_TASK_COUNT": "x"}, "not a whole number"),
    ({"SLURM_ARRAY_TASK_ID": "7", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "3",
      "SLURM_ARRAY_TASK_COUNT": "3"}, "not in the array 1-3"),
    ({"JOB_COMPLETION_INDEX": "0"}, "RNNLAB_SHARDS"),
    ({"JOB_COMPLETION_INDEX": "4", "RNNLAB_SHARDS": "4"}, "not below"),
])
def test_auto_without_a_batch_system_says_what_to_set(env, expected):
    with pytest.raises(UsageError, match=expected):
        resolve_shard("auto", env)


def _slurm_list(ids: list[int]) -> list[dict]:
    """The environment of every task of `sbatch --array=1,3,7` (a list: Slurm sets no step)."""
    return [{"SLURM_ARRAY_JOB_ID": "778", "SLURM_ARRAY_TASK_ID": str(i), "SLURM_ARRAY_TASK_MIN": str(min(ids)),
             "SLURM_ARRAY_TASK_MAX": str(max(ids)), "SLURM_ARRAY_TASK_COUNT": str(len(ids))} for i in ids]


@pytest.mark.parametrize("ids", [[1, 3, 7], [1, 2, 7], [0, 5], [2, 3, 4, 9]])
def test_every_task_of_a_slurm_list_array_is_refused(ids):
    """Before, tasks 1 and 3 of --array=1,3,7 graded shards 1 and 3 and nobody graded shard 2."""
    for env in _slurm_list(ids):
        with pytest.raises(UsageError, match=r"is a list, not one evenly spaced range.*--array=1-"):
            resolve_shard("auto", env)


def test_a_list_that_is_a_range_written_out_is_fine():
    assert [resolve_shard("auto", env)[0] for env in _slurm_list([4, 5, 6])] == ["1/3", "2/3", "3/3"]


def test_grade_in_a_slurm_list_array_stops_before_grading(tmp_path, monkeypatch, capsys):
    from autograder.cli import main

    submitted = tmp_path / "submitted"
    (submitted / "s01" / "rnn").mkdir(parents=True)
    for key, value in _slurm_list([1, 3, 7])[0].items():
        monkeypatch.setenv(key, value)
    status = main(["--course", str(ROOT / "course.yaml"), "grade", str(submitted), "--out", str(tmp_path / "r"),
                   "--quiet", "--no-sandbox", "--shard", "auto"])
    err = capsys.readouterr().err
    assert status == 2 and "is a list" in err and "Traceback" not in err
    assert not (tmp_path / "r").exists()


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
