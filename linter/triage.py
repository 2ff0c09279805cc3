"""The triage: with the tree CPython's guard built (``parsing.cpython_tree``), whether libcst
must parse a file at all.

The prefilter (``prefilter.py``) reads bytes, so a word in a docstring, a comment or a string
lets a file through, and an SDK module passes on its name alone. The triage reads the same
requirements (``catalog_requirements(on_tree=True)``) on the ``ast`` tree, gathered in one walk
(``gather``): a word of a name must be a name of the tree (a ``Name``, an attribute, a word of
an import, a definition or parameter, or a word of a parameter's string annotation), an
attribute an attribute (or a dotted import's part), an endpoint attribute or a module's
endpoint (``openai.base_url``) one assigned to, and the words of an endpoint URL occur in the
bytes as before. Where words let too much through, ``triage_calls.py`` asks the tree what the
model would read, over-approximating it: an environment write must set ``os.environ`` to a
value that may be a URL; an HTTP request needs a call whose URL may end with an LLM API path; a
distinctive method a call with its evidence whose callee may resolve to its path; a client
class a constructor the rules read, a generation method called through an instance, its
endpoint set on one, or an instance a module-level name or function may keep; an endpoint
attribute a value that may lead to a literal showing an LLM endpoint by itself. A file meeting
no requirement holds no call site and no endpoint literal (the prefilter's argument), or only
constructors of clients that no rule reads and no summary records, so no rule reports in it,
no helper or client is defined in it, and full analysis would give it, in
the first phase, only the facts ``verdict`` computes here: the aliases its module-level
project imports make and the project names it imports (``summary.file_facts``). When those are
not certain from the tree (a name bound by a walrus, or declared ``global``), the file is
parsed: bindings elsewhere are counted on the module scope (``_Names._module_bindings``).

The second phase (a ``Job`` with the project's summaries) is not triaged: the phases chose
those files for the project names they hold. ``BUDGETLINT_NO_TRIAGE=1`` turns the triage off.
"""

from __future__ import annotations

import ast
import os
import re
from collections import Counter
from collections.abc import Iterator

from . import catalog
from .prefilter import HTTP_FAMILY, Requirement, catalog_requirements, word_in
from .project import is_project_name
from .triage_calls import CALLED, NAMED, Calls

SWITCH = "BUDGETLINT_NO_TRIAGE"
"""Set to anything but ``0`` or empty: every file the prefilter passes is parsed (to prove the triage)."""
MAX_ANNOTATION = 200
"""A string annotation of a parameter this short is parsed (``annotations.py``): its words count as names."""
_WORD = re.compile(r"[A-Za-z_]\w*")
_BODIES = ("body", "orelse", "finalbody", "handlers", "cases")
_BODIES_OF: dict[type, tuple[str, ...]] = {}
"""By statement type: the fields of ``_BODIES`` it has (a simple statement: none)."""
_REQUIREMENTS = catalog_requirements(on_tree=True)


def _module_questions() -> dict[Requirement, tuple]:
    """The requirements of an SDK module acting as a client (``prefilter.catalog_requirements``:
    a method of its family, an endpoint attribute of its family, a legacy module endpoint), each
    with the question ``triage_calls.Calls.module`` asks: ``("module", path, attribute)``, the
    path a callee (``attribute`` None) or the object an attribute is assigned to must resolve to.
    A requirement the words of another kind's (a patcher's name) may also stand for is left out."""
    def words(qualname: str, *more: str) -> tuple[str, frozenset[str]]:
        root, *rest = qualname.split(".")
        return root, frozenset(rest).union(*(path.split(".") for path in more)) - {root}

    found: dict[tuple, tuple] = {}
    others: set[tuple[str, frozenset[str]]] = set()
    for client in catalog.CLIENTS:
        family = catalog.FAMILIES[client.family]
        for qualname in client.qualnames:
            if not client.module:
                others.add(words(qualname))
                continue
            if client.family == HTTP_FAMILY:
                continue  # a request: ``Calls.request`` answers
            module = tuple(qualname.split("."))
            for method in family.methods:
                path = (*module, CALLED) if method.path == "__call__" else (*module, *method.path.split("."))
                found[(*words(qualname, method.path), frozenset())] = ("module", path, None)
            for name in {param.name for param in client.endpoint} | set(family.endpoint_kwargs):
                found[(*words(qualname), frozenset({name}))] = ("module", module, name)
    for qualname in catalog.LEGACY_MODULE_ENDPOINTS:
        root, _, attribute = qualname.rpartition(".")
        found[(*words(root), frozenset({attribute}))] = ("module", tuple(root.split(".")), attribute)
    return {
        requirement: found[key]
        for requirement in _REQUIREMENTS
        if not (requirement.keys or requirement.request or requirement.path or requirement.client or requirement.endpoint or requirement.evidence)
        and (key := (requirement.anchor, requirement.words, requirement.attributes)) in found
        and (requirement.anchor, requirement.words) not in others
        and requirement.stored == bool(requirement.attributes)
    }


