"""Benchmark budgetlint against ruff and the LLM-specific linters on one or more directories.

    python bench/bench.py PATH [PATH ...] [--runs 5] [--jobs N] [--exclude GLOB ...] [--changed FILE] [--markdown]

Copies each PATH to a temporary directory (the original is never touched; ``--exclude`` leaves
out matching names, e.g. ``site-packages``), then times, in rounds (each command once per round,
``--runs`` rounds, so that a machine whose speed drifts affects all alike):

- budgetlint cold (``--no-cache``), with the default jobs and with ``--jobs 1``, its first run
  filling an empty cache, warm (nothing changed) and warm after one changed file (the largest
  file holding an LLM call site, as ``budgetlint inventory`` finds them, else the largest file
  the prefilter lets through; ``--changed`` names another), appended to before every run;
- ``ruff check --no-cache --output-format concise`` with ``--select ALL`` and with its default
  rules (ruff's default ``full`` output spends most of an ``ALL`` run printing);
- the LLM-specific linters when installed (beside this Python or on ``PATH``): tokenlint,
  spendlint, agentguard-lint, and semgrep with ``bench/semgrep-rules.yml``; a missing one is
  named and skipped.

Per corpus it prints the median wall time of each command, its ratio to budgetlint cold (the
median of the ratios of the same rounds), the files budgetlint parsed with libcst, the peak
memory of the largest process (``ru_maxrss``) and of the whole process tree (the sum of the
processes' proportional set sizes, sampled every 20 ms in one more round that is not timed:
reading ``/proc`` that often takes the machine ~20% of a core, which would slow the command
timed beside it); budgetlint's time per phase
(``BUDGETLINT_TIMINGS``, summed over its processes; ``other`` is the rest of a run without
workers: start-up, discovery, the cache, the second phase's bookkeeping); and issue 16's goals.

Corpora (extract them once; nothing of them is kept in this repository):

    # langchain-community's libs/community (2,132 files)
    git clone --depth 1 https://github.com/langchain-ai/langchain-community /tmp/langchain-community
    mkdir -p /tmp/lcc && git -C /tmp/langchain-community archive HEAD -- ':(glob)libs/community/**/*.py' \\
        ':(glob)libs/community/**/*.toml' | tar -x -C /tmp/lcc          # then: /tmp/lcc/libs/community
    # the standard library of the running Python (without site-packages)
    python bench/bench.py "$(python -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')" --exclude site-packages
    # agno, an agent framework: its provider integrations (libs/agno/agno) and LLM-calling
    # examples (cookbook), 3,107 files, 48% of them naming an SDK module
    git clone https://github.com/agno-agi/agno /tmp/agno-repo && git -C /tmp/agno-repo checkout 9644f22982ae017eaa4ad85c561d927d9ac03119
    mkdir -p /tmp/agno && git -C /tmp/agno-repo archive HEAD -- ':(glob)cookbook/**/*.py' \\
        ':(glob)libs/agno/agno/**/*.py' | tar -x -C /tmp/agno
"""

from __future__ import annotations

import argparse
import json
import os
import re
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
TIMINGS_ENV = "BUDGETLINT_TIMINGS"  # budgetlint.timing.ENV (not imported: an older budgetlint has none)
PHASES = ("read", "prefilter", "triage", "summaries", "guard", "parse", "model", "rules", "locate", "report")
COLD = "budgetlint cold"
WARM, CHANGED = "budgetlint warm", "budgetlint warm, 1 file changed"
RUFF_ALL, RUFF = "ruff --select ALL", "ruff check"
SDK_MENTION = re.compile(
    rb"\b(?:openai|anthropic|ollama|litellm|groq|mistralai|cohere|huggingface_hub|text_generation|llama_cpp|vllm"
    rb"|google\.genai|google\.generativeai|langchain_(?:openai|anthropic|ollama))\b"
)
"""An SDK's module name as a word (``import openai``, ``agno.models.openai``): the corpus's share."""
QUIET_PEERS = {"DO_NOT_TRACK": "1", "SPENDLINT_TELEMETRY": "off", "SEMGREP_ENABLE_VERSION_CHECK": "0"}
"""Offline and without telemetry (without network a version check or report waits for a timeout)."""


