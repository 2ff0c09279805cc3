"""Every rule's VALID and INVALID examples, run as tests (the examples are the tests)."""

from __future__ import annotations

import textwrap

import pytest

from budgetlint.engine import Job, lint_source
from budgetlint.rule import Invalid, Valid
from budgetlint.rules import ALL_RULES

from .helpers import lint, make_policy


def _run_with(rule) -> tuple:
    """The rules an example runs with: the rule alone, or every rule for one that judges what
    the others' suppressions silenced (BL901)."""
    return ALL_RULES if rule.judges_suppressions else (rule,)


def _cases(kind: str) -> list:
    return [
        pytest.param(rule, example, id=f"{rule.code}-{kind.lower()}-{index}")
        for rule in ALL_RULES
        for index, example in enumerate(getattr(rule, kind))
    ]


@pytest.mark.parametrize("rule, example", _cases("VALID"))
def test_valid_example_is_not_flagged(rule, example):
    example = example if isinstance(example, Valid) else Valid(example)
    findings = lint(example.code, rules=_run_with(rule), **example.options)
    assert findings == [], "\n".join(f"{f.line}:{f.column} {f.message}" for f in findings)


@pytest.mark.parametrize("rule, example", _cases("INVALID"))
def test_invalid_example_is_flagged(rule, example):
    example = example if isinstance(example, Invalid) else Invalid(example)
    findings = lint(example.code, rules=_run_with(rule), **example.options)
    assert [f.code for f in findings] == [rule.code] * example.count, findings
    if example.line is not None:
        assert findings[0].line == example.line
    if example.column is not None:
        assert findings[0].column == example.column


@pytest.mark.parametrize("rule, example", _cases("INVALID"))
def test_invalid_example_fix_gives_the_expected_replacement(rule, example):
    """The fix (unsafe ones included) turns the example into ``expected_replacement`` exactly, and
    the fixed code is valid for the rule; without ``expected_replacement`` there is no fix."""
    example = example if isinstance(example, Invalid) else Invalid(example)
    rules = _run_with(rule)
    job = Job(make_policy(**example.options), rules, report_suppressions=False, fix=True, unsafe_fixes=True, every_rule=rules == ALL_RULES)
    result = lint_source(textwrap.dedent(example.code).encode(), "example.py", job)
    if example.expected_replacement is None:
        assert result.fix is None, result.fix and result.fix.fixed.decode()
        return
    assert result.fix is not None and result.fix.fixed is not None, result.fix
    fixed = result.fix.fixed.decode()
    assert fixed == textwrap.dedent(example.expected_replacement)
    assert result.fix.applied == example.count
    assert lint(fixed, rules=_run_with(rule), **example.options) == []  # idempotent: nothing left to fix


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.code)
def test_fixable_rules_say_so(rule):
    fixes = any(isinstance(example, Invalid) and example.expected_replacement for example in rule.INVALID)
    assert rule.fixable == fixes
    if rule.fixable:  # safe or unsafe, as ruff documents it
        assert "## Fix safety" in rule.documentation()


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.code)
def test_every_rule_has_enough_examples(rule):
    assert len(rule.VALID) >= 8
    assert len(rule.INVALID) >= 8


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.code)
def test_rule_documentation_has_the_ruff_headings(rule):
    doc = rule.documentation()
    for heading in ("## What it does", "## Why is this bad?", "## Example", "Use instead:"):
        assert heading in doc
