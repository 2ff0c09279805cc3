"""The byte-level prefilter: a file that cannot hold anything a rule reports is never parsed.

Why it never skips a file that full analysis would report. Every finding comes from the
call-site model (``model.py``): a call site or an endpoint literal. Each of those needs one of

- a name resolved to a catalog client (``scopes.resolve``): every dotted segment of the
  qualified name is written in the file, in an import statement or as an attribute, so each
  is a word of the source; and its root is a module the file imports (in the first phase a
  qualified name comes only from an ``import`` binding, and a relative import keeps its dots),
  so ``import`` or ``from`` names the root at the start of a statement, in code (an import
  written in a docstring's example binds nothing: ``code_spans.Code``). A module acting as a
  client (``ollama``, ``requests``) reports only through a method of its family (``ollama.chat``,
  ``requests.post``), whose segments are words too, and an HTTP module's request only to an LLM
  API path written in the file (``matching._http``), whose segments are words of the file as
  well; a legacy module endpoint (``openai.base_url = ...``) is a qualified name as well;
- a distinctive method on a receiver that cannot be resolved (``x.chat.completions.create``):
  each segment of its path is an attribute, written after a dot with at most whitespace,
  comments or line continuations in between, and not in the module name of an import (``from
  langchain_core.messages import ...``: the model forms a path only from the attributes written
  after an imported name, ``matching._source_attrs``; ``_imported_module``); and the call (or
  the ``functools.partial`` it calls) passes one of the method's evidence keywords, its name
  followed by ``=`` (not ``==``) across the same gaps, or a ``**`` (``matching._distinctive``);
- an assignment of a URL to ``os.environ[KEY]`` with an endpoint-like ``KEY``
  (``endpoints.is_endpoint_env``: ``BASE_URL``, ``API_BASE``, ``HOST``, ... in any case): the word
  ``environ`` (``from os import environ as e`` still names it), and one of those hints in the
  source. The key is a string literal (or a name bound to one), possibly implicitly
  concatenated (``"OPENAI_BASE_" "URL"``) or written with escapes: the hints are looked for
  with the quotes between concatenated pieces removed, and a file with a hex, octal or named
  escape always passes. And the subscript is assigned a value (the collector records a value
  for a subscript target of ``=``, of an annotated assignment or of ``with ... as``, alone or in
  a target list): its object resolves to ``os.environ`` (``endpoints.env_lookup``), so either it
  is ``environ`` written there, its ``]`` followed by ``=`` (not ``==``), ``:``, ``,``, ``)`` or
  ``]``; or ``os.environ`` stands for it, through a name, an attribute, a ``return``, a ``with``
  or a method ``scopes.resolve`` looks through (``copy``), each of which writes ``environ``
  somewhere not followed by a subscript or another attribute, nor after ``in`` (a test or a
  loop's iterable), ``import`` (a name bound, not aliased, without ``as``) or a call's opening
  parenthesis (an argument: ``resolve`` gives a call what its callee gives)
  (``environ_written``);
- an endpoint attribute set to a URL that shows an LLM endpoint by itself
  (``self.api_base = "http://localhost:1234/v1"``): the attribute after a dot (an assignment
  target, so not in an import's module name either), and every word of
  the evidence (each label of an LLM API host, the inference port, ``v1``, or the segments of an
  LLM API path). Set on an SDK client, or read by one, it needs that client's words anyway.

Indirect calls need no words of their own: a patcher (``instructor.from_openai``) is a catalog
client, so its qualified name is a requirement; a ``functools.partial`` of an SDK method writes
that method (its client's name, or its distinctive path) in the file.

So a file passes when all the words of one *requirement* occur in it. A word found in a string
or a comment only lets more files through; an import statement or an attribute (its dot and its
name) counts only in code (``code_spans.Code``: not in the text of a string literal, nor in a comment;
an f-string's replacement fields are code), as no binding and no ``ast.Attribute`` is written
anywhere else. Bytes are read as ASCII, as every encoding Python
reads without a BOM is for identifiers; a file declaring another encoding always passes.
"""

from __future__ import annotations

import functools
import keyword
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from . import catalog
from .catalog import ClientKind
from .code_spans import LINE_END as _LINE_END
from .code_spans import WORD_BYTES as _WORD_BYTES
from .code_spans import Code as _Code
from .code_spans import word_before as _word_before

