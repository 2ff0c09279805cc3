"""``--format github``: workflow commands that GitHub Actions turns into annotations.

``::error`` for a blocking finding, ``::warning`` for the rest, then a plain summary line (the
runner prints lines that are not commands as they are). Everything printed is escaped: text from
the repository (a path, a message, a baseline's stale entries) can never start a command. Paths are relative to the repository
root, as the annotations need them. Columns are sent only for a finding on one line (GitHub
refuses them otherwise), with ``endColumn`` the last column of the node, inclusive.
"""

from __future__ import annotations

from ..finding import Finding
from ..result import RunResult
from .base import Reporter
from .repository import command_lines


class GithubReporter(Reporter):
    def render(self, result: RunResult) -> str:
        return command_lines(self, result, command, plain_line)


def command(finding: Finding, path: str) -> str:
    """One ``::error``/``::warning`` workflow command for ``finding`` located at ``path``.

    A notebook finding points into the ``.ipynb`` file's JSON text, where its code is stored,
    and its message names the cell and the line in the cell.
    """
    line, column, end_line, end_column = finding.file_region()
    one_line = end_line <= line
    properties = [("file", path), ("line", str(line))]
    if one_line:
        properties.append(("col", str(column)))
    properties.append(("endLine", str(max(end_line, line))))
    if one_line:
        properties.append(("endColumn", str(max(column, end_column - 1))))
    properties.append(("title", f"{finding.code} {finding.name}"))
    rendered = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    level = "error" if finding.blocking else "warning"
    return f"::{level} {rendered}::{escape_data(finding.located_message())}"


def escape_data(text: str) -> str:
    """A command's message, as the runner unescapes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A command property's value: also ``:`` and ``,``, which delimit properties."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def plain_line(text: str) -> str:
    """A line the runner prints as it is and never reads as a command.

    Line breaks are escaped as in a command's data (the line stays one line); a ``::`` that would
    start it (the runner trims leading blanks) gets its first ``:`` escaped, and so does the ``[``
    of a legacy ``##[command]``, which the runner finds anywhere in a line.
    """
    line = escape_data(text).replace("##[", "##%5B")
    start = len(line) - len(line.lstrip())
    if line.startswith("::", start):
        line = f"{line[:start]}%3A{line[start + 1:]}"
    return line
