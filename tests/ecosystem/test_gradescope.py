"""Gradescope: results.json follows Gradescope's documented format, the zip holds what the image
needs, and run_autograder on a fake /autograder produces results.json."""
import json
import re
import os
import shutil
import stat
import subprocess
import sys
import zipfile

import jsonschema
import pytest

from autograder.sandbox import box as sandbox
from autograder.engine.course import load_course
from autograder.engine.errors import UsageError
from autograder.integrations.gradescope import build_zip, gradescope_results, layout_submission, run_gradescope
from autograder.engine.results import write_result

from .conftest import ROOT, make_result

VISIBILITY = {"enum": ["hidden", "after_due_date", "after_published", "visible"]}
FORMAT = {"enum": ["text", "html", "simple_format", "md", "ansi"]}
# Written from Gradescope's autograder specification (results.json, "Output format").
GRADESCOPE_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "anyOf": [{"required": ["score"]},
              {"required": ["tests"], "properties": {"tests": {"items": {"required": ["score"]}}}}],
    "properties": {
        "score": {"type": "number"},
        "execution_time": {"type": "number", "minimum": 0},
        "output": {"type": "string"},
        "output_format": FORMAT,
        "test_output_format": FORMAT,
        "test_name_format": FORMAT,
        "visibility": VISIBILITY,
        "stdout_visibility": VISIBILITY,
        "extra_data": {"type": "object"},
        "tests": {"type": "array", "items": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "score": {"type": "number"},
                "max_score": {"type": "number", "minimum": 0},
                "status": {"enum": ["passed", "failed"]},
                "name": {"type": "string"},
                "name_format": FORMAT,
                "number": {"type": "string"},
                "output": {"type": "string"},
                "output_format": FORMAT,
                "tags": {"type": "array", "items": {"type": "string"}},
                "visibility": VISIBILITY,
                "extra_data": {"type": "object"},
            },
        }},
        "leaderboard": {"type": "array", "items": {
            "type": "object", "required": ["name", "value"],
            "properties": {"name": {"type": "string"}, "value": {"type": ["number", "string"]},
                           "order": {"enum": ["asc", "desc"]}}}},
    },
}


def validate(payload):
    jsonschema.Draft202012Validator(GRADESCOPE_SCHEMA).validate(payload)


def test_results_follow_gradescope_format_and_scores_add_up(course):
    results = [make_result(course, "s02", aid) for aid in course.assignments]
    payload = gradescope_results(results, course, 12.6)
    validate(payload)

    items = [item for r in results for item in r["items"]]
    assert len(payload["tests"]) == len(items)
    assert payload["score"] == pytest.approx(sum(r["score"] for r in results))
    assert sum(t["score"] for t in payload["tests"]) == pytest.approx(payload["score"])
    assert sum(t["max_score"] for t in payload["tests"]) == pytest.approx(
        sum(course.max_score(a) for a in course.assignments))
    assert [t["status"] == "passed" for t in payload["tests"]] == [i["status"] == "passed" for i in items]
    assert len({t["name"] for t in payload["tests"]}) == len(items)
    expected_names = [f"{r['assignment']}: {i['id']}" for r in results for i in r["items"]]
    assert [t["name"] for t in payload["tests"]] == expected_names
    assert payload["execution_time"] == 13 and payload["stdout_visibility"] == "hidden"


def test_one_assignment_tests_are_named_by_item_id(course):
    result = make_result(course, "s01", "rnn")
    payload = gradescope_results([result], course, 0.2)
    validate(payload)
    assert [t["name"] for t in payload["tests"]] == [i["id"] for i in result["items"]]
    assert payload["score"] == course.max_score("rnn")


def test_schema_rejects_what_gradescope_would(course):
    payload = gradescope_results([make_result(course, "s02", "rnn")], course, 1)
    payload["tests"][0]["status"] = "error"
    with pytest.raises(jsonschema.ValidationError):
        validate(payload)


# ------------------------------------------------------------------ the submission


