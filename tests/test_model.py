"""The call-site model: which calls are LLM calls, through which client, pointing where."""

from __future__ import annotations

import re
import textwrap

import libcst as cst
import pytest

from budgetlint.catalog import Location
from budgetlint.endpoints import EndpointPolicy, host_location
from budgetlint.model import SiteKind, build

POLICY = EndpointPolicy({"MY_GPU_URL": Location.LOCAL, "VLLM_CLOUD_URL": Location.CLOUD}, re.compile("OLLAMA|VLLM", re.I))


def sites(code: str):
    return build(cst.parse_module(textwrap.dedent(code)), POLICY).sites


@pytest.mark.parametrize(
    "url, location",
    [
        ("http://localhost:11434", Location.LOCAL),
        ("http://127.0.0.1:8000/v1", Location.LOCAL),
        ("http://[::1]:8000", Location.LOCAL),
        ("http://10.0.0.5:8000/v1", Location.LOCAL),
        ("http://192.168.1.20:8080", Location.LOCAL),
        ("http://gpu-box.local:8000", Location.LOCAL),
        ("http://host.docker.internal:11434", Location.LOCAL),
        ("http://ollama:11434", Location.LOCAL),
        ("localhost:11434", Location.LOCAL),
        ("https://api.openai.com/v1", Location.CLOUD),
        ("https://api.together.xyz/v1", Location.CLOUD),
        ("https://8.8.8.8/v1", Location.CLOUD),
        ("http://{}:8000", Location.UNKNOWN),
    ],
)
def test_host_location(url, location):
    assert host_location(url) is location


@pytest.mark.parametrize(
    "code, family, location",
    [
        ("from openai import OpenAI as O\nc = O()\nc.chat.completions.create(model='m', messages=[])", "openai", Location.CLOUD),
        ("import openai\nopenai.chat.completions.create(model='m', messages=[])", "openai", Location.CLOUD),
        ("import openai\nopenai.base_url = 'http://localhost:8000/v1'\nopenai.chat.completions.create(model='m', messages=[])", "openai", Location.LOCAL),
        ("import os, openai\nc = openai.OpenAI(base_url=os.environ['MY_GPU_URL'])\nc.responses.create(model='m', input='x')", "openai", Location.LOCAL),
        ("import os, openai\nc = openai.OpenAI(base_url=os.getenv('VLLM_CLOUD_URL'))\nc.responses.create(model='m', input='x')", "openai", Location.CLOUD),
        ("import os, openai\nc = openai.OpenAI(base_url=os.environ['OLLAMA_OPENAI_URL'])\nc.responses.create(model='m', input='x')", "openai", Location.LOCAL),
        ("import os, openai\nc = openai.OpenAI(base_url=os.environ['LLM_URL'])\nc.responses.create(model='m', input='x')", "openai", Location.UNKNOWN),
        ("import ollama\nollama.chat(model='m', messages=[])", "ollama", Location.LOCAL),
        ("from ollama import generate\ngenerate(model='m', prompt='x')", "ollama", Location.LOCAL),
        ("from anthropic import AsyncAnthropic\nasync def f():\n    async with AsyncAnthropic() as c:\n        await c.messages.create(model='c', max_tokens=5, messages=[])", "anthropic", Location.CLOUD),
        ("from openai import OpenAI\nclass B:\n    def __init__(self):\n        self.c = OpenAI(base_url='http://vllm:8000/v1')\n    def go(self):\n        self.c.chat.completions.create(model='m', messages=[])", "openai", Location.LOCAL),
        ("from openai import OpenAI\ndef go(c: OpenAI):\n    c.chat.completions.create(model='m', messages=[])", "openai", Location.UNKNOWN),
        ("def go(c):\n    c.chat.completions.create(model='m', messages=[])", "openai", Location.UNKNOWN),
        ("import litellm\nlitellm.completion(model='ollama/llama3', messages=[])", "litellm", Location.LOCAL),
        ("import litellm\nlitellm.completion(model='claude-3-5-sonnet', messages=[])", "litellm", Location.CLOUD),
        ("from llama_cpp import Llama\nllm = Llama.from_pretrained(repo_id='r', filename='f')\nllm('Q')", "llama_cpp", Location.LOCAL),
        ("from vllm import LLM\nLLM(model='m').generate(['x'])", "vllm", Location.LOCAL),
        ("from google import genai\ngenai.Client().models.generate_content(model='g', contents='x')", "google", Location.CLOUD),
        ("import requests\nrequests.post('http://localhost:8000/v1/chat/completions', json={'model': 'm'})", "http", Location.LOCAL),
        ("import aiohttp\nasync def f():\n    async with aiohttp.ClientSession() as s:\n        await s.post('https://api.openai.com/v1/responses', json={})", "http", Location.CLOUD),
        ("from langchain_openai import ChatOpenAI\nllm = ChatOpenAI(max_tokens=5)\nllm.with_structured_output(X).invoke('x')", "langchain", Location.CLOUD),
    ],
)
def test_generation_call_resolved(code, family, location):
    generation = [site for site in sites(code) if site.kind is SiteKind.GENERATION]
    assert len(generation) == 1
    assert generation[0].family.name == family
    assert generation[0].endpoint.location is location


