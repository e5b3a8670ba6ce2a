"""rubric_digest hashes what decides a grade, and nothing else: a changed --help text or HTML
report regrades nobody; a changed scoring module, sandbox worker or reference regrades everyone."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from autograder.grading import pipeline

PACKAGE = Path(pipeline.__file__).resolve().parents[1]


def _sources(package: Path) -> set[str]:
    return {p.relative_to(package).as_posix() for p in pipeline.grading_sources(package)}


def test_what_grades_is_in_and_what_only_shows_is_out():
    sources = _sources(PACKAGE)
    for module in ("grading/pipeline.py", "grading/score.py", "student/compare.py", "grading/cases.py",
                   "grading/diagnose.py", "grading/mistakes.py", "sandbox/box.py", "sandbox/inside/worker.py",
                   "sandbox/inside/program.py"):
        assert module in sources, module
    for module in sources:
        assert not module.startswith(("cli/", "report/", "integrations/")), module
    for module in ("authoring/release.py", "authoring/bundle.py", "authoring/scaffold.py", "integrations/merge.py"):
        assert module not in sources, module


def test_a_local_import_is_followed(tmp_path):
    package = tmp_path / "autograder"
    (package / "grading").mkdir(parents=True)
    (package / "sandbox" / "inside").mkdir(parents=True)
    (package / "grading" / "pipeline.py").write_text("def f():\n    from autograder.grading import late\n")
    (package / "grading" / "late.py").write_text("from . import relative\n")
    (package / "grading" / "relative.py").write_text("")
    (package / "grading" / "unused.py").write_text("")
    assert _sources(package) == {"grading/pipeline.py", "grading/late.py", "grading/relative.py"}


@pytest.fixture()
def package_copy(tmp_path, monkeypatch):
    copy = tmp_path / "autograder"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(pipeline, "__file__", str(copy / "grading" / "pipeline.py"))
    pipeline._grading_digest.cache_clear()
    yield copy
    pipeline._grading_digest.cache_clear()


def _digest_after(edit) -> str:
    edit()
    pipeline._grading_digest.cache_clear()
    return pipeline._grading_digest()


def test_editing_help_or_the_report_keeps_the_digest_and_editing_scoring_changes_it(package_copy):
    before = pipeline._grading_digest()
    append = lambda rel: (lambda: (package_copy / rel).write_text((package_copy / rel).read_text() + "\n# edit\n"))
    assert _digest_after(append("cli/grade.py")) == before
    assert _digest_after(append("report/html.py")) == before
    assert _digest_after(append("grading/score.py")) != before
    after_score = pipeline._grading_digest()
    assert _digest_after(append("sandbox/inside/worker.py")) != after_score