HTTP_FAMILY = "http"
"""Generic HTTP modules (``requests``, ``httpx``) pass only with one of their methods: most of
their uses are not LLM calls. An LLM SDK module passes on its name, so that a file importing one
is always parsed (and a syntax error in it reported)."""
_GAP = rb"(?:\s|\\|#[^\r\n]*[\r\n])*"
"""Between a dot and an attribute name: whitespace, a line continuation, a comment (no backtracking)."""
_COOKIE = re.compile(rb"^[ \t\f]*#[^\n]*?coding[:=][ \t]*([-\w.]+)", re.MULTILINE)
_ASCII_COMPATIBLE = re.compile(rb"(?i)^(?:utf[-_]?8(?:[-_]sig)?|ascii|us-ascii|latin[-_]?1|iso[-_]?8859[-_]?\d+|cp125\d|l1)$")


@dataclass(frozen=True)
class Requirement:
    """Words that must all occur for some finding to be possible."""

    anchor: str
    """The word tested first, in every file: a module name or a method's longest segment."""
    words: frozenset[str] = frozenset()
    """Each occurs as a word."""
    attributes: frozenset[str] = frozenset()
    """Each occurs as an attribute name: after a dot."""
    evidence: frozenset[str] = frozenset()
    """Each occurs as a word, in code or in a string (a URL's labels: the triage reads them in
    the bytes too, where the other words must be names of the tree)."""
    keys: frozenset[str] = frozenset()
    """One of them occurs in a string, in any case (an environment variable's name), and
    ``os.environ`` may be written to (``environ_written``)."""
    stored: bool = False
    """The attributes are assigned to (which the triage can tell; the bytes cannot)."""
    path: tuple[str, ...] = ()
    """The attributes are a distinctive method's path, which the triage asks some callee to
    resolve to (``triage_calls.Calls.path``)."""
    keywords: frozenset[str] = frozenset()
    """One of them is passed as a keyword argument (``model=``), or a ``**`` occurs: a distinctive
    method's evidence (``matching._has_evidence``)."""
    request: bool = False
    """An HTTP request, which the triage asks to have a URL that may end with an LLM API path
    (``triage_calls.Calls.request``)."""
    imported: bool = False
    """The anchor is a module the file imports (``imports``): a word in ``from agno.models.openai
    import OpenAIChat`` does not make ``openai`` an SDK."""
    client: str = ""
    """The words name this catalog client class, which the triage asks to be constructed, called
    through or kept where the model would read it (``triage_calls.Calls.client``)."""
    endpoint: bool = False
    """The attribute is an endpoint attribute, which the triage asks to be set to a value that
    may show an LLM endpoint by itself (``triage_calls.Calls.endpoint``)."""


class Prefilter:
    """``prefilter(source)`` is False only when no rule can report anything in ``source``."""

    def __init__(self, requirements: Sequence[Requirement]) -> None:
        self.requirements = tuple(requirements)
        self._anchors = frozenset(requirement.anchor.encode() for requirement in self.requirements)
        by_anchor: dict[bytes, list] = {anchor: [] for anchor in sorted(self._anchors)}
        for requirement in self.requirements:  # one pass, each anchor's requirements in order
            needed = frozenset(word.encode() for word in requirement.words | requirement.evidence)
            by_anchor[requirement.anchor.encode()].append((requirement, needed, tuple(sorted(requirement.attributes))))
        self._by_anchor = {anchor: tuple(found) for anchor, found in by_anchor.items()}
        # Patterns as their sources, compiled when first used (``_compiled``): a warm run screening
        # one changed file compiles the few it needs, not the ~80 of every requirement.
        attributes = {word for requirement in self.requirements for word in requirement.attributes}
        self._attribute = {word: (word.encode(), rb"\." + _GAP + re.escape(word.encode()) + rb"\b") for word in attributes}
        self._import = {requirement.anchor: _import_pattern(requirement.anchor) for requirement in self.requirements if requirement.imported}
        names = {word for requirement in self.requirements for word in requirement.keywords}
        self._keyword = {word: (word.encode(), re.escape(word.encode()) + _GAP + rb"=(?!=)") for word in names}

    def __call__(self, source: bytes) -> bool:
        listed = source.translate(_WORDS_ONLY).split()  # every word, in one pass in C
        anchors = self._anchors.intersection(listed)
        if not anchors:  # most files: no set of their words is built
            return _foreign_encoding(source)
        words = set(listed)
        attributes: dict[str, bool] = {}
        imported: dict[str, bool] = {}
        code = _Code(source)

        def attribute(name: str) -> bool:
            if name not in attributes:
                word, pattern = self._attribute[name]
                attributes[name] = word in words and _occurs(source, word, pattern, code)
            return attributes[name]

        def imports(module: str) -> bool:
            if module not in imported:
                imported[module] = _imports(source, self._import[module], code)
            return imported[module]

        def passed(names: frozenset[str]) -> bool:
            if b"**" in source:
                return True
            return any(word in words and _compiled(pattern).search(source) is not None for word, pattern in (self._keyword[name] for name in sorted(names)))

        for anchor in sorted(anchors):
            for requirement, needed, after_dots in self._by_anchor[anchor]:
                if (
                    needed <= words
                    and all(attribute(name) for name in after_dots)
                    and (not requirement.keys or (names_a_key(source, requirement.keys) and environ_written(source)))
                    and (not requirement.imported or imports(requirement.anchor))
                    and (not requirement.keywords or passed(requirement.keywords))
                ):
                    return True
        return _foreign_encoding(source)


