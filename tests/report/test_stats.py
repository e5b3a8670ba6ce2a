"""report/stats.py and the one pass that feeds it: counting, the texts items carry, failing outputs."""
from __future__ import annotations

import pytest

from autograder.grading.results import GradesCsv, feed_results, write_result
from autograder.report.stats import ClassStats


def _result(student, assignment, items, errors=()):
    return {"student": student, "assignment": assignment, "score": sum(i["score"] for i in items),
            "max_score": 2.0 * len(items), "items": items, "errors": list(errors), "fingerprint": "f"}


def _item(item_id, status="passed", diagnosis=None, **texts):
    return {"id": item_id, "function": item_id.split(".")[0], "output": item_id.split(".")[1],
            "score": 2.0 if status == "passed" else 0.0, "max_score": 2.0, "status": status,
            "message": "m", "diagnosis": diagnosis, **texts}


def test_class_figures_count_students_once_and_keep_the_texts_items_carry(tmp_path):
    two = {"explanation": "scaled by 2", "hint": "check N"}
    half = {"explanation": "scaled by 0.5", "hint": "check N"}
    write_result(tmp_path, _result("a", "rnn", [_item("f.x", "failed", "constant-factor", **two),
                                               _item("f.y", "failed", "constant-factor", **two)]), "")
    write_result(tmp_path, _result("a", "lstm", [_item("g.x", "failed", "constant-factor", **half)],
                                   errors=["boom"]), "")
    write_result(tmp_path, _result("b", "rnn", [_item("f.x", "failed", "constant-factor", **half),
                                               _item("f.y")]), "")
    write_result(tmp_path, _result("c", "rnn", [_item("f.x", "failed", "old-result"), _item("f.y")]), "")
    stats = ClassStats()
    feed_results(tmp_path, [], stats)

    assert (stats.files, stats.students) == (4, 3)
    assert stats.diagnosed.items["constant-factor"] == 4
    assert stats.diagnosed.students["constant-factor"] == 2  # a (two assignments) and b
    rnn = stats.assignments["rnn"]
    assert rnn.diagnosed.students["constant-factor"] == 2 and rnn.diagnosed.items["constant-factor"] == 3
    assert rnn.items["f.x"] == {"failed": 3} and rnn.items["f.y"] == {"failed": 1, "passed": 2}
    assert (rnn.problems, stats.assignments["lstm"].problems) == (0, 1)
    assert rnn.scores_sorted() == [0.0, 2.0, 2.0]
    # the text most items with the diagnosis carried, as they carried it; none for an old result
    assert rnn.diagnosed.text_of("constant-factor") == two
    assert stats.assignments["lstm"].diagnosed.text_of("constant-factor") == half
    assert stats.diagnosed.text_of("old-result") is None


class Failing:
    def __init__(self):
        self.closed = False

    def add(self, result):
        raise RuntimeError("database is locked")

    def write(self, view):
        raise AssertionError("a failed output is not written")

    def close(self):
        self.closed = True


def test_a_failing_output_does_not_stop_the_others(tmp_path):
    write_result(tmp_path, _result("a", "rnn", [_item("f.x")]), "")
    write_result(tmp_path, _result("b", "rnn", [_item("f.x", "failed")]), "")
    stats, failing, grades = ClassStats(), Failing(), GradesCsv(tmp_path)
    with pytest.raises(RuntimeError, match="database is locked"):
        feed_results(tmp_path, [failing, grades], stats)
    assert failing.closed and stats.files == 2
    assert (tmp_path / "grades.csv").read_text().splitlines()[1:] == ["a,rnn,2,2", "b,rnn,0,2"]


def test_the_pass_outputs_keep_memory_flat_as_the_class_grows(tmp_path):
    """Ten times the students must not need ten times the memory: the class view of a grade run
    and its outputs hold counters and temporary files, never the results."""
    import tracemalloc

    from autograder.integrations.junit import JunitXml
    from autograder.report.stats import ClassView

    def peak(students: int) -> int:
        view = ClassView(tmp_path)
        outputs = [GradesCsv(tmp_path / f"g{students}"), JunitXml(tmp_path / f"j{students}.xml")]
        tracemalloc.start()
        for k in range(students):
            items = [_item(f"f.o{i}", "failed" if (k + i) % 3 else "passed",
                           "constant-factor" if (k + i) % 3 == 1 else None,
                           explanation=f"scaled by {k % 7}", hint="check N") for i in range(12)]
            result = _result(f"s{k:05d}", "rnn", items, errors=["x" * 200])
            view.add(result)
            for output in outputs:
                output.add(result)
        for output in outputs:
            output.write(view)
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    small, large = peak(60), peak(600)
    assert large < 2 * small, (small, large)
