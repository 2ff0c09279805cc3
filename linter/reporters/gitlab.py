"""``--format gitlab``: a GitLab Code Quality report, for ``artifacts: reports: codequality``.

GitLab reads a JSON array of issues with ``description``, ``check_name``, ``fingerprint``,
``severity`` and ``location.path`` / ``location.lines.begin`` (its documented subset of the Code
Climate spec; it publishes no schema). Paths are relative to the repository root, as the merge
request's diff names files. Severity: ``critical`` for a file or config that was not checked
(BL000, BL100), ``major`` for another blocking finding, ``minor`` for a warning. The fingerprint is
the finding's own (stable across moved lines, distinct per finding): GitLab shows one entry per
fingerprint and compares them between the branch and its target.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..finding import Finding, shown_path
from ..result import RunResult
from .base import Reporter, inert_json
from .repository import relative_to_root, repository_root

UNCHECKED = frozenset({"BL000", "BL100"})
"""Codes that say a file or config was not checked at all."""


class GitlabReporter(Reporter):
    def render(self, result: RunResult) -> str:
        cwd = Path.cwd().resolve()
        root = repository_root(cwd)
        issues = [issue(finding, shown_path(relative_to_root(finding.path, cwd, root) or finding.path)) for finding in result.findings]
        return inert_json(json.dumps(issues, indent=2, ensure_ascii=False)) + "\n"


def severity(finding: Finding) -> str:
    if finding.code in UNCHECKED:
        return "critical"
    return "major" if finding.blocking else "minor"


def issue(finding: Finding, path: str) -> dict:
    line, _, end_line, _ = finding.file_region()  # a notebook's: in its JSON text
    return {
        "description": f"{finding.code} {finding.located_message()}",
        "check_name": finding.code,
        "fingerprint": finding.fingerprint,
        "severity": severity(finding),
        "location": {"path": path, "lines": {"begin": line, "end": max(end_line, line)}},
    }