_WORDS_ONLY = bytes(byte if byte in _WORD_BYTES else 32 for byte in range(256))
"""A ``bytes.translate`` table blanking every byte but a word's: ``split`` then gives the words."""
_GAP_BYTES = frozenset(b" \t\f\r\n\\")
_CONTINUED = rb"(?:[ \t\f]|\\(?:\r\n|\r|\n))"
"""Blanks inside a logical line: spaces, tabs, form feeds, a backslash continuation."""


def _occurs(source: bytes, word: bytes, attribute: bytes | None, code: _Code | None = None) -> bool:
    """``word`` occurs as a word; with ``attribute`` (its pattern's source), after a dot, in ``code`` (the
    dot and the word: no attribute is written in a string or a comment), not in an import's
    module name (``_imported_module``).

    ``bytes.find`` with the boundaries checked by hand: much faster than a regex starting with
    ``\\b``. Only when a comment may sit between a dot and the word is the pattern run.
    """
    crossed_line = False
    start = source.find(word)
    while start >= 0:
        end = start + len(word)
        if (end == len(source) or source[end] not in _WORD_BYTES) and (start == 0 or source[start - 1] not in _WORD_BYTES):
            if attribute is None:
                return True
            before = start - 1
            while before >= 0 and source[before] in _GAP_BYTES:
                crossed_line = crossed_line or source[before] in (10, 13)
                before -= 1
            if before >= 0 and source[before] == 46 and _attribute_in_code(source, before, end, code):  # "."
                return True
        start = source.find(word, end)
    return crossed_line and attribute is not None and any(
        _attribute_in_code(source, found.start(), found.end(), code) for found in _compiled(attribute).finditer(source)
    )


@functools.cache
def _compiled(pattern: bytes) -> re.Pattern[bytes]:
    """``pattern`` compiled, once per process."""
    return re.compile(pattern)


def _attribute_in_code(source: bytes, dot: int, end: int, code: _Code | None) -> bool:
    return not _imported_module(source, dot, end) and (code is None or (code.at(dot) and code.at(end - 1)))


_MODULE_TAIL = re.compile(rb"(?:\.\w+)*" + _CONTINUED + rb"+import\b")
"""The rest of a ``from`` import's module name, up to its ``import`` (no expression is followed by one)."""


def _imported_module(source: bytes, dot: int, end: int) -> bool:
    """Whether the name after the dot at ``dot`` (ending at ``end``) is part of the module name of
    an import (``from langchain_core.messages import ...``, ``import a.messages as m``): no
    attribute of an expression. The model forms a method's path only from the attributes written
    after an imported name (``matching._source_attrs``), the triage from ``ast.Attribute`` nodes.
    A module name written across blanks or lines before its dot counts as an attribute."""
    if _MODULE_TAIL.match(source, end):
        return True
    start = dot
    while start > 0 and (source[start - 1] in _WORD_BYTES or source[start - 1] == 46):
        start -= 1
    keyword = _skip_blanks(source, start)
    return keyword < start and source[keyword - 6 : keyword] == b"import" and (keyword == 6 or source[keyword - 7] not in _WORD_BYTES)


