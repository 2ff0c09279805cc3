"""Property tests (SPEC §7): budgetlint never crashes on input, and what it reports stays inside the file.

Generated programs come from hypothesmith (any valid Python) and from a strategy of our own that
writes LLM-call-shaped code (SDK imports, clients, calls with odd argument shapes, dict
mutations, loops, classes), which is what reaches deep into the call-site model. Arbitrary bytes
and YAML documents check the input boundaries.

Bounded for CI; run longer locally with e.g. ``BUDGETLINT_FUZZ_EXAMPLES=2000 pytest tests/test_fuzz.py``.
"""

from __future__ import annotations

import ast
import os
import string
import tempfile
import warnings
from pathlib import Path
from unittest import mock

import hypothesmith
import libcst as cst
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from budgetlint import triage
from budgetlint.cli import main
from budgetlint.codes import ENGINE_CODES
from budgetlint.engine import Job, lint_source
from budgetlint.runner import lint_file
from budgetlint.intake import source_lines
from budgetlint.policy import Policy, Tier
from budgetlint.rules import ALL_RULES

pytestmark = [
    # hypothesmith compiles what it generates: CPython's warnings about that code are not ours
    pytest.mark.filterwarnings("ignore::SyntaxWarning"),
    pytest.mark.filterwarnings("ignore:invalid escape sequence:DeprecationWarning"),
]

