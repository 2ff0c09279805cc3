"""`budgetlint inventory`: every recognised call site, described, as text, JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from budgetlint.cli import main
from budgetlint.inventory_report import FIELDS

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"

STACK = """\
apiVersion: budgetlint/v1
kind: Stack
endpoints:
  - name: local-vllm
    engine: vllm
    location: local
    base_url_env: VLLM_BASE_URL
    openai_compatible: true
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty repository, made the working directory."""
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(root: Path, relative: str, code: str) -> Path:
    target = root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(textwrap.dedent(code), encoding="utf-8")
    return target


def run(*args: str):
    return CliRunner().invoke(main, ["inventory", *args], catch_exceptions=False)


def sites(*args: str) -> list[dict]:
    result = run("--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["sites"]


def at(found: list[dict], path: str, line: int) -> dict:
    matches = [site for site in found if site["path"] == path and site["line"] == line]
    assert len(matches) == 1, found
    return matches[0]


def test_examples_app_lists_each_generation_call(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(EXAMPLES)
    found = sites()
    assert [(site["path"], site["line"], site["column"]) for site in found] == [
        ("support_bot/agent.py", 14, 17),
        ("support_bot/answer.py", 18, 17),
        ("support_bot/answer.py", 21, 17),
        ("support_bot/answer.py", 27, 14),
        ("support_bot/summarize.py", 17, 17),
        ("support_bot/summarize.py", 22, 17),
        ("support_bot/summarize.py", 30, 18),
    ]
    local = at(found, "support_bot/answer.py", 18)
    assert (local["family"], local["api"], local["client"], local["endpoint"]) == ("openai", "chat.completions.create", "local_llm", "local")
    assert (local["model"], local["limit"], local["limit_key"], local["feature_tag"], local["function"]) == (
        "meta-llama/Llama-3.1-8B-Instruct", "unbounded", "max_tokens", "none", "answer"
    )
    cloud = at(found, "support_bot/answer.py", 21)
    assert (cloud["endpoint"], cloud["limit"], cloud["limit_value"], cloud["feature_tag"], cloud["feature_tag_value"]) == (
        "cloud", "value", 512, "value", "support-bot"
    )
    sentinel = at(found, "support_bot/answer.py", 27)
    assert (sentinel["family"], sentinel["api"], sentinel["client"], sentinel["limit"], sentinel["limit_value"]) == (
        "ollama", "generate", "ollama", "unbounded", -1
    )
    constant = at(found, "support_bot/summarize.py", 30)
    assert (constant["limit"], constant["limit_value"], constant["limit_source"]) == ("value", 300, "MAX_SUMMARY_TOKENS")
    assert all(site["wrappers"] == [] for site in found)


def test_examples_app_sites_cover_every_call_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    """What check reports at a call (BL001/2/3/5) is at a listed site: the inventory shows what the rules see."""
    monkeypatch.chdir(EXAMPLES)
    listed = {(site["path"], site["line"], site["column"]) for site in sites()}
    report = json.loads(CliRunner().invoke(main, ["check", "--format", "json", "--exit-zero", "--no-cache"]).stdout)
    at_calls = {(f["path"], f["line"], f["column"]) for f in report["findings"] if f["code"] in ("BL001", "BL002", "BL003", "BL005")}
    assert at_calls and at_calls <= listed


def test_text_is_an_aligned_table_with_a_summary(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(EXAMPLES)
    result = run()
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["location", "family", "api", "client", "endpoint", "model", "limit", "feature", "tag", "function"]
    column = lines[0].index("endpoint")
    row = next(line for line in lines if line.startswith("support_bot/answer.py:18:17"))
    assert row[column:].startswith("local ")
    assert "unbounded (no max_tokens)" in row
    assert lines[-1] == "7 call sites in 5 files."


def test_each_sdk_family(project: Path) -> None:
    write(project, "calls.py", """\
        import anthropic
        import litellm
        import ollama
        from google import genai
        from huggingface_hub import InferenceClient
        from llama_cpp import Llama
        from mistralai import Mistral
        from vllm import LLM, SamplingParams

        claude = anthropic.Anthropic()
        claude.messages.create(model="claude-3-5-haiku", max_tokens=256, messages=[])
        litellm.completion(model="ollama/llama3", messages=[])
        ollama.chat(model="llama3", messages=[], options={"num_predict": 128})
        genai.Client().models.generate_content(model="gemini-2.0-flash", contents="hi")
        InferenceClient().chat_completion(messages=[], max_tokens=64)
        Llama(model_path="m.gguf").create_chat_completion(messages=[])
        Mistral(api_key="k").chat.complete(model="mistral-small", messages=[], max_tokens=32)
        LLM(model="m").generate(["hi"], SamplingParams(max_tokens=16))
        """)
    found = {site["line"]: site for site in sites()}
    described = {line: (site["family"], site["api"], site["endpoint"], site["model"], site["limit"]) for line, site in found.items()}
    assert described == {
        11: ("anthropic", "messages.create", "cloud", "claude-3-5-haiku", "value"),
        12: ("litellm", "completion", "local", "ollama/llama3", "unbounded"),
        13: ("ollama", "chat", "local", "llama3", "value"),
        14: ("google", "models.generate_content", "cloud", "gemini-2.0-flash", "unbounded"),
        15: ("huggingface", "chat_completion", "cloud", None, "value"),
        16: ("llama_cpp", "create_chat_completion", "local", None, "unbounded"),
        17: ("mistral", "chat.complete", "cloud", "mistral-small", "value"),
        18: ("vllm", "generate", "local", None, "elsewhere"),
    }
    assert found[14]["client"] == "genai.Client(...)"


def test_constructors_only_with_all(project: Path) -> None:
    write(project, "chain.py", """\
        from langchain_openai import ChatOpenAI
        from vllm import SamplingParams

        llm = ChatOpenAI(model="gpt-4o-mini", max_tokens=200)
        params = SamplingParams(temperature=0.1)
        llm.invoke("hi")
        """)
    assert [(site["line"], site["kind"], site["limit"]) for site in sites()] == [(6, "generation", "elsewhere")]
    every = sites("--all")
    assert [(site["line"], site["kind"], site["api"], site["limit"], site["feature_tag"]) for site in every] == [
        (4, "model", "langchain_openai.ChatOpenAI", "value", None),
        (5, "params", "vllm.SamplingParams", "default", None),
        (6, "generation", "invoke", "elsewhere", "none"),
    ]


def test_all_lists_a_client_built_where_no_rule_reads_it(project: Path) -> None:
    """A file the triage would decide (a client built in a function, no call, no endpoint) is
    still parsed for the inventory, which lists every constructor with --all."""
    write(project, "setup.py", """\
        from openai import OpenAI


        def make():
            client = OpenAI()
            return None
        """)
    assert [(site["line"], site["kind"], site["api"]) for site in sites("--all")] == [(5, "client", "openai.OpenAI")]


def test_unresolved_receiver_and_qualified_function(project: Path) -> None:
    write(project, "bot.py", """\
        class Bot:
            def __init__(self, client, limit):
                self.client = client
                self.limit = limit

            def answer(self, question):
                def ask():
                    return self.client.chat.completions.create(model="gpt-4o", messages=[], max_tokens=self.limit)
                return ask()
        """)
    site, helper = sites()
    assert (site["client"], site["endpoint"], site["limit"], site["limit_source"], site["feature_tag"], site["function"]) == (
        "self.client", "unknown", "unresolved", "self.limit", "unknown", "Bot.answer.ask"
    )
    assert (helper["line"], helper["client"], helper["limit"], helper["function"], helper["wrappers"]) == (
        9, "ask", "elsewhere", "Bot.answer", ["bot.py:8 Bot.answer.ask"]
    )


def test_raw_http_call(project: Path) -> None:
    write(project, "http.py", """\
        import os
        import requests

        BASE = os.environ["OLLAMA_URL"]

        def ask(prompt):
            body = {"model": "llama3", "prompt": prompt, "options": {"num_predict": 100}}
            return requests.post(f"{BASE}/api/generate", json=body, headers={"X-Feature-Tag": "search"})
        """)
    (site,) = sites()
    assert (site["family"], site["api"], site["client"], site["endpoint"], site["endpoint_env"], site["model"]) == (
        "http", "post /api/generate", "requests", "local", "OLLAMA_URL", "llama3"
    )
    assert (site["limit"], site["limit_key"], site["limit_value"]) == ("value", "num_predict", 100)


def test_stack_endpoint_matched_by_its_variable(project: Path) -> None:
    (project / "stack.yaml").write_text(STACK, encoding="utf-8")
    write(project, "app.py", """\
        import os
        from openai import OpenAI

        local = OpenAI(base_url=os.environ["VLLM_BASE_URL"], default_headers={"X-Feature-Tag": "chat"})
        other = OpenAI(base_url=os.environ["OTHER_BASE_URL"])
        local.chat.completions.create(model="llama", messages=[], max_tokens=10)
        other.chat.completions.create(model="llama", messages=[], max_tokens=10)
        """)
    first, second = sites()
    assert (first["endpoint"], first["endpoint_env"], first["stack_endpoint"], first["feature_tag_value"]) == (
        "local", "VLLM_BASE_URL", "local-vllm", "chat"
    )
    assert (second["endpoint_env"], second["stack_endpoint"]) == ("OTHER_BASE_URL", None)


def test_each_file_reads_its_own_project_stack(project: Path) -> None:
    code = """\
        import os
        from openai import OpenAI
        OpenAI(base_url=os.environ["VLLM_BASE_URL"]).chat.completions.create(model="m", messages=[], max_tokens=5)
        """
    write(project, "top.py", code)
    write(project, "service/pyproject.toml", "[project]\nname = 'service'\n")
    write(project, "service/stack.yaml", STACK)
    write(project, "service/app.py", code)
    assert [(site["path"], site["stack_endpoint"]) for site in sites()] == [("service/app.py", "local-vllm"), ("top.py", None)]


def test_notebook_sites_name_their_cell(project: Path) -> None:
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Demo\n"]},
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": ["from openai import OpenAI\n", "client = OpenAI()\n"]},
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
         "source": ["%pip install openai\n", "r = client.chat.completions.create(model=\"gpt-4o\", messages=[])\n"]},
    ]
    document = {"cells": cells, "metadata": {"kernelspec": {"language": "python", "name": "python3"}}, "nbformat": 4, "nbformat_minor": 5}
    (project / "demo.ipynb").write_text(json.dumps(document), encoding="utf-8")
    (site,) = sites()
    assert (site["path"], site["cell"], site["line"], site["column"], site["limit"]) == ("demo.ipynb", 3, 2, 5, "unbounded")
    assert list(site)[:3] == ["path", "cell", "line"]
    assert "demo.ipynb:cell 3:2:5" in run().stdout


def test_json_and_csv_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(EXAMPLES)
    found = sites("--all")
    rows = list(csv.DictReader(io.StringIO(run("--all", "--format", "csv").stdout)))
    assert list(rows[0]) == list(FIELDS)
    assert len(rows) == len(found)
    for site, row in zip(found, rows):
        expected = {name: "" if site.get(name) is None else str(site[name]) for name in FIELDS}
        expected["wrappers"] = " > ".join(site["wrappers"])
        assert row == expected


def test_output_file(project: Path) -> None:
    write(project, "a.py", 'import ollama\nollama.chat(model="llama3", messages=[])\n')
    result = run("--format", "json", "--output", "out.json")
    assert result.exit_code == 0 and result.stdout == ""
    document = json.loads((project / "out.json").read_text(encoding="utf-8"))
    assert document["tool"] == "budgetlint"
    assert document["summary"] == {
        "files": 1, "sites": 1, "by_family": {"ollama": 1}, "by_endpoint": {"local": 1}, "by_limit": {"unbounded": 1}
    }


def test_sites_sorted_like_findings(project: Path) -> None:
    write(project, "b.py", 'import ollama\nollama.chat(model="x", messages=[])\n')
    write(project, "a.py", 'import ollama\n\n\nollama.chat(model="x", messages=[]); ollama.chat(model="y", messages=[])\nollama.chat(model="z", messages=[])\n')
    assert [(site["path"], site["line"], site["column"]) for site in sites()] == [("a.py", 4, 1), ("a.py", 4, 38), ("a.py", 5, 1), ("b.py", 2, 1)]


def test_a_file_that_cannot_be_parsed_is_skipped_not_fatal(project: Path) -> None:
    write(project, "broken.py", "import ollama\ndef (:\n")
    write(project, "good.py", 'import ollama\nollama.chat(model="x", messages=[])\n')
    result = run("--format", "json")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert [site["path"] for site in document["sites"]] == ["good.py"]
    assert [entry["path"] for entry in document["skipped"]] == ["broken.py"]
    assert "syntax error" in document["skipped"][0]["message"]
    assert "budgetlint: warning: skipped broken.py: syntax error" in result.stderr


def test_files_without_llm_code_are_not_parsed(project: Path) -> None:
    write(project, "plain.py", "def (:\n")  # the prefilter skips it before parsing, as check does
    result = run("--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout)["skipped"] == []


@pytest.mark.parametrize("args", [["missing_dir"], ["--format", "xml"]])
def test_usage_errors_exit_2(project: Path, args: list[str]) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output


# --- across modules: helpers and wrappers are call sites, with the chain to the SDK call ----------

LLM = """\
from openai import OpenAI

