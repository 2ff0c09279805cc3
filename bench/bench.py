"""Benchmark budgetlint against other linters on a directory.

    python bench/bench.py PATH [--runs 3] [--jobs N]

Copies PATH to a temporary directory (the original is never touched), then times, in one run:
budgetlint cold (no cache), warm (cache, nothing changed), warm after one file changed, and the
other linters installed (``ruff check --select ALL --no-cache``, ``ruff check --no-cache``,
``semgrep`` with a small rule set when installed). Prints medians, ratios to ruff, files/s,
lines/s and peak memory (max RSS of the process tree) as a table.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SKIP_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", "build", "dist"}


@dataclass
class Measure:
    name: str
    seconds: list[float]
    peak_kib: int

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def python_files(root: Path) -> list[Path]:
    found = []
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS]
        found.extend(Path(directory, name) for name in filenames if name.endswith(".py"))
    return found


def run(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int]:
    """Wall time and peak RSS (KiB) of one command."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(process.pid, 0)
    return time.perf_counter() - start, usage.ru_maxrss


def measure(name: str, command: list[str], cwd: Path, env: dict[str, str], runs: int, before=None) -> Measure:
    seconds, peak = [], 0
    for _ in range(runs):
        if before is not None:
            before()
        elapsed, rss = run(command, cwd, env)
        seconds.append(elapsed)
        peak = max(peak, rss)
    return Measure(name, seconds, peak)


def supports(option: str) -> bool:
    help_text = subprocess.run([sys.executable, "-m", "budgetlint", "check", "--help"], capture_output=True, text=True).stdout
    return option in help_text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="budgetlint-bench-") as scratch:
        tree = Path(scratch) / "tree"
        shutil.copytree(args.path, tree, symlinks=True, ignore=shutil.ignore_patterns(*SKIP_DIRS))
        files = python_files(tree)
        lines = sum(path.read_bytes().count(b"\n") for path in files)
        env = dict(os.environ, BUDGETLINT_CACHE_DIR=str(Path(scratch) / "cache"))
        base = [sys.executable, "-m", "budgetlint", "check", ".", "--exit-zero", "--quiet", "--jobs", str(args.jobs)]
        cold_flag = ["--no-cache"] if supports("--no-cache") else []
        victim = max(files, key=lambda path: path.stat().st_size) if files else None

        def touch() -> None:
            if victim is not None:
                with victim.open("a", encoding="utf-8") as handle:
                    handle.write("\n# changed by the benchmark\n")

        results = [measure("budgetlint cold", base + cold_flag, tree, env, args.runs)]
        if cold_flag:
            run(base, tree, env)  # fill the cache
            results.append(measure("budgetlint warm", base, tree, env, args.runs))
            results.append(measure("budgetlint warm, 1 file changed", base, tree, env, args.runs, before=touch))
        ruff = shutil.which("ruff")
        if ruff:
            results.append(measure("ruff --select ALL", [ruff, "check", "--no-cache", "--select", "ALL", "--exit-zero", "-q", "."], tree, env, args.runs))
            results.append(measure("ruff (default rules)", [ruff, "check", "--no-cache", "--exit-zero", "-q", "."], tree, env, args.runs))
        semgrep = shutil.which("semgrep")
        if semgrep:
            rules = Path(__file__).with_name("semgrep-rules.yml")
            results.append(measure("semgrep", [semgrep, "scan", "--config", str(rules), "--metrics=off", "-q", "."], tree, env, args.runs))

    reference = {m.name: m.median for m in results}
    print(f"{args.path}: {len(files)} Python files, {lines} lines; {args.runs} runs each, jobs={args.jobs}")
    print(f"{'command':36} {'median s':>9} {'files/s':>9} {'lines/s':>10} {'peak MiB':>9} {'x ruff ALL':>10}")
    for m in results:
        ratio = f"{m.median / reference['ruff --select ALL']:.2f}" if "ruff --select ALL" in reference else "-"
        print(
            f"{m.name:36} {m.median:9.2f} {len(files) / m.median:9.0f} {lines / m.median:10.0f} "
            f"{m.peak_kib / 1024:9.0f} {ratio:>10}"
        )
    if not cold_flag:
        print("(this budgetlint has no result cache yet: only the cold run is measured)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
