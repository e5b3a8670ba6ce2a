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
  after the assignment's last grade cell; for a backward graded through a forward of arrays,
  also a CS231n-style gradient check (its relative errors against centred finite
  differences), with the notebook's ``numerical_gradient`` and ``rel_error`` helpers.

Argument syntax: ``--arg NAME=N,H`` (a random array of that shape), ``--arg dout=like:out``
(upstream gradient shaped like the forward's output ``out``), ``--arg cache=from:cache``
(the forward's own output, passed back); ``--returns out=N,H`` (shape only for the
docstring) or ``--returns cache``; ``--dim Tq=2,5``: a size of this function's own, drawn
from [2, 5] (course.yaml's ``dims`` of the function; grading.dims, which every function
draws from, stays as it is).

`autograder new-assignment ID` (:func:`new_assignment`) writes the assignment's course.yaml
entry and a skeleton solutions notebook: the bilingual header, the setup and import cells and
the summary that every notebook of the course has, with nbgrader's metadata.

`autograder new-mistake FUNCTION ID` (:func:`new_mistake`) adds a catalogued mistake: a stub
in reference/mutants.py (the reference's signature, raising NotImplementedError) with its
catalogue entry, and its wording in reference/mistakes.yaml, every text a "TODO" placeholder;
`autograder validate` refuses both until they are written.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import nbformat
import yaml

from autograder.grading.course import CACHE_OUTPUT, Course, CourseError, load_course
from autograder.grading.errors import UsageError
from autograder.student.messages import Nested

REFERENCE_MODULE = "added"
IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
DIM = re.compile(r"^([0-9]+\*)?[A-Za-z_][A-Za-z0-9_]*$|^[0-9]+$")
SIZE_NAME = re.compile(r"^[A-Z][A-Za-z0-9_]*$")  # course.schema.json's size names


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
class Returned:
    name: str
    shape: tuple[str, ...] | None = None


@dataclass
class NewFunction:
    name: str
    assignment: str
    args: list[Arg]
    returns: list[Returned]
    points: dict[str, float]
    through: str | None = None
    summary: str = ""
    dims: dict[str, tuple[int, int]] = field(default_factory=dict)  # sizes of this function's own
    written: list[str] = field(default_factory=list)


def _shape(text: str, what: str) -> tuple[str, ...]:
    dims = tuple(d.strip() for d in text.split(",") if d.strip())
    bad = [d for d in dims if not DIM.match(d)]
    if bad:
        raise UsageError("usage.not-size-name", what=what, bad=", ".join(bad))
    return dims


def parse_arg(text: str) -> Arg:
    name, _, spec = text.partition("=")
    name = name.strip()
    if not IDENT.match(name):
        raise UsageError("usage.arg-name", text=text, name=name)
    spec = spec.strip()
    if spec.startswith("like:"):
        return Arg(name, like=spec[5:].strip())
    if spec.startswith("from:"):
        return Arg(name, source=spec[5:].strip())
    return Arg(name, shape=_shape(spec or "N,D", f"--arg {text!r}"))


def parse_dim(text: str) -> tuple[str, tuple[int, int]]:
    """``Tq=2,5``: a size name and the range its cases draw it from."""
    name, _, spec = text.partition("=")
    name = name.strip()
    if not SIZE_NAME.match(name):
        raise UsageError("usage.dim-name", text=text, name=name)
    try:
        low, high = (int(v) for v in spec.split(","))
    except ValueError:
        raise UsageError("usage.dim-form", text=text, name=name) from None
    if not 1 <= low <= high:
        raise UsageError("usage.dim-bounds", text=text)
    return name, (low, high)


def parse_output(text: str) -> Returned:
    name, _, spec = text.partition("=")
    if not IDENT.match(name.strip()):
        raise UsageError("usage.returns-name", text=text, name=name.strip())
    return Returned(name.strip(), _shape(spec, f"--returns {text!r}") if spec.strip() else None)


def plan_function(course: Course, name: str, assignment: str, args: list[str] | None, returns: list[str] | None,
                  points: list[str] | None, through: str | None, summary: str = "",
                  dims: list[str] | None = None) -> NewFunction:
    """Check the request against the course and fill in the defaults."""
    if not IDENT.match(name):
        raise UsageError("usage.function-name", name=name)
    if assignment not in course.assignments:
        raise UsageError("usage.unknown-assignment-new", assignment=assignment, known=", ".join(course.assignments))
    if name in course.functions:
        raise UsageError("usage.function-exists", name=name, assignment=course.functions[name].assignment)
    forward = None
    if through is not None:
        forward = course.functions.get(through)
        if forward is None:
            raise UsageError("usage.through-unknown", through=through)
        if forward.through is not None:
            raise UsageError("usage.through-backward", through=through, other=forward.through)
    parsed_args = [parse_arg(a) for a in args] if args else (
        [Arg("dout", like=next(r for r in forward.returns if r != CACHE_OUTPUT)), Arg("cache", source=CACHE_OUTPUT)]
        if forward is not None else [Arg("x", shape=("N", "D"))])
    for arg in parsed_args:
        ref = arg.like or arg.source
        if ref is not None and (forward is None or ref not in forward.returns):
            raise UsageError("usage.arg-source-of" if forward else "usage.arg-source-none", name=arg.name,
                             outputs=", ".join(forward.returns) if forward else "")
    names = [a.name for a in parsed_args]
    if len(set(names)) != len(names):
        raise UsageError("usage.args-repeat", names=", ".join(names))
    outputs = [parse_output(r) for r in returns] if returns else (
        [Returned(f"d{a.name}", a.shape) for a in _forward_args(forward)] if forward is not None
        else [Returned("out"), Returned(CACHE_OUTPUT)])
    graded = [o.name for o in outputs if o.name != CACHE_OUTPUT]
    if not graded:
        raise UsageError("usage.returns-none-graded")
    point_map: dict[str, float] = {}
    for entry in points or [f"{o}=1" for o in graded]:
        output, _, value = entry.partition("=")
        try:
            point_map[output.strip()] = float(value)
        except ValueError:
            raise UsageError("usage.points-form", entry=entry, example=graded[0]) from None
        if output.strip() not in graded:
            raise UsageError("usage.points-output", entry=entry, output=output.strip(), graded=", ".join(graded))
    own_dims: dict[str, tuple[int, int]] = {}
    for entry in dims or []:
        size, bounds = parse_dim(entry)
        if size in own_dims:
            raise UsageError("usage.dim-twice", size=size)
        own_dims[size] = bounds
    return NewFunction(name, assignment, parsed_args, outputs, point_map, through, summary, own_dims)


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
    if fn.dims:
        lines.append("    dims: {" + ", ".join(f"{k}: [{lo}, {hi}]" for k, (lo, hi) in fn.dims.items()) + "}")
    lines.append("    inputs:")
    lines += [f"      {a.name}: {a.yaml()}" for a in fn.args]
    lines.append("    returns: [" + ", ".join(o.name for o in fn.returns) + "]")
    lines.append("    points: {" + ", ".join(f"{k}: {_number(v)}" for k, v in fn.points.items()) + "}")
    return "\n".join(lines) + "\n"


def _insert_lines(text: str, at: int, block: str) -> str:
    lines = text.splitlines(keepends=True)
    if at > 0 and not lines[at - 1].endswith("\n"):
        lines[at - 1] += "\n"
    return "".join(lines[:at]) + block + "".join(lines[at:])


def _compose(text: str) -> yaml.Node:
    """course.yaml's node tree (positions included), for inserting an entry at the right line."""
    root = yaml.compose(text)
    if root is None:
        raise UsageError("usage.course-empty")
    return root


def _entry_line(text: str, fn: NewFunction) -> int:
    """The 0-based line of course.yaml before which the function's entry goes."""
    root = _compose(text)
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
    return insert_at


def _course_problems(exc: CourseError, tmp: str, start: int, block: str) -> str:
    """The problems of a course.yaml with ``block`` inserted at ``start`` (0-based), as read from ``tmp``,
    told by course.yaml's own line numbers, or by the line of the new entry: tmp is deleted."""
    size = block.count("\n")
    lines = []
    for problem in exc.lines():
        match = re.match(re.escape(tmp) + r":(\d+):\s*(.*)$", problem, flags=re.S)
        if match is None:
            lines.append(problem.replace(tmp, "course.yaml"))
            continue
        line, rest = int(match.group(1)), match.group(2)
        if start < line <= start + size:
            lines.append(f"the new entry, line {line - start}: {rest}")
        else:
            lines.append(f"course.yaml:{line if line <= start else line - size}: {rest}")
    numbered = "".join(f"{i:3d}  {text}" for i, text in enumerate(block.splitlines(keepends=True), 1))
    return "\n".join(lines) + "\n--- the new entry ---\n" + numbered.rstrip("\n")


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
        raise UsageError("usage.no-reference-for", path=folder, function=fn.name)
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
    check = gradient_check_source(fn, course)
    if check is not None:
        cells.append(nbformat.v4.new_code_cell(check, id=f"gradcheck-{slug}"))
        if not any("def numerical_gradient" in c.source for c in nb.cells if c.cell_type == "code"):
            after = next((i + 1 for i, c in enumerate(nb.cells) if c.get("id") == "notebook-imports"), 0)
            nb.cells.insert(after, nbformat.v4.new_code_cell(
                GRADCHECK_HELPERS, id="gradcheck-helpers",
                metadata=_nbgrader("gradcheck_helpers", solution=False, grade=False, locked=True)))
            position += 1 if after <= position else 0
    taken = {c.get("id") for c in nb.cells}
    clash = [c.id for c in cells if c.id in taken]
    if clash:
        raise UsageError("usage.cell-id-clash", path=path, cell=clash[0], function=fn.name)
    nb.cells[position:position] = cells
    nbformat.validate(nb)
    _write_atomic(path, nbformat.writes(nb) + "\n")


GRADCHECK_HELPERS = '''# 수치 기울기 확인용 도우미 (제공됨, 채점되지 않음) / gradient-check helpers (provided, not graded)

def rel_error(a, b):
    """Norm-wise relative error |a - b| / (|a| + |b|), as the grader measures it."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)


def numerical_gradient(f, x, df, h=1e-5):
    """Centered finite differences of sum(f() * df) with respect to the array x.

    f takes no arguments and reads x; x is changed in place and restored.
    """
    grad = np.zeros_like(x, dtype=float)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        plus = np.sum(f() * df)
        x[i] = old - h
        minus = np.sum(f() * df)
        x[i] = old
        grad[i] = (plus - minus) / (2 * h)
    return grad'''


def _small_sizes(spec, names: set[str]) -> dict[str, int]:
    """A small size for each name, each different from the others where the ranges allow (so that a
    transposed or swapped axis cannot pass the check)."""
    sizes: dict[str, int] = {}
    for name in sorted(names):
        low, high = spec.dims[name]
        sizes[name] = next((v for v in range(low, high + 1) if v not in sizes.values()), low)
    return sizes


def gradient_check_source(fn: NewFunction, course: Course) -> str | None:
    """The gradient check of a backward: None unless it takes one upstream gradient and the forward's cache,
    returns the gradient of every forward input, and the forward takes arrays only."""
    forward = course.functions.get(fn.through) if fn.through else None
    if forward is None or CACHE_OUTPUT not in forward.returns:
        return None
    upstream = [a for a in fn.args if a.like is not None]
    cache = [a for a in fn.args if a.source == CACHE_OUTPUT]
    if len(upstream) != 1 or len(cache) != 1 or len(fn.args) != 2:
        return None
    shapes = {name: tuple(spec_in["shape"]) for name, spec_in in forward.inputs.items()
              if isinstance(spec_in, dict) and set(spec_in) <= {"shape", "scale"}}
    if len(shapes) != len(forward.inputs) or [o.name for o in fn.returns] != [f"d{n}" for n in forward.inputs]:
        return None
    names = {re.sub(r"^[0-9]+\*", "", d) for shape in shapes.values() for d in shape if not d.isdigit()}
    if not names <= set(forward.dims):
        return None
    sizes = _small_sizes(forward, names)
    args = ", ".join(forward.inputs)
    out = upstream[0]
    lines = ["rng = np.random.default_rng(0)",
             ", ".join(sizes) + " = " + ", ".join(str(v) for v in sizes.values())]
    for name, shape in shapes.items():
        dims = ", ".join(shape) + ("," if len(shape) == 1 else "")
        lines.append(f"{name} = rng.standard_normal(({dims}))")
    outputs = forward.returns
    width = max(len(f"d{n}") for n in forward.inputs)
    backward_call = f"{fn.name}(" + ", ".join(
        a.name if a.like is not None else f"outputs[{outputs.index(CACHE_OUTPUT)}]" for a in fn.args) + ")"
    gradients = [f"d{n}" for n in forward.inputs]
    lines += ["", "try:",
              f"    outputs = {forward.name}({args})",
              f"    {out.name} = rng.standard_normal(outputs[{outputs.index(out.like)}].shape)",
              f"    grads = dict(zip({gradients!r}, {backward_call}))",
              f"    f = lambda: {forward.name}({args})[{outputs.index(out.like)}]",
              "    for name, param in [" + ", ".join(f'("d{n}", {n})' for n in forward.inputs) + "]:",
              f'        print(f"{{name:{width}s}} relative error: {{rel_error(grads[name], '
              f'numerical_gradient(f, param, {out.name})):.2e}}")',
              "except NotImplementedError:",
              f'    print("{forward.name} / {fn.name}를 먼저 구현하세요. (Implement them first.)")']
    return "# 기울기 확인 (gradient check): 상대 오차가 1e-7보다 작아야 합니다 (relative errors should be below 1e-7)\n" \
        + "\n".join(lines)


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
        raise UsageError("usage.no-solutions-for", path=notebook, assignment=fn.assignment)
    if not (root / "reference" / "__init__.py").is_file():
        raise UsageError("usage.no-reference", path=root / "reference")
    original = course.path.read_text(encoding="utf-8")
    start, entry = _entry_line(original, fn), course_entry(fn)
    with _course_with_entry(course, original, start, entry,
                            lambda exc: Nested("usage.hint-own-dim") if "is not defined" in str(exc) else "") as updated:
        add_notebook_cells(notebook, fn, updated)
        written = add_reference_stub(root, fn, updated)
    return [course.path.name, *written, notebook.relative_to(root).as_posix()]


@contextmanager
def _course_with_entry(course: Course, original: str, start: int, entry: str,
                       hint: Callable[[CourseError], object] = lambda exc: "") -> Iterator[Course]:
    """course.yaml (``original``) with ``entry`` inserted at line ``start``, written to a temporary
    file beside it and loaded (a problem: ``usage.entry-invalid``, naming the entry's own lines, and
    ``hint(problem)``); the body writes what goes with it, and course.yaml is replaced only when the
    body succeeds.  The temporary file never stays."""
    fd, tmp = tempfile.mkstemp(prefix=".course.", suffix=".yaml", dir=course.root)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(_insert_lines(original, start, entry))
        try:
            updated = load_course(tmp)
        except CourseError as exc:
            raise UsageError("usage.entry-invalid", problems=_course_problems(exc, tmp, start, entry),
                             hint=hint(exc)) from None
        yield updated
        os.replace(tmp, course.path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


# --------------------------------------------------------------------------- a new assignment

ASSIGNMENT_ID = re.compile(r"^[a-z][a-z0-9_]*$")  # course.schema.json's assignment ids


@dataclass
class NewAssignment:
    id: str
    notebook: str
    title: str
    title_ko: str
    minutes: int = 90  # the header's expected time


def plan_assignment(course: Course, aid: str, title: str | None, title_ko: str | None,
                    notebook: str | None = None, minutes: int = 90) -> NewAssignment:
    """Check the request against the course and fill in the defaults."""
    if not ASSIGNMENT_ID.match(aid):
        raise UsageError("usage.assignment-id", aid=aid)
    if aid in course.assignments:
        raise UsageError("usage.assignment-exists", aid=aid)
    notebook = notebook or f"{aid}.ipynb"
    if not re.match(r"^[A-Za-z0-9_.-]+\.ipynb$", notebook):
        raise UsageError("usage.notebook-name", notebook=notebook, aid=aid)
    if not 30 <= minutes <= 180:
        raise UsageError("usage.minutes", minutes=minutes)
    title = (title or aid.replace("_", " ").capitalize()).strip()
    return NewAssignment(aid, notebook, title, (title_ko or title).strip(), minutes)


def assignment_entry(new: NewAssignment, indent: str = "  ") -> str:
    def quoted(text: str) -> str:
        return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML string

    return (f"{indent}- {{id: {new.id}, notebook: {new.notebook}, title: {quoted(new.title)}, "
            f"title_ko: {quoted(new.title_ko)}}}\n")


def _assignment_line(text: str) -> tuple[int, str]:
    """The 0-based line after the last entry of course.yaml's assignments list, and the list's indent."""
    root = _compose(text)
    sequence = next(v for k, v in root.value if k.value == "assignments")
    if not sequence.value:
        raise UsageError("usage.assignments-inline")
    last = sequence.value[-1]
    end = last.end_mark.line + (1 if last.end_mark.column > 0 else 0)
    line = text.splitlines()[last.start_mark.line]
    return end, line[:line.index("-")] if line.lstrip().startswith("-") else "  "


def _duration(minutes: int) -> tuple[str, str]:
    hours, rest = divmod(minutes, 60)
    ko = " ".join(part for part in (f"{hours}시간" if hours else "", f"{rest}분" if rest else "") if part)
    en = " ".join(part for part in (f"{hours} h" if hours else "", f"{rest} min" if rest else "") if part)
    return ko, en


def skeleton_notebook(course: Course, new: NewAssignment) -> "nbformat.NotebookNode":
    """The solutions notebook every assignment starts from, laid out as the course's others are."""
    ko, en = _duration(new.minutes)
    number = len(course.assignments) + 1
    header = (f"# 실습 {number}. {new.title_ko} ({new.title})\n\n"
              f"**{course.title}**\n\n"
              f"**예상 소요 시간 (expected time): 약 {ko} / about {en}**\n\n"
              "TODO: 이 실습에서 무엇을 구현하고 무엇을 배우는지 설명하세요.\n\n"
              "*TODO: what the student implements here and what it teaches.*")
    setup = ("# 설정 셀 (grader-setup): 채점할 때도 강의의 원본 그대로 실행됩니다. 수정하지 마세요.\n"
             "# Setup cell: the grader always runs the course's own copy of this cell. Do not edit it.\n"
             "import numpy as np")
    imports = ("# 노트북 전용 셀: 채점할 때는 실행되지 않습니다.\n"
               "# Notebook only: this cell never runs while grading.\n\n"
               "# check(\"함수 이름\"): 공개 케이스로 자가 점검 (self-check on the public cases). rnnlab_check.py와\n"
               "# public_cases.npz는 이 노트북과 같은 폴더에 두세요 (keep both next to this notebook; Colab: upload "
               "all three files).\n"
               "from rnnlab_check import check\n\n"
               "np.set_printoptions(precision=4, suppress=True)")
    summary = ("## 정리 (Summary)\n\n"
               "- TODO: 이 실습에서 배운 것을 정리하세요.\n\n"
               "*TODO: what this notebook taught, in a few lines.*")
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
                   "language_info": {"name": "python", "pygments_lexer": "ipython3"}}
    setup_cell = nbformat.v4.new_code_cell(setup, id="setup",
                                           metadata=_nbgrader("setup", solution=False, grade=False, locked=True))
    setup_cell.metadata["tags"] = ["grader-setup"]
    nb.cells = [
        nbformat.v4.new_markdown_cell(header, id="intro"),
        setup_cell,
        nbformat.v4.new_code_cell(imports, id="notebook-imports",
                                  metadata=_nbgrader("notebook_imports", solution=False, grade=False, locked=True)),
        nbformat.v4.new_markdown_cell(summary, id="summary"),
    ]
    nbformat.validate(nb)
    return nb


def new_assignment(course: Course, new: NewAssignment) -> list[str]:
    """Write the course.yaml entry and solutions/<id>/<notebook>; return the files written.

    Checked first: a refused request (the folder exists, the new course.yaml is invalid)
    changes nothing."""
    root = course.root
    folder = root / "solutions" / new.id
    notebook = folder / new.notebook
    if folder.exists():
        raise UsageError("usage.assignment-folder-exists", path=folder)
    original = course.path.read_text(encoding="utf-8")
    start, indent = _assignment_line(original)
    entry = assignment_entry(new, indent)
    with _course_with_entry(course, original, start, entry):
        nb = skeleton_notebook(course, new)
        folder.mkdir(parents=True)
        _write_atomic(notebook, nbformat.writes(nb) + "\n")
    return [course.path.name, notebook.relative_to(root).as_posix()]


# --------------------------------------------------------------------------- a new mistake

MISTAKE_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")  # mistakes.schema.json's ids
MUTANTS_FILE = "reference/mutants.py"
ADDED_BANNER = "added by `autograder new-mistake`"


@dataclass
class NewMistake:
    id: str
    function: str  # the graded function the mistake is made in
    targets: tuple[str, ...]  # the rubric items it must make fail
    reference_module: str  # the reference submodule defining ``function`` (e.g. "layers")
    signature: str  # ``(dout, cache)``

    @property
    def code_name(self) -> str:
        return f"_{self.function}_{self.id.replace('-', '_')}"


def plan_mistake(course: Course, function: str, mistake_id: str, targets: list[str] | None) -> NewMistake:
    """Check the request against the course and its catalogue; nothing is written."""
    import inspect

    from autograder.grading.mistakes import GENERIC_TEXTS, WordingError, course_texts
    from autograder.grading.refimpl import reference_package, reference_submodule

    if not MISTAKE_ID.match(mistake_id):
        raise UsageError("usage.mistake-id", id=mistake_id)
    spec = course.functions.get(function)
    if spec is None:
        raise UsageError("usage.mistake-function", function=function)
    try:
        package = reference_package(course.root)
        catalogue = reference_submodule(course.root, "mutants").CATALOGUE
    except Exception as exc:
        raise UsageError("usage.catalogue-does-not-load", path=course.root / MUTANTS_FILE,
                         detail=f"{type(exc).__name__}: {str(exc)[:300]}") from None
    try:
        worded = course_texts(course)
    except WordingError as exc:
        raise UsageError("usage.wording-invalid", problems=exc) from None
    if mistake_id in {m.id for m in catalogue} or mistake_id in worded or mistake_id in GENERIC_TEXTS:
        raise UsageError("usage.mistake-exists", id=mistake_id)
    fn = getattr(package, function, None)
    if not callable(fn):
        raise UsageError("usage.mistake-no-reference", function=function)
    module = getattr(fn, "__module__", "") or ""
    if "." not in module:
        raise UsageError("usage.mistake-not-in-module", function=function)
    outputs = {item.output: item.id for item in spec.items}
    chosen = tuple(targets) if targets else tuple(outputs.values())
    for target in chosen:
        name, _, output = target.partition(".")
        graded = course.functions.get(name)
        if graded is None or output not in {item.output for item in graded.items}:
            raise UsageError("usage.mistake-target", target=target, function=function, items=", ".join(outputs.values()))
    return NewMistake(mistake_id, function, chosen, module.rsplit(".", 1)[1], str(inspect.signature(fn)))


def _module_alias(tree, module: str) -> str | None:
    import ast

    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level == 1 and not node.module:
            for alias in node.names:
                if alias.name == module:
                    return alias.asname or alias.name
    return None


def mutant_stub(new: NewMistake, alias: str) -> str:
    return (f"# {'-' * 60} {ADDED_BANNER}\n"
            f"@_sig({alias}.{new.function})\n"
            f"def {new.code_name}{new.signature}:\n"
            f'    """{new.id}: what a student making this mistake computes (the reference\'s signature and\n'
            f'    returns); its words are in reference/mistakes.yaml under the same id."""\n'
            f'    raise NotImplementedError("mistake {new.id}: write it here, then run `autograder validate`")\n\n\n')


def catalogue_entry(new: NewMistake) -> str:
    targets = "".join(f'"{t}", ' for t in new.targets).rstrip(", ")
    return (f"    _m({json.dumps(new.id)},\n"
            f"       {{{json.dumps(new.function)}: {new.code_name}}},\n"
            f"       ({targets}{',' if len(new.targets) == 1 else ''})),\n")


def add_mutant(text: str, new: NewMistake) -> str:
    """reference/mutants.py with the mistake's stub before the catalogue and its entry at the
    catalogue's end; the module's own layout is kept (text inserted, never re-printed)."""
    import ast

    tree = ast.parse(text)
    node = next((n for n in tree.body if isinstance(n, (ast.Assign, ast.AnnAssign)) and "CATALOGUE" in
                 [t.id for t in (n.targets if isinstance(n, ast.Assign) else [n.target]) if isinstance(t, ast.Name)]),
                None)
    if node is None or not isinstance(node.value, ast.Tuple) or node.value.end_lineno == node.lineno:
        raise UsageError("usage.catalogue-no-tuple", path=MUTANTS_FILE)
    if {"_sig", "_m"} - {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}:
        raise UsageError("usage.catalogue-no-helpers", path=MUTANTS_FILE)
    lines = text.splitlines(keepends=True)
    closing = (node.value.end_lineno or node.lineno) - 1  # the line of the tuple's ")"
    if lines[closing].strip() != ")":
        raise UsageError("usage.catalogue-closing", path=MUTANTS_FILE, line=closing + 1)
    alias = _module_alias(tree, new.reference_module)
    import_line = ""
    if alias is None:
        alias = f"_{new.reference_module}"
        import_line = f"from . import {new.reference_module} as {alias}\n"
    lines.insert(closing, catalogue_entry(new))
    lines.insert(node.lineno - 1, mutant_stub(new, alias))
    if import_line:
        last = max(n.end_lineno or n.lineno for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom)))
        lines.insert(last, import_line)
    result = "".join(lines)
    compile(result, MUTANTS_FILE, "exec")
    return result


