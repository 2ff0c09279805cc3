"""What each command does, given plain options; each returns an exit code or text."""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import click

from . import __version__, ruffconfig, stdout, timing
from .cache import DIRECTORY_NAME as CACHE_DIRECTORY
from .cache import CacheRefused, ResultCache, configuration_key
from .cache import location as cache_location
from .codes import ENGINE_CODES, INVALID_CONFIG, UNEXPLAINED_SUPPRESSION
from .config import ConfigProblem, LoadedConfig, cross_file, kind_of, load_configs, load_file, policy_from
from .discovery import discover_projects, display_name, display_path, root_keys, shard, shown_directory
from .finding import Finding, shown_path
from .interrupts import held_interrupts, replace_file
from .policy import Policy, Tier, run_policy, stack_endpoints
from .reporters import REPORTERS
from .reporters.text import fix_lines
from .resident import collector_paused
from .result import RunResult
from .job import FileResult, Job
from .per_file import PerFileIgnores
from .phases import lint_project
from .settings import Projects, Settings, SettingsError, is_project_root

if TYPE_CHECKING:
    from . import baseline
    from .rule import Rule

EXIT_OK, EXIT_BLOCKING, EXIT_USAGE = 0, 1, 2
CONFIG_SUFFIXES = (".yaml", ".yml")
PROGRESS_MIN_FILES = 200
"""Scans at least this long show a progress bar (on a terminal's stderr only)."""


@dataclass(frozen=True)
class CheckOptions:
    paths: tuple[Path, ...]
    output_format: str = "full"
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
    sarif_file: Path | None = None
    """Also write the run's SARIF report there."""
    baseline: Path | None = None
    """Hide the findings this baseline file lists."""
    fix: bool = False
    """Rewrite files with their fixes; the report shows what remains."""
    diff: bool = False
    """Print the fixes as a unified diff instead of a report; write nothing."""
    unsafe_fixes: bool = False
    show_fixes: bool = False
    """With ``--fix``: list what was fixed, per file and code."""
    fix_only: bool = False
    """Apply the fixes and report only what was fixed (``--fix-only``, which implies ``--fix``)."""
    exit_non_zero_on_fix: bool = False
    """Exit 1 when ``--fix`` changed a file, even if nothing blocking remains."""
    cache: bool = True
    """Reuse and record results in the cache (``--no-cache``: neither)."""
    shard: tuple[int, int] | None = None
    """``--shard K/N``: lint only the K-th (1-based) of N deterministic parts of the files found."""
    ignore_suppressions: bool = False
    """Report and block on what suppression comments silence, as if there were none."""
    stdin_filename: str | None = None
    """``check -``: lint the text on stdin as the file of this path (``-``: none named), not ``paths``."""
    extend_select: tuple[str, ...] = ()
    overrides: dict = field(default_factory=dict)
    """``--config KEY=VALUE`` settings, over every project's ``[tool.budgetlint]``."""
    cache_dir: Path | None = None
    """``--cache-dir``: where the cache goes (as ``BUDGETLINT_CACHE_DIR``, which it overrides)."""
    force_exclude: bool = False
    """Apply the configured excludes to files named on the command line too."""


def all_rules() -> tuple[type[Rule], ...]:
    # Ctrl-C waits for the import: in Python 3.11 one that cuts a class definition short surfaces
    # as a RuntimeError, or makes the process end by SIGINT after all (exec of dataclass methods).
    # No garbage collection meanwhile: what an import makes lives on, and the ~120 collections
    # while libcst, the engine and the rules load (a full one walking all of it) took 0.04-0.05 s.
    with held_interrupts(), collector_paused():
        from budgetlint.rules import ALL_RULES  # with libcst: only when a file must be linted, or to list them

    return ALL_RULES


