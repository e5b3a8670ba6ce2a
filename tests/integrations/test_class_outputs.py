"""The registry of the outputs of a results folder is the only way the command line reaches them.

Every registered output can be asked for from every verb that offers it, every format a verb
offers is registered (choices and --help come from the registry), the CLI imports no output
itself, the files a class run places in the results folder are names no student may have, and
every output that writes a CSV writes it through the neutralising writer.
"""
from __future__ import annotations

import argparse
import ast
import csv
from pathlib import Path

import pytest

from autograder.cli import VERBS, build_parser, main
from autograder.grading import results as results_mod
from autograder.grading.results import ALWAYS, ASKED, RESERVED_NAMES, write_result
from autograder.integrations import class_outputs
from autograder.integrations.class_outputs import REGISTRY, chosen, formats, names_in, offered_by, write_outputs
from tests.ecosystem.test_csv_formulas import HOSTILE, _result, live_formula

PACKAGE = Path(__file__).resolve().parents[2] / "autograder"

# How a user asks each registered output of each verb that offers it: the verb's command line
# (FOLDER: the results folder, TMP: a scratch folder).  A new output, or a new verb offering
# one, needs its line here.
ASK = {
    ("grades.csv", "grade"): ["grade", "TMP/submitted", "--out", "FOLDER"],
    ("grades.csv", "merge"): ["merge", "TMP/shard", "--out", "FOLDER"],
    ("junit", "grade"): ["grade", "TMP/submitted", "--out", "FOLDER", "--junit", "TMP/junit.xml"],
    ("junit", "merge"): ["merge", "TMP/shard", "--out", "FOLDER", "--junit", "TMP/junit.xml"],
    ("summary", "grade"): ["grade", "TMP/submitted", "--out", "FOLDER", "--summary", "TMP/summary.md"],
    ("summary", "merge"): ["merge", "TMP/shard", "--out", "FOLDER", "--summary", "TMP/summary.md"],
    ("gradebook", "grade"): ["grade", "TMP/submitted", "--out", "FOLDER", "--gradebook", "sqlite:///TMP/gb.db"],
    ("gradebook", "gradebook"): ["gradebook", "FOLDER", "--db", "sqlite:///TMP/gb.db"],
    ("nbgrader", "export"): ["export", "FOLDER", "--format", "nbgrader", "--out", "TMP/sheet.csv"],
    ("lms", "export"): ["export", "FOLDER", "--format", "lms", "--out", "TMP/sheet.csv"],
    ("canvas", "export"): ["export", "FOLDER", "--format", "canvas", "--out", "TMP/sheet.csv", "--new-assignments"],
    ("moodle", "export"): ["export", "FOLDER", "--format", "moodle", "--out", "TMP/sheet.csv"],
    ("items.csv", "report"): ["report", "FOLDER", "--out", "TMP/report"],
    ("report", "report"): ["report", "FOLDER", "--out", "TMP/report"],
}


def parse(argv: list[str], folder: Path, tmp: Path) -> tuple[str, argparse.Namespace]:
    argv = [a.replace("FOLDER", str(folder)).replace("TMP", str(tmp)) for a in argv]
    return argv[0], build_parser(argv[0]).parse_args(argv)


def verb_parser(verb: str) -> argparse.ArgumentParser:
    parser = build_parser(verb)
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices[verb]


@pytest.fixture
def hostile_class(tmp_path, course):
    """Students whose ids a spreadsheet would run as formulas, as in test_csv_formulas.py."""
    out = tmp_path / "results"
    for student in HOSTILE:
        for aid in list(course.assignments)[:2]:
            write_result(out, _result(course, student, aid), "# x")
    return out


def test_every_registered_output_is_reachable_from_the_cli(tmp_path, course):
    assert set(ASK) == {(name, verb) for name, output in REGISTRY.items() for verb in output.offers}
    for (name, verb), argv in ASK.items():
        assert verb in VERBS, f"{name} is offered by {verb}, which is no verb"
        parsed_verb, args = parse(argv, tmp_path / "results", tmp_path)
        made = chosen(parsed_verb, args, course, tmp_path / "results")
        assert [type(o) for o in made].count(REGISTRY[name]) == 1, (name, verb, made)


BARE = {"grade": ["grade", "TMP/submitted", "--out", "FOLDER"], "merge": ["merge", "TMP/shard", "--out", "FOLDER"],
        "gradebook": ["gradebook", "FOLDER"], "report": ["report", "FOLDER"]}


def test_an_output_asked_for_by_a_flag_is_written_only_when_asked(tmp_path, course):
    assert set(BARE) == {verb for verb in VERBS if offered_by(verb) and not formats(verb)}
    for verb, argv in BARE.items():
        offered = offered_by(verb)
        made = {type(o) for o in chosen(*parse(argv, tmp_path / "results", tmp_path), course, tmp_path / "results")}
        assert made == {output for output, offer in offered if offer.when == ALWAYS}, verb
        assert not made & {output for output, offer in offered if offer.when == ASKED}


