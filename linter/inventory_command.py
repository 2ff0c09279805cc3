"""``budgetlint inventory``: the LLM call sites of a tree, linted in two phases as ``check`` does."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click

from . import __version__, stdout
from .commands import (
    CONFIG_SUFFIXES,
    EXIT_OK,
    EXIT_USAGE,
    CheckOptions,
    assign_files,
    progress_bar,
    project_files,
    project_run,
    write_output,
)
from .discovery import discover_projects
from .finding import shown_path
from .inventory_report import FORMATS as INVENTORY_FORMATS
from .inventory_report import FileSites, Inventory
from .job import FileResult, Job
from .phases import lint_project
from .settings import Projects, SettingsError


@dataclass(frozen=True)
class InventoryOptions:
    paths: tuple[Path, ...]
    output_format: str = "text"
    output: Path | None = None
    constructors: bool = False
    """``--all``: also list client, model and parameter-object constructors."""
    jobs: int = 1


def execute_inventory(options: InventoryOptions) -> int:
    """List the call sites under ``options.paths``. Exit 0, or 2 after a usage error."""
    inventory = inventory_of(options.paths, options.constructors, options.jobs)
    if isinstance(inventory, int):
        return inventory
    text = INVENTORY_FORMATS[options.output_format](inventory)
    if options.output is not None:
        return EXIT_OK if write_output(options.output, text) else EXIT_USAGE
    stdout.echo(text, nl=False)
    return EXIT_OK


def inventory_of(paths: tuple[Path, ...], constructors: bool, jobs: int) -> Inventory | int:
    """The call sites under ``paths``: each project's files linted in two phases as ``check``
    lints them (its own settings and stack file), with no rule and no cache, each file's result
    carrying its sites; or an exit code after a usage error."""
    missing = [str(path) for path in paths if not path.exists()]
    if missing:
        click.echo(f"budgetlint: error: no such file or directory: {', '.join(missing)}", err=True)
        return EXIT_USAGE
    cwd = Path.cwd().resolve()
    code_paths = [path for path in paths if not (path.is_file() and path.suffix in CONFIG_SUFFIXES)]
    projects = Projects()
    try:
        found = discover_projects(code_paths, projects) if code_paths else []
        plain = CheckOptions(paths=paths, cache=False)
        run = {root: project_run(projects.settings(root), plain, cwd) for root in sorted({root for _, root in found})}
    except SettingsError as error:
        click.echo(f"budgetlint: error: {error}", err=True)
        return EXIT_USAGE
    assign_files(run, found)
    by_path: dict[Path, FileResult] = {}
    with progress_bar(len(found)) as progress:
        for root, project in run.items():
            if not project.files:
                continue
            job = Job(project.policy, (), report_suppressions=False, describe=True)
            everything = project_files(root, code_paths, projects)
            linted = lint_project(project.files, job, jobs, cwd, project.settings.root, progress, None, everything)
            by_path.update(zip(project.files, linted))
    inventory = Inventory(__version__, tuple(FileSites.of(by_path[path], constructors) for path, _ in found))
    for path, problem in inventory.skipped():
        click.echo(f"budgetlint: warning: skipped {shown_path(path)}: {problem}", err=True)
    return inventory
