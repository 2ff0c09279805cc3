"""The triage never loses a finding: every example, rule example, fixture and golden input, and
look-alikes a naive triage would drop, linted with it and without it (with and without the
prefilter); a file it decides gets the facts full analysis gives it."""

from __future__ import annotations

import ast
import json
import textwrap
from pathlib import Path

import pytest
from budgetlint import intake, triage
from budgetlint.cli import main
from budgetlint.engine import FileResult, Job, lint_source
from budgetlint.prefilter import might_matter
from budgetlint.rules import ALL_RULES
from click.testing import CliRunner

from .helpers import make_policy
from .test_prefilter import FILES, REPORTED, REPOSITORY, _examples


def _four_ways(source: bytes, name: str, job: Job, monkeypatch: pytest.MonkeyPatch) -> dict[tuple[bool, bool], FileResult]:
    """The result with the triage on and off, each with the prefilter on and off."""
    results = {}
    for prefilter in (True, False):
        for on in (True, False):
            with monkeypatch.context() as patch:
                if not prefilter:
                    patch.setattr(intake, "might_matter", lambda source: True)
                if not on:
                    patch.setenv(triage.SWITCH, "1")
                results[prefilter, on] = lint_source(source, name, job)
    return results


def _assert_same(results: dict[tuple[bool, bool], FileResult]) -> tuple:
    findings = {key: result.findings for key, result in results.items()}
    assert len(set(findings.values())) == 1, findings
    for prefilter in (True, False):
        decided, full = results[prefilter, True], results[prefilter, False]
        if decided.facts is not None and not decided.parsed:  # the triage's facts are analysis'
            assert decided.facts == full.facts
    return findings[True, True]


@pytest.mark.parametrize("example", _examples())
def test_every_rule_example_gives_the_same_findings_without_the_triage(example, monkeypatch):
    job = Job(make_policy(**example.options), ALL_RULES, report_suppressions=True)
    _assert_same(_four_ways(textwrap.dedent(example.code).encode(), "example.py", job, monkeypatch))


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.relative_to(REPOSITORY).as_posix())
def test_every_example_fixture_and_golden_file_gives_the_same_findings_without_the_triage(path, monkeypatch):
    job = Job(make_policy(), ALL_RULES, report_suppressions=True)
    _assert_same(_four_ways(path.read_bytes(), path.name, job, monkeypatch))


# look-alikes: full analysis reports each; a naive triage (SDK names in the tree only, no
# strings, no environment keys) would drop some

