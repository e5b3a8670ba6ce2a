"""Load and validate ``course.yaml``: the one source of points, tolerances, limits and input specs.

Owns: parsing (pyyaml), schema validation (jsonschema, ``course.schema.json``), the
cross-reference checks a schema cannot express, and the immutable :class:`Course` the rest
of the engine reads.  Every error names the file, the line, the key and a fix.

Every verb starts here, so loading is kept cheap: importing jsonschema costs several times
``import numpy`` (its format checkers build the lark grammars of rfc3987-syntax), so a file
that passed the schema once is remembered by the hash of its bytes and of the schema
(``.rnnlab-cache/course-valid/`` beside course.yaml) and jsonschema is imported only for a
file not seen before.  The cross-reference checks always run.  Likewise pyyaml's parse (data and
line numbers) of bytes parsed before is read back from JSON (``.rnnlab-cache/yaml-parsed/``).
"""
from __future__ import annotations

import hashlib
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

from autograder.student.messages import Nested
from autograder.grading.terminal import render_terminal

if TYPE_CHECKING:  # imported lazily where used: jsonschema's import is slow, yaml's is not free
    import jsonschema
    import yaml

# jsonschema imports every optional format-checker library it finds when it is imported;
# course.schema.json has no "format" and the validator below gets no format checker, so none
# is ever used.  rfc3987_syntax alone compiles ~40 Lark grammars at import (the largest
# part of every command's start-up: benchmarks/README.md).
_UNUSED_FORMAT_LIBRARIES = ("rfc3987_syntax", "rfc3987", "rfc3986_validator", "rfc3339_validator",
                            "isoduration", "webcolors", "uri_template", "jsonpointer", "fqdn", "idna")


