"""BL001 unbounded-max-tokens."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from budgetlint.fix import AddEntry, Fix, Replace
from budgetlint.limits import Bound, Verdict, placement, verdict
from budgetlint.model import CallSite, FileModel, SiteKind
from budgetlint.policy import Policy, Tier
from budgetlint.rule import Invalid, Report, Rule, Valid
from budgetlint.helpers import call_name, related, reported_here, wrapper_verdict

DEFAULT_FIX_LIMIT = 1024
"""The limit a fix writes when the guardrails set no ``ceilings.max_output_tokens``."""


class UnboundedMaxTokens(Rule):
    """
    ## What it does
    Flags a generation call (or a model constructor / parameter object that sets the limit for
    later calls) whose output length is not provably bounded: the limit argument is missing
    where the SDK's default is unbounded, it is a sentinel the SDK reads as "no limit"
    (`None`, `-1`, `-2`, `float("inf")`, `0` or negative for llama.cpp), or it is a literal
    above the guardrail ceiling `ceilings.max_output_tokens`.

    Each SDK names its limit differently: OpenAI `max_tokens`/`max_completion_tokens`, the
    Responses API `max_output_tokens`, Anthropic's legacy completions `max_tokens_to_sample`,
    Ollama `options={"num_predict": ...}`, Hugging Face `max_new_tokens`, vLLM
    `SamplingParams(max_tokens=...)`, Google `max_output_tokens` in `config`. A client patched
    by instructor and a `functools.partial` of an SDK method are checked as the SDK's call.
    `budgetlint explain` and the catalog list them all.

    ## Why is this bad?
    An unbounded call can generate until the model stops or its context is full. On a cloud
    API every one of those tokens is billed; on a self-hosted server the request holds a GPU
    slot for its whole length and queues everyone behind it. One prompt that makes a model
    loop turns into the most expensive request of the day.

    ## Example
    ```python
    from openai import OpenAI

    client = OpenAI()
    client.chat.completions.create(model="gpt-4o-mini", messages=messages)
    ```

    Use instead:
    ```python
    client.chat.completions.create(model="gpt-4o-mini", messages=messages, max_tokens=512)
    ```

    ## Options
    - `ceilings.max_output_tokens` (guardrails): literals above it are flagged.
    - `strict` (guardrails) or `--strict`: limits that cannot be resolved statically (a
      parameter, a settings attribute) are flagged too.

    ## Fix safety
    The fix sets the limit to the guardrail ceiling `ceilings.max_output_tokens`, or to 1024
    tokens when the guardrails set no ceiling. It adds the SDK's limit argument where it is
    missing (`max_tokens=1024`; Ollama `options={"num_predict": 1024}`; Google
    `config={"max_output_tokens": 1024}`; in a raw HTTP body the key, inside its container),
    adding it to a `**params` dict written in the same function when the call takes one, and
    replaces an unbounded sentinel or a value above the ceiling with it.

    Capping output changes what a call may return (a long answer is cut at the limit), which is
    what this rule asks for, so the fix is safe by policy and `--fix` applies it; review the
    `--diff` where a call needs long outputs. It is unsafe (applied only with `--unsafe-fixes`)
    when it edits code other calls may share or that names the value: a variable or constant
    holding the sentinel (the fix writes the number at the call instead), or a dict defined
    outside the call's function. A limit that cannot be resolved (strict mode) gets no fix.
    """

    code = "BL001"
    name = "unbounded-max-tokens"
    tier = Tier.HARD
    summary = "LLM call whose output length is not bounded"
    fix_title = "Set the output limit to the guardrail ceiling"
    fixable = True

    VALID = [
        # An explicit bound.
        """
from openai import OpenAI
client = OpenAI()
client.chat.completions.create(model="m", messages=[], max_tokens=256)
""",
        # The newer parameter name counts too.
        """
from openai import OpenAI
OpenAI().chat.completions.create(model="m", messages=[], max_completion_tokens=256)
""",
        # Legacy completions default to 16 tokens.
        """
import openai
openai.completions.create(model="m", prompt="hi")
""",
        # Anthropic requires max_tokens; a literal is bounded.
        """
