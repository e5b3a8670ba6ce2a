"""autograder/grading/diagnose.py: mutants recognised as themselves, generic patterns, explanations."""
import functools

import numpy as np
import pytest

from autograder.grading import diagnose as dg
from autograder.grading.diagnose import (GENERIC, Diagnoser, explain, explanations, generic_diagnosis,
                                 mutant_runs)
from autograder.grading.score import CaseRun, FunctionFailure, score_function
from autograder.student.glossary import fill_particles
from autograder.grading.mistakes import PARTS, course_texts
from reference.mutants import CATALOGUE, applicable

from autograder.grading.course import load_course

from .conftest import ROOT

MUTANT_TEXTS = course_texts(ROOT)
# the shipped course's words (reference/mistakes.yaml): every call names its course, as the grader does
explain = functools.partial(explain, course=ROOT)


def _student(plan, spec, change=None):
    """A student equal to the reference, with ``change(case_index, outputs)`` applied."""
    runs = []
    for i, ref in enumerate(plan.expected[spec.name].outputs):
        outputs = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in ref.items()}
        if change:
            change(i, outputs)
        runs.append(CaseRun(outputs=outputs))
    return runs


def _grade(course, plan, spec, runs, diagnoser):
    items = score_function(course, spec, plan.expected[spec.name].cases, plan.expected[spec.name].outputs, runs)
    found = diagnoser.diagnose(spec, runs, items)
    return {i.item.output: i for i in items}, found


@pytest.fixture(scope="module")
def diagnoser(course, plan):
    return Diagnoser(course, plan)


@pytest.mark.parametrize("mutant", applicable("pytorch"), ids=lambda m: m.id)
def test_round_trip_mutant_is_diagnosed_as_itself(mutant, course, plan, diagnoser):
    failed = set()
    for spec in course.functions.values():
        if not mutant.relevant_to(spec.name, spec.through):
            continue
        runs = mutant_runs(course, plan, mutant, spec)
        items, found = _grade(course, plan, spec, runs, diagnoser)
        for item in items.values():
            if item.status != "passed":
                assert item.status == "failed" and item.diagnosis == mutant.id, (item.item.id, item.diagnosis)
                assert found[item.item.id].kind == "mutant"
                failed.add(item.item.id)
    assert failed == set(mutant.targets)  # the targets are exactly what this mistake breaks


def test_round_trip_textbook_form(textbook_course, textbook_plan):
    diagnoser = Diagnoser(textbook_course, textbook_plan)
    for mutant in applicable("textbook"):
        for spec in textbook_course.functions_of("gru"):
            if mutant.relevant_to(spec.name, spec.through):
                items, _ = _grade(textbook_course, textbook_plan, spec,
                                  mutant_runs(textbook_course, textbook_plan, mutant, spec), diagnoser)
                assert all(i.diagnosis == mutant.id for i in items.values() if i.status == "failed")


def test_reference_student_gets_no_diagnosis(course, plan):
    diagnoser = Diagnoser(course, plan)
    for spec in course.functions.values():
        items, found = _grade(course, plan, spec, _student(plan, spec), diagnoser)
        assert found == {} and all(i.status == "passed" and i.diagnosis is None for i in items.values())
    assert diagnoser._outputs == {}  # nothing failed: no mutant was even run


def test_unrelated_wrong_output_is_not_called_a_known_mistake(course, plan):
    spec = course.functions["rnn_backward"]
    rng = np.random.default_rng(0)
    runs = _student(plan, spec, lambda i, o: o.__setitem__("dWh", rng.standard_normal(o["dWh"].shape)))
    items, found = _grade(course, plan, spec, runs, Diagnoser(course, plan))
    assert items["dWh"].status == "failed" and items["dWh"].diagnosis is None and found == {}


def test_mutant_outputs_are_computed_once_and_only_for_relevant_mutants(course, plan, monkeypatch):
    calls = []
    real = dg.run_program
    monkeypatch.setattr(dg, "run_program", lambda ns, program: calls.append(1) or real(ns, program))
    diagnoser = Diagnoser(course, plan)
    spec = course.functions["temporal_softmax_loss"]
    runs = mutant_runs(course, plan, CATALOGUE[0], spec)  # bptt mutant: irrelevant, equals the reference
    calls.clear()
    wrong = _student(plan, spec, lambda i, o: o.__setitem__("dx", o["dx"] * 3.0))
    for _ in range(3):  # three students with the same mistake
        items, found = _grade(course, plan, spec, wrong, diagnoser)
        assert found["temporal_softmax_loss.dx"].id == "constant-factor"
        assert found["temporal_softmax_loss.dx"].params["factor"] == pytest.approx(3.0)
    relevant = [m for m in applicable(course.gru_form) if m.relevant_to(spec.name)]
    assert {k[1] for k in diagnoser._outputs} == {"temporal_softmax_loss"}
    assert {k[0] for k in diagnoser._outputs} == {m.id for m in relevant}
    assert len(calls) == len(relevant) * len(runs)


