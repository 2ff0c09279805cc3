from __future__ import annotations

import dataclasses
import textwrap

from budgetlint.engine import Job, lint_source
from budgetlint.finding import Finding
from budgetlint.flow import EscalationLog
from budgetlint.policy import Policy, Tier
from budgetlint.rules import ALL_RULES
from budgetlint.tags import TagCarriers


def make_policy(**options: object) -> Policy:
    """A Policy from example options (the keys of Policy, with nested dicts for sub-objects)."""
    values = dict(options)
    if isinstance(values.get("escalation_log"), dict):
        values["escalation_log"] = EscalationLog(**values["escalation_log"])
    if isinstance(values.get("carriers"), dict):
        values["carriers"] = TagCarriers(**values["carriers"])
    if isinstance(values.get("tier"), str):
        values["tier"] = Tier.parse(values["tier"])
    return dataclasses.replace(Policy(), **values)


def lint(code: str, rules=ALL_RULES, name: str = "example.py", suppressed: bool = False, **options: object) -> list[Finding]:
    """Lint a snippet (dedented) with the given rules and policy options: the findings reported
    (``suppressed``: those a comment silences instead)."""
    policy = make_policy(**options)
    job = Job(policy=policy, rules=tuple(rules), report_suppressions=policy.tier is Tier.HARD, every_rule=set(rules) >= set(ALL_RULES))
    source = textwrap.dedent(code).encode()
    findings = lint_source(source, name, job).findings
    return sorted((f for f in findings if (f.suppression is not None) == suppressed), key=lambda f: f.sort_key())

