"""Where the repository root is, and a finding's path relative to it (for SARIF and GitHub).

Findings carry paths relative to the working directory; code scanning and workflow annotations
want them relative to the repository root, whatever directory budgetlint runs from.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from ..finding import Finding, shown_path
from .base import plain_summary

if TYPE_CHECKING:
    from ..result import RunResult
    from .base import Reporter


def repository_root(cwd: Path) -> Path:
    """The git top level above ``cwd``; ``cwd`` itself outside a repository or without git."""
    try:
        completed = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            cwd=cwd,
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return cwd.resolve()
    top = completed.stdout.strip()
    if completed.returncode != 0 or not top:
        return cwd.resolve()
    return Path(top).resolve()


def relative_to_root(path: str, cwd: Path, root: Path) -> str | None:
    """``path`` (relative to ``cwd``) relative to ``root`` with forward slashes; None when outside it."""
    absolute = Path(os.path.normpath(cwd / path))
    try:
        relative = absolute.relative_to(root)
    except ValueError:
        resolved = absolute.resolve()  # a symlinked working directory
        try:
            relative = resolved.relative_to(root)
        except ValueError:
            return None
    return PurePosixPath(*relative.parts).as_posix()


def absolute_path(path: str, cwd: Path) -> Path:
    return Path(os.path.normpath(cwd / path))


def command_lines(
    reporter: Reporter, result: RunResult, command: Callable[[Finding, str], str], plain_line: Callable[[str], str]
) -> str:
    """A CI runner's report: one logging ``command`` per finding, located by its path relative to
    the repository root, then the summary, each line made inert by ``plain_line``."""
    cwd = Path.cwd().resolve()
    root = repository_root(cwd)
    out = [command(finding, shown_path(relative_to_root(finding.path, cwd, root) or finding.path)) for finding in reporter.shown(result)]
    out.extend(plain_line(line) for line in plain_summary(reporter, result))
    return "\n".join(out) + ("\n" if out else "")
