"""What ``budgetlint inventory`` lists: each call site the engine recognises in a file, described
for review (SDK, client, endpoint, model, limit, feature tag, enclosing function).

It reads the engine's call-site model (``model.py``) and decides bounded and tagged with the
helpers the rules use (``limits.verdict``, ``tags.feature_tag``), so the inventory shows what the
rules see. A file is read, prefiltered and parsed as ``check`` does it: the prefilter, a
notebook's code cells, and the engine's parse guards; what cannot be analysed is skipped, with
the reason ``check`` would give as a BL000.
"""

from __future__ import annotations

import io
import math
import sys
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass, replace

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from . import engine, intake, matching, notebook, parsing
from .finding import Finding
from .inventory_report import FIELDS
from .limits import Bound, verdict
from .model import CallSite, FileModel, SiteKind, callee_text
from .policy import Policy
from .tags import Tagged, feature_tag
from .values import evaluate

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
    """``value``, ``unbounded``, ``unresolved``, ``default`` (none given, the SDK's default is
    bounded) or ``elsewhere`` (the call takes none: a model constructor or parameter object
    carries it); None for a client constructor."""
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
    """Project wrappers the call goes through, each ``path:line function``, from the listed call
    inward to the SDK call; empty for a direct SDK call."""
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


@dataclass(frozen=True)
class FileSites:
    """A file's call sites, and why (part of) it could not be analysed."""

    path: str
    sites: tuple[SiteRecord, ...] = ()
    problems: tuple[str, ...] = ()


def describe(file_model: FileModel, policy: Policy, path: str, constructors: bool = False) -> Iterator[SiteRecord]:
    """The records of a file's generation call sites (and, with ``constructors``, its client,
    model and parameter-object constructors), unordered."""
    positions = MetadataWrapper(file_model.module, unsafe_skip_copy=True).resolve(PositionProvider)
    for site in file_model.sites:
        if site.kind is not SiteKind.GENERATION and not constructors:
            continue
        start = positions[site.node].start
        yield _record(site, file_model.module, policy, path, start.line, start.column + 1)


def _record(site: CallSite, module: cst.Module, policy: Policy, path: str, line: int, column: int) -> SiteRecord:
    api, client = _api_and_client(site)
    endpoint = site.endpoint
    stack = next((each.name or None for each in policy.stack_endpoints if endpoint.env and each.env == endpoint.env), None)
    limit = limit_key = limit_value = limit_source = None
    if site.kind is not SiteKind.CLIENT:
        result = verdict(site, policy.max_output_tokens)
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
        model=_model(site),
        limit=limit,
        limit_key=limit_key,
        limit_value=limit_value,
        limit_source=limit_source,
        feature_tag=tag,
        feature_tag_value=tag_value,
        function=enclosing_function(site),
    )


def _api_and_client(site: CallSite) -> tuple[str, str]:
    """The API (catalog method path, or the class of a constructor) and the receiver as written."""
    written = callee_text(site.node.func)
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


# --- reading a file as ``check`` does -------------------------------------------------------

class _Refused(Exception):
    """The file (or all of it that could be read) cannot be analysed: the message says why."""


def scan_file(path: str, name: str, policy: Policy, constructors: bool = False) -> FileSites:
    """The call sites of one file; ``name`` is how it is shown. The per-file boundary: whatever
    goes wrong is a reason to skip the file, never a crashed run."""
    outcome = intake.read(path, name)
    if isinstance(outcome, Finding):
        return FileSites(name, problems=(outcome.message,))
    source, _ = outcome
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, engine._RECURSION_LIMIT))
    try:
        if name.endswith(notebook.SUFFIX):
            return _scan_notebook(source, name, policy, constructors)
        decided = intake.screen(source, name)
        if decided is not None:
            return FileSites(name, problems=tuple(finding.message for finding in decided))
        return FileSites(name, tuple(describe(matching.build(_parse(source), policy.endpoints()), policy, name, constructors)))
    except _Refused as refusal:
        return FileSites(name, problems=(str(refusal),))
    except RecursionError:
        return FileSites(name, problems=("cannot analyse file: nesting too deep",))
    except Exception as error:  # the per-file boundary: never crash the run
        detail = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        return FileSites(name, problems=(f"internal error while analysing file ({detail})",))
    finally:
        sys.setrecursionlimit(limit)


def _parse(source: bytes) -> cst.Module:
    """The module, parsed with the engine's guards (a depth libcst cannot take is refused)."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
        text = source.decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError) as error:
        raise _Refused(f"cannot decode file: {error}") from None
    refusal, cpython_error = parsing.cpython_verdict(source, text)
    if refusal is not None:
        raise _Refused(f"cannot analyse file: {refusal.msg}")
    try:
        with parsing.unvalidated():
            return cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        if cpython_error is not None:
            raise _Refused(f"syntax error: {cpython_error.msg} (line {cpython_error.lineno})") from None
        raise _Refused(f"cannot analyse file: {error.message}") from None


def _scan_notebook(source: bytes, name: str, policy: Policy, constructors: bool) -> FileSites:
    """The code cells as one module, as a kernel runs them; each site placed in its cell. A cell
    that cannot be analysed is left out (and named), as ``check`` does."""
    try:
        book = notebook.read(source)
    except notebook.NotebookError as error:
        raise _Refused(f"cannot read notebook: {error}") from None
    code = book.module().text.encode("utf-8", "surrogatepass")
    if not book.is_python or not intake.worth_parsing(code):
        return FileSites(name)
    if len(code) > intake.MAX_FILE_BYTES:
        raise _Refused(f"skipped: code cells too large ({len(code)} bytes, limit {intake.MAX_FILE_BYTES})")
    broken = {cell.index: problem[0] for cell in book.cells if (problem := parsing.cell_error(cell.text)) is not None}
    problems = tuple(f"cell {index}: {message}" for index, message in broken.items())
    kept = book.module(frozenset(broken))
    if not kept.cells:
        return FileSites(name, problems=problems)
    file_model = matching.build(_parse(kept.text.encode("utf-8", "surrogatepass")), policy.endpoints())
    sites = []
    for record in describe(file_model, policy, name, constructors):
        cell, offset = kept.cell_at(record.line)
        line = record.line - offset
        sites.append(replace(record, cell=cell.index, line=line, column=record.column + cell.shifts[line - 1]))
    return FileSites(name, tuple(sites), problems)
