"""A Markdown class summary for a CI job page (``$GITHUB_STEP_SUMMARY``) or a chat message.

Owns the Markdown layout only; the counting is report.py's :class:`AssignmentStats`, read
from the result files one at a time.  The page names no student: a CI summary is seen by
everyone with access to the repository, so it shows class figures, per-item pass rates, the
items most often lost and the most common diagnosed mistakes.
"""
from __future__ import annotations

import html
import statistics
from collections import defaultdict
from pathlib import Path

from autograder.engine.course import Course
from autograder.report.html import STATUSES, AssignmentStats, ranked
from autograder.engine.results import iter_results, write_atomic

WORST_ITEMS = 10


def _cell(value) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _pct(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.0f}%" if whole else "–"


def _expand(stats: AssignmentStats) -> list[float]:
    return sorted(score for score, n in stats.scores.items() for _ in range(n))


def _item_order(course: Course, aid: str, stats: AssignmentStats) -> list[str]:
    known = [item.id for spec in course.functions_of(aid) for item in spec.items] if aid in course.assignments else []
    return [i for i in known if i in stats.items] + sorted(i for i in stats.items if i not in known)


def markdown_summary(results_dir: Path, course: Course) -> str:
    stats: dict[str, AssignmentStats] = defaultdict(AssignmentStats)
    problems: dict[str, int] = defaultdict(int)
    for result in iter_results(Path(results_dir)):
        stats[result["assignment"]].add(result)
        problems[result["assignment"]] += bool(result.get("errors"))
    order = [a for a in course.assignments if a in stats] + sorted(a for a in stats if a not in course.assignments)
    lines = [f"## {_cell(course.title)}: class results", ""]
    if not order:
        return "\n".join(lines + ["No result files were found.", ""])
    lines += ["| assignment | students | mean | median | min | max | full marks | submission problems |",
              "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for aid in order:
        s = stats[aid]
        scores = _expand(s)
        full = sum(n for score, n in s.scores.items() if score >= s.max_score)
        lines.append(f"| `{_cell(aid)}` | {s.students} | {statistics.fmean(scores):.2f} / {s.max_score:g} | "
                     f"{statistics.median(scores):g} | {scores[0]:g} | {scores[-1]:g} | "
                     f"{full} ({_pct(full, s.students)}) | {problems[aid]} |")
    lines.append("")
    worst = []
    for aid in order:
        s = stats[aid]
        lines += [f"<details><summary><code>{html.escape(aid)}</code>: pass rate of every item</summary>", "",
                  "| item | points | " + " | ".join(STATUSES) + " | pass rate |",
                  "|---|---:|" + "---:|" * len(STATUSES) + "---:|"]
        for item_id in _item_order(course, aid, s):
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
    diagnoses = [(aid, d, n) for aid in order for d, n in ranked(stats[aid].diagnoses)]
    if diagnoses:
        lines += ["### Most common recognised mistakes", "", "| assignment | mistake | items diagnosed |",
                  "|---|---|---:|"]
        lines += [f"| `{_cell(aid)}` | `{_cell(d)}` | {n} |"
                  for aid, d, n in sorted(diagnoses, key=lambda t: (-t[2], t[0], t[1]))[:WORST_ITEMS]]
        lines.append("")
    return "\n".join(lines)


def write_markdown_summary(results_dir: Path, course: Course, path: Path) -> str:
    """Write the summary of ``results_dir`` to ``path`` (replacing it) and return the Markdown.

    In GitHub Actions, write it to a file and append that file to ``$GITHUB_STEP_SUMMARY``,
    or pass ``$GITHUB_STEP_SUMMARY`` itself (each step has its own summary file)."""
    text = markdown_summary(results_dir, course)
    write_atomic(Path(path), text)
    return text
