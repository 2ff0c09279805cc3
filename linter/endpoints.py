"""Where an endpoint expression points (local, cloud, unknown) and whether it is hard-coded."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import libcst as cst

from . import catalog
from .catalog import Location
from .scopes import BindingKind, RefKind, Scope, resolve, single_value
from .values import StringParts, evaluate, string_parts


@dataclass(frozen=True)
class Endpoint:
    """What an endpoint argument says."""

    location: Location
    literal: cst.CSTNode | None = None
    """The string literal that hard-codes it (BL004), if any."""
    env: str = ""
    """The environment variable it is read from, if any."""
    default_literal: cst.CSTNode | None = None
    """The literal default of an environment lookup (``os.getenv("X", "http://...")``)."""
    literal_scope: Scope | None = None
    """The scope ``literal`` or ``default_literal`` is written in."""


UNKNOWN_ENDPOINT = Endpoint(Location.UNKNOWN)
_ENV_GETTERS = ("os.getenv", "os.environ.get", "os.environ.setdefault")


@dataclass(frozen=True)
class EndpointPolicy:
    """What the stack config and settings say about environment variables."""

    env_locations: dict[str, Location]
    local_env_pattern: re.Pattern[str]

    def env_location(self, name: str) -> Location:
        if name in self.env_locations:
            return self.env_locations[name]
        return Location.LOCAL if self.local_env_pattern.search(name) else Location.UNKNOWN


def host_location(url: str) -> Location:
    """Local for loopback, private, ``*.local``, Docker-internal and single-label hosts."""
    text = url.strip()
    if "://" not in text:
        text = "//" + text
    try:
        host = (urlsplit(text).hostname or "").lower()
    except ValueError:
        return Location.UNKNOWN
    if not host or "{" in host:
        return Location.UNKNOWN
    if host in catalog.LOCAL_HOSTS or host.endswith(catalog.LOCAL_HOST_SUFFIXES):
        return Location.LOCAL
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        # A single-label host ("ollama", "vllm") is a container or LAN name, not a public API.
        return Location.LOCAL if "." not in host else Location.CLOUD
    return Location.LOCAL if (address.is_private or address.is_loopback or address.is_link_local or address.is_unspecified) else Location.CLOUD


def env_lookup(expr: cst.BaseExpression, scope: Scope) -> tuple[str, cst.BaseExpression | None] | None:
    """``(NAME, default)`` for ``os.environ["NAME"]``, ``os.getenv("NAME", default)``, ..."""
    if isinstance(expr, cst.Subscript) and len(expr.slice) == 1:
        ref = resolve(expr.value, scope)
        index = expr.slice[0].slice
        if ref.kind is RefKind.IMPORT and ref.qualname == "os.environ" and isinstance(index, cst.Index):
            name = evaluate(index.value, scope)
            return (name, None) if isinstance(name, str) else ("", None)
        return None
    if isinstance(expr, cst.Call):
        ref = resolve(expr.func, scope)
        if ref.kind is RefKind.IMPORT and ref.qualname in _ENV_GETTERS and expr.args:
            name = evaluate(expr.args[0].value, scope)
            default = expr.args[1].value if len(expr.args) > 1 else None
            return (name if isinstance(name, str) else "", default)
    return None


def classify(expr: cst.BaseExpression | None, scope: Scope, policy: EndpointPolicy, default: Location) -> Endpoint:
    """Classify an endpoint argument; ``None`` (absent) means the family's default endpoint."""
    if expr is None:
        return Endpoint(default)
    if isinstance(expr, cst.Name) and expr.value == "None":
        return Endpoint(default)
    parts = string_parts(expr, scope)
    if parts is not None and isinstance(parts.parts[0] if parts.parts else "", str) and not looks_like_url(parts.static_prefix):
        return Endpoint(default)  # a model id in an argument that also takes URLs (InferenceClient(model=...))
    return _classify(expr, scope, policy, 0)


_URL = re.compile(r"^\s*([a-z][a-z0-9+.-]*://|localhost\b|[\w.-]+:\d+|\d{1,3}(\.\d{1,3}){3})", re.IGNORECASE)


def looks_like_url(text: str) -> bool:
    """A scheme, ``localhost``, ``host:port`` or an IPv4 address at the start."""
    return bool(_URL.match(text))


