"""A keystroke's lint in the language server (``server.Server``, driven in-process): the same
findings as a fresh lint of the text, no garbage collection walking the open documents' trees,
and the memory of replaced statements and closed documents still released."""

from __future__ import annotations

import gc
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import libcst as cst
import pytest
from click.testing import CliRunner

from budgetlint import matching, wrappers
from budgetlint.cli import main
from budgetlint.finding import Finding
from budgetlint.server import Server
from budgetlint.workspace import Workspace

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
from server_bench import generate  # noqa: E402

TEXT = generate(40_000)
MARKER = "marker_of_this_test"
WRAPPER = '''from openai import OpenAI

client = OpenAI()


def ask(prompt, **kwargs):
    return client.chat.completions.create(model="m", messages=[{"role": "user", "content": prompt}], metadata={"feature": "x"}, **kwargs)
'''


@pytest.fixture
def server() -> Iterator[Server]:
    """A server, and the collector as it was after it (``settle`` freezes the process's objects)."""
    yield Server()
    gc.unfreeze()
    gc.enable()


@pytest.fixture
def big(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    (tmp_path / "helpers.py").write_text(WRAPPER)
    return tmp_path / "big.py"


def lint(server: Server, path: Path, text: str) -> list[tuple]:
    """Lint ``text`` as the server does on a change (then settle), its findings as tuples."""
    linted = server._lint(str(path), text)
    assert not isinstance(linted, str)
    server.settle()
    return sorted(_shown(finding) for finding in linted.result.findings)


def fresh(path: Path, text: str) -> list[tuple]:
    """What ``budgetlint check`` reports for the file holding ``text``."""
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(path), "--format", "json", "--no-cache", "--exit-zero"])
    assert result.exit_code == 0, result.output
    return sorted(_shown(SimpleNamespace(**finding)) for finding in json.loads(result.output)["findings"])


def _shown(finding: Finding | SimpleNamespace) -> tuple:
    return finding.code, finding.line, finding.column, finding.end_line, finding.end_column, finding.message, finding.fingerprint


def marked(needle: str) -> bool:
    """Whether a libcst ``Name`` spelled ``needle`` is among the objects the collector walks."""
    return any(type(node) is cst.Name and node.value == needle for node in gc.get_objects())


def still_held(needle: str) -> bool:
    """Whether a ``Name`` spelled ``needle`` is alive at all, after a full collection."""
    gc.collect()
    gc.unfreeze()
    return marked(needle)


def test_edits_far_from_and_inside_an_llm_call_lint_as_a_fresh_lint(server: Server, big: Path):
    text = TEXT
    assert lint(server, big, text) == fresh(big, text)
    edits = [
        ("variant 3.", "variant 3, edited."),  # a docstring, far from any call
        ('model="gpt-4o", messages=history, max_tokens=256', 'model="gpt-4o", messages=history'),  # an LLM call loses its bound
        ("text = response.choices[0].message.content", "text = response.choices[-1].message.content"),
        ('metadata={"feature": "search"})', ")"),  # an LLM call loses its tag
        ("return text\n", "return text + ''\n"),
        ('variant 30."""\n', 'variant 30."""\n    from helpers import ask\n\n    ask(prompt)\n'),  # an unbounded wrapper called
        # Edits of one statement that change what the others mean (what is kept with a statement must not outlive them):
        ("client = OpenAI()\n", "client = OpenAI()\n\n\ndef wrapped(prompt, **kwargs):\n    return client.chat.completions.create(model='m', messages=[], **kwargs)\n"),
        ('variant 20."""\n', 'variant 20."""\n    wrapped(prompt)\n'),  # a wrapper added, then called far from it
        ("from openai import OpenAI\n", "from mylib import OpenAI\n"),  # an import changed: no LLM call left
        ("from mylib import OpenAI\n", "from openai import OpenAI\n"),
        ("client = OpenAI()\n", "llm = OpenAI()\n"),  # the client renamed: its calls are no longer resolved
        ("llm = OpenAI()\n", "client = OpenAI()\n"),
    ]
    for old, new in edits:
        assert old in text
        text = text.replace(old, new, 1)
        document = server.projects.documents[big]
        parses = document.parses
        assert lint(server, big, text) == fresh(big, text)
        assert document.parses == parses and document.reused  # re-parsed in part, not whole
    called = text.splitlines().index("    ask(prompt)") + 1
    assert ("BL001", called) in [found[:2] for found in lint(server, big, text)]  # through the project's summaries


