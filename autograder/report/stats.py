"""The class summary printed at the end of `autograder grade` (and reused by reports).

Owns the aggregation of result files into per-assignment figures; it streams the files so
that memory does not grow with the class.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

from autograder.engine.course import Course
from autograder.engine.results import iter_results


def class_summary(out: Path, course: Course) -> str:
    scores: dict[str, list[float]] = defaultdict(list)
    statuses: dict[str, Counter] = defaultdict(Counter)
    max_scores: dict[str, float] = {}
    for result in iter_results(out):
        aid = result["assignment"]
        scores[aid].append(result["score"])
        max_scores[aid] = result["max_score"]
        statuses[aid].update(item["status"] for item in result["items"])
    head = f"{'assignment':<12} {'students':>8} {'mean':>8} {'min':>6} {'max':>6} {'full':>5}  items passed/failed/error/timeout/missing"
    lines = [head, "-" * len(head)]
    for aid in course.assignments:
        if aid not in scores:
            continue
        s, top, c = scores[aid], max_scores[aid], statuses[aid]
        lines.append(f"{aid:<12} {len(s):>8} {sum(s) / len(s):>8.2f} {min(s):>6g} {max(s):>6g} "
                     f"{sum(1 for x in s if x == top):>5}  "
                     f"{c['passed']}/{c['failed']}/{c['error']}/{c['timeout']}/{c['missing']}  (of {top:g} points)")
    lines.append(f"results: {out}  (grades.csv, <student>/<assignment>.json and .md)")
    return "\n".join(lines)
