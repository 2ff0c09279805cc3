"""BL003 unlogged-cloud-escalation."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from budgetlint.catalog import Location
from budgetlint.flow import encloses, enclosing_function, is_escalation_log, precedes, statement_path
from budgetlint.model import FileModel
from budgetlint.policy import Policy, Tier
from budgetlint.rule import Invalid, Report, Rule


class UnloggedCloudEscalation(Rule):
    """
    ## What it does
    Flags a call to a cloud model made as an escalation from a local one (a local generation
    call precedes it in the same function, or it sits in the `except`/`else` of a local
    attempt) when no escalation log record is written in the same block or an enclosing one.
    At the top level of a module or notebook, which runs one experiment after another, only the
    `except`/`else` form is an escalation.

    Local means Ollama, llama-cpp-python, the vLLM engine, or an OpenAI-compatible client whose
    base URL is loopback, private, `*.local`, `host.docker.internal`, or read from an
    environment variable the stack declares local. Branches of one `if` (a provider switch) are
    alternatives, not escalations.

    ## Why is this bad?
    Self-hosting pays off only while traffic stays local. Every silent fallback to a cloud API
    moves spend from a fixed GPU budget to a per-token bill, and without a record nobody can see
    how often it happens or which feature triggers it.

    ## Example
    ```python
    try:
        return local.chat.completions.create(model="llama3", messages=m, max_tokens=256)
    except TimeoutError:
        return cloud.chat.completions.create(model="gpt-4o", messages=m, max_tokens=256)
    ```

    Use instead:
    ```python
    try:
        return local.chat.completions.create(model="llama3", messages=m, max_tokens=256)
    except TimeoutError:
        log_escalation(reason="timeout", feature="search")
        return cloud.chat.completions.create(model="gpt-4o", messages=m, max_tokens=256)
    ```

    ## Options
    - `routing.escalation_log` (guardrails): `functions` that record an escalation, and the
      `message_pattern` a logger message must match (default `escalat`).
    """

    code = "BL003"
    name = "unlogged-cloud-escalation"
    tier = Tier.MEDIUM
    summary = "cloud fallback from a local model without an escalation log record"
    fix_title = "Log the escalation before calling the cloud model"

    VALID = [
        # A script or notebook comparing models: a local call, then a cloud one at the top level.
        """
import ollama
from openai import OpenAI
local_answer = ollama.chat(model="llama3", messages=[{"role": "user", "content": "hi"}])
judge = OpenAI().chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "rank"}])
""",
        # A dispatch by early return: the local branch returns, so the cloud call never follows it.
        """
import ollama
from openai import OpenAI
cloud = OpenAI()
def answer(p, offline):
    if offline:
        reply = ollama.chat(model="llama3", messages=[p])
        return reply
    return cloud.chat.completions.create(model="gpt-4o", messages=[p])
def call_ollama(p):
    return ollama.chat(model="llama3", messages=[p])
def call_openai(p):
    return cloud.chat.completions.create(model="gpt-4o", messages=[p])
def route(p, private):
    if private:
        return call_ollama(p)
    return call_openai(p)
""",
        # Logged with the escalation function.
        """
import ollama
from openai import OpenAI
cloud = OpenAI()
def answer(m):
    try:
        return ollama.chat(model="llama3", messages=m)
    except Exception:
        log_escalation("ollama failed")
        return cloud.chat.completions.create(model="gpt-4o", messages=m)
""",
        # Logged with a logger message.
        """
import logging
import ollama
from openai import OpenAI
logger = logging.getLogger(__name__)
cloud = OpenAI()
def answer(m):
    draft = ollama.chat(model="llama3", messages=m)
    logger.warning("Escalating to cloud: %s", "low quality")
    return cloud.chat.completions.create(model="gpt-4o", messages=m)
""",
        # A provider switch: alternatives, not an escalation.
        """
import ollama
from openai import OpenAI
def answer(provider, m):
    if provider == "ollama":
        return ollama.chat(model="llama3", messages=m)
    else:
        return OpenAI().chat.completions.create(model="gpt-4o", messages=m)
""",
        # The cloud call comes first.
        """
import ollama
from openai import OpenAI
def answer(m):
    OpenAI().chat.completions.create(model="gpt-4o", messages=m)
    ollama.chat(model="llama3", messages=m)
""",
        # Different functions.
        """
import ollama
from openai import OpenAI
def local(m):
    return ollama.chat(model="llama3", messages=m)
def cloud(m):
    return OpenAI().chat.completions.create(model="gpt-4o", messages=m)
""",
        # Both local: an OpenAI-compatible client on localhost.
        """
import ollama
from openai import OpenAI
vllm = OpenAI(base_url="http://localhost:8000/v1")
def answer(m):
    ollama.chat(model="llama3", messages=m)
    return vllm.chat.completions.create(model="llama", messages=m)
