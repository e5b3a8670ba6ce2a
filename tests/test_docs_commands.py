"""The docs show each command with its real output.

Every ```console block of README.md and docs/*.md is run: its `$ ` lines are shell commands
(a line ending in `\\` continues on the next), the lines below one are what it prints (stdout
and stderr, as a terminal shows them).  The blocks of one section (a `## ` heading) run in
order in one fresh copy of the course (the example class included), as a reader following that
section would run them: in English, with a fixed grading secret.  The only normalisation is the
copy's folder, shown as /course.  A line `...` stands for any lines.

A command's output changed on purpose?  `RNNLAB_UPDATE_DOCS=1 python -m pytest
tests/test_docs_commands.py` writes the real outputs into the markdown (review the diff).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHOWN_AS = "/course"  # the copy's folder, as the docs write it
ANY = "..."
NOT_COPIED = {".git", ".venv", "tests", "benchmarks", "results", "__pycache__", ".pytest_cache", ".grading-secret",
              "gradebook.db"}
# the verbs a course's staff runs most: each is shown at least once with its real output
MAIN_VERBS = {"grade", "check", "validate", "report", "export", "merge", "new-assignment", "new-function",
              "gradebook", "similarity", "release"}


@dataclass
class Command:
    text: str  # as written after "$ " (continuation lines joined by newlines)
    expected: list[str] = field(default_factory=list)
    first: int = 0  # index in the file's lines of the first output line
    last: int = 0  # index after the last output line


def console_blocks(path: Path) -> list[tuple[str, list[Command]]]:
    """The ```console blocks of ``path``: (the `## ` section it is in, its commands)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks, i, section = [], 0, ""
    while i < len(lines):
        if lines[i].startswith("## "):
            section = lines[i][3:].strip()
        if lines[i].strip() != "```console":
            i += 1
            continue
        i += 1
        commands: list[Command] = []
        while i < len(lines) and lines[i].strip() != "```":
            line = lines[i]
            if line.startswith("$ "):
                text = line[2:]
                while text.endswith("\\") and i + 1 < len(lines):
                    i += 1
                    text += "\n" + lines[i]
                commands.append(Command(text, first=i + 1, last=i + 1))
            elif commands:
                commands[-1].expected.append(line)
                commands[-1].last = i + 1
            else:
                raise AssertionError(f"{path.name}:{i + 1}: a console block starts with output, not a `$ ` command")
            i += 1
        blocks.append((section, commands))
        i += 1
    return blocks


def matches(expected: list[str], actual: list[str]) -> bool:
    """``actual`` is ``expected``, where a line `...` stands for any number of lines."""
    if not expected:
        return not actual
    if expected[0] == ANY:
        return any(matches(expected[1:], actual[k:]) for k in range(len(actual) + 1))
    return bool(actual) and actual[0] == expected[0] and matches(expected[1:], actual[1:])


@pytest.fixture(scope="module")
def bin_dir() -> Path:
    """The folder of the `autograder` command of this interpreter's environment."""
    folder = Path(sys.executable).parent
    if not (folder / "autograder").exists():
        pytest.fail(f"no autograder command beside {sys.executable}: install the package (make .venv/.test)")
    return folder


def _copy_course(target: Path) -> Path:
    shutil.copytree(ROOT, target, ignore=lambda folder, names: [n for n in names if n in NOT_COPIED])
    return target


def _run(command: str, course: Path, bin_dir: Path) -> list[str]:
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}", "RNNLAB_LANG": "en",
           "RNNLAB_SECRET": "the docs' example", "OPENBLAS_NUM_THREADS": "1", "COLUMNS": "100", "LANG": "C.UTF-8"}
    for name in ("LC_ALL", "LC_MESSAGES", "PYTEST_XDIST_WORKER", "TERM"):
        env.pop(name, None)
    proc = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=course, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=600)
    text = proc.stdout.replace(str(course), SHOWN_AS)
    lines = [line.rstrip() for line in text.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return lines


SECTIONS = list(dict.fromkeys((path, section) for path in DOCS for section, _ in console_blocks(path)))


@pytest.mark.slow
@pytest.mark.sandbox
@pytest.mark.parametrize("doc, section", SECTIONS, ids=[f"{p.name}: {s}" for p, s in SECTIONS])
def test_every_console_block_shows_the_real_output(doc, section, tmp_path, bin_dir):
    course = _copy_course(tmp_path / "course")
    update = os.environ.get("RNNLAB_UPDATE_DOCS") == "1"
    wrong, rewrites = [], []
    for _, block in (b for b in console_blocks(doc) if b[0] == section):
        for command in block:
            actual = _run(command.text, course, bin_dir)
            if not matches(command.expected, actual):
                wrong.append(f"{doc.name}:{command.first}: $ {command.text}\n"
                             + "".join(f"  - {line}\n" for line in command.expected)
                             + "".join(f"  + {line}\n" for line in actual))
                rewrites.append((command, actual))
    if update and rewrites:
        lines = doc.read_text(encoding="utf-8").splitlines()
        for command, actual in sorted(rewrites, key=lambda r: -r[0].first):
            lines[command.first:command.last] = actual
        doc.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return
    assert not wrong, "the docs show outputs the commands do not print (- docs, + real):\n" + "\n".join(wrong)


def test_the_main_verbs_are_shown_with_their_output():
    shown = set()
    for doc in DOCS:
        for _, block in console_blocks(doc):
            for command in block:
                shown |= set(re.findall(r"\bautograder ([a-z-]+)", command.text))
    assert MAIN_VERBS <= shown, f"not shown in a ```console block: {sorted(MAIN_VERBS - shown)}"


def test_the_block_reader_and_the_matcher():
    """The runner itself: commands, continuation lines, output, and `...`."""
    assert matches(["a", ANY, "d"], ["a", "b", "c", "d"]) and matches(["a", ANY], ["a"])
    assert not matches(["a", "d"], ["a", "b", "d"]) and not matches(["a"], ["a", "b"]) and not matches([], ["a"])


def test_console_blocks_are_read_as_commands_and_outputs(tmp_path):
    doc = tmp_path / "x.md"
    doc.write_text("## One\n```console\n$ autograder grade a \\\n    --out b\nline 1\nline 2\n$ autograder merge\n```\n"
                   "```sh\n$ not run\n```\n", encoding="utf-8")
    ((section, block),) = console_blocks(doc)
    assert section == "One"
    assert [c.text for c in block] == ["autograder grade a \\\n    --out b", "autograder merge"]
    assert [c.expected for c in block] == [["line 1", "line 2"], []]
    assert (block[0].first, block[0].last) == (4, 6)
