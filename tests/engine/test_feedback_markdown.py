"""Student-controlled text in the Markdown feedback stays text: no link, image, HTML or heading.

The page is rendered with mistune (a CommonMark renderer, with GitHub's table, strikethrough
and bare-URL autolink extensions, footnotes and maths, raw HTML allowed) as a TA's or a
student's viewer would, and the HTML is checked for anything a student's text could have made live.
"""
from __future__ import annotations

from html.parser import HTMLParser

import mistune
import pytest

from autograder.engine.feedback import render_feedback
from autograder.engine.messages import render

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
