"""The prefilter never loses a finding: every example and fixture, linted with it and without it."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from budgetlint import intake
from budgetlint.engine import Job, lint_source
from budgetlint.prefilter import (
    Prefilter,
    Requirement,
    catalog_requirements,
    environ_written,
    might_matter,
    names_a_key,
)
from budgetlint.rule import Invalid, Valid
from budgetlint.rules import ALL_RULES

from .helpers import make_policy

REPOSITORY = Path(__file__).resolve().parent.parent
FILES = sorted(
    path
    for folder in (REPOSITORY / "examples", REPOSITORY / "tests" / "fixtures")
    for path in folder.rglob("*")
    if path.suffix in (".py", ".ipynb")
)


def _both_ways(source: bytes, name: str, job: Job, monkeypatch: pytest.MonkeyPatch) -> tuple[tuple, tuple]:
    """Findings with the prefilter, then with every file passed to full analysis."""
    with_prefilter = lint_source(source, name, job).findings
    with monkeypatch.context() as patch:
        patch.setattr(intake, "might_matter", lambda source: True)  # the one place it is applied
        without = lint_source(source, name, job).findings
    return with_prefilter, without


def _examples() -> list:
    cases = []
    for rule in ALL_RULES:
        for kind, wrap in (("VALID", Valid), ("INVALID", Invalid)):
            for index, example in enumerate(getattr(rule, kind)):
                example = example if isinstance(example, wrap) else wrap(example)
                cases.append(pytest.param(example, id=f"{rule.code}-{kind.lower()}-{index}"))
    return cases


@pytest.mark.parametrize("example", _examples())
def test_every_rule_example_gives_the_same_findings_without_the_prefilter(example, monkeypatch):
    policy = make_policy(**example.options)
    job = Job(policy, ALL_RULES, report_suppressions=True, every_rule=True)
    found, expected = _both_ways(textwrap.dedent(example.code).encode(), "example.py", job, monkeypatch)
    assert found == expected
    if isinstance(example, Invalid):
        assert found  # the example reports, so the prefilter let it through


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.relative_to(REPOSITORY).as_posix())
def test_every_example_and_fixture_file_gives_the_same_findings_without_the_prefilter(path, monkeypatch):
    job = Job(make_policy(), ALL_RULES, report_suppressions=True, every_rule=True)
    found, expected = _both_ways(path.read_bytes(), path.name, job, monkeypatch)
    assert found == expected


def test_the_examples_and_fixtures_are_there():
    assert len(FILES) >= 5
    assert any(path.suffix == ".ipynb" for path in FILES)


# shapes the prefilter must let through (full analysis reports each)

REPORTED = {
    "import-continued-on-the-next-line": """\
        import os, \\
            langchain_openai
        llm = langchain_openai.ChatOpenAI(model="gpt-4o")
    """,
    "import-in-parentheses": """\
        from langchain_openai import (
            ChatOpenAI,
        )
        llm = ChatOpenAI(model="gpt-4o")
    """,
    "import-after-a-semicolon": """\
        x = 1; from anthropic import Anthropic
        Anthropic().messages.create(model="claude", messages=[])
    """,
    "method-chain-broken-by-a-comment": """\
        def ask(client):
            return (client.chat.  # the v1 surface
                    completions.create(model="m", messages=[]))
    """,
    "method-chain-broken-by-a-continuation": """\
        def ask(client):
            return client.chat.\\
                completions.create(model="m", messages=[])
    """,
    "environ-under-another-name": """\
        from os import environ as env
        env["OPENAI_BASE_URL"] = "http://10.0.0.5:8000/v1"
    """,
    "environ-through-a-variable": """\
        import os
        settings = os.environ
        settings["OPENAI_BASE_URL"] = "http://10.0.0.5:8000/v1"
    """,
    "environ-written-with-an-annotation": """\
        import os
        os.environ["OPENAI_BASE_URL"]: str = "http://10.0.0.5:8000/v1"
    """,
    "environ-written-in-a-chained-assignment": """\
        import os
        url = os.environ["OPENAI_BASE_URL"] = "http://10.0.0.5:8000/v1"
    """,
    "environ-written-in-a-tuple-target": """\
        import os
        os.environ["OPENAI_BASE_URL"], tries = "http://10.0.0.5:8000/v1", 3
    """,
    "environ-written-in-a-list-target": """\
        import os
        [os.environ["OPENAI_BASE_URL"]] = ["http://10.0.0.5:8000/v1"]
    """,
    "environ-written-as-a-with-target": """\
        import os
        with "http://10.0.0.5:8000/v1" as os.environ["OPENAI_BASE_URL"]:
            pass
    """,
    "environ-written-across-lines": """\
        import os
        os.environ[  # the proxy ]
            "OPENAI_BASE_URL"
        ] \\
            = "http://10.0.0.5:8000/v1"
    """,
    "environ-imported-by-name": """\
        from os import environ
        environ['OPENAI_BASE_URL'] = 'http://10.0.0.5:8000/v1'
    """,
    "environ-kept-on-self": """\
        import os
        class Settings:
            def __init__(self):
                self.env = os.environ
            def point(self):
                self.env["OPENAI_BASE_URL"] = "http://10.0.0.5:8000/v1"
    """,
    "environ-through-a-passthrough-method": """\
        import os
        os.environ.with_options()["OPENAI_BASE_URL"] = "http://10.0.0.5:8000/v1"
    """,
    "environ-returned-in-parentheses": """\
        import os
        def environment():
            return(os.environ)
        environment()["OPENAI_BASE_URL"] = "http://10.0.0.5:8000/v1"
    """,
    "environ-bound-by-a-with": """\
        import os
        with(os.environ) as env:
            env["OPENAI_BASE_URL"] = "http://10.0.0.5:8000/v1"
    """,
    "distinctive-method-passing-its-evidence-unpacked": """\
        def ask(client, rest):
            return client.messages.create(max_tokens=None, **rest)
    """,
    "distinctive-method-passing-its-evidence-across-a-comment": """\
        def ask(client, history):
            return client.messages.create(max_tokens=None, messages  # so far
                                          = history)
    """,
    "requests-post-imported-by-name": """\
        from requests import post
        post("http://10.0.0.5:11434/api/generate", json={"model": "m", "prompt": "hi"})
    """,
    "client-behind-a-submodule": """\
        from google import genai
        client = genai.Client()
        client.models.generate_content(model="gemini", contents="hi")
    """,
    "instructor-patched-client-of-a-parameter": """\
        import instructor
        def extract(raw, text):
            client = instructor.from_openai(raw)
            return client.create(model="gpt-4o", messages=[{"role": "user", "content": text}], response_model=User)
    """,
    "partial-of-an-imported-client-method": """\
        from functools import partial
        from app.llm import client
        ask = partial(client.chat.completions.create, model="gpt-4o")
        ask(messages=[])
    """,
    "legacy-anthropic-completions-on-a-parameter": """\
        def complete(client, prompt):
            return client.completions.create(model="claude-2.1", prompt=prompt, max_tokens_to_sample=None)
    """,
    "prompt-caching-beta-on-a-parameter": """\
        def ask(client):
            return client.beta.prompt_caching.messages.create(model="claude", max_tokens=None, messages=[])
    """,
    "distinctive-path-after-an-import-of-its-module": """\
        from langchain_core.messages import AIMessage
        def ask(client):
            return client.messages.stream(model="claude", max_tokens=None, messages=[AIMessage("hi")])
    """,
    "distinctive-path-after-yield-from": """\
        def ask(client):
            yield from client.messages.stream(model="claude", max_tokens=None, messages=[])
    """,
    "distinctive-method-in-an-f-string-field": """\
        def ask(client):
            return f"{client.messages.create(model='claude', max_tokens=None, messages=[])}"
    """,
    "sdk-import-after-strings-and-comments-with-quotes": """\
        NOTE = "it's a 'test'" + f"{ {'a': 1}['a'] }" + r"\\" + '''"quoted" '''  # don't
        from langchain_openai import ChatOpenAI
        llm = ChatOpenAI(model="gpt-4o")
    """,
    "endpoint-attribute-after-a-comment-mark-in-a-string": """\
        import openai
        TAG = "#"
        openai.base_url = "http://localhost:11434/v1"
    """,
    "ollama-path-after-a-base-in-an-attribute": """\
        import requests
        class Local:
            def generate(self, prompt):
                return requests.post(f"{self.api_url}/api/generate", json={"model": "llama3", "prompt": prompt})
    """,
}


@pytest.mark.parametrize("code", REPORTED.values(), ids=REPORTED.keys())
def test_shapes_full_analysis_reports_pass_the_prefilter(code, monkeypatch):
    source = textwrap.dedent(code).encode()
    job = Job(make_policy(), ALL_RULES, report_suppressions=True, every_rule=True)
    found, expected = _both_ways(source, "shape.py", job, monkeypatch)
    assert expected, "full analysis reports this shape"
    assert might_matter(source)
    assert found == expected


# what it keeps out (the point of it: parsing is most of the cost)

SKIPPED = {
    "plain-code": "def create(x):\n    return x.create(model='m')\n",
    "langchain-utilities": "from langchain_community.utils.math import cosine_similarity\nprint(cosine_similarity)\n",
    "requests-get": "import requests\nrequests.get('https://example.com').json()\n",
    "a-messages-attribute": "def last(chat):\n    return chat.messages[-1]\n",
    "reading-the-environment": "import os\nHOME = os.getenv('HOME')\n",
    "reading-an-endpoint-variable": "import os\nurl = os.environ['OPENAI_BASE_URL']\nos.environ.update(HOME='/root')\n",
    "comparing-an-endpoint-variable": "import os\nif os.environ['OPENAI_HOST'] == 'http://localhost:8000':\n    pass\n",
    "testing-for-an-endpoint-variable": "import os\nif 'OPENAI_HOST' not in os.environ:\n    os.environ.setdefault('MODE', 'http://x')\n",
    "a-copy-of-the-environment": "import os\nenv = dict(os.environ)\nenv['OPENAI_HOST'] = 'http://localhost:8000'\n",
    "a-distinctive-path-without-its-evidence": "def read(chat):\n    return chat.messages.stream(timeout=5) if chat.model == 'm' else None\n",
    "environ-in-a-docstring": '"""Set os.environ["OPENAI_BASE_URL"] before calling."""\nconfig = {}\nconfig["HOST"] = "http://localhost:8000"\n',
    "instructor-without-a-patcher": "import instructor\nclass User(instructor.OpenAISchema):\n    name: str\n",
    "a-partial-of-something-else": "from functools import partial\nask = partial(print, sep='')\nask('x')\n",
    "a-distinctive-segment-only-in-an-imported-module": (
        "from langchain_core.messages import AIMessage\nimport vendor.chat.completions as c\n"
        "def run(llm, **kwargs):\n    messages = [AIMessage('')]\n    return llm.stream(messages, **kwargs), c.create(model='m')\n"
    ),
    "an-sdk-import-only-in-a-docstring": (
        'class Toolkit:\n    """Example:\n\n    .. code-block:: python\n\n        from langchain_openai import ChatOpenAI\n'
        '        llm = ChatOpenAI(model="gpt-4o")\n    """\n'
    ),
    "an-endpoint-attribute-only-in-a-docstring": (
        'class Local:\n    """A local server.\n    base_url: defaults to "http://localhost:11434/v1".\n    """\n\n'
        '    base_url: str = "http://localhost:11434/v1"\n'
    ),
    "a-distinctive-method-only-in-a-comment": (
        "def run(chat, **kwargs):\n    # like client.messages.create(model=...), in one call\n    return chat.invoke(**kwargs)\n"
    ),
}


