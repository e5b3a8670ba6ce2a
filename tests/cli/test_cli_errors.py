"""A verb that cannot go on ends with a sentence on stderr and exit status 2, never a traceback,
in one language: `--lang`, else $RNNLAB_LANG, else the course's, else (no course) the locale's,
else Korean.  (The suite's conftest sets RNNLAB_LANG=en; the tests of the choice remove it.)"""
from __future__ import annotations

import ast
import dataclasses
import errno
import string
from pathlib import Path

import pytest

from autograder.cli import VERBS, main
from autograder.student.messages import MESSAGES
from autograder.grading.terminal import LANG_ENV, LOCALE_ENVS, terminal_language

ROOT = Path(__file__).resolve().parents[2]
COURSE = ["--course", str(ROOT / "course.yaml")]
HANGUL = range(0xAC00, 0xD7A4)


def _run(capsys, *argv):
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _no_traceback(err: str) -> None:
    assert "Traceback" not in err and "Error:" not in err.replace("UsageError", ""), err


def _korean(text: str) -> bool:
    return any(ord(c) in HANGUL for c in text)


@pytest.fixture
def no_language_setting(monkeypatch):
    """Neither $RNNLAB_LANG nor a locale: the course (or the default) decides."""
    for name in (LANG_ENV, *LOCALE_ENVS):
        monkeypatch.delenv(name, raising=False)


# ------------------------------------------------------------------ one error of every verb, in ko and en
#
# verb -> (arguments after the verb, given a scratch folder; a phrase of the English sentence; of the Korean one)

def _existing_file(tmp: Path) -> Path:
    (tmp / "sub" / "s1" / "rnn").mkdir(parents=True, exist_ok=True)
    (tmp / "results.csv").write_text("keep me\n")
    return tmp / "results.csv"


ERROR_CASES = {
    "grade": (lambda t: [t / "sub", "--out", _existing_file(t)], "is a file, not a folder", "폴더가 아니라 파일입니다"),
    "check": (lambda t: [t / "nope.ipynb"], "no such notebook", "노트북이 없습니다"),
    "validate": (lambda t: ["--assignment", "nope"], "unknown assignment nope; course.yaml has rnn", "없는 과제 nope"),
    "report": (lambda t: [t / "nope"], "no such folder (the results folder written by", "폴더가 없습니다"),
    "release": (lambda t: ["nope"], "unknown assignment nope", "없는 과제 nope"),
    "merge": (lambda t: [t / "nope", "--out", t / "merged"], "no such results folder", "결과 폴더가 없습니다"),
    "export": (lambda t: [t / "nope", "--format", "lms", "--out", t / "x.csv"],
               "no such folder (the results folder written by", "폴더가 없습니다"),
    "gradebook": (lambda t: [t / "nope", "--db", f"sqlite:///{t / 'g.db'}"],
                  "no such folder (the results folder written by", "폴더가 없습니다"),
    "gradescope": (lambda t: ["--out", t / "a.zip", "--assignment", "nope"], "unknown assignment nope",
                   "없는 과제 nope"),
    "grade-notebook": (lambda t: [t / "rnn.ipynb", "--assignment", "nope"], "unknown assignment nope",
                       "없는 과제 nope"),
    "new-assignment": (lambda t: ["Not-An-Id"], "'Not-An-Id' is not an assignment id", "과제 id가 될 수 없습니다"),
    "new-function": (lambda t: ["f", "--assignment", "nope"], "unknown assignment 'nope'", "없는 과제 'nope'"),
    "similarity": (lambda t: [t / "nope", "--out", t / "sim"], "no such folder", "폴더가 없습니다"),
    "new-mistake": (lambda t: ["nope_forward", "nope-mistake"], "'nope_forward' is not a graded function of course.yaml",
                    "'nope_forward'는 course.yaml의 채점 함수가 아닙니다"),
}


