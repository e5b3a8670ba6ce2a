"""How the course is written: its authoring conventions, checked by name (docs/NOTEBOOKS.md).

Owns the checks that read the course's files (course.yaml, solutions/, reference/) and grade
nothing: no student or solution notebook runs, only the reference on one case.  What a release
made is audit.py's; whether the rubric scores as intended is validation.py's, which grades.
`autograder validate` runs these first.  Each problem names the file, the cell, the function
and a fix, so a slip while adding or renaming a function reads as a sentence, never as a
traceback from the grader.  Checked for every assignment validated:

- solutions/<A>/<notebook> exists, reads, and its nbgrader metadata is valid;
- every graded function has a solution cell defining it, whose positional arguments are
  course.yaml's ``inputs`` (names and order), and a grade cell ``check_<function>`` whose
  points are the function's points in course.yaml and whose source is ``check("<function>")``;
- every ``check("...")`` in the notebook names a graded function of the assignment;
- every ``### BEGIN SOLUTION`` is inside a function's body (nbgrader replaces the marked lines
  with ``raise NotImplementedError()``: outside a function, that leaves a cell with no def);
- no grade cell for a function course.yaml does not grade;
- the reference (reference/ beside course.yaml) defines every graded function with
  course.yaml's arguments, and runs on one case drawn from its input specs;
- every catalogued mistake (reference/mutants.py) overrides functions the reference defines,
  targets outputs that exist, runs (is no longer a stub) on one case drawn for each function it
  targets, and has its feedback's wording in Korean and in English (reference/mistakes.yaml,
  checked by mistakes.wording_problems).
"""
from __future__ import annotations

import ast
import difflib
import re
from dataclasses import dataclass
from typing import Iterable

from autograder.grading.course import Course
from autograder.grading.errors import Problem
from autograder.grading.refimpl import reference_problems
from autograder.grading.refimpl import signature as _signature
from autograder.student.messages import Nested

CHECK_CALL = re.compile(r"""\bcheck\(\s*(?P<q>['"])(?P<name>[^'"]*)(?P=q)""")