def _classify(expr: cst.BaseExpression, scope: Scope, policy: EndpointPolicy, depth: int) -> Endpoint:
    if depth > 8:
        return UNKNOWN_ENDPOINT
    lookup = env_lookup(expr, scope)
    if lookup is not None:
        name, default = lookup
        location = policy.env_location(name) if name else Location.UNKNOWN
        default_literal = literal_scope = None
        if default is not None:
            parts = string_parts(default, scope)
            if parts is not None and parts.static_prefix.strip():
                default_literal, literal_scope = parts.literal, parts.scope
                if location is Location.UNKNOWN:
                    location = host_location(parts.static_prefix)
        return Endpoint(location, env=name, default_literal=default_literal, literal_scope=literal_scope)
    parts = string_parts(expr, scope)
    if parts is not None:
        return _classify_parts(parts, scope, policy, depth)
    if isinstance(expr, cst.Name):
        bound = single_value(expr, scope)
        if bound is not None:
            return _classify(bound[0], bound[1], policy, depth + 1)
    if isinstance(expr, cst.Attribute):
        bound = self_attribute_value(expr, scope)
        if bound is not None:
            return _classify(bound[0], bound[1], policy, depth + 1)
    if isinstance(expr, cst.BooleanOperation):  # os.getenv("X") or "http://localhost:8000"
        left = _classify(expr.left, scope, policy, depth + 1)
        right = _classify(expr.right, scope, policy, depth + 1)
        if left.env:
            location = left.location if left.location is not Location.UNKNOWN else right.location
            return Endpoint(location, env=left.env, default_literal=right.literal, literal_scope=right.literal_scope)
        if not left.literal:
            return UNKNOWN_ENDPOINT
        return Endpoint(Location.UNKNOWN, literal=right.literal, literal_scope=right.literal_scope)
    return UNKNOWN_ENDPOINT


def _classify_parts(parts: StringParts, scope: Scope, policy: EndpointPolicy, depth: int) -> Endpoint:
    first = parts.parts[0] if parts.parts else ""
    if isinstance(first, str):
        prefix = parts.static_prefix
        if not prefix.strip() or prefix.startswith("/"):
            return UNKNOWN_ENDPOINT
        return Endpoint(host_location(prefix), literal=parts.literal, literal_scope=parts.scope)
    # Built from a leading expression: f"{os.environ['VLLM_URL']}/v1", BASE + "/v1".
    inner = _classify(first[0], first[1], policy, depth + 1)
    return inner


def self_attribute_value(expr: cst.Attribute, scope: Scope) -> tuple[cst.BaseExpression, Scope] | None:
    """What ``self.x`` in a method stands for, when the class gives ``x`` exactly one value: one
    ``self.x = ...`` in its methods, or else one class attribute ``x = ...``."""
    if not isinstance(expr.value, cst.Name):
        return None
    cls = scope.self_class(expr.value.value)
    if cls is None:
        return None
    bindings = cls.attrs.get(expr.attr.value) or cls.names.get(expr.attr.value) or []
    if len(bindings) != 1 or bindings[0].kind is not BindingKind.VALUE or bindings[0].value is None:
        return None
    return bindings[0].value, bindings[0].scope


def evident_llm_endpoint(url: str, route: catalog.HttpPath | None) -> str | None:
    """The conventional variable for ``url`` when the URL alone shows an LLM endpoint, else None.

    It does when it ends with an LLM API ``route`` (without body requirements) that is distinctive
    (``/chat/completions``), follows ``/v1`` or sits on a local host; when its host serves only LLM
    APIs; or when a local host listens on an inference server's port or serves the ``/v1`` base
    (``http://localhost:11434``, ``http://gpu:8000/v1``).
    """
    text = url.strip() if "://" in url else "//" + url.strip()
    try:
        parts = urlsplit(text)
        host, port = (parts.hostname or "").lower(), parts.port
    except ValueError:
        return None
    path = parts.path.rstrip("/")
    local = host_location(url) is Location.LOCAL
    if route is not None and not route.requires:
        base = catalog.OPENAI_COMPATIBLE_BASE_PATH
        follows_base = route.suffix.startswith(base + "/") or path.endswith(base + route.suffix)
        if local or route.suffix in catalog.DISTINCTIVE_HTTP_PATHS or follows_base:
            return route.env_var
    if host in catalog.LLM_API_HOSTS:
        return catalog.LLM_API_HOSTS[host]
    for suffix, env in catalog.LLM_API_HOST_SUFFIXES.items():
        if host.endswith(suffix):
            return env
    if not local:
        return None
    if port in catalog.INFERENCE_PORTS:
        return catalog.INFERENCE_PORTS[port]
    if path == catalog.OPENAI_COMPATIBLE_BASE_PATH:
        return catalog.OPENAI_COMPATIBLE_ENV_VAR
    return None


def is_endpoint_env(name: str) -> bool:
    """Whether an environment variable name looks like it holds an endpoint."""
    upper = name.upper()
    return any(hint in upper for hint in catalog.ENDPOINT_ENV_HINTS)
