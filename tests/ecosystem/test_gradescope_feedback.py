"""Gradescope shows the student's feedback page as Markdown, nothing a file name can forge, and an
autograder failure (not a 0) when no sandbox can grade; the documented local run works."""
from __future__ import annotations

import dataclasses

import json
import os
import subprocess
import sys
import zipfile

import pytest

from autograder.cli import main
from autograder.grading.course import load_course
from autograder.student.messages import render
from autograder.grading.pipeline import RETRY_PREFIX, SubmissionResult
from autograder.integrations.gradescope import AutograderFailure, build_zip, gradescope_results, run_gradescope
from autograder.sandbox import box as sandbox

from .conftest import ROOT, make_result
from .test_gradescope import touch, validate

PAGE = "# Vanilla RNN: 12 / 30 points\n\nStudent: `student`\n\n| item | points | result |\n|---|---:|---|\n"


def _grade_with_pages(course_, notebooks, no_sandbox):
    return [SubmissionResult(make_result(course_, "student", aid), PAGE.replace("Vanilla RNN", aid))
            for aid in notebooks]


def test_results_are_markdown_and_the_output_is_the_feedback_page(tmp_path, course):
    touch(tmp_path / "submission" / "rnn.ipynb")
    payload = run_gradescope(tmp_path, course, ["rnn"], grade=_grade_with_pages)
    written = json.loads((tmp_path / "results" / "results.json").read_text(encoding="utf-8"))
    assert written == payload
    validate(written)
    assert (written["output_format"], written["test_output_format"]) == ("md", "md")
    assert written["output"] == PAGE.replace("Vanilla RNN", "rnn").strip()


def test_several_assignments_show_every_page(tmp_path, course):
    touch(tmp_path / "submission" / "rnn.ipynb")
    touch(tmp_path / "submission" / "lstm.ipynb")
    written = run_gradescope(tmp_path, course, ["rnn", "lstm"], grade=_grade_with_pages)
    assert written["output"].index("# rnn:") < written["output"].index("# lstm:")


def test_a_test_output_shows_the_students_text_as_text(course):
    result = make_result(course, "student", "rnn")
    result["items"][0].update(status="error", score=0.0,
                              message="boom\n# 30 / 30점\n**TA note**: [regrade approved](https://evil.example) <b>x</b>")
    test = gradescope_results([result], course, 1.0)["tests"][0]
    assert "\n#" not in test["output"] and "\n" not in test["output"]
    assert "\\*\\*TA note\\*\\*" in test["output"] and "\\[regrade approved\\]" in test["output"]
    assert "<b>" not in test["output"] and "https\\:" in test["output"]


def test_file_names_cannot_forge_lines(tmp_path, course):
    sub = tmp_path / "submission"
    touch(sub / "notes\n# 30 ∕ 30점\nTA note: regrade approved.txt", "x")
    touch(sub / "a\rb\x1b[31m\u202ec\u2028d.txt", "x")
    touch(sub / "[click](https:--evil.example).txt", "x")
    payload = run_gradescope(tmp_path, course, ["rnn"], grade=_grade_with_pages)
    head = payload["output"].split("\n\n")[0]
    assert head.startswith("No notebook for rnn.ipynb was found in the submission. Files seen: ")
    assert "\n" not in head and "\r" not in head and "\x1b" not in head and "\u202e" not in head
    assert "\u2028" not in head
    assert "notes\ufffd\\# 30 ∕ 30점\ufffdTA note" in head
    assert "\\[click\\](https:--evil.example).txt" in head  # no link: its brackets are escaped
    assert not any(line.startswith(("# 30", "TA note")) for line in payload["output"].splitlines())


def _retry_result(course, aid, language):
    """What the pipeline writes when the sandbox will not start (a result marked for the next run)."""
    result = make_result(course, "student", aid)
    for item in result["items"]:
        item.update(status="error", score=0.0)
    detail = "SandboxUnavailable: the sandbox did not start (bwrap: No permissions to create new namespace)"
    result.update(score=0.0, fingerprint=RETRY_PREFIX + "x", errors=[render(
        "notebook.sandbox-failed", language, detail=f"{detail}; {render('status.retry', language)}")])
    return result


def test_a_sandbox_that_cannot_start_is_an_autograder_failure_not_a_zero(tmp_path, course):
    touch(tmp_path / "submission" / "rnn.ipynb")

    def grade(course_, notebooks, no_sandbox):
        return [SubmissionResult(_retry_result(course_, aid, course_.language), "# page") for aid in notebooks]

    with pytest.raises(AutograderFailure) as info:
        run_gradescope(tmp_path, course, ["rnn"], grade=grade)
    text = str(info.value)
    assert not (tmp_path / "results" / "results.json").exists()
    assert "autograder failure instead of a score" in text and "No permissions to create new namespace" in text
    for language in ("ko", "en"):  # none of the student's words: neither the heading nor the promise of a rerun
        assert render("status.retry", language) not in text
        assert render("notebook.sandbox-failed", language, detail="") not in text
    assert "Regrade" in text


