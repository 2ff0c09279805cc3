"""Starter guardrails and stack files for ``budgetlint init``: the text it writes, and the paths."""

from __future__ import annotations

import json
from pathlib import Path

from .config import DEFAULT_FILES, schema
from .stackdetect import Endpoint, names

TIER_NOTES = {
    "soft": "only missing feature tags block CI",
    "medium": "missing feature tags, unlogged cloud escalations and hard-coded endpoints block CI",
    "hard": "every rule blocks CI (unbounded outputs and runaway agent loops too)",
}

GUARDRAILS = """\
# yaml-language-server: $schema={schema_id}
# budgetlint guardrails: how strict CI is and what it enforces. `budgetlint explain BL001` etc.;
# `budgetlint validate --explain` lists which keys a check reads and which are runtime policy.
apiVersion: budgetlint/v1
kind: Guardrails
# soft: only missing feature tags block CI; medium: also unlogged cloud escalations and
# hard-coded endpoints; hard: every rule blocks (unbounded outputs, runaway agent loops too).
tier: {tier}
metering:
  # Where a call's feature tag may live (BL002).
  feature_tag:
    metadata_keys: [feature]      # metadata={{"feature": "search"}}
    headers: [X-Feature-Tag]      # extra_headers / default_headers
    wrappers: [feature_tag]       # with feature_tag("search"): / @feature_tag("search")
  # The product features; a literal tag outside this list is a finding (BL002).
{features}
  gpu_time_log: true              # runtime policy: for your gateway, no check reads it
alerts:
  queue_depth_p95: 32             # runtime policy: alert when the local queue exceeds its P95
routing:
  default: local                  # runtime policy: calls go to the local endpoints first
  escalate_on: [quality_failure, timeout]  # runtime policy: when the gateway may escalate
  # What counts as an escalation log record next to a cloud fallback (BL003).
  escalation_log:
    functions: [log_escalation]
    message_pattern: escalat
ceilings:
  max_output_tokens: 2048         # the largest limit a call may set, and what --fix writes (BL001)
  session_tokens: 200000          # runtime policy: one user session's token budget
  agent_loop_iterations: 25       # runtime policy: the most turns an agent loop should take
"""

STACK_HEAD = """\
# yaml-language-server: $schema={schema_id}
# budgetlint stack: the inference endpoints your code calls, {origin}.
# Each endpoint's URL lives in the environment variable base_url_env, never in code (BL004);
# location tells local GPUs from per-token cloud APIs (BL003).
apiVersion: budgetlint/v1
kind: Stack
endpoints:
"""


def schema_id(kind: str) -> str:
    """The versioned URL of a schema (its ``$id``), for the editor modeline."""
    return schema(kind)["$id"]


def guardrails_text(tier: str, features: list[str]) -> str:
    """guardrails.yaml at ``tier``, listing ``features`` (the literal tags the code uses; without
    any, the list is left commented out, so no tag is refused)."""
    listed = f"  features: [{', '.join(json.dumps(feature) for feature in features)}]" if features else "  # features: [search, summarize]"
    return GUARDRAILS.format(schema_id=schema_id("guardrails"), tier=tier, features=listed)


def stack_text(endpoints: list[Endpoint], origin: str) -> str:
    """stack.yaml for ``endpoints``; ``origin`` says where they come from (found in the code, chosen)."""
    lines = [STACK_HEAD.format(schema_id=schema_id("stack"), origin=origin)]
    for name, endpoint in zip(names(endpoints), endpoints):
        found = f"  # called at {', '.join(endpoint.found[:3])}{' ...' if len(endpoint.found) > 3 else ''}" if endpoint.found else ""
        lines.append(f"  - name: {name}{found}\n")
        lines.append(f"    engine: {endpoint.engine}\n")
        lines.append(f"    location: {endpoint.location}\n")
        lines.append(f"    base_url_env: {endpoint.env}\n")
        if endpoint.openai_compatible:
            lines.append("    openai_compatible: true\n")
        if endpoint.models:
            lines.append(f"    models: [{', '.join(json.dumps(model) for model in sorted(endpoint.models))}]\n")
    return "".join(lines)


def starter_paths(directory: Path) -> dict[str, Path]:
    """Where ``init`` writes, by kind: guardrails.yaml and stack.yaml in ``directory``."""
    return {kind: directory / name for kind, name in DEFAULT_FILES.items()}


def symlink_on_the_way(directory: Path, paths: list[Path]) -> Path | None:
    """The first of ``paths``, or of the directories between ``directory`` and them, that is a
    symbolic link (a dangling one too): ``init`` writes through none."""
    for path in paths:
        relative = path.relative_to(directory)
        for step in [*reversed(relative.parents[:-1]), relative]:
            if (directory / step).is_symlink():
                return directory / step
    return None