import anthropic
anthropic.Anthropic().messages.create(model="claude", max_tokens=1024, messages=[])
""",
        # Ollama bound through options, via a module constant.
        """
import ollama
LIMIT = 300
ollama.chat(model="llama3", messages=[], options={"num_predict": LIMIT})
""",
        # **kwargs from a dict literal in the same scope.
        """
from openai import OpenAI
client = OpenAI()
def ask(q):
    params = {"model": "m", "messages": [], "max_tokens": 100}
    return client.chat.completions.create(**params)
""",
        # Keys added to the kwargs dict after it is built.
        """
import litellm
def ask(msgs, cfg):
    params = {"model": "gpt-4o", "messages": msgs}
    params["max_tokens"] = 256
    return litellm.completion(**params)
""",
        """
import ollama
def ask(msgs, extra):
    params = {"model": "llama3", "messages": msgs}
    params.update(extra)
    return ollama.chat(**params)
""",
        # An imported helper that happens to share a llama-cpp method name.
        """
from myapp.utils.llm import create_chat_completion
async def title(msgs):
    return await create_chat_completion(model="gpt-4o", messages=msgs)
""",
        # A parameter: not resolvable, not flagged by default (precision first).
        """
from openai import OpenAI
def ask(client: OpenAI, limit):
    return client.chat.completions.create(model="m", messages=[], max_tokens=limit)
""",
        # Embeddings, model listing and pulling are not generation.
        """
import ollama
from openai import OpenAI
OpenAI().embeddings.create(model="text-embedding-3-small", input="x")
ollama.pull("llama3")
ollama.list()
ollama.embed(model="nomic-embed-text", input="x")
""",
        # A local class whose method chain mimics the SDK.
        """
class Fake:
    def create(self, **kw):
        return kw
class Completions:
    completions = Fake()
class Client:
    chat = Completions()
Client().chat.completions.create(model="m", messages=[])
""",
        # A variable shadowing an SDK name.
        """
import ollama
class Stub:
    def chat(self, **kw):
        return {"message": {"content": ""}}
ollama = Stub()
ollama.chat(model="llama3", messages=[])
""",
        # An unrelated `.create(`: Twilio's messages.create has no model or messages.
        """
from twilio.rest import Client
client = Client("sid", "token")
client.messages.create(to="+1555", from_="+1556", body="hi")
""",
        # vLLM SamplingParams default to 16 tokens.
        """
from vllm import LLM, SamplingParams
llm = LLM(model="m")
llm.generate(["hi"], SamplingParams(temperature=0.2))
""",
        # Within the ceiling.
        Valid(
            """
from openai import OpenAI
OpenAI().chat.completions.create(model="m", messages=[], max_tokens=2048)
""",
            options={"max_output_tokens": 2048},
        ),
        # Raw HTTP to TGI /generate with parameters.max_new_tokens.
        """
import requests
requests.post(TGI_URL + "/generate", json={"inputs": "hi", "parameters": {"max_new_tokens": 200}})
""",
        # dict(BASE, ...) copies BASE's keys: bounded by BASE's limit.
        """
from openai import OpenAI
BASE = {"model": "m", "max_tokens": 256}
def ask(msgs):
    params = dict(BASE, temperature=0)
    return OpenAI().chat.completions.create(messages=msgs, **params)
""",
        # dict(x) of a mapping that cannot be read: its keys are unknown, nothing is flagged.
        """
import litellm
def ask(msgs, defaults):
    params = dict(defaults)
    return litellm.completion(model="gpt-4o", messages=msgs, **params)
""",
        # Streaming and beta namespaces with their limits; legacy Anthropic completions.
        """
from anthropic import Anthropic
client = Anthropic()
with client.messages.stream(model="claude", max_tokens=1024, messages=[]) as stream:
    pass
client.beta.messages.create(model="claude", max_tokens=512, messages=[])
def legacy(c, prompt):
    return c.completions.create(model="claude-2.1", prompt=prompt, max_tokens_to_sample=300)
""",
        # Look-alikes: `.stream()` on other objects, `messages.stream` without the SDK's keywords.
        """
def relay(chat, response):
    chat.messages.stream(room="general")
    for chunk in response.stream():
        print(chunk)
