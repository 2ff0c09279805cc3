"""Whether a call site's output length is bounded, read from its arguments and the catalog."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

import libcst as cst

from .catalog import Limit
from .model import CallSite, SiteKind
from .scopes import Scope, single_value
from .values import UNKNOWN, Mapping, evaluate, keyword_mapping, mapping, positional


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
    scope: Scope | None = None
    """The scope ``node`` is written in (another one than the call's for a module-level dict)."""


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
    if found.expr is None and site.kind is SiteKind.GENERATION and site.client and site.client.limit:
        # GenerativeModel(generation_config=...) bounds its calls; with several candidate clients,
        # only when every one gives the same limit
        ctor_limit = site.client.limit
        on_ctors = [_lookup(keyword_mapping(*ctor), ctor_limit, *ctor) for ctor in site.ctors if ctor is not None]
        given = [on_ctor for on_ctor in on_ctors if on_ctor.expr is not None or on_ctor.opaque]
        if len(given) == 1 == len(site.ctors):
            found = given[0]
        elif given:
            values = [evaluate(on_ctor.expr, on_ctor.scope) if on_ctor.expr is not None and on_ctor.scope else UNKNOWN for on_ctor in given]
            if len(given) < len(site.ctors) or UNKNOWN in values or any(value != values[0] for value in values):
                return Verdict(Bound.UNRESOLVED, given[0].key)
            found = given[0]
    if found.expr is None:
        if found.opaque:
            return Verdict(Bound.UNRESOLVED, found.key)
        return Verdict(Bound.BOUNDED if limit.missing_bounded else Bound.MISSING, found.key)
    assert found.scope is not None
    value = evaluate(found.expr, found.scope)
    return Verdict(_judge(limit, value, ceiling), found.key, value, found.expr, found.scope)


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


# --- where a fix adds a missing limit ------------------------------------------------------

@dataclass(frozen=True)
class Placement:
    """Where a fix writes a missing limit."""

    node: cst.CSTNode
    """A call (the limit becomes a keyword), a dict literal (a key), or, with ``replace``, the
    expression to replace with a one-key dict (``options=None``)."""
    key: str
    """The key to add: the limit itself, or the container that will hold it."""
    nested: str = ""
    """When set, the value added is ``{nested: N}``: the limit inside a new container."""
    replace: bool = False
    local: bool = True
    """The node is in the call or bound in the call's own scope, so the edit changes only code
    next to the call (a dict defined at module level may be shared by other calls)."""


def placement(site: CallSite) -> Placement | None:
    """Where to add ``site``'s missing limit, following the catalog's key and container; None
    when no literal in the file can take it (a body or container built elsewhere)."""
    limit = site.limit
    if limit is None:
        return None
    key = limit.keys[0]
    if site.http_path is not None:
        if site.body is None or not isinstance(site.body.node, (cst.Dict, cst.Call)):
            return None
        arguments, holder, local = site.body, site.body.node, _bound_here(site.body.node, site)
    else:
        arguments = site.kwargs
        holder, local = _keyword_holder(site)
    for name in limit.container:
        entry = arguments.get(name)
        if entry is None:
            continue
        home, home_scope = _home(entry[0], entry[1])
        here = local and home_scope is site.scope
        inner = evaluate(home, home_scope)
        if inner is None:
            return Placement(entry[0], key, replace=True, local=here and entry[0] is home)
        if isinstance(inner, Mapping) and inner.node is home and isinstance(home, (cst.Dict, cst.Call)):
            return Placement(home, key, local=here)
        return None
    if limit.container:
        return Placement(holder, limit.container[0], nested=key, local=local)
    return Placement(holder, key, local=local)


def _keyword_holder(site: CallSite) -> tuple[cst.CSTNode, bool]:
    """A ``**params`` dict written in the call's scope takes the limit; otherwise the call itself."""
    for arg in site.node.args:
        if arg.star != "**":
            continue
        home, home_scope = _home(arg.value, site.scope)
        if home_scope is site.scope and isinstance(home, (cst.Dict, cst.Call)):
            found = mapping(home, home_scope)
            if found is not None and found.node is home:
                return home, True
    return site.node, True


def _bound_here(node: cst.CSTNode, site: CallSite) -> bool:
    """Whether ``node`` (a request body) is written in the call or bound in the call's scope."""
    for arg in site.node.args:
        home, home_scope = _home(arg.value, site.scope)
        if home is node:
            return home_scope is site.scope
    return False


def _home(expr: cst.BaseExpression, scope: Scope) -> tuple[cst.BaseExpression, Scope]:
    """The expression a name stands for (following single assignments) and its scope."""
    for _ in range(8):
        if not isinstance(expr, cst.Name):
            break
        bound = single_value(expr, scope)
        if bound is None:
            break
        expr, scope = bound
    return expr, scope
