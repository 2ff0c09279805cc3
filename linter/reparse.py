"""An editor's buffer parsed again after a change: only the top-level statements it touched.

A ``Document`` keeps the last module it parsed as chunks, one per top-level statement: the
statement's libcst node, its exact source text (its leading comment and blank lines included,
as libcst attaches them) and its positions, generated the first time a node of it is looked up
(``positions.Positions`` over the statement alone, then shifted to where the statement is now).
After an edit, the text outside the common prefix and suffix of the old and new texts falls in
some chunks: those and one unchanged neighbour on each side (a clause such as ``else:`` may join
the statement before, an indented line the statement above) are parsed again as one module, by
CPython first as the engine does (``parsing.cpython_verdict``), then by libcst; every other chunk
keeps its node, and so does a neighbour whose text came out the same (what is kept with a
statement's nodes, ``Document.memo``, stays with them). The new statements' code is generated
and compared with the text, and the module is assembled with the defaults a whole parse would
give it (the first line break, the first indent); anything that does not line up, a syntax
error included, is left to a whole parse.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import libcst as cst
from libcst._nodes.internal import CodegenState
from libcst.metadata import CodePosition, CodeRange
from libcst.metadata.position_provider import NEWLINE_RE

from .parsing import cpython_verdict, unvalidated
from .positions import Positions, whole_module
from .walk import ReadOnlyWalker

_CLAUSES = (cst.BaseSuite, cst.BaseCompoundStatement, cst.Else, cst.ExceptHandler, cst.ExceptStarHandler, cst.Finally, cst.MatchCase)


class _Nodes(ReadOnlyWalker):
    def __init__(self) -> None:
        self.found: list[cst.CSTNode] = []

    def enter(self, node: cst.CSTNode) -> None:
        self.found.append(node)


@dataclass(eq=False)
class _Chunk:
    """One top-level statement and its text, generated with ``defaults`` (indent, line break)."""

    statement: cst.BaseStatement
    text: str
    defaults: tuple[str, str]
    indent: str | None
    """The statement's first indent (what libcst makes a module's default indent), if any."""
    height: int = field(init=False)
    nodes: list[cst.CSTNode] = field(init=False, default_factory=list)
    memo: dict = field(init=False, default_factory=dict)
    """What is worked out from the statement's nodes alone (``Document.memo``), kept with it."""
    _positions: Positions | None = None

    def __post_init__(self) -> None:
        self.height = len(NEWLINE_RE.findall(self.text))

    def where(self, node: cst.CSTNode) -> CodeRange:
        """``node``'s position as if the statement began the file."""
        if self._positions is None:
            indent, newline = self.defaults
            alone = cst.Module(body=[self.statement], header=(), footer=(), default_indent=indent, default_newline=newline)
            self._positions = Positions(alone, self.text)
        return self._positions[node]


@dataclass
class _State:
    text: str
    encoding: str
    module: cst.Module
    chunks: list[_Chunk]
    head: str
    """The module header's text (comment and blank lines before the first statement)."""


