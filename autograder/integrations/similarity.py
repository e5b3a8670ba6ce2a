"""`autograder similarity SUBMITTED --out DIR`: near-copies among students' solution cells.

Each graded function's solution cell is compared, student against student, with copydetect
(winnowed k-gram fingerprints of the tokenised code, in which every variable, function and
string becomes one placeholder): renamed variables, changed comments and moved blocks of
lines still match.  Before fingerprinting, each cell is normalised with Python's own parser:
docstrings and comments are dropped, the operands of every chain of ``+`` and of ``*`` are put
in one canonical order (so ``b + x @ Wx`` and ``x @ Wx + b`` are one passage), and the layout
made uniform.  Two kinds of code never count as copying:

- what the course provides: the exercise notebook's code (signatures, docstrings, stubs,
  setup) is fingerprinted and its fingerprints removed from every student's;
- what many students write alike, as MOSS's ``-m``: a passage (k-gram) found in the cells of
  more than ``common_share`` of the students who wrote a function, and of more than
  ``COMMON_FLOOR`` of them, is an idiom of the exercise (``np.tanh(x @ Wx + prev_h @ Wh + b)``),
  removed from every student's cell of that function.

A function matches between two students when the copied share of both cells reaches
``threshold`` and the cells have at least ``min_tokens`` tokens of their own (short functions
can only be written a few ways).  A pair of students is reported when at least
``min_functions`` functions match, and pairs are ranked by how many: copying is many functions
alike, while two honest students often write one loop the same way.  Output: DIR/index.html (pairs, highest
first, each with both cells side by side and the matching code highlighted) and
DIR/pairs.csv.  Everything student-controlled (ids, code) is HTML-escaped.  A report is a lead
for a human to read, never a verdict.
"""
from __future__ import annotations

import ast
import contextlib
import hashlib
import html
import io
import itertools
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from autograder.grading.course import Course
from autograder.grading.errors import UsageError
from autograder.grading.extract import NotebookError, Template, read_notebook
from autograder.grading.results import csv_writer

if TYPE_CHECKING:  # at run time numpy is imported where it is used
    import numpy as np

NOISE = 25  # copydetect's k: matches shorter than this many filtered characters are ignored
GUARANTEE = 30  # matches at least this long are always found (winnowing window = GUARANTEE - NOISE + 1)
THRESHOLD = 0.6
MIN_TOKENS = 60
MIN_FUNCTIONS = 2  # functions that must match for a pair of students to be reported
COMMON_SHARE = 0.2  # a passage in the cells of more than this share of the students is an idiom, not a copy
COMMON_FLOOR = 3  # ... and of more than this many: a copy shared by a ring of three students still counts
PREVIOUS_WORK = "previous_work"  # where students paste their own earlier functions: not theirs to compare


@dataclass
class Cell:
    student: str
    assignment: str
    function: str
    code: str  # normalised (no docstrings, no comments)
    fingerprint: object = None


@dataclass
class Match:
    assignment: str
    function: str
    a: str
    b: str
    similarity_a: float
    similarity_b: float
    html_a: str
    html_b: str

    @property
    def score(self) -> float:
        return min(self.similarity_a, self.similarity_b)


@dataclass
class SimilarityReport:
    """What :func:`find_similar` found in a class: the near-copies and what was compared or left out."""

    matches: list[Match] = field(default_factory=list)
    compared: int = 0  # pairs of cells compared
    students: int = 0
    skipped: list[str] = field(default_factory=list)  # notebooks that could not be read
    common: dict[str, int] = field(default_factory=dict)  # "assignment/function" -> passages ignored as idioms
    fewer_functions: int = 0  # pairs of students left out: fewer than min_functions functions match


