"""A worker process that dies is reported for its file (BL000, not cached); the run goes on."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from budgetlint import commands, pool, runner
from budgetlint.cache import ResultCache
from budgetlint.cli import main
from budgetlint.engine import Job
from budgetlint.runner import lint_paths
from budgetlint.model import FileModel
from budgetlint.policy import Policy, Tier
from budgetlint.rule import Report, Rule
from budgetlint.rules import ALL_RULES
from click.testing import CliRunner

FIXTURES = Path(__file__).resolve().parent / "fixtures"
MARKER = "# kills the worker"


class _Killer(Rule):
    """Kills the process linting a file that holds ``MARKER`` (the fork start method brings
    this class to the workers); ``os._exit`` instead of a signal with ``how = "exit"``."""

    code = "BL999"
    name = "killer"
    tier = Tier.HARD
    summary = "test rule"
    how = "kill"

    def check(self, model: FileModel, policy: Policy) -> Iterator[Report]:
        if MARKER in model.module.code:
            if self.how == "exit":
                os._exit(1)
            os.kill(os.getpid(), signal.SIGKILL)
        return iter(())


class _Exiter(_Killer):
    how = "exit"


@pytest.fixture
def files(tmp_path: Path) -> list[Path]:
    """More files than a serial run lints, with findings, and ``boom.py`` among them."""
    paths = []
    for index in range(2 * runner.SERIAL_BELOW):
        path = tmp_path / f"m{index:02d}.py"
        shutil.copyfile(FIXTURES / ("unbounded.py" if index % 2 else "untagged.py"), path)
        paths.append(path)
    boom = tmp_path / "boom.py"
    boom.write_text((FIXTURES / "unbounded.py").read_text() + MARKER + "\n")
    paths.insert(len(paths) // 2, boom)
    return paths


@pytest.mark.parametrize("killer", [_Killer, _Exiter])
def test_a_file_that_kills_its_worker_is_reported_and_the_others_are_linted(files, tmp_path, killer, monkeypatch):
    monkeypatch.setattr(pool, "CHUNK", 4)  # the pool breaks with several tasks in flight and more waiting
    job = Job(Policy(), (*ALL_RULES, killer), report_suppressions=True)
    results = lint_paths(files, job, 2, tmp_path, cache=ResultCache(tmp_path / "cache", "k", tmp_path))
    by_path = {result.path: result for result in results}
    boom = by_path.pop("boom.py")
    assert boom.signature is None and not boom.parsed  # never cached
    [finding] = boom.findings
    assert finding.code == "BL000" and finding.blocking
    cause = "killed by SIGKILL, possibly out of memory" if killer is _Killer else "exit code 1"
    assert finding.message == f"the analysis process died ({cause}) while linting this file; the file was not checked"
    others = [path for path in files if path.name != "boom.py"]
    assert list(by_path.values()) == lint_paths(others, Job(Policy(), ALL_RULES, report_suppressions=True), 1, tmp_path)
    assert all(result.signature is not None for result in by_path.values())


def test_the_command_line_reports_the_file_and_caches_the_others(files, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    monkeypatch.setenv("BUDGETLINT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(commands, "all_rules", lambda: (*ALL_RULES, _Killer))
    result = CliRunner().invoke(main, ["check", "--jobs", "2", "--select", "BL", "."], catch_exceptions=False)
    assert result.exit_code == 1
    assert "boom.py:1:1: BL000 [blocks] the analysis process died (killed by SIGKILL, possibly out of memory)" in result.stdout
    assert "m01.py:7:12: BL001" in result.stdout and "Traceback" not in result.output
    [index] = (tmp_path / "cache").glob("*.json")
    assert sorted(json.loads(index.read_text())["entries"]) == sorted(path.name for path in files if path.name != "boom.py")


class _Hungry(_Killer):
    def check(self, model: FileModel, policy: Policy) -> Iterator[Report]:
        if MARKER in model.module.code:
            raise MemoryError
        return iter(())


def test_a_memory_error_is_caught_in_the_worker_for_its_file(files, tmp_path):
    results = lint_paths(files, Job(Policy(), (*ALL_RULES, _Hungry), report_suppressions=True), 2, tmp_path)
    [boom] = [result for result in results if result.path == "boom.py"]
    assert [finding.message for finding in boom.findings] == ["internal error while analysing file (MemoryError)"]
    assert len(results) == len(files) and boom.signature is None


# --- the main process dies: its workers do not outlive it ------------------------------------


def _children(parent: int) -> set[int]:
    """The live (not zombie) processes whose parent is ``parent``, from /proc."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        if fields[0] != "Z" and int(fields[1]) == parent:
            found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


_WITHOUT_PRCTL = (
    "from budgetlint import pool; pool._kill_when_parent_ends = lambda: False; "
    "from budgetlint.__main__ import run; run()"
)
"""The command line with the portable fallback (a thread polling the parent id) instead of prctl."""


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table from /proc (Linux)")
@pytest.mark.parametrize("start", [["-m", "budgetlint"], ["-c", _WITHOUT_PRCTL]], ids=["prctl", "watcher-thread"])
def test_workers_end_when_the_main_process_is_killed(tmp_path, start):
    """Found by adversarial testing: after SIGKILL of the main process (as ``subprocess.run(timeout=...)``
    sends), its pool workers waited forever for the next task."""
    for index in range(400):
        shutil.copyfile(FIXTURES / ("unbounded.py" if index % 2 else "untagged.py"), tmp_path / f"m{index:03d}.py")
    (tmp_path / ".git").mkdir()
    command = [sys.executable, *start, "check", "--jobs", "2", "--no-cache", "."]
    main_process = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        workers: set[int] = set()
        deadline = time.monotonic() + 120
        while len(workers) < 2 and main_process.poll() is None and time.monotonic() < deadline:
            workers |= _children(main_process.pid)
            time.sleep(0.01)
        assert len(workers) >= 2, "the run ended before its workers were seen: give it more files"
        main_process.kill()
        main_process.wait()
        deadline = time.monotonic() + 60  # a bound for a loaded machine, not a speed requirement
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(_alive(pid) for pid in workers), f"workers {sorted(workers)} outlived the main process"
    finally:
        main_process.kill()
        for pid in workers:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