@pytest.mark.parametrize(
    "code",
    [
        # unrelated methods and look-alikes
        "class C:\n    def create(self, **kw): ...\nC().create(model='m', messages=[])",
        "import ollama\nollama.embed(model='m', input='x')\nollama.list()\nollama.pull('m')\nollama.show('m')",
        "from openai import OpenAI\nc = OpenAI()\nc.models.list()\nc.embeddings.create(model='e', input='x')\nc.files.create(file=b'', purpose='x')",
        "from anthropic import Anthropic\nAnthropic().messages.count_tokens(model='c', messages=[])",
        "def chat(**kw): ...\nchat(model='m', messages=[])",
        "ollama = object()\nollama.chat(model='m', messages=[])",
        "from mylib import ollama\nollama.chat(model='m', messages=[])",
        "import requests\nrequests.post('https://example.com/api/users', json={'name': 'x'})",
        "import requests\nrequests.post('https://example.com/generate', json={'text': 'x'})",
        "from twilio.rest import Client\nClient().messages.create(to='+1', body='x')",
        "import openai\nx = openai\nx.embeddings.create(model='e', input='t')",
    ],
)
def test_look_alikes_are_not_generation_calls(code):
    assert [site for site in sites(code) if site.kind is SiteKind.GENERATION] == []


def test_constructors_are_sites_of_their_own_kind():
    found = sites(
        "from openai import OpenAI\nfrom langchain_ollama import ChatOllama\nfrom vllm import SamplingParams\n"
        "OpenAI()\nChatOllama(model='m')\nSamplingParams(max_tokens=5)"
    )
    assert [site.kind for site in found] == [SiteKind.CLIENT, SiteKind.MODEL, SiteKind.PARAMS]


def test_a_self_referential_name_resolves_quickly():
    lines = ["x = f()"] + ["x = x.strip()"] * 60 + ["x.chat.completions.create(model='m', messages=[])"]
    assert len(sites("\n".join(lines))) == 1


