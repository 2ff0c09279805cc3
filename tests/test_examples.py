"""The bundled example app: every rule fires where the comments in it say, the clean module stays clean."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from budgetlint.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _expected() -> set[tuple[str, int, str]]:
    """(file, line, code) for every line whose comment (or the comment just above) names a code."""
    expected = set()
    for path in sorted(EXAMPLES.rglob("*.py")):
        lines = path.read_text().splitlines()
        for number, line in enumerate(lines, start=1):
            for code in re.findall(r"\(?(BL00\d)\)?", line.partition("#")[2]):
                # A comment on its own line describes the next statement; a trailing one, its own.
                target = number + 1 if line.strip().startswith("#") else number
                expected.add((path.relative_to(EXAMPLES.parent).as_posix(), target, code))
    return expected


def test_every_rule_fires_on_the_example_app_where_its_comment_says(monkeypatch, cache_outside):
    monkeypatch.chdir(EXAMPLES.parent)
    result = CliRunner().invoke(main, ["check", "examples", "--format", "json"])
    assert result.exit_code == 1
    report = json.loads(result.output)
    found = {(f["path"], f["line"], f["code"]) for f in report["findings"]}
    assert found == _expected()
    assert {code for _, _, code in found} == {"BL001", "BL002", "BL003", "BL004", "BL005"}


def test_the_clean_module_passes(monkeypatch, cache_outside):
    monkeypatch.chdir(EXAMPLES.parent)
    result = CliRunner().invoke(main, ["check", "examples/support_bot/summarize.py"])
    assert result.exit_code == 0, result.output
