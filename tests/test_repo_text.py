"""What the repository says stays true and self-contained: the guard of docs, comments and messages.

- No issue or pull-request numbers ("issue 12", "#12"): they mean nothing to a reader of the
  repository.  No citation of the design file outside it ("DESIGN", "DESIGN.md", "§5").
- No machine timings in code comments or docstrings: a measurement belongs in
  benchmarks/README.md, with its machine and load.  The rule (:data:`TIMING`) flags a duration
  that is approximate ("~30 ms", "about 0.5 s", "typically 1 ms"), a range ("15-270 ms") or
  taken at a load ("11 s at load 4"); limits and constants ("the 20 s timeout", "< 2 s") pass.
- Every repository path named in the docs (README.md, docs/*.md, benchmarks/README.md) and in
  the package's and the reference's text (student/messages.py, errors, each verb's --help,
  docstrings, comments) exists.  A path is a backticked name (in Python text also a bare
  ``a/b.ext``) that starts with a folder name of the repository (``autograder/…``,
  ``grading/course.py``, ``sandbox/inside/``), or a bare ``name.py`` / ``name.ipynb``.
  Placeholders (``<asg>``, ``RESULTS/``, ``solutions/A/A.ipynb``, ``*``, ``{…}``), absolute
  paths, URLs, other projects' files (``common/time_layers.py``) and the files a run writes
  (``grades.csv``) are no repository paths.
"""
from __future__ import annotations

import ast
import io
import re
import subprocess
import tokenize
from pathlib import Path

import pytest

from autograder.authoring.scaffold import REFERENCE_MODULE

ROOT = Path(__file__).resolve().parents[1]
THIS = Path(__file__).resolve()

# ------------------------------------------------------------------ what is read


def tracked(*patterns: str) -> list[Path]:
    """The tracked files matching ``patterns`` (git pathspecs), this file excepted (it names the
    forbidden patterns to test them)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--", *patterns], cwd=ROOT, check=True,
                            capture_output=True).stdout.decode().split("\0")
    return [ROOT / name for name in listed if name and (ROOT / name).resolve() != THIS and (ROOT / name).is_file()]


CODE = ("autograder/**.py", "reference/**.py", "tests/**.py", "benchmarks/*.py", "nbgrader_config.py",
        "Makefile", "course.yaml", "pyproject.toml", ".ci/*", ".github/**", "deploy/**")
DOCS = ("README.md", "docs/*.md", "benchmarks/README.md", "deploy/**.md")
COMMENTED = ("autograder/**.py", "reference/**.py", "tests/**.py", "nbgrader_config.py")
GENERATED = ("exercises/", "solutions/")  # rnnlab_check.py copies: checked at their source


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


# ------------------------------------------------------------------ the rules

ISSUE = re.compile(r"\b(?:issues?|pull requests?|PRs?)\s*#?\d+|(?<![\w&#/])#\d{1,5}\b(?![\w;}])", re.I)
DESIGN_FILE = re.compile(r"\bDESIGN\b|§\s*\d")
_NUMBER = r"\d+(?:\.\d+)?"
_UNIT = r"(?:ms|µs|us|ns|s|sec|secs|seconds?|min|minutes?)\b"
TIMING = re.compile(
    rf"(?:~|≈|\babout\s|\baround\s|\broughly\s|\btypically\s(?:<\s*)?){_NUMBER}(?:\s*[-–]\s*{_NUMBER})?\s*{_UNIT}"
    rf"|\b{_NUMBER}\s*[-–]\s*{_NUMBER}\s*{_UNIT}"
    rf"|\b{_NUMBER}\s*{_UNIT}[^.;\n]*\b(?:at|under) load\b")


def words_of_python(source: str) -> list[tuple[int, str]]:
    """The comments and docstrings of a Python source: (line, text)."""
    found = [(tok.start[0], tok.string) for tok in tokenize.generate_tokens(io.StringIO(source).readline)
             if tok.type == tokenize.COMMENT]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            doc = node.body[0] if node.body else None
            if isinstance(doc, ast.Expr) and isinstance(doc.value, ast.Constant) and isinstance(doc.value.value, str):
                found.append((doc.lineno, doc.value.value))
    return found


def prose_of(path: Path) -> list[tuple[int, str]]:
    """What a reader reads in ``path``: a Python file's comments and docstrings, any other file whole."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".py":
        return words_of_python(text)
    return [(1, text)]


