"""Linter settings: ``[tool.budgetlint]`` in ``pyproject.toml``, each file's found from it upward."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .discovery import DEFAULT_EXCLUDE, pattern_error

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


class SettingsError(Exception):
    """A settings file that cannot be used: exit code 2."""


OVERRIDE = "--config"
"""Where a value set on the command line comes from (``Settings.origins``)."""


@dataclass(frozen=True)
class Settings:
    root: Path
    """The project root: the directory of the ``pyproject.toml`` found, else the working directory."""
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    respect_gitignore: bool = True
    select: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """(gitignore-style pattern, codes or prefixes) pairs; a pattern starting with ``!`` is negated."""
    extend_per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    guardrails: str | None = None
    stack: str | None = None
    cache_dir: str | None = None
    """``cache-dir``, relative to the root (``cache.location`` decides where the cache goes)."""
    source: Path | None = None
    origins: dict[str, str] = field(default_factory=dict, compare=False)
    """Each key set in ``[tool.budgetlint]`` or by ``--config`` -> where (the file, or ``OVERRIDE``)."""

    def enabled(
        self, code: str, select: tuple[str, ...] = (), ignore: tuple[str, ...] = (), extend_select: tuple[str, ...] = ()
    ) -> bool:
        """Whether ``code`` runs, by code prefixes (``BL0`` selects BL001-BL009), as ruff: the
        command line's ``select`` replaces the settings' (and their ``extend-select``),
        ``extend-select`` adds to the ``select`` it comes with (none: every rule), and an
        ``ignore`` from either always wins."""
        if select:
            chosen = select + extend_select
        elif self.select:
            chosen = self.select + self.extend_select + extend_select
        else:
            chosen = ()
        if chosen and "ALL" not in chosen and not code.startswith(chosen):
            return False
        return not code.startswith((*self.ignore, *ignore))

    def file_ignores(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """``per-file-ignores`` and ``extend-per-file-ignores`` together."""
        return self.per_file_ignores + self.extend_per_file_ignores


@dataclass(frozen=True)
class Key:
    """One ``[tool.budgetlint]`` key, as the loader accepts it and docs/configuration.md documents it."""

    name: str
    kind: str
    """``patterns`` (gitignore-style), ``codes`` (codes or prefixes), ``path`` (a file or directory in
    the project), ``flag`` (true or false) or ``file-codes`` (a table of patterns to codes)."""
    default: str
    description: str


KEYS = (
    Key("exclude", "patterns", "ruff's list (below) and `.budgetlint_cache`", "Paths not to lint, relative to the project root; replaces the default list, as ruff's `exclude` does."),
    Key("extend-exclude", "patterns", "`[]`", "More paths not to lint, added to `exclude`."),
    Key("respect-gitignore", "flag", "`true`", "Skip what git ignores: `.gitignore` files, `.git/info/exclude` and git's global excludes file (read without running git)."),
    Key("select", "codes", "every rule", "Only these codes or prefixes (`BL0` is BL001-BL009); `--select` replaces it."),
    Key("extend-select", "codes", "`[]`", "Codes or prefixes added to `select` (to every rule when `select` is not set)."),
    Key("ignore", "codes", "`[]`", "Skip these codes or prefixes; `--ignore` adds to it, and it wins over any select."),
    Key("per-file-ignores", "file-codes", "`{}`", "Codes or prefixes to skip in the files a gitignore-style pattern matches (a leading `!` negates it), e.g. `{\"tests/**\" = [\"BL002\"]}`."),
    Key("extend-per-file-ignores", "file-codes", "`{}`", "More `per-file-ignores`, added to it."),
    Key("guardrails", "path", "`guardrails.yaml` at the project root, if present", "The guardrails file, relative to the project root; it must be inside the project."),
    Key("stack", "path", "`stack.yaml` at the project root, if present", "The stack file, relative to the project root; it must be inside the project."),
    Key("cache-dir", "path", "`.budgetlint_cache`", "Where the result cache goes, inside the project; `--cache-dir` and `BUDGETLINT_CACHE_DIR` take precedence."),
)
"""Every key the loader accepts (an unknown one is a usage error): adding a key starts here."""
_KEYS = {key.name for key in KEYS}


def parse_override(text: str) -> dict:
    """One ``--config KEY = VALUE`` (a line of TOML, as ruff takes it) as a table; ValueError
    saying why when it is not one."""
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"not a TOML `KEY = VALUE` pair ({error}); e.g. --config 'exclude = [\"gen/\"]'") from error
    if len(table) != 1:
        raise ValueError("give one `KEY = VALUE` pair per --config")
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise ValueError(f"unknown key {unknown[0]!r} (known: {', '.join(sorted(_KEYS))})")
    return table


def is_project_root(directory: str) -> bool:
    """A directory holding a ``pyproject.toml`` (or a ``.git``) is a project root."""
    return os.path.isfile(os.path.join(directory, "pyproject.toml")) or os.path.exists(os.path.join(directory, ".git"))


class Projects:
    """The projects of a run: each file belongs to the nearest project root above it (the working
    directory when there is none), whose ``[tool.budgetlint]`` it is checked with, as ruff does.

    Roots are real paths; each directory is looked at once and each ``pyproject.toml`` read once.
    """

    def __init__(self, overrides: dict | None = None) -> None:
        self.overrides = overrides or {}
        """``--config`` values, over every project's ``[tool.budgetlint]``."""
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
            self._settings[root] = load_project(Path(root), self.overrides)
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


