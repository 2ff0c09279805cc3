"""The stack ``budgetlint init`` writes: the inference endpoints the code calls, read from the call
sites ``budgetlint inventory --all`` lists (their SDK, local or cloud, and the environment
variable the endpoint is read from), or the engines ``--engine`` names."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .catalog import DEFAULT_LOCAL_ENV_PATTERN, FAMILIES

if TYPE_CHECKING:
    from .inventory import SiteRecord

ENGINE_ENV = {
    "ollama": "OLLAMA_HOST",
    "vllm": "VLLM_BASE_URL",
    "llama.cpp": "LLAMA_CPP_BASE_URL",
    "tgi": "TGI_BASE_URL",
    "localai": "LOCALAI_BASE_URL",
    "lmstudio": "LMSTUDIO_BASE_URL",
    "sglang": "SGLANG_BASE_URL",
    "triton": "TRITON_BASE_URL",
    "openai": "OPENAI_BASE_URL",
    "azure-openai": "AZURE_OPENAI_ENDPOINT",
    "anthropic": "ANTHROPIC_BASE_URL",
    "google": "GOOGLE_GEMINI_BASE_URL",
    "mistral": "MISTRAL_SERVER_URL",
    "cohere": "CO_API_URL",
    "groq": "GROQ_BASE_URL",
    "together": "TOGETHER_BASE_URL",
    "bedrock": "BEDROCK_ENDPOINT_URL",
    "huggingface": "HF_INFERENCE_ENDPOINT",
    "openrouter": "OPENROUTER_BASE_URL",
    "other": "LLM_BASE_URL",
}
"""Each stack engine (the schema's ``engine`` enum) and the variable conventionally holding its URL."""
LOCAL_ENGINES = frozenset({"ollama", "vllm", "llama.cpp", "tgi", "localai", "lmstudio", "sglang", "triton", "other"})
OPENAI_COMPATIBLE = frozenset({"vllm", "llama.cpp", "localai", "lmstudio", "sglang", "other"})
"""Local servers that serve the OpenAI API (and Ollama, which does too but has its own)."""

_FAMILY_ENGINE = {
    "openai": "openai", "groq": "groq", "together": "together", "anthropic": "anthropic", "ollama": "ollama",
    "huggingface": "huggingface", "tgi": "tgi", "langchain": "openai", "langchain_ollama": "ollama",
    "google": "google", "mistral": "mistral", "cohere": "cohere",
}
"""The engine behind a family's default endpoint. Families that run in the process (llama-cpp-python,
vLLM's offline engine) have no endpoint; raw HTTP and LiteLLM name none by themselves."""
_ENV_ENGINES = (("OLLAMA", "ollama"), ("VLLM", "vllm"), ("LLAMA", "llama.cpp"), ("TGI", "tgi"), ("LOCALAI", "localai"),
                ("LMSTUDIO", "lmstudio"), ("SGLANG", "sglang"))
"""A local endpoint reached through an OpenAI-style client: its engine, by its variable's name."""


@dataclass
class Endpoint:
    engine: str
    location: str
    env: str
    models: set[str] = field(default_factory=set)
    found: list[str] = field(default_factory=list)
    """Where the code calls it (``path:line``), for the comment ``init`` writes."""

    @property
    def openai_compatible(self) -> bool:
        return self.engine in OPENAI_COMPATIBLE


def detect(sites: list[SiteRecord]) -> list[Endpoint]:
    """The endpoints the call sites reach, one per environment variable; a site whose endpoint
    names no variable joins the endpoint of its engine and location that does, else gets one
    with the engine's conventional variable."""
    named: dict[str, Endpoint] = {}
    unnamed: list[tuple[str, str, SiteRecord]] = []
    for site in sorted(sites, key=lambda site: site.sort_key()):
        engine, location = _engine(site)
        if engine is None:
            continue
        if site.endpoint_env:
            endpoint = named.setdefault(site.endpoint_env, Endpoint(engine, location, site.endpoint_env))
            _note(endpoint, site)
        else:
            unnamed.append((engine, location, site))
    for engine, location, site in unnamed:
        same = [e for e in named.values() if e.location == location and (e.engine == engine or _compatible(e.engine, engine))]
        endpoint = same[0] if same else named.setdefault(ENGINE_ENV[engine], Endpoint(engine, location, ENGINE_ENV[engine]))
        _note(endpoint, site)
    return sorted(named.values(), key=lambda e: (e.location != "local", e.engine, e.env))


def for_engines(engines: list[str], found: list[Endpoint]) -> list[Endpoint]:
    """``--engine``: the endpoints found of those engines, and a starter one for each other engine."""
    chosen = [endpoint for endpoint in found if endpoint.engine in engines]
    missing = [engine for engine in engines if not any(endpoint.engine == engine for endpoint in chosen)]
    return chosen + [Endpoint(engine, "local" if engine in LOCAL_ENGINES else "cloud", ENGINE_ENV[engine]) for engine in missing]


def names(endpoints: list[Endpoint]) -> list[str]:
    """A unique name per endpoint: ``local-vllm``, ``cloud-openai``, ``local-vllm-2``."""
    out: list[str] = []
    for endpoint in endpoints:
        base = f"{endpoint.location}-{endpoint.engine}"
        name, count = base, 1
        while name in out:
            count += 1
            name = f"{base}-{count}"
        out.append(name)
    return out


def _engine(site: SiteRecord) -> tuple[str | None, str]:
    """(engine, location) of the endpoint a call site reaches; engine None when it has none."""
    env = site.endpoint_env or ""
    location = site.endpoint
    if location not in ("local", "cloud"):
        if not env:
            return None, location
        location = "local" if re.search(DEFAULT_LOCAL_ENV_PATTERN, env, re.IGNORECASE) else "cloud"
    family = FAMILIES.get(site.family)
    engine = _FAMILY_ENGINE.get(site.family)
    if location == "local" and (engine is None or (family is not None and family.location.value != "local")):
        # An OpenAI-style (or raw HTTP, or LiteLLM) client pointed at a local server: which one, by its variable.
        engine = next((engine for word, engine in _ENV_ENGINES if word in env.upper()), "other")
    elif engine is None:
        engine = "other" if env else None
    return engine, location


def _compatible(engine: str, other: str) -> bool:
    """Whether a site of engine ``other`` with no variable may be the same server as ``engine``."""
    return engine in OPENAI_COMPATIBLE and other in OPENAI_COMPATIBLE


def _note(endpoint: Endpoint, site: SiteRecord) -> None:
    if site.model:
        endpoint.models.add(site.model)
    endpoint.found.append(f"{site.path}:{site.line}")
