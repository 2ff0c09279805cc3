"""Autofix: the edits rules propose, applied in one libcst pass, and files rewritten safely.

A rule's ``Report`` may carry a ``Fix``: edits addressed to nodes of the parsed module by
identity (replace this expression; add this keyword to that call or this key to that dict).
The edits know no SDK: what to add and where comes from the rule, which reads the catalog.
Everything else in the file stays byte for byte as it was: libcst keeps comments, spacing,
the encoding, a BOM and the line endings, and an added argument copies its neighbours' layout.
"""

from __future__ import annotations

import ast
import difflib
import os
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import libcst as cst

from .finding import Finding
from .interrupts import held_interrupts, replace_file, write_in_place
from .layout import wrap_long_lines
from .notebook import SUFFIX as NOTEBOOK_SUFFIX
from .walk import ReadOnlyWalker

@dataclass(frozen=True)
class Replace:
    """Put ``new`` where ``node`` is (``RemovalSentinel.REMOVE``: remove an element of a sequence, a line)."""

    node: cst.CSTNode
    new: cst.CSTNode | cst.RemovalSentinel


@dataclass(frozen=True)
class AddEntry:
    """Add ``key=value`` to a call's keyword arguments, or ``"key": value`` to a dict literal."""

    target: cst.Call | cst.Dict
    key: str
    value: cst.BaseExpression


Edit = Replace | AddEntry


@dataclass(frozen=True)
class Fix:
    """The edits that repair one finding."""

    edits: tuple[Edit, ...]
    safe: bool = True
    """As ruff defines it: safe fixes apply with ``--fix``, unsafe ones only with ``--unsafe-fixes``."""
    imports: tuple[str, ...] = ()
    """Modules the edits use: ``import os`` is added where isort puts it when missing (``_ensure_import``)."""


@dataclass(frozen=True)
class FileFix:
    """What fixing did to one file's bytes (picklable: it comes back from ``--jobs`` workers)."""

    original: bytes
    fixed: bytes | None
    """None when the fixes could not be applied; ``error`` says why."""
    applied: int
    before: tuple[Finding, ...]
    """The findings of the file as it is, reported when it is not rewritten."""
    error: str = ""
    codes: tuple[tuple[str, int], ...] = ()
    """How many findings of each code were fixed, by code (``--show-fixes``)."""

    @property
    def changed(self) -> bool:
        return self.fixed is not None and self.fixed != self.original


class FixError(Exception):
    """The fixed code would not parse: the file is left alone."""


def may_rewrite(path: str) -> bool:
    """Notebooks are linted, never rewritten: their cells live inside JSON."""
    return not path.lower().endswith(NOTEBOOK_SUFFIX)


def fix_module(
    module: cst.Module, fixes: list[Fix], original: bytes, line_length: int | None = None
) -> tuple[bytes, list[Fix]]:
    """``module`` with ``fixes`` applied, as bytes, and the fixes that fully applied.

    With ``line_length``, a call or dict that a fix made longer than that is split one entry per
    line (``layout.wrap_long_lines``). Raises ``FixError`` when the result does not parse (with
    libcst, and with CPython when it parsed the original), so a broken fix never reaches a file.
    """
    applier = _Apply(fixes)
    try:
        fixed = module.visit(applier)
        applied = [fix for fix in fixes if applier.applied(fix)]
        for name in sorted({name for fix in applied for name in fix.imports}):
            fixed = _ensure_import(fixed, name)
        if line_length is not None:
            fixed = wrap_long_lines(fixed, module.code, line_length)
        data = fixed.bytes
        if original.endswith(b"\r") and not module.has_trailing_newline:
            data += b"\r"  # libcst takes a CR-only file's last line break for none, and drops it
        cst.parse_module(data)
    except (cst.CSTValidationError, cst.ParserSyntaxError, ValueError, TypeError, AttributeError) as error:
        # libcst validates a node when its parent is rebuilt; an ill-typed edit fails there.
        reason = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise FixError(f"the fixed code would not parse ({type(error).__name__}: {reason})") from error
    if _cpython_parses(original) and not _cpython_parses(data):
        raise FixError("the fixed code would not compile")
    return data, applied


def _cpython_parses(source: bytes) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


