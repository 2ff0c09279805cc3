"""Benchmark budgetlint against other linters on a directory.

    python bench/bench.py PATH [--runs 3] [--jobs N] [--exclude GLOB ...] [--markdown]

Copies PATH to a temporary directory (the original is never touched; ``--exclude`` leaves out
matching names, e.g. ``site-packages``), then times, in one run, each command ``--runs`` times
(in rounds: each command once per round, so that a machine whose speed drifts affects all alike):

- budgetlint cold (``--no-cache``), with the default jobs and with ``--jobs 1`` (the parallel
  speed-up), and its first run filling an empty cache;
- budgetlint warm (cache, nothing changed) and warm after one file changed (the largest file
  budgetlint parses, appended to before every run);
- ``ruff check --no-cache --select ALL``, ``ruff check --no-cache`` (default rules) and
  ``semgrep`` with a small rule set, when installed.

Prints medians, files/s and lines/s, the peak memory of the largest process (max RSS) and of the
whole process tree (the sum of the processes' proportional set sizes, sampled every 20 ms), and
ratios: cold runs against ``ruff --select ALL``, warm runs against ruff's default rules.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

SKIP_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", "build", "dist", ".budgetlint_cache", ".ruff_cache"}
COLD_REFERENCE = "ruff --select ALL"
WARM_REFERENCE = "ruff (default rules)"


@dataclass
class Measure:
    name: str
    seconds: list[float] = field(default_factory=list)
    peak_kib: int = 0
    tree_kib: int = 0

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def python_files(root: Path) -> list[Path]:
    found = []
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS]
        found.extend(Path(directory, name) for name in filenames if name.endswith(".py"))
    return found


class TreeMemory:
    """The peak of the summed PSS (else RSS) of a process and its descendants, sampled."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak_kib, self._done = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def stop(self) -> int:
        self._done.set()
        self._thread.join()
        return self.peak_kib

    def _sample(self) -> None:
        while not self._done.wait(0.02):
            self.peak_kib = max(self.peak_kib, sum(_memory_kib(pid) for pid in _tree(self.pid)))


def _tree(pid: int) -> list[int]:
    pids, index = [pid], 0
    while index < len(pids):
        try:
            for task in os.listdir(f"/proc/{pids[index]}/task"):
                with open(f"/proc/{pids[index]}/task/{task}/children") as handle:
                    pids.extend(int(child) for child in handle.read().split())
        except OSError:
            pass
        index += 1
    return pids


def _memory_kib(pid: int) -> int:
    for path, key in ((f"/proc/{pid}/smaps_rollup", "Pss:"), (f"/proc/{pid}/status", "VmRSS:")):
        try:
            with open(path) as handle:
                for line in handle:
                    if line.startswith(key):
                        return int(line.split()[1])
        except OSError:
            continue
    return 0


def run(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int, int]:
    """Wall time, peak RSS of the largest process (KiB) and peak memory of the process tree (KiB)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sampler = TreeMemory(process.pid) if os.path.isdir("/proc") else None
    _, _, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    tree = sampler.stop() if sampler is not None else 0
    return elapsed, usage.ru_maxrss, max(tree, usage.ru_maxrss)


@dataclass
class Command:
    name: str
    argv: list[str]
    env: dict[str, str]
    before: Callable[[], None] | None = None


def measure(commands: list[Command], cwd: Path, runs: int) -> list[Measure]:
    """Each command once per round, ``runs`` rounds: a machine that slows down or speeds up
    (a shared host) affects every command alike, not the ones measured at that moment."""
    results = [Measure(command.name) for command in commands]
    for _ in range(runs):
        for command, result in zip(commands, results):
            if command.before is not None:
                command.before()
            elapsed, peak, tree = run(command.argv, cwd, command.env)
            result.seconds.append(elapsed)
            result.peak_kib, result.tree_kib = max(result.peak_kib, peak), max(result.tree_kib, tree)
    return results


def supports(option: str) -> bool:
    help_text = subprocess.run(
        [sys.executable, "-m", "budgetlint", "check", "--help"], capture_output=True, text=True, check=False
    ).stdout
    return option in help_text


def largest_parsed(files: list[Path]) -> Path | None:
    """The largest file budgetlint's prefilter lets through (else the largest file)."""
    try:
        from budgetlint.prefilter import might_matter
    except ImportError:  # an older budgetlint
        might_matter = None
    parsed = [path for path in files if might_matter is None or might_matter(path.read_bytes())]
    return max(parsed or files, key=lambda path: path.stat().st_size) if files else None