""",
        # Unknown endpoint (client passed in): not judged.
        """
import ollama
def answer(m, client):
    ollama.chat(model="llama3", messages=m)
    return client.chat.completions.create(model="gpt-4o", messages=m)
""",
        # Embedding with a local model then a cloud generation is not an escalation.
        """
import ollama
from openai import OpenAI
def answer(m):
    ollama.embed(model="nomic", input="x")
    return OpenAI().chat.completions.create(model="gpt-4o", messages=m)
""",
        # Logged in an enclosing block.
        """
import ollama, structlog
from anthropic import Anthropic
log = structlog.get_logger()
def answer(m):
    first = ollama.chat(model="llama3", messages=m)
    log.info("escalation", reason="quality")
    if bad(first):
        return Anthropic().messages.create(model="claude", max_tokens=100, messages=m)
""",
        # The fallback client is cloud in one arm and a local server in the other: its endpoint is
        # unknown, so the call is not known to escalate.
        """
import os
import ollama
from openai import OpenAI
if os.environ.get("ONLINE"):
    fallback = OpenAI()
else:
    fallback = OpenAI(base_url=os.environ["VLLM_URL"])
def answer(m):
    try:
        return ollama.chat(model="llama3", messages=m)
    except Exception:
        return fallback.chat.completions.create(model="gpt-4o", messages=m)
""",
        # A router through helpers that logs the escalation; a dispatch between helpers.
        """
import ollama
from openai import OpenAI
cloud = OpenAI()
def call_ollama(p):
    return ollama.chat(model="llama3", messages=[p])
def call_openai(p):
    return cloud.chat.completions.create(model="gpt-4o", messages=[p])
def answer(p):
    try:
        return call_ollama(p)
    except Exception:
        log_escalation("ollama failed")
        return call_openai(p)
def pick(p, local):
    if local:
        return call_ollama(p)
    else:
        return call_openai(p)
""",
        # One factory for both: its clients disagree on the endpoint, so neither call is known local.
        """
import os
from openai import OpenAI
def client_for(local):
    if local:
        return OpenAI(base_url=os.environ["OLLAMA_URL"])
    return OpenAI()
def answer(m):
    try:
        return client_for(True).chat.completions.create(model="llama3", messages=m, max_tokens=5)
    except Exception:
        return client_for(False).chat.completions.create(model="gpt-4o", messages=m, max_tokens=5)
""",
    ]

    INVALID = [
        # At the top level, the cloud call in the `except` of a local attempt is an escalation.
        Invalid(
            """
import ollama
from openai import OpenAI
try:
    reply = ollama.chat(model="llama3", messages=[])
except Exception:
    reply = OpenAI().chat.completions.create(model="gpt-4o", messages=[])
""",
            line=7,
            column=13,
        ),
        # The local call returns inside a `try` whose handler falls through to the cloud call.
        Invalid(
            """
import ollama
from openai import OpenAI
cloud = OpenAI()
def answer(p):
    try:
        return ollama.chat(model="llama3", messages=[p])
    except Exception:
        pass
    return cloud.chat.completions.create(model="gpt-4o", messages=[p])
""",
            line=10,
            column=12,
        ),
        Invalid(
            """
import ollama
from openai import OpenAI
cloud = OpenAI()
def answer(m):
    try:
        return ollama.chat(model="llama3", messages=m)
    except Exception:
        return cloud.chat.completions.create(model="gpt-4o", messages=m)
""",
            line=9,
            column=16,
        ),
        # Sequential: local draft, then cloud.
        Invalid(
            """
import ollama
from anthropic import Anthropic
def answer(m):
    draft = ollama.chat(model="llama3", messages=m)
    if not good(draft):
        return Anthropic().messages.create(model="claude", max_tokens=100, messages=m)
""",
            line=7,
        ),
        # A vLLM server on a private address escalating to OpenAI.
        Invalid(
            """
from openai import OpenAI
local = OpenAI(base_url="http://10.0.0.5:8000/v1")
cloud = OpenAI()
def answer(m):
    try:
        r = local.chat.completions.create(model="llama", messages=m)
    except TimeoutError:
        r = cloud.chat.completions.create(model="gpt-4o", messages=m)
    return r
""",
            line=9,
        ),
        # The try's else clause.
        Invalid(
            """
import ollama
import litellm
def answer(m):
    try:
        r = ollama.chat(model="llama3", messages=m)
    except Exception:
        r = None
    else:
        r = litellm.completion(model="gpt-4o", messages=m)
""",
            line=10,
        ),
        # An environment variable matching the local patterns.
        Invalid(
            """
