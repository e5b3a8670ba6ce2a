"""`autograder merge`: the shards of a class merge into exactly the folder an unsharded run writes."""
import argparse
import json
import xml.etree.ElementTree as ET

import pytest

from autograder.cli import merge
from autograder.engine.errors import UsageError
from autograder.engine.shard import select_shard

from .conftest import STUDENTS, write_class


def run_merge(course, *argv):
    parser = argparse.ArgumentParser()
    merge.add_arguments(parser)
    return merge.run(parser.parse_args([str(a) for a in argv]), course)


def files_of(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_merged_shards_equal_the_unsharded_folder_byte_for_byte(tmp_path, course, capsys):
    write_class(tmp_path / "full", course)
    shards = []
    for k in (1, 2, 3):
        shard = tmp_path / f"shard-{k}"
        write_class(shard, course, select_shard(STUDENTS, f"{k}/3"))
        shards.append(shard)
    assert all(any(p.is_dir() for p in s.iterdir()) for s in shards)  # every shard holds students

    assert run_merge(course, *shards, "--out", tmp_path / "merged") == 0

    full, merged = files_of(tmp_path / "full"), files_of(tmp_path / "merged")
    assert merged.keys() == full.keys()
    assert {k for k in full if k.endswith(".json")} and "grades.csv" in full
    for name in full:
        assert merged[name] == full[name], name
    printed = capsys.readouterr().out
    assert "rnn" in printed and "merged 3 folder(s)" in printed


def test_conflicting_results_of_one_student_are_refused_and_nothing_is_written(tmp_path, course):
    write_class(tmp_path / "a", course, ["s02", "s01"])
    write_class(tmp_path / "b", course, ["s01"])
    path = tmp_path / "b" / "s01" / "rnn.json"
    data = json.loads(path.read_text())
    data["score"] += 1
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n")

    with pytest.raises(UsageError) as error:
        run_merge(course, tmp_path / "a", tmp_path / "b", "--out", tmp_path / "merged")
    assert "s01/rnn.json" in str(error.value) and str(tmp_path / "b") in str(error.value)
    assert not (tmp_path / "merged").exists()


def test_identical_duplicates_are_fine(tmp_path, course):
    write_class(tmp_path / "a", course, ["s02", "s03"])
    write_class(tmp_path / "b", course, ["s03", "s04"])
    assert run_merge(course, tmp_path / "a", tmp_path / "b", "--out", tmp_path / "m") == 0
    lines = (tmp_path / "m" / "grades.csv").read_text().splitlines()
    assert sorted({line.split(",")[0] for line in lines[1:]}) == ["s02", "s03", "s04"]


def test_a_result_file_in_the_wrong_place_is_refused(tmp_path, course):
    write_class(tmp_path / "a", course, ["s01"])
    (tmp_path / "a" / "s09").mkdir()
    (tmp_path / "a" / "s01" / "rnn.json").rename(tmp_path / "a" / "s09" / "rnn.json")
    with pytest.raises(UsageError, match="s01/rnn"):
        run_merge(course, tmp_path / "a", "--out", tmp_path / "m")


def test_missing_shard_folder_is_a_usage_error(tmp_path, course):
    with pytest.raises(UsageError, match="no such results folder"):
        run_merge(course, tmp_path / "nope", "--out", tmp_path / "m")


def test_merge_also_writes_junit_and_summary(tmp_path, course):
    results = write_class(tmp_path / "a", course, ["s02", "s03"])
    run_merge(course, tmp_path / "a", "--out", tmp_path / "m", "--junit", tmp_path / "m" / "junit.xml",
              "--summary", tmp_path / "summary.md")
    root = ET.parse(tmp_path / "m" / "junit.xml").getroot()
    assert int(root.get("tests")) == sum(len(r["items"]) for r in results.values())
    assert "| `rnn` |" in (tmp_path / "summary.md").read_text()
