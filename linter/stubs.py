"""Partial parsing: before libcst parses a file in the first phase, the bodies of the functions,
methods and classes no finding or fact can come from are blanked, so libcst builds a smaller tree.

What is blanked. The *units* are each top-level function, each top-level class, and, inside a
class that is kept, each method (each other statement of a class body, like each module
statement, is a unit that is never blanked but whose words are its own). A unit that is not *needed* keeps its decorators and signature;
its body's lines (the first body line to the last statement's last line) become blank lines,
but the first, which becomes its indentation and ``pass``. Every other line is left as it is,
each with its own line ending, so every node that is kept has the line and column it has in the
original: the tree comes from the reduced bytes, everything else (positions, snippets,
fingerprints, suppressions) from the original text.

Why nothing is lost. The triage's argument (``triage.py``) says that each call site and endpoint
literal needs one of the catalog's requirements met in the file. A site hangs on an *anchor*: a
call's callee (an SDK method or constructor, a helper, a partial), a value a function returns
(a factory's client, which ``summary.file_facts`` records for every module-level function), an
attribute assigned to (an endpoint set in code) or a subscript assigned to (an environment
write). The model resolves an anchor only through names: a name or attribute it is written with,
what the unit (or another) binds to it, a function whose ``return`` it reads, a class whose
members it reads (``self.client``, ``Bot().client``). So the words of the requirement behind
a site are written in its anchor or in the code the model reaches from it. Here:

- a unit *reaches* the requirement words it writes as names (names, attributes, words of imports
  and of string annotations) and those of every unit defining one of them (a def or class name,
  an attribute a function or method assigns, a name a ``global`` binds, a name a module or
  class-body statement binds; a method also reaches its class's header: decorators, bases), to a
  fixed point; through a name a statement binds by imports alone, only the words of those
  imports (the model resolves it to their qualified name);
- a unit is *needed* when one of its anchors reaches (through the units defining its names, and
  through everything the unit reaches when one of them is bound in the unit itself, ``self``
  aside) all the words of a requirement the file meets, of the anchor's kind (an environment
  write only on a subscript assigned to, an endpoint attribute only on an attribute assigned
  to); the requirements met are read as ``triage._Names.meet`` reads them, its questions about
  calls and environment keys taken as met. A call of a helper reaches the helper, so the caller
  is needed; a site whose client comes from another unit reaches its constructor;
- a unit declaring ``global`` or ``nonlocal`` (a binding of the module, counted by the model)
  or importing a project name (``summary.needs`` lists the imports of every function) is needed;
- every unit defining a word a needed unit mentions is needed (what it reads stays as written),
  and a needed method's or class-body statement's class, and a needed class's body statements;
  module and class-body statements are never blanked on their own (a class's go with its body).

Words are unscoped (a method's ``self.client`` and another class's ``client`` are one word), which
only keeps more. They are read from the triage's walk of the tree (``triage.gather``), each node
given to the unit whose lines hold its first line (module statements sharing a line are one).
Only in the first phase (the second resolves project names through summaries); not with fixes
(they rewrite the parsed module), for an editor's document or a notebook, nor when anything
about the file is unusual (form feeds, lone ``\\r`` line endings): then the file is parsed
whole, and it is whenever libcst refuses the reduced bytes. ``BUDGETLINT_NO_STUBS=1``
turns it off.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import libcst as cst

from . import timing
from .prefilter import catalog_requirements, word_in
from .project import is_project_name
from .triage import _NAMED, _strings, gather, walk

SWITCH = "BUDGETLINT_NO_STUBS"
"""Set to anything but ``0`` or empty: every file is parsed whole (to prove partial parsing)."""
MAX_ANNOTATION = 200
"""As ``triage.MAX_ANNOTATION``: a string annotation of a parameter this short is read for words."""
_WORD = re.compile(r"[A-Za-z_]\w*")
_REQUIREMENTS = catalog_requirements(on_tree=True)
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)


def enabled() -> bool:
    return os.environ.get(SWITCH, "") in ("", "0")


def parse(source: bytes, reduced: bytes | None) -> cst.Module:
    """libcst's module of ``reduced`` (``source`` with bodies blanked) when it parses, else of ``source``."""
    if reduced is not None:
        try:
            module = cst.parse_module(reduced)
        except cst.ParserSyntaxError:
            pass
        else:
            timing.count("parsed bytes", len(reduced))
            timing.count("stubbed files")
            return module
    module = cst.parse_module(source)
    timing.count("parsed bytes", len(source))
    return module


