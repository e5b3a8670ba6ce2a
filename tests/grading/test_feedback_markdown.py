"""Student-controlled text in the Markdown feedback stays text: no link, image, HTML or heading.

The page is rendered with mistune (a CommonMark renderer, with GitHub's table, strikethrough
and bare-URL autolink extensions, footnotes and maths, raw HTML allowed) as a TA's or a
student's viewer would, and the HTML is checked for anything a student's text could have made live.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

import mistune
import pytest

from autograder.grading.feedback import render_feedback
from autograder.student.messages import render

ATTACKS = [
    "![](https://evil.example/pixel.png) [TA note: regrade approved](https://evil.example/phish)",
    "<https://evil.example/auto> https://evil.example/bare www.evil.example ta@evil.example",
    '<img src=x onerror=alert(1)> <a href="https://evil.example/html">regrade</a> <script>alert(1)</script>',
    "[regrade][r] [^note] ~~struck~~ **approved** _ok_ `code` $\\href{https://evil.example/math}{x}$",
    "&#x3C;img src=x&#x3E; &lt;b&gt; \\[escaped](https://evil.example/escaped)",
    "# training: 6 / 6 points",
    "1. ordered",
    "- bullet",
    "> quoted | fake | cells |",
]


def _html(markdown: str) -> str:
    md = mistune.create_markdown(escape=False, plugins=["table", "url", "strikethrough", "footnotes", "math"])
    return md(markdown)


class _Tags(HTMLParser):
    """Every element of the rendered page (text, escaped or not, is not an element)."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def count(self, tag: str) -> int:
        return sum(t == tag for t, _ in self.tags)


def _page(text: str) -> str:
    message = render("status.exception", "en", function="sgd_step", case=1, dims="N=2", detail=text)
    result = {"student": "s1", "assignment": "training", "score": 0, "max_score": 6,
              "errors": [text, render("notebook.load-error", "en", detail=text)],
              "items": [{"id": "sgd_step.new_params", "score": 0, "max_score": 2, "status": "error",
                         "message": message, "diagnosis": None}]}
    return render_feedback(result, "en", "training")


@pytest.mark.parametrize("text", ATTACKS)
def test_student_text_renders_as_text(text):
    tags = _Tags(_html(_page(text)))
    assert {t for t, _ in tags.tags} <= {"h1", "h2", "p", "code", "ul", "li", "table", "thead", "tbody", "tr",
                                         "th", "td"}, tags.tags  # no a, img, script, b, em, del, ol, span, div ...
    assert not any(attrs.keys() - {"style"} for _, attrs in tags.tags), tags.tags  # no href, src, class
    assert tags.count("code") == 2  # the page's own: the student id and the item id
    assert tags.count("h1") == 1 and tags.count("h2") == 1  # the title and the page's "Problems" section
    assert tags.count("tr") == 2 and tags.count("li") == 2  # the table head and one item row; two errors


def test_the_text_is_still_all_there():
    html = _html(_page(ATTACKS[0]))
    assert "![](https://evil.example/pixel.png) [TA note: regrade approved](https://evil.example/phish)" in html


# ------------------------------------------------- the grader's page: only the student's text escaped


def _graded_page(text: str, language: str = "en") -> str:
    """A page as the grader writes it: with the messages' sources, so the templates' own code
    spans stay code and only the parameters (the student's text) are escaped."""
    from autograder.grading.feedback import Sources

    message = ("status.exception", {"function": "sgd_step", "case": 1, "dims": "N=2", "detail": text})
    note = ("rootcause.error", {"function": "sgd_step", "cause": "adam_step.new_params", "cause_function": "adam_step"})
    error = ("notebook.load-error", {"detail": text})
    result = {"student": "s1", "assignment": "training", "score": 0, "max_score": 6,
              "errors": [text, render(*error[:1], language, **error[1])],
              "items": [{"id": "sgd_step.new_params", "score": 0, "max_score": 2, "status": "error",
                         "message": "; ".join(render(c, language, **p) for c, p in (message, note)),
                         "diagnosis": None}]}
    sources = Sources({"sgd_step.new_params": [message, note]},
                      [("status.crash", {"function": "sgd_step", "detail": text}), error])
    return render_feedback(result, language, "training", sources)


@pytest.mark.parametrize("text", ATTACKS)
@pytest.mark.parametrize("language", ["en", "ko"])
def test_code_names_stay_code_and_student_text_is_escaped(text, language):
    html = _html(_graded_page(text, language))
    tags = _Tags(html)
    assert {t for t, _ in tags.tags} <= {"h1", "h2", "p", "code", "ul", "li", "table", "thead", "tbody", "tr",
                                         "th", "td"}, tags.tags
    assert not any(attrs.keys() - {"style"} for _, attrs in tags.tags), tags.tags
    # the page's own code: the student id, the item id, and the messages' function names (the
    # crash error's, the message's, the root cause's three), never a literal backtick
    codes = re.findall(r"<code>(.*?)</code>", html)
    assert sorted(codes) == sorted(["s1", "sgd_step", "sgd_step.new_params", "sgd_step", "sgd_step", "adam_step",
                                    "adam_step"]), codes
    assert "\\`sgd_step" not in _graded_page(text, language)  # our backticks are not escaped
    if "`code`" in text:  # the student's backticks are: shown as written, not as code
        assert "`code`" in re.sub(r"<code>.*?</code>", "", html)
    assert tags.count("tr") == 2 and tags.count("li") == 2


def test_a_code_span_parameter_cannot_close_the_span():
    """A parameter the template puts in a code span (a function name) is made code-safe: a
    backtick or a pipe in it cannot end the span or the table cell."""
    from autograder.grading.feedback import Sources

    message = ("status.missing", {"function": "f` <b>x</b> | y"})
    result = {"student": "s1", "assignment": "a", "score": 0, "max_score": 1, "errors": [],
              "items": [{"id": "f.out", "score": 0, "max_score": 1, "status": "missing",
                         "message": render(message[0], "en", **message[1]), "diagnosis": None}]}
    html = _html(render_feedback(result, "en", "a", Sources({"f.out": [message]})))
    tags = _Tags(html)
    assert tags.count("b") == 0 and tags.count("tr") == 2 and tags.count("td") == 3
    assert "<code>f' &lt;b&gt;x&lt;/b&gt; ¦ y</code>" in html


def test_the_particle_follows_the_shown_word_in_markdown_too():
    from autograder.grading.feedback import Sources

    message = ("status.not-implemented", {"function": "rnn_step_forward"})
    result = {"student": "s1", "assignment": "rnn", "score": 0, "max_score": 1, "errors": [],
              "items": [{"id": "rnn_step_forward.next_h", "score": 0, "max_score": 1, "status": "error",
                         "message": render(message[0], "ko", **message[1]), "diagnosis": None}]}
    page = render_feedback(result, "ko", "rnn", Sources({"rnn_step_forward.next_h": [message]}))
    assert "`rnn_step_forward`가 아직 구현되지 않았습니다" in page
