"""``budgetlint init``: guardrails and stack files written from what the code calls."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click

from . import ruffconfig, ruffexternal, stackdetect, stdout
from .commands import EXIT_OK, EXIT_USAGE, write_output
from .config import load_file
from .inventory_command import inventory_of
from .policy import Tier
from .starter import TIER_NOTES, guardrails_text, stack_text, starter_paths, symlink_on_the_way


@dataclass(frozen=True)
class InitOptions:
    directory: Path = Path(".")
    force: bool = False
    """Overwrite existing guardrails and stack files."""
    tier: str | None = None
    """The tier to write; None: the one that applied before (the existing file's, else hard)."""
    engines: tuple[str, ...] = ()
    """``--engine``: the engines to write endpoints for, instead of those found in the code."""
    jobs: int = 1


def execute_init(options: InitOptions) -> int:
    """Write guardrails.yaml (the tier that applied before unless ``--tier``) and stack.yaml (the
    endpoints the code calls, or ``--engine``'s), and where ruff is configured in pyproject.toml,
    ``external = ["BL"]``. Refuses to overwrite without ``force``, and to write through a symbolic
    link (a committed link would make init write outside the project), as ``check`` refuses to
    read a config file that resolves outside it."""
    directory = options.directory
    paths = starter_paths(directory)
    linked = symlink_on_the_way(directory, list(paths.values()))
    if linked is not None:
        click.echo(f"budgetlint: error: {linked} is a symbolic link; init writes no file through one", err=True)
        return EXIT_USAGE
    existing = [str(path) for path in paths.values() if path.exists()]
    if existing and not options.force:
        click.echo(f"budgetlint: error: {', '.join(existing)} already exist(s); use --force to overwrite", err=True)
        return EXIT_USAGE
    tier, before = (options.tier, "chosen with --tier") if options.tier else (_previous_tier(paths["guardrails"]), "as before")
    found: list[stackdetect.Endpoint] = []
    features: list[str] = []
    if directory.is_dir():
        inventory = inventory_of((directory,), constructors=True, jobs=options.jobs)
        if isinstance(inventory, int):
            return inventory
        found = stackdetect.detect(inventory.sites())
        features = sorted({site.feature_tag_value for site in inventory.sites() if isinstance(site.feature_tag_value, str)})
    if options.engines:
        endpoints, origin = stackdetect.for_engines(list(options.engines), found), "for the engines named with --engine"
    elif found:
        endpoints, origin = found, "as `budgetlint init` found them in the code (`budgetlint inventory --all` lists the calls)"
    else:
        endpoints = stackdetect.for_engines(["vllm", "openai"], [])
        origin = "a template: no LLM call was found in the code; edit it"
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        click.echo(f"budgetlint: error: cannot create {directory}: {error.strerror}", err=True)
        return EXIT_USAGE
    if not (write_output(paths["guardrails"], guardrails_text(tier, features)) and write_output(paths["stack"], stack_text(endpoints, origin))):
        return EXIT_USAGE
    written = [paths["guardrails"], paths["stack"]]
    stdout.echo(f"wrote {paths['guardrails']}: tier {tier} ({before}): {TIER_NOTES[tier]}")
    described = ", ".join(f"{name} ({endpoint.env})" for name, endpoint in zip(stackdetect.names(endpoints), endpoints))
    stdout.echo(f"wrote {paths['stack']}: {len(endpoints)} endpoint{'s' * (len(endpoints) != 1)}, {origin}: {described}")
    pyproject = directory / "pyproject.toml"
    if pyproject.is_file() and ruffconfig.configures_ruff(pyproject):
        if pyproject.is_symlink():
            stdout.echo(f"left {pyproject} alone (a symbolic link); to keep `# noqa: BL...` from ruff, add:\n{ruffexternal.SNIPPET}")
        else:
            edit = ruffexternal.add_external(pyproject.read_bytes().decode("utf-8", "surrogateescape"))
            if edit.text is not None:
                if not write_output(pyproject, edit.text.encode("utf-8", "surrogateescape")):
                    return EXIT_USAGE
                written.append(pyproject)
            stdout.echo(f"{pyproject}: {edit.note}")
    stdout.echo(
        f"Commit {', '.join(str(path) for path in written)}: `budgetlint check` reads them from here on; "
        "the schemas come from the URL in each file's first line (`budgetlint schema guardrails` prints one for offline editors)."
    )
    return EXIT_OK


def _previous_tier(path: Path) -> str:
    """The tier of the guardrails file at ``path`` when it is valid; else hard, the built-in default policy's."""
    if path.is_file():
        document, problems = load_file(path, str(path))
        if document is not None and not problems and isinstance(document.data, dict):
            return str(document.data.get("tier", Tier.HARD.label))
    return Tier.HARD.label
