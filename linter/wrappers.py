"""Project functions that make an LLM call, and the call sites their callers are.

A *helper* is a function or method whose own body makes an LLM generation call (its *inner*
call). Each resolved call of a helper is a call site for every rule that looks at where calls
are (BL003: local or cloud by the inner call's endpoint; BL005: a loop calling it has an LLM
call in it). A *wrapper* is a helper that forwards one of its own parameters into the inner
call's limit (a named parameter such as ``max_tokens``, or ``**kwargs``) or its tag
(``**kwargs``); a call of a wrapper is then where BL001 and BL002 look: the limit is what the
caller passes, or the wrapper's default, and the inner call is not reported again. A function
whose one LLM call is a call of a wrapper, to which it forwards its own parameter, is a wrapper
too (chains). A function that only calls helpers is not one.

``link`` finds the helpers of one module and makes the call sites of their calls, in the
module and, through the ``ProjectView``, of the helpers other modules export
(``summary.file_facts`` describes them as ``Helper.as_json``). ``helpers.py`` holds what a
helper is and what its callers pass.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import libcst as cst

from . import catalog
from .catalog import Location
from .collector import RecordedCall
from .endpoints import Endpoint
from .helpers import UNKNOWN_DEFAULT, Forward, Helper, Hop, argument
from .limits import Bound, verdict
from .model import CallSite, FileModel, SiteKind
from .policy import TagCarriers
from .project import ProjectView
from .scopes import BindingKind, RefKind, Scope, resolve
from .statements import Reuse
from .tags import Tagged, feature_tag
from .values import evaluate, keyword_mapping

MAX_CHAIN = 4
"""Levels of wrappers calling wrappers followed in one module."""
_FUNCTIONS = (cst.FunctionDef, cst.Lambda, cst.Module)


@dataclass(eq=False)
class LocalHelper:
    """A helper defined in this module."""

    function: cst.FunctionDef
    qualname: str
    helper: Helper
    inner: list[CallSite]


def link(model: FileModel, key: str, carriers: TagCarriers, project: ProjectView | None, reuse: Reuse | None = None) -> None:
    """Find the module's helpers and add the call sites of helper calls to ``model`` (``reuse``:
    a function is described once for its statement's key, ``statements.py``)."""
    found: dict[int, LocalHelper] = {}
    sited = {id(site.node) for site in model.sites}
    for _ in range(MAX_CHAIN):
        fresh = _helpers(model, key, carriers, found, reuse)
        added = []
        for call in model.calls:
            if id(call.node) in sited:
                continue
            helper, local = _callee(call, found, project)
            if helper is None:
                continue
            sited.add(id(call.node))
            family = catalog.FAMILIES[helper.family]
            method = next(method for method in family.methods if method.path == helper.method)
            site = CallSite(call.node, SiteKind.GENERATION, family, call.scope, call.ancestors, method, helper=helper)
            site.endpoint = Endpoint(Location(helper.location))
            added.append(site)
            if local is not None and helper.wrapper:
                model.moved.update(id(inner.node) for inner in local.inner)
        model.sites.extend(added)
        if not added and not fresh:
            break
    model.helpers = list(found.values())


def chain(helper: Helper, model: FileModel, key: str, line: Callable[[cst.CSTNode], int]) -> tuple[Hop, ...]:
    """The functions a call of ``helper`` goes through, from it inward to the SDK call (the
    first of several); ``model`` is the module at root-relative ``key``, ``line`` gives a node's."""
    local = {found.helper.id: found for found in model.helpers}
    hops: list[Hop] = []
    while helper.id in local and not any(hop.function == local[helper.id].qualname for hop in hops):
        found = local[helper.id]
        first = found.inner[0]
        hops.append(Hop(key, line(first.node), found.qualname))
        if first.helper is None:
            return tuple(hops)
        helper = first.helper
    return (*hops, *helper.via)


