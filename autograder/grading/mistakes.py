"""What the feedback says about each recognised mistake, at three levels, in Korean and English.

Owns: loading a course's mistake wording (``reference/mistakes.yaml``, beside the mistakes'
code in ``reference/mutants.py``, same ids; checked against ``mistakes.schema.json``, every
error with its file and line), the checks ``autograder validate`` makes of it
(:func:`wording_problems`), the words of the generic patterns of diagnose.py, and rendering
any of them at a feedback level (:func:`render`).

A course's mistakes are course data: a copied or new course carries its own, and an installed
grader reads the wording of the course it grades.  The generic patterns (transposed, wrong
sign, constant factor, ...) stay here: the engine finds them by comparing values, whatever the
course, and their words fill in the parameters the engine measured (a factor, axes, shapes).

Each entry has four parts:

- ``what``  names the mistake's concept, never the fix ("dprev_c misses a gate");
- ``where`` says where to look (the forward line to differentiate, the loop to read);
- ``why``   says why it is wrong (the chain rule, the shape, the convention);
- ``fix``   gives the formula or the line of code.

A catalogued mistake also declares ``fix_words``: the key words of its fix (a formula's
factor, the missing term's name), in each language.  The hint level must not contain any of
them (:func:`wording_problems`): it names the concept, never the missing factor.

course.yaml's ``feedback`` level decides what a student is shown (:func:`render`):

=========  ====================  ==========
level      explanation           hint
=========  ====================  ==========
hint       what                  where
explain    what + why            where
reveal     what + why            fix
=========  ====================  ==========

Terms follow glossary.py; every Korean particle after a code name, a Latin word, a number or a
formula is a template (``dprev_c이(가)``, ``shape을(를)``), filled when rendered.  The student
release never reads any of this: ``autograder release`` writes the hint-level words of the
mistakes its public cases can tell apart into ``public_cases.npz``.
"""
from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any, Iterable, Mapping

from autograder.grading.errors import Lines, UsageError
from autograder.student.glossary import TERM_BY_EN, fill_particles
from autograder.student.messages import Nested

__all__ = ["LEVELS", "DEFAULT_LEVEL", "GENERIC_TEXTS", "PLACEHOLDER", "WORDING_FILE", "WordingError", "check_file",
           "course_texts", "levels", "render", "wording_path", "wording_problems"]

LEVELS = ("hint", "explain", "reveal")
DEFAULT_LEVEL = "hint"
PARTS = ("what", "where", "why", "fix")
LANGUAGES = ("ko", "en")

#: The course's mistake wording, in its reference/ folder (beside mutants.py).
WORDING_FILE = "mistakes.yaml"
SCHEMA_PATH = Path(__file__).with_name("mistakes.schema.json")
#: How ``autograder new-mistake`` marks a text still to write; validate refuses it.
PLACEHOLDER = "TODO"


def _t(what_ko, what_en, where_ko, where_en, why_ko, why_en, fix_ko, fix_en, **extra) -> dict:
    return {"what": {"ko": what_ko, "en": what_en}, "where": {"ko": where_ko, "en": where_en},
            "why": {"ko": why_ko, "en": why_en}, "fix": {"ko": fix_ko, "en": fix_en}, **extra}


# ------------------------------------------------------------ the course's mistakes


class WordingError(UsageError):
    """reference/mistakes.yaml cannot be used; ``problems`` lists each with its file and line."""

    def __init__(self, problems: list[Nested]):
        self.problems = problems
        Exception.__init__(self, self.message("en"))

    def message(self, language: str = "en") -> str:
        return Lines(tuple(self.problems)).message(language)


def wording_path(course: Any = None) -> Path | None:
    """reference/mistakes.yaml of ``course`` (a Course or its folder): in its own reference/ when it
    has one (a copied or new course carries its words), else in the importable reference's, as
    refimpl.py chooses the code.  None without a course (the grader always has one) or where there
    is no reference (the student side)."""
    if course is None:
        return None
    root = Path(course) if isinstance(course, (str, Path)) else course.root
    if (root / "reference" / "__init__.py").is_file():
        return (root / "reference" / WORDING_FILE).resolve()
    from autograder.grading.refimpl import importable_reference

    package = importable_reference()  # the course folder the CLI made importable
    file = getattr(package, "__file__", None) if package is not None else None
    return Path(file).resolve().parent / WORDING_FILE if file else None


class _Loaded:
    def __init__(self, key: tuple, texts: dict[str, dict], lines: dict):
        self.key, self.texts, self.lines = key, texts, lines


