"""Each class name in the package means one thing: no two modules of autograder/ define the same name.

A reader who meets ``Limits`` or ``Report`` should not have to check which import it came from.
"""
from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "autograder"


def class_definitions(root: Path) -> dict[str, list[str]]:
    """Every class defined under ``root`` (nested ones included) → where: ``path:line``."""
    found: dict[str, list[str]] = defaultdict(list)
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                found[node.name].append(f"{path.relative_to(root.parent).as_posix()}:{node.lineno}")
    return found


def duplicates(root: Path) -> dict[str, list[str]]:
    return {name: places for name, places in class_definitions(root).items() if len(places) > 1}


def test_no_class_name_is_defined_twice_in_the_package():
    assert len(class_definitions(PACKAGE)) > 50  # the walk found the package's classes
    assert duplicates(PACKAGE) == {}, "rename one of each: a name should mean one thing"


def test_the_check_names_a_clash_with_both_places(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "a.py").write_text("class Limits:\n    pass\n")
    (package / "sub" / "b.py").write_text("def f():\n    class Limits:\n        pass\n\n\nclass Other:\n    pass\n")
    assert duplicates(package) == {"Limits": ["pkg/a.py:1", "pkg/sub/b.py:2"]}