def hits(pattern: re.Pattern, chunks: list[tuple[int, str]]) -> list[str]:
    return [f"line {line + chunk[:m.start()].count(chr(10))}: {m.group()!r}"
            for line, chunk in chunks for m in pattern.finditer(chunk)]


# paths ------------------------------------------------------------------------------------------

SOURCE_SUFFIXES = (".py", ".md", ".ipynb", ".yaml", ".yml", ".toml", ".j2", ".sh", ".txt", ".cfg")
DATA_SUFFIXES = (".json", ".npz", ".csv", ".html", ".xml", ".zip", ".db")
CODE_SUFFIXES = (".py", ".ipynb")  # a bare name with another suffix is mostly a file a run writes
# what `autograder new-function` creates and the assignment the walk-through in docs/NOTEBOOKS.md
# adds: named before they exist
WRITTEN_BY_VERBS = {f"reference/{REFERENCE_MODULE}.py"}
WALKTHROUGH_IDS = ("attention",)
USER_FOLDERS = ("submitted", "autograded", "feedback", "source", "release", "results", "shards")
_PATH_CHARS = re.compile(r"[\w.\-/]+")
BACKTICKED = re.compile(r"`{1,2}([^`\n]+)`{1,2}")
BARE = re.compile(r"(?<![\w./<{$-])((?:[\w.-]+/)+[\w.-]+(?:" + "|".join(re.escape(s) for s in SOURCE_SUFFIXES + DATA_SUFFIXES) + r"))\b")


def repo_path_candidates(text: str, folder_names: set[str], bare: bool = False) -> list[str]:
    """The names in ``text`` that claim to be repository paths (see the module doc): a name with a
    slash after a folder name of the repository (``sandbox/inside/``, ``.github/workflows/…``;
    ``ko/en`` is no path), or a bare ``name.py`` / ``name.ipynb``."""
    spans = [m.group(1).strip() for m in BACKTICKED.finditer(text)]
    if bare:
        spans += [m.group(1) for m in BARE.finditer(text)]
    found = []
    for span in spans:
        span = span.rstrip(".,:;)")
        if not _PATH_CHARS.fullmatch(span) or span.startswith(("/", "-", "./", "../")) or "//" in span or "..." in span:
            continue  # code, a placeholder, an absolute path, an option, a path relative to the reader
        parts = span.rstrip("/").split("/")
        if any(part.isupper() for part in parts) or parts[0] in USER_FOLDERS:
            continue  # a placeholder (RESULTS/, solutions/A/A.ipynb) or a folder of nbgrader's layout
        if span in WRITTEN_BY_VERBS or any(part in WALKTHROUGH_IDS for part in parts):
            continue
        if "/" in span and parts[0] in folder_names or "/" not in span and span.endswith(CODE_SUFFIXES) \
                and not span.startswith("."):
            found.append(span)
    return found


def _existing() -> tuple[set[str], set[str]]:
    """Every tracked file and every folder that holds one."""
    files = {rel(p) for p in tracked(".")} | {rel(THIS)}
    folders = {"/".join(f.split("/")[:i]) for f in files for i in range(1, f.count("/") + 1)}
    return files, folders


def folder_names(folders: set[str]) -> set[str]:
    return {f.rsplit("/", 1)[-1] for f in folders}


def missing_paths(names: list[str], files: set[str], folders: set[str]) -> list[str]:
    """The ``names`` that are no tracked file or folder.  A name may be written from the repository
    root or from a folder inside it (``grading/course.py`` in the autograder docs), so a tracked path
    ending in ``/name`` counts; a bare file name counts when some tracked file has that name."""
    missing = []
    for name in names:
        bare_name = name.rstrip("/")
        if not any(p == bare_name or p.endswith("/" + bare_name) for p in files | folders):
            missing.append(name)
    return missing


# ------------------------------------------------------------------ the tests

def _scanned(*patterns: str) -> list[Path]:
    return [p for p in tracked(*patterns) if not rel(p).startswith(GENERATED)]


@pytest.mark.parametrize("rule, pattern", [("issue numbers", ISSUE), ("citations of the design file", DESIGN_FILE)])
def test_code_and_docs_cite_nothing_outside_the_repository(rule, pattern):
    found = {}
    for path in _scanned(*CODE, *DOCS):
        if bad := hits(pattern, prose_of(path)):
            found[rel(path)] = bad
    assert found == {}, f"{rule}: {found}"