DEPENDENT = '''"""Functions reading what other statements bind: the client, a wrapper, a constant, an import."""
import logging

from openai import OpenAI

BASE_URL = "https://api.openai.com/v1"
LIMIT = 256
client = OpenAI(base_url=BASE_URL)
local = OpenAI(base_url="http://localhost:11434/v1")


def wrapped(prompt, **kwargs):
    return client.chat.completions.create(model="m", messages=[{"role": "user", "content": prompt}], metadata={"feature": "x"}, **kwargs)


def relay(prompt, **kwargs):
    return wrapped(prompt, **kwargs)


def via_relay(prompt):
    return relay(prompt)


def fallback(prompt):
    try:
        return local.chat.completions.create(model="m", messages=[], max_tokens=LIMIT, metadata={"feature": "y"})
    except Exception:
        return client.chat.completions.create(model="m", messages=[], max_tokens=LIMIT, metadata={"feature": "y"})


def fresh_client(prompt):
    other = OpenAI()
    return other.chat.completions.create(model="m", messages=[], max_tokens=LIMIT, metadata={"feature": "z"})
''' + TEXT.split("client = OpenAI()\n", 1)[1]


def test_edits_changing_what_unchanged_statements_read_lint_as_a_fresh_lint(server: Server, big: Path):
    """What is reused for a statement the edit left alone (``statements.py``) goes when what it
    reads elsewhere changes: an import, the module's client, a wrapper, an endpoint constant."""
    text = DEPENDENT
    assert lint(server, big, text) == fresh(big, text)
    edits = [
        ("from openai import OpenAI\n", "from openai import OpenAI as Client\n"),  # OpenAI() no longer an SDK client
        ("from openai import OpenAI as Client\n", "from openai import OpenAI\n"),  # and again
        ('client = OpenAI(base_url=BASE_URL)\n', ""),  # the module's client removed: its calls are no call sites
        ('local = OpenAI(', 'client = OpenAI(base_url=BASE_URL)\nlocal = OpenAI('),  # and added back
        ('BASE_URL = "https://api.openai.com/v1"', 'BASE_URL = "http://localhost:11434/v1"'),  # the endpoint constant
        ('BASE_URL = "http://localhost:11434/v1"', 'BASE_URL = "https://api.openai.com/v1"'),
        ("LIMIT = 256", "LIMIT = None"),
        ("metadata={\"feature\": \"x\"}, **kwargs)", "metadata={\"feature\": \"x\"})"),  # the wrapper forwards nothing
        ("metadata={\"feature\": \"x\"})\n\n\ndef relay", "metadata={\"feature\": \"x\"}, **kwargs)\n\n\ndef relay"),
        ("return wrapped(prompt, **kwargs)", "return wrapped(prompt)"),  # the middle of a chain
        ("return wrapped(prompt)\n\n\ndef via", "return wrapped(prompt, **kwargs)\n\n\ndef via"),
        ("import logging\n", "import logging\nclient = None\n"),  # rebound before the client: the later binding still wins
        ("local = OpenAI(base_url", "client = None\nlocal = OpenAI(base_url"),  # rebound after it
    ]
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
        document = server.projects.documents[big]
        parses = document.parses
        assert lint(server, big, text) == fresh(big, text), (old, new)
        assert document.parses == parses and document.reused  # re-parsed in part, not whole