def reduced(tree: ast.Module, source: bytes, nodes: dict[type, list] | None = None) -> bytes | None:
    """``source`` with the bodies of the units nothing needs blanked; None when there is none, or
    when the file is unusual (see the module docstring). ``nodes``: ``triage.gather(tree)``, when
    the caller has it."""
    if b"\f" in source or source.count(b"\r") != source.count(b"\r\n"):
        return None
    if not any(isinstance(statement, (*_DEFS, ast.ClassDef)) for statement in tree.body):
        return None  # no body to blank
    units = _units(tree, gather(tree) if nodes is None else nodes)
    if units is None:
        return None
    _close(units, _met(units, source))
    lines = source.splitlines(keepends=True)
    changed = False
    for unit in units:
        if unit.node is None or unit.owner is not None:
            continue
        if not unit.needed:  # a class none of whose methods is needed is not (a method needs its class)
            changed = _blank(unit.node, lines) or changed
            continue
        for method in unit.methods:
            if not method.needed:
                changed = _blank(method.node, lines) or changed
    return b"".join(lines) if changed else None


@dataclass(eq=False)
class _Unit:
    """A top-level function, class (its *skeleton*: all but its methods) or method, or a module statement."""

    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | None
    """The def or class whose body may be blanked; None for a module statement (always kept)."""
    words: _Words
    defines: set[str]
    owner: _Unit | None = None
    """For a method: its class."""
    methods: list[_Unit] = field(default_factory=list)
    """For a class: its methods."""
    members: list[_Unit] = field(default_factory=list)
    """For a class: the statements of its body but its methods (kept whenever the class is)."""
    instance: str | None = None
    """For a method: its first parameter (``self``, ``cls``), whose attributes are the class's."""
    needed: bool = False

    @property
    def locals(self) -> set[str]:
        """The names bound in the unit's own code (its parameters too, but ``self``)."""
        return (self.words.bound | self.words.params) - {self.instance}


class _Words:
    """The words of some code (``triage._Names._note``'s notion), and what it binds."""

    def __init__(self) -> None:
        self.words: set[str] = set()
        self.names: set[str] = set()
        """The words a name is resolved through: names, attributes, words of imports and of string
        annotations (not keyword arguments, parameters or definitions)."""
        self.attributes: set[str] = set()
        self.stored: set[str] = set()
        """Attributes assigned to (or deleted)."""
        self.bound: set[str] = set()
        """Names bound (assigned, imported, defined, caught, captured)."""
        self.assigned: set[str] = set()
        """Names bound other than by an import."""
        self.declared: set[str] = set()
        """Names a ``global`` or ``nonlocal`` declares."""
        self.params: set[str] = set()
        self.anchors: set[tuple[str, frozenset[str]]] = set()
        """The expressions a site or literal hangs on, as (kind, names and attributes): the callee
        of each call and each returned value (``call``), each attribute and subscript assigned to
        (``attr``, ``item``)."""
        self.imports_project = False
        self.imported: dict[str, set[str]] = {}
        """By name an import binds: the words of the imports binding it (module, name, alias)."""

    def _import(self, node: ast.Import | ast.ImportFrom) -> None:
        module = "." * node.level + (node.module or "") if isinstance(node, ast.ImportFrom) else ""
        for alias in node.names:
            parts = alias.name.split(".")
            self.words.update(parts)
            self.names.update(parts)
            self.attributes.update(parts[1:])
            if alias.asname:
                self.words.add(alias.asname)
                self.names.add(alias.asname)
            if alias.name == "*":
                continue
            if isinstance(node, ast.Import):
                bound = alias.asname or parts[0]
                qualname = alias.name if alias.asname else parts[0]
            else:
                bound = alias.asname or alias.name
                qualname = f"{module}{alias.name}" if module.endswith(".") else f"{module}.{alias.name}"
            self.bound.add(bound)
            self.imported.setdefault(bound, set()).update(parts, [bound], module.lstrip(".").split(".") if module.strip(".") else ())
            self.imports_project = self.imports_project or is_project_name(qualname)  # as ``bindings.py`` spells it
        if isinstance(node, ast.ImportFrom) and node.module:
            parts = node.module.split(".")
            self.words.update(parts)
            self.names.update(parts)
            self.attributes.update(parts[1:] if not node.level else parts)


