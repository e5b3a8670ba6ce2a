"""The hostile class, graded for real: nothing gets in, nothing is lost.

One grading run (conftest.py) of s01 (correct), s02 (stubs) and every case of cases.py.
Each case costs exactly the items its row names, with the status it names and a clear
message; everything else of that student, and every other student, is exactly as in a
run without the attack.  No process outlives grading, nothing outside the results folder
changes, no secret reaches any output, nothing reaches the host's network, the grader's
memory stays bounded and the run ends within the time its limits allow.
"""
from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from pathlib import Path

import pytest

from autograder.sandbox import box as sandbox_mod

from . import cases as C
from autograder.grading.course import load_course

from tests.userland.account import GRADERS

from .conftest import CANARIES, DECOY_SECRET_FILE, grade, hostile_run, make_course, requires_bwrap

pytestmark = [pytest.mark.sandbox, pytest.mark.slow, requires_bwrap]  # one whole hostile class

MAX_GRADER_RSS_MB = 600
# What a message must say, per status (on top of the case's own `says`).
STATUS_WORDS = {
    "timeout": ("did not finish",),
    "missing": ("not defined", "was not submitted"),
    "error": ("raised an error", "must return", "died", "not numeric data", "which failed", "cannot be read",
              "not implemented", "too large", "is not graded"),
    "failed": ("relative error", "wrong", "returned a", "keys differ", "NaN", "number of entries", "numerical gradient"),
}


def _without_time(result: dict) -> dict:
    return {k: v for k, v in result.items() if k != "graded_at"}


def test_the_table_covers_every_family():
    counts = Counter(c.family for c in C.CASES)
    assert counts.keys() == {"resource", "escape", "forgery", "exit", "input"}
    assert len(C.CASES) >= 30 and min(counts.values()) >= 5, counts


@pytest.mark.parametrize("case", C.CASES, ids=C.NAMES)
def test_each_case_costs_exactly_its_own_items(hostile, case):
    problems = []
    for aid in hostile.assignments:
        result, control = hostile.result(case.name, aid), hostile.result("s01", aid)
        assert [i["id"] for i in result["items"]] == [i["id"] for i in control["items"]]
        assert result["max_score"] == control["max_score"]  # points come from course.yaml only
        assert result["score"] == pytest.approx(sum(i["score"] for i in result["items"]))
        touched = aid in case.errors
        for item, good in zip(result["items"], control["items"]):
            want = C.expected_status(case, item["id"], aid)
            if want is None:
                if item != good:
                    problems.append((aid, item["id"], "differs from s01", item["status"], item["message"][:300]))
                continue
            touched = True
            message = item["message"]
            if item["status"] != want or item["score"] != 0:
                problems.append((aid, item["id"], f"want {want}", item["status"], message[:300]))
            elif not message.strip() or not any(w in message for w in STATUS_WORDS[want]):
                problems.append((aid, item["id"], "unclear message", item["status"], message[:300]))
            says = C.expected_says(case, item["id"], aid)
            if says and says not in message:
                problems.append((aid, item["id"], f"message lacks {says!r}", item["status"], message[:300]))
        if aid in case.errors:
            if not any(case.errors[aid] in e for e in result["errors"]):
                problems.append((aid, "errors", f"want {case.errors[aid]!r}", result["errors"], ""))
        if not touched:
            if _without_time(result) | {"fingerprint": None, "student": None} != \
                    _without_time(control) | {"fingerprint": None, "student": None}:
                problems.append((aid, "result", "differs from s01", result["score"], result["errors"]))
    assert not problems, "\n".join(map(str, problems))


def test_control_and_stub_students_are_graded_as_in_a_clean_run(hostile):
    for student in ("s01", "s02"):
        for aid in hostile.assignments:
            clean = hostile.result(student, aid, clean=True)
            assert _without_time(hostile.result(student, aid)) == _without_time(clean)
    for aid in hostile.assignments:
        assert hostile.result("s01", aid)["score"] == hostile.result("s01", aid)["max_score"]
        assert hostile.result("s02", aid)["score"] == 0


