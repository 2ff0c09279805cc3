"""Findings as an editor sees them (lsprotocol types): diagnostics, and the edits of code actions.

Positions: findings count lines from 1 and columns from 1 in code points; LSP counts both from 0,
columns in the client's units (UTF-16 unless negotiated), which ``PositionCodec`` converts to.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from .finding import Finding
from .reporters.sarif import INFORMATION_URI

SOURCE = "budgetlint"
RULES_PAGE = f"{INFORMATION_URI}/blob/main/docs/rules.md"
SUPPRESSION = "# budgetlint: ignore[{code}] -- "
"""What "suppress on this line" appends (the reason follows the ``--``, see ``suppress.py``)."""
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_IGNORE_CODES = re.compile(r"#\s*budgetlint:\s*ignore\[([^\]]*)\]", re.IGNORECASE)


def rule_url(code: str, name: str) -> str:
    """The rule's section of docs/rules.md (``## BL001 unbounded-max-tokens``, as GitHub anchors it)."""
    return f"{RULES_PAGE}#{code.lower()}-{name}"


def lines_of(text: str) -> list[str]:
    """The lines of ``text`` as LSP numbers them (each with its line break)."""
    lines, start = [], 0
    for match in _LINE_BREAK.finditer(text):
        lines.append(text[start : match.end()])
        start = match.end()
    lines.append(text[start:])
    return lines


def diagnostic(finding: Finding, lines: Sequence[str], codec: PositionCodec, uri_of: Callable[[str], str]) -> types.Diagnostic:
    """``finding`` as a diagnostic; ``uri_of`` gives the URI of a path findings name (a related location's)."""
    related = [
        types.DiagnosticRelatedInformation(
            location=types.Location(uri=uri_of(place.path), range=_range(place.line, place.column, place.end_line, place.end_column)),
            message=place.message,
        )
        for place in finding.related
    ]
    return types.Diagnostic(
        range=codec.range_to_client_units(lines, _range(finding.line, finding.column, finding.end_line, finding.end_column)),
        message=finding.message,
        severity=types.DiagnosticSeverity.Error if finding.blocking else types.DiagnosticSeverity.Warning,
        code=finding.code,
        code_description=types.CodeDescription(href=rule_url(finding.code, finding.name)),
        source=SOURCE,
        related_information=related or None,
        data={"fingerprint": finding.fingerprint},
    )


def _range(line: int, column: int, end_line: int, end_column: int) -> types.Range:
    """A finding's 1-based region as a 0-based range (in code points: not yet the client's units)."""
    return types.Range(start=types.Position(line=line - 1, character=column - 1), end=types.Position(line=end_line - 1, character=end_column - 1))


def contains(finding: Finding, position: types.Position) -> bool:
    """Whether the (code point) ``position`` is inside the finding's region."""
    start = (finding.line - 1, finding.column - 1)
    end = (finding.end_line - 1, finding.end_column - 1)
    return start <= (position.line, position.character) <= end


def overlaps(finding: Finding, where: types.Range) -> bool:
    """Whether the finding's region meets the (code point) range ``where``."""
    start = (finding.line - 1, finding.column - 1)
    end = (finding.end_line - 1, finding.end_column - 1)
    return start <= (where.end.line, where.end.character) and (where.start.line, where.start.character) <= end


def replacement(before: str, after: str, codec: PositionCodec) -> types.TextEdit:
    """One edit turning ``before`` into ``after``: the span between their common prefix and suffix."""
    prefix = 0
    most = min(len(before), len(after))
    while prefix < most and before[prefix] == after[prefix]:
        prefix += 1
    suffix = 0
    while suffix < most - prefix and before[-1 - suffix] == after[-1 - suffix]:
        suffix += 1
    lines = lines_of(before)
    start, end = _position(lines, prefix), _position(lines, len(before) - suffix)
    where = codec.range_to_client_units(lines, types.Range(start=start, end=end))
    return types.TextEdit(range=where, new_text=after[prefix : len(after) - suffix])


def _position(lines: Sequence[str], offset: int) -> types.Position:
    for number, line in enumerate(lines):
        if offset < len(line) or number == len(lines) - 1:
            return types.Position(line=number, character=min(offset, len(line)))
        offset -= len(line)
    return types.Position(line=0, character=0)


def suppression(finding: Finding, lines: Sequence[str], codec: PositionCodec) -> tuple[types.Range, str, str]:
    """Where "suppress on this line" writes, the text, and its snippet form (the cursor left
    after ``--`` for the reason): the code joins an ``ignore[...]`` comment already on the line,
    else a new comment ends the line."""
    index = finding.line - 1
    line = lines[index].rstrip("\r\n") if index < len(lines) else ""
    existing = _IGNORE_CODES.search(line)
    if existing is not None:
        at = types.Position(line=index, character=existing.end(1))
        text = f", {finding.code}" if existing.group(1).strip() else finding.code
        where = codec.range_to_client_units(lines, types.Range(start=at, end=at))
        return where, text, _escaped(text)
    at = types.Position(line=index, character=len(line))
    text = ("  " if line.strip() else "") + SUPPRESSION.format(code=finding.code)
    where = codec.range_to_client_units(lines, types.Range(start=at, end=at))
    return where, text, _escaped(text) + "${1:reason}"


def _escaped(text: str) -> str:
    """``text`` as literal snippet text."""
    return re.sub(r"([$}\\])", r"\\\1", text)