@pytest.mark.parametrize("code", SKIPPED.values(), ids=SKIPPED.keys())
def test_files_that_cannot_hold_a_finding_are_not_parsed(code):
    assert not might_matter(code.encode())
    result = lint_source(code.encode(), "plain.py", Job(make_policy(), ALL_RULES, report_suppressions=True))
    assert (result.parsed, result.findings) == (False, ())


def test_an_sdk_module_import_alone_is_parsed():
    """A module that is itself a client passes on its name: its syntax errors are reported."""
    assert might_matter(b"import openai\n")
    assert might_matter(b"import ollama\n")


NOT_IMPORTED = {
    "a package's own module named like the SDK": "from agno.models.openai import OpenAIChat\nOpenAIChat(id='gpt-4o').run('hi')\n",
    "the SDK's name only in a string and a name": "provider = 'openai'\nopenai = registry[provider]\nopenai.OpenAI()\n",
    "a relative import": "from .openai import OpenAI\nOpenAI().chat.create()\n",
    "a submodule of another package": "import vendor.openai\nvendor.openai.OpenAI()\n",
    "a longer module name": "import openai_compat\nopenai.OpenAI()\n",
}


@pytest.mark.parametrize("code", NOT_IMPORTED.values(), ids=NOT_IMPORTED.keys())
def test_an_sdk_name_the_file_does_not_import_is_not_a_reason_to_parse(code):
    assert not might_matter(code.encode())