LOOK_ALIKES = {
    **REPORTED,
    "client-class-named-in-a-string-annotation-only": """\
        import ollama
        def ask(client: "ollama.Client", prompt):
            return client.chat(model="llama3", messages=[{"role": "user", "content": prompt}], options={"num_predict": -1})
    """,
    "aliased-client-class": """\
        from openai import OpenAI as Remote
        llm = Remote(base_url="http://10.0.0.5:8000/v1")
    """,
    "environ-key-in-a-constant": """\
        import os
        KEY = "OPENAI_BASE_URL"
        os.environ[KEY] = "http://10.0.0.5:8000/v1"
    """,
    "environ-key-through-two-names-and-a-tuple": """\
        import os
        PREFIX, KEY = "X", "OPENAI_BASE_URL"
        name = KEY
        env = os.environ.copy()
        env[name] = "http://10.0.0.5:8000/v1"
    """,
    "environ-key-implicitly-concatenated": """\
        import os
        os.environ["OPENAI_BASE_" "URL"] = "http://10.0.0.5:8000/v1"
    """,
    "environ-key-lowercase": """\
        import os
        os.environ["ollama_host"] = "http://10.0.0.5:11434"
    """,
    "environ-key-in-a-tuple-target": """\
        import os
        os.environ["OPENAI_BASE_URL"], retries = "http://10.0.0.5:8000/v1", 3
    """,
    "module-client-endpoint-attribute-only": """\
        import litellm
        litellm.api_base = "http://10.0.0.5:8000"
    """,
    "legacy-module-endpoint-only": """\
        import openai
        openai.api_base = "http://10.0.0.5:8000/v1"
    """,
    "http-session-client": """\
        import requests
        session = requests.Session()
        session.post("http://10.0.0.5:11434/api/generate", json={"model": "m", "prompt": "hi"})
    """,
    "http-url-built-from-pieces": """\
        import requests
        BASE = "http://10.0.0.5:11434"
        def generate(prompt):
            return requests.post(BASE + "/api/" + "generate", json={"model": "m", "prompt": prompt})
    """,
    "http-url-in-an-f-string": """\
        import httpx
        def complete(host, prompt):
            return httpx.post(f"{host}/v1/chat/completions", json={"model": "m", "messages": [prompt]})
    """,
    "endpoint-attribute-with-evidence": """\
        class Settings:
            def __init__(self):
                self.base_url = "http://localhost:11434"
    """,
    # a request's URL and a distinctive method's receiver, as far as the model follows them
    "request-url-in-a-module-constant": """\
        import requests
        URL = "http://10.0.0.5:11434/api/generate"
        def generate(prompt):
            return requests.post(URL, json={"model": "m", "prompt": prompt})
    """,
    "request-url-in-an-annotated-constant": """\
        import requests
        URL: str = "http://10.0.0.5:11434/api/chat"
        requests.post(URL, json={"model": "m", "messages": []})
    """,
    "request-url-in-a-class-body-name": """\
        import requests
        class Ollama:
            URL = "http://10.0.0.5:11434/api/chat"
            reply = requests.post(URL, json={"model": "m", "messages": []})
    """,
    "request-url-f-string-with-a-base-variable": """\
        import requests
        BASE = "http://10.0.0.5:8000"
        def ask(messages):
            return requests.post(f"{BASE}/v1/chat/completions", json={"model": "m", "messages": messages})
    """,
    "request-url-from-an-environment-default-plus-path": """\
        import os
        import requests
        requests.post(os.getenv("OLLAMA_URL", "http://localhost:11434") + "/api/generate", json={"model": "m", "prompt": "hi"})
    """,
    "request-url-keyword-after-the-body": """\
        import httpx
        def ask(base, messages):
            return httpx.post(json={"model": "m", "messages": messages}, url=base + "/chat/completions")
    """,
    "request-url-with-a-query": """\
        import requests
        def ask(base, messages):
            return requests.post(f"{base}/v1/chat/completions?api-version=2024-02-01", json={"model": "m", "messages": messages})
    """,
    "request-url-from-a-tuple-assignment": """\
        import requests
        BASE, PATH = "http://10.0.0.5:11434", "/api/chat"
        requests.post(BASE + PATH, json={"model": "m", "messages": []})
    """,
    "request-url-through-two-names": """\
        import requests
        PATH = "/api/generate"
        URL = "http://10.0.0.5:11434" + PATH
        requests.post(URL, json={"model": "m", "prompt": "hi"})
    """,
    "request-through-an-aliased-post": """\
        from requests import post as send
        send("http://10.0.0.5:11434/api/chat", json={"model": "m", "messages": []})
    """,
    "request-through-a-partial": """\
        import functools
        import requests
        send = functools.partial(requests.post, timeout=30)
        send("http://10.0.0.5:11434/api/generate", json={"model": "m", "prompt": "hi"})
    """,
    "request-through-a-session-in-a-with": """\
        import requests
        with requests.Session() as session:
            session.post("http://10.0.0.5:11434/api/generate", json={"model": "m", "prompt": "hi"})
    """,
    "request-url-with-a-trailing-slash": """\
        import requests
        requests.post("http://10.0.0.5:8000/v1/chat/completions/", json={"model": "m", "messages": []})
    """,
    "distinctive-method-through-a-name": """\
        def ask(client, prompt):
            messages = client.messages
            return messages.create(model="claude", messages=[prompt], max_tokens=None)
    """,
    "distinctive-method-through-a-member": """\
        class Bot:
            def __init__(self, client):
                self.chat = client.chat
            def ask(self, prompt):
                return self.chat.completions.create(model="m", messages=[prompt])
    """,
    "distinctive-method-through-a-partial": """\
        import functools
        def make(llm):
            create = functools.partial(llm.chat.completions.create, model="m")
            return create(messages=[])
    """,
    "distinctive-method-on-an-awaited-client": """\
        async def ask(get_client, prompt):
            return await (await get_client()).chat.completions.create(model="m", messages=[prompt])
    """,
    "distinctive-method-assigned-then-called": """\
        def ask(client, prompt):
            create = client.responses.create
            return create(model="m", input=prompt)
    """,
    "distinctive-method-of-an-imported-object": """\
        from app.llm import client
        client.chat.completions.create(model="m", messages=[])
    """,
    "distinctive-method-evidence-on-the-partial": """\
        import functools
        def make(llm):
            create = functools.partial(llm.chat.completions.create, model="m", messages=[])
            return create()
    """,
    "distinctive-method-with-a-splat": """\
        def chat(client, params):
            while True:
                params["messages"].append(client.messages.create(**params))
    """,
    # a client class matters where the model reads it: built with an endpoint, called through,
    # its endpoint set on an instance
    "client-built-with-an-endpoint-in-a-function": """\
        from openai import OpenAI
        def make():
            client = OpenAI(base_url="http://10.0.0.5:8000/v1")
            return client.models.list()
    """,
    "client-built-with-a-positional-endpoint": """\
        import ollama
        def make():
            ollama.Client("http://10.0.0.5:11434").list()
    """,
    "client-built-with-an-endpoint-in-an-unpacked-dict": """\
        from openai import OpenAI
        def make():
            return OpenAI(**{"api_key": "k", "base_url": "http://10.0.0.5:8000/v1"}).models.list()
    """,
    "client-built-with-an-endpoint-in-a-dict-call-of-a-constant": """\
        import openai
        URL = "http://10.0.0.5:8000/v1"
        class Bot:
            def setup(self):
                params = dict(api_key="k", base_url=URL)
                self.models = openai.OpenAI(**params).models
    """,
    "client-built-with-an-endpoint-added-to-its-dict": """\
        import openai
        def setup(values):
            params = {"api_key": values["key"]}
            params["base_url"] = "http://10.0.0.5:8000/v1"
            values["client"] = openai.OpenAI(**params).models
    """,
    "client-built-with-an-endpoint-set-by-setdefault": """\
        import openai
        def setup(values):
            params = {"api_key": values["key"]}
            params.setdefault("base_url", "http://10.0.0.5:8000/v1")
            values["client"] = openai.OpenAI(**params).models
    """,
    "client-built-with-an-endpoint-from-a-function-returning-a-dict": """\
        import openai
        def _params():
            return {"base_url": "http://10.0.0.5:8000/v1"}
        def setup(values):
            values["client"] = openai.OpenAI(**_params()).models
    """,
    "client-built-with-an-endpoint-attribute-default": """\
        import openai
        class Bot:
            base_url = "http://10.0.0.5:8000/v1"
            def setup(self):
                return openai.OpenAI(base_url=self.base_url).models
    """,
    # an SDK module acting as a client: one of its methods called, or its endpoint set
    "module-client-method-imported-by-name": """\
        from litellm import completion
        def ask(p):
            return completion(model="gpt-4o", messages=[p])
    """,
    "module-client-method-through-a-name": """\
        import litellm
        call = litellm.completion
        def ask(p):
            return call(model="gpt-4o", messages=[p])
    """,
    "module-client-endpoint-through-an-alias": """\
        import litellm as ll
        ll.api_base = "http://10.0.0.5:8000"
        def ask(p):
            return 1
    """,
    "module-client-endpoint-through-a-constant": """\
        import openai
        URL = "http://10.0.0.5:8000/v1"
        def setup():
            openai.api_base = URL
    """,
    "client-called-through-an-aliased-class": """\
        from ollama import Client as C
        factory = C
        def ask(prompt):
            return factory().chat(model="m", messages=[prompt])
    """,
    "client-called-through-a-factory-method": """\
        from llama_cpp import Llama
        def run(prompt):
            llm = Llama.from_pretrained(repo_id="r", filename="f")
            return llm(prompt, max_tokens=-1)
    """,
    "client-called-through-an-optional-annotation": """\
        from typing import Optional
        import ollama
        def ask(client: Optional["ollama.Client"], prompt):
            return client.chat(model="m", messages=[prompt])
    """,
    "client-endpoint-set-on-an-instance": """\
        from openai import OpenAI
        def make():
            client = OpenAI()
            client.base_url = "http://example.com/api"
    """,
    "model-object-built-without-a-limit": """\
        from langchain_openai import ChatOpenAI
        def make():
            return ChatOpenAI(model="gpt-4o", max_tokens=None).model_name
    """,
    "http-session-with-an-llm-path": """\
        import aiohttp
        async def ask(body):
            async with aiohttp.ClientSession() as session:
                return await session.post("http://10.0.0.5:11434/api/chat", json={"model": "m", "messages": []})
    """,
    # an environment write: os.environ through any alias, a URL through names and f-strings
    "environ-imported-under-another-name": """\
        from os import environ as env
        env["OPENAI_BASE_URL"] = "http://10.0.0.5:8000/v1"
    """,
    "environ-through-a-local-alias-and-a-constant": """\
        import os
        URL = "http://10.0.0.5:11434"
        def configure():
            variables = os.environ
            variables["OLLAMA_HOST"] = URL
    """,
    "environ-value-in-an-f-string": """\
        import os
        def configure(port):
            os.environ["OPENAI_BASE_URL"] = f"http://10.0.0.5:{port}/v1"
    """,
    "legacy-module-endpoint-through-an-alias": """\
        import openai as oa
        oa.base_url = "http://10.0.0.5:8000/v1"
    """,
    # an endpoint attribute whose URL the model reaches through names, or reads as written
    "endpoint-attribute-through-a-module-constant": """\
        LOCAL = "http://localhost:11434"
        class Settings:
            def __init__(self):
                self.host = LOCAL
    """,
    "endpoint-attribute-through-a-self-attribute": """\
        class Settings:
            DEFAULT = "http://gpu:8000/v1"
            def __init__(self):
                self.api_base = self.DEFAULT
    """,
    "endpoint-attribute-f-string-with-an-escape": """\
        class Settings:
            def __init__(self, suffix):
                self.base_url = f"http://gpu\\x2eexample:8000/v1{suffix}"
    """,
    "endpoint-attribute-f-string-with-a-route": """\
        class Settings:
            def __init__(self, host):
                self.api_url = f"http://{host}/v1/chat/completions"
    """,
}
QUIET = {
    # a client a module-level name keeps through a function of the file (a summary record, no finding)
    "client-kept-through-a-factory-called-at-module-level": """\
        import logging
        from openai import OpenAI
        log = logging.getLogger(__name__)
        def make():
            return OpenAI()
        client = make()
    """,
    "client-kept-through-a-cached-factory": """\
        import functools
        from openai import OpenAI
        @functools.cache
        def make():
            return OpenAI()
        client = make()
    """,
    "client-kept-through-a-class-method-called-at-module-level": """\
        from openai import OpenAI
        class Factory:
            @classmethod
            def build(cls):
                return OpenAI()
        client = Factory.build()
    """,
    "client-kept-through-two-factories": """\
        from openai import OpenAI
        def _build():
            return OpenAI()
        def make():
            return _build()
        client = make()
    """,
    "client-returned-through-a-method-of-a-class-of-the-file": """\
        from openai import OpenAI
        class Factory:
            def build(self):
                return OpenAI()
        def make():
            return Factory().build()
    """,
    "method-through-getattr": """\
        from openai import OpenAI
        client = OpenAI()
        create = getattr(client.chat, "completions").create
        create(model="gpt-4o", messages=[])
    """,
    "client-through-a-star-import": """\
        from openai import *
        OpenAI(base_url="http://10.0.0.5:8000/v1")
    """,
    "client-class-named-in-a-docstring-only": """\
        def ask(client, prompt):
            \"\"\"``client`` is an ollama.Client.\"\"\"
            return client.chat(model="llama3", messages=[prompt])
    """,
    # URLs the model does not read as a string, receivers it does not follow
    "request-url-in-a-class-attribute": """\
        import requests
        class Ollama:
            URL = "http://10.0.0.5:11434/api/chat"
            def ask(self, messages):
                return requests.post(self.URL, json={"model": "m", "messages": messages})
    """,
    "request-url-in-a-dict": """\
        import requests
        URLS = {"chat": "http://10.0.0.5:11434/api/chat"}
        requests.post(URLS["chat"], json={"model": "m", "messages": []})
    """,
    "request-url-from-urljoin": """\
        import requests
        from urllib.parse import urljoin
        requests.post(urljoin("http://10.0.0.5:11434", "/api/chat"), json={"model": "m", "messages": []})
    """,
    "request-url-environment-default-holding-the-path": """\
        import os
        import requests
        URL = os.environ.get("LLM_URL", "http://localhost:11434/api/chat")
        requests.post(URL, json={"model": "m", "messages": []})
    """,
    "request-url-extended-in-place": """\
        import requests
        url = "http://10.0.0.5:11434"
        url += "/api/chat"
        requests.post(url, json={"model": "m", "messages": []})
    """,
    "distinctive-method-through-a-returned-member": """\
        class Bot:
            def api(self):
                return self._client.messages
            def ask(self, prompt):
                return self.api().create(model="claude", messages=[prompt])
    """,
    "distinctive-method-through-a-passthrough": """\
        def ask(client, prompt):
            return client.messages.with_raw_response.create(model="claude", messages=[prompt])
    """,
    "distinctive-method-on-a-conditional-client": """\
        def ask(a, b, fast, prompt):
            return (a if fast else b).messages.create(model="claude", messages=[prompt])
    """,
    "endpoint-attribute-parameter-or-a-literal": """\
        class Settings:
            def __init__(self, url=None):
                self.base_url = url or "https://api.groq.com/openai/v1"
    """,
    "endpoint-attribute-f-string-of-a-parameter": """\
        class Settings:
            def __init__(self, host):
                self.api_url = f"{host}/v1/chat/completions"
    """,
}
"""Shapes full analysis does not report (this is no promise that it never will): the same without the triage."""


