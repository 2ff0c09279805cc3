"""The key of a top-level statement (``statements.Reuse``): the same while what it reads
elsewhere in the module is, different as soon as that changes."""

from __future__ import annotations

import libcst as cst

from budgetlint.collector import Collector
from budgetlint.statements import Reuse
from budgetlint.walk import ReadOnlyWalker

SOURCE = '''from openai import OpenAI

URL = "https://api.openai.com/v1"
client = OpenAI(base_url=URL)


def ask(prompt):
    return client.chat.completions.create(model="m", messages=[])


def other(prompt):
    return len(prompt)
'''


class _Owner(ReadOnlyWalker):
    def __init__(self, statement: cst.CSTNode, owner: dict) -> None:
        self.statement, self.owner = statement, owner

    def enter(self, node: cst.CSTNode) -> None:
        self.owner[node] = self.statement


def kept(module: cst.Module, memos: dict, statement: cst.CSTNode) -> bool:
    """Whether what was kept with ``statement`` (in ``memos``, per statement as a document keeps
    them) under its key in the last module is still kept in ``module``; it is kept again."""
    owner: dict = {}
    for each in module.body:
        _Owner(each, owner).walk(each)
    collector = Collector(module)
    collector.walk(module)
    reuse = Reuse(lambda node: memos.setdefault(owner[node], {}) if node in owner else None, (), ("key.py",))
    reuse.start(module, collector.scope, ())
    entry = reuse.entry((module, statement), "test")
    assert entry is not None
    found = "seen" in entry
    entry["seen"] = True
    return found


def test_a_statement_keeps_its_key_while_what_it_reads_is_unchanged():
    module = cst.parse_module(SOURCE)
    memos: dict = {}
    ask = module.body[3]
    assert not kept(module, memos, ask)
    assert kept(module, memos, ask)
    other = cst.parse_statement("def other(prompt):\n    return prompt\n")
    assert kept(module.with_changes(body=[*module.body[:4], other]), memos, ask)


def test_a_statement_has_another_key_when_what_it_reads_changes_transitively():
    module = cst.parse_module(SOURCE)
    memos: dict = {}
    ask = module.body[3]
    kept(module, memos, ask)
    url = cst.parse_statement('URL = "http://localhost:11434/v1"\n')  # read through the client
    assert not kept(module.with_changes(body=[module.body[0], url, *module.body[2:]]), memos, ask)
    renamed = cst.parse_statement("from openai import OpenAI as Client\n")
    assert not kept(module.with_changes(body=[renamed, *module.body[1:]]), memos, ask)


def test_a_binding_moved_across_a_statement_changes_its_key():
    """The same import, made before or after a module-level statement using it: what reaches
    the statement is not the same (nothing in the binding itself tells)."""
    module = cst.parse_module("from openai import OpenAI\nclient = OpenAI()\nx = 1\n")
    memos: dict = {}
    imported, built, plain = module.body
    kept(module, memos, built)
    assert not kept(module.with_changes(body=[plain, built, imported]), memos, built)