_LOADED: dict[Path, _Loaded] = {}
_LOCK = threading.Lock()


def _load(path: Path) -> _Loaded:
    """The parsed and schema-checked file (cached until it changes); WordingError lists its problems."""
    from autograder.grading import course as course_module

    try:
        stat = path.stat()
    except FileNotFoundError:
        return _Loaded((), {}, {})
    key = (stat.st_mtime_ns, stat.st_size)
    with _LOCK:
        loaded = _LOADED.get(path)
        if loaded is not None and loaded.key == key:
            return loaded
    raw = path.read_bytes()
    kept = course_module._kept_parse(path.parent, raw)  # beside course.yaml
    if kept is not None:
        data, lines = kept
    else:
        data, lines = _parse(path, raw)
        course_module._keep_parse(path.parent, raw, data, lines)
    problems = _schema_problems(path, data, lines, raw)
    if problems:
        raise WordingError(problems)
    loaded = _Loaded(key, dict(data["mistakes"]), lines)
    with _LOCK:
        _LOADED[path] = loaded
    return loaded


def _parse(path: Path, raw: bytes) -> tuple[dict, dict]:
    from autograder.grading import course as course_module

    return course_module.parse_yaml(path, raw, WordingError, "course.mistakes-not-mapping")


def _schema_problems(path: Path, data: dict, lines: dict, raw: bytes) -> list[Nested]:
    """jsonschema's findings, each as ``file:line: key: message; fix: ...`` (course.py's form); a
    file that passed once is remembered by its hash, as course.yaml is (jsonschema imports slowly)."""
    from autograder.grading import course as course_module

    schema_bytes = SCHEMA_PATH.read_bytes()

    def check() -> list[Nested]:
        jsonschema = course_module._import_jsonschema()
        validator = jsonschema.Draft202012Validator(json.loads(schema_bytes))
        problems = []
        for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
            where = tuple(error.absolute_path)
            fix = course_module._fix_for(error, schema=f"autograder/grading/{SCHEMA_PATH.name}")
            if error.validator in ("minLength", "pattern") and where[-1] in LANGUAGES:
                fix = Nested("course.fix-write-text")
            problems.append(Nested("course.at", path=path, line=course_module._line_of(lines, where),
                                   key=course_module._dotted(where), what=course_module._what_for(error, where, 300),
                                   fix=fix))
        return problems

    return course_module.checked_once(path.parent, raw, schema_bytes, check)  # remembered beside course.yaml


def check_file(path: Path) -> None:
    """Raise :class:`WordingError` unless ``path`` passes the schema.  Cheap for a file that passed
    before (its bytes and the schema's are hashed, nothing parsed): the course loader calls it, so
    every command refuses an invalid wording file as it refuses an invalid course.yaml."""
    from autograder.grading import course as course_module

    if not course_module._valid_marker(path.parent, path.read_bytes(), SCHEMA_PATH.read_bytes()).is_file():
        _load(path)


def course_texts(course: Any = None) -> dict[str, dict]:
    """id -> entry of the course's catalogued mistakes ({} when it has no reference/mistakes.yaml).

    ``course`` is a Course or its folder; without one there are no course mistakes ({}).
    Raises :class:`WordingError` when the file is not valid.
    """
    path = wording_path(course)
    return {} if path is None else _load(path).texts


# ---------------------------------------------------------------------- generic patterns
#
# "detail" is appended to ``what`` when the diagnosis carries its parameters; a dict of
# details is chosen by the parameter "variant" ("default" without one).  A detail of the form
# {"what": ..., "where": ...} also replaces ``where`` (a square transposed matrix: the shape,
# which ``where`` points at, cannot tell).  Parameters are completed by :func:`_derived`.

