"""Output formats, one module each; ``REPORTERS`` also supplies ``--format``'s choices.

A run imports only the reporter it prints with: the registry names each format's module and
class, and loads it on first use (the other formats' imports were a tenth of a warm run's start).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping

from .base import Reporter

_WHERE = {
    "full": ("text", "TextReporter"),
    "text": ("text", "TextReporter"),  # the name of `full` before ruff's names were adopted; still accepted
    "concise": ("text", "ConciseReporter"),
    "json": ("json", "JsonReporter"),
    "json-lines": ("jsonlines", "JsonLinesReporter"),
    "sarif": ("sarif", "SarifReporter"),
    "github": ("github", "GithubReporter"),
    "gitlab": ("gitlab", "GitlabReporter"),
    "azure": ("azure", "AzureReporter"),
    "junit": ("junit", "JunitReporter"),
    "rdjson": ("rdjson", "RdjsonReporter"),
    "pylint": ("pylint", "PylintReporter"),
}


class _Registry(Mapping[str, type[Reporter]]):
    """Format name -> reporter class, each module imported when its format is first asked for."""

    def __getitem__(self, name: str) -> type[Reporter]:
        module, cls = _WHERE[name]
        return getattr(importlib.import_module(f"{__name__}.{module}"), cls)

    def __iter__(self) -> Iterator[str]:
        return iter(_WHERE)

    def __len__(self) -> int:
        return len(_WHERE)


REPORTERS: Mapping[str, type[Reporter]] = _Registry()
DEFAULT_FORMAT = "full"
TEXT_FORMATS = frozenset({"full", "text"})
"""The report ``--diff`` replaces: the only format it allows."""