def execute_check(options: CheckOptions) -> int:
    known: tuple[baseline.Entry, ...] | None = None
    if options.baseline is not None:
        from . import baseline  # not at import: only a run with --baseline reads one
        from .baseline import BaselineError

        try:
            known = baseline.load(options.baseline)
        except BaselineError as error:
            click.echo(f"budgetlint: error: {error}", err=True)
            return EXIT_USAGE
    run = _lint(options) if options.stdin_filename is None else _lint_stdin(options)
    if isinstance(run, int):
        return run
    if options.diff:
        return _emit_diff(run.files, options)
    result, scope = run.result, run.scope
    if options.stdin_filename is not None and options.fix:
        _emit_fixed_buffer(run)
    if options.fix_only:
        return _emit_fix_only(result, options)
    if known is not None and options.baseline is not None:
        source = display_path(options.baseline, scope.cwd)
        findings, outcome = baseline.apply(result.findings, known, source=source, checked=scope.covers)
        result = replace(result, findings=findings, baseline=outcome)
    return _emit(result, options)


def execute_baseline(options: CheckOptions, output: Path) -> int:
    """Write today's findings (except BL000/BL100, which always block) as a baseline file."""
    from . import baseline  # not at import: only this command and --baseline need it

    run = _lint(options)
    if isinstance(run, int):
        return run
    result = run.result
    if not write_output(output, baseline.dumps(result.findings)):
        return EXIT_USAGE
    recorded = len(baseline.entries(result.findings))
    stdout.echo(f"budgetlint: wrote {recorded} finding{'s' * (recorded != 1)} to {output}")
    left_out = len(result.findings) - recorded
    if left_out:
        click.echo(
            f"budgetlint: {left_out} parse or config error{'s' * (left_out != 1)} (BL000/BL100) not recorded: "
            "they always block; fix them or exclude the files",
            err=True,
        )
    return EXIT_OK


@dataclass(frozen=True)
class _Scope:
    """Where a run looked, to tell a stale baseline entry from one outside the run."""

    cwd: Path
    files: dict[str, frozenset[str]]
    """Each file linted (as baseline entries name it, ``finding.shown_path``) -> the codes that ran on it (its project's rules)."""
    codes: frozenset[str] | None
    """The codes that ran in any project; None when the rules were not loaded (the cache
    answered every file). A run with ``--baseline`` always loads them."""

    def covers(self, entry: baseline.Entry) -> bool:
        """The entry's rule ran on its file, or ran and its file no longer exists."""
        if self.codes is None:
            raise ValueError("the rules of this run were not loaded")
        if entry.path in self.files:
            return entry.code in self.files[entry.path]
        return entry.code in self.codes and not (self.cwd / entry.path).exists()


class _Run(NamedTuple):
    result: RunResult
    scope: _Scope
    files: list[FileResult]
    source: bytes | None = None
    """With ``--stdin-filename``: the buffer read from stdin."""


@dataclass
class _Project:
    """One project of a run: its settings, config files and policy (command-line options
    applied), its cache, and its job, built when one of its files must be linted."""

    settings: Settings
    configs: LoadedConfig
    policy: Policy
    selectors: tuple[tuple[str, ...], ...]
    cache: ResultCache | None
    build: Callable[[], Job]
    built: Job | None = None
    files: list[Path] = field(default_factory=list)

    def job(self) -> Job:
        """The job, with the rules loaded (libcst with them): only when a file must be linted."""
        if self.built is None:
            self.built = self.build()
        return self.built

    def codes(self) -> frozenset[str]:
        return self._codes(self.job())

    def file_codes(self) -> list[frozenset[str]]:
        """The codes that ran on each of ``files`` (their ``per-file-ignores`` taken off); none
        when the rules were not loaded (the cache answered every file)."""
        if self.built is None:
            return [frozenset()] * len(self.files)
        if not self.built.per_file_ignores.entries:
            return [self.codes()] * len(self.files)
        keys = root_keys([os.path.abspath(path) for path in self.files], os.path.realpath(self.settings.root))
        return [self._codes(self.built.for_file(key)) for key in keys]

    @staticmethod
    def _codes(job: Job) -> frozenset[str]:
        return frozenset({rule.code for rule in job.rules} | ({UNEXPLAINED_SUPPRESSION.code} if job.report_suppressions else set()))


