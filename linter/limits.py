"""Whether a call site's output length is bounded, read from its arguments and the catalog."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

import libcst as cst

from .catalog import Limit
from .model import CallSite, SiteKind
from .scopes import Scope
from .values import UNKNOWN, Mapping, evaluate, keyword_mapping, positional


class Bound(Enum):
    BOUNDED = "bounded"
    MISSING = "missing"
    """No limit given and the default is unbounded."""
    SENTINEL = "sentinel"
    """A value the SDK reads as "no limit"."""
    ABOVE_CEILING = "above-ceiling"
    UNRESOLVED = "unresolved"
    """The limit comes from something we cannot read (a parameter, a settings attribute)."""


@dataclass(frozen=True)
class Verdict:
    bound: Bound
    key: str
    """The limit argument or mapping key this verdict is about."""
    value: object = None
    node: cst.CSTNode | None = None
    """The expression holding the value, when one was given."""


@dataclass(frozen=True)
class _Found:
    expr: cst.BaseExpression | None
    scope: Scope | None
    key: str
    opaque: bool = False


def verdict(site: CallSite, ceiling: int | None) -> Verdict | None:
    """The bound of ``site``'s output, or None when the site carries no limit of its own."""
    limit = site.limit
    if limit is None:
        return None
    found = _find(site, limit)
    if found.expr is None and site.kind is SiteKind.GENERATION and site.ctor and site.client and site.client.limit:
        ctor, ctor_scope = site.ctor  # GenerativeModel(generation_config=...) bounds its calls
        on_ctor = _lookup(keyword_mapping(ctor, ctor_scope), site.client.limit, ctor, ctor_scope)
        if on_ctor.expr is not None or on_ctor.opaque:
            found = on_ctor
    if found.expr is None:
        if found.opaque:
            return Verdict(Bound.UNRESOLVED, found.key)
        return Verdict(Bound.BOUNDED if limit.missing_bounded else Bound.MISSING, found.key)
    assert found.scope is not None
    value = evaluate(found.expr, found.scope)
    return Verdict(_judge(limit, value, ceiling), found.key, value, found.expr)


def _judge(limit: Limit, value: object, ceiling: int | None) -> Bound:
    if value is UNKNOWN or isinstance(value, (bool, str, Mapping)):
        return Bound.UNRESOLVED
    if value is None:
        return Bound.SENTINEL if limit.none_unbounded else Bound.BOUNDED
    assert isinstance(value, (int, float))
    if math.isinf(value) or math.isnan(value) or value in limit.unbounded_values:
        return Bound.SENTINEL
    if limit.nonpositive_unbounded and value <= 0:
        return Bound.SENTINEL
    if ceiling is not None and value > ceiling:
        return Bound.ABOVE_CEILING
    return Bound.BOUNDED


def _find(site: CallSite, limit: Limit) -> _Found:
    if site.http_path is not None:
        if site.body is None:
            return _Found(None, None, limit.keys[0], opaque=True)
        return _lookup(site.body, limit, None, site.scope)
    return _lookup(site.kwargs, limit, site.node, site.scope)


def _lookup(arguments: Mapping, limit: Limit, call: cst.Call | None, scope: Scope) -> _Found:
    """Find the limit in keyword arguments (or a JSON body), inside its container if it has one."""
    key = limit.keys[0]
    if limit.container:
        for name in limit.container:
            entry = arguments.get(name)
            if entry is None:
                continue
            inner = evaluate(entry[0], entry[1])
            if not isinstance(inner, Mapping):
                return _Found(None, None, key, opaque=inner is not None)
            for candidate in limit.keys:
                if candidate in inner.entries:
                    expr, inner_scope = inner.entries[candidate]
                    return _Found(expr, inner_scope, candidate)
            return _Found(None, None, key, opaque=inner.opaque)
        return _Found(None, None, key, opaque=arguments.opaque)
    for candidate in limit.keys:
        if candidate in arguments.entries:
            expr, inner_scope = arguments.entries[candidate]
            return _Found(expr, inner_scope, candidate)
    if call is not None and limit.positional is not None:
        expr = positional(call, limit.positional)
        if expr is not None:
            return _Found(expr, scope, key)
        if any(arg.star == "*" for arg in call.args):
            return _Found(None, None, key, opaque=True)
    return _Found(None, None, key, opaque=arguments.opaque)
