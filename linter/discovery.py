"""Which files a run lints: directories walked, ignored paths pruned, named files always kept."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from . import gitexcludes

if TYPE_CHECKING:
    import pathspec

    from .settings import Projects

SOURCE_SUFFIXES = (".py", ".ipynb")
DEFAULT_EXCLUDE = (
    ".bzr", ".direnv", ".eggs", ".git", ".git-rewrite", ".hg", ".ipynb_checkpoints", ".mypy_cache", ".nox",
    ".pants.d", ".pyenv", ".pytest_cache", ".pytype", ".ruff_cache", ".svn", ".tox", ".venv", ".vscode",
    "__pypackages__", "_build", "buck-out", "dist", "node_modules", "site-packages", "venv",
    ".budgetlint_cache",
)
"""ruff's default ``exclude`` (each a name matched at any depth), and budgetlint's own cache."""
COMPILED_DIR = "__pycache__"
"""Holds compiled files only, never a source: not walked."""


_NAME = re.compile(r"[\w.+-]+")
"""An exclude pattern that is a plain name: it matches a file or directory of that name at any depth."""


class Scope(NamedTuple):
    """How a directory's files are pruned: by its project's root, exclude patterns, and whether
    that project respects git's ignore files."""

    root: str
    names: frozenset[str]
    """The exclude patterns that are plain names (``venv``), matched by a set lookup."""
    excluded: pathspec.PathSpec | None
    """The other exclude patterns, matched against the path relative to ``root``; None when there are none."""
    respect_gitignore: bool = True

    @classmethod
    def of(cls, root: str, patterns: tuple[str, ...], respect_gitignore: bool = True) -> Scope:
        """Plain names are looked up in a set: matching every path against ruff's 25 default
        patterns one by one was a third of a warm run's discovery. Without a negation (``!``),
        which could bring a name back, the split matches exactly what the whole list does."""
        names = frozenset(pattern for pattern in patterns if _NAME.fullmatch(pattern))
        if any(pattern.startswith("!") for pattern in patterns):
            names = frozenset()
        rest = [pattern for pattern in patterns if pattern not in names]
        return cls(root, names, _spec(rest) if rest else None, respect_gitignore)


def discover(paths: list[Path], root: Path, exclude: tuple[str, ...] | None = None, respect_gitignore: bool = True) -> list[Path]:
    """Files to lint with one project's root and excludes (default: ``DEFAULT_EXCLUDE``) throughout,
    sorted; ``paths`` must exist."""
    scope = Scope.of(str(root), DEFAULT_EXCLUDE if exclude is None else exclude, respect_gitignore)
    return [path for path, _ in _discover(paths, lambda path: str(root), lambda directory: scope)]


def discover_projects(paths: list[Path], projects: Projects, *, force_exclude: bool = False) -> list[tuple[Path, str]]:
    """Files to lint, sorted, each with its project root: a walk entering a nested project applies
    that project's excludes below it; ``force_exclude``: a file named in ``paths`` too (it is
    otherwise always linted). SettingsError when a project's settings are unusable."""
    scopes: dict[str, Scope] = {}

    def scope(directory: str) -> Scope:
        root = projects.root_of(directory)
        if root not in scopes:
            settings = projects.settings(root)
            scopes[root] = Scope.of(root, settings.exclude + settings.extend_exclude, settings.respect_gitignore)
        return scopes[root]

    return _discover(paths, projects.root_for, scope, force_exclude)


def _discover(
    paths: list[Path], root_for: Callable[[Path], str], scope: Callable[[str], Scope], force_exclude: bool = False
) -> list[tuple[Path, str]]:
    found: dict[str, tuple[Path, str]] = {}  # by absolute path: `. ./a.py $PWD/a.py` lints a.py once
    for path in paths:
        if path.is_dir():
            for absolute, file, root in _walk(path, scope):
                found.setdefault(absolute, (file, root))
        elif not (force_exclude and _excluded_file(path, scope)):  # a named file: linted unless forced out
            found.setdefault(os.path.abspath(path), (path, root_for(path)))
    # Sorted as paths are (component by component), without building ``Path`` objects to compare:
    # with each separator made the lowest character (no name holds NUL), strings compare as their parts do.
    return [found[key] for key in sorted(found, key=lambda absolute: absolute.replace(os.sep, "\0"))]


def _excluded_file(path: Path, scope: Callable[[str], Scope]) -> bool:
    """Whether the configured excludes of its project exclude the file ``path``, as the walk
    would (``.gitignore`` aside: a file named is one the user or a hook chose)."""
    directory = os.path.realpath(path.parent)
    current = scope(directory)
    absolute = os.path.join(directory, path.name)
    relative = _inside(absolute, current.root)
    if relative is not None and current.names and any(part in current.names for part in relative.split("/")):
        return True
    return _ignored(absolute, False, current, [])


