"""The base class of rules, their examples, and what a rule reports."""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import ClassVar

import libcst as cst
from libcst.metadata import CodeRange

from .fix import Fix
from .model import FileModel
from .policy import Policy, Tier
from .suppress import Suppression


@dataclass(frozen=True)
class Report:
    """A rule's verdict on one node, before the engine locates it."""

    node: cst.CSTNode
    message: str
    fix: Fix | None = None
    """The edits that repair it, when the rule can tell them (``--fix``)."""
    related: tuple[object, ...] = ()
    """Other places the finding names: a node of this module, or (path key, line, column, end
    line, end column) in another module (the inner call of a wrapper called here)."""


@dataclass(frozen=True)
class Valid:
    """Code the rule must leave alone, optionally under a non-default policy."""

    code: str
    options: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Invalid:
    """Code the rule must flag: at ``line`` (1-based) and ``column`` (1-based) when given."""

    code: str
    line: int | None = None
    column: int | None = None
    count: int = 1
    options: dict = field(default_factory=dict)
    expected_replacement: str | None = None
    """The code after ``--fix --unsafe-fixes`` (dedented like ``code``); it must not be flagged again."""


@dataclass(frozen=True)
class SuppressionUse:
    """A file's line suppressions and what they silenced, for a rule that judges them (BL901)."""

    module: cst.Module
    positions: Mapping[cst.CSTNode, CodeRange]
    comments: Mapping[int, Suppression]
    """By line (``suppress.suppressions``)."""
    silenced: Mapping[int, frozenset[str]]
    """Line -> the codes whose findings its comment silenced."""
    judged: frozenset[str]
    """The codes of the rules that ran on the file, but the judging rule's own."""
    every_rule: bool
    """Every rule ran (``Job.every_rule``): a bare suppression may be judged."""


class Rule:
    """One check, run over a file's call-site model.

    Subclasses set ``code``, ``name``, ``tier``, ``fixable`` and the ``VALID``/``INVALID``
    examples, and implement ``check``. The class docstring is the rule's documentation
    (``budgetlint explain``), written with ruff's headings.
    """

    code: ClassVar[str]
    name: ClassVar[str]
    tier: ClassVar[Tier]
    summary: ClassVar[str]
    """One line: the problem the rule finds."""
    fix_title: ClassVar[str] = ""
    fixable: ClassVar[bool] = False
    """Whether the rule proposes fixes; each report says whether it has one (``Report.fix``)."""
    VALID: ClassVar[list[str | Valid]] = []
    INVALID: ClassVar[list[str | Invalid]] = []
    judges_suppressions: ClassVar[bool] = False
    """Whether the rule reports on suppression comments (``check_suppressions``), which the engine
    calls once the other rules' findings are suppressed; its examples run with every rule."""

    def check(self, model: FileModel, policy: Policy) -> Iterator[Report]:
        raise NotImplementedError

    def check_suppressions(self, use: SuppressionUse) -> Iterator[Report]:
        """Reports on the file's suppression comments (``judges_suppressions`` rules only)."""
        return iter(())

    @classmethod
    def documentation(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")