""",
        # vLLM's async engine: the bound is on SamplingParams (default 16).
        """
from vllm import AsyncLLMEngine, SamplingParams
engine = AsyncLLMEngine.from_engine_args(args)
async def go(prompt):
    async for out in engine.generate(prompt, SamplingParams(max_tokens=256), "req-1"):
        yield out
""",
        # An instructor-patched client and a partial carrying the limit.
        """
import functools
import instructor
from openai import OpenAI
client = instructor.from_openai(OpenAI())
client.create(model="m", messages=[], response_model=User, max_tokens=256)
ask = functools.partial(OpenAI().chat.completions.create, model="m", max_tokens=256)
ask(messages=[])
""",
        # Rebound to a class of this file before the call: not an Ollama client any more.
        """
import ollama
class Cache:
    def chat(self, **kw):
        return {}
client = ollama.Client()
client = Cache()
client.chat(model="llama3", messages=[])
""",
        # Candidates of different kinds (an Ollama client or a class of this file): a generic
        # method name counts only when every candidate is an SDK client.
        """
import ollama
class Replay:
    def chat(self, **kw):
        return {}
def reply(msgs, offline):
    if offline:
        client = Replay()
    else:
        client = ollama.Client()
    return client.chat(model="llama3", messages=msgs)
""",
        # A limit bound to the same value in every arm is known.
        Valid(
            """
from openai import OpenAI
if LARGE:
    LIMIT = 512
else:
    LIMIT = 512
OpenAI().chat.completions.create(model="m", messages=[], max_tokens=LIMIT)
""",
            options={"strict": True},
        ),
        # A method of a class of this file, reached through an instance.
        """
class Bot:
    def chat(self, **kw):
        return kw
bot = Bot()
bot.chat(model="llama3", messages=[])
""",
        # A wrapper whose own default bounds the call; a helper bounded inside.
        """
from openai import OpenAI
client = OpenAI()
def ask(prompt, max_tokens=256):
    return client.chat.completions.create(model="m", messages=[prompt], max_tokens=max_tokens)
def summarize(text):
    return client.chat.completions.create(model="m", messages=[text], max_tokens=50)
ask("hi")
summarize("long text")
""",
        # A look-alike: a function with a `max_tokens` parameter that calls no LLM.
        """
def ask(prompt, max_tokens=None):
    return prompt[:max_tokens]
ask("hi")
""",
        # A factory of a class this file defines, and one of several families: a generic `.chat`
        # on its result is not an SDK call.
        """
class Room:
    def chat(self, model, messages): ...
def make_client():
    return Room()
make_client().chat(model="llama3", messages=[])
""",
        """
import ollama
from openai import OpenAI
def make_client(local):
    if local:
        return ollama.Client()
    return OpenAI()
make_client(True).chat(model="llama3", messages=[])
""",
    ]

    INVALID = [
        Invalid(
            """
from openai import OpenAI
client = OpenAI()
resp = client.chat.completions.create(model="m", messages=[])
""",
            line=4,
            column=8,
            expected_replacement="""
from openai import OpenAI
client = OpenAI()
resp = client.chat.completions.create(model="m", messages=[], max_tokens=1024)
""",
        ),
        # Aliased import and async client.
        Invalid(
            """
from openai import AsyncOpenAI as AO
c = AO()
async def go():
    return await c.chat.completions.create(model="m", messages=[])
""",
            line=5,
            column=18,
            expected_replacement="""
from openai import AsyncOpenAI as AO
c = AO()
async def go():
    return await c.chat.completions.create(model="m", messages=[], max_tokens=1024)
""",
        ),
        # An explicit None means no limit.
        Invalid(
            """
from openai import OpenAI
OpenAI().chat.completions.create(model="m", messages=[], max_tokens=None)
""",
            line=3,
            expected_replacement="""
from openai import OpenAI
OpenAI().chat.completions.create(model="m", messages=[], max_tokens=1024)
""",
        ),
        # Responses API without max_output_tokens.
        Invalid(
            """
from openai import OpenAI
OpenAI().responses.create(model="m", input="hi")
""",
            line=3,
            expected_replacement="""
