"""Baselines: today's findings, recorded so that only new ones are reported.

``budgetlint baseline --output FILE`` writes the file; ``check --baseline FILE`` hides the
findings it lists and reports the entries nothing matches any more, so the file can shrink.
Findings are matched by path, code and fingerprint: the fingerprint hashes the flagged node's
text and its occurrence index, never the line, so a baseline survives moved lines.

The file is sorted JSON, one entry per finding, so that regenerating it gives a small diff::

    {
      "budgetlint_baseline": 1,
      "counts": {"BL001": 2},
      "findings": [
        {"code": "BL001", "fingerprint": "...", "message": "...", "path": "app/chat.py"},
        ...
      ],
      "total": 2
    }

Parse errors (BL000) and invalid configs (BL100) always block, so they are never recorded,
and an entry for one hides nothing.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from .codes import INVALID_CONFIG, PARSE_ERROR
from .finding import FINGERPRINT_LENGTH, Finding, shown_path

FORMAT = 1
"""The value of the file's ``budgetlint_baseline`` key; bumped if the format changes."""
NEVER_BASELINED = frozenset({PARSE_ERROR.code, INVALID_CONFIG.code})
RULE_CODE = re.compile(r"BL[0-9]{3}")
FINGERPRINT = re.compile(f"[0-9a-f]{{{FINGERPRINT_LENGTH}}}")


class BaselineError(Exception):
    """A baseline file that cannot be read or is not a baseline: exit code 2."""


@dataclass(frozen=True, order=True)
class Entry:
    path: str
    code: str
    message: str
    fingerprint: str

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.path, self.code, self.fingerprint)

    @classmethod
    def of(cls, finding: Finding) -> Entry:
        return cls(shown_path(finding.path), finding.code, finding.message, finding.fingerprint)

    def as_json(self) -> dict[str, str]:
        return {"code": self.code, "fingerprint": self.fingerprint, "message": self.message, "path": self.path}


def entries(findings: Iterable[Finding]) -> list[Entry]:
    """The entries a baseline of ``findings`` records, sorted by path, code, message, fingerprint."""
    return sorted(Entry.of(finding) for finding in findings if finding.code not in NEVER_BASELINED)


def dumps(findings: Iterable[Finding]) -> str:
    recorded = entries(findings)
    document = {
        "budgetlint_baseline": FORMAT,
        "counts": dict(sorted(Counter(entry.code for entry in recorded).items())),
        "findings": [entry.as_json() for entry in recorded],
        "total": len(recorded),
    }
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def load(path: Path) -> tuple[Entry, ...]:
    """The entries of a baseline file; raises ``BaselineError`` with a message for the user."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise BaselineError(f"cannot read baseline {path}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise BaselineError(f"{path} is not a budgetlint baseline: not UTF-8 text") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise BaselineError(f"{path} is not a budgetlint baseline: invalid JSON at line {error.lineno}: {error.msg}") from None
    except RecursionError:
        raise BaselineError(f"{path} is not a budgetlint baseline: nested too deeply") from None
    except ValueError as error:  # an integer longer than Python converts
        raise BaselineError(f"{path} is not a budgetlint baseline: {error}") from None
    if not isinstance(document, dict) or "budgetlint_baseline" not in document:
        raise BaselineError(f"{path} is not a budgetlint baseline (write one with `budgetlint baseline --output {path}`)")
    if document["budgetlint_baseline"] != FORMAT:
        raise BaselineError(f"{path}: unsupported baseline format {document['budgetlint_baseline']!r} (expected {FORMAT})")
    items = document.get("findings")
    if not isinstance(items, list):
        raise BaselineError(f"{path} is not a budgetlint baseline: `findings` must be a list")
    loaded = []
    for number, item in enumerate(items, start=1):
        fields = ("path", "code", "message", "fingerprint")
        if not isinstance(item, dict) or not all(isinstance(item.get(name), str) for name in fields):
            raise BaselineError(f"{path}: finding {number} needs string fields {', '.join(fields)}")
        entry = Entry(item["path"], item["code"], item["message"], item["fingerprint"])
        problem = _invalid(entry)
        if problem:
            raise BaselineError(f"{path}: finding {number}{problem}")
        loaded.append(entry)
    return tuple(loaded)


def _invalid(entry: Entry) -> str:
    """Why ``entry`` cannot be one ``dumps`` wrote (its text reaches reports: a path that could
    carry a terminal or workflow command is refused), as the rest of an error line; "" if valid."""
    for name in ("path", "code", "message", "fingerprint"):
        value = getattr(entry, name)
        if any(unicodedata.category(char) == "Cs" for char in value):
            return f": {name} {value!r} has an unpaired surrogate (not Unicode text)"
    if not entry.path or PurePosixPath(entry.path).is_absolute() or PureWindowsPath(entry.path).drive:
        return f": path {entry.path!r} is not a relative file path"
    if any(unicodedata.category(char) == "Cc" for char in entry.path):
        return f": path {entry.path!r} has a control character"
    if not RULE_CODE.fullmatch(entry.code):
        return f" ({entry.path}): code {entry.code!r} is not a rule code"
    if not FINGERPRINT.fullmatch(entry.fingerprint):
        return f" ({entry.path}): fingerprint {entry.fingerprint!r} is not {FINGERPRINT_LENGTH} lowercase hex digits"
    return ""


@dataclass(frozen=True)
class BaselineOutcome:
    """What a baseline did to a run: findings hidden, entries nothing matched any more."""

    source: str
    hidden: int
    stale: tuple[Entry, ...]

    def as_json(self) -> dict:
        return {"file": self.source, "hidden": self.hidden, "stale": len(self.stale)}

    def summary_lines(self) -> list[str]:
        lines = [f"{self.hidden} known finding{'s' * (self.hidden != 1)} hidden by the baseline ({self.source})."]
        if self.stale:
            count = len(self.stale)
            lines.append(
                f"{count} baseline entr{'ies' if count != 1 else 'y'} no longer found (fixed or moved to another "
                f"file); rewrite the baseline with `budgetlint baseline --output {self.source}` to drop "
                f"{'them' if count != 1 else 'it'}:"
            )
            lines.extend(f"    {entry.path}: {entry.code} {entry.fingerprint} {entry.message}" for entry in self.stale)
        return lines


def apply(
    findings: Iterable[Finding],
    baseline: Iterable[Entry],
    *,
    source: str,
    checked: Callable[[Entry], bool],
) -> tuple[tuple[Finding, ...], BaselineOutcome]:
    """Split ``findings`` into those to report and a count of those the baseline hides.

    Each entry hides at most one finding. An entry that matched nothing is stale when
    ``checked(entry)`` says this run looked where it points (its file was linted or is gone,
    its rule ran); entries for paths or rules outside this run are left alone.
    """
    remaining = Counter(entry.key for entry in baseline if entry.code not in NEVER_BASELINED)
    reported = []
    hidden = 0
    for finding in findings:
        key = Entry.of(finding).key
        if remaining[key] > 0 and finding.code not in NEVER_BASELINED:
            remaining[key] -= 1
            hidden += 1
        else:
            reported.append(finding)
    stale = []
    seen: Counter[tuple[str, str, str]] = Counter()
    for entry in sorted(baseline):
        if entry.code in NEVER_BASELINED or not checked(entry):
            continue
        seen[entry.key] += 1
        if seen[entry.key] <= remaining[entry.key]:
            stale.append(entry)
    return tuple(reported), BaselineOutcome(shown_path(source), hidden, tuple(stale))
