"""BL002 missing-feature-tag."""

from __future__ import annotations

from collections.abc import Iterator

from budgetlint.model import FileModel
from budgetlint.policy import Policy, Tier
from budgetlint.rule import Invalid, Report, Rule, Valid
from budgetlint.tags import Tagged, carrier_advice, feature_tag
from budgetlint.helpers import call_name, related, reported_here


class MissingFeatureTag(Rule):
    """
    ## What it does
    Flags a generation call that carries no feature tag: no `metadata={"feature": ...}`, no
    `X-Feature-Tag` header on the call (`extra_headers`) or on the client it goes through
    (`default_headers`), no enclosing `with feature_tag(...):` block or `@feature_tag(...)`
    decorator. When the guardrails list `metering.features`, a literal tag that is not in the
    list is flagged too.

    A call whose client is built in another module may carry the header there, so it is not
    flagged; neither is a call whose metadata comes from a value budgetlint cannot read.

    The message names where a tag fits for the SDK at hand: `metadata` only where the API takes
    free keys (OpenAI chat and responses, LiteLLM; not Anthropic's, which takes only `user_id`),
    else a header on the call (`extra_headers`, a raw HTTP request's `headers`) or on the client
    (Ollama's `Client(headers=...)`); the `feature_tag(...)` wrapper always.

    ## Why is this bad?
    Without a tag, the call's tokens and GPU time cannot be attributed to a product feature:
    the bill arrives as one number, and nobody can tell which feature to cap, cache or move
    to a smaller model.

    ## Example
    ```python
    client = OpenAI()
    client.chat.completions.create(model="gpt-4o-mini", messages=messages, max_tokens=256)
    ```

    Use instead:
    ```python
    client = OpenAI(default_headers={"X-Feature-Tag": "search"})
    ```
    or tag one call: `extra_headers={"X-Feature-Tag": "search"}`, or `metadata={"feature": "search"}`.

    ## Options
    - `metering.feature_tag` (guardrails): `metadata_keys`, `headers` and `wrappers` that carry
      the tag.
    - `metering.features` (guardrails): the known features.
    """

    code = "BL002"
    name = "missing-feature-tag"
    tier = Tier.SOFT
    summary = "LLM call with no feature tag for cost attribution"
    fix_title = "Tag the call with the product feature it serves"

    VALID = [
        """
from openai import OpenAI
client = OpenAI(default_headers={"X-Feature-Tag": "search"})
client.chat.completions.create(model="m", messages=[], max_tokens=5)
""",
        """
from openai import OpenAI
OpenAI().chat.completions.create(model="m", messages=[], metadata={"feature": "search"})
""",
        # Header names are case-insensitive.
        """
from openai import OpenAI
OpenAI().chat.completions.create(model="m", messages=[], extra_headers={"x-feature-tag": "chat"})
""",
        # An enclosing wrapper.
        """
import ollama
from metering import feature_tag
with feature_tag("summarize"):
    ollama.chat(model="llama3", messages=[])
""",
        """
import ollama
from metering import feature_tag
@feature_tag("support-bot")
def answer(q):
    return ollama.chat(model="llama3", messages=[])
""",
        # A client built elsewhere may carry the header.
        """
def answer(client, q):
    return client.chat.completions.create(model="m", messages=[])
""",
        # Metadata from a parameter cannot be read: not flagged.
        """
import litellm
def answer(meta):
    return litellm.completion(model="gpt-4o", messages=[], metadata=meta)
""",
        # The header added to the kwargs dict after it is built.
        """
import litellm
def ask(msgs):
    params = {"model": "gpt-4o", "messages": msgs}
    params["extra_headers"] = {"X-Feature-Tag": "search"}
    return litellm.completion(**params)
""",
        # Constructors and parameter objects are not generation calls.
        """
from langchain_openai import ChatOpenAI
from vllm import SamplingParams
llm = ChatOpenAI(model="m", max_tokens=10)
p = SamplingParams(max_tokens=10)
""",
        # Look-alikes: embeddings and an unrelated `.chat(`.
        """
from openai import OpenAI
OpenAI().embeddings.create(model="e", input="x")
class Room:
    def chat(self, text): ...
Room().chat("hello")
""",
        # The raw HTTP request's headers.
        """
import requests
requests.post("http://localhost:8000/v1/chat/completions", headers={"X-Feature-Tag": "search"}, json={"model": "m", "messages": [], "max_tokens": 5})
""",
        # LangChain run metadata.
        """
from langchain_openai import ChatOpenAI
llm = ChatOpenAI(model="m", max_tokens=10)
llm.invoke("hi", config={"metadata": {"feature": "search"}})
""",
        Valid(
            """
from openai import OpenAI
OpenAI().chat.completions.create(model="m", messages=[], metadata={"feature": "search"})
""",
            options={"features": ("search",)},
        ),
        # dict(BASE) copies BASE's metadata; dict(x) of a mapping that cannot be read may carry it.
        """
import litellm
BASE = {"model": "gpt-4o", "metadata": {"feature": "search"}}
def ask(msgs, defaults):
    litellm.completion(messages=msgs, **dict(BASE))
    return litellm.completion(messages=msgs, **dict(defaults, model="gpt-4o"))
""",
        # The tag on the client an instructor patcher wraps; a partial carrying the metadata.
        """
import functools
import instructor
from openai import OpenAI
client = instructor.from_openai(OpenAI(default_headers={"X-Feature-Tag": "extract"}))
client.chat.completions.create(model="m", messages=[], response_model=User, max_tokens=256)
ask = functools.partial(OpenAI().chat.completions.create, model="m", metadata={"feature": "search"})
ask(messages=[], max_tokens=256)
""",
        # A bare /completions or /responses path of another API: not an LLM call without its body keys.
        """
import requests
requests.post("https://tasks.example.com/completions", json={"task": 42, "done": True})
requests.post(API + "/responses", json={"survey": 7, "answers": []})
""",
        # One candidate client carries the tag header and one does not: it may carry it.
        """
from openai import OpenAI
TAGGED = OpenAI(default_headers={"X-Feature-Tag": "search"})
def client_for(search):
    if search:
        client = TAGGED
    else:
        client = OpenAI()
    return client.chat.completions.create(model="m", messages=[], max_tokens=5)
""",
        # Every candidate carries the tag, bound before the call and kept after it.
        """
from anthropic import Anthropic, AsyncAnthropic
HEADERS = {"X-Feature-Tag": "support-bot"}
client = AsyncAnthropic(default_headers=HEADERS) if ASYNC else Anthropic(default_headers=HEADERS)
client.messages.create(model="c", max_tokens=10, messages=[])
""",
        # A wrapper forwarding **kwargs: the caller passes the tag.
        """
from openai import OpenAI
client = OpenAI()
def chat(prompt, **kwargs):
    return client.chat.completions.create(model="m", messages=[prompt], max_tokens=5, **kwargs)
chat("hi", metadata={"feature": "search"})
""",
        # A wrapper over a client passed in: the client may carry the tag.
        """
def chat(client, prompt, **kwargs):
    return client.chat.completions.create(model="m", messages=[prompt], **kwargs)
chat(make(), "hi")
""",
        # A factory of this module whose client carries the tag: a function, or a dict of client kwargs.
        """
from openai import OpenAI
def make_client():
    return OpenAI(default_headers={"X-Feature-Tag": "search"})
make_client().chat.completions.create(model="m", messages=[], max_tokens=5)
""",
        """
from openai import OpenAI
def client_kwargs():
    return {"base_url": BASE, "default_headers": {"X-Feature-Tag": "search"}}
client = OpenAI(**client_kwargs())
client.chat.completions.create(model="m", messages=[], max_tokens=5)
""",
        # A factory whose clients disagree on the tag, or one wrapped by a decorator we do not
        # follow: its client may carry the tag.
        """
from openai import OpenAI
def make_client(search):
    if search:
        return OpenAI(default_headers={"X-Feature-Tag": "search"})
    return OpenAI()
make_client(True).chat.completions.create(model="m", messages=[], max_tokens=5)
""",
        """
from openai import OpenAI
@with_tagged_client
def make_client():
    return OpenAI()
make_client().chat.completions.create(model="m", messages=[], max_tokens=5)
""",
    ]

    INVALID = [
        Invalid(
            """
from openai import OpenAI
client = OpenAI()
client.chat.completions.create(model="m", messages=[], max_tokens=5)
""",
            line=4,
            column=1,
        ),
        Invalid(
            """
import ollama
def summarize(text):
    return ollama.chat(model="llama3", messages=[{"role": "user", "content": text}])
""",
            line=4,
            column=12,
        ),
        # Headers on the client, but not the tag header.
        Invalid(
            """
from anthropic import Anthropic
client = Anthropic(default_headers={"X-Team": "core"})
client.messages.create(model="c", max_tokens=10, messages=[])
""",
            line=4,
        ),
        # dict(BASE, ...) where BASE carries no tag.
        Invalid(
            """
import litellm
BASE = {"model": "gpt-4o", "max_tokens": 5}
params = dict(BASE, temperature=0)
litellm.completion(messages=[], **params)
""",
            line=5,
        ),
        # Metadata without the feature key.
        Invalid(
            """
import litellm
litellm.completion(model="gpt-4o", messages=[], metadata={"user": "u1"})
""",
            line=3,
        ),
        # A wrapper with another name does not count.
        Invalid(
            """
import ollama
from contextlib import nullcontext
with nullcontext():
    ollama.generate(model="llama3", prompt="x")
""",
            line=5,
        ),
        # Raw HTTP to an LLM path without the header.
        Invalid(
            """
import httpx
httpx.post(BASE + "/v1/chat/completions", json={"model": "m", "messages": []})
""",
            line=3,
        ),
        # LangChain invoke on a model built in this file.
        Invalid(
            """
from langchain_openai import ChatOpenAI
llm = ChatOpenAI(model="m", max_tokens=10)
llm.invoke("hi")
""",
            line=4,
        ),
        # Tag value not in the features list.
        Invalid(
            """
from openai import OpenAI
OpenAI().chat.completions.create(model="m", messages=[], metadata={"feature": "serach"})
""",
            line=3,
            options={"features": ("search", "summarize")},
        ),
        # Self attribute bound in __init__.
        Invalid(
            """
from openai import OpenAI
class Bot:
    def __init__(self):
        self.client = OpenAI()
    def reply(self, m):
        return self.client.chat.completions.create(model="m", messages=m, max_tokens=5)
""",
            line=7,
            column=16,
        ),
        # A patched client, a partial and a bare OpenAI-compatible path: each an untagged LLM call.
        Invalid(
            """
import functools
import instructor
import httpx
from anthropic import Anthropic
client = instructor.from_anthropic(Anthropic())
client.messages.create(model="c", max_tokens=256, messages=[], response_model=User)
ask = functools.partial(Anthropic().messages.create, model="c", max_tokens=256)
ask(messages=[])
httpx.post("https://api.example.com/responses", json={"model": "m", "input": "x", "max_output_tokens": 5})
""",
            count=3,
        ),
        # No candidate client carries the tag (one built in each arm of an `if`).
        Invalid(
            """
from openai import AsyncOpenAI, OpenAI
if ASYNC:
    client = AsyncOpenAI(default_headers={"X-Team": "core"})
else:
    client = OpenAI()
client.chat.completions.create(model="m", messages=[], max_tokens=5)
""",
            line=7,
        ),
        # The client that reaches the call has no tag; the tagged one is built after it.
        Invalid(
            """
from openai import OpenAI
def ask(m):
    client = OpenAI()
    first = client.chat.completions.create(model="m", messages=m, max_tokens=5)
    client = OpenAI(default_headers={"X-Feature-Tag": "search"})
    return client.chat.completions.create(model="m", messages=m, max_tokens=5)
""",
            line=5,
            column=13,
        ),
        # A wrapper forwarding **kwargs, called with no tag: reported at the caller only.
        Invalid(
            """
from openai import OpenAI
client = OpenAI()
def chat(prompt, **kwargs):
    return client.chat.completions.create(model="m", messages=[prompt], max_tokens=5, **kwargs)
chat("hi")
""",
            line=6,
            column=1,
        ),
        # The client a factory of this module builds carries no tag: a module-level function (its
        # `return None` path adds nothing), a cached method through `self`.
        Invalid(
            """
from openai import OpenAI
def make_client():
    if not API_KEY:
        return None
    return OpenAI()
def ask(m):
    client = make_client()
    return client.chat.completions.create(model="m", messages=m, max_tokens=5)
""",
            line=9,
            column=12,
        ),
        Invalid(
            """
import functools
from anthropic import Anthropic
class Bot:
    @functools.cache
    def client(self):
        return Anthropic()
    def ask(self, m):
        return self.client().messages.create(model="c", max_tokens=5, messages=m)
""",
            line=9,
            column=16,
        ),
    ]

    def check(self, model: FileModel, policy: Policy) -> Iterator[Report]:
        for site in model.generation_sites():
            if not reported_here(site, model):
                continue
            tag = feature_tag(site, policy.carriers)
            if tag.state is Tagged.NO:
                yield Report(
                    site.node,
                    f"{call_name(site)} carries no feature tag: its tokens and GPU time cannot be "
                    f"attributed to a product feature. {carrier_advice(site, policy.carriers)}",
                    related=related(site),
                )
            elif (
                tag.state is Tagged.YES
                and policy.features
                and isinstance(tag.value, str)
                and tag.value not in policy.features
            ):
                yield Report(
                    site.node,
                    f"feature tag {tag.value!r} is not one of metering.features ({', '.join(policy.features)}): "
                    f"its cost would be booked to a feature nobody tracks. Use a listed feature or add it.",
                )