def test_a_syntax_error_is_reported_where_an_sdk_is_imported_not_where_it_is_only_named():
    job = Job(make_policy(), ALL_RULES, report_suppressions=True)
    named = lint_source(b"!pip install openai\nprint('uses openai')\n", "colab.py", job)
    imported = lint_source(b"!pip install openai\nimport openai\n", "colab.py", job)
    assert (named.parsed, named.findings) == (False, ())
    assert [finding.code for finding in imported.findings] == ["BL000"]


IMPORTED = {
    "plain": "import openai\n",
    "from a submodule": "from openai.types import ChatCompletion\n",
    "in a one-line try": "try: import openai\nexcept ImportError: openai = None\n",
    "after a semicolon": "import os; import openai\n",
    "later in the list, after a continuation": "import os, \\\n    openai as oa\n",
    "from across a continuation": "from \\\n  openai import OpenAI\n",
    "indented with a tab, CR line endings": "if True:\r\tfrom openai import OpenAI\r",
    "after a byte order mark": "\ufeffimport openai\n",
    "in a one-line if, after a form feed": "\x0cif x: from openai import OpenAI\n",
}


@pytest.mark.parametrize("code", IMPORTED.values(), ids=IMPORTED.keys())
def test_every_way_to_import_an_sdk_module_passes(code):
    assert might_matter(code.encode())


