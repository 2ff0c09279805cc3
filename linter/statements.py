"""What the analysis of a top-level statement reads outside it, so that an editor's keystroke
reuses what was worked out for the statements it did not change.

A statement kept by a re-parse (``reparse.Document``) keeps its nodes, and with them what is
kept in ``Document.memo``. What matching and the wrapper links decide about its calls is not a
function of its nodes alone: names resolve through the module's bindings, and those bindings'
values through more of them. A statement's *key* is what it may read there: every name written
in it (a superset of the names it reads), then the names written in each statement binding
one of them at module level, and so on; for each such name, its module-level bindings (their
kind, imported name, the identity of their nodes, where they are made relative to the
statement) and the changes to it (``Scope.mutations``); and what holds for the whole lint (the
project's summaries, the policy, the file's key). The same key for the same statement: the same
decisions (``Reuse.entry``). A binding whose node is in no statement the document keeps
leaves the statement without a key (nothing reused).
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from .names import Binding, Scope
from .walk import ReadOnlyWalker

Memo = Callable[[cst.CSTNode], "dict | None"]
_MODULE_BLOCK = 1
"""The tick of the module's own block (``Collector``: the module is the first node entered)."""


class _Names(ReadOnlyWalker):
    def __init__(self) -> None:
        self.found: list[cst.Name] = []

    def visit_Name(self, node: cst.Name) -> None:
        self.found.append(node)


class Reuse:
    """One lint's keys of the module's top-level statements, and what is kept under them."""

    def __init__(self, memo: Memo, whole: tuple[object, ...], plain: tuple) -> None:
        self.memo = memo
        self.whole = whole
        """What every statement's key holds: objects compared by identity (kept alive by it)..."""
        self.plain = plain
        """... and values compared by value."""
        self.scope: Scope | None = None
        self._keys: dict[int, tuple[tuple, list] | None] = {}
        self._names: dict[str, tuple | None] = {}
        self._bound: set[str] = set()
        self._entries: dict[tuple[int, str], dict | None] = {}

    def start(self, module: cst.Module, scope: Scope, plain: tuple) -> None:
        """The module's bindings are known (``scope``, after the collector's walk); ``plain``:
        more values every key holds."""
        self.scope = scope
        self.plain = (*self.plain, *plain)
        self._bound = {*scope.names, *scope.mutations}
        for statement in module.body:
            memo = self.memo(statement)
            if memo is not None:
                _written(statement, memo)

    def entry(self, ancestors: tuple[cst.CSTNode, ...], name: str) -> dict | None:
        """The dict kept under ``name`` with the top-level statement of ``ancestors`` (a call's,
        from the module down) for its key now: emptied when the key changed; None when the
        statement has no key."""
        if len(ancestors) < 2:
            return None
        statement = ancestors[1]
        ident = (id(statement), name)
        if ident not in self._entries:
            self._entries[ident] = self._entry(statement, name)
        return self._entries[ident]

    def _entry(self, statement: cst.CSTNode, name: str) -> dict | None:
        memo = self.memo(statement)
        if memo is None:
            return None
        found = self._key(statement, memo)
        if found is None:
            return None
        key, anchors = found
        kept = memo.get("reuse")
        if kept is None or kept[0] != key:
            kept = memo["reuse"] = (key, anchors, {})  # the anchors keep the ids in the key unused
        return kept[2].setdefault(name, {})

    def _key(self, statement: cst.CSTNode, memo: dict) -> tuple[tuple, list] | None:
        ident = id(statement)
        if ident not in self._keys:
            self._keys[ident] = self._make_key(statement, memo)
        return self._keys[ident]

    def _make_key(self, statement: cst.CSTNode, memo: dict) -> tuple[tuple, list] | None:
        """The statement's key, and the objects whose identity it holds."""
        assert self.scope is not None
        written = _written(statement, memo)
        start = self.scope.ticks.get(id(written[0])) if written[0] is not None else 0
        if start is None:
            return None
        parts: list[tuple] = [tuple(map(id, self.whole)), self.plain]
        anchors: list[object] = [self.whole]
        seen: set[str] = set()
        todo = sorted(written[1] & self._bound)
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            found = self._name(name)
            if found is None:
                return None
            described, ticks, more, nodes = found
            anchors.append(nodes)
            parts.append((name, described, tuple(tick is not None and tick < start for tick in ticks)))
            todo.extend(more)
        return tuple(parts), anchors

    def _name(self, name: str) -> tuple | None:
        """Name ``name``'s module-level bindings and changes, as a key holds them; their ticks;
        the names written in the statements making them (None: one is in no kept statement)."""
        if name not in self._names:
            assert self.scope is not None
            bindings = self.scope.names.get(name, [])
            changes = [node for pair in self.scope.mutations.get(name, ()) for node in pair]
            nodes = [node for node in (*(_node(binding) for binding in bindings), *changes) if node is not None]
            memos = [self.memo(node) for node in nodes]
            written = [memo.get("written") for memo in memos if memo is not None]
            if len(written) < len(nodes) or None in written:
                self._names[name] = None
            else:
                more = set().union(*(names for _, names in written)) & self._bound  # type: ignore[misc]
                described = (tuple(_binding(binding) for binding in bindings), tuple(map(id, changes)))
                ticks = tuple(binding.at.tick if binding.at is not None else None for binding in bindings)
                self._names[name] = (described, ticks, sorted(more - {name}), nodes)
        return self._names[name]


def _node(binding: Binding) -> cst.CSTNode | None:
    return binding.node if binding.node is not None else binding.value


def _binding(binding: Binding) -> tuple:
    """What of a binding its meaning depends on (where it is made: ``Reuse._make_key``)."""
    at = binding.at
    placed = (at.hides, at.block.start == _MODULE_BLOCK, at.loop is None) if at is not None else None
    return binding.kind, binding.qualname, id(binding.node), id(binding.value), placed


def _written(statement: cst.CSTNode, memo: dict) -> tuple[cst.Name | None, frozenset[str]]:
    """The statement's first name node and every name written in it (kept with it)."""
    if "written" not in memo:
        walker = _Names()
        walker.walk(statement)
        first = walker.found[0] if walker.found else None
        memo["written"] = (first, frozenset(node.value for node in walker.found))
    return memo["written"]
