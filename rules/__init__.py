"""budgetlint's rules, one module each; ``ALL_RULES`` is the registry the engine runs."""

from __future__ import annotations

from budgetlint.rule import Rule

from .bl001_unbounded_max_tokens import UnboundedMaxTokens
from .bl002_missing_feature_tag import MissingFeatureTag
from .bl003_unlogged_cloud_escalation import UnloggedCloudEscalation
from .bl004_hardcoded_base_url import HardcodedBaseUrl
from .bl005_runaway_agent_loop import RunawayAgentLoop
from .bl901_unused_suppression import UnusedSuppression

ALL_RULES: tuple[type[Rule], ...] = (
    UnboundedMaxTokens,
    MissingFeatureTag,
    UnloggedCloudEscalation,
    HardcodedBaseUrl,
    RunawayAgentLoop,
    UnusedSuppression,
)
