"""``--format junit``: JUnit XML, for the test tabs of Jenkins (``junit``), Azure Pipelines
(``PublishTestResults``) and GitLab (``artifacts: reports: junit``).

One ``testsuite`` per file (its path as name), one ``testcase`` per finding with a ``failure``
(type: the code; message: the message; text: the located line with the tier), as ruff's JUnit
report does: a warning is a failure too (``--quiet`` keeps only the blocking ones). A run with
nothing to report is one passing testcase, so a test tab shows the check ran (a report without
tests fails Jenkins' ``junit`` step).

Text from the files is escaped as XML needs it; characters XML 1.0 cannot hold at all (control
characters other than tab and line breaks) are written as escapes (``\\x1b``); the ``[`` of a CI
runner's ``##vso[`` or ``##[`` command as ``&#91;`` (the same text for an XML reader).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from itertools import groupby

from ..finding import Finding, shown_path
from ..result import RunResult
from .base import Reporter
from .text import label, location

_COMMAND_MARKERS = re.compile(r"##(vso)?\[")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class JunitReporter(Reporter):
    def render(self, result: RunResult) -> str:
        findings = self.shown(result)
        suites = ElementTree.Element("testsuites", name="budgetlint", tests=str(max(len(findings), 1)), failures=str(len(findings)))
        if not findings:
            suite = _suite(suites, "budgetlint", 1, 0)
            checked = f"{result.files} file{'s' * (result.files != 1)} at tier {result.policy.tier.label}"
            ElementTree.SubElement(suite, "testcase", name=f"budgetlint: no findings ({checked})", classname="budgetlint")
        for path, group in groupby(findings, key=lambda finding: finding.path):
            cases = list(group)
            suite = _suite(suites, xml_text(shown_path(path)), len(cases), len(cases))
            for finding in cases:
                _case(suite, finding)
        ElementTree.indent(suites)
        text = ElementTree.tostring(suites, encoding="unicode")
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + _COMMAND_MARKERS.sub(lambda m: m.group()[:-1] + "&#91;", text) + "\n"


def _suite(parent: ElementTree.Element, name: str, tests: int, failures: int) -> ElementTree.Element:
    return ElementTree.SubElement(
        parent, "testsuite", name=name, tests=str(tests), failures=str(failures), errors="0", skipped="0"
    )


def _case(suite: ElementTree.Element, finding: Finding) -> None:
    path = xml_text(shown_path(finding.path))
    cell = "" if finding.cell is None else f"cell {finding.cell}, "
    case = ElementTree.SubElement(
        suite,
        "testcase",
        name=f"{finding.code} {finding.name} ({cell}line {finding.line}, column {finding.column})",
        classname=path,
        file=path,
        line=str(finding.file_region()[0]),
    )
    failure = ElementTree.SubElement(case, "failure", message=xml_text(finding.message), type=finding.code)
    failure.text = xml_text(f"{location(finding)} {finding.code} [{label(finding)}] {finding.message}")


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold, each written as an escape."""
    return _NOT_XML.sub(lambda match: repr(match.group())[1:-1], text)