from openai import OpenAI
OpenAI().responses.create(model="m", input="hi", max_output_tokens=1024)
""",
        ),
        # Ollama's -1 is infinite, -2 fills the context.
        Invalid(
            """
import ollama
ollama.chat(model="llama3", messages=[], options={"num_predict": -1})
ollama.generate(model="llama3", prompt="x", options={"num_predict": -2})
""",
            count=2,
            expected_replacement="""
import ollama
ollama.chat(model="llama3", messages=[], options={"num_predict": 1024})
ollama.generate(model="llama3", prompt="x", options={"num_predict": 1024})
""",
        ),
        # Ollama without options at all.
        Invalid(
            """
from ollama import Client
Client(host="http://localhost:11434").chat(model="llama3", messages=[])
""",
            line=3,
            expected_replacement="""
from ollama import Client
Client(host="http://localhost:11434").chat(model="llama3", messages=[], options={"num_predict": 1024})
""",
        ),
        # A client built elsewhere: the call shape is distinctive.
        Invalid(
            """
class Bot:
    def reply(self, text):
        return self.client.chat.completions.create(model="m", messages=[{"role": "user", "content": text}])
""",
            line=4,
            column=16,
            expected_replacement="""
class Bot:
    def reply(self, text):
        return self.client.chat.completions.create(model="m", messages=[{"role": "user", "content": text}], max_tokens=1024)
""",
        ),
        # with_options / with_raw_response chains.
        Invalid(
            """
from openai import OpenAI
client = OpenAI()
client.with_options(timeout=5).chat.completions.create(model="m", messages=[])
client.with_raw_response.chat.completions.create(model="m", messages=[])
""",
            count=2,
            expected_replacement="""
from openai import OpenAI
client = OpenAI()
client.with_options(timeout=5).chat.completions.create(model="m", messages=[], max_tokens=1024)
client.with_raw_response.chat.completions.create(model="m", messages=[], max_tokens=1024)
""",
        ),
        # llama-cpp-python: create_chat_completion defaults to "until the context is full".
        Invalid(
            """
from llama_cpp import Llama
llm = Llama(model_path="m.gguf")
llm.create_chat_completion(messages=[])
llm("Q: hi", max_tokens=0)
""",
            count=2,
            expected_replacement="""
from llama_cpp import Llama
llm = Llama(model_path="m.gguf")
llm.create_chat_completion(messages=[], max_tokens=1024)
llm("Q: hi", max_tokens=1024)
""",
        ),
        # A key added after the dict is built, with an unbounded value.
        Invalid(
            """
import litellm
def ask(msgs):
    params = {"model": "gpt-4o", "messages": msgs}
    params["max_tokens"] = None
    return litellm.completion(**params)
""",
            line=6,
            expected_replacement="""
import litellm
def ask(msgs):
    params = {"model": "gpt-4o", "messages": msgs}
    params["max_tokens"] = 1024
    return litellm.completion(**params)
""",
        ),
        # A client imported from the project's own module: the shape is distinctive.
        Invalid(
            """
from app.llm import client
client.chat.completions.create(model="m", messages=[])
""",
            line=3,
            expected_replacement="""
from app.llm import client
client.chat.completions.create(model="m", messages=[], max_tokens=1024)
""",
        ),
        # vLLM: max_tokens=None is unbounded.
        Invalid(
            """
from vllm import SamplingParams
params = SamplingParams(temperature=0.7, max_tokens=None)
""",
            line=3,
            column=10,
            expected_replacement="""
from vllm import SamplingParams
params = SamplingParams(temperature=0.7, max_tokens=1024)
""",
        ),
        # LangChain ChatOpenAI without a limit.
        Invalid(
            """
from langchain_openai import ChatOpenAI
llm = ChatOpenAI(model="gpt-4o-mini")
llm.invoke("hi")
""",
            line=3,
            expected_replacement="""
from langchain_openai import ChatOpenAI
llm = ChatOpenAI(model="gpt-4o-mini", max_tokens=1024)
llm.invoke("hi")
""",
        ),
        # LiteLLM, with a local assignment of float("inf").
        Invalid(
            """
import litellm
def ask():
    cap = float("inf")
    return litellm.completion(model="ollama/llama3", messages=[], max_tokens=cap)
