"""Fixed lines laid out as ruff format would: a call or dict that a fix made too long gets one
argument per line and a magic trailing comma, so ``ruff check --select E501`` and ``ruff format``
leave the lines ``--fix`` wrote alone."""

from __future__ import annotations

import difflib

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

MAX_ROUNDS = 8
"""Each round splits the outermost bracket of each long line; what is still too long after that many stays."""

_INDENT = "    "


def wrap_long_lines(module: cst.Module, original: str, line_length: int) -> cst.Module:
    """``module`` with each bracket (a call's arguments, a dict) that sits whole on a line longer
    than ``line_length`` split one entry per line, for the lines that differ from ``original``
    (the lines a fix wrote); the outermost bracket first, then inner ones that are still too long."""
    for _ in range(MAX_ROUNDS):
        lines = module.code.splitlines()
        written = _written(original.splitlines(), lines)
        long = {number for number in written if len(lines[number - 1]) > line_length}
        if not long:
            break
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        targets = _outermost(wrapper.resolve(PositionProvider), long)
        if not targets:
            break
        indents = {id(node): _indent(lines[line - 1]) for node, line in targets.items()}
        module = module.visit(_Split(indents))
    return module


class _Split(cst.CSTTransformer):
    def __init__(self, indents: dict[int, str]) -> None:
        super().__init__()
        self.indents = indents

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> cst.CSTNode:
        indent = self.indents.get(id(original_node))
        return updated_node if indent is None else _split(updated_node, indent)


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _written(before: list[str], after: list[str]) -> set[int]:
    """The 1-based numbers of the lines of ``after`` that are not lines of ``before``."""
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    return {
        number + 1
        for tag, _, _, start, end in matcher.get_opcodes()
        if tag in ("replace", "insert")
        for number in range(start, end)
    }


def _outermost(positions: object, long: set[int]) -> dict[cst.CSTNode, int]:
    """For each line of ``long``, the longest splittable bracket that starts and ends on it.

    A line with a comment is left as it is: a suppression comment must stay on the first line of
    the node it silences, and after a split it would end up after the closing bracket."""
    commented = {where.start.line for node, where in positions.items() if isinstance(node, cst.Comment)}  # type: ignore[attr-defined]
    best: dict[int, tuple[int, cst.CSTNode]] = {}
    for node, where in positions.items():  # type: ignore[attr-defined]
        line = where.start.line
        if line != where.end.line or line not in long or line in commented or not _splittable(node):
            continue
        width = where.end.column - where.start.column
        if line not in best or width > best[line][0]:
            best[line] = (width, node)
    return {node: line for line, (_, node) in best.items()}


def _splittable(node: cst.CSTNode) -> bool:
    if isinstance(node, cst.Call):
        lone_generator = len(node.args) == 1 and isinstance(node.args[0].value, cst.GeneratorExp) and not node.args[0].value.lpar
        return bool(node.args) and not lone_generator  # `f(x for x in y)` takes no trailing comma
    return isinstance(node, cst.Dict) and bool(node.elements)


def _split(node: cst.CSTNode, indent: str) -> cst.CSTNode:
    """``node`` with one entry per line, indented one level below ``indent``, and a trailing comma."""
    inner = cst.ParenthesizedWhitespace(last_line=cst.SimpleWhitespace(indent + _INDENT))
    closing = cst.ParenthesizedWhitespace(last_line=cst.SimpleWhitespace(indent))
    if isinstance(node, cst.Call):
        args = [
            arg.with_changes(
                whitespace_after_arg=cst.SimpleWhitespace(""),
                comma=cst.Comma(whitespace_after=inner if index < len(node.args) - 1 else closing),
            )
            for index, arg in enumerate(node.args)
        ]
        return node.with_changes(whitespace_before_args=inner, args=args)
    assert isinstance(node, cst.Dict)
    elements = [
        element.with_changes(comma=cst.Comma(whitespace_after=inner if index < len(node.elements) - 1 else cst.SimpleWhitespace("")))
        for index, element in enumerate(node.elements)
    ]
    return node.with_changes(
        lbrace=node.lbrace.with_changes(whitespace_after=inner),
        elements=elements,
        rbrace=node.rbrace.with_changes(whitespace_before=closing),
    )