def _names(expression: ast.AST) -> frozenset[str]:
    """The names and attribute names written in ``expression`` (walked as ``triage.gather`` walks)."""
    if expression.__class__ is ast.Name:
        return frozenset((expression.id,))  # type: ignore[attr-defined]
    found = set()
    for node in walk(expression):
        kind = node.__class__
        if kind is ast.Name:
            found.add(node.id)  # type: ignore[attr-defined]
        elif kind is ast.Attribute:
            found.add(node.attr)  # type: ignore[attr-defined]
    return frozenset(found)


def _units(tree: ast.Module, nodes: dict[type, list]) -> list[_Unit] | None:
    """The units of ``tree``, their words read from the triage's walk (``triage.gather``): each
    node belongs to the unit whose lines hold its first line. None when two units share a line."""
    units: list[_Unit] = []
    spans: list[tuple[int, int, int]] = []
    """Each unit's lines (from its first decorator) and index, a class's before its methods'."""
    own: set[int] = set()
    """The defs and classes that are units: their own names are definitions, not words."""
    for statement in tree.body:
        if isinstance(statement, (*_DEFS, ast.ClassDef)):
            unit = _Unit(statement, _Words(), set())
            units.append(unit)
            own.add(id(statement))
            spans.append((_first_line(statement), statement.end_lineno or statement.lineno, len(units) - 1))
            if isinstance(statement, ast.ClassDef):
                for member in statement.body:
                    if isinstance(member, _DEFS):
                        method = _Unit(member, _Words(), set(), owner=unit, instance=_instance(member))
                        unit.methods.append(method)
                        units.append(method)
                        own.add(id(member))
                        spans.append((_first_line(member), member.end_lineno or member.lineno, len(units) - 1))
                    else:  # a class-body statement: a unit of its own, kept with its class
                        _statement(member, units, spans, unit)
        else:
            _statement(statement, units, spans, None)
    line_unit: list[int] = [-1] * (max((last for _, last, _ in spans), default=0) + 1)
    for first, last, index in spans:
        if any(line_unit[line] != -1 and units[line_unit[line]] is not units[index].owner for line in (first, last)):
            return None
        line_unit[first : last + 1] = [index] * (last + 1 - first)
    stray = _Words()  # line -1: a node on no unit's lines (never, but then the file is parsed whole)
    try:
        _note([*(unit.words for unit in units), stray], line_unit, nodes, own)
    except IndexError:  # a node past the last unit's lines
        return None
    if stray.words or stray.anchors or stray.declared:
        return None
    for unit in units:
        words = unit.words
        if unit.node is None or isinstance(unit.node, ast.ClassDef):
            unit.defines = words.bound | words.stored | words.declared
        else:
            unit.defines = words.stored | words.declared
        if unit.node is not None:
            unit.defines.add(unit.node.name)
    return units


def _statement(statement: ast.stmt, units: list[_Unit], spans: list[tuple[int, int, int]], owner: _Unit | None) -> None:
    """Add a module statement (``owner`` None) or a class-body statement as a unit; statements
    sharing a line (``a = 1; b = 2``) are one."""
    last = statement.end_lineno or statement.lineno
    if spans and units[spans[-1][2]].node is None and units[spans[-1][2]].owner is owner and statement.lineno <= spans[-1][1]:
        spans[-1] = (spans[-1][0], max(spans[-1][1], last), spans[-1][2])
        return
    unit = _Unit(None, _Words(), set(), owner=owner)
    units.append(unit)
    if owner is not None:
        owner.members.append(unit)
    spans.append((statement.lineno, last, len(units) - 1))