PLACEHOLDERS = {
    "what": ("TODO: 무엇이 틀렸는지 (개념만, 고치는 법은 말하지 않음)", "TODO: what is wrong (the concept, never the fix)"),
    "where": ("TODO: 어디를 보면 되는지 (함수, 줄, 루프)", "TODO: where to look (the function, the line or loop to read)"),
    "why": ("TODO: 왜 틀렸는지 (연쇄 법칙, shape, 규약)", "TODO: why it is wrong (the chain rule, the shape, the convention)"),
    "fix": ("TODO: 고치는 식이나 코드 한 줄", "TODO: the formula or the line of code"),
}


def wording_entry(new: NewMistake) -> str:
    """The mistake's entry in reference/mistakes.yaml, every text a placeholder validate refuses."""
    lines = [f"  {new.id}:  # {new.function}: {ADDED_BANNER}; fill in every TODO"]
    for part, (ko, en) in PLACEHOLDERS.items():
        lines += [f"    {part}:", f"      ko: {json.dumps(ko, ensure_ascii=False)}", f"      en: {json.dumps(en)}"]
    lines += ["    fix_words:  # the fix's key words: the hint level (what + where) must contain none of them",
              '      ko: ["TODO"]', '      en: ["TODO"]']
    return "\n".join(lines) + "\n"


