"""Loop facts for BL005: what each loop's body does with counters, gathered during the traversal.

``LoopWatch`` holds the collector's visitor methods for loops, counters and the comparisons and
truth tests that bound them; ``collector.py`` mixes it in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from .names import dotted


@dataclass(eq=False)
class LoopFacts:
    """What a loop's body does with counters (BL005), gathered during the traversal."""

    node: cst.For | cst.While
    incremented: set[str] = field(default_factory=set)
    """Names stepped in the loop (``+=``, ``-=``, ``i = i + 1``)."""
    decremented: set[str] = field(default_factory=set)
    """Names counted down in the loop (``tries -= 1``, ``tries = tries - 1``)."""
    compared: set[str] = field(default_factory=set)
    """Names compared with a limit (not with an emptiness value)."""
    floor_tested: set[str] = field(default_factory=set)
    """Names compared with 0 or 1, or tested for truth (``tries <= 0``, ``while tries``, ``not tries``)."""
    interactive: bool = False

    @property
    def has_counter_bound(self) -> bool:
        """A counter stepped and compared with a limit, a count-down tested against its floor, or a length bound."""
        if self.incremented & self.compared or _LEN_BOUND in self.compared:
            return True
        return bool(self.decremented & self.floor_tested)


_LEN_BOUND = "len()"
_INTERACTIVE = ("input", "sys.stdin.readline", "getpass.getpass")
_ORDERING = (cst.LessThan, cst.LessThanEqual, cst.GreaterThan, cst.GreaterThanEqual)


class LoopWatch:
    """The collector's visitor methods for loops (a mixin: the collector owns the state below)."""

    loops: dict[int, LoopFacts]
    """By ``id`` of the loop node."""
    open_loops: list[list[LoopFacts]]
    """Per function being visited: the loops around the current node."""

    def visit_While(self, node: cst.While) -> None:
        facts = self._open_loop(node)
        if name := _truth_tested(node.test):
            facts.floor_tested.add(name)  # while tries:

    def leave_While(self, original_node: cst.While) -> None:
        self._close_loop(original_node)

    def leave_For(self, original_node: cst.For) -> None:
        self._close_loop(original_node)

    def visit_Else(self, node: cst.Else) -> None:
        loops = self.open_loops[-1]
        if loops and loops[-1].node.orelse is node:
            loops.pop()  # a loop's `else:` runs once, after the loop: nothing in it repeats

    def _open_loop(self, node: cst.For | cst.While) -> LoopFacts:
        facts = LoopFacts(node)
        self.loops[id(node)] = facts
        self.open_loops[-1].append(facts)
        return facts

    def _close_loop(self, node: cst.For | cst.While) -> None:
        loops = self.open_loops[-1]
        if loops and loops[-1].node is node:  # else already closed by its `else:` clause
            loops.pop()

    def visit_UnaryOperation(self, node: cst.UnaryOperation) -> None:
        if self.open_loops[-1] and isinstance(node.operator, cst.Not) and (name := _truth_tested(node.expression)):
            for facts in self.open_loops[-1]:
                facts.floor_tested.add(name)  # if not tries: break

    def visit_Comparison(self, node: cst.Comparison) -> None:
        if not self.open_loops[-1]:
            return
        names: set[str] = set()
        floors: set[str] = set()
        left = node.left
        for target in node.comparisons:
            right = target.comparator
            ordering = isinstance(target.operator, _ORDERING)
            equality = isinstance(target.operator, (cst.Equal, cst.NotEqual))
            # A bound compares with a limit: `steps >= MAX`, `i == 10`, `len(history) > 40`;
            # `text != ""` or `len(calls) > 0` test for emptiness, which bounds nothing.
            if (ordering or equality) and not _trivial(left) and not _trivial(right):
                names |= {dotted(left), dotted(right)} - {""}
                if ordering and (_is_len(left) or _is_len(right)):
                    names.add(_LEN_BOUND)
            elif ordering or equality:
                # `tries <= 0`, `retries == 0`: the floor of a count-down (bounds only a decremented name).
                floors |= {dotted(side) for side, other in ((left, right), (right, left)) if isinstance(other, cst.Integer)} - {""}
            left = right
        for facts in self.open_loops[-1]:
            facts.compared |= names
            facts.floor_tested |= floors

    def _stepped(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        """``i = i + 1``, ``tries = tries - 1``: a counter stepped by a plain assignment."""
        if isinstance(value, cst.BinaryOperation) and dotted(target) in (dotted(value.left), dotted(value.right)):
            down = isinstance(value.operator, cst.Subtract) and dotted(target) == dotted(value.left)
            self._count(target, down)

    def _count(self, target: cst.BaseExpression, down: bool = False) -> None:
        name = dotted(target)
        for facts in self.open_loops[-1]:
            facts.incremented.add(name)
            if down:
                facts.decremented.add(name)

    def _interactive_call(self, node: cst.Call) -> None:
        if self.open_loops[-1] and dotted(node.func) in _INTERACTIVE:
            for facts in self.open_loops[-1]:
                facts.interactive = True


def _trivial(node: cst.BaseExpression) -> bool:
    """0, 1, None, an empty string or collection: values that test emptiness, not a limit."""
    if isinstance(node, cst.Integer):
        return node.evaluated_value in (0, 1)
    if isinstance(node, cst.Name):
        return node.value in ("None", "True", "False")
    if isinstance(node, cst.SimpleString):
        return node.evaluated_value in ("", b"")
    if isinstance(node, (cst.List, cst.Tuple, cst.Dict, cst.Set)):
        return not node.elements
    return False


def _truth_tested(node: cst.BaseExpression) -> str:
    """The counter a truth test reads (``while tries``, ``not self.budget``), or ``""``."""
    return dotted(node) if isinstance(node, (cst.Name, cst.Attribute)) else ""


def _is_len(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "len"
