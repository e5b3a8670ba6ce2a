"""The student release holds no reference or solution code.

Students get exercises/<asg>/: the notebook, the public_cases.npz fixture and the self-check
module rnnlab_check.py that `autograder release` bundles from the package's student side
(and, in a student repository, possibly the autograder package itself).  None of it may
carry the reference implementation or the instructor's solutions: (a) no function body of
reference/ (normalised, renamed variables included) appears in autograder/*.py, in a bundled
rnnlab_check.py or in an exercise's code cells; (b) no solution line appears there; (c) no
autograder module imports the reference at import time; (d) the fixtures are plain numeric
data that load without pickle; (e) a released folder holds exactly those three files, and its
module runs with nothing but numpy and the standard library.
"""
from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import numpy as np
import pytest

from autograder.authoring.audit import solution_lines

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = sorted((ROOT / "reference").glob("*.py"))
PACKAGE = sorted((ROOT / "autograder").rglob("*.py"))
EXERCISES = sorted((ROOT / "exercises").glob("*/*.ipynb"))
SOLUTIONS = sorted((ROOT / "solutions").glob("*/*.ipynb"))
FIXTURES = sorted((ROOT / "exercises").glob("*/public_cases.npz"))
BUNDLES = sorted((ROOT / "exercises").glob("*/rnnlab_check.py"))
RELEASED_FILES = {"public_cases.npz", "rnnlab_check.py"}  # besides the assignment's notebook
MIN_STATEMENTS = 3
NUMERIC_KINDS = set("biuf")  # bool, int, unsigned, float

pytestmark = pytest.mark.sandbox


# ------------------------------------------------------------------ normalised code


class _Rename(ast.NodeTransformer):
    """Local names become v0, v1, ... in order of appearance; docstrings go."""

    def __init__(self):
        self.names: dict[str, str] = {}

    def _name(self, name: str) -> str:
        return self.names.setdefault(name, f"v{len(self.names)}")

    def visit_Name(self, node):
        return ast.copy_location(ast.Name(id=self._name(node.id), ctx=node.ctx), node)

    def visit_arg(self, node):
        node.arg = self._name(node.arg)
        node.annotation = None
        return node


def _strip_docstring(body: list[ast.stmt]) -> list[ast.stmt]:
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
            and isinstance(body[0].value.value, str):
        return body[1:]
    return body


def normalised(statements: list[ast.stmt]) -> str:
    module = ast.Module(body=[_copy(s) for s in statements], type_ignores=[])
    return ast.dump(_Rename().visit(module), annotate_fields=False, include_attributes=False)


def _copy(node: ast.AST) -> ast.AST:
    return ast.parse(ast.unparse(node)).body[0]


def function_bodies(tree: ast.AST) -> list[tuple[str, list[ast.stmt]]]:
    return [(node.name, _strip_docstring(node.body)) for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]


def statement_lists(tree: ast.AST) -> list[list[ast.stmt]]:
    """Every list of statements in the tree (module, function, loop and branch bodies)."""
    lists = []
    for node in ast.walk(tree):
        for name in ("body", "orelse", "finalbody"):
            value = getattr(node, name, None)
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                lists.append(_strip_docstring(value))
    return lists


def shape(statements: list[ast.stmt]) -> tuple[str, ...]:
    """The statement types: a cheap filter before normalising a candidate window."""
    return tuple(type(s).__name__ for s in statements)


def reference_bodies() -> list[tuple[str, tuple[str, ...], str]]:
    """(function, statement types, normalised body) of every reference function with ≥ MIN_STATEMENTS statements."""
    found = []
    for path in REFERENCE:
        for name, body in function_bodies(ast.parse(path.read_text())):
            if len(body) >= MIN_STATEMENTS:
                found.append((f"{path.stem}.{name}", shape(body), normalised(body)))
    return found


def _code_cells(path: Path) -> list[str]:
    nb = nbformat.read(str(path), as_version=4)
    return ["\n".join("pass" if line.lstrip().startswith(("%", "!")) else line for line in c.source.splitlines())
            for c in nb.cells if c.cell_type == "code"]


def release_code() -> dict[str, ast.AST]:
    """Every piece of code a student receives: the package's modules and the exercises' code cells."""
    code = {str(p.relative_to(ROOT)): ast.parse(p.read_text()) for p in [*PACKAGE, *BUNDLES]}
    for path in EXERCISES:
        for i, source in enumerate(_code_cells(path)):
            try:
                code[f"{path.relative_to(ROOT)}[{i}]"] = ast.parse(source)
            except SyntaxError:  # a stub may be incomplete on purpose
                continue
    return code


def windows(statements: list[ast.stmt], size: int):
    for start in range(len(statements) - size + 1):
        yield statements[start:start + size]


# ------------------------------------------------------------------ (a) reference bodies


