"""What `autograder grade` and `autograder merge` build from a whole results folder, in one pass.

Owns the choice and order of the outputs the one pass over the results feeds
(engine/results.py :func:`feed_results`, after grades.csv): the class figures (report/stats.py)
that the printed summary reads, then the JUnit XML, the Markdown summary and nbgrader's
gradebook, each only when asked for.  One streamed read of the folder serves them all.
"""
from __future__ import annotations

from pathlib import Path

from autograder.engine.course import Course
from autograder.engine.results import Output
from autograder.report.stats import ClassStats


def class_outputs(course: Course, junit: Path | None = None, summary: Path | None = None,
                  gradebook: str | None = None, submitted: Path | None = None) -> tuple[ClassStats, list[Output]]:
    """The class figures and every output of the pass, in the order they are written."""
    stats = ClassStats()
    outputs: list[Output] = [stats]
    if junit:
        from autograder.integrations.junit import JunitWriter

        outputs.append(JunitWriter(junit))
    if summary:
        from autograder.integrations.ci_summary import MarkdownSummaryWriter

        outputs.append(MarkdownSummaryWriter(stats, course, summary))
    if gradebook:
        from autograder.integrations.nbgrader_gradebook import GradebookWriter

        outputs.append(GradebookWriter(course, gradebook, submitted=submitted))
    return stats, outputs
