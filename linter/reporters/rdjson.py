"""``--format rdjson``: reviewdog's Diagnostic Format (``reviewdog -f=rdjson``), one
``DiagnosticResult`` object.

Each finding is a diagnostic with its message, ``ERROR`` (blocking) or ``WARNING`` severity, its
code with a link to the rule's documentation, a range and, for a wrapper's call, the LLM call
inside the wrapper as a related location. Paths are relative to the working directory, which
reviewdog resolves against the repository itself. Lines are 1-based; columns count UTF-8 bytes,
1-based, and the end is exclusive, as the format asks (a notebook finding's range is in the
``.ipynb`` file's JSON text, its columns in characters).
"""

from __future__ import annotations

import json

from ..finding import Finding, Related, shown_path
from ..result import RunResult
from .base import Reporter, inert_json
from .sarif import INFORMATION_URI

SOURCE = {"name": "budgetlint", "url": INFORMATION_URI}


class RdjsonReporter(Reporter):
    def render(self, result: RunResult) -> str:
        document = {"source": SOURCE, "diagnostics": [diagnostic(finding) for finding in result.findings]}
        return inert_json(json.dumps(document, indent=2, ensure_ascii=False)) + "\n"


def rule_url(code: str, name: str) -> str:
    """The rule's section of docs/rules.md (``## BL001 unbounded-max-tokens``)."""
    return f"{INFORMATION_URI}/blob/main/docs/rules.md#{code.lower()}-{name}"


def diagnostic(finding: Finding) -> dict:
    document: dict = {
        "message": finding.located_message(),
        "location": {"path": shown_path(finding.path), "range": _range(finding)},
        "severity": "ERROR" if finding.blocking else "WARNING",
        "source": SOURCE,
        "code": {"value": finding.code, "url": rule_url(finding.code, finding.name)},
    }
    if finding.related:
        document["related_locations"] = [_related(related) for related in finding.related]
    return document


def _range(finding: Finding) -> dict:
    line, column, end_line, end_column = finding.file_region()
    end_line = max(end_line, line)
    if finding.cell is None and finding.source_line:  # characters to UTF-8 bytes on the flagged line
        text = finding.source_line
        column = _byte_column(text, column)
        if end_line == line:
            end_column = _byte_column(text, end_column)
    return {"start": {"line": line, "column": column}, "end": {"line": end_line, "column": max(end_column, 1)}}


def _byte_column(text: str, column: int) -> int:
    """The 1-based UTF-8 byte column of the 1-based character ``column`` of ``text``."""
    return len(text[: column - 1].encode("utf-8", "surrogatepass")) + 1


def _related(related: Related) -> dict:
    start = {"line": related.line, "column": related.column}
    end = {"line": max(related.end_line, related.line), "column": max(related.end_column, 1)}
    return {"message": related.message, "location": {"path": shown_path(related.path), "range": {"start": start, "end": end}}}