class Document:
    """One buffer's last parse, reused statement by statement (see the module docstring)."""

    def __init__(self) -> None:
        self._state: _State | None = None
        self._owner: dict[cst.CSTNode, _Chunk] = {}
        self.reused = 0
        """How many top-level statements the last ``reparse`` kept (for tests and benchmarks)."""
        self.parses = 0
        """How many modules were ``remember``-ed: parsed whole (the server settles the collector then)."""

    def reparse(self, text: str, encoding: str) -> tuple[cst.Module, Mapping[cst.CSTNode, CodeRange]] | None:
        """The module of ``text`` and its positions, from the last one's unchanged statements;
        None when it must be parsed whole (and then ``remember``-ed)."""
        old = self._state
        if old is None or encoding != old.encoding or "barry_as_FLUFL" in text:
            return None
        if text == old.text:
            return old.module, self._positions(old)
        starts = [len(old.head)]
        for chunk in old.chunks:
            starts.append(starts[-1] + len(chunk.text))
        prefix, suffix = _common(old.text, text)
        first = bisect.bisect_right(starts, prefix) - 1  # the chunk the change begins in (-1: the header)
        last = max(bisect.bisect_left(starts, len(old.text) - suffix) - 1, first)  # and ends in
        low, high = (first - 1 if first > 1 else -1), last + 1  # with a neighbour each side; -1: from the start
        begin = starts[low] if low >= 0 else 0
        end = starts[high + 1] if high + 1 < len(old.chunks) else len(old.text)
        if begin == 0 and end == len(old.text):
            return None  # every statement: a whole parse is the same work
        at_start, at_end = begin == 0, end == len(old.text)
        piece = text[begin : end + len(text) - len(old.text)]
        part = _parse(piece, at_start, at_end)
        if part is None:
            return None
        before, after = old.chunks[: max(low, 0)], old.chunks[high + 1 :]
        newline = match.group(0) if (match := NEWLINE_RE.search(text)) else "\n"
        indents = [chunk.indent for chunk in before] + part.indents + [chunk.indent for chunk in after]
        defaults = (next((indent for indent in indents if indent is not None), "    "), newline)
        if any(chunk.defaults != defaults for chunk in (*before, *after)):
            return None
        replaced = old.chunks[max(low, 0) : high + 1]
        fresh = [_Chunk(statement, _code(statement, defaults), defaults, indent) for statement, indent in zip(part.statements, part.indents)]
        head = "".join(_code(line, defaults) for line in part.header) if at_start else ""
        tail = "".join(_code(line, defaults) for line in part.footer) if at_end else ""
        if head + "".join(chunk.text for chunk in fresh) + tail != piece:
            return None  # the new statements' code is not the text: a whole parse decides
        fresh = _kept_neighbours(fresh, replaced)
        chunks = [*before, *fresh, *after]
        module = cst.Module(
            body=[chunk.statement for chunk in chunks],
            header=part.header if at_start else old.module.header,
            footer=part.footer if at_end else old.module.footer,
            encoding=encoding,
            default_indent=defaults[0],
            default_newline=newline,
        )
        for chunk in (chunk for chunk in replaced if chunk not in fresh):
            for node in chunk.nodes:
                self._owner.pop(node, None)
        self._own([chunk for chunk in fresh if chunk not in replaced])
        self._state = _State(text, encoding, module, chunks, head if at_start else old.head)
        self.reused = len(chunks) - sum(chunk not in replaced for chunk in fresh)
        return module, self._positions(self._state)

    def remember(self, module: cst.Module, text: str) -> Mapping[cst.CSTNode, CodeRange] | None:
        """Keep a module parsed whole, as chunks; its positions (None when its statements'
        code does not add up to ``text``: the next change parses whole again)."""
        self._state, self._owner, self.reused = None, {}, 0
        self.parses += 1
        if not module.body or not module.has_trailing_newline:
            return None
        defaults = (module.default_indent, module.default_newline)
        head = "".join(_code(line, defaults) for line in module.header)
        chunks = [_Chunk(statement, _code(statement, defaults), defaults, _first_indent(statement, defaults[0])) for statement in module.body]
        tail = "".join(_code(line, defaults) for line in module.footer)
        if head + "".join(chunk.text for chunk in chunks) + tail != text:
            return None
        self._own(chunks)
        self._state = _State(text, module.encoding, module, chunks, head)
        return self._positions(self._state)

    def memo(self, node: cst.CSTNode) -> dict | None:
        """A dict kept as long as the statement ``node`` is in (None for a node of no statement):
        for what depends on that statement's own nodes and text alone, such as a node's code,
        worked out once and reused by the keystrokes that keep the statement."""
        chunk = self._owner.get(node)
        return chunk.memo if chunk is not None else None

    def _own(self, chunks: Sequence[_Chunk]) -> None:
        for chunk in chunks:
            walker = _Nodes()
            walker.walk(chunk.statement)
            chunk.nodes = walker.found
            self._owner.update(dict.fromkeys(chunk.nodes, chunk))

    def _positions(self, state: _State) -> _Positions:
        lines, line = {}, 1 + len(NEWLINE_RE.findall(state.head))
        for chunk in state.chunks:
            lines[chunk] = line
            line += chunk.height
        return _Positions(state.module, self._owner, lines)


