"""The class a parameter annotation names, seen through ``Optional[...]``, unions with ``None``
and string annotations: ``client: Optional[OpenAI]`` and ``client: "OpenAI | None"`` are ``OpenAI``."""

from __future__ import annotations

import libcst as cst

from .names import dotted

_OPTIONAL = frozenset({"Optional", "typing.Optional", "t.Optional"})
_UNION = frozenset({"Union", "typing.Union", "t.Union"})
_MAX_TEXT = 200
"""A string annotation longer than this is not parsed."""


def annotated_class(annotation: cst.BaseExpression, depth: int = 0) -> cst.BaseExpression:
    """The one class ``annotation`` names besides ``None``; the annotation itself otherwise."""
    if depth > 4:
        return annotation
    if isinstance(annotation, cst.SimpleString):
        text = annotation.evaluated_value
        if isinstance(text, str) and len(text) <= _MAX_TEXT:
            try:
                return annotated_class(cst.parse_expression(text), depth + 1)
            except cst.ParserSyntaxError:
                return annotation
        return annotation
    if isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator, cst.BitOr):
        options = [side for side in (annotation.left, annotation.right) if not _is_none(side)]
        return annotated_class(options[0], depth + 1) if len(options) == 1 else annotation
    if isinstance(annotation, cst.Subscript) and dotted(annotation.value) in _OPTIONAL | _UNION:
        elements = [element.slice for element in annotation.slice]
        options = [e.value for e in elements if isinstance(e, cst.Index) and not _is_none(e.value)]
        if len(options) == 1 and len(elements) <= 2:
            return annotated_class(options[0], depth + 1)
    return annotation


def _is_none(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "None"
