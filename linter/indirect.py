"""Calls that reach an SDK method indirectly: a ``functools.partial`` of it, or a client wrapped
by a patcher (instructor's ``from_openai(OpenAI())``, ``patch(client)``, ``from_litellm(completion)``).

``matching.py`` matches what these return against the catalog like a direct call.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from . import catalog
from .catalog import Client
from .scopes import UNKNOWN, Ref, RefKind, Scope, resolve, single_value
from .values import positional

PARTIALS = ("functools.partial",)


@dataclass(frozen=True)
class Partial:
    """``ask = functools.partial(client.chat.completions.create, model="m")``, seen from ``ask(...)``."""

    func: cst.BaseExpression
    """The wrapped callable (``client.chat.completions.create``)."""
    scope: Scope
    """The scope the partial is written in."""
    call: cst.Call
    """The ``partial(...)`` call: its keywords come before those of each call of the partial."""


def partial_of(func: cst.BaseExpression, scope: Scope) -> Partial | None:
    """The partial a callee is (``partial(f, ...)(...)`` or a name bound once to one), if any."""
    expr, where = func, scope
    if isinstance(expr, cst.Name):
        bound = single_value(expr.value, scope)
        if bound is None:
            return None
        expr, where = bound
    if not isinstance(expr, cst.Call) or not expr.args or expr.args[0].keyword is not None or expr.args[0].star:
        return None
    ref = resolve(expr.func, where)
    if ref.kind is RefKind.IMPORT and ref.qualname in PARTIALS:
        return Partial(expr.args[0].value, where, expr)
    return None


@dataclass(frozen=True)
class Patched:
    """What a method call on a patched object makes: ``path`` on the ``wrapped`` client."""

    patcher: Client
    wrapped: Ref
    """The wrapped client (an instance or a module), or ``UNKNOWN`` when it cannot be resolved."""
    path: tuple[str, ...]
    """The method path on the wrapped client (a wrapped function, ``from_litellm(completion)``,
    is itself the call)."""


def patched_call(ref: Ref) -> Patched | None:
    """For a method ``ref`` of a patched object (``Ref(INSTANCE, "instructor.from_openai", path)``):
    the wrapped call it makes; None when the method is not one that generates."""
    patcher = ref.client
    assert patcher is not None and patcher.wraps is not None
    if patcher.same_client:
        path = ref.path
    elif ref.path and ref.path[-1] in catalog.PATCHED_METHODS and all(part in catalog.PATCHED_SELF for part in ref.path[:-1]):
        path = tuple(patcher.target.split("."))
    else:
        return None
    wrapped = UNKNOWN
    if ref.ctor is not None and ref.ctor_scope is not None:
        expr = _argument(ref.ctor, patcher.wraps)
        if expr is not None:
            wrapped = resolve(expr, ref.ctor_scope)
    return Patched(patcher, wrapped, path)


def _argument(call: cst.Call, param: catalog.Param) -> cst.BaseExpression | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == param.name:
            return arg.value
    return positional(call, param.position) if param.position is not None else None
