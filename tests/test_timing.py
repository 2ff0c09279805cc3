"""``BUDGETLINT_TIMINGS``: a run's phase totals and file counts, worker processes included."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from budgetlint import timing

LLM_FILE = """\
from openai import OpenAI

client = OpenAI()


def ask(question):
    return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": question}])
"""
PLAIN_FILE = "def add(a, b):\n    return a + b\n"
LLM_FILES, PLAIN_FILES = 24, 16  # 40 files: over runner.SERIAL_BELOW, so --jobs 2 uses a process pool


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for index in range(LLM_FILES):
        (tmp_path / f"llm_{index}.py").write_text(LLM_FILE)
    for index in range(PLAIN_FILES):
        (tmp_path / f"plain_{index}.py").write_text(PLAIN_FILE)
    return tmp_path


def timed_run(project: Path, output: Path, *options: str) -> dict:
    env = dict(os.environ, **{timing.ENV: str(output)})
    command = [sys.executable, "-m", "budgetlint", "check", ".", "--no-cache", "--exit-zero", "--quiet", *options]
    subprocess.run(command, cwd=project, env=env, check=True, capture_output=True)
    return json.loads(output.read_text(encoding="utf-8"))


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_the_totals_cover_every_phase_and_count_every_file(project, tmp_path, jobs):
    document = timed_run(project, tmp_path / "timings.json", "--jobs", jobs)
    assert set(document["phases"]) == set(timing.PHASES)
    assert all(seconds >= 0 for seconds in document["phases"].values())
    for phase in ("read", "prefilter", "guard", "parse", "model", "rules", "locate", "summaries", "report"):
        assert document["phases"][phase] > 0, phase
    assert document["counts"]["read"] == LLM_FILES + PLAIN_FILES
    assert document["counts"]["parsed"] == LLM_FILES  # the prefilter skips the plain files
    assert document["wall"] > 0
    # with two jobs the files are linted in worker processes, whose totals came back
    assert (document["counts"][timing.WORKER_TASKS] > 0) == (jobs == "2")


def test_a_timings_file_that_cannot_be_written_is_one_line_not_a_traceback(project, tmp_path):
    env = dict(os.environ, **{timing.ENV: str(tmp_path / "missing" / "timings.json")})
    command = [sys.executable, "-m", "budgetlint", "check", ".", "--no-cache", "--exit-zero", "--quiet"]
    result = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
    assert result.returncode == 0
    assert "Traceback" not in result.stderr
    assert "cannot write the timings to" in result.stderr


def test_phases_are_exclusive_and_workers_totals_add_up(monkeypatch):
    clock = iter([0.0, 1.0, 3.0, 6.0])  # outer enters, inner enters, inner leaves, outer leaves
    monkeypatch.setattr(timing.time, "perf_counter", lambda: next(clock))
    totals = timing.Totals()
    totals.enter("model")
    totals.enter("parse")
    totals.leave()
    totals.leave()
    assert totals.seconds["model"] == 4.0  # 1 s before the parse, 3 s after it
    assert totals.seconds["parse"] == 2.0
    totals.counts["parsed"] = 1
    totals.add({"phases": {"parse": 0.5}, "counts": {"parsed": 2}})
    assert (totals.seconds["parse"], totals.counts["parsed"]) == (2.5, 3)


def test_off_the_phases_do_nothing(monkeypatch):
    monkeypatch.setattr(timing, "_totals", None)
    with timing.phase("parse"), timing.separately() as totals:
        timing.count("parsed")
    assert totals is None
    assert not timing.enabled()