def project_run(settings: Settings, options: CheckOptions, cwd: Path) -> _Project:
    """A project's part of the run (also the language server's, for each project it lints);
    SettingsError when a config file its settings name does not exist."""
    for name, configured in (("guardrails", settings.guardrails), ("stack", settings.stack)):
        if configured is not None and not (settings.root / configured).is_file():
            raise SettingsError(f"the {name} file {configured!r} set in {settings.source} does not exist")
    configs = load_configs(settings.root, settings.guardrails, settings.stack, cwd)
    policy = configs.policy().with_overrides(
        tier=Tier.parse(options.tier) if options.tier else None, strict=options.strict
    )
    if configs.stack is not None and not any(problem.path == configs.stack.path for problem in configs.problems):
        # The variables BL004's fix writes (config.policy_from fills only env_locations).
        policy = replace(policy, stack_endpoints=stack_endpoints(configs.stack.data))
    honour = not options.ignore_suppressions
    report_suppressions = honour and policy.tier is Tier.HARD and settings.enabled("BL900", options.select, options.ignore, options.extend_select)
    fixing = options.fix or options.diff
    file_ignores = PerFileIgnores(settings.file_ignores())
    selectors = (
        options.select, options.extend_select, options.ignore, settings.select, settings.extend_select, settings.ignore,
        tuple(code for _, codes in file_ignores.entries for code in codes),
    )
    cache = None
    if options.cache and not fixing:  # a fix run needs each file's fixed bytes, which are not cached
        try:
            directory = cache_location(settings.root, options.cache_dir, settings.cache_dir)
        except CacheRefused as refusal:
            click.echo(f"budgetlint: warning: {refusal}", err=True)
        else:
            # A directory shared by projects (BUDGETLINT_CACHE_DIR) holds an index per project: their
            # root-relative paths would collide, and each run would prune the other's entries.
            shared = None if directory == settings.root / CACHE_DIRECTORY else str(settings.root)
            key = configuration_key(__version__, policy, selectors, file_ignores, report_suppressions, options.unsafe_fixes, honour, shared)
            cache = ResultCache(directory, key, settings.root)

    def build() -> Job:
        rules = tuple(rule for rule in all_rules() if settings.enabled(rule.code, options.select, options.ignore, options.extend_select))
        every = len(rules) == len(all_rules())
        width = ruffconfig.line_length(settings.root) if fixing else None
        return Job(
            policy, rules, report_suppressions, fix=fixing, unsafe_fixes=options.unsafe_fixes, every_rule=every,
            ignore_suppressions=not honour, per_file_ignores=file_ignores, line_length=width,
        )

    return _Project(settings, configs, policy, selectors, cache, build)


class Discovered(NamedTuple):
    found: list[tuple[Path, str]]
    """The code files to lint, each with its project root."""
    projects: Projects
    settings: dict[str, Settings]
    """The settings of every project of the run (by root), those of the paths named too."""
    code_paths: list[Path]
    named_configs: list[Path]
    """YAML files named on the command line (pre-commit passes them): configs, validated by kind."""


def discover_run(options: CheckOptions) -> Discovered | int:
    """The files and projects a run over ``options.paths`` covers, or an exit code after a usage error."""
    missing = [str(path) for path in options.paths if not path.exists()]
    if missing:
        click.echo(f"budgetlint: error: no such file or directory: {', '.join(missing)}", err=True)
        return EXIT_USAGE
    named_configs = [path for path in options.paths if path.is_file() and path.suffix in CONFIG_SUFFIXES]
    code_paths = [path for path in options.paths if path not in named_configs]
    projects = Projects(options.overrides)
    try:
        found = discover_projects(code_paths, projects, force_exclude=options.force_exclude) if code_paths else []
        roots = sorted({projects.root_for(path) for path in options.paths} | {root for _, root in found})
        every = {root: projects.settings(root) for root in roots}
    except SettingsError as error:
        click.echo(f"budgetlint: error: {error}", err=True)
        return EXIT_USAGE
    return Discovered(found, projects, every, code_paths, named_configs)


@contextmanager
def _thawed_at_the_end() -> Iterator[None]:
    """What a run hid from the collector (``gc.freeze`` in ``_lint``) is handed back when it ends
    (unless something froze the heap before it: the language server keeps its own)."""
    owned = gc.get_freeze_count() == 0
    try:
        yield
    finally:
        if owned:
            gc.unfreeze()


