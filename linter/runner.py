"""Lint many files: answers from the result cache, the rest in this process or a process pool.

Importable without libcst (as the policy, settings, discovery and reporters are): a run the
cache answers entirely never loads the analysis, which is most of a warm run's cost (importing
libcst and the engine took ~0.2 s of a 0.45 s warm run over 2,000 files). ``engine`` is imported
on the first file that must be parsed (``lint_file``), or before a process pool starts.
"""

from __future__ import annotations

import functools
import gc
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import replace
from pathlib import Path
from types import ModuleType

from . import timing
from .cache import ResultCache, signature
from .discovery import display_name, real_directory, relative, shown_directory
from .finding import Finding
from .interrupts import held_interrupts
from .job import FileResult, Job
from .project import import_names
from .resident import collector_paused

SERIAL_BELOW = 32
"""Fewer files to lint than this: no process pool (starting one costs more than it saves)."""


def lint_paths(
    files: Sequence[Path],
    job: Job | Callable[[], Job],
    jobs: int,
    cwd: Path,
    root: Path | None = None,
    progress: Callable[[int], None] | None = None,
    cache: ResultCache | None = None,
) -> list[FileResult]:
    """Lint ``files`` (in parallel when there are enough of them); results in input order.

    Findings name files relative to ``cwd`` (as the user sees it: ``discovery.display_name``);
    fingerprints hash the path relative to the project ``root`` (``discovery.root_keys``), so
    they change neither with the directory budgetlint runs from nor with how the project is named. ``progress`` is
    told how many more files are done. With a ``cache``, a file whose result it holds is not
    linted, and the others' results are put in it (without one, no file is hashed: results carry
    no signature). ``job`` may be a function making the job: it is called only when some file
    must be linted.
    """
    return lint_triples(triples_of(files, cwd, root), job, jobs, progress, cache)


def lint_triples(
    triples: list[tuple[str, str, str]],
    job: Job | Callable[[], Job],
    jobs: int,
    progress: Callable[[int], None] | None = None,
    cache: ResultCache | None = None,
) -> list[FileResult]:
    """``lint_paths`` of files already named: (path, display name, root-relative key) each."""
    results: list[FileResult | None] = [None] * len(triples)
    pending: list[int] = []
    for index, (path, name, key) in enumerate(triples):
        hit = cache.get(path, name, key) if cache is not None else None
        if hit is None:
            pending.append(index)
            continue
        results[index] = FileResult(name, hit.findings, hit.parsed, facts=hit.facts, content=hit.digest)
        if progress is not None:
            progress(1)
    if pending:
        todo = [triples[index] for index in pending]
        # closing: an interrupt here shuts the pool down now, not when the traceback is freed
        with closing(lint_many(todo, job, jobs, signed=cache is not None)) as outcomes:
            for position, result in outcomes:
                index = pending[position]
                results[index] = result
                if cache is not None and result.signature is not None:
                    cache.put(triples[index][2], result.path, result.signature, result.findings, result.parsed, result.facts)
                if progress is not None:
                    progress(1)
    return results  # type: ignore[return-value]  # every slot is filled


def triples_of(files: Sequence[Path], cwd: Path, root: Path | None = None) -> list[tuple[str, str, str]]:
    """(path, display name, root-relative key) of each file: ``discovery.display_name`` and
    ``discovery.root_keys``, worked out once per directory and the file's name appended (an
    ``abspath`` per file, twice, cost more of a warm run than reading its cache)."""
    here = str(cwd)
    shown = shown_directory(here)
    real_root = os.path.realpath(root or cwd)
    directories: dict[str, tuple[str, str]] = {}
    real: dict[str, str] = {}
    triples = []
    for path in files:
        text = str(path)
        directory, name = os.path.split(text)
        named = directories.get(directory)
        if named is None:
            absolute = os.path.abspath(directory)
            named = directories[directory] = (display_name(directory, here, shown), relative(real_directory(absolute, real), real_root))
        triples.append((text, _child(named[0], name), _child(named[1], name)))
    return triples


def _child(directory: str, name: str) -> str:
    """The forward-slash path of ``name`` in ``directory`` (``.``: the base itself)."""
    if directory == ".":
        return name
    return directory + name if directory.endswith("/") else f"{directory}/{name}"


