"""The policy a run applies: tier, ceilings and the knobs each rule reads.

One object, filled from the built-in defaults, the guardrails and stack files, and the command
line, and handed to every rule. Plain data, importable without libcst: a run that the result
cache answers entirely never loads the analysis.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from enum import IntEnum

from typing import TYPE_CHECKING

from .location import DEFAULT_LOCAL_ENV_PATTERN, Location

if TYPE_CHECKING:
    from .endpoints import EndpointPolicy


class Tier(IntEnum):
    """How strict a team is; a rule blocks CI from its tier upwards."""

    SOFT = 1
    MEDIUM = 2
    HARD = 3
    ALWAYS = 0
    """For BL000 and BL100: blocking at every tier."""

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Tier:
        tier = cls[text.upper()]
        if tier is cls.ALWAYS:
            raise KeyError(text)
        return tier


TIER_NAMES = ("soft", "medium", "hard")


@dataclass(frozen=True)
class TagCarriers:
    """Where a feature tag may live (guardrails ``metering.feature_tag``)."""

    metadata_keys: tuple[str, ...] = ("feature",)
    headers: tuple[str, ...] = ("X-Feature-Tag",)
    wrappers: tuple[str, ...] = ("feature_tag",)


@dataclass(frozen=True)
class EscalationLog:
    """What counts as an escalation log record (guardrails ``routing.escalation_log``)."""

    functions: tuple[str, ...] = ("log_escalation",)
    message_pattern: str = "escalat"

    def pattern(self) -> re.Pattern[str]:
        return re.compile(self.message_pattern, re.IGNORECASE)


@dataclass(frozen=True)
class StackEndpoint:
    """One endpoint of the stack file, as a BL004 fix reads it to name the variable it uses."""

    env: str
    """``base_url_env``: the environment variable holding the endpoint's URL."""
    engine: str
    location: Location
    openai_compatible: bool = False
    name: str = ""
    """The endpoint's ``name`` (``budgetlint inventory`` shows the one a call site reads)."""


def stack_endpoints(stack: object) -> tuple[StackEndpoint, ...]:
    """The endpoints of a valid stack document that name their environment variable."""
    endpoints = stack.get("endpoints", []) if isinstance(stack, dict) else []
    return tuple(
        StackEndpoint(
            item["base_url_env"], item["engine"], Location(item["location"]), bool(item.get("openai_compatible", False)), item.get("name", "")
        )
        for item in endpoints
        if isinstance(item, dict) and "base_url_env" in item
    )


@dataclass(frozen=True)
class Policy:
    tier: Tier = Tier.HARD
    strict: bool = False
    max_output_tokens: int | None = None
    """``ceilings.max_output_tokens``: a literal limit above it is a finding. None: no ceiling."""
    agent_loop_iterations: int | None = None
    carriers: TagCarriers = field(default_factory=TagCarriers)
    features: tuple[str, ...] = ()
    escalation_log: EscalationLog = field(default_factory=EscalationLog)
    env_locations: dict[str, Location] = field(default_factory=dict)
    """From the stack file: endpoint environment variable -> where it points."""
    local_env_pattern: str = DEFAULT_LOCAL_ENV_PATTERN
    stack_endpoints: tuple[StackEndpoint, ...] = ()
    """From the stack file: where each endpoint runs and the variable holding its URL (fixes)."""
    source: str = "the built-in default policy"
    """Where the policy came from, for the report."""

    def blocks(self, rule_tier: Tier) -> bool:
        """A finding blocks when its rule's tier is at or below the configured tier."""
        return rule_tier is Tier.ALWAYS or rule_tier <= self.tier

    def endpoints(self) -> EndpointPolicy:
        from .endpoints import EndpointPolicy  # with libcst: not imported by a run the cache answers

        return EndpointPolicy(dict(self.env_locations), re.compile(self.local_env_pattern, re.IGNORECASE))

    def with_overrides(self, *, tier: Tier | None = None, strict: bool | None = None) -> Policy:
        changes: dict = {}
        if tier is not None:
            changes["tier"] = tier
        if strict:
            changes["strict"] = True
        return replace(self, **changes)


DEFAULT_POLICY = Policy()


def run_policy(policies: dict[str, Policy]) -> Policy:
    """The policy a report names for a run over several projects (``policies``: by project name).

    Each finding blocks by its own project's policy; the run's tier is the strictest of theirs,
    and its source lists each project's tier when they differ.
    """
    distinct = {(policy.tier, policy.source) for policy in policies.values()}
    strictest = max(policies.values(), key=lambda policy: policy.tier)
    if len(distinct) == 1:
        return strictest
    each = "; ".join(f"{name}: tier {policy.tier.label} from {policy.source}" for name, policy in sorted(policies.items()))
    return replace(strictest, source=f"per project, {each}")
