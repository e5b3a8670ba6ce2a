"""consistency.py: a backward is credited exactly when it is the gradient of the forward it came with."""
from pathlib import Path

import numpy as np
import pytest

import reference
from autograder.engine import consistency
from autograder.engine.cases import build_cases, graded_outputs
from autograder.engine.course import load_course
from autograder.engine.pipeline import reference_forward, reference_namespace
from autograder.sandbox.inside.program import run_program

ROOT = Path(__file__).resolve().parents[2]


def _no_tanh_forward(x, prev_h, Wx, Wh, b):
    next_h = x @ Wx + prev_h @ Wh + b
    return next_h, (x, prev_h, Wx, Wh)


def _no_tanh_backward(dnext_h, cache):  # the exact gradient of _no_tanh_forward
    x, prev_h, Wx, Wh = cache
    return dnext_h @ Wx.T, dnext_h @ Wh.T, x.T @ dnext_h, prev_h.T @ dnext_h, dnext_h.sum(axis=0)


def _wrong_backward(dnext_h, cache):
    dx, dprev_h, dWx, dWh, db = reference.rnn_step_backward(dnext_h, cache)
    return dx, dprev_h, dWx, 2 * dWh, db  # dWh off by a factor, the rest right


@pytest.fixture(scope="module")
def setting():
    course = load_course(ROOT / "course.yaml")
    spec, forward = course.functions["rnn_step_backward"], course.functions["rnn_step_forward"]
    cases = build_cases(course, spec, b"consistency", forward_shapes=reference_forward(reference_namespace(course)))
    return spec, forward, cases


def _consistent(setting, namespace):
    spec, forward, cases = setting
    found = None
    for case in cases:
        gradients = graded_outputs(run_program(namespace, case.program), spec)
        program, directions = consistency.probes(spec, forward, case)
        result = run_program(namespace, program)
        ok = consistency.consistent_outputs(spec, forward, case, gradients, result, directions)
        found = ok if found is None else found & ok
    return found


def test_gradient_inputs_pair_dX_with_X(setting):
    spec, forward, _ = setting
    assert consistency.gradient_inputs(spec, forward) == {"dx": 0, "dprev_h": 1, "dWx": 2, "dWh": 3, "db": 4}


def test_wrong_forward_with_its_exact_backward_is_consistent(setting):
    namespace = {"rnn_step_forward": _no_tanh_forward, "rnn_step_backward": _no_tanh_backward}
    assert _consistent(setting, namespace) == {"dx", "dprev_h", "dWx", "dWh", "db"}


def test_only_the_wrong_gradient_is_inconsistent(setting):
    namespace = {"rnn_step_forward": reference.rnn_step_forward, "rnn_step_backward": _wrong_backward}
    assert _consistent(setting, namespace) == {"dx", "dprev_h", "dWx", "db"}


def test_correct_backward_of_a_different_forward_is_not_credited(setting):
    namespace = {"rnn_step_forward": _no_tanh_forward, "rnn_step_backward": _no_tanh_backward}
    spec, forward, cases = setting
    case = cases[0]
    program, directions = consistency.probes(spec, forward, case)
    result = run_program({"rnn_step_forward": reference.rnn_step_forward}, program)  # probes see tanh
    gradients = graded_outputs(run_program(namespace, case.program), spec)
    assert consistency.consistent_outputs(spec, forward, case, gradients, result, directions) == set()


def _zero_forward(x, prev_h, Wx, Wh, b):
    return np.zeros((x.shape[0], Wx.shape[1])), (x, prev_h, Wx, Wh)


def _zero_backward(dnext_h, cache):
    x, prev_h, Wx, Wh = cache
    return np.zeros_like(x), np.zeros_like(prev_h), np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(Wx.shape[1])


def _constant_forward(x, prev_h, Wx, Wh, b):
    return np.ones((x.shape[0], Wx.shape[1])), (x, prev_h, Wx, Wh)


def test_no_credit_without_work(setting):
    """Zeros (or a constant) forward and a zeros backward: 0 = 0 is no gradient of anything."""
    assert _consistent(setting, {"rnn_step_forward": _zero_forward, "rnn_step_backward": _zero_backward}) == set()
    assert _consistent(setting, {"rnn_step_forward": _constant_forward, "rnn_step_backward": _zero_backward}) == set()


def test_a_forward_that_ignores_one_input_earns_nothing_for_its_gradient(setting):
    """x @ Wx + b without the recurrence: dprev_h = 0 and dWh = 0 are "exact", and earn nothing."""
    def forward(x, prev_h, Wx, Wh, b):
        return x @ Wx + b, (x, prev_h, Wx, Wh)

    def backward(dnext_h, cache):
        x, prev_h, Wx, Wh = cache
        return dnext_h @ Wx.T, np.zeros_like(prev_h), x.T @ dnext_h, np.zeros_like(Wh), dnext_h.sum(axis=0)

    assert _consistent(setting, {"rnn_step_forward": forward, "rnn_step_backward": backward}) == {"dx", "dWx", "db"}