def test_normalisation_sees_through_renaming():
    original = ast.parse("def f(x, W):\n    a = x @ W\n    b = np.tanh(a)\n    return b, (x, a)\n")
    renamed = ast.parse("def g(inp, w):\n    '''doc'''\n    pre = inp @ w\n    out = np.tanh(pre)\n"
                        "    return out, (inp, pre)\n")
    other = ast.parse("def g(inp, w):\n    pre = w @ inp\n    out = np.tanh(pre)\n    return out, (inp, pre)\n")
    ((_, a),), ((_, b),), ((_, c),) = function_bodies(original), function_bodies(renamed), function_bodies(other)
    assert normalised(a) == normalised(b) != normalised(c)


def test_no_reference_function_body_is_in_the_release():
    bodies = reference_bodies()
    assert len(bodies) >= 20, "the reference should have many multi-statement functions"
    wanted: dict[tuple[str, ...], dict[str, str]] = {}
    for name, kinds, dump in bodies:
        wanted.setdefault(kinds, {})[dump] = name
    sizes = {len(k) for k in wanted}
    leaks, compared = [], 0
    for where, tree in release_code().items():
        for statements in statement_lists(tree):
            for size in sizes:
                for window in windows(statements, size):
                    candidates = wanted.get(shape(window))
                    if candidates:
                        compared += 1
                        name = candidates.get(normalised(window))
                        if name:
                            leaks.append(f"{name} in {where} (line {window[0].lineno})")
    assert not leaks, "\n".join(leaks)
    assert compared > 50  # windows of the right shape were really compared


def test_the_body_detector_finds_a_copied_function(tmp_path):
    """The check above can fail: a reference body pasted (renamed) into release code is found."""
    name, kinds, dump = max(reference_bodies(), key=lambda b: len(b[1]))
    module, function = name.split(".")
    source = (ROOT / "reference" / f"{module}.py").read_text()
    (body,) = [b for n, b in function_bodies(ast.parse(source)) if n == function][:1]
    pasted = ast.parse("def helper(q):\n    x = 1\n" + "\n".join("    " + line for line in
                                                                ast.unparse(ast.Module(body, [])).splitlines()))
    found = [normalised(w) for s in statement_lists(pasted) for w in windows(s, len(kinds))]
    assert dump in found


# ------------------------------------------------------------------ (b) solution lines


def test_no_solution_line_is_in_the_release():
    solution = {line: path.parent.name for path in SOLUTIONS for line in solution_lines(nbformat.read(str(path), 4))}
    assert len(solution) > 100
    leaks = []
    for path in [*PACKAGE, *BUNDLES]:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if line.strip() in solution:
                leaks.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    for path in EXERCISES:
        for source in _code_cells(path):
            leaks += [f"{path.relative_to(ROOT)}: {line.strip()}" for line in source.splitlines()
                      if line.strip() in solution]
    assert not leaks, "\n".join(leaks)


# ------------------------------------------------------------------ (c) imports of the reference


def _imports_reference(node: ast.AST) -> bool:
    if isinstance(node, ast.Import):
        return any(a.name == "reference" or a.name.startswith("reference.") for a in node.names)
    if isinstance(node, ast.ImportFrom):
        return node.level == 0 and (node.module or "").split(".")[0] == "reference"
    if isinstance(node, ast.Call):  # importlib.import_module("reference") / __import__("reference")
        name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
        return name in ("import_module", "__import__") and any(
            isinstance(a, ast.Constant) and str(a.value).split(".")[0] == "reference" for a in node.args)
    return False


def module_level_reference_imports(tree: ast.AST) -> list[int]:
    """Lines where the reference is imported outside every function body (i.e. at import time)."""
    lines = []

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if not inside and _imports_reference(child):
                lines.append(child.lineno)
            visit(child, inside)

    visit(tree, False)
    return lines


def test_no_autograder_module_imports_the_reference_at_import_time():
    offenders = {str(p.relative_to(ROOT)): module_level_reference_imports(ast.parse(p.read_text())) for p in PACKAGE}
    assert not {k: v for k, v in offenders.items() if v}
    assert module_level_reference_imports(ast.parse("import reference\ndef f():\n    import reference\n")) == [1]
    assert module_level_reference_imports(ast.parse("try:\n    from reference.rnn import x\nexcept ImportError:\n"
                                                    "    pass\n")) == [2]