import os
from openai import OpenAI
local = OpenAI(base_url=os.environ["VLLM_BASE_URL"])
cloud = OpenAI()
def answer(m):
    local.chat.completions.create(model="llama", messages=m)
    cloud.chat.completions.create(model="gpt-4o", messages=m)
""",
            line=8,
        ),
        # A log in a sibling branch does not cover the call.
        Invalid(
            """
import logging
import ollama
from openai import OpenAI
def answer(m, flag):
    ollama.chat(model="llama3", messages=m)
    if flag:
        logging.info("escalating")
    return OpenAI().chat.completions.create(model="gpt-4o", messages=m)
""",
            line=9,
        ),
        # A logger message that does not mention escalation.
        Invalid(
            """
import logging
import ollama
from openai import OpenAI
def answer(m):
    try:
        return ollama.chat(model="llama3", messages=m)
    except Exception:
        logging.exception("ollama failed")
        return OpenAI().chat.completions.create(model="gpt-4o", messages=m)
""",
            line=10,
        ),
        # LiteLLM model prefixes tell local from cloud.
        Invalid(
            """
import litellm
def answer(m):
    try:
        return litellm.completion(model="ollama/llama3", messages=m)
    except Exception:
        return litellm.completion(model="gpt-4o", messages=m)
""",
            line=7,
        ),
        # Raw HTTP to a local server, then Anthropic.
        Invalid(
            """
import requests
import anthropic
def answer(m):
    try:
        return requests.post("http://localhost:11434/api/chat", json={"model": "llama3", "messages": m})
    except requests.Timeout:
        return anthropic.Anthropic().messages.create(model="claude", max_tokens=10, messages=m)
""",
            line=8,
        ),
        # Configured escalation function name.
        Invalid(
            """
import ollama
from openai import OpenAI
def answer(m):
    ollama.chat(model="llama3", messages=m)
    log_escalation("x")
    return OpenAI().chat.completions.create(model="gpt-4o", messages=m)
""",
            line=7,
            options={"escalation_log": {"functions": ("record_fallback",), "message_pattern": "fallback"}},
        ),
        # The cloud client is set on self in a base class of this file.
        Invalid(
            """
import ollama
from openai import OpenAI
class Clients:
    def __init__(self):
        self.cloud = OpenAI()
class Router(Clients):
    def answer(self, m):
        try:
            return ollama.chat(model="llama3", messages=m)
        except Exception:
            return self.cloud.chat.completions.create(model="gpt-4o", messages=m)
""",
            line=12,
            column=20,
        ),
        # The hybrid router: each helper one SDK call, the cloud one in the except.
        Invalid(
            """
import ollama
from openai import OpenAI
cloud = OpenAI()
def call_ollama(p):
    return ollama.chat(model="llama3", messages=[p])
def call_openai(p):
    return cloud.chat.completions.create(model="gpt-4o", messages=[p])
def answer(p):
    try:
        return call_ollama(p)
    except Exception:
        return call_openai(p)
""",
            line=13,
            column=16,
        ),
        # Local and cloud clients built by factories of this module.
        Invalid(
            """
import os
from openai import OpenAI
def local_client():
    return OpenAI(base_url=os.environ["OLLAMA_URL"])
def cloud_client():
    return OpenAI()
def answer(m):
    try:
        return local_client().chat.completions.create(model="llama3", messages=m, max_tokens=5)
    except Exception:
        return cloud_client().chat.completions.create(model="gpt-4o", messages=m, max_tokens=5)
""",
            line=12,
            column=16,
        ),
    ]

    def check(self, model: FileModel, policy: Policy) -> Iterator[Report]:
        sites = model.generation_sites()
        local = [site for site in sites if site.endpoint.location is Location.LOCAL]
        cloud = [site for site in sites if site.endpoint.location is Location.CLOUD]
        if not local or not cloud:
            return
        pattern = policy.escalation_log.pattern()
        logs = [call for call in model.calls if is_escalation_log(call, policy.escalation_log, pattern)]
        for site in cloud:
            function = enclosing_function(site.ancestors)
            path = statement_path(site.ancestors)
            source = next(
                (
                    first
                    for first in local
                    if enclosing_function(first.ancestors) is function
                    and precedes(statement_path(first.ancestors), path, sequential=not isinstance(function, cst.Module))
                ),
                None,
            )
            if source is None:
                continue
            if any(
                enclosing_function(log.ancestors) is function and encloses(statement_path(log.ancestors), path)
                for log in logs
            ):
                continue
            yield Report(
                site.node,
                f"`{site.display_name}` escalates to a cloud model after the local `{source.display_name}` "
                f"with no escalation log record: spend silently moves from the GPU budget to a per-token bill. "
                f"Call an escalation logger (e.g. `log_escalation(...)`) in this block before the cloud call.",
            )