def test_every_student_gets_every_result_and_a_grades_row(hostile):
    out = Path(hostile.results)
    rows = (out / "grades.csv").read_text().splitlines()
    assert rows[0] == "student_id,assignment_id,score,max_score"
    want = {(s, a) for s in hostile.students for a in hostile.assignments}
    assert {tuple(r.split(",")[:2]) for r in rows[1:]} == want
    assert {(p.parent.name, p.stem) for p in out.glob("*/*.json")} == want
    assert {(p.parent.name, p.stem) for p in out.glob("*/*.md")} == want
    assert hostile.returncode == 0, hostile.stderr[-3000:]


def test_forged_output_never_reaches_the_grader(hostile):
    for stream in (hostile.stdout, hostile.stderr):
        assert C.MARK not in stream and '"score"' not in stream and "RNNL" not in stream
    assert hostile.stderr.strip() == ""


def test_feedback_cannot_be_forged_by_messages(hostile):
    """Student-chosen text (exception messages) stays inert in the Markdown feedback."""
    for path in Path(hostile.results).glob("*/*.md"):
        text = path.read_text()
        lines = text.split("\n")
        assert not any(c in text for c in "\r\x0b\x0c\x85\u2028\u2029"), path
        assert "<img" not in text and "<script" not in text and "<b>" not in text, path
        assert [line for line in lines if line.startswith("#")] == [lines[0]] + \
            [line for line in lines[1:] if line.startswith("## ")], path  # one title, the page's own sections
        table = [line for line in lines if line.startswith("| `")]
        assert len(table) == len(json.loads(path.with_suffix(".json").read_text())["items"]), path
    forged = (Path(hostile.results) / "f-markdown-injection" / "training.md").read_text()
    assert "&lt;img src=x" in forged and "# training: 6 / 6 points" in forged  # present, but inert


def test_feedback_has_no_live_markup_from_students(hostile):
    """Every feedback page, rendered with mistune as a viewer would (GitHub's extensions, raw HTML
    allowed), holds no link, image, HTML, emphasis or code that a student's text made."""
    import mistune
    from html.parser import HTMLParser

    class Tags(HTMLParser):
        def __init__(self):
            super().__init__()
            self.found = []

        def handle_starttag(self, tag, attrs):
            self.found.append((tag, dict(attrs)))

    render = mistune.create_markdown(escape=False, plugins=["table", "url", "strikethrough", "footnotes", "math"])
    for path in Path(hostile.results).glob("*/*.md"):
        tags = Tags()
        tags.feed(render(path.read_text()))
        assert {t for t, _ in tags.found} <= {"h1", "h2", "p", "code", "ul", "li", "table", "thead", "tbody",
                                               "tr", "th", "td", "strong"}, (path, tags.found)
        assert not any(attrs.keys() - {"style"} for _, attrs in tags.found), path  # no href, no src
    page = (Path(hostile.results) / "f-markdown-links" / "gru.md").read_text()
    assert "evil.example/phish" in page  # shown, as text


def test_what_a_student_controls_stays_small_in_every_output(hostile):
    """A reply of 14 000 long dict keys once made a 56 MB result and a 113 MB JUnit file."""
    import xml.etree.ElementTree as ET

    for student in ("r-key-bomb", "r-key-bomb-small", "r-huge-literal", "f-markdown-links"):
        for path in (Path(hostile.results) / student).iterdir():
            assert path.stat().st_size < 100_000, path
    suites = ET.parse(Path(hostile.root) / "junit.xml").getroot()
    for suite in suites:
        assert len(ET.tostring(suite)) < 100_000, suite.get("name")
    assert (Path(hostile.root) / "summary.md").stat().st_size < 100_000
    for path in Path(hostile.results).glob("*/*.json"):
        result = json.loads(path.read_text())
        assert all(len(i["message"]) <= 2000 for i in result["items"]), path
        assert path.stat().st_size < 100_000, path


