"""Jupyter notebooks: their code cells as one Python module, and the way back to the cells.

A kernel runs a notebook's code cells in one namespace, so budgetlint lints them the same way:
the code cells, in order, are one module, and a client built in cell 1 resolves in cell 3. Each
finding is then placed back in its cell: ``cell`` is the 1-based index among *all* the
notebook's cells (markdown ones included, as Jupyter shows them), ``line``/``column`` are inside
that cell, and ``raw_region`` is where the flagged code sits in the ``.ipynb`` file's JSON text,
for the reports that point into files as stored (SARIF, GitHub annotations).

IPython syntax (magics, shell escapes) is neutralised line for line by ``ipython.py``; a cell
under a non-Python cell magic is left out.
"""

from __future__ import annotations

import json
import json.decoder
import json.scanner
import re
import sys
from bisect import bisect_right
from dataclasses import dataclass, replace

from . import ipython
from .finding import Finding

SUFFIX = ".ipynb"
PYTHON_LANGUAGES = frozenset({"python", "python3", "ipython", "ipython3"})
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_PARSE_RECURSION_LIMIT = 1000
"""While decoding JSON: notebooks are shallow, hostile input is not."""


class NotebookError(ValueError):
    """A file that is not a readable notebook; ``line``/``column`` locate it in the JSON text."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


@dataclass(frozen=True)
class CodeCell:
    index: int
    """1-based, among all the notebook's cells."""
    lines: tuple[str, ...]
    """The cell as the kernel runs it (IPython syntax neutralised), without line ends."""
    shifts: tuple[int, ...]
    """Per line: the columns the leading-indentation strip removed."""
    original: tuple[str, ...]
    """The cell's own lines, for the text report's caret."""
    starts: tuple[int, ...]
    """Per line: its offset in the cell's source text."""

    @property
    def text(self) -> str:
        return "".join(line + "\n" for line in self.lines)


@dataclass(frozen=True)
class Module:
    """Some code cells concatenated: the text to lint and which line came from which cell."""

    text: str
    cells: tuple[CodeCell, ...]
    firsts: tuple[int, ...]
    """The module line of each cell's first line."""

    def cell_at(self, line: int) -> tuple[CodeCell, int]:
        """The cell that holds module ``line``, and how many module lines precede that cell."""
        position = max(bisect_right(self.firsts, line) - 1, 0)
        return self.cells[position], self.firsts[position] - 1


class Notebook:
    def __init__(self, raw: str, cells: tuple[CodeCell, ...], is_python: bool) -> None:
        self.raw = raw
        self.cells = cells
        """The code cells to lint, in order (cells under a non-Python cell magic left out)."""
        self.is_python = is_python
        """False when the notebook's kernel declares another language: nothing to lint."""
        self._fragments: dict[int, list[_Located]] | None = None

    def module(self, skip: frozenset[int] = frozenset()) -> Module:
        """The code cells but those whose index is in ``skip``, as one module."""
        kept, firsts, lines = [], [], 0
        for cell in self.cells:
            if cell.index in skip or not cell.lines:
                continue
            kept.append(cell)
            firsts.append(lines + 1)
            lines += len(cell.lines)
        return Module("".join(cell.text for cell in kept), tuple(kept), tuple(firsts))

    def place(self, finding: Finding, cell: CodeCell, offset: int = 0) -> Finding:
        """``finding``, located at module lines ``offset`` + its lines, moved into ``cell``."""
        last = len(cell.lines)
        line = min(max(finding.line - offset, 1), last)
        end_line = min(max(finding.end_line - offset, line), last)
        if finding.end_line - offset > last:  # ran past the cell: end at its last character
            end_column = len(cell.original[end_line - 1]) + 1
        else:
            end_column = finding.end_column + cell.shifts[end_line - 1]
        column = finding.column + cell.shifts[line - 1]
        if end_line == line:
            end_column = max(end_column, column)
        return replace(
            finding,
            cell=cell.index,
            line=line,
            column=column,
            end_line=end_line,
            end_column=end_column,
            source_line=cell.original[line - 1],
            raw_region=(*self._raw_position(cell, line, column), *self._raw_position(cell, end_line, end_column, end=True)),
        )

    def _raw_position(self, cell: CodeCell, line: int, column: int, end: bool = False) -> tuple[int, int]:
        """(line, column), 1-based, in the JSON text of ``line``/``column`` of ``cell``.

        With ``end``, the column is exclusive: the position just after the previous character.
        """
        fragments = self._located()[cell.index]
        column = min(column, len(cell.original[line - 1]) + 1)  # `pass` may be longer than `!ls`
        wanted = cell.starts[line - 1] + column - 1
        position, offset = 0, 0
        for fragment in fragments:
            inside = wanted < offset + len(fragment) or (end and wanted == offset + len(fragment))
            if inside or fragment is fragments[-1]:
                position = _raw_offset(self.raw, fragment.offset, min(max(wanted - offset, 0), len(fragment)))
                break
            offset += len(fragment)
        start = self.raw.rfind("\n", 0, position) + 1
        return self.raw.count("\n", 0, position) + 1, position - start + 1

    def _located(self) -> dict[int, list[_Located]]:
        """The source fragments of each code cell, each knowing its offset in the JSON text."""
        if self._fragments is None:
            data = _decode(self.raw, _located_decoder())
            self._fragments = {}
            for index, cell in enumerate(data["cells"], start=1):
                if isinstance(cell, dict) and cell.get("cell_type") == "code":
                    source = cell.get("source", "")
                    self._fragments[index] = [source] if isinstance(source, str) else list(source)
        return self._fragments


