"""``--format pylint``: ``path:line: [CODE] message``, one line per finding and nothing else, as
pylint's parseable output (and ruff's ``pylint`` format) prints it, for tools that read that
(Jenkins warnings-ng, editors' problem matchers).

A notebook finding gives the line in the ``.ipynb`` file's JSON text, where its code is stored,
and its message names the cell. Paths and messages have their control characters escaped, and no line is a CI
runner's command (``base.inert_line``).
"""

from __future__ import annotations

from ..finding import printable, shown_path
from ..result import RunResult
from .base import Reporter, inert_line


class PylintReporter(Reporter):
    def render(self, result: RunResult) -> str:
        return "".join(
            inert_line(f"{shown_path(finding.path)}:{finding.file_region()[0]}: [{finding.code}] {printable(finding.located_message())}") + "\n"
            for finding in self.shown(result)
        )