EXAMPLES = int(os.environ.get("BUDGETLINT_FUZZ_EXAMPLES", "30"))
"""Examples per property; CI keeps the default small."""

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    derandomize=EXAMPLES <= 100,  # CI: the same examples every run; longer local runs explore
    database=None,
)
SLOW_FUZZ = settings(FUZZ, max_examples=max(EXAMPLES // 2, 5))
"""Properties that lint each example several times (--fix), or whose programs are slow to generate."""
CLI_FUZZ = settings(FUZZ, max_examples=max(EXAMPLES // 4, 5))
"""Through the command line (a temporary project per example): fewer examples."""

JOB = Job(policy=Policy(), rules=ALL_RULES, report_suppressions=True)
STRICT_HARD = Job(policy=Policy(tier=Tier.HARD, strict=True, max_output_tokens=1000), rules=ALL_RULES, report_suppressions=True)
FIX = Job(policy=Policy(tier=Tier.HARD, max_output_tokens=1000), rules=ALL_RULES, report_suppressions=True, fix=True, unsafe_fixes=True)
KNOWN_CODES = {rule.code for rule in ALL_RULES} | set(ENGINE_CODES)
PREFIX = "import openai  # os.environ[...]\n"
"""Words that get every file past the byte-level prefilter: with it, every program is parsed and modelled."""


def parses(source: str | bytes) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(source, "<fuzz>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return False
    return True


def assert_inside(findings, text: str) -> None:
    """Every finding's start (and end) is a position of ``text``: line 1..N, column 1..len(line)+1."""
    lines = source_lines(text)
    for finding in findings:
        assert finding.code in KNOWN_CODES, finding
        assert 1 <= finding.line <= len(lines), (finding, len(lines))
        assert 1 <= finding.column <= len(lines[finding.line - 1]) + 1, (finding, lines[finding.line - 1])
        end_line = finding.end_line or finding.line
        assert finding.line <= end_line <= len(lines), finding
        if finding.end_column is not None:
            assert 1 <= finding.end_column <= len(lines[end_line - 1]) + 1, (finding, lines[end_line - 1])


def assert_no_internal_error(findings) -> None:
    internal = [f for f in findings if f.code == "BL000" and "internal error" in f.message]
    assert not internal, internal[0].message


# --- LLM-call-shaped programs ----------------------------------------------------------------

IMPORTS = [
    "import openai",
    "import openai as oa",
    "from openai import OpenAI, AsyncOpenAI, AzureOpenAI",
    "from openai import OpenAI as Client",
    "import anthropic",
    "from anthropic import Anthropic",
    "import ollama",
    "from ollama import Client as OllamaClient, Options",
    "import litellm",
    "from litellm import completion, Router",
    "import requests",
    "import httpx",
    "import aiohttp",
    "from vllm import LLM, SamplingParams",
    "from llama_cpp import Llama",
    "from huggingface_hub import InferenceClient",
    "from text_generation import Client as TGI",
    "from langchain_openai import ChatOpenAI",
    "from langchain_ollama import ChatOllama",
    "from langchain_core.runnables import RunnableConfig",
    "from google import genai",
    "from google.genai import types",
    "import google.generativeai as palm",
    "from mistralai import Mistral",
    "import cohere",
    "import groq",
    "from together import Together",
    "import os",
    "import os.path",
    "from os import environ, getenv",
    "import math",
    "import sys",
    "import numpy as np",
    "from math import inf",
    "from . import client",
    "from .llm import client as llm",
    "from app.llm import client",
    "from app import *",
    "import a.b.c as d",
]
NAMES = ["client", "llm", "params", "opts", "cfg", "kwargs", "url", "base", "x", "i", "n", "steps", "messages", "os", "openai", "self", "MAX", "headers"]
KEYWORDS = [
    "model", "messages", "max_tokens", "max_completion_tokens", "max_output_tokens", "max_new_tokens", "num_predict",
    "n_predict", "metadata", "extra_body", "extra_headers", "options", "config", "parameters", "json", "url", "base_url",
    "host", "api_base", "azure_endpoint", "server_url", "default_headers", "headers", "prompt", "input", "contents",
    "generation_config", "user", "tags", "stream", "sampling_params", "max_tokens_to_sample",
]
METHODS = [
    "chat.completions.create", "chat.completions.parse", "chat.completions.stream", "beta.chat.completions.parse",
    "completions.create", "responses.create", "responses.stream", "messages.create", "messages.stream",
    "beta.messages.create", "chat", "generate", "create_chat_completion", "create_completion", "chat_completion",
    "text_generation", "generate_stream", "completion", "acompletion", "responses", "models.generate_content",
    "aio.models.generate_content", "generate_content", "chat.complete", "chat_stream", "post", "invoke", "ainvoke",
    "stream", "batch", "with_options().chat.completions.create", "with_raw_response.chat.completions.create",
    "update", "setdefault", "pop", "get", "__call__", "",
]
RECEIVERS = [
    "openai", "oa", "client", "llm", "self.client", "self.llm", "OpenAI()", "OpenAI(base_url=url)", "Client()",
    "AsyncOpenAI(base_url='http://localhost:8000/v1')", "Anthropic()", "anthropic.Anthropic(base_url=base)", "ollama",
    "OllamaClient('http://gpu.internal:11434')", "litellm", "Router()", "requests", "httpx", "httpx.Client()",
    "requests.Session()", "aiohttp.ClientSession()", "LLM('m')", "Llama(model_path='m')", "Llama.from_pretrained('r')",
    "InferenceClient('http://tgi:8080')", "TGI('http://x')", "ChatOpenAI(max_tokens=5)", "ChatOllama()", "genai.Client()",
    "palm.GenerativeModel('g')", "Mistral(server_url=url)", "cohere.ClientV2()", "groq.Groq()", "Together()",
    "get_client()", "clients[0]", "(client or llm)", "factory()()", "x.y.z",
]
ATOMS = [
    "None", "True", "0", "1", "-1", "-2", "256", "10**9", "1e999", "-1.5", "2048.0", "0x10", "1_000", "1j", "...",
    "float('inf')", "float('nan')", "float(x)", "math.inf", "np.inf", "inf", "sys.maxsize", "'inf'", "''", "'m'",
    "b'bytes'", "'ollama/llama3'", "'gpt-4o'", "f'{x}'", "f'{x!r:>{n}}'", "'a' 'b'", "'a' f'{x}'", "u'x'", "r'\\d'",
    "'http://localhost:11434'", "'https://api.openai.com/v1'", "'http://' + host", "f'http://{host}:8000/v1'",
    "'http://localhost:8000' + '/v1/chat/completions'", "url + '/api/chat'", "f'{url}/completion'",
    "os.environ['OPENAI_BASE_URL']", "os.environ.get('OLLAMA_HOST', 'http://localhost:11434')",
    "os.getenv('X_BASE_URL')", "environ['HOST']", "getenv('API_BASE', 'http://a.b')", "os.environ", "os.environ[x]",
    "x", "n", "MAX", "steps", "params", "kwargs", "self.params", "x.y", "x[0]", "x[1:2]", "x[::]", "x()", "x(*a, **k)",
    "[]", "()", "{}", "[1, *x]", "(1,)", "{1, 2}", "{'feature': 'f'}", "{'num_predict': -1}", "{'max_new_tokens': 5}",
    "dict(feature='x')", "dict(**x)", "Options(num_predict=64)", "types.GenerateContentConfig(max_output_tokens=8)",
    "RunnableConfig(metadata={'feature': 'f'})", "SamplingParams(max_tokens=None)", "{**params}", "{**params, 'k': 1}",
    "{x: 1}", "{None: 1}", "{1: 2}", "{'a': 1, 'a': 2}", "lambda: 1", "lambda *a, **k: a",
    "[m for m in x]", "{k: v for k, v in x}", "(i for i in x)", "x if n else None", "not x", "~1", "-x", "+1",
    "x and n", "x or 1", "1 < n <= MAX", "x is None", "(x := 5)", "x @ n", "x ** -1", "'%s' % x",
    "input()", "sys.stdin.readline()", "len(messages)", "range(10)", "itertools.count()", "iter(int, 1)",
]


def _operand(expression: str) -> str:
    """``expression`` where only a primary is allowed (after ``**``)."""
    return expression if expression.replace(".", "").replace("_", "").isalnum() else f"({expression})"


@st.composite
def expressions(draw, depth: int = 0) -> str:
    choice = draw(st.integers(0, 9 if depth < 2 else 5))
    if choice <= 5:
        return draw(st.sampled_from(ATOMS))
    if choice == 6:
        return draw(calls(depth + 1))
    if choice == 7:
        items = draw(st.lists(st.tuples(st.sampled_from(KEYWORDS + ["**"]), expressions(depth + 1)), max_size=4))
        return "{" + ", ".join(f"**{_operand(v)}" if k == "**" else f"{k!r}: {v}" for k, v in items) + "}"
    if choice == 8:
        return "[" + ", ".join(draw(st.lists(expressions(depth + 1), max_size=3))) + "]"
    return f"({draw(expressions(depth + 1))})"


@st.composite
def arguments(draw, depth: int) -> str:
    args = []
    for _ in range(draw(st.integers(0, 3))):
        args.append(draw(expressions(depth + 1)))
    if draw(st.booleans()):
        args.append("*" + draw(st.sampled_from(["x", "args", "[1]"])))
    keywords = draw(st.lists(st.sampled_from(KEYWORDS), max_size=5, unique=True))
    for keyword in keywords:
        args.append(f"{keyword}={draw(expressions(depth + 1))}")
    if draw(st.booleans()):
        args.append("**" + draw(st.sampled_from(["kwargs", "params", "{'max_tokens': 5}", "dict(a=1)", "opts or {}"])))
    trailing = "," if args and draw(st.booleans()) else ""
    separator = draw(st.sampled_from([", ", ",\n    ", ",\t", " ,  "]))
    return separator.join(args) + trailing


@st.composite
def calls(draw, depth: int = 0) -> str:
    receiver = draw(st.sampled_from(RECEIVERS))
    method = draw(st.sampled_from(METHODS))
    callee = f"{receiver}.{method}" if method else receiver
    return f"{callee}({draw(arguments(depth))})"


def _name(d) -> str:
    return d(st.sampled_from(NAMES))


SIMPLE_STATEMENTS = [
    lambda d: d(calls()),
    lambda d: f"{_name(d)} = {d(expressions())}",
    lambda d: f"{_name(d)} = {d(calls())}",
    lambda d: f"{_name(d)}: dict = {d(expressions())}",
    lambda d: f"{_name(d)}, *{_name(d)} = {d(expressions())}",
    lambda d: f"({_name(d)}, {_name(d)}) = (1, {d(expressions())})",
    lambda d: f"[{_name(d)}] = [{d(expressions())}]",
    lambda d: f"{_name(d)} = {_name(d)} = {d(expressions())}",
    lambda d: f"{_name(d)}[{d(expressions())}] = {d(expressions())}",
    lambda d: f"{_name(d)}[{d(expressions())}][0] = {d(expressions())}",
    lambda d: f"{_name(d)}[1:2] = {d(expressions())}",
    lambda d: f"{_name(d)}.{d(st.sampled_from(KEYWORDS))} = {d(expressions())}",
    lambda d: f"self.{_name(d)} = {d(expressions())}",
    lambda d: f"{_name(d)} {d(st.sampled_from(['+=', '|=', '-=', '//=']))} {d(expressions())}",
    lambda d: f"{_name(d)} = {_name(d)} + 1",
    lambda d: f"os.environ[{d(st.sampled_from(['OPENAI_BASE_URL', 'OLLAMA_HOST', 'X', 'MY_API_BASE']))!r}] = {d(expressions())}",
    lambda d: f"os.environ[{d(expressions())}] = {d(expressions())}",
    lambda d: f"{d(st.sampled_from(['openai.base_url', 'openai.api_base', 'oa.base_url', 'litellm.api_base']))} = {d(expressions())}",
    lambda d: f"{_name(d)}.{d(st.sampled_from(['update', 'setdefault', 'pop', 'clear']))}({d(arguments(1))})",
    lambda d: f"{_name(d)}.setdefault({d(expressions())}, {d(expressions())})",
    lambda d: f"del {_name(d)}",
    lambda d: f"logger.{d(st.sampled_from(['info', 'warning', 'debug']))}({d(st.sampled_from(LOG_MESSAGES))})",
    lambda d: "pass",
    lambda d: f"raise ValueError({d(expressions())}) from None",
    lambda d: f"assert {d(expressions())}, {d(expressions())}",
    lambda d: d(st.sampled_from(IMPORTS)),
    lambda d: f"print({d(expressions())}); {d(calls())}",
    lambda d: f"{d(calls())}  # noqa: {d(st.sampled_from(NOQA))}",
    lambda d: f"{d(calls())}  # budgetlint: {d(st.sampled_from(['ignore', 'ignore[BL001]', 'disable']))}",
]
LOG_MESSAGES = ["'escalating to cloud'", "'fallback to %s'", "x", "f'escalate {x}'", "msg='cloud'"]
NOQA = ["BL001", "BL002", "BL001,BL002 -- reason", "BL9", "", "XYZ --", "BL001 --", "bl001"]
FUNCTION_STATEMENTS = [
    lambda d: f"return {d(expressions())}",
    lambda d: "return",
    lambda d: f"yield {d(expressions())}",
    lambda d: (lambda name: f"global {name}; {name} += 1")(f"tokens_{d(st.integers(0, 10**6))}"),
    lambda d: f"sent = (yield {d(expressions())})",
    lambda d: f"nonlocal_ = {_name(d)}",
]
LOOP_STATEMENTS = [lambda d: "break", lambda d: "continue", lambda d: f"if {d(expressions())}: break"]
ASYNC_STATEMENTS = [lambda d: f"await {d(calls(1))}", lambda d: f"x = await {d(st.sampled_from(RECEIVERS))}.chat.completions.create(model='m', messages=[])"]
PARAMETERS = ["", "self", "self, client", "x, /, y=1, *args, z, **kwargs", "client: OpenAI = OpenAI()", "*, params=None", "cls, client"]
LOOP_TESTS = ["True", "1", "x", "not done", "steps < MAX", "i <= 10", "len(messages) > 40", "n != 0", "(x := client)"]
DECORATORS = ["staticmethod", "classmethod", "property", "tool()", "functools.cache"]


@st.composite
def blocks(draw, indent: str = "", depth: int = 0, function: bool = False, loop: bool = False, coroutine: bool = False) -> list[str]:
    """Statements at ``indent``; ``function``/``loop``/``coroutine`` say which statements are allowed."""
    pool = list(SIMPLE_STATEMENTS)
    pool += FUNCTION_STATEMENTS if function else []
    pool += LOOP_STATEMENTS if loop else []
    pool += ASYNC_STATEMENTS if coroutine else []
    inner = indent + "    "

    def body(**context) -> list[str]:
        options = {"function": function, "loop": loop, "coroutine": coroutine, **context}
        return draw(blocks(inner, depth + 1, **options))

    lines: list[str] = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.integers(0, 12)) if depth < 4 else 0
        if kind <= 5:
            lines.append(indent + draw(st.sampled_from(pool))(draw))
        elif kind == 6:
            lines += [f"{indent}if {draw(expressions())}:", *body()]
            if draw(st.booleans()):
                lines += [f"{indent}elif {draw(expressions())}:", *body()]
            if draw(st.booleans()):
                lines += [f"{indent}else:", *body()]
        elif kind == 7:
            lines += [f"{indent}while {draw(st.sampled_from(LOOP_TESTS))}:", *body(loop=True)]
        elif kind == 8:
            target = draw(st.sampled_from(["i", "x, y", "(a, *b)", "self.x", "x[0]"]))
            keyword = "async for" if coroutine and draw(st.booleans()) else "for"
            lines += [f"{indent}{keyword} {target} in {draw(expressions())}:", *body(loop=True)]
            if draw(st.booleans()):
                lines += [f"{indent}else:", *body()]
        elif kind == 9:
            target = draw(st.sampled_from(["x", "(a, b)", "client", "self.x"]))
            keyword = "async with" if coroutine and draw(st.booleans()) else "with"
            lines += [f"{indent}{keyword} {draw(calls(1))} as {target}, open('f') as fh:", *body()]
        elif kind == 10:
            lines += [f"{indent}try:", *body()]
            star = "*" if draw(st.booleans()) else ""
            for _ in range(draw(st.integers(1, 2))):
                kind_of_error = draw(st.sampled_from(["Exception", "(ValueError, KeyError)", "openai.APIError"]))
                lines += [f"{indent}except{star} {kind_of_error} as e:", *(body(function=False, loop=False) if star else body())]
            if draw(st.booleans()):
                lines += [f"{indent}finally:", *body()]
        elif kind == 11:
            is_async = draw(st.booleans())
            name = draw(st.sampled_from(["ask", "run", "__init__", "agent"]))
            for decorator in draw(st.lists(st.sampled_from(DECORATORS), max_size=2)):
                lines.append(f"{indent}@{decorator}")
            lines += [
                f"{indent}{'async def' if is_async else 'def'} {name}({draw(st.sampled_from(PARAMETERS))}):",
                *body(function=True, loop=False, coroutine=is_async),
            ]
        else:
            if draw(st.booleans()):
                base = draw(st.sampled_from(["", "(Base)", "(metaclass=M)"]))
                lines += [f"{indent}class {draw(st.sampled_from(['Agent', 'Bot']))}{base}:", *body(function=False, loop=False, coroutine=False)]
            else:
                pattern = draw(st.sampled_from(["{'max_tokens': n}", "[n, *_]", "None", "_", "Point(x=0)", "str() | bytes()"]))
                lines += [f"{indent}match {draw(expressions())}:", f"{inner}case {pattern}:"]
                lines += draw(blocks(inner + "    ", depth + 1, function, loop, coroutine))
    return lines


@st.composite
def llm_programs(draw) -> str:
    """LLM-call-shaped code; only valid programs (CPython compiles them) are kept."""
    header = draw(st.lists(st.sampled_from(IMPORTS), min_size=1, max_size=6))
    body = draw(blocks())
    newline = draw(st.sampled_from(["\n", "\n", "\r\n"]))
    source = newline.join([PREFIX.rstrip("\n"), *header, *body]) + draw(st.sampled_from([newline, ""]))
    assume(parses(source))
    return source


# --- properties: generated programs ---------------------------------------------------------------

def _libcst_parses(text: str) -> bool:
    try:
        cst.parse_module(text)
    except Exception:
        return False
    return True


def _lint_text(text: str, job: Job = JOB):
    """Lint ``text`` in full (the triage off: every program reaches libcst and the model), and
    with the triage, which must never raise and must lose no finding of the full analysis (a
    BL000 for what only libcst refuses aside: a file the triage decides is not given to libcst)."""
    source = text.encode("utf-8", "surrogatepass")
    with mock.patch.dict(os.environ, {triage.SWITCH: "1"}):
        result = lint_source(source, "fuzz.py", job)
    triaged = lint_source(source, "fuzz.py", job)
    assert_no_internal_error(triaged.findings)
    if triaged.parsed or triaged.findings:
        assert triaged.findings == result.findings
    else:
        assert [f.code for f in result.findings] in ([], ["BL000"]), result.findings
    assert_no_internal_error(result.findings)
    assert_inside(result.findings, text)
    if any(f.code == "BL000" for f in result.findings) and not _libcst_parses(text):
        # Valid for CPython, not for libcst (a last line of "\\\r\n"; thousands of implicit string
        # concatenations): a BL000 is the honest answer, and it must lie inside the file.
        return result
    assert result.parsed, result.findings  # valid Python with an SDK import is always parsed and modelled
    assert not [f for f in result.findings if f.code == "BL000"], result.findings
    return result


@FUZZ
@given(hypothesmith.from_grammar())
@example("x = 1\n\\\r\n")  # CPython accepts it, libcst does not: BL000 at 1:1
def test_any_grammatical_program_is_linted_without_an_exception(program):
    source = PREFIX + program
    assume(parses(source))
    _lint_text(source)


@SLOW_FUZZ
@given(hypothesmith.from_node())
def test_any_program_libcst_can_build_is_linted_without_an_exception(program):
    source = PREFIX + program
    assume(parses(source))
    _lint_text(source)


@FUZZ
@given(llm_programs())
def test_llm_shaped_programs_are_linted_without_an_exception_and_findings_stay_in_the_file(source):
    _lint_text(source)
    _lint_text(source, STRICT_HARD)


@SLOW_FUZZ
@given(llm_programs())
def test_fixes_of_llm_shaped_programs_always_parse_and_are_idempotent(source):
    result = lint_source(source.encode("utf-8"), "fuzz.py", FIX)
    assert_no_internal_error(result.findings)
    outcome = result.fix
    if outcome is None or outcome.fixed is None:
        return
    assert not outcome.error, outcome.error
    fixed = outcome.fixed
    ast.parse(fixed)
    cst.parse_module(fixed)
    assert_inside(result.findings, fixed.decode("utf-8"))
    again = lint_source(fixed, "fuzz.py", FIX)
    assert again.fix is None or again.fix.fixed in (None, fixed), "a second --fix changes the fixed file again"


# --- properties: through the command line -------------------------------------------------------

def _run(args: list[str], cwd: Path):
    previous = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, args)
    finally:
        os.chdir(previous)


def _assert_clean_exit(result, allowed=(0, 1)) -> None:
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code in allowed, result.output


@CLI_FUZZ
@given(st.one_of(llm_programs(), hypothesmith.from_grammar().map(lambda program: PREFIX + program)))
def test_check_on_generated_programs_exits_0_or_1_with_findings_inside_the_file(source):
    assume(parses(source))
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        (root / "app.py").write_bytes(source.encode("utf-8", "surrogatepass"))
        result = _run(["check", "--format", "json", "--jobs", "1", "."], root)
        _assert_clean_exit(result)
        import json

        findings = json.loads(result.stdout)["findings"]
    lines = source_lines(source)
    for finding in findings:
        assert finding["code"] != "BL000", finding
        assert 1 <= finding["line"] <= len(lines) and 1 <= finding["column"] <= len(lines[finding["line"] - 1]) + 1, finding


@CLI_FUZZ
@given(llm_programs())
def test_check_fix_on_generated_programs_never_writes_code_that_does_not_parse(source):
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        path = root / "app.py"
        path.write_bytes(source.encode("utf-8"))
        (root / "pyproject.toml").write_text("[tool.budgetlint]\n")
        result = _run(["check", "--fix", "--unsafe-fixes", "--tier", "hard", "--jobs", "1", "."], root)
        _assert_clean_exit(result)
        fixed = path.read_bytes()
        ast.parse(fixed)
        cst.parse_module(fixed)
        leftovers = [p.name for p in root.iterdir() if p.name not in ("app.py", "pyproject.toml", ".budgetlint_cache")]
        assert leftovers == [], "a temporary file was left behind"


# --- properties: arbitrary bytes ----------------------------------------------------------------

HOSTILE_BYTES = st.one_of(
    st.binary(max_size=2000),
    st.text(max_size=500).map(lambda text: text.encode("utf-8", "surrogatepass")),
    st.text(alphabet=string.printable, max_size=500).map(str.encode),
    hypothesmith.from_grammar().map(lambda program: program.encode("utf-8", "surrogatepass")),
)


@FUZZ
@given(HOSTILE_BYTES, st.sampled_from([b"", PREFIX.encode(), b"\xef\xbb\xbf" + PREFIX.encode(), b"# -*- coding: latin-1 -*-\n" + PREFIX.encode()]))
def test_any_bytes_saved_as_py_give_bl000_or_findings_never_an_exception(data, prefix):
    source = prefix + data
    result = lint_source(source, "blob.py", JOB)  # raises only on an internal error
    assert_no_internal_error(result.findings)
    for finding in result.findings:
        assert finding.code in KNOWN_CODES
        assert finding.line >= 1 and finding.column >= 1
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "blob.py"
        path.write_bytes(source)
        from_file = lint_file(str(path), "blob.py", JOB)
    assert from_file.findings == result.findings


@FUZZ
@given(st.lists(st.sampled_from([
    b"import openai\n", b"openai.chat.completions.create(model='m', messages=[])\n", b"\t", b"    ", b"\r\n", b"\r",
    b"\x0c", b"\\\n", b"\xef\xbb\xbf", b"\x00", b"\xff", b"# coding: utf-16\n", b"# -*- coding: bogus -*-\n", b"'''", b"f'{",
    b"if x:\n", b"def f(:\n", b"(" * 50, b")", b"# noqa: BL001\n", b"# budgetlint: ignore-file\n", b"\xe2\x80\xa8", b"\x1a",
    b"\\N{DASH}", b"lambda: (yield)\n", b"match x:\n case 1:\n  pass\n", b"async def f():\n await x\n",
]), max_size=20))
@example([b"# coding: utf-16\n", b"# budgetlint: ignore-file\n"])  # the ignore-file check raised UnicodeDecodeError
def test_hostile_fragments_give_bl000_or_findings_never_an_exception(fragments):
    source = b"".join(fragments)
    result = lint_source(source, "frag.py", JOB)
    assert_no_internal_error(result.findings)
    assert all(f.code in KNOWN_CODES and f.line >= 1 and f.column >= 1 for f in result.findings)


# --- properties: config documents ---------------------------------------------------------------

CONFIG_KEYS = [
    "apiVersion", "kind", "tier", "strict", "ceilings", "max_output_tokens", "agent_loop_iterations", "session_tokens",
    "metering", "features", "feature_tag", "metadata_keys", "headers", "wrappers", "routing", "escalation_log",
    "functions", "message_pattern", "endpoints", "name", "engine", "location", "base_url", "base_url_env",
    "max_model_len", "gpu", "models", "x", "",
]
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=20),
    st.sampled_from(["Guardrails", "Stack", "budgetlint/v1", "soft", "medium", "hard", "local", "cloud", "ollama", "vllm", "(", "[a-", "x" * 300]),
)
YAML_DATA = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(CONFIG_KEYS), st.text(max_size=8)), children, max_size=5),
    ),
    max_leaves=30,
)