# A comment that another branch is moving in this round (sandbox/box.py's bytecode docstring goes to
# sandbox/layout.py): after the merge, drop its timing where it lands and delete the entry.
PENDING_TIMINGS: dict[str, str] = {}


def test_no_machine_timings_in_comments_or_docstrings():
    found = {}
    for path in _scanned(*COMMENTED):
        chunks = prose_of(path)
        if rel(path) in PENDING_TIMINGS:
            pending = PENDING_TIMINGS[rel(path)]
            assert any(pending in text for _, text in chunks), f"{rel(path)}: the pending entry is done: delete it"
            chunks = [(line, text.replace(pending, "")) for line, text in chunks]
        if bad := hits(TIMING, chunks):
            found[rel(path)] = bad
    assert found == {}, f"measurements belong in benchmarks/README.md: {found}"


def texts_naming_paths() -> dict[str, tuple[str, bool]]:
    """Docs (backticked paths), and every string and comment of the package and the reference:
    its messages (student/messages.py, errors), each verb's --help (module docstring, option help),
    docstrings and comments (bare paths too)."""
    texts = {rel(p): (p.read_text(encoding="utf-8"), False) for p in _scanned(*DOCS)}
    for path in _scanned("autograder/**.py", "reference/**.py"):
        source = path.read_text(encoding="utf-8")
        strings = [node.value for node in ast.walk(ast.parse(source))
                   if isinstance(node, ast.Constant) and isinstance(node.value, str)]
        texts[rel(path)] = ("\n".join(strings + [text for _, text in prose_of(path)]), True)
    return texts


def test_every_path_named_in_docs_and_messages_exists():
    files, folders = _existing()
    names = folder_names(folders)
    found = {}
    for where, (text, bare) in texts_naming_paths().items():
        if bad := missing_paths(repo_path_candidates(text, names, bare=bare), files, folders):
            found[where] = bad
    assert found == {}, f"paths that do not exist: {found}"


# ------------------------------------------------------------------ the rules are not vacuous

def test_the_rules_catch_what_they_are_for_and_pass_limits():
    for text in ("see issue 12", "(issue 12.3)", "Issue 13's target", "fixed in #12", "PR 7"):
        assert ISSUE.search(text), text
    for text in ("color:#222;", "{color:#555}", "# 12 students", "item #1x", "issues found: 3"):
        assert not ISSUE.search(text), text
    for text in ("as graded (DESIGN " + "§5)", "see DESIGN" + ".md", "(" + "§" + "5)"):
        assert DESIGN_FILE.search(text), text
    for text in ("(~30 ms to import)", "takes about 0.5 s here", "typically < 1 ms", "(0.8-5 s, the",
                 "15-270 ms here", "wall 11 s at load 4", "~1-2 s of start-up"):
        assert TIMING.search(text), text
    for text in ("the 20 s timeout", "< 2 s", "MAX_SECONDS = 60", "at most 5x import numpy",
                 "not the 60 s wall clock", "1 MiB", "about 3 times"):
        assert not TIMING.search(text), text


def test_the_path_check_fails_on_a_made_up_path():
    files, folders = _existing()
    doc = ("See `autograder/grading/course.py`, `student/glossary.py`, `docs/NOTEBOOKS.md`, `course.yaml`, "
           "`sandbox/inside/` and `rnnlab_check.py`; not `RESULTS/grades.csv`, `exercises/<asg>/x.npz`, "
           "`/autograder/source`, `--out DIR` or `x.T @ dy`.  Stale: `autograder/mistakes.py`, "
           "`docs/MADE_UP.md`, `made_up_module.py`, `autograder/nowhere/`.")
    names = repo_path_candidates(doc, folder_names(folders))
    assert missing_paths(names, files, folders) == ["autograder/mistakes.py", "docs/MADE_UP.md",
                                                    "made_up_module.py", "autograder/nowhere/"]
    assert {"autograder/grading/course.py", "student/glossary.py", "docs/NOTEBOOKS.md", "sandbox/inside/",
            "rnnlab_check.py"} <= set(names)
    code_text = ("in reference/made_up.py, see autograder/course.schema.json or docs/ARCHITECTURE.md and "
                 "autograder/grading/course.schema.json; ko/en, common/time_layers.py (the book's code)")
    assert missing_paths(repo_path_candidates(code_text, folder_names(folders), bare=True),
                         files, folders) == ["reference/made_up.py", "autograder/course.schema.json"]
