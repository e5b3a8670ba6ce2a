"""`autograder report`: pass rates, top diagnoses, figures, escaping, per-student pages, language."""
from __future__ import annotations

import csv
import re

import pytest
from matplotlib.image import imread
from PIL import Image

from autograder import cli
from autograder.report import plots
from autograder.report import html as report
from autograder.grading.errors import UsageError

from .conftest import build_class, run_report

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def assert_png(path):
    assert path.read_bytes()[:8] == PNG_MAGIC, path
    with Image.open(path) as image:
        image.verify()
    pixels = imread(path)
    assert pixels.ndim == 3 and pixels.shape[0] > 100 and pixels.shape[1] > 100


def csv_rows(path):
    with path.open(encoding="utf-8", newline="") as handle:
        return {(r["assignment_id"], r["item_id"]): r for r in csv.DictReader(handle)}


def html_files(folder):
    return sorted(folder.rglob("*.html"))


@pytest.fixture
def fake_diagnose(monkeypatch):
    """A catalogue that knows one id (with HTML in its text, to test escaping), used while grading."""
    from autograder.grading import diagnose

    def explain(diagnosis, language, params=None, course=None):
        if diagnosis != "bptt-no-carry":
            return None
        if language == "ko":
            return {"explanation": "기울기를 이전 시간 단계로 전달하지 않았습니다 <b>", "hint": "`dh_prev`를 더하세요"}
        return {"explanation": "the gradient is not carried back to earlier steps <b>", "hint": "add `dh_prev`"}

    monkeypatch.setattr(diagnose, "explain", explain)
    return diagnose


def test_pass_rates_are_counted_per_item(english_report):
    rows = csv_rows(english_report / "report" / "items.csv")
    h = rows[("rnn", "rnn_forward.h")]  # s1, s2 passed; the third student's raised
    assert (h["students"], h["passed"], h["error"], h["pass_rate_percent"]) == ("3", "2", "1", "66.7")
    dwh = rows[("rnn", "rnn_backward.dWh")]
    assert (dwh["passed"], dwh["failed"], dwh["pass_rate_percent"], dwh["top_diagnosis"]) == ("1", "2", "33.3", "bptt-no-carry")
    dh0 = rows[("gru", "gru_backward.dh0")]
    assert (dh0["students"], dh0["timeout"], dh0["pass_rate_percent"], dh0["max_points"]) == ("2", "1", "50.0", "2")
    assert rows[("rnn", "rnn_backward.db")]["pass_rate_percent"] == "100.0"
    assert not any(a == "lstm" for a, _ in rows)  # nobody submitted lstm
    index = (english_report / "report" / "index.html").read_text(encoding="utf-8")
    row = re.search(r"<tr><td><code>rnn_forward\.h</code>.*?</tr>", index).group(0)
    assert "66.7%" in row


def test_top_diagnoses_are_ordered_by_count_with_explanations(tmp_path, course_en, fake_diagnose):
    graded_class = build_class(tmp_path / "results", course_en)  # graded in English with the fake catalogue
    run_report(graded_class, course_en)
    index = (graded_class / "report" / "index.html").read_text(encoding="utf-8")
    overall = index[index.index("Most common mistakes</h2>"):index.index('<section id="a-rnn"')]
    rows = re.findall(r'<tr><td class=num>(\d+)</td><td><code class="diagnosis-id">([^<]+)</code></td>'
                      r"<td>(.*?)</td><td class=num>(\d+)</td><td class=num>(\d+)</td>", overall)
    assert [(rank, d, count, students) for rank, d, _, count, students in rows] == [
        ("1", "bptt-no-carry", "3", "2"), ("2", "transposed-wh", "1", "1")]
    known, unknown = rows[0][2], rows[1][2]
    assert "not carried back" in known and "&lt;b&gt;" in known and "<code>dh_prev</code>" in known
    assert "no explanation" in unknown  # an id the catalogue does not know is shown bare


def test_missing_diagnose_module_falls_back_to_the_bare_id(english_report):
    page = (english_report / "report" / "students" / "s2.html").read_text(encoding="utf-8")
    assert "<code>bptt-no-carry</code>" in page and "no explanation" in page


def test_histograms_and_item_charts_are_valid_pngs_linked_relatively(english_report):
    out = english_report / "report"
    for name in ("rnn.scores.png", "rnn.items.png", "gru.scores.png", "gru.items.png"):
        assert_png(out / "figures" / name)
    assert not list((out / "figures").glob("lstm*"))
    for page in html_files(out):
        for src in re.findall(r'<img src="([^"]+)"', page.read_text(encoding="utf-8")):
            assert not src.startswith(("/", "http")), src
            assert (page.parent / src).is_file(), (page, src)


