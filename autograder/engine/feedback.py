"""Markdown feedback for one student and assignment, in the course's language.

Owns the layout of the feedback page; the sentences come from messages.py, and the
explanation and hint of a recognised mistake are the ones the result's item carries
(rendered at grading time, DESIGN §5), printed as they are.
"""
from __future__ import annotations

from autograder.engine.messages import STATUS_LABEL, render
from autograder.engine.results import item_explanation


# Every character CommonMark or a browser reads as a line break.  Messages carry text the
# student's code chose (exception messages): kept on one line and without raw HTML, they
# cannot end the table, add a fake heading ("# rnn: 30 / 30") or inject markup.
_LINE_BREAKS = str.maketrans({c: " " for c in "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"})


def _cell(text: str) -> str:
    return text.translate(_LINE_BREAKS).replace("|", "\\|").replace("&", "&amp;").replace("<", "&lt;")


def render_feedback(result: dict, language: str, title: str) -> str:
    lines = [render("feedback.title", language, assignment=title, score=result["score"],
                    max_score=result["max_score"]), "",
             render("feedback.student", language, student=result["student"]), ""]
    if result["errors"]:
        lines += [render("feedback.errors", language), ""]
        lines += [f"- {_cell(e)}" for e in result["errors"]] + [""]
    lines.append(render("feedback.table-head", language))
    for item in result["items"]:
        status = render(STATUS_LABEL[item["status"]], language)
        lines.append(f"| `{item['id']}` | {item['score']:g} / {item['max_score']:g} | "
                     f"{status}: {_cell(item['message'])} |")
    lines.append("")
    diagnosed: dict[tuple[str, str], tuple[dict, list[str]]] = {}  # (explanation, hint) -> (entry, item ids)
    for item in result["items"]:
        entry = item_explanation(item) if item.get("diagnosis") else None
        if entry:
            diagnosed.setdefault((entry["explanation"], entry["hint"]), (entry, []))[1].append(item["id"])
    if diagnosed:
        lines += [render("feedback.diagnosis", language), ""]
        for entry, ids in diagnosed.values():
            lines.append(f"- **{', '.join(f'`{i}`' for i in ids)}**" + (f" — {_cell(entry['explanation'])}" if entry["explanation"] else ""))
            if entry.get("hint"):
                lines.append(f"  - {render('feedback.hint', language)}: {_cell(entry['hint'])}")
        lines.append("")
    if result["items"] and all(item["status"] == "passed" for item in result["items"]):
        lines += [render("feedback.all-passed", language), ""]
    return "\n".join(lines)