""",
            line=5,
            expected_replacement="""
import litellm
def ask():
    cap = float("inf")
    return litellm.completion(model="ollama/llama3", messages=[], max_tokens=1024)
""",
        ),
        # Google GenAI config without max_output_tokens.
        Invalid(
            """
from google import genai
from google.genai import types
client = genai.Client()
client.models.generate_content(model="gemini-2.0-flash", contents="hi", config=types.GenerateContentConfig(temperature=0))
""",
            line=5,
            expected_replacement="""
from google import genai
from google.genai import types
client = genai.Client()
client.models.generate_content(model="gemini-2.0-flash", contents="hi", config=types.GenerateContentConfig(temperature=0, max_output_tokens=1024))
""",
        ),
        # Raw HTTP to llama.cpp server: n_predict=-1 is infinite.
        Invalid(
            """
import httpx
httpx.post(URL + "/completion", json={"prompt": "hi", "n_predict": -1})
""",
            line=3,
            expected_replacement="""
import httpx
httpx.post(URL + "/completion", json={"prompt": "hi", "n_predict": 1024})
""",
        ),
        # Above the guardrail ceiling.
        Invalid(
            """
from openai import OpenAI
OpenAI().chat.completions.create(model="m", messages=[], max_tokens=100000)
""",
            line=3,
            options={"max_output_tokens": 4096},
            expected_replacement="""
from openai import OpenAI
OpenAI().chat.completions.create(model="m", messages=[], max_tokens=4096)
""",
        ),
        # A multi-line call keeps its layout: one argument per line, trailing comma, comment.
        Invalid(
            """
from openai import OpenAI
client = OpenAI()
reply = client.chat.completions.create(
    model="gpt-4o-mini",
    messages=[],  # the whole conversation
)
""",
            line=4,
            column=9,
            expected_replacement="""
from openai import OpenAI
client = OpenAI()
reply = client.chat.completions.create(
    model="gpt-4o-mini",
    messages=[],  # the whole conversation
    max_tokens=1024,
)
""",
        ),
        # **params from a dict literal in the same function: the fix adds the key to the dict.
        Invalid(
            """
import litellm
def ask(msgs):
    params = {
        "model": "gpt-4o",
        "messages": msgs,
    }
    return litellm.completion(**params)
""",
            line=8,
            expected_replacement="""
import litellm
def ask(msgs):
    params = {
        "model": "gpt-4o",
        "messages": msgs,
        "max_tokens": 1024,
    }
    return litellm.completion(**params)
""",
        ),
        # Ollama options without num_predict: the fix writes the guardrail ceiling into them.
        Invalid(
            """
import ollama
ollama.chat(model="llama3", messages=[], options={'temperature': 0})
""",
            line=3,
            options={"max_output_tokens": 512},
            expected_replacement="""
import ollama
ollama.chat(model="llama3", messages=[], options={'temperature': 0, 'num_predict': 512})
""",
        ),
        # Raw HTTP to Ollama's /api/chat without options: the body gets them.
        Invalid(
            """
import requests
requests.post(OLLAMA + "/api/chat", json={"model": "llama3", "messages": []})
""",
            line=3,
            expected_replacement="""
import requests
requests.post(OLLAMA + "/api/chat", json={"model": "llama3", "messages": [], "options": {"num_predict": 1024}})
""",
        ),
        # A constant holding the sentinel: the (unsafe) fix writes the number at the call.
        Invalid(
            """
from openai import OpenAI
MAX_TOKENS = None
OpenAI().chat.completions.create(model="m", messages=[], max_tokens=MAX_TOKENS)
""",
            line=4,
            expected_replacement="""
from openai import OpenAI
MAX_TOKENS = None
OpenAI().chat.completions.create(model="m", messages=[], max_tokens=1024)
""",
        ),
        # dict(BASE, max_tokens=None): the keyword overrides BASE's limit.
        Invalid(
            """
from openai import OpenAI
BASE = {"model": "m", "max_tokens": 256}
def ask(msgs):
    params = dict(BASE, max_tokens=None)
    return OpenAI().chat.completions.create(messages=msgs, **params)
""",
            line=6,
            expected_replacement="""