class _Positions(Mapping[cst.CSTNode, CodeRange]):
    """A module's positions: each statement's, shifted to the line it begins on now; the whole
    module's (generated once) for a node of no statement (the module, its header and footer)."""

    def __init__(self, module: cst.Module, owner: Mapping[cst.CSTNode, _Chunk], lines: Mapping[_Chunk, int]) -> None:
        self._module = module
        self._owner = owner
        self._lines = lines
        self._whole: dict[cst.CSTNode, CodeRange] | None = None

    def __getitem__(self, node: cst.CSTNode) -> CodeRange:
        chunk = self._owner.get(node)
        line = self._lines.get(chunk) if chunk is not None else None  # type: ignore[call-overload]
        if chunk is None or line is None:
            return self._everything()[node]
        where = chunk.where(node)
        if line == 1:
            return where
        start, end = where.start, where.end
        return CodeRange(CodePosition(start.line + line - 1, start.column), CodePosition(end.line + line - 1, end.column))

    def __iter__(self) -> Iterator[cst.CSTNode]:
        return iter(self._everything())

    def __len__(self) -> int:
        return len(self._everything())

    def _everything(self) -> dict[cst.CSTNode, CodeRange]:
        if self._whole is None:
            self._whole = whole_module(self._module)
        return self._whole


@dataclass
class _Part:
    """A stretch of the text parsed alone: its statements (a header moved onto the first, unless
    the stretch begins the file), their first indents, and the header and footer it has."""

    statements: list[cst.BaseStatement]
    indents: list[str | None]
    header: Sequence[cst.EmptyLine]
    footer: Sequence[cst.EmptyLine]


def _parse(piece: str, at_start: bool, at_end: bool) -> _Part | None:
    refusal, error = cpython_verdict(piece.encode("utf-8", "surrogatepass"), piece)
    if refusal is not None or error is not None:
        return None
    try:
        with unvalidated():
            module = cst.parse_module(piece)
    except cst.ParserSyntaxError:
        return None
    if not module.body or not module.has_trailing_newline or (module.footer and not at_end):
        return None
    statements = list(module.body)
    header: Sequence[cst.EmptyLine] = module.header
    if header and not at_start:  # inside a file, the lines before a statement are its own
        statements[0] = statements[0].with_changes(leading_lines=[*header, *statements[0].leading_lines])
        header = ()
    indents = [_first_indent(statement, module.default_indent) for statement in statements]
    return _Part(statements, indents, header, module.footer)


def _kept_neighbours(fresh: list[_Chunk], replaced: list[_Chunk]) -> list[_Chunk]:
    """``fresh`` with its first and last statements the replaced chunks' own when their text did
    not change (the unchanged neighbours parsed again with the edit): the same text at the top
    level parses to the same tree, and what was kept with their nodes stays valid."""
    kept = list(fresh)
    for at, was in ((0, replaced[0]), (-1, replaced[-1])):
        now = kept[at]
        if (now.text, now.indent, now.defaults) == (was.text, was.indent, was.defaults) and was not in kept:
            kept[at] = was
    return kept


def _first_indent(node: cst.CSTNode, default: str) -> str | None:
    """The indent of the first indented block in ``node`` (libcst's default indent is a
    module's first), with ``default`` for a block that keeps its module's."""
    if isinstance(node, (cst.IndentedBlock, cst.Match)):
        return default if node.indent is None else node.indent
    if isinstance(node, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
        return None
    for child in node.children:
        if isinstance(child, _CLAUSES):
            found = _first_indent(child, default)
            if found is not None:
                return found
    return None


def _code(node: cst.CSTNode, defaults: tuple[str, str]) -> str:
    state = CodegenState(default_indent=defaults[0], default_newline=defaults[1])
    node._codegen(state)
    return "".join(state.tokens)


def _common(old: str, new: str) -> tuple[int, int]:
    """The lengths of the common prefix and suffix of ``old`` and ``new`` (not overlapping)."""
    most = min(len(old), len(new))
    low, high = 0, most
    while low < high:
        middle = (low + high + 1) // 2
        if old[:middle] == new[:middle]:
            low = middle
        else:
            high = middle - 1
    prefix = low
    low, high = 0, most - prefix
    while low < high:
        middle = (low + high + 1) // 2
        if old[len(old) - middle :] == new[len(new) - middle :]:
            low = middle
        else:
            high = middle - 1
    return prefix, low
