"""Files beside a student's notebook (nbgrader's timestamp.txt) are the student's: read bounded.

A symlink to /dev/zero once made `export --submitted` and `grade --gradebook` read without end
(MemoryError, and no gradebook rows for anyone); a FIFO hung them.  Now such a file costs that
student its submission time and a note on stderr, nothing else.  The commands run in a
subprocess with a timeout, so a regression fails instead of hanging the suite.
"""
from __future__ import annotations

import csv
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from autograder.grading.extract import StudentFileError, read_side_file, read_student_file

from .conftest import COURSE

TIMEOUT = 120  # seconds; a hang is a failure, not a stuck suite


def _bounded(call, *args):
    """``call(*args)`` in a thread that must finish within 20 s (a FIFO must not block it)."""
    outcome = {}

    def run():
        try:
            outcome["value"] = call(*args)
        except BaseException as exc:  # handed to the test
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(20)
    assert not thread.is_alive(), f"{call.__name__}{args} did not return"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


@pytest.fixture
def odd_files(tmp_path):
    folder = tmp_path / "odd"
    folder.mkdir()
    (folder / "zero").symlink_to("/dev/zero")
    os.mkfifo(folder / "fifo")
    (folder / "dir").mkdir()
    (folder / "big").write_bytes(b"1" * 5000)
    (folder / "ok").write_text("2025-03-04 05:06:07.000000 UTC\n")
    (folder / "latin1").write_bytes(b"\xe9t\xe9\n")
    return folder


@pytest.mark.parametrize("name, says", [("zero", "symbolic link"), ("fifo", "device, pipe or socket"),
                                        ("dir", "directory"), ("big", "over the 4,096 bytes limit")])
def test_only_a_small_regular_file_is_read(odd_files, name, says):
    with pytest.raises(StudentFileError, match=says):
        _bounded(read_student_file, odd_files / name, 4096)


def test_absent_is_not_an_error_and_an_unusable_file_is_a_note(odd_files, capsys):
    assert _bounded(read_side_file, odd_files / "ok") == "2025-03-04 05:06:07.000000 UTC"
    assert _bounded(read_side_file, odd_files / "absent") is None
    assert capsys.readouterr().err == ""
    for name in ("zero", "fifo", "big", "latin1"):
        assert _bounded(read_side_file, odd_files / name) is None
        err = capsys.readouterr().err
        assert err.startswith(f"autograder: ignoring {odd_files / name} (") and err.count("\n") == 1, err


def _submitted(tmp_path: Path, results) -> Path:
    """nbgrader's submitted/ for the results: s02's timestamp.txt is a symlink to /dev/zero, s03's a FIFO."""
    submitted = tmp_path / "submitted"
    for student, aid in results:
        folder = submitted / student / aid
        folder.mkdir(parents=True, exist_ok=True)
        stamp = folder / "timestamp.txt"
        if student == "s02":
            stamp.symlink_to("/dev/zero")
        elif student == "s03":
            os.mkfifo(stamp)
        else:
            stamp.write_text("2025-03-04 05:06:07.000000 UTC\n")
    return submitted


def _autograder(*argv) -> subprocess.CompletedProcess:
    # a 1 GB address space: reading /dev/zero whole would fail here long before the timeout
    limit = "import resource; resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30)); "
    return subprocess.run([sys.executable, "-c", limit + "from autograder.cli import main; import sys; "
                           "sys.exit(main(sys.argv[1:]))", "--course", str(COURSE), *map(str, argv)],
                          capture_output=True, text=True, timeout=TIMEOUT)


def test_export_submitted_gives_everyone_a_row(tmp_path, small_class):
    out, results = small_class
    submitted = _submitted(tmp_path, results)
    target = tmp_path / "nbgrader.csv"
    proc = _autograder("export", out, "--format", "nbgrader", "--submitted", submitted, "--out", target)
    assert proc.returncode == 0, proc.stderr
    with open(target, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    stamps = {(r["student_id"], r["assignment"]): r["timestamp"] for r in rows}
    for student, aid in results:
        expected = "" if student in ("s02", "s03") else "2025-03-04 05:06:07"
        assert stamps[student, aid] == expected, (student, aid)
    notes = proc.stderr.splitlines()
    assert any("s02" in n and "timestamp.txt" in n and "symbolic link" in n for n in notes), proc.stderr
    assert any("s03" in n and "timestamp.txt" in n and "pipe" in n for n in notes), proc.stderr
    assert "Traceback" not in proc.stderr


def test_gradebook_submitted_gives_everyone_rows(tmp_path, small_class, gradebook_url):
    from nbgrader.api import Gradebook

    out, results = small_class
    submitted = _submitted(tmp_path, results)
    proc = _autograder("gradebook", out, "--db", gradebook_url, "--submitted", submitted)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "s02" in proc.stderr and "s03" in proc.stderr
    with Gradebook(gradebook_url) as gb:
        for student, aid in results:
            submission = gb.find_submission(aid, student)
            assert (submission.timestamp is None) == (student in ("s02", "s03")), (student, aid)
