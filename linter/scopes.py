"""A light name table: what each name in a file is bound to, and what an expression refers to.

libcst's ScopeProvider and QualifiedNameProvider answer the same question for every node, at a
cost per file that dominates a lint run. budgetlint only needs to follow the few names that lead
to an SDK, so the model's visitor records bindings per scope and this module resolves them on
demand. A use in the scope's own code sees the bindings that reach it (``reach.py``); a use
from other code (a function reading a module global, a closure, a method reading ``self.x``)
sees every binding of the name, any of which may be the current one when it runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

import libcst as cst

from . import catalog
from .reach import MANY, Position, Timeline


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
    """For a class: its own scope."""
    ref: object = field(default=None, repr=False)
    """Memo of what it refers to (``_UNSET`` until resolved, ``_BUSY`` while being resolved)."""

    def __post_init__(self) -> None:
        self.ref = _UNSET


_UNSET = object()
_BUSY = object()
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


class RefKind(Enum):
    IMPORT = "import"
    """A module or module attribute: ``qualname`` is its dotted name."""
    INSTANCE = "instance"
    """An instance of a catalog client class (``qualname``), built by ``ctor`` when known."""
    LOCAL = "local"
    """Provably not an SDK object: a class or instance defined in this file, a literal."""
    UNKNOWN = "unknown"
    """Cannot be resolved in this file: a parameter, another module's object, a call result."""


@dataclass(frozen=True)
class Ref:
    """What an expression refers to: a root plus the attribute path walked from it."""

    kind: RefKind
    qualname: str = ""
    path: tuple[str, ...] = ()
    ctor: cst.Call | None = None
    ctor_scope: Scope | None = None
    alternatives: tuple[Ref, ...] = ()
    """Other candidates it may be (a client built in each arm of an ``if``): instances of the same
    family, each with its own constructor. Properties of the client are known when all agree."""
    body: Scope | None = None
    """For a class defined in this file (``qualname`` ``class``) or an instance of one: its scope."""

    def attr(self, name: str) -> Ref:
        if self.kind is RefKind.IMPORT:
            return Ref(RefKind.IMPORT, f"{self.qualname}.{name}")
        return Ref(self.kind, self.qualname, (*self.path, name), self.ctor, self.ctor_scope, self.alternatives)

    @property
    def client(self) -> catalog.Client | None:
        if self.kind is RefKind.INSTANCE:
            return catalog.client_for(self.qualname)
        return None

    @property
    def candidates(self) -> tuple[Ref, ...]:
        """This referent and its alternatives."""
        return (self, *self.alternatives)


UNKNOWN = Ref(RefKind.UNKNOWN)
LOCAL = Ref(RefKind.LOCAL)
_PASSTHROUGH = frozenset(name for family in catalog.FAMILIES.values() for name in family.passthrough)
_MAX_DEPTH = 24


def resolve(expr: cst.BaseExpression, scope: Scope, depth: int = 0) -> Ref:
    """What ``expr``, evaluated in ``scope``, refers to."""
    if depth > _MAX_DEPTH:
        return UNKNOWN
    if isinstance(expr, cst.Name):
        return _resolve_name(expr, scope, depth)
    if isinstance(expr, cst.Attribute):
        name = expr.attr.value
        if name in _PASSTHROUGH:  # client.with_raw_response.<...>
            return resolve(expr.value, scope, depth + 1)
        if isinstance(expr.value, cst.Name) and (cls := scope.self_class(expr.value.value)) is not None:
            return _resolve_member(name, cls, True, depth) or Ref(RefKind.UNKNOWN, path=(name,))
        owner = resolve(expr.value, scope, depth + 1)
        if owner.body is not None and not owner.path:  # Bot.client, Bot().client
            member = _resolve_member(name, owner.body, owner.qualname != "class", depth)
            if member is not None:
                return member
        return owner.attr(name)
    if isinstance(expr, cst.Call):
        return _resolve_call(expr, scope, depth)
    if isinstance(expr, cst.Await):
        return resolve(expr.expression, scope, depth + 1)
    if isinstance(expr, cst.IfExp):
        return _agree([resolve(expr.body, scope, depth + 1), resolve(expr.orelse, scope, depth + 1)])
    if isinstance(expr, (cst.BaseString, cst.Integer, cst.Float, cst.List, cst.Dict, cst.Tuple, cst.Set)):
        return LOCAL
    return UNKNOWN


def _resolve_call(call: cst.Call, scope: Scope, depth: int) -> Ref:
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value in _PASSTHROUGH:  # client.with_options(...)
        return resolve(func.value, scope, depth + 1)
    callee = resolve(func, scope, depth + 1)
    if callee.kind is RefKind.IMPORT:
        if catalog.client_for(callee.qualname) is not None:
            return Ref(RefKind.INSTANCE, callee.qualname, ctor=call, ctor_scope=scope)
        owner, _, method = callee.qualname.rpartition(".")
        client = catalog.client_for(owner)
        if client is not None and method in client.factories:
            return Ref(RefKind.INSTANCE, owner, ctor=call, ctor_scope=scope)
        return UNKNOWN
    if callee.kind is RefKind.LOCAL and callee.qualname == "class" and not callee.path:
        return Ref(RefKind.LOCAL, body=callee.body)  # an instance of a class defined in this file
    return UNKNOWN  # what a function returns is not followed


