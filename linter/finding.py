"""A located finding, as every reporter sees it."""

from __future__ import annotations

from dataclasses import asdict, dataclass

FINGERPRINT_LENGTH = 20
"""Hex digits in a fingerprint (``intake.fingerprint``)."""


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
        data.pop("source_line")
        data.pop("raw_region")
        cell = data.pop("cell")
        if cell is None:
            return data
        return {"path": data.pop("path"), "cell": cell, **data}  # only notebook findings have one
