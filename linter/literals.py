"""Endpoint literals in code (BL004): the record of them, and the endpoints assigned in code.

``matching.py`` notes the literal of each endpoint a call or constructor passes; the endpoints
assigned in code (``openai.base_url = "..."``, ``os.environ["X_BASE_URL"] = "..."``,
``self.api_base = "..."``) are read here from the collector's assignments.
"""

from __future__ import annotations

import libcst as cst

from . import catalog
from .catalog import Client, HttpPath, Location
from .endpoints import Endpoint, EndpointPolicy, classify, env_lookup, evident_llm_endpoint, is_endpoint_env, looks_like_url
from .model import EndpointLiteral, callee_text
from .scopes import Ref, RefKind, Scope, resolve
from .values import string_parts

MODULE_CLIENTS: dict[str, Client] = {qualname: client for client in catalog.CLIENTS if client.module for qualname in client.qualnames}
"""The catalog clients that are modules (``litellm``), by qualified name."""


class EndpointLiterals:
    """The endpoint literals of one file, each once, in the order they are found."""

    def __init__(self, policy: EndpointPolicy) -> None:
        self.policy = policy
        self.found: list[EndpointLiteral] = []
        self._seen: set[int] = set()

    # endpoints assigned in code: openai.base_url = "...", os.environ["X_BASE_URL"] = "...", self.api_base = "..."
    def assigned(self, assignments: list) -> dict[str, Endpoint]:
        """The endpoint assigned to each module client (``openai.base_url = ...``), by module; notes the literals."""
        found: dict[str, Endpoint] = {}
        for target, value, scope in assignments:
            if isinstance(target, cst.Attribute):
                ref = resolve(target, scope)
                if ref.kind is RefKind.IMPORT and ref.qualname in catalog.LEGACY_MODULE_ENDPOINTS:
                    module = ref.qualname.split(".")[0]
                    client = MODULE_CLIENTS.get(module)
                    family = catalog.FAMILIES[client.family] if client else None
                    endpoint = classify(value, scope, self.policy, family.location if family else Location.UNKNOWN)
                    found[module] = endpoint
                    self.note(endpoint, family.env_var if family else "OPENAI_BASE_URL", f"`{ref.qualname}`")
                elif target.attr.value in catalog.ENDPOINT_ATTRIBUTES:
                    self._endpoint_attribute(target, value, scope)
            elif isinstance(target, cst.Subscript):
                lookup = env_lookup(target, scope)
                if lookup is not None and lookup[0] and is_endpoint_env(lookup[0]):
                    parts = string_parts(value, scope)
                    if parts is not None and looks_like_url(parts.static_prefix):
                        self.add(parts.literal, parts.scope, lookup[0], f'`os.environ["{lookup[0]}"]`', sets_env=True)
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
        route = http_route(parts.template)
        route = route if route is not None and not route.requires else None  # no request body to tell TGI's /generate
        env_var = _client_endpoint_env(resolve(target.value, scope), target.attr.value)
        env_var = env_var or evident_llm_endpoint(parts.static_prefix, route)
        if env_var:
            self.note(endpoint, env_var, f"`{callee_text(target)}`", route)

    def note(self, endpoint: Endpoint, env_var: str, context: str, route: HttpPath | None = None) -> None:
        """Record the literal (and the literal default of an environment lookup) ``endpoint`` is written with."""
        if endpoint.literal is not None:
            self.add(endpoint.literal, endpoint.literal_scope, endpoint.env or env_var, context, route=route)
        if endpoint.default_literal is not None:
            self.add(endpoint.default_literal, endpoint.literal_scope, endpoint.env or env_var, context, env_default=True)

    def add(
        self,
        node: cst.CSTNode | None,
        scope: Scope | None,
        env_var: str,
        context: str,
        env_default: bool = False,
        sets_env: bool = False,
        route: HttpPath | None = None,
    ) -> None:
        if node is None or id(node) in self._seen:
            return
        self._seen.add(id(node))
        self.found.append(EndpointLiteral(node, env_var, context, env_default, sets_env, scope, route))


def _client_endpoint_env(receiver: Ref, attribute: str) -> str:
    """The family's endpoint variable when ``receiver.<attribute>`` is an SDK client's endpoint."""
    client = receiver.client
    if receiver.kind is RefKind.IMPORT:
        client = MODULE_CLIENTS.get(receiver.qualname)  # litellm.api_base = "..."
    if client is None:
        return ""
    family = catalog.FAMILIES[client.family]
    names = {param.name for param in client.endpoint} | set(family.endpoint_kwargs)
    return family.env_var if attribute in names else ""


_ROUTES = sorted(catalog.HTTP_PATHS, key=lambda route: -len(route.suffix))


def http_route(template: str) -> HttpPath | None:
    """The LLM API path a URL template ends with (the longest that fits), if any."""
    path = template.split("?", 1)[0].rstrip("/")
    for route in _ROUTES:
        if path.endswith(route.suffix):
            return route
    return None
