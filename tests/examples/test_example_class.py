"""The example class, graded for real (bubblewrap sandbox): every item gets exactly the
status its student profile says (examples/make_class.py), and the run is reproducible.
The class is graded as root and as an ordinary account (tests/userland/account.py; only the
latter when the suite does not run as root), and both give the same results."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "examples"))

import make_class  # noqa: E402

from autograder.grading.course import load_course  # noqa: E402
from tests.userland.account import GRADERS  # noqa: E402

pytestmark = pytest.mark.sandbox


def _grade(submitted: Path, out: Path, *extra: str, check=True, account=None, **kw):
    """``autograder grade`` as this process, or as ``account`` over its own copy of the course."""
    course = account.course if account else ROOT
    python = str(account.python) if account else sys.executable
    cmd = [python, "-m", "autograder", "--course", str(course / "course.yaml"), "grade",
           str(submitted), "--out", str(out), "--quiet", *extra]
    if account:
        with account.busy():
            proc = account.run(cmd, cwd=out.parent, env=account.env(RNNLAB_SECRET="example-class-tests"), check=check,
                               **kw)
        return proc
    env = {**os.environ, "RNNLAB_SECRET": "example-class-tests"}
    return subprocess.run(cmd, env=env, capture_output=True, text=True, check=check, **kw)


def _results(out: Path) -> dict:
    return {f"{p.parent.name}/{p.stem}": json.loads(p.read_text())
            for p in sorted(out.glob("*/*.json"))}


def _without_time(results: dict) -> dict:
    return {k: {kk: vv for kk, vv in v.items() if kk != "graded_at"} for k, v in results.items()}


_GRADED: dict = {}  # who -> (results folder, process): one run per grader in this test process


def _grade_example_class(who: str, tmp_path_factory, request):
    if who not in _GRADED:
        if who == "root":
            out = tmp_path_factory.mktemp("results")
            _GRADED[who] = out, _grade(ROOT / "examples" / "submitted", out)
        else:
            account = request.getfixturevalue("ordinary")
            out = account.workdir("example-class") / "results"
            _GRADED[who] = out, _grade(account.course / "examples" / "submitted", out, account=account)
    return _GRADED[who]


@pytest.fixture(scope="module", params=GRADERS)
def graded(request, tmp_path_factory):
    """The example class graded by root, or by the ordinary account."""
    return _grade_example_class(request.param, tmp_path_factory, request)


def test_examples_are_in_sync_with_the_notebooks():
    assert make_class.main(["--check"]) == 0


def test_every_item_has_the_status_its_profile_expects(graded):
    out, _ = graded
    course = load_course(ROOT / "course.yaml")
    results = _results(out)
    assignments = list(course.assignments)
    mismatches = []
    for profile in make_class.PROFILES:
        for aid in assignments:
            result = results[f"{profile.name}/{aid}"]
            assert [i["id"] for i in result["items"]] == [item.id for spec in course.functions_of(aid)
                                                          for item in spec.items]
            for item in result["items"]:
                want = make_class.expected_status(profile, item["id"], aid)
                score = make_class.expected_score(profile, item["id"], aid, item["max_score"])
                if item["status"] != want or item["score"] != score:
                    mismatches.append((profile.name, item["id"], want, item["status"], item["message"]))
            assert result["score"] == sum(i["score"] for i in result["items"])
            assert result["max_score"] == course.max_score(aid)
    assert not mismatches


def test_correct_student_scores_full_and_stubs_zero(graded):
    out, _ = graded
    course = load_course(ROOT / "course.yaml")
    for aid in list(course.assignments):
        assert _results(out)[f"s01/{aid}"]["score"] == course.max_score(aid)
        assert _results(out)[f"s02/{aid}"]["score"] == 0


def test_grades_csv_and_feedback_files(graded):
    out, proc = graded
    rows = (out / "grades.csv").read_text().splitlines()
    assert rows[0] == "student_id,assignment_id,score,max_score"
    assert len(rows) - 1 == len(_results(out))
    assert "assignment" in proc.stdout and "students" in proc.stdout  # the closing summary
    feedback = (out / "s04" / "rnn.md").read_text()
    assert "rnn_backward.dWh" in feedback


def test_forged_output_does_not_reach_the_grader(graded):
    out, proc = graded
    assert '"score": 1000' not in proc.stdout and "score: 100" not in proc.stderr
    assert _results(out)["s11/rnn"]["score"] == _results(out)["s01/rnn"]["score"]


def test_a_hostile_notebook_costs_only_its_own_items(graded):
    out, _ = graded
    correct = _results(out)
    for student, aid in (("s09", "gradients"), ("s13", "rnn"), ("s12", "gradients")):
        assert correct[f"{student}/{aid}"]["score"] == correct[f"s01/{aid}"]["score"]


@pytest.fixture(scope="module")
def benign_class(tmp_path_factory):
    submitted = tmp_path_factory.mktemp("benign") / "submitted"
    make_class.build(submitted, benign_only=True)
    return submitted


def test_rerun_skips_everything_and_force_regrades_identically(benign_class, tmp_path):
    out = tmp_path / "out"
    _grade(benign_class, out)
    first = _results(out)
    stamps = {p: p.stat().st_mtime_ns for p in out.glob("*/*.json")}
    _grade(benign_class, out)
    assert {p: p.stat().st_mtime_ns for p in out.glob("*/*.json")} == stamps  # nothing regraded
    _grade(benign_class, out, "--force")
    assert any(p.stat().st_mtime_ns != t for p, t in stamps.items())
    assert _without_time(_results(out)) == _without_time(first)


def test_changed_submission_is_regraded_alone(benign_class, tmp_path):
    import shutil
    submitted = tmp_path / "submitted"
    shutil.copytree(benign_class, submitted)
    out = tmp_path / "out"
    _grade(submitted, out)
    stamps = {p: p.stat().st_mtime_ns for p in out.glob("*/*.json")}
    nb = submitted / "s02" / "rnn" / "rnn.ipynb"
    shutil.copy(ROOT / "solutions" / "rnn" / "rnn.ipynb", nb)
    _grade(submitted, out)
    changed = {p.relative_to(out).as_posix() for p, t in stamps.items() if p.stat().st_mtime_ns != t}
    assert changed == {"s02/rnn.json"}
    assert _results(out)["s02/rnn"]["score"] == _results(out)["s01/rnn"]["score"]


def test_kill_9_mid_class_then_rerun_equals_a_clean_run(benign_class, tmp_path):
    clean = tmp_path / "clean"
    _grade(benign_class, clean)
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "autograder", "--course", str(ROOT / "course.yaml"), "grade",
           str(benign_class), "--out", str(out), "--quiet"]
    proc = subprocess.Popen(cmd, env={**os.environ, "RNNLAB_SECRET": "example-class-tests"},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while len(list(out.glob("*/*.json"))) < 3 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = len(list(out.glob("*/*.json")))
    _grade(benign_class, out)
    assert _without_time(_results(out)) == _without_time(_results(clean))
    assert partial < len(_results(clean))  # the kill really interrupted the run
    leftovers = [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    assert not leftovers or all(p.stat().st_size >= 0 for p in leftovers)


@pytest.mark.skipif(GRADERS != ("root", "user"), reason="compares root's run with an ordinary account's: run as root")
def test_an_ordinary_account_grades_the_class_as_root_does(tmp_path_factory, request):
    """Every result of the ordinary account's run equals root's but for the sandbox it ran in."""
    as_root, as_user = (_results(_grade_example_class(who, tmp_path_factory, request)[0]) for who in GRADERS)
    assert as_user.keys() == as_root.keys() and len(as_root) == len(make_class.PROFILES) * len(load_course(ROOT / "course.yaml").assignments)
    # None: nothing of that notebook ran (a file that is not a notebook)
    assert {r["isolation"].split("+")[0] for r in as_user.values() if r["isolation"]} == {"bwrap-userns"}
    assert {r["isolation"].split("+")[0] for r in as_root.values() if r["isolation"]} == {"bwrap"}

    def same(result):
        return {k: v for k, v in result.items() if k not in ("graded_at", "isolation", "fingerprint")}
    differ = [key for key in as_root if same(as_user[key]) != same(as_root[key])]
    assert not differ, differ