@pytest.mark.parametrize("code", LOOK_ALIKES.values(), ids=LOOK_ALIKES.keys())
def test_look_alikes_give_the_same_findings_without_the_triage(code, monkeypatch):
    job = Job(make_policy(), ALL_RULES, report_suppressions=True)
    assert _assert_same(_four_ways(textwrap.dedent(code).encode(), "shape.py", job, monkeypatch)), "full analysis reports this shape"


@pytest.mark.parametrize("code", QUIET.values(), ids=QUIET.keys())
def test_quiet_look_alikes_give_the_same_findings_without_the_triage(code, monkeypatch):
    job = Job(make_policy(), ALL_RULES, report_suppressions=True)
    _assert_same(_four_ways(textwrap.dedent(code).encode(), "shape.py", job, monkeypatch))


# what it keeps from libcst: files the prefilter passes on a word that is no name of the tree

DECIDED = {
    "sdk-named-in-a-docstring": '"""Talks to openai.OpenAI through chat.completions.create."""\nx = 1\n',
    "sdk-named-in-a-comment": "# from anthropic import Anthropic\nx = 1\n",
    "sdk-module-for-its-exceptions": "import openai\ntry:\n    pass\nexcept openai.APIError:\n    pass\n",
    "requests-post-elsewhere": "import requests\nrequests.post('https://example.com/upload', data=b'')\n",
    "endpoint-attribute-read-only": "def url(cfg):\n    return cfg.base_url + '/v1'\n",
    "environ-read": "import os\nHOST = os.environ['HOST']\n",
    "environ-write-of-another-key": "import os\nos.environ['PATH'] = '/bin'  # the proxy host\n",
    "request-elsewhere-with-api-path-words-in-strings": (
        '"""Uploads the chat transcript (the generate step is elsewhere)."""\nimport requests\n'
        "def upload(base, text):\n    log('api', 'chat')\n    return requests.post(f'{base}/api/upload', json={'text': text})\n"
    ),
    "request-to-an-attribute-url": (
        "import requests\nclass Ollama:\n    URL = 'http://localhost:11434/api/chat'\n"
        "    def ask(self, body):\n        return requests.post(self.URL, json=body)\n"
    ),
    "distinctive-words-apart": (
        "from langchain_core.messages import AIMessage\n"
        "def reply(llm, prompt, **kwargs):\n    return AIMessage(content=''.join(llm.stream(prompt, **kwargs)))\n"
    ),
    "distinctive-method-on-another-path": (
        "def save(db, model, messages):\n    db.messages.append(messages)\n    return db.runs.create(model=model, messages=messages)\n"
    ),
    # a distinctive method without its evidence keywords (a text message, not a chat)
    "distinctive-method-without-evidence": "def notify(client, to, text):\n    return client.messages.create(to=to, from_='+1555', body=text)\n",
    # a client class named, not built or called through where the model would read it
    "client-class-imported-and-checked": (
        "from openai import OpenAI, AsyncOpenAI\n__all__ = ['OpenAI']\n"
        "def is_client(x):\n    return isinstance(x, (OpenAI, AsyncOpenAI))\n"
    ),
    "client-built-without-an-endpoint-and-not-kept": (
        "from openai import OpenAI\ndef models():\n    client = OpenAI()\n    return client.models.list()\n"
    ),
    # a client built with an endpoint argument that leads to no literal, and not kept
    "client-built-with-an-endpoint-of-no-literal": (
        "import openai\nclass Chat:\n    def setup(self, values):\n"
        "        params = {'api_key': values['key'], 'base_url': values.get('base_url')}\n"
        "        values['client'] = openai.OpenAI(**params).chat.completions\n"
        "        values['async_client'] = openai.AsyncOpenAI(base_url=values['base_url'] if 'base_url' in values else BASE).chat.completions\n"
        "        return values\n"
    ),
    # an SDK module's method words and endpoint attribute on objects that are not the module
    "module-client-words-on-another-object": (
        "import openai\nclass Chat:\n    def ask(self, **kw):\n        return self.client.create(**kw)\n"
        "    def setup(self, values):\n        values['client'] = openai.chat.completions\n"
    ),
    "module-client-endpoint-attribute-on-another-object": (
        "import openai, litellm\nclass Cfg:\n    def __init__(self, api_base):\n        self.api_base = api_base\n"
        "        self.base_url = api_base\n"
    ),
    "module-client-endpoint-from-configuration": (
        "import openai\ndef setup(cfg):\n    openai.api_base = cfg.api_base\n    openai.base_url = cfg.base_url or None\n"
    ),
    "client-class-of-another-package-with-the-same-name": (
        "from agno.agent import Agent\nfrom agno.models.groq import Groq\nagent = Agent(model=Groq(id='llama-3.3-70b'))\n"
    ),
    "model-class-re-exported": "from langchain_community.chat_models import ChatOpenAI\n__all__ = ['ChatOpenAI']\n",
    "http-session-in-a-method": (
        "import aiohttp\nclass Fetcher:\n    async def get(self, url):\n"
        "        async with aiohttp.ClientSession() as session:\n            return await session.get(url)\n"
    ),
    "http-client-of-a-method": "import httpx\nclass Api:\n    def client(self):\n        return httpx.Client(timeout=30)\n",
    # a module-level call of an imported function or of a class of the file: no function's return
    "http-client-of-a-method-beside-a-module-logger": (
        "import logging\nimport httpx\nlogger = logging.getLogger(__name__)\n"
        "class Api:\n    def client(self):\n        return httpx.Client(timeout=30)\n"
    ),
    "http-client-of-a-method-of-a-module-instance": (
        "import httpx\nclass Api:\n    def client(self):\n        return httpx.Client(timeout=30)\napi = Api()\n"
    ),
    "http-client-of-a-method-beside-module-helpers": (
        "import logging\nimport httpx\nlogger = logging.getLogger(__name__)\n"
        "def _to_message(data):\n    return dict(role=data['role'], content=_text(data))\n"
        "def _text(data, default_class=str):\n    return default_class(data.get('content'))\n"
        "class Api:\n    def client(self):\n        return httpx.Client(timeout=30)\n"
    ),
    # an environment write the model does not read as an endpoint
    "environ-like-dict-write": "import os\nHOME = os.environ['HOME']\nsettings = {}\nsettings['OPENAI_BASE_URL'] = 'http://localhost:8000/v1'\n",
    "environ-write-of-no-url": "import os\nos.environ['OLLAMA_HOST'] = '0'\nos.environ['HOST'] = 'localhost'.upper() + ':80'\n",
    "environ-write-of-a-loop-key": (
        "import os\nHOSTS = ['HOST']\ndef setup(pairs):\n    env = os.environ.copy()\n"
        "    for key, value in pairs:\n        env[key] = value\n    value = 'http://localhost:8000'\n"
    ),
    "environ-write-of-a-parameter": "import os\ndef serve(host):\n    os.environ['SERVER_HOST'] = host  # e.g. 'localhost'\n",
    # endpoint attributes read, or set on something no client reads
    "legacy-module-endpoint-read": "import openai\nprint(openai.base_url)\n",
    "endpoint-attribute-of-no-client": "import openai\nclass Db:\n    def __init__(self):\n        self.host = 'db.example.com'\n",
    # an endpoint attribute set to no URL that shows an LLM endpoint, with the words of one elsewhere
    "endpoint-attribute-of-another-api-version": (
        "class Spotify:\n    def __init__(self, base_url=None):\n        self.base_url = base_url or 'https://api.spotify.com/v1'\n"
    ),
    "endpoint-attribute-of-a-parameter": (
        '"""Point it at http://localhost:11434 for Ollama."""\n'
        "class Tool:\n    def __init__(self, base_url):\n        self.base_url = base_url.rstrip('/')\n"
    ),
    "endpoint-attribute-literal-of-another-api": (
        "class Search:\n    def __init__(self):\n        self.base_url = 'https://www.searchapi.io/api/v1/search'\n"
        "        self.docs = 'http://localhost:8000/v1'\n"
    ),
    "endpoint-attribute-of-a-parameter-with-a-local-default": (
        "class Embeddings:\n    def __init__(self, host='http://localhost:7797/v1'):\n        self.host = host\n"
    ),
    "endpoint-attribute-chosen-by-a-condition": (
        "LOCAL = 'http://localhost:8000/v1'\nclass Spark:\n    def __init__(self, url=None):\n        self.api_url = LOCAL if not url else url\n"
    ),
    "endpoint-attribute-f-string-of-another-api": (
        "class Spotify:\n    def __init__(self, version):\n        self.base_url = f'https://api.spotify.com/{version}'\n"
        "    def models(self):\n        return 'v1'\n"
    ),
}


