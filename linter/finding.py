"""A located finding, as every reporter sees it."""

from __future__ import annotations

from dataclasses import asdict, dataclass


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

    def sort_key(self) -> tuple:
        return (self.path, self.line, self.column, self.code, self.message)

    def as_json(self) -> dict:
        data = asdict(self)
        data.pop("source_line")
        return data
