"""Reporters: the text report's lines and summary, the JSON document."""

from __future__ import annotations

import json

import click
import pytest

from budgetlint.cli import check
from budgetlint.finding import Finding
from budgetlint.policy import Policy, Tier
from budgetlint.reporters import REPORTERS
from budgetlint.reporters.json import JsonReporter
from budgetlint.reporters.text import TextReporter
from budgetlint.result import RunResult


def finding(path="app.py", line=7, column=12, code="BL001", *, blocking=True, fixable=False, **fields) -> Finding:
    names = {"BL000": "parse-error", "BL001": "unbounded-max-tokens", "BL002": "missing-feature-tag"}
    tiers = {"BL000": "always", "BL001": "hard", "BL002": "soft"}
    values = dict(
        path=path, line=line, column=column, code=code, end_line=line, end_column=column + 10, name=names[code],
        message=f"{code} message", tier=tiers[code], blocking=blocking, fingerprint=f"{code}-{path}-{line}",
        fixable=fixable, source_line="",
    )
    values.update(fields)
    return Finding(**values)


def result(*findings: Finding, files: int = 3, tier: Tier = Tier.HARD, source: str | None = None) -> RunResult:
    policy = Policy(tier=tier) if source is None else Policy(tier=tier, source=source)
    return RunResult(tuple(sorted(findings, key=lambda f: f.sort_key())), files, policy, "9.9.9")


LINE_PER_FINDING = {"json-lines", "pylint"}
"""Formats with one line per finding and nothing else."""

MIXED = result(
    finding("app.py", 7, 12, "BL001", blocking=False, fixable=True,
            source_line="    return client.chat.completions.create(", end_line=11, end_column=6),
    finding("jobs.py", 3, 5, "BL002", source_line="    client.chat.completions.create(model=m)", end_column=44),
    finding("pkg/a.py", 1, 1, "BL001", blocking=False),
    tier=Tier.SOFT,
)


def test_registry_supplies_the_format_choices():
    assert {"text", "json"} <= set(REPORTERS)
    choices = next(p for p in check.params if p.name == "output_format").type.choices
    assert sorted(choices) == sorted(REPORTERS)


# text


def test_text_report_golden():
    expected = (
        "app.py:7:12: BL001 [*] [warning: blocks at tier hard] BL001 message\n"
        "        return client.chat.completions.create(\n"
        "               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
        "jobs.py:3:5: BL002 [blocks] BL002 message\n"
        "        client.chat.completions.create(model=m)\n"
        "        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
        "pkg/a.py:1:1: BL001 [warning: blocks at tier hard] BL001 message\n"
        "\n"
        "    2  BL001  unbounded-max-tokens\n"
        "    1  BL002  missing-feature-tag\n"
        "Checked 3 files at tier soft (the built-in default policy): 1 blocking, 2 warnings, 1 fixable ([*], with `--fix`).\n"
    )
    assert TextReporter().render(MIXED) == expected


def test_text_says_whether_a_finding_blocks_in_words_not_a_tier_name():
    """``[hard]`` read like a severity: the label says whether the finding blocks CI, and for a
    warning at which tier it would; ``[*]`` marks a fixable finding, as ruff does."""
    lines = TextReporter().render(result(finding(fixable=True), finding("b.py", blocking=False))).splitlines()
    assert lines[0] == "app.py:7:12: BL001 [*] [blocks] BL001 message"
    assert lines[1] == "b.py:7:12: BL001 [warning: blocks at tier hard] BL001 message"
    assert not any("[hard" in line for line in lines)


def test_show_fixes_lists_what_was_fixed_per_file_and_code():
    fixed = RunResult((), 2, Policy(), "9.9.9", fixed=3, fixed_files=2, fixes=(
        ("a.py", "BL001", "unbounded-max-tokens", 2), ("b.py", "BL004", "hardcoded-base-url", 1),
    ))
    text = TextReporter().render(fixed)
    assert (
        "Fixed 3 findings:\n- a.py:\n    2 × BL001 (unbounded-max-tokens)\n- b.py:\n    1 × BL004 (hardcoded-base-url)\n"
        "Fixed 3 findings in 2 files, 0 remaining.\n"
    ) in text


