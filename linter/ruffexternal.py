"""``init``'s one edit of ``pyproject.toml``: ``[tool.ruff.lint] external = ["BL"]`` where ruff is
configured, so ruff keeps ``# noqa: BL001`` comments (RUF100/RUF102 would flag or delete them).

The file is edited as text, minimally: a line after the ``[tool.ruff.lint]`` header, ``"BL"``
into a one-line ``external`` list, or a new table at the end; the user's formatting, comments
and line endings stay as they are. The result must parse and carry the code, else nothing is
written and the user is told what to add.
"""

from __future__ import annotations

import re
import sys
from typing import NamedTuple

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

CODE = "BL"
SNIPPET = '[tool.ruff.lint]\nexternal = ["BL"]'

_LINT_HEADER = re.compile(r'^[ \t]*\[[ \t]*tool[ \t]*\.[ \t]*ruff[ \t]*\.[ \t]*lint[ \t]*\][ \t]*(#[^\r\n]*)?\r?$', re.MULTILINE)
_EXTERNAL = re.compile(r'^([ \t]*external[ \t]*=[ \t]*\[)([^\]\n]*)(\][ \t]*(#[^\r\n]*)?\r?)$', re.MULTILINE)
_HEADER = re.compile(r"^[ \t]*\[", re.MULTILINE)


class Edit(NamedTuple):
    text: str | None
    """The new content; None when nothing is to be written."""
    note: str
    """What was done, or why not (then with what to add by hand)."""


def add_external(text: str) -> Edit:
    """``text`` (a ``pyproject.toml`` with a ``[tool.ruff]`` table) with ``BL`` in ruff's
    ``lint.external``; unchanged (``text`` None) when it is there already or cannot be added safely."""
    try:
        ruff = tomllib.loads(text).get("tool", {}).get("ruff", {})
    except tomllib.TOMLDecodeError as error:
        return Edit(None, f"not edited: it does not parse ({error})")
    lint = ruff.get("lint", {})
    if CODE in ruff.get("external", ()) or (isinstance(lint, dict) and CODE in lint.get("external", ())):
        return Edit(None, 'ruff already keeps budgetlint\'s codes (external = ["BL"])')
    newline = "\r\n" if "\r\n" in text else "\n"
    header = _LINT_HEADER.search(text)
    if header is not None:
        end = _HEADER.search(text, header.end())
        table = slice(header.end(), end.start() if end else len(text))
        existing = _EXTERNAL.search(text, table.start, table.stop)
        if existing is not None:
            items = existing.group(2)
            new_items = f'"{CODE}", {items.strip()}' if items.strip() else f'"{CODE}"'
            edited = text[: existing.start(2)] + new_items + text[existing.end(2) :]
        else:
            line_end = header.end() - text[: header.end()].endswith("\r")
            edited = text[:line_end] + f'{newline}external = ["{CODE}"]' + text[line_end:]
    elif "lint" in ruff:  # `lint.x = ...` dotted keys or an inline table: no table to add a line to
        return Edit(None, f"not edited: its ruff lint settings are not a [tool.ruff.lint] table; add `external = [\"{CODE}\"]` to them")
    else:
        gap = "" if text.endswith(newline * 2) or not text else newline if text.endswith(newline) else newline * 2
        edited = text + gap + SNIPPET.replace("\n", newline) + newline
    try:
        parsed = tomllib.loads(edited).get("tool", {}).get("ruff", {}).get("lint", {})
    except tomllib.TOMLDecodeError:
        parsed = {}
    if CODE not in parsed.get("external", ()):
        return Edit(None, f"not edited: add `external = [\"{CODE}\"]` to its [tool.ruff.lint] table by hand")
    return Edit(edited, 'added external = ["BL"] to [tool.ruff.lint], so ruff keeps `# noqa: BL001` comments')
