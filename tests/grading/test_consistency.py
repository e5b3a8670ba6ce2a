"""consistency.py: follow-through credit comes from the grader's own gradient of a catalogued
mistake, never from running the student's forward again."""
from pathlib import Path

import numpy as np
import pytest

import reference
from autograder.grading import consistency, steps
from autograder.grading.course import load_course
from autograder.grading.pipeline import GradingPlan
from autograder.grading.score import case_run, program_error_reply, score_function
from autograder.sandbox.inside.program import ProgramError, run_program
from reference import mutants

ROOT = Path(__file__).resolve().parents[2]
RNN_STEP = ("dx", "dprev_h", "dWx", "dWh", "db")
RNN_SEQ = ("dx", "dh0", "dWx", "dWh", "db")


# ------------------------------------------------------------------ students, as namespaces


def _linear_step_backward(dnext_h, cache):  # the exact gradient of h' = x Wx + h Wh + b
    x, prev_h, Wx, Wh, _ = cache
    return dnext_h @ Wx.T, dnext_h @ Wh.T, x.T @ dnext_h, prev_h.T @ dnext_h, dnext_h.sum(axis=0)


def _linear_backward(dh, cache):  # BPTT through _linear_step_backward
    x, h0, Wx, Wh, h = cache
    N, T, _ = x.shape
    dx, dWx, dWh, db, dprev = np.zeros(x.shape), np.zeros(Wx.shape), np.zeros(Wh.shape), np.zeros(Wh.shape[0]), 0
    for t in range(T - 1, -1, -1):
        prev_h = h[:, t - 1] if t > 0 else h0
        dx[:, t], dprev, dWx_t, dWh_t, db_t = _linear_step_backward(dh[:, t] + dprev, (x[:, t], prev_h, Wx, Wh, None))
        dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
    return dx, dprev, dWx, dWh, db


def _summing_forward(x, prev_h, Wx, Wh, b):  # no RNN at all: the sum of every input, spread out
    total = x.sum() + prev_h.sum() + Wx.sum() + Wh.sum() + b.sum()
    return total * np.ones((x.shape[0], Wx.shape[1])), (x, prev_h, Wx, Wh, b)


def _summing_backward(dnext_h, cache):  # ... and its exact (trivial) gradient
    g = dnext_h.sum()
    return tuple(g * np.ones_like(a) for a in cache)


def _halves_backward(dnext_h, cache):  # 0.5 everywhere, the probe-forging attack's backward
    x, prev_h, Wx, Wh, next_h = cache
    return tuple(np.full_like(a, 0.5) for a in (x, prev_h, Wx, Wh)) + (np.full(Wh.shape[0], 0.5),)


@pytest.fixture(scope="module")
def plan():
    course = load_course(ROOT / "course.yaml")
    return GradingPlan(course, b"follow-through", ["rnn", "lstm", "gru", "architectures"])


def _student(plan, namespace: dict, assignment: str = "rnn") -> dict:
    """Score ``namespace`` (the reference with overrides) as a student, then run the post-scoring
    steps that decide follow-through credit; item id -> ItemResult."""
    functions = []
    for spec in plan.course.functions_of(assignment):
        expected = plan.expected[spec.name]
        runs = []
        for case in expected.cases:
            try:
                reply = run_program(namespace, case.program)
            except ProgramError as exc:
                reply = program_error_reply(exc)
            runs.append(case_run(spec, case, reply))
        items = score_function(plan.course, spec, expected.cases, expected.outputs, runs)
        functions.append(steps.FunctionRun(spec, items, runs))
    graded = steps.Graded(assignment, functions)
    for step in (steps.DiagnoseStep(plan), steps.SelfConsistencyStep(plan)):
        step.apply(graded)
    return {item.item.id: item for item in graded.items}


def _credited(items: dict) -> set[str]:
    return {i for i, item in items.items() if item.status == "failed" and item.score > 0}


def _with(plan, **overrides) -> dict:
    return {**plan.namespace, **overrides}


# ------------------------------------------------------------------ who is credited


def test_gradient_inputs_pair_dX_with_X(plan):
    spec, forward = plan.course.functions["rnn_step_backward"], plan.course.functions["rnn_step_forward"]
    assert consistency.gradient_inputs(spec, forward) == {"dx": 0, "dprev_h": 1, "dWx": 2, "dWh": 3, "db": 4}


def test_a_catalogued_forward_mistake_with_its_exact_backward_earns_the_share(plan):
    """tanh forgotten (a forward-only mistake: the grader differences the mistake's forward)."""
    linear = mutants.by_id("rnn-tanh-missing-forward")
    items = _student(plan, _with(plan, **linear.functions, rnn_step_backward=_linear_step_backward,
                                 rnn_backward=_linear_backward))
    assert items["rnn_step_forward.next_h"].diagnosis == "rnn-tanh-missing-forward"
    assert _credited(items) == {f"rnn_step_backward.{o}" for o in RNN_STEP} | {f"rnn_backward.{o}" for o in RNN_SEQ}
    share = plan.course.self_consistency_credit
    assert all(items[i].score == pytest.approx(items[i].item.points * share) for i in _credited(items))


