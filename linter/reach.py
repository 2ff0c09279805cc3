"""Which bindings of a name reach a use of it, within one function or module body.

The collector numbers statements in source order (a *tick*) and stamps each binding made in its
scope's own code with a ``Position``: its tick, the block (suite) holding it and the innermost
loop around it in its function. A use is the tick of its statement. A binding reaches a use when
it comes earlier and no binding that always runs in between hides it (one in a block enclosing
the use: the arms of an ``if`` or a ``try`` hide nothing from the code after them), or when it
comes later inside a loop around both and nothing in that loop hides it before the use.
"""

from __future__ import annotations

import sys
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .scopes import Binding

MANY = 32
"""More candidates than this for one use: the caller takes every binding instead (a superset,
answered once per name), so that a long run of ``if`` arms binding one name costs no more than
that name's bindings (not their number times their uses)."""


@dataclass(eq=False)
class Span:
    """The ticks of a block or a loop, ``start`` to ``end`` inclusive (``end`` set when it closes)."""

    start: int
    parent: Span | None = None
    """For a loop: the loop around it in the same function."""
    end: int = sys.maxsize

    def holds(self, tick: int) -> bool:
        return self.start <= tick <= self.end


@dataclass(frozen=True)
class Position:
    tick: int
    block: Span
    loop: Span | None
    hides: bool
    """The binding is made whenever its block runs past it (an assignment, ``with ... as``, an
    import, a ``def``): earlier bindings do not reach the code after it in that block."""


class Timeline:
    """The bindings of one name in one scope, in source order."""

    def __init__(self, bindings: Sequence[Binding]) -> None:
        self.placed = [(binding, binding.at) for binding in bindings if binding.at is not None]
        self.ticks = [at.tick for _, at in self.placed]
        self.anytime = [binding for binding in bindings if binding.at is None]
        """Bindings made from other code (``global``/``nonlocal``): any may be the current one."""

    def reaching(self, tick: int) -> list[Binding] | None:
        """The bindings that may be the one seen at ``tick``; None when there are too ``MANY``."""
        placed = self.placed
        index = bisect_left(self.ticks, tick)
        found = list(self.anytime)
        hidden_before = -1
        for earlier in range(index - 1, -1, -1):
            binding, at = placed[earlier]
            found.append(binding)
            if at.hides and at.block.holds(tick):
                hidden_before = at.tick
                break
            if len(found) > MANY:
                return None
        if index < len(placed):
            outermost = _outermost(placed[index][1].loop)
            if outermost is not None and outermost.holds(tick):
                for later in range(index, len(placed)):
                    binding, at = placed[later]
                    if at.tick > outermost.end:
                        break
                    loop = _around(at.loop, tick)
                    if loop is not None and hidden_before < loop.start:
                        found.append(binding)
                        if len(found) > MANY:
                            return None
        return found


def _outermost(loop: Span | None) -> Span | None:
    while loop is not None and loop.parent is not None:
        loop = loop.parent
    return loop


def _around(loop: Span | None, tick: int) -> Span | None:
    """The innermost of ``loop`` and the loops around it that also holds ``tick``."""
    while loop is not None and not loop.holds(tick):
        loop = loop.parent
    return loop