class _Apply(cst.CSTTransformer):
    """One pass over the module: each edited node is rewritten as the traversal leaves it."""

    def __init__(self, fixes: list[Fix]) -> None:
        super().__init__()
        self.replace: dict[int, cst.CSTNode | cst.RemovalSentinel] = {}
        self.add: dict[int, dict[str, cst.BaseExpression]] = {}
        for fix in fixes:
            for edit in fix.edits:
                if isinstance(edit, Replace):
                    self.replace.setdefault(id(edit.node), edit.new)  # the first fix of a node wins
                else:
                    self.add.setdefault(id(edit.target), {}).setdefault(edit.key, edit.value)
        self.done: set[tuple[int, str]] = set()

    def applied(self, fix: Fix) -> bool:
        return all(_key(edit) in self.done for edit in fix.edits)

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> cst.CSTNode | cst.RemovalSentinel:
        new = self.replace.get(id(original_node))
        if new is not None:
            self.done.add((id(original_node), ""))
            return new
        entries = self.add.get(id(original_node))
        if entries and isinstance(updated_node, (cst.Call, cst.Dict)):
            for key in entries:
                self.done.add((id(original_node), key))
            return _add_entries(updated_node, entries)
        return updated_node


def _key(edit: Edit) -> tuple[int, str]:
    return (id(edit.node), "") if isinstance(edit, Replace) else (id(edit.target), edit.key)


# --- adding an entry, in the layout of its neighbours ----------------------------------------

def _add_entries(node: cst.Call | cst.Dict, entries: dict[str, cst.BaseExpression]) -> cst.Call | cst.Dict:
    for key, value in entries.items():
        if isinstance(node, cst.Call):
            if not any(arg.keyword is not None and arg.keyword.value == key for arg in node.args):
                node = _add_keyword(node, key, value)
        elif key not in _dict_keys(node):
            node = _add_key(node, key, value)
    return node


def _add_keyword(call: cst.Call, key: str, value: cst.BaseExpression) -> cst.Call:
    equal = cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(""))
    new = cst.Arg(value=value, keyword=cst.Name(key), equal=equal)
    args = list(call.args)
    if not args:
        return call.with_changes(args=[new])
    last = args[-1]
    trailing = isinstance(last.comma, cst.Comma)
    closing = last.comma.whitespace_after if trailing else last.whitespace_after_arg
    before = args[-2].comma.whitespace_after if len(args) > 1 and isinstance(args[-2].comma, cst.Comma) else call.whitespace_before_args
    separator, closing = _layout(before, closing)
    comma = last.comma if trailing else cst.Comma()
    args[-1] = last.with_changes(comma=comma.with_changes(whitespace_after=separator), whitespace_after_arg=cst.SimpleWhitespace(""))
    if trailing:
        new = new.with_changes(comma=cst.Comma(whitespace_after=closing))
    else:
        new = new.with_changes(whitespace_after_arg=closing)
    return call.with_changes(args=[*args, new])


def _add_key(node: cst.Dict, key: str, value: cst.BaseExpression) -> cst.Dict:
    new = cst.DictElement(cst.SimpleString(_quote(key, node)), value)
    elements = list(node.elements)
    if not elements:
        return node.with_changes(elements=[new])
    last = elements[-1]
    trailing = isinstance(last.comma, cst.Comma)
    before = elements[-2].comma.whitespace_after if len(elements) > 1 and isinstance(elements[-2].comma, cst.Comma) else node.lbrace.whitespace_after
    separator, closing = _layout(before, node.rbrace.whitespace_before)
    comma = last.comma if trailing else cst.Comma()
    elements[-1] = last.with_changes(comma=comma.with_changes(whitespace_after=separator))
    if trailing:
        new = new.with_changes(comma=cst.Comma())
    return node.with_changes(elements=[*elements, new], rbrace=node.rbrace.with_changes(whitespace_before=closing))


def _layout(
    before: cst.BaseParenthesizableWhitespace, closing: cst.BaseParenthesizableWhitespace
) -> tuple[cst.BaseParenthesizableWhitespace, cst.BaseParenthesizableWhitespace]:
    """(whitespace after the comma that now follows the old last entry, whitespace before the bracket).

    ``before`` is the whitespace in front of the old last entry (after the previous comma or the
    opening bracket), ``closing`` the whitespace before the closing bracket. One entry per line
    stays one entry per line, and a comment after the old last entry stays on its line.
    """
    if isinstance(closing, cst.ParenthesizedWhitespace):
        if isinstance(before, cst.ParenthesizedWhitespace):
            indent, last_line = before.indent, before.last_line
        elif closing.first_line.comment is None:
            return cst.SimpleWhitespace(" "), closing
        else:
            indent, last_line = closing.indent, closing.last_line
        separator = cst.ParenthesizedWhitespace(first_line=closing.first_line, indent=indent, last_line=last_line)
        return separator, closing.with_changes(first_line=cst.TrailingWhitespace())
    if isinstance(before, cst.ParenthesizedWhitespace):  # a hanging indent: f(a,\n  b)
        return cst.ParenthesizedWhitespace(indent=before.indent, last_line=before.last_line), closing
    return cst.SimpleWhitespace(" "), closing


