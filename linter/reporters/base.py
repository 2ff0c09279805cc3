from __future__ import annotations

import re

from ..finding import Finding
from ..result import RunResult


class Reporter:
    """Renders a run's result; one subclass per ``--format``."""

    def __init__(self, *, color: bool = False, quiet: bool = False, statistics: bool = False) -> None:
        self.color = color
        self.quiet = quiet
        self.statistics = statistics

    def render(self, result: RunResult) -> str:
        raise NotImplementedError

    def shown(self, result: RunResult) -> list[Finding]:
        """The findings a line-per-finding report prints: ``--quiet`` keeps the blocking ones."""
        return [finding for finding in result.findings if finding.blocking or not self.quiet]


def statistics_lines(result: RunResult) -> list[str]:
    """``--statistics``: one ``count  code  name`` line per code, by code."""
    lines = []
    for code, count in sorted(result.by_code().items()):
        name = next(f.name for f in result.findings if f.code == code)
        lines.append(f"{count:>5}  {code}  {name}")
    return lines


def checked_line(result: RunResult) -> str:
    """The one-line summary of the CI log formats (github, azure)."""
    warnings = len(result.findings) - result.blocking
    return (
        f"budgetlint: checked {result.files} file{'s' * (result.files != 1)} at tier "
        f"{result.policy.tier.label}: {result.blocking} blocking, {warnings} warning{'s' * (warnings != 1)}."
    )


def plain_summary(reporter: Reporter, result: RunResult) -> list[str]:
    """What a CI log format prints after its commands: the counts (``--statistics``), the
    summary line (not under ``--quiet``) and a baseline's stale entries; unescaped."""
    text: list[str] = statistics_lines(result) if reporter.statistics else []
    if reporter.statistics or not reporter.quiet:
        text.append(checked_line(result))
        if result.baseline is not None:
            text.extend(result.baseline.summary_lines())
    return text


_COMMAND_MARKERS = re.compile(r"##(vso)?\[")


def inert_line(line: str) -> str:
    """A report line that no CI runner reads as a command, whoever prints it: the ``[`` of an
    Azure ``##vso[`` or a ``##[`` formatting command (found anywhere in a line) and the first
    ``:`` of a GitHub ``::`` command (at the start, after blanks) written as ``%5B`` / ``%3A``."""
    line = _COMMAND_MARKERS.sub(lambda match: match.group()[:-1] + "%5B", line)
    start = len(line) - len(line.lstrip())
    if line.startswith("::", start):
        line = f"{line[:start]}%3A{line[start + 1:]}"
    return line


def inert_json(text: str) -> str:
    """Serialised JSON with the ``[`` of any ``##vso[`` or ``##[`` in its strings written
    ``\\u005b``: the same document for a JSON reader, no command for a CI runner reading the log."""
    return _COMMAND_MARKERS.sub(lambda match: match.group()[:-1] + "\\u005b", text)
