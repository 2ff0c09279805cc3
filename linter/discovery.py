"""Which files a run lints: directories walked, ignored paths pruned, named files always kept."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pathspec

if TYPE_CHECKING:
    from .settings import Projects

SKIPPED_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", ".tox", ".nox", ".venv", "venv", ".env", "env", "__pycache__",
        "node_modules", "build", "dist", "site-packages", ".mypy_cache", ".pytest_cache",
        ".ruff_cache", ".budgetlint_cache", ".eggs", "__pypackages__", ".ipynb_checkpoints",
    }
)
SOURCE_SUFFIXES = (".py", ".ipynb")


def discover(paths: list[Path], root: Path, exclude: tuple[str, ...]) -> list[Path]:
    """Files to lint with one project's root and excludes throughout, sorted; ``paths`` must exist."""
    excluded = pathspec.GitIgnoreSpec.from_lines(exclude)
    return [path for path, _ in _discover(paths, lambda path: str(root), lambda directory: (str(root), excluded))]


def discover_projects(paths: list[Path], projects: Projects, *, force_exclude: bool = False) -> list[tuple[Path, str]]:
    """Files to lint, sorted, each with its project root: a walk entering a nested project applies
    that project's excludes below it; ``force_exclude``: a file named in ``paths`` too (it is
    otherwise always linted). SettingsError when a project's settings are unusable."""
    specs: dict[str, pathspec.PathSpec] = {}

    def scope(directory: str) -> tuple[str, pathspec.PathSpec]:
        root = projects.root_of(directory)
        if root not in specs:
            settings = projects.settings(root)
            specs[root] = pathspec.GitIgnoreSpec.from_lines(settings.exclude + settings.extend_exclude)
        return root, specs[root]

    return _discover(paths, projects.root_for, scope, force_exclude)


def _discover(
    paths: list[Path],
    root_for: Callable[[Path], str],
    scope: Callable[[str], tuple[str, pathspec.PathSpec]],
    force_exclude: bool = False,
) -> list[tuple[Path, str]]:
    found: dict[str, tuple[Path, str]] = {}  # by absolute path: `. ./a.py $PWD/a.py` lints a.py once
    for path in paths:
        if path.is_dir():
            for absolute, file, root in _walk(path, scope):
                found.setdefault(absolute, (file, root))
        elif not (force_exclude and _excluded_file(path, scope)):  # a named file: linted unless forced out
            found.setdefault(os.path.abspath(path), (path, root_for(path)))
    # Sorted as paths are (component by component), without building ``Path`` objects to compare.
    return [found[key] for key in sorted(found, key=lambda absolute: absolute.split(os.sep))]


def _excluded_file(path: Path, scope: Callable[[str], tuple[str, pathspec.PathSpec]]) -> bool:
    """Whether the configured excludes of its project exclude the file ``path``, as the walk
    would (``.gitignore`` aside: a file named is one the user or a hook chose)."""
    directory = os.path.realpath(path.parent)
    root, excluded = scope(directory)
    return _ignored(os.path.join(directory, path.name), False, root, excluded, [])


def _walk(top: Path, scope: Callable[[str], tuple[str, pathspec.PathSpec]]) -> Iterator[tuple[str, Path, str]]:
    """The source files under ``top`` with their project roots, pruning as we go; symlinks to
    directories are not walked, symlinks to files outside their project are skipped.

    ``scope`` gives a (real) directory's project root and exclude patterns: a directory is pruned
    by its parent's project, a file by its own.

    Paths are compared as strings, each directory resolved once (not each file): ``pathlib`` and
    ``resolve()`` per file were most of a warm run's time on a 2,000-file tree.
    """
    resolved_top = os.path.realpath(top)
    top_root = scope(resolved_top)[0]
    ignores: dict[str, pathspec.PathSpec] = {}
    for directory in Path(resolved_top).parents:
        spec = _gitignore(str(directory))
        if spec is not None:
            ignores[str(directory)] = spec
        if str(directory) == top_root or (directory / ".git").exists():
            break
    if _ignored(resolved_top, True, top_root, pathspec.PathSpec([]), _bases(ignores, resolved_top)):
        ignores = {}  # a directory named explicitly is linted even where a parent .gitignore hides it
    pending = [(str(top), resolved_top)]
    while pending:
        directory, resolved = pending.pop()
        unresolved = os.path.abspath(directory)
        try:
            with os.scandir(directory) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)
        except OSError:
            continue
        root, excluded = scope(resolved)
        spec = _gitignore(resolved)
        if spec is not None:
            ignores[resolved] = spec
        bases = _bases(ignores, resolved)
        subdirectories = []
        for entry in entries:
            name = entry.name
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                if name in SKIPPED_DIRS or name.endswith(".egg-info") or entry.is_symlink():
                    continue
                if os.path.exists(os.path.join(entry.path, "pyvenv.cfg")):
                    continue
                child = os.path.join(resolved, name)
                if not _ignored(child, True, root, excluded, bases):
                    subdirectories.append((entry.path, child))
            elif name.endswith(SOURCE_SUFFIXES):
                if entry.is_symlink():
                    if _inside(os.path.realpath(entry.path), root) is None:
                        continue  # pointing outside the project: not ours to read (SPEC §7)
                    absolute = os.path.abspath(entry.path)
                else:
                    absolute = os.path.join(resolved, name)
                if not _ignored(absolute, False, root, excluded, bases):
                    yield os.path.join(unresolved, name), Path(entry.path), root
        pending.extend(reversed(subdirectories))


def _gitignore(directory: str) -> pathspec.PathSpec | None:
    try:
        with open(os.path.join(directory, ".gitignore"), encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return None
    try:
        return pathspec.GitIgnoreSpec.from_lines(lines)
    except (ValueError, re.error):  # git skips a line it cannot use (`!`, a trailing `\`); so do we
        return pathspec.GitIgnoreSpec.from_lines([line for line in lines if pattern_error(line) is None])


def pattern_error(pattern: str) -> str | None:
    """Why pathspec cannot compile the gitignore-style ``pattern`` (``!``, ``[z-a]``); None if it can."""
    try:
        pathspec.GitIgnoreSpec.from_lines([pattern])
    except re.error as error:
        return error.msg  # without the position, which is in the regex built from the pattern
    except ValueError as error:
        return str(error)
    return None


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


def _ignored(absolute: str, is_dir: bool, root: str, excluded: pathspec.PathSpec, bases: list) -> bool:
    suffix = "/" if is_dir else ""
    relative = _inside(absolute, root)
    if relative is not None and excluded.match_file(relative + suffix):
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
        if directory not in real:
            real[directory] = os.path.realpath(directory)
        keys.append(relative(os.path.join(real[directory], name), root))
    return keys


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
