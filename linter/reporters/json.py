"""``--format json``: one stable object (documented in README.md)."""

from __future__ import annotations

import json

from ..result import RunResult
from .base import Reporter, inert_json


class JsonReporter(Reporter):
    def render(self, result: RunResult) -> str:
        document = {
            "tool": "budgetlint",
            "version": result.version,
            "tier": result.policy.tier.label,
            "findings": [finding.as_json() for finding in result.findings],
            "summary": {
                "files": result.files,
                "findings": len(result.findings),
                "blocking": result.blocking,
                "warnings": len(result.findings) - result.blocking,
                "fixable": result.fixable,
                "suppressed": len(result.suppressed),
                "by_code": dict(sorted(result.by_code().items())),
            },
        }
        if result.baseline is not None:  # {"file": ..., "hidden": n, "stale": n}
            document["summary"]["baseline"] = result.baseline.as_json()
        return inert_json(json.dumps(document, indent=2, sort_keys=False)) + "\n"
