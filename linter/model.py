"""The LLM call-site model: what the rules read about one file.

``matching.py`` builds it (``build``) from the one traversal (``collector.py``), matching each
call against the catalog (``catalog.py``) through the name table (``scopes.py``). Rules never
traverse the tree themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from typing import TYPE_CHECKING

import libcst as cst

from . import catalog
from .catalog import Client, Family, HttpPath, Method
from .collector import RecordedCall
from .endpoints import Endpoint, UNKNOWN_ENDPOINT
from .indirect import Partial
from .loops import LoopFacts
from .scopes import Ref, Scope
from .values import Mapping, keyword_mapping

if TYPE_CHECKING:
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