def test_function_failure_and_errors_are_left_alone(course, plan):
    diagnoser = Diagnoser(course, plan)
    spec = course.functions["rnn_forward"]
    failure = FunctionFailure("timeout", "status.timeout", {"function": "rnn_forward", "seconds": 5})
    items = score_function(course, spec, plan.expected[spec.name].cases, plan.expected[spec.name].outputs, failure)
    assert diagnoser.diagnose(spec, failure, items) == {} and items[0].diagnosis is None


# ---------------------------------------------------------------------- generic patterns


@pytest.mark.parametrize("output,change,expected", [
    ("dWh", lambda o: o.T, ("transposed", {"axes": (1, 0)})),  # square: the shape check cannot see it
    ("dWx", lambda o: o.T, ("transposed", {"axes": (1, 0)})),  # D != H: a shape failure, but transposed
    ("dx", lambda o: o.transpose(1, 0, 2), ("transposed", {"axes": (1, 0, 2)})),
    ("db", lambda o: -o, ("wrong-sign", {})),
    ("dWx", lambda o: 0.5 * o, ("constant-factor", {"factor": 0.5})),
    ("dh0", lambda o: np.zeros_like(o), ("all-zeros", {})),
    ("db", lambda o: np.tile(o, (2, 1)), ("shape-mismatch", {"got": [2, None], "expected": [None]})),
])
def test_generic_patterns_on_a_real_item(course, plan, output, change, expected):
    spec = course.functions["rnn_backward"]
    runs = _student(plan, spec, lambda i, o: o.__setitem__(output, change(o[output])))
    items, found = _grade(course, plan, spec, runs, Diagnoser(course, plan))
    item = items[output]
    assert item.status == "failed" and item.diagnosis == expected[0]
    params = found[item.item.id].params
    for key, value in expected[1].items():
        if key == "factor":
            assert params[key] == pytest.approx(value)
        elif key in ("got", "expected"):
            assert len(params[key]) == len(value)
        else:
            assert params[key] == value
    text = explain(item.diagnosis, "en", params)["explanation"]
    if expected[0] == "constant-factor":
        assert "0.5" in text
    if expected[0] == "shape-mismatch":
        assert str(params["got"]) in text and str(params["expected"]) in text


def test_partial_time_steps_suffix_from_a_real_missing_carry(course, plan):
    """A student whose dx is right only for the last step: the gradient is not carried back."""
    spec = course.functions["rnn_backward"]

    def change(i, o):
        o["dx"][:, :-1] *= 0.3
    items, found = _grade(course, plan, spec, _student(plan, spec, change), Diagnoser(course, plan))
    diagnosis = found["rnn_backward.dx"]
    assert diagnosis.id == "partial-time-steps" and diagnosis.params["variant"] == "suffix"
    assert diagnosis.params["k"] == diagnosis.params["T"] - 1
    text = explain(diagnosis.id, "ko", diagnosis.params)["explanation"]
    assert f"t ≥ {diagnosis.params['T'] - 1}" in text


