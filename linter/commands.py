"""What each command does, given plain options; each returns an exit code or text."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import click

from . import __version__, baseline, stdout, timing
from .baseline import BaselineError
from .cache import DIRECTORY_NAME as CACHE_DIRECTORY
from .cache import CacheRefused, ResultCache, configuration_key
from .cache import location as cache_location
from .codes import ENGINE_CODES, INVALID_CONFIG, UNEXPLAINED_SUPPRESSION
from .config import ConfigProblem, LoadedConfig, cross_file, kind_of, load_configs, load_file, policy_from
from .discovery import discover_projects, display_name, display_path, shard, shown_directory
from .finding import Finding, shown_path
from .intake import engine_finding
from .interrupts import held_interrupts, replace_file
from .inventory_report import FORMATS as INVENTORY_FORMATS
from .inventory_report import FileSites, Inventory
from .policy import Policy, Tier, run_policy, stack_endpoints
from .reporters import REPORTERS
from .result import RunResult
from .job import FileResult, Job
from .phases import lint_project
from .settings import Projects, Settings, SettingsError
from .starter import SCHEMA_DIR, starter_files, symlink_on_the_way

if TYPE_CHECKING:
    from .rule import Rule

EXIT_OK, EXIT_BLOCKING, EXIT_USAGE = 0, 1, 2
CONFIG_SUFFIXES = (".yaml", ".yml")
PROGRESS_MIN_FILES = 200
"""Scans at least this long show a progress bar (on a terminal's stderr only)."""


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
    sarif_file: Path | None = None
    """Also write the run's SARIF report there."""
    baseline: Path | None = None
    """Hide the findings this baseline file lists."""
    fix: bool = False
    """Rewrite files with their fixes; the report shows what remains."""
    diff: bool = False
    """Print the fixes as a unified diff instead of a report; write nothing."""
    unsafe_fixes: bool = False
    cache: bool = True
    """Reuse and record results in the cache (``--no-cache``: neither)."""
    shard: tuple[int, int] | None = None
    """``--shard K/N``: lint only the K-th (1-based) of N deterministic parts of the files found."""


def all_rules() -> tuple[type[Rule], ...]:
    # Ctrl-C waits for the import: in Python 3.11 one that cuts a class definition short surfaces
    # as a RuntimeError, or makes the process end by SIGINT after all (exec of dataclass methods).
    with held_interrupts():
        from budgetlint.rules import ALL_RULES  # with libcst: only when a file must be linted, or to list them

    return ALL_RULES


def execute_check(options: CheckOptions) -> int:
    known: tuple[baseline.Entry, ...] | None = None
    if options.baseline is not None:
        try:
            known = baseline.load(options.baseline)
        except BaselineError as error:
            click.echo(f"budgetlint: error: {error}", err=True)
            return EXIT_USAGE
    run = _lint(options)
    if isinstance(run, int):
        return run
    if options.diff:
        return _emit_diff(run.files, options)
    result, scope = run.result, run.scope
    if known is not None and options.baseline is not None:
        source = display_path(options.baseline, scope.cwd)
        findings, outcome = baseline.apply(result.findings, known, source=source, checked=scope.covers)
        result = replace(result, findings=findings, baseline=outcome)
    return _emit(result, options)


def execute_baseline(options: CheckOptions, output: Path) -> int:
    """Write today's findings (except BL000/BL100, which always block) as a baseline file."""
    run = _lint(options)
    if isinstance(run, int):
        return run
    result = run.result
    if not _write(output, baseline.dumps(result.findings)):
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
        job = self.job()
        return frozenset({rule.code for rule in job.rules} | ({UNEXPLAINED_SUPPRESSION.code} if job.report_suppressions else set()))


def _project(settings: Settings, options: CheckOptions, cwd: Path) -> _Project | int:
    """A project's part of the run, or an exit code after a usage error in its settings."""
    for name, configured in (("guardrails", settings.guardrails), ("stack", settings.stack)):
        if configured is not None and not (settings.root / configured).is_file():
            click.echo(f"budgetlint: error: the {name} file {configured!r} set in {settings.source} does not exist", err=True)
            return EXIT_USAGE
    configs = load_configs(settings.root, settings.guardrails, settings.stack, cwd)
    policy = configs.policy().with_overrides(
        tier=Tier.parse(options.tier) if options.tier else None, strict=options.strict
    )
    if configs.stack is not None and not any(problem.path == configs.stack.path for problem in configs.problems):
        # The variables BL004's fix writes (config.policy_from fills only env_locations).
        policy = replace(policy, stack_endpoints=stack_endpoints(configs.stack.data))
    report_suppressions = policy.tier is Tier.HARD and settings.enabled("BL900", options.select, options.ignore)
    fixing = options.fix or options.diff
    selectors = (options.select, options.ignore, settings.select, settings.ignore)
    cache = None
    if options.cache and not fixing:  # a fix run needs each file's fixed bytes, which are not cached
        try:
            directory = cache_location(settings.root)
        except CacheRefused as refusal:
            click.echo(f"budgetlint: warning: {refusal}", err=True)
        else:
            # A directory shared by projects (BUDGETLINT_CACHE_DIR) holds an index per project: their
            # root-relative paths would collide, and each run would prune the other's entries.
            shared = None if directory == settings.root / CACHE_DIRECTORY else str(settings.root)
            key = configuration_key(__version__, policy, selectors, report_suppressions, options.unsafe_fixes, shared)
            cache = ResultCache(directory, key, settings.root)

    def build() -> Job:
        rules = tuple(rule for rule in all_rules() if settings.enabled(rule.code, options.select, options.ignore))
        return Job(policy, rules, report_suppressions, fix=fixing, unsafe_fixes=options.unsafe_fixes)

    return _Project(settings, configs, policy, selectors, cache, build)


def _lint(options: CheckOptions) -> _Run | int:
    """Lint what ``options`` name (and apply ``--fix``): the result, its scope and each file's
    result, or an exit code after a usage error.

    Each file is checked with its own project's settings, config files and policy (the nearest
    project root above it); the command-line options apply to every project.
    """
    missing = [str(path) for path in options.paths if not path.exists()]
    if missing:
        click.echo(f"budgetlint: error: no such file or directory: {', '.join(missing)}", err=True)
        return EXIT_USAGE
    cwd = Path.cwd().resolve()
    shown = shown_directory(str(cwd))
    # YAML files named on the command line (pre-commit passes them) are configs, validated by kind.
    named_configs = [path for path in options.paths if path.is_file() and path.suffix in CONFIG_SUFFIXES]
    code_paths = [path for path in options.paths if path not in named_configs]
    projects = Projects()
    try:
        found = discover_projects(code_paths, projects) if code_paths else []
        roots = sorted({projects.root_for(path) for path in options.paths} | {root for _, root in found})
        every = {root: projects.settings(root) for root in roots}
    except SettingsError as error:
        click.echo(f"budgetlint: error: {error}", err=True)
        return EXIT_USAGE
    run: dict[str, _Project] = {}
    for root, settings in every.items():
        project = _project(settings, options, cwd)
        if isinstance(project, int):
            return project
        run[root] = project
    whole: dict[str, list[Path]] = {}
    """Per project linted only in part (a shard, files named): all its files, where the modules
    its files import are found (``phases.lint_project``)."""
    if options.shard is not None:
        _assign(run, found)
        whole = {root: project.files for root, project in run.items()}
        chosen = {path for project in run.values() for path in shard(project.files, project.settings.root, *options.shard)}
        found = [(path, root) for path, root in found if path in chosen]
    _assign(run, found)
    files = [path for path, _ in found]
    # A typo in --select would otherwise turn every rule off and pass CI. A configuration the cache
    # knows was checked by the run that wrote its index (the key holds the selectors and the code).
    if options.baseline is not None or not files or any(p.files and (p.cache is None or not p.cache.known) for p in run.values()):
        unknown = unknown_selectors(tuple(code for p in run.values() for group in p.selectors for code in group))
        if unknown:
            click.echo(f"budgetlint: error: no rule code starts with {', '.join(unknown)}; `budgetlint rules` lists them", err=True)
            return EXIT_USAGE
        always = unignorable(options.ignore + tuple(code for p in run.values() for code in p.settings.ignore))
        if always:
            click.echo(
                f"budgetlint: error: {', '.join(always)} cannot be ignored: a file or config that was not checked "
                "always blocks (exclude the path, or add `# budgetlint: ignore-file -- reason` to the file)",
                err=True,
            )
            return EXIT_USAGE
        for project in run.values():
            project.job()
    by_path: dict[Path, FileResult] = {}
    with _progress(len(files)) as progress:
        for root, project in run.items():
            if project.files:
                everything = whole.get(root) or _project_files(root, code_paths, projects)
                linted = lint_project(
                    project.files, project.job, options.jobs, cwd, project.settings.root, progress, project.cache, everything
                )
                by_path.update(zip(project.files, linted))
    for project in run.values():
        if project.cache is not None:
            project.cache.save()
    results = [by_path[path] for path in files]
    fixed: tuple[int, int] | None = None
    if options.fix and not options.diff:
        results, fixed = _write_fixes(files, results)
    policy = run_policy({display_path(root, cwd): project.policy for root, project in run.items()})
    problems = [problem for project in run.values() for problem in project.configs.problems]
    for path in named_configs:
        problems += load_file(path, display_name(str(path), str(cwd), shown))[1]
    findings = [f for result in results for f in result.findings]
    findings += config_findings(sorted(set(problems), key=lambda p: (p.path, p.line, p.column, p.message)), policy, cwd)
    result = RunResult(tuple(sorted(findings, key=lambda f: f.sort_key())), len(files), policy, __version__)
    if fixed is not None:
        result = replace(result, fixed=fixed[0], fixed_files=fixed[1])
    loaded = [project for project in run.values() if project.built is not None]
    codes = frozenset().union(*(project.codes() for project in loaded)) if loaded else None
    file_codes = {
        shown_path(result.path): run[root].codes() if run[root].built is not None else frozenset() for (_, root), result in zip(found, results)
    }
    return _Run(result, _Scope(cwd, file_codes, codes), results)


def _project_files(root: str, paths: list[Path], projects: Projects) -> list[Path] | None:
    """All the files of the project at ``root`` when ``paths`` name only part of it (files or
    subdirectories); None when they cover it (the run's files are then all of them)."""
    top = Path(root).resolve()
    if any(path.is_dir() and (path.resolve() == top or path.resolve() in top.parents) for path in paths):
        return None
    try:
        return [path for path, owner in discover_projects([top], projects) if owner == root]
    except SettingsError:
        return None


def _assign(run: dict[str, _Project], found: list[tuple[Path, str]]) -> None:
    """Give each project of ``run`` its files of ``found`` (in order)."""
    for project in run.values():
        project.files = []
    for path, root in found:
        run[root].files.append(path)


@contextmanager
def _progress(total: int) -> Iterator[Callable[[int], None] | None]:
    """A progress bar's update function for a long scan on a terminal's stderr, else None."""
    if total >= PROGRESS_MIN_FILES and sys.stderr.isatty():
        with click.progressbar(length=total, label="Linting", file=sys.stderr) as bar:
            yield bar.update
    else:
        yield None


def _write_fixes(files: list[Path], results: list[FileResult]) -> tuple[list[FileResult], tuple[int, int]]:
    """Rewrite each file its fixes changed; a file left alone reports its findings as they were.

    Returns the results and (findings fixed, files rewritten).
    """
    from .fix import may_rewrite, write_atomic  # with libcst

    out: list[FileResult] = []
    fixed = rewritten = 0
    for path, result in zip(files, results):
        outcome = result.fix
        if outcome is not None and (outcome.error or outcome.changed):
            problem = outcome.error
            if not problem and outcome.fixed is not None and may_rewrite(str(path)):
                problem = write_atomic(path, outcome.original, outcome.fixed)
            if problem:
                click.echo(f"budgetlint: error: not fixing {result.path}: {problem}", err=True)
                result = replace(result, findings=outcome.before, fix=None)
            else:
                fixed, rewritten = fixed + outcome.applied, rewritten + 1
        out.append(result)
    return out, (fixed, rewritten)


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
        if not _write(options.output, data):
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
    output_format: str = "text"
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
    with timing.phase("report"):
        return _report(result, options)


def _report(result: RunResult, options: CheckOptions | ValidateOptions) -> int:
    result = replace(result, exit_zero=options.exit_zero)
    reporter = REPORTERS[options.output_format](color=options.color, quiet=options.quiet, statistics=options.statistics)
    text = reporter.render(result)
    if options.sarif_file is not None:  # the same run, also as SARIF for code scanning
        sarif = REPORTERS["sarif"](statistics=options.statistics).render(result)
        if not _write(options.sarif_file, sarif):
            return EXIT_USAGE
    if options.output is not None:
        if not _write(options.output, text):
            return EXIT_USAGE
    else:
        stdout.echo(text, nl=False, color=options.color)
    return result.exit_code()


def _write(path: Path, text: str | bytes) -> bool:
    """Write a report atomically (an interrupted run leaves the previous file or none); False
    after telling why it could not."""
    try:
        replace_file(path, text.encode("utf-8") if isinstance(text, str) else text)
    except OSError as error:
        click.echo(f"budgetlint: error: cannot write {path}: {error.strerror}", err=True)
        return False
    return True


def execute_init(directory: Path, force: bool) -> int:
    """Write the starter files; refuse to overwrite without ``force``, and to write through a
    symbolic link (a committed link would make init write outside the project), as ``check``
    refuses to read a config file that resolves outside it."""
    schemas, starters = starter_files(directory)
    linked = symlink_on_the_way(directory, [*schemas, *starters])
    if linked is not None:
        click.echo(f"budgetlint: error: {linked} is a symbolic link; init writes no file through one", err=True)
        return EXIT_USAGE
    existing = [str(path) for path in starters if path.exists()]
    if existing and not force:
        click.echo(f"budgetlint: error: {', '.join(existing)} already exist(s); use --force to overwrite", err=True)
        return EXIT_USAGE
    try:
        (directory / SCHEMA_DIR).mkdir(parents=True, exist_ok=True)
    except OSError as error:
        click.echo(f"budgetlint: error: cannot create {directory / SCHEMA_DIR}: {error.strerror}", err=True)
        return EXIT_USAGE
    for path, text in {**schemas, **starters}.items():
        if not _write(path, text):
            return EXIT_USAGE
        if path in starters:
            stdout.echo(f"wrote {path}")
    stdout.echo(f"wrote {directory / SCHEMA_DIR}/ (the schemas your editor validates against)")
    return EXIT_OK


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


@dataclass(frozen=True)
class InventoryOptions:
    paths: tuple[Path, ...]
    output_format: str = "text"
    output: Path | None = None
    constructors: bool = False
    """``--all``: also list client, model and parameter-object constructors."""
    jobs: int = 1


def execute_inventory(options: InventoryOptions) -> int:
    """List the call sites under ``options.paths``: each project's files linted in two phases as
    ``check`` lints them (its own settings and stack file), with no rule and no cache, each
    file's result carrying its sites. Exit 0, or 2 after a usage error."""
    missing = [str(path) for path in options.paths if not path.exists()]
    if missing:
        click.echo(f"budgetlint: error: no such file or directory: {', '.join(missing)}", err=True)
        return EXIT_USAGE
    cwd = Path.cwd().resolve()
    code_paths = [path for path in options.paths if not (path.is_file() and path.suffix in CONFIG_SUFFIXES)]
    projects = Projects()
    try:
        found = discover_projects(code_paths, projects) if code_paths else []
        every = {root: projects.settings(root) for root in sorted({root for _, root in found})}
    except SettingsError as error:
        click.echo(f"budgetlint: error: {error}", err=True)
        return EXIT_USAGE
    run: dict[str, _Project] = {}
    for root, settings in every.items():
        project = _project(settings, CheckOptions(paths=options.paths, cache=False), cwd)
        if isinstance(project, int):
            return project
        run[root] = project
    _assign(run, found)
    by_path: dict[Path, FileResult] = {}
    with _progress(len(found)) as progress:
        for root, project in run.items():
            if not project.files:
                continue
            job = Job(project.policy, (), report_suppressions=False, describe=True)
            everything = _project_files(root, code_paths, projects)
            linted = lint_project(project.files, job, options.jobs, cwd, project.settings.root, progress, None, everything)
            by_path.update(zip(project.files, linted))
    inventory = Inventory(__version__, tuple(FileSites.of(by_path[path], options.constructors) for path, _ in found))
    for path, problem in inventory.skipped():
        click.echo(f"budgetlint: warning: skipped {shown_path(path)}: {problem}", err=True)
    text = INVENTORY_FORMATS[options.output_format](inventory)
    if options.output is not None:
        return EXIT_OK if _write(options.output, text) else EXIT_USAGE
    stdout.echo(text, nl=False)
    return EXIT_OK