def test_every_format_of_the_cli_is_registered_and_listed_in_its_help(capsys):
    for verb in VERBS:
        parser = verb_parser(verb)
        fmt = [a for a in parser._actions if "--format" in a.option_strings]
        registered = [output.name for output in formats(verb)]
        if not registered:
            assert not fmt, f"{verb} has a --format the registry does not know"
            continue
        assert list(fmt[0].choices) == registered
        with pytest.raises(SystemExit):
            main([verb, "--help"])
        text = " ".join(capsys.readouterr().out.split())
        for output in formats(verb):
            assert f"{output.name} {' '.join(output.description.split())}" in text


def test_the_cli_reaches_outputs_only_through_the_registry():
    """No verb imports a module that defines an output: a format added to the registry needs no CLI edit."""
    defining = {output.__module__ for output in REGISTRY.values()}
    for path in sorted((PACKAGE / "cli").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            assert not defining & set(names), f"cli/{path.name} imports {defining & set(names)}"


def test_what_a_class_run_places_in_the_results_folder_is_no_student_name(tmp_path, course):
    folder = tmp_path / "results"
    for (name, _), argv in ASK.items():
        for output in chosen(*parse(argv, folder, tmp_path), course, folder):
            path = output.local_path
            if path is not None and path.resolve().is_relative_to(folder.resolve()):
                top = path.resolve().relative_to(folder.resolve()).parts[0]
                assert top in RESERVED_NAMES, f"{name} writes {top} into the results folder"


def test_files_a_run_writes_beside_the_students_are_named(tmp_path, course):
    folder = tmp_path / "results"
    args = build_parser("grade").parse_args(["grade", str(tmp_path / "sub"), "--out", str(folder), "--junit",
                                             str(folder / "ci.xml"), "--summary", str(tmp_path / "s.md"),
                                             "--gradebook", f"sqlite:///{folder / 'marks.db'}"])
    names = names_in(folder, chosen("grade", args, course, folder))
    assert {"ci.xml", "marks.db", "grades.csv"} <= set(names) and "s.md" not in names


def test_every_csv_output_writes_through_the_spreadsheet_writer(hostile_class, tmp_path, course, monkeypatch):
    rows_written: list[list] = []
    writerow = results_mod.SpreadsheetWriter.writerow
    monkeypatch.setattr(results_mod.SpreadsheetWriter, "writerow",
                        lambda self, row: rows_written.append(list(row)) or writerow(self, row))
    written = set()
    for (name, verb), argv in ASK.items():
        if name in ("gradebook", "report"):
            continue  # a database and HTML pages: no CSV
        scratch = tmp_path / f"{name}-{verb}"
        scratch.mkdir()
        [output] = [o for o in chosen(*parse(argv, hostile_class, scratch), course, hostile_class)
                    if o.name == name]
        if output.local_path is None or output.local_path.suffix != ".csv":
            continue
        rows_written.clear()
        write_outputs(hostile_class, [output])
        with open(output.local_path, newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
        assert rows and len(rows) == len(rows_written), f"{name}: not every row went through csv_writer"
        live = [cell for row in rows for cell in row if cell and live_formula(cell)]
        assert not live, f"{name}: live formulas {live}"
        written.add(name)
    assert {"grades.csv", "items.csv", *(o.name for o in formats("export"))} <= written


def test_the_report_reads_the_results_folder_once(hostile_class, course, monkeypatch):
    """Its pages, figures and items.csv all come from the one pass."""
    pytest.importorskip("matplotlib")
    reads, passes = {}, []
    read_result, iter_results = results_mod.read_result, results_mod.iter_results

    def counted(path):
        reads[str(path)] = reads.get(str(path), 0) + 1
        return read_result(path)

    monkeypatch.setattr(results_mod, "read_result", counted)
    monkeypatch.setattr(results_mod, "iter_results", lambda folder: passes.append(folder) or iter_results(folder))
    assert main(["--course", str(course.path), "report", str(hostile_class)]) == 0
    assert passes == [hostile_class]
    assert reads == {str(p): 1 for p in hostile_class.glob("*/*.json")}
    assert (hostile_class / "report" / "items.csv").is_file() and (hostile_class / "report" / "index.html").is_file()


def test_the_score_table_is_built_only_for_outputs_that_read_it(tmp_path, course):
    folder = tmp_path / "results"
    grade = chosen(*parse(ASK["junit", "grade"], folder, tmp_path), course, folder)
    assert class_outputs.ClassPass(folder, grade).view.scores is None  # a class run's memory stays flat
    export = chosen(*parse(ASK["lms", "export"], folder, tmp_path), course, folder)
    assert class_outputs.ClassPass(folder, export).view.scores is not None
