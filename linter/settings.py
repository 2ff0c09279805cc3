"""Linter settings: ``[tool.budgetlint]`` in ``pyproject.toml``, each file's found from it upward."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .discovery import pattern_error

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


@dataclass(frozen=True)
class Key:
    """One ``[tool.budgetlint]`` key, as the loader accepts it and docs/configuration.md documents it."""

    name: str
    kind: str
    """``patterns`` (gitignore-style), ``codes`` (codes or prefixes) or ``path`` (a file in the project)."""
    default: str
    description: str


KEYS = (
    Key("exclude", "patterns", "`[]`", "Paths not to lint, relative to the project root, added to the directories always skipped."),
    Key("extend-exclude", "patterns", "`[]`", "More paths not to lint, added to `exclude`."),
    Key("select", "codes", "every rule", "Only these codes or prefixes (`BL0` is BL001-BL009); `--select` replaces it."),
    Key("ignore", "codes", "`[]`", "Skip these codes or prefixes; `--ignore` adds to it."),
    Key("guardrails", "path", "`guardrails.yaml` at the project root, if present", "The guardrails file, relative to the project root; it must be inside the project."),
    Key("stack", "path", "`stack.yaml` at the project root, if present", "The stack file, relative to the project root; it must be inside the project."),
)
"""Every key the loader accepts (an unknown one is a usage error): adding a key starts here."""
_KEYS = {key.name for key in KEYS}


def is_project_root(directory: str) -> bool:
    """A directory holding a ``pyproject.toml`` (or a ``.git``) is a project root."""
    return os.path.isfile(os.path.join(directory, "pyproject.toml")) or os.path.exists(os.path.join(directory, ".git"))


class Projects:
    """The projects of a run: each file belongs to the nearest project root above it (the working
    directory when there is none), whose ``[tool.budgetlint]`` it is checked with, as ruff does.

    Roots are real paths; each directory is looked at once and each ``pyproject.toml`` read once.
    """

    def __init__(self) -> None:
        self._roots: dict[str, str] = {}
        """Real directory -> the root of its project."""
        self._settings: dict[str, Settings] = {}
        self._fallback = str(Path.cwd().resolve())

    def root_of(self, directory: str) -> str:
        """The project root of ``directory`` (a real path)."""
        below: list[str] = []
        current = directory
        while current not in self._roots:
            below.append(current)
            if is_project_root(current):
                self._roots[current] = current
                break
            parent = os.path.dirname(current)
            if parent == current:
                self._roots[current] = self._fallback
                break
            current = parent
        root = self._roots[current]
        for seen in below:
            self._roots[seen] = root
        return root

    def root_for(self, path: Path) -> str:
        """The project root of a path named on the command line (a file's: of its directory)."""
        absolute = os.path.abspath(path)
        return self.root_of(os.path.realpath(absolute if os.path.isdir(absolute) else os.path.dirname(absolute)))

    def settings(self, root: str) -> Settings:
        """The settings of the project at ``root``; SettingsError when its ``pyproject.toml`` is unusable."""
        if root not in self._settings:
            self._settings[root] = load_project(Path(root))
        return self._settings[root]


def find_project_root(paths: list[Path]) -> Path:
    """The project root of the first path (of the working directory without one)."""
    return Path(Projects().root_for(paths[0] if paths else Path.cwd()))


def _names_inside(root: Path, value: str) -> bool:
    """Whether the path ``value`` (relative to ``root``, or absolute) is, as written, inside ``root``.

    Symlinks are not resolved here: a path inside that resolves outside is refused when the
    file would be read (``config.py``), as a BL100 at this key.
    """
    named = os.path.normpath(os.path.join(root, value))
    return named == str(root) or named.startswith(str(root).rstrip(os.sep) + os.sep)


def load_settings(paths: list[Path]) -> Settings:
    """The settings of the first path's project."""
    return load_project(find_project_root(paths))


def load_project(root: Path) -> Settings:
    """The settings of the project at ``root``: its ``[tool.budgetlint]``, else the defaults."""
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return Settings(root=root)
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise SettingsError(f"{pyproject}: cannot read [tool.budgetlint]: {error}") from error
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise SettingsError(f"{pyproject}: [tool] must be a table")
    table = tool.get("budgetlint", {})
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

    def patterns(key: str) -> tuple[str, ...]:
        values = strings(key)
        for pattern in values:
            error = pattern_error(pattern)
            if error is not None:
                raise SettingsError(f"{pyproject}: [tool.budgetlint] {key}: {pattern!r} is not a valid gitignore-style pattern ({error})")
        return values

    def codes(key: str) -> tuple[str, ...]:
        return tuple(code.strip().upper() for code in strings(key))  # as on the command line

    kinds = {"patterns": patterns, "codes": codes, "path": path}
    values = {key.name: kinds[key.kind](key.name) for key in KEYS}
    return Settings(
        root=root,
        exclude=values["exclude"],
        extend_exclude=values["extend-exclude"],
        select=values["select"],
        ignore=values["ignore"],
        guardrails=values["guardrails"],
        stack=values["stack"],
        source=pyproject,
    )
