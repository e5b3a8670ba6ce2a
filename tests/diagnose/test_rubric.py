"""rubric_escapes: every catalogued mistake fails the items it targets under the course's rubric."""
from autograder.authoring.catalogue import rubric_coverage, rubric_escapes
from reference.mutants import Mutant, by_id

from .conftest import ReferencePlan


def test_shipped_course_catches_every_mutant(course, plan):
    coverage = rubric_coverage(course, plan)
    assert coverage.escapes == [] and rubric_escapes(course, plan) == []
    assert coverage.skipped == []  # every mutant's targets are graded by the shipped course


def test_a_mistake_the_rubric_misses_is_reported(course, plan):
    """A change the hidden cases cannot see (db off by 1e-12) escapes, and is listed."""
    from reference import rnn_step_backward

    def barely_wrong(dnext_h, cache):
        dx, dprev_h, dWx, dWh, db = rnn_step_backward(dnext_h, cache)
        return dx, dprev_h, dWx, dWh, db + 1e-12

    really_wrong = by_id("rnn-step-db-wrong-axis")
    invisible = Mutant(id="invisible", functions={"rnn_step_backward": barely_wrong},
                       targets=("rnn_step_backward.db", "rnn_step_backward.dx"))
    coverage = rubric_coverage(course, plan, mutants=[really_wrong, invisible])
    assert coverage.escapes == [("invisible", "rnn_step_backward.db"), ("invisible", "rnn_step_backward.dx")]


def test_no_mutant_escapes_for_other_secrets(course):
    """Coverage must not hang on one lucky secret (random max_norm once let clipping escape
    for ~16% of secrets, before course.yaml's `cycle` specs)."""
    for i in range(8):
        plan = ReferencePlan(course, f"secret-{i}".encode())
        assert rubric_escapes(course, plan) == [], f"secret-{i}"