from openai import OpenAI
BASE = {"model": "m", "max_tokens": 256}
def ask(msgs):
    params = dict(BASE, max_tokens=1024)
    return OpenAI().chat.completions.create(messages=msgs, **params)
""",
        ),
        # dict(BASE, ...) where BASE has no limit: the copy made in the function gets it.
        Invalid(
            """
import litellm
BASE = {"model": "gpt-4o"}
def ask(msgs):
    params = dict(BASE, temperature=0)
    return litellm.completion(messages=msgs, **params)
""",
            line=6,
            expected_replacement="""
import litellm
BASE = {"model": "gpt-4o"}
def ask(msgs):
    params = dict(BASE, temperature=0, max_tokens=1024)
    return litellm.completion(messages=msgs, **params)
""",
        ),
        # Strict: an unresolvable limit is flagged.
        Invalid(
            """
from openai import OpenAI
def ask(client: OpenAI, limit):
    return client.chat.completions.create(model="m", messages=[], max_tokens=limit)
""",
            line=4,
            options={"strict": True},
        ),
        # Anthropic streaming and legacy completions: the required limit set to None.
        Invalid(
            """
from anthropic import Anthropic
client = Anthropic()
client.messages.stream(model="claude", max_tokens=None, messages=[])
client.completions.create(model="claude-2.1", prompt="x", max_tokens_to_sample=None)
""",
            count=2,
            expected_replacement="""
from anthropic import Anthropic
client = Anthropic()
client.messages.stream(model="claude", max_tokens=1024, messages=[])
client.completions.create(model="claude-2.1", prompt="x", max_tokens_to_sample=1024)
""",
        ),
        # Structured-output parsing and streaming helpers of the OpenAI client.
        Invalid(
            """
def extract(client, text):
    return client.beta.chat.completions.parse(model="m", messages=[], response_format=Answer)
""",
            line=3,
            expected_replacement="""
def extract(client, text):
    return client.beta.chat.completions.parse(model="m", messages=[], response_format=Answer, max_tokens=1024)
""",
        ),
        # An instructor-patched client's create is the wrapped SDK's call.
        Invalid(
            """
import instructor
from openai import OpenAI
client = instructor.from_openai(OpenAI())
user = client.create(model="m", messages=[], response_model=User)
""",
            line=5,
            column=8,
            expected_replacement="""
import instructor
from openai import OpenAI
client = instructor.from_openai(OpenAI())
user = client.create(model="m", messages=[], response_model=User, max_tokens=1024)
""",
        ),
        # A call of a functools.partial of the SDK method.
        Invalid(
            """
from functools import partial
from openai import OpenAI
ask = partial(OpenAI().chat.completions.create, model="m")
ask(messages=[])
""",
            line=5,
            expected_replacement="""
from functools import partial
from openai import OpenAI
ask = partial(OpenAI().chat.completions.create, model="m")
ask(messages=[], max_tokens=1024)
""",
        ),
        # Hugging Face text generation: no max_new_tokens.
        Invalid(
            """
from huggingface_hub import InferenceClient
client = InferenceClient(base_url=TGI_URL)
client.text_generation("hi")
""",
            line=4,
            expected_replacement="""
from huggingface_hub import InferenceClient
client = InferenceClient(base_url=TGI_URL)
client.text_generation("hi", max_new_tokens=1024)
""",
        ),
        # An OpenAI-compatible path without /v1 (Perplexity), and Ollama after a base held in an attribute.
        Invalid(
            """
import requests
class Client:
    def search(self, q):
        requests.post(PERPLEXITY_URL + "/chat/completions", json={"model": "sonar", "messages": [q]})
    def local(self, p):
        requests.post(f"{self.api_url}/api/generate", json={"model": "llama3", "prompt": p})
""",
            count=2,
            expected_replacement="""
import requests
class Client:
    def search(self, q):
        requests.post(PERPLEXITY_URL + "/chat/completions", json={"model": "sonar", "messages": [q], "max_tokens": 1024})
    def local(self, p):
        requests.post(f"{self.api_url}/api/generate", json={"model": "llama3", "prompt": p, "options": {"num_predict": 1024}})
""",
        ),
        # A client bound in both arms of an `if` (two clients of one family).
        Invalid(
            """
