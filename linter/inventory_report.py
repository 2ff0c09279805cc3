"""The formats of ``budgetlint inventory``: an aligned table, a JSON object, CSV rows.

``FORMATS`` maps each ``--format`` choice to its renderer. README.md documents the JSON object
and the CSV columns; sites come sorted like findings (path, cell, line, column).
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from .finding import Finding, shown_path

if TYPE_CHECKING:
    from .inventory import SiteRecord
    from .job import FileResult

FIELDS = (
    "path", "cell", "line", "column", "kind", "family", "api", "client", "endpoint", "endpoint_env", "stack_endpoint",
    "model", "limit", "limit_key", "limit_value", "limit_source", "feature_tag", "feature_tag_value", "function",
    "wrappers",
)
"""The record's fields in output order (json keys, csv columns); a notebook's ``cell`` follows ``path``."""

WRAPPER_SEPARATOR = " > "
"""Joins the wrapper chain in a CSV cell and in the text table."""


@dataclass(frozen=True)
class FileSites:
    """A file's call sites, and why (part of) it could not be analysed."""

    path: str
    sites: tuple[SiteRecord, ...] = ()
    problems: tuple[str, ...] = ()

    @classmethod
    def of(cls, result: FileResult, constructors: bool = False) -> FileSites:
        """What a file's result (linted with ``Job.describe``) lists: its generation call sites
        (with ``constructors``, its constructors too), and its BL000 findings as problems."""
        sites = tuple(site for site in result.sites if constructors or site.kind == "generation")
        return cls(result.path, sites, tuple(_problem(finding) for finding in result.findings))


def _problem(finding: Finding) -> str:
    """Why a file (or a notebook's cell) could not be analysed: ``syntax error: ... (line 14)``."""
    where = f"cell {finding.cell}: " if finding.cell else ""
    return f"{where}{finding.message}" + (f" (line {finding.line})" if finding.line > 1 else "")


class Inventory(NamedTuple):
    """What a run found: the files scanned, their sites (sorted) and what could not be read."""

    version: str
    files: tuple[FileSites, ...]

    def sites(self) -> list[SiteRecord]:
        return sorted((site for file in self.files for site in file.sites), key=lambda site: site.sort_key())

    def skipped(self) -> list[tuple[str, str]]:
        return [(file.path, problem) for file in self.files for problem in file.problems]


def render_json(inventory: Inventory) -> str:
    sites = inventory.sites()
    document = {
        "tool": "budgetlint",
        "version": inventory.version,
        "sites": [{**site.as_json(), "path": shown_path(site.path)} for site in sites],
        "skipped": [{"path": shown_path(path), "message": message} for path, message in inventory.skipped()],
        "summary": {
            "files": len(inventory.files),
            "sites": len(sites),
            "by_family": dict(sorted(Counter(site.family for site in sites).items())),
            "by_endpoint": dict(sorted(Counter(site.endpoint for site in sites).items())),
            "by_limit": dict(sorted(Counter(site.limit or "-" for site in sites).items())),
        },
    }
    return json.dumps(document, indent=2) + "\n"


def render_csv(inventory: Inventory) -> str:
    import csv  # not at import: the command line imports this module for its format names

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(FIELDS)
    for site in inventory.sites():
        row = site.as_json()
        row["path"] = shown_path(site.path)
        row["wrappers"] = WRAPPER_SEPARATOR.join(site.wrappers)
        writer.writerow(["" if row.get(name) is None else row[name] for name in FIELDS])
    return buffer.getvalue()


_HEADER = ("location", "family", "api", "client", "endpoint", "model", "limit", "feature tag", "function")


def render_text(inventory: Inventory) -> str:
    sites = inventory.sites()
    via = any(site.wrappers for site in sites)
    rows = [_HEADER + (("via",) if via else ())]
    for site in sites:
        cell = "" if site.cell is None else f"cell {site.cell}:"
        cells = (
            f"{site.path}:{cell}{site.line}:{site.column}",
            site.family if site.kind == "generation" else f"{site.family} ({site.kind})",
            site.api,
            site.client or "-",
            site.endpoint + (f" [{site.stack_endpoint}]" if site.stack_endpoint else ""),
            site.model or "-",
            _limit(site),
            f'"{site.feature_tag_value}"' if site.feature_tag == "value" else site.feature_tag or "-",
            site.function,
        ) + ((WRAPPER_SEPARATOR.join(site.wrappers),) if via else ())
        rows.append(tuple(shown_path(text) for text in cells))  # control characters escaped
    widths = [max(len(row[index]) for row in rows) for index in range(len(rows[0]))]
    lines = ["  ".join(text.ljust(width) for text, width in zip(row, widths)).rstrip() for row in rows] if sites else []
    files = len(inventory.files)
    summary = f"{len(sites)} call site{'s' * (len(sites) != 1)} in {files} file{'s' * (files != 1)}."
    return "\n".join([*lines, "", summary] if lines else [summary]) + "\n"


def _limit(site: SiteRecord) -> str:
    """``max_tokens=512``, ``unbounded (no max_tokens)``, ``unresolved max_tokens=limit``, ..."""
    given = f"{site.limit_key}={site.limit_source}" if site.limit_source is not None else ""
    if site.limit_value is not None and site.limit_source != str(site.limit_value):
        given += f" ({site.limit_value})"
    if site.limit == "value":
        return given
    if site.limit in ("unbounded", "unresolved"):
        return f"{site.limit} {given or f'(no {site.limit_key})'}"
    return site.limit or "-"


FORMATS: dict[str, Callable[[Inventory], str]] = {"text": render_text, "json": render_json, "csv": render_csv}
"""``--format`` choices of ``inventory``."""