@_thawed_at_the_end()
def _lint(options: CheckOptions) -> _Run | int:
    """Lint what ``options`` name (and apply ``--fix``): the result, its scope and each file's
    result, or an exit code after a usage error.

    Each file is checked with its own project's settings, config files and policy (the nearest
    project root above it); the command-line options apply to every project.
    """
    discovered = discover_run(options)
    if isinstance(discovered, int):
        return discovered
    found, projects, every, code_paths, named_configs = discovered
    cwd = Path.cwd().resolve()
    shown = shown_directory(str(cwd))
    try:
        with collector_paused():  # each project's cache index: ~100,000 objects that live until the run ends
            run = {root: project_run(settings, options, cwd) for root, settings in every.items()}
            if gc.get_freeze_count() == 0:
                # Hidden from the cyclic collector, with the modules and files loaded so far: its
                # young collections walked them again and again (25-40 ms of a warm run on
                # langchain-community's 2,132 files, 10-15 ms after).
                gc.freeze()
    except SettingsError as error:
        click.echo(f"budgetlint: error: {error}", err=True)
        return EXIT_USAGE
    whole: dict[str, list[Path]] = {}
    """Per project linted only in part (a shard, files named): all its files, where the modules
    its files import are found (``phases.lint_project``)."""
    if options.shard is not None:
        assign_files(run, found)
        whole = {root: project.files for root, project in run.items()}
        chosen = {path for project in run.values() for path in shard(project.files, project.settings.root, *options.shard)}
        found = [(path, root) for path, root in found if path in chosen]
    assign_files(run, found)
    files = [path for path, _ in found]
    # A typo in --select would otherwise turn every rule off and pass CI. A configuration the cache
    # knows was checked by the run that wrote its index (the key holds the selectors and the code).
    if options.baseline is not None or not files or any(p.files and (p.cache is None or not p.cache.known) for p in run.values()):
        if _refused_selectors(list(run.values()), options):
            return EXIT_USAGE
        for project in run.values():
            project.job()
    by_path: dict[Path, FileResult] = {}
    with progress_bar(len(files)) as progress:
        for root, project in run.items():
            if project.files:
                everything = whole.get(root) or project_files(root, code_paths, projects)
                # A job made only when a file must be linted would let the prefilter honour ignore-file (runner.lint_file).
                job = project.job() if options.ignore_suppressions else project.job
                linted = lint_project(project.files, job, options.jobs, cwd, project.settings.root, progress, project.cache, everything)
                by_path.update(zip(project.files, linted))
    for project in run.values():
        if project.cache is not None:
            project.cache.save()
    results = [by_path[path] for path in files]
    fixed: tuple[int, int, int] | None = None
    fixes: tuple[tuple[str, str, str, int], ...] = ()
    if options.fix and not options.diff:
        results, fixed, fixes = _write_fixes(files, results)
    policy = run_policy({display_path(root, cwd): project.policy for root, project in run.items()})
    problems = [problem for project in run.values() for problem in project.configs.problems]
    for path in named_configs:
        problems += load_file(path, display_name(str(path), str(cwd), shown))[1]
    findings = [f for result in results for f in result.findings if f.suppression is None]
    findings += config_findings(sorted(set(problems), key=lambda p: (p.path, p.line, p.column, p.message)), policy, cwd)
    suppressed = sorted((f for result in results for f in result.findings if f.suppression is not None), key=lambda f: f.sort_key())
    result = RunResult(tuple(sorted(findings, key=lambda f: f.sort_key())), len(files), policy, __version__, suppressed=tuple(suppressed))
    if fixed is not None:
        shown = fixes if options.show_fixes else ()
        result = replace(result, fixed=fixed[0], fixed_files=fixed[1], fix_errors=fixed[2], fixes=shown)
    loaded = [project for project in run.values() if project.built is not None]
    codes = frozenset().union(*(project.codes() for project in loaded)) if loaded else None
    ran = {path: codes for project in run.values() for path, codes in zip(project.files, project.file_codes())}
    file_codes = {shown_path(result.path): ran[path] for (path, _), result in zip(found, results)}
    return _Run(result, _Scope(cwd, file_codes, codes), results)


