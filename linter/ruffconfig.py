"""What budgetlint reads of a project's ruff configuration: the line length its fixes keep to,
and whether ``pyproject.toml`` configures ruff (``init`` then adds ``external = ["BL"]``)."""

from __future__ import annotations

import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

DEFAULT_LINE_LENGTH = 88
"""ruff's (and black's) default ``line-length``."""
CONFIG_FILES = (".ruff.toml", "ruff.toml", "pyproject.toml")
"""Where ruff looks in a directory, first match wins (as ruff resolves them)."""


def _table(path: Path) -> dict | None:
    """The ruff settings of ``path``: a ruff.toml's top level, a pyproject's ``[tool.ruff]``; None
    when the file is missing, unreadable or (a pyproject) has no ``[tool.ruff]``."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    if path.name != "pyproject.toml":
        return data
    tool = data.get("tool")
    table = tool.get("ruff") if isinstance(tool, dict) else None
    return table if isinstance(table, dict) else None


def line_length(root: Path) -> int:
    """ruff's ``line-length`` for the project at ``root`` (88 when it sets none, or an unusable one)."""
    for name in CONFIG_FILES:
        table = _table(root / name)
        if table is not None:
            value = table.get("line-length")
            return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else DEFAULT_LINE_LENGTH
    return DEFAULT_LINE_LENGTH


def configures_ruff(pyproject: Path) -> bool:
    """Whether ``pyproject`` has a ``[tool.ruff]`` table."""
    return _table(pyproject) is not None