@pytest.mark.parametrize("code", DECIDED.values(), ids=DECIDED.keys())
def test_files_that_pass_the_prefilter_without_a_call_site_never_reach_libcst(code, monkeypatch):
    source = code.encode()
    with monkeypatch.context() as patch:
        patch.setattr(intake, "might_matter", lambda source: True)
        result = lint_source(source, "plain.py", Job(make_policy(), ALL_RULES, report_suppressions=True))
    assert (result.parsed, result.findings) == (False, ())
    assert result.facts is not None and "summary" in result.facts


ESCAPED = {
    "escape-in-a-host-across-crlf-lines": (b'class S:\r\n    def __init__(self, s):\r\n        self.base_url = (f"http://gpu\\x2eexample:8000"\r\n  f"/v1{s}")\r\n', True),
    "escape-in-a-latin-1-file": (
        b'# -*- coding: latin-1 -*-\nX = "\xe9"\nclass S:\n    def __init__(self, s):\n        self.base_url = f"http://gpu\\x2eexample:8000/v1{s}"\n',
        True,
    ),
    "escape-after-another-api": (b'class S:\n    def __init__(self, s):\n        self.base_url = f"https://example.com:8000/v1/{s}\\n"\n', False),
}


@pytest.mark.parametrize(("code", "reported"), ESCAPED.values(), ids=ESCAPED.keys())
def test_an_endpoint_f_string_written_with_escapes_is_read_as_written(code, reported, monkeypatch):
    """The model reads an f-string's text as written, ``ast`` with its escapes decoded: the triage
    reads it from the source (its offsets are UTF-8 bytes: a file in another encoding is parsed)."""
    results = _four_ways(code, "shape.py", Job(make_policy(), ALL_RULES, report_suppressions=True), monkeypatch)
    assert bool(_assert_same(results)) is reported
    assert results[False, True].parsed is reported