def test_text_summary_counts_and_plurals():
    one = result(finding(), files=1)
    last = TextReporter().render(one).splitlines()
    assert "Checked 1 file at tier hard (the built-in default policy): 1 blocking, 0 warnings, 0 fixable." in last
    assert "    1  BL001  unbounded-max-tokens" in last
    two = result(finding(blocking=False), finding("b.py", blocking=False), files=2, tier=Tier.MEDIUM, source="guardrails.yaml")
    assert "Checked 2 files at tier medium (guardrails.yaml): 0 blocking, 2 warnings, 0 fixable." in TextReporter().render(two)
    warning = result(finding(blocking=False), files=1, tier=Tier.SOFT)
    assert ": 0 blocking, 1 warning, 0 fixable." in TextReporter().render(warning)


def test_text_with_no_findings_is_one_summary_line():
    assert TextReporter().render(result(files=5)) == (
        "Checked 5 files at tier hard (the built-in default policy): 0 blocking, 0 warnings, 0 fixable.\n"
    )


def test_text_says_how_to_lower_the_default_tier_only_when_it_matters():
    hint = "No guardrails.yaml found"
    assert hint in TextReporter().render(result(finding()))
    assert hint not in TextReporter().render(result())
    assert hint not in TextReporter().render(result(finding(), source="guardrails.yaml"))


def test_text_quiet_hides_warnings_source_lines_and_summary():
    assert TextReporter(quiet=True).render(MIXED) == "jobs.py:3:5: BL002 [blocks] BL002 message\n"


def test_text_quiet_statistics_keeps_the_counts():
    lines = TextReporter(quiet=True, statistics=True).render(MIXED).splitlines()
    assert lines[0] == "jobs.py:3:5: BL002 [blocks] BL002 message"
    assert "    2  BL001  unbounded-max-tokens" in lines
    assert lines[-1].startswith("Checked 3 files")


def test_text_caret_under_a_tabbed_line():
    tabbed = result(finding(line=2, column=2, end_column=8, source_line="\tcall(x)"))
    lines = TextReporter().render(tabbed).splitlines()
    assert lines[1] == "     call(x)"
    assert lines[2] == "     ^^^^^^"


def test_text_is_colored_only_when_asked():
    assert "\x1b[" not in TextReporter().render(MIXED)
    colored = TextReporter(color=True).render(MIXED)
    assert "\x1b[" in colored
    assert click.unstyle(colored) == TextReporter().render(MIXED)


# json


def test_json_is_valid_stable_and_complete():
    rendered = JsonReporter().render(MIXED)
    assert rendered == JsonReporter().render(MIXED)
    assert rendered.endswith("\n")
    data = json.loads(rendered)
    assert (data["tool"], data["version"], data["tier"]) == ("budgetlint", "9.9.9", "soft")
    assert [(f["path"], f["line"], f["column"], f["code"]) for f in data["findings"]] == [
        ("app.py", 7, 12, "BL001"), ("jobs.py", 3, 5, "BL002"), ("pkg/a.py", 1, 1, "BL001"),
    ]
    assert all("source_line" not in f for f in data["findings"])
    assert data["findings"][0]["fixable"] is True and data["findings"][0]["blocking"] is False
    summary = data["summary"]
    assert (summary["files"], summary["findings"], summary["blocking"]) == (3, 3, 1)


def test_json_keeps_unicode_messages_intact():
    data = json.loads(JsonReporter().render(result(finding(message="limite dépassée — \"max_tokens\""))))
    assert data["findings"][0]["message"] == "limite dépassée — \"max_tokens\""


@pytest.mark.parametrize("name", sorted(REPORTERS))
def test_every_reporter_renders_an_empty_run(name):
    rendered = REPORTERS[name]().render(result(files=0))
    if name in LINE_PER_FINDING:  # nothing to say: no line at all
        assert rendered == ""
    else:
        assert isinstance(rendered, str) and rendered.endswith("\n")


def test_exit_code_follows_blocking_findings():
    assert result().exit_code() == 0
    assert result(finding(blocking=False)).exit_code() == 0
    assert result(finding()).exit_code() == 1
    assert result(finding()).exit_code(exit_zero=True) == 0
