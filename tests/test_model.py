"""The call-site model: which calls are LLM calls, through which client, pointing where."""

from __future__ import annotations

import re
import textwrap

import libcst as cst
import pytest

from budgetlint.catalog import Location
from budgetlint.endpoints import EndpointPolicy, host_location
from budgetlint.matching import build
from budgetlint.model import SiteKind

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
        # the endpoint in a dict unpacked into the constructor, or in an attribute of the class
        ("from openai import OpenAI\nc = OpenAI(**{'base_url': 'http://localhost:8000/v1'})\nc.chat.completions.create(model='m', messages=[])", "openai", Location.LOCAL),
        ("from openai import OpenAI\nkw = dict(base_url='https://api.deepseek.com')\nc = OpenAI(**kw)\nc.chat.completions.create(model='m', messages=[])", "openai", Location.CLOUD),
        ("import litellm\ncfg = {'api_base': 'http://gpu.local:8000'}\nlitellm.completion(model='openai/m', messages=[], **cfg)", "litellm", Location.LOCAL),
        (
            "from openai import OpenAI\nclass B:\n    def __init__(self):\n        self.url = 'http://vllm:8000/v1'\n"
            "        self.c = OpenAI(base_url=self.url)\n    def go(self):\n        self.c.chat.completions.create(model='m', messages=[])",
            "openai",
            Location.LOCAL,
        ),
        # streaming, parsing and beta namespaces of the SDK clients
        ("from anthropic import Anthropic\nc = Anthropic()\nwith c.messages.stream(model='c', max_tokens=5, messages=[]) as s: pass", "anthropic", Location.CLOUD),
        ("from anthropic import Anthropic\nAnthropic().beta.messages.stream(model='c', max_tokens=5, messages=[])", "anthropic", Location.CLOUD),
        ("from anthropic import Anthropic\nAnthropic().beta.prompt_caching.messages.create(model='c', max_tokens=5, messages=[])", "anthropic", Location.CLOUD),
        ("from openai import OpenAI\nOpenAI().beta.chat.completions.parse(model='m', messages=[], response_format=X)", "openai", Location.CLOUD),
        # legacy Anthropic text completions: the receiver's family decides, else max_tokens_to_sample does
        ("from anthropic import Anthropic\nAnthropic().completions.create(model='claude-2', prompt='x', max_tokens_to_sample=5)", "anthropic", Location.CLOUD),
        ("def go(c):\n    c.completions.create(model='claude-2', prompt='x', max_tokens_to_sample=5)", "anthropic", Location.UNKNOWN),
        ("def go(c):\n    c.completions.create(model='gpt-3.5-turbo-instruct', prompt='x')", "openai", Location.UNKNOWN),
        # vLLM's async engine, built by its factory
        ("from vllm import AsyncLLMEngine\nengine = AsyncLLMEngine.from_engine_args(args)\nengine.generate('x', params, 'id')", "vllm", Location.LOCAL),
        # a positional base URL of InferenceClient is its endpoint
        ("from huggingface_hub import InferenceClient\nInferenceClient('http://10.0.0.5:8080').text_generation('x', max_new_tokens=5)", "huggingface", Location.LOCAL),
        # instructor-patched clients make the wrapped SDK's call, through the wrapped client's endpoint
        ("import instructor\nfrom openai import OpenAI\nc = instructor.from_openai(OpenAI(base_url='http://localhost:8000/v1'))\nc.chat.completions.create(model='m', messages=[], response_model=X)", "openai", Location.LOCAL),
        ("import instructor\nfrom openai import OpenAI\nc = instructor.from_openai(OpenAI())\nc.create(model='m', messages=[], response_model=X)", "openai", Location.CLOUD),
        ("import instructor\nfrom openai import OpenAI\nc = instructor.patch(OpenAI(base_url='http://vllm:8000/v1'))\nc.chat.completions.create(model='m', messages=[], response_model=X)", "openai", Location.LOCAL),
        ("import instructor, anthropic\nc = instructor.from_anthropic(anthropic.Anthropic())\nc.messages.create(model='c', max_tokens=5, messages=[], response_model=X)", "anthropic", Location.CLOUD),
        ("import instructor\nfrom litellm import completion\nc = instructor.from_litellm(completion)\nc.create(model='ollama/llama3', messages=[], response_model=X)", "litellm", Location.LOCAL),
        ("import instructor\nclass B:\n    def __init__(self, raw):\n        self.c = instructor.from_openai(raw)\n    def go(self):\n        self.c.create(model='m', messages=[], response_model=X)", "openai", Location.UNKNOWN),
        # functools.partial of an SDK method: its calls are the SDK's calls
        ("import functools\nfrom openai import OpenAI\nask = functools.partial(OpenAI(base_url='http://localhost:8000/v1').chat.completions.create, model='m')\nask(messages=[])", "openai", Location.LOCAL),
        # OpenAI-compatible paths without /v1 (Perplexity, Groq, OpenRouter), and paths after a base held in an attribute
        ("import requests\nrequests.post('https://api.perplexity.ai/chat/completions', json={'model': 'm', 'messages': []})", "http", Location.CLOUD),
        ("import httpx\nhttpx.post('https://api.example.com/completions', json={'model': 'm', 'prompt': 'x'})", "http", Location.CLOUD),
        ("import httpx\nhttpx.post('https://api.example.com/responses', json={'model': 'm', 'input': 'x'})", "http", Location.CLOUD),
        ("import requests\nclass C:\n    def go(self):\n        requests.post(f'{self.api_url}/api/generate', json={'model': 'm', 'prompt': 'x'})", "http", Location.UNKNOWN),
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
        # a bare /completions or /responses path needs the API's body keys; /v1/... does not
        "import requests\nrequests.post('https://example.com/completions', json={'task': 'x'})",
        "import requests\nrequests.post(BASE + '/responses', json={'answers': []})",
        "import requests\ndef send(payload):\n    requests.post('https://example.com/api/completions', json=payload)",
        # `.stream()` / `messages.stream` on something that is not an SDK client
        "def go(chat):\n    chat.messages.stream(room='general')",
        "def go(resp):\n    for chunk in resp.stream():\n        print(chunk)",
        # instructor's other helpers and a partial of something else
        "import instructor\ninstructor.Mode.JSON\ninstructor.from_openai",
        "import functools\nask = functools.partial(print, sep='')\nask('x')",
        "import instructor\nfrom openai import OpenAI\nc = instructor.from_openai(OpenAI())\nc.on('completion:kwargs', print)",
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


