"""A read-only traversal of a libcst tree.

``CSTNode.visit`` rebuilds every node on the way back up, even for a read-only visitor, which
costs more than the analysis itself. budgetlint's collector never changes the tree, so it walks
the nodes' dataclass fields directly and calls the same ``visit_<Node>``/``leave_<Node>``
methods a ``CSTVisitor`` would, in the same order for the nodes it cares about.
"""

from __future__ import annotations

import dataclasses
from typing import Callable

import libcst as cst

NODE_TYPES: frozenset[type] = frozenset(
    value for value in vars(cst).values() if isinstance(value, type) and issubclass(value, cst.CSTNode)
)
_SKIPPED_FIELDS = frozenset(
    {
        "leading_lines", "lines_after_decorators", "header", "footer", "lpar", "rpar", "comma",
        "semicolon", "newline", "trailing_whitespace", "operator", "equal", "colon", "dot", "star",
        "asynchronous", "default_comma", "lbrace", "rbrace", "lbracket", "rbracket", "lbrace",
        "whitespace", "await_", "from_", "import_", "arrow", "walrus",
    }
)

_Plan = tuple[tuple[str, ...], Callable | None, Callable | None]


class ReadOnlyWalker:
    """Subclass and define ``visit_<Node>``/``leave_<Node>``; call ``walk(module)``."""

    _plans: dict[type, _Plan]

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        cls._plans = {}

    def walk(self, node: cst.CSTNode) -> None:
        plan = self._plans.get(type(node))
        if plan is None:
            plan = self._plan(type(node))
        fields, visit, leave = plan
        self.enter(node)
        if visit is not None:
            visit(self, node)
        for name in fields:
            value = getattr(node, name)
            if type(value) in NODE_TYPES:
                self.walk(value)
            elif type(value) in (tuple, list):
                for item in value:
                    if type(item) in NODE_TYPES:
                        self.walk(item)
        if leave is not None:
            leave(self, node)
        self.exit(node)

    def enter(self, node: cst.CSTNode) -> None:
        """Called for every node before its ``visit_`` method."""

    def exit(self, node: cst.CSTNode) -> None:
        """Called for every node after its ``leave_`` method."""

    @classmethod
    def _plan(cls, node_type: type) -> _Plan:
        fields = tuple(
            field.name
            for field in dataclasses.fields(node_type)
            if field.name not in _SKIPPED_FIELDS and not field.name.startswith("whitespace")
        )
        name = node_type.__name__
        plan = (fields, getattr(cls, f"visit_{name}", None), getattr(cls, f"leave_{name}", None))
        cls._plans[node_type] = plan
        return plan