def _walk(top: Path, scope: Callable[[str], Scope]) -> Iterator[tuple[str, Path, str]]:
    """The source files under ``top`` with their project roots, pruning as we go; symlinks to
    directories are not walked, symlinks to files outside their project are skipped.

    ``scope`` gives a (real) directory's project root, exclude patterns and whether git's ignore
    files count: a directory is pruned by its parent's project, a file by its own. A directory
    holding a virtual environment (its ``pyvenv.cfg``) is not walked, whatever its name.

    Paths are compared as strings, each directory resolved once (not each file): ``pathlib`` and
    ``resolve()`` per file were most of a warm run's time on a 2,000-file tree.
    """
    resolved_top = os.path.realpath(top)
    top_root = scope(resolved_top).root
    ignores = _ignores_above(resolved_top, top_root)
    if _ignored(resolved_top, True, Scope.of(top_root, ()), _bases(ignores, resolved_top)):
        ignores = {}  # a directory named explicitly is linted even where a parent .gitignore hides it
    pending = [(str(top), resolved_top)]
    while pending:
        directory, resolved = pending.pop()
        # each file's paths are these prefixes and its name (os.path.join per file was a tenth of the walk)
        unresolved, inside = _prefix(os.path.abspath(directory)), _prefix(resolved)
        try:
            with os.scandir(directory) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)
        except OSError:
            continue
        current = scope(resolved)
        root = current.root
        names = {entry.name for entry in entries}
        spec = _gitignore(resolved, ".git" in names, ".gitignore" in names)
        if spec is not None:
            ignores[resolved] = spec
        bases = _bases(ignores, resolved) if current.respect_gitignore else []
        subdirectories = []
        for entry in entries:
            name = entry.name
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                if name == COMPILED_DIR or entry.is_symlink():
                    continue
                if os.path.exists(os.path.join(entry.path, "pyvenv.cfg")):
                    continue
                child = inside + name
                if name not in current.names and not _ignored(child, True, current, bases):
                    subdirectories.append((entry.path, child))
            elif name.endswith(SOURCE_SUFFIXES):
                if entry.is_symlink():
                    if _inside(os.path.realpath(entry.path), root) is None:
                        continue  # pointing outside the project: not ours to read (SPEC §7)
                    absolute = os.path.abspath(entry.path)
                else:
                    absolute = inside + name
                if name not in current.names and not _ignored(absolute, False, current, bases):
                    yield unresolved + name, Path(entry.path), root
        pending.extend(reversed(subdirectories))


def _prefix(directory: str) -> str:
    """``directory`` ending with a separator: what ``os.path.join`` puts before a name in it."""
    return directory if directory.endswith(os.sep) else directory + os.sep


def _ignores_above(resolved_top: str, top_root: str) -> dict[str, pathspec.PathSpec]:
    """The git ignore specs of the directories above ``resolved_top``, up to the top of its git
    work tree; outside one, up to the project root ``top_root`` (or the filesystem root)."""
    parents = [str(directory) for directory in Path(resolved_top).parents]
    work_tree = next((index for index, directory in enumerate(parents) if os.path.exists(os.path.join(directory, ".git"))), None)
    if work_tree is not None:
        parents = parents[: work_tree + 1]
    elif top_root in parents:
        parents = parents[: parents.index(top_root) + 1]
    ignores = {}
    for index, directory in enumerate(parents):
        spec = _gitignore(directory, index == work_tree)
        if spec is not None:
            ignores[directory] = spec
    return ignores


def _gitignore(directory: str, work_tree: bool, listed: bool = True) -> pathspec.PathSpec | None:
    """The patterns git applies in ``directory``: its ``.gitignore``, and at the top of a work
    tree (``work_tree``) the repository's and the user's excludes before them (weaker).
    ``listed``: False when the directory's listing holds no ``.gitignore`` (not looked for)."""
    lines = gitexcludes.repository_lines(directory) if work_tree else []
    if listed:
        try:
            with open(os.path.join(directory, ".gitignore"), encoding="utf-8", errors="replace") as handle:
                lines += handle.read().splitlines()
        except OSError:
            pass
    if not lines:
        return None
    try:
        spec = _spec(lines)
    except (ValueError, re.error):  # git skips a line it cannot use (`!`, a trailing `\`); so do we
        spec = _spec([line for line in lines if pattern_error(line) is None])
    return spec if any(pattern.include is not None for pattern in spec.patterns) else None  # not only comments


def pattern_error(pattern: str) -> str | None:
    """Why pathspec cannot compile the gitignore-style ``pattern`` (``!``, ``[z-a]``); None if it can."""
    try:
        _spec([pattern])
    except re.error as error:
        return error.msg  # without the position, which is in the regex built from the pattern
    except ValueError as error:
        return str(error)
    return None


