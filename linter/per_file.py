"""``per-file-ignores``: the codes a project turns off for the files matching a pattern."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pathspec


@dataclass(frozen=True)
class PerFileIgnores:
    """(gitignore-style pattern, codes or prefixes) pairs, matched against a file's path relative
    to its project root; a pattern starting with ``!`` applies to the files it does not match (as ruff)."""

    entries: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def codes(self, key: str) -> tuple[str, ...]:
        """The codes or prefixes turned off for the file at the root-relative path ``key``."""
        out: list[str] = []
        for pattern, codes in self.entries:
            negated = pattern.startswith("!")
            if _spec(pattern[1:] if negated else pattern).match_file(key) != negated:
                out += codes
        return tuple(out)


@cache
def _spec(pattern: str) -> pathspec.PathSpec:
    import pathspec  # not at import: most projects set no per-file-ignores

    return pathspec.GitIgnoreSpec.from_lines([pattern])
