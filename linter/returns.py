"""What a function's ``return`` statements give, as written: the one walk of a function body that
both the in-module factory rule (``scopes.returned``) and the project summary's factory records use.
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

_NESTED = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
_BLOCKS = (cst.BaseSuite, cst.BaseStatement, cst.Else, cst.ExceptHandler, cst.ExceptStarHandler, cst.Finally, cst.MatchCase)


def return_values(function: cst.FunctionDef) -> list[cst.BaseExpression]:
    """The values the ``return`` statements of ``function`` give (not those of nested
    definitions); ``return None`` and a bare ``return`` give nothing."""
    return [value for value in _returns(function.body) if value is not None and not (isinstance(value, cst.Name) and value.value == "None")]


def _returns(node: cst.CSTNode) -> Iterator[cst.BaseExpression | None]:
    for child in node.children:
        if isinstance(child, cst.Return):
            yield child.value
        elif isinstance(child, _NESTED):
            continue
        elif isinstance(child, _BLOCKS):
            yield from _returns(child)
