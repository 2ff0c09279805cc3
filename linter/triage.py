"""The triage: with the tree CPython's guard built (``parsing.cpython_tree``), whether libcst
must parse a file at all.

The prefilter (``prefilter.py``) reads bytes, so a word in a docstring, a comment or a string
lets a file through, and an SDK module passes on its name alone. The triage reads the same
requirements (``catalog_requirements(on_tree=True)``) on the ``ast`` tree: a word of a name
must be a name of the tree (a ``Name``, an attribute, a word of an import, a definition or
parameter, or a word of a parameter's string annotation), an attribute an
attribute (or a dotted import's part), and the words of an endpoint URL occur in the bytes as
before. An environment write needs, besides, a subscript assigned to somewhere; an HTTP request
a call whose URL may end with an LLM API path, and a distinctive method a callee that may
resolve to its path (``triage_calls.py``, over-approximating the model). A file meeting
no requirement holds no call site and no endpoint literal (the prefilter's argument), so no
rule reports in it, no helper or client is defined in it, and full analysis would give it, in
the first phase, only the facts ``verdict`` computes here: the aliases its module-level
project imports make and the project names it imports (``summary.file_facts``). When those are
not certain from the tree (a name imported and bound again, a ``global``, an import in a class
body), the file is parsed.

The second phase (a ``Job`` with the project's summaries) is not triaged: the phases chose
those files for the project names they hold. ``BUDGETLINT_NO_TRIAGE=1`` turns the triage off.
"""

from __future__ import annotations

import ast
import os
import re
from collections import Counter

from .prefilter import Requirement, catalog_requirements, names_a_key, word_in
from .project import is_project_name
from .triage_calls import Calls

SWITCH = "BUDGETLINT_NO_TRIAGE"
"""Set to anything but ``0`` or empty: every file the prefilter passes is parsed (to prove the triage)."""
MAX_ANNOTATION = 200
"""A string annotation of a parameter this short is parsed (``annotations.py``): its words count as names."""
_WORD = re.compile(r"[A-Za-z_]\w*")
_BODIES = ("body", "orelse", "finalbody", "handlers", "cases")
_REQUIREMENTS = catalog_requirements(on_tree=True)


def enabled() -> bool:
    return os.environ.get(SWITCH, "") in ("", "0")


def verdict(tree: ast.Module, source: bytes) -> dict | None:
    """None when the file must be analysed; else the facts full analysis gives it (it reports nothing)."""
    names = _Names(tree)
    if any(names.meet(requirement, source) for requirement in _REQUIREMENTS):
        return None
    return names.facts()