@pytest.mark.parametrize(
    "value",
    [
        "os.getenv('LLM_URL', 'http://localhost:8000/v1')",
        "os.getenv('LLM_URL', LOCAL)",
        "os.environ.get('LLM_URL') or 'https://api.groq.com/openai/v1'",
    ],
)
def test_an_environment_default_of_an_endpoint_attribute_is_read_under_strict(value, monkeypatch):
    """``strict`` reports an environment lookup's literal default (BL004): the triage, which does
    not see the policy, admits it."""
    code = f"import os\nLOCAL = 'http://gpu:8000/v1'\nclass Settings:\n    def __init__(self):\n        self.base_url = {value}\n".encode()
    assert _assert_same(_four_ways(code, "shape.py", Job(make_policy(strict=True), ALL_RULES, report_suppressions=True), monkeypatch))


def test_a_decided_file_keeps_its_project_facts(monkeypatch):
    """A package ``__init__`` re-exporting a wrapper: its aliases and needs, as analysis gives them."""
    code = b'"""The openai helpers."""\nfrom .llm import ask\nfrom . import tools\nimport app.util\n\ndef f():\n    from app.other import thing\n'
    results = _four_ways(code, "__init__.py", Job(make_policy(), ALL_RULES, report_suppressions=True), monkeypatch)
    _assert_same(results)
    decided = results[False, True]
    assert not decided.parsed
    assert decided.facts["summary"]["names"] == {
        "ask": {"kind": "alias", "target": ".llm.ask"},
        "tools": {"kind": "alias", "target": ".tools"},
        "app": {"kind": "alias", "target": "app"},
    }
    assert decided.facts["needs"] == [".llm.ask", ".tools", "app", "app.other.thing"]


