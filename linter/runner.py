"""Lint many files: answers from the result cache, the rest in this process or a process pool.

Importable without libcst (as the policy, settings, discovery and reporters are): a run the
cache answers entirely never loads the analysis, which is most of a warm run's cost (importing
libcst and the engine took ~0.2 s of a 0.45 s warm run over 2,000 files). ``engine`` is imported
on the first file that must be parsed (``lint_file``), or before a process pool starts.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import intake
from .cache import ResultCache, Signature, signature
from .discovery import relative
from .finding import Finding
from .interrupts import held_interrupts, ignore_interrupts
from .policy import Policy

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

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
        # closing: an interrupt here shuts the pool down now, not when the traceback is freed
        with closing(_lint_all(todo, job, jobs)) as outcomes:
            for position, result in outcomes:
                index = pending[position]
                results[index] = result
                if cache is not None and result.signature is not None:
                    cache.put(triples[index][2], result.path, result.signature, result.findings, result.parsed)
                if progress is not None:
                    progress(1)
    return results  # type: ignore[return-value]  # every slot is filled


def lint_file(path: str, name: str, job: Job | Callable[[], Job], key: str | None = None) -> FileResult:
    """Lint one file; ``key`` is its path in fingerprints (default: ``name``).

    What needs no parser (unreadable, too large, binary, nothing a rule looks at) is decided
    here, without loading libcst and the rules (``job`` may be a function making the job): a
    run whose changed files hold no LLM code costs what a warm run costs. The rest is the
    engine's, whose ``lint_read`` is the per-file boundary: whatever goes wrong is a BL000.
    """
    outcome = intake.read(path, name)
    if isinstance(outcome, Finding):
        return FileResult(name, (outcome,), parsed=False)
    source, info = outcome
    try:
        decided = intake.screen(source, name)
    except Exception:  # noqa: BLE001  the engine's boundary reports it
        decided = None
    if decided is not None:
        return FileResult(name, decided, parsed=False, signature=signature(source, info))
    with held_interrupts():  # see commands.all_rules
        from . import engine
    return engine.lint_read(source, info, name, job if isinstance(job, Job) else job(), key)


def _lint_all(triples: list[tuple[str, str, str]], job: Job | Callable[[], Job], jobs: int) -> Iterator[tuple[int, FileResult]]:
    """(position in ``triples``, result) for each file: in order in this process for few files,
    else from a process pool as tasks finish.

    Tasks go heaviest first, so that the last to finish is a light one (on the standard library
    with two workers, 7.5 s instead of 8.0 s in path order), but large files are linted at the
    same time only while they add up to ``PARSE_BUDGET`` bytes.

    A worker that dies (killed by a signal, out of memory) breaks its pool: the tasks not started
    go on in a new pool, and the files of the tasks that did not come back are linted again each
    in a process of its own, so that a file that kills its worker again is the one reported.
    """
    if jobs <= 1 or len(triples) < SERIAL_BELOW:
        for position, (path, name, key) in enumerate(triples):
            yield position, lint_file(path, name, job, key)
        return
    with held_interrupts():  # see commands.all_rules
        from . import engine  # noqa: F401  before the pool forks: workers inherit it
    job = job if isinstance(job, Job) else job()
    sizes = [_size(path) for path, _, _ in triples]
    waiting = _tasks(sizes)
    lost: list[int] = []
    while waiting:
        lost += yield from _pool(triples, sizes, waiting, job, jobs)
    yield from _alone(triples, sizes, lost, job, jobs)


def _pool(
    triples: list[tuple[str, str, str]], sizes: list[int], waiting: list[list[int]], job: Job, jobs: int
) -> Generator[tuple[int, FileResult], None, list[int]]:
    """Lint the ``waiting`` tasks (taking them off it) in a process pool, results as tasks finish.

    If a worker dies the pool breaks: the results received are kept, the tasks not started stay
    in ``waiting``, and the positions of the tasks that did not come back are returned.
    """
    # Imported here: a run the cache answers needs no pool.
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    load = [_load(task, sizes) for task in waiting]
    running: dict[Future, tuple[list[int], int]] = {}
    lost: list[int] = []

    def fill(pool: ProcessPoolExecutor) -> None:
        """Start the heaviest waiting tasks whose large files fit, up to two per worker."""
        while len(running) < 2 * jobs:
            index = _startable(load, sum(bytes_ for _, bytes_ in running.values()))
            if index is None:
                return
            task = waiting.pop(index)
            with held_interrupts():  # a worker forked here ignores SIGINT from its first instruction
                running[pool.submit(_lint_chunk, [triples[position] for position in task], job)] = (task, load.pop(index))

    pool = ProcessPoolExecutor(max_workers=jobs, initializer=ignore_interrupts)
    try:
        fill(pool)
        while running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                task, _ = running.pop(future)
                try:
                    results = future.result()
                except BrokenProcessPool:  # every task still running fails with it
                    lost += task
                    continue
                yield from zip(task, results)
            if not lost:
                fill(pool)
    except BaseException:  # interrupted
        _stop(pool)
        raise
    pool.shutdown()
    return lost


def _stop(pool: ProcessPoolExecutor) -> None:
    """Shut the pool down at once: cancel the waiting tasks and end the workers in the middle of
    theirs (they ignore SIGINT). Nothing is then left for the exit to wait for, where a second
    Ctrl-C could leave the pool's threads waiting forever for workers that never stop."""
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14
    if terminate is not None:
        terminate()
    else:  # before: through the pool's table of its processes
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.terminate()
    pool.shutdown(cancel_futures=True)


