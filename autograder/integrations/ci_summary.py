"""A Markdown class summary for a CI job page (``$GITHUB_STEP_SUMMARY``) or a chat message.

Owns the Markdown layout only; the counting is report/stats.py's :class:`ClassStats`, in the
class view that the one pass at the end of a grade or merge run builds.  The page names no student: a CI summary is seen by
everyone with access to the repository, so it shows class figures, per-item pass rates, the
items most often lost and the most common diagnosed mistakes.
"""
from __future__ import annotations

import html
import statistics
from pathlib import Path

from autograder.grading.course import Course
from autograder.grading.results import ASKED, Offer, Option, Output, write_atomic
from autograder.grading.score import STATUSES
from autograder.report.stats import ClassStats

WORST_ITEMS = 10


def _cell(value) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _explanation(entry: dict | None) -> str:
    """The explanation the diagnosed items carry, as graded (docs/ARCHITECTURE.md); empty for older results."""
    if entry is None:
        return ""
    text = entry["explanation"] + (f" (hint: {entry['hint']})" if entry.get("hint") else "")
    return _cell(html.escape(text, quote=False))


def _pct(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.0f}%" if whole else "–"


def summary_markdown(class_stats: ClassStats, course: Course) -> str:
    """The summary of the class figures ``class_stats`` (stats.py)."""
    stats = class_stats.assignments
    order = class_stats.order(course)
    lines = [f"## {_cell(course.title)}: class results", ""]
    if not order:
        return "\n".join(lines + ["No result files were found.", ""])
    lines += ["| assignment | students | mean | median | min | max | full marks | submission problems |",
              "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for aid in order:
        s = stats[aid]
        scores = s.scores_sorted()
        full = s.full_marks()
        lines.append(f"| `{_cell(aid)}` | {s.students} | {statistics.fmean(scores):.2f} / {s.max_score:g} | "
                     f"{statistics.median(scores):g} | {scores[0]:g} | {scores[-1]:g} | "
                     f"{full} ({_pct(full, s.students)}) | {s.problems} |")
    lines.append("")
    worst = []
    for aid in order:
        s = stats[aid]
        lines += [f"<details><summary><code>{html.escape(aid)}</code>: pass rate of every item</summary>", "",
                  "| item | points | " + " | ".join(STATUSES) + " | pass rate |",
                  "|---|---:|" + "---:|" * len(STATUSES) + "---:|"]
        for item_id in (i for i in class_stats.item_order(course, aid) if i in s.items):
            counts = s.items[item_id]
            total = sum(counts.values())
            lines.append(f"| `{_cell(item_id)}` | {s.item_points[item_id]:g} | "
                         + " | ".join(str(counts[st]) for st in STATUSES)
                         + f" | {_pct(counts['passed'], total)} |")
            lost = (total - counts["passed"]) * s.item_points[item_id]
            if lost > 0:
                worst.append((-lost, counts["passed"] / total, aid, item_id, total - counts["passed"], total))
        lines += ["", "</details>", ""]
    if worst:
        lines += [f"### Items most often lost (top {WORST_ITEMS})", "",
                  "| assignment | item | students not passing | points lost in the class |",
                  "|---|---|---:|---:|"]
        for neg_lost, _, aid, item_id, missed, total in sorted(worst)[:WORST_ITEMS]:
            lines.append(f"| `{_cell(aid)}` | `{_cell(item_id)}` | {missed} / {total} | {-neg_lost:g} |")
        lines.append("")
    diagnoses = [(aid, d, n) for aid in order for d, n in stats[aid].diagnosed.most_common()]
    if diagnoses:
        lines += ["### Most common recognised mistakes", "", "| assignment | mistake | items diagnosed | explanation |",
                  "|---|---|---:|---|"]
        lines += [f"| `{_cell(aid)}` | `{_cell(d)}` | {n} | {_explanation(stats[aid].diagnosed.text_of(d))} |"
                  for aid, d, n in sorted(diagnoses, key=lambda t: (-t[2], t[0], t[1]))[:WORST_ITEMS]]
        lines.append("")
    return "\n".join(lines)


SUMMARY_FILE = Option("--summary", "also write a Markdown class summary (e.g. $GITHUB_STEP_SUMMARY)",
                      {"type": Path, "default": None, "metavar": "FILE"})


class MarkdownSummary(Output):
    """The summary as an output of the one pass over the results: written from the class view's figures."""

    name = "summary"
    description = "a Markdown page of class figures that names no student (a CI job's summary)"
    offers = {"grade": Offer(SUMMARY_FILE, ASKED), "merge": Offer(SUMMARY_FILE, ASKED)}

    def __init__(self, dest: Path, course: Course):
        self.dest, self.course = Path(dest), course

    def write(self, view) -> list[str]:
        write_atomic(self.dest, summary_markdown(view.stats, self.course))
        return []
