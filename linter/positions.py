"""Node positions computed only for the statements that hold the nodes asked for.

libcst knows positions only by generating the code of the whole module (``PositionProvider``),
which costs a good part of a parse on a large file, while a file's findings usually sit in a few
of its statements. CPython's ``ast`` already says on which line each statement begins: aligned
with libcst's statements (a ``SimpleStatementLine`` holds one ``ast`` statement per small
statement), it gives where to start generating one statement's code, descending into class and
function bodies. Each statement generated is checked against the source text; anything that
does not line up falls back to the whole module's positions, so the result is always
``PositionProvider``'s.
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Iterator, Mapping, Sequence

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider
from libcst.metadata.position_provider import NEWLINE_RE, PositionProvidingCodegenState

from .walk import ReadOnlyWalker

_Level = tuple[Sequence[cst.BaseStatement], Sequence[ast.stmt], tuple[str, ...]]


def whole_module(module: cst.Module) -> dict[cst.CSTNode, CodeRange]:
    """``PositionProvider``'s positions for every node (``MetadataWrapper.resolve`` would also
    rebuild the tree for the batchable providers, even when there are none)."""
    return PositionProvider()._gen(MetadataWrapper(module, unsafe_skip_copy=True))


class _Mismatch(Exception):
    """The ``ast`` and libcst statements, or a statement and the source, do not line up."""


class _Owners(ReadOnlyWalker):
    """Records, for every node under a statement, that statement's index."""

    def __init__(self, owners: dict[cst.CSTNode, int]) -> None:
        self.owners = owners
        self.index = 0

    def enter(self, node: cst.CSTNode) -> None:
        self.owners[node] = self.index


class Positions(Mapping[cst.CSTNode, CodeRange]):
    """The positions of a module's nodes, generated a statement at a time on first lookup."""

    def __init__(self, module: cst.Module, text: str) -> None:
        self._module = module
        self._text = text
        self._provider = PositionProvider()
        self._computed: dict[cst.CSTNode, CodeRange] = self._provider._computed
        self._starts: list[int] | None = None
        self._owners: dict[int, dict[cst.CSTNode, int]] = {}
        self._firsts: dict[int, list[ast.stmt]] = {}
        self._top: _Level | None = None
        self._whole = False

    def __getitem__(self, node: cst.CSTNode) -> CodeRange:
        where = self._computed.get(node)
        if where is None and not self._whole:
            try:
                self._generate(node)
            except (_Mismatch, SyntaxError, ValueError, RecursionError, MemoryError):
                self._computed.update(whole_module(self._module))
                self._whole = True
            where = self._computed.get(node)
        if where is None:
            raise KeyError(node)
        return where

    def __iter__(self) -> Iterator[cst.CSTNode]:
        return iter(self._computed)

    def __len__(self) -> int:
        return len(self._computed)

    def _generate(self, node: cst.CSTNode) -> None:
        if self._top is None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # CPython's warnings about the code are not ours
                tree = ast.parse(self._text)
            self._top = (self._module.body, tree.body, ())
            self._starts = [0] + [match.end() for match in NEWLINE_RE.finditer(self._text)]
        statements, trees, indents = self._top
        while True:
            index = self._owner(statements, node)
            firsts = self._firsts.get(id(statements))
            if firsts is None:
                firsts = self._firsts[id(statements)] = _aligned(statements, trees)
            statement, tree = statements[index], firsts[index]
            inner = _body(statement, tree)
            if inner is not None and self._owner(inner[0], node, missing_ok=True) is not None:
                indent = statement.body.indent  # type: ignore[attr-defined]
                statements, trees = inner
                indents = (*indents, self._module.default_indent if indent is None else indent)
                continue
            self._emit(statement, tree, indents)
            return

    def _owner(self, statements: Sequence[cst.BaseStatement], node: cst.CSTNode, missing_ok: bool = False) -> int | None:
        owners = self._owners.get(id(statements))
        if owners is None:
            owners = self._owners[id(statements)] = {}
            walker = _Owners(owners)
            for walker.index, statement in enumerate(statements):
                walker.walk(statement)
        index = owners.get(node)
        if index is None and not missing_ok:
            raise _Mismatch
        return index

    def _emit(self, statement: cst.BaseStatement, tree: ast.stmt, indents: tuple[str, ...]) -> None:
        line = _first_line(statement, tree)
        assert self._starts is not None
        if not 0 < line <= len(self._starts):
            raise _Mismatch
        state = PositionProvidingCodegenState(
            default_indent=self._module.default_indent,
            default_newline=self._module.default_newline,
            provider=self._provider,
            indent_tokens=list(indents),
            line=line,
        )
        statement._codegen(state)
        code = "".join(state.tokens)
        start = self._starts[line - 1]
        if self._text[start : start + len(code)] != code:
            raise _Mismatch  # the whole module's positions then replace every one written here


def _aligned(statements: Sequence[cst.BaseStatement], trees: Sequence[ast.stmt]) -> list[ast.stmt]:
    """The first ``ast`` statement of each libcst statement."""
    firsts: list[ast.stmt] = []
    index = 0
    for statement in statements:
        if index >= len(trees):
            raise _Mismatch
        firsts.append(trees[index])
        index += len(statement.body) if isinstance(statement, cst.SimpleStatementLine) else 1
    if index != len(trees):
        raise _Mismatch
    return firsts


def _body(statement: cst.BaseStatement, tree: ast.stmt) -> tuple[Sequence[cst.BaseStatement], Sequence[ast.stmt]] | None:
    """A class's or function's indented body, with its ``ast`` statements."""
    if isinstance(statement, (cst.ClassDef, cst.FunctionDef)) and isinstance(statement.body, cst.IndentedBlock):
        if isinstance(tree, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            return statement.body.body, tree.body
    return None


def _first_line(statement: cst.BaseStatement, tree: ast.stmt) -> int:
    """The line a statement's generated code starts on (its leading blank and comment lines)."""
    leading = len(statement.leading_lines)
    decorators = getattr(statement, "decorators", ())
    if decorators:
        decorated = getattr(tree, "decorator_list", None)
        if not decorated:
            raise _Mismatch
        return decorated[0].lineno - len(decorators[0].leading_lines) - leading
    return tree.lineno - leading