GENERIC_TEXTS: dict[str, dict] = {
    "transposed": _t(
        "결과가 정답을 전치한 것, 즉 축의 순서가 바뀐 것과 같습니다.",
        "Your output equals the correct one transposed: its axes are in the wrong order.",
        "각 중간값의 .shape을(를) docstring과(와) 비교해 보세요.",
        "Compare each intermediate's .shape with the docstring.",
        "행 벡터 규약(x @ W)에서 가중치 기울기는 입력을 전치해서 곱합니다.",
        "With row vectors (x @ W), a weight gradient multiplies by the input transposed.",
        "y = x @ W이면 `dW = x.T @ dy`, `dx = dy @ W.T`입니다.",
        "If y = x @ W, then `dW = x.T @ dy` and `dx = dy @ W.T`.",
        detail={
            "default": {"ko": "(축 순서 {axes})", "en": "(axis order {axes})"},
            # a square matrix: its shape cannot tell, so the words name the product and its factor
            "square": {
                "what": {"ko": "({output}이(가) 정사각 행렬이라 shape(으)로는 알 수 없습니다: 순전파의 행렬곱 {product}에서 "
                               "인수 {factor}의 전치나 곱하는 쪽이 틀렸습니다)",
                         "en": "({output} is square, so its shape cannot tell: in the forward's product {product}, the "
                               "factor {factor} is transposed wrongly or multiplies on the wrong side)"},
                "where": {"ko": "{output}을(를) 만드는 행렬곱에서 {factor}이(가) 어느 쪽에 곱해지는지, 전치되는지를 순전파의 "
                                "{product}과(와) 비교하세요.",
                          "en": "In the product that makes {output}, check on which side {factor} multiplies and whether "
                                "it is transposed, against the forward's {product}."}},
            "square-other": {
                "what": {"ko": "({output}이(가) 정사각 행렬이라 shape(으)로는 알 수 없습니다: 이 값을 만드는 행렬곱의 한 "
                               "인수의 전치나 곱하는 쪽이 틀렸습니다)",
                         "en": "({output} is square, so its shape cannot tell: one factor of the product that makes it "
                               "is transposed wrongly or multiplies on the wrong side)"},
                "where": {"ko": "{output}을(를) 만드는 행렬곱의 두 인수를 순전파에서 그 값들이 곱해진 식과 비교하세요: 어느 "
                                "쪽에서, 전치되어 곱해지는지 보세요.",
                          "en": "Compare the two factors of the product that makes {output} with the forward equation "
                                "they come from: on which side each multiplies, and whether it is transposed."}},
        }),
    "wrong-sign": _t(
        "결과의 부호가 정답과 반대입니다 (−1배).",
        "Your output has the opposite sign of the correct one (−1 times).",
        "빼기의 순서와 (1 − z), (1 − f) 같은 항의 부호를 확인하세요.",
        "Check the order of each subtraction and the signs of terms like (1 − z).",
        "기울기 전체의 부호가 바뀌는 것은 대개 한 곳의 빼기 순서가 바뀐 것입니다.",
        "A gradient with the opposite sign everywhere usually comes from one subtraction in the wrong order.",
        "예: softmax 손실의 기울기는 `p - onehot`이지 `onehot - p`이(가) 아닙니다.",
        "E.g. the softmax loss gradient is `p - onehot`, not `onehot - p`."),
    "constant-factor": _t(
        "결과가 정답의 상수배입니다: 방향은 맞고 크기만 다릅니다.",
        "Your output is a constant multiple of the correct one: right direction, wrong scale.",
        "평균을 낼 때 나누는 수, 빠진 상수, 두 번 곱한 항을 확인하세요.",
        "Check what you divide by when averaging, a missing constant, or a factor applied twice.",
        "모든 원소가 같은 비율로 틀리면 식의 구조는 맞고 곱해지는 상수 하나가 다릅니다.",
        "When every entry is off by the same ratio, the structure is right and one constant factor differs.",
        "배율을 보고 나누는 수(N, T, N·T)이나(나) 상수(예: 2)을(를) docstring과(와) 맞추세요.",
        "Use the factor to find the divisor (N, T, N·T) or constant (e.g. 2) that differs from the docstring.",
        detail={"ko": "(배율 ≈ {factor:.4g})", "en": "(factor ≈ {factor:.4g})"}),
    "all-zeros": _t(
        "결과가 모두 0입니다.",
        "Your output is all zeros.",
        "0(으)로 초기화한 배열에 결과를 실제로 더하거나 대입하는지, 반환하는 변수가 맞는지 확인하세요.",
        "Check that you actually add or assign into the zero-initialised array, and that you return the right variable.",
        "값을 계산했지만 반환하지 않았거나, 0(으)로 초기화한 배열을 그대로 돌려준 것 같습니다.",
        "A value seems to be computed but not returned, or a zero-initialised array is returned unchanged.",
        "계산한 값을 `np.zeros`(으)로 만든 배열에 `+=`(으)로 더하거나 대입한 뒤 그 배열을 반환하세요.",
        "Add (`+=`) or assign the computed values into the array made with `np.zeros`, then return that array."),
    "partial-time-steps": _t(
        "일부 시점에서만 맞습니다.",
        "Right for some time steps only.",
        "루프에서 시점 사이에 넘겨주는 값(순전파의 prev_h, 역전파의 dprev_h)을(를) 확인하세요.",
        "Check what the loop passes from one time step to the next (prev_h forward, dprev_h backward).",
        "한 시점에서 생긴 오류는 순환 연결을 따라 퍼집니다. 역전파라면 뒤 시점의 기울기가 앞 시점으로 제대로 전달되지 않는 경우가 대부분입니다 (시간 역전파).",
        "An error made at one step spreads along the recurrence; in a backward pass this usually means the gradient from later steps is not carried back (backpropagation through time).",
        "역전파 루프에서 `dh[:, t] + dprev_h`을(를) 셀에 넘기고, 순전파 루프에서 `prev_h = next_h`(으)로 상태를 넘기세요.",
        "Pass `dh[:, t] + dprev_h` to the cell in the backward loop, and carry `prev_h = next_h` in the forward loop.",
        detail={
            "suffix": {"ko": "(t ≥ {k}인 마지막 시점들에서만 맞고 그 앞은 틀림: 기울기가 시간을 거슬러 전달되지 않습니다)",
                       "en": "(right only for the last steps t ≥ {k}, wrong before: the gradient is not carried back through time)"},
            "prefix": {"ko": "(t ≤ {k}까지만 맞고 그 뒤는 틀림: 다음 시점으로 넘기는 값이 잘못되었습니다)",
                       "en": "(right only for t ≤ {k}, wrong after: what is passed on to the next step is wrong)"},
        }),
    "shape-mismatch": _t(
        "결과의 shape이(가) 기대한 shape과(와) 다릅니다.",
        "Your output's shape differs from the expected shape.",
        "어느 축으로 합하는지, 빠지거나 남은 축이 없는지 docstring의 shape과(와) 비교하세요.",
        "Check which axes you sum over and compare every shape with the docstring.",
        "편향처럼 여러 위치에서 공유되는 값의 기울기는 공유된 축에 대해 합해야 합니다.",
        "The gradient of a value shared across positions (like a bias) sums over the shared axes.",
        "예: 시간 축이 있는 층(temporal_affine_backward)의 db은(는) `dout.sum(axis=(0, 1))`입니다.",
        "E.g. a temporal layer's db is `dout.sum(axis=(0, 1))`.",
        detail={"ko": "(결과 {got}, 기대 {expected})", "en": "(got {got}, expected {expected})"}),
    "gate-block": _t(
        "한 게이트의 블록만 틀렸습니다.",
        "Only one gate's block is wrong.",
        "그 게이트의 블록을 만드는 줄을 맞은 블록들의 줄과 비교하고, 순전파에서 그 게이트가 쓰이는 식을 보세요.",
        "Compare the line that makes that gate's block with the lines of the right blocks, and look at the forward "
        "equations that use that gate.",
        "블록마다 한 게이트의 활성화 전 값에 대한 기울기입니다. 한 블록만 틀렸다면 그 게이트의 국소 미분이나 그 게이트로 "
        "들어오는 기울기가 틀렸습니다.",
        "Each block is the gradient of one gate's pre-activation; when only one is wrong, that gate's local derivative "
        "or the gradient reaching that gate is wrong.",
        "노트북의 식에서 그 게이트의 기울기를 한 항씩 다시 유도해, 맞은 블록과 같은 방식으로 계산했는지 비교하세요.",
        "Derive that gate's gradient again from the notebook's equations, term by term, and compare it with how the "
        "right blocks are computed.",
        detail={"ko": "({output}의 {gate_name} 블록({gate})만 틀리고 다른 블록은 맞음)",
                "en": "(only the {gate_name} block ({gate}) of {output} is wrong; the other blocks are right)"}),
    # set by the pipeline, not by comparing values: a backward that calls its forward once per
    # perturbed number (course.yaml grading.numerical_gradient)
    "numerical-gradient": _t(
        "수치 기울기이지 역전파가 아닙니다: 역전파 함수가 실행되는 동안 순전파 함수를 입력 원소마다 다시 호출했습니다.",
        "A numerical gradient, not backpropagation: while the backward ran it called the forward again for every perturbed number.",
        "역전파 함수 안에서 순전파 함수를 부르는 곳을 보세요.",
        "Look for calls to the forward inside your backward.",
        "값은 맞더라도 이 과제는 연쇄 법칙으로 기울기를 계산하는 것입니다. 수치 미분은 답을 확인하는 데만 씁니다.",
        "Even if the values are right, the exercise is to compute the gradient by the chain rule; finite differences are for checking.",
        "순전파의 cache에 저장한 중간값으로 국소 미분을 곱해 가며 기울기를 거꾸로 전달하세요.",
        "Propagate the gradient backwards by multiplying local derivatives, using the values saved in the forward's cache."),
}


