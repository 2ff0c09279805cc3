"""Whether a generation call carries a feature tag (BL002), and which one."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import libcst as cst

from .catalog import CLIENTS, ClientKind
from .model import CallSite
from .policy import TagCarriers  # it lives with the policy; imported from here too
from .scopes import Scope
from .values import UNKNOWN, Mapping, evaluate, keyword_mapping


class Tagged(Enum):
    YES = "yes"
    NO = "no"
    MAYBE = "maybe"
    """The tag may be set where we cannot see (an unresolved client, ``**kwargs``, a parameter)."""


@dataclass(frozen=True)
class Tag:
    state: Tagged
    value: object = None
    """The tag's value when it is a literal."""
    node: cst.CSTNode | None = None


_METADATA_KWARGS = ("metadata",)
_HEADER_KWARGS = ("extra_headers", "headers", "default_headers")


def feature_tag(site: CallSite, carriers: TagCarriers) -> Tag:
    """Find the tag on the call, on its client's constructor, or around the call."""
    wrapped = _wrapper(site, carriers)
    if wrapped is not None:
        return wrapped
    helper = site.helper
    if helper is not None and helper.tag_inner != Tagged.NO.value:
        return Tag(Tagged(helper.tag_inner))  # the wrapper tags its call, or may
    on_call = _in_arguments(site.kwargs, carriers, site.family.tag_containers)
    if on_call.state is not Tagged.NO or helper is not None:
        return on_call  # a wrapper's caller: only its own arguments may still carry the tag
    if site.receiver is not None and site.receiver.origin is not None:
        return Tag(Tagged(site.receiver.origin.tagged))  # a client built in another project module
    if site.receiver is None or not site.resolved:
        return Tag(Tagged.MAYBE)  # the client comes from elsewhere and may carry the header
    ctors = site.ctors
    if ctors and all(ctor is not None for ctor in ctors):  # every client it may go through is built here
        return _agreed([_in_arguments(keyword_mapping(*ctor), carriers, ()) for ctor in ctors if ctor is not None])
    if site.client is not None and not site.client.module:
        return Tag(Tagged.MAYBE)  # a client passed in (annotated parameter): built elsewhere
    return on_call


def _agreed(tags: list[Tag]) -> Tag:
    """The tag every candidate client carries; maybe when they differ."""
    first = tags[0]
    if any(tag.state is not first.state for tag in tags):
        return Tag(Tagged.MAYBE)
    if any(tag.value != first.value for tag in tags):
        return Tag(first.state)
    return first


def _in_arguments(arguments: Mapping, carriers: TagCarriers, containers: tuple[str, ...]) -> Tag:
    maybe = arguments.opaque
    for name in _METADATA_KWARGS:
        found = _key_in(arguments.get(name), carriers.metadata_keys, casefold=False)
        if found.state is Tagged.YES:
            return found
        maybe |= found.state is Tagged.MAYBE
    for name in _HEADER_KWARGS:
        found = _key_in(arguments.get(name), carriers.headers, casefold=True)
        if found.state is Tagged.YES:
            return found
        maybe |= found.state is Tagged.MAYBE
    for name in containers:  # LangChain: config={"metadata": {...}}
        entry = arguments.get(name)
        if entry is None:
            continue
        inner = evaluate(*entry)
        if not isinstance(inner, Mapping):
            maybe |= inner is not None
            continue
        found = _key_in(inner.get("metadata"), carriers.metadata_keys, casefold=False)
        if found.state is Tagged.YES:
            return found
        maybe |= found.state is Tagged.MAYBE or inner.opaque
    return Tag(Tagged.MAYBE if maybe else Tagged.NO)


def _key_in(entry: tuple[cst.BaseExpression, Scope] | None, keys: tuple[str, ...], casefold: bool) -> Tag:
    if entry is None:
        return Tag(Tagged.NO)
    value = evaluate(*entry)
    if value is None:
        return Tag(Tagged.NO)
    if not isinstance(value, Mapping):
        return Tag(Tagged.MAYBE)
    for key in keys:
        found = value.get(key, casefold=casefold)
        if found is not None:
            literal = evaluate(*found)
            return Tag(Tagged.YES, None if literal is UNKNOWN else literal, found[0])
    return Tag(Tagged.MAYBE if value.opaque else Tagged.NO)


def _wrapper(site: CallSite, carriers: TagCarriers) -> Tag | None:
    """An enclosing ``with feature_tag(...):`` or ``@feature_tag(...)``."""
    for node in reversed(site.ancestors):
        if isinstance(node, cst.With):
            for item in node.items:
                tag = _wrapper_call(item.item, carriers, site.scope)
                if tag is not None:
                    return tag
        elif isinstance(node, cst.FunctionDef):
            for decorator in node.decorators:
                tag = _wrapper_call(decorator.decorator, carriers, site.scope)
                if tag is not None:
                    return tag
    return None


def _wrapper_call(expr: cst.BaseExpression, carriers: TagCarriers, scope: Scope) -> Tag | None:
    call = expr if isinstance(expr, cst.Call) else None
    func = call.func if call is not None else expr
    name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
    if name not in carriers.wrappers:
        return None
    if call is not None and call.args:
        value = evaluate(call.args[0].value, scope)
        return Tag(Tagged.YES, None if value is UNKNOWN else value, call.args[0].value)
    return Tag(Tagged.YES)


def carrier_advice(site: CallSite, carriers: TagCarriers) -> str:
    """Where a tag fits on this call, as the BL002 message says it: the call keywords its API
    accepts (the catalog's ``Method.tag_kwargs``: ``metadata`` only where the API takes free
    keys), else a header on its client's constructor; the wrapper always."""
    key, header, wrapper = carriers.metadata_keys[0], carriers.headers[0], carriers.wrappers[0]
    places: list[str] = []
    if site.helper is None and site.method is not None:  # a project wrapper's caller: only `feature_tag`
        for name in site.method.tag_kwargs:
            places.append(f'`{name}={{"{key if name in _METADATA_KWARGS else header}": ...}}`')
        places += [f'`{name}={{"metadata": {{"{key}": ...}}}}`' for name in site.family.tag_containers]
        if not any(name in _HEADER_KWARGS for name in site.method.tag_kwargs):
            places += _client_header(site, header)
    wrap = f"wrap it in `{wrapper}(...)`"
    return f"Add {', '.join(places)}, or {wrap}." if places else f"{wrap[0].upper()}{wrap[1:]}."


def _client_header(site: CallSite, header: str) -> list[str]:
    """An ``X-Feature-Tag`` header on the client's constructor: the client the call goes through,
    or for a module used as a client (``ollama.chat``), the family's client class that takes one."""
    client = site.client
    if client is not None and not client.module:
        return [f"an `{header}` header in the client's `{client.headers[0]}=`"] if client.headers else []
    for candidate in CLIENTS:
        if candidate.family == site.family.name and candidate.kind is ClientKind.CLIENT and not candidate.module and candidate.headers:
            return [f"an `{header}` header on `{candidate.qualnames[0]}({candidate.headers[0]}=...)`"]
    return []
