"""Lint many files: answers from the result cache, the rest in this process or a process pool.

Importable without libcst (as the policy, settings, discovery and reporters are): a run the
cache answers entirely never loads the analysis, which is most of a warm run's cost (importing
libcst and the engine took ~0.2 s of a 0.45 s warm run over 2,000 files). ``engine`` is imported
on the first file that must be linted.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .cache import ResultCache, Signature
from .discovery import relative
from .finding import Finding
from .policy import Policy

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

    from .fix import FileFix
    from .rule import Report, Rule

SERIAL_BELOW = 32
"""Fewer files to lint than this: no process pool (starting one costs more than it saves)."""
CHUNK = 16
"""Files per task sent to a worker: small files do not pay a round trip each (one file per task
cost 8% more on 2,132 files; 4 to 256 were alike)."""
CHUNK_BYTES = 128 * 1024
"""...and at most this many bytes, so that large files are tasks of their own."""
LARGE = 64 * 1024
PARSE_BUDGET = 384 * 1024
"""Files of ``LARGE`` bytes or more are linted at the same time only while they add up to this
(one alone always may): libcst's tree takes ~0.6 KiB of memory per source byte, so two 250 KiB
files at once would hold ~300 MiB."""


@dataclass(frozen=True)
class Job:
    """What every worker needs: the policy and the rules to run."""

    policy: Policy
    rules: tuple[type[Rule], ...]
    report_suppressions: bool
    fix: bool = False
    """Apply the fixes (``--fix``, ``--diff``): results carry the fixed bytes and what remains."""
    unsafe_fixes: bool = False
    """Unsafe fixes count as fixable and apply too (``--unsafe-fixes``)."""

    def applies(self, report: Report) -> bool:
        return report.fix is not None and (report.fix.safe or self.unsafe_fixes)


@dataclass(frozen=True)
class FileResult:
    path: str
    findings: tuple[Finding, ...]
    parsed: bool
    fix: FileFix | None = None
    """With ``Job.fix``, when fixes applied: the bytes before and after; ``findings`` are then the
    fixed code's."""
    signature: Signature | None = field(default=None, compare=False)
    """What the result was computed from (content hash, stat), for the cache; None: not cacheable
    (the file could not be read, was too large, or analysing it failed)."""


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

    Findings name files relative to ``cwd``; fingerprints hash the path relative to the project
    ``root``, so they do not change with the directory budgetlint runs from. ``progress`` is
    told how many more files are done. With a ``cache``, a file whose result it holds is not
    linted, and the others' results are put in it. ``job`` may be a function making the job: it
    is called only when some file must be linted.
    """
    here, top = str(cwd), str(root or cwd)
    triples = [(str(path), relative(absolute, here), relative(absolute, top)) for path in files for absolute in (os.path.abspath(path),)]
    results: list[FileResult | None] = [None] * len(triples)
    pending: list[int] = []
    for index, (path, name, key) in enumerate(triples):
        hit = cache.get(path, name, key) if cache is not None else None
        if hit is None:
            pending.append(index)
            continue
        results[index] = FileResult(name, hit.findings, hit.parsed)
        if progress is not None:
            progress(1)
    if pending:
        todo = [triples[index] for index in pending]
        for position, result in _lint_all(todo, job if isinstance(job, Job) else job(), jobs):
            index = pending[position]
            results[index] = result
            if cache is not None and result.signature is not None:
                cache.put(triples[index][2], result.path, result.signature, result.findings, result.parsed)
            if progress is not None:
                progress(1)
    return results  # type: ignore[return-value]  # every slot is filled


def _lint_all(triples: list[tuple[str, str, str]], job: Job, jobs: int) -> Iterator[tuple[int, FileResult]]:
    """(position in ``triples``, result) for each file: in order in this process for few files,
    else from a process pool as tasks finish.

    Tasks go heaviest first, so that the last to finish is a light one (on the standard library
    with two workers, 7.5 s instead of 8.0 s in path order), but large files are linted at the
    same time only while they add up to ``PARSE_BUDGET`` bytes.
    """
    from . import engine  # before the pool forks: workers inherit it

    if jobs <= 1 or len(triples) < SERIAL_BELOW:
        for position, (path, name, key) in enumerate(triples):
            yield position, engine.lint_file(path, name, job, key)
        return
    # Imported here: a run the cache answers needs no pool.
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    sizes = [_size(path) for path, _, _ in triples]
    waiting = _tasks(sizes)
    load = [sum(size for position in task if (size := sizes[position]) >= LARGE) for task in waiting]
    running: dict[Future, tuple[list[int], int]] = {}

    def submit(pool: ProcessPoolExecutor) -> bool:
        """Start the heaviest waiting task whose large files fit; False when none may start."""
        busy = sum(bytes_ for _, bytes_ in running.values())
        for index, task in enumerate(waiting):
            if not load[index] or not busy or busy + load[index] <= PARSE_BUDGET:
                bytes_ = load.pop(index)
                del waiting[index]
                running[pool.submit(_lint_chunk, [triples[position] for position in task], job)] = (task, bytes_)
                return True
        return False

    with ProcessPoolExecutor(max_workers=jobs) as pool:
        while len(running) < 2 * jobs and submit(pool):
            pass
        while running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                task, _ = running.pop(future)
                yield from zip(task, future.result())
            while len(running) < 2 * jobs and submit(pool):
                pass


def _tasks(sizes: list[int]) -> list[list[int]]:
    """Positions grouped in tasks of consecutive files (up to ``CHUNK`` files and ``CHUNK_BYTES``
    bytes), the heaviest first."""
    tasks: list[list[int]] = []
    current: list[int] = []
    weight = 0
    for position, size in enumerate(sizes):
        if current and (len(current) >= CHUNK or weight + size > CHUNK_BYTES):
            tasks.append(current)
            current, weight = [], 0
        current.append(position)
        weight += size
    if current:
        tasks.append(current)
    return sorted(tasks, key=lambda task: -sum(sizes[position] for position in task))


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0  # lint_file reports it


def _lint_chunk(triples: list[tuple[str, str, str]], job: Job) -> list[FileResult]:
    from . import engine

    return [engine.lint_file(path, name, job, key) for path, name, key in triples]
