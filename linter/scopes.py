"""A light name table: what each name in a file is bound to, and what an expression refers to.

libcst's ScopeProvider and QualifiedNameProvider answer the same question for every node, at a
cost per file that dominates a lint run. budgetlint only needs to follow the few names that lead
to an SDK, so the model's visitor records bindings per scope and this module resolves them on
demand, flow-insensitively (all bindings of a name in a scope are considered together).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

import libcst as cst

from . import catalog


class BindingKind(Enum):
    IMPORT = "import"
    VALUE = "value"
    PARAM = "param"
    CLASS = "class"
    FUNCTION = "function"
    OPAQUE = "opaque"
    """Bound by something we do not follow (a loop target, ``except ... as``, augmented assignment)."""


@dataclass(eq=False)
class Binding:
    kind: BindingKind
    scope: Scope
    value: cst.BaseExpression | None = None
    qualname: str = ""
    node: cst.CSTNode | None = None


@dataclass(eq=False)
class Scope:
    """A module, class or function body."""

    kind: str
    node: cst.CSTNode
    parent: Scope | None
    names: dict[str, list[Binding]] = field(default_factory=dict)
    attrs: dict[str, list[Binding]] = field(default_factory=dict)
    """Class scopes only: ``self.<attr> = ...`` bindings made in its methods."""
    self_name: str | None = None
    """Function scopes of methods: the name of the first parameter."""
    globals: set[str] = field(default_factory=set)
    mutations: dict[str, list[tuple[cst.BaseExpression | None, cst.BaseExpression | None]]] = field(default_factory=dict)
    """Changes to a name's dict after it is bound: ``d["k"] = v`` as (key, value); ``d.update(...)`` as (None, None)."""
    resolved: dict[str, Ref] = field(default_factory=dict)
    """Memo of ``resolve`` for names looked up from this scope, filled after the traversal."""

    def bind(self, name: str, binding: Binding) -> None:
        target = self.module if name in self.globals else self
        target.names.setdefault(name, []).append(binding)

    @property
    def module(self) -> Scope:
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope

    @property
    def owner_class(self) -> Scope | None:
        """For a method's scope: the class scope it is defined in."""
        if self.kind == "function" and self.parent is not None and self.parent.kind == "class":
            return self.parent
        return None

    def lookup(self, name: str) -> list[Binding]:
        """The bindings visible for ``name`` from this scope (class scopes do not nest)."""
        scope: Scope | None = self
        first = True
        while scope is not None:
            if (first or scope.kind != "class") and name in scope.names:
                return scope.names[name]
            first = False
            scope = scope.parent
        return []


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

    def attr(self, name: str) -> Ref:
        if self.kind is RefKind.IMPORT:
            return Ref(RefKind.IMPORT, f"{self.qualname}.{name}")
        return Ref(self.kind, self.qualname, (*self.path, name), self.ctor, self.ctor_scope)

    @property
    def client(self) -> catalog.Client | None:
        if self.kind is RefKind.INSTANCE:
            return catalog.client_for(self.qualname)
        return None


UNKNOWN = Ref(RefKind.UNKNOWN)
LOCAL = Ref(RefKind.LOCAL)
_PASSTHROUGH = frozenset(name for family in catalog.FAMILIES.values() for name in family.passthrough)
_MAX_DEPTH = 24


def resolve(expr: cst.BaseExpression, scope: Scope, depth: int = 0) -> Ref:
    """What ``expr``, evaluated in ``scope``, refers to."""
    if depth > _MAX_DEPTH:
        return UNKNOWN
    if isinstance(expr, cst.Name):
        return _resolve_name(expr.value, scope, depth)
    if isinstance(expr, cst.Attribute):
        name = expr.attr.value
        if name in _PASSTHROUGH:  # client.with_raw_response.<...>
            return resolve(expr.value, scope, depth + 1)
        if isinstance(expr.value, cst.Name) and scope.self_name == expr.value.value and scope.owner_class:
            return _resolve_self_attr(name, scope.owner_class, depth)
        return resolve(expr.value, scope, depth + 1).attr(name)
    if isinstance(expr, cst.Call):
        return _resolve_call(expr, scope, depth)
    if isinstance(expr, cst.Await):
        return resolve(expr.expression, scope, depth + 1)
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
    if callee.kind is RefKind.LOCAL and callee.qualname == "class":
        return LOCAL  # an instance of a class defined in this file
    return UNKNOWN  # what a function returns is not followed


def _resolve_name(name: str, scope: Scope, depth: int) -> Ref:
    cached = scope.resolved.get(name)
    if cached is not None:
        return cached
    scope.resolved[name] = UNKNOWN  # a name defined through itself (x = x.strip()) stays unknown
    bindings = scope.lookup(name)
    refs = [ref for binding in bindings if (ref := _resolve_binding(binding, depth)) is not None]
    result = _agree(refs) if bindings else UNKNOWN
    scope.resolved[name] = result
    return result


def _resolve_self_attr(name: str, cls: Scope, depth: int) -> Ref:
    key = f"self.{name}"
    cached = cls.resolved.get(key)
    if cached is not None:
        return cached
    unresolved = Ref(RefKind.UNKNOWN, path=(name,))
    cls.resolved[key] = unresolved
    bindings = cls.attrs.get(name) or cls.names.get(name)
    refs = [ref for binding in bindings or () if (ref := _resolve_binding(binding, depth)) is not None]
    ref = _agree(refs) if bindings else unresolved
    result = unresolved if ref.kind is RefKind.UNKNOWN and not ref.path else ref
    cls.resolved[key] = result
    return result


def _resolve_binding(binding: Binding, depth: int) -> Ref | None:
    """The binding's referent; None for placeholders (``client = None``) that say nothing."""
    kind = binding.kind
    if kind is BindingKind.IMPORT:
        return Ref(RefKind.IMPORT, binding.qualname)
    if kind is BindingKind.CLASS:
        return Ref(RefKind.LOCAL, "class")
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
    """One referent when every binding agrees on it, else unknown."""
    if not refs:
        return UNKNOWN
    first = refs[0]
    for ref in refs[1:]:
        if (ref.kind, ref.qualname, ref.path) != (first.kind, first.qualname, first.path):
            return UNKNOWN
    return first


def single_value(name: str, scope: Scope) -> tuple[cst.BaseExpression, Scope] | None:
    """The expression a name is bound to, when it has exactly one plain assignment in reach."""
    bindings = scope.lookup(name)
    if len(bindings) != 1 or bindings[0].kind is not BindingKind.VALUE or bindings[0].value is None:
        return None
    return bindings[0].value, bindings[0].scope