def test_every_verb_has_an_error_case():
    assert set(ERROR_CASES) == set(VERBS), "give the new verb an error case in ERROR_CASES"


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("verb", list(VERBS))
def test_every_verb_ends_with_a_sentence_in_the_chosen_language(verb, lang, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(LANG_ENV, "ko" if lang == "en" else "en")  # --lang wins over the environment
    argv, english, korean = ERROR_CASES[verb]
    code, out, err = _run(capsys, *COURSE, verb, *argv(tmp_path), "--lang", lang)
    assert code == 2 and out == "", (out, err)
    assert err.startswith(f"autograder {verb}: ") and err.count("\n") == 1, err
    _no_traceback(err)
    if lang == "en":
        assert english in err and not _korean(err), err
    else:
        assert korean in err and _korean(err), err


def test_grade_into_an_existing_file_gets_a_sentence(tmp_path, capsys):
    (tmp_path / "sub" / "s1" / "rnn").mkdir(parents=True)
    target = tmp_path / "results.csv"
    target.write_text("keep me\n")
    code, _, err = _run(capsys, *COURSE, "grade", tmp_path / "sub", "--out", target)
    assert code == 2 and f"--out {target}: is a file, not a folder" in err
    _no_traceback(err)
    assert target.read_text() == "keep me\n"  # untouched
    code, _, err = _run(capsys, *COURSE, "grade", tmp_path / "sub", "--out", target, "--lang", "ko")
    assert code == 2 and f"--out {target}: 폴더가 아니라 파일입니다. 결과 폴더를 주세요" in err
    assert target.read_text() == "keep me\n"


def test_grade_below_an_existing_file_gets_a_sentence(tmp_path, capsys):
    (tmp_path / "sub" / "s1" / "rnn").mkdir(parents=True)
    (tmp_path / "file").write_text("")
    code, _, err = _run(capsys, *COURSE, "grade", tmp_path / "sub", "--out", tmp_path / "file" / "results")
    assert code == 2 and "a file is in the way" in err
    _no_traceback(err)
    code, _, err = _run(capsys, *COURSE, "grade", tmp_path / "sub", "--out", tmp_path / "file" / "results",
                        "--lang", "ko")
    assert code == 2 and "이 폴더가 들어설 경로에 파일이 있습니다" in err


# ------------------------------------------------------------------ the course file

def test_a_missing_course_file_is_not_found_not_invalid(tmp_path, capsys):
    missing = tmp_path / "course.yaml"
    code, _, err = _run(capsys, "--course", missing, "report", tmp_path)
    assert code == 2
    assert err.startswith("autograder: course.yaml not found\n") and str(missing) in err
    assert "invalid course file" not in err


def test_a_missing_course_file_in_korean(tmp_path, capsys):
    missing = tmp_path / "course.yaml"
    code, _, err = _run(capsys, "--course", missing, "report", tmp_path, "--lang", "ko")
    assert code == 2
    assert err.startswith("autograder: course.yaml을 찾을 수 없습니다\n") and str(missing) in err
    assert "파일이 없습니다" in err and "no such file" not in err


def test_no_course_file_here_or_above_is_not_found(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = _run(capsys, "report", tmp_path)
    assert code == 2 and err.startswith("autograder: course.yaml not found\n") and str(tmp_path) in err


def test_a_broken_course_file_is_still_invalid(tmp_path, capsys):
    broken = tmp_path / "course.yaml"
    broken.write_text("course: [unclosed\n")
    code, _, err = _run(capsys, "--course", broken, "report", tmp_path)
    assert code == 2 and err.startswith("autograder: invalid course file\n") and "YAML syntax error" in err
    code, _, err = _run(capsys, "--course", broken, "report", tmp_path, "--lang", "ko")
    assert code == 2 and err.startswith("autograder: 과목 파일(course.yaml)이 올바르지 않습니다\n")
    assert "YAML 문법 오류" in err


# ------------------------------------------------------------------ which language, when nothing says

@pytest.mark.parametrize("locale, expected", [("ko_KR.UTF-8", "ko"), ("en_US.UTF-8", "en"), ("C.UTF-8", "ko"),
                                              (None, "ko")])
def test_before_a_course_is_found_the_locale_decides(locale, expected, tmp_path, capsys, monkeypatch,
                                                     no_language_setting):
    if locale is not None:
        monkeypatch.setenv("LANG", locale)
    code, _, err = _run(capsys, "--course", tmp_path / "course.yaml", "validate")
    heading = {"en": "course.yaml not found", "ko": "course.yaml을 찾을 수 없습니다"}[expected]
    assert code == 2 and err.startswith(f"autograder: {heading}\n"), err


def test_lc_all_comes_before_lang(tmp_path, capsys, monkeypatch, no_language_setting):
    monkeypatch.setenv("LANG", "ko_KR.UTF-8")
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")
    code, _, err = _run(capsys, "--course", tmp_path / "course.yaml", "validate")
    assert code == 2 and err.startswith("autograder: course.yaml not found\n")


def test_rnnlab_lang_comes_before_the_locale(tmp_path, capsys, monkeypatch, no_language_setting):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.setenv(LANG_ENV, "ko")
    code, _, err = _run(capsys, "--course", tmp_path / "course.yaml", "validate")
    assert code == 2 and err.startswith("autograder: course.yaml을 찾을 수 없습니다\n")


@pytest.fixture
def course_in(monkeypatch):
    """The shipped course, loaded as a course of the given language."""
    from autograder.grading import course as course_mod

    load = course_mod.load_course

    def speaking(language):
        monkeypatch.setattr(course_mod, "load_course", lambda path: dataclasses.replace(load(path), language=language))
        return ROOT / "course.yaml"

    return speaking


@pytest.mark.parametrize("language", ["ko", "en"])
def test_a_loaded_course_speaks_its_language_over_the_locale(language, tmp_path, capsys, monkeypatch, course_in,
                                                             no_language_setting):
    monkeypatch.setenv("LANG", "en_US.UTF-8" if language == "ko" else "ko_KR.UTF-8")
    course = course_in(language)
    code, _, report_err = _run(capsys, "--course", course, "report", tmp_path / "nope")
    code2, _, grade_err = _run(capsys, "--course", course, "grade", tmp_path / "nope", "--out", tmp_path / "o")
    (tmp_path / "empty").mkdir()
    code3, _, empty_err = _run(capsys, "--course", course, "report", tmp_path / "empty")
    assert (code, code2, code3) == (2, 2, 2)
    for err in (report_err, grade_err, empty_err):
        assert _korean(err) == (language == "ko"), err
    if language == "en":
        assert report_err.startswith(f"autograder report: {tmp_path / 'nope'}: no such folder")
        assert grade_err.startswith(f"autograder grade: {tmp_path / 'nope'}: no such folder")
        assert "no result files" in empty_err
    else:
        assert report_err.startswith(f"autograder report: {tmp_path / 'nope'}: 폴더가 없습니다")
        assert grade_err.startswith(f"autograder grade: {tmp_path / 'nope'}: 폴더가 없습니다")
        assert "결과 파일이 없습니다" in empty_err


def test_the_environment_comes_before_the_course(tmp_path, capsys, monkeypatch, course_in):
    monkeypatch.setenv(LANG_ENV, "en")
    code, _, err = _run(capsys, "--course", course_in("ko"), "report", tmp_path / "nope")
    assert code == 2 and "no such folder" in err and not _korean(err)


def test_check_speaks_the_language_of_the_course_it_runs_in(tmp_path, capsys, monkeypatch, no_language_setting):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.chdir(ROOT)  # the shipped course: Korean
    code, _, err = _run(capsys, "check", tmp_path / "nope.ipynb")
    assert code == 2 and err == f"autograder check: {tmp_path / 'nope.ipynb'}: 노트북이 없습니다\n"
    monkeypatch.chdir(tmp_path)  # a student's folder: no course, the locale's language
    code, _, err = _run(capsys, "check", tmp_path / "nope.ipynb")
    assert code == 2 and err == f"autograder check: {tmp_path / 'nope.ipynb'}: no such notebook\n"


def test_terminal_language_order():
    assert terminal_language("en", "ko", {LANG_ENV: "ko", "LANG": "ko_KR"}) == "en"
    assert terminal_language(None, "ko", {LANG_ENV: "en"}) == "en"
    assert terminal_language(None, "en", {"LANG": "ko_KR.UTF-8"}) == "en"  # a known course beats the locale
    assert terminal_language(None, None, {LANG_ENV: "xx", "LC_MESSAGES": "en_GB.UTF-8", "LANG": "ko_KR"}) == "en"
    assert terminal_language(None, None, {"LANG": "fr_FR.UTF-8"}) == "ko"
    assert terminal_language(None, None, {}) == "ko"


# ------------------------------------------------------------------ status lines

def test_a_status_line_follows_the_language(tmp_path, capsys):
    results = tmp_path / "results" / "s1"
    results.mkdir(parents=True)
    (results / "rnn.json").write_text('{"student": "s1", "assignment": "rnn", "score": 1, "max_score": 30, '
                                      '"items": [], "errors": [], "fingerprint": "f"}')
    out_en, out_ko = tmp_path / "en.csv", tmp_path / "ko.csv"
    code, out, _ = _run(capsys, *COURSE, "export", tmp_path / "results", "--format", "lms", "--out", out_en)
    assert code == 0 and out == f"{out_en}: 1 row(s) in the lms format\n"
    code, out, _ = _run(capsys, *COURSE, "export", tmp_path / "results", "--format", "lms", "--out", out_ko,
                        "--lang", "ko")
    assert code == 0 and out == f"{out_ko}: lms 형식으로 1행\n"
    assert out_en.read_bytes() == out_ko.read_bytes()  # the file itself does not depend on the language


# ------------------------------------------------------------------ other failures

def test_a_full_disk_in_any_verb_gets_a_sentence(tmp_path, capsys, monkeypatch):
    from autograder.integrations import lms  # the export formats' writer

    results = tmp_path / "results" / "s1"
    results.mkdir(parents=True)
    (results / "rnn.json").write_text('{"student": "s1", "assignment": "rnn", "score": 1, "max_score": 30, '
                                      '"items": [], "errors": [], "fingerprint": "f"}')
    target = tmp_path / "out" / "lms.csv"

    def full(path, text):
        raise OSError(errno.ENOSPC, "No space left on device", str(path.parent / f".{path.name}.x.tmp"))

    monkeypatch.setattr(lms, "write_atomic", full)
    code, _, err = _run(capsys, *COURSE, "export", tmp_path / "results", "--format", "lms", "--out", target)
    assert code == 2 and "the disk is full (No space left on device)" in err and "free some space" in err
    assert str(target.parent) in err
    _no_traceback(err)
    code, _, err = _run(capsys, *COURSE, "export", tmp_path / "results", "--format", "lms", "--out", target,
                        "--lang", "ko")
    assert code == 2 and "디스크가 가득 찼습니다 (No space left on device)" in err and str(target.parent) in err


def test_another_file_system_error_names_the_path(tmp_path, capsys):
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "report").write_text("a file where the report folder goes")
    (tmp_path / "results" / "s1").mkdir()
    (tmp_path / "results" / "s1" / "rnn.json").write_text(
        '{"student": "s1", "assignment": "rnn", "score": 1, "max_score": 30, "items": [], "errors": [], '
        '"fingerprint": "f"}')
    pytest.importorskip("matplotlib")
    code, _, err = _run(capsys, *COURSE, "report", tmp_path / "results")
    assert code == 2 and str(tmp_path / "results" / "report") in err
    _no_traceback(err)


# ------------------------------------------------------------------ the wording lives in messages.py

def _calls():
    """(file, line, called name, code node, keyword names) of every UsageError(...) (or of a subclass
    taking its arguments), Nested(...) and say(args, ...) in the package."""
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in sorted((ROOT / "autograder").rglob("*.py"))}
    errors = {"UsageError"} | {
        node.name for tree in trees.values() for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef) and any(getattr(b, "id", None) == "UsageError" for b in node.bases)
        and not any(isinstance(f, ast.FunctionDef) and f.name == "__init__" for f in node.body)}
    assert "BundleError" in errors
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            name = "UsageError" if name in errors else name
            position = {"UsageError": 0, "Nested": 0, "say": 1 if path.parent.name == "cli" else None}.get(name)
            if position is None or len(node.args) <= position:
                continue
            keywords = {k.arg for k in node.keywords}
            yield path.relative_to(ROOT).as_posix(), node.lineno, name, node.args[position], keywords