def load_settings(paths: list[Path], overrides: dict | None = None) -> Settings:
    """The settings of the first path's project."""
    return load_project(find_project_root(paths), overrides)


def load_project(root: Path, overrides: dict | None = None) -> Settings:
    """The settings of the project at ``root``: its ``[tool.budgetlint]`` (else the defaults),
    with ``overrides`` (``--config``) over it."""
    pyproject = root / "pyproject.toml"
    table = _table(pyproject) if pyproject.is_file() else {}
    origins = {key: str(pyproject) for key in table}
    for key, value in (overrides or {}).items():
        table[key] = value
        origins[key] = OVERRIDE

    def where(key: str) -> str:
        return f"--config {key}" if origins.get(key) == OVERRIDE else f"{pyproject}: [tool.budgetlint] {key}"

    def strings(key: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise SettingsError(f"{where(key)} must be a list of strings")
        if not all(item.strip() for item in value):  # every code and path starts with ""
            raise SettingsError(f"{where(key)} holds an empty string, which would match everything")
        return tuple(value)

    def codes(key: str) -> tuple[str, ...]:
        return tuple(code.strip().upper() for code in strings(key))  # as on the command line

    def path(key: str) -> str | None:
        value = table.get(key)
        if value is not None and not isinstance(value, str):
            raise SettingsError(f"{where(key)} must be a string path")
        if value is not None and not _names_inside(root, value):
            raise SettingsError(
                f"{where(key)} = {value!r} is outside the project ({root}): "
                "a project's settings may only name files inside it (not read)"
            )
        return value

    def check_pattern(key: str, pattern: str) -> None:
        error = pattern_error(pattern)
        if error is not None:
            raise SettingsError(f"{where(key)}: {pattern!r} is not a valid gitignore-style pattern ({error})")

    def patterns(key: str) -> tuple[str, ...]:
        values = strings(key)
        for pattern in values:
            check_pattern(key, pattern)
        return values

    def flag(key: str, default: bool = True) -> bool:
        value = table.get(key, default)
        if not isinstance(value, bool):
            raise SettingsError(f"{where(key)} must be true or false")
        return value

    def file_ignores(key: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
        value = table.get(key, {})
        if not isinstance(value, dict):
            raise SettingsError(f'{where(key)} must be a table of patterns to codes, e.g. {{"tests/**" = ["BL002"]}}')
        out = []
        for pattern, listed in value.items():
            if not pattern.strip() or not isinstance(listed, list) or not all(isinstance(c, str) and c.strip() for c in listed):
                raise SettingsError(f"{where(key)}: {pattern!r} must map a pattern to a list of codes, e.g. [\"BL002\"]")
            check_pattern(key, pattern[1:] if pattern.startswith("!") else pattern)
            out.append((pattern, tuple(code.strip().upper() for code in listed)))
        return tuple(out)

    kinds = {"patterns": patterns, "codes": codes, "path": path, "flag": flag, "file-codes": file_ignores}
    values = {key.name: kinds[key.kind](key.name) for key in KEYS}
    return Settings(
        root=root,
        exclude=values["exclude"] if "exclude" in table else DEFAULT_EXCLUDE,
        extend_exclude=values["extend-exclude"],
        respect_gitignore=values["respect-gitignore"],
        select=values["select"],
        extend_select=values["extend-select"],
        ignore=values["ignore"],
        per_file_ignores=values["per-file-ignores"],
        extend_per_file_ignores=values["extend-per-file-ignores"],
        guardrails=values["guardrails"],
        stack=values["stack"],
        cache_dir=values["cache-dir"],
        source=pyproject if pyproject.is_file() else None,
        origins=origins,
    )


def _table(pyproject: Path) -> dict:
    """The ``[tool.budgetlint]`` table of ``pyproject`` (empty without one); its keys checked."""
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
    return dict(table)
