"""Starter guardrails and stack files for ``budgetlint init``, and the paths it writes them to."""

from __future__ import annotations

import json
from pathlib import Path

from .config import DEFAULT_FILES, KINDS, schema

SCHEMA_DIR = ".budgetlint/schemas"

GUARDRAILS = """\
# yaml-language-server: $schema={schema_dir}/guardrails.schema.json
# budgetlint guardrails: how strict CI is and what it enforces. `budgetlint explain BL001` etc.
apiVersion: budgetlint/v1
kind: Guardrails
# soft: only missing feature tags block CI; medium: also unlogged cloud escalations and
# hard-coded endpoints; hard: every rule blocks (unbounded outputs, runaway agent loops too).
tier: medium
metering:
  # Where a call's feature tag may live (BL002).
  feature_tag:
    metadata_keys: [feature]      # metadata={{"feature": "search"}}
    headers: [X-Feature-Tag]      # extra_headers / default_headers
    wrappers: [feature_tag]       # with feature_tag("search"): / @feature_tag("search")
  # The product features; a literal tag outside this list is a finding.
  features: [search, summarize, support-bot]
  gpu_time_log: true
alerts:
  queue_depth_p95: 32             # alert when the local queue exceeds its P95
routing:
  default: local                  # calls go to the local endpoints first
  escalate_on: [quality_failure, timeout]
  # What counts as an escalation log record next to a cloud fallback (BL003).
  escalation_log:
    functions: [log_escalation]
    message_pattern: escalat
ceilings:
  max_output_tokens: 2048         # the largest limit a call may set (BL001)
  session_tokens: 200000          # one user session's token budget
  agent_loop_iterations: 25       # the most turns an agent loop may take (BL005)
"""

STACK = """\
# yaml-language-server: $schema={schema_dir}/stack.schema.json
# budgetlint stack: the inference endpoints your code may call.
apiVersion: budgetlint/v1
kind: Stack
endpoints:
  - name: local-vllm
    engine: vllm                  # ollama | vllm | llama.cpp | tgi | localai | openai | anthropic | ...
    location: local               # local: your GPUs; cloud: a per-token API
    base_url_env: VLLM_BASE_URL   # code reads the URL from this variable, never a literal
    openai_compatible: true
    models: [meta-llama/Llama-3.1-8B-Instruct]
    max_model_len: 8192           # must stay above ceilings.max_output_tokens
    gpu: {{type: L4, count: 1}}
  - name: cloud-fallback
    engine: openai
    location: cloud
    base_url_env: OPENAI_BASE_URL
"""


def starter_files(directory: Path) -> tuple[dict[Path, str], dict[Path, str]]:
    """What ``init`` writes under ``directory``, path to content: (the schemas, the starter files)."""
    schemas = {directory / SCHEMA_DIR / f"{name}.schema.json": json.dumps(schema(name), indent=2) + "\n" for name in KINDS.values()}
    starters = {directory / DEFAULT_FILES[name]: text.format(schema_dir=SCHEMA_DIR) for name, text in (("guardrails", GUARDRAILS), ("stack", STACK))}
    return schemas, starters


def symlink_on_the_way(directory: Path, paths: list[Path]) -> Path | None:
    """The first of ``paths``, or of the directories between ``directory`` and them, that is a
    symbolic link (a dangling one too): ``init`` writes through none."""
    for path in paths:
        relative = path.relative_to(directory)
        for step in [*reversed(relative.parents[:-1]), relative]:
            if (directory / step).is_symlink():
                return directory / step
    return None
