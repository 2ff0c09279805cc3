"""``--format azure``: Azure Pipelines logging commands, which the agent turns into errors and
warnings on the run's summary and the pull request.

``##vso[task.logissue type=error;sourcepath=...;linenumber=...;columnnumber=...;code=...]message``
for a blocking finding, ``type=warning`` for the rest, then a plain summary line. Paths are
relative to the repository root. Everything printed is escaped as the agent unescapes it
(``CommandStringConvertor``): ``%`` as ``%AZP25``, then ``;``, CR, LF and ``]`` as ``%3B``,
``%0D``, ``%0A``, ``%5D``, in properties and message alike. The agent finds ``##vso[`` anywhere in a
line, so a plain line (the summary, a baseline's stale entries), which it prints unescaped, keeps
its line breaks as ``%0D``/``%0A`` and has the ``[`` of any ``##vso[`` (and of a ``##[`` formatting
command) written ``%5B``: text from the repository can never issue a command.
"""

from __future__ import annotations

from ..finding import Finding
from ..result import RunResult
from .base import Reporter
from .repository import command_lines

_ESCAPES = ((";", "%3B"), ("\r", "%0D"), ("\n", "%0A"), ("]", "%5D"))


class AzureReporter(Reporter):
    def render(self, result: RunResult) -> str:
        return command_lines(self, result, command, plain_line)


def command(finding: Finding, path: str) -> str:
    """One ``task.logissue`` command for ``finding`` located at ``path``."""
    line, column, _, _ = finding.file_region()  # a notebook's: in its JSON text
    properties = [
        ("type", "error" if finding.blocking else "warning"),
        ("sourcepath", path),
        ("linenumber", str(line)),
        ("columnnumber", str(column)),
        ("code", finding.code),
    ]
    rendered = ";".join(f"{key}={escape(value)}" for key, value in properties)
    return f"##vso[task.logissue {rendered}]{escape(f'{finding.code} {finding.located_message()}')}"


def escape(text: str) -> str:
    """A command's property value or message, as the agent unescapes it."""
    text = text.replace("%", "%AZP25")
    for token, replacement in _ESCAPES:
        text = text.replace(token, replacement)
    return text


def plain_line(text: str) -> str:
    """A line the agent prints as it is and never reads as a command (nor as a formatting one)."""
    line = text.replace("\r", "%0D").replace("\n", "%0A")  # one line; the agent does not unescape it
    return line.replace("##vso[", "##vso%5B").replace("##[", "##%5B")
