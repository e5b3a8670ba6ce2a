"""JUnit XML of a results folder, for CI test reports (GitHub, GitLab, Jenkins).

Owns the mapping of result files to JUnit: one ``<testsuite>`` per student and assignment
(``name = <student>.<assignment>``), one ``<testcase>`` per rubric item (``classname =
<student>.<assignment>``, ``name = <item id>``), ``<failure>`` for a failed item and
``<error>`` for an item that could not be graded (error, timeout, missing).  Messages come
from students' own code (exception text) and may hold anything, so every string is made
valid XML 1.0 first: characters XML cannot carry are replaced by ``\\xNN`` escapes.
A diagnosed item's failure text also holds the explanation and hint the result file carries,
as they were rendered at grading time (docs/ARCHITECTURE.md); nothing is re-derived here.

:class:`JunitXml`, an output of the one pass over a results folder (integrations/class_outputs.py),
takes results one at a time and keeps only the current suite in memory (the others wait in a
temporary file next to the report).
"""
from __future__ import annotations

import re
import shutil
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

from autograder.grading.results import ASKED, AtomicFile, Offer, Option, Output, item_explanation

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
        entry = item_explanation(item)  # as graded, never re-derived
        if entry and entry["explanation"]:
            body.append(xml_safe(entry["explanation"]))
        if entry and entry["hint"]:
            body.append(f"hint: {xml_safe(entry['hint'])}")
    element.text = "\n".join(body)
    return status


def _suite(result: dict) -> tuple[ET.Element, dict]:
    """The ``<testsuite>`` of one result file and its counts."""
    name = xml_safe(f"{result['student']}.{result['assignment']}")
    suite = ET.Element("testsuite", name=name)
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
    suite.set("skipped", "0")
    if result.get("graded_at"):
        suite.set("timestamp", xml_safe(result["graded_at"]))
    return suite, counts


JUNIT_FILE = Option("--junit", "also write a JUnit XML report", {"type": Path, "default": None, "metavar": "FILE"})


class JunitXml(Output):
    """The JUnit document, written suite by suite: ``add`` each result, then ``write`` (or ``close``).

    :meth:`write` writes the whole document to ``dest`` atomically; the suites wait in a
    temporary file next to it meanwhile."""

    name = "junit"
    description = "JUnit XML: one test suite per student and assignment, one test case per item"
    offers = {"grade": Offer(JUNIT_FILE, ASKED), "merge": Offer(JUNIT_FILE, ASKED)}

    def __init__(self, dest: Path, course=None):
        self.dest = Path(dest)
        self.totals = {"tests": 0, "failures": 0, "errors": 0}
        self._open = None

    @property
    def _suites(self):
        if self._open is None:  # made at the first result: nothing is created before the pass
            self.dest.parent.mkdir(parents=True, exist_ok=True)
            self._open = tempfile.TemporaryFile("w+", encoding="utf-8", newline="", dir=self.dest.parent)
        return self._open

    def add(self, result: dict) -> None:
        suite, counts = _suite(result)
        for key, value in counts.items():
            self.totals[key] += value
        ET.indent(suite, space=" ", level=1)
        self._suites.write("\n " + ET.tostring(suite, encoding="unicode"))

    def _head(self) -> str:
        root = ET.Element("testsuites", {"name": "rnnlab", **{k: str(v) for k, v in self.totals.items()}})
        if not self._suites.tell():
            return ET.tostring(root, encoding="unicode") + "\n"
        return ET.tostring(root, encoding="unicode").removesuffix(" />") + ">"

    def write(self, view=None) -> list[str]:
        head = '<?xml version="1.0" encoding="UTF-8"?>\n' + self._head()
        tail = "\n</testsuites>\n" if self._suites.tell() else ""
        try:
            self._suites.seek(0)
            document = AtomicFile(self.dest)
            try:
                document.handle.write(head)
                shutil.copyfileobj(self._suites, document.handle)
                document.handle.write(tail)
            except BaseException:
                document.abort()
                raise
            document.commit()
            return []
        finally:
            self.close()

    def close(self) -> None:
        if self._open is not None:
            self._open.close()
