"""docs/rules.md is generated from the rule docstrings and must not go stale."""

from __future__ import annotations

import runpy
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_rules_page_is_up_to_date():
    generator = runpy.run_path(str(DOCS / "gen_rules.py"))
    assert generator["main"](["--check"]) == 0, "docs/rules.md is stale: run `python docs/gen_rules.py`"


def test_rules_page_documents_every_code():
    text = (DOCS / "rules.md").read_text(encoding="utf-8")
    for code in ("BL000", "BL001", "BL002", "BL003", "BL004", "BL005", "BL100", "BL900"):
        assert f"## {code} " in text
    assert "### Why is this bad?" in text
