"""Rewrite the output shown in every ``console`` block of README.md and docs/*.md from a real run.

    python docs/gen_output.py          # rerun each `$ budgetlint ...` line and write its output
    python docs/gen_output.py --check  # exit 1 when a shown output differs from a real run

A ``console`` block is a transcript: lines starting with ``$ `` are commands, the lines after
one are its output, exactly. Each page runs its commands (those of its ``sh`` blocks too, see
tests/test_docs.py) in document order in one sandbox: a temporary directory holding a copy of
``examples/`` and the repository's ``pyproject.toml``, as the README quickstart sees them.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

REPO = Path(__file__).resolve().parent.parent
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
SHELL_OPERATORS = {"|", "||", "&&", ";", "<", ">>", "2>", "&"}


@dataclass(frozen=True)
class Block:
    page: Path
    info: str
    """The info string's first word (``sh``, ``yaml``, ...); empty for a bare fence."""
    body: str
    start: int
    """Offset of the body in the page's text."""

    @property
    def where(self) -> str:
        line = self.page.read_text(encoding="utf-8").count("\n", 0, self.start) + 1
        return f"{self.page.relative_to(REPO)}:{line}"


def blocks(page: Path) -> list[Block]:
    """The fenced blocks of a page, in order."""
    text = page.read_text(encoding="utf-8")
    return [Block(page, (match[1].split() or [""])[0], match[2], match.start(2)) for match in FENCE.finditer(text)]


def commands(block: Block) -> list[str]:
    """The ``budgetlint`` command lines of a shell block (``console``: after ``$ ``)."""
    found = []
    for line in block.body.splitlines():
        if block.info == "console":
            if not line.startswith("$ "):
                continue
            line = line[2:]
        if line.startswith("budgetlint ") or line == "budgetlint":
            found.append(line)
    return found


@contextmanager
def sandbox() -> Iterator[Path]:
    """A working directory like the repository's root, for a page's commands."""
    with tempfile.TemporaryDirectory(prefix="budgetlint-docs-") as directory:
        root = Path(directory)
        shutil.copytree(REPO / "examples", root / "examples", ignore=shutil.ignore_patterns("__pycache__", ".budgetlint_cache"))
        shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
        previous = Path.cwd()
        os.chdir(root)
        try:
            yield root
        finally:
            os.chdir(previous)


@dataclass(frozen=True)
class Ran:
    exit_code: int
    output: str
    """stdout and stderr, as a terminal shows them (without ``> FILE``'s part)."""
    exception: BaseException | None


def run(line: str) -> Ran:
    """Run one documented ``budgetlint`` line in the working directory, in process.

    Only a ``> FILE`` redirection is understood; any other shell syntax is refused, so the docs
    keep to commands a reader can paste anywhere.
    """
    from click.testing import CliRunner

    from budgetlint.cli import main

    words = shlex.split(line, comments=True)
    target = None
    if ">" in words:
        index = words.index(">")
        words, target = words[:index] + words[index + 2:], words[index + 1]
    refused = SHELL_OPERATORS.intersection(words)
    if refused:
        raise ValueError(f"shell syntax the docs test does not run: {sorted(refused)} in {line!r}")
    result = CliRunner().invoke(main, words[1:], prog_name="budgetlint")
    output = result.output
    if target is not None:
        Path(target).write_text(result.stdout, encoding="utf-8")
        output = result.stderr
    exception = result.exception if not isinstance(result.exception, SystemExit) else None
    return Ran(result.exit_code, output, exception)


def transcript(block: Block) -> str:
    """The block's body with each command's output replaced by a real run's (in the cwd)."""
    lines = []
    for line in block.body.splitlines():
        if line.startswith("$ "):
            lines.append(line)
            lines.extend(run(line[2:]).output.rstrip("\n").splitlines())
    return "\n".join(lines) + "\n"


def regenerate(page: Path) -> str:
    """The page's text with every console block's output from a real run."""
    text = page.read_text(encoding="utf-8")
    replaced, end = [], 0
    with sandbox():
        for block in blocks(page):
            if block.info == "console":
                replaced.append(text[end:block.start] + transcript(block))
                end = block.start + len(block.body)
            else:
                for line in commands(block):
                    run(line)
    return "".join(replaced) + text[end:]


def main(argv: list[str]) -> int:
    stale = []
    for page in PAGES:
        if not any(block.info == "console" for block in blocks(page)):
            continue
        text = regenerate(page)
        if text != page.read_text(encoding="utf-8"):
            stale.append(page)
            if "--check" not in argv:
                page.write_text(text, encoding="utf-8")
    if stale and "--check" in argv:
        print("shown output differs from a real run in " + ", ".join(str(p.relative_to(REPO)) for p in stale) + ": run `python docs/gen_output.py`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