def _alone(
    triples: list[tuple[str, str, str]], sizes: list[int], positions: list[int], job: Job, jobs: int
) -> Iterator[tuple[int, FileResult]]:
    """Lint each file at ``positions`` in a process of its own, ``jobs`` at a time (within
    ``PARSE_BUDGET``): a file whose process dies gets a BL000 saying so, and no signature."""
    import multiprocessing
    from multiprocessing.connection import wait

    context = multiprocessing.get_context()  # the pool's
    waiting = [[position] for position in sorted(positions, key=lambda position: -sizes[position])]
    load = [_load(task, sizes) for task in waiting]
    running: dict[Connection, tuple[int, BaseProcess, int]] = {}
    try:
        while waiting or running:
            while len(running) < jobs:
                index = _startable(load, sum(bytes_ for _, _, bytes_ in running.values()))
                if index is None:
                    break
                [position] = waiting.pop(index)
                receiver, sender = context.Pipe(duplex=False)
                process = context.Process(target=_lint_alone, args=(sender, triples[position], job), daemon=True)
                with held_interrupts():
                    process.start()
                sender.close()  # the child's is then the only one: its death is an end of file here
                running[receiver] = (position, process, load.pop(index))
            for receiver in wait(list(running)):
                position, process, _ = running.pop(receiver)  # type: ignore[index]  # wait returns what it was given
                try:
                    result = receiver.recv()
                except (EOFError, OSError):
                    result = None
                receiver.close()
                process.join()
                yield position, result if result is not None else _died(triples[position][1], process.exitcode)
    finally:
        for _, process, _ in running.values():
            process.kill()
            process.join()


def _lint_alone(sender: Connection, triple: tuple[str, str, str], job: Job) -> None:
    ignore_interrupts()
    with sender:
        sender.send(_lint_chunk([triple], job)[0])


def _died(name: str, exitcode: int | None) -> FileResult:
    """The BL000 of a file whose analysis process died (``exitcode``: negative for a signal)."""
    from .intake import error

    if exitcode is not None and exitcode < 0:
        try:
            cause = f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            cause = f"killed by signal {-exitcode}"
        if exitcode == -signal.SIGKILL:
            cause += ", possibly out of memory"
    else:
        cause = f"exit code {exitcode}"
    message = f"the analysis process died ({cause}) while linting this file; the file was not checked"
    return FileResult(name, (error(name, message),), parsed=False)


def _startable(load: list[int], busy: int) -> int | None:
    """The first waiting task (``load``: the bytes of its large files) that may start beside
    ``busy`` bytes of large files; None when none may."""
    for index, bytes_ in enumerate(load):
        if not bytes_ or not busy or busy + bytes_ <= PARSE_BUDGET:
            return index
    return None


def _load(task: list[int], sizes: list[int]) -> int:
    return sum(size for position in task if (size := sizes[position]) >= LARGE)


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
    return [lint_file(path, name, job, key) for path, name, key in triples]
