"""Root causes (autograder/grading/rootcause.py): a function failing because one it calls, or is graded
through, fails names that function first; course.yaml `through` + `calls` are the one source."""
from __future__ import annotations

import ast
import json

import pytest
import yaml

from autograder.grading.course import CourseError, load_course
from autograder.grading.diagnose import Diagnoser, mutant_runs
from autograder.grading.rootcause import RootCauses, dependencies
from autograder.grading.score import CaseRun, score_function
from reference.mutants import by_id

from .conftest import ROOT


def _mutant_items(course, plan, mutant_id):
    mutant, items = by_id(mutant_id), []
    diagnoser = Diagnoser(course, plan)
    for aid in course.assignments:
        for spec in course.functions_of(aid):
            expected = plan.expected[spec.name]
            runs = mutant_runs(course, plan, mutant, spec)
            got = score_function(course, spec, expected.cases, expected.outputs, runs)
            diagnoser.diagnose(spec, runs, got)
            items += got
    return {i.item.id: i for i in RootCauses(course).apply(items)}


def test_sequence_backward_sends_the_student_to_the_step_backward(course, plan):
    items = _mutant_items(course, plan, "rnn-tanh-grad-on-preactivation")
    assert items["rnn_backward.dWh"].root_cause == "rnn_step_backward.dWh"  # same output preferred
    assert items["rnn_backward.dh0"].root_cause.startswith("rnn_step_backward.")
    assert all(items[f"rnn_step_backward.{o}"].root_cause is None for o in ("dx", "dprev_h", "dWx", "dWh", "db"))
    assert ("`rnn_backward` fails because `rnn_step_backward.dWh` is wrong: fix `rnn_step_backward` first"
            in items["rnn_backward.dWh"].message("en"))
    assert ("`rnn_step_backward.dWh`가 틀려서 `rnn_backward`도 실패합니다: `rnn_step_backward`부터 고치세요"
            in items["rnn_backward.dWh"].message("ko"))
    assert items["rnn_backward.dWh"].to_json("en")["root_cause"] == "rnn_step_backward.dWh"


def test_the_deepest_failing_function_is_named(course, plan):
    """A wrong step forward: the step backward (graded through it), the sequence forward (calls it)
    and the sequence backward all point at rnn_step_forward."""
    items = _mutant_items(course, plan, "rnn-tanh-missing-forward")
    for item_id in ("rnn_step_backward.dx", "rnn_forward.h", "rnn_backward.dWh", "rnn_backward.dh0"):
        assert items[item_id].root_cause == "rnn_step_forward.next_h", item_id
    assert items["rnn_step_forward.next_h"].root_cause is None
    lstm = _mutant_items(course, plan, "lstm-gate-order-ifgo")
    assert lstm["lstm_forward.h"].root_cause == "lstm_step_forward.next_h"
    assert lstm["lstm_backward.dWx"].root_cause == "lstm_step_forward.next_h"


def test_a_mistake_of_the_function_itself_has_no_root_cause(course, plan):
    items = _mutant_items(course, plan, "lstm-dprev-c-not-carried")
    failed = [i for i in items.values() if i.status != "passed"]
    assert failed and all(i.item.function == "lstm_backward" and i.root_cause is None for i in failed)
    assert all(not i.notes for i in failed)


def test_an_error_in_a_called_function_is_named(course, plan):
    """rnn_step_forward not implemented: rnn_forward, which calls it, is sent there."""
    items = []
    for spec in course.functions_of("rnn"):
        expected = plan.expected[spec.name]
        if spec.name in ("rnn_step_forward", "rnn_forward"):
            runs = [CaseRun(error_kind="not-implemented", error_detail="", failed_function=spec.name)] * len(expected.cases)
        else:
            runs = [CaseRun(outputs=o) for o in expected.outputs]
        items += score_function(course, spec, expected.cases, expected.outputs, runs)
    by_id_ = {i.item.id: i for i in RootCauses(course).apply(items)}
    assert by_id_["rnn_forward.h"].root_cause == "rnn_step_forward.next_h"
    assert "`rnn_step_forward`가 제대로 실행되지 않아 `rnn_forward`도 실패합니다" in by_id_["rnn_forward.h"].message("ko")
    assert by_id_["rnn_step_forward.next_h"].root_cause is None
    assert all(i.root_cause is None for i in by_id_.values() if i.status == "passed")


def test_dependencies_stay_inside_the_assignment(course):
    assert dependencies(course, "rnn_backward") == ("rnn_forward", "rnn_step_backward")
    assert dependencies(course, "lstm_forward") == ("lstm_step_forward",)
    assert dependencies(course, "many_to_one_backward") == ("many_to_one_forward",)  # not rnn's functions
    assert dependencies(course, "rnn_step_forward") == ()


