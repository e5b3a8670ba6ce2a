"""JUnit XML: one testcase per item, failure/error by status, valid XML whatever the messages hold."""
import xml.etree.ElementTree as ET

from autograder.grading.results import feed_results, write_result
from autograder.integrations.junit import JunitXml

from .conftest import make_result


def write_junit(results_dir, path):
    """What ``grade --junit PATH`` does: the one pass over the results feeds the JUnit output."""
    writer = JunitXml(path)
    feed_results(results_dir, [writer])
    return writer.totals


def test_one_testcase_per_item_with_failures_and_errors(graded_class, tmp_path):
    out, results = graded_class
    path = tmp_path / "junit.xml"
    totals = write_junit(out, path)
    root = ET.parse(path).getroot()  # expat refuses any character XML 1.0 cannot carry

    items = [(s, a, item) for (s, a), r in results.items() for item in r["items"]]
    failed = sum(item["status"] == "failed" for _, _, item in items)
    errored = sum(item["status"] in ("error", "timeout", "missing") for _, _, item in items)
    assert failed and errored and failed + errored < len(items)  # the class exercises every branch
    assert root.tag == "testsuites"
    assert (int(root.get("tests")), int(root.get("failures")), int(root.get("errors"))) == (len(items), failed, errored)
    assert totals == {"tests": len(items), "failures": failed, "errors": errored}

    suites = root.findall("testsuite")
    assert sorted(s.get("name") for s in suites) == sorted(f"{s}.{a}" for s, a in results)
    cases = {(c.get("classname"), c.get("name")): c for c in root.iter("testcase")}
    assert len(cases) == len(items) == len(list(root.iter("testcase")))
    for student, aid, item in items:
        case = cases[f"{student}.{aid}", item["id"]]
        children = [child.tag for child in case]
        expected = {"passed": [], "failed": ["failure"]}.get(item["status"], ["error"])
        assert children == expected, (student, aid, item)
        if children:
            assert case[0].get("type") == item["status"]
    for suite in suites:
        result = results[tuple(suite.get("name").split(".", 1))]
        assert int(suite.get("tests")) == len(result["items"])
        assert int(suite.get("failures")) == sum(i["status"] == "failed" for i in result["items"])
        assert (suite.find("system-err") is not None) == bool(result["errors"])


def test_messages_with_control_characters_korean_and_cdata_end_stay_valid_xml(tmp_path, course):
    result = make_result(course, "s02", "rnn")
    hostile = "오류 ]]> <x y='1'>&amp; \"q\" \x00\x01\x08\x0b\x0c\x1b\x1f\t\n end"
    for item in result["items"]:
        item.update(status="failed", score=0.0, message=hostile, diagnosis="bad]]>\x07")
    result["score"] = 0.0
    result["student"] = "학생<&>"
    result["errors"] = [hostile]
    write_result(tmp_path / "r", result, "")
    write_junit(tmp_path / "r", tmp_path / "j.xml")

    root = ET.fromstring((tmp_path / "j.xml").read_bytes())
    failure = next(root.iter("failure"))
    message = failure.get("message")
    for kept in ("오류 ]]> <x y='1'>&amp; \"q\"", "\t\n end"):
        assert kept in message
    assert "\\x00\\x01\\x08\\x0b\\x0c\\x1b\\x1f" in message
    assert not any(ord(c) < 0x20 and c not in "\t\n\r" for c in message)
    assert root.find("testsuite").get("name") == "학생<&>.rnn"
    assert "bad]]>\\x07" in failure.text


def test_empty_results_folder_gives_an_empty_valid_report(tmp_path):
    (tmp_path / "r").mkdir()
    assert write_junit(tmp_path / "r", tmp_path / "j.xml") == {"tests": 0, "failures": 0, "errors": 0}
    assert ET.parse(tmp_path / "j.xml").getroot().findall("testsuite") == []
