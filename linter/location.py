"""Where an LLM call is served: the catalog's and the policy's shared vocabulary, apart from the
catalog's tables so that a run the cache answers (which needs the policy) never builds them."""

from __future__ import annotations

from enum import Enum


class Location(str, Enum):
    """Where a call is served."""

    LOCAL = "local"
    CLOUD = "cloud"
    UNKNOWN = "unknown"


DEFAULT_LOCAL_ENV_PATTERN = "OLLAMA|VLLM|LLAMA|TGI|LOCALAI|LOCAL"
