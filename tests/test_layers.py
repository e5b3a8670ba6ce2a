"""The package's structure is a promise: each folder a role, and imports go downwards (but for engine ↔ student).

    cli/            one thin module per verb (argparse + a call); imports anything below, never another verb
    integrations/   nbgrader, Gradescope, JUnit, LMS exports, CI summary
    report/         class statistics, HTML report, figures
    engine/         course, cases, extraction, pipeline, comparison, scoring, diagnosis, results
    student/        the notebook's check(), bundled by the release (authoring/bundle.py) with the engine's
                    compare, glossary and messages and sandbox/inside's protocol and program
    sandbox/        the sandbox's lifecycle; sandbox/inside/ is exactly what is bound into it

A verb importing another verb, or the engine importing a report or a verb, is how the old
flat package grew eight levels deep; this test keeps it from coming back.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "autograder"
# what each layer may import from autograder (besides itself)
ALLOWED = {
    "cli": {"integrations", "report", "engine", "sandbox", "student"},
    "integrations": {"report", "engine", "sandbox"},
    "report": {"engine"},
    "engine": {"sandbox", "student"},  # release writes the student's self-check module
    "sandbox": set(),
    "student": {"engine", "sandbox"},  # the comparison, wording and call programs the grader uses too
}


def layer_of(path: Path) -> str:
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 else "package"  # autograder/__init__.py, __main__.py


def autograder_imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        found += [(node.lineno, name) for name in names if name.split(".")[0] == "autograder"]
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__main__.py")


def test_every_module_lives_in_a_role_folder():
    flat = sorted(p.name for p in PACKAGE.glob("*.py") if p.name not in ("__init__.py", "__main__.py"))
    assert flat == [], f"modules outside a role folder: {flat}"
    assert set(ALLOWED) == {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}


def test_the_student_side_imports_only_what_the_bundle_carries():
    """student/ ships as one numpy-only file (authoring/bundle.py): it may import only the bundled modules."""
    from autograder.authoring.bundle import PARTS

    bundled = {name for name, _ in PARTS}
    for path in (PACKAGE / "student").glob("*.py"):
        extra = {name.rsplit(".", 1)[0] if name.rsplit(".", 1)[0] in bundled else name
                 for _, name in autograder_imports(path)} - bundled
        assert not extra, f"student/{path.name} imports {sorted(extra)}, which rnnlab_check.py does not carry"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_imports_go_downwards(path):
    layer = layer_of(path)
    bad = []
    for line, name in autograder_imports(path):
        parts = name.split(".")
        target = parts[1] if len(parts) > 1 else ""
        target = target if (PACKAGE / target).is_dir() else "package"
        if target == layer:
            if layer == "cli" and path.name != "__init__.py" and (PACKAGE / "cli" / f"{parts[2]}.py").is_file():
                bad.append(f"line {line}: {name} (a verb imports another verb)")
            continue
        if target not in ALLOWED.get(layer, set()):
            bad.append(f"line {line}: {name} ({layer} may not import {target})")
    assert not bad, f"{path.relative_to(PACKAGE)}:\n" + "\n".join(bad)


def test_inside_imports_nothing_of_the_grader():
    """sandbox/inside/ runs in the sandbox, where only it, the stdlib and numpy exist."""
    for path in (PACKAGE / "sandbox" / "inside").glob("*.py"):
        assert autograder_imports(path) == [], path.name


def test_the_checker_sees_a_violation(tmp_path):
    """The rule is not vacuous: a verb importing a verb is found."""
    fake = PACKAGE / "cli" / "grade.py"
    assert any(name.startswith("autograder.grading") for _, name in autograder_imports(fake))
    bad = tmp_path / "x.py"
    bad.write_text("from autograder.cli import merge\nimport autograder.report.html\n")
    assert [n for _, n in autograder_imports(bad)] == ["autograder.cli.merge", "autograder.report.html"]
