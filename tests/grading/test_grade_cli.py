"""`autograder grade` refuses bad arguments with one clear line and exit status 2."""
from pathlib import Path

from autograder.sandbox import probe
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
    monkeypatch.setattr(probe, "facts", lambda: probe.Facts(euid=0, bwrap=None))
    code, err = _run(capsys, "grade", str(tmp_path / "sub"), "--out", str(tmp_path / "out"))
    assert code == 2 and "apt-get install bubblewrap" in err and "--no-sandbox" in err
    assert not (tmp_path / "out" / "s1").exists()


def test_student_folders_named_like_the_graders_outputs_are_refused_before_grading(tmp_path, capsys, course):
    """A student folder called grades.csv, report or the --junit file would collide with the
    grader's own outputs (an IsADirectoryError after grading everyone): it is refused up front,
    with its reason; everyone else is graded and every output is written."""
    sub, out = tmp_path / "sub", tmp_path / "out"
    bad = ["grades.csv", "report", "junit.xml", "Summary.MD", "line\nbreak", "a\u202eb", "x" * 101, "back`tick"]
    for name in ["s1", *bad, ".hidden"]:
        (sub / name / "rnn").mkdir(parents=True)  # empty: the notebook is missing, nothing runs
    (sub / ".ipynb_checkpoints").mkdir()
    secret = tmp_path / "secret"
    secret.write_text("test-secret\n")
    code, err = _run(capsys, "grade", str(sub), "--out", str(out), "--quiet", "--secret-file", str(secret),
                     "--junit", str(out / "junit.xml"), "--summary", str(out / "Summary.md"))
    assert code == 1
    refused = [line for line in err.splitlines() if "refusing the student folder" in line]
    assert len(refused) == len(bad) + 1  # .hidden holds an assignment folder; .ipynb_checkpoints does not
    assert any("'grades.csv'" in line and "writes a file or folder of that name" in line for line in refused)
    assert any("line\\nbreak" in line for line in refused) and not any("\u202e" in line for line in err)
    rows = (out / "grades.csv").read_text().splitlines()
    assert rows[1:] == [f"s1,rnn,0,{course.max_score('rnn'):g}"]
    assert (out / "junit.xml").is_file() and (out / "Summary.md").is_file()
    assert sorted(p.name for p in out.iterdir()) == ["Summary.md", "grades.csv", "junit.xml", "s1"]
    assert "2 student folder" not in err and f"{len(bad) + 1} student folder(s) were refused" in err


def test_whatever_escapes_for_one_student_the_class_run_goes_on(tmp_path, capsys, monkeypatch, course):
    """Defence in depth: should grading one student still raise, the run reports it, grades the
    others and writes grades.csv and every report (before: the exception ended the run)."""
    from autograder.grading import pipeline

    sub, out = tmp_path / "sub", tmp_path / "out"
    for name in ("s1", "s2", "s3"):
        (sub / name / "rnn").mkdir(parents=True)  # the notebook is missing: nothing runs
    original = pipeline.StudentGrader.grade

    def grade(self, student, todo):
        if student == "s2":
            raise OSError(5, "Input/output error")  # (a full disk instead ends the run: test_disk_full.py)
        return original(self, student, todo)

    monkeypatch.setattr(pipeline.StudentGrader, "grade", grade)
    secret = tmp_path / "secret"
    secret.write_text("test-secret\n")
    code, err = _run(capsys, "grade", str(sub), "--out", str(out), "--quiet", "--secret-file", str(secret),
                     "--junit", str(tmp_path / "junit.xml"))
    assert code == 1 and "s2: not graded (OSError" in err and "Input/output error" in err
    rnn_max = f"{course.max_score('rnn'):g}"
    assert (out / "grades.csv").read_text().splitlines()[1:] == [f"s1,rnn,0,{rnn_max}", f"s3,rnn,0,{rnn_max}"]
    assert (tmp_path / "junit.xml").is_file()
