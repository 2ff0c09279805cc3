"""What an expression refers to (a ``Ref``), and the union of several candidates (``agree``).

``scopes.py`` resolves expressions to these; rules and the model read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

import libcst as cst

from . import catalog
from .reach import MANY

if TYPE_CHECKING:
    from .names import Scope
    from .project import Remote


class RefKind(Enum):
    IMPORT = "import"
    """A module or module attribute: ``qualname`` is its dotted name."""
    INSTANCE = "instance"
    """An instance of a catalog client class (``qualname``), built by ``ctor`` when known."""
    LOCAL = "local"
    """Provably not an SDK object: a class, function or instance defined in this file, a literal."""
    UNKNOWN = "unknown"
    """Cannot be resolved in this file: a parameter, another module's object, a call result."""


@dataclass(frozen=True)
class Ref:
    """What an expression refers to: a root plus the attribute path walked from it."""

    kind: RefKind
    qualname: str = ""
    path: tuple[str, ...] = ()
    ctor: cst.Call | None = None
    ctor_scope: Scope | None = None
    alternatives: tuple[Ref, ...] = ()
    """Other candidates it may be (a client built in each arm of an ``if``): instances of the same
    family, each with its own constructor. Properties of the client are known when all agree."""
    body: Scope | None = None
    """For a class (``qualname`` ``class``) or a function (``function``) defined in this file, or an
    instance of such a class: its scope."""
    origin: Remote | None = None
    """An instance built in another module of the project (``ctor`` is then None)."""

    def attr(self, name: str) -> Ref:
        if self.kind is RefKind.IMPORT:
            return Ref(RefKind.IMPORT, f"{self.qualname}.{name}")
        return Ref(self.kind, self.qualname, (*self.path, name), self.ctor, self.ctor_scope, self.alternatives, origin=self.origin)

    @property
    def client(self) -> catalog.Client | None:
        if self.kind is RefKind.INSTANCE:
            return catalog.client_for(self.qualname)
        return None

    @property
    def candidates(self) -> tuple[Ref, ...]:
        """This referent and its alternatives."""
        return (self, *self.alternatives)


UNKNOWN = Ref(RefKind.UNKNOWN)
LOCAL = Ref(RefKind.LOCAL)


def agree(refs: list[Ref]) -> Ref:
    """One referent when every candidate agrees on it (instances of clients of one family count
    as one, keeping the others as alternatives), else unknown."""
    if not refs:
        return UNKNOWN
    first = refs[0]
    candidates: dict[tuple[int, str, int], Ref] = {}
    for ref in refs:
        if ref is not first and (ref.kind, ref.qualname, ref.path, ref.body, ref.origin) != (first.kind, first.qualname, first.path, first.body, first.origin):
            if not (ref.kind is first.kind is RefKind.INSTANCE and ref.path == first.path and _family(ref) == _family(first)):
                return UNKNOWN
        for candidate in ref.candidates:
            candidates.setdefault((id(candidate.ctor), candidate.qualname, id(candidate.origin)), candidate)
    if len(candidates) == 1:
        return first
    if len(candidates) > MANY:  # the family is known, what each constructor says is not read
        return Ref(first.kind, first.qualname, first.path)
    head, *others = candidates.values()
    return Ref(head.kind, head.qualname, head.path, head.ctor, head.ctor_scope, tuple(map(_single, others)), head.body, head.origin)


def _family(ref: Ref) -> str | None:
    client = ref.client
    return client.family if client is not None and not client.module else None


def _single(ref: Ref) -> Ref:
    return Ref(ref.kind, ref.qualname, ref.path, ref.ctor, ref.ctor_scope, origin=ref.origin) if ref.alternatives else ref
