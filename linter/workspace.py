"""The projects an editor has open, kept warm for the language server (``server.py``).

Each document belongs to the project ``check`` would lint it with (the nearest root above it,
``settings.Projects``). A project keeps its settings, config files, policy and rules
(``commands.project_run``) and, once a buffer needs them, its modules' summaries
(``buffer.ProjectModules``): a keystroke re-lints one buffer, nothing else. A project is rebuilt
when its ``pyproject.toml``, guardrails or stack file changes (checked by their stat before every
lint, so a change outside the editor counts too); its modules are read again after a Python
file of it is saved. Names in findings are relative to the project root.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from .buffer import Place, ProjectModules, fixes, lint_buffer
from .commands import CheckOptions, all_rules, project_run
from .config import DEFAULT_FILES
from .discovery import discover_projects
from .job import FileResult, Job
from .reparse import Document
from .settings import Projects

if TYPE_CHECKING:
    from .commands import _Project
    from .config import ConfigProblem


@dataclass
class Project:
    root: Path
    run: _Project
    stamp: tuple
    modules: ProjectModules | None = None

    def job(self) -> Job:
        return self.run.job()

    def load_modules(self, jobs: int) -> ProjectModules:
        """The project's modules on disk, read once (the result cache answers what it can)."""
        if self.modules is None:
            root = str(self.root)
            files = [path for path, owner in discover_projects([self.root], Projects()) if owner == root]
            self.modules = ProjectModules.load(files, self.job(), jobs, self.root, self.root, self.run.cache)
        return self.modules

    @property
    def problems(self) -> list[ConfigProblem]:
        return self.run.configs.problems


@dataclass(frozen=True)
class Linted:
    """One lint of a buffer: what was linted, as what, and what came out."""

    source: bytes
    place: Place
    result: FileResult
    project: Project


class Workspace:
    """The projects of the open documents. Not thread-safe: the server lints in one thread."""

    def __init__(self, jobs: int = 1) -> None:
        self.jobs = jobs
        self.projects: dict[str, Project] = {}
        self.documents: dict[Path, Document] = {}
        """The last parse of each buffer linted, reused statement by statement (``reparse``)."""
        self._roots = Projects()

    def warm(self) -> None:
        """Import the parser and the rules now, not on the first keystroke."""
        all_rules()
        from . import engine  # noqa: F401

    def project(self, path: Path) -> Project:
        """The project of the file at ``path``, rebuilt when its settings or config files changed;
        ``settings.SettingsError`` when they are unusable."""
        root = self._roots.root_for(path)
        project = self.projects.get(root)
        if project is not None:
            if project.stamp == _stamp(project.root, project.run.settings.guardrails, project.run.settings.stack):
                return project
            self._roots = Projects()  # read the settings again
        settings = self._roots.settings(root)
        run = project_run(settings, CheckOptions(paths=(Path(root),)), Path(root))
        run.job()
        project = Project(Path(root), run, _stamp(Path(root), settings.guardrails, settings.stack))
        self.projects[root] = project
        return project

    def lint(self, source: bytes, path: Path, fix: bool = False) -> Linted:
        """``source`` linted as the file at ``path`` (with ``fix``: its fixed bytes too)."""
        project = self.project(path)
        place = Place.of(path, project.root, project.root)
        job = replace(project.job(), fix=fix)
        modules = project.modules if project.modules is not None else lambda: project.load_modules(self.jobs)
        linted = lint_buffer(source, place, job, modules, self.documents.setdefault(path, Document()))
        shown = tuple(finding for finding in linted.findings if finding.suppression is None)  # a comment silenced the others
        return Linted(source, place, replace(linted, findings=shown), project)

    def fixes(self, linted: Linted) -> dict[str, bytes]:
        """Each fixable finding's own fix, by fingerprint."""
        modules = linted.project.load_modules(self.jobs)
        return fixes(linted.source, linted.place, linted.project.job(), modules)

    def kept(self) -> tuple:
        """What is kept between lints: each document's tree (by its whole parses) and each
        project's modules (``resident.Resident.settle``)."""
        documents = tuple((id(document), document.parses) for document in self.documents.values())
        return documents, tuple((id(project), id(project.modules)) for project in self.projects.values())

    def closed(self, path: Path) -> None:
        """A buffer was closed: its parse is let go."""
        self.documents.pop(path, None)

    def saved(self, path: Path) -> None:
        """A file was saved or changed on disk: a project's modules are read again (its config
        files are watched by their stat)."""
        if path.suffix in (".py", ".ipynb"):
            for project in self.projects.values():
                if project.root in path.parents:
                    project.modules = None
        elif path.name == "pyproject.toml":
            self._roots = Projects()  # a new project root, or new settings (the stamp sees the rest)


def _stamp(root: Path, guardrails: str | None, stack: str | None) -> tuple:
    """What a project's settings and config files were built from, by stat."""
    names = ("pyproject.toml", guardrails or DEFAULT_FILES["guardrails"], stack or DEFAULT_FILES["stack"])
    stamp = []
    for name in names:
        try:
            info = os.stat(root / name)
        except OSError:
            stamp.append(None)
        else:
            stamp.append((info.st_mtime_ns, info.st_size, info.st_ino))
    return tuple(stamp)

