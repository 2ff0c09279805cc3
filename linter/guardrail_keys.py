"""Which guardrail keys a check reads and which are runtime policy, as the guardrails schema
records it (``x-budgetlint-checked-by`` / ``x-budgetlint-runtime`` on each key), for
``budgetlint validate --explain`` and ``budgetlint explain``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from .config import schema

POLICY = "policy"
"""The checked-by entry of ``tier``: it decides which findings block, for every rule."""


class GuardrailKey(NamedTuple):
    key: str
    """Dotted, as in the YAML (``ceilings.max_output_tokens``)."""
    checked_by: tuple[str, ...]
    """The codes that read it (or ``policy``); empty for a runtime-only key."""
    title: str


def guardrail_keys() -> list[GuardrailKey]:
    """Every key of the guardrails format that holds a value (not a section), in schema order."""
    return list(_keys(schema("guardrails")["properties"], ""))


def _keys(properties: dict, prefix: str) -> Iterator[GuardrailKey]:
    for name, spec in properties.items():
        if name in ("apiVersion", "kind"):
            continue
        if "properties" in spec:
            yield from _keys(spec["properties"], f"{prefix}{name}.")
        else:
            yield GuardrailKey(f"{prefix}{name}", tuple(spec.get("x-budgetlint-checked-by", ())), spec.get("title", name))


def keys_read_by(code: str) -> list[str]:
    """The guardrail keys rule ``code`` reads."""
    return [entry.key for entry in guardrail_keys() if code in entry.checked_by]


def explain_keys() -> str:
    """``validate --explain``: which keys budgetlint enforces, and which are runtime policy only."""
    entries = guardrail_keys()
    width = max(len(entry.key) for entry in entries)
    checked = [entry for entry in entries if entry.checked_by]
    runtime = [entry for entry in entries if not entry.checked_by]
    lines = ["Guardrail keys budgetlint enforces (the checks that read them):"]
    for entry in checked:
        readers = "which findings block (every rule)" if entry.checked_by == (POLICY,) else ", ".join(entry.checked_by)
        lines.append(f"  {entry.key.ljust(width)}  {readers}")
    lines.append("")
    lines.append("Runtime policy: validated against the schema, then for your gateway or monitoring; no check reads them:")
    lines.extend(f"  {entry.key.ljust(width)}  {entry.title}" for entry in runtime)
    return "\n".join(lines) + "\n"
