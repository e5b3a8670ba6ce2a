"""`autograder new-function NAME --assignment A`: everything a new graded function needs, as stubs.

It writes, and checks before writing anything:

- course.yaml: the function's entry (inputs, returns, points; ``through`` for a backward),
  inserted as text after the assignment's last function, so every comment and the file's
  layout stay as they were (a pyyaml round trip would drop them);
- reference/added.py: a reference stub with a CS231n-style docstring (Inputs / Returns with
  shapes), exported from the reference package; the stub raises NotImplementedError, and
  `autograder validate` says so until it is written;
- solutions/<A>/<notebook>: a markdown cell, the solution cell (the def, the same docstring,
  ### BEGIN / END SOLUTION) and the grade cell ``check("NAME")`` with course.yaml's points,
  after the assignment's last grade cell.

Argument syntax: ``--arg NAME=N,H`` (a random array of that shape), ``--arg dout=like:out``
(upstream gradient shaped like the forward's output ``out``), ``--arg cache=from:cache``
(the forward's own output, passed back); ``--returns out=N,H`` (shape only for the
docstring) or ``--returns cache``.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml

from autograder.engine.course import CACHE_OUTPUT, Course, CourseError, load_course
from autograder.engine.errors import UsageError

REFERENCE_MODULE = "added"
IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
DIM = re.compile(r"^([0-9]+\*)?[A-Za-z_][A-Za-z0-9_]*$|^[0-9]+$")


@dataclass
class Arg:
    name: str
    shape: tuple[str, ...] | None = None  # a random array
    like: str | None = None  # upstream gradient shaped like the forward's output
    source: str | None = None  # ``from``: the forward's own output

    def yaml(self) -> str:
        if self.like is not None:
            return f"{{like: {self.like}}}"
        if self.source is not None:
            return f"{{from: {self.source}}}"
        return "{shape: [" + ", ".join(self.shape or ()) + "]}"


@dataclass
class Output:
    name: str
    shape: tuple[str, ...] | None = None


@dataclass
class NewFunction:
    name: str
    assignment: str
    args: list[Arg]
    returns: list[Output]
    points: dict[str, float]
    through: str | None = None
    summary: str = ""
    written: list[str] = field(default_factory=list)


def _shape(text: str, what: str) -> tuple[str, ...]:
    dims = tuple(d.strip() for d in text.split(",") if d.strip())
    bad = [d for d in dims if not DIM.match(d)]
    if bad:
        raise UsageError(f"{what}: {', '.join(bad)} is not a size name (e.g. N, H, 4*H) or a number")
    return dims


def parse_arg(text: str) -> Arg:
    name, _, spec = text.partition("=")
    name = name.strip()
    if not IDENT.match(name):
        raise UsageError(f"--arg {text!r}: {name!r} is not a Python name; write NAME=N,H, NAME=like:OUT or NAME=from:OUT")
    spec = spec.strip()
    if spec.startswith("like:"):
        return Arg(name, like=spec[5:].strip())
    if spec.startswith("from:"):
        return Arg(name, source=spec[5:].strip())
    return Arg(name, shape=_shape(spec or "N,D", f"--arg {text!r}"))


def parse_output(text: str) -> Output:
    name, _, spec = text.partition("=")
    if not IDENT.match(name.strip()):
        raise UsageError(f"--returns {text!r}: {name.strip()!r} is not a Python name")
    return Output(name.strip(), _shape(spec, f"--returns {text!r}") if spec.strip() else None)


def plan_function(course: Course, name: str, assignment: str, args: list[str] | None, returns: list[str] | None,
                  points: list[str] | None, through: str | None, summary: str = "") -> NewFunction:
    """Check the request against the course and fill in the defaults."""
    if not IDENT.match(name):
        raise UsageError(f"{name!r} is not a Python function name")
    if assignment not in course.assignments:
        raise UsageError(f"unknown assignment {assignment!r}; course.yaml has {', '.join(course.assignments)}")
    if name in course.functions:
        raise UsageError(f"{name} is already in course.yaml (assignment '{course.functions[name].assignment}')")
    forward = None
    if through is not None:
        forward = course.functions.get(through)
        if forward is None:
            raise UsageError(f"--through {through}: not a graded function in course.yaml")
        if forward.through is not None:
            raise UsageError(f"--through {through}: it is itself graded through {forward.through}; "
                             "a backward goes through a forward")
    parsed_args = [parse_arg(a) for a in args] if args else (
        [Arg("dout", like=next(r for r in forward.returns if r != CACHE_OUTPUT)), Arg("cache", source=CACHE_OUTPUT)]
        if forward is not None else [Arg("x", shape=("N", "D"))])
    for arg in parsed_args:
        ref = arg.like or arg.source
        if ref is not None and (forward is None or ref not in forward.returns):
            raise UsageError(f"--arg {arg.name}: like:/from: name an output of the --through forward"
                             + (f" ({', '.join(forward.returns)})" if forward else "; give --through FORWARD"))
    names = [a.name for a in parsed_args]
    if len(set(names)) != len(names):
        raise UsageError(f"argument names repeat: {', '.join(names)}")
    outputs = [parse_output(r) for r in returns] if returns else (
        [Output(f"d{a.name}", a.shape) for a in _forward_args(forward)] if forward is not None
        else [Output("out"), Output(CACHE_OUTPUT)])
    graded = [o.name for o in outputs if o.name != CACHE_OUTPUT]
    if not graded:
        raise UsageError("--returns: at least one output besides the cache must be graded")
    point_map: dict[str, float] = {}
    for entry in points or [f"{o}=1" for o in graded]:
        output, _, value = entry.partition("=")
        try:
            point_map[output.strip()] = float(value)
        except ValueError:
            raise UsageError(f"--points {entry!r}: write OUTPUT=POINTS, e.g. {graded[0]}=2") from None
        if output.strip() not in graded:
            raise UsageError(f"--points {entry!r}: {output.strip()} is not a graded output ({', '.join(graded)})")
    return NewFunction(name, assignment, parsed_args, outputs, point_map, through, summary)


def _forward_args(forward) -> list[Arg]:
    return [Arg(n, shape=tuple(s["shape"]) if isinstance(s, dict) and "shape" in s else None)
            for n, s in forward.inputs.items()]


# --------------------------------------------------------------------------- course.yaml


def _number(value: float) -> str:
    return f"{value:g}"


def course_entry(fn: NewFunction) -> str:
    lines = [f"  {fn.name}:", f"    assignment: {fn.assignment}"]
    if fn.summary:
        lines.append(f"    description: {json.dumps(fn.summary, ensure_ascii=False)}")  # JSON strings are YAML
    if fn.through:
        lines.append(f"    through: {fn.through}")
    lines.append("    inputs:")
    lines += [f"      {a.name}: {a.yaml()}" for a in fn.args]
    lines.append("    returns: [" + ", ".join(o.name for o in fn.returns) + "]")
    lines.append("    points: {" + ", ".join(f"{k}: {_number(v)}" for k, v in fn.points.items()) + "}")
    return "\n".join(lines) + "\n"


def insert_course_entry(text: str, fn: NewFunction) -> str:
    """course.yaml's text with the entry after the assignment's last function (comments kept)."""
    root = yaml.compose(text)
    functions = next(v for k, v in root.value if k.value == "functions")
    lines = text.splitlines(keepends=True)
    insert_at = None
    for key, value in functions.value:
        fields = {k.value: v for k, v in value.value} if isinstance(value, yaml.MappingNode) else {}
        if getattr(fields.get("assignment"), "value", None) == fn.assignment:
            end = value.end_mark.line  # 0-based line where the next key (or the end) starts
            while end > 0 and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
                end -= 1
            insert_at = end
    if insert_at is None:  # the assignment's first function: at the end of the functions mapping
        insert_at = len(lines)
        while insert_at > 0 and not lines[insert_at - 1].strip():
            insert_at -= 1
    if insert_at > 0 and not lines[insert_at - 1].endswith("\n"):
        lines[insert_at - 1] += "\n"
    return "".join(lines[:insert_at]) + course_entry(fn) + "".join(lines[insert_at:])


# --------------------------------------------------------------------------- docstring and stubs


def _shape_text(shape: tuple[str, ...] | None) -> str:
    if not shape:
        return "of shape (...)"
    return "of shape (" + ", ".join(shape) + ("," if len(shape) == 1 else "") + ")"


def docstring(fn: NewFunction, course: Course, indent: str = "    ") -> str:
    forward = course.functions.get(fn.through) if fn.through else None
    lines = [fn.summary or f"TODO: one line on what {fn.name} computes.", "", "Inputs:"]
    for arg in fn.args:
        if arg.like is not None:
            lines.append(f"- {arg.name}: Upstream gradient, shaped like the {arg.like} of {fn.through}")
        elif arg.source is not None:
            lines.append(f"- {arg.name}: {'Cache object' if arg.source == CACHE_OUTPUT else arg.source.capitalize()}"
                         f" from your {fn.through}")
        else:
            lines.append(f"- {arg.name}: Array {_shape_text(arg.shape)}")
    lines.append("")
    lines.append("Returns a tuple of:" if len(fn.returns) > 1 else "Returns:")
    for out in fn.returns:
        if out.name == CACHE_OUTPUT:
            lines.append(f"- {out.name}: Values needed for the backward pass")
        elif out.name.startswith("d") and forward is not None and out.name[1:] in forward.inputs:
            lines.append(f"- {out.name}: Gradient with respect to {out.name[1:]}, "
                         f"{_shape_text(out.shape)}")
        else:
            lines.append(f"- {out.name}: Array {_shape_text(out.shape)}")
    body = "\n".join((indent + line) if line else "" for line in lines)
    return f'{indent}"""\n{body}\n{indent}"""\n'


def signature(fn: NewFunction) -> str:
    return f"def {fn.name}(" + ", ".join(a.name for a in fn.args) + "):\n"


def reference_stub(fn: NewFunction, course: Course) -> str:
    return ("\n\n" + signature(fn) + docstring(fn, course)
            + f'    raise NotImplementedError("reference {fn.name}: write it here, then run `autograder validate`")\n')


def solution_source(fn: NewFunction, course: Course) -> str:
    returns = ", ".join(o.name for o in fn.returns)
    return (signature(fn) + docstring(fn, course) + "    ### BEGIN SOLUTION\n"
            f"    raise NotImplementedError(\"solution of {fn.name}: compute {returns} here\")\n"
            "    ### END SOLUTION")


ADDED_HEADER = '''"""Reference functions added with `autograder new-function` (the trusted side only).

