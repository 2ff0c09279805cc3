"""What the triage (``triage.py``) asks of a file's calls and assignments on the ``ast`` tree,
where its words alone let too much through.

Every question over-approximates what the model resolves, so a "no" is proof:

- ``request``: a raw HTTP request is a call site only when its URL (``url=`` or the first
  positional argument, ``matching._http``) reads as a string template (``values.string_parts``:
  a literal, an f-string, a ``+`` of pieces, a name bound to one) whose path ends with an LLM
  API path (``literals.http_route``). Every call of the file is asked (an alias, a partial or a
  session may make any call a request), and a name stands for every value any assignment in the
  file gives it or any attribute of that name (more than ``scopes.single_value`` follows).
- ``path``: a distinctive method (``x.messages.create``) is a call site only when the callee
  resolves to a path ending with it (``scopes.resolve``) and the call, or the
  ``functools.partial`` it calls, passes one of the method's evidence keywords or a ``**``
  (``matching._has_evidence``).
- ``client``: a catalog client class (``openai.OpenAI``) matters only through an expression that
  may resolve to it (``_reaches``, rooted at an import of exactly its module): a constructor the
  rules read (a model or parameter object's, BL001; one passing an endpoint argument, a keyword,
  its position or a key of a dict unpacked into it, that may lead to a string literal, BL004), a
  generation method called on an instance, an endpoint
  attribute of the client set on an instance (``literals._client_endpoint_env``), or an instance
  that a module-level name or function may give (the client and factory records of
  ``summary.file_facts``, which other modules' calls resolve through).
- ``environment``: ``os.environ[KEY] = value`` is an endpoint literal only when the object may
  resolve to ``os.environ`` (``endpoints.env_lookup``), ``KEY`` may name an endpoint variable (a
  string literal, or a name some assignment in the file leads to one) and
  the value's static prefix may look like a URL (``literals.EndpointLiterals.assigned``).

- ``endpoint``: ``self.base_url = value`` is an endpoint literal only when ``value`` may lead
  (``_reached``, as ``endpoints.classify`` follows it) to a literal that shows an LLM endpoint by
  itself (``endpoints.evident_llm_endpoint``); an f-string is read as written where ``ast``
  decoded escapes (``_as_written``).

``_reaches`` walks back from expressions, each owing the segments of a path still to be
written before it: an attribute writes its name; a call of something writes ``CALLED`` (an
instance); a name stands for every value assigned to it, or to an attribute of that name
(``self.m``), anywhere in the file, and for the class a parameter of that name is annotated
with; a call for what the functions it may call return (``_returned``: every ``return`` of the
file, but none for a class of the file or a callee rooted at an import, and only those of the
functions named ``f`` when no assignment binds ``f``), its callee (``client.with_options(...)``)
and its first argument (``functools.partial``); ``await`` and ``if``-expressions for their values. Rooted
(a client, ``os.environ``), what is left must be the qualified name of an import binding that
name; unrooted (a distinctive method on a receiver the file cannot resolve), anything may be left.
"""

from __future__ import annotations

import ast
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator

import libcst as cst

from . import catalog
from .catalog import ClientKind
from .endpoints import evident_llm_endpoint, looks_like_url
from .literals import http_route
from .values import StringParts, string_parts

_PASSTHROUGH = frozenset(name for family in catalog.FAMILIES.values() for name in family.passthrough)
_OPAQUE = None
"""A piece that is no string we can read (``{}`` in a template)."""
_MAX_TEMPLATES = 64
_MAX_DEPTH = 16
_MAX_ANNOTATION = 200
"""A string annotation this short is parsed (``annotations.py``)."""
_ROUTE = re.compile("(?:" + "|".join(re.escape(route.suffix) for route in catalog.HTTP_PATHS) + r")/*(?:\?|$)")
"""An LLM API path ending a URL's path (before any query), with or without trailing slashes.
Searched anywhere (not only before the first ``?``): the model reads f-string text as written,
``ast`` with escapes decoded."""
CALLED = "()"
"""A path segment: a call of what the segments before it name (a constructor gives an instance)."""
_ENVIRON = ("os", "environ")
_LINE_END = re.compile(rb"\r\n|\r|\n")
_ENV_GETTERS = frozenset({"getenv", "get", "setdefault"})
"""The methods of ``endpoints._ENV_GETTERS`` (``os.getenv``, ``os.environ.get``, ...)."""
_MAX_REACHED = 256
_EVIDENCE: dict[tuple[str, ...], frozenset[str]] = {}
for _path, _family, _method in catalog.DISTINCTIVE:
    _EVIDENCE[_path] = _EVIDENCE.get(_path, frozenset()) | frozenset(_method.evidence)
