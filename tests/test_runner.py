"""How the runner names the files it lints: display names and root-relative keys."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from budgetlint import runner
from budgetlint.discovery import display_name, root_keys, shown_directory


@pytest.fixture
def layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project with files at its top, in packages, reached through a symlinked directory, and
    a file outside it; the working directory is ``project/pkg``."""
    project = tmp_path / "project"
    for relative in ("top.py", "pkg/a.py", "pkg/b.py", "pkg/sub/c.py", "real/d.py"):
        (project / relative).parent.mkdir(parents=True, exist_ok=True)
        (project / relative).write_text("x = 1\n")
    (project / "alias").symlink_to(project / "real", target_is_directory=True)
    (project / "pkg" / "e.py").symlink_to(project / "top.py")
    (tmp_path / "outside.py").write_text("x = 1\n")
    monkeypatch.chdir(project / "pkg")
    return project


def _expected(files: list[Path], cwd: Path, root: Path) -> list[tuple[str, str, str]]:
    """The definition: each file named by ``display_name`` and keyed by ``root_keys`` on its own."""
    here = str(cwd)
    shown = shown_directory(here)
    keys = root_keys([os.path.abspath(path) for path in files], os.path.realpath(root))
    return [(str(path), display_name(str(path), here, shown), key) for path, key in zip(files, keys)]


PATHS = ("a.py", "b.py", "sub/c.py", "e.py", "../top.py", "../pkg/sub/c.py", "../alias/d.py", "../real/d.py", "sub/../a.py")


def test_triples_name_every_file_as_display_name_and_root_keys_do(layout: Path):
    files = [Path(path) for path in PATHS] + [layout.parent / "outside.py", layout / "pkg" / "a.py", layout / "alias" / "d.py"]
    cwd = Path.cwd().resolve()
    assert runner.triples_of(files, cwd, layout) == _expected(files, cwd, layout)
    assert runner.triples_of(files, cwd) == _expected(files, cwd, cwd)


def test_triples_name_files_as_the_shell_shows_the_working_directory(layout: Path, monkeypatch: pytest.MonkeyPatch):
    link = layout.parent / "link"
    link.symlink_to(layout / "pkg", target_is_directory=True)
    monkeypatch.setenv("PWD", str(link))
    files = [Path(path) for path in PATHS] + [link / "a.py", layout / "pkg" / "b.py"]
    cwd = Path.cwd().resolve()
    triples = runner.triples_of(files, cwd, layout)
    assert triples == _expected(files, cwd, layout)
    assert [name for _, name, _ in triples][:3] == ["a.py", "b.py", "sub/c.py"]


def test_triples_resolve_each_directory_once_not_each_file(layout: Path, monkeypatch: pytest.MonkeyPatch):
    """A warm run spent more time naming its 2,000 files (an ``abspath`` per file, twice) than reading the cache."""
    calls = []
    real = os.path.abspath
    monkeypatch.setattr(os.path, "abspath", lambda path: calls.append(path) or real(path))

    def abspaths(count: int) -> int:
        calls.clear()
        files = [Path(f"sub/m{index}.py") for index in range(count)] + [Path(f"m{index}.py") for index in range(count)]
        runner.triples_of(files, Path.cwd().resolve(), layout)
        return len(calls)

    assert abspaths(40) == abspaths(1)


def test_no_garbage_collection_runs_while_the_analysis_loads(tmp_path: Path):
    """libcst, the engine and the rules load (on the first file to parse, or for the rules) with
    the collector paused: collecting what an import makes only walks what lives on."""
    (tmp_path / "m.py").write_text("import openai\nopenai.OpenAI().chat.completions.create(model='m', messages=[])\n")
    script = """
import gc, sys
from budgetlint import commands, runner
from budgetlint.job import Job
from budgetlint.policy import Policy
collections = []
gc.callbacks.append(lambda phase, info: phase == "start" and collections.append(info["generation"]))
assert "libcst" not in sys.modules
runner.lint_file(sys.argv[1], "m.py", lambda: Job(Policy(), commands.all_rules(), report_suppressions=True))
assert "budgetlint.engine" in sys.modules and "budgetlint.rules" in sys.modules
print(len(collections))
"""
    ran = subprocess.run([sys.executable, "-c", script, str(tmp_path / "m.py")], capture_output=True, text=True, check=True)
    assert int(ran.stdout) < 40  # the imports around them and the analysis of the file: ~10; the imports made ~85 more


SCREENED = "import openai\nopenai.OpenAI().chat.completions.create(model='m', messages=[])\n"


def _screens(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    from budgetlint import intake

    calls: list[str] = []
    real = intake.screen
    monkeypatch.setattr(intake, "screen", lambda source, name, *args, **kwargs: calls.append(name) or real(source, name, *args, **kwargs))
    return calls


@pytest.mark.parametrize("made", [False, True])
def test_a_file_the_runner_screened_is_not_screened_again_by_the_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, made: bool):
    """The prefilter ran twice on each file it let pass: in the runner, then in the engine."""
    from budgetlint import commands
    from budgetlint.job import Job
    from budgetlint.policy import Policy

    (tmp_path / "m.py").write_text(SCREENED)
    calls = _screens(monkeypatch)
    job = Job(Policy(), commands.all_rules(), report_suppressions=True)
    result = runner.lint_file(str(tmp_path / "m.py"), "m.py", job if made else lambda: job)
    assert "BL001" in [finding.code for finding in result.findings]
    assert calls == ["m.py"]


def test_the_engine_screens_again_for_a_job_with_other_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A job made on the first file to lint may be one the runner could not screen for (phase 2's,
    or one ignoring suppressions): the engine screens the file as that job asks."""
    from budgetlint import commands
    from budgetlint.job import Job
    from budgetlint.policy import Policy

    (tmp_path / "m.py").write_text("# budgetlint: ignore-file\n" + SCREENED)
    calls = _screens(monkeypatch)
    job = Job(Policy(), commands.all_rules(), report_suppressions=True, ignore_suppressions=True)
    result = runner.lint_file(str(tmp_path / "m.py"), "m.py", lambda: job)
    assert "BL001" in [finding.code for finding in result.findings]  # the ignore-file comment does not count
    assert calls == ["m.py", "m.py"]


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_run_without_a_cache_hashes_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int):
    """``--no-cache`` hashed every file it read (the cache's signature: ~0.02 s of a cold run over 2,000 files)."""
    from budgetlint import cache as cache_module
    from budgetlint import commands
    from budgetlint.job import Job
    from budgetlint.policy import Policy

    files = []
    for index in range(runner.SERIAL_BELOW if jobs > 1 else 2):
        path = tmp_path / f"m{index}.py"
        path.write_text(SCREENED if index % 2 else "x = 1\n")
        files.append(path)
    job = Job(Policy(), commands.all_rules(), report_suppressions=True)
    hashed = runner.lint_paths(files, job, jobs, tmp_path, cache=cache_module.ResultCache(tmp_path / "cache", "k", tmp_path))
    assert all(result.signature is not None for result in hashed)

    def no_hash(source: bytes) -> str:
        raise AssertionError("a file hashed for a cache the run does not have")

    monkeypatch.setattr(cache_module, "digest", no_hash)
    results = runner.lint_paths(files, job, jobs, tmp_path)
    assert [result.findings for result in results] == [result.findings for result in hashed]
    assert all(result.signature is None for result in results)