REBOUND = {
    "bound-again-at-module-level": "try:\n    from .llm import ask\nexcept ImportError:\n    ask = None\n",
    "imported-twice-at-module-level": "import typing\nif typing.TYPE_CHECKING:\n    from .llm import ask\nelse:\n    from .fallback import ask\n",
    "imported-again-in-functions": "from .team import Team\ndef run():\n    from .team import Team\n    return Team()\n",
    "bound-again-in-a-function": "from .llm import ask\ndef f(ask=None):\n    ask = ask or 1\n    for ask in []:\n        pass\n",
    "bound-again-in-a-class-body": "from .llm import ask\nclass C:\n    ask = ask\n",
    "bound-again-in-a-comprehension": "from .llm import ask\nasks = [ask for ask in range(3)]\nf = lambda ask: ask\n",
    "bound-again-by-a-with-and-a-loop": "from .llm import ask\nwith open('f') as ask:\n    pass\nfor ask in []:\n    pass\n",
    "deleted-at-module-level": "from .llm import ask\ndel ask\n",
    "annotated-without-a-value": "from .llm import ask\nask: int\n",
    "bound-again-by-an-except-clause": "from .llm import ask\ntry:\n    pass\nexcept ValueError as ask:\n    pass\n",
    "bound-again-by-a-match-capture": "from .llm import ask\nmatch 1:\n    case [*ask]:\n        pass\n",
    "imported-in-a-class-body": "class Tests:\n    try:\n        import _testcapi\n    except ImportError:\n        _testcapi = None\n",
    "imported-in-a-method-and-a-class-body": "from .llm import ask\nclass C:\n    from .llm import ask\n    def f(self):\n        from .tools import tool\n",
}


