"""A class graded into a full file system: one sentence, no temporary file left, nothing corrupt,
and the rerun after space is freed resumes and gives what a fresh run gives.

As root the results folder is a real 300 KB tmpfs; otherwise the disk fills in simulation: the
real write path runs, and the fsync of a file that would pass the same budget fails with ENOSPC.
"""
from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from autograder.cli import main

ROOT = Path(__file__).resolve().parents[2]
STUDENTS = 40  # each result (.json + .md) takes 12 KB or more of a tmpfs: the disk fills partway
WITH_CODE = ("s03", "s17")  # these submit the released stub: their code runs (an error, graded)
BUDGET = 300 * 1024


def _class(root: Path) -> Path:
    submitted = root / "submitted"
    for k in range(1, STUDENTS + 1):
        folder = submitted / f"s{k:02d}" / "rnn"
        folder.mkdir(parents=True)
        if folder.parent.name in WITH_CODE:
            shutil.copyfile(ROOT / "exercises" / "rnn" / "rnn.ipynb", folder / "rnn.ipynb")
    (root / "secret").write_text("disk-full-test\n")
    return submitted


def _grade(root: Path, out: Path, capsys) -> tuple[int, str]:
    code = main(["--course", str(ROOT / "course.yaml"), "grade", str(root / "submitted"), "--out", str(out),
                 "--quiet", "--no-sandbox", "--secret-file", str(root / "secret")])
    return code, capsys.readouterr().err


def _du(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


@contextlib.contextmanager
def _full_disk(folder: Path, monkeypatch):
    """``folder`` on a file system of BUDGET bytes; ``free()`` (yielded) gives it room again."""
    folder.mkdir()
    if os.geteuid() == 0:
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={BUDGET // 1024}k", "tmpfs", str(folder)], check=True)
        try:
            yield lambda: subprocess.run(["mount", "-o", "remount,size=16m", str(folder)], check=True)
        finally:
            subprocess.run(["umount", "-l", str(folder)], check=False)
        return
    budget = {"bytes": BUDGET}
    real_fsync = os.fsync

    def fsync(fd):
        try:
            path = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            path = ""
        if path.startswith(str(folder)) and _du(folder) > budget["bytes"]:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    yield lambda: budget.update(bytes=1 << 40)


def _results(out: Path) -> dict[str, dict]:
    """Every result file, parsed (a corrupt one fails here), without the time it was written."""
    found = {}
    for path in sorted(out.glob("*/*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        data.pop("graded_at")
        found[path.relative_to(out).as_posix()] = data
    return found


def test_a_full_disk_ends_the_run_with_a_sentence_and_the_rerun_resumes(tmp_path, capsys, monkeypatch):
    _class(tmp_path)
    disk = tmp_path / "disk"
    with _full_disk(disk, monkeypatch) as free:
        out = disk / "results"
        code, err = _grade(tmp_path, out, capsys)
        assert code == 2, err
        lines = [line for line in err.splitlines() if line.strip()]
        assert len(lines) == 1 and "Traceback" not in err, err
        assert lines[0].startswith(f"autograder grade: {out}: the disk is full (No space left on device)")
        assert "free some space" in lines[0] and "it grades only what is missing" in lines[0]
        assert not [p for p in disk.rglob("*") if p.name.endswith(".tmp")], "temporary files left behind"
        partial = _results(out)
        assert 0 < len(partial) < STUDENTS  # some results were written, whole; not all of them fit
        for name in partial:  # a result's feedback page is written before it, and is whole too
            assert (out / name).with_suffix(".md").read_text(encoding="utf-8").startswith("# ")

        free()
        code, err = _grade(tmp_path, out, capsys)
        assert code == 0, err
        resumed = _results(out)
        grades = (out / "grades.csv").read_text(encoding="utf-8")

    fresh = tmp_path / "fresh"
    assert _grade(tmp_path, fresh, capsys)[0] == 0
    assert resumed == _results(fresh)
    assert len(resumed) == STUDENTS
    assert grades == (fresh / "grades.csv").read_text(encoding="utf-8")
    for name, result in partial.items():  # what was written before the disk filled was kept, not regraded
        assert resumed[name]["fingerprint"] == result["fingerprint"]


def test_a_failed_grades_csv_leaves_no_temporary_file(tmp_path, monkeypatch):
    """The streamed grades.csv: a write that fails while its buffer is flushed (a full disk) used to
    fail again in abort() and leave .grades.csv.*.tmp behind."""
    from autograder.grading import results as results_mod

    out = tmp_path / "results"
    for k in range(3):
        results_mod.write_result(out, {"student": f"s{k}", "assignment": "rnn", "score": 1.0, "max_score": 30.0,
                                       "items": [], "errors": [], "fingerprint": "f"}, "# x\n")
    real_fsync = os.fsync

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError) as info:
        results_mod.feed_results(out, [results_mod.GradesCsv(out)])
    assert info.value.errno == errno.ENOSPC
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert sorted(p.name for p in out.iterdir()) == ["s0", "s1", "s2"]

    # abort() itself: closing flushes what is buffered, which fails again on a full disk
    atomic = results_mod.AtomicFile(out / "grades.csv")
    atomic.handle.close()

    class FullDisk:
        def close(self):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    atomic.handle = FullDisk()
    atomic.abort()
    assert sorted(p.name for p in out.iterdir()) == ["s0", "s1", "s2"]