def _first_line(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> int:
    return min([node.lineno, *(decorator.lineno for decorator in node.decorator_list)])


def _note(found: list[_Words], line_unit: list[int], nodes: dict[type, list], own: set[int]) -> None:
    """Give each unit's ``_Words`` the words of the gathered nodes on its lines."""
    load, store = ast.Load, ast.Store
    for node in nodes[ast.Name]:
        words = found[line_unit[node.lineno]]
        words.words.add(node.id)
        words.names.add(node.id)
        if node.ctx.__class__ is not load:
            words.bound.add(node.id)
            words.assigned.add(node.id)
    for node in nodes[ast.Attribute]:
        words = found[line_unit[node.lineno]]
        words.words.add(node.attr)
        words.names.add(node.attr)
        words.attributes.add(node.attr)
        if node.ctx.__class__ is not load:
            words.stored.add(node.attr)
            if node.ctx.__class__ is store:
                words.anchors.add(("attr", _names(node)))
    for node in nodes[ast.Call]:
        found[line_unit[node.lineno]].anchors.add(("call", _names(node.func)))
    for node in nodes[ast.Return]:
        if node.value is not None:
            found[line_unit[node.lineno]].anchors.add(("call", _names(node.value)))
    for node in nodes[ast.Subscript]:
        if node.ctx.__class__ is store:
            found[line_unit[node.lineno]].anchors.add(("item", _names(node.value)))
    for kind in (ast.Import, ast.ImportFrom):
        for node in nodes[kind]:
            found[line_unit[node.lineno]]._import(node)
    for kind in (ast.Global, ast.Nonlocal):
        for node in nodes[kind]:
            found[line_unit[node.lineno]].declared.update(node.names)
    for node in nodes[ast.keyword]:
        if node.arg:
            found[line_unit[node.lineno]].words.add(node.arg)
    for node in nodes[ast.arg]:
        words = found[line_unit[node.lineno]]
        words.words.add(node.arg)
        words.params.add(node.arg)
        annotation = node.annotation
        if annotation is not None and annotation.__class__ is not ast.Name:  # a name holds no string
            for text in _strings(annotation):
                if len(text) <= MAX_ANNOTATION:
                    names = _WORD.findall(text)
                    words.words.update(names)
                    words.names.update(names)
                    words.attributes.update(names)
    for kind in _NAMED:  # def, class, except handler, match capture, type parameter
        for node in nodes[kind]:
            name = node.rest if kind is ast.MatchMapping else node.name
            if isinstance(name, str) and id(node) not in own:
                words = found[line_unit[node.lineno]]
                words.words.add(name)
                words.bound.add(name)
                words.assigned.add(name)


def _instance(method: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    static = any(isinstance(decorator, ast.Name) and decorator.id == "staticmethod" for decorator in method.decorator_list)
    positional = [*method.args.posonlyargs, *method.args.args]
    return positional[0].arg if positional and not static else None


def _met(units: list[_Unit], source: bytes) -> list[tuple[frozenset[str], str]]:
    """The words (anchor, words, attributes) of each requirement the file may meet
    (``triage._Names.meet``, its questions about calls and environment keys taken as met), with
    the kind of anchor its sites hang on: ``item`` for an environment write, ``attr`` for an
    endpoint attribute set, else any."""
    words: set[str] = set()
    attributes: set[str] = set()
    stored: set[str] = set()
    for unit in units:
        words |= unit.words.words
        attributes |= unit.words.attributes
        stored |= unit.words.stored
        if unit.node is not None:
            words.add(unit.node.name)
    met = {
        (frozenset({requirement.anchor, *requirement.words, *requirement.attributes}), "item" if requirement.keys else "attr" if requirement.stored else "")
        for requirement in _REQUIREMENTS
        if requirement.anchor in words
        and requirement.words <= words
        and requirement.attributes <= (stored if requirement.stored else attributes)
        and all(word_in(source, word) for word in requirement.evidence)
    }
    return sorted(met, key=lambda pair: (sorted(pair[0]), pair[1]))


def _close(units: list[_Unit], met: list[tuple[frozenset[str], str]]) -> None:
    """Mark the needed units (see the module docstring): those with an anchor whose reach covers a
    met requirement's words, those declaring ``global``/``nonlocal`` or importing a project name,
    and every unit a needed unit reads."""
    definers: dict[str, list[_Unit]] = {}
    for unit in units:
        for word in unit.defines:
            definers.setdefault(word, []).append(unit)
    bits = {word: 1 << index for index, word in enumerate(sorted(set().union(*(words for words, _ in met))))}
    masks = [(sum(bits[word] for word in words), kind) for words, kind in met]
    reads: dict[int, list[_Unit]] = {}
    """What each unit reads: the units defining a word it mentions (and a method's class)."""
    resolves: dict[int, list[tuple[_Unit, str | None]]] = {}
    """What each unit resolves names through: the units defining a name or attribute it writes
    (with that word; None for a method's class)."""
    readers: dict[int, list[_Unit]] = {}
    reach: dict[int, int] = {}
    imported: dict[tuple[int, str], int] = {}
    """The words reached through a name that a statement binds by imports alone: its imports' own."""
    defined = definers.keys()
    for unit in units:
        found = {id(definer): definer for word in unit.words.words & defined for definer in definers[word]}
        owner = [unit.owner] if unit.owner is not None else []
        reads[id(unit)] = [*(definer for definer in found.values() if definer is not unit), *owner, *unit.members]
        through = {(id(definer), word): (definer, word) for word in unit.words.names & defined for definer in definers[word] if definer is not unit}
        resolves[id(unit)] = [*through.values(), *((owner, None) for owner in owner)]
        for definer, _ in resolves[id(unit)]:
            readers.setdefault(id(definer), []).append(unit)
        reach[id(unit)] = sum(bits[word] for word in unit.words.names.intersection(bits))  # bits: the few words of requirements
        words = unit.words
        if unit.node is None:
            for name, parts in words.imported.items():
                if name not in words.assigned and name not in words.stored and name not in words.declared:
                    imported[(id(unit), name)] = sum(bits[word] for word in parts.intersection(bits))

    def via(definer: _Unit, word: str | None) -> int:
        """The requirement words reached by resolving ``word`` through ``definer``."""
        found = imported.get((id(definer), word)) if word is not None else None
        return reach[id(definer)] if found is None else found

    todo = list(units)
    while todo:  # the requirement words each unit reaches through the names it writes, to a fixed point
        unit = todo.pop()
        mask = reach[id(unit)]
        for definer, word in resolves[id(unit)]:
            mask |= via(definer, word)
        if mask != reach[id(unit)]:
            reach[id(unit)] = mask
            todo.extend(readers.get(id(unit), ()))
    by_word: dict[str, int] = {}

    def word_reach(word: str) -> int:
        if word not in by_word:
            found = bits.get(word, 0)
            for definer in definers.get(word, ()):
                found |= via(definer, word)
            by_word[word] = found
        return by_word[word]

    todo = []
    for unit in units:
        if unit.words.declared or unit.words.imports_project or _anchored(unit, masks, word_reach, reach[id(unit)]):
            unit.needed = True
            todo.append(unit)
    while todo:
        for definer in reads[id(todo.pop())]:
            if not definer.needed:
                definer.needed = True
                todo.append(definer)


def _anchored(unit: _Unit, masks: list[tuple[int, str]], word_reach: Callable[[str], int], own: int) -> bool:
    """Whether an anchor of ``unit`` reaches all the words of a met requirement of its kind: through
    the definitions of the names it is written with, or, when one is bound in the unit, through
    everything the unit reads."""
    local = unit.locals
    for kind, names in unit.words.anchors:
        found = own if not local.isdisjoint(names) else 0
        for name in names:
            found |= word_reach(name)
        if any(found & mask == mask and (not wanted or wanted == kind) for mask, wanted in masks):
            return True
    return False


def _blank(node: ast.AST | None, lines: list[bytes]) -> bool:
    """Blank the body of ``node`` in ``lines`` (its first line made ``pass``); False when its body
    does not start a line of its own (``def f(): ...``, a line continued into it)."""
    body = getattr(node, "body", None)
    if not body:
        return False
    start = body[0]
    first = min([start.lineno, *(decorator.lineno for decorator in getattr(start, "decorator_list", ()))])
    last = body[-1].end_lineno
    if last is None or not 1 < first <= last <= len(lines):
        return False
    line = lines[first - 1]
    indent = line[: len(line) - len(line.lstrip(b" \t"))]
    starts = line[len(indent) : len(indent) + 1] == b"@" if first < start.lineno else len(indent) == start.col_offset
    if not indent or not starts or lines[first - 2].rstrip(b"\r\n").endswith(b"\\"):
        return False
    lines[first - 1] = indent + b"pass" + _ending(line)
    for index in range(first, last):
        lines[index] = _ending(lines[index])
    return True


def _ending(line: bytes) -> bytes:
    return b"\r\n" if line.endswith(b"\r\n") else b"\n" if line.endswith(b"\n") else b""