def _import_jsonschema():
    """``import jsonschema`` without its format checkers' libraries (importable again afterwards)."""
    blocked = [name for name in _UNUSED_FORMAT_LIBRARIES if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # makes `import name` raise ImportError, which jsonschema expects
    try:
        import jsonschema as module
    finally:
        for name in blocked:
            if sys.modules.get(name, False) is None:
                del sys.modules[name]
    return module



SCHEMA_PATH = Path(__file__).with_name("course.schema.json")
VALID_CACHE = Path(".rnnlab-cache") / "course-valid"  # beside course.yaml; one empty file per valid content
CACHE_OUTPUT = "cache"  # a forward's cache is the student's own object: never graded


class CourseError(Exception):
    """course.yaml cannot be used; ``str()`` lists every problem, one per line (in English;
    :meth:`message` in a language: a problem is a sentence or a :class:`Nested` message)."""

    heading_code = "cli.course-invalid"

    def __init__(self, problems: Sequence[str | Nested]):
        self.problems = list(problems)
        super().__init__(self.message("en"))

    @property
    def heading(self) -> str:
        return render_terminal(self.heading_code, "en")

    def lines(self, language: str = "en") -> list[str]:
        """Each problem in ``language``."""
        return [render_terminal(p.code, language, **p.params) if isinstance(p, Nested) else p for p in self.problems]

    def message(self, language: str = "en") -> str:
        return "\n".join(self.lines(language))


class CourseNotFound(CourseError):
    """There is no course.yaml where one was looked for."""

    heading_code = "cli.course-not-found"


@dataclass(frozen=True)
class CourseLimits:
    """course.yaml's ``limits``: what one submission may use (the sandbox's own knobs are sandbox/box.py's Limits)."""

    call_seconds: float
    load_seconds: float
    submission_seconds: float
    memory_mb: int
    processes: int
    file_mb: int
    source_kb: int = 512  # solution code per notebook; more is refused at extraction


@dataclass(frozen=True)
class NumericalGradient:
    """The check that a backward backpropagates (course.yaml ``grading.numerical_gradient``).

    While a backward runs, the grader counts the calls of the assignment's forward functions
    (those a backward is graded through, step functions included); more than
    ``per_step × steps + extra`` on a case — ``steps`` the sum of the case's sizes named in
    ``steps`` (its sequence lengths), 1 if it has none — fails the backward's items.
    """

    check: bool = True
    steps: tuple[str, ...] = ("T", "S")
    per_step: int = 1
    extra: int = 1

    def allowed(self, dims: dict[str, int]) -> int:
        return self.per_step * (sum(dims.get(d, 0) for d in self.steps) or 1) + self.extra


@dataclass(frozen=True)
class Item:
    """One rubric item: an output of a graded function."""

    id: str
    function: str
    output: str
    points: float
    tolerance: float


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    assignment: str
    inputs: dict[str, dict]  # ordered: the order is the call's positional order
    returns: tuple[str, ...]
    items: tuple[Item, ...]
    through: str | None
    cases: int
    dims: dict[str, tuple[int, int]]
    distinct: tuple[tuple[str, ...], ...]
    call_seconds: float
    description: str = ""
    calls: tuple[str, ...] = ()  # graded functions of the same assignment this one calls (root causes)
    # sizes of one more hidden case (course.yaml ``large_case``), drawn after the others: so large
    # that a finite-difference backward cannot finish in call_seconds, while backpropagation can
    large_case: tuple[tuple[str, int], ...] = ()

    @property
    def args(self) -> tuple[str, ...]:
        return tuple(self.inputs)

    @property
    def max_score(self) -> float:
        return sum(item.points for item in self.items)


@dataclass(frozen=True)
class Assignment:
    id: str
    notebook: str
    title: str
    title_ko: str
    functions: tuple[str, ...]


@dataclass(frozen=True)
class Course:
    path: Path
    id: str
    title: str
    language: str
    gru_form: str
    tolerance: float
    mutation_penalty: float
    self_consistency_credit: float
    limits: CourseLimits
    assignments: dict[str, Assignment]
    functions: dict[str, FunctionSpec]
    digest: str = field(repr=False)  # sha256 of the file: part of every resume fingerprint
    feedback: str = "hint"  # level of a diagnosis' explanation and hint: hint | explain | reveal
    numerical_gradient: NumericalGradient = field(default_factory=NumericalGradient)

    @property
    def root(self) -> Path:
        return self.path.parent

    def functions_of(self, assignment_id: str) -> list[FunctionSpec]:
        return [self.functions[name] for name in self.assignments[assignment_id].functions]

    def max_score(self, assignment_id: str) -> float:
        return sum(f.max_score for f in self.functions_of(assignment_id))


# --------------------------------------------------------------------------- parsing


def _line_index(node: yaml.Node, path: tuple = (), index: dict | None = None) -> dict:
    """Map every key path of the YAML document to its 1-based line (for error messages)."""
    import yaml

    index = {} if index is None else index
    index[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            sub = path + (key_node.value,)
            index[sub] = key_node.start_mark.line + 1
            _line_index(value_node, sub, index)
            index[sub] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _line_index(item, path + (i,), index)
    return index


def _line_of(lines: dict, path: tuple) -> int:
    while path not in lines and path:
        path = path[:-1]
    return lines.get(path, 1)


BOUND_FIXES = {"minimum": "course.fix-minimum", "exclusiveMinimum": "course.fix-exclusiveMinimum",
               "maximum": "course.fix-maximum", "exclusiveMaximum": "course.fix-exclusiveMaximum"}
# jsonschema's sentence per kind of check, said in the command's language (its English is jsonschema's)
SCHEMA_WHAT = {"required": "course.schema-required", "type": "course.schema-type", "enum": "course.schema-enum",
               "additionalProperties": "course.schema-additionalProperties",
               "additionalProperties-many": "course.schema-additionalProperties-many",
               "minimum": "course.schema-minimum", "exclusiveMinimum": "course.schema-exclusiveMinimum",
               "maximum": "course.schema-maximum", "exclusiveMaximum": "course.schema-exclusiveMaximum",
               "pattern": "course.schema-pattern"}


def _fix_for(error: jsonschema.ValidationError, schema: str = "autograder/grading/course.schema.json") -> Nested:
    v = error.validator
    if v == "type":
        return Nested("course.fix-type", type=error.validator_value)
    if v == "enum":
        return Nested("course.use-one-of", choices=", ".join(map(str, error.validator_value)))
    if v == "required":
        missing = re.findall(r"'([^']+)' is a required property", error.message)
        return Nested("course.fix-add-key", key=missing[0]) if missing else Nested("course.fix-add-missing-key")
    if v == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        return (Nested("course.fix-rename-key-allowed", allowed=", ".join(allowed)) if allowed
                else Nested("course.fix-rename-key"))
    if v in BOUND_FIXES:
        return Nested(BOUND_FIXES[v], value=error.validator_value)
    if v == "pattern":
        return Nested("course.fix-pattern", pattern=error.validator_value)
    if v == "oneOf":
        return Nested("course.fix-one-of")
    if v in ("minItems", "maxItems", "minProperties"):
        return Nested("course.fix-count", validator=v, value=error.validator_value)
    return Nested("course.fix-schema", schema=schema)


def _what_for(error: jsonschema.ValidationError, key: tuple, limit: int | None = None) -> Nested:
    """What jsonschema found wrong, said per kind of check in the command's language: a message
    whose English is jsonschema's own sentence (else that sentence, ``detail``, as it is)."""
    value = error.validator_value
    params = {"instance": repr(error.instance), "value": repr(value), "key": "", "extras": "",
              "types": ", ".join(map(repr, value if isinstance(value, list) else [value]))}
    if error.validator == "required":
        missing = re.findall(r"('[^']+') is a required property", error.message)
        params["key"] = missing[0] if missing else ""
    extras = re.findall(r"\((.*) (?:was|were) unexpected\)$", error.message)
    code = SCHEMA_WHAT.get(str(error.validator) + ("-many" if " were unexpected" in error.message else ""))
    params["extras"] = extras[0] if extras else ""
    if (code is not None and (limit is None or len(error.message) <= limit)
            and render_terminal(code, "en", **params) == error.message):
        return Nested(code, **params)
    return Nested("course.schema-other", detail=error.message[:limit])


def _dotted(path) -> "str | Nested":
    return ".".join(str(p) for p in path) or Nested("course.top-level")


def _yaml_loader():
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: ~10x faster


def _parse(path: Path) -> tuple[dict, dict, bytes]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise CourseNotFound([Nested("course.no-such-file", path=path)]) from None
    except OSError as exc:
        raise CourseError([Nested("course.unreadable", path=path, detail=exc.strerror)]) from None
    kept = _kept_parse(path, raw)
    if kept is not None:
        return kept[0], kept[1], raw
    data, lines = parse_yaml(path, raw, CourseError, "course.not-mapping")
    _keep_parse(path, raw, data, lines)
    return data, lines, raw


def parse_yaml(path: Path, raw: bytes, error: type[Exception], not_mapping: str) -> tuple[dict, dict]:
    """``raw`` (the YAML file at ``path``) as a mapping and the line of each key path
    (``_line_index``); any problem raises ``error([Nested(...)])`` (``not_mapping``: the code when
    the document is not a mapping).  Shared by course.yaml and the mistakes' wording file."""
    import yaml

    try:
        text = raw.decode("utf-8")
        loader = _yaml_loader()(text)
        try:  # one parse: the node tree gives the lines, the same tree the data
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except UnicodeDecodeError as exc:
        raise error([Nested("course.not-utf8", path=path, detail=exc.reason)]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise error([Nested("course.yaml-syntax", path=path, line=line,
                            detail=getattr(exc, "problem", exc))]) from None
    if node is None or not isinstance(data, dict):
        raise error([Nested(not_mapping, path=path)])
    return data, _line_index(node)


PARSED_CACHE = Path(".rnnlab-cache") / "yaml-parsed"  # beside course.yaml; one JSON file per content


def _parsed_path(path: Path, raw: bytes) -> Path:
    return path.resolve().parent / PARSED_CACHE / f"{hashlib.sha256(b'rnnlab-yaml-1' + raw).hexdigest()}.json"


def _same(a: Any, b: Any) -> bool:
    """Equal, and of the same types all the way down (True is not 1, 1.0 is not 1)."""
    if type(a) is not type(b):
        return False
    if type(a) is dict:
        return list(a) == list(b) and all(_same(v, b[k]) for k, v in a.items())
    if type(a) in (list, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b or (a != a and b != b)


def _kept_parse(path: Path, raw: bytes) -> tuple[dict, dict] | None:
    """``(data, lines)`` of a YAML file (``path``: course.yaml, or a file in a folder beside it) whose
    very bytes were parsed before, kept as JSON by :func:`_keep_parse`; None if not kept.

    pyyaml's import and parse cost as much CPU as the rest of a one-notebook grade's course loading;
    the parse of the same bytes is always the same, so it is remembered by their hash (beside the
    schema's markers, VALID_CACHE)."""
    try:
        kept = json.loads(_parsed_path(path, raw).read_bytes())
        data, lines = kept["data"], {tuple(key): line for key, line in kept["lines"]}
    except (OSError, ValueError, TypeError, KeyError):
        return None
    return (data, lines) if type(data) is dict else None


def _keep_parse(path: Path, raw: bytes, data: dict, lines: dict) -> None:
    """Best effort; only what JSON gives back exactly (str keys, no dates) is kept."""
    try:
        text = json.dumps({"data": data, "lines": [[list(key), line] for key, line in lines.items()]},
                          ensure_ascii=False)
        back = json.loads(text)
    except (TypeError, ValueError):
        return
    if not (_same(back["data"], data) and _same({tuple(k): v for k, v in back["lines"]}, lines)):
        return
    from autograder.grading.results import write_atomic

    try:
        write_atomic(_parsed_path(path, raw), text)
    except OSError:  # a read-only course folder: parse every time
        pass


def _valid_marker(path: Path, raw: bytes, schema: bytes) -> Path:
    key = hashlib.sha256(hashlib.sha256(schema).digest() + raw).hexdigest()
    return path.resolve().parent / VALID_CACHE / key


def checked_once(beside: Path, raw: bytes, schema_bytes: bytes, check: Callable[[], list]) -> list:
    """``check()``'s problems, unless these very bytes (``raw``) passed this very schema before: a
    file that passes is remembered by its hash in the cache beside ``beside`` (the course file),
    since jsonschema imports slowly.  No ``raw``: checked every time."""
    marker = _valid_marker(beside, raw, schema_bytes) if raw else None
    if marker is not None and marker.is_file():
        return []
    problems = check()
    if not problems and marker is not None:
        try:
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()
        except OSError:  # a read-only course folder: validate every time
            pass
    return problems


def _schema_problems(path: Path, data: dict, lines: dict, raw: bytes = b"") -> list[Nested]:
    schema_bytes = SCHEMA_PATH.read_bytes()
    return checked_once(path, raw, schema_bytes,
                        lambda: _jsonschema_problems(path, data, lines, json.loads(schema_bytes)))


def _jsonschema_problems(path: Path, data: dict, lines: dict, schema: dict) -> list[Nested]:
    jsonschema = _import_jsonschema()  # only for a course file not validated before

    validator = jsonschema.Draft202012Validator(schema)
    problems = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        where = tuple(error.absolute_path)
        key = where
        if error.validator == "additionalProperties":
            extra = re.findall(r"'([^']+)' was unexpected", error.message)
            key = where + (extra[0],) if extra else where
        problems.append(Nested("course.at", path=path, line=_line_of(lines, key), key=_dotted(key),
                               what=_what_for(error, key), fix=_fix_for(error)))
    return problems


# ------------------------------------------------------------------ cross-references


def _spec_refs(spec: dict, where: tuple):
    """Yield (kind, name, where) for every dim, like- and from-reference inside an input spec."""
    for entry in spec.get("shape", []):
        if isinstance(entry, str):
            yield "dim", entry.split("*")[-1], where + ("shape",)
    for key in ("tokens", "list"):
        if key in spec:
            yield "dim", spec[key], where + (key,)
    for key in ("like", "from"):
        if key in spec:
            yield key, spec[key], where + (key,)
    for key, sub in spec.get("dict", {}).items():
        yield from _spec_refs(sub, where + ("dict", key))
    for key in ("item", "first"):
        if key in spec:
            yield from _spec_refs(spec[key], where + (key,))


def spec_dims(spec: "FunctionSpec") -> set[str]:
    """The size names a function's input specs mention."""
    return {ref for arg, s in spec.inputs.items() for kind, ref, _ in _spec_refs(s, (arg,)) if kind == "dim"}


def _semantic_problems(path: Path, data: dict, lines: dict) -> list[Nested]:
    problems = []

    def say(where: tuple, what: Nested, fix: Nested):
        problems.append(Nested("course.at", path=path, line=_line_of(lines, where), key=_dotted(where),
                               what=what, fix=fix))

    def one_of(choices) -> Nested:
        return Nested("course.use-one-of", choices=", ".join(choices))

    assignment_ids = [a["id"] for a in data["assignments"]]
    for i, aid in enumerate(assignment_ids):
        if assignment_ids.index(aid) != i:
            say(("assignments", i, "id"), Nested("course.assignment-twice", assignment=aid),
                Nested("course.assignment-twice-fix"))
    global_dims = set(data["grading"]["dims"])
    functions = data["functions"]
    for name, fn in functions.items():
        here = ("functions", name)
        if fn["assignment"] not in assignment_ids:
            say(here + ("assignment",), Nested("course.unknown-assignment", assignment=fn["assignment"]),
                one_of(assignment_ids))
        forward = functions.get(fn.get("through"))
        # a backward draws its sizes with its forward's, so it sees the forward's dims too
        dims = global_dims | set(fn.get("dims", {})) | set((forward or {}).get("dims", {}))
        if "through" in fn and forward is None:
            say(here + ("through",), Nested("course.through-ungraded", name=fn["through"]),
                Nested("course.through-ungraded-fix"))
        elif forward is not None and "through" in forward:
            say(here + ("through",), Nested("course.through-chained", name=fn["through"]),
                Nested("course.through-chained-fix"))
        for arg, spec in fn["inputs"].items():
            for kind, ref, where in _spec_refs(spec, here + ("inputs", arg)):
                if kind == "dim" and ref not in dims:
                    say(where, Nested("course.size-undefined", size=ref), Nested("course.size-undefined-fix", size=ref))
                elif kind in ("like", "from"):
                    if forward is None:
                        say(where, Nested("course.needs-through", kind=kind), Nested("course.needs-through-fix"))
                    elif ref not in forward["returns"]:
                        say(where, Nested("course.not-an-output", name=ref, forward=fn["through"]),
                            one_of(forward["returns"]))
        for size in fn.get("large_case", {}):
            if size not in dims:
                say(here + ("large_case", size), Nested("course.size-undefined", size=size), one_of(sorted(dims)))
        for i, callee in enumerate(fn.get("calls", [])):
            if callee not in functions or callee == name:
                say(here + ("calls", i), Nested("course.callee-ungraded", name=callee),
                    Nested("course.callee-ungraded-fix"))
            elif functions[callee]["assignment"] != fn["assignment"]:
                say(here + ("calls", i), Nested("course.callee-elsewhere", name=callee),
                    Nested("course.callee-elsewhere-fix"))
        for out in fn["points"]:
            if out not in fn["returns"]:
                say(here + ("points", out), Nested("course.not-returned", name=out),
                    one_of(r for r in fn["returns"] if r != CACHE_OUTPUT))
            elif out == CACHE_OUTPUT:
                say(here + ("points", out), Nested("course.cache-graded"), Nested("course.remove-entry"))
        for out in fn.get("tolerance", {}):
            if out not in fn["points"]:
                say(here + ("tolerance", out), Nested("course.tolerance-no-points", name=out),
                    Nested("course.tolerance-no-points-fix"))
    return problems


# ----------------------------------------------------------------------- building


def _dims(raw: dict) -> dict[str, tuple[int, int]]:
    return {k: (int(v[0]), int(v[1])) for k, v in raw.items()}


def _build(path: Path, data: dict, raw: bytes) -> Course:
    grading = data["grading"]
    limits = grading["limits"]
    default_tol = float(grading["tolerance"])
    call_seconds = float(limits["call_seconds"])
    functions = {}
    raw_functions = data["functions"]
    for name, fn in raw_functions.items():
        tolerances = fn.get("tolerance", {})
        forward_dims = raw_functions[fn["through"]].get("dims", {}) if "through" in fn else {}
        items = tuple(
            Item(id=f"{name}.{out}", function=name, output=out, points=float(points),
                 tolerance=float(tolerances.get(out, default_tol)))
            for out, points in fn["points"].items()
        )
        functions[name] = FunctionSpec(
            name=name,
            assignment=fn["assignment"],
            inputs=dict(fn["inputs"]),
            returns=tuple(fn["returns"]),
            items=items,
            through=fn.get("through"),
            cases=int(fn.get("cases", grading["cases"])),
            dims={**_dims(grading["dims"]), **_dims(forward_dims), **_dims(fn.get("dims", {}))},
            distinct=tuple(tuple(group) for group in fn.get("distinct", grading.get("distinct", []))),
            call_seconds=float(fn.get("call_seconds", call_seconds)),
            description=fn.get("description", ""),
            calls=tuple(fn.get("calls", ())),
            large_case=tuple((k, int(v)) for k, v in fn.get("large_case", {}).items()),
        )
    assignments = {}
    for a in data["assignments"]:
        assignments[a["id"]] = Assignment(
            id=a["id"], notebook=a["notebook"], title=a.get("title", a["id"]),
            title_ko=a.get("title_ko", a.get("title", a["id"])),
            functions=tuple(n for n, f in functions.items() if f.assignment == a["id"]),
        )
    meta = data["course"]
    return Course(
        path=path.resolve(),
        id=meta["id"],
        title=meta["title"],
        language=meta["language"],
        gru_form=meta["gru_form"],
        tolerance=default_tol,
        mutation_penalty=float(grading.get("mutation_penalty", 0.0)),
        self_consistency_credit=float(grading.get("self_consistency_credit", 0.0)),
        limits=CourseLimits(
            call_seconds=call_seconds,
            load_seconds=float(limits.get("load_seconds", call_seconds)),
            submission_seconds=float(limits["submission_seconds"]),
            memory_mb=int(limits["memory_mb"]),
            processes=int(limits.get("processes", 64)),
            file_mb=int(limits.get("file_mb", 16)),
            source_kb=int(limits.get("source_kb", 512)),
        ),
        assignments=assignments,
        functions=functions,
        digest=hashlib.sha256(raw).hexdigest(),
        feedback=meta.get("feedback", "hint"),
        numerical_gradient=_numerical_gradient(grading.get("numerical_gradient", {})),
    )


def load_course(path: str | Path) -> Course:
    """Parse, validate and return the course; raise :class:`CourseError` listing every problem."""
    path = Path(path)
    data, lines, raw = _parse(path)
    problems = _schema_problems(path, data, lines, raw)
    if not problems:
        problems = _semantic_problems(path, data, lines)
    if problems:
        raise CourseError(problems)
    course = _build(path, data, raw)
    make_reference_importable(course)
    _check_mistake_wording(course)
    return course


def _check_mistake_wording(course: Course) -> None:
    """reference/mistakes.yaml (the words of the course's mistakes, grading/mistakes.py) is course
    data too: checked against its schema here, each problem with its file and line."""
    wording = course.root / "reference" / "mistakes.yaml"
    if wording.is_file():
        from autograder.grading.mistakes import WordingError, check_file

        try:
            check_file(wording)
        except WordingError as exc:
            raise CourseError(exc.problems) from None


def find_course(start: str | Path = ".") -> Path:
    """The course.yaml in ``start`` or the nearest parent directory."""
    here = Path(start).resolve()
    for folder in (here, *here.parents):
        if (folder / "course.yaml").is_file():
            return folder / "course.yaml"
    raise CourseNotFound([Nested("course.not-here", path=here)])


def make_reference_importable(course: Course) -> None:
    """Let ``import reference`` find the course's own reference/ folder, beside course.yaml.

    The reference is the course's, not the package's: ``rnnlab`` is installed without it, so
    nothing a student installs carries the solutions.  Appended, not prepended, so the
    course folder never shadows an installed package.
    """
    root = str(course.root)
    if (course.root / "reference").is_dir() and root not in sys.path:
        sys.path.append(root)


def _numerical_gradient(settings: dict[str, Any]) -> NumericalGradient:
    """course.yaml's grading.numerical_gradient (its ``steps`` list as a tuple)."""
    fields: dict[str, Any] = dict(settings)
    if "steps" in fields:
        fields["steps"] = tuple(fields["steps"])
    return NumericalGradient(**fields)