_MODULE = _module_questions()
_BY_ANCHOR = tuple(
    (anchor, tuple(requirement for requirement in _REQUIREMENTS if requirement.anchor == anchor))
    for anchor in dict.fromkeys(requirement.anchor for requirement in _REQUIREMENTS)
)
"""The requirements by anchor (a word each needs), in their order."""


def enabled() -> bool:
    return os.environ.get(SWITCH, "") in ("", "0")


def verdict(tree: ast.Module, source: bytes, nodes: dict[type, list] | None = None) -> dict | None:
    """None when the file must be analysed; else the facts full analysis gives it (it reports
    nothing). ``nodes``: ``gather(tree)``, when the caller has it (partial parsing reads it too)."""
    names = _Names(tree, nodes)
    for anchor, requirements in _BY_ANCHOR:  # the requirements in order, those of words the tree has
        if anchor in names.words and any(names.meet(requirement, source) for requirement in requirements):
            return None
    return names.facts()


_SCALARS = frozenset({"ctx", "id", "attr", "arg", "asname", "module", "level", "type_comment", "kind", "is_async", "conversion", "simple", "rest", "names", "kwd_attrs", "type_ignores", "tag", "lineno"})
"""Fields that hold no node (or only strings: ``Global.names``), and ``ctx``, never walked."""
_FIELDS: dict[type, tuple[str, ...]] = {type(None): ()}
"""By node type: the fields that may hold nodes (a ``Dict``'s keys may hold None)."""
_NAMED = NAMED
_GATHERED = (
    ast.Name, ast.Attribute, ast.Import, ast.ImportFrom, ast.Global, ast.Nonlocal, ast.keyword, ast.arg, *_NAMED,
    ast.Call, ast.Assign, ast.AnnAssign, ast.NamedExpr, ast.withitem, ast.Return, ast.Subscript,
)
"""The node types the triage reads: ``_Names`` (words and bindings) and ``triage_calls.Calls``;
and partial parsing (``stubs.py``: subscripts assigned to)."""
_SCOPES = (
    ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp,
)
"""Nodes whose bindings are in a scope of their own (a def's and a class's name excepted)."""


def _fields(kind: type) -> tuple[str, ...]:
    found = tuple(field for field in kind._fields if field not in _SCALARS and not (field == "name" and kind is not getattr(ast, "TypeAlias", None)))
    if kind in (ast.Constant, ast.MatchSingleton):
        found = ()
    _FIELDS[kind] = found
    return found


def gather(tree: ast.Module) -> dict[type, list]:
    """The tree's nodes of the types the triage reads, by type, in one walk (no ``ctx`` nodes,
    no scalar fields: a third of ``ast.walk``'s visits)."""
    nodes: dict[type, list] = {kind: [] for kind in _GATHERED}
    bucket_of, fields_of = nodes.get, _FIELDS.get
    stack: list = [tree]
    pop, push, extend = stack.pop, stack.append, stack.extend
    while stack:
        node = pop()
        kind = node.__class__
        bucket = bucket_of(kind)
        if bucket is not None:
            bucket.append(node)
        fields = fields_of(kind)
        for field in fields if fields is not None else _fields(kind):
            value = getattr(node, field)
            if value.__class__ is list:
                extend(value)
            elif value is not None:
                push(value)
    return nodes


