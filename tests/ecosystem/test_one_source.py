"""The result JSON is the one source for everything downstream (docs/ARCHITECTURE.md: every view prints the texts as graded).

A real grade run of one student whose ``db`` is 2.5 times the right gradient: the item is
diagnosed ``constant-factor`` with its factor, and the explanation the JSON holds is the text
the Markdown feedback, the HTML report, Gradescope, JUnit and the CI summary print.  The end of
the run reads the results folder once, whatever outputs it writes.
"""
from __future__ import annotations

import html
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from autograder import cli
from autograder.grading import results as results_mod
from autograder.grading.course import load_course
from autograder.integrations.gradescope import gradescope_results

from .conftest import COURSE, ROOT, written_by_the_pass

FACTOR = 2.5
# appended to the student's rnn_step_backward cell: the right gradients, but db scaled
SCALED_DB = f"""

_right_step_backward = rnn_step_backward


def rnn_step_backward(dnext_h, cache):
    dx, dprev_h, dWx, dWh, db = _right_step_backward(dnext_h, cache)
    return dx, dprev_h, dWx, dWh, {FACTOR} * db
"""


def write_submission(submitted: Path, student: str) -> None:
    notebook = json.loads((ROOT / "solutions" / "rnn" / "rnn.ipynb").read_text(encoding="utf-8"))
    [cell] = [c for c in notebook["cells"]
              if (c.get("metadata", {}).get("nbgrader") or {}).get("grade_id") == "rnn_step_backward"]
    cell["source"] = "".join(cell["source"]) + SCALED_DB
    folder = submitted / student / "rnn"
    folder.mkdir(parents=True)
    (folder / "rnn.ipynb").write_text(json.dumps(notebook), encoding="utf-8")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """One grade run with --junit and --summary; every result file read during it, counted by path."""
    tmp = tmp_path_factory.mktemp("one-source")
    submitted, out = tmp / "submitted", tmp / "results"
    for student in ("s1", "s2"):
        write_submission(submitted, student)
    reads: dict[str, int] = {}
    passes = []
    read_result, iter_results = results_mod.read_result, results_mod.iter_results

    def counted_read(path):
        data = read_result(path)
        if data is not None:
            reads[str(path)] = reads.get(str(path), 0) + 1
        return data

    def counted_iter(folder):
        passes.append(folder)
        return iter_results(folder)

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RNNLAB_SECRET", "one-source-test")
        mp.setattr(results_mod, "read_result", counted_read)
        mp.setattr(results_mod, "iter_results", counted_iter)
        code = cli.main(["--course", str(COURSE), "grade", str(submitted), "--out", str(out), "--no-sandbox",
                         "--quiet", "--junit", str(tmp / "junit.xml"), "--summary", str(tmp / "summary.md")])
    assert code == 0
    return tmp, out, reads, passes


def diagnosed_item(out: Path, student: str = "s1") -> tuple[dict, dict]:
    result = json.loads((out / student / "rnn.json").read_text(encoding="utf-8"))
    [item] = [i for i in result["items"] if i["id"] == "rnn_step_backward.db"]
    return result, item


def test_the_item_carries_its_explanation_with_the_parameter(graded):
    _, out, _, _ = graded
    result, item = diagnosed_item(out)
    assert item["status"] == "failed" and item["diagnosis"] == "constant-factor"
    assert item["diagnosis_params"]["factor"] == pytest.approx(FACTOR)
    assert f"{FACTOR:g}" in item["explanation"]  # the detail the parameter gives, rendered at grading time
    assert item["hint"]
    right = [i for i in result["items"] if i["status"] == "passed"]
    assert right and not any("explanation" in i or "hint" in i for i in right)


def test_every_view_prints_the_json_text(graded, tmp_path):
    tmp, out, _, _ = graded
    result, item = diagnosed_item(out)
    explanation, hint = item["explanation"], item["hint"]

    feedback = (out / "s1" / "rnn.md").read_text(encoding="utf-8")
    assert explanation in feedback and hint in feedback

    course = load_course(COURSE)
    assert cli.main(["--course", str(COURSE), "report", str(out), "--out", str(tmp_path / "report")]) == 0
    page = (tmp_path / "report" / "students" / "s1.html").read_text(encoding="utf-8")
    assert html.escape(explanation) in page and html.escape(hint) in page
    index = (tmp_path / "report" / "index.html").read_text(encoding="utf-8")
    assert html.escape(explanation) in index  # the class table: the text the items carry

    payload = gradescope_results([result], course, 1.0)
    [test] = [t for t in payload["tests"] if t["name"] == item["id"]]
    assert explanation in test["output"] and hint in test["output"]

    root = ET.parse(tmp / "junit.xml").getroot()
    [case] = [c for c in root.iter("testcase") if c.get("classname") == "s1.rnn" and c.get("name") == item["id"]]
    assert explanation in case.find("failure").text and hint in case.find("failure").text

    assert explanation in (tmp / "summary.md").read_bytes().decode()