@st.composite
def config_documents(draw) -> dict:
    """A mapping shaped like a config file (kind, apiVersion, sections) with anything inside."""
    document = draw(st.dictionaries(st.sampled_from(CONFIG_KEYS), YAML_DATA, max_size=6))
    if draw(st.booleans()):
        document["kind"] = draw(st.sampled_from(["Guardrails", "Stack", "Other", 3]))
    if draw(st.booleans()):
        document["apiVersion"] = "budgetlint/v1"
    return document


FIXTURES = Path(__file__).parent / "fixtures" / "config"


def _leaves(data, path=()):
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _leaves(value, (*path, index))
    yield path


@st.composite
def mutated_fixtures(draw, kind: str) -> dict:
    """The full example file of ``kind`` with a few values replaced or removed: mostly valid
    documents, so validation reaches the semantic checks, the cross-file check and the policy."""
    import copy

    document = copy.deepcopy(yaml.safe_load((FIXTURES / kind / "full.yaml").read_text()))
    paths = [path for path in _leaves(document) if path]
    for _ in range(draw(st.integers(0, 3))):
        path = draw(st.sampled_from(paths))
        parent = document
        for part in path[:-1]:
            if not isinstance(parent, (dict, list)):
                break
            try:
                parent = parent[part]
            except (KeyError, IndexError, TypeError):
                break
        else:
            if isinstance(parent, (dict, list)):
                try:
                    if draw(st.booleans()) and isinstance(parent, dict):
                        parent.pop(path[-1], None)
                    else:
                        parent[path[-1]] = draw(YAML_DATA)
                except (IndexError, TypeError):
                    pass
    return document


