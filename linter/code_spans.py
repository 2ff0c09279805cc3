"""Which bytes of a Python file are code: not the text of a string literal nor a comment (the
replacement fields of an f-string are code), told from the bytes alone for the prefilter
(``prefilter.py``), which counts an import statement or an attribute only in code."""

from __future__ import annotations

import re
from bisect import bisect_right

WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
LINE_END = re.compile(rb"[\r\n]")
_PREFIXES = frozenset({b"", b"r", b"u", b"b", b"br", b"rb", b"f", b"fr", b"rf", b"t", b"tr", b"rt"})
"""A string literal's prefixes (lowercased): the word right before an opening quote."""
_CODE_STOP = re.compile(rb"[#'\"]")
_STRING_END = {
    quote: re.compile(body)
    for quote, body in (
        (b"'", rb"[^'\\\r\n]*(?:\\(?:\r\n|[\s\S])[^'\\\r\n]*)*'"),
        (b'"', rb'[^"\\\r\n]*(?:\\(?:\r\n|[\s\S])[^"\\\r\n]*)*"'),
        (b"'''", rb"[^'\\]*(?:(?:\\[\s\S]|'(?!''))[^'\\]*)*'''"),
        (b'"""', rb'[^"\\]*(?:(?:\\[\s\S]|"(?!""))[^"\\]*)*"""'),
    )
}
"""The rest of a string literal (no f-string) after its opening quote: a backslash escapes what
follows, in a raw string too."""
_TEXT_STOP = re.compile(rb"[{}\\\r\n'\"]")
"""In an f-string's text or a format spec: what may end it, open or close a field, or escape."""
_FIELD_STOP = re.compile(rb"[][(){}:'\"#\\]")
"""In a replacement field's expression: brackets, the format spec's colon, strings, comments."""


class Code:
    """Which bytes of a file are code: not the text of a string literal nor a comment (the
    replacement fields of an f-string are code). Read from the start only as far as asked; from
    where the bytes stop reading as Python (an unterminated string, a prefix that is none, a
    backslash in a field) every byte counts as code, which only lets more files through."""

    def __init__(self, source: bytes) -> None:
        self.source = source
        self.spans: list[int] = []
        """Start and end of each string's text or comment, in order (flat: a bisect finds one)."""
        self.read = 0
        """The bytes before it are classified."""

    def at(self, position: int) -> bool:
        """Whether the byte at ``position`` is code."""
        while self.read <= position:
            found = _CODE_STOP.search(self.source, self.read)
            if found is None:
                self.read = len(self.source) + 1
                break
            start = found.start()
            end = self._comment(start) if self.source[start] == 35 else self._string(start)  # "#"
            if end is None:
                return True
            self.read = end
        return bisect_right(self.spans, position) % 2 == 0

    def _comment(self, start: int) -> int:
        end = LINE_END.search(self.source, start)
        end = len(self.source) if end is None else end.start()
        self.spans += (start, end)
        return end

    def _string(self, quote_at: int) -> int | None:
        """Past the string literal whose first quote is at ``quote_at``; None if it is none."""
        source = self.source
        prefix = word_before(source, quote_at).lower()
        if prefix not in _PREFIXES:
            return None
        quote = source[quote_at : quote_at + 3] if source[quote_at : quote_at + 3] in (b"'''", b'"""') else source[quote_at : quote_at + 1]
        start = quote_at - len(prefix)
        if b"f" in prefix or b"t" in prefix:
            return self._formatted(start, quote_at + len(quote), quote)
        found = _STRING_END[quote].match(source, quote_at + len(quote))
        if found is None:
            return None
        self.spans += (start, found.end())
        return found.end()

    def _formatted(self, start: int, at: int, quote: bytes) -> int | None:
        """Past the f-string (or t-string) whose text starts at ``at``, read as Python 3.12 reads
        it (a field may hold strings in the same quotes, comments, line breaks): the pieces of its
        text are noted, its fields are code. ``fields``: for each field open, its depth of
        brackets, or -1 in its format spec."""
        source, piece, fields = self.source, start, []
        while True:
            if not fields or fields[-1] < 0:  # text, or a format spec
                found = _TEXT_STOP.search(source, at)
                if found is None:
                    return None
                at, byte = found.start(), source[found.start()]
                if byte == 92:  # "\": an escape (``\N{NAME}`` holds braces)
                    at = source.find(b"}", at) + 1 if source[at + 1 : at + 3] == b"N{" else at + 2
                    if at == 0:
                        return None
                elif byte in b"\r\n":
                    if len(quote) == 1:
                        return None
                    at += 1
                elif source.startswith(quote, at):
                    if fields:
                        return None
                    self.spans += (piece, at + len(quote))
                    return at + len(quote)
                elif byte in b"'\"":
                    at += 1
                elif not fields and source[at + 1 : at + 2] == source[at : at + 1]:  # "{{" or "}}"
                    at += 2
                elif byte == 123:  # "{"
                    if not fields:
                        self.spans += (piece, at)
                    fields.append(0)
                    at += 1
                elif fields:  # "}" ends the field of this format spec
                    fields.pop()
                    at += 1
                    piece = at
                else:
                    return None
                continue
            found = _FIELD_STOP.search(source, at)
            if found is None:
                return None
            at, byte = found.start(), source[found.start()]
            if byte in b"([{":
                fields[-1] += 1
            elif byte in b")]" or (byte == 125 and fields[-1]):  # "}" closing a bracket
                if not fields[-1]:
                    return None
                fields[-1] -= 1
            elif byte == 125:  # "}" ending the field
                fields.pop()
                piece = at + 1
            elif byte == 58:  # ":" starting the format spec
                if not fields[-1]:
                    fields[-1] = -1
            elif byte == 35:  # "#"
                at = self._comment(at)
                continue
            elif byte == 92:  # "\"
                return None
            else:  # a string in the field
                end = self._string(at)
                if end is None:
                    return None
                at = end
                continue
            at += 1


def word_before(source: bytes, end: int) -> bytes:
    """The identifier characters just before ``end``."""
    start = end
    while start > 0 and source[start - 1] in WORD_BYTES:
        start -= 1
    return source[start:end]