def literals(code: str) -> list[tuple[int, str, str]]:
    """The endpoint literals of ``code``: (line, variable, context)."""
    module = cst.parse_module(textwrap.dedent(code))
    model = build(module, POLICY)
    lines = {id(node): line for line, node in _line_index(module)}
    return [(lines[id(literal.node)], literal.env_var, literal.context) for literal in model.endpoint_literals]


def _line_index(module: cst.Module):
    wrapper = cst.MetadataWrapper(module, unsafe_skip_copy=True)
    positions = wrapper.resolve(cst.metadata.PositionProvider)
    return [(position.start.line, node) for node, position in positions.items() if isinstance(node, cst.BaseString)]


@pytest.mark.parametrize(
    "code, expected",
    [
        # an endpoint attribute of an SDK client or module client: whatever the URL
        ("from openai import OpenAI\nc = OpenAI()\nc.base_url = 'https://llm.corp.example/v2'", [(3, "OPENAI_BASE_URL", "`c.base_url`")]),
        ("import litellm\nlitellm.api_base = 'https://llm.corp.example'", [(2, "LITELLM_API_BASE", "`litellm.api_base`")]),
        # a URL that shows an LLM endpoint by itself, on any object
        ("class A:\n    def __init__(self):\n        self.host = 'http://localhost:11434'", [(3, "OLLAMA_HOST", "`self.host`")]),
        ("cfg.api_base = 'https://api.anthropic.com'", [(1, "ANTHROPIC_BASE_URL", "`cfg.api_base`")]),
        ("cfg.base_url = 'https://x.openai.azure.com'", [(1, "OPENAI_BASE_URL", "`cfg.base_url`")]),
        ("cfg.api_url = 'http://10.0.0.7:8000/v1'", [(1, "OPENAI_BASE_URL", "`cfg.api_url`")]),
        ("cfg.api_url = 'https://proxy.example.com/v1/responses'", [(1, "OPENAI_BASE_URL", "`cfg.api_url`")]),
        ("cfg.api_url = 'http://ollama:11434/api/chat'", [(1, "OLLAMA_BASE_URL", "`cfg.api_url`")]),
        ("URL = 'http://localhost:1234/v1'\ncfg.base_url = URL", [(1, "OPENAI_BASE_URL", "`cfg.base_url`")]),
        # look-alikes: not an endpoint attribute, not a URL, or nothing shows an LLM endpoint
        ("cfg.model = 'http://localhost:11434'\ncfg.url = 'http://localhost:11434'", []),
        ("class Db:\n    def __init__(self):\n        self.host = 'localhost'\n        self.base_url = 'http://db:5432'", []),
        ("cfg.base_url = 'https://api.github.com'\ncfg.api_url = 'https://example.com/api/chat'\ncfg.host = 'http://localhost:8080'", []),
        ("cfg.api_url = 'https://example.com/responses'\ncfg.api_url = 'https://example.com/generate'", []),
        ("import os\ncfg.base_url = os.getenv('LLM_URL', 'http://localhost:1234/v1')", [(2, "LLM_URL", "`cfg.base_url`")]),
    ],
)
def test_endpoint_literals_set_on_attributes(code, expected):
    assert literals(code) == expected


