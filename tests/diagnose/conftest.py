"""Fixtures for the diagnosis tests: the shipped course, hidden-style cases, reference outputs.

GradingPlan needs the solutions notebooks (templates) next to its course.yaml; for a
modified copy of the course in a temporary folder (e.g. the textbook GRU form) the same
cases and reference outputs are built by ReferencePlan, exactly as GradingPlan does.
"""
from pathlib import Path

import pytest
import yaml

from autograder.grading.cases import build_cases, graded_outputs
from autograder.grading.course import load_course
from autograder.grading.pipeline import Expected, GradingPlan, reference_forward, reference_namespace
from autograder.sandbox.inside.program import run_program

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
                cases = build_cases(course, spec, secret, forward_shapes=reference_forward(self.namespace))
                outputs = [graded_outputs(run_program(self.namespace, c.program), spec) for c in cases]
                self.expected[spec.name] = Expected(cases, outputs)


def make_plan(course, secret=SECRET):
    return GradingPlan(course, secret, list(course.assignments))


def write_course(tmp_dir, gru_form=None):
    data = yaml.safe_load((ROOT / "course.yaml").read_text(encoding="utf-8"))
    if gru_form:
        data["course"]["gru_form"] = gru_form
    path = Path(tmp_dir) / "course.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_course(path)


@pytest.fixture(scope="session")
def plan(course):
    return make_plan(course)


@pytest.fixture(scope="session")
def textbook_course(tmp_path_factory):
    return write_course(tmp_path_factory.mktemp("textbook"), gru_form="textbook")


@pytest.fixture(scope="session")
def textbook_plan(textbook_course):
    return ReferencePlan(textbook_course, SECRET, ["gru"])
