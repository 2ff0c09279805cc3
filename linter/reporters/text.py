"""``--format full`` (alias ``text``): ``path:line:col: CODE [*] [blocks] message`` (``[*]``:
fixable, as ruff marks it; ``[warning: blocks at tier hard]`` for a finding that does not block at
the configured tier), the line with a caret, a summary; ``--format concise``: the same without
source lines.

What comes from the files (paths, messages, source lines) is printed with its control
characters escaped (``finding.printable``): one finding is one line, whatever a file holds; and
no line is a CI runner's command (``base.inert_line``), whichever CI prints the report.
"""

from __future__ import annotations

import click

from ..finding import Finding, printable, shown_path
from ..policy import Tier
from ..result import RunResult
from .base import Reporter, inert_line, statistics_lines


class TextReporter(Reporter):
    source_lines = True
    """Show each finding's source line with a caret, and a wrapper's inner call."""

    def render(self, result: RunResult) -> str:
        out: list[str] = []
        for finding in self.shown(result):
            code = self._style(finding.code, fg="red" if finding.blocking else "yellow", bold=True)
            fixable = " [*]" if finding.fixable else ""
            out.append(f"{self._style(location(finding), bold=True)} {code}{fixable} [{label(finding)}] {printable(finding.message)}")
            if self.source_lines and not self.quiet:
                out.extend(self._source(finding))
        if self.statistics or not self.quiet:
            out.extend(self._summary(result))
        return "".join(inert_line(line) + "\n" for line in out)

    def _source(self, finding: Finding) -> list[str]:
        """The flagged line with a caret under the node, and where a wrapper's LLM call is."""
        out = []
        if finding.source_line:
            line = finding.source_line.rstrip("\r\n").expandtabs(1)
            width = max(1, (finding.end_column - finding.column) if finding.end_line == finding.line else len(line) - finding.column + 1)
            indent = len(printable(line[: finding.column - 1]))  # escapes widen what comes before the node
            out.append(f"    {printable(line)}")
            out.append("    " + " " * indent + self._style("^" * min(width, 80), fg="red" if finding.blocking else "yellow"))
        for related in finding.related:
            out.append(f"    note: {printable(related.message)}: {shown_path(related.path)}:{related.line}:{related.column}")
        return out

    def _summary(self, result: RunResult) -> list[str]:
        lines = [""] if result.findings else []
        if self.statistics or result.findings:
            lines.extend(statistics_lines(result))
        warnings = len(result.findings) - result.blocking
        if result.fixes:
            lines.extend(fix_lines(result))
        if result.fixed is not None:
            lines.append(
                f"Fixed {result.fixed} finding{'s' * (result.fixed != 1)} in {result.fixed_files} "
                f"file{'s' * (result.fixed_files != 1)}, {len(result.findings)} remaining."
            )
        lines.append(
            f"Checked {result.files} file{'s' * (result.files != 1)} at tier {result.policy.tier.label} "
            f"({result.policy.source}): {result.blocking} blocking, {warnings} warning{'s' * (warnings != 1)}, "
            f"{result.fixable} fixable{' ([*], with `--fix`)' if result.fixable else ''}."
        )
        if result.policy.source == "the built-in default policy" and result.policy.tier is Tier.HARD and result.findings:
            lines.append(
                "No guardrails.yaml found: every rule blocks. Lower the tier with `--tier medium` or "
                "`tier: soft|medium` in guardrails.yaml."
            )
        if result.baseline is not None:
            lines.extend(printable(line) for line in result.baseline.summary_lines())
        return lines

    def _style(self, text: str, **style: object) -> str:
        return click.style(text, **style) if self.color else text


class ConciseReporter(TextReporter):
    """One line per finding, then the summary."""

    source_lines = False


def location(finding: Finding) -> str:
    """``path:line:col:``, with ``cell N:`` before the line in a notebook (as ruff shows cells)."""
    cell = "" if finding.cell is None else f"cell {finding.cell}:"
    return f"{shown_path(finding.path)}:{cell}{finding.line}:{finding.column}:"


def label(finding: Finding) -> str:
    """``blocks``, or ``warning: blocks at tier hard`` for a finding that does not block."""
    return "blocks" if finding.blocking else f"warning: blocks at tier {finding.tier}"


def fix_lines(result: RunResult) -> list[str]:
    """``--show-fixes``: what ``--fix`` changed, per file and code (as ruff lists it)."""
    lines = [f"Fixed {result.fixed} finding{'s' * (result.fixed != 1)}:"]
    for path in sorted({path for path, _, _, _ in result.fixes}):
        lines.append(f"- {shown_path(path)}:")
        lines.extend(f"    {count} × {code} ({name})" for where, code, name, count in result.fixes if where == path)
    return lines
