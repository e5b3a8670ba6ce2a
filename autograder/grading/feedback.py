"""Markdown feedback for one student and assignment, in the course's language.

Owns the layout of the feedback page; the sentences come from messages.py, and the
explanation and hint of a recognised mistake are the ones the result's item carries
(rendered at grading time), printed as they are.

Only what a student controls is escaped: a message's parameters (an exception message, a
dictionary key).  The grader passes the messages' :class:`Sources` (code and parameters), so
a message's own `code` spans stay code; a page made from a result file alone (no sources)
escapes each message whole.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from autograder.student.messages import MAX_TEXT, STATUS_LABEL, render, render_markdown
from autograder.grading.results import item_explanation


# Every character CommonMark or a browser reads as a line break.  Messages carry text the
# student's code chose (exception messages, dictionary keys): kept on one line and with every
# character that could start markup escaped, they cannot end the table, add a fake heading
# ("# rnn: 30 / 30"), or become a live link, image, raw HTML, emphasis, code or maths.
_LINE_BREAKS = str.maketrans({c: " " for c in "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"})
_ENTITIES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})  # raw HTML, autolinks, entities
# Backslash escapes (CommonMark: any ASCII punctuation): code spans, emphasis, links and images,
# table cells, strikethrough, headings, maths ($, for Jupyter's MathJax); and the GFM autolinks a
# renderer finds in plain text (https://..., www...., user@host), broken at ':' '//' '.' '@'.
_MARKUP = re.compile(r"""[\\`*_\[\]|~#$]|:(?=/)|(?<=[Ww]{3})\.|@""")
_BLOCK_START = re.compile(r"^(\s*)(\d*)([-+=.)])")  # a list marker (- + 1. 1)) at the start of a list item


def _cell(text: str) -> str:
    """Untrusted text as inert Markdown on one line (a table cell or a list item)."""
    text = _MARKUP.sub(lambda m: "\\" + m.group(), text.translate(_LINE_BREAKS))
    return _BLOCK_START.sub(lambda m: m.group(1) + m.group(2) + "\\" + m.group(3), text).translate(_ENTITIES)


inert_markdown = _cell  # the same, for every other Markdown view of untrusted text (Gradescope's)


def _trusted_cell(text: str) -> str:
    """The catalogue's own text (explanations, hints: their `code` stays code) on one line."""
    return text.translate(_LINE_BREAKS).replace("|", "\\|")


def _parameter(text: str, in_code: bool) -> str:
    """A message parameter: inert text, or, inside the template's code span, code that cannot
    close the span or the table cell."""
    if in_code:
        return text.translate(_LINE_BREAKS).replace("`", "'").replace("|", "¦")  # renderers differ on \\| in code
    return _cell(text)


@dataclass
class Sources:
    """What a page's messages are made of: per item id its message and notes, per error its
    message, each as (code, parameters) in the order the result shows them."""

    items: Mapping[str, list[tuple[str, dict]]] = field(default_factory=dict)
    errors: list[tuple[str, dict]] = field(default_factory=list)

    @classmethod
    def of(cls, items, errors: Iterable[tuple[str, dict]] = ()) -> "Sources":
        """From scored items (score.ItemResult) and the submission's errors."""
        return cls({i.item.id: [(i.code, i.params), *i.notes] for i in items}, list(errors))


def _markdown(parts: list[tuple[str, dict]], language: str) -> str:
    text = "; ".join(render_markdown(code, language, _parameter, params, _trusted_cell) for code, params in parts)
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT - 1] + "…"


def render_feedback(result: dict, language: str, title: str, sources: Sources | None = None) -> str:
    """The page of ``result``; with ``sources`` (the grader's), messages keep their own markup."""
    sources = sources or Sources()
    lines = [render("feedback.title", language, assignment=title, score=result["score"],
                    max_score=result["max_score"]), "",
             render("feedback.student", language, student=result["student"]), ""]
    if result["errors"]:
        lines += [render("feedback.errors", language), ""]
        from_sources = len(sources.errors) == len(result["errors"])
        lines += [f"- {_markdown([sources.errors[i]], language) if from_sources else _cell(e)}"
                  for i, e in enumerate(result["errors"])] + [""]
    lines.append(render("feedback.table-head", language))
    for item in result["items"]:
        status = render(STATUS_LABEL[item["status"]], language)
        parts = sources.items.get(item["id"])
        message = _markdown(parts, language) if parts else _cell(item["message"])
        lines.append(f"| `{item['id']}` | {item['score']:g} / {item['max_score']:g} | "
                     f"{status}: {message} |")
    lines.append("")
    diagnosed: dict[tuple[str, str], tuple[dict, list[str]]] = {}  # (explanation, hint) -> (entry, item ids)
    for item in result["items"]:
        entry = item_explanation(item) if item.get("diagnosis") else None
        if entry:
            diagnosed.setdefault((entry["explanation"], entry["hint"]), (entry, []))[1].append(item["id"])
    if diagnosed:
        lines += [render("feedback.diagnosis", language), ""]
        for entry, ids in diagnosed.values():
            lines.append(f"- **{', '.join(f'`{i}`' for i in ids)}**" + (f" — {_trusted_cell(entry['explanation'])}" if entry["explanation"] else ""))
            if entry.get("hint"):
                lines.append(f"  - {render('feedback.hint', language)}: {_trusted_cell(entry['hint'])}")
        lines.append("")
    if result["items"] and all(item["status"] == "passed" for item in result["items"]):
        lines += [render("feedback.all-passed", language), ""]
    return "\n".join(lines)
