"""Fixtures for the diagnosis tests: the shipped course, hidden-style cases, reference outputs.

GradingPlan needs the solutions notebooks (templates); where they do not exist yet, the
same cases and reference outputs are built here with autograder.cases.build_cases +
program.run_program, exactly as GradingPlan does.  An extended course adds the
architecture functions (not yet in course.yaml) so that their mutants are tested too.
"""
from pathlib import Path

import pytest
import yaml

from autograder.cases import build_cases, graded_outputs
from autograder.course import load_course
from autograder.pipeline import Expected, GradingPlan, reference_namespace
from autograder.program import run_program

ROOT = Path(__file__).resolve().parents[2]
SECRET = b"rnnlab-diagnose-tests"


class ReferencePlan:
    """What GradingPlan computes for grading (cases + reference outputs), without templates."""

    def __init__(self, course, secret, assignments=None):
        self.course = course
        self.assignments = list(assignments or course.assignments)
        self.namespace = reference_namespace(course)
        self.expected = {}
        for aid in self.assignments:
            for spec in course.functions_of(aid):
                cases = build_cases(course, spec, secret, forward_shapes=self._forward)
                outputs = [graded_outputs(run_program(self.namespace, c.program), spec) for c in cases]
                self.expected[spec.name] = Expected(cases, outputs)

    def _forward(self, forward, args):
        step = {"fn": forward.name, "args": args, "nret": len(forward.returns),
                "send": list(range(len(forward.returns)))}
        return run_program(self.namespace, {"steps": [step]})["outputs"][0]


def make_plan(course, secret=SECRET):
    try:
        return GradingPlan(course, secret, list(course.assignments))
    except (FileNotFoundError, OSError):  # solutions/<asg>/<notebook> not written yet
        return ReferencePlan(course, secret)


def _cell_params(first_rows):
    p = {"Wx": {"shape": [first_rows, "H"], "scale": 0.5}, "Wh": {"shape": ["H", "H"], "scale": 0.5},
         "b": {"shape": ["H"], "scale": 0.5}}
    return {"dict": p}


ARCHITECTURE_FUNCTIONS = {
    "stacked_forward": {
        "assignment": "architectures",
        "inputs": {"x": {"shape": ["N", "T", "D"]}, "h0": {"shape": ["L", "N", "H"]},
                   "params": {"list": "L", "first": _cell_params("D"), "item": _cell_params("H")},
                   "cell": {"value": "rnn"}},
        "returns": ["h", "cache"], "points": {"h": 2},
    },
    "stacked_backward": {
        "assignment": "architectures", "through": "stacked_forward",
        "inputs": {"dh": {"like": "h"}, "cache": {"from": "cache"}},
        "returns": ["dx", "dh0", "dparams"], "points": {"dx": 2, "dh0": 1, "dparams": 2},
    },
    "bidirectional_forward": {
        "assignment": "architectures", "dims": {"K": [2, 2]},
        "inputs": {"x": {"shape": ["N", "T", "D"]}, "h0": {"shape": [2, "N", "H"]},
                   "params": {"list": "K", "item": _cell_params("D")}, "cell": {"value": "rnn"}},
        "returns": ["h", "cache"], "points": {"h": 2},
    },
    "bidirectional_backward": {
        "assignment": "architectures", "through": "bidirectional_forward", "dims": {"K": [2, 2]},
        "inputs": {"dh": {"like": "h"}, "cache": {"from": "cache"}},
        "returns": ["dx", "dh0", "dparams"], "points": {"dx": 2, "dh0": 1, "dparams": 2},
    },
}


def write_course(tmp_dir, gru_form=None, extra_functions=None):
    data = yaml.safe_load((ROOT / "course.yaml").read_text(encoding="utf-8"))
    if gru_form:
        data["course"]["gru_form"] = gru_form
    if extra_functions:
        data["assignments"].append({"id": "architectures", "notebook": "architectures.ipynb"})
        data["functions"].update(extra_functions)
    path = Path(tmp_dir) / "course.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_course(path)


@pytest.fixture(scope="session")
def course():
    return load_course(ROOT / "course.yaml")


@pytest.fixture(scope="session")
def plan(course):
    return make_plan(course)


@pytest.fixture(scope="session")
def wide_course(tmp_path_factory):
    """The shipped course plus the architecture functions."""
    return write_course(tmp_path_factory.mktemp("wide"), extra_functions=ARCHITECTURE_FUNCTIONS)


@pytest.fixture(scope="session")
def wide_plan(wide_course):
    return ReferencePlan(wide_course, SECRET)


@pytest.fixture(scope="session")
def textbook_course(tmp_path_factory):
    return write_course(tmp_path_factory.mktemp("textbook"), gru_form="textbook")


@pytest.fixture(scope="session")
def textbook_plan(textbook_course):
    return ReferencePlan(textbook_course, SECRET, ["gru"])
