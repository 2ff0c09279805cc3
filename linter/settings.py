"""Linter settings: ``[tool.budgetlint]`` in ``pyproject.toml``, found from the linted paths upward."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


class SettingsError(Exception):
    """A settings file that cannot be used: exit code 2."""


@dataclass(frozen=True)
class Settings:
    root: Path
    """The project root: the directory of the ``pyproject.toml`` found, else the working directory."""
    exclude: tuple[str, ...] = ()
    extend_exclude: tuple[str, ...] = ()
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    guardrails: str | None = None
    stack: str | None = None
    source: Path | None = None
    extra: dict = field(default_factory=dict)

    def enabled(self, code: str, select: tuple[str, ...] = (), ignore: tuple[str, ...] = ()) -> bool:
        """Whether ``code`` runs, by code prefixes (``BL0`` selects BL001-BL009)."""
        chosen = select or self.select
        if chosen and not any(code.startswith(prefix) for prefix in chosen if prefix != "ALL") and "ALL" not in chosen:
            return False
        return not any(code.startswith(prefix) for prefix in (*self.ignore, *ignore))


_KEYS = {"exclude", "extend-exclude", "select", "ignore", "guardrails", "stack"}


def find_project_root(paths: list[Path]) -> Path:
    """The nearest directory above the first path holding a ``pyproject.toml`` (or a ``.git``)."""
    start = (paths[0] if paths else Path.cwd()).resolve()
    if start.is_file():
        start = start.parent
    for directory in (start, *start.parents):
        if (directory / "pyproject.toml").is_file() or (directory / ".git").exists():
            return directory
    return Path.cwd().resolve()


def _names_inside(root: Path, value: str) -> bool:
    """Whether the path ``value`` (relative to ``root``, or absolute) is, as written, inside ``root``.

    Symlinks are not resolved here: a path inside that resolves outside is refused when the
    file would be read (``config.py``), as a BL100 at this key.
    """
    named = os.path.normpath(os.path.join(root, value))
    return named == str(root) or named.startswith(str(root).rstrip(os.sep) + os.sep)


def load_settings(paths: list[Path]) -> Settings:
    root = find_project_root(paths)
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return Settings(root=root)
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise SettingsError(f"{pyproject}: cannot read [tool.budgetlint]: {error}") from error
    table = data.get("tool", {}).get("budgetlint", {})
    if not isinstance(table, dict):
        raise SettingsError(f"{pyproject}: [tool.budgetlint] must be a table")
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise SettingsError(f"{pyproject}: unknown key(s) in [tool.budgetlint]: {', '.join(unknown)} (known: {', '.join(sorted(_KEYS))})")

    def strings(key: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise SettingsError(f"{pyproject}: [tool.budgetlint] {key} must be a list of strings")
        if not all(item.strip() for item in value):  # every code and path starts with ""
            raise SettingsError(f"{pyproject}: [tool.budgetlint] {key} holds an empty string, which would match everything")
        return tuple(value)

    def path(key: str) -> str | None:
        value = table.get(key)
        if value is not None and not isinstance(value, str):
            raise SettingsError(f"{pyproject}: [tool.budgetlint] {key} must be a string path")
        if value is not None and not _names_inside(root, value):
            raise SettingsError(
                f"{pyproject}: [tool.budgetlint] {key} = {value!r} is outside the project ({root}): "
                "a project's settings may only name files inside it (not read)"
            )
        return value

    return Settings(
        root=root,
        exclude=strings("exclude"),
        extend_exclude=strings("extend-exclude"),
        select=tuple(code.strip().upper() for code in strings("select")),  # as on the command line
        ignore=tuple(code.strip().upper() for code in strings("ignore")),
        guardrails=path("guardrails"),
        stack=path("stack"),
        source=pyproject,
    )
