"""What budgetlint knows about LLM SDKs, as data.

Rules never name an SDK: they ask the call-site model, which matches calls against this
catalog. Adding an SDK means adding entries here (and its signature check in
``tests/test_catalog_signatures.py``).

Vocabulary:
- a *family* is one SDK's API surface: its generation methods, reached through a client;
- a *client* is what the methods hang off: a class (``openai.OpenAI``) or a module that acts
  as one (``ollama``, ``litellm``, the module-level ``openai`` client);
- a *limit* says which argument bounds a call's output and what its absence means.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from .location import DEFAULT_LOCAL_ENV_PATTERN, Location  # noqa: F401  (re-exported: the catalog's vocabulary)


@dataclass(frozen=True)
class Limit:
    """Which argument bounds output length, and what its absence or sentinels mean."""

    keys: tuple[str, ...]
    """Accepted argument (or mapping key) names; ``keys[0]`` is the one a fix adds."""
    container: tuple[str, ...] = ()
    """Keyword arguments whose mapping (or config object) holds the key; empty: a direct kwarg."""
    positional: int | None = None
    """Position of the limit when passed positionally (after the receiver)."""
    missing_bounded: bool = False
    """The SDK or server default bounds output when the limit is absent."""
    default_note: str = ""
    """What happens when the limit is absent, for messages."""
    none_unbounded: bool = True
    nonpositive_unbounded: bool = False
    unbounded_values: tuple[int, ...] = ()
    """Integer sentinels read as "no limit" (Ollama's -1 and -2, llama.cpp's -1)."""


@dataclass(frozen=True)
class Method:
    """A generation method of a family, by its attribute path from the client."""

    path: str
    limit: Limit | None
    """None: the bound lives elsewhere (on the model constructor or a parameter object)."""
    distinctive: bool = False
    """The shape alone marks an LLM call even when the receiver cannot be resolved."""
    evidence: tuple[str, ...] = ("model", "messages")
    """For an unresolved receiver, one of these keywords (or ``**kwargs``) must be present."""
    claims: tuple[str, ...] = ()
    """Keywords only this family's method takes: an unresolved call carrying one is this
    family's, though another family's method has the same path (Anthropic's legacy
    ``completions.create(max_tokens_to_sample=...)``); without one, the other family's is tried."""
    tag_kwargs: tuple[str, ...] = ()
    """Call keywords the API accepts a feature tag in, which the BL002 message names: ``metadata``
    (a free-form mapping) or a per-request headers mapping (``extra_headers``, ``headers``)."""


@dataclass(frozen=True)
class Family:
    """One SDK's generation surface."""

    name: str
    location: Location
    """Where its clients point when no endpoint is given."""
    methods: tuple[Method, ...]
    env_var: str = ""
    """The environment variable conventionally holding this family's endpoint."""
    passthrough: tuple[str, ...] = ()
    """Methods/properties that return the same client (``with_options``, ``with_raw_response``)."""
    tag_containers: tuple[str, ...] = ()
    """Call keywords whose mapping may hold a ``metadata`` mapping (LangChain ``config``)."""
    model_prefixes_local: tuple[str, ...] = ()
    """``model=`` prefixes that route to a local server (LiteLLM ``ollama/...``)."""
    endpoint_kwargs: tuple[str, ...] = ()
    """Per-call endpoint keywords (LiteLLM ``api_base``)."""


class ClientKind(str, Enum):
    CLIENT = "client"
    """An API client: endpoint and headers on its constructor."""
    MODEL = "model"
    """A model object whose constructor also carries the output limit (LangChain)."""
    PARAMS = "params"
    """A parameter object: only the limit (vLLM ``SamplingParams``)."""
    PATCHER = "patcher"
    """A function wrapping a client (or a generation function) in an object whose generation
    methods make the wrapped SDK's call with its arguments (instructor's ``from_openai``)."""


@dataclass(frozen=True)
class Param:
    """A constructor argument, by keyword and optional position."""

    name: str
    position: int | None = None