YAML_TEXT = st.one_of(
    YAML_DATA.map(lambda data: yaml.safe_dump(data, allow_unicode=True)),
    config_documents().map(lambda data: yaml.safe_dump(data, sort_keys=False)),
    st.text(max_size=300),
    st.text(alphabet="{}[]:-&*!|>'\"#%@` \n\tab1.", max_size=200),
)


@CLI_FUZZ
@given(st.lists(YAML_TEXT, min_size=1, max_size=2), st.sampled_from(["text", "json", "sarif", "github"]))
def test_validate_never_raises_on_any_document(texts, output_format):
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        names = []
        for index, text in enumerate(texts):
            (root / f"c{index}.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
            names.append(f"c{index}.yaml")
        result = _run(["validate", "--format", output_format, *names], root)
    _assert_clean_exit(result)


@CLI_FUZZ
@given(mutated_fixtures("guardrails"), mutated_fixtures("stack"))
def test_validate_never_raises_on_near_valid_pairs_and_check_uses_them(guardrails, stack):
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        (root / ".git").mkdir()
        (root / "guardrails.yaml").write_text(yaml.safe_dump(guardrails, sort_keys=False), encoding="utf-8")
        (root / "stack.yaml").write_text(yaml.safe_dump(stack, sort_keys=False), encoding="utf-8")
        (root / "app.py").write_text(PREFIX + "openai.chat.completions.create(model='m', messages=[], max_tokens=10**9)\n")
        _assert_clean_exit(_run(["validate", "--format", "json", "guardrails.yaml", "stack.yaml"], root))
        _assert_clean_exit(_run(["check", "--format", "json", "--jobs", "1", "."], root))


@FUZZ
@given(config_documents())
def test_validating_a_config_shaped_document_never_raises(document):
    from budgetlint.config import load_file, policy_from

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "guardrails.yaml"
        path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
        loaded, problems = load_file(path, "guardrails.yaml")
    for problem in problems:
        assert problem.line >= 1 and problem.column >= 1 and problem.message
    if loaded is not None and not problems and document.get("kind") == "Guardrails":
        policy_from(loaded.data, None)
