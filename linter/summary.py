"""What one module tells the rest of the project, derived from its call-site model.

A file's *facts* (JSON data, cached with its findings) are:

- ``summary``: ``{"names": {name: record}}`` for the module-level names other modules may
  import: ``client`` records (a module-level SDK client: its catalog class, endpoint location
  and whether its constructor carries the feature tag; when it may be one of several, a property
  they disagree on is ``unknown``/``maybe``), ``factory`` records (a function returning such a
  client, by the rule calls in the module follow, ``scopes.returned``: ``returns`` is the
  client record), ``helper`` records (a function
  making an LLM call, ``wrappers.Helper.as_json``) and ``alias`` records (a name imported from
  elsewhere in the project, as a package ``__init__`` re-exports it: ``target`` is its
  qualified name as written, relative dots kept);
- ``needs``: the project names the file imports (not the standard library's, not an SDK's):
  the summaries it may use, which the second phase's cache digest covers;
- ``called``: the ids of the wrappers the file calls;
- ``marks``: ``[finding index, wrapper id]`` for the BL001/BL002 findings at the inner call of
  a wrapper of this module no code of it calls: dropped when another module calls the wrapper.
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from . import catalog
from .catalog import ClientKind, Location
from .endpoints import EndpointPolicy, classify
from .model import FileModel, SiteKind
from .policy import TagCarriers
from .project import is_project_name
from .scopes import BindingKind, Ref, RefKind, Scope, resolve, returned
from .tags import _in_arguments
from .values import keyword_mapping
from .matching import endpoint_argument
from .wrappers import LocalHelper, chain

Position = Callable[[cst.CSTNode], tuple[int, int, int, int]]
"""A node's (line, column, end line, end column), 1-based."""


def file_facts(model: FileModel, key: str, position: Position, carriers: TagCarriers, endpoints: EndpointPolicy) -> dict:
    names: dict[str, dict] = {}
    scope = model.module_scope
    # Clients and factories need a constructor in the module, or an imported client (phase 2).
    clients = scope.project is not None or any(site.kind is not SiteKind.GENERATION for site in model.sites)
    for name, bindings in scope.names.items():
        record = _record(name, bindings, scope, carriers, endpoints) if clients else _alias(bindings)
        if record is not None:
            names[name] = record
    for local in model.helpers:
        if "." not in local.qualname and _defines(scope, local):
            names[local.qualname] = _helper_record(local, model, key, position)
    called = sorted({site.helper.id for site in model.sites if site.helper is not None and site.helper.wrapper})
    return {"summary": {"names": names}, "needs": needs(model), "called": called}


def needs(model: FileModel) -> list[str]:
    """The project names the module imports, anywhere in it."""
    found: set[str] = set()
    for scope in (model.module_scope, *model.functions.values()):
        for bindings in scope.names.values():
            for binding in bindings:
                if binding.kind is BindingKind.IMPORT and is_project_name(binding.qualname):
                    found.add(binding.qualname)
    return sorted(found)


def _defines(scope: Scope, local: LocalHelper) -> bool:
    """Whether the module-level name of ``local`` is bound to its function alone."""
    bindings = scope.names.get(local.qualname, ())
    return len(bindings) == 1 and bindings[0].node is local.function


def _helper_record(local: LocalHelper, model: FileModel, key: str, position: Position) -> dict:
    helper = local.helper
    at = helper.at if helper.node is None and helper.at is not None else (key, *position(helper.node))
    return helper.as_json(at, chain(helper, model, key, lambda node: position(node)[0]))  # type: ignore[arg-type]


def _alias(bindings: list) -> dict | None:
    binding = bindings[0] if len(bindings) == 1 else None
    if binding is not None and binding.kind is BindingKind.IMPORT and is_project_name(binding.qualname):
        return {"kind": "alias", "target": binding.qualname}
    return None


def _record(name: str, bindings: list, scope: Scope, carriers: TagCarriers, endpoints: EndpointPolicy) -> dict | None:
    if len(bindings) != 1:
        return None
    binding = bindings[0]
    if binding.kind is BindingKind.IMPORT:
        return _alias(bindings)
    if binding.kind is BindingKind.FUNCTION and binding.body is not None:
        returns = _client_record(returned(binding.body), carriers, endpoints)
        return {"kind": "factory", "returns": returns} if returns is not None else None
    if binding.kind is BindingKind.VALUE and binding.value is not None:
        return _client_record(resolve(binding.value, binding.scope), carriers, endpoints)  # its one binding's value
    return None


def _client_record(ref: Ref, carriers: TagCarriers, endpoints: EndpointPolicy) -> dict | None:
    """A client instance as a summary record: its class, and the endpoint location and tag its
    candidates agree on."""
    if ref.kind is not RefKind.INSTANCE or ref.path:
        return None
    records = [_candidate_record(candidate, carriers, endpoints) for candidate in ref.candidates]
    first = records[0]
    if first is None or None in records:
        return None
    for key, unknown in (("location", Location.UNKNOWN.value), ("tagged", "maybe")):
        if any(record[key] != first[key] for record in records):  # type: ignore[index]
            first = {**first, key: unknown}
    return first


def _candidate_record(ref: Ref, carriers: TagCarriers, endpoints: EndpointPolicy) -> dict | None:
    client = ref.client
    if client is None or client.module or client.kind is ClientKind.PARAMS:
        return None
    if ref.origin is not None:  # a client another module built, re-exported or returned here
        return {"kind": "client", "client": ref.origin.client, "location": ref.origin.location, "tagged": ref.origin.tagged}
    if ref.ctor is None or ref.ctor_scope is None:
        return None  # a parameter annotated with the class: built by the caller
    family = catalog.FAMILIES[client.family]
    location = Location.UNKNOWN if any(arg.star == "**" for arg in ref.ctor.args) else family.location
    for param in client.endpoint:  # as the module's own calls read it (``OpenAI(**client_kwargs())`` too)
        found = endpoint_argument(ref.ctor, ref.ctor_scope, param.name, param.position)
        if found is not None:
            location = classify(*found, endpoints, family.location).location
            break
    tagged = _in_arguments(keyword_mapping(ref.ctor, ref.ctor_scope), carriers, ()).state
    return {"kind": "client", "client": ref.qualname, "location": location.value, "tagged": tagged.value}
