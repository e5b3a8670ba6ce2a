"""The classic mistakes named in round two: tanh' forgotten in the RNN step, the LSTM output
gate's gradient taken from dc, the GRU dz with its sign flipped.  Each is named in the graded
feedback and, at the hint level, by the notebook's self-check (the public fixture carries it)."""
from __future__ import annotations

import functools

import pytest

from autograder.authoring import release
from autograder.grading.diagnose import Diagnoser, Explanations, mutant_runs
from autograder.grading.mistakes import render
from autograder.grading.pipeline import reference_namespace
from autograder.grading.score import score_function
from autograder.sandbox.inside.protocol import save_npz
from autograder.student.selfcheck import FIXTURE_NAME, check
from reference.mutants import by_id, namespace_with

from .conftest import ROOT

# the shipped course's words (reference/mistakes.yaml): every call names its course, as the grader does
render = functools.partial(render, course=ROOT)

ROUND_TWO = {  # mistake -> (assignment, the step function it lives in)
    "rnn-tanh-derivative-missing": ("rnn", "rnn_step_backward"),
    "lstm-output-gate-from-dc": ("lstm", "lstm_step_backward"),
    "gru-update-gate-grad-sign": ("gru", "gru_step_backward"),
}


@pytest.mark.parametrize("mistake", ROUND_TWO)
def test_graded_feedback_names_the_mistake(mistake, course, plan):
    _, function = ROUND_TWO[mistake]
    spec = course.functions[function]
    runs = mutant_runs(course, plan, by_id(mistake), spec)
    expected = plan.expected[function]
    items = score_function(course, spec, expected.cases, expected.outputs, runs)
    Diagnoser(course, plan).diagnose(spec, runs, items)
    Explanations(course).apply(items)
    failed = [i for i in items if i.status != "passed"]
    assert failed and all(i.diagnosis == mistake for i in failed)
    assert all(i.explanation == render(mistake, course.feedback, course.language)["explanation"] for i in failed)


@pytest.fixture(scope="module")
def fixtures(course, tmp_path_factory):
    """Each assignment's public cases, built fresh (the committed files are regenerated apart)."""
    paths = {}
    for aid in {a for a, _ in ROUND_TWO.values()}:
        paths[aid] = tmp_path_factory.mktemp(aid) / FIXTURE_NAME
        save_npz(paths[aid], release.build_fixture(course, aid))
    return paths


@pytest.mark.parametrize("mistake", ROUND_TWO)
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_the_self_check_names_it_at_hint_level(mistake, lang, course, fixtures, capsys):
    aid, function = ROUND_TWO[mistake]
    namespace = namespace_with(reference_namespace(course), by_id(mistake))
    result = check(function, fixtures[aid], namespace=namespace, lang=lang)
    assert result.status == "failed"
    out = capsys.readouterr().out
    hint, reveal = render(mistake, "hint", lang), render(mistake, "reveal", lang)
    assert hint["explanation"] in out and hint["hint"] in out
    assert reveal["hint"] not in out  # the fix stays out of the self-check
    # once per failing output, and no other mistake's words
    failing = [o for o in result.outputs if not o.ok]
    assert out.count(hint["explanation"]) == len(failing) >= 1