Each is compared with every student's; `autograder validate` proves it on course.yaml's inputs.
Move a function to a topic module (rnn.py, lstm.py, ...) when it settles, and export it there.
"""
from __future__ import annotations

import numpy as np  # noqa: F401

from .layers import sigmoid, softmax  # noqa: F401

__all__: list[str] = []
'''
INIT_EXPORT = '''

# Functions added with `autograder new-function` (reference/{module}.py).
from . import {module}  # noqa: E402
from .{module} import *  # noqa: E402,F401,F403

__all__ += [name for name in {module}.__all__ if name not in __all__]
'''


def add_reference_stub(root: Path, fn: NewFunction, course: Course) -> list[str]:
    folder = root / "reference"
    if not (folder / "__init__.py").is_file():
        raise UsageError(f"{folder}: no reference package beside course.yaml to add {fn.name} to")
    module = folder / f"{REFERENCE_MODULE}.py"
    written = []
    if not module.is_file():
        module.write_text(ADDED_HEADER, encoding="utf-8")
        init = folder / "__init__.py"
        init.write_text(init.read_text(encoding="utf-8").rstrip("\n") + "\n" + INIT_EXPORT.format(module=REFERENCE_MODULE),
                        encoding="utf-8")
        written.append("reference/__init__.py")
    text = module.read_text(encoding="utf-8")
    text = text.rstrip("\n") + "\n" + reference_stub(fn, course)
    text += f"\n\n__all__.append({fn.name!r})\n"
    module.write_text(text, encoding="utf-8")
    return [f"reference/{module.name}"] + written


# --------------------------------------------------------------------------- notebook


def _nbgrader(grade_id: str, solution: bool, grade: bool, locked: bool, points: float | None = None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3, "solution": solution,
            "task": False}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def _points_value(total: float):
    return int(total) if float(total).is_integer() else total


def add_notebook_cells(path: Path, fn: NewFunction, course: Course) -> None:
    nb = nbformat.read(str(path), as_version=4)
    graded = [spec.name for spec in course.functions_of(fn.assignment)]
    position = None
    for index, cell in enumerate(nb.cells):
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
        if cell.cell_type == "code" and grade_id in {f"check_{g}" for g in graded}:
            position = index + 1
    if position is None:  # no graded function yet: before the closing markdown
        position = len(nb.cells) - 1 if nb.cells and nb.cells[-1].cell_type == "markdown" else len(nb.cells)
    slug = fn.name.replace("_", "-")
    total = sum(fn.points.values())
    cells = [
        nbformat.v4.new_markdown_cell(
            f"### `{fn.name}`\n\n"
            f"TODO: {fn.summary or 'what it computes'} — 수식(LaTeX)과 형태(shape), 흔한 실수를 설명하세요. "
            "(Explain it with the formulas in LaTeX, the shapes and the usual mistakes.)", id=f"md-{slug}"),
        nbformat.v4.new_code_cell(solution_source(fn, course), id=slug,
                                  metadata=_nbgrader(fn.name, solution=True, grade=False, locked=False)),
        nbformat.v4.new_code_cell(f'check("{fn.name}")', id=f"check-{slug}",
                                  metadata=_nbgrader(f"check_{fn.name}", solution=False, grade=True, locked=True,
                                                     points=_points_value(total))),
    ]
    taken = {c.get("id") for c in nb.cells}
    clash = [c.id for c in cells if c.id in taken]
    if clash:
        raise UsageError(f"{path}: cell id {clash[0]} exists already; is {fn.name} in the notebook under another name?")
    nb.cells[position:position] = cells
    nbformat.validate(nb)
    _write_atomic(path, nbformat.writes(nb) + "\n")


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)


# --------------------------------------------------------------------------- all of it


def new_function(course: Course, fn: NewFunction) -> list[str]:
    """Write the entry, the reference stub and the notebook cells; return the files written.

    Everything is checked first (the new course.yaml is loaded and validated from a
    temporary file), so a refused request changes nothing."""
    root = course.root
    notebook = root / "solutions" / fn.assignment / course.assignments[fn.assignment].notebook
    if not notebook.is_file():
        raise UsageError(f"{notebook}: no solutions notebook for '{fn.assignment}' (docs/NOTEBOOKS.md)")
    if not (root / "reference" / "__init__.py").is_file():
        raise UsageError(f"{root / 'reference'}: no reference package beside course.yaml")
    text = insert_course_entry(course.path.read_text(encoding="utf-8"), fn)
    fd, tmp = tempfile.mkstemp(prefix=".course.", suffix=".yaml", dir=root)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        try:
            updated = load_course(tmp)
        except CourseError as exc:
            raise UsageError(f"the new entry would make course.yaml invalid:\n{exc}\n--- entry ---\n"
                             + course_entry(fn)) from None
        add_notebook_cells(notebook, fn, updated)
        written = add_reference_stub(root, fn, updated)
        os.replace(tmp, course.path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return [course.path.name, *written, notebook.relative_to(root).as_posix()]
