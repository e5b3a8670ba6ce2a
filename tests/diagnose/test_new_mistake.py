"""A course's mistakes are course data (reference/mutants.py + reference/mistakes.yaml):
`autograder new-mistake` writes both as placeholders validate refuses; filled in, the mistake
validates, loses points and is diagnosed, with its words, in a grade run; and validate refuses
every way the wording file can be incomplete.

Every test works on a copy of the course (its reference/ included), so the copy's mistakes are
read through the course, not through whatever ``reference`` is importable."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from autograder.cli import main
from autograder.grading import mistakes
from autograder.authoring.conventions import check_conventions
from autograder.grading.course import CourseError, load_course
from autograder.grading.refimpl import reference_submodule
from autograder.authoring.scaffold import PLACEHOLDERS

ROOT = Path(__file__).resolve().parents[2]
MISTAKE = "rnn-step-relu-activation"
STUB = f'    raise NotImplementedError("mistake {MISTAKE}: write it here, then run `autograder validate`")'
RELU = ("    next_h = np.maximum(0.0, x @ Wx + prev_h @ Wh + b)  # ReLU where the cell has tanh\n"
        "    return next_h, (x, prev_h, Wx, Wh, next_h)")
WORDS = {
    "what": ("RNN 셀의 활성화 함수가 이 과목의 것이 아닙니다: 음수인 활성화 전 값이 0이(가) 됩니다.",
             "The RNN cell uses another activation than this course's: negative pre-activations become 0."),
    "where": ("rnn_step_forward에서 next_h을(를) 만드는 줄을 노트북의 식과 비교하세요.",
              "Compare the line that makes next_h in rnn_step_forward with the notebook's equation."),
    "why": ("이 과목의 RNN 셀은 tanh을(를) 씁니다. ReLU는 은닉 상태를 [−1, 1]에 묶어 두지 않습니다.",
            "This course's RNN cell uses tanh; ReLU does not keep the hidden state in [−1, 1]."),
    "fix": ("`next_h = np.tanh(x @ Wx + prev_h @ Wh + b)`입니다.", "`next_h = np.tanh(x @ Wx + prev_h @ Wh + b)`."),
}


def copy_course(tmp_path: Path) -> Path:
    for name in ("course.yaml", "nbgrader_config.py"):
        shutil.copy2(ROOT / name, tmp_path / name)
    for folder in ("solutions", "exercises", "reference"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path / "course.yaml"


def problems(course_file: Path, assignments=("rnn",)) -> list[str]:
    """What validate says: the course does not load (a wording file that fails its schema), or its
    conventions' problems; paths relative to the course folder."""
    try:
        course = load_course(course_file)
    except CourseError as exc:
        return [p.replace(f"{course_file.parent.resolve()}/", "") for p in exc.lines("en")]
    return [str(p) for p in check_conventions(course, list(assignments)).problems]


def scaffold(course_file: Path) -> None:
    assert main(["--course", str(course_file), "new-mistake", "rnn_step_forward", MISTAKE]) == 0


def fill_in(root: Path) -> None:
    """What the instructor writes: the mistake's code and its words."""
    mutants = root / "reference/mutants.py"
    text = mutants.read_text()
    assert STUB in text
    mutants.write_text(text.replace(STUB, RELU))
    wording = root / "reference/mistakes.yaml"
    text = wording.read_text()
    head, entry = text[:text.index(f"  {MISTAKE}:")], text[text.index(f"  {MISTAKE}:"):]
    for part, (ko, en) in WORDS.items():
        placeholder_ko, placeholder_en = (json.dumps(t, ensure_ascii=False) for t in PLACEHOLDERS[part])
        entry = entry.replace(placeholder_ko, json.dumps(ko, ensure_ascii=False), 1)
        entry = entry.replace(placeholder_en, json.dumps(en, ensure_ascii=False), 1)
    entry = entry.replace('ko: ["TODO"]', 'ko: ["np.tanh"]').replace('en: ["TODO"]', 'en: ["np.tanh"]')
    wording.write_text(head + entry)