def find_tool(name: str) -> str | None:
    beside = Path(sys.executable).with_name(name)  # the benchmark's virtualenv first
    return str(beside) if beside.is_file() else shutil.which(name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
    parser.add_argument("--exclude", action="append", default=[], metavar="GLOB", help="Names to leave out of the copy (repeatable).")
    parser.add_argument("--markdown", action="store_true", help="Print the table as Markdown.")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="budgetlint-bench-") as scratch:
        tree = Path(scratch) / "tree"
        shutil.copytree(args.path, tree, symlinks=True, ignore=shutil.ignore_patterns(*SKIP_DIRS, *args.exclude))
        if hasattr(os, "sync"):
            os.sync()  # the copy's writeback would otherwise compete with the first runs measured
        files = python_files(tree)
        lines = sum(path.read_bytes().count(b"\n") for path in files)
        cache_dir = Path(scratch) / "cache"
        env = dict(os.environ, BUDGETLINT_CACHE_DIR=str(cache_dir))
        # As installed programs run: with .pyc files. Some sandboxes and CI images set this, and
        # every run then compiles budgetlint's modules again (~30 ms of a 0.2 s warm run).
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        base = [sys.executable, "-m", "budgetlint", "check", ".", "--exit-zero", "--quiet"]
        jobs = ["--jobs", str(args.jobs)]
        cached = supports("--no-cache")
        cold_flag = ["--no-cache"] if cached else []
        victim = largest_parsed(files)

        def touch() -> None:
            if victim is not None:
                with victim.open("a", encoding="utf-8") as handle:
                    handle.write("\n# changed by the benchmark\n")

        def empty_cache() -> None:
            shutil.rmtree(cache_dir, ignore_errors=True)

        run(base + jobs + cold_flag, tree, env)  # warm the page cache and the interpreter's .pyc files
        commands = [Command("budgetlint cold", base + jobs + cold_flag, env)]
        if args.jobs > 1:
            commands.append(Command("budgetlint cold, --jobs 1", base + ["--jobs", "1"] + cold_flag, env))
        if cached:  # in this order: the cache filled, then read, then read after a change
            commands.append(Command("budgetlint first run (fills cache)", base + jobs, env, before=empty_cache))
            commands.append(Command("budgetlint warm", base + jobs, env))
            commands.append(Command("budgetlint warm, 1 file changed", base + jobs, env, before=touch))
        ruff = find_tool("ruff")
        if ruff:
            quiet = ["--exit-zero", "-q", "."]
            commands.append(Command(COLD_REFERENCE, [ruff, "check", "--no-cache", "--select", "ALL", *quiet], env))
            commands.append(Command(WARM_REFERENCE, [ruff, "check", "--no-cache", *quiet], env))
        semgrep = find_tool("semgrep")
        if semgrep:
            rules = Path(__file__).with_name("semgrep-rules.yml")
            # Offline: no version check (without network it waits for a timeout on every run).
            argv = [semgrep, "scan", "--config", str(rules), "--metrics=off", "--disable-version-check", "-q", "."]
            commands.append(Command("semgrep", argv, dict(env, SEMGREP_ENABLE_VERSION_CHECK="0")))
        results = measure(commands, tree, args.runs)

    print(f"{args.path}: {len(files)} Python files, {lines} lines; {args.runs} runs each, jobs={args.jobs}")
    if victim is not None:
        print(f"changed file: {victim.relative_to(tree)}")
    print(table(results, len(files), lines, args.markdown))
    speedup = {m.name: m.median for m in results}
    if "budgetlint cold, --jobs 1" in speedup:
        print(f"parallel speed-up, cold: {speedup['budgetlint cold, --jobs 1'] / speedup['budgetlint cold']:.2f}x with {args.jobs} jobs")
    if not cached:
        print("(this budgetlint has no result cache: only cold runs are measured)")
    return 0


def table(results: list[Measure], files: int, lines: int, markdown: bool) -> str:
    reference = {m.name: m.median for m in results}
    header = ("command", "median s", "files/s", "lines/s", "peak MiB", "tree MiB", "ratio")
    rows = [header]
    for m in results:
        against = WARM_REFERENCE if "warm" in m.name else COLD_REFERENCE
        ratio = f"{m.median / reference[against]:.2f}x {against}" if against in reference and m.name != against else ""
        rows.append(
            (m.name, f"{m.median:.2f}", f"{files / m.median:.0f}", f"{lines / m.median:.0f}",
             f"{m.peak_kib / 1024:.0f}", f"{m.tree_kib / 1024:.0f}", ratio)
        )
    if markdown:
        out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        out += ["| " + " | ".join(row) + " |" for row in rows[1:]]
        return "\n".join(out)
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(widths[i]) if i == 0 or i == 6 else cell.rjust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows)


if __name__ == "__main__":
    raise SystemExit(main())
