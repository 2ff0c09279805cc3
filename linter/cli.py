"""The command line (click only): parse arguments, hand a plain options object to a command."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

import click
from click.core import ParameterSource

from . import __version__
from . import stdout
from .commands import EXIT_USAGE, CheckOptions, ValidateOptions, execute_baseline, execute_check, execute_validate
from .inventory_report import FORMATS as INVENTORY_FORMATS
from .config import KINDS, schema
from .guardrail_keys import explain_keys
from .interrupts import EXIT_INTERRUPTED
from .policy import TIER_NAMES
from .reporters import DEFAULT_FORMAT, REPORTERS, TEXT_FORMATS
from .settings import parse_override
from .stdout import StdoutError


class _Group(click.Group):
    """Ctrl-C ends a command with one line on stderr and exit code 130, not a traceback (nor
    click's "Aborted!" and exit code 1); so does a closed or full stdout, with exit code 2."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("budgetlint: interrupted", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except StdoutError as error:
            click.echo(f"budgetlint: error: cannot write to stdout: {error}", err=True)
            ctx.exit(EXIT_USAGE)


def _format_options(command: Callable[..., None]) -> Callable[..., None]:
    """``--format`` (default from ``BUDGETLINT_OUTPUT_FORMAT``) and ruff's spelling, ``--output-format``."""
    command = click.option(
        "--output-format", "output_format_alias", type=click.Choice(sorted(REPORTERS)), default=None,
        help="The same as --format (ruff's name for it).",
    )(command)
    return click.option(
        "--format", "output_format", type=click.Choice(sorted(REPORTERS)), default=DEFAULT_FORMAT, show_default=True,
        envvar="BUDGETLINT_OUTPUT_FORMAT", show_envvar=True,
        help="The report: full (alias text) or concise for people; json, json-lines, sarif; github, gitlab, azure, "
             "junit, rdjson (reviewdog) or pylint for CI systems and other tools.",
    )(command)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="budgetlint")
