"""What ``budgetlint inventory`` lists: each call site the engine recognises in a file, described
for review (SDK, client, endpoint, model, limit, feature tag, enclosing function, wrappers).

``describe`` reads one module's analysis (``analysis.Analysis``: the call-site model with the
project's helpers and wrappers linked) and decides bounded and tagged with the helpers the
rules use (``limits.verdict``, ``helpers.wrapper_verdict``, ``tags.feature_tag``), so the
inventory shows what the rules see. The engine calls it for a ``Job`` with ``describe`` set:
files are found, read, prefiltered, parsed and linked across the project exactly as ``check``
does it (``phases.lint_project``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import libcst as cst

from .helpers import wrapper_verdict
from .inventory_report import FIELDS
from .limits import Bound, Verdict, verdict
from .model import CallSite, SiteKind, callee_text
from .notebook import Module as Cells
from .policy import Policy
from .tags import Tagged, feature_tag
from .values import evaluate
from .wrappers import chain

if TYPE_CHECKING:
    from .analysis import Analysis

MODULE_FUNCTION = "<module>"
"""The ``function`` of a call site at module level."""

_LIMIT_STATES = {
    Bound.BOUNDED: "value",
    Bound.ABOVE_CEILING: "value",
    Bound.MISSING: "unbounded",
    Bound.SENTINEL: "unbounded",
    Bound.UNRESOLVED: "unresolved",
}
_TAG_STATES = {Tagged.NO: "none", Tagged.MAYBE: "unknown"}


@dataclass(frozen=True)
class SiteRecord:
    """One call site as the inventory lists it (README "budgetlint inventory" documents the fields)."""

    path: str
    line: int
    column: int
    """1-based, like the line; in a notebook both are inside the cell."""
    kind: str
    """``generation``, or with ``--all`` ``model`` / ``params`` / ``client`` (constructors)."""
    family: str
    api: str
    """The catalog's method path (``chat.completions.create``); ``post /api/chat`` for raw HTTP;
    the class for a constructor."""
    client: str
    """The receiver as written (``self.client``); empty for a function called by its bare name."""
    endpoint: str
    """``local``, ``cloud`` or ``unknown``."""
    endpoint_env: str | None
    """The environment variable the endpoint is read from, when the code names one."""
    stack_endpoint: str | None
    """The stack.yaml endpoint whose ``base_url_env`` is that variable."""
    model: str | None
    """The ``model`` argument (or request-body key) when it resolves to a literal."""
    limit: str | None
    """``value``, ``unbounded``, ``unresolved``, ``default`` (none given, the SDK's or the
    wrapper's default is bounded) or ``elsewhere`` (the call takes none: a model constructor or
    parameter object carries it, or the inner call of a helper that forwards no limit); None for
    a client constructor."""
    limit_key: str | None
    limit_value: int | float | None
    """The limit when it resolves to a finite number."""
    limit_source: str | None
    """The limit's expression as written, when one is given."""
    feature_tag: str | None
    """``value``, ``present-unresolved``, ``none`` or ``unknown`` (it may be on a client built
    where budgetlint cannot see); None for constructors (BL002 does not apply to them)."""
    feature_tag_value: str | None
    function: str
    """The enclosing function, qualified (``Class.method``), or ``<module>``."""
    wrappers: tuple[str, ...] = ()
    """For a call of a project helper or wrapper: the functions it goes through, from the one
    called inward to the SDK call, each ``path:line function`` with the line of the call that
    function makes; empty for a direct SDK call."""
    cell: int | None = None
    """In a notebook: the 1-based index of the cell among all its cells."""

    def sort_key(self) -> tuple:
        return (self.path, self.cell or 0, self.line, self.column, self.kind, self.api)

    def as_json(self) -> dict:
        data = {name: getattr(self, name) for name in FIELDS}
        data["wrappers"] = list(self.wrappers)
        if self.cell is None:
            del data["cell"]
        return data


def describe(analysis: Analysis, path: str) -> Iterator[SiteRecord]:
    """The records of every call site of a module (generation calls, calls of project helpers
    and wrappers, constructors), unordered; ``path`` is how the file is shown."""
    policy = analysis.job.policy
    for site in analysis.model.sites:
        line, column, _, _ = analysis.position(site.node)
        record = _record(site, analysis.module, policy, path, line, column)
        if site.helper is not None:
            hops = chain(site.helper, analysis.model, analysis.key, lambda node: analysis.position(node)[0])
            shown = [path if hop.key == analysis.key else analysis.shown(hop.key) for hop in hops]
            record = replace(record, wrappers=tuple(f"{where}:{hop.line} {hop.function}" for where, hop in zip(shown, hops)))
        yield record