WORDING_HEAD = "# The words of this course's catalogued mistakes (reference/mutants.py, same ids); see docs/NOTEBOOKS.md.\nmistakes:\n"


def new_mistake(course: Course, new: NewMistake) -> list[str]:
    """Write the mutant stub and the wording placeholders; return the files written.

    Both new texts are checked first (the module compiles, the wording file loads with the new
    entry), so a refused request changes nothing."""
    from autograder.grading import mistakes

    mutants_path = course.root / MUTANTS_FILE
    wording_path = course.root / "reference" / mistakes.WORDING_FILE
    mutants_text = add_mutant(mutants_path.read_text(encoding="utf-8"), new)
    original = wording_path.read_text(encoding="utf-8") if wording_path.is_file() else WORDING_HEAD
    wording_text = original + ("" if original.endswith("\n") else "\n") + wording_entry(new)
    try:
        loaded = yaml.safe_load(wording_text)
    except yaml.YAMLError:
        loaded = None
    if not isinstance(loaded, dict) or not isinstance(loaded.get("mistakes"), dict) or \
            new.id not in loaded["mistakes"]:
        raise UsageError("usage.wording-append", path=wording_path)
    _write_atomic(wording_path, wording_text)
    _write_atomic(mutants_path, mutants_text)
    return [MUTANTS_FILE, f"reference/{mistakes.WORDING_FILE}"]