def normalise(source: str) -> str:
    """The code without docstrings and comments, laid out by ``ast.unparse`` (unparsable code as is)."""
    lines = ["pass" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()]
    try:
        tree = ast.parse("\n".join(lines))
    except (SyntaxError, ValueError):
        return source
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)):
            body = node.body
            if body and isinstance(first := body[0], ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                node.body = body[1:] or [ast.Pass()]
    try:
        tree = CommutativeOrder().visit(tree)
        return ast.unparse(tree)
    except (ValueError, RecursionError):
        return source


class CommutativeOrder(ast.NodeTransformer):
    """Puts the operands of each chain of ``+`` (or of ``*``) in one order, whatever order a student wrote.

    The order is that of each operand's text with the function's own local names blinded, so a
    copy that renames its variables and swaps operands gets the same order as the original;
    parameters (fixed by the exercise's signature) and globals (``np``) keep their names and so
    tell operands apart (``x @ Wx`` from ``prev_h @ Wh``).  Only the fingerprinted copy of the
    code is reordered: nothing is run.
    """

    OPERATORS = (ast.Add, ast.Mult)

    def __init__(self):
        self.keep: set[str] | None = None  # names that stay in the sort key; None outside a function

    def visit_FunctionDef(self, node):
        outer = self.keep
        arguments = node.args
        params = {a.arg for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs}
        params |= {a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None}
        local = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        self.keep = params | {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} - (local - params)
        self.generic_visit(node)
        self.keep = outer
        return node

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_BinOp(self, node):
        self.generic_visit(node)
        if not isinstance(node.op, self.OPERATORS):
            return node
        operands = self._chain(node, type(node.op))
        operands.sort(key=self._key)
        chained = operands[0]
        for operand in operands[1:]:
            chained = ast.BinOp(left=chained, op=type(node.op)(), right=operand)
        return ast.copy_location(chained, node)

    def _chain(self, node, op) -> list:
        if isinstance(node, ast.BinOp) and isinstance(node.op, op):
            return self._chain(node.left, op) + self._chain(node.right, op)
        return [node]

    def _key(self, operand) -> str:
        keep = self.keep
        blinded = ast.parse(ast.unparse(operand), mode="eval")
        for name in ast.walk(blinded):
            if isinstance(name, ast.Name) and keep is not None and name.id not in keep:
                name.id = "_"
        return ast.unparse(blinded)


def _stable_kgram_hashes(string: str, k: int):
    """copydetect's ``hashed_kgrams`` with a hash that is the same in every process.

    copydetect hashes k-grams with Python's ``hash()``, salted anew in each process
    (PYTHONHASHSEED): winnowing then keeps other k-grams, and the same class gives a slightly
    different report on each run.  BLAKE2b of the k-gram's text is the same everywhere.
    """
    import numpy as np

    return np.array([int.from_bytes(hashlib.blake2b(string[i:i + k].encode("utf-8", "surrogatepass"),
                                                    digest_size=8).digest(), "little", signed=True)
                     for i in range(len(string) - k + 1)], dtype=np.int64)


@contextlib.contextmanager
def _stable_hashes():
    """While comparing, copydetect's fingerprints use :func:`_stable_kgram_hashes`."""
    from copydetect import utils

    original = utils.hashed_kgrams
    utils.hashed_kgrams = _stable_kgram_hashes
    try:
        yield
    finally:
        utils.hashed_kgrams = original


def _fingerprint(code: str, name: str, boilerplate=None, window: int | None = None):
    from copydetect import CodeFingerprint

    return CodeFingerprint(name, NOISE, window or GUARANTEE - NOISE + 1, boilerplate=boilerplate, language="python",
                           fp=io.StringIO(code))


def _solution_cells(notebook, functions: list[str]) -> dict[str, str]:
    cells: dict[str, str] = {}
    for cell in notebook.get("cells", []):
        meta = cell.get("metadata", {}) if isinstance(cell, dict) else {}
        grade_id = (meta.get("nbgrader") or {}).get("grade_id") if isinstance(meta, dict) else None
        if cell.get("cell_type") == "code" and grade_id in functions and grade_id not in cells:
            source = cell.get("source", "")
            cells[grade_id] = "".join(source) if isinstance(source, list) else str(source)
    return cells


def _boilerplate(course: Course, aid: str) -> np.ndarray:
    """Fingerprints of everything the exercise notebook gives every student."""
    import numpy as np

    notebook = course.assignments[aid].notebook
    exercise = course.root / "exercises" / aid / notebook
    if not exercise.is_file():
        raise UsageError("usage.release-missing", path=exercise, assignment=aid)
    nb = read_notebook(exercise)
    code = "\n\n".join(normalise("".join(c["source"]) if isinstance(c["source"], list) else c["source"])
                       for c in nb["cells"] if c.get("cell_type") == "code")
    raw = "\n\n".join(("".join(c["source"]) if isinstance(c["source"], list) else c["source"])
                      for c in nb["cells"] if c.get("cell_type") == "code")
    # every k-gram (window 1), as copydetect does for boilerplate: winnowing picks other k-grams in other contexts
    hashes = set(_fingerprint(code, "boilerplate.py", window=1).hashes) | \
        set(_fingerprint(raw, "boilerplate-raw.py", window=1).hashes)
    return np.array(sorted(hashes))


def _highlight(code: str, slices) -> str:
    """HTML of the code with the copied slices marked; every character escaped."""
    import numpy as np

    slices = np.asarray(slices)
    if slices.size == 0:
        return html.escape(code)
    out, at = [], 0
    for start, end in zip(slices[0], slices[1]):
        start, end = int(start), int(end)
        out.append(html.escape(code[at:start]))
        out.append('<mark>' + html.escape(code[start:end]) + '</mark>')
        at = end
    out.append(html.escape(code[at:]))
    return "".join(out)


def _common_passages(codes: list[str], common_share: float):
    """The k-grams found in more than ``common_share`` of the cells (and in more than COMMON_FLOOR of them)."""
    import numpy as np

    counts: dict[int, int] = {}
    for i, code in enumerate(codes):
        for h in set(_fingerprint(code, f"cell{i}.py", window=1).hashes):
            counts[h] = counts.get(h, 0) + 1
    limit = max(COMMON_FLOOR, common_share * len(codes))
    return np.array(sorted(h for h, n in counts.items() if n > limit), dtype=np.int64)


def find_similar(course: Course, submitted: Path, assignments: list[str] | None = None,
                 threshold: float = THRESHOLD, min_tokens: int = MIN_TOKENS,
                 common_share: float = COMMON_SHARE, min_functions: int = MIN_FUNCTIONS) -> SimilarityReport:
    """Every pair of students whose solution cells of ``min_functions`` functions or more are near-copies."""
    try:
        import copydetect  # noqa: F401
    except ImportError:
        raise UsageError("usage.needs-copydetect") from None
    with _stable_hashes():
        return _find_similar(course, submitted, assignments, threshold, min_tokens, common_share, min_functions)


def _find_similar(course, submitted, assignments, threshold, min_tokens, common_share,
                  min_functions) -> SimilarityReport:
    import numpy as np
    from copydetect.detector import compare_files

    submitted = Path(submitted)
    if not submitted.is_dir():
        raise UsageError("usage.no-submitted-folder-nbgrader", path=submitted)
    if not 0 < threshold <= 1:
        raise UsageError("usage.threshold", value=threshold)
    if min_functions < 1:
        raise UsageError("usage.min-functions", value=min_functions)
    if not 0 < common_share <= 1:
        raise UsageError("usage.common-share", value=common_share)
    assignments = assignments or list(course.assignments)
    unknown = [a for a in assignments if a not in course.assignments]
    if unknown:
        raise UsageError("usage.unknown-assignment", unknown=", ".join(unknown), known=", ".join(course.assignments))
    report = SimilarityReport()
    students = sorted(p.name for p in submitted.iterdir() if p.is_dir() and not p.name.startswith("."))
    report.students = len(students)
    for aid in assignments:
        template = course.root / "solutions" / aid / course.assignments[aid].notebook
        functions = [gid for kind, gid in Template(template).plan
                     if kind == "solution" and gid and gid != PREVIOUS_WORK]
        boilerplate = _boilerplate(course, aid)
        codes: dict[str, list[tuple[str, str]]] = {f: [] for f in functions}  # function -> [(student, code)]
        for student in students:
            path = submitted / student / aid / course.assignments[aid].notebook
            if not path.exists():
                continue
            try:
                notebook = read_notebook(path)
            except NotebookError as exc:
                report.skipped.append(f"{student}/{aid}: {exc.detail}")
                continue
            for function, source in _solution_cells(notebook, functions).items():
                codes[function].append((student, normalise(source)))
        cells: dict[str, list[Cell]] = {f: [] for f in functions}
        for function, handed_in in codes.items():
            # the students who wrote something of their own (not the stub as released) are the class of the function
            written = [(student, code) for student, code in handed_in
                       if _fingerprint(code, f"{student}.py", boilerplate).token_coverage > 0]
            common = _common_passages([code for _, code in written], common_share)
            report.common[f"{aid}/{function}"] = len(common)
            ignored = np.union1d(boilerplate, common)
            for student, code in written:
                fingerprint = _fingerprint(code, f"{student}.py", ignored)
                if fingerprint.token_coverage >= min_tokens:
                    cells[function].append(Cell(student, aid, function, code, fingerprint))
        for function, group in cells.items():
            for x, y in itertools.combinations(group, 2):
                report.compared += 1
                _, (sim_x, sim_y), (slices_x, slices_y) = compare_files(x.fingerprint, y.fingerprint)
                if min(sim_x, sim_y) >= threshold:
                    report.matches.append(Match(aid, function, x.student, y.student, float(sim_x), float(sim_y),
                                                _highlight(x.code, slices_x), _highlight(y.code, slices_y)))
    shared = Counter((m.a, m.b) for m in report.matches)
    report.fewer_functions = sum(1 for n in shared.values() if n < min_functions)
    report.matches = [m for m in report.matches if shared[m.a, m.b] >= min_functions]
    report.matches.sort(key=lambda m: (-m.score, m.assignment, m.function, m.a, m.b))
    return report


# --------------------------------------------------------------------------- output


def pairs(report: SimilarityReport) -> list[dict]:
    """Student pairs (a, b) with every function they share, strongest first."""
    grouped: dict[tuple[str, str], list[Match]] = {}
    for match in report.matches:
        grouped.setdefault((match.a, match.b), []).append(match)
    rows = [{"a": a, "b": b, "matches": ms, "functions": len(ms), "max": max(m.score for m in ms)}
            for (a, b), ms in grouped.items()]
    return sorted(rows, key=lambda r: (-r["functions"], -r["max"], r["a"], r["b"]))


def write_report(report: SimilarityReport, out: Path, threshold: float, min_tokens: int,
                 common_share: float = COMMON_SHARE, min_functions: int = MIN_FUNCTIONS) -> Path:
    from jinja2 import Environment, PackageLoader, select_autoescape

    out.mkdir(parents=True, exist_ok=True)
    env = Environment(loader=PackageLoader("autograder.integrations", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True))
    from markupsafe import Markup

    page = env.get_template("similarity.html.j2").render(
        pairs=[{**p, "matches": [{"m": m, "html_a": Markup(m.html_a), "html_b": Markup(m.html_b)}
                                 for m in p["matches"]]} for p in pairs(report)],
        report=report, threshold=threshold, min_tokens=min_tokens, common_share=common_share,
        common_floor=COMMON_FLOOR, min_functions=min_functions)
    index = out / "index.html"
    index.write_text(page, encoding="utf-8")
    with open(out / "pairs.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv_writer(handle)
        writer.writerow(["student_a", "student_b", "assignment", "function", "similarity_a", "similarity_b"])
        for m in report.matches:
            writer.writerow([m.a, m.b, m.assignment, m.function, f"{m.similarity_a:.2f}",
                             f"{m.similarity_b:.2f}"])
    return index
