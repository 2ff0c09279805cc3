"""The base class of rules, their examples, and what a rule reports."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import ClassVar

import libcst as cst

from .fix import Fix
from .model import FileModel
from .policy import Policy, Tier


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

    def check(self, model: FileModel, policy: Policy) -> Iterator[Report]:
        raise NotImplementedError

    @classmethod
    def documentation(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")
