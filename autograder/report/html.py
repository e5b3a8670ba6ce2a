"""`autograder report RESULTS [--out DIR]`: a static HTML report of a graded class.

Two outputs of the one pass over ``RESULTS/<student>/<assignment>.json`` (integrations/class_outputs.py):
:class:`HtmlReport` takes the results as they go by (one student's results in memory at a time)
and :class:`ItemsCsv` only the class view (report/stats.py).  They write into DIR (default
``RESULTS/report``):

- ``index.html``: per assignment the score histogram, the result of every item (table and
  bar chart), the most common diagnosed mistakes, and a link to every student's page;
- ``items.csv``: the pass rate of every item;
- ``figures/*.png``: the class figures;
- ``students/<student>.html``: a student's items with status, points, message and the
  explanation of any recognised mistake, plus — for a wrong per-time-step output that
  carries a ``profile`` — the student's norms through time against the reference's
  (``students/<student>/*.png``).

Pages are static and self-contained (inline CSS, no script, relative links); every string
read from a result file is HTML-escaped.  Figures are English-only (see plots.py); the
text around them is in the course language.
"""
from __future__ import annotations

import hashlib
import html
import io
import os
import re
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from autograder.report import plots
from autograder.grading.score import STATUSES
from autograder.report.stats import ClassStats, ClassView, DiagnosisCounts, ScoreTable, ranked
from autograder.grading.course import Course
from autograder.grading.errors import UsageError
from autograder.student.messages import STATUS_LABEL, Nested, render
from autograder.grading.results import Offer, Option, Output, csv_writer, item_explanation, write_atomic

ITEMS_CSV_COLUMNS = ["assignment_id", "item_id", "max_points", "students", "passed", "failed", "error",
                     "timeout", "missing", "pass_rate_percent", "top_diagnosis"]

def text(code: str, language: str, **params) -> str:
    return render(code, language, **params)


# ----------------------------------------------------------------------- helpers


def esc(value) -> str:
    return html.escape(str(value), quote=True)


def esc_code(value) -> str:
    """Escaped text in which `backticked` spans become <code> (safe: the span is escaped first)."""
    return re.sub(r"`([^`\n]+)`", r"<code>\1</code>", esc(value))


def safe_name(name: str) -> str:
    """A file name for a student or assignment id: the id itself when harmless, else a cleaned,
    hash-suffixed version (so that two different ids never share a page)."""
    name = str(name)
    if re.fullmatch(r"[\w-][\w.-]{0,99}", name) and name not in ("figures", "students"):
        return name
    cleaned = re.sub(r"[^\w.-]+", "_", name).lstrip(".")[:60] or "_"
    return f"{cleaned}-{hashlib.sha256(name.encode('utf-8', 'surrogatepass')).hexdigest()[:10]}"


def href(*parts: str) -> str:
    return "/".join(quote(p, safe="") for p in parts)


def write_bytes_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def status_label(status: str, language: str) -> str:
    code = STATUS_LABEL.get(status)
    return render(code, language) if code else text("report.status-other", language)


def status_class(status: str) -> str:
    return status if status in STATUSES else "other"


def percent(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.1f}%" if whole else "–"


def points_of(course: Course, stats: ClassStats, assignment: str, item_id: str) -> float:
    """An item's points: course.yaml's, else what its results said."""
    if assignment in course.assignments:
        for spec in course.functions_of(assignment):
            for item in spec.items:
                if item.id == item_id:
                    return item.points
    return stats.assignments[assignment].item_points.get(item_id, 0.0)


REPORT_FOLDER = Option("--out", "report folder (default: RESULTS/report)", {"type": Path, "default": None})


def report_folder(given: Path | None, results: Path) -> Path:
    return Path(given) if given is not None else Path(results) / "report"


@dataclass
class StudentRow:
    student: str
    page: str


