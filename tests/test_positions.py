"""Positions generated a statement at a time are exactly libcst's ``PositionProvider``'s."""

from __future__ import annotations

import ast
import random
from pathlib import Path

import hypothesmith
import libcst as cst
import pytest
from budgetlint.positions import Positions, whole_module
from budgetlint.walk import ReadOnlyWalker
from hypothesis import HealthCheck, given, settings

ROOT = Path(__file__).resolve().parent.parent


def _valid(path: Path) -> bool:
    try:
        ast.parse(path.read_bytes())
    except (SyntaxError, ValueError):
        return False  # the fixtures of broken files
    return True


OWN_FILES = sorted(
    path
    for folder in ("linter", "rules", "examples", "tests/fixtures")
    for path in (ROOT / folder).rglob("*.py")
    if _valid(path)
)


class _Nodes(ReadOnlyWalker):
    def __init__(self) -> None:
        self.nodes: list[cst.CSTNode] = []

    def enter(self, node: cst.CSTNode) -> None:
        self.nodes.append(node)


def _nodes(module: cst.Module) -> list[cst.CSTNode]:
    walker = _Nodes()
    walker.walk(module)
    return walker.nodes


def _assert_same(text: str, seed: int = 0, sample: int | None = None) -> None:
    module = cst.parse_module(text)
    expected = whole_module(module)
    nodes = _nodes(module)
    random.Random(seed).shuffle(nodes)
    lazy = Positions(module, text)
    for node in nodes[:sample]:
        assert lazy[node] == expected[node], (type(node).__name__, module.code_for_node(node)[:80])


@pytest.mark.parametrize("path", OWN_FILES, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_node_of_the_repositorys_own_files(path: Path):
    _assert_same(path.read_text(encoding="utf-8"), sample=400)


LAYOUTS = {
    "decorators with comments": "import x\n\n# about f\n@dec  # one\n\n@other(\n    1)\n\ndef f():\n    return x(1)\n",
    "nested classes and methods": "class A:\n    '''doc'''\n\n    class B:\n        def m(self):\n            # c\n            return call(max_tokens=1)\n\n    x = 1; y = call()\n",
    "semicolons": "a = 1; b = call(); c = 3\nd = call(x)\n",
    "no trailing newline": "import os\nclient.create(model='m')",
    "crlf": "import os\r\n\r\ndef f():\r\n    return call(1)\r\n",
    "lone cr": "import os\rx = call(1)\r",
    "tabs": "class A:\n\tdef f(self):\n\t\treturn call(1)\n",
    "backslash continuation": "x = \\\n    call(1)\nif a and \\\n   b:\n    y = call(2)\n",
    "comments at a block's end": "def f():\n    x = call()\n    # trailing\n\n# module comment\ny = call()\n",
    "one-line bodies": "class A: x = call()\ndef f(): return call(1)\nif x: call(2)\n",
    "async and with": "async def f():\n    async with c as s:\n        await s.create(max_tokens=1)\n",
    "empty": "",
    "only comments": "# a\n# b\n",
    "decorator on a continued line": "@\\\ndec\ndef f():\n    return call()\n",
    "form feed": "import os\n\x0c\ndef f():\n    return call()\n",
    "match": "match x:\n    case 1:\n        call(1)\n    case _:\n        pass\n",
}


@pytest.mark.parametrize("text", LAYOUTS.values(), ids=LAYOUTS.keys())
def test_layouts_that_could_misplace_a_statement(text: str):
    for seed in range(3):
        _assert_same(text, seed)


def test_a_node_not_in_the_module_is_a_key_error():
    text = "x = call(1)\n"
    lazy = Positions(cst.parse_module(text), text)
    with pytest.raises(KeyError):
        lazy[cst.Name("other")]


def test_text_that_does_not_match_the_tree_falls_back_to_the_whole_module():
    module = cst.parse_module("x = call(1)\ny = call(2)\n")
    lazy = Positions(module, "z = 0\nx = call(1)\ny = call(2)\n")  # a line the tree does not have
    call = module.body[1].body[0].value
    assert lazy[call] == whole_module(module)[call]


@given(hypothesmith.from_grammar())
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_any_grammatical_program(program: str):
    try:
        cst.parse_module(program)
    except cst.ParserSyntaxError:
        return
    _assert_same(program)


def test_a_lookup_generates_only_the_statements_it_needs():
    text = "import os\n\nclass A:\n    def f(self):\n        return call(1)\n\n    def g(self):\n        return call(2)\n\nx = call(3)\n"
    module = cst.parse_module(text)
    lazy = Positions(module, text)
    inner = module.body[1].body.body[1].body.body[0].body[0].value  # call(2)
    assert lazy[inner] == whole_module(module)[inner]
    assert len(lazy) < len(whole_module(module)) / 2  # not the whole module's positions
