"""The LLM call-site model: built once per file by one traversal, read by every rule.

The visitor records scopes, bindings and every call with its enclosing statements; afterwards
each call is matched against the catalog (``catalog.py``) through the name table
(``scopes.py``). Rules never traverse the tree themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from typing import TYPE_CHECKING

import libcst as cst

from . import catalog
from .catalog import Client, ClientKind, Family, HttpPath, Location, Method
from .endpoints import (
    Endpoint,
    EndpointPolicy,
    UNKNOWN_ENDPOINT,
    classify,
    env_lookup,
    evident_llm_endpoint,
    is_endpoint_env,
    looks_like_url,
)
from .collector import Collector, LoopFacts, RecordedCall
from .indirect import Partial, partial_of, patched_call
from .scopes import Ref, RefKind, Scope, resolve
from .values import Mapping, evaluate, keyword_mapping, mapping, positional, string_parts

if TYPE_CHECKING:
    from .project import ProjectView
    from .wrappers import Helper, LocalHelper


class SiteKind(Enum):
    GENERATION = "generation"
    """A call that generates text (BL001, BL002, BL003, BL005)."""
    MODEL = "model"
    """A model constructor carrying the output limit (LangChain ``ChatOpenAI(...)``)."""
    PARAMS = "params"
    """A parameter object carrying the output limit (vLLM ``SamplingParams(...)``)."""
    CLIENT = "client"
    """A client constructor (its endpoint is checked by BL004)."""


@dataclass(eq=False)
class CallSite:
    """One call the rules care about."""

    node: cst.Call
    kind: SiteKind
    family: Family
    scope: Scope
    ancestors: tuple[cst.CSTNode, ...]
    """Enclosing statements, suites and clauses, outermost first."""
    method: Method | None = None
    client: Client | None = None
    """The catalog client the call goes through (for constructors: the one built)."""
    receiver: Ref | None = None
    """For generation calls: the resolved receiver; ``client`` is None when it is unresolved."""
    endpoint: Endpoint = UNKNOWN_ENDPOINT
    http_path: HttpPath | None = None
    body: Mapping | None = None
    """For raw HTTP calls: the JSON body."""
    partial: Partial | None = None
    """For a call of a ``functools.partial`` of the method: the partial, whose keywords come first."""
    helper: Helper | None = None
    """A call of a project function that makes an LLM call (``wrappers.py``): what it reaches.
    ``method`` and ``endpoint`` are then its inner call's."""

    @property
    def resolved(self) -> bool:
        return self.client is not None

    @cached_property
    def kwargs(self) -> Mapping:
        """The call's keyword arguments, with ``**dict`` splats from the same scope merged (and,
        for a call of a partial, the partial's keyword arguments under them)."""
        own = keyword_mapping(self.node, self.scope)
        if self.partial is None:
            return own
        merged = keyword_mapping(self.partial.call, self.partial.scope)
        merged.entries.update(own.entries)
        merged.key_nodes.update(own.key_nodes)
        merged.opaque |= own.opaque
        merged.node = own.node
        return merged

    @property
    def ctors(self) -> tuple[tuple[cst.Call, Scope] | None, ...]:
        """The constructor call of each client the call may go through (a client built in each arm
        of an ``if``); None for one built where the file does not show."""
        if self.receiver is None:
            return ()
        return tuple(
            (ref.ctor, ref.ctor_scope) if ref.ctor is not None and ref.ctor_scope is not None else None
            for ref in self.receiver.candidates
        )

    @property
    def ctor(self) -> tuple[cst.Call, Scope] | None:
        """The constructor call of the client this call goes through, when it is the only
        candidate and it is in the file."""
        ctors = self.ctors
        return ctors[0] if len(ctors) == 1 else None

    @property
    def limit(self) -> catalog.Limit | None:
        if self.http_path is not None:
            return self.http_path.limit
        if self.kind is SiteKind.GENERATION:
            return self.method.limit if self.method else None
        return self.client.limit if self.client and self.kind in (SiteKind.MODEL, SiteKind.PARAMS) else None

    @property
    def function(self) -> cst.CSTNode:
        """The innermost enclosing function (or the module)."""
        for node in reversed(self.ancestors):
            if isinstance(node, (cst.FunctionDef, cst.Module, cst.Lambda)):
                return node
        return self.ancestors[0]

    @property
    def local_ancestors(self) -> tuple[cst.CSTNode, ...]:
        """Ancestors inside the innermost enclosing function."""
        for index in range(len(self.ancestors) - 1, -1, -1):
            if isinstance(self.ancestors[index], (cst.FunctionDef, cst.Module, cst.Lambda)):
                return self.ancestors[index + 1 :]
        return self.ancestors

    @property
    def display_name(self) -> str:
        """How the call reads in the source: ``self.client.chat.completions.create``."""
        return callee_text(self.node.func)


