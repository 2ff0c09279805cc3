"""Whether a module can be parsed safely, and the parse itself: CPython's verdict first, then libcst."""

from __future__ import annotations

import ast
import re
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import libcst as cst
from libcst import CSTNode

MAX_BOOL_CHAIN = 1000
"""Operands of one ``and``/``or`` chain: CPython keeps them flat, libcst nests one level each."""
_BOOL_OPERATORS = re.compile(rb"\b(?:and|or)\b")
_CPYTHON_RECURSION_LIMIT = 1000
"""While CPython pre-parses: nesting it accepts under this limit is nesting libcst survives."""


def cell_error(text: str) -> tuple[str, int, int] | None:
    """Why one notebook cell cannot be analysed: (message, line, column) in the cell; None if it can."""
    refusal, cpython_error = cpython_verdict(text.encode("utf-8", "surrogatepass"), text)
    if refusal is not None:
        return f"cannot analyse cell: {refusal.msg}", refusal.lineno or 1, refusal.offset or 1
    if cpython_error is None:
        return None
    try:  # libcst may accept syntax newer than the running interpreter; then, as for a file, it is analysed
        with unvalidated():  # as the file is parsed: validation may refuse what the parser accepts
            cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        if cpython_error.lineno:
            return f"syntax error: {cpython_error.msg}", cpython_error.lineno, max(cpython_error.offset or 1, 1)
        return f"syntax error: {error.message}", error.raw_line, error.raw_column + 1
    return None


def cpython_verdict(source: bytes, text: str) -> tuple[SyntaxError | None, SyntaxError | None]:
    """Parse with CPython first: (nesting too deep to analyse, syntax error to report)."""
    refusal, error, _ = cpython_tree(source, text)
    return refusal, error


def cpython_tree(source: bytes, text: str) -> tuple[SyntaxError | None, SyntaxError | None, ast.Module | None]:
    """``cpython_verdict``, with the tree when CPython accepts the module (for ``triage.py``).

    libcst's native parser recurses once per nesting level and overflows the C stack on deep
    enough input: a crash of the whole run, not an exception. CPython's parser bounds its own
    recursion, so what it refuses as too deep is refused here before libcst sees it. Other
    CPython syntax errors are only used for their location: libcst may accept syntax newer
    than the running interpreter.
    """
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(_CPYTHON_RECURSION_LIMIT)  # CPython scales its nesting bound by this limit
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text)  # not the bytes: columns in characters, as libcst counts them
    except (RecursionError, MemoryError):
        return SyntaxError("nesting too deep"), None, None
    except SyntaxError as error:
        if error.msg.startswith("too many"):  # nested parentheses, levels of indentation
            return error, None, None
        return None, error, None
    except ValueError:
        return None, None, None
    finally:
        sys.setrecursionlimit(limit)
    if source.count(b"and") + source.count(b"or") > MAX_BOOL_CHAIN and len(_BOOL_OPERATORS.findall(source)) > MAX_BOOL_CHAIN:
        for node in ast.walk(tree):
            if isinstance(node, ast.BoolOp) and len(node.values) > MAX_BOOL_CHAIN:
                return SyntaxError("nesting too deep", ("", node.lineno, 1, "")), None, None
    return None, None, tree


@contextmanager
def unvalidated() -> Iterator[None]:
    """While parsing, libcst's nodes skip their own validation (``CSTNode.__post_init__``).

    The parser builds valid nodes by construction; validating each again was 14% of parsing
    (libcst's own comment there says as much). Nodes built anywhere else (fixes) are validated.
    """
    original = CSTNode.__dict__.get("__post_init__")
    if original is None:  # another libcst: leave it alone
        yield
        return
    CSTNode.__post_init__ = _no_validation  # type: ignore[method-assign]
    try:
        yield
    finally:
        CSTNode.__post_init__ = original  # type: ignore[method-assign]


def _no_validation(self: CSTNode) -> None:
    pass
