"""The project's modules as the second phase sees them: each module's summary, found by the
dotted names other modules import it by.

Pure data (no libcst): the orchestration builds a ``ProjectIndex`` from the first phase's
summaries and sends it to the workers in the ``Job``; the engine asks it, through the
``ProjectView`` of the file being linted, what a name imported from the project is.

Module names. A file's module name is its path from the project root, dotted (``app/llm.py``
is ``app.llm``, ``app/__init__.py`` is ``app``). An import names a module by the dotted path
from some directory on ``sys.path``, which budgetlint cannot know (``src/`` layouts, a service
run from its own folder), so ``a.b`` names any module whose name ends with the components
``a.b``: the one named exactly so if there is one, else the one sharing the longest package
prefix with the importing file; when two tie, the name stays unresolved. Relative imports
(``from .llm import client``) are resolved against the importing module's package.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from dataclasses import dataclass, field
from functools import cache, cached_property

MAX_ALIASES = 8
"""Re-exports followed from one name (``from .llm import client`` in a package ``__init__``)."""
SOURCE_SUFFIX = ".py"


def module_name(key: str) -> str | None:
    """The dotted module name of the file at root-relative ``key``; None for what is not a module."""
    if not key.endswith(SOURCE_SUFFIX):
        return None
    parts = key[: -len(SOURCE_SUFFIX)].split("/")
    if parts[-1] == "__init__":
        parts.pop()
    if not parts or not all(part.isidentifier() for part in parts):
        return None
    return ".".join(parts)


def is_project_name(qualname: str) -> bool:
    """Whether an imported name may come from the project (relative, or not stdlib nor an SDK)."""
    return qualname.startswith(".") or qualname.split(".", 1)[0] not in not_project()


@cache
def not_project() -> frozenset[str]:
    """Roots of names no project module defines: the standard library and the catalog's SDKs."""
    from .catalog import KNOWN_ROOT_MODULES  # not at import: a run the cache answers never reads the catalog

    return frozenset(sys.stdlib_module_names) | KNOWN_ROOT_MODULES | {"__future__", "typing_extensions"}


def absolute(qualname: str, module: str, is_package: bool) -> str | None:
    """``qualname`` with its leading dots (a relative import) resolved against ``module``."""
    level = len(qualname) - len(qualname.lstrip("."))
    if not level:
        return qualname
    package = module.split(".") if is_package else module.split(".")[:-1]
    if level - 1 > len(package):
        return None
    base = package[: len(package) - (level - 1)]
    rest = qualname[level:]
    return ".".join([*base, rest] if rest else base) or None


@dataclass(frozen=True)
class Found:
    """What a project name is: the summary record of a module-level name, with the attributes
    written after it (``client.chat.completions`` gives the record of ``client`` and
    ``("chat", "completions")``)."""

    key: str
    """The root-relative path of the module defining it."""
    record: dict
    rest: tuple[str, ...]

    def canonical(self) -> list:
        return [self.key, self.record, list(self.rest)]


@dataclass
class ProjectIndex:
    """Every known module's summary (``summary.module_summary``), by root-relative path."""

    summaries: dict[str, dict]
    """Root-relative path -> summary: ``{"names": {name: record}}``."""
    modules: dict[str, str] = field(default_factory=dict)
    """Every project module name -> its root-relative path (summarised or not)."""
    shown: dict[str, str] = field(default_factory=dict)
    """Root-relative path -> the display name findings use, for related locations."""
    memo: dict[object, object] = field(default_factory=dict, repr=False, compare=False)
    """What the phases derive from the summaries, once per index (``phases._resolved``)."""

    @cached_property
    def _suffixes(self) -> dict[str, list[str]]:
        table: dict[str, list[str]] = {}
        for name in sorted(self.modules):
            parts = name.split(".")
            for start in range(len(parts)):
                table.setdefault(".".join(parts[start:]), []).append(name)
        return table

    def view(self, key: str) -> ProjectView:
        return ProjectView(self, key)

    def module_of(self, dotted: str, importer: str) -> str | None:
        """The module name ``dotted`` refers to from module ``importer`` (see the module docstring)."""
        candidates = self._suffixes.get(dotted, ())
        if len(candidates) <= 1:
            return candidates[0] if candidates else None
        if dotted in candidates:
            return dotted
        scored = sorted(((_shared(name, importer), name) for name in candidates), reverse=True)
        return scored[0][1] if scored[0][0] > scored[1][0] else None

    def unambiguous(self, dotted: str) -> bool:
        """Whether ``module_of`` gives each dotted prefix of ``dotted`` (itself included) whatever
        the importer: none of them names two modules."""
        known = self.memo.get(("unambiguous", dotted))
        if known is None:
            parts = dotted.split(".")
            suffixes = self._suffixes
            known = self.memo[("unambiguous", dotted)] = all(len(suffixes.get(".".join(parts[:cut]), ())) <= 1 for cut in range(1, len(parts) + 1))
        return known  # type: ignore[return-value]

    def digest(self, found: list[tuple[str, object]]) -> str:
        """A digest of the summaries a file used: its project names and what each resolved to
        (plain data)."""
        document = [[name, hit] for name, hit in found]
        return hashlib.blake2b(json.dumps(document, sort_keys=True, default=repr).encode(), digest_size=16).hexdigest()


