"""Feedback levels (course.yaml `feedback: hint | explain | reveal`): hints before answers."""
from __future__ import annotations

import functools

import pytest
import yaml

from autograder.grading.course import CourseError, load_course
from autograder.grading.diagnose import Diagnoser, Explanations, GENERIC, explain, mutant_runs
from autograder.grading.feedback import render_feedback
from autograder.student.glossary import fill_particles
from autograder.grading.mistakes import LEVELS, PARTS, course_texts, levels, render
from autograder.grading.score import score_function
from reference.mutants import CATALOGUE, by_id

from .conftest import ROOT

MUTANT_TEXTS = course_texts(ROOT)
# the shipped course's words (reference/mistakes.yaml): every call names its course, as the grader does
render = functools.partial(render, course=ROOT)
levels = functools.partial(levels, course=ROOT)
explain = functools.partial(explain, course=ROOT)

IDS = [m.id for m in CATALOGUE] + list(GENERIC)


def test_every_catalogued_mistake_has_words_and_nothing_else_does():
    assert set(MUTANT_TEXTS) == {m.id for m in CATALOGUE}
    for did in IDS:
        entry = MUTANT_TEXTS.get(did) or GENERIC[did]
        for part in PARTS:
            assert entry[part]["ko"].strip() and entry[part]["en"].strip(), (did, part)
            assert entry[part]["ko"] != entry[part]["en"], (did, part)


@pytest.mark.parametrize("did", IDS)
@pytest.mark.parametrize("language", ["ko", "en"])
def test_three_levels_each_give_away_more(did, language):
    hint, explained, revealed = (levels(did, language)[level] for level in LEVELS)
    entry = MUTANT_TEXTS.get(did) or GENERIC[did]
    fix = fill_particles(entry["fix"][language])
    # hint: the concept and where to look, never the fix
    assert fix not in hint["explanation"] + hint["hint"]
    assert "=" not in hint["explanation"] + hint["hint"] and "`" not in hint["explanation"] + hint["hint"], hint
    # explain adds why (a longer explanation, same hint); reveal adds the formula
    assert explained["explanation"].startswith(hint["explanation"]) and len(explained["explanation"]) > len(hint["explanation"])
    assert explained["hint"] == hint["hint"]
    assert revealed["explanation"] == explained["explanation"] and revealed["hint"] == fix
    assert len({hint["explanation"] + hint["hint"], explained["explanation"] + explained["hint"],
                revealed["explanation"] + revealed["hint"]}) == 3


@pytest.mark.parametrize("did", list(MUTANT_TEXTS))
def test_hint_level_never_contains_the_words_of_the_fix(did):
    """Each catalogued mistake declares the key words of its fix (``fix_words``): the hint level
    names the concept and where to look, so none of them may appear there; the words are real
    ones, found in the entry's own why or fix."""
    entry = MUTANT_TEXTS[did]
    assert set(entry["fix_words"]) == {"ko", "en"}
    for language in ("ko", "en"):
        words = entry["fix_words"][language]
        assert words, (did, language)
        hint = render(did, "hint", language)
        shown = (hint["explanation"] + " " + hint["hint"]).lower()
        told = (entry["why"][language] + " " + entry["fix"][language]).lower()
        for word in words:
            assert word.lower() not in shown, (did, language, word)
            assert word.lower() in told, (did, language, word)


def test_the_round_two_hint_level_texts_no_longer_name_the_missing_factor():
    """'tanh의 국소 미분이 빠졌습니다' (lstm) and '리셋 게이트를 거치는 인자가 빠졌습니다' (gru) told
    the fix at the hint level; '인자' read as a function argument."""
    lstm = render("lstm-tanh-c-derivative-missing", "hint", "ko")
    gru = render("gru-dbh-missing-reset", "hint", "ko")
    assert "tanh" not in lstm["explanation"] + lstm["hint"]
    assert "리셋 게이트" not in gru["explanation"] + gru["hint"] and "인자" not in gru["explanation"]
    assert "계수" in gru["explanation"]
    for language in ("ko", "en"):
        for did in ("rnn-tanh-derivative-missing", "lstm-output-gate-from-dc", "gru-update-gate-grad-sign"):
            hint = render(did, "hint", language)
            assert "=" not in hint["explanation"] + hint["hint"], (did, language)
    assert "tanh′" in render("rnn-tanh-derivative-missing", "explain", "ko")["explanation"]
    assert render("rnn-tanh-derivative-missing", "reveal", "en")["hint"] == "`da = dnext_h * (1 - next_h**2)`."


