"""The course's trusted reference package: ``reference/`` beside course.yaml, else the importable one.

A course copied elsewhere (a new course made from this one, a temporary copy in a test)
brings its own ``reference/``; grading, release and validate must use that one, not whatever
``reference`` happens to be importable.  The copy is imported under a private module name
keyed by its sources' hash, so an edited reference is imported afresh.
"""
from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

PACKAGE = "reference"


def _digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*.py")):
        if "__pycache__" not in path.parts:
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _importable():
    """``import reference`` as sys.path finds it (the course folder; see course.make_reference_importable)."""
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
    importable = _importable()
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
    importable = _importable()
    if init.is_file() and (importable is None or init.resolve() != Path(importable.__file__).resolve()):
        return init.parent
    return None


def reference_submodule(course_root: Path, submodule: str) -> ModuleType:
    """``reference.<submodule>`` of the course's reference package (e.g. ``mutants``)."""
    package = reference_package(course_root)
    return importlib.import_module(f"{package.__name__}.{submodule}")