def _dict_keys(node: cst.Dict) -> set[str]:
    keys = set()
    for element in node.elements:
        if isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString):
            value = element.key.evaluated_value
            if isinstance(value, str):
                keys.add(value)
    return keys


def _quote(key: str, node: cst.Dict) -> str:
    """``key`` quoted like the dict's existing string keys (double quotes by default)."""
    for element in node.elements:
        if isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString):
            if element.key.quote == "'":
                return f"'{key}'"
            break
    return f'"{key}"'


# --- imports ---------------------------------------------------------------------------------

def _ensure_import(module: cst.Module, name: str) -> cst.Module:
    """``import name`` where isort (ruff's ``I001``) puts it, unless the imports at the top of
    the module already have it: sorted among the standard library's ``import`` statements, or as
    a new block after the docstring and ``__future__`` imports and before the other imports, with
    blank lines around it as isort leaves them. ``name`` is a standard-library module."""
    body = list(module.body)
    start = 1 if body and _is_docstring(body[0]) else 0
    end = start
    while end < len(body) and _is_import(body[end]):
        if any(_imports(statement, name) for statement in body[end].body):
            return module
        end += 1
    statement = cst.SimpleStatementLine([cst.Import([cst.ImportAlias(cst.Name(name))])])
    sections = [_section(body[index]) for index in range(start, end)]
    stdlib = [start + offset for offset, section in enumerate(sections) if section == "stdlib"]
    straight = [index for index in stdlib if isinstance(body[index].body[0], cst.Import)]
    after = [index for index in straight if _first_name(body[index]) > name.lower()]
    if after or (stdlib and not straight):  # before a later one (or the first ``from`` import)
        index = after[0] if after else stdlib[0]
        blank, rest = _split_leading(body[index])
        # A comment above an import stays with it, after a blank line (as isort leaves it).
        body[index] = body[index].with_changes(leading_lines=[cst.EmptyLine(), *rest] if rest else [])
        body.insert(index, statement.with_changes(leading_lines=blank if index == stdlib[0] else []))
    elif straight:  # after the last one
        body.insert(straight[-1] + 1, statement)
    else:  # a block of its own, after ``__future__`` and before the other imports
        futures = [start + offset for offset, section in enumerate(sections) if section == "future"]
        index = futures[-1] + 1 if futures else start
        blank: list[cst.EmptyLine] = [cst.EmptyLine()] if futures else []
        if index < len(body):
            lead, rest = _split_leading(body[index])
            blank = blank or lead  # the blank lines after a docstring stay before the imports
            # One blank line before the next block of imports; isort's one or two before code.
            gap = 1 if index < end or not isinstance(body[index], (cst.FunctionDef, cst.ClassDef)) else 2
            body[index] = body[index].with_changes(leading_lines=[cst.EmptyLine()] * gap + rest)
        body.insert(index, statement.with_changes(leading_lines=blank))
    return module.with_changes(body=body)


def _section(statement: cst.SimpleStatementLine) -> str:
    """isort's section of an import statement: future, stdlib, local (relative) or other."""
    first = statement.body[0]
    if isinstance(first, cst.ImportFrom):
        if first.relative:
            return "local"
        module = first.module
    else:
        module = first.names[0].name
    while isinstance(module, cst.Attribute):
        module = module.value
    top = module.value if isinstance(module, cst.Name) else ""
    if top == "__future__":
        return "future"
    return "stdlib" if top in sys.stdlib_module_names else "other"


def _first_name(statement: cst.SimpleStatementLine) -> str:
    """The module an ``import`` statement names first, as isort sorts it (case-insensitively)."""
    first = statement.body[0]
    assert isinstance(first, cst.Import)
    return cst.Module([]).code_for_node(first.names[0].name).lower()


def _split_leading(statement: cst.CSTNode) -> tuple[list[cst.EmptyLine], list[cst.EmptyLine]]:
    """A statement's leading lines: the blank ones before its first comment, and the rest."""
    lines = list(getattr(statement, "leading_lines", ()))
    count = 0
    while count < len(lines) and lines[count].comment is None:
        count += 1
    return lines[:count], lines[count:]