def test_words_count_only_whole():
    assert not might_matter(b"import requestsx\nrequestsx.post('http://localhost:11434/api/chat')\n")
    assert might_matter(b"import requests\nrequests.post('http://localhost:11434/api/chat')\n")


def test_an_http_request_passes_only_with_the_words_of_an_llm_api_path():
    """``matching._http`` reports a request only to an LLM API path written in the file."""
    assert not might_matter(b"import requests\nrequests.post(url, json=payload)\n")
    assert not might_matter(b"import httpx\nhttpx.post('https://example.com/upload', data=blob)\n")
    assert might_matter(b"import httpx\nhttpx.post(f'{BASE}/v1/chat/completions', json=body)\n")
    assert might_matter(b"import requests\nURL = 'http://gpu:8080/generate'\nrequests.post(URL, json=body)\n")


def test_a_file_in_an_encoding_whose_identifiers_may_not_be_ascii_always_passes():
    assert might_matter(b"# -*- coding: utf-16 -*-\nx = 1\n")
    assert not might_matter(b"# -*- coding: latin-1 -*-\nx = 1\n")


def test_a_requirement_needs_all_its_words():
    prefilter = Prefilter([Requirement("alpha", frozenset({"Beta"}), frozenset({"gamma"}))])
    assert prefilter(b"import alpha\nalpha.Beta().gamma()\n")
    assert not prefilter(b"import alpha\nalpha.Beta()\n")
    assert not prefilter(b"import alpha\nalpha.Beta(gamma)\n")  # gamma is not an attribute
    assert prefilter(b"import alpha\nalpha.Beta().  # note\n  gamma\n")


