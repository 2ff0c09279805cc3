"""What the triage (``triage.py``) asks of a file's calls on the ``ast`` tree, where its words
alone let too much through.

Both questions over-approximate what the model resolves, so a "no" is proof:

- ``request``: a raw HTTP request is a call site only when its URL (``url=`` or the first
  positional argument, ``matching._http``) reads as a string template (``values.string_parts``:
  a literal, an f-string, a ``+`` of pieces, a name bound to one) whose path ends with an LLM
  API path (``literals.http_route``). Every call of the file is asked (an alias, a partial or a
  session may make any call a request), and a name stands for every value any assignment in the
  file gives it or any attribute of that name (more than ``scopes.single_value`` follows).
- ``path``: a distinctive method (``x.messages.create``) is a call site only when the callee
  resolves to a path ending with it (``scopes.resolve``). Each segment of that path is the name
  of an attribute written after an expression that resolves to the segments before it; the
  walk follows names, members (``self.m``), passthroughs, calls (what any function returns,
  a partial's first argument), ``await`` and ``if``-expressions, to any value assigned to a
  name or attribute of that name anywhere in the file.
"""

from __future__ import annotations

import ast
import re

from . import catalog

_PASSTHROUGH = frozenset(name for family in catalog.FAMILIES.values() for name in family.passthrough)
_OPAQUE = None
"""A piece that is no string we can read (``{}`` in a template)."""
_MAX_TEMPLATES = 64
_MAX_DEPTH = 16
_ROUTE = re.compile("(?:" + "|".join(re.escape(route.suffix) for route in catalog.HTTP_PATHS) + r")/*(?:\?|$)")
"""An LLM API path ending a URL's path (before any query), with or without trailing slashes.
Searched anywhere (not only before the first ``?``): the model reads f-string text as written,
``ast`` with escapes decoded."""


class _GiveUp(Exception):
    """The templates of a URL cannot be bounded: the file is parsed."""


class Calls:
    """The calls of a tree, and every value assigned to each name or attribute name."""

    def __init__(self, tree: ast.Module) -> None:
        self.calls: list[ast.Call] = []
        self.values: dict[str, list[ast.expr]] = {}
        self.returns: list[ast.expr] = []
        for node in ast.walk(tree):
            kind = type(node)
            if kind is ast.Call:
                self.calls.append(node)
            elif kind is ast.Assign:
                for target in node.targets:
                    self._bind(target, node.value)
            elif kind in (ast.AnnAssign, ast.NamedExpr) and node.value is not None:
                self._bind(node.target, node.value)
            elif kind is ast.withitem and node.optional_vars is not None:
                self._bind(node.optional_vars, node.context_expr)
            elif kind is ast.Return and node.value is not None:
                self.returns.append(node.value)

    def _bind(self, target: ast.expr, value: ast.expr) -> None:
        if isinstance(target, ast.Name):
            self.values.setdefault(target.id, []).append(value)
        elif isinstance(target, ast.Attribute):
            self.values.setdefault(target.attr, []).append(value)
        elif isinstance(target, ast.Starred):
            self._bind(target.value, value)
        elif isinstance(target, (ast.Tuple, ast.List)):
            paired = isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(target.elts)
            for index, element in enumerate(target.elts):
                self._bind(element, value.elts[index] if paired else value)  # type: ignore[attr-defined]

    # raw HTTP requests
    def request(self) -> bool:
        """Whether some call's URL may end with an LLM API path (or cannot be bounded)."""
        for call in self.calls:
            url = next((keyword.value for keyword in call.keywords if keyword.arg == "url"), None)
            if url is None:
                url = next((arg for arg in call.args if not isinstance(arg, ast.Starred)), None)
            if url is None:
                continue
            try:
                if any(text is not _OPAQUE and _ROUTE.search(text) for text in self._templates(url, ())):
                    return True
            except _GiveUp:
                return True
        return False

    def _templates(self, expr: ast.expr, seen: tuple[int, ...]) -> set[str | None]:
        """Every template ``values.string_parts`` may read ``expr`` as (``{}`` for opaque pieces);
        ``_OPAQUE`` when it may read none."""
        if len(seen) > _MAX_DEPTH or id(expr) in seen:
            raise _GiveUp
        kind = type(expr)
        if kind is ast.Constant:
            return {expr.value} if isinstance(expr.value, str) else {_OPAQUE}
        if kind is ast.JoinedStr:
            return {"".join(part.value if isinstance(part, ast.Constant) else "{}" for part in expr.values)}
        if kind is ast.Name:
            found: set[str | None] = {_OPAQUE}
            for value in self.values.get(expr.id, ()):
                found |= self._templates(value, (*seen, id(expr)))
            return _bounded(found)
        if kind is ast.BinOp and isinstance(expr.op, ast.Add):
            left, right = self._templates(expr.left, (*seen, id(expr))), self._templates(expr.right, (*seen, id(expr)))
            return _bounded(
                {_OPAQUE if a is _OPAQUE and b is _OPAQUE else ("{}" if a is _OPAQUE else a) + ("{}" if b is _OPAQUE else b) for a in left for b in right}
            )
        return {_OPAQUE}

    # distinctive methods
    def path(self, path: tuple[str, ...]) -> bool:
        """Whether some call's callee may resolve to a path ending with ``path``."""
        todo = [(call.func, len(path)) for call in self.calls]
        seen: set[tuple[int, int]] = set()
        while todo:
            expr, left = todo.pop()
            if not left:
                return True
            if (id(expr), left) in seen:
                continue
            seen.add((id(expr), left))
            kind = type(expr)
            if kind is ast.Attribute:
                if expr.attr in _PASSTHROUGH:
                    todo.append((expr.value, left))
                if expr.attr == path[left - 1]:
                    todo.append((expr.value, left - 1))
                todo.extend((value, left) for value in self.values.get(expr.attr, ()))  # a member
            elif kind is ast.Name:
                todo.extend((value, left) for value in self.values.get(expr.id, ()))
            elif kind is ast.Call:
                todo.extend((value, left) for value in self.returns)
                todo.append((expr.func, left))  # client.with_options(...)
                todo.extend((arg, left) for arg in expr.args[:1])  # functools.partial(method, ...)
            elif kind is ast.Await:
                todo.append((expr.value, left))
            elif kind is ast.IfExp:
                todo.extend(((expr.body, left), (expr.orelse, left)))
        return False


def _bounded(found: set[str | None]) -> set[str | None]:
    if len(found) > _MAX_TEMPLATES:
        raise _GiveUp
    return found
