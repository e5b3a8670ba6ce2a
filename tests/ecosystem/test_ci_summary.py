"""The Markdown summary for $GITHUB_STEP_SUMMARY: class figures and item pass rates, no student named."""
import re
from collections import Counter

from autograder.integrations.ci_summary import MarkdownSummary
from autograder.integrations.class_outputs import write_outputs


def write_markdown_summary(results_dir, course, path):
    """What ``grade --summary PATH`` does: the one pass builds the class figures, then the page."""
    write_outputs(results_dir, [MarkdownSummary(path, course)])
    return path.read_bytes().decode()


def table_rows(text, first_cell):
    return [[c.strip() for c in line.strip("|").split("|")] for line in text.splitlines()
            if line.startswith(f"| {first_cell}")]


def test_summary_figures_match_the_results(graded_class, tmp_path, course):
    out, results = graded_class
    text = write_markdown_summary(out, course, tmp_path / "summary.md")

    for aid in course.assignments:
        scores = [r["score"] for (s, a), r in results.items() if a == aid]
        [row] = table_rows(text, f"`{aid}` | {len(scores)} |")
        assert float(row[2].split("/")[0]) == round(sum(scores) / len(scores), 2)
        assert float(row[4]) == min(scores) and float(row[5]) == max(scores)
        full = sum(s == course.max_score(aid) for s in scores)
        assert row[6].startswith(f"{full} (")

    statuses = Counter((item["id"], item["status"]) for r in results.values() for item in r["items"])
    [row] = table_rows(text, "`rnn_backward.dWh`")
    counts = [statuses["rnn_backward.dWh", st] for st in ("passed", "failed", "error", "timeout", "missing")]
    assert [int(c) for c in row[2:7]] == counts
    assert row[7] == f"{100 * counts[0] / sum(counts):.0f}%"


def test_worst_items_come_first_and_no_student_is_named(graded_class, tmp_path, course):
    out, results = graded_class
    text = write_markdown_summary(out, course, tmp_path / "summary.md")
    lost = Counter()
    for r in results.values():
        for item in r["items"]:
            lost[r["assignment"], item["id"]] += item["max_score"] - item["score"]
    worst_section = text.split("Items most often lost")[1]
    first = re.search(r"\| `(\w+)` \| `([\w.]+)` \|", worst_section).groups()
    assert lost[first] == max(lost.values())
    for student in {s for s, _ in results}:
        assert student not in text


def test_no_results_still_writes_a_page(tmp_path, course):
    (tmp_path / "r").mkdir()
    assert "No result files" in write_markdown_summary(tmp_path / "r", course, tmp_path / "s.md")
