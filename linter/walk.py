"""A read-only traversal of a libcst tree.

``CSTNode.visit`` rebuilds every node on the way back up, even for a read-only visitor, which
costs more than the analysis itself. budgetlint's walkers never change the tree, so they walk
the nodes' dataclass fields directly, in their declared order (which is not always libcst's:
it visits a ``def``'s decorators first), and call the same ``visit_<Node>``/``leave_<Node>``
methods a ``CSTVisitor`` would; as in libcst, a ``visit_`` method returning ``False`` skips the
node's children (its ``leave_`` method still runs).

The walk is the hot loop of the analysis (one step per node, hundreds of thousands per run), so
everything that can be decided per node type is decided once, when a walker class first meets
the type, and compiled into one small function for it (``_compile``): the fields that can hold
a node (never whitespace, punctuation or plain strings) read as plain attributes, and the hooks
to call before and after them (``enter`` and ``visit_``, ``leave_`` and ``exit``). A leaf with
one hook is walked by calling that hook; a value that is not a node costs one call that does
nothing.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import typing
from typing import Any, Callable, ClassVar, Optional

import libcst as cst

_SKIPPED_FIELDS = frozenset(
    {
        "leading_lines", "lines_after_decorators", "header", "footer", "lpar", "rpar", "comma",
        "semicolon", "newline", "trailing_whitespace", "operator", "equal", "colon", "dot", "star",
        "asynchronous", "default_comma", "lbrace", "rbrace", "lbracket", "rbracket", "lbrace",
        "whitespace", "await_", "from_", "import_", "arrow", "walrus",
    }
)
_SEQUENCES = (tuple, list)

Hook = Optional[Callable[[Any, Any], Any]]
"""A function of (walker, node): a ``visit_``/``leave_`` method, ``enter``/``exit``, or both chained."""
Step = Callable[[Any, Any], None]
"""How a walker class walks a value of one type: (walker, value)."""


class ReadOnlyWalker:
    """Subclass and define ``visit_<Node>``/``leave_<Node>``; call ``walk(node)``.

    A subclass may also define ``enter``/``exit``, called for every node of the types in
    ``ENTERED`` (every type when it is None) before its ``visit_`` and after its ``leave_`` method.
    """

    ENTERED: ClassVar[frozenset[type] | None] = None
    """The node types ``enter`` and ``exit`` are called for (None: every type)."""
    _steps: ClassVar[_Steps]

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        cls._steps = _Steps(cls)

    def walk(self, node: cst.CSTNode) -> None:
        self._steps[type(node)](self, node)

    def enter(self, node: cst.CSTNode) -> None:
        """Called for every node (of the ``ENTERED`` types) before its ``visit_`` method."""

    def exit(self, node: cst.CSTNode) -> None:
        """Called for every node (of the ``ENTERED`` types) after its ``leave_`` method."""

    @classmethod
    def hooks(cls, node_type: type) -> tuple[Hook, Hook]:
        """What to call for a node of ``node_type`` before its children, and after them."""
        name = node_type.__name__
        visit, leave = getattr(cls, f"visit_{name}", None), getattr(cls, f"leave_{name}", None)
        if cls.ENTERED is None or node_type in cls.ENTERED:
            if cls.enter is not ReadOnlyWalker.enter:
                visit = _chain(cls.enter, visit)
            if cls.exit is not ReadOnlyWalker.exit:
                leave = _chain(leave, cls.exit, result=0)
        return visit, leave


class _Steps(dict):
    """A walker class's step function per value type, compiled on first use."""

    def __init__(self, walker: type[ReadOnlyWalker]) -> None:
        super().__init__()
        self.walker = walker

    def __missing__(self, value_type: type) -> Step:
        if isinstance(value_type, type) and _is_node(value_type):
            step = _compile(value_type, *self.walker.hooks(value_type), self)
        else:
            step = _skip  # None, MaybeSentinel, a string
        self[value_type] = step
        return step


def _skip(walker: Any, value: Any) -> None:
    """The step for a value that is not a node."""