@pytest.mark.parametrize(
    "code, resolved",
    [
        # a lambda parameter, a match capture, except* and nonlocal rebind the name where the call is
        ("from openai import OpenAI\nclient = OpenAI()\nask = lambda client: client.chat.completions.create(model='m', messages=[])", False),
        ("import ollama\nmatch x:\n    case ollama:\n        ollama.chat(model='m', messages=[])", False),
        ("import ollama\ntry:\n    pass\nexcept* ValueError as ollama:\n    pass\nollama.chat(model='m', messages=[])", False),
        (
            "from openai import OpenAI\ndef outer():\n    client = OpenAI()\n    def reset():\n        nonlocal client\n"
            "        client = Stub()\n    client.chat.completions.create(model='m', messages=[])",
            False,
        ),
        ("from openai import OpenAI\na, *client = 1, OpenAI()\nclient.chat.completions.create(model='m', messages=[])", False),
        # a comprehension's target stays in the comprehension; its walrus binds in the function
        ("from openai import OpenAI\nclient = OpenAI()\nxs = [client for client in range(3)]\nclient.chat.completions.create(model='m', messages=[])", True),
        ("from openai import OpenAI\ndef f():\n    [c := OpenAI() for _ in range(1)]\n    c.chat.completions.create(model='m', messages=[])", True),
        ("from openai import OpenAI\nclient = OpenAI()\n[client.chat.completions.create(model='m', messages=[m]) for m in 'ab']", True),
        # `self` inside a method's comprehension, a `del` after use, a parameter default
        (
            "from openai import OpenAI\nclass Bot:\n    def __init__(self):\n        self.c = OpenAI()\n    def go(self, ms):\n"
            "        return [self.c.chat.completions.create(model='m', messages=[m]) for m in ms]",
            True,
        ),
        ("from openai import OpenAI\nclient = OpenAI()\nclient.chat.completions.create(model='m', messages=[])\ndel client", True),
        ("from openai import OpenAI\nclient = OpenAI()\ndef f(c=client.chat.completions.create(model='m', messages=[]), client=None): ...", True),
    ],
)
def test_names_resolve_through_every_binding_form(code, resolved):
    generation = [site for site in sites(code) if site.kind is SiteKind.GENERATION]
    assert any(site.resolved for site in generation) is resolved


def _generation(code: str):
    return [site for site in sites(code) if site.kind is SiteKind.GENERATION]


CREATE = "c.chat.completions.create(model='m', messages=[])"
LOCAL_URL = "'http://localhost:8000/v1'"


@pytest.mark.parametrize(
    "code, location",
    [
        # the binding that reaches the call wins over one made after it
        (f"from openai import OpenAI\nclass Stub: ...\nc = OpenAI(base_url={LOCAL_URL})\n{CREATE}\nc = Stub()", Location.LOCAL),
        (f"from openai import OpenAI\nclass Stub: ...\nc = Stub()\nc = OpenAI(base_url={LOCAL_URL})\n{CREATE}", Location.LOCAL),
        (f"from openai import OpenAI\ndef f():\n    c = OpenAI()\n    {CREATE}\n    c = OpenAI(base_url={LOCAL_URL})\n    c.models.list()", Location.CLOUD),
        # every arm of an if or a try reaches the code after it: the endpoint is known when all agree
        (f"from openai import OpenAI\nif x:\n    c = OpenAI(base_url={LOCAL_URL})\nelse:\n    c = OpenAI()\n{CREATE}", Location.UNKNOWN),
        (f"from openai import OpenAI\nif x:\n    c = OpenAI(base_url={LOCAL_URL})\nelse:\n    c = OpenAI(base_url='http://vllm:8000/v1')\n{CREATE}", Location.LOCAL),
        (f"from openai import OpenAI\ntry:\n    c = OpenAI()\nexcept ImportError:\n    c = OpenAI(base_url={LOCAL_URL})\n{CREATE}", Location.UNKNOWN),
        (f"from openai import OpenAI, AsyncOpenAI\nc = AsyncOpenAI() if x else OpenAI()\nif y:\n    c = AsyncOpenAI()\n{CREATE}", Location.CLOUD),
        # within an arm, the arm's own binding wins
        (f"from openai import OpenAI\nc = OpenAI()\nif x:\n    c = OpenAI(base_url={LOCAL_URL})\n    {CREATE}", Location.LOCAL),
        # a later binding in a loop reaches the next iteration
        (f"from openai import OpenAI\nc = OpenAI()\nfor m in ms:\n    {CREATE}\n    c = OpenAI(base_url={LOCAL_URL})", Location.UNKNOWN),
        (f"from openai import OpenAI\nfor m in ms:\n    c = OpenAI()\n    {CREATE}\n    c = OpenAI(base_url={LOCAL_URL})", Location.CLOUD),
        # a module global read in a function: any module-level binding may be the one at call time
        (f"from openai import OpenAI\nc = None\ndef ask():\n    {CREATE}\nif __name__ == '__main__':\n    c = OpenAI(base_url={LOCAL_URL})\n    ask()", Location.LOCAL),
        (f"from openai import OpenAI\nc = OpenAI()\ndef ask():\n    {CREATE}\nif __name__ == '__main__':\n    c = OpenAI(base_url={LOCAL_URL})", Location.UNKNOWN),
        # with, async with, tuple unpacking, walrus
        (f"from openai import OpenAI\nwith OpenAI(base_url={LOCAL_URL}) as c:\n    {CREATE}", Location.LOCAL),
        (f"from openai import AsyncOpenAI\nasync def f():\n    async with AsyncOpenAI(base_url={LOCAL_URL}) as c:\n        await {CREATE}", Location.LOCAL),
        (f"from openai import OpenAI\nfrom anthropic import Anthropic\nc, d = OpenAI(base_url={LOCAL_URL}), Anthropic()\n{CREATE}", Location.LOCAL),
        (f"from openai import OpenAI\nif (c := OpenAI(base_url={LOCAL_URL})):\n    {CREATE}", Location.LOCAL),
        # self.x in any method of the class or a base in the file, class attributes
        (
            f"from openai import OpenAI\nclass Base:\n    def setup(self):\n        self.c = OpenAI(base_url={LOCAL_URL})\n"
            f"class Bot(Base):\n    def go(self):\n        self.{CREATE}",
            Location.LOCAL,
        ),
        (
            f"from openai import OpenAI\nclass Bot:\n    c = None\n    def start(self):\n        self.c = OpenAI(base_url={LOCAL_URL})\n"
            f"    def go(self):\n        self.{CREATE}",
            Location.LOCAL,
        ),
        (f"from openai import OpenAI\nclass Bot:\n    c = OpenAI(base_url={LOCAL_URL})\n    def go(self):\n        self.{CREATE}", Location.LOCAL),
        (f"from openai import OpenAI\nclass Bot:\n    c = OpenAI(base_url={LOCAL_URL})\nBot.{CREATE}", Location.LOCAL),
        (
            f"from openai import OpenAI\nclass Bot:\n    def __init__(self, fast):\n        if fast:\n            self.c = OpenAI(base_url={LOCAL_URL})\n"
            f"        else:\n            self.c = OpenAI()\n    def go(self):\n        self.{CREATE}",
            Location.UNKNOWN,
        ),
    ],
)
def test_the_bindings_that_reach_a_call_decide_its_client(code, location):
    generation = _generation(code)
    assert len(generation) == 1
    assert generation[0].resolved
    assert generation[0].family.name == "openai"
    assert generation[0].endpoint.location is location