# The gate a block of a stacked LSTM/GRU gradient belongs to (diagnose.gate_block_diagnosis),
# by the glossary's English term.
GATE_TERMS = {"i": "input gate", "f": "forget gate", "o": "output gate", "g": "candidate",
              "r": "reset gate", "z": "update gate", "n": "candidate"}

# The forward product a square gradient comes from, and the factor whose transpose or side
# decides it (the "transposed" pattern on a square matrix): by function.output, else by output.
PRODUCTS = {
    "dWx": ("x @ Wx", "x"), "dWh": ("prev_h @ Wh", "prev_h"),
    "dx": ("x @ Wx", "Wx"), "dprev_h": ("prev_h @ Wh", "Wh"), "dh0": ("h0 @ Wh", "Wh"),
    "temporal_affine_backward.dx": ("x @ w", "w"), "temporal_affine_backward.dw": ("x @ w", "x"),
}


def _derived(params: Mapping[str, Any], language: str) -> dict:
    """A diagnosis' parameters with the words they stand for: the gate's glossary name, the
    product and factor of a square transposed output."""
    params = dict(params)
    if params.get("gate") in GATE_TERMS:
        term = TERM_BY_EN[GATE_TERMS[params["gate"]]]
        params["gate_name"] = term.ko if language == "ko" else term.en
    if params.get("variant") == "square":
        product = PRODUCTS.get(f"{params.get('function')}.{params.get('output')}") or PRODUCTS.get(params.get("output", ""))
        if product is None:
            params["variant"] = "square-other"
        else:
            params["product"], params["factor"] = product
    return params