import ollama
if ASYNC:
    client = ollama.AsyncClient()
else:
    client = ollama.Client()
client.chat(model="llama3", messages=[])
""",
            expected_replacement="""
import ollama
if ASYNC:
    client = ollama.AsyncClient()
else:
    client = ollama.Client()
client.chat(model="llama3", messages=[], options={"num_predict": 1024})
""",
            line=7,
        ),
        # `with ... as`, tuple unpacking and the walrus bind the client.
        Invalid(
            """
import ollama
from openai import OpenAI
local, cloud = ollama.Client(), OpenAI()
local.chat(model="llama3", messages=[])
if (backup := ollama.Client()):
    backup.generate(model="llama3", prompt="x")
""",
            expected_replacement="""
import ollama
from openai import OpenAI
local, cloud = ollama.Client(), OpenAI()
local.chat(model="llama3", messages=[], options={"num_predict": 1024})
if (backup := ollama.Client()):
    backup.generate(model="llama3", prompt="x", options={"num_predict": 1024})
""",
            count=2,
        ),
        # The binding that reaches the call wins: rebound to something else only after it.
        Invalid(
            """
import ollama
client = ollama.Client()
client.chat(model="llama3", messages=[])
client = None
""",
            expected_replacement="""
import ollama
client = ollama.Client()
client.chat(model="llama3", messages=[], options={"num_predict": 1024})
client = None
""",
            line=4,
        ),
        # A module global set under `if __name__ == "__main__":` and read in a function.
        Invalid(
            """
import ollama
client = None
def ask(q):
    return client.chat(model="llama3", messages=[{"role": "user", "content": q}])
if __name__ == "__main__":
    client = ollama.Client()
    ask("hi")
""",
            expected_replacement="""
import ollama
client = None
def ask(q):
    return client.chat(model="llama3", messages=[{"role": "user", "content": q}], options={"num_predict": 1024})
if __name__ == "__main__":
    client = ollama.Client()
    ask("hi")
""",
            line=5,
            column=12,
        ),
        # self.x set in a base class of this file; a class attribute through self and the class.
        Invalid(
            """
import ollama
class Base:
    def connect(self):
        self.llm = ollama.Client()
class Bot(Base):
    model = ollama.Client()
    def reply(self, q):
        return self.llm.chat(model="llama3", messages=[])
    def title(self, q):
        return self.model.generate(model="llama3", prompt=q)
Bot.model.generate(model="llama3", prompt="x")
""",
            expected_replacement="""
import ollama
class Base:
    def connect(self):
        self.llm = ollama.Client()
class Bot(Base):
    model = ollama.Client()
    def reply(self, q):
        return self.llm.chat(model="llama3", messages=[], options={"num_predict": 1024})
    def title(self, q):
        return self.model.generate(model="llama3", prompt=q, options={"num_predict": 1024})
Bot.model.generate(model="llama3", prompt="x", options={"num_predict": 1024})
""",
            count=3,
        ),
        # A limit that differs between arms is not known: flagged in strict mode only.
        Invalid(
            """
from openai import OpenAI
LIMIT = None
if LARGE:
    LIMIT = 512
OpenAI().chat.completions.create(model="m", messages=[], max_tokens=LIMIT)
""",
            options={"strict": True},
        ),
        # A wrapper forwarding `max_tokens` (default None): its caller's call is the call site.
        Invalid(
            """
from openai import OpenAI
client = OpenAI()
def ask(prompt, max_tokens=None):
    return client.chat.completions.create(model="m", messages=[prompt], max_tokens=max_tokens)
ask("hi")
ask("hi", max_tokens=200)
""",
            line=6,
            column=1,
        ),
        # A wrapper forwarding **kwargs: the fix adds the limit at the caller.
        Invalid(
            """
import litellm
def complete(prompt, **kwargs):
    return litellm.completion(model="gpt-4o", messages=[prompt], **kwargs)
complete("hi")
""",
            line=5,
            expected_replacement="""
import litellm
def complete(prompt, **kwargs):
    return litellm.completion(model="gpt-4o", messages=[prompt], **kwargs)
complete("hi", max_tokens=1024)
""",
        ),
        # A method wrapper called through self with an unbounded sentinel.
        Invalid(
            """
