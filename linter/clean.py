"""``budgetlint clean``: remove budgetlint's result caches, and nothing else."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import click

from . import stdout
from .cache import DIRECTORY_NAME, SUBDIRECTORY, CacheRefused, owned
from .cache import location as cache_location
from .commands import EXIT_OK, EXIT_USAGE
from .discovery import display_path
from .settings import Projects, SettingsError


def execute_clean(paths: tuple[Path, ...], cache_dir: Path | None) -> int:
    """Remove every cache directory budgetlint created (its ``CACHEDIR.TAG`` says so) under
    ``paths``, and the one a run from here would use (``--cache-dir``, ``BUDGETLINT_CACHE_DIR``,
    the ``cache-dir`` setting); print each removed directory."""
    missing = [str(path) for path in paths if not path.exists()]
    if missing:
        click.echo(f"budgetlint: error: no such file or directory: {', '.join(missing)}", err=True)
        return EXIT_USAGE
    candidates: list[Path] = []
    projects = Projects()
    for top in paths:
        try:
            settings = projects.settings(projects.root_for(top))
            candidates.append(cache_location(settings.root, cache_dir, settings.cache_dir))
        except (SettingsError, CacheRefused) as problem:
            click.echo(f"budgetlint: warning: {problem}", err=True)
        if top.is_dir():
            candidates += _named_caches(top)
    cwd = Path.cwd().resolve()
    removed: set[str] = set()
    for candidate in candidates:
        directory = _owned_directory(candidate)
        if directory is None or os.path.realpath(directory) in removed:
            continue
        try:
            shutil.rmtree(directory)
        except OSError as error:
            click.echo(f"budgetlint: error: cannot remove {display_path(directory, cwd)}: {error.strerror or error}", err=True)
            return EXIT_USAGE
        removed.add(os.path.realpath(directory))
        stdout.echo(f"removed {display_path(directory, cwd)}")
    if not removed:
        stdout.echo("no budgetlint cache to remove")
    return EXIT_OK


def _named_caches(top: Path) -> list[Path]:
    """The ``.budgetlint_cache`` directories under ``top``; symlinks are neither followed nor taken
    (a committed link must not make clean remove what it points to)."""
    found = []
    for directory, subdirectories, _ in os.walk(top):
        if DIRECTORY_NAME in subdirectories and not os.path.islink(os.path.join(directory, DIRECTORY_NAME)):
            found.append(Path(directory) / DIRECTORY_NAME)
        subdirectories[:] = [name for name in subdirectories if name not in (DIRECTORY_NAME, ".git")]
    return found


def _owned_directory(candidate: Path) -> Path | None:
    """``candidate`` when budgetlint created it, else its ``budgetlint-cache/`` when budgetlint
    created that; None for anything else (a symlink, another tool's folder)."""
    for directory in (candidate, candidate / SUBDIRECTORY):
        if os.path.isdir(directory) and not os.path.islink(directory) and owned(directory):
            return directory
    return None