@dataclass
class Measure:
    name: str
    peer: bool = False
    seconds: list[float] = field(default_factory=list)
    peak_kib: int = 0
    tree_kib: int = 0
    timings: list[dict] = field(default_factory=list)
    exits: set[int] = field(default_factory=set)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    def paired(self, reference: Measure) -> float:
        """The median over rounds of this command's time over ``reference``'s in the same round."""
        return statistics.median(mine / theirs for mine, theirs in zip(self.seconds, reference.seconds))

    def phase(self, name: str) -> float:
        return statistics.median(document["phases"].get(name, 0.0) for document in self.timings)

    def count(self, name: str) -> int:
        return round(statistics.median(document["counts"].get(name, 0) for document in self.timings))

    def other(self) -> float | None:
        """The wall time of a run without workers outside every phase; None with workers."""
        if any(document["counts"].get("worker tasks", 0) for document in self.timings):
            return None
        return statistics.median(document["wall"] - sum(document["phases"].values()) for document in self.timings)


@dataclass
class Command:
    name: str
    argv: list[str]
    env: dict[str, str]
    before: Callable[[], None] | None = None
    peer: bool = False
    timings: Path | None = None
    """Where budgetlint writes its phase totals (``BUDGETLINT_TIMINGS``)."""


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


def run(command: list[str], cwd: Path, env: dict[str, str], sample: bool = False) -> tuple[float, int, int, int]:
    """Wall time, peak RSS of the largest process (KiB: ``ru_maxrss`` of the process and the
    children it waited for), peak memory of the process tree (KiB, sampled only if ``sample``)
    and the exit code."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sampler = TreeMemory(process.pid) if sample and os.path.isdir("/proc") else None
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    tree = sampler.stop() if sampler is not None else 0
    return elapsed, usage.ru_maxrss, max(tree, usage.ru_maxrss), os.waitstatus_to_exitcode(status)


def measure(commands: list[Command], cwd: Path, runs: int) -> list[Measure]:
    """Each command once per round, ``runs`` rounds: a machine that slows down or speeds up
    (a shared host) affects every command alike, not the ones measured at that moment. Then one
    round more, not timed, samples each command's process tree's memory."""
    results = [Measure(command.name, command.peer) for command in commands]
    for round_ in range(runs + 1):
        sample = round_ == runs
        for command, result in zip(commands, results):
            if command.before is not None:
                command.before()
            env = command.env if command.timings is None or sample else dict(command.env, **{TIMINGS_ENV: str(command.timings)})
            elapsed, peak, tree, code = run(command.argv, cwd, env, sample)
            result.exits.add(code)
            result.peak_kib, result.tree_kib = max(result.peak_kib, peak), max(result.tree_kib, tree)
            if sample:
                continue
            result.seconds.append(elapsed)
            if command.timings is not None and command.timings.is_file():  # an older budgetlint writes none
                result.timings.append(json.loads(command.timings.read_text(encoding="utf-8")))
                command.timings.unlink()
    return results


def find_tool(name: str) -> str | None:
    beside = Path(sys.executable).with_name(name)  # the benchmark's virtualenv first
    return str(beside) if beside.is_file() else shutil.which(name)


BUDGETLINT = [sys.executable, "-m", "budgetlint"]


def environment(scratch: Path) -> dict[str, str]:
    env = dict(os.environ, BUDGETLINT_CACHE_DIR=str(scratch / "cache"), **QUIET_PEERS)
    # As installed programs run: with .pyc files. Some sandboxes and CI images set this, and
    # every run then compiles budgetlint's modules again (~30 ms of a 0.2 s warm run).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop(TIMINGS_ENV, None)
    return env


def changed_file(tree: Path, files: list[Path], env: dict[str, str]) -> Path | None:
    """The largest file with an LLM call site (``budgetlint inventory``), else the largest file the
    prefilter lets through, else the largest file."""
    listing = tree.parent / "inventory.json"
    argv = [*BUDGETLINT, "inventory", ".", "--format", "json", "--output", str(listing)]
    if subprocess.run(argv, cwd=tree, env=env, capture_output=True, check=False).returncode == 0 and listing.is_file():
        sites = json.loads(listing.read_text(encoding="utf-8")).get("sites", [])
        with_calls = {tree / site["path"] for site in sites if site.get("kind") == "generation"}
        if with_calls:
            return max(with_calls, key=lambda path: path.stat().st_size)
    try:
        from budgetlint.prefilter import might_matter
    except ImportError:
        might_matter = None
    parsed = [path for path in files if might_matter is None or might_matter(path.read_bytes())]
    return max(parsed or files, key=lambda path: path.stat().st_size) if files else None


def commands_for(scratch: Path, env: dict[str, str], jobs: int, victim: Path | None) -> tuple[list[Command], list[str]]:
    """The commands to time, and the tools not installed."""
    cache_dir = Path(env["BUDGETLINT_CACHE_DIR"])
    base = [*BUDGETLINT, "check", ".", "--exit-zero", "--quiet"]
    parallel = ["--jobs", str(jobs)]

    def touch() -> None:
        if victim is not None:
            with victim.open("a", encoding="utf-8") as handle:
                handle.write("\n# changed by the benchmark\n")

    def empty_cache() -> None:
        shutil.rmtree(cache_dir, ignore_errors=True)

    def budgetlint(name: str, argv: list[str], before: Callable[[], None] | None = None) -> Command:
        slug = re.sub(r"\W+", "-", name).strip("-")
        return Command(name, argv, env, before, timings=scratch / f"timings-{slug}.json")

    commands = [budgetlint(COLD, base + parallel + ["--no-cache"])]
    if jobs > 1:
        commands.append(budgetlint(f"{COLD}, --jobs 1", base + ["--jobs", "1", "--no-cache"]))
    # in this order: the cache filled, then read, then read after a change
    commands.append(budgetlint("budgetlint first run (fills cache)", base + parallel, empty_cache))
    commands.append(budgetlint(WARM, base + parallel))
    commands.append(budgetlint(CHANGED, base + parallel, touch))
    missing = []
    ruff = find_tool("ruff")
    if ruff:
        quiet = ["--output-format", "concise", "--exit-zero", "-q", "."]
        commands.append(Command(RUFF_ALL, [ruff, "check", "--no-cache", "--select", "ALL", *quiet], env))
        commands.append(Command(RUFF, [ruff, "check", "--no-cache", *quiet], env))
    else:
        missing.append("ruff")
    rules = Path(__file__).with_name("semgrep-rules.yml")
    peers = {
        "tokenlint": ["--fail-on", "never", "."],
        "spendlint": ["--fail-on", "none", "--no-config", "."],
        "agentguard": ["--fail-on", "never", "--plain", "--no-color", "."],  # agentguard-lint's command
        "semgrep": ["scan", "--config", str(rules), "--metrics=off", "--disable-version-check", "-q", "."],
    }
    for tool, arguments in peers.items():
        found = find_tool(tool)
        if found:
            commands.append(Command(tool, [found, *arguments], env, peer=True))
        else:
            missing.append(tool)
    return commands, missing


def bench(path: Path, args: argparse.Namespace) -> str:
    """Time every command on a copy of ``path``; the report."""
    with tempfile.TemporaryDirectory(prefix="budgetlint-bench-") as directory:
        scratch = Path(directory)
        tree = scratch / "tree"
        shutil.copytree(path, tree, symlinks=True, ignore=shutil.ignore_patterns(*SKIP_DIRS, *args.exclude))
        if hasattr(os, "sync"):
            os.sync()  # the copy's writeback would otherwise compete with the first runs measured
        files = python_files(tree)
        sources = [file.read_bytes() for file in files]
        lines = sum(source.count(b"\n") for source in sources)
        mention = sum(1 for source in sources if SDK_MENTION.search(source))
        env = environment(scratch)
        run([*BUDGETLINT, "check", ".", "--exit-zero", "--no-cache"], tree, env)  # the page cache, .pyc files
        victim = tree / args.changed if args.changed else changed_file(tree, files, env)
        commands, missing = commands_for(scratch, env, args.jobs, victim)
        results = measure(commands, tree, args.runs)
        share = f"{mention} ({mention / max(len(files), 1):.0%}) mention an SDK"
        out = [f"## {path}", "", f"{len(files)} Python files, {lines} lines, {share}; {args.runs} rounds, jobs={args.jobs}"]
        if victim is not None:
            out.append(f"changed file: {victim.relative_to(tree)} ({victim.stat().st_size // 1024} KiB)")
        out += [f"not installed, skipped: {tool}" for tool in missing]
        out += [f"{m.name} exited with {sorted(m.exits)}" for m in results if m.exits - {0}]
    out += ["", table(results, args.markdown), "", phase_table(results, args.markdown), "", *goals(results)]
    return "\n".join(out)


def table(results: list[Measure], markdown: bool) -> str:
    cold = next(m for m in results if m.name == COLD)
    rows = [("command", "wall s", f"vs {COLD}", "parsed by libcst", "peak MiB", "tree MiB")]
    for m in results:
        parsed = f"{m.count('parsed')} + {m.count('parsed in phase 2')}" if m.timings else ""
        rows.append((m.name, f"{m.median:.2f}", f"{m.paired(cold):.2f}", parsed, f"{m.peak_kib / 1024:.0f}", f"{m.tree_kib / 1024:.0f}"))
    return render(rows, markdown)


def phase_table(results: list[Measure], markdown: bool) -> str:
    """budgetlint's median seconds per phase (summed over processes), and the rest of a serial run."""
    timed = [m for m in results if m.timings]
    if not timed:
        return "(this budgetlint writes no phase timings)"
    rows = [("seconds per phase", *PHASES, "other")]
    for m in timed:
        other = m.other()
        rows.append((m.name, *(f"{m.phase(name):.2f}" for name in PHASES), "–" if other is None else f"{other:.2f}"))
    return render(rows, markdown)


