"""The name table: the scopes of a file and the bindings the collector records in each.

``scopes.py`` answers what a name or an expression refers to from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

import libcst as cst

from .reach import Position, Timeline

if TYPE_CHECKING:
    from .scopes import Ref
    from .project import ProjectView


class BindingKind(Enum):
    IMPORT = "import"
    VALUE = "value"
    PARAM = "param"
    CLASS = "class"
    FUNCTION = "function"
    OPAQUE = "opaque"
    """Bound by something we do not follow (a loop target, ``except ... as``, a ``match`` capture,
    augmented assignment, a comprehension target, a type parameter)."""
    UNBOUND = "unbound"
    """Made local without a value (``del x``, ``x: int`` in a function): says nothing about what
    the name refers to, only that it may not be what an outer scope binds."""


@dataclass(eq=False)
class Binding:
    kind: BindingKind
    scope: Scope
    value: cst.BaseExpression | None = None
    qualname: str = ""
    node: cst.CSTNode | None = None
    at: Position | None = None
    """Where it is made in its scope's own code; None when made from other code (``global``)."""
    body: Scope | None = None
    """For a class or a ``def``: its own scope."""
    ref: object = field(default=None, repr=False)
    """Memo of what it refers to (``UNSET`` until resolved, ``BUSY`` while being resolved)."""

    def __post_init__(self) -> None:
        self.ref = UNSET


UNSET = object()
BUSY = object()
_NESTED = ("lambda", "comprehension")
"""Scopes that live inside a function, class or module body's code (see ``Scope.home``)."""


@dataclass(eq=False)
class Scope:
    """A module, class, function, lambda or comprehension body, or the annotation scope holding
    the type parameters of a ``def f[T]`` or ``class C[T]`` (Python 3.12)."""

    kind: str
    """``module``, ``class``, ``function``, ``lambda``, ``comprehension`` or ``annotation``."""
    node: cst.CSTNode
    parent: Scope | None
    names: dict[str, list[Binding]] = field(default_factory=dict)
    attrs: dict[str, list[Binding]] = field(default_factory=dict)
    """Class scopes only: ``self.<attr> = ...`` bindings made in its methods."""
    self_name: str | None = None
    """Function scopes of methods: the name of the first parameter."""
    globals: set[str] = field(default_factory=set)
    nonlocals: set[str] = field(default_factory=set)
    mutations: dict[str, list[tuple[cst.BaseExpression | None, cst.BaseExpression | None]]] = field(default_factory=dict)
    """Changes to a name's dict after it is bound: ``d["k"] = v`` as (key, value); ``d.update(...)`` as (None, None).
    Recorded on the ``home`` scope of the code that makes them."""
    resolved: dict[object, Ref | None] = field(default_factory=dict, repr=False)
    """Memo of ``resolve`` for names looked up from this scope's nested code, and of members."""
    ticks: dict[int, int] = field(default_factory=dict, repr=False)
    """By ``id`` of each name node in the file: the tick of its statement (one dict for the file)."""
    timelines: dict[str, Timeline] = field(default_factory=dict, repr=False)
    project: ProjectView | None = None
    """Module scopes in the second phase: how names imported from the project resolve."""

    def __post_init__(self) -> None:
        if self.parent is not None:
            self.ticks = self.parent.ticks

    def bind(self, name: str, binding: Binding) -> None:
        if name in self.globals:
            binding.at = None  # made from a function: any time it is called
            self.module.names.setdefault(name, []).append(binding)
        elif name in self.nonlocals:
            binding.at = None
            self._nonlocal_owner(name).bind(name, binding)
        else:
            self.names.setdefault(name, []).append(binding)

    def _nonlocal_owner(self, name: str) -> Scope:
        """The enclosing function that a ``nonlocal name`` here refers to: the nearest one binding
        ``name`` so far, else the nearest one (its binding may come later in the file)."""
        nearest = None
        scope = self.parent
        while scope is not None and scope.parent is not None:
            if scope.kind == "function":
                if name in scope.names or name in scope.nonlocals:
                    return scope
                nearest = nearest or scope
            scope = scope.parent
        return nearest or self

    @property
    def module(self) -> Scope:
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope

    @property
    def home(self) -> Scope:
        """The function, class or module body whose code this scope is part of (a lambda's or a
        comprehension's home is the body it is written in)."""
        scope = self
        while scope.kind in _NESTED and scope.parent is not None:
            scope = scope.parent
        return scope

    @property
    def owner_class(self) -> Scope | None:
        """For a method's scope: the class scope it is defined in."""
        if self.kind != "function":
            return None
        parent = self.parent
        if parent is not None and parent.kind == "annotation":
            parent = parent.parent
        return parent if parent is not None and parent.kind == "class" else None

    def self_class(self, name: str) -> Scope | None:
        """The class whose instance ``name`` is when it is the first parameter of the method
        this scope is in (seen through the lambdas and comprehensions inside the method)."""
        scope = self
        while scope.kind in _NESTED and name not in scope.names and scope.parent is not None:
            scope = scope.parent
        return scope.owner_class if scope.self_name == name else None

    def owner_of(self, name: str) -> Scope | None:
        """The scope whose bindings of ``name`` code in this scope sees, if any (class scopes are
        seen only from their own body, as in Python)."""
        scope: Scope | None = self
        first = True
        while scope is not None:
            if (first or scope.kind != "class") and name in scope.names:
                return scope
            first = False
            scope = scope.parent
        return None

    def lookup(self, name: str) -> list[Binding]:
        """The bindings visible for ``name`` from this scope."""
        owner = self.owner_of(name)
        return owner.names[name] if owner is not None else []

    def reaching(self, name: cst.Name) -> tuple[list[Binding], bool]:
        """The bindings of ``name`` that may be the one seen where it is written (in this scope),
        and whether that depends on where (its own scope's code); else every visible one."""
        owner = self.owner_of(name.value)
        if owner is None:
            return [], False
        bindings = owner.names[name.value]
        tick = self.ticks.get(id(name))
        home = self
        while home.kind == "comprehension" and home.parent is not None:
            home = home.parent
        if tick is None or home is not owner:
            return bindings, False
        timeline = owner.timelines.get(name.value)
        if timeline is None:
            timeline = owner.timelines[name.value] = Timeline(bindings)
        reaching = timeline.reaching(tick)
        return (reaching, True) if reaching is not None else (bindings, False)


def dotted(node: cst.BaseExpression) -> str:
    """The dotted name an expression spells (``os.environ``), or ``""`` for anything else."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{dotted(node.value)}.{node.attr.value}"
    return ""
