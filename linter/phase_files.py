"""A project file as the two phases see it (``phases.py``): its result, the project names it
imports, and its code read again when a phase asks."""

from __future__ import annotations

from dataclasses import dataclass

from .job import FileResult
from .project import import_names


@dataclass
class File:
    """A project file in a run: its result, and what the phases learned of it."""

    path: str
    name: str
    key: str
    result: FileResult
    reported: bool
    used: str = ""
    """The digest of the summaries ``result`` was computed with ("": none)."""
    imports: list[str] | None = None
    """For a file the prefilter skipped: the project names its import lines name (read once)."""

    @property
    def content(self) -> str:
        signature = self.result.signature
        return signature.digest if signature is not None else self.result.content


def skipped_imports(state: File) -> list[str]:
    """The project names a file the prefilter skipped imports: recorded with its result when it
    was skipped (``runner.lint_file``), else read again."""
    if state.imports is None:
        facts = state.result.facts
        state.imports = facts["imports"] if facts and "imports" in facts else import_names(code_of_file(state.path))
    return state.imports


def skipped(result: FileResult) -> bool:
    """A file the prefilter let pass unparsed, no finding (the triage's have analysis' facts)."""
    return not result.parsed and not result.findings and not (result.facts and "summary" in result.facts)


def code_of_file(path: str) -> bytes:
    """A file's code: a notebook's code cells, as one module."""
    from . import notebook  # not at import: a run the cache answers reads no file

    try:
        with open(path, "rb") as handle:
            return notebook.code_of(handle.read(), path)
    except OSError:
        return b""


def names_a_word(path: str, words: set[str]) -> bool:
    """Whether the file at ``path`` writes one of ``words``."""
    from .prefilter import word_in  # not at import: a run the cache answers never builds the prefilter

    source = code_of_file(path) if words else b""
    return any(word_in(source, word) for word in sorted(words))
