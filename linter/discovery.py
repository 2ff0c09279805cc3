"""Which files a run lints: directories walked, ignored paths pruned, named files always kept."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pathspec

SKIPPED_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", ".tox", ".nox", ".venv", "venv", ".env", "env", "__pycache__",
        "node_modules", "build", "dist", "site-packages", ".mypy_cache", ".pytest_cache",
        ".ruff_cache", ".budgetlint_cache", ".eggs", "__pypackages__", ".ipynb_checkpoints",
    }
)
SOURCE_SUFFIXES = (".py", ".ipynb")


def discover(paths: list[Path], root: Path, exclude: tuple[str, ...]) -> list[Path]:
    """Files to lint, sorted; ``paths`` must exist (the command line checks)."""
    excluded = pathspec.GitIgnoreSpec.from_lines(exclude)
    found: dict[str, Path] = {}  # by absolute path: `. ./a.py $PWD/a.py` lints a.py once
    for path in paths:
        for file in _walk(path, root, excluded) if path.is_dir() else (path,):  # a named file: always linted
            found.setdefault(os.path.abspath(file), file)
    return sorted(found.values())


def _walk(top: Path, root: Path, excluded: pathspec.PathSpec) -> Iterator[Path]:
    ignores: dict[Path, pathspec.PathSpec] = {}
    for directory in top.resolve().parents:
        spec = _gitignore(directory)
        if spec is not None:
            ignores[directory] = spec
        if directory == root or (directory / ".git").exists():
            break
    if _ignored(top, True, root, pathspec.PathSpec([]), ignores):
        ignores = {}  # a directory named explicitly is linted even where a parent .gitignore hides it
    for dirpath, dirnames, filenames in os.walk(top, followlinks=False):
        current = Path(dirpath)
        spec = _gitignore(current.resolve())
        if spec is not None:
            ignores[current.resolve()] = spec
        kept = []
        for name in sorted(dirnames):
            child = current / name
            if name in SKIPPED_DIRS or name.endswith(".egg-info") or (child / "pyvenv.cfg").exists():
                continue
            if child.is_symlink() or _ignored(child, True, root, excluded, ignores):
                continue
            kept.append(name)
        dirnames[:] = kept
        for name in filenames:
            if not name.endswith(SOURCE_SUFFIXES):
                continue
            child = current / name
            if not _ignored(child, False, root, excluded, ignores):
                yield child


def _gitignore(directory: Path) -> pathspec.PathSpec | None:
    file = directory / ".gitignore"
    try:
        return pathspec.GitIgnoreSpec.from_lines(file.read_text(encoding="utf-8", errors="replace").splitlines())
    except OSError:
        return None


def _ignored(path: Path, is_dir: bool, root: Path, excluded: pathspec.PathSpec, ignores: dict) -> bool:
    absolute = path.resolve() if not path.is_symlink() else path.absolute()
    suffix = "/" if is_dir else ""
    try:
        relative = absolute.relative_to(root).as_posix()
        if excluded.match_file(relative + suffix):
            return True
    except ValueError:
        pass
    for base in sorted(ignores, key=lambda base: len(base.parts), reverse=True):
        try:
            relative = absolute.relative_to(base).as_posix()
        except ValueError:
            continue
        verdict = ignores[base].check_file(relative + suffix).include
        if verdict is not None:  # the nearest .gitignore with a matching pattern decides (`!keep.py`)
            return verdict
    return False