def _codes(node: ast.expr) -> list[str] | None:
    """The message codes an expression may be: a constant, or either branch of `a if c else b`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        both = (_codes(node.body), _codes(node.orelse))
        return None if None in both else both[0] + both[1]
    return None


def test_every_command_message_is_used():
    """No wording left behind: every usage.*, course.* and cli.* message is named in the package."""
    from autograder.grading.terminal import TERMINAL_CODES

    source = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "autograder").rglob("*.py")
                     if p.name != "messages.py")
    unused = [code for code in MESSAGES
              if code.startswith(TERMINAL_CODES) and f'"{code}"' not in source and f"'{code}'" not in source]
    assert unused == []


def test_every_command_sentence_is_a_message_in_both_languages_with_its_parameters():
    calls = list(_calls())
    assert sum(name == "UsageError" for _, _, name, _, _ in calls) > 80  # the walk finds the raise sites
    wrong = []
    for where, line, name, node, keywords in calls:
        codes = _codes(node)
        if codes is None:
            # only a code received from elsewhere (a NotebookError's; a feedback message's) may be passed on
            if name != "Nested" and not (isinstance(node, ast.Attribute) and node.attr == "code"):
                wrong.append(f"{where}:{line}: {name}(...) is not given a message code")
            continue
        for code in codes:
            if code not in MESSAGES:
                wrong.append(f"{where}:{line}: {code!r} is not in messages.py")
                continue
            fields = {f for _, f, _, _ in string.Formatter().parse(MESSAGES[code]["en"]) if f}
            # every placeholder filled; none given in vain (either branch of an `if` may leave some unused)
            if None in keywords:  # **params: checked where they are made
                continue
            if not fields <= keywords or (len(codes) == 1 and fields != keywords):
                wrong.append(f"{where}:{line}: {code} takes {sorted(fields)}, given {sorted(keywords)}")
    assert wrong == []


def test_the_class_table_keeps_its_columns_in_korean(course_in):
    """grade's and merge's table: Korean heads take two columns a syllable, and still line up."""
    from autograder.grading.course import load_course
    from autograder.report.stats import ClassStats, _width, class_summary

    stats = ClassStats()
    stats.add({"student": "s1", "assignment": "rnn", "score": 31, "max_score": 31, "errors": [],
               "items": [{"id": "rnn_step_forward.next_h", "status": "passed", "points": 1, "max_points": 1}]})
    course = load_course(ROOT / "course.yaml")
    english = class_summary(stats, course, Path("results"), "en").splitlines()
    korean = class_summary(stats, course, Path("results"), "ko").splitlines()
    assert english[0].startswith("assignment    students     mean") and english[2].endswith("(of 31 points)")
    assert korean[0].startswith("과제           학생 수     평균") and korean[2].endswith("(배점 31점)")
    assert korean[3] == "결과: results  (grades.csv, <학생>/<과제>.json과 .md)"
    assert english[2].split("  (")[0] == korean[2].split("  (")[0]  # the figures themselves do not move
    for table in (english, korean):
        assert _width(table[1]) == _width(table[0]) == len(table[1])
    # each Korean head ends on the terminal where the English one ends: above its column of figures
    for en, ko in (("students", "학생 수"), ("mean", "평균"), ("min", "최저"), ("max", "최고"), ("full", "만점")):
        assert _width(korean[0][:korean[0].index(ko) + len(ko)]) == english[0].index(en) + len(en), ko


def test_the_class_table_is_as_wide_as_the_longest_assignment_id():
    """"architectures" (13 characters) pushed its row one column right of the heads."""
    from autograder.grading.course import load_course
    from autograder.report.stats import ClassStats, class_summary

    course = load_course(ROOT / "course.yaml")
    stats = ClassStats()
    for aid in course.assignments:
        stats.add({"student": "s1", "assignment": aid, "score": 1, "max_score": 1, "errors": [],
                   "items": [{"id": "f.out", "status": "passed", "points": 1, "max_points": 1}]})
    head, _, *rows = class_summary(stats, course, Path("results"), "en").splitlines()
    longest = max(course.assignments, key=len)
    assert len(longest) > 12
    end = head.index("students") + len("students")
    assert {row.index(" 1 ") + 2 for row in rows[:-1]} == {end}, rows


def test_merge_names_each_problem_in_the_chosen_language(tmp_path, capsys):
    for shard in ("a", "b"):
        (tmp_path / shard).mkdir()  # not the --out folder of a finished grade --shard run
    argv = [*COURSE, "merge", tmp_path / "a", tmp_path / "b", "--out", tmp_path / "m"]
    code, _, err = _run(capsys, *argv)
    assert code == 2 and f"  {tmp_path / 'a'}: no shard record (" in err and "pass --allow-partial" in err
    code, _, err = _run(capsys, *argv, "--lang", "ko")
    assert code == 2 and "이 폴더들은 한 번의 실행에서 나온 샤드 전체가 아닙니다" in err
    assert f"  {tmp_path / 'b'}: 샤드 기록(" in err and "no shard record" not in err
    assert not (tmp_path / "m").exists()