"""The keywords one of which a call of each distinctive path passes (``matching._distinctive``)."""


NAMED = tuple(
    getattr(ast, name)
    for name in ("FunctionDef", "AsyncFunctionDef", "ClassDef", "ExceptHandler", "MatchAs", "MatchStar", "MatchMapping", "TypeVar", "ParamSpec", "TypeVarTuple")
    if hasattr(ast, name)
)
"""Definitions, handlers, captures and type parameters: the name each binds (``rest`` for ``MatchMapping``)."""


class _GiveUp(Exception):
    """The templates of a URL cannot be bounded: the file is parsed."""


class _Worklist:
    """Expressions to follow from ``start``, each once (by identity), in a bounded walk: iterating
    yields each new one, and None once more than ``_MAX_REACHED`` were reached (too many to
    follow); ``append``/``extend`` add to what is left."""

    def __init__(self, start: ast.expr) -> None:
        self._todo: list[ast.expr] = [start]
        self._seen: set[int] = set()
        self.append, self.extend = self._todo.append, self._todo.extend

    def __iter__(self) -> Iterator[ast.expr | None]:
        while self._todo:
            expr = self._todo.pop()
            if id(expr) in self._seen:
                continue
            self._seen.add(id(expr))
            if len(self._seen) > _MAX_REACHED:
                yield None
                return
            yield expr