def test_message_bombs_cost_the_grader_no_memory(tmp_path):
    """The grader's peak memory with three message-bomb students is that of three honest ones."""
    course_yaml = make_course(tmp_path / "course")
    course = load_course(course_yaml)
    values = {k: str(tmp_path) for k in C.PLACEHOLDERS}
    bombs = [c for c in C.CASES if c.name in ("r-key-bomb", "r-key-bomb-small")]
    C.build_class(course, tmp_path / "bombs", list(course.assignments), values, cases=bombs)
    shutil.copytree(tmp_path / "bombs" / "r-key-bomb", tmp_path / "bombs" / "r-key-bomb-2")
    C.build_class(course, tmp_path / "honest", list(course.assignments), values, cases=())
    for name in ("h1", "h2", "h3"):
        shutil.copytree(tmp_path / "honest" / "s01", tmp_path / "honest" / name)
    peak = {}
    for name in ("honest", "bombs"):
        run = grade(course_yaml, tmp_path / name, tmp_path / f"{name}-out", tmp_path / f"{name}-tmp",
                    "--junit", str(tmp_path / f"{name}.xml"))
        assert run["returncode"] == 0, run["stderr"][-2000:]
        peak[name] = run["maxrss_kb"]
    print("peak RSS (kB):", peak)
    assert peak["bombs"] < peak["honest"] + 20 * 1024, peak


def test_no_secret_appears_in_any_output(hostile):
    texts = {"stdout": hostile.stdout, "stderr": hostile.stderr}
    for path in Path(hostile.results).rglob("*"):
        if path.is_file():
            texts[str(path)] = path.read_text(errors="replace")
    secrets = [*CANARIES.values(), DECOY_SECRET_FILE]
    leaks = [(where, s) for where, text in texts.items() for s in secrets if s in text]
    assert not leaks
    assert len(texts) > 2 * len(hostile.students) * len(hostile.assignments)  # the scan saw every file


def test_nothing_reaches_the_hosts_network(hostile):
    assert hostile.accepted == 0


def test_nothing_unpickled_and_no_trace_left_on_the_host(hostile):
    assert hostile.marker == []  # no unpickling, no daemon, no write ever reached the marker folder
    assert hostile.host_traces == []  # the attacks' /tmp, /dev/shm, /var/tmp files stayed in their sandboxes
    assert hostile.tmp_ours == {}  # nothing in the host's /tmp owned by a sandbox uid


def test_nothing_outside_the_results_folder_changes(hostile):
    # the course copy (course.yaml, .grading-secret), the submitted notebooks, the repository's
    # reference/ and solutions/: same files, bytes, modes and mtimes before and after
    assert hostile.changed == {"course": {}, "submitted": {}, "reference": {}, "solutions": {}}


def test_no_process_outlives_grading(hostile):
    # nothing left in any pid namespace the grader made, nor under a sandbox uid in the host's
    assert hostile.leftovers == []
    assert len(hostile.namespaces) >= 10 and hostile.sandboxed_pids >= 50  # the sampler did follow the class
    assert set(hostile.uids) <= set(range(*hostile.watched_uids))  # root's private uids, or the account's own


def test_grader_memory_stays_bounded(hostile):
    assert 0 < hostile.maxrss_kb < MAX_GRADER_RSS_MB * 1024
    assert hostile.vmhwm_kb < MAX_GRADER_RSS_MB * 1024


def test_class_finishes_within_its_time_limits(hostile):
    assert hostile.wall < hostile.budget, (hostile.wall, hostile.budget)


def test_results_are_valid_json_with_known_statuses(hostile):
    for path in Path(hostile.results).glob("*/*.json"):
        result = json.loads(path.read_text())
        assert {i["status"] for i in result["items"]} <= {"passed", "failed", "error", "timeout", "missing"}
        assert all(isinstance(e, str) and len(e) < 2000 for e in result["errors"])


