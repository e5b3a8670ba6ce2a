"""The reference is reached only through refimpl.py: for a course copied elsewhere, its functions
and its catalogue of mistakes (reference/mutants.py) both come from the copy, never from the
``reference`` package that happens to be importable (this repository's, in the tests)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from autograder.authoring import catalogue, release
from autograder.grading import diagnose
from autograder.grading.cases import build_cases
from autograder.grading.course import load_course
from autograder.grading.pipeline import GradingPlan, reference_forward, reference_namespace, trusted_outputs
from autograder.grading.refimpl import reference_package, reference_submodule

ROOT = Path(__file__).resolve().parents[2]
KEPT = "bptt-overwrite-accumulator"  # the one mistake the copy's catalogue keeps
DROPPED = "bptt-missing-carried-gradient"  # worded, catalogued here, not in the copy


@pytest.fixture(scope="module")
def copied(tmp_path_factory):
    root = tmp_path_factory.mktemp("copied-course")
    for name in ("course.yaml", "nbgrader_config.py"):
        shutil.copy2(ROOT / name, root / name)
    for folder in ("solutions", "reference"):
        shutil.copytree(ROOT / folder, root / folder, ignore=shutil.ignore_patterns("__pycache__"))
    with (root / "reference" / "mutants.py").open("a", encoding="utf-8") as f:
        f.write(f"\nCATALOGUE = tuple(m for m in CATALOGUE if m.id == {KEPT!r})\n"
                "_BY_ID = {m.id: m for m in CATALOGUE}\n")
    return load_course(root / "course.yaml")


def test_the_copy_is_not_the_importable_reference(copied):
    import reference

    package = reference_package(copied.root)
    assert package is not reference
    mutants = reference_submodule(copied.root, "mutants")
    assert mutants.__name__ == f"{package.__name__}.mutants"
    assert [m.id for m in mutants.CATALOGUE] == [KEPT]
    assert DROPPED in [m.id for m in reference.mutants.CATALOGUE]  # the importable one still has it


def test_grading_and_authoring_read_the_copy_s_catalogue(copied):
    plan = GradingPlan(copied, b"rnnlab-refimpl-test", ["rnn"])
    assert [m.id for m in plan.diagnoser.mutants] == [KEPT]
    coverage = catalogue.rubric_coverage(copied, plan)
    assert {mutant for mutant, *_ in coverage.escapes + coverage.skipped} <= {KEPT}
    # the copy no longer catalogues DROPPED: its words are not a diagnosis of this course
    assert diagnose.explain(DROPPED, "en", course=copied) is None
    assert diagnose.explain(DROPPED, "en", course=load_course(ROOT / "course.yaml")) is not None
    assert diagnose.explain(KEPT, "en", course=copied) is not None


def test_the_release_hints_only_the_copy_s_mistakes(copied):
    spec = copied.functions["rnn_backward"]
    namespace = reference_namespace(copied)
    cases = build_cases(copied, spec, b"rnnlab-refimpl-test", forward_shapes=reference_forward(namespace), count=2)
    entries = [{"expected": out} for out in trusted_outputs(namespace, spec, cases)]
    found = release.public_mistakes(copied, spec, namespace, cases, entries)
    assert [entry["id"] for entry in found] == [KEPT]