@dataclass(frozen=True)
class Client:
    """A class (or a module acting as a client) whose instances reach a family."""

    qualnames: tuple[str, ...]
    family: str
    kind: ClientKind = ClientKind.CLIENT
    endpoint: tuple[Param, ...] = ()
    headers: tuple[str, ...] = ()
    limit: Limit | None = None
    """For models and parameter objects: the limit checked on the constructor."""
    module: bool = False
    """A module used as a client (``ollama.chat``, ``openai.chat.completions.create``)."""
    factories: tuple[str, ...] = ()
    """Class methods returning an instance (``Llama.from_pretrained``)."""
    wraps: Param | None = None
    """For patchers: the argument holding the client or generation function they wrap."""
    target: str = ""
    """For patchers: the wrapped client's method that the patched object's methods call (for a
    wrapped function, the family's method it is, when it cannot be resolved)."""
    same_client: bool = False
    """For patchers: the wrapped client itself is returned, patched in place (``instructor.patch``)."""


@dataclass(frozen=True)
class HttpPath:
    """An LLM API path served over raw HTTP, with its request-body limit."""

    suffix: str
    limit: Limit
    requires: tuple[str, ...] = ()
    """Body keys that must be present for a generic path to count (TGI's ``inputs``)."""
    env_var: str = "OPENAI_BASE_URL"
    """The conventional variable a request URL's base is read from. The path is appended to it,
    so it must hold a full URL with its scheme: not a variable an SDK also accepts as a bare
    ``host:port`` (``OLLAMA_HOST``)."""


# --- limits --------------------------------------------------------------------------------

_OPENAI_CHAT = Limit(("max_tokens", "max_completion_tokens"), default_note="no default: the model writes until it stops or fills its context")
_OPENAI_COMPLETIONS = Limit(("max_tokens",), missing_bounded=True, default_note="the API default is 16")
_OPENAI_RESPONSES = Limit(("max_output_tokens",), default_note="no default: the model writes until it stops or fills its context")
_ANTHROPIC = Limit(("max_tokens",), missing_bounded=True, default_note="required by the API")
_ANTHROPIC_LEGACY = Limit(("max_tokens_to_sample",), missing_bounded=True, default_note="required by the API")
_OLLAMA = Limit(
    ("num_predict",),
    container=("options",),
    unbounded_values=(-1, -2),
    default_note="Ollama's default num_predict is -1 (generate until the model stops)",
)
_LLAMA_CPP_CHAT = Limit(("max_tokens",), positional=15, nonpositive_unbounded=True, default_note="the default None generates until the context is full")
_LLAMA_CPP_COMPLETION = Limit(("max_tokens",), positional=2, missing_bounded=True, nonpositive_unbounded=True, default_note="the default is 16")
_VLLM_PARAMS = Limit(("max_tokens",), missing_bounded=True, default_note="the default is 16")
_HF_CHAT = Limit(("max_tokens",), default_note="no default: the server generates until the context is full")
_HF_TEXT = Limit(("max_new_tokens",), default_note="no default: TGI generates up to the remaining context")
_TGI_CLIENT = Limit(("max_new_tokens",), positional=2, missing_bounded=True, default_note="the client sends 20")
_LITELLM = Limit(("max_tokens", "max_completion_tokens"), default_note="no default: the provider generates until the model stops")
_GOOGLE = Limit(
    ("max_output_tokens", "maxOutputTokens"),
    container=("config",),
    default_note="no default: the model writes up to its output maximum",
)
_GOOGLE_LEGACY = Limit(
    ("max_output_tokens",),
    container=("generation_config",),
    default_note="no default: the model writes up to its output maximum",
)
_MISTRAL = Limit(("max_tokens",), default_note="no default: the model writes until it stops or fills its context")
_COHERE = Limit(("max_tokens",), default_note="no default: the model writes up to its output maximum")
_LANGCHAIN_OPENAI = Limit(("max_tokens", "max_completion_tokens"), default_note="the default None sends no limit")
_LANGCHAIN_OLLAMA = Limit(("num_predict",), unbounded_values=(-1, -2), default_note="the default None leaves Ollama's -1 (no limit)")
_LANGCHAIN_ANTHROPIC = Limit(("max_tokens",), missing_bounded=True, default_note="filled from the model's output maximum")
_TOGETHER_CHAT = Limit(("max_tokens",), default_note="no default: the model writes until it stops or fills its context")
_TOGETHER_COMPLETIONS = Limit(("max_tokens",), default_note="no documented default")

# --- families ------------------------------------------------------------------------------