def walk(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node of ``tree`` as ``gather`` walks it (no ``ctx`` nodes, no scalar fields)."""
    fields_of = _FIELDS.get
    stack: list = [tree]
    while stack:
        node = stack.pop()
        yield node
        kind = node.__class__
        fields = fields_of(kind)
        for field in fields if fields is not None else _fields(kind):
            value = getattr(node, field)
            if value.__class__ is list:
                stack.extend(value)
            elif value is not None:
                stack.append(value)


def _strings(tree: ast.expr) -> Iterator[str]:
    """The string constants in ``tree``."""
    return (node.value for node in walk(tree) if node.__class__ is ast.Constant and isinstance(node.value, str))  # type: ignore[attr-defined]


class _Names:
    """The words of a tree, the names it binds, and its imports."""

    def __init__(self, tree: ast.Module, nodes: dict[type, list] | None = None) -> None:
        self.tree = tree
        self.nodes = gather(tree) if nodes is None else nodes
        self.calls: Calls | None = None
        """The tree's calls and assignments, read only when a requirement asks about them."""
        self.answers: dict[object, bool] = {}
        self.words: set[str] = set()
        self.attributes: set[str] = set()
        self.bound: Counter[str] = Counter()
        """How many times each name is bound, anywhere."""
        self.declared: set[str] = set()
        """Names a ``global`` or ``nonlocal`` statement declares."""
        self.stored: set[str] = set()
        """Attributes assigned to (or deleted)."""
        self._note(self.nodes)
        self.imports: list[tuple[str, str, str]] = []
        """(bound name, qualified name as ``bindings.py`` spells it, ``module``/``function``/``class``)."""
        found = self.nodes[ast.Import] + self.nodes[ast.ImportFrom]
        if found:
            self._imports(tree.body, "module", max(node.lineno for node in found))

    def _note(self, nodes: dict[type, list]) -> None:
        words, attributes, bound, load = self.words, self.attributes, self.bound, ast.Load
        for node in nodes[ast.Name]:
            words.add(node.id)
            if node.ctx.__class__ is not load:
                bound[node.id] += 1
        for node in nodes[ast.Attribute]:
            words.add(node.attr)
            attributes.add(node.attr)
            if node.ctx.__class__ is not load:
                self.stored.add(node.attr)
        for kind in (ast.Import, ast.ImportFrom):
            for node in nodes[kind]:
                for alias in node.names:
                    parts = alias.name.split(".")
                    words.update(parts)
                    attributes.update(parts[1:])
                    if alias.asname:
                        words.add(alias.asname)
                    if alias.name != "*":
                        bound[alias.asname or (parts[0] if kind is ast.Import else alias.name)] += 1
                if kind is ast.ImportFrom and node.module:
                    parts = node.module.split(".")
                    words.update(parts)
                    attributes.update(parts[1:] if not node.level else parts)
        for kind in (ast.Global, ast.Nonlocal):
            for node in nodes[kind]:
                self.declared.update(node.names)
        words.update(node.arg for node in nodes[ast.keyword] if node.arg)
        for node in nodes[ast.arg]:
            words.add(node.arg)
            bound[node.arg] += 1
            annotation = node.annotation
            if annotation is not None and annotation.__class__ is not ast.Name:  # the class a parameter's annotation names
                for text in _strings(annotation):
                    if len(text) <= MAX_ANNOTATION:
                        found = _WORD.findall(text)  # a string annotation (``annotations.py`` parses it)
                        words.update(found)
                        attributes.update(found)
        for kind in _NAMED:  # def, class, except handler, match capture, type parameter
            for node in nodes[kind]:
                name = node.rest if kind is ast.MatchMapping else node.name
                if isinstance(name, str):
                    words.add(name)
                    bound[name] += 1

    def _imports(self, body: list, where: str, last: int) -> None:
        """Record the imports of ``body`` in order, none past ``last``: the line of the file's
        last import (a statement starting after it holds none, nor do those after it in ``body``)."""
        for statement in body:
            if statement.lineno > last:
                return
            kind = type(statement)
            if kind is ast.Import:
                for alias in statement.names:
                    top = alias.name.split(".")[0]
                    self.imports.append((alias.asname or top, alias.name if alias.asname else top, where))
                continue
            if kind is ast.ImportFrom:
                module = "." * statement.level + (statement.module or "")
                for alias in statement.names:
                    if alias.name != "*":
                        qualname = f"{module}{alias.name}" if module.endswith(".") else f"{module}.{alias.name}"
                        self.imports.append((alias.asname or alias.name, qualname, where))
                continue
            fields = _BODIES_OF.get(kind)
            if fields is None:
                fields = _BODIES_OF[kind] = tuple(field for field in _BODIES if field in kind._fields)
            inner = "function" if kind in (ast.FunctionDef, ast.AsyncFunctionDef) else "class" if kind is ast.ClassDef else where
            for field in fields:
                if field in ("handlers", "cases"):
                    for clause in getattr(statement, field):
                        self._imports(clause.body, inner, last)
                else:
                    self._imports(getattr(statement, field), inner, last)

    def meet(self, requirement: Requirement, source: bytes) -> bool:
        return (
            requirement.anchor in self.words
            and requirement.words <= self.words
            and requirement.attributes <= (self.stored if requirement.stored else self.attributes)
            and all(word_in(source, word) for word in requirement.evidence)
            and (not requirement.keys or self._asked(("environment", requirement.keys), source))
            and (not requirement.request or self._asked("request", source))
            and (not requirement.path or self._asked(requirement.path, source))
            and (not requirement.client or self._asked(("client", requirement.client), source))
            and (not requirement.endpoint or self._asked(("endpoint", next(iter(requirement.attributes))), source))
            and (requirement not in _MODULE or self._asked(_MODULE[requirement], source))
        )

    def _asked(self, question: object, source: bytes) -> bool:
        """A question of ``triage_calls.Calls`` about the tree, each asked once: ``"request"``, a
        distinctive path, ``("environment", keys)``, ``("client", qualname)``, ``("endpoint", attribute)``
        or ``("module", path, attribute)``."""
        if question not in self.answers:
            if self.calls is None:
                self.calls = Calls(self.tree, self.nodes)
            if question == "request":
                answer = self.calls.request()
            elif isinstance(question, tuple) and question[0] == "environment":
                answer = self.calls.environment(question[1], source)
            elif isinstance(question, tuple) and question[0] == "client":
                answer = self.calls.client(question[1])
            elif isinstance(question, tuple) and question[0] == "endpoint":
                answer = self.calls.endpoint(question[1], source)
            elif isinstance(question, tuple) and question[0] == "module":
                answer = self.calls.module(question[1], question[2])
            else:
                answer = self.calls.path(question)  # type: ignore[arg-type]
            self.answers[question] = answer
        return self.answers[question]

    def _module_bindings(self, name: str) -> int | None:
        """How many bindings of ``name`` the collector makes in the module scope (``bindings.py``:
        every binding form of a module-level statement, ``x: int`` alone excepted, through
        compound statements; not in a def or class body, a lambda or a comprehension, which are
        scopes of their own, nor their decorators, defaults and annotations, which hold no binding
        but a walrus); None when a walrus binds it, which may bind in the module from anywhere."""
        if any(node.target.id == name for node in self.nodes[ast.NamedExpr] if type(node.target) is ast.Name):
            return None
        count = 0
        stack: list = list(self.tree.body)
        while stack:
            node = stack.pop()
            kind = node.__class__
            if kind in _SCOPES:
                count += getattr(node, "name", None) == name  # a def or class binds its name
                continue
            if kind is ast.Name:
                count += node.id == name and node.ctx.__class__ is not ast.Load
            elif kind is ast.alias:
                count += (node.asname or node.name.split(".")[0]) == name
            elif kind in _NAMED:  # except handler, match capture
                count += (node.rest if kind is ast.MatchMapping else node.name) == name
            if kind is ast.AnnAssign and node.value is None:
                continue  # ``x: int`` binds nothing at module level
            for field, value in ast.iter_fields(node):
                if field == "type_params":
                    continue  # a type alias's parameters: not the module's
                if value.__class__ is list:
                    stack.extend(item for item in value if isinstance(item, ast.AST))
                elif isinstance(value, ast.AST):
                    stack.append(value)
        return count

    def facts(self) -> dict | None:
        """``summary.file_facts`` of a module without call sites, in the first phase; None when
        the tree leaves it uncertain. An import in a class body binds in the class's scope, which
        neither the names nor the needs read (``summary.needs``: the module's and functions' scopes)."""
        project = [(name, qualname, where) for name, qualname, where in self.imports if is_project_name(qualname)]
        if any(name in self.declared for name, _, _ in project):
            return None
        project = [(name, qualname, where) for name, qualname, where in project if where != "class"]
        module = Counter(name for name, _, where in self.imports if where == "module")
        names: dict[str, dict] = {}
        for name, qualname, where in project:
            if where != "module" or module[name] > 1:
                continue  # imported twice at module level: the module scope binds it twice, no record
            count = 1 if self.bound[name] == 1 else self._module_bindings(name)
            if count is None:
                return None  # a walrus binds it: in which scope is the collector's to say
            if count == 1:
                names[name] = {"kind": "alias", "target": qualname}
        needs = sorted({qualname for _, qualname, _ in project})
        return {"summary": {"names": names}, "needs": needs, "called": [], "marks": []}