# ------------------------------------------------------------------ the scaffold


def test_new_mistake_writes_a_stub_and_placeholders_that_validate_refuses(tmp_path, capsys):
    course_file = copy_course(tmp_path)
    before = {p: (ROOT / p).read_text() for p in ("reference/mutants.py", "reference/mistakes.yaml")}
    scaffold(course_file)
    out = capsys.readouterr().out
    assert out.startswith("wrote reference/mutants.py\nwrote reference/mistakes.yaml\n")
    assert "autograder release rnn && autograder validate --assignment rnn" in out
    for rel, text in before.items():  # only added lines: the files' own layout is kept
        after = (tmp_path / rel).read_text().splitlines()
        old = text.splitlines()
        assert [line for line in after if line not in old] and all(line in after for line in old), rel
    mutant = {m.id: m for m in reference_submodule(tmp_path, "mutants").CATALOGUE}[MISTAKE]
    assert list(mutant.functions) == ["rnn_step_forward"] and mutant.targets == ("rnn_step_forward.next_h",)
    assert mistakes.course_texts(tmp_path)[MISTAKE]["what"]["en"].startswith(mistakes.PLACEHOLDER)

    found = problems(course_file)
    line = (tmp_path / "reference/mistakes.yaml").read_text().splitlines().index(
        f'      ko: {json.dumps(PLACEHOLDERS["what"][0], ensure_ascii=False)}') + 1
    assert found == [
        f"reference/mistakes.yaml:{line}: mistake '{MISTAKE}' is not worded yet: what.ko, what.en, where.ko, "
        "where.en, why.ko, why.en, fix.ko, fix.en, fix_words.ko, fix_words.en still say TODO; fix: write each in "
        "its language (what, where, why, fix; fix_words: the fix's key words)",
        f"reference/mutants.py: rnn_step_forward: mistake '{MISTAKE}' is still a stub (raises NotImplementedError); "
        "fix: write what a student making this mistake computes"]
    fill_in(tmp_path)
    assert problems(course_file) == []


@pytest.mark.parametrize("argv, message", [
    (["rnn_step_forward", "bptt-overwrite-accumulator"], "mistake 'bptt-overwrite-accumulator' exists already"),
    (["rnn_step_forward", "wrong-sign"], "mistake 'wrong-sign' exists already"),  # a generic pattern's id
    (["rnn_step_forward", "Relu_Mistake"], "'Relu_Mistake' is not a mistake id"),
    (["rnn_step_forwad", "rnn-relu"], "'rnn_step_forwad' is not a graded function of course.yaml"),
    (["rnn_step_forward", "rnn-relu", "--target", "rnn_step_forward.cache"], "--target rnn_step_forward.cache: not a "
                                                                             "graded item"),
])
def test_bad_new_mistake_requests_change_nothing(tmp_path, capsys, argv, message):
    course_file = copy_course(tmp_path)
    before = {p: p.read_bytes() for p in (tmp_path / "reference").iterdir() if p.is_file()}
    assert main(["--course", str(course_file), "new-mistake", *argv]) == 2
    assert message in capsys.readouterr().err
    assert {p: p.read_bytes() for p in (tmp_path / "reference").iterdir() if p.is_file()} == before


def test_a_second_new_mistake_adds_to_the_first(tmp_path):
    course_file = copy_course(tmp_path)
    scaffold(course_file)
    assert main(["--course", str(course_file), "new-mistake", "word_embedding_backward", "embedding-dw-transposed"]) == 0
    ids = [m.id for m in reference_submodule(tmp_path, "mutants").CATALOGUE]
    assert ids[-2:] == [MISTAKE, "embedding-dw-transposed"]
    assert list(mistakes.course_texts(tmp_path))[-2:] == [MISTAKE, "embedding-dw-transposed"]