def test_a_lint_runs_without_garbage_collections(server: Server, big: Path):
    lint(server, big, TEXT)
    collections = []
    gc.callbacks.append(lambda phase, info: collections.append(info["generation"]) if phase == "start" else None)
    try:
        server._lint(str(big), TEXT.replace("variant 1.", "variant one.", 1))
    finally:
        gc.callbacks.pop()
    assert collections in ([], [0])  # at most one young collection, of its cycles, when it resumes


def test_the_documents_tree_is_hidden_from_the_collector_and_freed_once_closed(server: Server, big: Path):
    text = TEXT.replace("def ask_5(", f"def {MARKER}(", 1)
    lint(server, big, text)
    assert not marked(MARKER)  # frozen: full collections do not walk it
    other = big.with_name("other.py")
    lint(server, other, "x = 1\n")
    server.projects.closed(big)
    lint(server, other, "x = 2\n")
    assert not still_held(MARKER)


def test_a_replaced_statement_is_freed(server: Server, big: Path):
    text = TEXT.replace("def ask_5(", f"def {MARKER}(", 1)
    lint(server, big, text)
    lint(server, big, text.replace(f"def {MARKER}(", "def ask_5(", 1))
    assert server.projects.documents[big].reused
    assert not still_held(MARKER)


def test_a_buffers_own_summary_is_not_computed(big: Path):
    facts = Workspace().lint(TEXT.encode(), big).result.facts
    assert facts is not None and "summary" not in facts and facts["needs"] == []


def test_a_keystroke_generates_the_code_of_the_flagged_calls_it_touched_only(server: Server, big: Path, monkeypatch: pytest.MonkeyPatch):
    lint(server, big, TEXT)
    generated: list[cst.CSTNode] = []
    code_for_node = cst.Module.code_for_node
    monkeypatch.setattr(cst.Module, "code_for_node", lambda module, node: generated.append(node) or code_for_node(module, node))
    text = TEXT.replace("variant 14.", "variant 14, edited.", 1)  # ask_14 is unbounded: its call is flagged
    found = lint(server, big, text)
    module, _ = server.projects.documents[big].reparse(text, "utf-8")  # type: ignore[misc]
    edited = next(statement for statement in module.body if isinstance(statement, cst.FunctionDef) and statement.name.value == "ask_14")
    assert generated and all(_inside(node, edited) for node in generated)  # the other flagged calls' snippets are kept
    monkeypatch.undo()
    assert found == fresh(big, text)


def test_a_keystroke_matches_and_describes_again_only_what_it_touched(server: Server, big: Path, monkeypatch: pytest.MonkeyPatch):
    """The calls of the statements left alone that are no call site are not matched again, nor
    are their functions described again as wrappers (``statements.py``)."""
    lint(server, big, TEXT)
    unsited: list[cst.Call] = []
    described: list[cst.FunctionDef] = []
    site, describe = matching._Matcher.site, wrappers._describe
    monkeypatch.setattr(matching._Matcher, "site", lambda self, call, ends: site(self, call, ends) or unsited.append(call.node))
    monkeypatch.setattr(wrappers, "_describe", lambda function, *args: described.append(function) or describe(function, *args))
    text = TEXT.replace("variant 14.", "variant 14, edited.", 1)
    found = lint(server, big, text)
    module, _ = server.projects.documents[big].reparse(text, "utf-8")  # type: ignore[misc]
    edited = next(statement for statement in module.body if isinstance(statement, cst.FunctionDef) and statement.name.value == "ask_14")
    assert unsited and all(_inside(node, edited) for node in unsited)
    assert described == [edited]
    monkeypatch.undo()
    assert found == fresh(big, text)


def _inside(node: cst.CSTNode, statement: cst.CSTNode) -> bool:
    class Finder(cst.CSTVisitor):
        found = False

        def on_visit(self, visited: cst.CSTNode) -> bool:
            self.found = self.found or visited is node
            return not self.found

    finder = Finder()
    statement.visit(finder)
    return finder.found