def test_importing_every_autograder_module_leaves_the_reference_unloaded():
    # worker.py runs only inside the sandbox, where it imports its neighbours flat
    modules = [".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__") for p in PACKAGE
               if p.stem != "__main__" and p.name != "worker.py"]
    assert "autograder.grading.pipeline" in modules and "autograder.cli" in modules
    code = ("import importlib, sys\n"
            f"for name in {modules!r}:\n"
            "    importlib.import_module(name)\n"
            "print(sorted(m for m in sys.modules if m == 'reference' or m.startswith('reference.')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]", out.stderr


def test_the_sandboxed_files_import_only_each_other_numpy_and_the_stdlib():
    for name in ("worker.py", "protocol.py", "program.py"):
        tree = ast.parse((ROOT / "autograder" / "sandbox" / "inside" / name).read_text())
        imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        imported |= {(n.module or "").split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert not imported & {"reference", "autograder", "yaml", "nbformat", "jsonschema"}, (name, imported)
        assert imported - {"__future__", "numpy", "program", "protocol", ""} <= set(sys.stdlib_module_names), imported


# ------------------------------------------------------------------ (d) fixtures


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.parent.name)
def test_public_fixture_is_plain_numeric_data(path):
    with zipfile.ZipFile(path) as archive:  # nothing but .npy members
        assert all(n.endswith(".npy") for n in archive.namelist())
    with np.load(path, allow_pickle=False) as data:
        assert "__meta__" in data.files
        for key in data.files:
            array = data[key]  # raises ValueError for an object (pickled) array
            assert array.dtype.kind in NUMERIC_KINDS and not array.dtype.hasobject, (key, array.dtype)
            assert key == "__meta__" or key[0] == "a" and key[1:].isdigit(), key
        meta = json.loads(data["__meta__"].tobytes().decode("utf-8"))
    text = json.dumps(meta)
    assert "def " not in text and "import " not in text and "lambda" not in text


def test_every_exercise_has_its_fixture():
    assert [p.parent for p in FIXTURES] == [p.parent for p in EXERCISES]


# ------------------------------------------------------------------ (e) the released folder


def test_a_released_folder_holds_the_notebook_its_cases_and_its_check_module_only():
    from autograder.grading.course import load_course

    course = load_course(ROOT / "course.yaml")
    folders = sorted(p for p in (ROOT / "exercises").iterdir() if p.is_dir())
    assert folders and [p.parent for p in BUNDLES] == folders
    for folder in folders:
        files = {p.relative_to(folder).as_posix() for p in folder.rglob("*")
                 if p.is_file() and "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts}
        # an assignment's text data (data/*.txt, e.g. langmodel's corpus) ships as the instructor put it there
        data = {p.relative_to(ROOT / "solutions" / folder.name).as_posix()
                for p in (ROOT / "solutions" / folder.name).glob("data/*.txt")}
        assert files == RELEASED_FILES | {course.assignments[folder.name].notebook} | data, folder.name


@pytest.mark.parametrize("path", BUNDLES, ids=lambda p: p.parent.name)
def test_the_check_module_imports_only_numpy_and_the_stdlib(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {(n.module or ".").split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert "." not in imported and imported - {"numpy"} <= set(sys.stdlib_module_names), imported


def test_the_check_module_runs_without_the_package_or_the_reference(tmp_path):
    """In an isolated interpreter (-I: no cwd, no PYTHONPATH, no user site) with autograder and
    reference made unimportable, a released folder's check() works: stubs say "not implemented"."""
    folder = tmp_path / BUNDLES[0].parent.name
    shutil.copytree(BUNDLES[0].parent, folder, ignore=shutil.ignore_patterns("__pycache__"))
    code = ("import sys\n"
            "sys.modules['autograder'] = sys.modules['reference'] = None\n"
            "sys.path.insert(0, '.')\n"
            "from rnnlab_check import check, load_fixtures, fixture_path\n"
            "names = list(load_fixtures(fixture_path())['functions'])\n"
            "def stub(*args):\n"
            "    raise NotImplementedError\n"
            "statuses = {check(n, namespace={m: stub for m in names}, lang='en', quiet=True).status for n in names}\n"
            "print(sorted(statuses))\n"
            "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('autograder', 'reference', 'yaml', "
            "'nbformat', 'jsonschema') and sys.modules[m] is not None)\n"
            "print(loaded)\n")
    proc = subprocess.run([sys.executable, "-I", "-c", code], cwd=folder, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["['not-implemented']", "[]"], proc.stdout


def test_every_copy_of_the_check_module_is_what_release_bundles_now():
    from autograder.authoring.bundle import bundle_source

    fresh = bundle_source()
    copies = [*BUNDLES, *sorted((ROOT / "solutions").glob("*/rnnlab_check.py"))]
    assert len(copies) == 2 * len(EXERCISES)
    stale = [str(p.relative_to(ROOT)) for p in copies if p.read_text(encoding="utf-8") != fresh]
    assert not stale, f"stale (run `autograder release`): {stale}"


def test_a_fresh_clone_holds_every_released_file():
    """The generated copies are committed (docs/NOTEBOOKS.md, "Files"): a clone is what students
    get (exercises/) and what nbgrader autograde copies over a student's files (solutions/)."""
    from autograder.grading.course import load_course

    course = load_course(ROOT / "course.yaml")
    listed = subprocess.run(["git", "ls-files", "-z", "--", "exercises", "solutions"], cwd=ROOT, check=True,
                            capture_output=True).stdout.decode().split("\0")
    tracked = {Path(name) for name in listed if name}
    missing = [f"{side}/{aid}/{name}" for aid, assignment in course.assignments.items()
               for side in ("exercises", "solutions") for name in (assignment.notebook, *sorted(RELEASED_FILES))
               if Path(side, aid, name) not in tracked]
    assert len(course.assignments) == len(EXERCISES)
    assert not missing, f"not committed (a fresh clone would lack them): {missing}"
