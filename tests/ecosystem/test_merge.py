"""`autograder merge`: the shards of a class merge into exactly the folder an unsharded run writes,
and a set with a shard missing, given twice or from another run is refused, naming which."""
import argparse
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from autograder.cli import main, merge
from autograder.grading.errors import UsageError
from autograder.grading.shard import MANIFEST, select_shard, write_manifest

from .conftest import STUDENTS, write_class

ROOT = Path(__file__).resolve().parents[2]


def run_merge(course, *argv):
    parser = argparse.ArgumentParser()
    merge.add_arguments(parser)
    return merge.run(parser.parse_args([str(a) for a in argv]), course)


def files_of(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def write_shard(folder, course, k, n, everyone=STUDENTS, rubric="rubric-a"):
    """Shard K of N of a synthetic class, with the record `grade --shard` leaves."""
    write_class(folder, course, select_shard(everyone, f"{k}/{n}"))
    write_manifest(folder, f"{k}/{n}", everyone, list(course.assignments), rubric)
    return folder


def test_merged_shards_equal_the_unsharded_folder_byte_for_byte(tmp_path, course, capsys):
    write_class(tmp_path / "full", course)
    shards = [write_shard(tmp_path / f"shard-{k}", course, k, 3) for k in (1, 2, 3)]
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

    with pytest.raises(UsageError) as error:  # even when told to merge a partial class
        run_merge(course, tmp_path / "a", tmp_path / "b", "--out", tmp_path / "merged", "--allow-partial")
    assert "s01/rnn.json" in str(error.value) and str(tmp_path / "b") in str(error.value)
    assert not (tmp_path / "merged").exists()


def test_identical_duplicates_are_fine_in_a_partial_merge(tmp_path, course):
    write_class(tmp_path / "a", course, ["s02", "s03"])
    write_class(tmp_path / "b", course, ["s03", "s04"])
    assert run_merge(course, tmp_path / "a", tmp_path / "b", "--out", tmp_path / "m", "--allow-partial") == 0
    lines = (tmp_path / "m" / "grades.csv").read_text().splitlines()
    assert sorted({line.split(",")[0] for line in lines[1:]}) == ["s02", "s03", "s04"]


def test_a_result_file_in_the_wrong_place_is_refused(tmp_path, course):
    write_class(tmp_path / "a", course, ["s01"])
    (tmp_path / "a" / "s09").mkdir()
    (tmp_path / "a" / "s01" / "rnn.json").rename(tmp_path / "a" / "s09" / "rnn.json")
    with pytest.raises(UsageError, match="s01/rnn"):
        run_merge(course, tmp_path / "a", "--out", tmp_path / "m", "--allow-partial")


def test_missing_shard_folder_is_a_usage_error(tmp_path, course):
    with pytest.raises(UsageError, match="no such results folder"):
        run_merge(course, tmp_path / "nope", "--out", tmp_path / "m")


def test_merge_also_writes_junit_and_summary(tmp_path, course):
    results = write_class(tmp_path / "a", course, ["s02", "s03"])
    write_manifest(tmp_path / "a", "1/1", ["s02", "s03"], list(course.assignments), "rubric-a")
    run_merge(course, tmp_path / "a", "--out", tmp_path / "m", "--junit", tmp_path / "m" / "junit.xml",
              "--summary", tmp_path / "summary.md")
    root = ET.parse(tmp_path / "m" / "junit.xml").getroot()
    assert int(root.get("tests")) == sum(len(r["items"]) for r in results.values())
    assert "| `rnn` |" in (tmp_path / "summary.md").read_text()


# ------------------------------------------------------------------ a set that is not one whole run


def refusal(course, *argv) -> str:
    with pytest.raises(UsageError) as error:
        run_merge(course, *argv)
    return str(error.value)


def test_two_of_four_shards_are_refused_naming_the_missing_shards_and_their_students(tmp_path, course):
    shards = [write_shard(tmp_path / f"shard-{k}", course, k, 4) for k in (1, 3)]
    message = refusal(course, *shards, "--out", tmp_path / "m")
    for k in (2, 4):
        missing = select_shard(STUDENTS, f"{k}/4")
        assert f"shard {k}/4 is missing: its {len(missing)} student(s)" in message
        assert all(s in message for s in missing)
    assert "shard 1/4 is missing" not in message and "shard 3/4 is missing" not in message
    assert "--allow-partial" in message and not (tmp_path / "m").exists()


def test_a_shard_given_twice_is_refused(tmp_path, course):
    shards = [write_shard(tmp_path / f"shard-{k}", course, k, 2) for k in (1, 2)]
    again = write_shard(tmp_path / "shard-2-again", course, 2, 2)
    message = refusal(course, *shards, again, "--out", tmp_path / "m")
    assert f"shard 2/2 is given 2 times: {shards[1]}, {again}" in message
    assert "is missing" not in message


def test_a_shard_of_another_run_is_refused(tmp_path, course):
    shards = [write_shard(tmp_path / f"shard-{k}", course, k, 3) for k in (1, 2)]
    other_secret = write_shard(tmp_path / "old-3", course, 3, 3, rubric="rubric-b")
    message = refusal(course, *shards, other_secret, "--out", tmp_path / "m")
    assert f"{other_secret}: from another run than {shards[0]} (another class, course or grading secret)" in message
    assert "shard 3/3 is missing" in message  # the stray shard does not count as the run's third

    grown = STUDENTS + ["s99"]  # the same secret, but the folder had another student then
    other_class = write_shard(tmp_path / "grown-3", course, 3, 3, everyone=grown)
    assert f"{other_class}: from another run" in refusal(course, *shards, other_class, "--out", tmp_path / "m")

    other_n = write_shard(tmp_path / "of-4", course, 3, 4)
    assert f"{other_n}: from another run than {shards[0]} (4 shards, not 3)" in refusal(
        course, *shards, other_n, "--out", tmp_path / "m")


def test_a_folder_without_a_shard_record_is_refused(tmp_path, course):
    write_class(tmp_path / "unfinished", course, ["s01"])
    message = refusal(course, tmp_path / "unfinished", "--out", tmp_path / "m")
    assert f"{tmp_path / 'unfinished'}: no shard record ({MANIFEST})" in message


def test_allow_partial_merges_what_is_there_and_says_so(tmp_path, course, capsys):
    shards = [write_shard(tmp_path / f"shard-{k}", course, k, 4) for k in (1, 3)]
    assert run_merge(course, *shards, "--out", tmp_path / "m", "--allow-partial") == 0
    captured = capsys.readouterr()
    assert captured.err.count("WARNING (--allow-partial): shard") == 2  # shards 2 and 4
    assert "PARTIAL: 2 problem(s) overridden" in captured.out
    merged = {line.split(",")[0] for line in (tmp_path / "m" / "grades.csv").read_text().splitlines()[1:]}
    assert merged and merged <= set(select_shard(STUDENTS, "1/4") + select_shard(STUDENTS, "3/4"))


def test_real_shards_of_seventeen_students_are_balanced_and_merge_only_when_complete(tmp_path, monkeypatch, capsys):
    """`grade --shard K/4` on 17 students (no notebooks: graded as missing, no sandbox needed), then merge."""
    submitted = tmp_path / "submitted"
    students = [f"s{i:02d}" for i in range(1, 18)]
    for student in students:
        (submitted / student / "rnn").mkdir(parents=True)
    course_file = str(ROOT / "course.yaml")

    def grade(k, secret="a" * 64):
        monkeypatch.setenv("RNNLAB_SECRET", secret)
        out = tmp_path / f"shard-{k}" if secret == "a" * 64 else tmp_path / f"other-{k}"
        main(["--course", course_file, "grade", str(submitted), "--out", str(out), "--assignment", "rnn",
              "--quiet", "--no-sandbox", "--shard", f"{k}/4"])
        return out

    shards = [grade(k) for k in (1, 2, 3, 4)]
    graded = [sorted(p.name for p in s.iterdir() if p.is_dir()) for s in shards]
    assert sorted(map(len, graded)) == [4, 4, 4, 5] and sorted(sum(graded, [])) == students
    records = [json.loads((s / MANIFEST).read_text()) for s in shards]
    assert [(r["shard"], r["of"]) for r in records] == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert len({r["fingerprint"] for r in records}) == 1

    capsys.readouterr()
    assert main(["--course", course_file, "merge", *map(str, shards[:2]), "--out", str(tmp_path / "m")]) == 2
    assert "shard 3/4 is missing" in capsys.readouterr().err and not (tmp_path / "m").exists()

    stray = grade(4, secret="b" * 64)  # shard 4 of a run with another secret: other hidden cases
    assert main(["--course", course_file, "merge", *map(str, shards[:3]), str(stray), "--out", str(tmp_path / "m")]) == 2
    assert f"{stray}: from another run" in capsys.readouterr().err

    assert main(["--course", course_file, "merge", *map(str, shards), "--out", str(tmp_path / "m")]) == 0
    rows = (tmp_path / "m" / "grades.csv").read_text().splitlines()[1:]
    assert sorted(r.split(",")[0] for r in rows) == students