# ------------------------------------------------------------------ validate and the wording file


def _edit_wording(root: Path, change) -> None:
    path = root / "reference/mistakes.yaml"
    path.write_text(change(path.read_text()))


def _line(root: Path, text: str) -> int:
    return (root / "reference/mistakes.yaml").read_text().splitlines().index(text) + 1


def test_validate_refuses_a_catalogued_mistake_with_no_entry(tmp_path):
    course_file = copy_course(tmp_path)

    def drop(text):
        start = text.index("  rnn-h0-wraparound:\n")
        return text[:start] + text[text.index("  rnn-forward-missing-bias:\n"):]
    _edit_wording(tmp_path, drop)
    assert problems(course_file) == [
        "reference/mistakes.yaml: mistake 'rnn-h0-wraparound' has no feedback wording in Korean and English; fix: "
        "write its wording (what, where, why, fix, fix_words) in Korean and English under 'rnn-h0-wraparound:' in "
        "reference/mistakes.yaml (`autograder new-mistake` writes one to fill in; docs/NOTEBOOKS.md)"]


@pytest.mark.parametrize("part", ["what", "where", "why", "fix"])
@pytest.mark.parametrize("language", ["ko", "en"])
def test_validate_refuses_a_mistake_missing_one_text_with_its_line(tmp_path, part, language):
    """Every field, in both languages: the schema names the file, the line and the key."""
    course_file = copy_course(tmp_path)
    text = (tmp_path / "reference/mistakes.yaml").read_text()
    entry = text.index("  rnn-h0-wraparound:\n")
    at = text.index(f"    {part}:\n", entry)
    line = text[:at].count("\n") + 1
    wanted = f"      {language}: "
    start = text.index(wanted, at)
    _edit_wording(tmp_path, lambda t: t[:start] + t[t.index("\n", start) + 1:])
    found = problems(course_file)
    assert found == [f"reference/mistakes.yaml:{line}: mistakes.rnn-h0-wraparound.{part}: '{language}' is a required "
                     f"property; fix: add the key '{language}'"], found


def test_validate_refuses_an_entry_without_a_field_and_an_empty_text(tmp_path):
    course_file = copy_course(tmp_path)
    text = (tmp_path / "reference/mistakes.yaml").read_text()
    entry = text.index("  rnn-h0-wraparound:\n")
    words = text.index("    fix_words:\n", entry)
    text = text[:words] + text[text.index("  rnn-forward-missing-bias:\n"):]
    why_en = text.index("      en: ", text.index("    why:\n", text.index("  bptt-overwrite-accumulator:\n")))
    text = text[:why_en] + '      en: "  "\n' + text[text.index("\n", why_en) + 1:]
    (tmp_path / "reference/mistakes.yaml").write_text(text)
    found = problems(course_file)
    assert len(found) == 2, found
    assert found[0].startswith(f"reference/mistakes.yaml:{_line(tmp_path, '  bptt-overwrite-accumulator:') + 9}: "
                               "mistakes.bptt-overwrite-accumulator.why.en: ") and "fix: write the text" in found[0]
    assert found[1] == (f"reference/mistakes.yaml:{_line(tmp_path, '  rnn-h0-wraparound:')}: "
                        "mistakes.rnn-h0-wraparound: 'fix_words' is a required property; fix: add the key 'fix_words'")