class _Names:
    """The words of a tree, the names it binds, and its imports."""

    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree
        self.calls: Calls | None = None
        """The tree's calls, read only when a requirement asks about them."""
        self.answers: dict[str | tuple[str, ...], bool] = {}
        self.words: set[str] = set()
        self.attributes: set[str] = set()
        self.bound: Counter[str] = Counter()
        """How many times each name is bound, anywhere."""
        self.declared: set[str] = set()
        """Names a ``global`` or ``nonlocal`` statement declares."""
        self.stored: set[str] = set()
        """Attributes assigned to (or deleted)."""
        self.keys: list[ast.expr] = []
        """The subscripts assigned to (``os.environ[KEY] = ...``)."""
        for node in ast.walk(tree):
            self._note(node)
        self.imports: list[tuple[str, str, str]] = []
        """(bound name, qualified name as ``bindings.py`` spells it, ``module``/``function``/``class``)."""
        self._imports(tree.body, "module")

    def _note(self, node: ast.AST) -> None:
        kind = type(node)
        if kind is ast.Name:
            self.words.add(node.id)
            if not isinstance(node.ctx, ast.Load):
                self.bound[node.id] += 1
        elif kind is ast.Attribute:
            self.words.add(node.attr)
            self.attributes.add(node.attr)
            if not isinstance(node.ctx, ast.Load):
                self.stored.add(node.attr)
        elif kind is ast.Subscript:
            if not isinstance(node.ctx, ast.Load):
                self.keys.append(node.slice)
        elif kind in (ast.Import, ast.ImportFrom):
            for alias in node.names:
                parts = alias.name.split(".")
                self.words.update(parts)
                self.attributes.update(parts[1:])
                if alias.asname:
                    self.words.add(alias.asname)
                if alias.name != "*":
                    bound = alias.asname or (parts[0] if kind is ast.Import else alias.name)
                    self.bound[bound] += 1
            if kind is ast.ImportFrom and node.module:
                parts = node.module.split(".")
                self.words.update(parts)
                self.attributes.update(parts[1:] if not node.level else parts)
        elif kind in (ast.Global, ast.Nonlocal):
            self.declared.update(node.names)
        elif kind is ast.keyword:
            if node.arg:
                self.words.add(node.arg)
        elif kind is ast.arg and node.annotation is not None:  # the class a parameter's annotation names
            self.words.add(node.arg)
            self.bound[node.arg] += 1
            for part in ast.walk(node.annotation):
                if isinstance(part, ast.Constant) and isinstance(part.value, str) and len(part.value) <= MAX_ANNOTATION:
                    found = _WORD.findall(part.value)  # a string annotation (``annotations.py`` parses it)
                    self.words.update(found)
                    self.attributes.update(found)
        elif kind is not ast.alias:
            name = getattr(node, "name", None) or getattr(node, "rest", None) or getattr(node, "arg", None)
            if isinstance(name, str):  # def, class, parameter, except handler, match capture, type parameter
                self.words.add(name)
                self.bound[name] += 1

    def _imports(self, body: list, where: str) -> None:
        for statement in body:
            kind = type(statement)
            if kind is ast.Import:
                for alias in statement.names:
                    top = alias.name.split(".")[0]
                    self.imports.append((alias.asname or top, alias.name if alias.asname else top, where))
            elif kind is ast.ImportFrom:
                module = "." * statement.level + (statement.module or "")
                for alias in statement.names:
                    if alias.name != "*":
                        qualname = f"{module}{alias.name}" if module.endswith(".") else f"{module}.{alias.name}"
                        self.imports.append((alias.asname or alias.name, qualname, where))
            inner = "function" if kind in (ast.FunctionDef, ast.AsyncFunctionDef) else "class" if kind is ast.ClassDef else where
            for field in _BODIES:
                for child in getattr(statement, field, ()):
                    self._imports(child.body if isinstance(child, (ast.ExceptHandler, ast.match_case)) else [child], inner)

    def meet(self, requirement: Requirement, source: bytes) -> bool:
        return (
            requirement.anchor in self.words
            and requirement.words <= self.words
            and requirement.attributes <= (self.stored if requirement.stored else self.attributes)
            and all(word_in(source, word) for word in requirement.evidence)
            and (not requirement.keys or any(self._names_key(key, requirement.keys, source) for key in self.keys))
            and (not requirement.request or self._asked("request"))
            and (not requirement.path or self._asked(requirement.path))
        )

    def _asked(self, question: str | tuple[str, ...]) -> bool:
        """``Calls.request()`` or ``Calls.path(question)`` of the tree, each asked once."""
        if question not in self.answers:
            if self.calls is None:
                self.calls = Calls(self.tree)
            self.answers[question] = self.calls.request() if question == "request" else self.calls.path(question)  # type: ignore[arg-type]
        return self.answers[question]

    @staticmethod
    def _names_key(key: ast.expr, keys: frozenset[str], source: bytes) -> bool:
        """Whether the subscript ``key`` may evaluate (``values.evaluate``) to a string holding one of ``keys``."""
        if isinstance(key, ast.Constant):
            return isinstance(key.value, str) and any(hint in key.value.upper() for hint in keys)
        return isinstance(key, ast.Name) and names_a_key(source, keys)  # a name bound to a string somewhere

    def facts(self) -> dict | None:
        """``summary.file_facts`` of a module without call sites, in the first phase; None when
        the tree leaves it uncertain."""
        project = [(name, qualname, where) for name, qualname, where in self.imports if is_project_name(qualname)]
        if any(where == "class" or name in self.declared for name, _, where in project):
            return None
        module = Counter(name for name, _, where in self.imports if where == "module")
        names: dict[str, dict] = {}
        for name, qualname, where in project:
            if where != "module":
                continue
            if self.bound[name] == 1:
                names[name] = {"kind": "alias", "target": qualname}
            elif self.bound[name] != module[name]:
                return None  # bound otherwise too: whether the module scope holds one binding is the collector's to say
        needs = sorted({qualname for _, qualname, _ in project})
        return {"summary": {"names": names}, "needs": needs, "called": [], "marks": []}