def _entry(diagnosis_id: str, course: Any = None) -> dict | None:
    """A generic pattern's entry, else the course's mistake's (its file is read only for these)."""
    return GENERIC_TEXTS.get(diagnosis_id) or course_texts(course).get(diagnosis_id)


def _lang(texts: Mapping[str, str], language: str) -> str:
    return texts.get(language) or texts["en"]


def _parts(entry: Mapping[str, Any], language: str, params: Mapping[str, Any] | None) -> dict[str, str]:
    """The four parts of an entry in ``language``; an entry in the older two-field form
    ({"explanation", "hint"}) reads as what = explanation, where = hint, no why or fix."""
    if "what" not in entry:
        parts = {"what": _lang(entry["explanation"], language), "where": _lang(entry.get("hint", {"en": ""}), language),
                 "why": "", "fix": ""}
    else:
        parts = {p: _lang(entry[p], language) for p in PARTS}
    detail = entry.get("detail")
    if params and detail:
        params = _derived(params, language)
        if "ko" not in detail:  # one detail per variant
            detail = detail.get(params.get("variant", "default"))
        if detail:
            words = detail if "what" in detail else {"what": detail}
            try:
                extra = {part: _lang(words[part], language).format(**params) for part in ("what", "where") if part in words}
            except (KeyError, ValueError, IndexError, TypeError):
                extra = {}
            if "what" in extra:
                parts["what"] += " " + extra["what"]
            if "where" in extra:
                parts["where"] = extra["where"]
    return parts


def render(diagnosis_id: str, level: str = DEFAULT_LEVEL, language: str = "ko",
           params: Mapping[str, Any] | None = None, extra: Mapping[str, Mapping] | None = None,
           course: Any = None) -> dict | None:
    """{"explanation": ..., "hint": ...} of a diagnosis at ``level`` in ``language``; None if unknown.

    ``params`` are a diagnosis' parameters (a generic pattern's factor, axes, shapes, time
    steps); ``extra`` maps ids to entries not in this module (e.g. a pattern added elsewhere);
    ``course`` (a Course or its folder) is whose mistakes these are; without one only the generic
    patterns are known.  This is the API the grader (result JSON) and the release (the
    self-check's hint level) call.
    """
    if level not in LEVELS:
        raise ValueError(f"unknown feedback level {level!r}; use one of: {', '.join(LEVELS)}")
    entry = _entry(diagnosis_id, course) or (extra or {}).get(diagnosis_id)
    if entry is None:
        return None
    parts = _parts(entry, language, params)
    explanation = parts["what"] if level == "hint" else " ".join(p for p in (parts["what"], parts["why"]) if p)
    hint = parts["fix"] if level == "reveal" and parts["fix"] else parts["where"]
    return {"explanation": fill_particles(explanation), "hint": fill_particles(hint)}


