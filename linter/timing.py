"""Time spent in each phase of a run, for the benchmark: off unless ``BUDGETLINT_TIMINGS`` names a file.

``with timing.phase("parse"):`` charges the wall time inside to that phase. Phases are
exclusive: one entered inside another charges its time to itself, and the outer phase resumes
after it, so the totals add up. ``count("parsed")`` counts events (files parsed by libcst).

Worker processes keep their totals per task (``separately``) and send them back with the
task's last result (``FileResult.timings``); the main process adds them up (``merge``) and, when
it started the run (``start``), writes at exit::

    {"wall": seconds since start, "phases": {phase: seconds}, "counts": {name: n}}

Phases are summed over processes: with workers they add up to more than the wall time.
Off, ``phase`` returns one shared context manager that does nothing: a function call per use.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

ENV = "BUDGETLINT_TIMINGS"
PHASES = ("read", "prefilter", "triage", "summaries", "guard", "parse", "model", "rules", "locate", "report")
"""Every phase, in the order of a file's way through the run (``guard``: CPython's ``ast.parse``
before libcst; ``triage``: deciding on the ``ast`` tree which files libcst parses)."""
WORKER_TASKS = "worker tasks"
"""The count of tasks whose totals came back from worker processes (0: no process pool)."""


class Totals:
    """Seconds per phase and event counts of one process (or one worker task)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = dict.fromkeys(PHASES, 0.0)
        self.counts: dict[str, int] = {}
        self._open: list[list[Any]] = []  # [phase, time it last resumed]

    def enter(self, name: str) -> None:
        now = time.perf_counter()
        if self._open:
            outer = self._open[-1]
            self.seconds[outer[0]] += now - outer[1]
        self._open.append([name, now])

    def leave(self) -> None:
        now = time.perf_counter()
        name, since = self._open.pop()
        self.seconds[name] = self.seconds.get(name, 0.0) + now - since
        if self._open:
            self._open[-1][1] = now

    def add(self, other: dict[str, dict]) -> None:
        for name, seconds in other["phases"].items():
            self.seconds[name] = self.seconds.get(name, 0.0) + seconds
        for name, count in other["counts"].items():
            self.counts[name] = self.counts.get(name, 0) + count

    def as_json(self) -> dict[str, dict]:
        return {"phases": dict(self.seconds), "counts": dict(self.counts)}


class _Phase:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __enter__(self) -> None:
        if _totals is not None:
            _totals.enter(self.name)

    def __exit__(self, *_: object) -> None:
        if _totals is not None:
            _totals.leave()


_totals: Totals | None = Totals() if os.environ.get(ENV) else None
_OFF = nullcontext()
_PHASES = {name: _Phase(name) for name in PHASES}


def enabled() -> bool:
    return _totals is not None


def phase(name: str) -> _Phase | nullcontext:
    """A context manager charging the time inside it to phase ``name`` (one of ``PHASES``)."""
    return _PHASES[name] if _totals is not None else _OFF


def count(name: str, number: int = 1) -> None:
    if _totals is not None:
        _totals.counts[name] = _totals.counts.get(name, 0) + number


@contextmanager
def separately() -> Iterator[Totals | None]:
    """Collect the totals of the block apart from the process's (a worker's task, whose totals go
    back with its results); None when off."""
    global _totals
    if _totals is None:
        yield None
        return
    outer, _totals = _totals, Totals()
    try:
        yield _totals
    finally:
        _totals = outer


def merge(totals: dict[str, dict]) -> None:
    """Add a worker task's totals (``Totals.as_json``) to this process's."""
    if _totals is not None:
        _totals.add(totals)
        count(WORKER_TASKS)


def start() -> None:
    """In the main process of a run: write the totals to the file ``BUDGETLINT_TIMINGS`` names at exit."""
    if _totals is None:
        return
    import atexit

    started, pid = time.perf_counter(), os.getpid()

    def write() -> None:
        if os.getpid() != pid or _totals is None:  # a forked process that exits through Python
            return
        import json

        document = {"wall": time.perf_counter() - started, **_totals.as_json()}
        document["counts"].setdefault(WORKER_TASKS, 0)
        try:
            with open(os.environ[ENV], "w", encoding="utf-8") as handle:
                json.dump(document, handle, indent=1, sort_keys=True)
        except OSError as error:
            print(f"budgetlint: cannot write the timings to {os.environ[ENV]}: {error.strerror or error}", file=sys.stderr)

    atexit.register(write)