def _helpers(model: FileModel, key: str, carriers: TagCarriers, found: dict[int, LocalHelper], reuse: Reuse | None) -> bool:
    """Add the functions that became helpers (a new wrapper call in them makes a chain); True if any did."""
    by_function: dict[int, list[CallSite]] = {}
    functions: dict[int, cst.FunctionDef] = {}
    for site in model.sites:
        if site.kind is not SiteKind.GENERATION:
            continue
        function = _function_of(site.ancestors)
        if function is None or id(function) in found:
            continue
        by_function.setdefault(id(function), []).append(site)
        functions[id(function)] = function
    fresh = False
    for ident, inner in by_function.items():
        direct = [site for site in inner if site.helper is None]
        chained = [site for site in inner if site.helper is not None and site.helper.wrapper]
        if not direct and len(chained) != 1:
            continue
        function = functions[ident]
        scope = model.functions.get(ident)
        if scope is None:
            continue
        helper = _described(function, scope, key, direct + chained, carriers, reuse)
        if helper is None:
            continue
        found[ident] = LocalHelper(function, helper.id.partition("::")[2], helper, direct + chained)
        fresh = True
    return fresh


def _function_of(ancestors: tuple[cst.CSTNode, ...]) -> cst.FunctionDef | None:
    for node in reversed(ancestors):
        if isinstance(node, _FUNCTIONS):
            return node if isinstance(node, cst.FunctionDef) else None
    return None


def _described(function: cst.FunctionDef, scope: Scope, key: str, inner: list[CallSite], carriers: TagCarriers, reuse: Reuse | None) -> Helper | None:
    """``_describe``, or what it gave for the same calls under the same key of their statement."""
    kept = reuse.entry(inner[0].ancestors, "helpers") if reuse is not None else None
    if kept is None:
        return _describe(function, scope, key, inner, carriers)
    calls = (id(function), *((id(site.node), site.helper) for site in inner))
    if calls not in kept:
        kept[calls] = _describe(function, scope, key, inner, carriers)
    return kept[calls]


def _describe(function: cst.FunctionDef, scope: Scope, key: str, inner: list[CallSite], carriers: TagCarriers) -> Helper | None:
    locations = {site.endpoint.location for site in inner}
    location = locations.pop() if len(locations) == 1 else Location.UNKNOWN
    first = inner[0]
    assert first.method is not None
    qualname = ".".join(_names(first.ancestors, function))
    bound = scope.self_name is not None
    at = first.helper.at if first.helper is not None else None
    node = first.helper.node if first.helper is not None else first.node
    call = first.helper.call if first.helper is not None else first.display_name
    helper = Helper(f"{key}::{qualname}", first.family.name, first.method.path, location.value, call, bound, node=node, at=at)
    if len(inner) != 1 or first.http_path is not None:
        return helper  # several LLM calls (or a raw request): a helper that forwards nothing
    params = _Params(function, scope)
    if first.helper is None:
        limit, tag, tag_inner = _forwarded_sdk(first, params, carriers)
    else:
        limit, tag, tag_inner = _forwarded_chain(first, params, carriers)
        if limit is None and tag is None:
            return None  # calls a wrapper without forwarding: not a helper (one level)
    return dataclasses.replace(helper, limit=limit, tag=tag, tag_inner=tag_inner)


def _names(ancestors: tuple[cst.CSTNode, ...], function: cst.FunctionDef) -> list[str]:
    names = []
    for node in ancestors:
        if isinstance(node, (cst.ClassDef, cst.FunctionDef)):
            names.append(node.name.value)
        if node is function:
            break
    return names


