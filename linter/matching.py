"""Matching calls against the catalog: the call sites of a file, built from its one traversal.

Each call the collector records (``collector.py``) is resolved through the name table
(``scopes.py``) and matched against the SDK catalog (``catalog.py``): a client or model
constructor, a generation method of a resolved client, a module client (``litellm.completion``),
an instructor-patched client, a raw HTTP request to an LLM API path, or a distinctive method on
a receiver this file cannot resolve. Endpoint literals are noted on the way (``literals.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from . import catalog
from .catalog import Client, ClientKind, Family, Location, Method
from .collector import Collector, RecordedCall
from .endpoints import Endpoint, EndpointPolicy, UNKNOWN_ENDPOINT, classify
from .indirect import Partial, partial_of, patched_call
from .literals import MODULE_CLIENTS, EndpointLiterals, http_route
from .model import CallSite, FileModel, SiteKind
from .scopes import Ref, RefKind, Scope, resolve
from .values import evaluate, keyword_mapping, mapping, positional, string_parts

if TYPE_CHECKING:
    from .project import ProjectView
    from .statements import Reuse

_METHODS: dict[tuple[str, str], Method] = {
    (family.name, method.path): method for family in catalog.FAMILIES.values() for method in family.methods
}


def _by_method_name(entries: list[tuple[tuple[str, ...], Family, Method]]) -> dict[str, list[tuple[tuple[str, ...], Family, Method]]]:
    """``entries`` by the last name of each path, in their order."""
    found: dict[str, list[tuple[tuple[str, ...], Family, Method]]] = {}
    for entry in entries:
        found.setdefault(entry[0][-1], []).append(entry)
    return found


_DISTINCTIVE = _by_method_name(catalog.DISTINCTIVE)
"""``catalog.DISTINCTIVE`` by method name: a call is checked only against the paths its own ends."""


def build(module: cst.Module, policy: EndpointPolicy, project: ProjectView | None = None, reuse: Reuse | None = None) -> FileModel:
    """Traverse ``module`` once and build its call-site model; names imported from the
    ``project`` resolve through its summaries (the second phase). ``reuse``: the calls found to be
    no call site last time, kept with their statements (``statements.py``), are not matched again."""
    collector = Collector(module)
    collector.walk(module)
    collector.scope.project = project
    matcher = _Matcher(policy)
    module_endpoints = matcher.literals.assigned(collector.assignments)
    if reuse is not None:
        reuse.start(module, collector.scope, tuple(sorted(module_endpoints.items())))
    sites = []
    statement, none = None, None  # the calls of a statement come one after another
    for call in collector.calls:
        if reuse is not None and call.ancestors[1:2] != (statement,):
            statement, none = call.ancestors[1] if len(call.ancestors) > 1 else None, reuse.entry(call.ancestors, "none")
        if none is not None and id(call.node) in none:
            continue
        site = matcher.site(call, module_endpoints)
        if site is not None:
            sites.append(site)
        elif none is not None:
            none[id(call.node)] = True
    return FileModel(module, sites, collector.calls, matcher.literals.found, collector.scope, collector.loops, collector.functions)


class _Matcher:
    def __init__(self, policy: EndpointPolicy) -> None:
        self.policy = policy
        self.literals = EndpointLiterals(policy)

    def site(self, call: RecordedCall, module_endpoints: dict[str, Endpoint]) -> CallSite | None:
        partial = partial_of(call.node.func, call.scope)
        func, scope = (partial.func, partial.scope) if partial else (call.node.func, call.scope)
        site = self._match(call, resolve(func, scope), func, module_endpoints, partial)
        if site is not None and partial is not None:
            site.partial = partial
        return site

    def _match(
        self, call: RecordedCall, ref: Ref, func: cst.BaseExpression, module_endpoints: dict[str, Endpoint], partial: Partial | None
    ) -> CallSite | None:
        if ref.kind is RefKind.IMPORT:
            client = catalog.client_for(ref.qualname)
            if client is not None and not client.module:
                return None if partial or client.kind is ClientKind.PATCHER else self._constructor(call, client)
            module, path = _split_module_client(ref.qualname)
            if module is not None:
                receiver = Ref(RefKind.INSTANCE, module)
                site = self._generation(call, MODULE_CLIENTS[module], receiver, path, partial)
                if site is not None and module in module_endpoints and site.http_path is None:
                    site.endpoint = module_endpoints[module]
                return site
            root = ref.qualname.split(".")[0]
            if root in catalog.KNOWN_ROOT_MODULES:
                return None  # another attribute of an SDK (embeddings, models.list, ...)
            # Another module's object (``from app.llm import client``): only the attributes written
            # after the imported name form the method path, and a one-word method
            # (``create_chat_completion``) must hang off something, not be the import itself.
            attrs = _source_attrs(func)
            return self._distinctive(call, Ref(RefKind.UNKNOWN, path=attrs), imported=True, partial=partial)
        if ref.kind is RefKind.INSTANCE:
            client = ref.client
            assert client is not None
            if client.kind is ClientKind.PATCHER:
                return self._patched(call, ref, partial)
            return self._generation(call, client, ref, ref.path or ("__call__",), partial)
        if ref.kind is RefKind.UNKNOWN and ref.path:
            return self._distinctive(call, ref, imported=False, partial=partial)
        return None

    def _patched(self, call: RecordedCall, ref: Ref, partial: Partial | None) -> CallSite | None:
        """A method of an instructor-patched object: the wrapped client's call, with its limits
        and endpoint; the patcher's family and target when the wrapped client is unresolved."""
        patched = patched_call(ref)
        if patched is None:
            return None
        wrapped, path = patched.wrapped, patched.path
        if wrapped.kind is RefKind.INSTANCE and wrapped.client is not None and wrapped.client.kind is ClientKind.CLIENT:
            return self._generation(call, wrapped.client, wrapped, path, partial)
        if wrapped.kind is RefKind.IMPORT:
            module, inner = (wrapped.qualname, ()) if wrapped.qualname in MODULE_CLIENTS else _split_module_client(wrapped.qualname)
            if module is not None:
                return self._generation(call, MODULE_CLIENTS[module], Ref(RefKind.INSTANCE, module), inner or path, partial)
        family = catalog.FAMILIES[patched.patcher.family]
        method = _METHODS.get((family.name, ".".join(path)))
        if method is None:
            return None
        return CallSite(call.node, SiteKind.GENERATION, family, call.scope, call.ancestors, method, None, Ref(RefKind.UNKNOWN, path=ref.path), partial=partial)

    def _constructor(self, call: RecordedCall, client: Client) -> CallSite | None:
        family = catalog.FAMILIES[client.family]
        kind = {ClientKind.MODEL: SiteKind.MODEL, ClientKind.PARAMS: SiteKind.PARAMS}.get(client.kind, SiteKind.CLIENT)
        site = CallSite(call.node, kind, family, call.scope, call.ancestors, client=client)
        site.endpoint = self._ctor_endpoint(call.node, call.scope, client, family)
        return site

    def _ctor_endpoint(self, node: cst.Call, scope: Scope, client: Client, family: Family) -> Endpoint:
        for param in client.endpoint:
            found = endpoint_argument(node, scope, param.name, param.position)
            if found is not None:
                endpoint = classify(found[0], found[1], self.policy, family.location)
                self.literals.note(endpoint, family.env_var or "OPENAI_BASE_URL", f"`{param.name}=`")
                return endpoint
        return Endpoint(family.location)

    def _generation(
        self, call: RecordedCall, client: Client, receiver: Ref, path: tuple[str, ...], partial: Partial | None = None
    ) -> CallSite | None:
        family = catalog.FAMILIES[client.family]
        method = _METHODS.get((family.name, ".".join(path)))
        if method is None:
            return None
        site = CallSite(call.node, SiteKind.GENERATION, family, call.scope, call.ancestors, method, client, receiver, partial=partial)
        if family.name == "http":
            return self._http(site)
        site.endpoint = self._call_endpoint(site)
        return site

    def _distinctive(self, call: RecordedCall, ref: Ref, imported: bool, partial: Partial | None = None) -> CallSite | None:
        """A distinctive method shape on a receiver that cannot be resolved in this file."""
        if not ref.path:
            return None
        calls = (call.node, partial.call) if partial else (call.node,)
        for path, family, method in _DISTINCTIVE.get(ref.path[-1], ()):
            extra = 1 if imported and len(path) == 1 else 0
            if ref.path[-len(path) :] == path and len(ref.path) >= len(path) + extra:
                if method.claims and not any(_has_keyword(node, method.claims) for node in calls):
                    continue  # another family's method of the same path
                if not any(_has_evidence(node, method.evidence) for node in calls):
                    return None
                return CallSite(call.node, SiteKind.GENERATION, family, call.scope, call.ancestors, method, None, ref, partial=partial)
        return None

    def _call_endpoint(self, site: CallSite) -> Endpoint:
        family = site.family
        for name in family.endpoint_kwargs:
            found = endpoint_argument(site.node, site.scope, name, None)
            if found is None and site.partial is not None:
                found = endpoint_argument(site.partial.call, site.partial.scope, name, None)
            if found is not None:
                endpoint = classify(found[0], found[1], self.policy, family.location)
                self.literals.note(endpoint, family.env_var, f"`{name}=`")
                return endpoint
        if family.model_prefixes_local:
            model = _site_argument(site, "model", 0)
            value = evaluate(model, site.scope) if model is not None else None
            if isinstance(value, str):
                return Endpoint(Location.LOCAL if value.startswith(family.model_prefixes_local) else family.location)
            return UNKNOWN_ENDPOINT
        if site.client is not None and site.client.module:
            return Endpoint(family.location)
        if site.client is None or site.receiver is None:
            return UNKNOWN_ENDPOINT
        endpoints = []
        for ref in site.receiver.candidates:
            client = ref.client
            if ref.origin is not None:  # built in another module of the project
                endpoints.append(Endpoint(Location(ref.origin.location)))
                continue
            if ref.ctor is None or ref.ctor_scope is None or client is None:
                return UNKNOWN_ENDPOINT  # a client built elsewhere (an annotated parameter)
            endpoints.append(self._ctor_endpoint_quiet(ref.ctor, ref.ctor_scope, client, family))
        if any(endpoint.location is not endpoints[0].location for endpoint in endpoints):
            return UNKNOWN_ENDPOINT  # candidates disagree
        return endpoints[0] if len(endpoints) == 1 else Endpoint(endpoints[0].location)

    def _ctor_endpoint_quiet(self, node: cst.Call, scope: Scope, client: Client, family: Family) -> Endpoint:
        for param in client.endpoint:
            found = endpoint_argument(node, scope, param.name, param.position)
            if found is not None:
                return classify(found[0], found[1], self.policy, family.location)
        if any(arg.star == "**" for arg in node.args):
            return UNKNOWN_ENDPOINT
        return Endpoint(family.location)

    def _http(self, site: CallSite) -> CallSite | None:
        url = _argument(site.node, "url", 0)
        if url is None:
            return None
        parts = string_parts(url, site.scope)
        if parts is None:
            return None
        route = http_route(parts.template)
        if route is None:
            return None
        body_expr = _argument(site.node, "json", None)
        body = mapping(body_expr, site.scope) if body_expr is not None else None
        if route.requires and (body is None or not any(key in body.entries for key in route.requires)):
            return None
        site.http_path, site.body = route, body
        site.endpoint = classify(url, site.scope, self.policy, Location.UNKNOWN)
        self.literals.note(site.endpoint, route.env_var, "the request URL")
        return site