class Calls:
    """The calls of a tree, every value assigned to each name or attribute name, and the
    attributes and subscripts assigned to (read from the nodes ``triage._Names`` gathered)."""

    def __init__(self, tree: ast.Module, nodes: dict[type, list]) -> None:
        self.tree = tree
        self.calls: list[ast.Call] = nodes[ast.Call]
        self.values: dict[str, list[ast.expr]] = {}
        self.stores: list[tuple[ast.Attribute | ast.Subscript, ast.expr]] = []
        """Attribute and subscript targets with the value the collector records them with."""
        self.returns: list[ast.expr] = [node.value for node in nodes[ast.Return] if node.value is not None]
        self.return_lines = [(node.value, node.lineno) for node in nodes[ast.Return] if node.value is not None]
        self.imports: dict[str, list[tuple[str, ...]]] = {}
        """By the name each import binds: the qualified names, as ``bindings.py`` spells them."""
        self.annotations: dict[str, list[ast.expr]] = {}
        """By parameter name: the annotations of the parameters of that name."""
        self.globals: set[str] = set()
        self.line_starts: list[int] | None = None
        for node in nodes[ast.Assign]:
            for target in node.targets:
                self._bind(target, node.value)
        for node in nodes[ast.AnnAssign]:
            if node.value is not None:
                self._bind(node.target, node.value)
        self.walruses: list[ast.expr] = [node.value for node in nodes[ast.NamedExpr]]
        for node in nodes[ast.NamedExpr]:
            self._bind(node.target, node.value)
        for node in nodes[ast.withitem]:
            if node.optional_vars is not None:
                self._bind(node.optional_vars, node.context_expr)
        for node in nodes[ast.Import]:
            for alias in node.names:
                qualname = alias.name if alias.asname else alias.name.split(".")[0]
                self.imports.setdefault(alias.asname or qualname, []).append(tuple(qualname.split(".")))
        for node in nodes[ast.ImportFrom]:
            if node.level:
                continue  # a relative import names no catalog module
            for alias in node.names:
                if alias.name != "*":
                    self.imports.setdefault(alias.asname or alias.name, []).append((*(node.module or "").split("."), *alias.name.split(".")))
        for node in nodes[ast.arg]:
            if node.annotation is not None:
                self.annotations.setdefault(node.arg, []).append(node.annotation)
        for node in nodes[ast.Global]:
            self.globals.update(node.names)
        bound: Counter[str] = Counter(node.id for node in nodes[ast.Name] if node.ctx.__class__ is not ast.Load)
        for kind in NAMED:
            bound.update(name for node in nodes[kind] if isinstance(name := node.rest if kind is ast.MatchMapping else node.name, str))
        self.bound = bound.copy()
        """How many times each name is bound, parameters aside (a parameter's value is never a
        function's return: ``scopes._resolve_binding`` reads its annotation alone)."""
        bound.update(node.arg for node in nodes[ast.arg])
        imported = {alias.asname or alias.name.split(".")[0] for kind in (ast.Import, ast.ImportFrom) for node in nodes[kind] for alias in node.names}
        self.external = {name for name in imported if not bound[name]}
        """Names bound by imports alone: a call through one returns no value of this file's functions."""
        self.classes = {node.name for node in nodes[ast.ClassDef] if bound[node.name] == 1 and node.name not in imported}
        """Names bound by a class definition alone: calling one gives an instance of it."""
        self.defs: dict[str, list[ast.FunctionDef | ast.AsyncFunctionDef]] = {}
        for kind in (ast.FunctionDef, ast.AsyncFunctionDef):
            for node in nodes[kind]:
                self.defs.setdefault(node.name, []).append(node)
        self.imported = imported
        self.def_returns: dict[str, list[ast.expr]] = {}
        self.module_values: list[ast.expr] | None = None

    def _bind(self, target: ast.expr, value: ast.expr | None) -> None:
        """Note what ``target`` is assigned (``value``: None where the collector pairs nothing)."""
        kind = type(target)
        if kind is ast.Name:
            if value is not None:
                self.values.setdefault(target.id, []).append(value)
        elif kind is ast.Attribute or kind is ast.Subscript:
            if value is not None:
                self.stores.append((target, value))  # type: ignore[arg-type]
                if kind is ast.Attribute:
                    self.values.setdefault(target.attr, []).append(value)  # type: ignore[union-attr]
        elif kind is ast.Starred:
            self._bind(target.value, None)  # type: ignore[attr-defined]
        elif kind is ast.Tuple or kind is ast.List:
            elements = target.elts  # type: ignore[attr-defined]
            paired = (
                type(value) in (ast.Tuple, ast.List)
                and len(value.elts) == len(elements)  # type: ignore[union-attr]
                and not any(type(item) is ast.Starred for item in (*elements, *value.elts))  # type: ignore[union-attr]
            )
            for index, element in enumerate(elements):
                self._bind(element, value.elts[index] if paired else None)  # type: ignore[union-attr]

    # raw HTTP requests
    def request(self) -> bool:
        """Whether some call's URL may end with an LLM API path (or cannot be bounded)."""
        for call in self.calls:
            url = next((keyword.value for keyword in call.keywords if keyword.arg == "url"), None)
            if url is None:
                url = next((arg for arg in call.args if type(arg) is not ast.Starred), None)
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
            return {expr.value} if isinstance(expr.value, str) else {_OPAQUE}  # type: ignore[attr-defined]
        if kind is ast.JoinedStr:
            return {"".join(part.value if type(part) is ast.Constant else "{}" for part in expr.values)}  # type: ignore[attr-defined]
        if kind is ast.Name:
            found: set[str | None] = {_OPAQUE}
            for value in self.values.get(expr.id, ()):  # type: ignore[attr-defined]
                found |= self._templates(value, (*seen, id(expr)))
            return _bounded(found)
        if kind is ast.BinOp and type(expr.op) is ast.Add:  # type: ignore[attr-defined]
            left, right = self._templates(expr.left, (*seen, id(expr))), self._templates(expr.right, (*seen, id(expr)))  # type: ignore[attr-defined]
            return _bounded(
                {_OPAQUE if a is _OPAQUE and b is _OPAQUE else ("{}" if a is _OPAQUE else a) + ("{}" if b is _OPAQUE else b) for a in left for b in right}
            )
        return {_OPAQUE}

    # environment writes
    def environment(self, keys: frozenset[str], source: bytes) -> bool:
        """Whether some ``os.environ[KEY] = value`` may set a variable named with one of ``keys``
        (``endpoints.is_endpoint_env``) to a URL."""
        return any(
            type(target) is ast.Subscript
            and self._may_name_a_key(target.slice, keys)
            and self._may_be_url(value)
            and self._reaches([target.value], _ENVIRON, rooted=True)
            for target, value in self.stores
        )

    def _may_name_a_key(self, key: ast.expr, keys: frozenset[str]) -> bool:
        """Whether a subscript may evaluate (``values.evaluate``: a string literal, or a name whose
        plain assignments give one, through names) to a string holding one of ``keys`` (in any case)."""
        todo, seen = [key], set()
        while todo:
            expr = todo.pop()
            if id(expr) in seen:
                continue
            seen.add(id(expr))
            if type(expr) is ast.Constant:
                if isinstance(expr.value, str) and any(hint in expr.value.upper() for hint in keys):  # type: ignore[attr-defined]
                    return True
            elif type(expr) is ast.Name:
                todo.extend(self.values.get(expr.id, ()))  # type: ignore[attr-defined]
        return False

    def _may_be_url(self, value: ast.expr) -> bool:
        """Whether ``string_parts(value).static_prefix`` may look like a URL (``looks_like_url``).
        The prefix is the template's text before its first opaque piece (a URL's start holds no
        brace). A prefix starting with ``localhost`` always may: the model reads f-string text
        as written, where an escape after it (``\\N{...}``) ends the word."""
        try:
            templates = self._templates(value, ())
        except _GiveUp:
            return True
        for template in templates:
            if template is not _OPAQUE:
                prefix = template.split("{}", 1)[0]
                if looks_like_url(prefix) or prefix.lstrip().lower().startswith("localhost"):
                    return True
        return False

    # endpoint attributes
    def endpoint(self, attribute: str, source: bytes) -> bool:
        """Whether ``self.<attribute> = value`` may set a literal that shows an LLM endpoint by
        itself (``literals._endpoint_attribute``; set on an SDK client, the client's requirement
        reads it). A string literal or an f-string starting with text is read as the model reads
        it (``endpoints.classify``: a URL-like prefix, then ``endpoints.evident_llm_endpoint``);
        other values lead to the literals ``_reached`` finds."""
        for target, value in self.stores:
            if type(target) is not ast.Attribute or target.attr != attribute:
                continue
            kind = type(value)
            if kind is ast.Constant or (kind is ast.JoinedStr and value.values and type(value.values[0]) is ast.Constant):  # type: ignore[attr-defined]
                if self._evident(value, source, url_like=True):  # type: ignore[arg-type]
                    return True
                continue
            reached = self._reached(value)
            if any(self._evident(literal, source) for literal in (_literals(self.tree) if reached is None else reached)):
                return True
        return False

    def _reached(self, value: ast.expr) -> list[ast.Constant | ast.JoinedStr] | None:
        """The string literals ``endpoints.classify`` may take ``value``'s literal or literal
        default from (None: too many to follow). It follows a name or ``self.x`` to what is
        assigned to it (``scopes.single_value``, ``endpoints.self_attribute_value``: here every
        value of that name or attribute name, anywhere; a parameter, a loop variable or an import
        has none), both operands of ``or``/``and`` and of ``+``, an f-string's leading field, and
        an environment lookup's default (a call of a name, or of a ``getenv``, ``get`` or
        ``setdefault`` method: its arguments after the first). Any other call, a subscript or an
        ``if`` expression holds no literal for the model."""
        found: list[ast.Constant | ast.JoinedStr] = []
        todo = _Worklist(value)
        for expr in todo:
            if expr is None:
                return None
            kind = type(expr)
            if kind is ast.Constant:
                found.append(expr)  # type: ignore[arg-type]
            elif kind is ast.JoinedStr:
                found.append(expr)  # type: ignore[arg-type]
                if expr.values and type(expr.values[0]) is ast.FormattedValue:  # type: ignore[attr-defined]
                    todo.append(expr.values[0].value)  # type: ignore[attr-defined]
            elif kind is ast.Name:
                todo.extend(self.values.get(expr.id, ()))  # type: ignore[attr-defined]
            elif kind is ast.Attribute:
                todo.extend(self.values.get(expr.attr, ()))  # type: ignore[attr-defined]
            elif kind is ast.BoolOp:
                todo.extend(expr.values)  # type: ignore[attr-defined]
            elif kind is ast.BinOp and type(expr.op) is ast.Add:  # type: ignore[attr-defined]
                todo.extend((expr.left, expr.right))  # type: ignore[attr-defined]
            elif kind is ast.Call:
                func = expr.func  # type: ignore[attr-defined]
                if type(func) is ast.Name or (type(func) is ast.Attribute and func.attr in _ENV_GETTERS):
                    todo.extend(arg.value if type(arg) is ast.Starred else arg for arg in expr.args[1:])  # type: ignore[attr-defined]
                    todo.extend(keyword.value for keyword in expr.keywords)  # type: ignore[attr-defined]
        return found

    def _evident(self, literal: ast.Constant | ast.JoinedStr, source: bytes, url_like: bool = False) -> bool:
        """Whether ``literal`` (its ``values.string_parts``) may show an LLM endpoint (``url_like``:
        and starts like a URL). An f-string whose lines hold a backslash or a doubled brace may:
        the model reads its text as written, ``ast`` with escapes decoded."""
        if type(literal) is ast.Constant:
            template, opaque = literal.value, False
            if not isinstance(template, str):
                return False
        else:
            pieces = literal.values  # type: ignore[union-attr]
            template, opaque = "".join(piece.value if type(piece) is ast.Constant else "{}" for piece in pieces), True
        if not any(mark in template for mark in "./:"):
            return False  # no host, port or path (nor one written with an escape: ``\N{...}`` names hold none)
        if _shows_endpoint(template.split("{}", 1)[0] if opaque else template, template, url_like):
            return True
        if not opaque:
            return False
        if literal.end_lineno is None or literal.end_col_offset is None:
            return True
        starts = self._line_starts(source)
        cut = source[starts[literal.lineno - 1] + literal.col_offset : starts[literal.end_lineno - 1] + literal.end_col_offset]
        if b"\\" not in cut and b"{{" not in cut and b"}}" not in cut and source.isascii():
            return False  # written as ``ast`` reads it (the offsets are the bytes' in an ASCII file)
        written = _as_written(literal, cut)  # type: ignore[arg-type]
        return written is None or _shows_endpoint(written.static_prefix, written.template, url_like)

    def _line_starts(self, source: bytes) -> list[int]:
        """Where each line starts in ``source`` (past a BOM): ``ast`` offsets are UTF-8 bytes into a line."""
        if self.line_starts is None:
            first = 3 if source.startswith(b"\xef\xbb\xbf") else 0
            self.line_starts = [first, *(match.end() for match in _LINE_END.finditer(source, first))]
        return self.line_starts

    # distinctive methods
    def path(self, path: tuple[str, ...]) -> bool:
        """Whether some call passing the method's evidence may have a callee resolving to a path
        ending with ``path``."""
        evidence = _EVIDENCE.get(path, frozenset())
        starts: list[ast.expr] = []
        for call in self.calls:
            if any(keyword.arg is None or keyword.arg in evidence for keyword in call.keywords):
                starts.append(call.func)
                starts.extend(call.args[:1])  # functools.partial(method, model=...): called elsewhere
        return self._reaches(starts, path, rooted=False)

    # catalog client classes
    def client(self, qualname: str) -> bool:
        """Whether the client class ``qualname`` may matter to the model (see the module docstring)."""
        client = catalog.client_for(qualname)
        assert client is not None and not client.module
        family = catalog.FAMILIES[client.family]
        base = tuple(qualname.split("."))
        instance = [(*base, CALLED), *((*base, factory, CALLED) for factory in client.factories)]
        """The paths of an instance: a constructor's, or a factory method's (``scopes._resolve_call``)."""
        funcs = [call.func for call in self.calls]
        if client.kind in (ClientKind.MODEL, ClientKind.PARAMS):
            built = funcs  # every constructor is a call site BL001 checks
        else:
            built = [call.func for call in self.calls if self._may_pass_endpoint(call, client.endpoint)]
        if self._reaches(built, base, rooted=True):  # a constructor is a call site (a factory is not)
            return True
        if family.name != "http":  # a request is a call site only with an LLM API path: ``request``
            methods = [(CALLED,) if method.path == "__call__" else tuple(method.path.split(".")) for method in family.methods]
            if any(self._reaches(funcs, (*path, *method), rooted=True) for path in instance for method in methods):
                return True
        instance = [path for path in instance if self._may_root(path)]
        if not instance:
            return False
        endpoints = {param.name for param in client.endpoint} | set(family.endpoint_kwargs)
        owners = [target.value for target, _ in self.stores if type(target) is ast.Attribute and target.attr in endpoints]
        kept = [*owners, *self._module_values()]
        return any(self._reaches(kept, path, rooted=True) for path in instance)

    def _may_pass_endpoint(self, call: ast.Call, endpoint: tuple[catalog.Param, ...]) -> bool:
        """Whether ``matching.endpoint_argument`` may find one of ``endpoint`` in ``call`` that
        ``endpoints.classify`` may read a literal from (``_reached``): a keyword, a position, or
        any value of a dict unpacked into the call (``_unpacked``)."""
        if not endpoint:
            return False
        names = {param.name for param in endpoint}
        found = [keyword.value for keyword in call.keywords if keyword.arg in names]
        positional = [arg for arg in call.args if type(arg) is not ast.Starred]
        found.extend(positional[param.position] for param in endpoint if param.position is not None and param.position < len(positional))
        for keyword in call.keywords:
            if keyword.arg is None:
                values = self._unpacked(keyword.value)
                if values is None:
                    return True
                found.extend(values)
        return any(self._may_lead_to_a_string(value) for value in found)

    def _may_lead_to_a_string(self, value: ast.expr) -> bool:
        """Whether ``endpoints.classify`` may read a literal from ``value`` (``_reached``)."""
        reached = self._reached(value)
        return reached is None or any(type(literal) is ast.JoinedStr or isinstance(literal.value, str) for literal in reached)

    def _unpacked(self, value: ast.expr) -> list[ast.expr] | None:
        """Every value ``values.keyword_mapping`` may find in ``**value`` (None: too many to
        follow): of a dict display, a call's keywords (``dict(k=v)``, a config object), a key
        set on a name (``params["k"] = v``, ``params.setdefault(k, v)``), through names, a call's positional and unpacked
        arguments, and what any function returns."""
        found: list[ast.expr] = []
        todo = _Worklist(value)
        for expr in todo:
            if expr is None:
                return None
            kind = type(expr)
            if kind is ast.Name:
                todo.extend(self.values.get(expr.id, ()))  # type: ignore[attr-defined]
                found.extend(
                    item for target, item in self.stores
                    if type(target) is ast.Subscript and type(target.value) is ast.Name and target.value.id == expr.id  # type: ignore[attr-defined]
                )
                for call in self.calls:  # params.setdefault(key, value)
                    func = call.func
                    if type(func) is ast.Attribute and func.attr == "setdefault" and type(func.value) is ast.Name and func.value.id == expr.id:  # type: ignore[attr-defined]
                        found.extend(arg.value if type(arg) is ast.Starred else arg for arg in call.args[1:])
            elif kind is ast.Dict:
                for key, item in zip(expr.keys, expr.values):  # type: ignore[attr-defined]
                    (found if key is not None else todo).append(item)
            elif kind is ast.Call:
                for keyword in expr.keywords:  # type: ignore[attr-defined]
                    (found if keyword.arg is not None else todo).append(keyword.value)
                todo.extend(arg.value if type(arg) is ast.Starred else arg for arg in expr.args)  # type: ignore[attr-defined]
                todo.extend(self.returns)
        return found

    # SDK modules acting as clients
    def module(self, path: tuple[str, ...], attribute: str | None) -> bool:
        """Whether some callee (``attribute`` None: a method of the module, ``path`` ending with
        it) or some object assigned ``.attribute`` (``litellm.api_base = ...``: ``path`` the
        module's) may resolve to exactly ``path`` (``matching._match``, ``literals.assigned``);
        the value assigned must be one a literal may be read from (the module's calls, which read
        it as their endpoint, are sites only with a requirement of their own met)."""
        if attribute is None:
            return self._reaches([call.func for call in self.calls], path, rooted=True)
        return any(
            type(target) is ast.Attribute and target.attr == attribute and self._reaches([target.value], path, rooted=True) and self._may_lead_to_a_string(value)
            for target, value in self.stores
        )

    def _module_values(self) -> list[ast.expr]:
        """What a module-level name may be bound to, and what a module-level function may return
        (over-approximated: every ``return`` inside it, every walrus, every value of a name
        declared ``global``). Worked out once per file."""
        if self.module_values is not None:
            return self.module_values
        found = [*self.walruses, *(value for name in self.globals for value in self.values.get(name, ()))]
        spans: list[tuple[int, int]] = []
        for statement in _module_statements(self.tree.body):
            kind = type(statement)
            if kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
                spans.append((statement.lineno, statement.end_lineno or statement.lineno))
            elif (kind is ast.Assign or kind is ast.AnnAssign) and statement.value is not None:  # type: ignore[attr-defined]
                found.append(statement.value)  # type: ignore[attr-defined]
            elif kind is ast.With or kind is ast.AsyncWith:
                found.extend(item.context_expr for item in statement.items)  # type: ignore[attr-defined]
        if spans:  # the returns inside a module-level function: on its lines (no two share one)
            spans.sort()
            starts = [first for first, _ in spans]
            for value, line in self.return_lines:
                at = bisect_right(starts, line) - 1
                if at >= 0 and line <= spans[at][1]:
                    found.append(value)
        self.module_values = found
        return found

    # the walk
    def _may_root(self, path: tuple[str, ...]) -> bool:
        """Whether an import's qualified name starts ``path``: else no rooted walk reaches it."""
        return any(qualname == path[: len(qualname)] for qualnames in self.imports.values() for qualname in qualnames)

    def _reaches(self, starts: Iterable[ast.expr], path: tuple[str, ...], rooted: bool) -> bool:
        """Whether one of ``starts`` may resolve to a path ending with ``path`` (``rooted``: to
        exactly ``path``, from an import); see the module docstring."""
        if rooted and not self._may_root(path):
            return False
        todo = [(expr, len(path)) for expr in starts]
        seen: set[tuple[int, int]] = set()
        while todo:
            expr, left = todo.pop()
            if not left:
                if not rooted:
                    return True
                continue
            if (id(expr), left) in seen:
                continue
            seen.add((id(expr), left))
            wanted = path[left - 1]
            kind = type(expr)
            if kind is ast.Attribute:
                if expr.attr in _PASSTHROUGH:  # type: ignore[attr-defined]
                    todo.append((expr.value, left))  # type: ignore[attr-defined]
                if expr.attr == wanted:  # type: ignore[attr-defined]
                    todo.append((expr.value, left - 1))  # type: ignore[attr-defined]
                todo.extend((value, left) for value in self.values.get(expr.attr, ()))  # type: ignore[attr-defined]  # a member
            elif kind is ast.Name:
                name = expr.id  # type: ignore[attr-defined]
                todo.extend((value, left) for value in self.values.get(name, ()))
                if rooted:
                    if any(qualname == path[:left] for qualname in self.imports.get(name, ())):
                        return True
                    if wanted == CALLED:  # a parameter annotated with the class: an instance
                        todo.extend((part, left - 1) for annotation in self.annotations.get(name, ()) for part in _classes(annotation, 0))
            elif kind is ast.Call:
                if wanted == CALLED:
                    todo.append((expr.func, left - 1))  # type: ignore[attr-defined]
                todo.extend((value, left) for value in self._returned(expr.func))  # type: ignore[attr-defined]
                todo.append((expr.func, left))  # type: ignore[attr-defined]  # client.with_options(...)
                todo.extend((arg, left) for arg in expr.args[:1])  # type: ignore[attr-defined]  # functools.partial(method, ...)
            elif kind is ast.Await:
                todo.append((expr.value, left))  # type: ignore[attr-defined]
            elif kind is ast.IfExp:
                todo.extend(((expr.body, left), (expr.orelse, left)))  # type: ignore[attr-defined]
        return False

    def _returned(self, func: ast.expr) -> list[ast.expr]:
        """The ``return`` values of this file a call of ``func`` may give: none for a class of
        the file, or an attribute chain rooted at a name only imports bind (whose value the model
        reads as the import's, ``scopes.resolve``); those of the functions named ``f`` for ``f``
        or ``x.f`` where no assignment binds ``f`` (a name nothing but ``def`` or a parameter
        binds, a builtin, a method); else every one."""
        kind = type(func)
        if kind is ast.Name:
            name = func.id  # type: ignore[attr-defined]
            if name in self.classes or name in self.external:
                return []
            if name not in self.imported and self.bound[name] == len(self.defs.get(name, ())):
                return self._def_returns(name)
            return self.returns
        if kind is ast.Attribute:
            root = func
            while type(root) is ast.Attribute:
                root = root.value  # type: ignore[attr-defined]
            if type(root) is ast.Name and root.id in self.external:  # type: ignore[attr-defined]
                return []
            if func.attr not in self.values:  # type: ignore[attr-defined]
                return self._def_returns(func.attr)  # type: ignore[attr-defined]
        return self.returns

    def _def_returns(self, name: str) -> list[ast.expr]:
        """The values of the ``return`` statements inside the functions named ``name``."""
        if name not in self.def_returns:
            spans = [(node.lineno, node.end_lineno or node.lineno) for node in self.defs.get(name, ())]
            self.def_returns[name] = [value for value, line in self.return_lines if any(first <= line <= last for first, last in spans)]
        return self.def_returns[name]


