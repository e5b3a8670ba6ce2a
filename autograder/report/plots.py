"""The figures of `autograder report`: PNG bytes from aggregated numbers (matplotlib, Agg).

Owns the look of the three figures — per-item status bars, the score histogram and the
gradient-through-time profile of one wrong output.  No I/O and no wording in the course
language: figure text is English only (labels, ids), because no CJK font can be assumed
on a grading machine and a missing glyph renders as a box; the HTML around each figure
carries the course-language caption.

matplotlib is used without pyplot (``Figure`` + the Agg canvas), so no backend is chosen
and no global state is touched; the default style is applied inside each call so that a
user's matplotlibrc cannot change the output, and PNG metadata is fixed so that the same
numbers always give the same bytes.
"""
from __future__ import annotations

import io
import math
from typing import Sequence, TypeGuard

STATUS_ORDER = ("passed", "failed", "error", "timeout", "missing")
STATUS_COLORS = {  # Okabe–Ito: distinguishable with the common colour-vision deficiencies
    "passed": "#009E73", "failed": "#E69F00", "error": "#D55E00",
    "timeout": "#CC79A7", "missing": "#999999", "other": "#555555",
}
DPI = 100
_PNG_METADATA = {"Software": None}


def _matplotlib():
    try:
        import matplotlib
        import matplotlib.style
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:  # pragma: no cover - matplotlib is in requirements/run.in
        raise RuntimeError("matplotlib is needed to draw report figures (pip install matplotlib)") from exc
    return matplotlib, Figure, FigureCanvasAgg


def ascii_label(text: str) -> str:
    """Figure text must be renderable by the bundled DejaVu font: drop anything non-ASCII."""
    cleaned = "".join(ch if 32 <= ord(ch) < 127 else "?" for ch in str(text))
    return cleaned if len(cleaned) <= 60 else cleaned[:57] + "..."


def _render(draw, size: tuple[float, float]) -> bytes:
    matplotlib, Figure, FigureCanvasAgg = _matplotlib()
    with matplotlib.style.context("default"), matplotlib.rc_context(
            {"font.family": "DejaVu Sans", "font.size": 9, "axes.titlesize": 10,
             "svg.hashsalt": "rnnlab", "path.simplify": True}):
        fig = Figure(figsize=size, dpi=DPI)  # fixed margins: constrained layout doubles the time
        FigureCanvasAgg(fig)
        draw(fig)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=DPI, metadata=_PNG_METADATA)
    return buffer.getvalue()


def _count(counts: dict[str, int], status: str) -> int:
    if status == "other":  # a status this version does not know (a newer grader's result)
        return sum(n for s, n in counts.items() if s not in STATUS_ORDER)
    return counts.get(status, 0)


def item_status_bars(title: str, items: Sequence[tuple[str, dict[str, int]]]) -> bytes:
    """Horizontal stacked bars, one per item (in the given order, top to bottom): the share of
    students per status, with the pass rate and counts written at the end of each bar."""
    from matplotlib.ticker import PercentFormatter

    def draw(fig):
        ax = fig.add_subplot()
        labels = [ascii_label(item_id) for item_id, _ in items]
        ys = list(range(len(items)))
        totals = [sum(counts.values()) for _, counts in items]
        left = [0.0] * len(items)
        for status in (*STATUS_ORDER, "other"):
            widths = [100.0 * _count(counts, status) / total if total else 0.0
                      for (_, counts), total in zip(items, totals)]
            if any(widths):
                ax.barh(ys, widths, left=left, height=0.7, color=STATUS_COLORS[status],
                        label=status, edgecolor="white", linewidth=0.5)
            left = [a + b for a, b in zip(left, widths)]
        for y, (_, counts), total in zip(ys, items, totals):
            text = (f"{100.0 * counts.get('passed', 0) / total:.1f}% ({counts.get('passed', 0)}/{total})"
                    if total else "no results")
            ax.text(101.5, y, text, va="center", ha="left", fontsize=8)
        ax.set_yticks(ys, labels, fontfamily="DejaVu Sans Mono", fontsize=8)
        ax.set_ylim(len(items) - 0.5, -0.5)
        ax.set_xlim(0, 100)
        ax.xaxis.set_major_formatter(PercentFormatter())
        ax.set_xlabel("share of students")
        ax.set_title(ascii_label(title) + ": result per item")
        ax.spines[["top", "right"]].set_visible(False)
        if any(totals):
            fig.legend(loc="lower center", ncols=6, frameon=False, fontsize=8)
        label_inches = 0.25 + 0.07 * max((len(label) for label in labels), default=0)
        fig.subplots_adjust(left=min(0.5, label_inches / width), right=1 - 1.25 / width,
                            top=1 - 0.4 / height, bottom=0.8 / height)

    width, height = 8.0, 1.2 + 0.28 * max(len(items), 1)
    return _render(draw, (width, height))


