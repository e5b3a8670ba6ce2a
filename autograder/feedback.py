"""Markdown feedback for one student and assignment, in the course's language.

Owns the layout of the feedback page; the sentences come from messages.py and the
explanations of recognised mistakes from the diagnosis catalogue.
"""
from __future__ import annotations

from .messages import STATUS_LABEL, render


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_feedback(result: dict, language: str, title: str, explanations: dict[str, dict] | None = None) -> str:
    """``explanations`` maps a diagnosis id to {"explanation": ..., "hint": ...} in ``language``."""
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
    diagnosed = {}
    for item in result["items"]:
        if item.get("diagnosis") and explanations and item["diagnosis"] in explanations:
            diagnosed.setdefault(item["diagnosis"], []).append(item["id"])
    if diagnosed:
        lines += [render("feedback.diagnosis", language), ""]
        for diagnosis, ids in diagnosed.items():
            entry = explanations[diagnosis]
            lines.append(f"- **{', '.join(f'`{i}`' for i in ids)}** — {entry['explanation']}")
            if entry.get("hint"):
                lines.append(f"  - {render('feedback.hint', language)}: {entry['hint']}")
        lines.append("")
    if result["items"] and all(item["status"] == "passed" for item in result["items"]):
        lines += [render("feedback.all-passed", language), ""]
    return "\n".join(lines)
