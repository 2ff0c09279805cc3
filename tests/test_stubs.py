"""Partial parsing (``stubs.py``) never changes a result: every example, rule example, fixture and
golden input, the triage's look-alikes, look-alikes of partial parsing's own and generated
programs give the same findings and facts with the bodies blanked and without; and what is
blanked is blanked line for line."""

from __future__ import annotations

import ast
import textwrap

import libcst as cst
import pytest
from hypothesis import given

from budgetlint import stubs, timing, triage
from budgetlint.engine import FileResult, Job, lint_source
from budgetlint.rules import ALL_RULES

from .helpers import make_policy
from .test_fuzz import FUZZ, llm_programs
from .test_prefilter import FILES, REPOSITORY, _examples
from .test_triage import LOOK_ALIKES

JOB = Job(make_policy(), ALL_RULES, report_suppressions=True)


def _both(source: bytes, name: str, job: Job, monkeypatch: pytest.MonkeyPatch) -> FileResult:
    """The result with partial parsing and without, which must be the same; returns the former."""
    with monkeypatch.context() as patch:
        patch.setenv(stubs.SWITCH, "1")
        whole = lint_source(source, name, job)
    partial = lint_source(source, name, job)
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        tree = None
    reduced = stubs.reduced(tree, source) if tree is not None and not name.endswith(".ipynb") else None
    if reduced is not None:
        cst.parse_module(reduced)  # never a silent fallback to the whole file
    assert partial.findings == whole.findings
    assert partial.facts == whole.facts
    assert partial.parsed == whole.parsed
    return whole


def _reduced(code: str) -> str | None:
    source = code.encode()
    found = stubs.reduced(ast.parse(source), source)
    return found.decode() if found is not None else None


@pytest.mark.parametrize("example", _examples())
def test_every_rule_example_gives_the_same_result_with_bodies_blanked(example, monkeypatch):
    job = Job(make_policy(**example.options), ALL_RULES, report_suppressions=True)
    _both(textwrap.dedent(example.code).encode(), "example.py", job, monkeypatch)


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.relative_to(REPOSITORY).as_posix())
def test_every_example_fixture_and_golden_file_gives_the_same_result_with_bodies_blanked(path, monkeypatch):
    _both(path.read_bytes(), path.name, JOB, monkeypatch)


@pytest.mark.parametrize("code", LOOK_ALIKES.values(), ids=LOOK_ALIKES.keys())
def test_the_triage_look_alikes_give_the_same_result_with_bodies_blanked(code, monkeypatch):
    _both(textwrap.dedent(code).encode(), "look_alike.py", JOB, monkeypatch)


UNRELATED = """
def unrelated(values):
    total = 0
    for value in values:
        total += value
    return total
"""
"""Appended to each look-alike: a function nothing needs, so that something is blanked."""