@pytest.mark.parametrize("code", REBOUND.values(), ids=REBOUND.keys())
def test_a_project_name_bound_again_keeps_the_facts_analysis_gives(code, monkeypatch):
    """Where the module scope binds an imported project name is what the facts record (one
    binding: an alias); bindings in functions, classes and comprehensions are not the module's."""
    results = _four_ways(f"# openai\n{code}".encode(), "m.py", Job(make_policy(), ALL_RULES, report_suppressions=True), monkeypatch)
    _assert_same(results)
    assert not results[False, True].parsed


@pytest.mark.parametrize(
    "code",
    [
        "from .llm import ask\nif (ask := None):\n    pass\n",
        "from .llm import ask\nitems = [(ask := x) for x in range(3)]\n",
        "from .llm import ask\ndef f():\n    global ask\n    ask = None\n",
    ],
)
def test_a_name_bound_again_where_the_tree_leaves_its_scope_unsure_is_parsed(code, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(intake, "might_matter", lambda source: True)
        assert lint_source(f"# openai\n{code}".encode(), "m.py", Job(make_policy(), ALL_RULES, report_suppressions=True)).parsed


# the prefilter: `environ` alone is no reason to parse

def test_the_environment_read_or_written_under_another_key_does_not_pass_the_prefilter():
    assert not might_matter(b"import os\nHOME = os.environ['HOME']\n")
    assert not might_matter(b"import os\nos.environ['PATH'] = '/usr/bin'\n")


@pytest.mark.parametrize(
    "code",
    [
        b"import os\nos.environ['OPENAI_BASE_URL'] = 'http://10.0.0.5:8000/v1'\n",
        b"import os\nos.environ['ollama_host'] = 'http://10.0.0.5:11434'\n",
        b"import os\nos.environ['OPENAI_BASE_' 'URL'] = 'http://10.0.0.5:8000/v1'\n",
        b"import os\nos.environ['OPENAI_BASE_'\n    # the v1 surface\n    'URL'] = 'http://10.0.0.5:8000/v1'\n",
        b"import os\nos.environ['\\x48OST'] = 'http://10.0.0.5:8000'\n",
    ],
)
def test_an_environment_write_of_an_endpoint_like_key_passes_the_prefilter(code):
    assert might_matter(code)


# whole projects, through both phases

PROJECT = {
    "app/__init__.py": '"""Re-exports the openai wrapper."""\nfrom .llm import ask, make\n',
    "app/llm.py": (
        "import ollama\nfrom openai import OpenAI\nclient = OpenAI()\n\n"
        "def ask(prompt, max_tokens=None):\n    return client.chat.completions.create(model='m', messages=[prompt], max_tokens=max_tokens)\n\n"
        "def make():\n    return ollama.Client(host='http://10.0.0.5:11434')\n"
    ),
    "main.py": '"""Uses the openai wrapper."""\nfrom app import ask\n\nask("hi")\n',
    "factory_user.py": "# an ollama client from the factory\nfrom app import make\n\nmake().chat(model='m', messages=[], options={'num_predict': -1})\n",
    "star.py": "# openai\nfrom app.llm import *\n\nask('hi')\n",
    # an HTTP client kept at module level, and one a factory returns: requests in other modules
    "app/http.py": "import httpx\nimport requests\nsession = requests.Session()\n\ndef make():\n    return httpx.Client(timeout=30)\n",
    "session_user.py": (
        "from app.http import make, session\n\n"
        "session.post('http://10.0.0.5:11434/api/generate', json={'model': 'm', 'prompt': 'hi'})\n"
        "make().post('http://10.0.0.5:11434/api/chat', json={'model': 'm', 'messages': []})\n"
    ),
}


@pytest.mark.parametrize("folder", ["project", "examples", "golden"])
def test_whole_projects_give_the_same_findings_without_the_triage(folder, tmp_path, monkeypatch):
    if folder == "project":
        (tmp_path / ".git").mkdir()
        for name, text in PROJECT.items():
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / name).write_text(text)
        where = tmp_path
    else:
        where = REPOSITORY / ("examples" if folder == "examples" else "tests/fixtures/outputs/project")
    monkeypatch.chdir(where)
    runs = []
    for off in ("", "1"):
        monkeypatch.setenv(triage.SWITCH, off)
        result = CliRunner().invoke(main, ["check", "--format", "json", "--no-cache", "--jobs", "1", "."], catch_exceptions=False)
        runs.append(json.loads(result.output)["findings"])
    assert runs[0] == runs[1]
    if folder == "project":
        assert {finding["path"] for finding in runs[0]} >= {"main.py", "factory_user.py"}  # at the wrappers' callers
        assert sum(finding["path"] == "session_user.py" for finding in runs[0]) >= 2  # through the clients app/http.py keeps


