"""BL004 hardcoded-base-url."""

from __future__ import annotations

from collections.abc import Iterator

from budgetlint.model import FileModel
from budgetlint.policy import Policy, Tier
from budgetlint.rule import Invalid, Report, Rule, Valid


class HardcodedBaseUrl(Rule):
    """
    ## What it does
    Flags an LLM endpoint written as a literal URL in code: `base_url=`, `host=`, `api_base=`,
    an SDK's positional endpoint argument, `openai.base_url = "..."`,
    `os.environ["OPENAI_BASE_URL"] = "..."`, the URL of a raw HTTP call to an LLM API path, or
    a name bound to such a literal (reported once, at the literal).

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
    The fix replaces the literal with `os.environ.get("<ENV>", "<literal>")`, which behaves the
    same until the variable is set (a later release).
    """

    code = "BL004"
    name = "hardcoded-base-url"
    tier = Tier.MEDIUM
    summary = "LLM endpoint hard-coded as a literal URL"
    fix_title = "Read the endpoint from the environment"
    fixable = False  # --fix lands with the autofix issue

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
    ]

    INVALID = [
        Invalid(
            """
from openai import OpenAI
client = OpenAI(base_url="http://localhost:8000/v1", api_key="x")
""",
            line=3,
            column=26,
        ),
        # Positional endpoint of ollama.Client.
        Invalid(
            """
import ollama
client = ollama.Client("http://gpu-box.local:11434")
""",
            line=3,
            column=24,
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
        ),
        # The module-level client.
        Invalid(
            """
import openai
openai.base_url = "http://localhost:8000/v1/"
""",
            line=3,
            column=19,
        ),
        # Setting the environment in code is hard-coding too.
        Invalid(
            """
import os
os.environ["OPENAI_BASE_URL"] = "http://localhost:8000/v1"
""",
            line=3,
        ),
        # A raw HTTP call to an LLM path.
        Invalid(
            """
import requests
requests.post("http://127.0.0.1:11434/api/generate", json={"model": "llama3", "prompt": "x", "options": {"num_predict": 10}})
""",
            line=3,
            column=15,
        ),
        # LiteLLM's per-call api_base.
        Invalid(
            """
import litellm
litellm.completion(model="ollama/llama3", messages=[], api_base="http://localhost:11434", max_tokens=5)
""",
            line=3,
        ),
        # LangChain model constructors.
        Invalid(
            """
from langchain_ollama import ChatOllama
llm = ChatOllama(model="llama3", base_url="http://ollama:11434", num_predict=256)
""",
            line=3,
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
    ]

    def check(self, model: FileModel, policy: Policy) -> Iterator[Report]:
        for literal in model.endpoint_literals:
            if literal.env_default and not policy.strict:
                continue
            yield Report(
                literal.node,
                f"LLM endpoint hard-coded for {literal.context}: moving this traffic between local "
                f"GPUs and a cloud API needs a code change and a deploy. Read it from the environment "
                f"(`os.environ[\"{literal.env_var}\"]`) or a settings object.",
            )