def lint_file(path: str, name: str, job: Job | Callable[[], Job], key: str | None = None, signed: bool = True) -> FileResult:
    """Lint one file; ``key`` is its path in fingerprints (default: ``name``). ``signed``: the
    result carries its ``cache.Signature`` (a hash of the file), for a cache to keep.

    What needs no parser (unreadable, too large, binary, nothing a rule looks at) is decided
    here, without loading libcst and the rules (``job`` may be a function making the job): a
    run whose changed files hold no LLM code costs what a warm run costs. The rest is the
    engine's, whose ``lint_read`` is the per-file boundary: whatever goes wrong is a BL000.
    """
    from . import intake, notebook  # not at import: a run the cache answers reads no file

    with timing.phase("read"):
        outcome = intake.read(path, name, key)
        timing.count("read")
    if isinstance(outcome, Finding):
        return FileResult(name, (outcome,), parsed=False)
    source, info = outcome
    prefilter = job.project is None if isinstance(job, Job) else True
    # a job made only when a file must be linted honours suppressions (commands makes one that does not at once)
    honour = not (isinstance(job, Job) and job.ignore_suppressions)
    screened = False
    try:
        with timing.phase("prefilter"):
            decided = intake.screen(source, name, key, prefilter=prefilter, honour=honour)
        screened = True
    except Exception:  # noqa: BLE001  the engine's boundary reports it
        decided = None
    if decided is not None:
        # what phase 2 asks of a skipped file, kept with its result so a warm run need not read it
        with timing.phase("prefilter"):
            facts = None if decided else {"imports": import_names(notebook.code_of(source, name))}
        cached = signature(source, info) if signed and intake.cacheable(source, name) else None
        return FileResult(name, decided, parsed=False, signature=cached, facts=facts)
    engine = _engine()
    job = job if isinstance(job, Job) else job()
    # screened as the job asks: the engine need not run the prefilter again
    screened = screened and (job.project is None) == prefilter and job.ignore_suppressions != honour
    return engine.lint_read(source, info if signed else None, name, job, key, screened=screened)  # info None: no signature


def _engine() -> ModuleType:
    """The engine, imported when first needed, as ``commands.all_rules`` imports the rules; in a
    run that hid its heap from the collector (``gc.freeze``: ``commands._lint``,
    ``_collecting_less``), what the import made (libcst, the analysis: it lives on) joins it,
    before the collector runs again: its first collection walked it all (5-12 ms of a warm run)."""
    fresh = f"{__package__}.engine" not in sys.modules
    with held_interrupts(), collector_paused():
        from . import engine

        if fresh and gc.get_freeze_count():
            gc.freeze()
    return engine


def lint_many(
    triples: list[tuple[str, str, str]], job: Job | Callable[[], Job], jobs: int, signed: bool = True
) -> Iterator[tuple[int, FileResult]]:
    """(position in ``triples``, result) for each file: in order in this process for few files,
    else from a process pool (``pool.lint_in_pool``) as tasks finish. ``signed``: as ``lint_file``."""
    if jobs <= 1 or len(triples) < SERIAL_BELOW:
        with _collecting_less():
            for position, (path, name, key) in enumerate(triples):
                yield position, lint_file(path, name, job, key, signed)
        return
    _engine()  # before the pool forks: workers inherit it
    with held_interrupts(), collector_paused():  # see commands.all_rules
        from . import pool  # a run the cache answers needs no pool

    job = job if isinstance(job, Job) else job()
    with _collecting_less():  # before the pool forks: workers inherit it
        work = lint_chunk if signed else functools.partial(lint_chunk, signed=False)
        for position, result in pool.lint_in_pool(triples, job, jobs, work):
            if result.timings is not None:  # a worker's phase totals (``timing``) come back with its task
                timing.merge(result.timings)
                result = replace(result, timings=None)
            yield position, result


YOUNG_OBJECTS = 10_000
"""While linting, the cyclic garbage collector's first generation holds this many objects
(Python's default: 700) before a collection."""


@contextmanager
def _collecting_less() -> Iterator[None]:
    """While linting, the garbage collector does not walk what the process already holds (libcst,
    the engine, the rules: ``gc.freeze``, inherited by forked workers) and runs less often: libcst
    makes hundreds of thousands of short-lived objects per file, few of them in cycles. On
    langchain-community (2,132 files, ``--jobs 1``) collections took 0.48-0.67 s, 0.31-0.41 s
    with the heap frozen, 0.23-0.44 s with both (CPU seconds, on a busy machine). A process that
    froze objects itself (the language server: ``resident.py``) keeps them as it froze them."""
    thresholds = gc.get_threshold()
    freeze = gc.get_freeze_count() == 0
    if freeze:
        gc.freeze()
    gc.set_threshold(max(thresholds[0], YOUNG_OBJECTS), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        if freeze:
            gc.unfreeze()


def lint_chunk(triples: list[tuple[str, str, str]], job: Job, signed: bool = True) -> list[FileResult]:
    """A pool task: lint consecutive files in a worker (through ``lint_file`` as this module has it)."""
    with timing.separately() as totals:
        results = [lint_file(path, name, job, key, signed) for path, name, key in triples]
    if totals is not None and results:
        results[-1] = replace(results[-1], timings=totals.as_json())
    return results