def _source_attrs(expr: cst.BaseExpression) -> tuple[str, ...]:
    """The attribute names written after the root name: ``a.b.c`` gives ``("b", "c")``."""
    names: list[str] = []
    while isinstance(expr, cst.Attribute):
        names.append(expr.attr.value)
        expr = expr.value
    return tuple(reversed(names))


def _split_module_client(qualname: str) -> tuple[str | None, tuple[str, ...]]:
    parts = qualname.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        head = ".".join(parts[:cut])
        if head in MODULE_CLIENTS:
            return head, tuple(parts[cut:])
    return None, ()


def _argument(call: cst.Call, name: str, position: int | None) -> cst.BaseExpression | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg.value
    return positional(call, position) if position is not None else None


def endpoint_argument(call: cst.Call, scope: Scope, name: str, position: int | None) -> tuple[cst.BaseExpression, Scope] | None:
    """An endpoint argument and the scope it is written in: a keyword, a position, or a key of a
    dict unpacked into the call (``OpenAI(**{"base_url": URL})``, ``OpenAI(**kw)``)."""
    expr = _argument(call, name, position)
    if expr is not None:
        return expr, scope
    if any(arg.star == "**" for arg in call.args):
        return keyword_mapping(call, scope).get(name)
    return None


def _site_argument(site: CallSite, name: str, position: int | None) -> cst.BaseExpression | None:
    """An argument of the call, else (by keyword) of the partial it calls."""
    found = _argument(site.node, name, position)
    if found is None and site.partial is not None:
        found = _argument(site.partial.call, name, None)
    return found


def _has_evidence(call: cst.Call, evidence: tuple[str, ...]) -> bool:
    return any(arg.star == "**" or (arg.keyword is not None and arg.keyword.value in evidence) for arg in call.args)


def _has_keyword(call: cst.Call, names: tuple[str, ...]) -> bool:
    return any(arg.keyword is not None and arg.keyword.value in names for arg in call.args)
