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
