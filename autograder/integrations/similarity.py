"""`autograder similarity SUBMITTED --out DIR`: near-copies among students' solution cells.

Each graded function's solution cell is compared, student against student, with copydetect
(winnowed k-gram fingerprints of the tokenised code, in which every variable, function and
string becomes one placeholder): renamed variables, changed comments and moved blocks of
lines still match.  Before fingerprinting, each cell is normalised with Python's own parser:
docstrings and comments are dropped and the layout made uniform.  What the course provides
is boilerplate and never counts: the exercise notebook's code (signatures, docstrings,
stubs, setup) is fingerprinted and its fingerprints removed from every student's.

A pair of students is reported when, for some function, the copied share of both cells
reaches ``threshold`` and the cells have at least ``min_tokens`` tokens of their own (short
functions can only be written a few ways).  Output: DIR/index.html (pairs, highest first,
each with both cells side by side and the matching code highlighted) and DIR/pairs.csv.
Everything student-controlled (ids, code) is HTML-escaped.  A report is a lead for a human
to read, never a verdict.
"""
from __future__ import annotations

import ast
import html
import io
import itertools
from dataclasses import dataclass, field
from pathlib import Path

from autograder.engine.course import Course
from autograder.engine.errors import UsageError
from autograder.engine.extract import NotebookError, Template, read_notebook
from autograder.engine.results import csv_writer

NOISE = 25  # copydetect's k: matches shorter than this many filtered characters are ignored
GUARANTEE = 30  # matches at least this long are always found (winnowing window = GUARANTEE - NOISE + 1)
THRESHOLD = 0.6
MIN_TOKENS = 60
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
class Report:
    matches: list[Match] = field(default_factory=list)
    compared: int = 0  # pairs of cells compared
    students: int = 0
    skipped: list[str] = field(default_factory=list)  # notebooks that could not be read


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
            if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
                    and isinstance(body[0].value.value, str):
                node.body = body[1:] or [ast.Pass()]
    try:
        return ast.unparse(tree)
    except (ValueError, RecursionError):
        return source


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


def _boilerplate(course: Course, aid: str) -> list:
    """Fingerprints of everything the exercise notebook gives every student."""
    import numpy as np

    notebook = course.assignments[aid].notebook
    exercise = course.root / "exercises" / aid / notebook
    if not exercise.is_file():
        raise UsageError(f"{exercise}: the student release is missing (run `autograder release {aid}`); it is the "
                         "boilerplate that must not count as copying")
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


def find_similar(course: Course, submitted: Path, assignments: list[str] | None = None,
                 threshold: float = THRESHOLD, min_tokens: int = MIN_TOKENS) -> Report:
    """Every pair of students whose solution cells of one function are near-copies."""
    try:
        from copydetect.detector import compare_files
    except ImportError:
        raise UsageError("similarity needs the copydetect package: run `make .venv/.run` "
                         "(or pip install -c requirements/constraints.txt copydetect)") from None

    submitted = Path(submitted)
    if not submitted.is_dir():
        raise UsageError(f"{submitted}: no such folder (nbgrader's submitted/<student>/<assignment>/<notebook>)")
    if not 0 < threshold <= 1:
        raise UsageError(f"--threshold {threshold}: give a share between 0 and 1, e.g. 0.6")
    assignments = assignments or list(course.assignments)
    unknown = [a for a in assignments if a not in course.assignments]
    if unknown:
        raise UsageError(f"unknown assignment {', '.join(unknown)}; course.yaml has {', '.join(course.assignments)}")
    report = Report()
    students = sorted(p.name for p in submitted.iterdir() if p.is_dir() and not p.name.startswith("."))
    report.students = len(students)
    for aid in assignments:
        template = course.root / "solutions" / aid / course.assignments[aid].notebook
        functions = [gid for kind, gid in Template(template).plan
                     if kind == "solution" and gid and gid != PREVIOUS_WORK]
        boilerplate = _boilerplate(course, aid)
        cells: dict[str, list[Cell]] = {f: [] for f in functions}
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
                code = normalise(source)
                fingerprint = _fingerprint(code, f"{student}.py", boilerplate)
                if fingerprint.token_coverage >= min_tokens:
                    cells[function].append(Cell(student, aid, function, code, fingerprint))
        for function, group in cells.items():
            for x, y in itertools.combinations(group, 2):
                report.compared += 1
                _, (sim_x, sim_y), (slices_x, slices_y) = compare_files(x.fingerprint, y.fingerprint)
                if min(sim_x, sim_y) >= threshold:
                    report.matches.append(Match(aid, function, x.student, y.student, float(sim_x), float(sim_y),
                                                _highlight(x.code, slices_x), _highlight(y.code, slices_y)))
    report.matches.sort(key=lambda m: (-m.score, m.assignment, m.function, m.a, m.b))
    return report


# --------------------------------------------------------------------------- output


def pairs(report: Report) -> list[dict]:
    """Student pairs (a, b) with every function they share, strongest first."""
    grouped: dict[tuple[str, str], list[Match]] = {}
    for match in report.matches:
        grouped.setdefault((match.a, match.b), []).append(match)
    rows = [{"a": a, "b": b, "matches": ms, "functions": len(ms), "max": max(m.score for m in ms)}
            for (a, b), ms in grouped.items()]
    return sorted(rows, key=lambda r: (-r["functions"], -r["max"], r["a"], r["b"]))


def write_report(report: Report, out: Path, threshold: float, min_tokens: int) -> Path:
    from jinja2 import Environment, PackageLoader, select_autoescape

    out.mkdir(parents=True, exist_ok=True)
    env = Environment(loader=PackageLoader("autograder.integrations", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True))
    from markupsafe import Markup

    page = env.get_template("similarity.html.j2").render(
        pairs=[{**p, "matches": [{"m": m, "html_a": Markup(m.html_a), "html_b": Markup(m.html_b)}
                                 for m in p["matches"]]} for p in pairs(report)],
        report=report, threshold=threshold, min_tokens=min_tokens)
    index = out / "index.html"
    index.write_text(page, encoding="utf-8")
    with open(out / "pairs.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv_writer(handle)
        writer.writerow(["student_a", "student_b", "assignment", "function", "similarity_a", "similarity_b"])
        for m in report.matches:
            writer.writerow([m.a, m.b, m.assignment, m.function, f"{m.similarity_a:.2f}",
                             f"{m.similarity_b:.2f}"])
    return index