def _lint_stdin(options: CheckOptions) -> _Run | int:
    """``check - --stdin-filename PATH``: the text on stdin linted as the file at PATH (``buffer``),
    with the settings, config files and policy of PATH's project, and the summaries of its other
    modules when the text uses them. The cache keeps what it learns of those modules, never the
    buffer's result. Config problems of the project are reported, as ``check PATH`` reports them."""
    from .buffer import Place, ProjectModules, lint_buffer  # with libcst

    source = sys.stdin.buffer.read() if sys.stdin is not None else b""
    cwd = Path.cwd().resolve()
    projects = Projects()
    named = Path(options.stdin_filename or "-")
    nameless = options.stdin_filename == "-"
    root = projects.root_for(named)
    try:
        project = project_run(projects.settings(root), replace(options, fix=False, diff=False), cwd)
    except SettingsError as error:
        click.echo(f"budgetlint: error: {error}", err=True)
        return EXIT_USAGE
    if _refused_selectors([project], options):
        return EXIT_USAGE
    job = replace(project.job(), fix=options.fix or options.diff)
    place = Place(named, "-", "-") if nameless else Place.of(named, cwd, project.settings.root)

    def modules() -> ProjectModules:  # the file at PATH on disk too: the cache's record of the whole project stays valid
        files = project_files(root, [], projects) or []
        return ProjectModules.load(files, project.job(), options.jobs, cwd, project.settings.root, project.cache)

    linted = lint_buffer(source, place, job, modules)
    policy = run_policy({display_path(root, cwd): project.policy})
    problems = sorted(set(project.configs.problems), key=lambda p: (p.path, p.line, p.column, p.message))
    shown = [f for f in linted.findings if f.suppression is None]
    suppressed = tuple(f for f in linted.findings if f.suppression is not None)
    findings = sorted([*shown, *config_findings(problems, policy, cwd)], key=lambda f: f.sort_key())
    result = RunResult(tuple(findings), 1, policy, __version__, suppressed=suppressed)
    if options.fix and linted.fix is not None and linted.fix.changed:
        result = replace(result, fixed=linted.fix.applied, fixed_files=1)
    return _Run(result, _Scope(cwd, {shown_path(place.name): project.codes()}, project.codes()), [linted], source)


def _refused_selectors(projects: list[_Project], options: CheckOptions) -> bool:
    """Whether a ``--select``/``--ignore`` (or settings) code names no rule, or ignores what always
    blocks; True after saying so."""
    unknown = unknown_selectors(tuple(code for p in projects for group in p.selectors for code in group))
    if unknown:
        click.echo(f"budgetlint: error: no rule code starts with {', '.join(unknown)}; `budgetlint rules` lists them", err=True)
        return True
    always = unignorable(options.ignore + tuple(code for p in projects for code in (*p.settings.ignore, *p.selectors[-1])))
    if always:
        click.echo(
            f"budgetlint: error: {', '.join(always)} cannot be ignored: a file or config that was not checked "
            "always blocks (exclude the path, or add `# budgetlint: ignore-file -- reason` to the file)",
            err=True,
        )
        return True
    return False


def project_files(root: str, paths: list[Path], projects: Projects) -> list[Path] | None:
    """All the files of the project at ``root`` when ``paths`` name only part of it (files or
    subdirectories); None when they cover it (the run's files are then all of them), or when
    ``root`` is the working directory only because nothing above the files marks a project: its
    extent is unknown (it may be a home directory, or ``/tmp``), so it is not walked."""
    if not is_project_root(root):
        return None
    top = Path(root).resolve()
    if any(path.is_dir() and (path.resolve() == top or path.resolve() in top.parents) for path in paths):
        return None
    try:
        return [path for path, owner in discover_projects([top], projects) if owner == root]
    except SettingsError:
        return None


def assign_files(run: dict[str, _Project], found: list[tuple[Path, str]]) -> None:
    """Give each project of ``run`` its files of ``found`` (in order)."""
    for project in run.values():
        project.files = []
    for path, root in found:
        run[root].files.append(path)


@contextmanager
def progress_bar(total: int) -> Iterator[Callable[[int], None] | None]:
    """A progress bar's update function for a long scan on a terminal's stderr, else None."""
    if total >= PROGRESS_MIN_FILES and sys.stderr.isatty():
        with click.progressbar(length=total, label="Linting", file=sys.stderr) as bar:
            yield bar.update
    else:
        yield None


