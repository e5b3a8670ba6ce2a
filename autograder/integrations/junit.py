"""JUnit XML of a results folder, for CI test reports (GitHub, GitLab, Jenkins).

Owns the mapping of result files to JUnit: one ``<testsuite>`` per student and assignment
(``name = <student>.<assignment>``), one ``<testcase>`` per rubric item (``classname =
<student>.<assignment>``, ``name = <item id>``), ``<failure>`` for a failed item and
``<error>`` for an item that could not be graded (error, timeout, missing).  Messages come
from students' own code (exception text) and may hold anything, so every string is made
valid XML 1.0 first: characters XML cannot carry are replaced by ``\\xNN`` escapes.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from autograder.engine.results import iter_results, write_atomic

ERROR_STATUSES = ("error", "timeout", "missing")
# Everything XML 1.0 forbids: C0 controls but tab/newline/CR, lone surrogates, U+FFFE/U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text) -> str:
    """``text`` as a string every XML 1.0 parser accepts (the escaping of ``<&>"`` is ElementTree's)."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", "" if text is None else str(text))


def _num(value) -> str:
    return f"{float(value):g}"


def _testcase(suite: ET.Element, classname: str, item: dict) -> str:
    case = ET.SubElement(suite, "testcase", classname=classname, name=xml_safe(item["id"]))
    status = item["status"]
    if status == "passed":
        return status
    message = xml_safe(item.get("message", ""))
    tag = "failure" if status == "failed" else "error"
    element = ET.SubElement(case, tag, message=message, type=status)
    body = [message, f"score {_num(item['score'])} / {_num(item['max_score'])}"]
    if item.get("diagnosis"):
        body.append(f"diagnosis: {xml_safe(item['diagnosis'])}")
    element.text = "\n".join(body)
    return status


def junit_xml(results_dir: Path) -> tuple[str, dict]:
    """The JUnit document of every result file under ``results_dir`` and its totals."""
    root = ET.Element("testsuites", name="rnnlab")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for result in iter_results(Path(results_dir)):
        name = xml_safe(f"{result['student']}.{result['assignment']}")
        suite = ET.SubElement(root, "testsuite", name=name)
        counts = {"tests": 0, "failures": 0, "errors": 0}
        props = ET.SubElement(suite, "properties")
        for key in ("student", "assignment"):
            ET.SubElement(props, "property", name=key, value=xml_safe(result[key]))
        for key in ("score", "max_score"):
            ET.SubElement(props, "property", name=key, value=_num(result[key]))
        for item in result["items"]:
            status = _testcase(suite, name, item)
            counts["tests"] += 1
            counts["failures"] += status == "failed"
            counts["errors"] += status in ERROR_STATUSES
        if result.get("errors"):
            ET.SubElement(suite, "system-err").text = "\n".join(xml_safe(e) for e in result["errors"])
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("skipped", "0")
        if result.get("graded_at"):
            suite.set("timestamp", xml_safe(result["graded_at"]))
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root, space=" ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n", totals


def write_junit(results_dir: Path, path: Path) -> dict:
    """Write the JUnit XML of ``results_dir`` to ``path`` atomically; return the totals."""
    text, totals = junit_xml(results_dir)
    write_atomic(Path(path), text)
    return totals