def test_the_issue_example_no_longer_states_the_fix_at_hint_level():
    """'dprev_c = dc ⊙ f 입니다' was the feedback; at hint level the formula is gone."""
    for language in ("ko", "en"):
        hint = render("lstm-dprev-c-missing-f", "hint", language)
        assert "dc" not in hint["explanation"] + hint["hint"] and "⊙" not in hint["explanation"] + hint["hint"]
        assert "dprev_c" in hint["explanation"]
        assert "dprev_c = dc * f" in render("lstm-dprev-c-missing-f", "reveal", language)["hint"]


def test_the_dprev_c_carry_hint_names_dprev_c_not_dprev_h():
    for language in ("ko", "en"):
        for level in LEVELS:
            entry = render("lstm-dprev-c-not-carried", level, language)
            assert "dprev_c" in entry["hint"] and "dprev_h" not in entry["hint"], (level, language)
            assert "dprev_c" in entry["explanation"]
        # and the dprev_h carry points to dprev_h
        assert "dnext_h" in render("lstm-missing-carried-gradient", "hint", language)["hint"]


def test_unknown_level_is_an_error_and_unknown_id_is_none():
    with pytest.raises(ValueError):
        render("wrong-sign", "answer", "ko")
    assert render("no-such-mistake", "hint", "ko") is None


def _course_with(tmp_path, **course_keys):
    data = yaml.safe_load((ROOT / "course.yaml").read_text(encoding="utf-8"))
    data["course"].update(course_keys)
    path = tmp_path / "course.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_course(path)


def test_course_level_defaults_to_hint_and_is_validated(tmp_path, course):
    assert course.feedback == "hint"
    assert _course_with(tmp_path, feedback="reveal").feedback == "reveal"
    data = yaml.safe_load((ROOT / "course.yaml").read_text(encoding="utf-8"))
    del data["course"]["feedback"]
    (tmp_path / "course.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert load_course(tmp_path / "course.yaml").feedback == "hint"
    with pytest.raises(CourseError, match="feedback"):
        _course_with(tmp_path, feedback="answer")


@pytest.mark.parametrize("level", LEVELS)
def test_result_items_carry_the_text_at_the_course_level(level, tmp_path, course, plan):
    """Explanations (the post-scoring step) renders into the result JSON; the page prints it as is."""
    leveled = _course_with(tmp_path, feedback=level, language="en")
    mutant = by_id("lstm-dprev-c-missing-f")
    spec = course.functions["lstm_step_backward"]
    expected = plan.expected[spec.name]
    runs = mutant_runs(course, plan, mutant, spec)
    items = score_function(course, spec, expected.cases, expected.outputs, runs)
    Diagnoser(course, plan).diagnose(spec, runs, items)
    Explanations(leveled).apply(items)
    item = next(i for i in items if i.item.output == "dprev_c")
    as_json = item.to_json("en")
    assert as_json["diagnosis"] == mutant.id
    assert {"explanation": as_json["explanation"], "hint": as_json["hint"]} == render(mutant.id, level, "en")
    assert all("explanation" not in i.to_json("en") for i in items if i.status == "passed")
    result = {"student": "s", "score": 0, "max_score": 6, "errors": [], "items": [as_json]}
    page = render_feedback(result, "en", "LSTM")  # takes no explainer: it can only print the JSON
    assert as_json["explanation"] in page and as_json["hint"] in page
    assert ("dprev_c = dc * f" in page) == (level == "reveal")


def test_the_words_render_without_an_importable_reference_from_the_course_folder():
    """An installed grader: no ``reference`` on sys.path, the course's folder gives the words."""
    import subprocess
    import sys
    code = ("import sys; sys.modules['reference'] = None\n"
            "from autograder.grading.mistakes import render\n"
            f"e = render('lstm-dprev-c-not-carried', 'hint', 'ko', course={str(ROOT)!r})\n"
            "assert 'dprev_c' in e['hint'] and '=' not in e['hint']\n")
    result = subprocess.run([sys.executable, "-c", code], cwd="/", capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_explain_follows_the_level_argument():
    assert explain("wrong-sign", "en", level="reveal")["hint"] == render("wrong-sign", "reveal", "en")["hint"]
    assert explain("wrong-sign", "en") == render("wrong-sign", "hint", "en")


def test_the_gru_direct_path_message_no_longer_contradicts_itself():
    """It said the missing direct path goes 'through the update gate' and that 'only the paths
    through the gates' remain: the direct path is the term where prev_h appears itself."""
    for language, gate in (("ko", "게이트를 통해"), ("en", "through the update gate")):
        for level in LEVELS:
            text = render("gru-dprev-h-missing-direct-path", level, language)["explanation"]
            assert gate not in text, (language, level)
    assert "r, z, n을 거치는 경로만" in render("gru-dprev-h-missing-direct-path", "hint", "ko")["explanation"]
    assert "only the paths through r, z and n" in render("gru-dprev-h-missing-direct-path", "hint", "en")["explanation"]