def _shared(name: str, importer: str) -> int:
    count = 0
    for a, b in zip(name.split(".")[:-1], importer.split(".")[:-1]):
        if a != b:
            break
        count += 1
    return count


@dataclass
class ProjectView:
    """The project as one file sees it: names it imports, resolved through their modules."""

    index: ProjectIndex
    key: str

    @cached_property
    def module(self) -> str:
        return module_name(self.key) or ""

    def lookup(self, qualname: str, depth: int = 0) -> Found | None:
        """The record ``qualname`` (as imported in this file) leads to, following re-exports."""
        if depth > MAX_ALIASES or not is_project_name(qualname):
            return None
        dotted = absolute(qualname, self.module, self.key.endswith("/__init__.py") or self.key == "__init__.py")
        if dotted is None:
            return None
        parts = dotted.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module = self.index.module_of(".".join(parts[:cut]), self.module)
            if module is None:
                continue
            key = self.index.modules[module]
            record = self.index.summaries.get(key, {}).get("names", {}).get(parts[cut])
            if record is None:
                return None
            rest = tuple(parts[cut + 1 :])
            if record.get("kind") == "alias":
                target = ProjectView(self.index, key).lookup(record["target"], depth + 1)
                return None if target is None else Found(target.key, target.record, target.rest + rest)
            return Found(key, record, rest)
        return None

    def shown(self, key: str) -> str:
        return self.index.shown.get(key, key)


@dataclass(frozen=True)
class Remote:
    """A client built in another module of the project, as its summary describes it."""

    client: str
    """The catalog client's qualified name (``openai.OpenAI``)."""
    location: str
    """Where its endpoint points: ``local``, ``cloud`` or ``unknown``."""
    tagged: str
    """Whether its constructor carries the feature tag: ``yes``, ``no`` or ``maybe``."""


def client_of(found: Found | None, called: bool) -> tuple[Remote, tuple[str, ...]] | None:
    """The project client ``found`` is (``called``: the result of calling it, for a factory),
    with the attribute path after it."""
    if found is None:
        return None
    record = found.record
    kind = record.get("kind")
    if called and kind == "factory" and not found.rest:
        record = record.get("returns") or {}
    elif called or kind != "client":
        return None
    if not isinstance(record.get("client"), str):
        return None
    return Remote(record["client"], record.get("location", "unknown"), record.get("tagged", "maybe")), found.rest


_IMPORT_LINE = re.compile(rb"[ \t]*(?:from[ \t]+([.\w]+)[ \t]+import\b|import[ \t]+([\w. \t,]+))")
"""An import line, from its start (a line starting at a ``\\n``, or the file's)."""


def import_names(code: bytes) -> list[str]:
    """The project names a module's import lines name (modules, and names from them), read from
    its bytes without parsing: for files the prefilter skips, whose imports phase 2 still needs.

    Only the lines holding ``import`` are matched (an import line holds it, and ends at its
    line's end): a pattern tried at every line start took twice the prefilter's time."""
    names: set[str] = set()
    found = code.find(b"import")
    while found >= 0:
        match = _IMPORT_LINE.match(code, code.rfind(b"\n", 0, found) + 1)
        if match is not None and match.group(1):
            names.add(match.group(1).decode("ascii", "replace"))
        elif match is not None:
            for part in match.group(2).split(b","):
                names.add(part.strip().split()[0].decode("ascii", "replace") if part.strip() else "")
        end = code.find(b"\n", found)
        found = code.find(b"import", end) if end >= 0 else -1
    return sorted(name for name in names if name and is_project_name(name))
