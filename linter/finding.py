"""A located finding, as every reporter sees it."""

from __future__ import annotations

import os
import unicodedata
from dataclasses import asdict, dataclass
from typing import NamedTuple

FINGERPRINT_LENGTH = 20
"""Hex digits in a fingerprint (``intake.fingerprint``)."""


class Related(NamedTuple):
    """Another place a finding names (SARIF ``relatedLocations``): the LLM call a wrapper makes."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    message: str

    def as_json(self) -> dict:
        return {**self._asdict(), "path": shown_path(self.path)}


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    """Relative to the working directory, forward slashes."""
    line: int
    column: int
    """1-based, like the line."""
    code: str
    end_line: int
    end_column: int
    name: str
    message: str
    tier: str
    blocking: bool
    fingerprint: str = ""
    fixable: bool = False
    source_line: str = ""
    """The flagged line's text, for the text report's caret."""
    cell: int | None = None
    """In a notebook: the 1-based index of the cell among all its cells; ``line`` and ``column``
    are then inside that cell. None for other files (and for a notebook that cannot be read)."""
    raw_region: tuple[int, int, int, int] | None = None
    """In a notebook: (line, column, end_line, end_column) of the flagged code in the ``.ipynb``
    file's JSON text, for reports that point into the file as stored (SARIF, GitHub)."""
    related: tuple[Related, ...] = ()
    """Other places the finding names: for a call of a wrapper, the LLM call inside it."""
    suppression: str | None = None
    """Set when a comment in the source silences the finding: the comment's reason ("" without
    one). Only SARIF reports suppressed findings (dismissed, with the reason)."""

    def file_region(self) -> tuple[int, int, int, int]:
        """(line, column, end_line, end_column) in the file as stored: in a notebook's JSON text."""
        return self.raw_region or (self.line, self.column, self.end_line, self.end_column)

    def located_message(self) -> str:
        """The message, naming the cell for a notebook finding (whose file region is JSON text)."""
        return self.message if self.cell is None else f"{self.message} (cell {self.cell}, line {self.line})"

    def sort_key(self) -> tuple:
        return (self.path, self.cell or 0, self.line, self.column, self.code, self.message)

    def as_json(self) -> dict:
        data = asdict(self)
        data["path"] = shown_path(self.path)
        data.pop("source_line")
        data.pop("raw_region")
        data.pop("related")
        data.pop("suppression")
        if self.related:  # only findings at a wrapper's call name another place
            data["related"] = [related.as_json() for related in self.related]
        cell = data.pop("cell")
        if cell is None:
            return data
        return {"path": data.pop("path"), "cell": cell, **data}  # only notebook findings have one


def path_bytes(path: str) -> bytes:
    """A path's bytes as the file system has them: a name that is not UTF-8 was decoded with
    ``surrogateescape``, which ``os.fsencode`` undoes."""
    try:
        return os.fsencode(path)
    except UnicodeEncodeError:  # a lone surrogate no file name decodes to
        return path.encode("utf-8", "surrogatepass")


def shown_path(path: str) -> str:
    """``path`` as reports print it: bytes that are not UTF-8 as ``\\xe9``, control characters
    (a newline in a file name) as ``\\n`` or ``\\x1b``; any other name unchanged."""
    if path.isprintable():  # the common name: UTF-8 (no surrogate escapes) and no control character
        return path
    return printable(path_bytes(path).decode("utf-8", "backslashreplace"))


def printable(text: str) -> str:
    """``text`` with its control characters written as escapes (``\\n``, ``\\x1b``): it stays
    one line, and cannot move a terminal's cursor or colour what follows."""
    if text.isprintable():
        return text
    return "".join(repr(char)[1:-1] if unicodedata.category(char) == "Cc" else char for char in text)