def touch(path, text="{}"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_layout_matches_notebooks_by_name_and_ignores_checkpoints_and_symlinks(tmp_path, course):
    sub = tmp_path / "submission"
    touch(sub / "deep" / "rnn.ipynb", "deep")
    touch(sub / "rnn.ipynb", "top")
    touch(sub / ".ipynb_checkpoints" / "lstm.ipynb", "checkpoint")
    (sub / "gru.ipynb").symlink_to(ROOT / "course.yaml")
    graded = layout_submission(sub, course, None, tmp_path / "st")
    assert graded == ["rnn"]
    assert (tmp_path / "st" / "rnn" / "rnn.ipynb").read_text() == "top"

    graded = layout_submission(sub, course, ["rnn", "lstm"], tmp_path / "st2")
    assert graded == ["rnn", "lstm"]
    assert (tmp_path / "st2" / "lstm").is_dir() and not any((tmp_path / "st2" / "lstm").iterdir())


def test_layout_accepts_one_renamed_notebook_for_a_one_assignment_autograder(tmp_path, course):
    touch(tmp_path / "submission" / "rnn (1).ipynb", "mine")
    assert layout_submission(tmp_path / "submission", course, ["rnn"], tmp_path / "st") == ["rnn"]
    assert (tmp_path / "st" / "rnn" / "rnn.ipynb").read_text() == "mine"
    with pytest.raises(UsageError, match="unknown assignment"):
        layout_submission(tmp_path / "submission", course, ["nope"], tmp_path / "st3")


def test_run_gradescope_writes_results_json_from_the_pipeline_results(tmp_path, course):
    touch(tmp_path / "submission" / "lstm.ipynb", "nb")
    seen = {}

    def fake_grade(course_, submitted, out, assignments, no_sandbox):
        seen.update(files=sorted(p.relative_to(submitted).as_posix() for p in submitted.rglob("*.ipynb")),
                    assignments=assignments, no_sandbox=no_sandbox)
        for aid in assignments:
            write_result(out, make_result(course_, "student", aid), "")

    payload = run_gradescope(tmp_path, course, grade=fake_grade)
    assert seen == {"files": ["student/lstm/lstm.ipynb"], "assignments": ["lstm"], "no_sandbox": False}
    written = json.loads((tmp_path / "results" / "results.json").read_text())
    assert written == payload
    validate(written)
    assert written["score"] == make_result(course, "student", "lstm")["score"]


def test_run_gradescope_without_results_fails_instead_of_grading_zero(tmp_path, course):
    touch(tmp_path / "submission" / "rnn.ipynb")
    with pytest.raises(UsageError, match="no result for rnn"):
        run_gradescope(tmp_path, course, grade=lambda *a: None)
    assert not (tmp_path / "results" / "results.json").exists()


# ------------------------------------------------------------------------ the zip


def course_copy(tmp_path):
    """The course without the bulk (only what the zip takes), with a one-notebook solutions/."""
    root = tmp_path / "course"
    root.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("course.yaml", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, root / name)
    for name in ("autograder", "reference", "requirements"):
        shutil.copytree(ROOT / name, root / name, ignore=ignore)
    touch(root / "solutions" / "rnn" / "rnn.ipynb", '{"cells": []}')
    touch(root / "solutions" / "rnn" / "public_cases.npz", "npz")
    touch(root / "solutions" / "rnn" / ".ipynb_checkpoints" / "rnn-checkpoint.ipynb")
    touch(root / "solutions" / "lstm" / "lstm.ipynb")
    (root / "autograder" / "__pycache__").mkdir(exist_ok=True)
    touch(root / "autograder" / "__pycache__" / "x.cpython-311.pyc", "")
    return load_course(root / "course.yaml")


def test_zip_holds_the_scripts_the_course_and_pinned_requirements(tmp_path):
    course = course_copy(tmp_path)
    out = tmp_path / "autograder.zip"
    names = build_zip(course, out, ["rnn"])
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == names
        infos = {i.filename: i for i in archive.infolist()}
        for script in ("setup.sh", "run_autograder"):
            assert stat.S_IMODE(infos[script].external_attr >> 16) == 0o755
            text = archive.read(script).decode()
            subprocess.run(["bash", "-n"], input=text, text=True, check=True)
        setup, run = archive.read("setup.sh").decode(), archive.read("run_autograder").decode()
        secret = archive.read(".grading-secret").decode().strip()
    for needed in ("course.yaml", "pyproject.toml", "README.md", "requirements/constraints.txt",
                   "requirements/run.in", "autograder/cli/__init__.py", "autograder/engine/course.schema.json",
                   "reference/__init__.py", "solutions/rnn/rnn.ipynb", "solutions/rnn/public_cases.npz"):
        assert needed in names
    assert not [n for n in names if "__pycache__" in n or "checkpoint" in n or n.startswith("solutions/lstm")]
    assert "bubblewrap" in setup and "requirements/constraints.txt" in setup and "requirements/run.in" in setup
    assert "--no-deps -e" in setup  # reference/ stays in the course folder, which the sandbox never binds
    assert "gradescope --run" in run and "--assignment rnn" in run and "--no-sandbox" not in run
    assert re.fullmatch(r"[0-9a-f]{64}", secret)  # 32 random bytes, hex

    with pytest.raises(UsageError, match="solutions/gru/gru.ipynb"):
        build_zip(course, tmp_path / "x.zip", ["gru"])


def test_run_autograder_on_a_fake_autograder_folder(tmp_path):
    solution = ROOT / "solutions" / "rnn" / "rnn.ipynb"
    course = load_course(ROOT / "course.yaml")
    isolate = sandbox.bwrap_available()
    build_zip(course, tmp_path / "autograder.zip", ["rnn"], no_sandbox=not isolate)
    with zipfile.ZipFile(tmp_path / "autograder.zip") as archive:
        archive.extractall(tmp_path / "source")
    touch(tmp_path / "submission" / "rnn.ipynb", solution.read_text())

    proc = subprocess.run(["bash", str(tmp_path / "source" / "run_autograder")], capture_output=True, text=True,
                          env={**os.environ, "AUTOGRADER_ROOT": str(tmp_path), "RNNLAB_VENV": sys.prefix},
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    payload = json.loads((tmp_path / "results" / "results.json").read_text())
    validate(payload)
    assert payload["score"] == course.max_score("rnn")  # the instructor's solution earns every point
    assert {t["status"] for t in payload["tests"]} == {"passed"}
    assert sorted(t["name"] for t in payload["tests"]) == sorted(
        item.id for spec in course.functions_of("rnn") for item in spec.items)
