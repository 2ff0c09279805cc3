"""The read-only walk: every node of the fields it reads, in their order, with the hooks of each node type."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import libcst as cst
import pytest

from budgetlint.collector import Collector
from budgetlint.walk import _SKIPPED_FIELDS, ReadOnlyWalker, node_types

ROOT = Path(__file__).resolve().parent.parent


def _reference(node: cst.CSTNode, seen: list[tuple[str, int]]) -> None:
    """The walk spelled out plainly: every field not skipped, in dataclass order, every node in it."""
    seen.append(("visit", id(node)))
    for field in dataclasses.fields(node):
        if field.name in _SKIPPED_FIELDS or field.name.startswith("whitespace"):
            continue
        value = getattr(node, field.name)
        for item in value if isinstance(value, (tuple, list)) else (value,):
            if isinstance(item, cst.CSTNode):
                _reference(item, seen)
    seen.append(("leave", id(node)))


class _Walked(ReadOnlyWalker):
    def __init__(self) -> None:
        self.seen: list[tuple[str, int]] = []

    def enter(self, node: cst.CSTNode) -> None:
        self.seen.append(("visit", id(node)))

    def exit(self, node: cst.CSTNode) -> None:
        self.seen.append(("leave", id(node)))


_SOURCES = sorted((ROOT / "linter").glob("*.py"))[:15] + sorted((ROOT / "examples").rglob("*.py"))[:10]


@pytest.mark.parametrize("path", _SOURCES, ids=lambda path: path.name)
def test_the_walk_sees_every_node_of_the_fields_it_reads_in_their_order(path: Path):
    module = cst.parse_module(path.read_text(encoding="utf-8"))
    expected: list[tuple[str, int]] = []
    _reference(module, expected)
    walked = _Walked()
    walked.walk(module)
    assert walked.seen == expected


def test_a_visit_returning_false_skips_the_children_and_still_leaves():
    class Calls(ReadOnlyWalker):
        def __init__(self) -> None:
            self.calls: list[str] = []
            self.left: list[str] = []

        def visit_Call(self, node: cst.Call) -> None:
            self.calls.append(cst.Module([]).code_for_node(node.func))

        def visit_Lambda(self, node: cst.Lambda) -> bool:
            return False

        def leave_Lambda(self, original_node: cst.Lambda) -> None:
            self.left.append("lambda")

    walker = Calls()
    walker.walk(cst.parse_module("f(lambda: g(), h())\n"))
    assert walker.calls == ["f", "h"]
    assert walker.left == ["lambda"]


def test_hooks_are_per_walker_class():
    class Names(ReadOnlyWalker):
        def __init__(self) -> None:
            self.names: list[str] = []

        def visit_Name(self, node: cst.Name) -> None:
            self.names.append(node.value)

    class Nothing(ReadOnlyWalker):
        pass

    module = cst.parse_module("import os\nx = os.path.join(a, b=c)\n")
    Nothing().walk(module)
    walker = Names()
    walker.walk(module)
    assert walker.names == ["os", "x", "os", "path", "join", "a", "c", "b"]  # an argument's value, then its keyword


def test_a_comprehensions_first_iterable_runs_in_the_scope_around_it():
    module = cst.parse_module("def f(rows):\n    return [g(r) for r in h(rows) if k(r) for s in m(r)]\n")
    collector = Collector(module)
    collector.walk(module)
    scopes = {cst.Module([]).code_for_node(call.node.func): call.scope.kind for call in collector.calls}
    assert scopes == {"g": "comprehension", "h": "function", "k": "comprehension", "m": "comprehension"}
    assert not collector.switched


@pytest.mark.parametrize("bases", [(cst.CSTNode,), (cst.BaseSuite, cst.BaseStatement, cst.Else), (cst.BaseExpression,)])
def test_node_types_are_the_node_classes_issubclass_finds(bases):
    """Found by their MRO (a failing ``issubclass`` against libcst's abstract classes is slow),
    they are exactly the classes ``issubclass`` accepts."""
    expected = {value for value in vars(cst).values() if isinstance(value, type) and issubclass(value, bases)}
    assert node_types(*bases) == expected
    assert cst.Name in node_types(cst.CSTNode) and cst.MaybeSentinel not in node_types(cst.CSTNode)
