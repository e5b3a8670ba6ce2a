"""`autograder grade` refuses bad arguments with one clear line and exit status 2."""
from pathlib import Path

from autograder.sandbox import box as sandbox
from autograder.cli import main

ROOT = Path(__file__).resolve().parents[2]
COURSE = ["--course", str(ROOT / "course.yaml")]


def _run(capsys, *argv):
    code = main([*COURSE, *argv])
    return code, capsys.readouterr().err


def test_missing_submitted_folder(tmp_path, capsys):
    code, err = _run(capsys, "grade", str(tmp_path / "nope"), "--out", str(tmp_path / "out"))
    assert code == 2 and "no such folder" in err and "SUBMITTED/<student>/<assignment>" in err


def test_unknown_assignment(tmp_path, capsys):
    (tmp_path / "sub" / "s1" / "rnn").mkdir(parents=True)
    code, err = _run(capsys, "grade", str(tmp_path / "sub"), "--out", str(tmp_path / "out"), "--assignment", "cnn")
    assert code == 2 and "unknown assignment cnn" in err


def test_nothing_to_grade(tmp_path, capsys):
    (tmp_path / "sub" / "s1" / "homework").mkdir(parents=True)
    code, err = _run(capsys, "grade", str(tmp_path / "sub"), "--out", str(tmp_path / "out"))
    assert code == 2 and "no submissions" in err


def test_bad_jobs(tmp_path, capsys):
    (tmp_path / "sub" / "s1" / "rnn").mkdir(parents=True)
    code, err = _run(capsys, "grade", str(tmp_path / "sub"), "--out", str(tmp_path / "out"), "--jobs", "0")
    assert code == 2 and "--jobs" in err


def test_without_bubblewrap_the_grader_refuses_and_says_how_to_install(tmp_path, capsys, monkeypatch):
    (tmp_path / "sub" / "s1" / "rnn").mkdir(parents=True)
    monkeypatch.setattr(sandbox, "_unavailable_reason", lambda: "bwrap (bubblewrap) is not installed")
    code, err = _run(capsys, "grade", str(tmp_path / "sub"), "--out", str(tmp_path / "out"))
    assert code == 2 and "apt-get install bubblewrap" in err and "--no-sandbox" in err
    assert not (tmp_path / "out" / "s1").exists()
