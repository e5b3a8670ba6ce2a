"""A verb that cannot go on ends with a sentence on stderr and exit status 2, never a traceback,
and in one language (English) whatever the course's language."""
from __future__ import annotations

import dataclasses
import errno
from pathlib import Path

import pytest

from autograder.cli import main

ROOT = Path(__file__).resolve().parents[2]
COURSE = ["--course", str(ROOT / "course.yaml")]
HANGUL = range(0xAC00, 0xD7A4)


def _run(capsys, *argv):
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _no_traceback(err: str) -> None:
    assert "Traceback" not in err and "Error:" not in err.replace("UsageError", ""), err


def test_grade_into_an_existing_file_gets_a_sentence(tmp_path, capsys):
    (tmp_path / "sub" / "s1" / "rnn").mkdir(parents=True)
    target = tmp_path / "results.csv"
    target.write_text("keep me\n")
    code, _, err = _run(capsys, *COURSE, "grade", tmp_path / "sub", "--out", target)
    assert code == 2 and f"--out {target}: is a file, not a folder" in err
    _no_traceback(err)
    assert target.read_text() == "keep me\n"  # untouched


def test_grade_below_an_existing_file_gets_a_sentence(tmp_path, capsys):
    (tmp_path / "sub" / "s1" / "rnn").mkdir(parents=True)
    (tmp_path / "file").write_text("")
    code, _, err = _run(capsys, *COURSE, "grade", tmp_path / "sub", "--out", tmp_path / "file" / "results")
    assert code == 2 and "a file is in the way" in err
    _no_traceback(err)


def test_a_missing_course_file_is_not_found_not_invalid(tmp_path, capsys):
    missing = tmp_path / "course.yaml"
    code, _, err = _run(capsys, "--course", missing, "report", tmp_path)
    assert code == 2
    assert err.startswith("autograder: course.yaml not found\n") and str(missing) in err
    assert "invalid course file" not in err


def test_no_course_file_here_or_above_is_not_found(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = _run(capsys, "report", tmp_path)
    assert code == 2 and err.startswith("autograder: course.yaml not found\n") and str(tmp_path) in err


def test_a_broken_course_file_is_still_invalid(tmp_path, capsys):
    broken = tmp_path / "course.yaml"
    broken.write_text("course: [unclosed\n")
    code, _, err = _run(capsys, "--course", broken, "report", tmp_path)
    assert code == 2 and err.startswith("autograder: invalid course file\n")


@pytest.fixture
def korean_course(monkeypatch):
    """The shipped course, loaded as a Korean one (its feedback and report pages are Korean)."""
    from autograder.engine import course as course_mod

    load = course_mod.load_course
    monkeypatch.setattr(course_mod, "load_course", lambda path: dataclasses.replace(load(path), language="ko"))
    return ROOT / "course.yaml"


def test_report_errors_are_in_the_same_language_as_the_other_verbs(tmp_path, capsys, korean_course):
    code, _, report_err = _run(capsys, "--course", korean_course, "report", tmp_path / "nope")
    assert code == 2 and report_err.startswith(f"autograder report: {tmp_path / 'nope'}: no such folder")
    code, _, grade_err = _run(capsys, "--course", korean_course, "grade", tmp_path / "nope", "--out", tmp_path / "o")
    assert code == 2 and grade_err.startswith(f"autograder grade: {tmp_path / 'nope'}: no such folder")
    (tmp_path / "empty").mkdir()
    code, _, empty_err = _run(capsys, "--course", korean_course, "report", tmp_path / "empty")
    assert code == 2 and "no result files" in empty_err
    for err in (report_err, grade_err, empty_err):
        assert not any(ord(c) in HANGUL for c in err), err


def test_a_full_disk_in_any_verb_gets_a_sentence(tmp_path, capsys, monkeypatch):
    from autograder.integrations import lms  # the export formats' writer

    results = tmp_path / "results" / "s1"
    results.mkdir(parents=True)
    (results / "rnn.json").write_text('{"student": "s1", "assignment": "rnn", "score": 1, "max_score": 30, '
                                      '"items": [], "errors": [], "fingerprint": "f"}')
    target = tmp_path / "out" / "lms.csv"

    def full(path, text):
        raise OSError(errno.ENOSPC, "No space left on device", str(path.parent / f".{path.name}.x.tmp"))

    monkeypatch.setattr(lms, "write_atomic", full)
    code, _, err = _run(capsys, *COURSE, "export", tmp_path / "results", "--format", "lms", "--out", target)
    assert code == 2 and "the disk is full (No space left on device)" in err and "free some space" in err
    assert str(target.parent) in err
    _no_traceback(err)


def test_another_file_system_error_names_the_path(tmp_path, capsys):
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "report").write_text("a file where the report folder goes")
    (tmp_path / "results" / "s1").mkdir()
    (tmp_path / "results" / "s1" / "rnn.json").write_text(
        '{"student": "s1", "assignment": "rnn", "score": 1, "max_score": 30, "items": [], "errors": [], '
        '"fingerprint": "f"}')
    pytest.importorskip("matplotlib")
    code, _, err = _run(capsys, *COURSE, "report", tmp_path / "results")
    assert code == 2 and str(tmp_path / "results" / "report") in err
    _no_traceback(err)