def _write_fixes(
    files: list[Path], results: list[FileResult]
) -> tuple[list[FileResult], tuple[int, int, int], tuple[tuple[str, str, str, int], ...]]:
    """Rewrite each file its fixes changed; a file left alone reports its findings as they were.

    Returns the results, (findings fixed, files rewritten, files that could not be fixed), and
    (path, code, rule name, count) of what was fixed in each file.
    """
    from .fix import may_rewrite, write_atomic  # with libcst

    names = {rule.code: rule.name for rule in all_rules()}
    out: list[FileResult] = []
    fixes: list[tuple[str, str, str, int]] = []
    fixed = rewritten = failed = 0
    for path, result in zip(files, results):
        outcome = result.fix
        if outcome is not None and (outcome.error or outcome.changed):
            problem = outcome.error
            if not problem and outcome.fixed is not None and may_rewrite(str(path)):
                problem = write_atomic(path, outcome.original, outcome.fixed)
            if problem:
                click.echo(f"budgetlint: error: not fixing {result.path}: {problem}", err=True)
                result = replace(result, findings=outcome.before, fix=None)
                failed += 1
            else:
                fixed, rewritten = fixed + outcome.applied, rewritten + 1
                fixes += [(result.path, code, names.get(code, ""), count) for code, count in outcome.codes]
        out.append(result)
    return out, (fixed, rewritten, failed), tuple(sorted(fixes))


def _emit_fix_only(result: RunResult, options: CheckOptions) -> int:
    """``--fix-only``: how many findings were fixed (and with ``--show-fixes``, which), nothing
    else. Exit 0, 1 with ``--exit-non-zero-on-fix`` when a file changed, or 1 when a file could
    not be fixed (its error on stderr)."""
    fixed = result.fixed or 0
    lines = fix_lines(result) if result.fixes else []
    lines.append(f"Fixed {fixed} finding{'s' * (fixed != 1)} in {result.fixed_files} file{'s' * (result.fixed_files != 1)}.")
    text = "\n".join(lines) + "\n"
    if options.output is not None:
        if not write_output(options.output, text):
            return EXIT_USAGE
    elif not options.quiet:
        stdout.echo(text, nl=False)
    return EXIT_BLOCKING if result.fix_errors or (options.exit_non_zero_on_fix and fixed) else EXIT_OK


def _emit_fixed_buffer(run: _Run) -> None:
    """``check - --fix``: the buffer, fixed (as it came when nothing applies), on stdout, as ruff
    does; the report then goes to stderr."""
    result = run.files[0]
    outcome = result.fix
    if outcome is not None and outcome.error:
        click.echo(f"budgetlint: error: not fixing {result.path}: {outcome.error}", err=True)
    fixed = outcome.fixed if outcome is not None and outcome.changed and not outcome.error else None
    stdout.echo(fixed if fixed is not None else run.source or b"", nl=False)


def _emit_diff(results: list[FileResult], options: CheckOptions) -> int:
    """``--diff``: the fixes as one unified diff; exit 1 when there is something to fix (as ruff)."""
    from .fix import unified_diff  # with libcst

    chunks: list[bytes] = []
    fixed = 0
    for result in sorted(results, key=lambda result: result.path):
        outcome = result.fix
        if outcome is None:
            continue
        if outcome.error:
            click.echo(f"budgetlint: error: not fixing {result.path}: {outcome.error}", err=True)
        elif outcome.changed and outcome.fixed is not None:
            chunks.append(unified_diff(result.path, outcome.original, outcome.fixed))
            fixed += outcome.applied
    data = b"".join(chunks)
    if options.output is not None:
        if not write_output(options.output, data):
            return EXIT_USAGE
    elif data:
        stdout.echo(data, nl=False)
    if not options.quiet:
        files = len(chunks)
        click.echo(f"Would fix {fixed} finding{'s' * (fixed != 1)} in {files} file{'s' * (files != 1)}.", err=True)
    return EXIT_OK if options.exit_zero or not chunks else EXIT_BLOCKING


def unknown_selectors(selectors: tuple[str, ...]) -> list[str]:
    """The ``--select``/``--ignore`` codes or prefixes that name no rule (``ALL`` names them all)."""
    codes = [rule.code for rule in all_rules()] + list(ENGINE_CODES)
    return sorted({s for s in selectors if s != "ALL" and not any(code.startswith(s) for code in codes)})