def _bounded(found: set[str | None]) -> set[str | None]:
    if len(found) > _MAX_TEMPLATES:
        raise _GiveUp
    return found


def _classes(annotation: ast.expr, depth: int) -> Iterator[ast.expr]:
    """The names and attributes in a parameter's annotation (``annotations.annotated_class``
    picks one of them), through string annotations."""
    kind = type(annotation)
    if kind is ast.Name or kind is ast.Attribute:
        yield annotation
    elif kind is ast.Constant:
        text = annotation.value  # type: ignore[attr-defined]
        if isinstance(text, str) and len(text) <= _MAX_ANNOTATION and depth < 4:
            try:
                parsed = ast.parse(text.strip(), mode="eval").body
            except SyntaxError:
                return
            yield from _classes(parsed, depth + 1)
    elif kind is ast.BinOp:
        yield from _classes(annotation.left, depth)  # type: ignore[attr-defined]
        yield from _classes(annotation.right, depth)  # type: ignore[attr-defined]
    elif kind is ast.Subscript:
        yield from _classes(annotation.slice, depth)  # type: ignore[attr-defined]
    elif kind is ast.Tuple:
        for element in annotation.elts:  # type: ignore[attr-defined]
            yield from _classes(element, depth)


def _as_written(literal: ast.JoinedStr, cut: bytes) -> StringParts | None:
    """The f-string as the model reads it: libcst's ``values.string_parts`` of its source text
    (checked to be the same literal: a file in another encoding has other offsets); None when unsure."""
    try:
        text = "(" + cut.decode("utf-8") + ")"
        if ast.dump(ast.parse(text, mode="eval").body) != ast.dump(literal):
            return None
        return string_parts(cst.parse_expression(text), None)  # type: ignore[arg-type]  # a string's parts need no scope
    except (SyntaxError, ValueError, cst.ParserSyntaxError):
        return None