def _checked_names(source: str) -> list[str]:
    """The names of every ``check("...")`` call in a cell's code (not in its comments or strings)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython magics and the like: scan the code lines, comments dropped
        code = "\n".join(line.split("#", 1)[0] for line in source.splitlines())
        return [m.group("name") for m in CHECK_CALL.finditer(code)]
    return [node.args[0].value for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "check"
            and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)]
GRADE_PREFIX = "check_"
PREVIOUS_WORK = "previous_work"  # a solution cell where students paste earlier functions (ungraded)


@dataclass
class Findings:
    problems: list[Problem]
    blocked: set[str]  # assignments that cannot be graded (a reference is missing or broken)


# --------------------------------------------------------------------------- notebooks


def _meta(cell) -> dict:
    value = cell.get("metadata", {}).get("nbgrader", {})
    return value if isinstance(value, dict) else {}


def _label(index: int, cell) -> Nested:
    cell_id = cell.get("id")
    return Nested("course.cell-id" if cell_id else "course.cell", number=index + 1, id=cell_id)


def _code(source: str) -> str:
    """Cell source as Python (IPython magics and shell escapes commented out)."""
    return "\n".join("pass  # " + line if re.match(r"^\s*[%!]", line) else line for line in source.splitlines())


def _defs(source: str) -> dict[str, ast.FunctionDef]:
    return {node.name: node for node in ast.parse(_code(source)).body if isinstance(node, ast.FunctionDef)}


BEGIN_SOLUTION = "### BEGIN SOLUTION"


def _markers_outside_functions(source: str) -> list[int]:
    """Line numbers (1-based) of ``### BEGIN SOLUTION`` lines that are not in a function's body."""
    try:
        tree = ast.parse(_code(source))
    except SyntaxError:  # reported as a syntax problem
        return []
    bodies = [(node.lineno, node.end_lineno or node.lineno) for node in ast.walk(tree)
              if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
    return [number for number, line in enumerate(source.splitlines(), 1)
            if line.strip().startswith(BEGIN_SOLUTION)
            and (not line[:1].isspace() or not any(first < number <= last for first, last in bodies))]


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


def _suggest(name: str, names: Iterable[str]) -> Nested:
    close = difflib.get_close_matches(name, list(names), n=1, cutoff=0.6)
    return Nested("course.did-you-mean", name=close[0]) if close else Nested("course.use-graded-name")


def notebook_problems(course: Course, aid: str) -> list[Problem]:
    """The conventions of solutions/<aid>/<notebook> against course.yaml."""
    assignment = course.assignments[aid]
    rel = f"solutions/{aid}/{assignment.notebook}"
    path = course.root / rel
    specs = {spec.name: spec for spec in course.functions_of(aid)}
    if not path.is_file():
        return [Problem(rel, None, None, Nested("course.no-solutions-notebook"),
                        Nested("course.no-solutions-notebook-fix", assignment=aid))]
    import nbformat  # here, not at the top: `grade` uses this module's reference checks, and nbformat
    # imports jsonschema's format checkers (start-up cost: benchmarks/README.md)

    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception as exc:  # nbformat raises several kinds for a broken file
        return [Problem(rel, None, None, Nested("course.notebook-unreadable", detail=_first_line(exc)),
                        Nested("course.notebook-unreadable-fix"))]
    problems: list[Problem] = []

    def say(index, cell, function, message, fix):
        problems.append(Problem(rel, _label(index, cell) if cell is not None else None, function, message, fix))

    try:
        from nbgrader.nbgraderformat import MetadataValidator, ValidationError
    except ImportError:  # nbgrader itself then reports it at release time
        MetadataValidator = None
    solution_defs: dict[str, tuple[int, object, ast.FunctionDef]] = {}
    grade_cells: dict[str, tuple[int, object]] = {}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        meta = _meta(cell)
        if meta and MetadataValidator is not None:
            try:
                MetadataValidator().validate_cell(cell)
            except ValidationError as exc:
                say(index, cell, meta.get("grade_id"), Nested("course.nbgrader-metadata", detail=_first_line(exc)),
                    Nested("course.nbgrader-metadata-fix"))
        try:
            defs = _defs(cell.source)
        except SyntaxError as exc:
            say(index, cell, meta.get("grade_id"), Nested("course.syntax", line=exc.lineno, detail=exc.msg),
                Nested("course.syntax-fix"))
            defs = {}
        for number in _markers_outside_functions(cell.source):
            say(index, cell, meta.get("grade_id"), Nested("course.marker-outside", line=number, marker=BEGIN_SOLUTION),
                Nested("course.marker-outside-fix"))
        for name in _checked_names(cell.source):
            if name not in specs:
                elsewhere = course.functions.get(name)
                why = (Nested("course.check-elsewhere", name=name, elsewhere=elsewhere.assignment, assignment=aid)
                       if elsewhere else Nested("course.check-ungraded", name=name))
                say(index, cell, name, why, _suggest(name, specs))
        if meta.get("grade"):
            grade_id = str(meta.get("grade_id", ""))
            function = grade_id[len(GRADE_PREFIX):] if grade_id.startswith(GRADE_PREFIX) else None
            if function is None:
                say(index, cell, None, Nested("course.grade-cell-name", grade_id=grade_id),
                    Nested("course.grade-cell-name-fix"))
                continue
            if function not in specs:
                say(index, cell, function, Nested("course.grade-cell-ungraded", assignment=aid),
                    Nested("course.grade-cell-ungraded-fix", function=function, assignment=aid))
                continue
            grade_cells[function] = (index, cell)
            expected = specs[function].max_score
            points = meta.get("points")
            try:
                points_ok = points is not None and float(points) == expected
            except (TypeError, ValueError):
                points_ok = False
            if not points_ok:
                parts = " + ".join(f"{i.output} {i.points:g}" for i in specs[function].items)
                say(index, cell, function, Nested("course.grade-cell-points", points=points, expected=f"{expected:g}",
                                                  parts=parts),
                    Nested("course.grade-cell-points-fix", expected=f"{expected:g}"))
            if cell.source.strip() != f'check("{function}")':
                say(index, cell, function, Nested("course.grade-cell-source", source=repr(cell.source.strip()[:80])),
                    Nested("course.grade-cell-source-fix", function=function))
        if meta.get("solution"):
            grade_id = str(meta.get("grade_id", ""))
            for name, node in defs.items():
                if name in specs and name not in solution_defs:
                    solution_defs[name] = (index, cell, node)
            if grade_id in specs and grade_id not in defs:
                say(index, cell, grade_id, Nested("course.solution-cell-no-def", grade_id=grade_id),
                    Nested("course.solution-cell-no-def-fix", definition=grade_id + _signature(specs[grade_id].args)))
    for name, spec in specs.items():
        if name not in solution_defs:
            say(None, None, name, Nested("course.no-solution-cell"),
                Nested("course.no-solution-cell-fix", name=name, definition=name + _signature(spec.args)))
        else:
            index, cell, node = solution_defs[name]
            args = [a.arg for a in node.args.posonlyargs + node.args.args]
            if args[:len(spec.args)] != list(spec.args) or (len(args) > len(spec.args)
                                                             and len(node.args.defaults) < len(args) - len(spec.args)):
                say(index, cell, name, Nested("course.notebook-signature", defined=name + _signature(args),
                                              inputs=_signature(spec.args)),
                    Nested("course.notebook-signature-fix"))
        if name not in grade_cells:
            say(None, None, name, Nested("course.no-grade-cell", name=name),
                Nested("course.no-grade-cell-fix", name=name, points=f"{spec.max_score:g}"))
        elif name in solution_defs and grade_cells[name][0] < solution_defs[name][0]:
            index, cell = grade_cells[name]
            say(index, cell, name, Nested("course.grade-cell-first"), Nested("course.grade-cell-first-fix"))
    return problems


# --------------------------------------------------------------------------- reference


# --------------------------------------------------------------------------- mistakes


def mutant_problems(course: Course, catalogue=None) -> list[Problem]:
    """Catalogued mistakes that name functions or outputs that do not exist, do not run, or are not
    worded (reference/mistakes.yaml)."""
    from autograder.grading.pipeline import reference_namespace
    from autograder.grading.refimpl import reference_submodule

    rel = "reference/mutants.py"
    try:
        namespace = reference_namespace(course)
    except Exception:  # reported by reference_problems
        return []
    if catalogue is None:
        try:
            catalogue = reference_submodule(course.root, "mutants").applicable(course.gru_form)
        except Exception as exc:
            return [Problem(rel, None, None, Nested("course.catalogue-load", detail=f"{type(exc).__name__}: "
                                                    f"{str(exc)[:300]}"), Nested("course.catalogue-load-fix"))]
    catalogue = list(catalogue)
    problems: list[Problem] = []
    for mutant in catalogue:
        for name in mutant.functions:
            if name not in namespace:
                problems.append(Problem(rel, None, name, Nested("course.mistake-replaces", mistake=mutant.id,
                                                                name=name), Nested("course.mistake-replaces-fix")))
        for target in mutant.targets:
            function, _, output = target.partition(".")
            spec = course.functions.get(function)
            if spec is None:
                if function not in namespace:
                    problems.append(Problem(rel, None, function, Nested("course.mistake-no-function",
                                                                        mistake=mutant.id, target=target,
                                                                        function=function),
                                            Nested("course.mistake-target-fix")))
            elif output not in {item.output for item in spec.items}:
                problems.append(Problem(rel, None, function, Nested("course.mistake-not-output", mistake=mutant.id,
                                                                    target=target),
                                        Nested("course.use-one-of", choices=", ".join(i.id for i in spec.items))))
    if not problems:  # every name exists: run each mistake once
        problems += _mutants_run(course, namespace, catalogue)
    return wording_problems(course, catalogue) + problems


def wording_problems(course: Course, catalogue) -> list[Problem]:
    """The wording of the catalogued mistakes (reference/mistakes.yaml): every one worded, in
    Korean and English, every part written, the hint level giving no fix word away."""
    from autograder.grading.mistakes import wording_problems as problems_of
    from autograder.grading.refimpl import reference_submodule

    try:
        known = [m.id for m in reference_submodule(course.root, "mutants").CATALOGUE]
    except Exception:  # reported by mutant_problems
        known = []
    return [Problem(where, None, None, what, fix)
            for where, what, fix in problems_of(course, [m.id for m in catalogue], known)]


def _mutants_run(course: Course, namespace, catalogue) -> list[Problem]:
    """A mistake that raises on an input drawn from course.yaml (a stub new-mistake wrote, say)
    matches no student and teaches nothing: one case per function it targets."""
    from autograder.grading.cases import build_cases
    from autograder.grading.pipeline import reference_forward
    from autograder.grading.refimpl import reference_submodule
    from autograder.sandbox.inside.program import ProgramError, run_program

    namespace_with = reference_submodule(course.root, "mutants").namespace_with
    forward, cases, problems = reference_forward(namespace), {}, []
    for mutant in catalogue:
        for function in dict.fromkeys(t.partition(".")[0] for t in mutant.targets):
            spec = course.functions.get(function)
            if spec is None:
                continue
            try:
                if function not in cases:
                    cases[function] = build_cases(course, spec, secret=b"rnnlab-conventions", forward_shapes=forward,
                                                  count=1)[0]
                run_program(namespace_with(namespace, mutant), cases[function].program)
            except ProgramError as exc:
                stub = exc.kind == "not-implemented"
                problems.append(Problem("reference/mutants.py", None, function,
                                        Nested("course.mistake-stub", mistake=mutant.id) if stub else
                                        Nested("course.mistake-fails", mistake=mutant.id,
                                               detail=f"{exc.kind}: {exc.message[:300]}"),
                                        Nested("course.mistake-fails-fix")))
                break
            except Exception:  # a case that cannot be drawn: reported by reference_problems
                continue
    return problems


def check_conventions(course: Course, assignments: Iterable[str], catalogue=None) -> Findings:
    """Every convention problem of the given assignments, and the assignments that cannot be graded."""
    assignments = list(assignments)
    problems = [p for aid in assignments for p in notebook_problems(course, aid)]
    ref_problems, broken = reference_problems(course, assignments)
    problems += ref_problems + mutant_problems(course, catalogue)
    blocked = {course.functions[name].assignment for name in broken if name in course.functions}
    return Findings(problems, blocked)