def _skip_blanks(source: bytes, end: int) -> int:
    while end > 0 and source[end - 1] in b" \t\f":
        end -= 1
    return end


def _import_pattern(module: str) -> tuple[bytes, bytes]:
    """The patterns (``_compiled`` compiles them) of an import statement whose module (``from``)
    or one of whose modules (``import``) has the root ``module``, from its keyword (``_imports`` asks it to start a statement). It may also
    match text in a string or a comment, which only lets more files through."""
    name = re.escape(module.encode())
    listed = rb"(?:[^\r\n;#\\]|\\(?:\r\n|\r|\n)?)*?(?<![\w.])"  # earlier names of `import a, b`
    return (
        rb"from" + _CONTINUED + rb"+" + name + rb"(?![\w])",
        rb"import" + _CONTINUED + listed + name + rb"(?![\w])",
    )


def _imports(source: bytes, patterns: tuple[bytes, ...], code: _Code) -> bool:
    """Whether one of ``patterns`` matches at the start of a statement: of a line, after ``;``,
    or after the ``:`` of a one-line compound statement (``try: import openai``), with blanks
    before it, in ``code`` (not in a docstring's example). Each pattern starts with its keyword,
    which the regex engine finds fast."""
    for pattern in map(_compiled, patterns):
        match = pattern.search(source)
        while match is not None:
            before = match.start()
            while before > 0 and source[before - 1] in b" \t\f":
                before -= 1
            if (before == 0 or source[before - 1] in b"\r\n;:" or (before == 3 and source.startswith(b"\xef\xbb\xbf"))) and code.at(match.start()):
                return True
            match = pattern.search(source, match.start() + 1)
    return False


def word_in(source: bytes, word: str) -> bool:
    """Whether ``word`` occurs in ``source`` as a word (the second phase's learned names)."""
    return _occurs(source, word.encode(), None)


_JOINED = re.compile(rb"""["'](?:\s|\\|#[^\r\n]*[\r\n]|[rRuUbBfF])*["']""")
"""The end of a string literal and the start of the next one it is implicitly concatenated with
(a comment runs to its line's end: else each split of ``####`` into comments is tried)."""
_ESCAPE = re.compile(rb"\\[xuUN0-7]")
"""An escape that may write a letter of a key (``"\\x48OST"``)."""


def names_a_key(source: bytes, keys: frozenset[str]) -> bool:
    """Whether a string of ``source`` may hold one of ``keys`` (in any case; see the module docstring)."""
    lowered = source.lower()
    needles = [key.lower().encode() for key in sorted(keys)]
    if any(needle in lowered for needle in needles) or _ESCAPE.search(source):
        return True
    joined = _JOINED.sub(b"", lowered)
    return any(needle in joined for needle in needles)


_ENVIRON = re.compile(rb"\benviron\b(" + _GAP + rb")(?:(\[)|\." + _GAP + rb"(\w+))?")
"""The word ``environ`` and what follows it: a subscript's bracket, or an attribute's name."""
_AFTER = re.compile(_GAP)
_AS = re.compile(rb"as\b")
_PASSTHROUGH = frozenset(name.encode() for family in catalog.FAMILIES.values() for name in family.passthrough)
"""Attributes ``scopes.resolve`` looks through (``client.with_options``)."""
_HELD = (b"in", b"import")
"""Keywords after which ``os.environ`` is no value another expression may stand for."""
_KEYWORDS = frozenset(word.encode() for word in (*keyword.kwlist, *keyword.softkwlist))
"""Words before a parenthesis that make it no call (``return(os.environ)``, ``with(...) as e``)."""


def environ_written(source: bytes) -> bool:
    """Whether some subscript of ``os.environ`` may be assigned a value (see the module docstring):
    a use of the word ``environ`` is a subscript followed by ``=`` (not ``==``), ``:`` (annotated,
    a ``with`` target), ``,``, ``)`` or ``]`` (in a target list), or may give ``os.environ`` to
    another expression: any use but an attribute (other than one ``scopes.resolve`` looks
    through), a subscript, or a name right after ``in`` or ``import`` (not followed by ``as``). A
    line break before the bracket or the dot may end the statement: that use counts as neither."""
    for match in _ENVIRON.finditer(source):
        broken = _LINE_END.search(match.group(1)) is not None
        if match.group(2) and not broken:
            end = _subscript_end(source, match.end())
            if end is None:
                return True
            end = _AFTER.match(source, end).end()  # type: ignore[union-attr]
            follower = source[end : end + 1]
            if follower in (b":", b",", b")", b"]") or (follower == b"=" and source[end + 1 : end + 2] != b"="):
                return True
        elif match.group(3) is not None and not broken:
            if match.group(3) in _PASSTHROUGH:
                return True
        elif not _held(source, match.start(), match.end(1)):
            return True
    return False


