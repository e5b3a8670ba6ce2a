"""Class figures from the result files: the one aggregation every output of a results folder reads.

Owns the class view (:class:`ClassView`) that the one pass over a results folder builds
(grading/results.py :func:`feed_results`) before any output is written: the counting of result
files into per-assignment and class-wide figures (:class:`ClassStats`: scores, item statuses,
diagnosed mistakes with the explanation the result files carry, printed as they are:
docs/ARCHITECTURE.md) and, for the outputs that list students, each student's score per
assignment (:class:`ScoreTable`).  Results come one at a time (``add``); the figures' memory
grows with the number of distinct scores, items and diagnoses, never with the class; the
score table (built only when an output reads it) holds two numbers per result.

Read by: the summary printed at the end of `autograder grade` / `merge`
(:func:`class_summary`), the HTML report and items.csv (html.py), the CI summary
(ci_summary.py) and the grade exports (lms.py).
"""
from __future__ import annotations

import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from autograder.grading.course import Course
from autograder.grading.errors import UsageError
from autograder.grading.results import item_explanation
from autograder.grading.terminal import render_terminal

TOP_DIAGNOSES = 10
TEXTS_PER_DIAGNOSIS = 20  # distinct explanation texts counted per diagnosis (generic ones carry parameters)


def ranked(diagnoses: Counter) -> list[tuple[str, int]]:
    """Most frequent first; ties by id, so the order is stable."""
    return sorted(diagnoses.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_DIAGNOSES]


@dataclass
class DiagnosisCounts:
    """How often recognised mistakes occur: items, students, where, and what the items said."""

    items: Counter = field(default_factory=Counter)  # diagnosis -> items diagnosed
    students: Counter = field(default_factory=Counter)  # diagnosis -> students
    where: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))  # diagnosis -> item id -> n
    texts: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))  # diagnosis -> (expl, hint) -> n

    def add_item(self, diagnosis: str, item_id: str, item: dict) -> None:
        self.items[diagnosis] += 1
        self.where[diagnosis][item_id] += 1
        text = item_explanation(item)
        texts = self.texts[diagnosis]
        if text is not None and (len(texts) < TEXTS_PER_DIAGNOSIS or (text["explanation"], text["hint"]) in texts):
            texts[text["explanation"], text["hint"]] += 1

    def most_common(self) -> list[tuple[str, int]]:
        """The mistakes most students made, first (then by items, then by id): one student whose
        bug touches six items does not outrank a mistake five students made.  Pairs (diagnosis,
        items diagnosed), at most TOP_DIAGNOSES."""
        order = sorted(self.items, key=lambda d: (-self.students.get(d, 0), -self.items[d], d))
        return [(d, self.items[d]) for d in order[:TOP_DIAGNOSES]]

    def text_of(self, diagnosis: str) -> dict | None:
        """The explanation and hint most items with ``diagnosis`` carried (first seen on a tie)."""
        texts = self.texts.get(diagnosis)
        if not texts:
            return None
        (explanation, hint), _ = texts.most_common(1)[0]
        return {"explanation": explanation, "hint": hint}


@dataclass
class AssignmentStats:
    max_score: float = 0.0
    scores: Counter = field(default_factory=Counter)  # score -> students
    items: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))  # item -> status counts
    item_points: dict[str, float] = field(default_factory=dict)
    item_diagnoses: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    diagnosed: DiagnosisCounts = field(default_factory=DiagnosisCounts)
    problems: int = 0  # results with submission errors (notebook, crash, time-out)

    @property
    def students(self) -> int:
        return sum(self.scores.values())

    def scores_sorted(self) -> list[float]:
        return sorted(score for score, n in self.scores.items() for _ in range(n))

    def full_marks(self, max_score: float | None = None) -> int:
        top = self.max_score if max_score is None else max_score
        return sum(n for s, n in self.scores.items() if s >= top)

    def add(self, result: dict) -> None:
        """Count one result file."""
        self.max_score = max(self.max_score, float(result.get("max_score") or 0.0))
        self.scores[float(result.get("score") or 0.0)] += 1
        self.problems += bool(result.get("errors"))
        seen = set()
        for item in result.get("items", []):
            item_id = str(item.get("id"))
            self.items[item_id][str(item.get("status"))] += 1
            self.item_points.setdefault(item_id, float(item.get("max_score") or 0.0))
            diagnosis = item.get("diagnosis")
            if diagnosis:
                diagnosis = str(diagnosis)
                self.diagnosed.add_item(diagnosis, item_id, item)
                self.item_diagnoses[item_id][diagnosis] += 1
                seen.add(diagnosis)
        self.diagnosed.students.update(seen)