def test_an_attribute_read_as_an_llm_endpoint_is_a_literal_once():
    code = """\
        from openai import OpenAI
        class Bot:
            def __init__(self):
                self.base_url = "http://localhost:8000"
                self.a = OpenAI(base_url=self.base_url)
                self.b = OpenAI(base_url=self.base_url)
        class Other:
            def __init__(self):
                self.base_url = "http://localhost:8001"
        """
    assert literals(code) == [(4, "OPENAI_BASE_URL", "`base_url=`")]


def test_a_partial_call_carries_the_partial_keywords_and_its_own():
    (site,) = [
        site
        for site in sites(
            "import functools\nfrom openai import OpenAI\nclient = OpenAI()\n"
            "ask = functools.partial(client.chat.completions.create, model='m', max_tokens=64)\n"
            "ask(messages=[], temperature=0)"
        )
        if site.kind is SiteKind.GENERATION
    ]
    assert site.resolved and site.method.path == "chat.completions.create"
    assert set(site.kwargs.entries) == {"model", "max_tokens", "messages", "temperature"}
    assert site.node.func.value == "ask"


def test_a_patched_client_call_is_the_wrapped_method():
    code = (
        "import instructor\nfrom anthropic import Anthropic\nc = instructor.from_anthropic(Anthropic())\n"
        "c.create(model='c', max_tokens_to_sample=5, max_tokens=9, messages=[], response_model=X)"
    )
    (site,) = [site for site in sites(code) if site.kind is SiteKind.GENERATION]
    assert (site.family.name, site.method.path, site.limit.keys) == ("anthropic", "messages.create", ("max_tokens",))
    assert [found.display_name for found in sites(code)] == ["Anthropic", "c.create"]  # the patcher call is no site


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


FACTORY = f"from openai import OpenAI\ndef make():\n    return OpenAI(base_url={LOCAL_URL})\n"