@dataclass(frozen=True)
class EndpointLiteral:
    """A literal endpoint in code (BL004), with the variable a fix would read it from."""

    node: cst.CSTNode
    env_var: str
    context: str
    env_default: bool = False
    """The literal is the default of an environment lookup: hard-coding only under ``strict``."""
    sets_env: bool = False
    """The literal is assigned to ``os.environ[env_var]`` in code."""
    scope: Scope | None = None
    """The scope the literal is written in."""
    route: HttpPath | None = None
    """The LLM API path the literal ends with, when that path is what marks it (``self.url = ".../api/chat"``)."""


@dataclass
class FileModel:
    """Everything the rules read about one file."""

    module: cst.Module
    sites: list[CallSite]
    calls: list[RecordedCall]
    endpoint_literals: list[EndpointLiteral]
    module_scope: Scope
    loops: dict[int, LoopFacts]
    """By ``id`` of the loop node."""
    functions: dict[int, Scope] = field(default_factory=dict)
    """By ``id`` of each ``def``: its body's scope."""
    helpers: list[LocalHelper] = field(default_factory=list)
    """The functions of this module that make an LLM call (``wrappers.link`` fills it)."""
    moved: set[int] = field(default_factory=set)
    """``id`` of the inner calls of wrappers called in this module: BL001/BL002 report at the callers."""

    def loop(self, node: cst.CSTNode) -> LoopFacts | None:
        return self.loops.get(id(node))

    def generation_sites(self) -> list[CallSite]:
        return [site for site in self.sites if site.kind is SiteKind.GENERATION]