class HtmlReport(Output):
    """The report's pages and figures: a student's page as soon as the pass has read their results,
    the class pages from the finished view."""

    name = "report"
    description = "static HTML pages: pass rates, score histograms, common mistakes, one page per student"
    offers = {"report": Offer(REPORT_FOLDER)}
    reads_scores = True

    def __init__(self, dest: Path, course: Course):
        try:
            import matplotlib  # noqa: F401 - an optional dependency of the autograder package
        except ImportError:
            raise UsageError("usage.needs-matplotlib") from None
        self.out = self.dest = Path(dest)
        self.course = course
        self.language = course.language if course.language in ("ko", "en") else "en"
        self.stats = ClassStats()  # the class figures: the view's, once the pass is over
        self.scores = ScoreTable()  # the view's, once the pass is over
        self.students: list[StudentRow] = []
        self._current: list[dict] = []

    @classmethod
    def destination(cls, given, folder: Path, course: Course) -> Path:
        return report_folder(given, folder)

    def t(self, code: str, **params) -> str:
        return text(code, self.language, **params)

    def title_of(self, assignment: str) -> str:
        a = self.course.assignments.get(assignment)
        if a is None:
            return assignment
        return a.title_ko if self.language == "ko" else a.title

    @property
    def files(self) -> int:
        return self.stats.files

    def assignment_order(self) -> list[str]:
        return self.stats.order(self.course)

    def item_order(self, assignment: str) -> list[str]:
        return self.stats.item_order(self.course, assignment)

    def points_of(self, assignment: str, item_id: str) -> float:
        return points_of(self.course, self.stats, assignment, item_id)

    # ------------------------------------------------------------------ the pass

    def add(self, result: dict) -> None:
        if self._current and result.get("student") != self._current[0].get("student"):
            self.finish_student(self._current)
            self._current = []
        self._current.append(result)

    def write(self, view: ClassView) -> list[Nested]:
        view.require_results()
        assert view.scores is not None  # reads_scores
        self.stats, self.scores = view.stats, view.scores
        self.finish_student(self._current)
        self._current = []
        self.write_class_pages()
        return [Nested("cli.report-done", index=self.out / "index.html", students=len(self.students), files=self.files)]

    def finish_student(self, results: list[dict]) -> None:
        student = str(results[0].get("student"))
        order = {a: i for i, a in enumerate(self.course.assignments)}
        results.sort(key=lambda r: (order.get(r.get("assignment", ""), len(order)), str(r.get("assignment"))))
        page = safe_name(student)
        self.students.append(StudentRow(student, page))
        self.write_student_page(student, page, results)

    # ----------------------------------------------------------- student pages

    def write_student_page(self, student: str, page: str, results: list[dict]) -> None:
        figure_dir = self.out / "students" / page
        if figure_dir.is_dir():  # figures of an earlier report of this student
            for old in figure_dir.glob("*.png"):
                old.unlink()
        body = [f'<p class="nav"><a href="../index.html">← {esc(self.t("report.back"))}</a></p>',
                f"<h1>{esc(self.t('report.student-title', student=student))}</h1>"]
        for result in results:
            assignment = str(result.get("assignment"))
            body.append(f'<section><h2>{esc(self.title_of(assignment))} '
                        f'<span class="id">({esc(assignment)})</span> — '
                        f'{esc(self.t("report.score", score=float(result.get("score") or 0), max_score=float(result.get("max_score") or 0)))}'
                        f"</h2>")
            errors = result.get("errors") or []
            if errors:
                body.append(f"<h3>{esc(self.t('report.errors'))}</h3><ul>")
                body += [f"<li>{esc_code(e)}</li>" for e in errors]
                body.append("</ul>")
            body.append(self.student_items_table(result.get("items", [])))
            details = [self.item_detail(student, page, assignment, item) for item in result.get("items", [])]
            details = [d for d in details if d]
            if details:
                body.append(f"<h3>{esc(self.t('report.what-went-wrong'))}</h3>")
                body += details
            items = result.get("items", [])
            if items and all(item.get("status") == "passed" for item in items):
                body.append(f'<p class="ok">{esc(self.t("report.all-passed"))}</p>')
            body.append("</section>")
        title = self.t("report.student-title", student=student)
        write_atomic(self.out / "students" / f"{page}.html", page_html(self.language, title, body))

    def student_items_table(self, items: list[dict]) -> str:
        rows = [f"<table><thead><tr><th>{esc(self.t('report.col-item'))}</th>"
                f"<th class=num>{esc(self.t('report.col-points'))}</th>"
                f"<th>{esc(self.t('report.col-result'))}</th><th>{esc(self.t('report.col-message'))}</th>"
                f"</tr></thead><tbody>"]
        for item in items:
            status = str(item.get("status"))
            rows.append(f'<tr class="{status_class(status)}"><td><code>{esc(item.get("id"))}</code></td>'
                        f'<td class=num>{float(item.get("score") or 0):g} / {float(item.get("max_score") or 0):g}</td>'
                        f'<td><span class="badge {status_class(status)}">{esc(status_label(status, self.language))}'
                        f'</span></td><td>{esc_code(item.get("message", ""))}</td></tr>')
        rows.append("</tbody></table>")
        return "".join(rows)

    def item_detail(self, student: str, page: str, assignment: str, item: dict) -> str:
        diagnosis = item.get("diagnosis")
        profile = item.get("profile")
        plotted = profile if item.get("status") != "passed" and plots.valid_profile(profile) else None
        if not diagnosis and plotted is None:
            return ""
        item_id = str(item.get("id"))
        parts = [f'<div class="detail"><h4><code>{esc(item_id)}</code></h4>']
        if diagnosis:
            parts.append(self.diagnosis_html(str(diagnosis), item_explanation(item)))
        if plotted is not None:
            name = f"{safe_name(assignment)}--{safe_name(item_id)}.png"
            write_bytes_atomic(self.out / "students" / page / name, plots.gradient_profile(item_id, plotted))
            alt = self.t("report.profile-alt", item=item_id)
            parts.append(f'<figure class="profile"><img src="{esc(href(page, name))}" alt="{esc(alt)}">'
                         f"<figcaption>{esc(self.t('report.profile-caption'))}</figcaption></figure>")
        parts.append("</div>")
        return "".join(parts)

    def diagnosis_html(self, diagnosis: str, entry: dict | None) -> str:
        """The item's explanation and hint as graded (docs/ARCHITECTURE.md); the bare id when it has none."""
        if entry is None:
            return (f'<p class="diagnosis"><code>{esc(diagnosis)}</code> '
                    f'<span class="muted">{esc(self.t("report.no-explanation"))}</span></p>')
        out = [f'<p class="diagnosis">{esc_code(entry["explanation"])} '
               f'<span class="muted">(<code>{esc(diagnosis)}</code>)</span></p>']
        if entry.get("hint"):
            out.append(f'<p class="hint"><strong>{esc(self.t("report.hint"))}:</strong> {esc_code(entry["hint"])}</p>')
        return "".join(out)

    # ------------------------------------------------------------- class pages

    def write_class_pages(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        course_title = self.course.title
        body = [f"<h1>{esc(self.t('report.title', course=course_title))}</h1>",
                f"<p>{esc(self.t('report.overview', students=len(self.students), files=self.files))} "
                f'<a href="items.csv">{esc(self.t("report.csv-link"))}</a></p>',
                f"<nav><h2>{esc(self.t('report.assignments'))}</h2><ul>"]
        for assignment in self.assignment_order():
            body.append(f'<li><a href="#a-{esc(safe_name(assignment))}">{esc(self.title_of(assignment))}</a>'
                        f' <span class="id">({esc(assignment)})</span></li>')
        body.append(f'<li><a href="#students">{esc(self.t("report.students"))}</a></li></ul></nav>')
        body.append(f"<section><h2>{esc(self.t('report.top-diagnoses'))}</h2>")
        body.append(self.diagnoses_table(self.stats.diagnosed))
        body.append("</section>")
        for assignment in self.assignment_order():
            body.append(self.assignment_section(assignment))
        body.append(self.students_table())
        write_atomic(self.out / "index.html",
                     page_html(self.language, self.t("report.title", course=course_title), body))

    def assignment_section(self, assignment: str) -> str:
        stats = self.stats.assignments[assignment]
        max_score = max(stats.max_score, self.course.max_score(assignment) if assignment in self.course.assignments else 0.0)
        title = self.title_of(assignment)
        students = stats.students
        mean = sum(s * n for s, n in stats.scores.items()) / students
        full = stats.full_marks(max_score)
        key = safe_name(assignment)
        items = self.item_order(assignment)
        hist_name, bars_name = f"{key}.scores.png", f"{key}.items.png"
        write_bytes_atomic(self.out / "figures" / hist_name, plots.score_histogram(assignment, stats.scores, max_score))
        write_bytes_atomic(self.out / "figures" / bars_name,
                           plots.item_status_bars(assignment, [(i, stats.items.get(i, Counter())) for i in items]))
        parts = [f'<section id="a-{esc(key)}"><h2>{esc(title)} <span class="id">({esc(assignment)})</span></h2>',
                 f"<p>{esc(self.t('report.assignment-stats', students=students, mean=mean, max_score=max_score, low=min(stats.scores), high=max(stats.scores), full=full))}</p>",
                 '<div class="figures">',
                 f'<figure><img src="{esc(href("figures", hist_name))}" alt="{esc(self.t("report.histogram-alt", assignment=title))}">'
                 f"<figcaption>{esc(self.t('report.histogram-caption'))}</figcaption></figure>",
                 f'<figure><img src="{esc(href("figures", bars_name))}" alt="{esc(self.t("report.items-alt", assignment=title))}">'
                 f"<figcaption>{esc(self.t('report.items-caption'))}</figcaption></figure>",
                 "</div>"]
        head = "".join(f"<th class=num>{esc(status_label(s, self.language))}</th>" for s in STATUSES)
        parts.append(f"<table><thead><tr><th>{esc(self.t('report.col-item'))}</th>"
                     f"<th class=num>{esc(self.t('report.col-points'))}</th>"
                     f"<th class=num>{esc(self.t('report.col-students'))}</th>{head}"
                     f"<th class=num>{esc(self.t('report.col-pass-rate'))}</th>"
                     f"<th>{esc(self.t('report.col-top-diagnosis'))}</th></tr></thead><tbody>")
        for item_id in items:
            counts = stats.items.get(item_id, Counter())
            total = sum(counts.values())
            cells = "".join(f"<td class=num>{counts.get(s, 0)}</td>" for s in STATUSES)
            top = ranked(stats.item_diagnoses.get(item_id, Counter()))
            top_html = f"<code>{esc(top[0][0])}</code> ×{top[0][1]}" if top else ""
            parts.append(f"<tr><td><code>{esc(item_id)}</code></td><td class=num>{self.points_of(assignment, item_id):g}</td>"
                         f"<td class=num>{total}</td>{cells}<td class=num>{percent(counts.get('passed', 0), total)}</td>"
                         f"<td>{top_html}</td></tr>")
        parts.append("</tbody></table>")
        parts.append(f"<h3>{esc(self.t('report.top-diagnoses-of', assignment=title))}</h3>")
        parts.append(self.diagnoses_table(stats.diagnosed))
        parts.append("</section>")
        return "".join(parts)

    def diagnoses_table(self, counts: DiagnosisCounts) -> str:
        """The most common mistakes, each with the explanation its items carry (the most common text)."""
        top = counts.most_common()
        if not top:
            return f'<p class="muted">{esc(self.t("report.no-diagnoses"))}</p>'
        rows = [f'<table class="diagnoses"><thead><tr><th class=num>{esc(self.t("report.col-rank"))}</th>'
                f"<th>{esc(self.t('report.col-mistake'))}</th><th>{esc(self.t('report.col-explanation'))}</th>"
                f"<th class=num>{esc(self.t('report.col-count'))}</th>"
                f"<th class=num>{esc(self.t('report.col-students'))}</th>"
                f"<th>{esc(self.t('report.col-items'))}</th></tr></thead><tbody>"]
        for rank, (diagnosis, count) in enumerate(top, 1):
            entry = counts.text_of(diagnosis)
            if entry is None:
                explanation = f'<span class="muted">{esc(self.t("report.no-explanation"))}</span>'
            else:
                explanation = esc_code(entry["explanation"])
                if entry.get("hint"):
                    explanation += f'<br><span class="hint"><strong>{esc(self.t("report.hint"))}:</strong> {esc_code(entry["hint"])}</span>'
            where = ", ".join(f"<code>{esc(i)}</code> ×{n}" for i, n in ranked(counts.where.get(diagnosis, Counter())))
            rows.append(f'<tr><td class=num>{rank}</td><td><code class="diagnosis-id">{esc(diagnosis)}</code></td>'
                        f"<td>{explanation}</td><td class=num>{count}</td><td class=num>{counts.students.get(diagnosis, 0)}</td>"
                        f"<td>{where}</td></tr>")
        rows.append("</tbody></table>")
        return "".join(rows)

    def students_table(self) -> str:
        assignments = self.assignment_order()
        head = "".join(f"<th class=num>{esc(self.title_of(a))}</th>" for a in assignments)
        rows = [f'<section id="students"><h2>{esc(self.t("report.students"))}</h2>',
                f"<table><thead><tr><th>{esc(self.t('report.col-student'))}</th>{head}"
                f"<th class=num>{esc(self.t('report.col-total'))}</th></tr></thead><tbody>"]
        order = {a: i for i, a in enumerate(self.course.assignments)}
        for row in self.students:
            scores = self.scores.by_student[row.student]
            cells = []
            for a in assignments:
                if a in scores:
                    score, top = scores[a]
                    cells.append(f"<td class=num>{score:g} / {top:g}</td>")
                else:
                    cells.append(f"<td class=num>{esc(self.t('report.not-submitted'))}</td>")
            done = [scores[a] for a in sorted(scores, key=lambda a: (order.get(a, len(order)), a))]
            total = sum(s for s, _ in done)
            top_total = sum(m for _, m in done)
            rows.append(f'<tr><td><a href="{esc(href("students", row.page + ".html"))}">{esc(row.student)}</a></td>'
                        f"{''.join(cells)}<td class=num>{total:g} / {top_total:g}</td></tr>")
        rows.append("</tbody></table></section>")
        return "".join(rows)



class ItemsCsv(Output):
    """The report's items.csv: the pass rate of every item, from the class view's figures."""

    name = "items.csv"
    description = "the report's table of every item: points, students, statuses, pass rate, top diagnosis"
    offers = {"report": Offer(REPORT_FOLDER)}

    def __init__(self, dest: Path, course: Course):
        self.dest, self.course = Path(dest), course

    @classmethod
    def destination(cls, given, folder: Path, course: Course) -> Path:
        return report_folder(given, folder) / "items.csv"

    def write(self, view: ClassView) -> list[Nested]:
        view.require_results()
        stats = view.stats
        buffer = io.StringIO()
        writer = csv_writer(buffer, lineterminator="\n")
        writer.writerow(ITEMS_CSV_COLUMNS)
        for assignment in stats.order(self.course):
            figures = stats.assignments[assignment]
            for item_id in stats.item_order(self.course, assignment):
                counts = figures.items.get(item_id, Counter())
                total = sum(counts.values())
                top = ranked(figures.item_diagnoses.get(item_id, Counter()))
                writer.writerow([assignment, item_id, f"{points_of(self.course, stats, assignment, item_id):g}", total,
                                 *(counts.get(s, 0) for s in STATUSES),
                                 f"{100.0 * counts.get('passed', 0) / total:.1f}" if total else "",
                                 top[0][0] if top else ""])
        write_atomic(self.dest, buffer.getvalue())
        return []


STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans KR","Apple SD Gothic Neo","Malgun Gothic",sans-serif;
max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.8em 0;font-size:.92em}
th,td{border:1px solid #ddd;padding:.3em .55em;vertical-align:top;text-align:left}
th{background:#f4f4f4}td.num,th.num{text-align:right;white-space:nowrap}
code{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:.95em}
.id,.muted{color:#777;font-weight:normal}
.figures{display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start}
figure{margin:0}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.85em;color:#555;max-width:640px}
.badge{padding:0 .4em;border-radius:3px;color:#fff;white-space:nowrap}
.badge.passed{background:#00795a}.badge.failed{background:#b36b00}.badge.error{background:#b34700}
.badge.timeout{background:#a0527f}.badge.missing,.badge.other{background:#777}
.detail{border-left:3px solid #E69F00;padding:.1em 1em;margin:1em 0}
.hint{color:#333}.ok{color:#00795a;font-weight:bold}.nav{font-size:.9em}
"""


def page_html(language: str, title: str, body: list[str]) -> str:
    return (f'<!DOCTYPE html>\n<html lang="{esc(language)}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{esc(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")