# what the model reads from another unit: each is reported (or has facts) only when the unit it reads is kept
STUB_LOOK_ALIKES = {
    "method-returning-the-client-of-another-method": """\
        from openai import OpenAI
        class Bot:
            def __init__(self):
                self._conn = OpenAI()
            def conn(self):
                return self._conn
            def ask(self, p):
                return self.conn().chat.completions.create(model="m", messages=[p])
            def other(self):
                return sum(range(3))
    """,
    "module-function-returning-the-base-url": """\
        from openai import OpenAI
        def endpoint():
            return "http://10.0.0.5:8000/v1"
        client = OpenAI(base_url=endpoint())
    """,
    "helpers-called-by-the-llm-call": """\
        import ollama
        def build(p):
            return [{"role": "user", "content": p}]
        def options():
            return {"num_predict": -1}
        def ask(p):
            return ollama.chat(model="llama3", messages=build(p), options=options())
    """,
    "wrapper-called-in-a-loop-by-another-function": """\
        from openai import OpenAI
        client = OpenAI()
        def ask(p, **kwargs):
            return client.chat.completions.create(model="m", messages=[p], **kwargs)
        def run(items):
            for item in items:
                ask(item)
    """,
    "method-wrapper-called-through-self": """\
        import anthropic
        class Agent:
            def __init__(self):
                self.llm = anthropic.Anthropic()
            def _call(self, p, max_tokens):
                return self.llm.messages.create(model="claude", messages=[p], max_tokens=max_tokens)
            def loop(self):
                while True:
                    self._call("hi", max_tokens=None)
    """,
    "client-bound-by-a-global-write": """\
        from openai import OpenAI
        client = None
        def setup():
            global client
            client = OpenAI(base_url="http://10.0.0.5:8000/v1")
        def ask(p):
            return client.chat.completions.create(model="m", messages=[p])
    """,
    "class-attribute-default-url": """\
        from openai import OpenAI
        class Bot:
            base = "http://10.0.0.5:8000/v1"
            def other(self):
                return 1
            def __init__(self):
                self.client = OpenAI(base_url=self.base)
    """,
    "decorated-function-and-factory": """\
        import functools
        from openai import OpenAI
        @functools.cache
        def make():
            return OpenAI(base_url="http://10.0.0.5:8000/v1")
        def traced(f):
            @functools.wraps(f)
            def inner(*args, **kwargs):
                return f(*args, **kwargs)
            return inner
        @traced
        def ask(p):
            return make().chat.completions.create(model="m", messages=[p])
    """,
    "nested-class-holding-the-url": """\
        from openai import OpenAI
        class Outer:
            class Config:
                url = "http://10.0.0.5:8000/v1"
                def helper(self):
                    return 2
            def __init__(self):
                self.client = OpenAI(base_url=self.Config.url)
            def ask(self, p):
                return self.client.chat.completions.create(model="m", messages=[p])
            def other(self):
                return sum(range(3))
    """,
    "factory-nobody-calls": """\
        from openai import OpenAI
        _client = OpenAI(base_url="http://10.0.0.5:8000/v1")
        def get_client():
            return _client
    """,
    "client-in-a-local-variable": """\
        from openai import OpenAI
        def make():
            return OpenAI()
        def ask(p):
            c = make()
            return c.chat.completions.create(model="m", messages=[p])
    """,
    "environ-through-an-alias": """\
        from os import environ as env
        def setup():
            env["OPENAI_BASE_URL"] = "http://10.0.0.5:8000/v1"
    """,
    "distinctive-path-split-across-methods": """\
        class Bot:
            def __init__(self, client):
                self.comp = client.chat.completions
            def ask(self, p):
                return self.comp.create(model="m", messages=[p])
    """,
    "project-import-in-a-function": """\
        from openai import OpenAI
        client = OpenAI()
        def lazy():
            from app.llm import helper
            return helper
    """,
    "partial-of-a-method-in-another-function": """\
        import functools
        from openai import OpenAI
        client = OpenAI()
        def sender():
            return functools.partial(client.chat.completions.create, model="m")
        def ask(p):
            send = sender()
            return send(messages=[p])
    """,
    "method-of-a-subclass-of-the-client": """\
        from openai import OpenAI
        class Bot(OpenAI):
            name = "bot"
            def ask(self, p):
                return self.chat.completions.create(model="m", messages=[p])
            def describe(self):
                return self.name
    """,
    "client-in-a-class-field-read-by-a-method": """\
        from typing import Optional
        from openai import OpenAI
        class Bot:
            client: Optional[OpenAI] = None
            store: bool = False
            def get_client(self):
                if self.client is None:
                    self.client = OpenAI(base_url="http://10.0.0.5:8000/v1")
                return self.client
            def ask(self, p):
                return self.get_client().chat.completions.create(model="m", messages=[p])
            def flags(self):
                return {"store": self.store}
    """,
    "aliased-client-among-other-imports": """\
        from openai import APIError, OpenAI as Client, RateLimitError
        def make():
            return Client(base_url="http://10.0.0.5:8000/v1")
        def retryable(error: RateLimitError) -> bool:
            return isinstance(error, APIError)
    """,
    "escalation-across-helpers": """\
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
}


@pytest.mark.parametrize("code", STUB_LOOK_ALIKES.values(), ids=STUB_LOOK_ALIKES.keys())
def test_look_alikes_give_the_same_result_with_bodies_blanked(code, monkeypatch):
    source = textwrap.dedent(code) + UNRELATED
    assert _reduced(source) is not None  # something is blanked (at least `unrelated`)
    result = _both(source.encode(), "look_alike.py", JOB, monkeypatch)
    assert result.findings or result.facts["summary"]["names"] or result.facts["needs"], result  # there is something to lose


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_look_alikes_give_the_same_result_with_crlf_and_tabs(newline, monkeypatch):
    for code in STUB_LOOK_ALIKES.values():
        source = (textwrap.dedent(code) + UNRELATED).replace("    ", "\t").replace("\n", newline)
        _both(source.encode(), "look_alike.py", JOB, monkeypatch)


def test_the_units_nothing_needs_are_blanked_line_for_line():
    code = textwrap.dedent(STUB_LOOK_ALIKES["nested-class-holding-the-url"]) + UNRELATED + "class Plain:\n    x = 1\n    def m(self):\n        return 1\n"
    reduced = _reduced(code)
    assert reduced is not None
    lines, kept = code.splitlines(keepends=True), reduced.splitlines(keepends=True)
    assert len(kept) == len(lines)
    blanked = {number for number, (old, new) in enumerate(zip(lines, kept), 1) if old != new}
    # `other`'s body, `unrelated`'s body, and `Plain`'s whole body; the nested class is kept whole
    assert [kept[number - 1] for number in sorted(blanked)] == [
        "        pass\n",
        "    pass\n", "\n", "\n", "\n",
        "    pass\n", "\n", "\n",
    ]
    assert "def other(self):" in reduced and "def unrelated(values):" in reduced and "class Plain:" in reduced
    assert "self.client.chat.completions.create" in reduced and 'url = "http://10.0.0.5:8000/v1"' in reduced
    assert "def helper(self):\n            return 2" in reduced


def test_a_method_reading_only_fields_the_sites_do_not_reach_is_blanked():
    # each class-body statement is a unit of its own: `flags` and `to_dict` read `store` (and the
    # base class through `super()`), not the field holding the client, so they are not needed
    code = textwrap.dedent(STUB_LOOK_ALIKES["client-in-a-class-field-read-by-a-method"]) + (
        "    def to_dict(self):\n"
        "        found = super().to_dict()\n"
        "        found.update(store=self.store)\n"
        "        return found\n"
    )
    reduced = _reduced(code)
    assert reduced is not None
    assert "def flags(self):\n        pass\n" in reduced and "def to_dict(self):\n        pass\n" in reduced
    assert "client: Optional[OpenAI] = None" in reduced and "store: bool = False" in reduced
    assert "return self.get_client().chat.completions.create" in reduced and "self.client = OpenAI(" in reduced


def test_a_name_imported_beside_the_client_reaches_only_its_own_import():
    # `APIError` comes from the statement importing `OpenAI`, but resolves to `openai.APIError` alone
    code = textwrap.dedent(STUB_LOOK_ALIKES["method-returning-the-client-of-another-method"]).replace(
        "from openai import OpenAI", "from openai import APIError, OpenAI"
    ) + "    def failed(self, error: APIError) -> bool:\n        return error.code == 429\n"
    reduced = _reduced(code)
    assert reduced is not None and "def failed(self, error: APIError) -> bool:\n        pass\n" in reduced
    assert "return self.conn().chat.completions.create" in reduced


def test_each_line_keeps_its_own_ending_and_tabs():
    code = "import openai\r\ndef f():\r\n\tx = 1\n\treturn x\r\n"
    assert _reduced(code) == "import openai\r\ndef f():\r\n\tpass\n\r\n"


def test_a_body_starting_with_a_decorated_method_is_blanked_from_its_decorator():
    code = "class C(B):\n    @dec(\n        1)\n    def f(self):\n        return 1\n\nclass D:\n    x = 1\n"
    reduced = _reduced(code)
    assert reduced == "class C(B):\n    pass\n\n\n\n\nclass D:\n    pass\n"
    cst.parse_module(reduced)


@pytest.mark.parametrize(
    "code",
    [
        "def f(): return 1\n",  # the body on the def's line
        "def f(a,\n      b): return a\n",  # on the signature's last line
        "def f(): \\\n    return 1\n",  # a line continued into it
        "class C: x = 1\n",
    ],
)
def test_a_body_that_does_not_start_a_line_of_its_own_is_kept(code):
    assert _reduced(code) is None


@pytest.mark.parametrize("code", ["def f():\n    return 1\n\x0c\n", "def f():\r    return 1\r", "x = 1\rdef f():\n    return 1\n"])
def test_unusual_files_are_parsed_whole(code):
    assert _reduced(code) is None


def test_the_switch_turns_it_off_and_only_the_first_phase_without_fixes_uses_it(monkeypatch, tmp_path):
    source = (textwrap.dedent(STUB_LOOK_ALIKES["client-in-a-local-variable"]) + UNRELATED).encode()
    counted: list[tuple[str, int]] = []
    monkeypatch.setattr(timing, "count", lambda name, number=1: counted.append((name, number)))
    lint_source(source, "a.py", JOB)
    assert ("stubbed files", 1) in counted
    assert next(number for name, number in counted if name == "parsed bytes") < len(source)
    for job, env in ((JOB, "1"), (Job(make_policy(), ALL_RULES, report_suppressions=True, fix=True), "")):
        counted.clear()
        monkeypatch.setenv(stubs.SWITCH, env)
        lint_source(source, "a.py", job)
        assert ("parsed bytes", len(source)) in counted and ("stubbed files", 1) not in counted


@FUZZ
@given(llm_programs())
def test_llm_shaped_programs_give_the_same_result_with_bodies_blanked(source):
    with pytest.MonkeyPatch.context() as monkeypatch:
        _both(source.encode("utf-8", "surrogatepass"), "fuzz.py", JOB, monkeypatch)


def test_partial_parsing_reads_the_units_words_from_the_triages_walk(monkeypatch):
    source = (textwrap.dedent(STUB_LOOK_ALIKES["client-in-a-local-variable"]) + UNRELATED).encode()
    gathered: list[dict] = []
    passed: list[object] = []
    gather, reduced = triage.gather, stubs.reduced
    monkeypatch.setattr(triage, "gather", lambda tree: gathered.append(gather(tree)) or gathered[-1])
    monkeypatch.setattr(stubs, "reduced", lambda tree, source, nodes=None: passed.append(nodes) or reduced(tree, source, *([nodes] if nodes else [])))
    lint_source(source, "a.py", JOB)
    assert len(gathered) == 1 and passed == gathered  # one walk of the tree, for both


def test_statements_sharing_a_line_are_one_unit_and_a_decorator_belongs_to_its_def():
    code = (
        "from openai import OpenAI\n"
        "client = OpenAI(); model = pick()\n"
        "def pick():\n    return 'gpt-4o'\n"
        "@register(\n    'x')\ndef unused():\n    return 1\n"
        "def ask():\n    return client.chat.completions.create(model=model, messages=[])\n"
    )
    assert _reduced(code) == code.replace("def unused():\n    return 1\n", "def unused():\n    pass\n")