# Where a feature tag fits on a call (BL002's advice). Anthropic's `metadata` takes only `user_id`,
# and the legacy completions API has no `metadata`: a header there.
_TAG_METADATA_OR_HEADER = ("metadata", "extra_headers")
_TAG_HEADER = ("extra_headers",)

_OPENAI_METHODS = (
    Method("chat.completions.create", _OPENAI_CHAT, distinctive=True, tag_kwargs=_TAG_METADATA_OR_HEADER),
    Method("chat.completions.parse", _OPENAI_CHAT, distinctive=True, tag_kwargs=_TAG_METADATA_OR_HEADER),
    Method("chat.completions.stream", _OPENAI_CHAT, distinctive=True, tag_kwargs=_TAG_METADATA_OR_HEADER),
    Method("beta.chat.completions.parse", _OPENAI_CHAT, distinctive=True, tag_kwargs=_TAG_METADATA_OR_HEADER),
    Method("beta.chat.completions.stream", _OPENAI_CHAT, distinctive=True, tag_kwargs=_TAG_METADATA_OR_HEADER),
    Method("completions.create", _OPENAI_COMPLETIONS, distinctive=True, evidence=("model", "prompt"), tag_kwargs=_TAG_HEADER),
    Method("responses.create", _OPENAI_RESPONSES, distinctive=True, evidence=("model", "input"), tag_kwargs=_TAG_METADATA_OR_HEADER),
    Method("responses.stream", _OPENAI_RESPONSES, distinctive=True, evidence=("model", "input"), tag_kwargs=_TAG_METADATA_OR_HEADER),
    Method("responses.parse", _OPENAI_RESPONSES, distinctive=True, evidence=("model", "input"), tag_kwargs=_TAG_METADATA_OR_HEADER),
)
_CLIENT_PASSTHROUGH = ("with_options", "with_raw_response", "with_streaming_response", "copy")
_LANGCHAIN_METHODS = tuple(
    Method(name, None) for name in ("invoke", "ainvoke", "stream", "astream", "batch", "abatch")
)
_LANGCHAIN_PASSTHROUGH = ("bind", "bind_tools", "with_config", "with_structured_output", "with_retry", "with_fallbacks")

