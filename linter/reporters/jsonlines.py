"""``--format json-lines``: one JSON object per finding per line (the objects of ``--format
json``'s ``findings``), nothing else: ``jq``, log shippers and streaming readers take it as is.

ASCII only (other characters as ``\\u`` escapes), as ``--format json``: no character in a message can
end a line for any reader (U+2028 does for some)."""

from __future__ import annotations

import json

from ..result import RunResult
from .base import Reporter, inert_json


class JsonLinesReporter(Reporter):
    def render(self, result: RunResult) -> str:
        return "".join(inert_json(json.dumps(finding.as_json())) + "\n" for finding in result.findings)
