"""The package's structure is a promise: each folder a role, and imports go one way, with no exception.

    cli/            one thin module per verb (argparse + a call); imports anything below, never another verb
    integrations/   nbgrader, Gradescope, JUnit, LMS exports, CI summary, similarity, merging shards
    report/         class statistics, HTML report, figures
    authoring/      what an instructor runs to build and check a course: release, bundle, validate, scaffold, check
    grading/        course, cases, extraction, pipeline, scoring, diagnosis, wording of results, results
    student/        exactly what the release bundles into rnnlab_check.py (authoring/bundle.py PARTS),
                    besides sandbox/inside's protocol and program
    sandbox/        the sandbox's lifecycle; sandbox/inside/ is exactly what is bound into it

A verb importing another verb, or grading importing a report, a verb or the authoring side, is
how the old flat package grew eight levels deep; this test keeps it from coming back.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "autograder"
# the layers, top to bottom: each may import only the layers after it (and itself)
ORDER = ("cli", "integrations", "report", "authoring", "grading", "student", "sandbox")
# what each layer may import from autograder besides itself: every layer below it, none above
ALLOWED = {layer: set(ORDER[i + 1:]) for i, layer in enumerate(ORDER)}


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


def test_each_package_says_its_role():
    """A newcomer reads the role of each folder in its __init__.py: one sentence, the listing's word."""
    for layer in ORDER:
        doc = ast.get_docstring(ast.parse((PACKAGE / layer / "__init__.py").read_text(encoding="utf-8")))
        assert doc, f"autograder/{layer}/__init__.py says nothing of its role"


def test_student_is_exactly_what_ships():
    """Every module of student/ is bundled into rnnlab_check.py, and the bundle carries nothing
    else but sandbox/inside's protocol and program (which the sandbox needs too)."""
    from autograder.authoring.bundle import PARTS

    bundled = {name for name, _ in PARTS}
    student = {f"autograder.student.{p.stem}" for p in (PACKAGE / "student").glob("*.py") if p.name != "__init__.py"}
    assert student == {name for name in bundled if name.startswith("autograder.student.")}
    assert bundled - student == {"autograder.sandbox.inside.protocol", "autograder.sandbox.inside.program"}


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


def test_the_reference_is_reached_only_through_refimpl():
    """The course's reference/ is imported by name in grading/refimpl.py alone: everything else asks
    refimpl for the course's own copy, so a copied course's functions, catalogue and words agree."""
    found = []
    for path in MODULES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([node.module] if isinstance(node, ast.ImportFrom) and node.module and node.level == 0
                     else [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            found += [(path.relative_to(PACKAGE).as_posix(), node.lineno) for name in names
                      if name.split(".")[0] == "reference"]
    assert {where for where, _ in found} == {"grading/refimpl.py"}, found