from openai import OpenAI
class Bot:
    def __init__(self):
        self.client = OpenAI()
    def _complete(self, messages, max_tokens=512):
        return self.client.chat.completions.create(model="m", messages=messages, max_tokens=max_tokens)
    def reply(self, text):
        return self._complete([text], max_tokens=None)
""",
            line=9,
            column=16,
            expected_replacement="""
from openai import OpenAI
class Bot:
    def __init__(self):
        self.client = OpenAI()
    def _complete(self, messages, max_tokens=512):
        return self.client.chat.completions.create(model="m", messages=messages, max_tokens=max_tokens)
    def reply(self, text):
        return self._complete([text], max_tokens=1024)
""",
        ),
        # A generic method on the client a factory of this module returns.
        Invalid(
            """
import os
import ollama
def make_client():
    return ollama.Client(host=os.environ["OLLAMA_HOST"])
make_client().chat(model="llama3", messages=[])
""",
            expected_replacement="""
import os
import ollama
def make_client():
    return ollama.Client(host=os.environ["OLLAMA_HOST"])
make_client().chat(model="llama3", messages=[], options={"num_predict": 1024})
""",
            line=6,
            column=1,
        ),
    ]

    def check(self, model: FileModel, policy: Policy) -> Iterator[Report]:
        for site in model.sites:
            if site.kind is SiteKind.CLIENT or not reported_here(site, model):
                continue
            if site.helper is not None:
                result = wrapper_verdict(site, policy.max_output_tokens)
            else:
                result = verdict(site, policy.max_output_tokens)
            if result is None or result.bound is Bound.BOUNDED:
                continue
            limit = site.limit
            assert limit is not None
            named = site.helper is not None and site.helper.limit is not None and site.helper.limit.param is not None
            where = f"`{limit.container[0]}` key `{result.key}`" if limit.container and not named else f"`{result.key}`"
            name = call_name(site)
            if result.bound is Bound.MISSING:
                why = f" ({limit.default_note})" if limit.default_note else ""
                message = (
                    f"{name} sets no output limit{why}: one call can run until the context is full, "
                    f"billing tokens or holding a GPU slot. Set {where}."
                )
            elif result.bound is Bound.SENTINEL:
                message = (
                    f"{name} sets {where} to {_show(result.value)}, which means no limit: one call can run "
                    f"until the context is full. Set a positive number of tokens."
                )
            elif result.bound is Bound.ABOVE_CEILING:
                message = (
                    f"{name} sets {where} to {_show(result.value)}, above the guardrail ceiling "
                    f"ceilings.max_output_tokens={policy.max_output_tokens}. Lower it to the ceiling or less."
                )
            elif policy.strict:
                message = (
                    f"{name} takes {where} from a value budgetlint cannot resolve (strict mode): "
                    f"the bound cannot be checked in review. Use a literal or a module constant."
                )
            else:
                continue
            yield Report(site.node, message, _fix(site, result, policy), related(site))


def _fix(site: CallSite, result: Verdict, policy: Policy) -> Fix | None:
    tokens = cst.Integer(str(policy.max_output_tokens if policy.max_output_tokens is not None else DEFAULT_FIX_LIMIT))
    if result.bound in (Bound.SENTINEL, Bound.ABOVE_CEILING) and result.node is not None:
        named = isinstance(result.node, cst.Name) and result.node.value not in ("None", "True", "False")
        return Fix((Replace(result.node, tokens),), safe=result.scope is site.scope and not named)
    if result.bound is not Bound.MISSING:
        return None
    where = placement(site)
    if where is None:
        return None
    if where.replace:
        return Fix((Replace(where.node, _dict(where.key, tokens)),), safe=where.local)
    value = _dict(where.nested, tokens) if where.nested else tokens
    return Fix((AddEntry(where.node, where.key, value),), safe=where.local)


def _dict(key: str, value: cst.BaseExpression) -> cst.Dict:
    return cst.Dict([cst.DictElement(cst.SimpleString(f'"{key}"'), value)])


def _show(value: object) -> str:
    if isinstance(value, float) and value == float("inf"):
        return "infinity"
    return repr(value)