def in_cell(record: SiteRecord, cells: Cells) -> SiteRecord:
    """``record``, located in the notebook's code cells as one module, moved into its cell (and
    so are the wrappers of the notebook its chain goes through)."""
    cell, offset = cells.cell_at(record.line)
    line = record.line - offset
    own = f"{record.path}:"
    wrappers = []
    for entry in record.wrappers:
        number, _, function = entry[len(own) :].partition(" ")
        if entry.startswith(own) and number.isdigit():
            at, before = cells.cell_at(int(number))
            entry = f"{own}cell {at.index}:{int(number) - before} {function}"
        wrappers.append(entry)
    return replace(record, cell=cell.index, line=line, column=record.column + cell.shifts[line - 1], wrappers=tuple(wrappers))


def _record(site: CallSite, module: cst.Module, policy: Policy, path: str, line: int, column: int) -> SiteRecord:
    api, client = _api_and_client(site)
    endpoint = site.endpoint
    stack = next((each.name or None for each in policy.stack_endpoints if endpoint.env and each.env == endpoint.env), None)
    limit = limit_key = limit_value = limit_source = None
    if site.kind is not SiteKind.CLIENT:
        result = _verdict(site, policy.max_output_tokens)
        if result is None:
            limit = "elsewhere"
        else:
            limit, limit_key = _LIMIT_STATES[result.bound], result.key
            if result.bound is Bound.BOUNDED and result.node is None:
                limit = "default"
            if isinstance(result.value, (int, float)) and not isinstance(result.value, bool) and math.isfinite(result.value):
                limit_value = result.value
            if result.node is not None:
                limit_source = " ".join(module.code_for_node(result.node).split())
    tag = tag_value = None
    if site.kind is SiteKind.GENERATION:
        found = feature_tag(site, policy.carriers)
        if found.state is Tagged.YES:
            tag, tag_value = ("value", found.value) if isinstance(found.value, str) else ("present-unresolved", None)
        else:
            tag = _TAG_STATES[found.state]
    return SiteRecord(
        path=path,
        line=line,
        column=column,
        kind=site.kind.value,
        family=site.family.name,
        api=api,
        client=client,
        endpoint=endpoint.location.value,
        endpoint_env=endpoint.env or None,
        stack_endpoint=stack,
        model=_model(site) if site.helper is None else None,
        limit=limit,
        limit_key=limit_key,
        limit_value=limit_value,
        limit_source=limit_source,
        feature_tag=tag,
        feature_tag_value=tag_value,
        function=enclosing_function(site),
    )


def _verdict(site: CallSite, ceiling: int | None) -> Verdict | None:
    """The bound of the site's output, as BL001 decides it; None when the call takes none (a
    helper forwarding no limit: its inner call carries it)."""
    if site.helper is None:
        return verdict(site, ceiling)
    return wrapper_verdict(site, ceiling)


def _api_and_client(site: CallSite) -> tuple[str, str]:
    """The API (catalog method path, or the class of a constructor) and the receiver as written
    (for a call of a project helper: the function as called)."""
    written = callee_text(site.node.func)
    if site.helper is not None:
        return site.method.path if site.method is not None else "", written
    if site.kind is not SiteKind.GENERATION:
        return (site.client.qualnames[0] if site.client is not None else written), ""
    path = site.method.path if site.method is not None else ""
    api = f"{path} {site.http_path.suffix}" if site.http_path is not None else path
    if written == path:  # a function imported by name: ``completion(...)``
        return api, ""
    if written.endswith(f".{path}"):
        return api, written[: -len(path) - 1]
    return api, written  # ``llm(prompt)``: the client is called itself


def _model(site: CallSite) -> str | None:
    """The ``model`` argument (a raw HTTP request's body key) when it is a literal."""
    arguments = site.body if site.http_path is not None else site.kwargs
    entry = arguments.get("model") if arguments is not None else None
    value = evaluate(*entry) if entry is not None else None
    return value if isinstance(value, str) else None


def enclosing_function(site: CallSite) -> str:
    """The qualified name of the function around ``site`` (``Class.method``), or ``<module>``."""
    names = [
        node.name.value if isinstance(node, (cst.FunctionDef, cst.ClassDef)) else "<lambda>"
        for node in site.ancestors
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda))
    ]
    return ".".join(names) or MODULE_FUNCTION
