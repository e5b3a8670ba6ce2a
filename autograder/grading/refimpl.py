"""The course's trusted reference package: ``reference/`` beside course.yaml, else the importable one.

A course copied elsewhere (a new course made from this one, a temporary copy in a test)
brings its own ``reference/``; grading, release and validate must use that one, not whatever
``reference`` happens to be importable.  The copy is imported under a private module name
keyed by its sources' hash, so an edited reference is imported afresh.  Everything that needs
the reference (its functions, its catalogue of mistakes ``reference/mutants.py``) reaches it
here, so both come from the same copy.  :func:`reference_problems` says, as sentences, why a
course's reference cannot grade (grade, release and validate refuse with them).
"""
from __future__ import annotations

import hashlib
import importlib.util
import inspect
import sys
from pathlib import Path
from types import ModuleType
from typing import Iterable

from autograder.grading.course import Course, FunctionSpec
from autograder.grading.errors import Problem
from autograder.student.messages import Nested

PACKAGE = "reference"


def _digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*.py")):
        if "__pycache__" not in path.parts:
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def importable_reference():
    """``import reference`` as sys.path finds it (the course folder; see course.make_reference_importable);
    None where there is none (the student side).  The one place the package is imported by name."""
    try:
        import reference
    except ModuleNotFoundError as exc:
        if exc.name != PACKAGE:
            raise
        return None
    return reference


def reference_package(course_root: Path) -> ModuleType:
    """The reference package of the course at ``course_root`` (a ModuleType with ``__all__``)."""
    folder = Path(course_root) / PACKAGE
    init = folder / "__init__.py"
    importable = importable_reference()
    if importable is not None and (not init.is_file() or init.resolve() == Path(importable.__file__).resolve()):
        return importable
    if not init.is_file():
        raise ModuleNotFoundError(f"no reference/ package beside {Path(course_root) / 'course.yaml'}", name=PACKAGE)
    name = f"_rnnlab_reference_{_digest(folder)[:16]}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, init, submodule_search_locations=[str(folder)])
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(f"{init}: cannot be loaded as a module", name=PACKAGE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        for key in [k for k in sys.modules if k == name or k.startswith(name + ".")]:
            del sys.modules[key]
        raise
    return module


def own_reference(course_root: Path) -> Path | None:
    """The course's own reference/ folder when it is not the installed package (a course copy)."""
    init = Path(course_root) / PACKAGE / "__init__.py"
    importable = importable_reference()
    if init.is_file() and (importable is None or init.resolve() != Path(importable.__file__).resolve()):
        return init.parent
    return None


def reference_submodule(course_root: Path, submodule: str) -> ModuleType:
    """``reference.<submodule>`` of the course's reference package (e.g. ``mutants``)."""
    package = reference_package(course_root)
    return importlib.import_module(f"{package.__name__}.{submodule}")


def signature(names: Iterable[str]) -> str:
    """``(a, b, c)``: how a problem writes a function's positional arguments."""
    return "(" + ", ".join(names) + ")"


def _reference_file(fn) -> str:
    try:
        path = Path(inspect.getsourcefile(fn) or "")
        return f"reference/{path.name}" if path.name else "reference/"
    except TypeError:
        return "reference/"


def reference_problems(course: Course, assignments: Iterable[str],
                       run_cases: bool = True) -> tuple[list[Problem], set[str]]:
    """Graded functions without a usable reference; also the functions that cannot be graded.

    ``run_cases=False`` only looks for the functions and their signatures (no call)."""
    from autograder.grading.pipeline import reference_forward, reference_namespace

    try:
        namespace = reference_namespace(course)
    except Exception as exc:  # a syntax error in a reference module, a bad import, ...
        detail = f"{type(exc).__name__}: {exc}"
        names = {spec.name for aid in assignments for spec in course.functions_of(aid)}
        return [Problem("reference/__init__.py", None, None, Nested("course.reference-import", detail=detail[:300]),
                        Nested("course.reference-import-fix"))], names
    package = reference_package(course.root)
    problems, broken = [], set()
    for aid in assignments:
        for spec in course.functions_of(aid):
            problem = _reference_problem(course, spec, namespace, package, reference_forward, run_cases)
            if problem is not None:
                problems.append(problem)
                broken.add(spec.name)
    return problems, broken


def _reference_problem(course, spec: FunctionSpec, namespace, package, reference_forward,
                       run_cases: bool = True) -> Problem | None:
    from autograder.grading.cases import build_cases
    from autograder.sandbox.inside.program import ProgramError, run_program

    name, args = spec.name, signature(spec.args)
    fn = namespace.get(name)
    if fn is None:
        if callable(getattr(package, name, None)):
            return Problem("reference/__init__.py", None, name, Nested("course.reference-not-exported"),
                           Nested("course.reference-not-exported-fix", name=name))
        return Problem("reference/", None, name, Nested("course.reference-missing"),
                       Nested("course.reference-missing-fix", definition=name + args, name=name,
                              assignment=spec.assignment))
    where = _reference_file(getattr(fn, "func", fn))
    try:
        params = [p for p in inspect.signature(fn).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = None
    if params is not None and [p.name for p in params[:len(spec.args)]] != list(spec.args):
        return Problem(where, None, name, Nested("course.reference-signature",
                                                 defined=name + signature(p.name for p in params), inputs=args),
                       Nested("course.reference-signature-fix"))
    if not run_cases:
        return None
    try:
        forward = reference_forward(namespace)
        case = build_cases(course, spec, secret=b"rnnlab-conventions", forward_shapes=forward, count=1)[0]
        run_program(namespace, case.program)
    except ProgramError as exc:
        if exc.kind == "not-implemented":
            return Problem(where, None, name, Nested("course.reference-stub"), Nested("course.reference-stub-fix"))
        return Problem(where, None, name, Nested("course.reference-fails", detail=f"{exc.kind}: {exc.message[:300]}"),
                       Nested("course.reference-fails-fix"))
    except Exception as exc:
        return Problem("course.yaml", None, name, Nested("course.no-input-case",
                                                         detail=f"{type(exc).__name__}: {str(exc)[:300]}"),
                       Nested("course.no-input-case-fix"))
    return None