FAMILIES: dict[str, Family] = {
    family.name: family
    for family in (
        Family("openai", Location.CLOUD, _OPENAI_METHODS, env_var="OPENAI_BASE_URL", passthrough=_CLIENT_PASSTHROUGH),
        Family(
            "groq",
            Location.CLOUD,
            (Method("chat.completions.create", _OPENAI_CHAT, distinctive=True, tag_kwargs=_TAG_METADATA_OR_HEADER),),
            env_var="GROQ_BASE_URL",
            passthrough=_CLIENT_PASSTHROUGH,
        ),
        Family(
            "together",
            Location.CLOUD,
            (
                Method("chat.completions.create", _TOGETHER_CHAT, distinctive=True, tag_kwargs=_TAG_HEADER),
                Method("completions.create", _TOGETHER_COMPLETIONS, distinctive=True, evidence=("model", "prompt"), tag_kwargs=_TAG_HEADER),
            ),
            env_var="TOGETHER_BASE_URL",
            passthrough=_CLIENT_PASSTHROUGH,
        ),
        Family(
            "anthropic",
            Location.CLOUD,
            (
                Method("messages.create", _ANTHROPIC, distinctive=True, tag_kwargs=_TAG_HEADER),
                Method("messages.stream", _ANTHROPIC, distinctive=True, tag_kwargs=_TAG_HEADER),
                Method("messages.parse", _ANTHROPIC, distinctive=True, tag_kwargs=_TAG_HEADER),
                Method("beta.messages.create", _ANTHROPIC, distinctive=True, tag_kwargs=_TAG_HEADER),
                Method("beta.messages.stream", _ANTHROPIC, distinctive=True, tag_kwargs=_TAG_HEADER),
                # Removed from the SDK (tests/test_catalog_signatures.py REMOVED_FROM_SDK), still in code.
                Method("beta.prompt_caching.messages.create", _ANTHROPIC, distinctive=True, tag_kwargs=_TAG_HEADER),
                Method("beta.prompt_caching.messages.stream", _ANTHROPIC, distinctive=True, tag_kwargs=_TAG_HEADER),
                Method(
                    "completions.create",
                    _ANTHROPIC_LEGACY,
                    distinctive=True,
                    evidence=("max_tokens_to_sample",),
                    claims=("max_tokens_to_sample",),
                    tag_kwargs=_TAG_HEADER,
                ),
            ),
            env_var="ANTHROPIC_BASE_URL",
            passthrough=_CLIENT_PASSTHROUGH,
        ),
        Family(
            "ollama",
            Location.LOCAL,
            (Method("chat", _OLLAMA), Method("generate", _OLLAMA)),
            env_var="OLLAMA_HOST",
        ),
        Family(
            "llama_cpp",
            Location.LOCAL,
            (
                Method("create_chat_completion", _LLAMA_CPP_CHAT, distinctive=True, evidence=("messages",)),
                Method("create_completion", _LLAMA_CPP_COMPLETION, distinctive=True, evidence=("prompt",)),
                Method("__call__", _LLAMA_CPP_COMPLETION),
            ),
        ),
        Family("vllm", Location.LOCAL, (Method("generate", None), Method("chat", None))),
        Family(
            "huggingface",
            Location.CLOUD,
            (
                Method("chat_completion", _HF_CHAT, distinctive=True, evidence=("messages", "model")),
                Method("text_generation", _HF_TEXT, distinctive=True, evidence=("prompt", "model")),
                Method("chat.completions.create", _HF_CHAT),
            ),
            env_var="HF_INFERENCE_ENDPOINT",
        ),
        Family(
            "tgi",
            Location.UNKNOWN,
            (Method("generate", _TGI_CLIENT), Method("generate_stream", _TGI_CLIENT)),
            env_var="TGI_BASE_URL",
        ),
        Family(
            "litellm",
            Location.CLOUD,
            (
                Method("completion", _LITELLM, tag_kwargs=_TAG_METADATA_OR_HEADER),
                Method("acompletion", _LITELLM, tag_kwargs=_TAG_METADATA_OR_HEADER),
                Method("responses", _OPENAI_RESPONSES, tag_kwargs=_TAG_METADATA_OR_HEADER),
                Method("aresponses", _OPENAI_RESPONSES, tag_kwargs=_TAG_METADATA_OR_HEADER),
            ),
            env_var="LITELLM_API_BASE",
            model_prefixes_local=("ollama/", "ollama_chat/", "hosted_vllm/", "vllm/", "llamafile/", "lm_studio/", "local/"),
            endpoint_kwargs=("api_base", "base_url"),
        ),
        Family(
            "langchain",
            Location.CLOUD,
            _LANGCHAIN_METHODS,
            env_var="OPENAI_BASE_URL",
            passthrough=_LANGCHAIN_PASSTHROUGH,
            tag_containers=("config",),
        ),
        Family(
            "langchain_ollama",
            Location.LOCAL,
            _LANGCHAIN_METHODS,
            env_var="OLLAMA_HOST",
            passthrough=_LANGCHAIN_PASSTHROUGH,
            tag_containers=("config",),
        ),
        Family(
            "google",
            Location.CLOUD,
            (
                Method("models.generate_content", _GOOGLE, distinctive=True, evidence=("model", "contents")),
                Method("models.generate_content_stream", _GOOGLE, distinctive=True, evidence=("model", "contents")),
                Method("aio.models.generate_content", _GOOGLE),
                Method("aio.models.generate_content_stream", _GOOGLE),
                Method("generate_content", _GOOGLE_LEGACY),
            ),
        ),
        Family(
            "mistral",
            Location.CLOUD,
            (Method("chat.complete", _MISTRAL), Method("chat.stream", _MISTRAL), Method("chat.complete_async", _MISTRAL)),
            env_var="MISTRAL_SERVER_URL",
        ),
        Family("cohere", Location.CLOUD, (Method("chat", _COHERE), Method("chat_stream", _COHERE)), env_var="CO_API_URL"),
        Family("http", Location.UNKNOWN, (Method("post", None, tag_kwargs=("headers",)),)),
    )
}

# --- clients -------------------------------------------------------------------------------