def _spec(lines: list[str]) -> pathspec.PathSpec:
    """The gitignore-style spec of ``lines``; ValueError or re.error when one cannot be compiled."""
    import pathspec  # not at import: a project with neither exclude patterns nor .gitignore files needs none (~15 ms)

    return pathspec.GitIgnoreSpec.from_lines(lines)


def _bases(ignores: dict[str, pathspec.PathSpec], directory: str) -> list[tuple[str, pathspec.PathSpec]]:
    """The ``.gitignore`` specs of ``directory`` and its ancestors, the nearest first."""
    found = [(base, spec) for base, spec in ignores.items() if _inside(directory, base) is not None]
    return sorted(found, key=lambda item: item[0].count(os.sep), reverse=True)


def _inside(path: str, base: str) -> str | None:
    """``path`` relative to ``base`` with forward slashes (``.`` for ``base`` itself); None outside it."""
    if path == base:
        return "."
    prefix = base if base.endswith(os.sep) else base + os.sep
    if not path.startswith(prefix):
        return None
    relative = path[len(prefix) :]
    return relative if os.sep == "/" else relative.replace(os.sep, "/")


def _ignored(absolute: str, is_dir: bool, scope: Scope, bases: list) -> bool:
    suffix = "/" if is_dir else ""
    if scope.excluded is not None:
        relative = _inside(absolute, scope.root)
        if relative is not None and scope.excluded.match_file(relative + suffix):
            return True
    for base, spec in bases:
        relative = _inside(absolute, base)
        if relative is None:
            continue
        verdict = spec.check_file(relative + suffix).include
        if verdict is not None:  # the nearest .gitignore with a matching pattern decides (`!keep.py`)
            return verdict
    return False


def shard(files: list[Path], root: Path, index: int, count: int) -> list[Path]:
    """The files of shard ``index`` (1-based) of ``count``, in their order.

    A file's shard is a hash of its path relative to the project ``root`` (``root_keys``), so
    every job of a CI matrix computes the same split, and adding or removing a file moves no
    other file.
    """
    keys = root_keys([os.path.abspath(path) for path in files], os.path.realpath(root))
    return [path for path, key in zip(files, keys) if shard_of(key, count) == index - 1]


def shard_of(key: str, count: int) -> int:
    """The 0-based shard of the root-relative path ``key``."""
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8", "surrogateescape"), digest_size=8).digest(), "big") % count


def display_path(path: Path | str, base: Path | str) -> str:
    """``path`` relative to ``base``, with forward slashes; a symlink keeps its own name."""
    return relative(os.path.abspath(path), str(base))


def relative(absolute: str, base: str) -> str:
    """``display_path`` of a path already absolute and normalised."""
    inside = _inside(absolute, base)
    if inside is not None:
        return inside
    try:
        return Path(os.path.relpath(absolute, base)).as_posix()
    except ValueError:  # another drive
        return Path(absolute).as_posix()


def root_keys(absolutes: list[str], root: str) -> list[str]:
    """Each path's key: relative to the project ``root`` (a real path), its directories resolved,
    so the key is the same however the project is named (``$PWD`` through a symlink, ``.``);
    a symlinked file keeps its own name. Fingerprints, shards and the cache use it."""
    real: dict[str, str] = {}  # each directory resolved once, not each file
    keys = []
    for absolute in absolutes:
        directory, name = os.path.split(absolute)
        keys.append(relative(os.path.join(real_directory(directory, real), name), root))
    return keys


def real_directory(directory: str, known: dict[str, str]) -> str:
    """``os.path.realpath`` of the absolute, normalised ``directory``, through ``known`` (the
    directories resolved so far, filled in): one ``lstat`` for a directory whose parent is
    known, not one per component of its path."""
    found = known.get(directory)
    if found is None:
        parent, name = os.path.split(directory)
        if not name or parent == directory:
            found = os.path.realpath(directory)
        else:
            candidate = os.path.join(real_directory(parent, known), name)
            found = os.path.realpath(candidate) if os.path.islink(candidate) else candidate
        known[directory] = found
    return found


def shown_directory(cwd: str) -> str | None:
    """``$PWD`` when it names the working directory ``cwd`` by another path (a shell that changed
    into it through a symlink): paths under it are shown relative to it, as the user sees them."""
    logical = os.environ.get("PWD")
    if not logical or not os.path.isabs(logical):
        return None
    logical = os.path.normpath(logical)
    try:
        return logical if logical != cwd and os.path.samefile(logical, cwd) else None
    except OSError:
        return None


def display_name(path: str, cwd: str, shown: str | None) -> str:
    """``path`` as reports name it: relative to the working directory as the user sees it
    (``shown``, see ``shown_directory``) when under it, else relative to ``cwd``."""
    if shown is not None:
        inside = _inside(os.path.normpath(os.path.join(shown, path)), shown)
        if inside is not None:
            return inside
    return relative(os.path.abspath(path), cwd)
