"""The values passed between the orchestration (runner, pool, phases) and the analysis of one
module (engine): what to run on a file, and what came out of it.

This module sits below both, so neither imports the other for its types.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from .cache import Signature
from .codes import UNEXPLAINED_SUPPRESSION
from .finding import Finding
from .per_file import PerFileIgnores
from .policy import Policy

if TYPE_CHECKING:
    from .fix import FileFix
    from .inventory import SiteRecord
    from .project import ProjectIndex
    from .rule import Report, Rule


@dataclass(frozen=True)
class Job:
    """What every worker needs: the policy and the rules to run."""

    policy: Policy
    rules: tuple[type[Rule], ...]
    report_suppressions: bool
    fix: bool = False
    """Apply the fixes (``--fix``, ``--diff``): results carry the fixed bytes and what remains."""
    unsafe_fixes: bool = False
    """Unsafe fixes count as fixable and apply too (``--unsafe-fixes``)."""
    line_length: int | None = None
    """The project's ruff ``line-length``: a call a fix makes longer is split one argument per line."""
    project: ProjectIndex | None = None
    """The second phase: the summaries of the project's modules, through which names imported
    from them resolve. None in the first phase (and for a lone snippet)."""
    every_rule: bool = False
    """``rules`` are all of budgetlint's (none deselected): a bare ``# budgetlint: ignore`` that
    silences nothing can then be judged unused (BL901)."""
    ignore_suppressions: bool = False
    """``--ignore-suppressions``: no comment silences anything, and none is judged (BL900, BL901)."""
    describe: bool = False
    """``budgetlint inventory``: results also carry each parsed file's call sites (``inventory.describe``)."""
    per_file_ignores: PerFileIgnores = PerFileIgnores()
    summaries: bool = True
    """Results carry what the module tells the project (``summary.file_facts``); False for an
    editor's buffer or stdin (``buffer.lint_buffer``), whose own summary nothing reads: its facts
    are then the project names it imports (``needs``) and its ``marks``."""

    def for_file(self, key: str) -> Job:
        """The job of the file at the root-relative path ``key``: without the rules its
        ``per-file-ignores`` turn off (they do not run on it, so nothing of theirs is fixed either)."""
        ignored = self.per_file_ignores.codes(key) if self.per_file_ignores.entries else ()
        if not ignored:
            return self
        if "ALL" in ignored:
            return replace(self, rules=(), report_suppressions=False, every_rule=False)
        rules = tuple(rule for rule in self.rules if not rule.code.startswith(ignored))
        return replace(
            self,
            rules=rules,
            report_suppressions=self.report_suppressions and not UNEXPLAINED_SUPPRESSION.code.startswith(ignored),
            every_rule=self.every_rule and len(rules) == len(self.rules),
        )

    def applies(self, report: Report) -> bool:
        return report.fix is not None and (report.fix.safe or self.unsafe_fixes)


@dataclass(frozen=True)
class FileResult:
    path: str
    findings: tuple[Finding, ...]
    parsed: bool
    fix: FileFix | None = None
    """With ``Job.fix``, when fixes applied: the bytes before and after; ``findings`` are then the
    fixed code's."""
    signature: Signature | None = field(default=None, compare=False)
    """What the result was computed from (content hash, stat), for the cache; None: not cacheable
    (the file could not be read, was too large, or analysing it failed)."""
    content: str = field(default="", compare=False)
    """The content hash of a result the cache answered (``signature`` holds it otherwise)."""
    facts: dict | None = field(default=None, compare=False)
    """What the project phases need from a parsed file (``summary.FileFacts`` as JSON data): its
    module summary, the project names it uses, the wrappers it calls, and which of its findings
    sit at the inner call of a wrapper. None for a file that was not parsed."""
    sites: tuple[SiteRecord, ...] = ()
    """With ``Job.describe``: the file's call sites, constructors included, unordered."""
    timings: dict | None = field(default=None, compare=False)
    """With ``BUDGETLINT_TIMINGS``, on a worker task's last result: the task's phase totals
    (``timing.Totals.as_json``), which the main process adds to its own."""