@pytest.mark.parametrize(
    "code",
    [
        # rebound to something that is not an LLM client before the call
        f"from openai import OpenAI\nclass Stub: ...\nc = OpenAI()\nc = Stub()\n{CREATE}",
        f"from openai import OpenAI\nclass Stub: ...\ndef f():\n    c = OpenAI()\n    c = Stub()\n    {CREATE}",
        f"from openai import OpenAI\nclass Stub: ...\nwith OpenAI() as c:\n    c = Stub()\n    {CREATE}",
        f"from openai import OpenAI\nclass Stub: ...\nclass Bot:\n    c = Stub()\nBot.{CREATE}",
    ],
)
def test_a_name_rebound_before_the_call_is_not_the_client(code):
    assert _generation(code) == []


def test_candidates_of_different_families_leave_the_client_unknown():
    code = (
        "from openai import OpenAI\nfrom anthropic import Anthropic\nif x:\n    c = OpenAI()\nelse:\n    c = Anthropic()\n"
        "c.messages.create(model='m', max_tokens=5, messages=[])"
    )
    (site,) = _generation(code)
    assert site.family.name == "anthropic"
    assert not site.resolved
    assert site.endpoint.location is Location.UNKNOWN


def test_a_name_bound_in_many_arms_keeps_its_family_not_its_endpoint():
    arms = "".join(f"if x{i}:\n    c = OpenAI(base_url='http://gpu{i}:8000/v1')\n" for i in range(40))
    (site,) = _generation(f"from openai import OpenAI\n{arms}{CREATE}")
    assert site.resolved
    assert site.endpoint.location is Location.UNKNOWN