def main() -> None:
    """Lint Python code that calls LLMs: bounded outputs, metered features,
    configurable endpoints, logged escalations."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@_format_options
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write the report to FILE.")
@click.option("--tier", type=click.Choice(TIER_NAMES), help="Override the guardrails tier.")
@click.option("--select", multiple=True, callback=lambda ctx, param, value: _codes(value),
              help="Only these codes or prefixes (repeatable, comma-separated).")
@click.option("--extend-select", multiple=True, callback=lambda ctx, param, value: _codes(value),
              help="Also these codes or prefixes, on top of the selection (repeatable, comma-separated).")
@click.option("--ignore", multiple=True, callback=lambda ctx, param, value: _codes(value),
              help="Skip these codes or prefixes (repeatable, comma-separated).")
@click.option("--config", "overrides", multiple=True, metavar="KEY=VALUE", callback=lambda ctx, param, value: _overrides(value),
              help="Override a [tool.budgetlint] setting for every project, in TOML: --config 'extend-exclude = [\"gen/\"]' (repeatable).")
@click.option("--strict", is_flag=True, help="Also flag limits and endpoints that cannot be resolved statically.")
@click.option("--exit-zero", is_flag=True, help="Report, but always exit 0.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Parallel workers [default: CPU count].")
@click.option("--statistics", is_flag=True, help="Print counts per rule.")
@click.option("--quiet", "-q", is_flag=True, help="Only blocking findings, no source lines or summary.")
@click.option("--sarif-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the run's SARIF report to FILE (for code scanning).")
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Hide the findings listed in FILE (written by `budgetlint baseline`).")
@click.option("--fix", is_flag=True, help="Apply safe fixes (BL001, BL004, BL901) to the files; report what remains.")
@click.option("--diff", is_flag=True,
              help="Print the fixes as a unified diff instead of a report (so no --format, --sarif-file, --baseline "
                   "or --statistics); write nothing. Exit 1 when there are fixes.")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply (and count as fixable) fixes marked unsafe.")
@click.option("--ignore-suppressions", is_flag=True,
              help="Report (and block on) findings suppression comments silence, as if there were none.")
@click.option("--show-fixes", is_flag=True, help="With --fix: list what was fixed, per file and code.")
@click.option("--fix-only", is_flag=True,
              help="Apply fixes and report only how many (no findings); exit 0 unless a fix could not be written.")
@click.option("--exit-non-zero-on-fix", is_flag=True, help="With --fix: exit 1 when a file was changed, even if nothing blocks.")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
              help="Colour the text report; auto: on a terminal unless NO_COLOR is set (not empty).")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the result cache (.budgetlint_cache/).")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Keep the result cache in DIR [default: .budgetlint_cache at each project root; env: BUDGETLINT_CACHE_DIR].")
@click.option("--shard", metavar="K/N", callback=lambda ctx, param, value: _shard(value),
              help="Lint only the K-th of N parts of the files found (a CI matrix job each).")
@click.option("--stdin-filename", metavar="PATH",
              help="With the path `-`: lint the text on stdin as the file at PATH (its project's settings, guardrails "
                   "and stack); --fix prints the fixed text, --diff a patch.")
@click.option("--show-files", is_flag=True, help="Print the files the run would lint, one per line, and exit 0.")
@click.option("--show-settings", is_flag=True, help="Print each project's resolved settings (and where each is set), and exit 0.")
@click.option("--force-exclude", is_flag=True,
              help="Apply the configured excludes to files named on the command line too (pre-commit passes them).")
def check(paths: tuple[Path, ...], output_format: str, output_format_alias: str | None, output: Path | None,
          tier: str | None, select: tuple[str, ...], extend_select: tuple[str, ...], ignore: tuple[str, ...],
          overrides: dict, strict: bool, exit_zero: bool, jobs: int | None, statistics: bool, quiet: bool,
          sarif_file: Path | None, baseline_file: Path | None, fix: bool, diff: bool, unsafe_fixes: bool,
          show_fixes: bool, fix_only: bool, exit_non_zero_on_fix: bool, color: str, no_cache: bool,
          cache_dir: Path | None, shard: tuple[int, int] | None, ignore_suppressions: bool, stdin_filename: str | None,
          show_files: bool, show_settings: bool, force_exclude: bool) -> None:
    """Lint code under PATHS (default: .) and exit by the tier policy; `-` reads the code from stdin."""
    output_format, explicit = _chosen_format(output_format, output_format_alias)
    stdin = _stdin_mode(paths, stdin_filename, shard)
    if diff:
        _refuse_report_options(output_format if explicit else DEFAULT_FORMAT, sarif_file, baseline_file, statistics)
    elif fix_only:
        _refuse_report_options(
            output_format if explicit else DEFAULT_FORMAT, sarif_file, baseline_file, statistics, "--fix-only reports only what it fixed"
        )
    options = CheckOptions(
        paths=tuple(paths) or (Path("."),),
        output_format=output_format,
        output=output,
        tier=tier,
        select=select,
        ignore=ignore,
        strict=strict,
        exit_zero=exit_zero,
        jobs=jobs or default_jobs(),
        statistics=statistics,
        quiet=quiet,
        color=_use_color(color, output),
        sarif_file=sarif_file,
        baseline=baseline_file,
        fix=fix or fix_only,
        diff=diff,
        unsafe_fixes=unsafe_fixes,
        show_fixes=show_fixes,
        fix_only=fix_only and not diff,
        exit_non_zero_on_fix=exit_non_zero_on_fix,
        cache=not no_cache,
        shard=shard,
        ignore_suppressions=ignore_suppressions,
        stdin_filename=stdin,
        extend_select=extend_select,
        overrides=overrides,
        cache_dir=cache_dir,
        force_exclude=force_exclude,
    )
    if show_files or show_settings:
        from .show import execute_show_files, execute_show_settings

        sys.exit(execute_show_settings(options) if show_settings else execute_show_files(options))
    sys.exit(execute_check(options))


@main.command(name="baseline")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Write the baseline to FILE.")
@click.option("--tier", type=click.Choice(TIER_NAMES), help="Override the guardrails tier.")
@click.option("--select", multiple=True, callback=lambda ctx, param, value: _codes(value),
              help="Only these codes or prefixes (repeatable, comma-separated).")
@click.option("--ignore", multiple=True, callback=lambda ctx, param, value: _codes(value),
              help="Skip these codes or prefixes (repeatable, comma-separated).")
@click.option("--extend-select", multiple=True, callback=lambda ctx, param, value: _codes(value),
              help="Also these codes or prefixes, on top of the selection (repeatable, comma-separated).")
@click.option("--config", "overrides", multiple=True, metavar="KEY=VALUE", callback=lambda ctx, param, value: _overrides(value),
              help="Override a [tool.budgetlint] setting for every project, in TOML (repeatable).")
@click.option("--strict", is_flag=True, help="Also flag limits and endpoints that cannot be resolved statically.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Parallel workers [default: CPU count].")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the result cache (.budgetlint_cache/).")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), help="Keep the result cache in DIR.")
def baseline_command(paths: tuple[Path, ...], output: Path, tier: str | None, select: tuple[str, ...],
                     ignore: tuple[str, ...], extend_select: tuple[str, ...], overrides: dict, strict: bool,
                     jobs: int | None, no_cache: bool, cache_dir: Path | None) -> None:
    """Record today's findings under PATHS (default: .) so `check --baseline` reports only new ones."""
    options = CheckOptions(
        paths=tuple(paths) or (Path("."),),
        tier=tier,
        select=select,
        ignore=ignore,
        strict=strict,
        jobs=jobs or default_jobs(),
        cache=not no_cache,
        extend_select=extend_select,
        overrides=overrides,
        cache_dir=cache_dir,
    )
    sys.exit(execute_baseline(options, output))


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(sorted(INVENTORY_FORMATS)), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write the inventory to FILE.")
@click.option("--all", "constructors", is_flag=True, help="Also list client, model and parameter-object constructors.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Parallel workers [default: CPU count].")
def inventory(paths: tuple[Path, ...], output_format: str, output: Path | None, constructors: bool, jobs: int | None) -> None:
    """List the LLM call sites budgetlint recognises under PATHS (default: .), for review."""
    from .inventory_command import InventoryOptions, execute_inventory

    options = InventoryOptions(
        paths=tuple(paths) or (Path("."),), output_format=output_format, output=output, constructors=constructors,
        jobs=jobs or default_jobs(),
    )
    sys.exit(execute_inventory(options))


