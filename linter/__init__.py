"""budgetlint: lint Python code that calls LLMs for cost and control guardrails."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("budgetlint")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0"
