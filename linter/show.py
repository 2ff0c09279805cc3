"""``check --show-files`` and ``--show-settings``: what a run would lint, and with which settings."""

from __future__ import annotations

import json
from pathlib import Path

from . import stdout
from .cache import CacheRefused
from .cache import location as cache_location
from .commands import EXIT_OK, CheckOptions, all_rules, discover_run
from .config import DEFAULT_FILES
from .discovery import display_name, display_path, shard, shown_directory
from .settings import OVERRIDE, Settings


def execute_show_files(options: CheckOptions) -> int:
    """Print the files the run would lint (after ``--shard``), one per line, as reports name them."""
    discovered = discover_run(options)
    if isinstance(discovered, int):
        return discovered
    files = [path for path, _ in discovered.found]
    if options.shard is not None:
        chosen = set()
        for root in {root for _, root in discovered.found}:
            chosen.update(shard([path for path, owner in discovered.found if owner == root], Path(root), *options.shard))
        files = [path for path in files if path in chosen]
    cwd = str(Path.cwd().resolve())
    shown = shown_directory(cwd)
    for path in [*files, *discovered.named_configs]:
        stdout.echo(display_name(str(path), cwd, shown))
    return EXIT_OK


def execute_show_settings(options: CheckOptions) -> int:
    """Print each project's resolved settings: the file they come from, every key with its value
    and where it was set (the file, ``--config``, or the default)."""
    discovered = discover_run(options)
    if isinstance(discovered, int):
        return discovered
    cwd = Path.cwd().resolve()
    blocks = [_settings_text(settings, options, cwd) for settings in discovered.settings.values()]
    stdout.echo("\n".join(blocks), nl=False)
    return EXIT_OK


def _settings_text(settings: Settings, options: CheckOptions, cwd: Path) -> str:
    source = display_path(settings.source, cwd) if settings.source is not None else "none (no pyproject.toml: the defaults)"
    lines = [f"# project root: {display_path(settings.root, cwd)}", f"# settings file: {source}"]
    values: list[tuple[str, object]] = [
        ("exclude", settings.exclude),
        ("extend-exclude", settings.extend_exclude),
        ("respect-gitignore", settings.respect_gitignore),
        ("select", settings.select),
        ("extend-select", settings.extend_select),
        ("ignore", settings.ignore),
        ("per-file-ignores", dict(settings.per_file_ignores)),
        ("extend-per-file-ignores", dict(settings.extend_per_file_ignores)),
        ("guardrails", settings.guardrails or DEFAULT_FILES["guardrails"]),
        ("stack", settings.stack or DEFAULT_FILES["stack"]),
        ("cache-dir", settings.cache_dir or ".budgetlint_cache"),
    ]
    for key, value in values:
        origin = settings.origins.get(key)
        where = "--config" if origin == OVERRIDE else display_path(origin, cwd) if origin else "default"
        lines.append(f"{key} = {_toml(value)}  # {where}")
    for name in ("guardrails", "stack"):
        path = settings.root / (getattr(settings, name) or DEFAULT_FILES[name])
        lines.append(f"# {name} file: {display_path(path, cwd) if path.is_file() else 'absent'}")
    try:
        cache = display_path(cache_location(settings.root, options.cache_dir, settings.cache_dir), cwd)
    except CacheRefused as refusal:
        cache = f"none ({refusal})"
    lines.append(f"# cache directory: {cache if options.cache else 'none (--no-cache)'}")
    command_line = [
        (flag, value) for flag, value in (("--select", options.select), ("--extend-select", options.extend_select), ("--ignore", options.ignore)) if value
    ]
    if command_line:
        lines.append("# command line: " + " ".join(f"{flag} {','.join(value)}" for flag, value in command_line))
    rules = [rule.code for rule in all_rules() if settings.enabled(rule.code, options.select, options.ignore, options.extend_select)]
    lines.append(f"# rules that run: {', '.join(rules) or 'none'} (before per-file-ignores)")
    return "\n".join(lines) + "\n"


def _toml(value: object) -> str:
    """``value`` as TOML: a string, a boolean, a list of strings, or a table of patterns to codes."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(pattern)} = {_toml(codes)}" for pattern, codes in value.items()) + "}"
    if isinstance(value, tuple):
        return "[" + ", ".join(json.dumps(item) for item in value) + "]"
    return json.dumps(value)