def test_old_results_without_the_texts_show_nothing_extra(graded, tmp_path):
    """A result written before items carried texts: the views show the id, never a re-derived text."""
    _, out, _, _ = graded
    result, item = diagnosed_item(out)
    explanation = item["explanation"]
    old = json.loads(json.dumps(result))
    for i in old["items"]:
        i.pop("explanation", None)
        i.pop("hint", None)
    folder = tmp_path / "old"
    results_mod.write_result(folder, old, "# old")
    course = load_course(COURSE)

    [test] = [t for t in gradescope_results([old], course, 1.0)["tests"] if t["name"] == item["id"]]
    assert test["output"] == item["message"]
    junit, summary, _ = written_by_the_pass(folder, course, tmp_path)
    assert explanation not in junit and explanation not in summary
    assert cli.main(["--course", str(COURSE), "report", str(folder)]) == 0
    page = (folder / "report" / "students" / "s1.html").read_text(encoding="utf-8")
    assert "constant-factor" in page and html.escape(explanation) not in page
    from autograder.grading.feedback import render_feedback

    assert explanation not in render_feedback(old, course.language, "rnn")


def test_the_end_of_a_grade_run_reads_the_results_once(graded):
    tmp, out, reads, passes = graded
    files = sorted(str(p) for p in out.glob("*/*.json"))
    assert len(files) == 2
    assert passes == [out]  # one pass over the folder ...
    assert reads == {f: 1 for f in files}  # ... and no other read of any result file
    # and that pass fed grades.csv, the JUnit report and the summary with every result
    assert (out / "grades.csv").read_text(encoding="utf-8").count("\n") == 3
    junit, summary, _ = written_by_the_pass(out, load_course(COURSE), tmp / "again")
    assert junit == (tmp / "junit.xml").read_bytes().decode()
    assert summary == (tmp / "summary.md").read_bytes().decode()


def test_texts_are_rendered_in_the_course_language_at_grading_time():
    """The texts are rendered in the language given at grading time; unknown or no diagnosis: no texts."""
    from autograder.grading import diagnose

    def explained(item, language):  # what steps.ExplainStep writes into the item
        entry = diagnose.explain(item["diagnosis"], language, item.get("diagnosis_params"), course=ROOT) if item["diagnosis"] else None
        return {**item, **(entry or {})}

    item = {"id": "x.db", "diagnosis": "constant-factor", "diagnosis_params": {"factor": FACTOR}}
    en, ko = explained(dict(item), "en"), explained(dict(item), "ko")
    assert en["explanation"] != ko["explanation"] and f"{FACTOR:g}" in en["explanation"]
    assert "explanation" not in explained({"id": "x.db", "diagnosis": None}, "en")
    assert "explanation" not in explained({"id": "x.db", "diagnosis": "no-such-mistake"}, "en")


def test_merge_reads_the_merged_folder_once(tmp_path, course, monkeypatch):
    from .test_merge import run_merge, write_shard

    shards = [write_shard(tmp_path / f"shard-{k}", course, k, 2) for k in (1, 2)]
    out = tmp_path / "merged"
    reads, passes = {}, []
    read_result, iter_results = results_mod.read_result, results_mod.iter_results

    def counted_read(path):
        data = read_result(path)
        if data is not None and Path(path).is_relative_to(out):
            reads[str(path)] = reads.get(str(path), 0) + 1
        return data

    monkeypatch.setattr(results_mod, "read_result", counted_read)
    monkeypatch.setattr(results_mod, "iter_results", lambda folder: passes.append(folder) or iter_results(folder))
    assert run_merge(course, *shards, "--out", out, "--junit", out / "junit.xml", "--summary", tmp_path / "s.md") == 0
    files = sorted(str(p) for p in out.glob("*/*.json"))
    assert passes == [out] and reads == {f: 1 for f in files}
    junit, summary, _ = written_by_the_pass(out, course, tmp_path)
    assert junit == (out / "junit.xml").read_bytes().decode()
    assert summary == (tmp_path / "s.md").read_bytes().decode()
