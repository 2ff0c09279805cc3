"""`--jobs`: a process pool over chunks of files gives exactly what one process gives."""

from __future__ import annotations

import concurrent.futures
import gc
import itertools
import os
import shutil
import time
from pathlib import Path

import pytest
from budgetlint import commands, pool, runner
from budgetlint.cache import ResultCache
from budgetlint.cli import default_jobs, main
from budgetlint.engine import Job
from budgetlint.runner import lint_paths
from budgetlint.policy import Policy
from budgetlint.rules import ALL_RULES
from click.testing import CliRunner

REPOSITORY = Path(__file__).resolve().parent.parent
FIXTURES = REPOSITORY / "tests" / "fixtures"
JOB = Job(Policy(), ALL_RULES, report_suppressions=True)


@pytest.fixture
def tree(tmp_path: Path) -> list[Path]:
    """Enough files of every kind to be split into several chunks: findings, clean, broken, notebooks."""
    sources = [*sorted(FIXTURES.glob("*.py")), *sorted((REPOSITORY / "examples").rglob("*.py"))]
    files = []
    for index in range(90):
        source = sources[index % len(sources)]
        target = tmp_path / f"pkg{index % 5}" / f"{index:03d}_{source.name}"
        target.parent.mkdir(exist_ok=True)
        shutil.copyfile(source, target)
        files.append(target)
    for index in range(3):
        broken = tmp_path / f"broken_{index}.py"
        broken.write_text("import openai\ndef f(:\n")
        files.append(broken)
    notebook = tmp_path / "book.ipynb"
    shutil.copyfile(FIXTURES / "notebooks" / "support_bot.ipynb", notebook)
    files.append(notebook)
    return files


def test_a_parallel_run_equals_a_serial_run(tree, tmp_path):
    serial = lint_paths(tree, JOB, 1, tmp_path)
    assert sum(len(result.findings) for result in serial) > 20
    assert {f.code for result in serial for f in result.findings} >= {"BL000", "BL001", "BL002"}
    for jobs in (2, 3):
        assert lint_paths(tree, JOB, jobs, tmp_path) == serial


@pytest.mark.parametrize("chunk", [1, 7, 16, 1000])
def test_any_chunk_size_gives_the_same_results_in_order(tree, tmp_path, monkeypatch, chunk):
    serial = lint_paths(tree, JOB, 1, tmp_path)
    monkeypatch.setattr(pool, "CHUNK", chunk)
    parallel = lint_paths(tree, JOB, 2, tmp_path)
    assert [result.path for result in parallel] == [result.path for result in serial]
    assert parallel == serial


def test_few_files_are_linted_in_this_process(tmp_path, monkeypatch):
    def no_pool(*args, **kwargs):
        raise AssertionError("a process pool for a handful of files")

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", no_pool)
    files = []
    for index in range(runner.SERIAL_BELOW - 1):
        path = tmp_path / f"m{index}.py"
        shutil.copyfile(FIXTURES / "unbounded.py", path)
        files.append(path)
    assert len(lint_paths(files, JOB, 8, tmp_path)) == len(files)


def test_the_parallel_results_carry_what_the_cache_needs(tree, tmp_path):
    parallel = lint_paths(tree, JOB, 2, tmp_path, cache=ResultCache(tmp_path / "cache-parallel", "k", tmp_path))
    assert all(result.signature is not None for result in parallel)
    serial = lint_paths(tree, JOB, 1, tmp_path, cache=ResultCache(tmp_path / "cache-serial", "k", tmp_path))
    # the content hashes; a stat is kept only once a file is two seconds old, which a loaded
    # machine may reach between the two runs
    assert [r.signature.digest for r in parallel] == [r.signature.digest for r in serial]
    assert all(p.signature.stat in (None, s.signature.stat) for p, s in zip(parallel, serial))


