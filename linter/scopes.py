"""What a name or an expression refers to, resolved on demand through the name table.

libcst's ScopeProvider and QualifiedNameProvider answer the same question for every node, at a
cost per file that dominates a lint run. budgetlint only needs to follow the few names that lead
to an SDK, so the collector records bindings per scope (``names.py``) and this module resolves
them on demand. A use in the scope's own code sees the bindings that reach it (``reach.py``); a
use from other code (a function reading a module global, a closure, a method reading ``self.x``)
sees every binding of the name, any of which may be the current one when it runs.
"""

from __future__ import annotations

import libcst as cst

from . import catalog
from .annotations import annotated_class
from .names import BUSY, UNSET, Binding, BindingKind, Scope
from .project import client_of
from .refs import LOCAL, UNKNOWN, Ref, RefKind, agree
from .returns import return_values

__all__ = ["Binding", "BindingKind", "Scope", "Ref", "RefKind", "UNKNOWN", "LOCAL", "resolve", "returned", "returned_values", "single_value", "values_of"]

_PASSTHROUGH = frozenset(name for family in catalog.FAMILIES.values() for name in family.passthrough)
_MAX_DEPTH = 24
_CACHES = frozenset({"functools.cache", "functools.lru_cache"})
_BUILTIN_DECORATORS = frozenset({"staticmethod", "classmethod"})
"""Decorators after which a call of the function still gives what its ``return`` statements do."""
_RETURNS = "return"
"""The key of a function scope's memo of what calling it gives (a keyword: never a name)."""


def resolve(expr: cst.BaseExpression, scope: Scope, depth: int = 0) -> Ref:
    """What ``expr``, evaluated in ``scope``, refers to."""
    if depth > _MAX_DEPTH:
        return UNKNOWN
    kind = type(expr)  # parsed nodes are of their concrete types: ``is`` spares isinstance's ABC checks
    if kind is cst.Name:
        return _from_project(_resolve_name(expr, scope, depth), scope)
    if kind is cst.Attribute:
        name = expr.attr.value
        if name in _PASSTHROUGH:  # client.with_raw_response.<...>
            return resolve(expr.value, scope, depth + 1)
        if type(expr.value) is cst.Name and (cls := scope.self_class(expr.value.value)) is not None:
            return _resolve_member(name, cls, True, depth) or Ref(RefKind.UNKNOWN, path=(name,))
        owner = resolve(expr.value, scope, depth + 1)
        if owner.body is not None and not owner.path and owner.qualname != "function":  # Bot.client, Bot().client
            member = _resolve_member(name, owner.body, owner.qualname != "class", depth)
            if member is not None:
                return member
        return _from_project(owner.attr(name), scope)
    if kind is cst.Call:
        return _resolve_call(expr, scope, depth)
    if kind is cst.Await:
        return resolve(expr.expression, scope, depth + 1)
    if kind is cst.IfExp:
        return agree([resolve(expr.body, scope, depth + 1), resolve(expr.orelse, scope, depth + 1)])
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
    if callee.kind is RefKind.LOCAL and not callee.path and callee.body is not None:
        if callee.qualname == "class":
            return Ref(RefKind.LOCAL, body=callee.body)  # an instance of a class defined in this file
        if callee.qualname == "function":
            return returned(callee.body, depth)  # a factory defined in this file
    return UNKNOWN


def returned(function: Scope, depth: int = 0) -> Ref:
    """What a call of the function whose body is ``function`` gives: what its ``return``
    statements give, read in its own scope, when they agree (``return None`` adds nothing);
    UNKNOWN when it returns nothing we can read. Memoised per function."""
    if _RETURNS in function.resolved:
        return function.resolved[_RETURNS] or UNKNOWN
    function.resolved[_RETURNS] = UNKNOWN  # a function returning through itself stays unknown
    values = returned_values(function)
    result = agree([resolve(value, function, depth + 1) for value in values]) if values else UNKNOWN
    function.resolved[_RETURNS] = result
    return result


def returned_values(function: Scope) -> list[cst.BaseExpression] | None:
    """The values of the ``return`` statements of the function whose body is ``function``, when a
    call gives what they give (no decorator but ``@staticmethod``, ``@classmethod`` and the
    ``functools`` caches wraps it); else None."""
    node = function.node
    if not isinstance(node, cst.FunctionDef) or function.parent is None:
        return None
    if not all(_transparent(decorator.decorator, function.parent) for decorator in node.decorators):
        return None
    return return_values(node)


def _transparent(decorator: cst.BaseExpression, scope: Scope) -> bool:
    func = decorator.func if isinstance(decorator, cst.Call) else decorator  # @lru_cache(maxsize=1)
    ref = resolve(func, scope)
    if ref.kind is RefKind.IMPORT:
        return ref.qualname in _CACHES
    builtin = not isinstance(decorator, cst.Call) and isinstance(func, cst.Name) and func.value in _BUILTIN_DECORATORS
    return builtin and ref.kind is RefKind.UNKNOWN and not ref.path


def _resolve_name(name: cst.Name, scope: Scope, depth: int) -> Ref:
    bindings, placed = scope.reaching(name)
    # every binding: the same answer wherever the name is written in this scope; else the same
    # answer for the same reaching bindings
    key: object = name.value if not placed else (name.value, *map(id, bindings))
    cached = scope.resolved.get(key)
    if cached is not None:
        return cached
    refs = [ref for binding in bindings if (ref := _binding_ref(binding, depth)) is not None]
    result = agree(refs) if bindings else UNKNOWN
    if all(binding.ref is not BUSY for binding in bindings):  # not a partial answer inside a cycle
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
    result = agree(refs) if bindings else None
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
    if binding.ref is BUSY:
        return None
    if binding.ref is UNSET:
        binding.ref = BUSY
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
        return Ref(RefKind.LOCAL, "function", body=binding.body)
    if kind is BindingKind.VALUE and binding.value is not None:
        if isinstance(binding.value, cst.Name) and binding.value.value == "None":
            return None
        return resolve(binding.value, binding.scope, depth + 1)
    if kind is BindingKind.PARAM and binding.value is not None:  # annotated with an SDK class
        annotation = resolve(annotated_class(binding.value), binding.scope, depth + 1)
        if annotation.kind is RefKind.IMPORT and catalog.client_for(annotation.qualname):
            return Ref(RefKind.INSTANCE, annotation.qualname)
    return UNKNOWN



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