def levels(diagnosis_id: str, language: str, course: Any = None) -> dict[str, dict | None]:
    """Every level of one diagnosis: level -> {"explanation", "hint"} (docs, tests)."""
    return {level: render(diagnosis_id, level, language, course=course) for level in LEVELS}


# ------------------------------------------------------------------ what validate checks


def wording_problems(course: Any, catalogued: Iterable[str], known: Iterable[str] = ()) -> list[tuple]:
    """(where, what, fix) (messages; fix None when ``what`` is a whole line) for every word ``autograder validate`` refuses, ``where`` being
    ``reference/mistakes.yaml[:LINE]``: a file that does not load or fails the schema; a
    ``catalogued`` mistake with no entry, a text still the placeholder, Korean that is the
    English, a hint level (what + where) that contains a fix word, a fix word its own why and fix
    never use, an id a generic pattern has; an entry for no mistake (``known`` holds every
    catalogued id, whatever the GRU form)."""
    rel = f"reference/{WORDING_FILE}"
    try:
        path = wording_path(course)
    except Exception:  # a reference that does not import: conventions.reference_problems says why
        return []
    try:
        loaded = _load(path) if path is not None else _Loaded((), {}, {})
    except WordingError as exc:
        # a problem with a key (the schema's) as where, what and fix; one of the whole file as it is
        return [(f"{rel}:{p.params['line']}", Nested("course.keyed", key=p.params["key"], what=p.params["what"]),
                 p.params["fix"]) if p.code == "course.at" else (rel, Nested(p.code, **{**p.params, "path": rel}), None)
                for p in exc.problems]
    texts, lines = loaded.texts, loaded.lines

    def at(*key) -> str:
        line = lines.get(("mistakes",) + key)
        return f"{rel}:{line}" if line else rel

    problems: list[tuple[str, Nested, Nested | None]] = []
    catalogued = list(dict.fromkeys(catalogued))
    for mid in catalogued:
        if mid not in texts:
            problems.append((rel, Nested("course.wording-missing", mistake=mid),
                             Nested("course.wording-missing-fix", mistake=mid, path=rel)))
    for mid, entry in texts.items():
        if mid in GENERIC_TEXTS:
            problems.append((at(mid), Nested("course.wording-generic-id", mistake=mid),
                             Nested("course.wording-generic-id-fix")))
        if mid not in catalogued and mid not in set(known):
            problems.append((at(mid), Nested("course.wording-unknown", mistake=mid),
                             Nested("course.wording-unknown-fix")))
        placeholders = [(part, lang) for part in PARTS for lang in LANGUAGES
                        if entry[part][lang].lstrip().startswith(PLACEHOLDER)]
        placeholders += [("fix_words", lang) for lang in LANGUAGES
                         if any(w.lstrip().startswith(PLACEHOLDER) for w in entry["fix_words"][lang])]
        if placeholders:
            problems.append((at(mid, *placeholders[0]), Nested(
                "course.wording-placeholder", mistake=mid, parts=", ".join(f"{part}.{lang}" for part, lang in placeholders),
                placeholder=PLACEHOLDER), Nested("course.wording-placeholder-fix")))
            continue
        if all(entry[part]["ko"] == entry[part]["en"] for part in PARTS):
            problems.append((at(mid), Nested("course.wording-no-korean", mistake=mid),
                             Nested("course.wording-no-korean-fix")))
        for lang in LANGUAGES:
            shown = render(mid, "hint", lang, course=course) or {}
            shown_text = f"{shown.get('explanation', '')} {shown.get('hint', '')}".lower()
            told = f"{entry['why'][lang]} {entry['fix'][lang]}".lower()
            for word in entry["fix_words"][lang]:
                if word.lower() in shown_text:
                    problems.append((at(mid, "fix_words", lang), Nested("course.wording-gives-away", mistake=mid,
                                                                         lang=lang, word=word),
                                     Nested("course.wording-gives-away-fix")))
                elif word.lower() not in told:
                    problems.append((at(mid, "fix_words", lang), Nested("course.wording-unused-word", mistake=mid,
                                                                         lang=lang, word=word),
                                     Nested("course.wording-unused-word-fix")))
    return problems