def _resolve_name(name: cst.Name, scope: Scope, depth: int) -> Ref:
    bindings, placed = scope.reaching(name)
    # every binding: the same answer wherever the name is written in this scope; else the same
    # answer for the same reaching bindings
    key: object = name.value if not placed else (name.value, *map(id, bindings))
    cached = scope.resolved.get(key)
    if cached is not None:
        return cached
    refs = [ref for binding in bindings if (ref := _binding_ref(binding, depth)) is not None]
    result = _agree(refs) if bindings else UNKNOWN
    if all(binding.ref is not _BUSY for binding in bindings):  # not a partial answer inside a cycle
        scope.resolved[key] = result
    return result


def _resolve_member(name: str, cls: Scope, instance: bool, depth: int) -> Ref | None:
    """An attribute of a class in this file, or of its instances (``self.x`` set in any method):
    every binding in the class and its bases in this file; None when there is none."""
    key = f"{'self' if instance else 'class'}.{name}"
    if key in cls.resolved:
        return cls.resolved[key]
    cls.resolved[key] = UNKNOWN  # a member defined through itself stays unknown
    bindings = [binding for base in _lineage(cls) for binding in (*(base.attrs.get(name, ()) if instance else ()), *base.names.get(name, ()))]
    refs = [ref for binding in bindings if (ref := _binding_ref(binding, depth)) is not None]
    result = _agree(refs) if bindings else None
    cls.resolved[key] = result  # None: no such member
    return result


def _lineage(cls: Scope) -> list[Scope]:
    """A class and the bases of it defined in this file (as far as they can be followed)."""
    found = [cls]
    for current in found:
        outer = current.parent.parent if current.parent and current.parent.kind == "annotation" else current.parent
        for base in current.node.bases if isinstance(current.node, cst.ClassDef) and outer else ():
            ref = resolve(base.value, outer)  # type: ignore[arg-type]
            if ref.body is not None and ref.qualname == "class" and ref.body not in found and len(found) < 16:
                found.append(ref.body)
    return found


def _binding_ref(binding: Binding, depth: int) -> Ref | None:
    """What a binding refers to, memoised; None while it is being resolved (a name defined
    through itself, ``c = c.with_options(...)`` in a loop, adds nothing of its own)."""
    if binding.ref is _BUSY:
        return None
    if binding.ref is _UNSET:
        binding.ref = _BUSY
        binding.ref = _resolve_binding(binding, depth)
    return binding.ref  # type: ignore[return-value]


def _resolve_binding(binding: Binding, depth: int) -> Ref | None:
    """The binding's referent; None for placeholders (``client = None``, ``del client``) that say nothing."""
    kind = binding.kind
    if kind is BindingKind.UNBOUND:
        return None
    if kind is BindingKind.IMPORT:
        return Ref(RefKind.IMPORT, binding.qualname)
    if kind is BindingKind.CLASS:
        return Ref(RefKind.LOCAL, "class", body=binding.body)
    if kind is BindingKind.FUNCTION:
        return Ref(RefKind.LOCAL, "function")
    if kind is BindingKind.VALUE and binding.value is not None:
        if isinstance(binding.value, cst.Name) and binding.value.value == "None":
            return None
        return resolve(binding.value, binding.scope, depth + 1)
    if kind is BindingKind.PARAM and binding.value is not None:  # annotated with an SDK class
        annotation = resolve(binding.value, binding.scope, depth + 1)
        if annotation.kind is RefKind.IMPORT and catalog.client_for(annotation.qualname):
            return Ref(RefKind.INSTANCE, annotation.qualname)
    return UNKNOWN


def _agree(refs: list[Ref]) -> Ref:
    """One referent when every candidate agrees on it (instances of clients of one family count
    as one, keeping the others as alternatives), else unknown."""
    if not refs:
        return UNKNOWN
    first = refs[0]
    candidates: dict[tuple[int, str], Ref] = {}
    for ref in refs:
        if ref is not first and (ref.kind, ref.qualname, ref.path, ref.body) != (first.kind, first.qualname, first.path, first.body):
            if not (ref.kind is first.kind is RefKind.INSTANCE and ref.path == first.path and _family(ref) == _family(first)):
                return UNKNOWN
        for candidate in ref.candidates:
            candidates.setdefault((id(candidate.ctor), candidate.qualname), candidate)
    if len(candidates) == 1:
        return first
    if len(candidates) > MANY:  # the family is known, what each constructor says is not read
        return Ref(first.kind, first.qualname, first.path)
    head, *others = candidates.values()
    return Ref(head.kind, head.qualname, head.path, head.ctor, head.ctor_scope, tuple(map(_single, others)), head.body)


def _family(ref: Ref) -> str | None:
    client = ref.client
    return client.family if client is not None and not client.module else None


def _single(ref: Ref) -> Ref:
    return Ref(ref.kind, ref.qualname, ref.path, ref.ctor, ref.ctor_scope) if ref.alternatives else ref


def values_of(name: cst.Name | str, scope: Scope) -> list[tuple[cst.BaseExpression, Scope]] | None:
    """The expressions ``name`` may be bound to where it is written, when every binding that
    reaches it is a plain assignment (``del`` says nothing); else None."""
    if isinstance(name, str):
        bindings = scope.lookup(name)
    else:
        bindings = scope.reaching(name)[0]
    values = []
    for binding in bindings:
        if binding.kind is BindingKind.UNBOUND:
            continue
        if binding.kind is not BindingKind.VALUE or binding.value is None:
            return None
        values.append((binding.value, binding.scope))
    return values or None


def single_value(name: cst.Name | str, scope: Scope) -> tuple[cst.BaseExpression, Scope] | None:
    """The expression a name is bound to, when exactly one plain assignment reaches it (a name
    given as a string: when it has exactly one in reach)."""
    values = values_of(name, scope)
    return values[0] if values is not None and len(values) == 1 else None
