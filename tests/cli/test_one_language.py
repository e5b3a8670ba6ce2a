"""One command, one language: every line a verb prints itself — validate's step lines and the
course's problems, course.yaml's and reference/mistakes.yaml's problems, the refused student
folders, check's warnings, an ignored file of a submission, a shortened list of names — is said
in the language the command speaks (`--lang`, else $RNNLAB_LANG, else the course's).

The checker: in English no Hangul at all; in Korean no English sentence (three plain English
words in a row) once code, quoted names, paths, flags and ids are set aside."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from autograder.cli import main

ROOT = Path(__file__).resolve().parents[2]
HANGUL = re.compile("[\uac00-\ud7a3]")
SET_ASIDE = re.compile(r"`[^`]*`|'[^']*'|\"[^\"]*\"")  # code, quoted names and ids
WORD = re.compile(r"[A-Za-z]+")


def english_sentences(line: str) -> list[str]:
    """Runs of three or more plain English words in ``line`` (within one clause), once code and
    quoted text are set aside; a path, flag, id or number (any non-letter in it) breaks a run."""
    found = []
    for clause in re.split(r"[,;:()\[\]]", SET_ASIDE.sub(" | ", line)):
        run: list[str] = []
        for word in clause.split():
            run = run + [word] if WORD.fullmatch(word) else []
            if len(run) == 3:
                found.append(" ".join(run))
    return found


def assert_one_language(text: str, language: str) -> None:
    assert text.strip(), "the command printed nothing"
    for line in text.splitlines():
        if language == "en":
            assert not HANGUL.search(line), line
        else:
            assert not english_sentences(line), (english_sentences(line), line)


def test_the_checker_catches_the_other_language():
    """Not vacuous: the lines this file was written against are caught."""
    assert english_sentences("ok   no solution line leaks into exercises/")
    assert english_sentences("reference/rnn.py: rnn_step_forward: 참조 구현 (raises NotImplementedError); "
                             "fix: implement it: the grader compares every student with it")
    assert english_sentences("'-bad'를 채점하지 않습니다: it starts with '.', '-' or '~'")
    assert not english_sentences("solutions/rnn/rnn.ipynb, 셀 9 (id check-rnn-step-forward): rnn_step_forward: "
                                 "채점 셀의 배점은 99점입니다 (next_h 2). 고치려면: `autograder release rnn`을 실행하세요")
    assert HANGUL.search("과목이 올바릅니다")


def _run(capsys, *argv) -> tuple[int, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.fixture(scope="module")
def broken_course(tmp_path_factory) -> Path:
    """A course copy whose rnn notebook breaks two conventions and whose reference is a stub
    (so nothing is graded: validate stops after the conventions)."""
    root = tmp_path_factory.mktemp("broken-course")
    for name in ("course.yaml", "nbgrader_config.py"):
        shutil.copy2(ROOT / name, root / name)
    shutil.copytree(ROOT / "solutions" / "rnn", root / "solutions" / "rnn")
    shutil.copytree(ROOT / "reference", root / "reference", ignore=shutil.ignore_patterns("__pycache__"))
    rnn = root / "reference" / "rnn.py"
    source = rnn.read_text(encoding="utf-8")
    head = "def rnn_step_forward(x, prev_h, Wx, Wh, b):\n"
    assert head in source
    rnn.write_text(source.replace(head, head + "    raise NotImplementedError\n", 1), encoding="utf-8")
    notebook = root / "solutions" / "rnn" / "rnn.ipynb"
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade_id") == "check_rnn_step_forward":
            meta["points"] = 99
        if meta.get("grade_id") == "rnn_step_backward":
            cell["source"] = "".join(cell["source"]) + '\ncheck("rnn_stpe_forward")\n'
    notebook.write_text(json.dumps(nb, ensure_ascii=False, indent=1), encoding="utf-8")
    return root / "course.yaml"


@pytest.mark.parametrize("language", ["en", "ko"])
def test_validate_says_every_line_in_one_language(language, broken_course, capsys):
    code, text = _run(capsys, "--course", broken_course, "validate", "--assignment", "rnn", "--lang", language)
    assert code == 1
    assert_one_language(text, language)
    if language == "en":
        assert "FAIL conventions:" in text and "fix: did you mean check(\"rnn_step_forward\")?" in text
        assert "the grade cell gives 99 points, course.yaml gives 2" in text
        assert "skip grading rnn: its reference is missing or broken" in text
    else:
        assert "실패 규칙:" in text and "고치려면: check(\"rnn_step_forward\")를 뜻했나요?" in text
        assert "채점 셀의 배점은 99점, course.yaml의 배점은 2점입니다" in text
        assert "참조 구현이 아직 빈 함수입니다 (NotImplementedError)" in text
        assert "rnn 채점을 건너뜁니다" in text and "문제 " in text


@pytest.mark.parametrize("language", ["en", "ko"])
def test_refused_student_folders_in_one_language(language, tmp_path, capsys):
    submitted = tmp_path / "submitted"
    for student in ("s1", "-bad", "grades.csv", "x" * 101):
        (submitted / student / "rnn").mkdir(parents=True)
    code, text = _run(capsys, "--course", ROOT / "course.yaml", "grade", submitted, "--out", tmp_path / "out",
                      "--quiet", "--lang", language)
    assert code == 1  # s1 submitted no notebook; three folders refused
    assert_one_language(text, language)
    said = {"en": ("it starts with '.', '-' or '~'", "the grader writes a file or folder of that name",
                   "it is longer than 100 characters", "3 student folder(s) were refused"),
            "ko": ("이름이 '.', '-' 또는 '~'로 시작합니다", "채점기가 결과 폴더에 같은 이름의 파일이나 폴더를 씁니다",
                   "이름이 100자보다 깁니다", "학생 폴더 3개를 받지 않아")}[language]
    for phrase in said:
        assert phrase in text, (phrase, text)


def _schema_broken(data: dict) -> None:
    data["grading"]["dims"]["N"] = "two"
    data["grading"]["colour"] = 1
    data["grading"]["cases"] = 1
    del data["functions"]["rnn_step_forward"]["returns"]


def _semantics_broken(data: dict) -> None:
    data["functions"]["rnn_step_forward"]["assignment"] = "nope"
    data["functions"]["rnn_step_forward"]["tolerance"] = {"zz": 1e-6}


def _wording_broken(root: Path) -> None:
    shutil.copytree(ROOT / "reference", root / "reference", ignore=shutil.ignore_patterns("__pycache__"))
    wording = root / "reference" / "mistakes.yaml"
    data = yaml.safe_load(wording.read_text(encoding="utf-8"))
    first = next(iter(data["mistakes"].values()))
    del first["why"]["ko"]
    wording.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


BROKEN = {  # how the copy is broken -> (edit of course.yaml, edit of the folder, English, Korean)
    "schema": (_schema_broken, None, ("'returns' is a required property; fix: add the key 'returns'",
                                      "Additional properties are not allowed ('colour' was unexpected)",
                                      "'two' is not of type 'array'; fix: use a value of type array",
                                      "1 is less than the minimum of 3; fix: use a value above or equal to 3"),
               ("필수 키 'returns'가 없습니다. 고치려면: 키 'returns'를 넣으세요", "허용되지 않는 키입니다 ('colour')",
                "'two'의 형식이 'array'가 아닙니다. 고치려면: array 형식의 값을 쓰세요",
                "1은 최솟값 3보다 작습니다. 고치려면: 3 이상의 값을 쓰세요")),
    "semantics": (_semantics_broken, None, ("unknown assignment 'nope'; fix: use one of: rnn,",
                                            "'zz' has a tolerance but no points; fix: add it to points or remove it"),
                  ("없는 과제 'nope'. 고치려면: 다음 중 하나를 쓰세요: rnn,",
                   "'zz'에 허용 오차는 있지만 배점이 없습니다")),
    "mistakes.yaml": (None, _wording_broken, ("is a required property; fix: add the key 'ko'",),
                      ("필수 키 'ko'가 없습니다. 고치려면: 키 'ko'를 넣으세요",)),
}


@pytest.mark.parametrize("language", ["en", "ko"])
@pytest.mark.parametrize("broken", list(BROKEN))
def test_a_broken_course_file_in_one_language(broken, language, tmp_path, capsys):
    edit_course, edit_folder, english, korean = BROKEN[broken]
    data = yaml.safe_load((ROOT / "course.yaml").read_text(encoding="utf-8"))
    if edit_course:
        edit_course(data)
    (tmp_path / "course.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    if edit_folder:
        edit_folder(tmp_path)
    (tmp_path / "submitted" / "s1" / "rnn").mkdir(parents=True)
    code, text = _run(capsys, "--course", tmp_path / "course.yaml", "grade", tmp_path / "submitted",
                      "--out", tmp_path / "out", "--lang", language)
    assert code == 2
    assert_one_language(text, language)
    assert re.search(r"(course|mistakes)\.yaml:\d+: ", text), text  # file:line kept
    for phrase in english if language == "en" else korean:
        assert phrase in text, (phrase, text)


NO_SANDBOX_VERBS = {  # each verb that runs student code, given one notebook
    "grade": lambda tmp: ["grade", tmp / "sub", "--out", tmp / "out"],
    "grade-notebook": lambda tmp: ["grade-notebook", tmp / "sub" / "s1" / "rnn" / "rnn.ipynb"],
    "check": lambda tmp: ["check", tmp / "sub" / "s1" / "rnn" / "rnn.ipynb", "--function", "rnn_step_forward"],
}


@pytest.mark.parametrize("language", ["en", "ko"])
@pytest.mark.parametrize("euid", [0, 1000], ids=["root", "user"])
@pytest.mark.parametrize("verb", list(NO_SANDBOX_VERBS))
def test_no_sandbox_here_is_said_in_one_language(verb, euid, language, tmp_path, capsys, monkeypatch):
    """Why no sandbox can run here and what to do: the reason and the advice follow --lang, not
    only the heading."""
    from autograder.sandbox import probe

    monkeypatch.setattr(probe, "facts", lambda: probe.Facts(euid=euid, bwrap=None))  # a host without bwrap
    (tmp_path / "sub" / "s1" / "rnn").mkdir(parents=True)
    shutil.copy2(ROOT / "exercises" / "rnn" / "rnn.ipynb", tmp_path / "sub" / "s1" / "rnn" / "rnn.ipynb")
    code, text = _run(capsys, "--course", ROOT / "course.yaml", *NO_SANDBOX_VERBS[verb](tmp_path), "--lang", language)
    assert code == 2
    assert_one_language(text, language)
    assert "`sudo apt-get install bubblewrap`" in text and "--no-sandbox" in text
    said = {"en": ("bubblewrap (bwrap) is not installed", "Only for code you trust"),
            "ko": ("샌드박스를 쓸 수 없습니다: 학생의 코드는 샌드박스 안에서만 실행됩니다.", "설치되어 있지 않습니다",
                   "믿을 수 있는 코드에만")}[language]
    for phrase in said:
        assert phrase in text, (phrase, text)
    assert ("Root is not needed" in text or "루트 권한이 필요 없습니다" in text) == (euid != 0)
    assert not (tmp_path / "out" / "s1").exists()  # nobody graded


@pytest.mark.parametrize("language", ["en", "ko"])
def test_checks_warning_in_one_language(language, capsys):
    code, text = _run(capsys, "check", ROOT / "exercises" / "rnn" / "rnn.ipynb", "--function", "rnn_step_forward",
                      "--no-sandbox", "--lang", language)
    assert code == 1  # the released stub
    assert_one_language(text, language)
    assert ("runs in this process" if language == "en" else "이 프로세스에서 여러분의 권한으로 실행") in text


@pytest.mark.parametrize("language", ["en", "ko"])
def test_an_ignored_file_of_a_submission_in_the_spoken_language(language, tmp_path, capsys):
    from autograder.grading import terminal
    from autograder.grading.extract import read_side_file

    (tmp_path / "target.txt").write_text("2026-01-01 00:00:00\n")
    (tmp_path / "timestamp.txt").symlink_to(tmp_path / "target.txt")
    (tmp_path / "big.txt").write_text("x" * 5000)
    terminal.speak(language)
    try:
        assert read_side_file(tmp_path / "timestamp.txt") is None
        assert read_side_file(tmp_path / "big.txt") is None
    finally:
        terminal.speak(None)
    err = capsys.readouterr().err
    assert err.count("\n") == 2
    assert_one_language(err, language)
    expected = {"en": ("it is a symbolic link, not a file", "5,000 bytes is over the 4,096 bytes limit"),
                "ko": ("파일이 아니라 심볼릭 링크입니다", "5,000바이트로 한도 4,096바이트를 넘습니다")}[language]
    for phrase in expected:
        assert phrase in err, err


def test_a_shortened_list_of_names_counts_the_rest_in_the_line_language():
    from autograder.grading.terminal import name_list, render_terminal

    names = name_list([f"s{i}" for i in range(10)], 8)
    assert render_terminal("cli.shard-missing", "en", k=2, n=4, count=10,
                           names=_in_parens(names)).endswith("(s0, s1, s2, s3, s4, s5, s6, s7 and 2 more)")
    korean = render_terminal("cli.shard-missing", "ko", k=2, n=4, count=10, names=_in_parens(names))
    assert korean.endswith("(학생: s0, s1, s2, s3, s4, s5, s6, s7 외 2명)") and not english_sentences(korean)
    assert name_list(["a", "b"], 8) == "a, b"


def _in_parens(names):
    from autograder.student.messages import Nested

    return Nested("cli.in-parens", text=names)


@pytest.mark.parametrize("language", ["en", "ko"])
def test_a_student_the_grader_failed_in_one_language(language, tmp_path, capsys, monkeypatch):
    from autograder.grading import pipeline

    submitted = tmp_path / "submitted"
    for student in ("s1", "s2"):
        (submitted / student / "rnn").mkdir(parents=True)  # no notebook: nothing runs
    original = pipeline.StudentGrader.grade

    def grade(self, student, todo):
        if student == "s2":
            raise OSError(5, "Input/output error")
        return original(self, student, todo)

    monkeypatch.setattr(pipeline.StudentGrader, "grade", grade)
    code, text = _run(capsys, "--course", ROOT / "course.yaml", "grade", submitted, "--out", tmp_path / "out",
                      "--quiet", "--lang", language)
    assert code == 1
    assert_one_language(text, language)
    assert {"en": "s2: not graded (OSError: [Errno 5] Input/output error); rerun to try again",
            "ko": "s2: 채점하지 못했습니다 (OSError: [Errno 5] Input/output error). 다시 실행해 보세요"}[language] in text
