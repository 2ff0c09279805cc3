"""A file before analysis: read it safely, and decide what needs no parser.

Importable without libcst: a run whose changed files hold nothing a rule looks at (the
prefilter) never loads the parser, which costs ~0.25 s at start. ``engine`` and ``runner`` both
start here, so the checks are made once, the same way.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import stat
from collections.abc import Callable
from typing import BinaryIO

from . import notebook, suppress
from .codes import PARSE_ERROR, EngineCode
from .finding import FINGERPRINT_LENGTH, Finding, path_bytes
from .policy import Policy, Tier

MAX_FILE_BYTES = 5 * 1024 * 1024
NOTEBOOK_MAX_BYTES = 64 * 1024 * 1024
"""Outputs (plots, tables) make notebooks large; their code cells still get ``MAX_FILE_BYTES``."""
SCAN_MAX_BYTES = 64 * 1024 * 1024
"""A Python file over ``MAX_FILE_BYTES`` is read up to this much, so that ignore-file and the
prefilter apply before it is refused (parsing it would take gigabytes). A larger one is read
only up to ``MAX_FILE_BYTES``, for the ignore-file comment: its LLM code may lie past any prefix."""
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def read(path: str, name: str, key: str | None = None) -> tuple[bytes, os.stat_result] | Finding:
    """The file's bytes and its stat (taken before reading: a change after it shows in the next
    run's stat), or the BL000 saying why it cannot be read. Never blocks on a FIFO or device.

    A Python file over the size limit comes back (not whole: see ``cacheable``) only when nothing
    in it would be analysed: it is ignored whole, or nothing in it can matter to a rule.
    """
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            return error(name, "cannot read file: not a regular file (a FIFO, device or directory)", key=key)
        python = not path.endswith(notebook.SUFFIX)  # a notebook's ignore-file comment is inside its JSON
        most = MAX_FILE_BYTES if python else NOTEBOOK_MAX_BYTES
        if not python and info.st_size > most:
            return _too_large(name, info.st_size, most, key)
        bound = SCAN_MAX_BYTES if python and info.st_size <= SCAN_MAX_BYTES else most
        with open(path, "rb", buffering=0) as handle:
            source = _read_most(handle, bound + 1, info.st_size)
    except OSError as problem:
        return error(name, f"cannot read file: {problem.strerror or problem}", key=key)
    if len(source) <= most:
        return source, info
    whole = bound > most and len(source) <= bound  # the prefilter needs all of it
    if python and (suppress.ignores_file(source) or (whole and not worth_parsing(source))):
        return source, info
    return _too_large(name, max(info.st_size, len(source)), most, key)


_MORE = 64 * 1024
"""Past the size the stat gave (the file grew), it is read in pieces of this many bytes."""


def _read_most(handle: BinaryIO, most: int, size: int) -> bytes:
    """The file's first ``most`` bytes (all of a shorter one): first a read of the size its stat
    gave, and one more byte. A read allocates what it asks for: asking each small file for the
    scan bound took three times as long as reading it."""
    pieces = [handle.read(min(size + 1, most))]
    got = len(pieces[0])
    while got < most:
        more = handle.read(min(most - got, _MORE))
        if not more:
            break
        pieces.append(more)
        got += len(more)
    return pieces[0] if len(pieces) == 1 else b"".join(pieces)


def _too_large(name: str, size: int, most: int, key: str | None) -> Finding:
    return error(name, f"skipped: file too large ({size} bytes, limit {most})", key=key)


def cacheable(source: bytes, name: str) -> bool:
    """Whether a result computed from ``source`` (from ``read``) may be cached: not an oversized
    file's, which may be only its beginning (the cache compares a hash of the whole file)."""
    return len(source) <= MAX_FILE_BYTES or name.endswith(notebook.SUFFIX)