@pytest.mark.parametrize(
    "code, location",
    [
        # a module-level factory, called and read through a name or directly
        (f"{FACTORY}c = make()\n{CREATE}", Location.LOCAL),
        (f"{FACTORY}def go():\n    make().chat.completions.create(model='m', messages=[])", Location.LOCAL),
        (f"{FACTORY}async def go():\n    c = await make()\n    {CREATE}", Location.LOCAL),
        # a nested factory; a factory returning a name bound in it (the binding that reaches the return)
        (f"from openai import OpenAI\ndef go():\n    def make():\n        return OpenAI(base_url={LOCAL_URL})\n    c = make()\n    {CREATE}", Location.LOCAL),
        (f"from openai import OpenAI\ndef make():\n    c = OpenAI()\n    c = OpenAI(base_url={LOCAL_URL})\n    return c\nc = make()\n{CREATE}", Location.LOCAL),
        # a factory that calls a factory
        (f"{FACTORY}def build():\n    return make()\nc = build()\n{CREATE}", Location.LOCAL),
        # a method through self (defined in a base), cls, the class; static and class methods
        (
            f"from openai import OpenAI\nclass Base:\n    def make(self):\n        return OpenAI(base_url={LOCAL_URL})\n"
            f"class Bot(Base):\n    def go(self):\n        c = self.make()\n        {CREATE}",
            Location.LOCAL,
        ),
        (
            f"from openai import OpenAI\nclass Bot:\n    @staticmethod\n    def make():\n        return OpenAI(base_url={LOCAL_URL})\n"
            f"    @classmethod\n    def go(cls):\n        c = cls.make()\n        {CREATE}",
            Location.LOCAL,
        ),
        (f"from openai import OpenAI\nclass Bot:\n    @classmethod\n    def make(cls):\n        return OpenAI(base_url={LOCAL_URL})\nc = Bot.make()\n{CREATE}", Location.LOCAL),
        # a cached factory
        (f"import functools\nfrom openai import OpenAI\n@functools.cache\ndef make():\n    return OpenAI(base_url={LOCAL_URL})\nc = make()\n{CREATE}", Location.LOCAL),
        (f"from functools import lru_cache\nfrom openai import OpenAI\n@lru_cache(maxsize=1)\ndef make():\n    return OpenAI(base_url={LOCAL_URL})\nc = make()\n{CREATE}", Location.LOCAL),
        # a client or None: the None path adds nothing; returns that disagree leave the endpoint unknown
        (f"from openai import OpenAI\ndef make():\n    if not KEY:\n        return None\n    return OpenAI(base_url={LOCAL_URL})\nc = make()\n{CREATE}", Location.LOCAL),
        (f"from openai import OpenAI\ndef make(local):\n    if local:\n        return OpenAI(base_url={LOCAL_URL})\n    return OpenAI()\nc = make(x)\n{CREATE}", Location.UNKNOWN),
        # a dict of client kwargs: returned as a literal or as a name bound to one
        (f"from openai import OpenAI\ndef client_kwargs():\n    return {{'base_url': {LOCAL_URL}}}\nc = OpenAI(**client_kwargs())\n{CREATE}", Location.LOCAL),
        (f"from openai import OpenAI\ndef client_kwargs():\n    kw = dict(base_url={LOCAL_URL})\n    return kw\nkw = client_kwargs()\nc = OpenAI(**kw)\n{CREATE}", Location.LOCAL),
    ],
)
def test_a_factory_of_the_module_resolves_calls_through_its_result(code, location):
    generation = _generation(code)
    assert len(generation) == 1
    assert generation[0].resolved
    assert generation[0].family.name == "openai"
    assert generation[0].endpoint.location is location


@pytest.mark.parametrize(
    "code",
    [
        # a factory of something the file defines; a generic method on a factory of mixed families
        f"class Fake: ...\ndef make():\n    return Fake()\n{CREATE.replace('c.', 'make().', 1)}",
        "import ollama\nfrom openai import OpenAI\ndef make(x):\n    if x:\n        return ollama.Client()\n    return OpenAI()\nmake(1).chat(model='m', messages=[])",
        # a factory of a factory's dict: no client
        "def settings():\n    return {'model': 'm'}\nsettings().chat(model='m')",
    ],
)
def test_a_factory_of_no_client_gives_no_generation_call(code):
    assert _generation(code) == []


@pytest.mark.parametrize(
    "code",
    [
        # families that disagree, a decorator that may wrap the function, recursion: unresolved
        "import ollama\nfrom openai import OpenAI\ndef make(x):\n    if x:\n        return ollama.Client()\n    return OpenAI()\nmake(1).chat.completions.create(model='m', messages=[])",
        f"from openai import OpenAI\n@retry\ndef make():\n    return OpenAI(base_url={LOCAL_URL})\nc = make()\n{CREATE}",
        f"from openai import OpenAI\ndef make(n):\n    return make(n - 1) if n else OpenAI(base_url={LOCAL_URL})\nc = make(3)\n{CREATE}",
        f"def a():\n    return b()\ndef b():\n    return a()\nc = a()\n{CREATE}",
        f"def make():\n    return\nc = make()\n{CREATE}",
    ],
)
def test_a_factory_that_cannot_be_followed_leaves_the_client_unknown(code):
    (site,) = _generation(code)
    assert not site.resolved
    assert site.endpoint.location is Location.UNKNOWN
