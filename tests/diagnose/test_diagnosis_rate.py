"""At least 90% of buggy submissions get a named diagnosis.

The buggy submissions are (1) every catalogued mistake as a student (its mutant's outputs),
(2) the example class's students with a typical mistake (examples/submitted), and (3) the
hand-written student mistakes of buggy_students.py, graded in-process from an edited
solution notebook through the real extraction.  A submission counts as *named* when every
item it fails carries a diagnosis (a catalogued mistake or a generic pattern) or a root
cause that leads to a diagnosed item (rootcause.py): then the feedback names the mistake
for everything the student lost.  The figure is printed (pytest -s) and must stay ≥ 90%.
"""
from __future__ import annotations

import copy

import nbformat
import pytest

from autograder.grading.diagnose import Diagnoser, mutant_runs
from autograder.grading.pipeline import grade_submission, submission_of
from autograder.grading.rootcause import RootCauses
from autograder.grading.runners import InProcessRunner
from autograder.grading.score import score_function
from reference.mutants import applicable

from .buggy_students import BUGS, CATALOGUED
from .conftest import ROOT

RATE = 0.90
EXAMPLE_BUGGY = ("s03", "s04", "s05", "s06", "s07", "s14", "s15", "s16", "s17")


def _notebook_items(plan, aid, nb, student):
    """The items of an edited or example notebook, graded as `autograder grade` grades it (every
    post-scoring step), in this process: these notebooks are the project's own."""
    submission = submission_of(plan.rubric, aid, plan.course.assignments[aid].notebook, nbformat.writes(nb).encode())
    return grade_submission(plan, submission, InProcessRunner(), student).result["items"]


def _named(items) -> bool:
    by_id = {i["id"]: i for i in items}
    failed = [i for i in items if i["status"] != "passed"]
    return bool(failed) and all(
        i["diagnosis"] or (i.get("root_cause") and by_id[i["root_cause"]]["diagnosis"]) for i in failed)


@pytest.fixture(scope="module")
def submissions(course, plan):
    """name -> items of every buggy submission."""
    diagnoser = Diagnoser(course, plan)
    found = {}
    for mutant in applicable(course.gru_form):
        items = []
        for spec in course.functions.values():
            if mutant.relevant_to(spec.name, spec.through):
                expected = plan.expected[spec.name]
                runs = mutant_runs(course, plan, mutant, spec)
                got = score_function(course, spec, expected.cases, expected.outputs, runs)
                diagnoser.diagnose(spec, runs, got)
                items += got
        found[f"mutant:{mutant.id}"] = [i.to_json(course.language) for i in RootCauses(course).apply(items)]
    for student in EXAMPLE_BUGGY:
        items = []
        for aid in course.assignments:
            path = ROOT / "examples" / "submitted" / student / aid / course.assignments[aid].notebook
            items += _notebook_items(plan, aid, nbformat.read(str(path), as_version=4), student)
        found[f"example:{student}"] = items
    solutions = {aid: nbformat.read(str(ROOT / "solutions" / aid / course.assignments[aid].notebook), as_version=4)
                 for aid in course.assignments}
    for bug in BUGS:
        nb = copy.deepcopy(solutions[bug.assignment])
        cell = next(c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == bug.cell)
        assert bug.old in cell.source, f"{bug.name}: the notebook changed; update buggy_students.py"
        cell.source = cell.source.replace(bug.old, bug.new, 1)
        found[f"student:{bug.name}"] = _notebook_items(plan, bug.assignment, nb, bug.name)
    return found


def test_every_submission_is_buggy(submissions):
    assert [n for n, items in submissions.items() if all(i["status"] == "passed" for i in items)] == []


def test_at_least_90_percent_of_buggy_submissions_get_a_named_diagnosis(submissions):
    named = {n: _named(items) for n, items in submissions.items()}
    rate = sum(named.values()) / len(named)
    written = [n for n in named if not n.startswith("mutant:")]
    rate_written = sum(named[n] for n in written) / len(written)
    print(f"\ndiagnosis rate: {sum(named.values())}/{len(named)} = {rate:.1%} of all buggy submissions; "
          f"{sum(named[n] for n in written)}/{len(written)} = {rate_written:.1%} of the ones students wrote "
          f"(examples + buggy_students.py); not named: {[n for n, ok in named.items() if not ok]}")
    assert rate >= RATE and rate_written >= RATE, [n for n, ok in named.items() if not ok]


def test_the_language_model_mistakes_as_written_are_diagnosed_as_catalogued(submissions):
    """Each edit of the notebook's own code equals its mutant on every hidden case: the mutants are
    the mistakes students write, not the catalogue recognising itself."""
    from reference.mutants import by_id

    for bug, mistake in CATALOGUED.items():
        items = {i["id"]: i for i in submissions[f"student:{bug}"]}
        for target in by_id(mistake).targets:
            assert items[target]["status"] == "failed" and items[target]["diagnosis"] == mistake, (bug, target)