def _held(source: bytes, start: int, after: int) -> bool:
    """Whether the word at ``start``, or the attribute it ends (``os.environ``), is no value
    another expression may stand for: it follows ``in`` (a test, or a loop's iterable) or
    ``import`` (the name is bound, not aliased: not followed by ``as``), or is the first
    argument of a call (``dict(os.environ)``, followed by ``)`` or ``,``; ``resolve`` gives a
    call what its callee gives). Only blanks and line continuations are looked through
    backwards: a comment there keeps it from counting."""
    before = _skip_back(source, start)
    if before > 0 and source[before - 1] == 46:  # "."
        before = _skip_back(source, before - 1)
        while before > 0 and source[before - 1] in _WORD_BYTES:
            before -= 1
        before = _skip_back(source, before)
    if _word_before(source, before) in _HELD:
        return not (_word_before(source, before) == b"import" and _AS.match(source, after))
    if before == 0 or source[before - 1] != 40 or source[after : after + 1] not in (b")", b","):  # "("
        return False
    callee = _skip_back(source, before - 1)
    word = _word_before(source, callee)
    return (bool(word) and word not in _KEYWORDS and not word[:1].isdigit()) or (callee > 0 and source[callee - 1] in b")]")


def _skip_back(source: bytes, end: int) -> int:
    while end > 0 and source[end - 1] in _GAP_BYTES:
        end -= 1
    return end


def _subscript_end(source: bytes, start: int) -> int | None:
    """Just past the ``]`` closing the subscript whose contents start at ``start``, skipping
    strings and comments; None when unsure (an f-string, a mismatched bracket, no end)."""
    depth, at, size = 1, start, len(source)
    while at < size:
        byte = source[at]
        if byte in b"([{":
            depth += 1
        elif byte in b")]}":
            depth -= 1
            if depth == 0:
                return at + 1 if byte == 93 else None  # "]"
        elif byte == 35:  # "#"
            line_end = _LINE_END.search(source, at)
            if line_end is None:
                return None
            at = line_end.start()
        elif byte in b"'\"":
            prefix = at
            while prefix > 0 and source[prefix - 1] in _WORD_BYTES:
                prefix -= 1
            if b"f" in source[prefix:at].lower() or b"t" in source[prefix:at].lower():
                return None  # an f-string (or a template string) whose fields may hold its quotes
            at = _string_end(source, at)
            if at is None:
                return None
            continue
        at += 1
    return None


def _string_end(source: bytes, start: int) -> int | None:
    """Just past the string literal whose quote is at ``start``; None if it does not end."""
    quote = source[start : start + 3] if source[start : start + 3] in (b"'''", b'"""') else source[start : start + 1]
    at = start + len(quote)
    while at < len(source):
        byte = source[at]
        if byte == 92:  # a backslash escapes what follows, in a raw string too
            at += 2
        elif source.startswith(quote, at):
            return at + len(quote)
        elif byte in b"\r\n" and len(quote) == 1:
            return None
        else:
            at += 1
    return None


def _foreign_encoding(source: bytes) -> bool:
    """A coding cookie (first two lines) naming an encoding whose identifiers may not be ASCII."""
    end = source.find(b"\n")
    if end >= 0:
        end = source.find(b"\n", end + 1)
    match = _COOKIE.search(source if end < 0 else source[:end])
    return match is not None and _ASCII_COMPATIBLE.match(match.group(1)) is None


