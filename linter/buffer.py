"""Lint a buffer as if it were the file at a path of its project: the text on stdin
(``check - --stdin-filename``) or an editor's unsaved document (``budgetlint server``).

The buffer is linted with its project's job (settings, guardrails, stack, policy: what
``commands.project_run`` builds for ``check``). When it imports project names, or defines a
wrapper other modules may call, it is linted with the summaries of the project's other modules,
as the second phase lints a file (``phases``): ``ProjectModules`` holds the results of the
project's files on disk, from a two-phase run over them (``phases.lint_project``, with the
result cache as ``check`` uses it), so the language server keeps them warm across keystrokes.
The buffer's own result is never cached: its bytes are not the file's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from . import engine, notebook, runner
from .cache import ResultCache
from .job import FileResult, Job
from .phases import called_wrappers, lint_project, without_moved
from .project import ProjectIndex, import_names, module_name
from .reparse import Document


@dataclass(frozen=True)
class Place:
    """Where a buffer claims to be: its path, the name findings give it, and its root-relative key."""

    path: Path
    name: str
    key: str

    @classmethod
    def of(cls, path: Path, cwd: Path, root: Path) -> Place:
        ((_, name, key),) = runner.triples_of([path], cwd, root)
        return cls(path, name, key)


class ProjectModules:
    """The results of a project's files on disk (their summaries, the wrappers they call), by
    root-relative key: what a buffer of the project is linted with."""

    def __init__(self, results: dict[str, FileResult], shown: dict[str, str]) -> None:
        self.results = results
        self.shown = shown
        self._indexes: dict[str, ProjectIndex] = {}

    @classmethod
    def load(cls, files: Sequence[Path], job: Job, jobs: int, cwd: Path, root: Path, cache: ResultCache | None) -> ProjectModules:
        """Lint the project's ``files`` in two phases (the cache answers what it can, and keeps
        what it did not; saved here)."""
        plain = replace(job, fix=False, describe=False)
        results = lint_project(files, plain, jobs, cwd, root, None, cache) if files else []
        if cache is not None:
            cache.save()
        triples = runner.triples_of(files, cwd, root)
        return cls({key: result for (_, _, key), result in zip(triples, results)}, {key: name for _, name, key in triples})

    def index(self, key: str) -> ProjectIndex:
        """The project as the buffer at ``key`` sees it: every module but its own file on disk
        (one object per key: what is reused across keystrokes is kept for it, ``statements.py``)."""
        if key in self._indexes:
            return self._indexes[key]
        summaries = {
            other: result.facts["summary"] for other, result in self.results.items() if other != key and result.facts and "summary" in result.facts
        }
        keys = sorted({*self.results, key})
        modules = {module: other for other in keys if (module := module_name(other)) is not None}
        self._indexes[key] = ProjectIndex(summaries, modules, self.shown)
        return self._indexes[key]

    def called(self, key: str) -> set[str]:
        """The wrappers the other modules call (their findings are reported at those calls)."""
        return called_wrappers(result for other, result in self.results.items() if other != key)


def lint_buffer(
    source: bytes, place: Place, job: Job, modules: ProjectModules | Callable[[], ProjectModules], document: Document | None = None
) -> FileResult:
    """The findings of ``source`` as the file at ``place`` (with ``job.fix``: and its fixed bytes).

    ``modules`` may be a function loading them: it is called only when the buffer needs them
    (it imports project names, or defines a wrapper), after a first lint without them.
    ``document``: the buffer's last parse (``reparse.Document``), reused where it did not change.
    The buffer's own summary is not computed: nothing reads it (``Job.summaries``).
    """
    job = replace(job, summaries=False)
    if not isinstance(modules, ProjectModules):
        alone = _lint(source, place, job, document)
        if not _uses_project(alone, source, place.name):
            return alone
        modules = modules()
    return without_moved(_lint(source, place, job_for(job, modules, place), document), modules.called(place.key))


def job_for(job: Job, modules: ProjectModules, place: Place) -> Job:
    """``job`` with the summaries of the project's other modules (unchanged when none exports anything)."""
    index = modules.index(place.key)
    return replace(job, project=index) if index.summaries else job


def fixes(source: bytes, place: Place, job: Job, modules: ProjectModules) -> dict[str, bytes]:
    """Each fixable finding's fix applied alone to ``source``, by fingerprint (``engine.fixes_by_finding``)."""
    return engine.fixes_by_finding(source, place.name, job_for(job, modules, place), place.key)


def _lint(source: bytes, place: Place, job: Job, document: Document | None = None) -> FileResult:
    return engine.lint_read(source, None, place.name, job, place.key, document)


def _uses_project(result: FileResult, source: bytes, name: str) -> bool:
    """Whether the project's other modules may change the buffer's findings: it imports project
    names (a file the prefilter let pass: by its import lines), or holds a wrapper's inner call."""
    facts = result.facts
    if result.parsed and facts is not None:
        return bool(facts.get("needs") or facts.get("marks"))
    return not result.findings and bool(import_names(notebook.code_of(source, name)))
