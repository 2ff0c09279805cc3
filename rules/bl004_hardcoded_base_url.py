"""BL004 hardcoded-base-url."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from budgetlint import catalog
from budgetlint.catalog import Location
from budgetlint.endpoints import host_location
from budgetlint.fix import Fix, Replace, operand_ids
from budgetlint.model import EndpointLiteral, FileModel
from budgetlint.policy import Policy, StackEndpoint, Tier
from budgetlint.rule import Invalid, Report, Rule
from budgetlint.scopes import BindingKind, Scope


class HardcodedBaseUrl(Rule):
    """
    ## What it does
    Flags an LLM endpoint written as a literal URL in code: `base_url=`, `host=`, `api_base=`,
    an SDK's positional endpoint argument, `openai.base_url = "..."`,
    `os.environ["OPENAI_BASE_URL"] = "..."`, the URL of a raw HTTP call to an LLM API path, a
    name or `self.<attribute>` bound to such a literal, or a key of a dict unpacked into the
    client or call (`OpenAI(**{"base_url": URL})`, `kw = dict(base_url=URL); OpenAI(**kw)`);
    each literal is reported once, at the literal.

    An endpoint attribute set in code (`client.base_url = "..."`, `self.api_base = "..."`: an
    attribute named like an SDK's endpoint parameter, or `api_url`) is flagged when the object is
    an SDK client, when an LLM client or call in the file reads the attribute as its endpoint, or
    when the URL shows an LLM endpoint by itself: a host that serves only LLM APIs
    (`api.openai.com`, `api.groq.com`, ...), a local host on an inference server's port (Ollama's
    11434, LM Studio's 1234) or with the OpenAI-compatible `/v1` base, or an LLM API path
    (`/chat/completions` anywhere; `/api/chat`, `/responses`, ... after `/v1` or on a local
    host). `self.host = "localhost"` for a database or `self.base_url = "https://api.github.com"`
    is left alone.

    Reading the endpoint from the environment (`os.environ[...]`, `os.getenv(...)`), a
    settings object or a parameter is fine; a literal default of `os.getenv` is allowed unless
    `strict` is on.

    ## Why is this bad?
    A hard-coded endpoint decides in code where every token is served and billed. Moving a
    feature from the cloud to the local vLLM pool (or failing over) then needs a code change
    and a deploy instead of a configuration change, and a laptop URL ends up in production.

    ## Example
    ```python
    client = OpenAI(base_url="http://10.0.0.5:8000/v1")
    ```

    Use instead:
    ```python
    client = OpenAI(base_url=os.environ["VLLM_BASE_URL"])
    ```

    ## Options
    - `strict` (guardrails) or `--strict`: literal defaults of environment lookups are flagged.
    - The stack file's endpoints name the environment variable a fix reads (`base_url_env`).

    ## Fix safety
    The fix replaces the literal with `os.environ.get("<ENV>", "<literal>")` and adds
    `import os` when the module lacks it. The program behaves the same until `<ENV>` is set, so
    the fix is safe: `--fix` applies it. `<ENV>` is the `base_url_env` of the stack file's
    endpoint at the URL's location (local or cloud) that serves this API: the SDK's own variable
    when the stack declares it there, else the one endpoint of that engine (an
    OpenAI-compatible one for OpenAI clients). Without a stack file, or when several endpoints
    match, it is the SDK's conventional variable (`OPENAI_BASE_URL`, `OLLAMA_HOST`, ...); for
    `os.environ["X"] = "..."`, `X` itself. A constant bound to a literal is fixed once, at the
    literal. The URL of a raw HTTP request keeps its API path in code:
    `os.environ.get("OLLAMA_BASE_URL", "http://127.0.0.1:11434") + "/api/generate"`. As the path
    is appended to it, the variable must hold a full URL with its scheme, so raw HTTP to Ollama
    reads `OLLAMA_BASE_URL`, not `OLLAMA_HOST` (often a bare `host:port`, which the Ollama SDK
    accepts but a URL does not); the stack file's `base_url_env` still wins when one fits.

    An endpoint attribute or a dict entry is fixed the same way, where it is written; an
    attribute whose URL holds an LLM API path keeps the path in code, as a request URL does.

    No fix is offered for a URL built in an f-string, an implicit concatenation or a `+`
    (`"http://host" + path`), nor under `strict`, which would flag the literal default the fix
    writes, nor where `os` at the literal may not be the module: any binding of `os` in reach
    other than a module-level `import os` (a variable, a parameter, a loop, comprehension,
    `except` or `match` target, `del os`, even an `import os` inside a function).
    """

    code = "BL004"
    name = "hardcoded-base-url"
    tier = Tier.MEDIUM
    summary = "LLM endpoint hard-coded as a literal URL"
    fix_title = "Read the endpoint from the environment"
    fixable = True

    VALID = [
        """
import os
from openai import OpenAI
OpenAI(base_url=os.environ["VLLM_BASE_URL"])
""",
        """
import os
import ollama
ollama.Client(host=os.getenv("OLLAMA_HOST", "http://localhost:11434"))
""",
        """
from openai import OpenAI
from app.settings import settings
OpenAI(base_url=settings.llm_base_url)
""",
        """
from openai import OpenAI
def make(url):
    return OpenAI(base_url=url)
""",
        # A model id is not an endpoint.
        """
from huggingface_hub import InferenceClient
InferenceClient("meta-llama/Llama-3.1-8B-Instruct")
""",
        # URLs that are not LLM endpoints.
        """
import requests
requests.post("https://hooks.slack.com/services/T000/B000/XXX", json={"text": "hi"})
requests.get("http://localhost:8000/health")
DOCS = "https://platform.openai.com/docs"
""",
        # A literal passed to an unrelated class with a `base_url` parameter.
        """
class Api:
    def __init__(self, base_url): ...
Api(base_url="http://localhost:9000")
""",
        # Dynamic host in an f-string.
        """
import os, httpx
HOST = os.environ["TGI_HOST"]
httpx.post(f"{HOST}/generate", json={"inputs": "hi", "parameters": {"max_new_tokens": 5}})
""",
        # Environment variables that are not endpoints.
        """
import os
os.environ["TOKENIZERS_PARALLELISM"] = "false"
""",
        # Endpoint-named attributes of classes that do not talk to an LLM.
        """
class Database:
    def __init__(self):
        self.host = "localhost"
        self.port = 5432

class GitHub:
    def __init__(self):
        self.base_url = "https://api.github.com"
        self.api_url = "http://localhost:8000"
""",
        # An attribute read from the environment, and a dict read from it.
        """
import os
from openai import OpenAI
client = OpenAI()
client.base_url = os.environ["LLM_BASE_URL"]
OpenAI(**{"base_url": os.environ["LLM_BASE_URL"]})
""",
        # A literal in a dict unpacked into an unrelated class.
        """
class Api:
    def __init__(self, base_url): ...
settings = {"base_url": "http://localhost:9000/v1"}
Api(**settings)
""",
        # A URL ending in /completions of another API, with no LLM request body.
        """
import requests
requests.post("https://tasks.example.com/api/completions", json={"task": 42})
""",
        # Arms that disagree on the endpoint (the environment, or a literal): it is unknown.
        """
import os
from openai import OpenAI
if "LLM_URL" in os.environ:
    url = os.environ["LLM_URL"]
else:
    url = "http://localhost:8000/v1"
client = OpenAI(base_url=url)
""",
    ]

    INVALID = [
        # InferenceClient's positional URL, the client an instructor patcher wraps, a URL without /v1.
        Invalid(
            """
import instructor, requests
from huggingface_hub import InferenceClient
from openai import OpenAI
tgi = InferenceClient("http://10.0.0.5:8080")
client = instructor.from_openai(OpenAI(base_url="http://localhost:8000/v1"))
requests.post("http://10.0.0.7:8000/completions", json={"model": "m", "prompt": "x", "max_tokens": 5})
""",
            count=3,
            expected_replacement="""
import os

import instructor, requests
from huggingface_hub import InferenceClient
from openai import OpenAI
tgi = InferenceClient(os.environ.get("HF_INFERENCE_ENDPOINT", "http://10.0.0.5:8080"))
client = instructor.from_openai(OpenAI(base_url=os.environ.get("OPENAI_BASE_URL", "http://localhost:8000/v1")))
requests.post(os.environ.get("OPENAI_BASE_URL", "http://10.0.0.7:8000") + "/completions", json={"model": "m", "prompt": "x", "max_tokens": 5})
""",
        ),
        Invalid(
            """
from openai import OpenAI
client = OpenAI(base_url="http://localhost:8000/v1", api_key="x")
""",
            line=3,
            column=26,
            expected_replacement="""
import os

from openai import OpenAI
client = OpenAI(base_url=os.environ.get("OPENAI_BASE_URL", "http://localhost:8000/v1"), api_key="x")
""",
        ),
        # Positional endpoint of ollama.Client.
        Invalid(
            """
import ollama
client = ollama.Client("http://gpu-box.local:11434")
""",
            line=3,
            column=24,
            expected_replacement="""
import os

import ollama
client = ollama.Client(os.environ.get("OLLAMA_HOST", "http://gpu-box.local:11434"))
""",
        ),
        # A module constant used by two clients: reported once, at the literal.
        Invalid(
            """
from openai import OpenAI, AsyncOpenAI
VLLM_URL = "http://10.1.2.3:8000/v1"
sync = OpenAI(base_url=VLLM_URL)
aio = AsyncOpenAI(base_url=VLLM_URL)
""",
            line=3,
            column=12,
            expected_replacement="""
import os

from openai import OpenAI, AsyncOpenAI
VLLM_URL = os.environ.get("OPENAI_BASE_URL", "http://10.1.2.3:8000/v1")
sync = OpenAI(base_url=VLLM_URL)
aio = AsyncOpenAI(base_url=VLLM_URL)
""",
        ),
        # The module-level client.
        Invalid(
            """
import openai
openai.base_url = "http://localhost:8000/v1/"
""",
            line=3,
            column=19,
            expected_replacement="""
import os

import openai
openai.base_url = os.environ.get("OPENAI_BASE_URL", "http://localhost:8000/v1/")
""",
        ),
        # Setting the environment in code is hard-coding too.
        Invalid(
            """
import os
os.environ["OPENAI_BASE_URL"] = "http://localhost:8000/v1"
""",
            line=3,
            expected_replacement="""
import os
os.environ["OPENAI_BASE_URL"] = os.environ.get("OPENAI_BASE_URL", "http://localhost:8000/v1")
""",
        ),
        # A raw HTTP call to an LLM path.
        Invalid(
            """
import requests
requests.post("http://127.0.0.1:11434/api/generate", json={"model": "llama3", "prompt": "x", "options": {"num_predict": 10}})
""",
            line=3,
            column=15,
            expected_replacement="""
import os

import requests
requests.post(os.environ.get("OLLAMA_BASE_URL", "http://127.0.0.1:11434") + "/api/generate", json={"model": "llama3", "prompt": "x", "options": {"num_predict": 10}})
""",
        ),
        # LiteLLM's per-call api_base.
        Invalid(
            """
import litellm
litellm.completion(model="ollama/llama3", messages=[], api_base="http://localhost:11434", max_tokens=5)
""",
            line=3,
            expected_replacement="""
import os

import litellm
litellm.completion(model="ollama/llama3", messages=[], api_base=os.environ.get("LITELLM_API_BASE", "http://localhost:11434"), max_tokens=5)
""",
        ),
        # LangChain model constructors.
        Invalid(
            """
from langchain_ollama import ChatOllama
llm = ChatOllama(model="llama3", base_url="http://ollama:11434", num_predict=256)
""",
            line=3,
            expected_replacement="""
import os

from langchain_ollama import ChatOllama
llm = ChatOllama(model="llama3", base_url=os.environ.get("OLLAMA_HOST", "http://ollama:11434"), num_predict=256)
""",
        ),
        # A literal host in an f-string.
        Invalid(
            """
import httpx
PORT = 8000
httpx.post(f"http://localhost:{PORT}/v1/chat/completions", json={"model": "m", "messages": [], "max_tokens": 5})
""",
            line=4,
        ),
        # A literal host joined with `+`: flagged, but no fix (the literal is an operand).
        Invalid(
            """
from openai import OpenAI
client = OpenAI(base_url="http://10.0.0.5:8000" + "/v1")
""",
            line=3,
        ),
        # The stack file names the variable of the local OpenAI-compatible endpoint; `os` is imported.
        Invalid(
            """
import os
from openai import OpenAI
local = OpenAI(base_url='http://10.0.0.12:8000/v1')
""",
            line=4,
            options={
                "stack_endpoints": (
                    StackEndpoint("VLLM_BASE_URL", "vllm", Location.LOCAL, openai_compatible=True),
                    StackEndpoint("OPENAI_BASE_URL", "openai", Location.CLOUD),
                )
            },
            expected_replacement="""
import os
from openai import OpenAI
local = OpenAI(base_url=os.environ.get('VLLM_BASE_URL', 'http://10.0.0.12:8000/v1'))
""",
        ),
        # `import os` in a block of its own after the docstring and __future__ (isort).
        Invalid(
            """
\"\"\"Clients.\"\"\"
from __future__ import annotations
import ollama

client = ollama.AsyncClient(host="http://localhost:11434")
""",
            line=6,
            expected_replacement="""
\"\"\"Clients.\"\"\"
from __future__ import annotations

import os

import ollama

client = ollama.AsyncClient(host=os.environ.get("OLLAMA_HOST", "http://localhost:11434"))
""",
        ),
        # An endpoint attribute of an SDK client set in code.
        Invalid(
            """
from openai import OpenAI
client = OpenAI()
client.base_url = "http://10.0.0.5:8000/v1"
""",
            line=4,
            column=19,
            expected_replacement="""
import os

from openai import OpenAI
client = OpenAI()
client.base_url = os.environ.get("OPENAI_BASE_URL", "http://10.0.0.5:8000/v1")
""",
        ),
        # An endpoint attribute holding an evident LLM endpoint (LM Studio's port, an LLM API host).
        Invalid(
            """
class LocalModel:
    def __init__(self):
        self.api_base = "http://localhost:1234/v1"
""",
            line=4,
            expected_replacement="""
import os


class LocalModel:
    def __init__(self):
        self.api_base = os.environ.get("OPENAI_BASE_URL", "http://localhost:1234/v1")
""",
        ),
        Invalid(
            """
def configure(llm):
    llm.api_base = "https://api.groq.com/openai/v1"
""",
            line=3,
            expected_replacement="""
import os


def configure(llm):
    llm.api_base = os.environ.get("GROQ_BASE_URL", "https://api.groq.com/openai/v1")
""",
        ),
        # An attribute read as the endpoint of an LLM client in the file.
        Invalid(
            """
from openai import OpenAI
class Bot:
    base_url = "http://localhost:8000"
    def __init__(self):
        self.client = OpenAI(base_url=self.base_url)
""",
            line=4,
            column=16,
            expected_replacement="""
import os

from openai import OpenAI
class Bot:
    base_url = os.environ.get("OPENAI_BASE_URL", "http://localhost:8000")
    def __init__(self):
        self.client = OpenAI(base_url=self.base_url)
""",
        ),
        # A literal carried in a dict unpacked into a client: at the literal, once.
        Invalid(
            """
from openai import OpenAI
OpenAI(**{"base_url": "http://localhost:8000/v1", "api_key": "x"})
""",
            line=3,
            column=23,
            expected_replacement="""
import os

from openai import OpenAI
OpenAI(**{"base_url": os.environ.get("OPENAI_BASE_URL", "http://localhost:8000/v1"), "api_key": "x"})
""",
        ),
        Invalid(
            """
from openai import OpenAI, AsyncOpenAI
URL = "http://vllm:8000/v1"
kw = dict(base_url=URL, api_key="x")
sync = OpenAI(**kw)
aio = AsyncOpenAI(**kw)
""",
            line=3,
            expected_replacement="""
import os

from openai import OpenAI, AsyncOpenAI
URL = os.environ.get("OPENAI_BASE_URL", "http://vllm:8000/v1")
kw = dict(base_url=URL, api_key="x")
sync = OpenAI(**kw)
aio = AsyncOpenAI(**kw)
""",
        ),
        Invalid(
            """
import litellm
cfg = {"model": "ollama/llama3", "max_tokens": 5}
cfg["api_base"] = "http://localhost:11434"
litellm.completion(messages=[], **cfg)
""",
            line=4,
            expected_replacement="""
import os

import litellm
cfg = {"model": "ollama/llama3", "max_tokens": 5}
cfg["api_base"] = os.environ.get("LITELLM_API_BASE", "http://localhost:11434")
litellm.completion(messages=[], **cfg)
""",
        ),
        # Strict mode: literal defaults of environment lookups too.
        Invalid(
            """
import os
from openai import OpenAI
OpenAI(base_url=os.getenv("VLLM_BASE_URL", "http://localhost:8000/v1"))
""",
            line=4,
            options={"strict": True},
        ),
        # The binding that reaches the constructor is the literal, not the lookup before it.
        Invalid(
            """
import os
from openai import OpenAI
url = os.environ.get("LLM_URL")
url = "http://localhost:8000/v1"
client = OpenAI(base_url=url)
""",
            expected_replacement="""
import os
from openai import OpenAI
url = os.environ.get("LLM_URL")
url = os.environ.get("OPENAI_BASE_URL", "http://localhost:8000/v1")
client = OpenAI(base_url=url)
""",
            line=5,
            column=7,
        ),
        # The endpoint in a dict of client kwargs a function of this module returns.
        Invalid(
            """
from openai import OpenAI
def client_kwargs():
    return {"base_url": "http://gpu-box:8000/v1", "timeout": 30}
client = OpenAI(**client_kwargs())
""",
            expected_replacement="""
import os

from openai import OpenAI
def client_kwargs():
    return {"base_url": os.environ.get("OPENAI_BASE_URL", "http://gpu-box:8000/v1"), "timeout": 30}
client = OpenAI(**client_kwargs())
""",
            line=4,
            column=25,
        ),
    ]

    def check(self, model: FileModel, policy: Policy) -> Iterator[Report]:
        operands: frozenset[int] | None = None
        for literal in model.endpoint_literals:
            if literal.env_default and not policy.strict:
                continue
            fix = None
            if not policy.strict and isinstance(literal.node, cst.SimpleString):
                if operands is None:
                    operands = operand_ids(model.module)
                if id(literal.node) not in operands:
                    fix = _fix(literal, literal.node, model, policy)
            yield Report(
                literal.node,
                f"LLM endpoint hard-coded for {literal.context}: moving this traffic between local "
                f"GPUs and a cloud API needs a code change and a deploy. Read it from the environment "
                f"(`os.environ[\"{literal.env_var}\"]`) or a settings object.",
                fix,
            )


def _fix(literal: EndpointLiteral, node: cst.SimpleString, model: FileModel, policy: Policy) -> Fix | None:
    if literal.scope is None or not _os_is_the_module(literal.scope):
        return None
    sites = [site for site in model.sites if site.endpoint.literal is node]
    default: cst.SimpleString = node
    path: cst.SimpleString | None = None
    route = literal.route or next((site.http_path for site in sites if site.http_path is not None), None)
    if route is not None:  # a request URL: the base comes from the environment, the API path stays
        split = _split(node, route.suffix)
        if split is None:
            return None
        default, path = split
    quote = "'" if node.quote == "'" else '"'
    lookup = cst.parse_expression(f"os.environ.get({quote}{_env(literal, default, policy)}{quote})")
    assert isinstance(lookup, cst.Call)
    lookup = lookup.with_changes(
        args=[lookup.args[0].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))), cst.Arg(default)]
    )
    new: cst.BaseExpression = lookup if path is None else cst.BinaryOperation(lookup, cst.Add(), path)
    return Fix((Replace(node, new),), imports=("os",))


def _split(node: cst.SimpleString, suffix: str) -> tuple[cst.SimpleString, cst.SimpleString | None] | None:
    """A request URL literal as (base, API path and the rest); the literal itself when it holds
    only a base (``BASE + "/api/generate"``); None when it cannot be split as written."""
    url = node.evaluated_value
    if not isinstance(url, str):
        return None
    route = url.split("?", 1)[0].rstrip("/")
    if not route.endswith(suffix):
        return node, None
    base = route[: -len(suffix)]
    if node.prefix or len(node.quote) != 1 or "\\" in node.raw_value or not base:
        return None
    return node.with_changes(value=f"{node.quote}{base}{node.quote}"), cst.SimpleString(f"{node.quote}{url[len(base):]}{node.quote}")


def _env(literal: EndpointLiteral, node: cst.SimpleString, policy: Policy) -> str:
    """The stack's variable for this endpoint when exactly one fits, else the conventional one."""
    if literal.sets_env:
        return literal.env_var  # os.environ["X"] = "...": the code already names its variable
    url = node.evaluated_value
    location = host_location(url) if isinstance(url, str) else Location.UNKNOWN
    candidates = [e for e in policy.stack_endpoints if location is Location.UNKNOWN or e.location is location]
    if any(endpoint.env == literal.env_var for endpoint in candidates):
        return literal.env_var
    serving = [
        endpoint
        for endpoint in candidates
        if endpoint.engine in catalog.ENV_VAR_ENGINES.get(literal.env_var, ())
        or (endpoint.openai_compatible and literal.env_var in catalog.OPENAI_API_ENV_VARS)
    ]
    return serving[0].env if len({endpoint.env for endpoint in serving}) == 1 else literal.env_var


def _os_is_the_module(scope: Scope) -> bool:
    """Whether ``os`` written in ``scope`` is the module once the fix has made sure of a top-level
    ``import os``: no scope in reach binds it, or only the module does, and only by ``import os``.

    Any binding in a function, class, lambda or comprehension withholds the fix, even a local
    ``import os``: the name table does not know whether it runs before the literal.
    """
    owner = scope.owner_of("os")
    if owner is None:
        return True
    return owner.parent is None and all(
        binding.kind is BindingKind.IMPORT and binding.qualname == "os" for binding in owner.names["os"]
    )