client = OpenAI()


def ask(prompt, max_tokens=None):
    return client.chat.completions.create(model="gpt-4o", messages=[prompt], max_tokens=max_tokens)
"""
AGENT = """\
from llm import ask


def run(prompt, max_tokens=64):
    return ask(prompt, max_tokens=max_tokens)
"""
ROUTER = """\
import ollama
from openai import OpenAI


def call_ollama(prompt):
    return ollama.chat(model="llama3", messages=[prompt], options={"num_predict": 100})


def call_gpt(prompt):
    return OpenAI().chat.completions.create(model="gpt-4o", messages=[prompt], max_tokens=100)
"""
MAIN = """\
from agent import run
from llm import ask
from router import call_gpt, call_ollama


def answer(prompt):
    try:
        return call_ollama(prompt)
    except Exception:
        return call_gpt(prompt)


ask("hi", max_tokens=256)
ask("hi")
run("hi")
"""


@pytest.fixture
def wrapped(project: Path) -> Path:
    """main.py calls a wrapper of llm.py, a wrapper of that wrapper, and helpers of a router."""
    for name, code in {"llm.py": LLM, "agent.py": AGENT, "router.py": ROUTER, "main.py": MAIN}.items():
        write(project, name, code)
    return project


def test_wrapper_and_helper_calls_in_another_module_are_sites_with_their_chain(wrapped: Path) -> None:
    found = sites()
    main = {site["line"]: site for site in found if site["path"] == "main.py"}
    assert sorted(main) == [8, 10, 13, 14, 15]
    described = {
        line: (site["kind"], site["family"], site["api"], site["endpoint"], site["limit"], site["limit_value"], site["function"], site["wrappers"])
        for line, site in main.items()
    }
    assert described == {
        8: ("generation", "ollama", "chat", "local", "elsewhere", None, "answer", ["router.py:6 call_ollama"]),
        10: ("generation", "openai", "chat.completions.create", "cloud", "elsewhere", None, "answer", ["router.py:10 call_gpt"]),
        13: ("generation", "openai", "chat.completions.create", "cloud", "value", 256, "<module>", ["llm.py:7 ask"]),
        14: ("generation", "openai", "chat.completions.create", "cloud", "unbounded", None, "<module>", ["llm.py:7 ask"]),
        15: ("generation", "openai", "chat.completions.create", "cloud", "default", 64, "<module>", ["agent.py:5 run", "llm.py:7 ask"]),
    }
    assert (main[13]["client"], main[13]["limit_key"], main[13]["limit_source"]) == ("ask", "max_tokens", "256")
    inner = at(found, "llm.py", 7)  # the SDK call is still listed itself, with no chain
    assert (inner["function"], inner["limit"], inner["limit_source"], inner["wrappers"]) == ("ask", "unresolved", "max_tokens", [])
    assert at(found, "agent.py", 5)["wrappers"] == ["llm.py:7 ask"]
    assert [(site["path"], site["line"]) for site in found if site["path"] == "router.py"] == [("router.py", 6), ("router.py", 10)]


def test_a_file_named_alone_gets_its_chain_from_the_modules_it_imports(wrapped: Path) -> None:
    found = sites("main.py")
    assert {site["path"] for site in found} == {"main.py"}
    assert at(found, "main.py", 15)["wrappers"] == ["agent.py:5 run", "llm.py:7 ask"]


def test_wrapper_chains_agree_in_json_csv_and_text(wrapped: Path) -> None:
    found = sites()
    rows = list(csv.DictReader(io.StringIO(run("--format", "csv").stdout)))
    assert len(rows) == len(found)
    for site, row in zip(found, rows):
        expected = {name: "" if site.get(name) is None else str(site[name]) for name in FIELDS}
        expected["wrappers"] = " > ".join(site["wrappers"])
        assert row == expected
    row = next(line for line in run().stdout.splitlines() if line.startswith("main.py:15:"))
    assert row.endswith("agent.py:5 run > llm.py:7 ask")


def test_the_order_is_the_same_serial_and_in_parallel(wrapped: Path) -> None:
    for number in range(40):  # enough files for a process pool
        write(wrapped, f"callers/c{number:02}.py", f"from llm import ask\n\nask('q{number}', max_tokens={number + 1})\n")
    serial = run("--format", "json", "--jobs", "1")
    parallel = run("--format", "json", "--jobs", "2")
    assert serial.exit_code == parallel.exit_code == 0
    assert serial.stdout == parallel.stdout
    found = json.loads(serial.stdout)["sites"]
    callers = [site for site in found if site["path"].startswith("callers/")]
    assert [site["limit_value"] for site in callers] == list(range(1, 41))
    assert all(site["wrappers"] == ["llm.py:7 ask"] for site in callers)


def test_a_notebook_wrapper_chain_names_its_cell(project: Path) -> None:
    code = lambda *lines: {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": list(lines)}  # noqa: E731
    cells = [
        code("from openai import OpenAI\n", "client = OpenAI()\n"),
        code("def ask(p, max_tokens=None):\n", "    return client.chat.completions.create(model='m', messages=[p], max_tokens=max_tokens)\n"),
        code("ask('hi', max_tokens=5)\n"),
    ]
    document = {"cells": cells, "metadata": {"kernelspec": {"language": "python", "name": "python3"}}, "nbformat": 4, "nbformat_minor": 5}
    (project / "nb.ipynb").write_text(json.dumps(document), encoding="utf-8")
    inner, call = sites()
    assert (inner["cell"], inner["line"], inner["wrappers"]) == (2, 2, [])
    assert (call["cell"], call["line"], call["limit_value"], call["wrappers"]) == (3, 1, 5, ["nb.ipynb:cell 2:2 ask"])


def test_a_file_check_ignores_whole_is_not_listed(project: Path) -> None:
    write(project, "skipped.py", '# budgetlint: ignore-file -- a vendored demo\nimport ollama\nollama.chat(model="x", messages=[])\n')
    write(project, "kept.py", 'import ollama\nollama.chat(model="x", messages=[])\n')
    assert [site["path"] for site in sites()] == ["kept.py"]
