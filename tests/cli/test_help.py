"""`autograder VERB --help` speaks to users: what the verb does and an example, lines kept as written."""
from __future__ import annotations

import importlib
import re

import pytest

from autograder.cli import VERBS, main


def help_of(argv, capsys) -> str:
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("verb", list(VERBS))
def test_each_verb_says_what_it_does_with_an_example(verb, capsys):
    text = help_of([verb, "--help"], capsys)
    assert re.search(r"^Examples?:$", text, re.M), f"{verb}: no example"
    examples = text.split("Example", 1)[1]
    assert re.search(rf"^  autograder {re.escape(verb)}\b", examples, re.M), f"{verb}: the example is not a command"
    # the docstring's own lines survive (RawDescriptionHelpFormatter), e.g. the first line of the description
    module = importlib.import_module(VERBS[verb][0])
    assert module.__doc__.splitlines()[0] in text.splitlines()
    for developer_talk in ("DESIGN", "§", "Owns", "Developer"):
        assert developer_talk not in text, f"{verb}: --help says {developer_talk!r}"


def test_the_command_lists_every_verb(capsys):
    text = help_of(["--help"], capsys)
    for verb, (_, summary) in VERBS.items():
        assert verb in text and summary[:30] in text.replace("\n", " ").replace("  ", " ") or verb in text
    assert "`autograder VERB --help`" in text


def test_nothing_shipped_cites_a_design_file_outside_the_repository():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    sources = [*root.glob("autograder/**/*.py"), *root.glob("docs/*.md"), root / "README.md",
               root / "nbgrader_config.py", *root.glob("reference/*.py")]
    citing = [p.relative_to(root).as_posix() for p in sources if "DESIGN.md" in p.read_text(encoding="utf-8")]
    assert citing == []