CLIENTS: tuple[Client, ...] = (
    Client(
        ("openai.OpenAI", "openai.AsyncOpenAI"),
        "openai",
        endpoint=(Param("base_url"),),
        headers=("default_headers",),
    ),
    Client(
        ("openai.AzureOpenAI", "openai.AsyncAzureOpenAI"),
        "openai",
        endpoint=(Param("azure_endpoint"), Param("base_url")),
        headers=("default_headers",),
    ),
    Client(("openai",), "openai", module=True),
    Client(("groq.Groq", "groq.AsyncGroq"), "groq", endpoint=(Param("base_url"),), headers=("default_headers",)),
    Client(("together.Together", "together.AsyncTogether"), "together", endpoint=(Param("base_url"),), headers=("default_headers",)),
    Client(
        (
            "anthropic.Anthropic",
            "anthropic.AsyncAnthropic",
            "anthropic.AnthropicBedrock",
            "anthropic.AsyncAnthropicBedrock",
            "anthropic.AnthropicVertex",
            "anthropic.AsyncAnthropicVertex",
        ),
        "anthropic",
        endpoint=(Param("base_url"),),
        headers=("default_headers",),
    ),
    Client(("ollama.Client", "ollama.AsyncClient", "ollama._client.Client", "ollama._client.AsyncClient"), "ollama", endpoint=(Param("host", 0),), headers=("headers",)),
    Client(("ollama",), "ollama", module=True),
    Client(("llama_cpp.Llama",), "llama_cpp", factories=("from_pretrained",)),
    Client(("vllm.LLM",), "vllm"),
    Client(
        ("vllm.AsyncLLMEngine", "vllm.engine.async_llm_engine.AsyncLLMEngine", "vllm.v1.engine.async_llm.AsyncLLM"),
        "vllm",
        factories=("from_engine_args",),
    ),
    Client(("vllm.SamplingParams",), "vllm", kind=ClientKind.PARAMS, limit=_VLLM_PARAMS),
    Client(
        ("huggingface_hub.InferenceClient", "huggingface_hub.AsyncInferenceClient"),
        "huggingface",
        endpoint=(Param("model", 0), Param("base_url")),
        headers=("headers",),
    ),
    Client(
        ("text_generation.Client", "text_generation.AsyncClient"),
        "tgi",
        endpoint=(Param("base_url", 0),),
        headers=("headers",),
    ),
    Client(("litellm",), "litellm", module=True),
    Client(("litellm.Router",), "litellm"),
    Client(
        ("langchain_openai.ChatOpenAI", "langchain_community.chat_models.ChatOpenAI", "langchain.chat_models.ChatOpenAI"),
        "langchain",
        kind=ClientKind.MODEL,
        endpoint=(Param("base_url"), Param("openai_api_base")),
        headers=("default_headers",),
        limit=_LANGCHAIN_OPENAI,
    ),
    Client(
        ("langchain_openai.AzureChatOpenAI", "langchain_community.chat_models.AzureChatOpenAI"),
        "langchain",
        kind=ClientKind.MODEL,
        endpoint=(Param("azure_endpoint"), Param("base_url"), Param("openai_api_base")),
        headers=("default_headers",),
        limit=_LANGCHAIN_OPENAI,
    ),
    Client(
        ("langchain_ollama.ChatOllama", "langchain_community.chat_models.ChatOllama"),
        "langchain_ollama",
        kind=ClientKind.MODEL,
        endpoint=(Param("base_url"),),
        limit=_LANGCHAIN_OLLAMA,
    ),
    Client(
        ("langchain_anthropic.ChatAnthropic",),
        "langchain",
        kind=ClientKind.MODEL,
        endpoint=(Param("base_url"), Param("anthropic_api_url")),
        headers=("default_headers",),
        limit=_LANGCHAIN_ANTHROPIC,
    ),
    Client(("google.genai.Client",), "google"),
    Client(("google.generativeai.GenerativeModel",), "google", limit=_GOOGLE_LEGACY),
    Client(("mistralai.client.Mistral", "mistralai.Mistral"), "mistral", endpoint=(Param("server_url", 3),)),
    Client(("cohere.ClientV2", "cohere.Client", "cohere.AsyncClientV2", "cohere.AsyncClient"), "cohere", endpoint=(Param("base_url"),)),
    # instructor: the patched object's methods (PATCHED_METHODS) make the wrapped client's call.
    Client(
        ("instructor.from_openai", "instructor.from_openrouter", "instructor.from_perplexity"),
        "openai",
        kind=ClientKind.PATCHER,
        wraps=Param("client", 0),
        target="chat.completions.create",
    ),
    Client(
        ("instructor.from_together", "instructor.from_deepseek"),
        "openai",
        kind=ClientKind.PATCHER,
        wraps=Param("model_or_client", 0),
        target="chat.completions.create",
    ),
    Client(("instructor.from_groq",), "groq", kind=ClientKind.PATCHER, wraps=Param("client", 0), target="chat.completions.create"),
    Client(("instructor.from_anthropic",), "anthropic", kind=ClientKind.PATCHER, wraps=Param("client", 0), target="messages.create"),
    Client(("instructor.from_litellm",), "litellm", kind=ClientKind.PATCHER, wraps=Param("completion", 0), target="completion"),
    Client(
        ("instructor.patch", "instructor.apatch"),
        "openai",
        kind=ClientKind.PATCHER,
        wraps=Param("client", 0),
        target="chat.completions.create",
        same_client=True,
    ),
    Client(("requests", "httpx"), "http", module=True),
    Client(("requests.Session",), "http"),  # its headers live on session.headers, not the constructor
    Client(("httpx.Client", "httpx.AsyncClient", "aiohttp.ClientSession"), "http", headers=("headers",)),
)