def test_every_catalog_client_and_distinctive_method_has_a_requirement():
    from budgetlint import catalog

    anchors = {requirement.anchor for requirement in catalog_requirements()}
    roots = {qualname.split(".")[0] for client in catalog.CLIENTS for qualname in client.qualnames}
    assert roots <= anchors
    assert "environ" in anchors


def test_a_key_is_looked_for_in_linear_time_after_a_comment_of_hashes():
    """A string followed by a separator comment (``"x"  ####...``): the pattern joining
    implicitly concatenated strings once tried every split of the hashes into comments."""
    source = b'import os\nos.environ["A"] = "x"  ' + b"#" * 60 + b'\nos.environ["B"] = "HO" "ST"\n'
    assert names_a_key(source, frozenset({"HOST"}))
    assert not names_a_key(source.replace(b'"HO" "ST"', b'"HO" "ME"'), frozenset({"HOST"}))


ENVIRON_USES = {
    b'os.environ["a]b"] = url\n': True,
    b"os.environ['''a\n]'''] = url\n": True,
    b'os.environ[f"{key}"] == url\n': True,
    b'os.environ[rb"\\"]"] , x = url, 1\n': True,
    b"env = os.environ\n['a']\n": True,
    b"env = (os.environ)\n": True,
    b"(k in os.environ) or os.environ\n": True,
    b"from os import environ as env\n": True,
    b'os.environ["x"] == url\n': False,
    b'os.environ["x"][0] = url\n': False,
    b"os.environ.copy()['a'] = url\n": True,  # resolve looks through copy (a client's)
    b"os.environ.get('x') or os.environ.keys()\n": False,
    b"from os import environ\nif key in environ: print(dict(environ), f()(os.environ))\n": False,
}


@pytest.mark.parametrize(("source", "written"), ENVIRON_USES.items(), ids=[repr(source) for source in ENVIRON_USES])
def test_a_write_to_the_environment_is_told_by_its_shape(source, written):
    assert environ_written(source) is written


def test_no_set_of_words_is_built_for_a_file_without_an_anchor(monkeypatch):
    """Most files hold no anchor: building the set of their words took a third of the prefilter's time."""
    from budgetlint import prefilter

    built = []
    monkeypatch.setattr(prefilter, "set", lambda *args: built.append(args) or set(*args), raising=False)
    assert not might_matter(b"import numpy as np\n\nvalues = np.zeros(3)\n" * 50)
    assert built == []
    assert might_matter(b"# -*- coding: utf-16 -*-\nx = 1\n")  # a foreign encoding still passes
    assert might_matter(b"import openai\n") and built


def test_the_prefilter_is_imported_once_not_for_every_file(monkeypatch):
    """``intake.might_matter`` imports the prefilter on first use (a run the cache answers needs none): an
    import statement run for each of 2,000 files cost a quarter of the prefilter's own time."""
    import builtins

    intake.might_matter(b"x = 1\n")
    imports = []
    real = builtins.__import__
    monkeypatch.setattr(builtins, "__import__", lambda *args, **kwargs: imports.append(args[0]) or real(*args, **kwargs))
    assert not intake.might_matter(b"x = 1\n") and intake.might_matter(b"import openai\n")
    assert imports == []


def test_building_the_prefilter_compiles_no_pattern_and_screening_only_what_it_needs(monkeypatch):
    """A warm run screens one changed file: it compiles the patterns that file needs when they
    are needed, not the ~80 of every requirement when the prefilter is built."""
    from budgetlint import prefilter

    compiled: list[bytes] = []

    def counting(pattern, flags=0):
        compiled.append(pattern)
        return original(pattern, flags)

    original = prefilter.re.compile
    monkeypatch.setattr(prefilter.re, "compile", counting)
    built = Prefilter(catalog_requirements())
    assert compiled == []
    for words in (b"messages create", b"import openai\nopenai.api_key = key\n"):
        built(words)
    assert len(compiled) <= 2
    assert built(b"import openai\nclient = openai.OpenAI()\n")
