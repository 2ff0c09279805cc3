"""Test-wide settings: Hypothesis runs that leave nothing behind and repeat exactly; a result cache
outside the repository for tests that lint its own fixture trees; which files a run really lints."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from budgetlint import runner
from hypothesis import settings

settings.register_profile("repeatable", database=None, derandomize=True)
"""The default: no example database (a failure saved by one run would change the next), and the
same examples every run, so the suite passes or fails the same way twice in a row."""
settings.register_profile("explore", database=None, derandomize=False)
"""``HYPOTHESIS_PROFILE=explore``: new random examples each run (still nothing saved)."""
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


@pytest.fixture
def cache_outside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs over the repository's own trees (examples/, tests/fixtures/) cache in a temporary
    directory: the suite leaves nothing behind in the checkout, and a second run starts alike."""
    monkeypatch.setenv("BUDGETLINT_CACHE_DIR", str(tmp_path / "budgetlint-cache"))


@pytest.fixture
def linted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The display paths of the files actually linted (not answered from the cache)."""
    seen: list[str] = []
    original = runner.lint_file

    def counting(path, name, job, key=None, signed=True):
        seen.append(name)
        return original(path, name, job, key, signed)

    monkeypatch.setattr(runner, "lint_file", counting)
    return seen


@pytest.fixture(autouse=True)
def default_sigint():
    """Every test starts with Python's own SIGINT handler (KeyboardInterrupt), whatever an earlier
    test or an imported library left installed, and leaves it as it found it: the Ctrl-C tests
    assert what budgetlint does under that handler."""
    import signal

    previous = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)