def _compile(node_type: type, before: Hook, after: Hook, steps: _Steps) -> Step:
    """The step function walking a node of ``node_type``. For ``Call`` with a ``visit_Call``::

        def walk_Call(walker, node):
            if before(walker, node) is not False:
                value = node.func
                steps[type(value)](walker, value)
                for value in node.args:
                    steps[type(value)](walker, value)
    """
    fields = node_fields(node_type)
    if not fields and after is None:
        return before or _skip
    body = [line for name, kind in fields for line in _FIELD_CODE[kind].format(name=name).splitlines()]
    lines = [f"def walk_{node_type.__name__}(walker, node):"]
    if before is not None:
        lines.append("    if before(walker, node) is not False:")
        lines.extend(f"        {line}" for line in body or ["pass"])
    else:
        lines.extend(f"    {line}" for line in body or ["pass"])
    if after is not None:
        lines.append("    after(walker, node)")
    namespace = {"before": before, "after": after, "steps": steps, "SEQUENCES": _SEQUENCES}
    exec("\n".join(lines), namespace)  # noqa: S102 - source built above from field names
    return namespace[f"walk_{node_type.__name__}"]


_FIELD_CODE = {
    "node": "value = node.{name}\nsteps[type(value)](walker, value)",
    "nodes": "for value in node.{name} or ():\n    steps[type(value)](walker, value)",
    "either": (
        "value = node.{name}\nif type(value) in SEQUENCES:\n    for value in value:\n        steps[type(value)](walker, value)\n"
        "else:\n    steps[type(value)](walker, value)"
    ),
}
"""The code walking one field, by what it holds: one node (or None), a sequence of nodes (or
None), or either."""


def node_fields(node_type: type) -> tuple[tuple[str, str], ...]:
    """The fields of ``node_type`` that can hold a node worth walking into, in their order, each
    with what it holds (a key of ``_FIELD_CODE``)."""
    hints = _hints(node_type)
    fields = []
    for field in dataclasses.fields(node_type):
        if field.name in _SKIPPED_FIELDS or field.name.startswith("whitespace"):
            continue
        holds = _holds(hints[field.name]) if hints is not None and field.name in hints else {"node", "nodes"}
        if holds:
            fields.append((field.name, "either" if len(holds) == 2 else holds.pop()))
    return tuple(fields)


def _hints(node_type: type) -> dict[str, Any] | None:
    try:
        return typing.get_type_hints(node_type)
    except (NameError, TypeError):  # an annotation that does not resolve: every field may hold anything
        return None


def _holds(annotation: Any) -> set[str]:
    """What a field annotated ``annotation`` can hold: ``node``, ``nodes`` (a sequence of them),
    both, or neither (``str``, ``Literal[...]``, ``bool``, ``MaybeSentinel``)."""
    if isinstance(annotation, type):
        return {"node"} if _is_node(annotation) else set()
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return set()
    if isinstance(origin, type) and issubclass(origin, collections.abc.Sequence):
        return {"nodes"} if any(_holds(arg) for arg in typing.get_args(annotation)) else set()
    args = typing.get_args(annotation)
    return set().union(*map(_holds, args)) if args else {"node", "nodes"}


def node_types(*bases: type) -> frozenset[type]:
    """libcst's node classes deriving from any of ``bases`` (a set to look types up in: ``isinstance``
    on libcst's abstract classes is slow)."""
    wanted = set(bases)
    return frozenset(value for value in vars(cst).values() if isinstance(value, type) and not wanted.isdisjoint(value.__mro__))


def _is_node(value_type: type) -> bool:
    # By the MRO, not issubclass: a failing subclass check against libcst's abstract classes walks
    # all their subclasses (computing such tables at import was ~10 ms of every run parsing a file).
    return cst.CSTNode in value_type.__mro__


def _chain(first: Hook, second: Hook, result: int = 1) -> Hook:
    """One hook calling ``first`` then ``second``; it returns what hook number ``result`` (0 or
    1) returned, so a ``visit_`` method can still skip the children."""
    if first is None or second is None:
        return second if first is None else first

    def both(walker: Any, node: cst.CSTNode) -> Any:
        returned = first(walker, node), second(walker, node)
        return returned[result]

    return both