# the one walk

def test_the_walk_gathers_every_node_of_the_types_it_reads():
    """``triage.gather`` (no ``ctx`` nodes, no scalar fields) finds what ``ast.walk`` finds."""
    for path in sorted((REPOSITORY / "linter").glob("*.py")):
        tree = ast.parse(path.read_bytes())
        gathered = triage.gather(tree)
        for kind, nodes in gathered.items():
            assert {id(node) for node in nodes} == {id(node) for node in ast.walk(tree) if type(node) is kind}, (path.name, kind)


def _imports_of_every_statement(body: list, where: str = "module") -> list[tuple[str, str, str]]:
    """The definition ``_Names.imports`` keeps to: every import statement, in order, with where it binds."""
    found: list[tuple[str, str, str]] = []
    for statement in body:
        if type(statement) is ast.Import:
            found += [(alias.asname or alias.name.split(".")[0], alias.name if alias.asname else alias.name.split(".")[0], where) for alias in statement.names]
        elif type(statement) is ast.ImportFrom:
            module = "." * statement.level + (statement.module or "")
            found += [
                (alias.asname or alias.name, f"{module}{alias.name}" if module.endswith(".") else f"{module}.{alias.name}", where)
                for alias in statement.names
                if alias.name != "*"
            ]
        inner = "function" if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) else "class" if isinstance(statement, ast.ClassDef) else where
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            for child in getattr(statement, field, ()):
                found += _imports_of_every_statement(child.body if isinstance(child, (ast.ExceptHandler, ast.match_case)) else [child], inner)
    return found


IMPORTS = """
import a.b as c, d.e
try:
    x = 1
except ImportError:
    from .f import g
    def h():
        import i
finally:
    y = 2
match x:
    case 1:
        class K:
            from j import k
            def m(self): from l import *
    case _:
        pass
def later():
    return 1
"""


def test_the_imports_the_triage_records_are_every_import_statement_in_order():
    for path in [*sorted((REPOSITORY / "linter").glob("*.py")), *sorted((REPOSITORY / "tests").glob("test_s*.py"))]:
        tree = ast.parse(path.read_bytes())
        assert triage._Names(tree).imports == _imports_of_every_statement(tree.body), path.name
    tree = ast.parse(IMPORTS)
    assert triage._Names(tree).imports == _imports_of_every_statement(tree.body)


def test_the_triage_looks_for_imports_in_no_statement_after_the_last_import():
    """Most of a module's statements (its functions and classes) follow its imports: they are not walked."""
    tree = ast.parse(IMPORTS + "class Later:\n    def f(self):\n        return 1\n")
    tree.body[-1].body = None  # a walk into it would fail
    assert [qualname for _, qualname, _ in triage._Names(tree).imports] == ["a.b", "d", ".f.g", "i", "j.k"]


def test_a_parameter_annotated_with_a_name_is_not_walked(monkeypatch):
    walks = []
    real = ast.walk
    monkeypatch.setattr(ast, "walk", lambda node: walks.append(node) or real(node))
    names = triage._Names(ast.parse("def f(a: int, b: Client, c: 'openai.OpenAI', d: list['Other']): pass\n"))
    assert walks == []
    assert {"Client", "openai", "OpenAI", "Other"} <= names.words


CLIENTS = """
import openai
from openai import OpenAI, AsyncOpenAI
client = None
def make():
    def inner():
        return 1
    return inner()
class Box:
    def get(self):
        return 2
"""


def test_the_values_a_module_keeps_are_worked_out_once_per_file(monkeypatch):
    from budgetlint import triage_calls

    tree = ast.parse(CLIENTS)
    calls = triage_calls.Calls(tree, triage.gather(tree))
    walked = []
    real = triage_calls._module_statements
    monkeypatch.setattr(triage_calls, "_module_statements", lambda body: walked.append(1) or real(body))
    assert not calls.client("openai.OpenAI") and not calls.client("openai.AsyncOpenAI")
    assert len(walked) == 1
    # every return inside a module-level function (a nested one's too), none of a method
    assert {ast.unparse(value) for value in calls._module_values()} == {"None", "1", "inner()"}


def test_a_rooted_walk_no_import_can_end_is_not_made():
    from budgetlint import triage_calls

    class Unread(list):
        def __iter__(self):
            raise AssertionError("walked")

    tree = ast.parse("import requests\nfrom openai import OpenAI\n")
    calls = triage_calls.Calls(tree, triage.gather(tree))
    assert not calls._reaches(Unread(), ("anthropic", "Anthropic", triage_calls.CALLED), rooted=True)
    with pytest.raises(AssertionError):
        calls._reaches(Unread(), ("openai", "OpenAI", triage_calls.CALLED), rooted=True)