@main.command()
def rules() -> None:
    """List the rules with their tier and fixability."""
    from .rules_text import rules_table

    stdout.echo(rules_table())


@main.command()
@click.argument("code")
def explain(code: str) -> None:
    """Print one rule's documentation (e.g. BL001 or unbounded-max-tokens)."""
    from .rules_text import explain_text

    text = explain_text(code)
    if text is None:
        raise click.UsageError(f"unknown rule {code!r}; `budgetlint rules` lists them")
    stdout.echo(text)


@main.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@_format_options
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write the report to FILE.")
@click.option("--exit-zero", is_flag=True, help="Report, but always exit 0.")
@click.option("--quiet", "-q", is_flag=True, help="No source lines or summary.")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
              help="Colour the text report; auto: on a terminal unless NO_COLOR is set (not empty).")
@click.option("--explain", is_flag=True, help="List which guardrail keys budgetlint enforces and which are runtime policy only.")
def validate(files: tuple[Path, ...], output_format: str, output_format_alias: str | None, output: Path | None,
             exit_zero: bool, quiet: bool, color: str, explain: bool) -> None:
    """Validate guardrails and stack YAML FILES (the kind is read from each document)."""
    output_format, _ = _chosen_format(output_format, output_format_alias)
    if explain:
        stdout.echo(explain_keys(), nl=False)
        if not files:
            sys.exit(0)
    elif not files:
        raise click.UsageError("Missing argument 'FILES...'.")
    options = ValidateOptions(
        files=files,
        output_format=output_format,
        output=output,
        exit_zero=exit_zero,
        quiet=quiet,
        color=_use_color(color, output),
    )
    sys.exit(execute_validate(options))


@main.command()
@click.option("--directory", "-d", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True)
@click.option("--force", is_flag=True, help="Overwrite existing files.")
@click.option("--tier", type=click.Choice(TIER_NAMES), help="The tier to write [default: the one that applied before, hard without a guardrails file].")
@click.option("--engine", "engines", multiple=True, callback=lambda ctx, param, value: _engines(value),
              help="Write endpoints for these engines (comma-separated, e.g. ollama,vllm) instead of those found in the code.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Parallel workers [default: CPU count].")
def init(directory: Path, force: bool, tier: str | None, engines: tuple[str, ...], jobs: int | None) -> None:
    """Write guardrails.yaml and a stack.yaml of the endpoints the code under --directory calls."""
    from .init_command import InitOptions, execute_init

    sys.exit(execute_init(InitOptions(directory, force, tier, engines, jobs or default_jobs())))


@main.command()
def server() -> None:
    """Run the language server on stdin/stdout, for editors (needs `pip install 'budgetlint[server]'`)."""
    try:
        from .server import serve
    except ImportError as error:
        missing = (error.name or "").split(".")[0]
        if missing not in SERVER_DEPENDENCIES:
            raise
        click.echo(f"budgetlint: error: the language server needs {missing}: pip install 'budgetlint[server]'", err=True)
        sys.exit(EXIT_USAGE)
    serve()


SERVER_DEPENDENCIES = ("pygls", "lsprotocol")
"""What ``pip install 'budgetlint[server]'`` adds."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Also remove this cache directory (when budgetlint created it).")
def clean(paths: tuple[Path, ...], cache_dir: Path | None) -> None:
    """Remove budgetlint's result caches under PATHS (default: .): only directories it created."""
    from .clean import execute_clean

    sys.exit(execute_clean(tuple(paths) or (Path("."),), cache_dir))


