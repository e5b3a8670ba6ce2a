"""The gradebook output: nbgrader's own Gradebook API reads back the scores, per grade cell; reruns are idempotent."""
import dataclasses

import pytest
from nbgrader.api import Grade, Gradebook, Student, SubmittedAssignment

from autograder.grading.results import write_result

from .conftest import make_result, write_gradebook


def cell_scores(result):
    """check_<function> -> (score, max) computed from the result's items."""
    scores = {}
    for item in result["items"]:
        got, top = scores.get(f"check_{item['function']}", (0.0, 0.0))
        scores[f"check_{item['function']}"] = (got + item["score"], top + item["max_score"])
    return scores


def test_scores_read_back_per_submission_and_per_cell(small_class, gradebook_url, course):
    out, results = small_class
    db = gradebook_url
    counts = write_gradebook(out, course, db)
    assert counts["submissions"] == len(results)

    with Gradebook(db) as gb:
        assert sorted(s.id for s in gb.students) == sorted({s for s, _ in results})
        for aid in course.assignments:
            assert gb.find_assignment(aid).max_score == pytest.approx(course.max_score(aid))
            notebook = gb.find_notebook(course.assignments[aid].notebook.removesuffix(".ipynb"), aid)
            assert sorted(c.name for c in notebook.grade_cells) == sorted(
                f"check_{f}" for f in course.assignments[aid].functions)
        for (student, aid), result in results.items():
            submission = gb.find_submission(aid, student)
            assert submission.score == pytest.approx(result["score"])
            assert submission.max_score == pytest.approx(result["max_score"])
            nb = aid  # every course notebook is named <assignment>.ipynb
            for cell, (score, top) in cell_scores(result).items():
                grade = gb.find_grade(cell, nb, aid, student)
                assert grade.auto_score == pytest.approx(score)
                assert grade.max_score == pytest.approx(top)
                assert grade.needs_manual_grade is False
                assert grade.failed_tests == (score < top)


def test_rerun_is_idempotent_updates_scores_and_keeps_manual_grades(small_class, gradebook_url, course):
    out, results = small_class
    db = gradebook_url
    write_gradebook(out, course, db)
    with Gradebook(db) as gb:
        sizes = [gb.db.query(t).count() for t in (Student, SubmittedAssignment, Grade)]
        gb.find_grade("check_rnn_forward", "rnn", "rnn", "s01").manual_score = 1.0
        gb.db.commit()

    regraded = make_result(course, "s01", "rnn")
    for item in regraded["items"]:
        if item["function"] == "rnn_backward":
            item.update(score=0.0, status="failed")
    regraded["score"] = sum(i["score"] for i in regraded["items"])
    write_result(out, regraded, "")
    write_gradebook(out, course, db)
    write_gradebook(out, course, db)

    with Gradebook(db) as gb:
        assert [gb.db.query(t).count() for t in (Student, SubmittedAssignment, Grade)] == sizes
        assert gb.find_grade("check_rnn_backward", "rnn", "rnn", "s01").auto_score == 0.0
        kept = gb.find_grade("check_rnn_forward", "rnn", "rnn", "s01")
        assert kept.manual_score == 1.0 and kept.needs_manual_grade is True
        assert gb.find_submission("rnn", "s01").score == pytest.approx(regraded["score"] - 2.0 + 1.0)


def test_a_function_added_to_the_course_later_gets_its_grade_cell_in_old_submissions(tmp_path, gradebook_url,
                                                                                       course):
    result = make_result(course, "s01", "rnn")
    write_result(tmp_path / "r", result, "")
    rnn = course.assignments["rnn"]
    older = dataclasses.replace(course, assignments={**course.assignments,
                                                     "rnn": dataclasses.replace(rnn, functions=rnn.functions[:-1])})
    db = gradebook_url
    write_gradebook(tmp_path / "r", older, db)
    with Gradebook(db) as gb:
        assert gb.find_submission("rnn", "s01").score < result["score"]
    write_gradebook(tmp_path / "r", course, db)
    with Gradebook(db) as gb:
        last = rnn.functions[-1]
        assert gb.find_grade(f"check_{last}", "rnn", "rnn", "s01").auto_score == pytest.approx(
            cell_scores(result)[f"check_{last}"][0])
        assert gb.find_submission("rnn", "s01").score == pytest.approx(result["score"])
