"""``budgetlint rules`` and ``budgetlint explain``: the rules' table and documentation."""

from __future__ import annotations

from .codes import ENGINE_CODES
from .commands import all_rules
from .guardrail_keys import keys_read_by
from .policy import Tier


def rules_table() -> str:
    rows = [("code", "name", "blocks from", "fixable", "what it flags")]
    for rule in all_rules():
        rows.append((rule.code, rule.name, rule.tier.label, "yes" if rule.fixable else "no", rule.summary))
    for code in ENGINE_CODES.values():
        rows.append((code.code, code.name, "always" if code.tier is Tier.ALWAYS else code.tier.label, "no", code.summary))
    rows[1:] = sorted(rows[1:])
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return "\n".join("  ".join(cell.ljust(widths[i]) if i < 4 else cell for i, cell in enumerate(row)).rstrip() for row in rows)


def explain_text(code: str) -> str | None:
    wanted = code.strip()
    for rule in all_rules():
        if wanted.upper() == rule.code or wanted.lower() == rule.name:
            header = f"# {rule.code} {rule.name}\n\nBlocks from tier: {rule.tier.label}. Fixable: {'yes' if rule.fixable else 'no'}.\n"
            return f"{header}{_guardrail_line(rule.code)}\n{rule.documentation()}\n"
    for engine_code in ENGINE_CODES.values():
        if wanted.upper() == engine_code.code or wanted.lower() == engine_code.name:
            tier = "always" if engine_code.tier is Tier.ALWAYS else engine_code.tier.label
            return f"# {engine_code.code} {engine_code.name}\n\nBlocks from tier: {tier}.\n{_guardrail_line(engine_code.code)}{engine_code.documentation}"
    return None


def _guardrail_line(code: str) -> str:
    """The guardrail keys a check reads, as the guardrails schema records it (``guardrail_keys``)."""
    keys = keys_read_by(code)
    return f"Guardrail keys it reads: {', '.join(f'`{key}`' for key in keys)}.\n" if keys else ""
