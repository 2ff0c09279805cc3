"""``--format text``: ``path:line:col: CODE [*] [blocks] message`` (``[*]``: fixable, as ruff marks
it; ``[warning: blocks at tier hard]`` for a finding that does not block at the configured tier),
the line with a caret, a summary."""

from __future__ import annotations

import click

from ..finding import shown_path
from ..policy import Tier
from ..result import RunResult
from .base import Reporter


class TextReporter(Reporter):
    def render(self, result: RunResult) -> str:
        out: list[str] = []
        for finding in result.findings:
            if self.quiet and not finding.blocking:
                continue
            label = "blocks" if finding.blocking else f"warning: blocks at tier {finding.tier}"
            fixable = " [*]" if finding.fixable else ""
            cell = "" if finding.cell is None else f"cell {finding.cell}:"  # as ruff shows notebook cells
            location = f"{shown_path(finding.path)}:{cell}{finding.line}:{finding.column}:"
            code = self._style(finding.code, fg="red" if finding.blocking else "yellow", bold=True)
            out.append(f"{self._style(location, bold=True)} {code}{fixable} [{label}] {finding.message}")
            if finding.source_line and not self.quiet:
                line = finding.source_line.rstrip("\r\n").expandtabs(1)
                width = max(1, (finding.end_column - finding.column) if finding.end_line == finding.line else len(line) - finding.column + 1)
                out.append(f"    {line}")
                out.append("    " + " " * (finding.column - 1) + self._style("^" * min(width, 80), fg="red" if finding.blocking else "yellow"))
            for related in finding.related if not self.quiet else ():  # a wrapper's call: where its LLM call is
                out.append(f"    note: {related.message}: {shown_path(related.path)}:{related.line}:{related.column}")
        if self.statistics or not self.quiet:
            out.extend(self._summary(result))
        return "\n".join(out) + ("\n" if out else "")

    def _summary(self, result: RunResult) -> list[str]:
        lines = [""] if result.findings else []
        if self.statistics or result.findings:
            for code, count in sorted(result.by_code().items()):
                name = next(f.name for f in result.findings if f.code == code)
                lines.append(f"{count:>5}  {code}  {name}")
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
            lines.extend(result.baseline.summary_lines())
        return lines

    def _style(self, text: str, **style: object) -> str:
        return click.style(text, **style) if self.color else text


def fix_lines(result: RunResult) -> list[str]:
    """``--show-fixes``: what ``--fix`` changed, per file and code (as ruff lists it)."""
    lines = [f"Fixed {result.fixed} finding{'s' * (result.fixed != 1)}:"]
    for path in sorted({path for path, _, _, _ in result.fixes}):
        lines.append(f"- {shown_path(path)}:")
        lines.extend(f"    {count} × {code} ({name})" for where, code, name, count in result.fixes if where == path)
    return lines
