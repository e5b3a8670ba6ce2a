"""results.py: atomic writes, resume fingerprints, grades.csv rebuilt from the files."""
import json
import os
import signal
import subprocess
import sys
import textwrap

from autograder.grading.results import (GradesCsv, feed_results, is_current, read_result, result_path, write_atomic,
                                       write_result)


def write_grades_csv(out):
    """grades.csv rebuilt from the result files, as a grade or merge run's one pass does; its rows."""
    grades = GradesCsv(out)
    feed_results(out, [grades])
    return grades.rows


def _result(student, assignment, score, fp="f1"):
    return {"student": student, "assignment": assignment, "score": score, "max_score": 10.0,
            "items": [], "errors": [], "fingerprint": fp}


def test_write_result_and_grades_csv(tmp_path):
    write_result(tmp_path, _result("s2", "rnn", 7.5), "# fb")
    write_result(tmp_path, _result("s1", "rnn", 10.0), "# fb")
    assert write_grades_csv(tmp_path) == 2
    assert (tmp_path / "grades.csv").read_text().splitlines() == [
        "student_id,assignment_id,score,max_score", "s1,rnn,10,10", "s2,rnn,7.5,10"]
    assert (tmp_path / "s1" / "rnn.md").read_text() == "# fb"


def test_fingerprint_decides_resume(tmp_path):
    write_result(tmp_path, _result("s1", "rnn", 1.0, fp="abc"), "")
    assert is_current(tmp_path, "s1", "rnn", "abc")
    assert not is_current(tmp_path, "s1", "rnn", "other")
    assert not is_current(tmp_path, "s1", "lstm", "abc")


def test_truncated_result_is_regraded_not_trusted(tmp_path):
    path = result_path(tmp_path, "s1", "rnn")
    path.parent.mkdir(parents=True)
    path.write_text('{"student": "s1", "fingerp')
    assert read_result(path) is None
    assert not is_current(tmp_path, "s1", "rnn", "abc")


def test_kill_during_write_leaves_old_file_intact(tmp_path):
    target = tmp_path / "r.json"
    write_atomic(target, json.dumps({"v": "old"}))
    code = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {os.getcwd()!r})
        from autograder.grading import results
        real_replace = os.replace
        def stop(*a):
            os.kill(os.getpid(), 9)
        results.os.replace = stop
        results.write_atomic(__import__("pathlib").Path({str(target)!r}), "x" * 10_000_000)
    """)
    proc = subprocess.run([sys.executable, "-c", code])
    assert proc.returncode == -signal.SIGKILL
    assert json.loads(target.read_text()) == {"v": "old"}


def test_write_behind_writes_in_order_and_flush_waits(tmp_path):
    from autograder.grading.results import WriteBehind

    writer = WriteBehind()
    for i in range(20):
        writer.submit(tmp_path, _result(f"s{i:02d}", "rnn", float(i)), f"# {i}")
    writer.flush()
    assert write_grades_csv(tmp_path) == 20
    assert (tmp_path / "s07" / "rnn.md").read_text() == "# 7"


def test_write_behind_hands_a_write_error_to_the_grading_thread(tmp_path):
    import pytest

    from autograder.grading.results import WriteBehind

    (tmp_path / "s1").write_text("a file where the student's folder goes")
    writer = WriteBehind()
    writer.submit(tmp_path, _result("s1", "rnn", 1.0), "")
    with pytest.raises(OSError):
        writer.flush()
    writer.submit(tmp_path, _result("s2", "rnn", 1.0), "")  # usable again once the error is reported
    writer.flush()
    assert is_current(tmp_path, "s2", "rnn", "f1")