@functools.cache
def catalog_requirements(on_tree: bool = False) -> tuple[Requirement, ...]:
    """What the catalog makes reportable, as requirements (see the module docstring); built once
    per process (the triage and the partial parser both read the tree's).

    ``on_tree``: for the triage (``triage.py``), which reads them on a tree CPython accepted. An
    SDK module acting as a client then passes, as an HTTP module does, only with one of its
    family's methods or one of its family's endpoint attributes set (``litellm.api_base = ...``,
    ``literals._client_endpoint_env``): passing on its name served to report its syntax errors,
    which the tree shows there are none of. A legacy module endpoint passes only assigned to
    (``literals.EndpointLiterals.assigned`` reads assignments). An HTTP method passes only with
    the words of an LLM API path (on bytes too: ``matching._http`` reports a request only to
    one, its URL written in the file), and on the tree with a URL argument that may end with one; a distinctive method only
    with a call passing its evidence whose callee may resolve to its path; a client class (not a
    patcher, whose name alone still passes) only where the model reads an instance or a
    constructor of it (``triage_calls.Calls.client``), and an HTTP client class's ``post`` as
    the module's; an endpoint attribute only set to a value that may show an LLM endpoint
    (``triage_calls.Calls.endpoint``)."""
    found: set[Requirement] = set()

    def qualified(qualname: str, *more: str) -> Requirement:
        root, *rest = qualname.split(".")
        return Requirement(root, frozenset(rest).union(*(path.split(".") for path in more)) - {root}, imported=True)

    families = {family.name: family for family in catalog.FAMILIES.values()}
    routes = [frozenset(route.suffix.strip("/").split("/")) for route in catalog.HTTP_PATHS]
    for client in catalog.CLIENTS:
        family = families[client.family]
        for qualname in client.qualnames:
            if client.module and (client.family == HTTP_FAMILY or on_tree):
                methods = [qualified(qualname, method.path) for method in family.methods]
                if client.family == HTTP_FAMILY:  # a request reports only to an LLM API path written in the file
                    methods = [replace(method, evidence=route, request=on_tree) for method in methods for route in routes]
                found.update(methods)
                if on_tree:  # ``litellm.api_base = ...``: only its family's endpoint names (``literals._client_endpoint_env``)
                    root = qualified(qualname)
                    endpoints = {param.name for param in client.endpoint} | set(family.endpoint_kwargs)
                    found.update(replace(root, attributes=frozenset({name}), stored=True) for name in endpoints)
            elif on_tree and client.kind is not ClientKind.PATCHER:
                found.add(replace(qualified(qualname), client=qualname))
                if client.family == HTTP_FAMILY:  # session.post(URL): as the module's requests
                    found.update(replace(qualified(qualname, "post"), evidence=route, request=True) for route in routes)
            else:  # an SDK module that is a client (`import openai`), a patcher, a class: on its name
                found.add(qualified(qualname))
    for qualname in catalog.LEGACY_MODULE_ENDPOINTS:
        root, _, attribute = qualname.rpartition(".")
        found.add(replace(qualified(root), attributes=frozenset({attribute}), stored=True) if on_tree else qualified(qualname))
    evidence: dict[tuple[str, ...], frozenset[str]] = {}
    for path, _family, method in catalog.DISTINCTIVE:
        evidence[path] = evidence.get(path, frozenset()) | frozenset(method.evidence)
    for path, keywords in evidence.items():
        found.add(Requirement(max(path, key=len), attributes=frozenset(path), keywords=keywords, path=path if on_tree else ()))
    found.add(Requirement("environ", keys=frozenset(catalog.ENDPOINT_ENV_HINTS)))
    for attribute in catalog.ENDPOINT_ATTRIBUTES:
        found.update(
            Requirement(attribute, attributes=frozenset({attribute}), evidence=words, stored=True, endpoint=on_tree) for words in _endpoint_evidence()
        )
    return tuple(sorted(found, key=lambda r: (r.anchor, sorted(r.words), sorted(r.attributes), sorted(r.evidence), sorted(r.keys), r.stored, r.path, r.client)))


def _endpoint_evidence() -> list[frozenset[str]]:
    """The words of each kind of URL ``endpoints.evident_llm_endpoint`` (or an LLM API path) accepts."""
    hosts = [*catalog.LLM_API_HOSTS, *(suffix.strip(".") for suffix in catalog.LLM_API_HOST_SUFFIXES)]
    evidence = [frozenset(re.split(r"[.-]", host)) for host in hosts]
    evidence += [frozenset({str(port)}) for port in catalog.INFERENCE_PORTS]
    paths = [catalog.OPENAI_COMPATIBLE_BASE_PATH, *(route.suffix for route in catalog.HTTP_PATHS if not route.requires)]
    evidence += [frozenset(path.strip("/").split("/")) for path in paths]
    return evidence


might_matter = Prefilter(catalog_requirements())
"""The prefilter built from the catalog."""
