"""Module summaries (``summary.file_facts``): what one module tells the rest of the project."""

from __future__ import annotations

import json
import re
import textwrap

from hypothesis import given, settings
from hypothesis import strategies as st

from budgetlint.engine import Job, lint_source
from budgetlint.policy import Policy
from budgetlint.project import ProjectIndex, absolute, import_names, is_project_name, module_name
from budgetlint.rules import ALL_RULES

JOB = Job(Policy(), ALL_RULES, report_suppressions=False)


def facts(code: str, key: str = "app/llm.py") -> dict:
    result = lint_source(textwrap.dedent(code).encode(), key, JOB, key)
    assert result.facts is not None
    json.dumps(result.facts)  # plain data: cached and sent to workers
    return result.facts


def test_clients_factories_helpers_and_aliases_are_summarised():
    names = facts(
        """
        import os
        from openai import OpenAI
        from .config import settings
        local = OpenAI(base_url="http://localhost:8000/v1")
        tagged = OpenAI(default_headers={"X-Feature-Tag": "search"})
        def make():
            return OpenAI(base_url=os.environ["OPENAI_BASE_URL"])
        def ask(prompt, max_tokens=256, **kwargs):
            return local.chat.completions.create(model="m", messages=[prompt], max_tokens=max_tokens, **kwargs)
        def plain(prompt):
            return local.chat.completions.create(model="m", messages=[prompt], max_tokens=5)
        """
    )["summary"]["names"]
    assert names["local"] == {"kind": "client", "client": "openai.OpenAI", "location": "local", "tagged": "no"}
    assert names["tagged"]["tagged"] == "yes" and names["tagged"]["location"] == "cloud"
    assert names["make"] == {"kind": "factory", "returns": {"kind": "client", "client": "openai.OpenAI", "location": "unknown", "tagged": "no"}}
    assert names["settings"] == {"kind": "alias", "target": ".config.settings"}
    assert "os" not in names and "OpenAI" not in names  # the standard library and SDKs are not the project's
    ask = names["ask"]
    assert ask["kind"] == "helper" and ask["id"] == "app/llm.py::ask" and ask["location"] == "local"
    assert ask["limit"] == {"param": "max_tokens", "position": 1, "default": 256, "has_default": True, "kwargs": False}
    assert ask["tag"] == {"param": None, "position": None, "default": None, "has_default": False, "kwargs": True}
    assert ask["at"] == ["app/llm.py", 10, 12, 10, 104]
    assert names["plain"]["kind"] == "helper" and "limit" not in names["plain"] and "tag" not in names["plain"]


def test_a_function_calling_a_helper_without_forwarding_is_not_one():
    names = facts(
        """
        import ollama
        def helper(p):
            return ollama.chat(model="llama3", messages=[p], options={"num_predict": 5})
        def outer(p):
            return helper(p)
        """
    )["summary"]["names"]
    assert names["helper"]["kind"] == "helper" and "outer" not in names


def test_a_chain_of_wrappers_is_a_wrapper():
    names = facts(
        """
        import ollama
        def generate(p, num=None):
            return ollama.generate(model="llama3", prompt=p, options={"num_predict": num})
        def about(company, num=300):
            return generate(company, num=num)
        """
    )["summary"]["names"]
    assert names["about"]["limit"]["default"] == 300 and names["about"]["at"][1] == 4
    assert names["about"]["via"] == [["app/llm.py", 6, "about"], ["app/llm.py", 4, "generate"]]  # down to the SDK call
    assert names["generate"]["via"] == [["app/llm.py", 4, "generate"]]


def test_needs_called_and_marks():
    result = facts(
        """
        from app.util import ask
        from . import llm
        import json
        from openai import OpenAI
        client = OpenAI()
        def wrap(p, **kw):
            return client.chat.completions.create(model="m", messages=[p], **kw)
        ask("x")
        """,
        key="app/use.py",
    )
    assert result["needs"] == [".llm", "app.util.ask"]
    assert result["called"] == []
    assert result["marks"] == []  # the inner call of `wrap` is unresolvable: no finding to move


def test_module_names_and_relative_imports():
    assert module_name("app/llm.py") == "app.llm" and module_name("app/__init__.py") == "app"
    assert module_name("notes.ipynb") is None and module_name("my-scripts/run.py") is None
    assert absolute(".llm.client", "app.use", False) == "app.llm.client"
    assert absolute("..core", "app.sub.x", False) == "app.core"
    assert absolute(".llm", "app", True) == "app.llm"


def test_an_import_names_a_module_by_a_suffix_of_its_path():
    index = ProjectIndex({}, {"src.app.llm": "src/app/llm.py", "tools.llm": "tools/llm.py", "tools.run": "tools/run.py"})
    assert index.module_of("app.llm", "main") == "src.app.llm"
    assert index.module_of("llm", "tools.run") == "tools.llm"  # the sibling module
    assert index.module_of("llm", "main") is None  # two candidates, neither closer


_IMPORT_LINE = re.compile(rb"^[ \t]*(?:from[ \t]+([.\w]+)[ \t]+import\b|import[ \t]+([\w. \t,]+))", re.MULTILINE)
"""What ``import_names`` reads: the import lines, matched at every line start."""


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["import", "from", " ", "\t", "\n", "\r", "\r\n", ".", ",", "app", "x_1", "os", "as", "#", "'"]), max_size=30))
def test_import_names_reads_the_import_lines_as_a_pattern_at_every_line_start_does(fragments):
    code = "".join(fragments).encode()
    names = set()
    for match in _IMPORT_LINE.finditer(code):
        if match.group(1):
            names.add(match.group(1).decode())
        else:
            names.update(part.strip().split()[0].decode() for part in match.group(2).split(b",") if part.strip())
    assert import_names(code) == sorted(name for name in names if is_project_name(name))
    assert import_names(b"from .llm import ask\nimport app.llm as l, os, tools\n  from x.y import (z)\r\nimport\tw\n") == [".llm", "app.llm", "tools", "w", "x.y"]


def test_factories_are_summarised_by_the_in_module_rule():
    names = facts(
        """
        import functools
        from openai import OpenAI
        def maybe():
            if not KEY:
                return None
            return OpenAI(base_url="http://localhost:8000/v1")
        @functools.lru_cache(maxsize=1)
        def cached():
            return OpenAI(base_url="http://localhost:8000/v1")
        def either(fast):
            return OpenAI(base_url="http://localhost:8000/v1") if fast else OpenAI()
        def built():
            return maybe()
        @retry
        def wrapped():
            return OpenAI()
        def client_kwargs():
            return {"base_url": "http://localhost:8000/v1"}
        def from_kwargs():
            return OpenAI(**client_kwargs())
        """
    )["summary"]["names"]
    local = {"kind": "client", "client": "openai.OpenAI", "location": "local", "tagged": "no"}
    assert names["maybe"]["returns"] == names["cached"]["returns"] == names["built"]["returns"] == names["from_kwargs"]["returns"] == local
    assert names["either"]["returns"]["location"] == "unknown"
    assert "wrapped" not in names
