"""Safe, bounded YAML loading that remembers where every value came from.

PyYAML composes the node graph (no Python objects are constructed from tags), and this module
turns it into plain data itself, so that it can record each node's line and column, reject
duplicate keys (YAML keeps the last one silently), and stop alias expansion ("billion laughs")
after a fixed number of nodes. The records live here; the parsing, which needs PyYAML, in
``yamlparse.py``, which ``config`` imports on the first document it reads (a run with no config
file never loads PyYAML).
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_NODES = 100_000
"""Nodes a document may expand to, aliases included."""
MAX_DEPTH = 64
"""Levels of nesting a document may have (a config file needs a handful)."""

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Mark:
    """1-based line and column."""

    line: int
    column: int


class ConfigError(Exception):
    """A document that cannot be loaded: where, and why."""

    def __init__(self, message: str, mark: Mark = Mark(1, 1)) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark


@dataclass
class Document:
    path: str
    data: object
    marks: dict[Path, Mark] = field(default_factory=dict)
    """Where each value starts, by its path from the root."""
    key_marks: dict[Path, Mark] = field(default_factory=dict)
    """Where each mapping key starts, by the path of its value."""

    def mark(self, path: Path, *, key: bool = False) -> Mark:
        """The mark of ``path``, or of its nearest ancestor that has one."""
        table = self.key_marks if key else self.marks
        while path:
            if path in table:
                return table[path]
            if key and path in self.marks:
                return self.marks[path]
            path = path[:-1]
        return self.marks.get((), Mark(1, 1))