@main.command(name="schema")
@click.argument("kind", type=click.Choice(sorted(KINDS.values())))
def schema_command(kind: str) -> None:
    """Print the JSON Schema of a config file kind, for editors and other tools."""
    stdout.echo(json.dumps(schema(kind), indent=2))


def _use_color(choice: str, output: Path | None) -> bool:
    if choice != "auto":
        return choice == "always"
    return output is None and sys.stdout is not None and sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _chosen_format(output_format: str, alias: str | None) -> tuple[str, bool]:
    """The format asked for, and whether it was asked on the command line (not by
    ``BUDGETLINT_OUTPUT_FORMAT`` or the default). ``--format`` and ``--output-format`` are one
    option: given both, they must agree."""
    context = click.get_current_context()
    explicit = context.get_parameter_source("output_format") is ParameterSource.COMMANDLINE
    if alias is None:
        return output_format, explicit
    if explicit and REPORTERS[output_format] is not REPORTERS[alias]:
        raise click.UsageError(f"--format {output_format} and --output-format {alias} disagree: give one of them")
    return alias, True


def _refuse_report_options(
    output_format: str,
    sarif_file: Path | None,
    baseline_file: Path | None,
    statistics: bool,
    why: str = "--diff prints the fixes as a patch, not a report",
) -> None:
    """``--diff`` prints a patch (``--fix-only`` a count), not a report: options that shape a report would be ignored."""
    given = [
        name
        for name, value in (("--format", output_format not in TEXT_FORMATS), ("--sarif-file", sarif_file), ("--baseline", baseline_file), ("--statistics", statistics))
        if value
    ]
    if given:
        raise click.UsageError(f"{why}: it does not take {', '.join(given)}")


def _engines(values: tuple[str, ...]) -> tuple[str, ...]:
    """``--engine``: stack engine names (the stack schema's ``engine`` values), comma-separated or repeated."""
    known = schema("stack")["$defs"]["endpoint"]["properties"]["engine"]["enum"]
    engines = tuple(dict.fromkeys(name.strip().lower() for value in values for name in value.split(",") if name.strip()))
    unknown = [name for name in engines if name not in known]
    if unknown:
        raise click.BadParameter(f"unknown engine {', '.join(unknown)}; one of {', '.join(known)}")
    return engines


STDIN = Path("-")


def _stdin_mode(paths: tuple[Path, ...], stdin_filename: str | None, shard: tuple[int, int] | None) -> str | None:
    """The name the text on stdin is linted as (``-`` when none is given, as ruff names it), or
    None when the paths are files and directories. ``--stdin-filename`` alone reads stdin too."""
    if STDIN not in paths:
        if stdin_filename is None:
            return None
        if paths:
            raise click.UsageError("--stdin-filename names the text read from stdin: it takes the path `-` or none")
    if len(paths) > 1:
        raise click.UsageError("`-` (the text on stdin) cannot be combined with other paths")
    if shard is not None:
        raise click.UsageError("--shard splits the files found; with `-` there is one buffer")
    if stdin_filename is not None and not stdin_filename.strip():
        raise click.BadParameter("an empty path", param_hint="'--stdin-filename'")
    return stdin_filename or "-"


def _codes(values: tuple[str, ...]) -> tuple[str, ...]:
    """The codes or prefixes of ``--select``/``--ignore``; an empty one (a stray comma) is an error:
    every code starts with it, so it would select or ignore every rule."""
    codes = tuple(code.strip().upper() for value in values for code in value.split(","))
    if "" in codes:
        raise click.BadParameter("an empty code or prefix would match every rule; name codes such as BL001")
    return codes


def _overrides(values: tuple[str, ...]) -> dict:
    """The ``--config KEY = VALUE`` settings (TOML, as ruff takes them), the last of a key winning."""
    table: dict = {}
    for value in values:
        try:
            table.update(parse_override(value))
        except ValueError as error:
            hint = ""
            if "=" not in value and Path(value).is_file():
                hint = " (budgetlint reads each file's nearest pyproject.toml; --config takes settings, not a file)"
            raise click.BadParameter(f"{value!r}: {error}{hint}", param_hint="'--config'") from None
    return table


def default_jobs() -> int:
    """The CPUs this process may run on (a container's or ``taskset``'s share), else the CPU count."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def _shard(value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    match = re.fullmatch(r"([0-9]{1,9})/([0-9]{1,9})", value)  # ASCII digits: int() takes others too
    if not (match and 1 <= int(match[1]) <= int(match[2])):
        raise click.BadParameter(f"{value!r} is not K/N with 1 <= K <= N (e.g. 2/4)", param_hint="'--shard'")
    return int(match[1]), int(match[2])