def _score_bins(scores: dict[float, int], top: float) -> list[float]:
    """One bar per possible score when scores are whole (or half) points, centred on the score;
    otherwise 20 equal bins on [0, top]."""
    for step in (1.0, 0.5):
        if top / step <= 60 and all(float(v / step).is_integer() for v in scores):
            count = int(math.ceil(top / step)) + 1
            return [(k - 0.5) * step for k in range(count + 1)]
    return [top * i / 20 for i in range(21)]


def score_histogram(title: str, scores: dict[float, int], max_score: float) -> bytes:
    """Students per score bin on [0, max_score], with the mean marked."""
    from matplotlib.ticker import MaxNLocator

    def draw(fig):
        ax = fig.add_subplot()
        top = max(max_score, max(scores, default=0.0), 1e-9)
        edges = _score_bins(scores, top)
        values = sorted(scores)
        ax.hist(values, bins=edges, weights=[scores[v] for v in values],
                color="#0072B2", edgecolor="white", linewidth=0.8)
        students = sum(scores.values())
        mean = sum(v * n for v, n in scores.items()) / students if students else 0.0
        ax.axvline(mean, color="#D55E00", linestyle="--", linewidth=1.2, label=f"mean {mean:.2f}")
        ax.set_xlim(min(0.0, edges[0]), max(top, edges[-1]))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel(f"score (of {max_score:g} points)")
        ax.set_ylabel("students")
        ax.set_title(f"{ascii_label(title)}: scores of {students} student(s)")
        ax.spines[["top", "right"]].set_visible(False)
        ax.legend(frameon=False, fontsize=8)
        fig.subplots_adjust(left=0.1, right=0.97, bottom=0.16, top=0.9)

    return _render(draw, (6.0, 3.2))


def valid_profile(profile) -> TypeGuard[dict]:
    """A profile as written by compare.time_profile: three equally long lists of finite numbers."""
    if not isinstance(profile, dict):
        return False
    series = [profile.get(key) for key in ("student_norm", "reference_norm", "error")]
    lists = [s for s in series if isinstance(s, list) and s]
    if len(lists) != len(series) or len({len(s) for s in lists}) != 1:
        return False
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
               for s in lists for v in s)


def gradient_profile(item_id: str, profile: dict) -> bytes:
    """The student's per-time-step norms against the reference's (log scale), and the
    per-step relative error below: shows *where* in time an output goes wrong."""
    from matplotlib.ticker import MaxNLocator

    student = [abs(float(v)) for v in profile["student_norm"]]
    reference = [abs(float(v)) for v in profile["reference_norm"]]
    error = [float(v) for v in profile["error"]]
    steps = list(range(len(student)))
    positive = [v for v in student + reference if v > 0]
    floor = min(positive) / 10.0 if positive else 1e-12

    def draw(fig):
        top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[2, 1])
        top.plot(steps, [max(v, floor) for v in reference], marker="o", color="#0072B2",
                 linewidth=1.8, label="reference")
        top.plot(steps, [max(v, floor) for v in student], marker="s", color="#D55E00",
                 linewidth=1.5, linestyle="--", label="yours")
        zeros = [t for t, v in enumerate(student) if v == 0]
        if zeros:
            top.scatter(zeros, [floor] * len(zeros), marker="v", s=60, color="#D55E00", zorder=3,
                        label="yours = 0 (drawn at the bottom)")
        top.set_yscale("log")
        top.set_ylabel("norm at step t\n||x[:, t]||")
        top.set_title(f"{ascii_label(item_id)}: per time step")
        top.legend(loc="best", frameon=False, fontsize=8)
        top.grid(True, which="major", alpha=0.3)
        colors = ["#009E73" if e <= 1e-6 else "#E69F00" for e in error]
        bottom.bar(steps, error, color=colors, width=0.6)
        bottom.set_ylim(0, max(1.0, max(error, default=0.0)))
        bottom.set_ylabel("relative error")
        bottom.set_xlabel("time step t")
        bottom.xaxis.set_major_locator(MaxNLocator(integer=True))
        bottom.grid(True, axis="y", alpha=0.3)
        for ax in (top, bottom):
            ax.spines[["top", "right"]].set_visible(False)
        fig.subplots_adjust(left=0.15, right=0.97, top=0.93, bottom=0.11, hspace=0.12)

    return _render(draw, (6.0, 4.2))