PATCHED_METHODS = ("create", "create_with_completion", "create_partial", "create_iterable")
"""Methods of an instructor-patched object that make the wrapped call (``client.create(...)``)."""
PATCHED_SELF = ("chat", "completions", "messages")
"""Properties of an instructor-patched object that return itself (``client.chat.completions.create``)."""

# --- raw HTTP ------------------------------------------------------------------------------

_TGI_HTTP = Limit(
    ("max_new_tokens",),
    container=("parameters",),
    default_note="TGI generates up to max_total_tokens minus the prompt",
)

HTTP_PATHS: tuple[HttpPath, ...] = (
    HttpPath("/chat/completions", _OPENAI_CHAT),
    HttpPath("/v1/completions", _OPENAI_COMPLETIONS),
    HttpPath("/v1/responses", _OPENAI_RESPONSES),
    # Without /v1 (Perplexity, OpenRouter's proxies), a one-word path also needs the API's body keys.
    HttpPath("/completions", _OPENAI_COMPLETIONS, requires=("model", "prompt")),
    HttpPath("/responses", _OPENAI_RESPONSES, requires=("model", "input")),
    HttpPath("/api/chat", Limit(("num_predict",), container=("options",), unbounded_values=(-1, -2), default_note=_OLLAMA.default_note), env_var="OLLAMA_BASE_URL"),
    HttpPath("/api/generate", Limit(("num_predict",), container=("options",), unbounded_values=(-1, -2), default_note=_OLLAMA.default_note), env_var="OLLAMA_BASE_URL"),
    HttpPath("/generate", _TGI_HTTP, requires=("inputs",), env_var="TGI_BASE_URL"),
    HttpPath("/generate_stream", _TGI_HTTP, requires=("inputs",), env_var="TGI_BASE_URL"),
    HttpPath(
        "/completion",
        Limit(("n_predict",), unbounded_values=(-1,), default_note="llama.cpp's default n_predict is -1 (no limit)"),
        requires=("prompt",),
        env_var="LLAMA_CPP_BASE_URL",
    ),
)
"""Matched against the end of a URL's path; the longest suffix wins."""

HTTP_METHODS = ("post",)
"""Raw HTTP methods that send a generation request body (``json=``)."""

# --- endpoints and escalation --------------------------------------------------------------

ENDPOINT_ENV_HINTS = ("BASE_URL", "API_BASE", "HOST", "ENDPOINT", "SERVER_URL", "API_URL")
"""Environment variable name parts that mark an endpoint variable (``os.environ[...] = url``)."""

ENV_VAR_ENGINES: dict[str, tuple[str, ...]] = {
    "OPENAI_BASE_URL": ("openai", "azure-openai"),
    "OLLAMA_HOST": ("ollama",),
    "OLLAMA_BASE_URL": ("ollama",),
    "TGI_BASE_URL": ("tgi",),
    "LLAMA_CPP_BASE_URL": ("llama.cpp",),
    "ANTHROPIC_BASE_URL": ("anthropic",),
    "GROQ_BASE_URL": ("groq",),
    "TOGETHER_BASE_URL": ("together",),
    "MISTRAL_SERVER_URL": ("mistral",),
    "CO_API_URL": ("cohere",),
    "HF_INFERENCE_ENDPOINT": ("huggingface", "tgi"),
}
"""Conventional endpoint variables -> the stack engines (``stack.yaml`` ``engine``) serving that API."""
OPENAI_API_ENV_VARS = ("OPENAI_BASE_URL", "LITELLM_API_BASE")
"""Conventional variables of clients that speak the OpenAI API: any OpenAI-compatible endpoint serves them."""

