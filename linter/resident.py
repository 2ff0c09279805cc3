"""What the language server keeps between lints (open documents' trees, projects' modules),
hidden from CPython's cyclic garbage collector, and lints run with the collector paused."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


class Resident:
    """Settles the collector when what is kept changes."""

    def __init__(self) -> None:
        self.settled: tuple = ()
        """What was kept (``Workspace.kept``) when the collector was last settled."""

    def settle(self, kept: tuple) -> None:
        """When what the workspace keeps changed: hide it from the cyclic garbage collector, whose
        full collections would otherwise walk every node of every open document, tens of
        milliseconds in a keystroke's lint of a large file. Frozen objects are still freed when
        dropped (a libcst tree has no cycles: reference counting frees it); a cycle frozen would
        outlive its use, so what was frozen is thawed and collected first."""
        if kept == self.settled:
            return
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        self.settled = kept


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while a buffer is linted: what a lint allocates lives until
    it ends (and most of it is then freed by reference counting), so collections during it would
    only walk it again and again; the first young collection after it frees the cycles it left.
    Likewise while libcst, the engine and the rules load (``runner``, ``commands.all_rules``):
    what an import makes lives on."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