def goals(results: list[Measure]) -> list[str]:
    """Issue 16's goals, each as measured (paired ratios)."""
    by = {m.name: m for m in results}
    cold, out = by[COLD], []
    if RUFF_ALL in by:
        out.append(f"- cold / {RUFF_ALL} (concise): {cold.paired(by[RUFF_ALL]):.2f} (goal ≤ 2)")
    if RUFF in by:
        out.append(f"- warm / {RUFF}: {by[WARM].paired(by[RUFF]):.2f} (goal ≤ 1)")
        out.append(f"- warm, 1 file changed / {RUFF}: {by[CHANGED].paired(by[RUFF]):.2f} (goal ≤ 1.5)")
    for peer in (m for m in results if m.peer):
        ratio = cold.paired(peer)
        out.append(f"- cold / {peer.name}: {ratio:.2f} ({'faster' if ratio < 1 else 'SLOWER'})")
    peak = max(m.peak_kib for m in results if m.name.startswith("budgetlint")) / 1024
    out.append(f"- budgetlint's largest process: {peak:.0f} MiB (goal < 300)")
    return out


def render(rows: list[tuple[str, ...]], markdown: bool) -> str:
    if markdown:
        out = ["| " + " | ".join(rows[0]) + " |", "|---|" + "---:|" * (len(rows[0]) - 1)]
        return "\n".join(out + ["| " + " | ".join(row) + " |" for row in rows[1:]])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", type=Path, nargs="+", metavar="PATH")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
    parser.add_argument("--exclude", action="append", default=[], metavar="GLOB", help="Names to leave out of the copy (repeatable).")
    parser.add_argument("--changed", metavar="FILE", help="The file changed before each 'warm, 1 file changed' run (relative to PATH).")
    parser.add_argument("--markdown", action="store_true", help="Print the tables as Markdown.")
    args = parser.parse_args()
    for path in args.paths:
        if not path.is_dir():
            parser.error(f"not a directory: {path}")
    if subprocess.run([*BUDGETLINT, "--version"], capture_output=True, check=False).returncode != 0:
        parser.error(f"{sys.executable} cannot run budgetlint: run the benchmark with budgetlint's Python")
    for number, path in enumerate(args.paths):
        print(("\n" if number else "") + bench(path, args), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
