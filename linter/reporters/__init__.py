"""Output formats, one module each; ``REPORTERS`` also supplies ``--format``'s choices."""

from __future__ import annotations

from .azure import AzureReporter
from .base import Reporter
from .github import GithubReporter
from .gitlab import GitlabReporter
from .json import JsonReporter
from .jsonlines import JsonLinesReporter
from .junit import JunitReporter
from .pylint import PylintReporter
from .rdjson import RdjsonReporter
from .sarif import SarifReporter
from .text import ConciseReporter, TextReporter

REPORTERS: dict[str, type[Reporter]] = {
    "full": TextReporter,
    "text": TextReporter,  # the name of `full` before ruff's names were adopted; still accepted
    "concise": ConciseReporter,
    "json": JsonReporter,
    "json-lines": JsonLinesReporter,
    "sarif": SarifReporter,
    "github": GithubReporter,
    "gitlab": GitlabReporter,
    "azure": AzureReporter,
    "junit": JunitReporter,
    "rdjson": RdjsonReporter,
    "pylint": PylintReporter,
}
DEFAULT_FORMAT = "full"
TEXT_FORMATS = frozenset({"full", "text"})
"""The report ``--diff`` replaces: the only format it allows."""