def test_validate_refuses_korean_that_is_the_english_a_hint_that_gives_the_fix_away_and_stray_words(tmp_path):
    course_file = copy_course(tmp_path)
    text = (tmp_path / "reference/mistakes.yaml").read_text()
    entry = text.index("  rnn-h0-wraparound:\n")
    end = text.index("  rnn-forward-missing-bias:\n")
    block = text[entry:end]
    english = dict(re.findall(r'    (what|where|why|fix):\n      ko: .*\n      en: (.*)\n', block))
    for part, en in english.items():  # every Korean text replaced by the English one
        block = re.sub(rf'(    {part}:\n      ko: ).*\n', lambda m, en=en: m.group(1) + en + "\n", block)
    leak = text.index("  rnn-dwh-from-next-h:\n")
    where_en = text.index("      en: ", text.index("    where:\n", leak))
    text = (text[:entry] + block + text[end:where_en] + '      en: "Use prev_h.T @ da in rnn_step_backward."\n'
            + text[text.index("\n", where_en) + 1:])
    text += ("  rnn-no-such-mistake:\n" + "".join(f"    {p}:\n      ko: \"가\"\n      en: \"a\"\n"
                                                  for p in ("what", "where", "why"))
             + "    fix:\n      ko: \"나\"\n      en: \"b\"\n    fix_words:\n      ko: [\"나\"]\n      en: [\"b\"]\n")
    (tmp_path / "reference/mistakes.yaml").write_text(text)
    found = problems(course_file)
    fix_words = _line(tmp_path, "  rnn-dwh-from-next-h:") + 15  # its fix_words.en
    assert found == [
        f"reference/mistakes.yaml:{_line(tmp_path, '  rnn-h0-wraparound:')}: mistake 'rnn-h0-wraparound' has no "
        "feedback wording in Korean (its ko texts are the English ones); fix: write what, where, why and fix in Korean",
        f"reference/mistakes.yaml:{fix_words}: mistake 'rnn-dwh-from-next-h': the hint level (en) gives the fix "
        "word 'prev_h.T @ da' away; fix: say it in why or fix only; what and where name the concept and where to look",
        f"reference/mistakes.yaml:{_line(tmp_path, '  rnn-no-such-mistake:')}: wording for 'rnn-no-such-mistake', but "
        "reference/mutants.py catalogues no such mistake; fix: correct the id, or remove the entry"], found