def _shows_endpoint(prefix: str, template: str, url_like: bool) -> bool:
    """``literals._endpoint_attribute``'s test of a literal's text (``url_like``: with
    ``endpoints.classify``'s of an assigned one)."""
    if url_like and not looks_like_url(prefix):
        return False
    route = http_route(template)
    return bool(evident_llm_endpoint(prefix, route if route is not None and not route.requires else None))


def _literals(tree: ast.Module) -> Iterator[ast.Constant | ast.JoinedStr]:
    """The string literals of ``tree``: an f-string whole (its text pieces are no literal of
    their own), the literals inside its fields too."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is ast.Constant:
            if isinstance(node.value, str):  # type: ignore[attr-defined]
                yield node  # type: ignore[misc]
        elif kind is ast.JoinedStr:
            yield node  # type: ignore[misc]
            stack.extend(piece for piece in node.values if type(piece) is not ast.Constant)  # type: ignore[attr-defined]
        else:
            stack.extend(ast.iter_child_nodes(node))


def _module_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements run at module level, through ``if``, ``try``, ``with``, loops and ``match``
    (not into definitions)."""
    for statement in body:
        yield statement
        if type(statement) in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
            continue
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(statement, field, None)
            if inner:
                yield from _module_statements(inner)
        for clause in getattr(statement, "handlers", ()) or getattr(statement, "cases", ()):
            yield from _module_statements(clause.body)