def read(source: bytes) -> Notebook:
    """The notebook in ``source``; raises ``NotebookError`` when it is not one."""
    try:
        raw = source.decode("utf-8")
    except UnicodeDecodeError as error:
        raise NotebookError(f"not UTF-8 ({error.reason} at byte {error.start})") from None
    raw = raw.removeprefix("\ufeff")
    data = _decode(raw, json.JSONDecoder())
    if not isinstance(data, dict):
        raise NotebookError("not a notebook: the JSON document is not an object")
    cells = data.get("cells")
    if not isinstance(cells, list):
        if "worksheets" in data:
            raise NotebookError(
                "nbformat 3 notebooks are not supported: convert it with `jupyter nbconvert --to notebook --inplace`"
            )
        raise NotebookError('not a notebook: no "cells" list')
    code_cells = []
    for index, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict):
            raise NotebookError(f"cell {index} is not an object")
        if cell.get("cell_type") != "code":
            continue
        text = _source_text(cell.get("source", ""), index)
        code = _code_cell(index, text)
        if code is not None:
            code_cells.append(code)
    return Notebook(raw, tuple(code_cells), _is_python(data.get("metadata")))


def _decode(raw: str, decoder: json.JSONDecoder) -> object:
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(_PARSE_RECURSION_LIMIT)
    try:
        return decoder.decode(raw)
    except json.JSONDecodeError as error:
        raise NotebookError(f"invalid JSON: {error.msg}", error.lineno, error.colno) from None
    except RecursionError:
        raise NotebookError("invalid JSON: nesting too deep") from None
    finally:
        sys.setrecursionlimit(limit)


def _source_text(source: object, index: int) -> str:
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(part, str) for part in source):
        return "".join(source)
    raise NotebookError(f'cell {index}: "source" is not a string or a list of strings')


def _is_python(metadata: object) -> bool:
    if not isinstance(metadata, dict):
        return True
    for key, field in (("kernelspec", "language"), ("language_info", "name")):
        section = metadata.get(key)
        if isinstance(section, dict) and isinstance(section.get(field), str) and section[field]:
            return section[field].lower() in PYTHON_LANGUAGES
    return True


def _code_cell(index: int, text: str) -> CodeCell | None:
    original, starts, position = [], [], 0
    for match in _LINE_BREAK.finditer(text):
        original.append(text[position : match.start()])
        starts.append(position)
        position = match.end()
    if position < len(text):  # a last line without a line break
        original.append(text[position:])
        starts.append(position)
    kernel = ipython.kernel_lines(original)
    if kernel is None:
        return None
    lines, shifts = kernel
    return CodeCell(index, tuple(lines), tuple(shifts), tuple(original), tuple(starts))


class _Located(str):
    """A JSON string value that knows the offset of its opening quote in the JSON text."""

    offset: int


def _located_decoder() -> json.JSONDecoder:
    """A decoder whose string values are ``_Located`` (the pure-Python scanner, for its hook)."""
    decoder = json.JSONDecoder()

    def parse_string(text: str, end: int, strict: bool) -> tuple[_Located, int]:
        value, after = json.decoder.scanstring(text, end, strict)
        located = _Located(value)
        located.offset = end - 1
        return located, after

    decoder.parse_string = parse_string  # type: ignore[attr-defined]
    decoder.scan_once = json.scanner.py_make_scanner(decoder)  # type: ignore[attr-defined]
    return decoder


def _raw_offset(raw: str, quote: int, index: int) -> int:
    """Offset in ``raw`` of character ``index`` of the JSON string literal opening at ``quote``."""
    position = quote + 1
    for _ in range(index):
        if raw[position] != "\\":
            position += 1
        elif raw[position + 1] != "u":
            position += 2
        elif _surrogate_pair(raw, position):
            position += 12
        else:
            position += 6
    return position


def _surrogate_pair(raw: str, position: int) -> bool:
    """``\\uD8xx\\uDCxx`` at ``position``: one character, as the JSON decoder joins them."""
    try:
        high = int(raw[position + 2 : position + 6], 16)
        if not 0xD800 <= high <= 0xDBFF or raw[position + 6 : position + 8] != "\\u":
            return False
        return 0xDC00 <= int(raw[position + 8 : position + 12], 16) <= 0xDFFF
    except ValueError:
        return False


def code_of(source: bytes, name: str) -> bytes:
    """A file's code: a notebook's code cells as one module (nothing for a broken notebook), any
    other file as it is."""
    if not name.endswith(SUFFIX):
        return source
    try:
        return read(source).module().text.encode("utf-8", "surrogatepass")
    except NotebookError:
        return b""
