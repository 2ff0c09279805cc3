"""Output formats, one module each; ``REPORTERS`` also supplies ``--format``'s choices."""

from __future__ import annotations

from .base import Reporter
from .github import GithubReporter
from .json import JsonReporter
from .sarif import SarifReporter
from .text import TextReporter

REPORTERS: dict[str, type[Reporter]] = {
    "text": TextReporter,
    "json": JsonReporter,
    "sarif": SarifReporter,
    "github": GithubReporter,
}