def screen(
    source: bytes, name: str, key: str | None = None, prefilter: bool = True, honour: bool = True
) -> tuple[Finding, ...] | None:
    """The findings of a Python file decided without parsing it: none when nothing in it can
    matter to a rule (or it is ignored whole), one BL000 for binary content; None when it must
    be analysed. Notebooks are always analysed (their code is inside JSON). Without
    ``prefilter`` (the second phase, which chose the file for the project names it holds) only
    binary content and ``ignore-file`` decide. Without ``honour`` (``--ignore-suppressions``) no
    ignore-file comment counts, and a file over the size limit that ``read`` let through for one
    is refused."""
    if name.endswith(notebook.SUFFIX):
        return None
    if b"\0" in source:
        return (error(name, "cannot parse file: binary content (NUL bytes)", key=key),)
    if not honour and len(source) > MAX_FILE_BYTES:
        return (_too_large(name, len(source), MAX_FILE_BYTES, key),)
    if not prefilter:
        return () if honour and suppress.ignores_file(source) else None
    return None if worth_parsing(source, honour) else ()


def might_matter(code: bytes) -> bool:
    """``prefilter.might_matter``, imported when a file is first read: building its patterns from
    the catalog is work a run the cache answers never needs."""
    return _prefilter()(code)


@functools.cache
def _prefilter() -> Callable[[bytes], bool]:
    from .prefilter import might_matter as prefilter

    return prefilter


def worth_parsing(code: bytes, honour: bool = True) -> bool:
    """Whether a rule could report anything in ``code`` (the prefilter), or BL901 judge a line
    suppression in it, and it is not ignored whole; or it holds an ignore-file comment without a
    reason (BL900 at tier hard, which the engine decides with the job). Without ``honour``
    (``--ignore-suppressions``) only the prefilter decides.

    The one place the prefilter is applied, to files and to notebooks' code cells alike.
    """
    if not honour:
        return might_matter(code)
    ignored = suppress.file_suppression(code)
    if ignored is not None and not ignored.reason:
        return True
    return (ignored is None or ignored.codes is not None) and (might_matter(code) or suppress.names_our_codes(code))


def error(name: str, message: str, line: int = 1, column: int = 1, text: str = "", *, key: str | None = None) -> Finding:
    """A BL000 for the file, at ``line``:``column`` moved inside ``text`` if a parser put it past
    an end (libcst's raw positions can be); ``key``: the root-relative path fingerprints hash."""
    lines = source_lines(text)
    line = min(max(line, 1), max(len(lines), 1))
    column = min(max(column, 1), len(lines[line - 1]) + 1 if lines else 1)
    return engine_finding(PARSE_ERROR, name, line, column, message, Policy(), lines, key=key)


def engine_finding(
    code: EngineCode,
    name: str,
    line: int,
    column: int,
    message: str,
    policy: Policy,
    lines: list[str],
    *,
    key: str | None = None,
    occurrence: int = 0,
) -> Finding:
    """A finding of the engine's own (BL000, BL100, BL900) at one position."""
    return Finding(
        path=name,
        line=line,
        column=column,
        code=code.code,
        end_line=line,
        end_column=column,
        name=code.name,
        message=message,
        tier="always" if code.tier is Tier.ALWAYS else code.tier.label,
        blocking=policy.blocks(code.tier),
        fingerprint=fingerprint(code.code, key or name, message, occurrence),
        source_line=lines[line - 1] if 0 < line <= len(lines) else "",
    )


def fingerprint(code: str, path: str, snippet: str, occurrence: int) -> str:
    """Stable across moved lines: rule, path, the flagged node's text and its occurrence index."""
    text = f"\0{snippet}\0{occurrence}".encode("utf-8", "surrogatepass")
    digest = hashlib.sha256(f"{code}\0".encode() + path_bytes(path) + text).hexdigest()
    return digest[:FINGERPRINT_LENGTH]


def source_lines(text: str) -> list[str]:
    """Lines as Python numbers them: ``str.splitlines`` also breaks at form feeds and U+2028."""
    return _LINE_BREAK.split(text)
