"""The student release: fixtures are current and self-contained, exercises/ is what nbgrader makes of
solutions/ (regenerated in a temporary copy of the course), and no solution line leaks."""
from __future__ import annotations

import argparse
import shutil

import numpy as np
import pytest

from autograder.authoring import audit
from autograder.authoring import release
from autograder.cli import release as release_verb
from autograder.grading.cases import build_cases
from autograder.grading.pipeline import reference_namespace
from autograder.sandbox.inside.protocol import load_npz
from autograder.student.selfcheck import FIXTURE_NAME, run_check

from .nbtools import ROOT, course, exercise_of, leaked_lines, notebook_id, read, solution_lines, solution_notebooks

SOLUTIONS = solution_notebooks()


def _course_copy(tmp_path):
    """course.yaml, nbgrader_config.py and solutions/ in a temporary folder (the repo stays untouched)."""
    from autograder.grading.course import load_course

    for name in audit.COURSE_FILES:
        shutil.copy2(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "solutions", tmp_path / "solutions",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    return load_course(tmp_path / "course.yaml")


@pytest.mark.slow
@pytest.mark.parametrize("path", SOLUTIONS, ids=notebook_id)
def test_exercises_are_what_release_makes_of_solutions(path):
    assert audit.stale_release(course(), path.parent.name) == []


@pytest.mark.parametrize("path", SOLUTIONS, ids=notebook_id)
def test_no_solution_line_leaks_into_the_exercise(path):
    exercise = exercise_of(path)
    assert exercise.is_file(), f"{exercise} is missing"
    solution = read(path)
    assert solution_lines(solution), "no solution lines found (markers missing?)"
    leaks = leaked_lines(solution, read(exercise))
    assert not leaks, f"{notebook_id(path)}: solution lines in the exercise:\n" + "\n".join(leaks)


def test_leak_detector_finds_leaks():
    path = SOLUTIONS[0]
    assert leaked_lines(read(path), read(path)) == solution_lines(read(path))


@pytest.mark.parametrize("path", SOLUTIONS, ids=notebook_id)
def test_fixture_is_current_and_self_contained(path):
    aid = path.parent.name
    stored = load_npz(path.parent / FIXTURE_NAME)
    assert release.same_fixture(stored, release._normalised(release.build_fixture(course(), aid))), \
        f"solutions/{aid}/{FIXTURE_NAME} is stale: run `autograder release {aid}`"
    functions = stored["functions"]
    assert list(functions) == [spec.name for spec in course().functions_of(aid)]
    for spec in course().functions_of(aid):
        entry = functions[spec.name]
        assert entry["args"] == list(spec.args) and entry["returns"] == list(spec.returns)
        assert list(entry["tolerance"]) == [item.output for item in spec.items]
        assert len(entry["cases"]) == release.PUBLIC_CASES
        for case in entry["cases"]:
            assert set(case["expected"]) == set(entry["tolerance"]) and case["dims"]
            called = [step["fn"] for step in case["program"]["steps"]]
            assert called[-1] == spec.name and set(called) <= set(functions), called


@pytest.mark.parametrize("aid", list(course().assignments))
def test_reference_passes_the_public_cases(aid):
    """For every assignment (also those without a notebook yet): the fixture format works end to end."""
    fixture = release._normalised(release.build_fixture(course(), aid))
    namespace = reference_namespace(course())
    for name, entry in fixture["functions"].items():
        result = run_check(name, namespace, entry, "en")
        assert result.status == "passed", "\n".join(result.lines)


def test_public_cases_are_not_the_hidden_ones():
    spec = next(iter(course().functions.values()))
    public = build_cases(course(), spec, release.public_secret(spec.assignment), count=1)[0]
    hidden = build_cases(course(), spec, b"some grading secret", count=1)[0]
    a, b = public.program["steps"][0]["args"][0], hidden.program["steps"][0]["args"][0]
    assert np.shape(a) != np.shape(b) or not np.array_equal(a, b)


def test_write_fixture_twice_gives_identical_bytes(tmp_path):
    aid = SOLUTIONS[0].parent.name
    target = tmp_path / FIXTURE_NAME
    _, first = release.write_fixture(course(), aid, path=target)
    data = target.read_bytes()
    _, second = release.write_fixture(course(), aid, path=target)
    assert first and not second and target.read_bytes() == data


def test_release_verb_fixtures_only(tmp_path, capsys):
    copy = _course_copy(tmp_path)
    aid = SOLUTIONS[0].parent.name
    (tmp_path / "solutions" / aid / FIXTURE_NAME).unlink()
    parser = argparse.ArgumentParser()
    release_verb.add_arguments(parser)
    assert release_verb.run(parser.parse_args([aid, "--fixtures-only"]), copy) == 0
    assert (tmp_path / "solutions" / aid / FIXTURE_NAME).is_file()
    assert not (tmp_path / "exercises").exists()
    assert "written" in capsys.readouterr().out


def test_release_rejects_unknown_assignment(tmp_path):
    from autograder.grading.errors import UsageError

    with pytest.raises(UsageError):
        release.release(_course_copy(tmp_path), ["no-such-assignment"], log=lambda line: None)


def test_what_running_the_released_folder_leaves_is_not_a_difference(tmp_path):
    """A folder whose notebook and check module ran (as the suite, a student or an instructor
    does) holds __pycache__ and .ipynb_checkpoints: git ignores them, and so does the audit."""
    for name in ("rnn.ipynb", "__pycache__/rnnlab_check.cpython-311.pyc", ".ipynb_checkpoints/rnn-checkpoint.ipynb",
                 "stray.pyc"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    assert audit._files(tmp_path) == ["rnn.ipynb"]
    (tmp_path / "notes.txt").write_text("a file the release does not make")
    assert audit._files(tmp_path) == ["notes.txt", "rnn.ipynb"]