def test_an_invalid_wording_file_stops_every_command_as_an_invalid_course_yaml_does(tmp_path, capsys):
    course_file = copy_course(tmp_path)
    _edit_wording(tmp_path, lambda t: t.replace("    fix_words:\n", "    fix_word:\n", 1))
    (tmp_path / "submitted/s1/rnn").mkdir(parents=True)
    shutil.copy2(tmp_path / "exercises/rnn/rnn.ipynb", tmp_path / "submitted/s1/rnn/rnn.ipynb")
    assert main(["--course", str(course_file), "grade", str(tmp_path / "submitted"), "--out",
                 str(tmp_path / "results"), "--assignment", "rnn", "--no-sandbox", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("autograder: invalid course file\n")
    assert re.search(r"reference/mistakes\.yaml:\d+: mistakes\.bptt-overwrite-accumulator: Additional properties are "
                     r"not allowed \('fix_word' was unexpected\)", err), err
    assert not (tmp_path / "results/s1").exists()  # refused before grading, not graded without words


def test_a_copied_course_reads_its_own_words_not_the_importable_reference(tmp_path):
    course_file = copy_course(tmp_path)
    _edit_wording(tmp_path, lambda t: t.replace(
        '"At the first time step, dWh uses another state instead of h0 (Python\'s negative index)."',
        '"At t = 0 this copy\'s dWh reads the last state."', 1))
    course = load_course(course_file)
    assert mistakes.render("rnn-h0-wraparound", "hint", "en", course=course)["explanation"] == \
        "At t = 0 this copy's dWh reads the last state."
    assert mistakes.render("rnn-h0-wraparound", "hint", "en", course=ROOT)["explanation"].startswith("At the first time step")
    assert mistakes.render("rnn-h0-wraparound", "hint", "en") is None  # no course, no course mistakes


# ------------------------------------------------------------------ end to end


def relu_student(root: Path) -> nbformat.NotebookNode:
    """The course's own solution with the one slip: ReLU in rnn_step_forward."""
    nb = nbformat.read(str(root / "solutions/rnn/rnn.ipynb"), as_version=4)
    cell = next(c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "rnn_step_forward")
    assert cell.source.count("np.tanh(") == 1, cell.source
    cell.source = cell.source.replace("np.tanh(", "np.maximum(0.0, ")
    return nb


@pytest.mark.slow
@pytest.mark.sandbox
def test_a_filled_in_new_mistake_validates_loses_points_and_is_diagnosed_with_its_words(tmp_path, capsys):
    root = tmp_path / "course"
    root.mkdir()
    course_file = copy_course(root)
    scaffold(course_file)
    fill_in(root)
    assert main(["--course", str(course_file), "release", "rnn"]) == 0
    capsys.readouterr()
    assert main(["--course", str(course_file), "validate", "--assignment", "rnn"]) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    assert "FAIL" not in out and "ok   every catalogued mistake loses points on the items it targets" in out

    submitted = tmp_path / "submitted" / "s1" / "rnn"
    submitted.mkdir(parents=True)
    nbformat.write(relu_student(root), str(submitted / "rnn.ipynb"))
    assert main(["--course", str(course_file), "grade", str(tmp_path / "submitted"), "--out",
                 str(tmp_path / "results"), "--assignment", "rnn", "--quiet"]) == 0
    result = json.loads((tmp_path / "results/s1/rnn.json").read_text())
    course = load_course(course_file)
    item = next(i for i in result["items"] if i["id"] == "rnn_step_forward.next_h")
    assert item["status"] == "failed" and item["diagnosis"] == MISTAKE
    words = mistakes.render(MISTAKE, course.feedback, course.language, course=course)
    assert (item["explanation"], item["hint"]) == (words["explanation"], words["hint"])
    assert item["explanation"] == WORDS["what"][0].replace("0이(가)", "0이")  # the course's own words, particles filled


def test_a_mistake_in_a_function_new_function_added_imports_its_module(tmp_path):
    """reference/added.py (new-function's module) is not imported by mutants.py until a mistake needs it."""
    course_file = copy_course(tmp_path)
    assert main(["--course", str(course_file), "new-function", "double_forward", "--assignment", "gradients",
                 "--arg", "x=N,H", "--returns", "out=N,H"]) == 0
    added = tmp_path / "reference/added.py"
    added.write_text(added.read_text().replace(
        '    raise NotImplementedError("reference double_forward: write it here, then run `autograder validate`")',
        "    return 2 * x"))
    before = (tmp_path / "reference/mutants.py").read_text()
    assert main(["--course", str(course_file), "new-mistake", "double_forward", "double-forward-triples"]) == 0
    text = (tmp_path / "reference/mutants.py").read_text()
    alias = re.search(r"^from \. import added as (\w+)$", text, re.M)
    assert alias and text.count("import added") == 1 and f"@_sig({alias.group(1)}.double_forward)\n" in text
    if "import added" not in before:  # the import is added where the module's imports end
        assert alias.group(0) in text[:text.index("\n\n", text.index("from . import rnn as _rnn"))]
    mutant = {m.id: m for m in reference_submodule(tmp_path, "mutants").CATALOGUE}["double-forward-triples"]
    assert mutant.targets == ("double_forward.out",)
    stub = [p for p in problems(course_file, ["gradients"]) if "reference/mutants.py" in p]
    assert stub == ["reference/mutants.py: double_forward: mistake 'double-forward-triples' is still a stub (raises "
                    "NotImplementedError); fix: write what a student making this mistake computes"]


def test_reworded_mistakes_regrade_since_results_quote_the_words(tmp_path):
    from autograder.grading.pipeline import rubric_digest

    course_file = copy_course(tmp_path)
    before = rubric_digest(load_course(course_file), b"secret")
    assert rubric_digest(load_course(course_file), b"secret") == before
    _edit_wording(tmp_path, lambda t: t.replace("(BPTT 누적).", "(BPTT의 누적).", 1))
    assert rubric_digest(load_course(course_file), b"secret") != before