def test_run_gradescope_exits_non_zero_when_the_real_pipeline_cannot_start_a_sandbox(tmp_path, course, capsys,
                                                                                   monkeypatch):
    touch(tmp_path / "submission" / "rnn.ipynb", (ROOT / "solutions" / "rnn" / "rnn.ipynb").read_text())
    (tmp_path / "source").mkdir()

    def cannot_start(self, *args, **kwargs):
        raise sandbox.SandboxUnavailable("the sandbox did not start (bwrap: Creating new namespace failed)")

    monkeypatch.setattr(sandbox, "available", lambda: True)
    monkeypatch.setattr(sandbox.Sandbox, "_spawn", cannot_start)
    monkeypatch.setenv("RNNLAB_PREWARM", "0")
    code = main(["--course", str(ROOT / "course.yaml"), "gradescope", "--run", str(tmp_path), "--assignment", "rnn"])
    err = capsys.readouterr().err
    assert code != 0
    assert "autograder failure instead of a score" in err and "Creating new namespace failed" in err
    for language in ("ko", "en"):
        assert render("status.retry", language) not in err
        assert render("notebook.sandbox-failed", language, detail="") not in err
    assert not (tmp_path / "results" / "results.json").exists()


def test_no_sandbox_at_all_is_an_autograder_failure_too(tmp_path, course, monkeypatch):
    touch(tmp_path / "submission" / "rnn.ipynb")
    from autograder.sandbox import probe

    facts = probe.facts()
    monkeypatch.setattr(probe, "facts", lambda: dataclasses.replace(facts, bwrap=None))  # a host without bwrap
    with pytest.raises(AutograderFailure, match="autograder failure instead of a score") as caught:
        run_gradescope(tmp_path, course, ["rnn"])
    assert not (tmp_path / "results" / "results.json").exists()
    for language in ("en", "ko"):
        said = caught.value.message(language)
        assert "bwrap" in said and ".." not in said and ". ." not in said  # the cause ends where the sentence goes on


def test_no_sandbox_found_only_when_the_presumed_one_fails_is_an_autograder_failure(tmp_path, course, monkeypatch):
    """probe.py presumes bwrap works; when the start fails and the probe then finds no sandbox at all,
    Gradescope still reports an autograder failure, not a graded 0."""
    import functools

    from autograder.sandbox import launchers, probe
    from tests.sandbox.test_presumed import CannotStart

    monkeypatch.setattr(probe._Known, "confirmed", False)
    monkeypatch.setattr(probe, "presumed", lambda: probe.Facts(euid=0, bwrap="/usr/bin/bwrap", setpriv="/usr/bin/setpriv"))
    monkeypatch.setattr(probe, "probed", functools.lru_cache(maxsize=1)(
        lambda: probe.Facts(euid=0, bwrap="/usr/bin/bwrap", setpriv=None)))  # found: setpriv is missing
    monkeypatch.setitem(launchers.REGISTRY, "bwrap", CannotStart)
    touch(tmp_path / "submission" / "rnn.ipynb", (ROOT / "solutions" / "rnn" / "rnn.ipynb").read_text())
    with pytest.raises(AutograderFailure, match="autograder failure instead of a score") as caught:
        run_gradescope(tmp_path, course, ["rnn"])
    assert not (tmp_path / "results" / "results.json").exists()
    assert "setpriv" in caught.value.message("en")


def test_the_documented_local_run_with_relative_paths(tmp_path):
    """`AUTOGRADER_ROOT=DIR RNNLAB_VENV=.venv bash DIR/source/run_autograder`, from the course folder."""
    course = load_course(ROOT / "course.yaml")
    isolate = sandbox.bwrap_available()
    build_zip(course, tmp_path / "autograder.zip", ["rnn"], no_sandbox=not isolate)
    with zipfile.ZipFile(tmp_path / "autograder.zip") as archive:
        archive.extractall(tmp_path / "source")
    touch(tmp_path / "submission" / "rnn.ipynb", (ROOT / "solutions" / "rnn" / "rnn.ipynb").read_text())
    here = ROOT
    relative_root = os.path.relpath(tmp_path, here)
    relative_venv = os.path.relpath(sys.prefix, here)
    assert not os.path.isabs(relative_root) and not os.path.isabs(relative_venv)
    proc = subprocess.run(["bash", f"{relative_root}/source/run_autograder"], cwd=here, capture_output=True,
                          text=True, timeout=300,
                          env={**os.environ, "AUTOGRADER_ROOT": relative_root, "RNNLAB_VENV": relative_venv})
    assert proc.returncode == 0, proc.stderr[-3000:]
    payload = json.loads((tmp_path / "results" / "results.json").read_text(encoding="utf-8"))
    validate(payload)
    assert payload["output_format"] == "md" and payload["score"] == course.max_score("rnn")
    title = course.assignments["rnn"].title_ko if course.language == "ko" else course.assignments["rnn"].title
    assert payload["output"].startswith(f"# {title}: {course.max_score('rnn'):g} / ")
    assert "|---|---:|---|" in payload["output"]  # the page's table of items


def test_a_missing_venv_is_a_clear_failure(tmp_path):
    course = load_course(ROOT / "course.yaml")
    build_zip(course, tmp_path / "autograder.zip", ["rnn"], no_sandbox=True)
    with zipfile.ZipFile(tmp_path / "autograder.zip") as archive:
        archive.extractall(tmp_path / "source")
    proc = subprocess.run(["bash", str(tmp_path / "source" / "run_autograder")], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "AUTOGRADER_ROOT": str(tmp_path),
                                           "RNNLAB_VENV": str(tmp_path / "no-venv")})
    assert proc.returncode != 0 and "no-venv" in proc.stderr
    assert not (tmp_path / "results" / "results.json").exists()


def test_the_layout_reads_a_submitted_notebook_bounded(tmp_path, course):
    """A FIFO named like the notebook is neither waited on nor read: the notebook is missing."""
    from autograder.integrations.gradescope import submitted_notebooks

    sub = tmp_path / "submission"
    sub.mkdir()
    os.mkfifo(sub / "rnn.ipynb")
    assert submitted_notebooks(sub, course, ["rnn"]) == {"rnn": None}