def test_generic_diagnosis_on_synthetic_inputs():
    rng = np.random.default_rng(2)
    r = rng.standard_normal((3, 5, 4))
    suffix = r.copy()
    suffix[:, :2] += 1.0
    assert generic_diagnosis(suffix, r, 1e-6) == ("partial-time-steps", {"variant": "suffix", "k": 2, "T": 5})
    prefix = r.copy()
    prefix[:, 3:] = rng.standard_normal((3, 2, 4))
    assert generic_diagnosis(prefix, r, 1e-6) == ("partial-time-steps", {"variant": "prefix", "k": 2, "T": 5})
    m = rng.standard_normal((4, 6))
    assert generic_diagnosis(m.T, m, 1e-6)[0] == "transposed"
    assert generic_diagnosis(-m, m, 1e-6) == ("wrong-sign", {})
    name, params = generic_diagnosis(m * 4.0, m, 1e-6)
    assert name == "constant-factor" and params["factor"] == pytest.approx(4.0)
    d = {"a": m, "b": m[0]}
    assert generic_diagnosis({"a": -m, "b": -m[0]}, d, 1e-6) == ("wrong-sign", {})
    assert generic_diagnosis(m[:, :5], m, 1e-6) == ("shape-mismatch", {"got": [4, 5], "expected": [4, 6]})
    # no pattern: noise, a correct output, non-finite values, and a lone scalar's ratio
    assert generic_diagnosis(m + rng.standard_normal(m.shape), m, 1e-6) is None
    assert generic_diagnosis(m.copy(), m, 1e-6) is None
    assert generic_diagnosis(np.full_like(m, np.nan), m, 1e-6) is None
    assert generic_diagnosis(np.array(1.2345), np.array(2.0), 1e-6) is None
    assert generic_diagnosis(np.array(6.0), np.array(2.0), 1e-6)[0] == "constant-factor"
    assert generic_diagnosis("text", m, 1e-6) is None


# ------------------------------------------------------------------------- explanations


def test_every_id_has_explanation_and_hint_in_both_languages():
    ids = [m.id for m in CATALOGUE] + list(GENERIC)
    for language in ("ko", "en"):
        table = explanations(language, course=load_course(ROOT / "course.yaml"))
        assert list(table) == ids
        for did, entry in table.items():
            assert entry["explanation"].strip() and entry["hint"].strip(), (did, language)
            assert entry == explain(did, language, course=load_course(ROOT / "course.yaml"))
    for gid, entry in GENERIC.items():
        for key in PARTS:
            assert entry[key]["ko"] != entry[key]["en"], gid
    assert explain("no-such-id", "ko") is None
    assert explain("rnn-h0-wraparound", "ko")["explanation"] == fill_particles(MUTANT_TEXTS["rnn-h0-wraparound"]["what"]["ko"])


def test_a_mutant_that_leaves_the_item_unchanged_is_not_the_diagnosis(course, plan):
    """Slightly beyond tolerance on dx: mutants that do not change dx (rnn-h0-wraparound) must not match."""
    spec = course.functions["rnn_backward"]
    runs = _student(plan, spec, lambda i, o: o.__setitem__("dx", o["dx"] * (1 + 4e-6)))
    items, found = _grade(course, plan, spec, runs, Diagnoser(course, plan))
    assert items["dx"].status == "failed" and items["dx"].diagnosis is None and found == {}


