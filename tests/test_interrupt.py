"""Ctrl-C: one line on stderr, exit 130, no traceback, no half-written report, cache or fixed file."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from contextlib import suppress
from pathlib import Path

import pytest
from budgetlint import commands, interrupts
from budgetlint.cli import main
from budgetlint.fix import write_atomic
from click.testing import CliRunner

CALLS = "".join(
    f"\n\ndef ask{index}(question):\n"
    f"    return client.chat.completions.create(model='m', messages=[question], metadata={{'feature': 'f{index}'}})\n"
    for index in range(8)
)
SOURCE = "from openai import OpenAI\n\nclient = OpenAI()\n" + CALLS
PREVIOUS = '{"version": "2.1.0", "runs": []}\n'
"""What the report file held before the run: an interrupted run leaves it or a complete new one."""


def command(tree: Path, *more: str) -> list[str]:
    return [sys.executable, "-m", "budgetlint", "check", str(tree), "--format", "sarif", "--jobs", "2", *more]


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, dict]:
    """A project that takes a second or two to lint, its exit code and its SARIF report."""
    root = tmp_path_factory.mktemp("interrupt") / "project"
    for index in range(200):
        package = root / f"pkg{index % 8}"
        package.mkdir(parents=True, exist_ok=True)
        (package / f"module_{index:03d}.py").write_text(SOURCE)
    (root / ".git").mkdir()
    report = root.parent / "reference.sarif"
    done = subprocess.run(command(root, "--no-cache", "--output", str(report)), capture_output=True, timeout=60)
    assert done.returncode == 1, done.stderr
    return root, done.returncode, json.loads(report.read_text())


@pytest.mark.parametrize("delay", [0.3, 0.8, None], ids=["early", "later", "after-completion"])
def test_ctrl_c_leaves_nothing_half_written_and_the_next_run_is_whole(tree, tmp_path, delay):
    root, code, reference = tree
    out, cache = tmp_path / "out" / "out.sarif", tmp_path / "cache"
    out.parent.mkdir()
    out.write_text(PREVIOUS)
    env = {**os.environ, "BUDGETLINT_CACHE_DIR": str(cache)}
    run = subprocess.Popen(command(root, "--output", str(out)), env=env, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        run.wait(delay or 60)
    except subprocess.TimeoutExpired:
        pass
    with suppress(ProcessLookupError):  # the run is over
        os.killpg(run.pid, signal.SIGINT)
    _, stderr = run.communicate(timeout=30)
    assert run.returncode in (code, interrupts.EXIT_INTERRUPTED), stderr
    assert b"Traceback" not in stderr
    if run.returncode == interrupts.EXIT_INTERRUPTED:
        assert stderr.decode().splitlines()[-1] == "budgetlint: interrupted"
    assert out.read_text() == PREVIOUS or json.loads(out.read_text()) == reference
    assert os.listdir(out.parent) == ["out.sarif"]
    if cache.exists():
        assert all(path.suffix != ".tmp" for path in cache.iterdir())
        for index in cache.glob("*.json"):
            json.loads(index.read_text())
    again = subprocess.run(command(root, "--output", str(out)), env=env, capture_output=True, timeout=60)
    assert again.returncode == code and json.loads(out.read_text()) == reference


# in this process: what the command line does with an interrupt


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    for name in ("a.py", "b.py", "c.py"):
        (tmp_path / name).write_text(SOURCE.replace("metadata=", "max_tokens=None, metadata="))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BUDGETLINT_CACHE_DIR", str(tmp_path / ".cache"))
    return tmp_path


def test_an_interrupted_run_writes_no_report_and_no_cache(project, monkeypatch):
    (project / "report.json").write_text(PREVIOUS)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(commands, "lint_project", interrupted)
    result = CliRunner().invoke(main, ["check", "--format", "json", "--output", "report.json", "--sarif-file", "r.sarif", "."])
    assert result.exit_code == interrupts.EXIT_INTERRUPTED
    assert result.stderr == "budgetlint: interrupted\n" and result.stdout == ""
    assert (project / "report.json").read_text() == PREVIOUS and not (project / "r.sarif").exists()
    assert not (project / ".cache").exists()


def interrupt_during(monkeypatch: pytest.MonkeyPatch, write: int) -> list[str]:
    """Ctrl-C arrives in the middle of the ``write``-th (1-based) ``os.replace``; returns their targets."""
    replaced: list[str] = []
    original = os.replace

    def replace(source, target):
        replaced.append(os.path.basename(target))
        if len(replaced) == write:
            signal.raise_signal(signal.SIGINT)
        original(source, target)

    monkeypatch.setattr(os, "replace", replace)
    return replaced


def test_a_write_cut_by_ctrl_c_completes_first_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    report = tmp_path / "report.txt"
    report.write_text("old")
    report.chmod(0o640)
    interrupt_during(monkeypatch, 1)
    with pytest.raises(KeyboardInterrupt):
        interrupts.replace_file(report, b"new")
    assert report.read_text() == "new" and report.stat().st_mode & 0o777 == 0o640
    interrupt_during(monkeypatch, 1)
    with pytest.raises(KeyboardInterrupt):
        assert write_atomic(report, b"new", b"fixed") == ""
    assert report.read_text() == "fixed" and os.listdir(tmp_path) == ["report.txt"]


def test_fix_under_ctrl_c_leaves_each_file_fixed_or_as_it_was(project, monkeypatch):
    before = {name: (project / name).read_text() for name in ("a.py", "b.py", "c.py")}
    replaced = interrupt_during(monkeypatch, 2)
    result = CliRunner().invoke(main, ["check", "--fix", "--jobs", "1", "."])
    assert result.exit_code == interrupts.EXIT_INTERRUPTED and result.stderr == "budgetlint: interrupted\n"
    assert replaced == ["a.py", "b.py"]  # the second write finished, then the run stopped
    for name in ("a.py", "b.py"):
        assert (project / name).read_text() != before[name]
    assert (project / "c.py").read_text() == before["c.py"]
    assert sorted(os.listdir(project)) == [".git", "a.py", "b.py", "c.py"]


def test_a_report_through_a_symlink_or_to_a_device(tmp_path):
    (tmp_path / "target.json").write_text("old")
    (tmp_path / "link.json").symlink_to("target.json")
    interrupts.replace_file(tmp_path / "link.json", b"new")
    assert (tmp_path / "link.json").is_symlink() and (tmp_path / "target.json").read_text() == "new"
    interrupts.replace_file(Path(os.devnull), b"new")  # not replaced: written to
    assert sorted(os.listdir(tmp_path)) == ["link.json", "target.json"]