def callee_text(node: cst.BaseExpression) -> str:
    """A short rendering of a callee: names and attributes, with ``(...)`` for inner calls."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{callee_text(node.value)}.{node.attr.value}"
    if isinstance(node, cst.Call):
        return f"{callee_text(node.func)}(...)"
    if isinstance(node, cst.Await):
        return callee_text(node.expression)
    return "(...)"


# --- matching calls against the catalog ----------------------------------------------------

_METHODS: dict[tuple[str, str], Method] = {
    (family.name, method.path): method for family in catalog.FAMILIES.values() for method in family.methods
}
_MODULE_CLIENTS = {qualname: client for client in catalog.CLIENTS if client.module for qualname in client.qualnames}


def build(module: cst.Module, policy: EndpointPolicy, project: ProjectView | None = None) -> FileModel:
    """Traverse ``module`` once and build its call-site model; names imported from the
    ``project`` resolve through its summaries (the second phase)."""
    collector = Collector(module)
    collector.walk(module)
    collector.scope.project = project
    builder = _Builder(policy, collector.scope)
    module_endpoints = builder.module_endpoints(collector.assignments)
    sites = [site for call in collector.calls if (site := builder.site(call, module_endpoints)) is not None]
    return FileModel(module, sites, collector.calls, builder.literals, collector.scope, collector.loops, collector.functions)


class _Builder:
    def __init__(self, policy: EndpointPolicy, module_scope: Scope) -> None:
        self.policy = policy
        self.module_scope = module_scope
        self.literals: list[EndpointLiteral] = []
        self._seen_literals: set[int] = set()

    # endpoints assigned in code: openai.base_url = "...", os.environ["X_BASE_URL"] = "...", self.api_base = "..."
    def module_endpoints(self, assignments: list) -> dict[str, Endpoint]:
        found: dict[str, Endpoint] = {}
        for target, value, scope in assignments:
            if isinstance(target, cst.Attribute):
                ref = resolve(target, scope)
                if ref.kind is RefKind.IMPORT and ref.qualname in catalog.LEGACY_MODULE_ENDPOINTS:
                    module = ref.qualname.split(".")[0]
                    client = _MODULE_CLIENTS.get(module)
                    family = catalog.FAMILIES[client.family] if client else None
                    endpoint = classify(value, scope, self.policy, family.location if family else Location.UNKNOWN)
                    found[module] = endpoint
                    self._note_literal(endpoint, family.env_var if family else "OPENAI_BASE_URL", f"`{ref.qualname}`")
                elif target.attr.value in catalog.ENDPOINT_ATTRIBUTES:
                    self._endpoint_attribute(target, value, scope)
            elif isinstance(target, cst.Subscript):
                lookup = env_lookup(target, scope)
                if lookup is not None and lookup[0] and is_endpoint_env(lookup[0]):
                    parts = string_parts(value, scope)
                    if parts is not None and looks_like_url(parts.static_prefix):
                        self._add_literal(parts.literal, parts.scope, lookup[0], f'`os.environ["{lookup[0]}"]`', sets_env=True)
        return found

    def _endpoint_attribute(self, target: cst.Attribute, value: cst.BaseExpression, scope: Scope) -> None:
        """``client.base_url = "..."``, ``self.api_base = "..."``: a literal endpoint when the object is
        an SDK client with that endpoint, or the URL itself shows an LLM endpoint (an LLM API path,
        an LLM API host, a local inference port or ``/v1`` base). Otherwise it is one only when an
        LLM client or call in the file reads it as its endpoint (``OpenAI(base_url=self.base_url)``)."""
        endpoint = classify(value, scope, self.policy, Location.UNKNOWN)
        node = endpoint.literal or endpoint.default_literal
        parts = string_parts(node, endpoint.literal_scope or scope) if isinstance(node, cst.BaseExpression) else None
        if parts is None:
            return
        route = _http_route(parts.template)
        route = route if route is not None and not route.requires else None  # no request body to tell TGI's /generate
        env_var = _client_endpoint_env(resolve(target.value, scope), target.attr.value)
        env_var = env_var or evident_llm_endpoint(parts.static_prefix, route)
        if env_var:
            self._note_literal(endpoint, env_var, f"`{callee_text(target)}`", route)

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
                site = self._generation(call, _MODULE_CLIENTS[module], receiver, path, partial)
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
            module, inner = (wrapped.qualname, ()) if wrapped.qualname in _MODULE_CLIENTS else _split_module_client(wrapped.qualname)
            if module is not None:
                return self._generation(call, _MODULE_CLIENTS[module], Ref(RefKind.INSTANCE, module), inner or path, partial)
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
            found = _endpoint_argument(node, scope, param.name, param.position)
            if found is not None:
                endpoint = classify(found[0], found[1], self.policy, family.location)
                self._note_literal(endpoint, family.env_var or "OPENAI_BASE_URL", f"`{param.name}=`")
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
        calls = (call.node, partial.call) if partial else (call.node,)
        for path, family, method in catalog.DISTINCTIVE:
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
            found = _endpoint_argument(site.node, site.scope, name, None)
            if found is None and site.partial is not None:
                found = _endpoint_argument(site.partial.call, site.partial.scope, name, None)
            if found is not None:
                endpoint = classify(found[0], found[1], self.policy, family.location)
                self._note_literal(endpoint, family.env_var, f"`{name}=`")
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
            found = _endpoint_argument(node, scope, param.name, param.position)
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
        route = _http_route(parts.template)
        if route is None:
            return None
        body_expr = _argument(site.node, "json", None)
        body = mapping(body_expr, site.scope) if body_expr is not None else None
        if route.requires and (body is None or not any(key in body.entries for key in route.requires)):
            return None
        site.http_path, site.body = route, body
        site.endpoint = classify(url, site.scope, self.policy, Location.UNKNOWN)
        self._note_literal(site.endpoint, route.env_var, "the request URL")
        return site

    def _note_literal(self, endpoint: Endpoint, env_var: str, context: str, route: HttpPath | None = None) -> None:
        if endpoint.literal is not None:
            self._add_literal(endpoint.literal, endpoint.literal_scope, endpoint.env or env_var, context, route=route)
        if endpoint.default_literal is not None:
            self._add_literal(endpoint.default_literal, endpoint.literal_scope, endpoint.env or env_var, context, env_default=True)

    def _add_literal(
        self,
        node: cst.CSTNode | None,
        scope: Scope | None,
        env_var: str,
        context: str,
        env_default: bool = False,
        sets_env: bool = False,
        route: HttpPath | None = None,
    ) -> None:
        if node is None or id(node) in self._seen_literals:
            return
        self._seen_literals.add(id(node))
        self.literals.append(EndpointLiteral(node, env_var, context, env_default, sets_env, scope, route))


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
        if head in _MODULE_CLIENTS:
            return head, tuple(parts[cut:])
    return None, ()


def _argument(call: cst.Call, name: str, position: int | None) -> cst.BaseExpression | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg.value
    return positional(call, position) if position is not None else None


def _endpoint_argument(call: cst.Call, scope: Scope, name: str, position: int | None) -> tuple[cst.BaseExpression, Scope] | None:
    """An endpoint argument and the scope it is written in: a keyword, a position, or a key of a
    dict unpacked into the call (``OpenAI(**{"base_url": URL})``, ``OpenAI(**kw)``)."""
    expr = _argument(call, name, position)
    if expr is not None:
        return expr, scope
    if any(arg.star == "**" for arg in call.args):
        return keyword_mapping(call, scope).get(name)
    return None


def _client_endpoint_env(receiver: Ref, attribute: str) -> str:
    """The family's endpoint variable when ``receiver.<attribute>`` is an SDK client's endpoint."""
    client = receiver.client
    if receiver.kind is RefKind.IMPORT:
        client = _MODULE_CLIENTS.get(receiver.qualname)  # litellm.api_base = "..."
    if client is None:
        return ""
    family = catalog.FAMILIES[client.family]
    names = {param.name for param in client.endpoint} | set(family.endpoint_kwargs)
    return family.env_var if attribute in names else ""


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


_ROUTES = sorted(catalog.HTTP_PATHS, key=lambda route: -len(route.suffix))


def _http_route(template: str) -> HttpPath | None:
    path = template.split("?", 1)[0].rstrip("/")
    for route in _ROUTES:
        if path.endswith(route.suffix):
            return route
    return None