class ClassStats:
    """Every class figure, from result files fed one at a time (in :func:`iter_results` order)."""

    def __init__(self) -> None:
        self.assignments: dict[str, AssignmentStats] = defaultdict(AssignmentStats)
        self.diagnosed = DiagnosisCounts()  # class-wide: students counted once over their assignments
        self.files = 0
        self.students = 0
        self._last_student: object = object()
        self._last_student_of: dict[str, str] = {}  # diagnosis -> the last student counted for it

    def add(self, result: dict) -> None:
        self.files += 1
        student = str(result.get("student"))
        if student != self._last_student:  # results come grouped by student (iter_results)
            self.students += 1
            self._last_student = student
        self.assignments[str(result.get("assignment"))].add(result)
        for item in result.get("items", []):
            if item.get("diagnosis"):
                diagnosis = str(item["diagnosis"])
                self.diagnosed.add_item(diagnosis, str(item.get("id")), item)
                if self._last_student_of.get(diagnosis) != student:
                    self._last_student_of[diagnosis] = student
                    self.diagnosed.students[diagnosis] += 1

    def order(self, course: Course) -> list[str]:
        """The course's assignments that have results, then unknown ones by id."""
        known = [a for a in course.assignments if a in self.assignments]
        return known + sorted(a for a in self.assignments if a not in course.assignments)

    def item_order(self, course: Course, assignment: str) -> list[str]:
        """The assignment's items in course order, then items the course does not know, by id."""
        stats = self.assignments[assignment]
        known = []
        if assignment in course.assignments:
            known = [item.id for spec in course.functions_of(assignment) for item in spec.items]
        return known + sorted(i for i in stats.items if i not in known)


class ScoreTable:
    """Each student's score and maximum per assignment, students in the order the pass met them."""

    def __init__(self) -> None:
        self.by_student: dict[str, dict[str, tuple[float, float]]] = {}
        self.max_score: dict[str, float] = {}  # assignment -> max_score of its last result read

    def add(self, result: dict) -> None:
        student, assignment = str(result.get("student")), str(result.get("assignment"))
        score, top = float(result.get("score") or 0.0), float(result.get("max_score") or 0.0)
        self.by_student.setdefault(student, {})[assignment] = (score, top)
        self.max_score[assignment] = top

    def score(self, student: str, assignment: str) -> float | None:
        entry = self.by_student.get(student, {}).get(assignment)
        return None if entry is None else entry[0]

    def assignments(self, course: Course) -> list[str]:
        """The course's assignments that have results, in its order, then unknown ones by id."""
        return [a for a in course.assignments if a in self.max_score] + sorted(a for a in self.max_score
                                                                               if a not in course.assignments)


class ClassView:
    """What the one pass over ``folder`` builds before any output writes, and every output reads:
    the class figures (``stats``) and, when ``scores`` is asked for, the :class:`ScoreTable`."""

    def __init__(self, folder: Path, scores: bool = False):
        self.folder = Path(folder)
        self.stats = ClassStats()
        self.scores = ScoreTable() if scores else None

    def add(self, result: dict) -> None:
        self.stats.add(result)
        if self.scores is not None:
            self.scores.add(result)

    @property
    def files(self) -> int:
        return self.stats.files

    def require_results(self) -> None:
        """For an output that has nothing to say about an empty folder: a :class:`UsageError`."""
        if not self.files:
            raise UsageError("usage.no-result-files", path=self.folder)


def class_summary(stats: ClassStats, course: Course, out: Path, language: str = "en") -> str:
    """The table printed at the end of `autograder grade` and `autograder merge`, in ``language``."""
    *columns, items = (render_terminal(code, language) for code, _ in SUMMARY_COLUMNS)
    first = max(-SUMMARY_COLUMNS[0][1], *(len(aid) for aid in course.assignments))  # "architectures" is 13
    widths = [-first, *(width for _, width in SUMMARY_COLUMNS[1:])]
    head = " ".join(_pad(text, width) for text, width in zip(columns, widths)) + "  " + items
    lines = [head, "-" * _width(head)]
    for aid in course.assignments:
        if aid not in stats.assignments:
            continue
        a = stats.assignments[aid]
        s, top = a.scores_sorted(), a.max_score
        c: Counter = Counter()
        for counts in a.items.values():
            c.update(counts)
        lines.append(f"{aid:<{first}} {len(s):>8} {sum(s) / len(s):>8.2f} {min(s):>6g} {max(s):>6g} "
                     f"{sum(1 for x in s if x == top):>5}  "
                     f"{c['passed']}/{c['failed']}/{c['error']}/{c['timeout']}/{c['missing']}  "
                     + render_terminal("cli.summary-of-points", language, points=top))
    lines.append(render_terminal("cli.summary-results", language, out=out))
    return "\n".join(lines)


SUMMARY_COLUMNS = (("cli.summary-assignment", -12), ("cli.summary-students", 8), ("cli.summary-mean", 8),
                   ("cli.summary-min", 6), ("cli.summary-max", 6), ("cli.summary-full", 5), ("cli.summary-items", 0))


def _width(text: str) -> int:
    """Columns ``text`` takes on a terminal (a Hangul syllable takes two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    """``text`` right-aligned in ``width`` columns (left-aligned for a negative width)."""
    fill = " " * max(0, abs(width) - _width(text))
    return text + fill if width < 0 else fill + text
