"""Linting many files in worker processes: tasks, a memory budget, workers that die, Ctrl-C.

Files go to workers in tasks of consecutive files (``CHUNK`` files, ``CHUNK_BYTES`` bytes), the
heaviest first, so that the last to finish is a light one (on the standard library with two
workers, 7.5 s instead of 8.0 s in path order); large files are linted at the same time only
while they add up to ``PARSE_BUDGET`` bytes.

A worker that dies (killed by a signal, out of memory) breaks its pool: the tasks not started go
on in a new pool, and the files of the tasks that did not come back are linted again each in a
process of its own, so that a file that kills its worker again is the one reported. Workers
ignore SIGINT; on Ctrl-C the main process ends them (``_stop``). A worker ends when the main
process does, even killed by SIGKILL (``_die_with``): else it would wait forever for a task.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Generator, Iterator
from typing import TYPE_CHECKING

from .interrupts import held_interrupts, ignore_interrupts
from .intake import error
from .job import FileResult, Job

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

Work = Callable[[list[tuple[str, str, str]], Job], list[FileResult]]
"""Lints a task's files in a worker: a module-level function, sent to workers by name."""

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


def lint_in_pool(triples: list[tuple[str, str, str]], job: Job, jobs: int, work: Work) -> Iterator[tuple[int, FileResult]]:
    """(position in ``triples``, result) for each file, as tasks finish in ``jobs`` workers that
    run ``work`` on them."""
    sizes = [_size(path) for path, _, _ in triples]
    waiting = _tasks(sizes)
    lost: list[int] = []
    while waiting:
        lost += yield from _pool(triples, sizes, waiting, job, jobs, work)
    yield from _alone(triples, sizes, lost, job, jobs, work)


def _pool(
    triples: list[tuple[str, str, str]], sizes: list[int], waiting: list[list[int]], job: Job, jobs: int, work: Work
) -> Generator[tuple[int, FileResult], None, list[int]]:
    """Lint the ``waiting`` tasks (taking them off it) in a process pool, results as tasks finish.

    If a worker dies the pool breaks: the results received are kept, the tasks not started stay
    in ``waiting``, and the positions of the tasks that did not come back are returned.
    """
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
                running[pool.submit(work, [triples[position] for position in task], job)] = (task, load.pop(index))

    pool = ProcessPoolExecutor(max_workers=jobs, initializer=_start_worker, initargs=(os.getpid(),))
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
    triples: list[tuple[str, str, str]], sizes: list[int], positions: list[int], job: Job, jobs: int, work: Work
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
                process = context.Process(target=_lint_alone, args=(sender, triples[position], job, work, os.getpid()), daemon=True)
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
                _, name, key = triples[position]
                yield position, result if result is not None else _died(name, key, process.exitcode)
    finally:
        for _, process, _ in running.values():
            process.kill()
            process.join()


def _lint_alone(sender: Connection, triple: tuple[str, str, str], job: Job, work: Work, parent: int) -> None:
    _start_worker(parent)
    with sender:
        sender.send(work([triple], job)[0])


PR_SET_PDEATHSIG = 1
"""prctl(2): the signal the kernel sends this process when its parent ends (Linux)."""
WATCH_SECONDS = 0.5
"""Where that is not available, how often a worker checks that its parent is alive."""


def _start_worker(parent: int) -> None:
    """The start of every worker process: ignore SIGINT, and end with the main process ``parent``."""
    ignore_interrupts()
    _die_with(parent)


def _die_with(parent: int) -> None:
    """End this process when ``parent`` ends, however it ends.

    A pool worker waits for tasks on a pipe whose writing end it holds too (it was forked with
    it), so the main process's death is no end of file for it. On Linux the kernel kills the
    worker with SIGKILL when the main process's thread that started it ends (pools are started
    from the main thread); elsewhere a thread of the worker polls its parent id, which changes
    when the parent is gone. The check right after covers a parent that ended before either.
    """
    if sys.platform.startswith("linux") and _kill_when_parent_ends():
        if os.getppid() != parent:
            os._exit(1)
        return
    if os.getppid() != parent:
        os._exit(1)
    threading.Thread(target=_watch, args=(parent,), name="budgetlint-parent-watch", daemon=True).start()


def _kill_when_parent_ends() -> bool:
    """prctl(PR_SET_PDEATHSIG, SIGKILL); False when the C library cannot do it."""
    import ctypes

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return False
    return prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(WATCH_SECONDS)
    os._exit(1)


def _died(name: str, key: str, exitcode: int | None) -> FileResult:
    """The BL000 of a file whose analysis process died (``exitcode``: negative for a signal)."""
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
    return FileResult(name, (error(name, message, key=key),), parsed=False)


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

