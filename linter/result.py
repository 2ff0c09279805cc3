"""The outcome of a run, as reporters and the exit code see it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .finding import Finding
from .policy import Policy

if TYPE_CHECKING:
    from .baseline import BaselineOutcome


@dataclass(frozen=True)
class RunResult:
    findings: tuple[Finding, ...]
    """Sorted by path, line, column, code."""
    files: int
    policy: Policy
    version: str
    exit_zero: bool = False
    """``--exit-zero``: the run exits 0 whatever it found (SARIF records the exit code)."""
    baseline: BaselineOutcome | None = None
    """What ``--baseline`` hid and which of its entries are stale; None without a baseline."""
    fixed: int | None = None
    """``--fix``: how many findings were fixed (``findings`` are what remains); None otherwise."""
    fixed_files: int = 0
    suppressed: tuple[Finding, ...] = ()
    """The findings a comment in the source silences (``Finding.suppression``), sorted like
    ``findings``; never counted, never blocking; SARIF reports them as suppressed."""
    fix_errors: int = 0
    """``--fix``: files whose fixes could not be applied or written (each told on stderr)."""
    fixes: tuple[tuple[str, str, str, int], ...] = ()
    """``--show-fixes``: (path, code, rule name, count) for each code fixed in each file, sorted."""

    @property
    def blocking(self) -> int:
        return sum(1 for finding in self.findings if finding.blocking)

    @property
    def fixable(self) -> int:
        return sum(1 for finding in self.findings if finding.fixable)

    def by_code(self) -> Counter[str]:
        return Counter(finding.code for finding in self.findings)

    def exit_code(self, exit_zero: bool | None = None) -> int:
        """1 when a reported finding blocks (hidden ones never do), unless ``--exit-zero``."""
        if exit_zero is None:
            exit_zero = self.exit_zero
        return 0 if exit_zero or not self.blocking else 1
