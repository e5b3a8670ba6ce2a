"""The most common mistakes are the ones most students made, not the ones that touched most items."""
from __future__ import annotations

import re

from autograder.grading.results import write_result
from autograder.report.stats import ClassStats
from autograder.grading.results import feed_results

from .conftest import _write, run_report

LSTM_ITEMS = ["lstm_step_forward.next_h", "lstm_step_forward.next_c", "lstm_forward.h",
              "lstm_step_backward.dx", "lstm_backward.dx", "lstm_backward.dWx"]


def _class(out, course):
    """One student whose LSTM bug touches six items; five students who share one rnn mistake."""
    fail = lambda diagnosis: {"status": "failed", "message": "relative error 0.9", "diagnosis": diagnosis}
    _write(out, course, "lone", "lstm", {item: fail("lstm-gate-order") for item in LSTM_ITEMS})
    for k in range(5):
        _write(out, course, f"s{k}", "rnn", {"rnn_backward.dWh": fail("bptt-no-carry")})
    return out


def test_a_mistake_five_students_made_outranks_one_students_six_items(tmp_path, shipped_course):
    known = {item.id for spec in shipped_course.functions_of("lstm") for item in spec.items}
    assert set(LSTM_ITEMS) <= known  # the items exist in the course
    out = _class(tmp_path / "results", shipped_course)
    stats = ClassStats()
    feed_results(out, [], stats)
    assert stats.diagnosed.items == {"lstm-gate-order": 6, "bptt-no-carry": 5}
    assert stats.diagnosed.most_common() == [("bptt-no-carry", 5), ("lstm-gate-order", 6)]


def test_ties_in_students_go_to_more_items_then_to_the_id(tmp_path):
    def result(student, diagnoses):
        items = [{"id": f"f.o{i}", "function": "f", "output": f"o{i}", "score": 0.0, "max_score": 1.0,
                  "status": "failed", "message": "m", "diagnosis": d} for i, d in enumerate(diagnoses)]
        return {"student": student, "assignment": "a", "score": 0.0, "max_score": 3.0, "items": items,
                "errors": [], "fingerprint": "f"}

    write_result(tmp_path, result("x", ["b-two", "b-two", "a-one"]), "")
    write_result(tmp_path, result("y", ["c-one", "a-one", "b-two"]), "")
    stats = ClassStats()
    feed_results(tmp_path, [], stats)
    assert [d for d, _ in stats.diagnosed.most_common()] == ["b-two", "a-one", "c-one"]


def test_the_report_ranks_by_students(tmp_path, shipped_course):
    out = _class(tmp_path / "results", shipped_course)
    assert run_report(out, shipped_course) == 0
    index = (out / "report" / "index.html").read_text(encoding="utf-8")
    first_table = index[index.index('<table class="diagnoses">'):]
    first_table = first_table[:first_table.index("</table>")]
    order = re.findall(r'<code class="diagnosis-id">([^<]+)</code>', first_table)
    assert order == ["bptt-no-carry", "lstm-gate-order"]
