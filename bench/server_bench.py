"""Time ``budgetlint server`` re-linting a changed ~100 KB file of LLM calls, through the real
protocol (pygls's client over stdio): ``didChange`` sent -> ``publishDiagnostics`` of that version.

    python bench/server_bench.py [--kib 100] [--runs 15] [--whole]

Generates a project with one module of many LLM-calling functions (some unbounded, some untagged,
so there are findings), opens it (the first lint warms the server), then changes one line per run.
Each change is sent as editors send it to a server asking for incremental sync (the server does):
the edited range and its new text; ``--whole`` sends the whole document each time instead (what a
client without incremental sync sends: ~100 KB of JSON per keystroke to decode).
Prints the median, 90th percentile and spread of the round trips, and the median and 90th
percentile less the server's debounce (``server.DEBOUNCE_SECONDS``, which waits for typing to
pause), and the server's CPU time per change (Linux: read from ``/proc``). Needs
``budgetlint[server]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

from budgetlint.server import DEBOUNCE_SECONDS

FUNCTION = '''

def ask_{i}(prompt: str) -> str:
    """Ask the model, variant {i}."""
    history = [{{"role": "user", "content": prompt}}]
    response = client.chat.completions.create(model="gpt-4o", messages=history{limit}{tag})
    text = response.choices[0].message.content or ""
    for line in text.splitlines():
        if line.startswith("#"):
            history.append({{"role": "assistant", "content": line}})
    return text
'''


def generate(size: int) -> str:
    parts = ['"""A generated module of LLM calls."""\nfrom openai import OpenAI\n\nclient = OpenAI()\n']
    i = 0
    while sum(map(len, parts)) < size:
        limit = "" if i % 7 == 0 else ", max_tokens=256"
        tag = "" if i % 11 == 0 else ', metadata={"feature": "search"}'
        parts.append(FUNCTION.format(i=i, limit=limit, tag=tag))
        i += 1
    return "".join(parts)


def edit(text: str, old: str, new: str, whole: bool) -> tuple[str, types.TextDocumentContentChangeEvent]:
    """``text`` with the first ``old`` replaced by ``new``, and the change event saying so."""
    start = text.index(old)
    changed = text[:start] + new + text[start + len(old) :]
    if whole:
        return changed, types.TextDocumentContentChangeWholeDocument(text=changed)
    line = text.count("\n", 0, start)
    column = start - (text.rfind("\n", 0, start) + 1)  # the generated text is ASCII: UTF-16 units = characters
    span = types.Range(types.Position(line, column), types.Position(line, column + len(old)))
    return changed, types.TextDocumentContentChangePartial(range=span, text=new)


async def measure(size: int, runs: int, whole: bool = False) -> tuple[list[float], float | None]:
    """The round trip of each change, and the server's CPU seconds over all of them (None where
    ``/proc`` does not tell): less disturbed than wall time by other work on a shared machine."""
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        (root / "pyproject.toml").write_text("[project]\nname = 'bench'\n")
        path = root / "big.py"
        text = generate(size)
        path.write_text(text)
        uri = path.as_uri()
        client = LanguageClient("bench", "1")
        arrived: dict[int, float] = {}
        changed = asyncio.Event()

        @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def published(params: types.PublishDiagnosticsParams) -> None:
            if params.uri == uri and params.version is not None:
                arrived[params.version] = time.perf_counter()
                changed.set()

        await client.start_io(sys.executable, "-m", "budgetlint", "server")
        await client.initialize_async(types.InitializeParams(capabilities=types.ClientCapabilities(), root_uri=root.as_uri()))
        client.initialized(types.InitializedParams())
        client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)))
        await _wait(changed, arrived, 1)
        print(f"{len(text.encode()) / 1024:.0f} KiB, {text.count('create(')} LLM calls; warm after the first lint", file=sys.stderr)
        seconds = []
        cpu = _cpu_seconds(client._server.pid) if client._server is not None else None
        for version in range(2, runs + 2):
            text, change = edit(text, f"variant {version - 2}.", f"variant {version - 2} (edited).", whole)
            sent = time.perf_counter()
            client.text_document_did_change(types.DidChangeTextDocumentParams(types.VersionedTextDocumentIdentifier(uri=uri, version=version), [change]))
            await _wait(changed, arrived, version)
            seconds.append(arrived[version] - sent)
        used = _cpu_seconds(client._server.pid) if cpu is not None and client._server is not None else None
        await client.shutdown_async(None)
        client.exit(None)
        await client.stop()
        return seconds, (used - cpu if used is not None and cpu is not None else None)


def _cpu_seconds(pid: int) -> float | None:
    """The user and system CPU time of process ``pid`` so far (Linux), in seconds."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _wait(changed: asyncio.Event, arrived: dict[int, float], version: int) -> None:
    while version not in arrived:
        changed.clear()
        await asyncio.wait_for(changed.wait(), 120)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kib", type=int, default=100)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--whole", action="store_true", help="Send the whole document with each change, not the edited range.")
    options = parser.parse_args()
    seconds, cpu = asyncio.run(measure(options.kib * 1024, options.runs, options.whole))
    median, p90 = statistics.median(seconds), statistics.quantiles(seconds, n=10, method="inclusive")[-1]
    print(
        f"didChange -> publishDiagnostics: median {median * 1000:.0f} ms, p90 {p90 * 1000:.0f} ms"
        f" (min {min(seconds) * 1000:.0f}, max {max(seconds) * 1000:.0f}) over {len(seconds)} runs"
    )
    print(f"less the {DEBOUNCE_SECONDS * 1000:.0f} ms debounce: median {(median - DEBOUNCE_SECONDS) * 1000:.0f} ms, p90 {(p90 - DEBOUNCE_SECONDS) * 1000:.0f} ms")
    if cpu is not None:
        print(f"server CPU time: {cpu / len(seconds) * 1000:.0f} ms per change on average")
    return 0


if __name__ == "__main__":
    sys.exit(main())