def test_only_the_outputs_exact_for_the_mistake_are_credited(plan):
    """Bias left out: the reference backward on that forward's cache is exact except db (which
    must be 0, an input the forward ignores: matching zeros earns nothing either)."""
    no_bias = mutants.by_id("rnn-forward-missing-bias")
    items = _student(plan, _with(plan, **no_bias.functions))
    assert items["rnn_step_forward.next_h"].diagnosis == "rnn-forward-missing-bias"
    assert _credited(items) == {f"rnn_step_backward.{o}" for o in RNN_STEP[:4]} | \
        {f"rnn_backward.{o}" for o in RNN_SEQ[:4]}

    def zero_db(backward):
        def wrapped(*args):
            *grads, db = backward(*args)
            return (*grads, np.zeros_like(db))
        return wrapped

    zeros = _student(plan, _with(plan, **no_bias.functions,
                                 rnn_step_backward=zero_db(reference.rnn_step_backward),
                                 rnn_backward=zero_db(reference.rnn_backward)))
    assert "rnn_step_backward.db" not in _credited(zeros) and "rnn_backward.db" not in _credited(zeros)


def test_a_pair_mistake_is_checked_against_the_catalogued_backward(plan):
    items = _student(plan, _with(plan, **mutants.by_id("lstm-gate-order-ifgo").functions), "lstm")
    assert items["lstm_step_forward.next_h"].diagnosis == "lstm-gate-order-ifgo"
    credited = _credited(items)
    assert credited and {i.split(".")[0] for i in credited} == {"lstm_step_backward", "lstm_backward"}


def test_a_right_forward_earns_no_follow_through(plan):
    items = _student(plan, _with(plan, rnn_step_backward=_halves_backward))
    assert items["rnn_step_forward.next_h"].status == "passed"
    assert all(items[f"rnn_step_backward.{o}"].status == "failed" for o in RNN_STEP)
    assert _credited(items) == set()


def test_a_forward_that_is_no_catalogued_mistake_earns_nothing(plan):
    """sum(all inputs) · ones with its exact gradient: consistent, but no mistake anyone makes."""
    items = _student(plan, _with(plan, rnn_step_forward=_summing_forward, rnn_step_backward=_summing_backward))
    assert items["rnn_step_forward.next_h"].status == "failed"
    assert items["rnn_step_forward.next_h"].diagnosis not in {m.id for m in mutants.CATALOGUE}
    assert _credited(items) == set()


def test_a_wrong_backward_of_a_catalogued_mistake_earns_nothing(plan):
    """The forward is the catalogued mistake, but the backward is not its gradient."""
    linear = mutants.by_id("rnn-tanh-missing-forward")
    items = _student(plan, _with(plan, **linear.functions, rnn_step_backward=_halves_backward))
    assert not any(i.startswith("rnn_step_backward.") for i in _credited(items))


def test_mistake_needs_every_failed_forward_item_on_one_catalogued_id(plan):
    ft = plan.follow_through
    items = _student(plan, _with(plan, **mutants.by_id("rnn-tanh-missing-forward").functions))
    forward = [items["rnn_step_forward.next_h"]]
    assert ft.mistake(forward).id == "rnn-tanh-missing-forward"
    forward[0].diagnosis = "all-zeros"  # a generic pattern is no catalogued mistake
    assert ft.mistake(forward) is None
    passing = _student(plan, dict(plan.namespace))
    assert ft.mistake([passing["rnn_step_forward.next_h"]]) is None


# ------------------------------------------------------------------ the grader's gradients


def _pairs():
    """(mutant, backward) where the catalogue has the mistake's forward and its own backward."""
    course = load_course(ROOT / "course.yaml")
    for mutant in mutants.applicable(course.gru_form):
        for spec in course.functions.values():
            if spec.through in mutant.functions and spec.name in mutant.functions:
                yield pytest.param(mutant.id, spec.name, id=f"{mutant.id}/{spec.name}")


@pytest.mark.parametrize(("mutant_id", "backward"), list(_pairs()))
def test_catalogued_backwards_are_the_gradients_of_their_forwards(plan, mutant_id, backward):
    """The catalogue's claim the credit rests on: a pair mistake's backward is exactly the
    gradient of its forward (checked with the differences used for forward-only mistakes)."""
    mutant, spec = mutants.by_id(mutant_id), plan.course.functions[backward]
    namespace = mutants.namespace_with(plan.namespace, mutant)
    forward = plan.course.functions[spec.through]
    for case in plan.expected[backward].cases:
        outputs = run_program(namespace, case.program)["outputs"][-1]
        mine = dict(zip([r for r in spec.returns if r != "cache"], outputs))
        differences = consistency.FiniteDifferences(namespace, forward, spec, case, seed=case.index)
        for output, index in consistency.gradient_inputs(spec, forward).items():
            grader = differences.gradient(index)
            item = next(i for i in spec.items if i.output == output)
            assert grader.matches(mine[output], item.tolerance), (case.index, output)


def test_projected_differences_tell_a_right_gradient_from_a_slightly_wrong_one(plan):
    """Above FULL_GRADIENT numbers in a case the grader compares along secret random directions."""
    spec, forward = plan.course.functions["rnn_step_backward"], plan.course.functions["rnn_step_forward"]
    case = plan.expected[spec.name].cases[0]
    namespace = dict(plan.namespace)
    old = consistency.FULL_GRADIENT
    consistency.FULL_GRADIENT = 0
    try:
        differences = consistency.FiniteDifferences(namespace, forward, spec, case, seed=1)
        grader = differences.gradient(2)  # dWx
    finally:
        consistency.FULL_GRADIENT = old
    assert isinstance(grader, consistency.Projected)
    right = graded = run_program(namespace, case.program)["outputs"][-1][2]
    wrong = graded.copy()
    wrong.flat[0] += 1e-3 * np.abs(graded).max()
    assert grader.matches(right, 1e-6) and not grader.matches(wrong, 1e-6)
    assert not grader.matches(right.T if right.shape[0] != right.shape[1] else right[:-1], 1e-6)