def _is_docstring(statement: cst.CSTNode) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _is_import(statement: cst.CSTNode) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(small, (cst.Import, cst.ImportFrom)) for small in statement.body
    )


def _imports(small: cst.BaseSmallStatement, name: str) -> bool:
    """``import name`` (or ``import name.sub``, which binds ``name`` too)."""
    if not isinstance(small, cst.Import):
        return False
    for alias in small.names:
        root = alias.name
        while isinstance(root, cst.Attribute):
            root = root.value
        if alias.asname is None and isinstance(root, cst.Name) and root.value == name:
            return True
    return False


# --- what rules need to know about where a node sits ---------------------------------------

def operand_ids(module: cst.Module) -> frozenset[int]:
    """The ids of every operand of a binary operation (``"http://host" + path``).

    One read-only walk of the module (``walk.ReadOnlyWalker``, not libcst's ``visit``, which
    rebuilds every node): rules call it only for files where a fix depends on it.
    """
    walker = _Operands()
    walker.walk(module)
    return frozenset(walker.found)


class _Operands(ReadOnlyWalker):
    def __init__(self) -> None:
        self.found: set[int] = set()

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        self.found.update((id(node.left), id(node.right)))


# --- files -----------------------------------------------------------------------------------

_C_ESCAPES = {0x07: b"\\a", 0x08: b"\\b", 0x09: b"\\t", 0x0A: b"\\n", 0x0B: b"\\v", 0x0C: b"\\f", 0x0D: b"\\r", 0x22: b'\\"', 0x5C: b"\\\\"}


def git_quoted(name: bytes) -> bytes:
    """``name`` as git writes it in a patch header: C-style quoted when it holds a control
    character, a double quote, a backslash or a byte above 0x7e (git's default ``core.quotePath``),
    with the usual escapes and octal for the rest; any other name as it is."""
    if not any(byte < 0x20 or byte > 0x7E or byte in _C_ESCAPES for byte in name):
        return name
    out = bytearray(b'"')
    for byte in name:
        if byte in _C_ESCAPES:
            out += _C_ESCAPES[byte]
        elif byte < 0x20 or byte > 0x7E:
            out += b"\\%03o" % byte
        else:
            out.append(byte)
    return bytes(out + b'"')


def unified_diff(path: str, original: bytes, fixed: bytes) -> bytes:
    """A ``git apply``-compatible diff (``a/`` and ``b/`` prefixes, odd names quoted as git
    quotes them), in the file's own bytes."""
    before = original.splitlines(keepends=True)
    after = fixed.splitlines(keepends=True)
    name = path.encode("utf-8", "surrogateescape")
    old, new = git_quoted(b"a/" + name), git_quoted(b"b/" + name)
    lines = difflib.diff_bytes(difflib.unified_diff, before, after, old, new, lineterm=b"\n")
    out = bytearray()
    for line in lines:
        if line.startswith((b"---", b"+++")):
            out += line.rstrip(b"\r\n") + b"\n"
        elif line.startswith((b" ", b"-", b"+")) and not line.endswith((b"\n", b"\r")):
            out += line + b"\n\\ No newline at end of file\n"
        else:
            out += line
    return bytes(out)


@held_interrupts()  # Ctrl-C waits until the file is written, and leaves no temporary file
def write_atomic(path: Path, original: bytes, fixed: bytes) -> str:
    """Replace ``path``'s content with ``fixed``; an error message, or "" when written.

    Written with ``interrupts.replace_file``: readers see the old file or the new one, never half
    of one; permissions, owner and a symlink are kept. A file with other hard links is written in
    place instead (``interrupts.write_in_place``: an interrupt still leaves old or new content), so
    every name shows the fix. A file that changed since it was linted, or that is read-only (no
    write permission bit, or not writable by this user), is left alone.
    """
    try:
        with open(path, "rb") as handle:
            info = os.fstat(handle.fileno())
            current = handle.read()
        if current == fixed:
            return ""
        if current != original:
            return "changed while it was being fixed; left alone"
        if not info.st_mode & 0o222 or not os.access(path, os.W_OK):  # root may write a 0444 file
            return "cannot rewrite: read-only"
        if info.st_nlink > 1:
            write_in_place(path, fixed)
        else:
            replace_file(path, fixed)
    except OSError as error:
        return f"cannot rewrite: {error.strerror or error}"
    return ""
