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
from .annotations import annotated_class
from .project import ProjectView, Remote, client_of


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
    resolved: dict[str, Ref] = field(default_factory=dict)
    """Memo of ``resolve`` for names looked up from this scope, filled after the traversal."""
    project: ProjectView | None = None
    """Module scopes in the second phase: how names imported from the project resolve."""

    def bind(self, name: str, binding: Binding) -> None:
        if name in self.globals:
            self.module.names.setdefault(name, []).append(binding)
        elif name in self.nonlocals:
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
    origin: Remote | None = None
    """An instance built in another module of the project (``ctor`` is then None)."""

    def attr(self, name: str) -> Ref:
        if self.kind is RefKind.IMPORT:
            return Ref(RefKind.IMPORT, f"{self.qualname}.{name}")
        return Ref(self.kind, self.qualname, (*self.path, name), self.ctor, self.ctor_scope, self.origin)

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
        return _from_project(_resolve_name(expr.value, scope, depth), scope)
    if isinstance(expr, cst.Attribute):
        name = expr.attr.value
        if name in _PASSTHROUGH:  # client.with_raw_response.<...>
            return resolve(expr.value, scope, depth + 1)
        if isinstance(expr.value, cst.Name) and (cls := scope.self_class(expr.value.value)) is not None:
            return _resolve_self_attr(name, cls, depth)
        return _from_project(resolve(expr.value, scope, depth + 1).attr(name), scope)
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
        return _project_instance(callee, scope, called=True) or UNKNOWN
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
    """The binding's referent; None for placeholders (``client = None``, ``del client``) that say nothing."""
    kind = binding.kind
    if kind is BindingKind.UNBOUND:
        return None
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
        annotation = resolve(annotated_class(binding.value), binding.scope, depth + 1)
        if annotation.kind is RefKind.IMPORT and catalog.client_for(annotation.qualname):
            return Ref(RefKind.INSTANCE, annotation.qualname)
    return UNKNOWN


def _agree(refs: list[Ref]) -> Ref:
    """One referent when every binding agrees on it, else unknown."""
    if not refs:
        return UNKNOWN
    first = refs[0]
    for ref in refs[1:]:
        if (ref.kind, ref.qualname, ref.path, ref.origin) != (first.kind, first.qualname, first.path, first.origin):
            return UNKNOWN
    return first


def _from_project(ref: Ref, scope: Scope) -> Ref:
    """An imported name that is a client of another project module, as that client."""
    if ref.kind is not RefKind.IMPORT:
        return ref
    return _project_instance(ref, scope, called=False) or ref


def _project_instance(ref: Ref, scope: Scope, called: bool) -> Ref | None:
    """The instance an imported project name is (a module-level client), or that calling it
    returns (a factory); None when the project does not say (or this is the first phase)."""
    project = scope.module.project
    if project is None:
        return None
    found = client_of(project.lookup(ref.qualname), called)
    if found is None:
        return None
    remote, rest = found
    return Ref(RefKind.INSTANCE, remote.client, rest, origin=remote)


def single_value(name: str, scope: Scope) -> tuple[cst.BaseExpression, Scope] | None:
    """The expression a name is bound to, when it has exactly one plain assignment in reach."""
    bindings = [binding for binding in scope.lookup(name) if binding.kind is not BindingKind.UNBOUND]
    if len(bindings) != 1 or bindings[0].kind is not BindingKind.VALUE or bindings[0].value is None:
        return None
    return bindings[0].value, bindings[0].scope
