"""A buffer parsed again statement by statement (``reparse.Document``) is linted exactly as a
whole parse lints it: the same findings, facts and fixes, after any sequence of edits."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import libcst as cst
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from budgetlint import engine
from budgetlint.engine import Job
from budgetlint.policy import Policy
from budgetlint.reparse import Document
from budgetlint.rules import ALL_RULES

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
from server_bench import generate  # noqa: E402

JOB = Job(policy=Policy(), rules=ALL_RULES, report_suppressions=True)
FIXING = replace(JOB, fix=True)
SMALL = generate(12_000)
LINES = [
    "",
    "# a comment",
    "    # an indented comment",
    "        # a deeper comment",
    "    x = 1",
    "    return client",
    "@staticmethod",
    "else:",
    "def g():",
    "class K:",
    "  y = 2",
    "\tpass",
    "x = (",
    ")",
    "if x:",
    "    response = client.chat.completions.create(model='m', messages=[])  # budgetlint: ignore[BL001]",
    "response = client.chat.completions.create(model='m', messages=[], max_tokens=9)",
    "from __future__ import annotations",
]


def same(document: Document, text: str, job: Job = JOB) -> None:
    """``text`` linted through ``document`` and whole give the same result."""
    source = text.encode("utf-8")
    kept = engine.lint_read(source, None, "app/big.py", job, "app/big.py", document)
    whole = engine.lint_read(source, None, "app/big.py", job, "app/big.py")
    assert kept == whole
    reparsed = document.reparse(text, "utf-8")
    if reparsed is not None:  # the module kept is the one a whole parse gives
        module, where = reparsed
        full = cst.parse_module(source)
        assert module.code == text
        assert (module.default_indent, module.default_newline, module.encoding) == (full.default_indent, full.default_newline, full.encoding)
        assert module.deep_equals(full)  # header and footer included
        for finding in whole.findings:
            assert finding.line <= len(text.splitlines()) + 1


STATEMENTS = ["x = 1", "return client", "# a comment", "response = client.chat.completions.create(model='m', messages=[])", "pass", ""]
"""What the ``body`` edit writes inside a block, at its indentation."""

edits = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(["insert", "delete", "append", "crlf"]), st.integers(0, 10_000), st.sampled_from(LINES)),
        st.tuples(st.just("body"), st.integers(0, 10_000), st.sampled_from(STATEMENTS)),
    ),
    min_size=1,
    max_size=6,
)


def edited(text: str, kind: str, at: int, line: str) -> str:
    lines = text.splitlines(keepends=True)
    index = at % (len(lines) + 1)
    newline = "\r\n" if "\r\n" in text else "\n"
    if kind == "insert":
        lines.insert(index, line + newline)
    elif kind == "delete" and index < len(lines):
        del lines[index]
    elif kind == "append" and index < len(lines):
        body = lines[index].rstrip("\r\n")
        lines[index] = body + " (edited)" * body.startswith('    """') + lines[index][len(body) :]
    elif kind == "body":
        inside = [number for number, text in enumerate(lines) if text.startswith("    ") and not text.startswith("    return")]
        if inside:
            number = inside[index % len(inside)]
            lines.insert(number, lines[number][: len(lines[number]) - len(lines[number].lstrip())] + line + newline)
    elif kind == "crlf":
        return text.replace("\r\n", "\n").replace("\n", "\r\n")
    return "".join(lines)


@settings(max_examples=25, deadline=None)
@given(edits)
def test_random_edits_lint_as_a_whole_parse(steps):
    document = Document()
    text = SMALL
    same(document, text)
    for kind, at, line in steps:
        text = edited(text, kind, at, line)
        same(document, text)


def test_an_edit_inside_one_function_replaces_only_its_statement():
    document = Document()
    text = generate(100 * 1024)
    same(document, text)
    count = len(cst.parse_module(text).body)
    before = document.reparse(text, "utf-8")[0].body  # type: ignore[index]
    text = text.replace("variant 40.", "variant 40 (edited).\n    history.clear()", 1)
    same(document, text)
    assert document.reused == count - 1  # its neighbours, parsed again with it, keep their nodes
    after = document.reparse(text, "utf-8")[0].body  # type: ignore[index]
    changed = [index for index, (old, new) in enumerate(zip(before, after)) if old is not new]
    assert len(changed) == 1 and after[changed[0]].name.value == "ask_40"  # type: ignore[attr-defined]


def test_a_syntax_error_then_fixed_reuses_the_last_good_parse():
    document = Document()
    text = SMALL
    same(document, text)
    broken = text.replace("variant 3.", 'variant 3."""\n    x = (\n    """', 1)
    same(document, broken)
    same(document, text.replace("variant 3.", "variant 3 (fixed).", 1))
    assert document.reused > 0


def test_fixes_are_the_same_as_from_a_whole_parse():
    document = Document()
    text = SMALL
    same(document, text, FIXING)
    text = text.replace("variant 2.", "variant 2 (edited).", 1)
    same(document, text, FIXING)
    assert document.reused > 0


def test_header_footer_decorators_and_crlf():
    document = Document()
    text = "#!/usr/bin/env python\r\n# header\r\n\r\n" + SMALL.replace("\n", "\r\n") + "\r\n# footer\r\n"
    same(document, text)
    for old, new in [
        ("# header", "# header changed"),
        ("# footer", "# footer\r\n\r\n# more"),
        ("\r\ndef ask_2", "\r\n@cache\r\ndef ask_2"),
        ("\r\ndef ask_3", "\r\n    # indented comment\r\ndef ask_3"),
        ("client = OpenAI()", "client = OpenAI(base_url='http://localhost:11434/v1')"),
    ]:
        text = text.replace(old, new, 1)
        same(document, text)


@pytest.mark.parametrize("name", ["linter/engine.py", "linter/server.py", "linter/collector.py", "rules/bl001_unbounded_max_tokens.py", "examples/support_bot/agent.py"])
def test_the_repositorys_files_edited_line_by_line(name):
    path = REPO / name
    if not path.exists():
        pytest.skip(f"no {name}")
    text = path.read_text(encoding="utf-8")
    document = Document()
    same(document, text)
    lines = text.splitlines(keepends=True)
    for fraction, kind, line in [(0.5, "insert", "    x = 1"), (0.3, "delete", ""), (0.7, "insert", "# note"), (0.9, "append", ""), (0.1, "insert", "")]:
        text = edited(text, kind, int(len(lines) * fraction), line)
        same(document, text)