def test_index_names_each_assignment_and_escapes_student_strings(english_report):
    out = english_report / "report"
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Vanilla RNN and BPTT" in index and 'id="a-rnn"' in index
    assert 'id="a-gru"' in index and 'id="a-lstm"' not in index
    assert "s9&lt;img src=x onerror=alert(1)&gt;&amp;&#x27;&quot;" in index
    for page in html_files(out):
        content = page.read_text(encoding="utf-8")
        assert "<script" not in content and "<img src=x" not in content, page
    evil = [p for p in (out / "students").glob("*.html") if p.name.startswith("s9")]
    assert len(evil) == 1 and re.fullmatch(r"[\w.-]+\.html", evil[0].name)
    page = evil[0].read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page  # in the message and in errors
    assert page.count("&lt;script&gt;") == 2


def test_student_pages_plot_the_profile_of_the_profiled_item_only(english_report):
    students = english_report / "report" / "students"
    s2 = (students / "s2.html").read_text(encoding="utf-8")
    images = re.findall(r'<img src="([^"]+)"', s2)
    assert images == ["s2/rnn--rnn_backward.dx.png"]
    assert_png(students / images[0])
    # s2's other failed items (one diagnosed, one not) have no plot; neither has anyone else
    for name in ("s1.html", next(p.name for p in students.glob("s9*.html"))):
        assert "<img" not in (students / name).read_text(encoding="utf-8")
    assert [p.name for p in students.rglob("*.png")] == ["rnn--rnn_backward.dx.png"]
    # items with status, points and message, per assignment
    row = re.search(r'<tr class="failed"><td><code>rnn_backward\.dWh</code></td>.*?</tr>', s2).group(0)
    assert "0 / 2" in row and "failed" in row and "relative error 0.9" in row
    assert "Vanilla RNN and BPTT" in s2 and "GRU" in s2 and "Well done" in s2  # s2's gru is all passed


def test_invalid_profiles_get_no_plot():
    good = {"student_norm": [1.0, 0.0], "reference_norm": [1.0, 2.0], "error": [0.0, 1.0]}
    assert plots.valid_profile(good)
    for bad in (None, {}, {**good, "error": [0.0]}, {**good, "student_norm": ["x", 1.0]},
                {**good, "student_norm": [float("nan"), 1.0]}, {**good, "error": []}):
        assert not plots.valid_profile(bad), bad


def test_korean_course_gives_korean_pages(course_ko, fake_diagnose, capsys, tmp_path):
    graded_class = build_class(tmp_path / "results", course_ko)  # graded in Korean with the fake catalogue
    out = tmp_path / "보고서"
    assert run_report(graded_class, course_ko, out=out) == 0
    assert not (graded_class / "report").exists()  # --out is honoured
    index = (out / "index.html").read_text(encoding="utf-8")
    assert '<html lang="ko">' in index
    for phrase in ("학급 채점 보고서", "통과율", "기본 순환 신경망과 BPTT", "가장 흔한 실수", "기울기를 이전 시간 단계로"):
        assert phrase in index, phrase
    assert "pass rate" not in index
    s2 = (out / "students" / "s2.html").read_text(encoding="utf-8")
    assert "실패" in s2 and "힌트" in s2 and "시간 단계" in s2
    # the terminal line is English, as every staff verb's (cli/__init__.py); the pages are the course's language
    assert capsys.readouterr().out.startswith(f"report: {out / 'index.html'} (")


def test_english_course_gives_english_pages(english_report):
    index = (english_report / "report" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in index and "class report" in index and "pass rate" in index
    assert not re.search("[\uac00-\ud7a3]", index)  # no Hangul


def test_output_is_deterministic_and_the_report_is_not_read_as_results(graded_class, course_en):
    out = graded_class / "report"  # the default, inside RESULTS
    run_report(graded_class, course_en)
    first = {p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    run_report(graded_class, course_en)  # its own folder must not be read as a student's results
    second = {p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []
    assert "3 student(s), 5 result file(s)" in second[out.relative_to(out) / "index.html"].decode()


def _cli(monkeypatch, course_path, *argv):
    monkeypatch.setattr(cli, "VERBS", {"report": ("autograder.cli.report", "class report")})  # only this verb
    return cli.main(["--course", str(course_path), "report", *map(str, argv)])


def test_no_result_files_is_a_usage_error_exit_2(tmp_path, monkeypatch, capsys, shipped_course):
    empty = tmp_path / "results"
    (empty / "s1").mkdir(parents=True)
    (empty / "s1" / "notes.json").write_text("{}")  # not a result file
    assert _cli(monkeypatch, shipped_course.path, empty) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "report" in err and str(empty) in err
    assert not (empty / "report").exists()
    assert _cli(monkeypatch, shipped_course.path, tmp_path / "nope") == 2
    with pytest.raises(UsageError):
        run_report(empty, shipped_course)


def test_safe_names_never_collide_or_escape_the_folder():
    names = {report.safe_name(n) for n in ("a/b", "a_b", "..", ".hidden", "figures", "학생1", "s 1", "s_1")}
    assert len(names) == 8
    assert report.safe_name("학생1") == "학생1" and report.safe_name("s001") == "s001"
    assert all("/" not in n and not n.startswith(".") for n in names)
