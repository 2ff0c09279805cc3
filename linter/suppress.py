"""Suppression comments: ``# budgetlint: ignore[BL001] -- reason``, ``# noqa: BL001``, ignore-file."""

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


@dataclass(frozen=True)
class Suppression:
    line: int
    codes: frozenset[str] | None
    """None: every code."""
    reason: str

    def covers(self, code: str) -> bool:
        return self.codes is None or code in self.codes


def file_suppression(source: bytes) -> Suppression | None:
    """The ``# budgetlint: ignore-file[CODES] -- reason`` comment within the first lines of the
    file (a real comment, not the text of a string); None when there is none."""
    head = b"\n".join(source.splitlines()[:_FILE_HEAD_LINES]) + b"\n"
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


def might_suppress(source: bytes) -> bool:
    return b"budgetlint" in source or b"noqa" in source or b"NOQA" in source


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
        parsed = _parse(pattern, comment, line)
        if parsed is not None:
            return parsed
    return None


def _parse(pattern: re.Pattern[str], comment: str, line: int) -> Suppression | None:
    """The suppression ``pattern`` (with groups ``codes`` and ``rest``) finds in ``comment``."""
    match = pattern.search(comment)
    if match is None:
        return None
    codes_text = match.group("codes")
    codes = None
    if codes_text is not None and codes_text.strip():
        codes = frozenset(code.strip().upper() for code in re.split(r"[\s,]+", codes_text) if code.strip())
    reason_match = _REASON.search(match.group("rest") or "")
    return Suppression(line, codes, reason_match.group(1).strip() if reason_match else "")
