"""What a function's ``return`` statements give, as written: the one walk of a function body that
both the in-module factory rule (``scopes.returned``) and the project summary's factory records use.
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from .walk import node_types

_NESTED = frozenset({cst.FunctionDef, cst.ClassDef, cst.Lambda})
_BLOCKS = node_types(cst.BaseSuite, cst.BaseStatement, cst.Else, cst.ExceptHandler, cst.ExceptStarHandler, cst.Finally, cst.MatchCase)
"""Node types that hold statements."""
_PARTS = ("body", "handlers", "orelse", "finalbody", "cases")
"""The fields of a block that hold statements and clauses, in the order they are written
(``node.children`` would give the same ones, at the cost of rebuilding the node's fields)."""


def return_values(function: cst.FunctionDef) -> list[cst.BaseExpression]:
    """The values the ``return`` statements of ``function`` give (not those of nested
    definitions); ``return None`` and a bare ``return`` give nothing."""
    return [value for value in _returns(function.body) if value is not None and not (isinstance(value, cst.Name) and value.value == "None")]


def _returns(node: cst.CSTNode) -> Iterator[cst.BaseExpression | None]:
    for name in _PARTS:
        part = getattr(node, name, None)
        for child in part if isinstance(part, (tuple, list)) else (part,):
            kind = type(child)
            if kind is cst.Return:
                yield child.value  # type: ignore[union-attr]
            elif kind in _BLOCKS and kind not in _NESTED:
                yield from _returns(child)  # type: ignore[arg-type]