LEGACY_MODULE_ENDPOINTS = ("openai.base_url", "openai.api_base")
"""Module attributes that set the module-level client's endpoint."""

LOCAL_HOSTS = ("localhost", "host.docker.internal", "0.0.0.0")
LOCAL_HOST_SUFFIXES = (".local", ".localhost", ".internal", ".svc", ".cluster.local")

def client_for(qualname: str) -> Client | None:
    """The catalog client whose qualified name is ``qualname``."""
    return _CLIENT_INDEX.get(qualname)


_CLIENT_INDEX: dict[str, Client] = {qualname: client for client in CLIENTS for qualname in client.qualnames}

KNOWN_ROOT_MODULES: frozenset[str] = frozenset(qualname.split(".")[0] for qualname in _CLIENT_INDEX)


def distinctive_methods() -> list[tuple[tuple[str, ...], Family, Method]]:
    """Method paths recognisable with an unresolved receiver, longest first; of one path, the
    methods with ``claims`` first, then the first family's."""
    seen: set[str] = set()
    out = []
    for family in FAMILIES.values():
        for method in family.methods:
            if method.distinctive and (method.claims or method.path not in seen):
                seen.update(() if method.claims else (method.path,))
                out.append((tuple(method.path.split(".")), family, method))
    return sorted(out, key=lambda item: (-len(item[0]), not item[2].claims))


DISTINCTIVE = distinctive_methods()

# --- endpoints written outside a call (BL004) ----------------------------------------------

ENDPOINT_ATTRIBUTES: frozenset[str] = frozenset(
    {param.name for client in CLIENTS for param in client.endpoint if param.name != "model"}
    | {name for family in FAMILIES.values() for name in family.endpoint_kwargs}
    | {"api_url"}
)
"""Attribute names that hold an endpoint (``self.base_url = ...``): the catalog's endpoint
parameters (not ``model``, which names a model far more often than a URL) and ``api_url``."""

LLM_API_HOSTS: dict[str, str] = {
    "api.openai.com": "OPENAI_BASE_URL",
    "api.anthropic.com": "ANTHROPIC_BASE_URL",
    "api.groq.com": "GROQ_BASE_URL",
    "api.together.xyz": "TOGETHER_BASE_URL",
    "api.mistral.ai": "MISTRAL_SERVER_URL",
    "api.cohere.com": "CO_API_URL",
    "api.cohere.ai": "CO_API_URL",
    "api-inference.huggingface.co": "HF_INFERENCE_ENDPOINT",
    "router.huggingface.co": "OPENAI_BASE_URL",
    "generativelanguage.googleapis.com": "OPENAI_BASE_URL",
    "api.deepseek.com": "OPENAI_BASE_URL",
    "openrouter.ai": "OPENAI_BASE_URL",
    "api.perplexity.ai": "OPENAI_BASE_URL",
    "api.fireworks.ai": "OPENAI_BASE_URL",
    "api.x.ai": "OPENAI_BASE_URL",
}
"""Hosts that serve only LLM APIs, with the variable a fix reads their endpoint from."""
LLM_API_HOST_SUFFIXES: dict[str, str] = {".openai.azure.com": "OPENAI_BASE_URL"}

INFERENCE_PORTS: dict[int, str] = {11434: "OLLAMA_HOST", 1234: "OPENAI_BASE_URL"}
"""Default ports of local inference servers that few other services use (Ollama, LM Studio)."""
OPENAI_COMPATIBLE_BASE_PATH = "/v1"
"""The base path of an OpenAI-compatible server (vLLM, llama.cpp, LocalAI, LM Studio, Ollama)."""
OPENAI_COMPATIBLE_ENV_VAR = "OPENAI_BASE_URL"
"""The variable an OpenAI-compatible endpoint is conventionally read from."""
DISTINCTIVE_HTTP_PATHS = ("/chat/completions",)
"""LLM API paths that mark an LLM endpoint on any host; the others (``/api/chat``, ``/responses``)
do only on a local host or after the OpenAI-compatible base path (``/v1/responses``)."""