class _Params:
    """A function's parameters as its callers pass them."""

    def __init__(self, function: cst.FunctionDef, scope: Scope) -> None:
        params = function.params
        positional_params = [*params.posonly_params, *params.params]
        if scope.self_name is not None:
            positional_params = positional_params[1:]
        self.scope = scope
        self.positions = {param.name.value: index for index, param in enumerate(positional_params)}
        self.by_name = {param.name.value: param for param in [*positional_params, *params.kwonly_params]}
        star = params.star_kwarg
        self.kwargs = star.name.value if isinstance(star, cst.Param) else None

    def forward(self, expr: cst.BaseExpression | None, scope: Scope) -> Forward | None:
        """The parameter ``expr`` (read in ``scope``) is, as a Forward; None if it is not one."""
        if not isinstance(expr, cst.Name) or expr.value not in self.by_name:
            return None
        bindings = scope.lookup(expr.value)
        if not bindings or scope.owner_of(expr.value) is not self.scope or any(b.kind is not BindingKind.PARAM for b in bindings):
            return None
        param = self.by_name[expr.value]
        if param.default is None:
            return Forward(expr.value, self.positions.get(expr.value))
        value = evaluate(param.default, self.scope.parent or self.scope)
        plain = value if value is None or isinstance(value, (bool, int, float, str)) else UNKNOWN_DEFAULT
        return Forward(expr.value, self.positions.get(expr.value), plain, has_default=True)

    def splats(self, call: cst.Call) -> bool:
        return self.kwargs is not None and any(
            arg.star == "**" and isinstance(arg.value, cst.Name) and arg.value.value == self.kwargs for arg in call.args
        )

    def without_splat(self, site: CallSite) -> CallSite:
        """``site`` with the ``**kwargs`` of the function left out of its arguments."""
        kept = [arg for arg in site.node.args if not (arg.star == "**" and isinstance(arg.value, cst.Name) and arg.value.value == self.kwargs)]
        copy = dataclasses.replace(site)
        copy.__dict__["kwargs"] = keyword_mapping(site.node.with_changes(args=kept), site.scope)
        return copy


def _forwarded_sdk(site: CallSite, params: _Params, carriers: TagCarriers) -> tuple[Forward | None, Forward | None, str]:
    splat = params.splats(site.node)
    bare = params.without_splat(site) if splat else site
    limit = None
    found = verdict(bare, None)
    if found is not None:
        limit = params.forward(found.node if isinstance(found.node, cst.Name) else None, found.scope or site.scope)
        if limit is None and found.node is None and found.bound in (Bound.MISSING, Bound.BOUNDED) and splat:
            limit = Forward(kwargs=True)
    tag_inner = feature_tag(bare, carriers).state
    tag = Forward(kwargs=True) if splat and tag_inner is Tagged.NO else None
    return limit, tag, tag_inner.value


def _forwarded_chain(site: CallSite, params: _Params, carriers: TagCarriers) -> tuple[Forward | None, Forward | None, str]:
    """What a function forwards into the wrapper it calls (``site``)."""
    inner = site.helper
    assert inner is not None
    splat = params.splats(site.node)
    limit = None
    if inner.limit is not None:
        if inner.limit.param is not None:
            expr = argument(site.node, inner.limit.param, inner.limit.position)
            limit = params.forward(expr, site.scope)
            if limit is None and expr is None and splat:
                limit = Forward(kwargs=True)
        else:
            keys = site.limit.keys if site.limit is not None else ()
            expr = next((site.kwargs.entries[k][0] for k in keys if k in site.kwargs.entries), None)
            limit = params.forward(expr, site.scope) or (Forward(kwargs=True) if expr is None and splat else None)
    bare = params.without_splat(site) if splat else site
    tag_inner = feature_tag(bare, carriers).state
    tag = Forward(kwargs=True) if splat and inner.tag is not None and tag_inner is Tagged.NO else None
    return limit, tag, tag_inner.value


def _callee(call: RecordedCall, found: dict[int, LocalHelper], project: ProjectView | None) -> tuple[Helper | None, LocalHelper | None]:
    """The helper ``call`` calls: one of this module's, or one another project module exports."""
    func = call.node.func
    bindings = None
    if isinstance(func, cst.Name):
        bindings = call.scope.lookup(func.value)
    elif isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
        cls = call.scope.self_class(func.value.value)
        bindings = cls.names.get(func.attr.value) if cls is not None else None
    if bindings is not None and len(bindings) == 1 and bindings[0].kind is BindingKind.FUNCTION and bindings[0].node is not None:
        local = found.get(id(bindings[0].node))
        if local is None:
            return None, None
        bound = isinstance(func, cst.Attribute)
        return (local.helper if bound == local.helper.bound else None), local
    if project is None:
        return None, None
    ref = resolve(func, call.scope)
    if ref.kind is not RefKind.IMPORT:
        return None, None
    hit = project.lookup(ref.qualname)
    if hit is None or hit.rest or hit.record.get("kind") != "helper":
        return None, None
    return Helper.from_json(hit.record), None
