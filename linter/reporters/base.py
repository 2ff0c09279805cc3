from __future__ import annotations

from ..result import RunResult


class Reporter:
    """Renders a run's result; one subclass per ``--format``."""

    def __init__(self, *, color: bool = False, quiet: bool = False, statistics: bool = False) -> None:
        self.color = color
        self.quiet = quiet
        self.statistics = statistics

    def render(self, result: RunResult) -> str:
        raise NotImplementedError
