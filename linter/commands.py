"""What each command does, given plain options; each returns an exit code or text."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import click

from . import __version__
from .codes import ENGINE_CODES
from .discovery import discover
from .engine import Job, lint_paths
from .policy import DEFAULT_POLICY, Tier
from .reporters import REPORTERS
from .result import RunResult
from .rule import Rule
from .settings import SettingsError, load_settings

EXIT_OK, EXIT_BLOCKING, EXIT_USAGE = 0, 1, 2


@dataclass(frozen=True)
class CheckOptions:
    paths: tuple[Path, ...]
    output_format: str = "text"
    output: Path | None = None
    tier: str | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    strict: bool = False
    exit_zero: bool = False
    jobs: int = 1
    statistics: bool = False
    quiet: bool = False
    color: bool = False


def all_rules() -> tuple[type[Rule], ...]:
    from budgetlint.rules import ALL_RULES

    return ALL_RULES


def execute_check(options: CheckOptions) -> int:
    missing = [str(path) for path in options.paths if not path.exists()]
    if missing:
        click.echo(f"budgetlint: error: no such file or directory: {', '.join(missing)}", err=True)
        return EXIT_USAGE
    try:
        settings = load_settings(list(options.paths))
    except SettingsError as error:
        click.echo(f"budgetlint: error: {error}", err=True)
        return EXIT_USAGE
    policy = DEFAULT_POLICY.with_overrides(
        tier=Tier.parse(options.tier) if options.tier else None, strict=options.strict
    )
    rules = tuple(rule for rule in all_rules() if settings.enabled(rule.code, options.select, options.ignore))
    job = Job(
        policy=policy,
        rules=rules,
        report_suppressions=policy.tier is Tier.HARD and settings.enabled("BL900", options.select, options.ignore),
    )
    files = discover(list(options.paths), settings.root, settings.exclude + settings.extend_exclude)
    results = lint_paths(files, job, options.jobs, Path.cwd().resolve())
    findings = sorted((f for result in results for f in result.findings), key=lambda f: f.sort_key())
    result = RunResult(tuple(findings), len(files), policy, __version__)
    reporter = REPORTERS[options.output_format](color=options.color, quiet=options.quiet, statistics=options.statistics)
    text = reporter.render(result)
    if options.output is not None:
        try:
            options.output.write_text(text, encoding="utf-8")
        except OSError as error:
            click.echo(f"budgetlint: error: cannot write {options.output}: {error.strerror}", err=True)
            return EXIT_USAGE
    else:
        click.echo(text, nl=False, color=options.color)
    return result.exit_code(options.exit_zero)


def rules_table() -> str:
    rows = [("code", "name", "blocks from", "fixable", "what it flags")]
    for rule in all_rules():
        rows.append((rule.code, rule.name, rule.tier.label, "yes" if rule.fixable else "no", rule.summary))
    for code in ENGINE_CODES.values():
        rows.append((code.code, code.name, "always" if code.tier is Tier.ALWAYS else code.tier.label, "no", code.summary))
    rows[1:] = sorted(rows[1:])
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return "\n".join("  ".join(cell.ljust(widths[i]) if i < 4 else cell for i, cell in enumerate(row)).rstrip() for row in rows)


def explain_text(code: str) -> str | None:
    wanted = code.strip()
    for rule in all_rules():
        if wanted.upper() == rule.code or wanted.lower() == rule.name:
            header = f"# {rule.code} {rule.name}\n\nBlocks from tier: {rule.tier.label}. Fixable: {'yes' if rule.fixable else 'no'}.\n"
            return f"{header}\n{rule.documentation()}\n"
    for engine_code in ENGINE_CODES.values():
        if wanted.upper() == engine_code.code or wanted.lower() == engine_code.name:
            tier = "always" if engine_code.tier is Tier.ALWAYS else engine_code.tier.label
            return f"# {engine_code.code} {engine_code.name}\n\nBlocks from tier: {tier}.\n{engine_code.documentation}"
    return None
