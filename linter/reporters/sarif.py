"""``--format sarif``: SARIF 2.1.0 for GitHub code scanning (and any other SARIF viewer).

One run. ``tool.driver.rules`` describes every rule and engine code, from the same docstrings
as ``budgetlint explain``; each result points at its rule by ``ruleIndex``, is located relative
to the repository root (``%SRCROOT%``), and carries the finding's fingerprint as a partial
fingerprint, so code scanning tracks it across moved lines.

GitHub rejects a run with more than 25,000 results. Past that, the run keeps the blocking
findings first, then the warnings, each in report order, up to the limit; a tool execution
notification and ``properties.droppedResults`` say how many were left out. The exit code still
counts every finding.

Findings a comment in the source silences are results too, after the others, each with a
``suppressions`` entry (kind ``inSource``, the comment's reason as its justification): code
scanning shows them dismissed, not absent. They come after every reported finding under the
limit.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from ..codes import ENGINE_CODES
from ..finding import Finding, path_bytes
from ..interrupts import held_interrupts
from ..policy import Policy, Tier
from ..result import RunResult
from .base import Reporter, inert_json
from .repository import absolute_path, relative_to_root, repository_root

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/budgetlint/budgetlint"
"""The project URL (``[project.urls] Homepage`` in pyproject.toml)."""
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "budgetlintFingerprint/v1"
MAX_RESULTS = 25_000
"""GitHub code scanning rejects runs with more results than this."""

TAGS: dict[str, list[str]] = {
    "BL000": ["budgetlint", "correctness"],
    "BL001": ["llm", "cost", "reliability"],
    "BL002": ["llm", "cost", "observability"],
    "BL003": ["llm", "cost", "observability"],
    "BL004": ["llm", "cost", "configuration"],
    "BL005": ["llm", "cost", "reliability"],
    "BL100": ["budgetlint", "configuration"],
    "BL900": ["budgetlint", "maintainability"],
    "BL901": ["budgetlint", "maintainability"],
}
"""``properties.tags`` per code; code scanning filters on them."""
_SEMVER = re.compile(r"^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")


@dataclass(frozen=True)
class RuleInfo:
    """What SARIF says about a rule or engine code."""

    code: str
    name: str
    tier: Tier
    summary: str
    documentation: str
    precision: str


def rule_infos() -> list[RuleInfo]:
    """Every rule and engine code, by code."""
    with held_interrupts():  # see commands.all_rules
        from budgetlint.rules import ALL_RULES

    infos = [RuleInfo(r.code, r.name, r.tier, r.summary, r.documentation(), "high") for r in ALL_RULES]
    infos += [
        RuleInfo(c.code, c.name, c.tier, c.summary, inspect.cleandoc(c.documentation), "very-high") for c in ENGINE_CODES.values()
    ]
    return sorted(infos, key=lambda info: info.code)


class SarifReporter(Reporter):
    def render(self, result: RunResult) -> str:
        cwd = Path.cwd().resolve()
        return inert_json(json.dumps(sarif_log(result, cwd, repository_root(cwd)), indent=2, ensure_ascii=False)) + "\n"


def sarif_log(result: RunResult, cwd: Path, root: Path) -> dict:
    infos = rule_infos()
    index = {info.code: position for position, info in enumerate(infos)}
    kept, dropped = _cap(result.findings)
    suppressed = list(result.suppressed[: MAX_RESULTS - len(kept)])
    dropped += len(result.suppressed) - len(suppressed)
    invocation: dict = {"executionSuccessful": True, "exitCode": result.exit_code()}
    if dropped:
        total = len(result.findings) + len(result.suppressed)
        invocation["toolExecutionNotifications"] = [
            {
                "level": "warning",
                "message": {
                    "text": f"{dropped} of {total} results left out: GitHub code scanning accepts at most "
                    f"{MAX_RESULTS} per run. Blocking findings were kept first, suppressed ones last."
                },
            }
        ]
    driver: dict = {"name": "budgetlint", "version": result.version}
    if _SEMVER.match(result.version):
        driver["semanticVersion"] = result.version
    driver["informationUri"] = INFORMATION_URI
    driver["rules"] = [_descriptor(info, result.policy) for info in infos]
    run = {
        "tool": {"driver": driver},
        "invocations": [invocation],
        "originalUriBaseIds": {SRCROOT: {"uri": _directory_uri(root)}},
        "columnKind": "unicodeCodePoints",
        "results": [_result(finding, index, cwd, root) for finding in [*kept, *suppressed]],
        "properties": _properties(result, dropped),
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def _cap(findings: tuple[Finding, ...]) -> tuple[list[Finding], int]:
    """At most ``MAX_RESULTS`` findings, blocking ones first, in report order; and how many were dropped."""
    if len(findings) <= MAX_RESULTS:
        return list(findings), 0
    order = {id(finding): position for position, finding in enumerate(findings)}
    chosen = sorted(findings, key=lambda f: (not f.blocking, order[id(f)]))[:MAX_RESULTS]
    return sorted(chosen, key=lambda f: order[id(f)]), len(findings) - MAX_RESULTS


def _descriptor(info: RuleInfo, policy: Policy) -> dict:
    return {
        "id": info.code,
        "name": info.name,
        "shortDescription": {"text": info.summary[:1].upper() + info.summary[1:] + "."},
        "fullDescription": {"text": _section(info.documentation, "What it does") or info.summary},
        "help": {"text": info.documentation, "markdown": f"# {info.code} {info.name}\n\n{info.documentation}"},
        "defaultConfiguration": {"level": "error" if policy.blocks(info.tier) else "warning"},
        "properties": {
            "tags": TAGS.get(info.code, ["llm"]),
            "precision": info.precision,
            "tier": "always" if info.tier is Tier.ALWAYS else info.tier.label,
        },
    }


def _artifact(path: str, cwd: Path, root: Path) -> dict:
    relative = relative_to_root(path, cwd, root)
    if relative is None:  # outside the repository: an absolute URI, no base
        return {"uri": absolute_path(path, cwd).as_uri()}
    return {"uri": quote(path_bytes(relative), safe="/"), "uriBaseId": SRCROOT}  # the file's own bytes


def _result(finding: Finding, index: dict[str, int], cwd: Path, root: Path) -> dict:
    artifact = _artifact(finding.path, cwd, root)
    line, column, end_line, end_column = finding.file_region()  # a notebook's: in its JSON text
    region = {
        "startLine": line,
        "startColumn": column,
        "endLine": max(end_line, line),
        "endColumn": max(end_column, 1),
    }
    result = {
        "ruleId": finding.code,
        "ruleIndex": index[finding.code],
        "level": "error" if finding.blocking else "warning",
        "message": {"text": finding.located_message()},
        "locations": [{"physicalLocation": {"artifactLocation": artifact, "region": region}}],
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
    }
    if finding.suppression is not None:  # dismissed in the source, with its reason
        justification = {"justification": finding.suppression} if finding.suppression else {}
        result["suppressions"] = [{"kind": "inSource", **justification}]
    if finding.related:  # the LLM call inside the wrapper this finding's call goes through
        result["relatedLocations"] = [
            {
                "id": number,
                "physicalLocation": {
                    "artifactLocation": _artifact(related.path, cwd, root),
                    "region": {
                        "startLine": related.line,
                        "startColumn": related.column,
                        "endLine": max(related.end_line, related.line),
                        "endColumn": max(related.end_column, 1),
                    },
                },
                "message": {"text": related.message},
            }
            for number, related in enumerate(finding.related, start=1)
        ]
    if finding.cell is not None:  # SARIF has no notebook region: the cell and its coordinates here
        result["properties"] = {
            "cell": finding.cell,
            "cellRegion": {
                "startLine": finding.line,
                "startColumn": finding.column,
                "endLine": max(finding.end_line, finding.line),
                "endColumn": max(finding.end_column, 1),
            },
        }
    return result


def _properties(result: RunResult, dropped: int) -> dict:
    properties: dict = {
        "tier": result.policy.tier.label,
        "files": result.files,
        "findings": len(result.findings),
        "blocking": result.blocking,
        "byCode": dict(sorted(result.by_code().items())),
    }
    if result.suppressed:
        properties["suppressed"] = len(result.suppressed)
    if dropped:
        properties["droppedResults"] = dropped
    if result.baseline is not None:
        properties["baseline"] = result.baseline.as_json()
    return properties


def _directory_uri(root: Path) -> str:
    uri = root.as_uri()
    return uri if uri.endswith("/") else uri + "/"


def _section(documentation: str, heading: str) -> str:
    """The paragraphs under ``## heading``, each on one line."""
    lines = _lines_under(documentation.splitlines(), f"## {heading}")
    paragraphs, current = [], []
    for line in lines:
        if line.strip():
            current.append(line.strip())
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return "\n\n".join(paragraphs)


def _lines_under(lines: Iterable[str], heading: str) -> list[str]:
    taken: list[str] = []
    inside = False
    for line in lines:
        if line.startswith("## "):
            if inside:
                break
            inside = line.strip() == heading
            continue
        if inside:
            taken.append(line)
    return taken