def test_autograder_diagnose_works_without_the_reference():
    """The student release ships autograder/ without reference/: importing must not need it.
    The generic patterns' words are the engine's; a catalogued mistake's are the course's
    (reference/mistakes.yaml), read through the course's folder even where no ``reference``
    is importable (an installed grader)."""
    import subprocess
    import sys
    from .conftest import ROOT
    code = ("import sys; sys.modules['reference'] = None\n"
            "import autograder.grading.diagnose as d\n"
            "from autograder.grading import mistakes\n"
            "assert d.explain('wrong-sign', 'ko')['hint']\n"
            "assert d.explain('bptt-overwrite-accumulator', 'ko') is None\n"
            "assert mistakes.course_texts() == {} and set(d.explanations('en')) == set(d.GENERIC)\n"
            f"words = mistakes.render('bptt-overwrite-accumulator', 'hint', 'ko', course={str(ROOT)!r})\n"
            "assert words['explanation'].startswith('가중치 기울기')\n")
    result = subprocess.run([sys.executable, "-c", code], cwd="/", capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# ------------------------------------------------------------- which gate, which factor


def _scale_block(output, block, blocks, factor):
    def change(i, o):
        H = o[output].shape[-1] // blocks
        o[output][..., block * H:(block + 1) * H] *= factor
    return change


@pytest.mark.parametrize("function,output,block,blocks,gate,ko,en", [
    ("lstm_step_backward", "db", 1, 4, "f", "망각 게이트", "forget gate"),
    ("lstm_backward", "dWx", 2, 4, "o", "출력 게이트", "output gate"),
    ("lstm_step_backward", "dWh", 3, 4, "g", "후보", "candidate"),
    ("gru_step_backward", "dbx", 1, 3, "z", "갱신 게이트", "update gate"),
    ("gru_backward", "dbh", 0, 3, "r", "리셋 게이트", "reset gate"),
])
def test_one_wrong_gate_block_is_located(course, plan, function, output, block, blocks, gate, ko, en):
    spec = course.functions[function]
    runs = _student(plan, spec, _scale_block(output, block, blocks, -0.5))
    items, found = _grade(course, plan, spec, runs, Diagnoser(course, plan))
    assert items[output].status == "failed"
    diagnosis = found[f"{function}.{output}"]
    assert (diagnosis.id, diagnosis.params["gate"], diagnosis.params["output"]) == ("gate-block", gate, output)
    text_ko = explain(diagnosis.id, "ko", diagnosis.params)["explanation"]
    text_en = explain(diagnosis.id, "en", diagnosis.params)["explanation"]
    assert f"{output}의 {ko} 블록({gate})만 틀리고" in text_ko
    assert f"only the {en} block ({gate}) of {output} is wrong" in text_en
    assert all(i.status == "passed" for o, i in items.items() if o != output)


def test_the_gate_block_locator_needs_exactly_one_wrong_block(course, plan):
    spec = course.functions["lstm_step_backward"]

    def two_blocks(i, o):
        _scale_block("db", 0, 4, 2.0)(i, o)
        _scale_block("db", 2, 4, 2.0)(i, o)
    items, found = _grade(course, plan, spec, _student(plan, spec, two_blocks), Diagnoser(course, plan))
    assert items["db"].status == "failed" and "lstm_step_backward.db" not in found
    # the whole array negated is the wrong sign, not a block
    items, found = _grade(course, plan, spec, _student(plan, spec, lambda i, o: o.__setitem__("db", -o["db"])),
                          Diagnoser(course, plan))
    assert found["lstm_step_backward.db"].id == "wrong-sign"
    # an RNN gradient has no gate blocks
    rnn = course.functions["rnn_step_backward"]
    items, found = _grade(course, plan, rnn, _student(plan, rnn, _scale_block("db", 0, 2, 3.0)), Diagnoser(course, plan))
    assert items["db"].status == "failed" and "rnn_step_backward.db" not in found


def test_gate_block_diagnosis_on_synthetic_arrays():
    rng = np.random.default_rng(4)
    r = rng.standard_normal((5, 12))
    s = r.copy()
    s[:, 4:8] += 1.0
    assert dg.gate_block_diagnosis(s, r, 1e-6, ("r", "z", "n")) == ("gate-block", {"gate": "z", "block": 1})
    assert dg.gate_block_diagnosis(s, r, 1e-6, ("i", "f", "o", "g")) is None  # blocks 1 and 2 of 4 both differ
    assert dg.gate_block_diagnosis(r.copy(), r, 1e-6, ("r", "z", "n")) is None
    assert dg.gate_block_diagnosis(s[:, :11], r[:, :11], 1e-6, ("r", "z", "n")) is None  # not a stack of blocks


def test_a_transposed_square_matrix_names_the_product_and_its_factor(course, plan):
    """dWh is H x H: 'compare the shapes' cannot tell, so the words name prev_h @ Wh and prev_h,
    without the formula of the fix."""
    spec = course.functions["rnn_step_backward"]
    runs = _student(plan, spec, lambda i, o: o.__setitem__("dWh", o["dWh"].T.copy()))
    items, found = _grade(course, plan, spec, runs, Diagnoser(course, plan))
    diagnosis = found["rnn_step_backward.dWh"]
    assert diagnosis.id == "transposed" and diagnosis.params["variant"] == "square"
    for language in ("ko", "en"):
        words = explain(diagnosis.id, language, diagnosis.params)
        shown = words["explanation"] + words["hint"]
        assert "prev_h @ Wh" in shown and "prev_h" in words["hint"], words
        assert ".shape" not in words["hint"] and "prev_h.T" not in shown and "`" not in shown, words
    ko = explain(diagnosis.id, "ko", diagnosis.params)
    assert "dWh가 정사각 행렬이라 shape로는 알 수 없습니다" in ko["explanation"]
    # a non-square transpose keeps the shape hint
    spec = course.functions["rnn_backward"]
    runs = _student(plan, spec, lambda i, o: o.__setitem__("dx", o["dx"].transpose(1, 0, 2).copy()))
    items, found = _grade(course, plan, spec, runs, Diagnoser(course, plan))
    assert "variant" not in found["rnn_backward.dx"].params
    assert ".shape" in explain("transposed", "en", found["rnn_backward.dx"].params)["hint"]
