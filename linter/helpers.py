"""What a helper (a project function making an LLM call) is, as data its callers in any module
read, and what a call of a wrapper passes to it (see ``wrappers.py``)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import NamedTuple

import libcst as cst

from . import catalog
from .catalog import Location
from .limits import Bound, Verdict, _judge, verdict
from .model import CallSite, FileModel
from .tags import Tagged
from .values import evaluate, positional

UNKNOWN_DEFAULT = {"unknown": True}
"""A parameter default that is not a literal budgetlint reads."""


@dataclass(frozen=True)
class Forward:
    """How a wrapper's caller reaches its inner call's limit or tag."""

    param: str | None = None
    """A named parameter of the wrapper, forwarded as the limit."""
    position: int | None = None
    """Its index among the positional parameters a caller passes (``self`` left out)."""
    default: object = None
    """Its default as plain data (``UNKNOWN_DEFAULT`` when not a literal)."""
    has_default: bool = False
    kwargs: bool = False
    """Forwarded through the wrapper's ``**kwargs``."""


class Hop(NamedTuple):
    """One function a helper call goes through: where it makes its call (of the SDK, or of the
    next wrapper)."""

    key: str
    """The root-relative path of its module."""
    line: int
    function: str
    """Its qualified name in the module."""


@dataclass(frozen=True)
class Helper:
    """What a call of a helper reaches: its inner call, and what the wrapper forwards."""

    id: str
    """``<root-relative path>::<qualified name>``: the same in every module that calls it."""
    family: str
    method: str
    location: str
    call: str
    """The inner call as it reads in the source (``client.chat.completions.create``)."""
    bound: bool = False
    """A method called through its instance: callers' positions leave ``self`` out."""
    limit: Forward | None = None
    tag: Forward | None = None
    tag_inner: str = Tagged.MAYBE.value
    """The inner call's tag, with what the caller forwards left out: ``yes``, ``no`` or ``maybe``."""
    node: cst.Call | None = None
    """The inner call, when it is in this module."""
    at: tuple[str, int, int, int, int] | None = None
    """Where the inner call is, when it is in another module: (path key, line, column, end line, end column)."""
    via: tuple[Hop, ...] = ()
    """When it is in another module: the functions a call of it goes through, from this one
    inward to the SDK call (``wrappers.chain`` gives them for a helper of this module)."""

    @property
    def wrapper(self) -> bool:
        return self.limit is not None or self.tag is not None

    def as_json(self, at: tuple[str, int, int, int, int], via: tuple[Hop, ...] = ()) -> dict:
        data = {
            "kind": "helper", "id": self.id, "family": self.family, "method": self.method, "location": self.location,
            "call": self.call, "bound": self.bound, "tag_inner": self.tag_inner, "at": list(at), "via": [list(hop) for hop in via],
        }
        for name in ("limit", "tag"):
            forward = getattr(self, name)
            if forward is not None:
                data[name] = dataclasses.asdict(forward)
        return data

    @classmethod
    def from_json(cls, data: dict) -> Helper | None:
        """The helper a summary record describes; None when the record does not fit."""
        try:
            family = catalog.FAMILIES[data["family"]]
            if not any(method.path == data["method"] for method in family.methods):
                return None
            forwards = {name: Forward(**data[name]) if name in data else None for name in ("limit", "tag")}
            key, line, column, end_line, end_column = data["at"]
            via = tuple(Hop(str(path), int(number), str(function)) for path, number, function in data.get("via", ()))
            return cls(
                str(data["id"]), family.name, data["method"], Location(data["location"]).value, str(data["call"]),
                bool(data["bound"]), forwards["limit"], forwards["tag"], Tagged(data["tag_inner"]).value,
                at=(str(key), int(line), int(column), int(end_line), int(end_column)), via=via,
            )
        except (KeyError, TypeError, ValueError):
            return None


def argument(call: cst.Call, name: str, position: int | None) -> cst.BaseExpression | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg.value
    return positional(call, position) if position is not None else None



# --- what a wrapper's caller passes -----------------------------------------------------------

def wrapper_verdict(site: CallSite, ceiling: int | None) -> Verdict | None:
    """The bound of a wrapper call's output: the caller's argument, or the wrapper's default."""
    helper, limit = site.helper, site.limit
    if helper is None or helper.limit is None or limit is None:
        return None
    forward = helper.limit
    if forward.param is None:
        return verdict(site, ceiling)  # **kwargs: the caller's keywords are the inner call's
    expr = argument(site.node, forward.param, forward.position)
    if expr is not None:
        value = evaluate(expr, site.scope)
        return Verdict(_judge(limit, value, ceiling), forward.param, value, expr, site.scope)
    if any(arg.star for arg in site.node.args) or not forward.has_default or forward.default == UNKNOWN_DEFAULT:
        return Verdict(Bound.UNRESOLVED, forward.param)
    return Verdict(_judge(limit, forward.default, ceiling), forward.param, forward.default)


def reported_here(site: CallSite, model: FileModel) -> bool:
    """Whether BL001/BL002 judge ``site``: not the inner call of a wrapper called in this module,
    nor a call of a helper that forwards nothing (its inner call is judged)."""
    return id(site.node) not in model.moved and (site.helper is None or site.helper.wrapper)


def call_name(site: CallSite) -> str:
    """How a message names a call site: a wrapper's call names the LLM call it reaches."""
    if site.helper is None:
        return f"`{site.display_name}`"
    return f"`{site.display_name}` (a wrapper of `{site.helper.call}`)"


def related(site: CallSite) -> tuple[object, ...]:
    """The related location of a wrapper call site's finding: the inner LLM call."""
    helper = site.helper
    if helper is None:
        return ()
    return (helper.node,) if helper.node is not None else (helper.at,) if helper.at is not None else ()