def test_a_rerun_changes_nothing_and_a_regrade_is_identical(hostile, tmp_path, request):
    """Resume and determinism with hostile files: (1) a rerun over the results regrades nothing
    (every fingerprint is stable, symlinks, directories and bombs included); (2) a --force regrade
    of the students whose cases wait out no limit gives the same results apart from timestamps.
    (kill -9 in the middle of a class, then a rerun: tests/examples/test_example_class.py.)"""
    account = request.getfixturevalue("ordinary") if hostile.who == "user" else None
    if account:  # the same grader again, in a folder it owns
        tmp_path = account.workdir("hostile-rerun")
    out = tmp_path / "results"
    shutil.copytree(hostile.results, out)
    if account:
        account.give(out)
    stamps = {p: p.stat().st_mtime_ns for p in out.glob("*/*")}
    run = grade(Path(hostile.course), Path(hostile.submitted), out, tmp_path / "tmp1", account=account)
    assert run["returncode"] == 0
    assert {p: p.stat().st_mtime_ns for p in out.glob("*/*")} == stamps  # nothing was regraded

    subset = ["s01"] + [c.name for c in C.CASES if not c.burns and c.family in ("forgery", "exit", "input")]
    submitted = tmp_path / "submitted"
    for name in subset:
        shutil.copytree(Path(hostile.submitted) / name, submitted / name, symlinks=True)
    again = tmp_path / "again"
    if account:
        account.give(submitted)
    assert grade(Path(hostile.course), submitted, again, tmp_path / "tmp2", "--force", account=account)["returncode"] == 0
    for name in subset:
        for aid in hostile.assignments:
            first = hostile.result(name, aid)
            second = json.loads((again / name / f"{aid}.json").read_text())
            assert _without_time(second) == _without_time(first), (name, aid)


def test_sandbox_uids_are_exclusive_across_processes(tmp_path):
    """Two graders on one host never share a sandbox uid (they would share RLIMIT_NPROC)."""
    import subprocess
    import sys

    slot = 4000 + os.getpid() % 900  # a slot no other test uses
    code = f"from autograder.sandbox import box as s; print(s.claim_uid({slot}))"
    first = sandbox_mod.claim_uid(slot)
    claimed = [first]
    try:
        assert first == sandbox_mod.UID_BASE + slot
        other = int(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                   check=True).stdout)
        assert other != first and other >= sandbox_mod.UID_SPARE
        claimed.append(sandbox_mod.claim_uid(slot))
        assert claimed[-1] != first  # nor two sandboxes of one process
    finally:
        for uid in claimed:
            sandbox_mod.release_uid(uid)
    assert int(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              check=True).stdout) == first  # released


@pytest.mark.skipif(GRADERS != ("root", "user"), reason="compares root's run with an ordinary account's: run as root")
def test_an_ordinary_account_scores_every_item_as_root_does(tmp_path_factory, request):
    """The class graded by an ordinary account (bwrap in its own user namespace) and by root:
    every item the same status and score, every attack contained in both (the tests above)."""
    as_root, as_user = (hostile_run(who, tmp_path_factory, request) for who in ("root", "user"))
    assert as_user.students == as_root.students
    differ = []
    for student in as_root.students:
        for aid in as_root.assignments:
            mine, roots = as_user.result(student, aid), as_root.result(student, aid)
            if roots["isolation"] is not None:  # None: nothing of that notebook ran (e.g. it could not be read)
                assert mine["isolation"].startswith("bwrap-userns") and roots["isolation"].startswith("bwrap+")
            items = [(i["id"], i["status"], i["score"]) for i in mine["items"]]
            want = [(i["id"], i["status"], i["score"]) for i in roots["items"]]
            if (items, mine["score"], len(mine["errors"])) != (want, roots["score"], len(roots["errors"])):
                differ.append((student, aid, [(a, b) for a, b in zip(items, want) if a != b] or mine["errors"]))
    assert not differ, "\n".join(map(str, differ))
