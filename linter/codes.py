"""Findings that come from the engine rather than a rule: parse errors, suppressions, configs."""

from __future__ import annotations

from dataclasses import dataclass

from .policy import Tier


@dataclass(frozen=True)
class EngineCode:
    code: str
    name: str
    tier: Tier
    summary: str
    documentation: str


PARSE_ERROR = EngineCode(
    "BL000",
    "parse-error",
    Tier.ALWAYS,
    "file that cannot be read or parsed",
    """
## What it does
Reports a file budgetlint could not read or parse: a syntax error, an undecodable encoding,
binary content, or an internal error while analysing it. The run goes on with the other files.
Only files a rule could report in are parsed (the prefilter: an SDK or HTTP module imported, an
LLM API path, an endpoint written in code); the syntax errors of the others are left to Python's
own tools, as they hold no LLM call to miss.

## Why is this bad?
A file that cannot be parsed cannot be checked: any unbounded or untagged call in it would
pass review unseen. It always blocks.
""",
)

UNEXPLAINED_SUPPRESSION = EngineCode(
    "BL900",
    "unexplained-suppression",
    Tier.HARD,
    "suppression comment without a reason",
    """
## What it does
At tier hard, reports a `# budgetlint: ignore[...]` or `# noqa: BL...` comment that silences a
finding without giving a reason after `--`.

## Why is this bad?
A suppression is a decision to accept a cost or a risk; without a reason, the next reviewer
cannot tell a considered exception from a muted warning.

## Example
```python
client.chat.completions.create(model=m, messages=h)  # budgetlint: ignore[BL001]
```

Use instead:
```python
client.chat.completions.create(model=m, messages=h)  # budgetlint: ignore[BL001] -- bounded by the proxy
```
""",
)

INVALID_CONFIG = EngineCode(
    "BL100",
    "invalid-config",
    Tier.ALWAYS,
    "stack or guardrails file that fails its schema",
    """
## What it does
Reports a stack or guardrails YAML file that fails its JSON Schema or a semantic check, at the
line and column of the offending node.

## Why is this bad?
A broken policy file silently changes what budgetlint enforces. It always blocks.
""",
)

ENGINE_CODES = {code.code: code for code in (PARSE_ERROR, INVALID_CONFIG, UNEXPLAINED_SUPPRESSION)}