def test_the_command_line_gives_the_same_report_serial_and_parallel(tree, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    runner = CliRunner()
    reports = {jobs: runner.invoke(main, ["check", "--format", "json", "--no-cache", "--jobs", jobs, "."]) for jobs in ("1", "2")}
    assert reports["1"].exit_code == reports["2"].exit_code == 1
    assert reports["1"].stdout == reports["2"].stdout


def test_jobs_default_to_the_cpus_this_process_may_use(tmp_path, monkeypatch):
    seen = []
    monkeypatch.setattr(commands, "execute_check", lambda options: seen.append(options.jobs) or 0)
    from budgetlint import cli

    monkeypatch.setattr(cli, "execute_check", commands.execute_check)
    CliRunner().invoke(main, ["check", str(tmp_path)])
    CliRunner().invoke(main, ["check", "--jobs", "3", str(tmp_path)])
    assert seen == [default_jobs(), 3]
    expected = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert default_jobs() == expected


# scheduling: heaviest tasks first, large files within a memory budget


def test_tasks_cover_every_file_once_heaviest_first():
    sizes = [10, 500_000, 20, 30, 200_000, *([1_000] * 40)]
    tasks = pool._tasks(sizes)
    assert sorted(position for task in tasks for position in task) == list(range(len(sizes)))
    weights = [sum(sizes[position] for position in task) for task in tasks]
    assert weights == sorted(weights, reverse=True)
    assert [1] in tasks and [4] in tasks  # a large file is a task of its own
    assert all(len(task) <= pool.CHUNK for task in tasks)


def test_large_files_beyond_the_budget_are_never_linted_at_once(tree, tmp_path, monkeypatch):
    """Each large file's linting records when it ran (in the forked workers); no two overlap."""
    log = tmp_path / "intervals"
    log.mkdir()
    original = runner.lint_file
    sizes = sorted(path.stat().st_size for path in tree)
    large = sizes[len(sizes) // 2]  # half the files count as large

    def timed(path, name, job, key=None, signed=True):
        start = time.monotonic()
        result = original(path, name, job, key, signed)
        if os.stat(path).st_size >= large:
            (log / f"{os.getpid()}-{start}").write_text(f"{start} {time.monotonic()}")
        return result

    monkeypatch.setattr(pool, "LARGE", large)
    monkeypatch.setattr(pool, "PARSE_BUDGET", 2 * large - 1)  # room for one at a time
    monkeypatch.setattr(pool, "CHUNK_BYTES", 1)  # one file per task
    monkeypatch.setattr(runner, "lint_file", timed)  # the workers fork with it
    assert lint_paths(tree, JOB, 2, tmp_path) == lint_paths(tree, JOB, 1, tmp_path)
    intervals = sorted(tuple(map(float, entry.read_text().split())) for entry in log.iterdir())
    assert len(intervals) >= len(tree) // 2
    assert all(end <= next_start for (_, end), (next_start, _) in itertools.pairwise(intervals))


# the garbage collector while linting (runner._collecting_less)


@pytest.mark.parametrize("jobs", [1, 2])
def test_linting_never_walks_the_heap_held_before_it_and_collects_less_often(tmp_path, monkeypatch, jobs):
    """The objects held when linting starts (libcst, the rules) are frozen, in this process or in
    the workers it forks, and the collector's first generation is larger; both as before afterwards."""

    def collector_state(path, name, job, key=None, signed=True):
        return runner.FileResult(f"{gc.get_freeze_count()} {gc.get_threshold()[0]}", (), parsed=False)

    monkeypatch.setattr(runner, "lint_file", collector_state)  # the workers fork with it
    files = [tmp_path / f"m{index}.py" for index in range(2 * runner.SERIAL_BELOW)]
    before = gc.get_threshold()
    states = [result.path.split() for result in lint_paths(files, JOB, jobs, tmp_path)]
    assert len(states) == len(files)
    assert all(int(frozen) > 10_000 and int(young) == runner.YOUNG_OBJECTS for frozen, young in states)
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == before


def test_linting_leaves_frozen_what_the_caller_froze(tmp_path):
    """The language server freezes what it keeps (``resident.py``); a lint does not thaw it."""
    path = tmp_path / "m.py"
    shutil.copyfile(FIXTURES / "unbounded.py", path)
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        lint_paths([path], JOB, 1, tmp_path)
        assert gc.get_freeze_count() >= frozen
    finally:
        gc.unfreeze()
