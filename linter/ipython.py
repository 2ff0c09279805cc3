"""IPython syntax in a notebook cell, neutralised so the cell parses as Python.

Nothing moves: every line keeps its number and the code its columns, so findings in the
rewritten cell are findings in the cell as written.
- a cell run by a non-Python cell magic (``%%bash``, ``%%sql``, ``%%html``, ...) is not Python;
  the Python ones (``%%time``, ``%%timeit``, ``%%capture``, ...) keep their body;
- a line magic, shell escape or help request at the start of a statement (``%pip install x``,
  ``!ls``, ``files = !ls``, ``obj?``) becomes ``pass``, its ``\\`` continuation lines blank;
  inside a string or brackets, the same text is code and stays;
- ``%time stmt`` and ``%timeit stmt`` keep the statement as ``if 1: stmt`` padded to the same
  column, so a timed LLM call is still checked;
- a cell whose first line is indented loses that indentation, as IPython strips it (the
  columns each line lost are returned, to put findings back).
"""

from __future__ import annotations

import ast
import re
import sys
import warnings

PYTHON_CELL_MAGICS = frozenset({"python", "python3", "time", "timeit", "capture", "prun", "debug"})
"""Cell magics whose body is Python run by the kernel; a cell under any other one is skipped."""
_ESCAPE = re.compile(
    r"[!%?/,;]"  # %magic, !shell, ?help, and IPython's autocall escapes
    r"|[A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*\s*=\s*[!%]"  # files = !ls, t = %timeit -o f()
    r"|[\w.\[\]]+\?\??\s*$"  # obj? obj??
)
_TIMED = re.compile(r"%(?:time|timeit)((?:\s+-[a-z](?:\s*\d+)?)*)\s+(?=\S)")
_CODE_EVENT = re.compile(r"'''|\"\"\"|['\"#\\()\[\]{}]")
_CLOSING = {quote: re.compile(r"\\(?s:.)|\\$|" + re.escape(quote)) for quote in ("'''", '"""', "'", '"')}
"""Inside a string: an escape, a backslash ending the line, or the closing quote."""
_COMPOUND = (
    ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try,
    ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
    ast.Match,
    *((ast.TryStar,) if sys.version_info >= (3, 11) else ()),
)
_PARSE_RECURSION_LIMIT = 1000
"""While parsing a statement: CPython's parser bounds its nesting by it."""


def kernel_lines(original: list[str]) -> tuple[list[str], list[int]] | None:
    """The cell's lines as the kernel runs them, and the columns each lost; None: not Python."""
    lines = list(original)
    shifts = [0] * len(lines)
    start = _first_code_line(lines, 0)
    if start is None:
        return lines, shifts
    if lines[start].startswith("%%"):
        words = lines[start][2:].split()
        if not words or words[0] not in PYTHON_CELL_MAGICS:
            return None
        lines[start] = "pass"
        start = _first_code_line(lines, start + 1)
        if start is None:
            return lines, shifts
    indent = lines[start][: len(lines[start]) - len(lines[start].lstrip(" \t"))]
    if indent:
        for number in range(start, len(lines)):
            if lines[number].startswith(indent):
                lines[number] = lines[number][len(indent) :]
                shifts[number] = len(indent)
    _neutralise_magics(lines, start)
    return lines, shifts


def _first_code_line(lines: list[str], start: int) -> int | None:
    return next((number for number in range(start, len(lines)) if lines[number].strip()), None)


def _neutralise_magics(lines: list[str], start: int) -> None:
    """Rewrite IPython syntax at statement starts in place; never inside strings or brackets."""
    state = _Scan()
    continued_magic = False
    for number in range(start, len(lines)):
        line = lines[number]
        if continued_magic:
            continued_magic = line.endswith("\\")
            lines[number] = ""
            continue
        if state.at_statement_start():
            body = line.lstrip(" \t")
            indent = line[: len(line) - len(body)]
            timed = _TIMED.match(body)
            if timed is not None and not body.endswith("\\") and _simple_statements(body[timed.end() :]):
                lines[number] = line = indent + "if 1:".ljust(timed.end()) + body[timed.end() :]
            elif _ESCAPE.match(body):
                lines[number] = indent + "pass"
                continued_magic = body.endswith("\\")
                continue
        state.scan(line)


class _Scan:
    """Whether a line starts a statement: not inside a string, brackets or a ``\\`` continuation."""

    def __init__(self) -> None:
        self.quote = ""
        self.depth = 0
        self.continued = False

    def at_statement_start(self) -> bool:
        return not self.quote and not self.depth and not self.continued

    def scan(self, line: str) -> None:
        self.continued = False
        position = 0
        while position < len(line):
            if self.quote:
                closing = _CLOSING[self.quote]
                while True:
                    match = closing.search(line, position)
                    if match is None:
                        position = len(line)
                        break
                    position = match.end()
                    if match.group() == "\\":  # a backslash at the end: the string goes on
                        self.continued = True
                        break
                    if match.group() == self.quote:
                        self.quote = ""
                        break
                continue
            match = _CODE_EVENT.search(line, position)
            if match is None:
                break
            event, position = match.group(), match.end()
            if event == "#":
                break
            if event == "\\":
                self.continued = position == len(line)
            elif event in "([{":
                self.depth += 1
            elif event in ")]}":
                self.depth = max(self.depth - 1, 0)
            else:
                self.quote = event
        if self.quote in ("'", '"') and not self.continued:
            self.quote = ""  # an unterminated one-line string: the parser will say so


def _simple_statements(code: str) -> bool:
    """``code`` parses as simple statements only, so ``if 1: code`` is valid."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(_PARSE_RECURSION_LIMIT)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    finally:
        sys.setrecursionlimit(limit)
    return bool(tree.body) and not any(isinstance(node, _COMPOUND) for node in tree.body)
