"""Suppression comments: ``# budgetlint: ignore[BL001] -- reason``, ``# noqa: BL001``, ignore-file.

A line's comment is read from its real comment token; ``without`` rewrites one, leaving codes out
(BL901's fix)."""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass

_IGNORE = re.compile(
    r"#\s*budgetlint:\s*ignore(?!-file)(?:\[(?P<codes>[^\]]*)\])?(?P<rest>[^#]*)", re.IGNORECASE
)
_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?(?P<rest>[^#]*)", re.IGNORECASE)
_REASON = re.compile(r"--\s*(\S.*)")
_IGNORE_FILE = re.compile(rb"#\s*budgetlint:\s*ignore-file(?![\w-])", re.IGNORECASE)
_FILE_COMMENT = re.compile(
    r"#\s*budgetlint:\s*ignore-file(?![\w-])(?:\[(?P<codes>[^\]]*)\])?(?P<rest>[^#]*)", re.IGNORECASE
)
_FILE_HEAD_LINES = 10
_SEPARATOR = re.compile(r"[\s,]+")
_HEAD = re.compile(rb"(?:[^\r\n]*(?:\r\n|\r|\n)){0,%d}[^\r\n]*" % _FILE_HEAD_LINES)
"""The first lines and the start of the next, as ``bytes.splitlines`` cuts them: not the whole file."""
_MAY_SUPPRESS = re.compile(r"#\s*(?:noqa|budgetlint:\s*ignore(?!-file))", re.IGNORECASE)
"""How every line suppression starts (``_NOQA``, ``_IGNORE``)."""
_BLANK = rb"[ \t\f\v\x1c-\x1f\x80-\xff]*"
_I = rb"(?:i|[\x80-\xff]{1,2})"
_NAMES_OURS = re.compile(
    rb"#" + _BLANK + rb"(?:budgetl" + _I + rb"nt:" + _BLANK + _I + rb"gnore(?!-file)|noqa[ \t]*:[^#\r\n]*?\bBL[0-9])", re.IGNORECASE
)
"""Wider than the comment patterns, in the bytes of any ASCII-compatible encoding: a non-ASCII
byte may be a blank ``\\s`` accepts (a no-break space) or a part of an ``i`` of another case
(``ı``, ``İ``)."""


@dataclass(frozen=True)
class Suppression:
    line: int
    codes: frozenset[str] | None
    """None: every code."""
    reason: str
    comment: str = ""
    """The whole comment token (a suppression may share it: ``# type: ignore  # noqa: BL001``)."""
    span: tuple[int, int] = (0, 0)
    """Where the suppression, its reason included, sits in ``comment``."""
    codes_span: tuple[int, int] | None = None
    """Where its codes are written in ``comment``; None without codes."""
    noqa: bool = False
    """Written ``# noqa``: a form other linters read too (a bare one is theirs as much as ours)."""

    def covers(self, code: str) -> bool:
        return self.codes is None or code in self.codes


def file_suppression(source: bytes) -> Suppression | None:
    """The ``# budgetlint: ignore-file[CODES] -- reason`` comment within the first lines of the
    file (a real comment, not the text of a string); None when there is none."""
    head = b"\n".join(_HEAD.match(source).group().splitlines()[:_FILE_HEAD_LINES]) + b"\n"  # type: ignore[union-attr]  # it matches anything
    if not _IGNORE_FILE.search(head):
        return None
    try:
        for token in tokenize.tokenize(io.BytesIO(head).readline):
            if token.type == tokenize.COMMENT:
                parsed = _parse(_FILE_COMMENT, token.string, token.start[0])
                if parsed is not None:
                    return parsed
    except (tokenize.TokenError, SyntaxError, UnicodeDecodeError, LookupError):
        pass  # the head cut a multi-line string; a bad cookie, or bytes its encoding cannot decode
    return None


def ignores_file(source: bytes) -> bool:
    """Whether an ignore-file comment silences every code in the file."""
    found = file_suppression(source)
    return found is not None and found.codes is None


def might_suppress(text: str) -> bool:
    """Whether ``text`` may hold a line suppression (``suppressions`` need not tokenize it otherwise)."""
    return _MAY_SUPPRESS.search(text) is not None


def names_our_codes(source: bytes) -> bool:
    """Whether ``source`` may hold a line suppression of budgetlint's: ``# budgetlint: ignore``
    or a ``# noqa:`` naming a BL code (BL901 judges them even where no rule can report)."""
    return _NAMES_OURS.search(source) is not None


def suppressions(source: str) -> dict[int, Suppression]:
    """Suppression comments by line, read from real comment tokens (never from strings)."""
    found: dict[int, Suppression] = {}
    try:
        # newline=None: lines end at "\r" too, as Python (and the parser) count them
        tokens = list(tokenize.generate_tokens(io.StringIO(source, newline=None).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return found
    for token in tokens:
        if token.type != tokenize.COMMENT:
            continue
        parsed = parse_comment(token.string, token.start[0])
        if parsed is not None:
            found[token.start[0]] = parsed
    return found


def parse_comment(comment: str, line: int) -> Suppression | None:
    for pattern in (_IGNORE, _NOQA):
        parsed = _parse(pattern, comment, line, noqa=pattern is _NOQA)
        if parsed is not None:
            return parsed
    return None


def without(suppression: Suppression, unused: frozenset[str]) -> str | None:
    """``suppression``'s comment with the ``unused`` codes left out (as they are written, in their
    order and separators); without the suppression (its reason too) when no code remains, keeping
    any other comment sharing the token; None when nothing of the comment remains."""
    comment = suppression.comment
    if suppression.codes_span is not None:
        start, end = suppression.codes_span
        written = comment[start:end]
        kept = [code for code in _SEPARATOR.split(written) if code and code.upper() not in unused]
        if kept:
            separator = _SEPARATOR.search(written.strip())
            joined = (separator.group() if separator else ", ").join(kept)
            return comment[:start] + joined + comment[end:]
    start, end = suppression.span
    rest = "  ".join(part for part in (comment[:start].rstrip(), comment[end:].strip()) if part)
    return rest or None


def _parse(pattern: re.Pattern[str], comment: str, line: int, *, noqa: bool = False) -> Suppression | None:
    """The suppression ``pattern`` (with groups ``codes`` and ``rest``) finds in ``comment``."""
    match = pattern.search(comment)
    if match is None:
        return None
    codes_text = match.group("codes")
    codes = None
    codes_span = None
    if codes_text is not None and codes_text.strip():
        codes = frozenset(code.strip().upper() for code in _SEPARATOR.split(codes_text) if code.strip())
        start = match.start("codes") + len(codes_text) - len(codes_text.lstrip())
        codes_span = (start, match.start("codes") + len(codes_text.rstrip()))
    reason_match = _REASON.search(match.group("rest") or "")
    reason = reason_match.group(1).strip() if reason_match else ""
    return Suppression(line, codes, reason, comment, match.span(), codes_span, noqa)
