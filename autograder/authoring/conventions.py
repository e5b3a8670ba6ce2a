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


def _label(index: int, cell) -> str:
    cell_id = cell.get("id")
    return f"cell {index + 1}" + (f" (id {cell_id})" if cell_id else "")


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


def _suggest(name: str, names: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(names), n=1, cutoff=0.6)
    return f'did you mean check("{close[0]}")?' if close else "use the name of a graded function"


def notebook_problems(course: Course, aid: str) -> list[Problem]:
    """The conventions of solutions/<aid>/<notebook> against course.yaml."""
    assignment = course.assignments[aid]
    rel = f"solutions/{aid}/{assignment.notebook}"
    path = course.root / rel
    specs = {spec.name: spec for spec in course.functions_of(aid)}
    if not path.is_file():
        return [Problem(rel, None, None, "the assignment's solutions notebook is missing",
                        f"create it (docs/NOTEBOOKS.md), or fix notebook: in course.yaml's assignment '{aid}'")]
    import nbformat  # here, not at the top: `grade` uses this module's reference checks, and nbformat
    # imports jsonschema's format checkers (start-up cost: benchmarks/README.md)

    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception as exc:  # nbformat raises several kinds for a broken file
        return [Problem(rel, None, None, f"not a readable notebook ({str(exc).splitlines()[0][:200]})",
                        "restore it from git or re-save it in JupyterLab")]
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
                say(index, cell, meta.get("grade_id"), f"invalid nbgrader metadata ({str(exc).splitlines()[0][:200]})",
                    "fix the cell's nbgrader metadata (docs/NOTEBOOKS.md, 'Cell metadata')")
        try:
            defs = _defs(cell.source)
        except SyntaxError as exc:
            say(index, cell, meta.get("grade_id"), f"does not parse (line {exc.lineno}: {exc.msg})", "fix the syntax")
            defs = {}
        for number in _markers_outside_functions(cell.source):
            say(index, cell, meta.get("grade_id"), f"line {number}: {BEGIN_SOLUTION} is outside a function, so the "
                "student's cell would hold `raise NotImplementedError()` and no def",
                "put the markers inside the function's body, below its docstring")
        for name in _checked_names(cell.source):
            if name not in specs:
                elsewhere = course.functions.get(name)
                why = (f"is graded in '{elsewhere.assignment}', not '{aid}'" if elsewhere
                       else "is not a graded function in course.yaml")
                say(index, cell, name, f'check("{name}") {why}', _suggest(name, specs))
        if meta.get("grade"):
            grade_id = str(meta.get("grade_id", ""))
            function = grade_id[len(GRADE_PREFIX):] if grade_id.startswith(GRADE_PREFIX) else None
            if function is None:
                say(index, cell, None, f"grade cell '{grade_id}' is not named check_<function>",
                    "set its grade_id to check_<the function it checks>")
                continue
            if function not in specs:
                say(index, cell, function, f"a grade cell for a function course.yaml does not grade in '{aid}'",
                    f"add it to course.yaml (`autograder new-function {function} --assignment {aid}`) "
                    "or delete the cell")
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
                say(index, cell, function, f"the grade cell gives {points} points, course.yaml gives "
                    f"{expected:g} ({parts})", f"set the cell's points to {expected:g}, or change course.yaml")
            if cell.source.strip() != f'check("{function}")':
                say(index, cell, function, f"the grade cell's source is {cell.source.strip()[:80]!r}",
                    f'make it exactly check("{function}")')
        if meta.get("solution"):
            grade_id = str(meta.get("grade_id", ""))
            for name, node in defs.items():
                if name in specs and name not in solution_defs:
                    solution_defs[name] = (index, cell, node)
            if grade_id in specs and grade_id not in defs:
                say(index, cell, grade_id, f"the solution cell '{grade_id}' does not define {grade_id}",
                    f"write `def {grade_id}{_signature(specs[grade_id].args)}:` in it")
    for name, spec in specs.items():
        if name not in solution_defs:
            say(None, None, name, "no solution cell defines it",
                f"add a solution cell with grade_id '{name}' holding `def {name}{_signature(spec.args)}:` "
                f"(`autograder new-function` writes one)")
        else:
            index, cell, node = solution_defs[name]
            args = [a.arg for a in node.args.posonlyargs + node.args.args]
            if args[:len(spec.args)] != list(spec.args) or (len(args) > len(spec.args)
                                                             and len(node.args.defaults) < len(args) - len(spec.args)):
                say(index, cell, name, f"the notebook defines {name}{_signature(args)}, course.yaml's inputs "
                    f"are {_signature(spec.args)}",
                    "use course.yaml's argument names and order in the def (the grader passes them in that "
                    "order), or rename the inputs in course.yaml")
        if name not in grade_cells:
            say(None, None, name, f"no grade cell check_{name}",
                f'add a locked grade cell, grade_id check_{name}, points {spec.max_score:g}, source check("{name}")')
        elif name in solution_defs and grade_cells[name][0] < solution_defs[name][0]:
            index, cell = grade_cells[name]
            say(index, cell, name, "the grade cell comes before the solution cell", "move it below the solution cell")
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
            return [Problem(rel, None, None, f"the catalogue of mistakes does not load ({type(exc).__name__}: "
                            f"{str(exc)[:300]})", "fix reference/mutants.py")]
    catalogue = list(catalogue)
    problems: list[Problem] = []
    for mutant in catalogue:
        for name in mutant.functions:
            if name not in namespace:
                problems.append(Problem(rel, None, name, f"mistake '{mutant.id}' replaces {name}, which the "
                                        "reference does not define", "correct the name or remove the mistake"))
        for target in mutant.targets:
            function, _, output = target.partition(".")
            spec = course.functions.get(function)
            if spec is None:
                if function not in namespace:
                    problems.append(Problem(rel, None, function, f"mistake '{mutant.id}' targets {target}, but "
                                            f"no function {function} exists", "correct the target or remove it"))
            elif output not in {item.output for item in spec.items}:
                problems.append(Problem(rel, None, function, f"mistake '{mutant.id}' targets {target}, which is "
                                        "not a graded output", "use one of: "
                                        + ", ".join(item.id for item in spec.items)))
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
    return [Problem(where, None, None, message, fix)
            for where, message, fix in problems_of(course, [m.id for m in catalogue], known)]


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
                problems.append(Problem("reference/mutants.py", None, function, f"mistake '{mutant.id}' "
                                        + ("is still a stub (raises NotImplementedError)" if stub else
                                           f"fails on an input drawn from course.yaml ({exc.kind}: {exc.message[:300]})"),
                                        "write what a student making this mistake computes"))
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