def _called_graded_functions(course, aid):
    """function -> the graded functions of the same assignment its solution code calls."""
    nb = json.loads((ROOT / "solutions" / aid / course.assignments[aid].notebook).read_text(encoding="utf-8"))
    graded = {s.name for s in course.functions_of(aid)}
    found = {}
    for cell in nb["cells"]:
        if cell["cell_type"] != "code" or not cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
            continue
        try:
            tree = ast.parse("".join(cell["source"]))
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name in graded:
                found[node.name] = sorted({n.func.id for n in ast.walk(node) if isinstance(n, ast.Call)
                                           and isinstance(n.func, ast.Name) and n.func.id in graded - {node.name}})
    return found


def test_course_calls_match_what_the_solutions_call(course):
    for aid in course.assignments:
        for name, called in _called_graded_functions(course, aid).items():
            assert sorted(course.functions[name].calls) == called, name


def test_calls_are_validated(tmp_path):
    data = yaml.safe_load((ROOT / "course.yaml").read_text(encoding="utf-8"))
    data["functions"]["lstm_forward"]["calls"] = ["rnn_step_forward"]
    data["functions"]["gru_forward"]["calls"] = ["no_such_function"]
    path = tmp_path / "course.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(CourseError) as info:
        load_course(path)
    assert "another assignment" in str(info.value) and "no_such_function" in str(info.value)


# ------------------------------------------------------------- which output is blamed

CARRIED = {"dprev_h", "dprev_c", "next_h", "next_c"}  # the state a step hands to the next


def _items_with(course, plan, aid, wrong: dict[str, set[str]]):
    """Every item of ``aid``; the outputs listed in ``wrong`` (function -> outputs) fail, the rest pass."""
    items = []
    for spec in course.functions_of(aid):
        expected = plan.expected[spec.name]
        runs = []
        for outputs in expected.outputs:
            outputs = dict(outputs)
            for out in wrong.get(spec.name, ()):
                outputs[out] = outputs[out] * 1.5 + 0.1
            runs.append(CaseRun(outputs=outputs))
        items += score_function(course, spec, expected.cases, expected.outputs, runs)
    return {i.item.id: i for i in RootCauses(course).apply(items)}


CALLERS = [name for name in ("rnn_forward", "rnn_backward", "lstm_forward", "lstm_backward", "gru_forward",
                             "gru_backward")]


@pytest.mark.parametrize("function", CALLERS)
def test_each_output_blames_its_namesake_or_the_carried_state(function, course, plan):
    """Every output of the called step function fails: each output of the caller names its
    namesake (dWx -> dWx) or, without one, the state carried between steps (dh0 -> dprev_h,
    h -> next_h), never an unrelated output (lstm_backward.dh0 once blamed .dx)."""
    spec = course.functions[function]
    (callee,) = spec.calls
    callee_spec = course.functions[callee]
    wrong = {callee: {i.output for i in callee_spec.items}, function: {i.output for i in spec.items}}
    items = _items_with(course, plan, spec.assignment, wrong)
    for item in spec.items:
        cause = items[item.id].root_cause
        assert cause is not None, item.id
        cause_function, _, cause_output = cause.partition(".")
        assert cause_function == callee, (item.id, cause)
        if item.output in callee_spec.returns:
            assert cause_output == item.output, (item.id, cause)
        else:
            assert cause_output in CARRIED, (item.id, cause)


def test_the_issue_example_lstm_dh0_blames_dprev_h_not_dx(course, plan):
    items = _mutant_items(course, plan, "lstm-tanh-c-path-missing")  # every step output fails
    assert items["lstm_step_backward.dx"].status == "failed"
    assert items["lstm_backward.dh0"].root_cause in ("lstm_step_backward.dprev_h", "lstm_step_backward.dprev_c")
    assert items["lstm_backward.dx"].root_cause == "lstm_step_backward.dx"
    # only dprev_c fails in the step: dh0 (and everything, through the carried state) names it
    items = _mutant_items(course, plan, "lstm-dprev-c-missing-f")
    assert items["lstm_backward.dh0"].root_cause == "lstm_step_backward.dprev_c"
    assert items["lstm_backward.dWx"].root_cause == "lstm_step_backward.dprev_c"
    gru = _mutant_items(course, plan, "gru-update-gate-grad-sign")
    assert gru["gru_backward.dh0"].root_cause == "gru_step_backward.dprev_h"


def test_an_unrelated_failing_output_explains_nothing(course, plan):
    """The step's dWx is wrong and the sequence's dh0 too: dh0 does not depend on dWx, so no
    root cause is claimed for it (its own code is to blame); dWx still names its namesake."""
    items = _items_with(course, plan, "rnn", {"rnn_step_backward": {"dWx"}, "rnn_backward": {"dh0", "dWx"}})
    assert items["rnn_backward.dh0"].root_cause is None and not items["rnn_backward.dh0"].notes
    assert items["rnn_backward.dWx"].root_cause == "rnn_step_backward.dWx"


def test_a_wrong_forward_explains_every_output_of_its_backward(course, plan):
    items = _items_with(course, plan, "lstm", {"lstm_step_forward": {"next_c"},
                                               "lstm_step_backward": {"dx", "dprev_c"}})
    assert items["lstm_step_backward.dx"].root_cause == "lstm_step_forward.next_c"
    assert items["lstm_step_backward.dprev_c"].root_cause == "lstm_step_forward.next_c"