def unignorable(ignored: tuple[str, ...]) -> list[str]:
    """The ``--ignore`` codes or prefixes that name only codes reported at every tier (BL000, BL100)."""
    codes = [rule.code for rule in all_rules()] + list(ENGINE_CODES)
    always = {code for code, engine in ENGINE_CODES.items() if engine.tier is Tier.ALWAYS}
    return sorted({s for s in ignored if s != "ALL" and (named := {c for c in codes if c.startswith(s)}) and named <= always})


@dataclass(frozen=True)
class ValidateOptions:
    files: tuple[Path, ...]
    output_format: str = "full"
    output: Path | None = None
    exit_zero: bool = False
    quiet: bool = False
    statistics: bool = False
    color: bool = False
    sarif_file: Path | None = None


def execute_validate(options: ValidateOptions) -> int:
    """Validate guardrails/stack files (kind read from each document), cross-checking a pair."""
    missing = [str(path) for path in options.files if not path.is_file()]
    if missing:
        click.echo(f"budgetlint: error: no such file: {', '.join(missing)}", err=True)
        return EXIT_USAGE
    cwd = Path.cwd().resolve()
    problems = []
    documents: dict[str, list] = {"guardrails": [], "stack": []}
    for path in options.files:
        document, found = load_file(path, display_path(path, cwd))
        problems += found
        if document is not None and not found:
            documents[kind_of(document) or ""].append(document)
    if len(documents["guardrails"]) == 1 and len(documents["stack"]) == 1:
        problems += cross_file(documents["guardrails"][0], documents["stack"][0])
    policy = policy_from(documents["guardrails"][0].data if len(documents["guardrails"]) == 1 else None, None)
    policy = replace(policy, source=", ".join(display_path(path, cwd) for path in options.files))
    findings = tuple(sorted(config_findings(problems, policy, cwd), key=lambda f: f.sort_key()))
    return _emit(RunResult(findings, len(options.files), policy, __version__), options)


def config_findings(problems: list[ConfigProblem], policy: Policy, cwd: Path) -> list[Finding]:
    """BL100 findings for config problems, with the YAML line for the text report's caret."""
    if not problems:
        return []
    from .intake import engine_finding  # not at import: a run the cache answers reads no file

    lines_of: dict[str, list[str]] = {}
    findings = []
    for problem in problems:
        if problem.path not in lines_of:
            try:
                lines_of[problem.path] = (cwd / problem.path).read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                lines_of[problem.path] = []
        findings.append(
            engine_finding(INVALID_CONFIG, problem.path, problem.line, problem.column, problem.message, policy, lines_of[problem.path])
        )
    return findings


def _emit(result: RunResult, options: CheckOptions | ValidateOptions) -> int:
    """Print (or write) the report; to stderr when stdout carries a fixed buffer (``check - --fix``)."""
    with timing.phase("report"):
        return _report(result, options)


def _report(result: RunResult, options: CheckOptions | ValidateOptions) -> int:
    result = replace(result, exit_zero=options.exit_zero)
    reporter = REPORTERS[options.output_format](color=options.color, quiet=options.quiet, statistics=options.statistics)
    text = reporter.render(result)
    if options.sarif_file is not None:  # the same run, also as SARIF for code scanning
        sarif = REPORTERS["sarif"](statistics=options.statistics).render(result)
        if not write_output(options.sarif_file, sarif):
            return EXIT_USAGE
    if options.output is not None:
        if not write_output(options.output, text):
            return EXIT_USAGE
    elif isinstance(options, CheckOptions) and options.stdin_filename is not None and options.fix:
        click.echo(text, nl=False, color=options.color, err=True)
    else:
        stdout.echo(text, nl=False, color=options.color)
    if isinstance(options, CheckOptions) and options.exit_non_zero_on_fix and result.fixed:
        return EXIT_BLOCKING  # as ruff: a run that changed files fails, so CI shows the change
    return result.exit_code()


def write_output(path: Path, text: str | bytes) -> bool:
    """Write a report atomically (an interrupted run leaves the previous file or none); False
    after telling why it could not."""
    try:
        replace_file(path, text.encode("utf-8") if isinstance(text, str) else text)
    except OSError as error:
        click.echo(f"budgetlint: error: cannot write {path}: {error.strerror}", err=True)
        return False
    return True
