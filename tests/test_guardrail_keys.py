"""No guardrail key looks enforced and is not: each says in the schema which check reads it, or
that it is runtime policy; ``validate --explain`` and ``explain`` list them; and the runtime keys
change no finding."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from budgetlint.cli import main
from budgetlint.config import schema
from budgetlint.guardrail_keys import guardrail_keys

CONFIG = Path(__file__).resolve().parent / "fixtures" / "config"
RUNTIME = {
    "metering.gpu_time_log",
    "alerts.queue_depth_p95",
    "routing.default",
    "routing.escalate_on",
    "ceilings.session_tokens",
    "ceilings.agent_loop_iterations",
}


def _spec(key: str) -> dict:
    node = schema("guardrails")
    for part in key.split("."):
        node = node["properties"][part]
    return node


def test_every_key_says_which_check_reads_it_or_that_it_is_runtime_policy():
    keys = guardrail_keys()
    assert {entry.key for entry in keys if not entry.checked_by} == RUNTIME
    for entry in keys:
        spec = _spec(entry.key)
        assert ("x-budgetlint-runtime" in spec) != bool(entry.checked_by), entry.key
        if entry.checked_by:
            assert "Checked by:" in spec["description"], entry.key
        else:
            assert "Runtime policy" in spec["description"] and "no check reads it" in spec["description"], entry.key


def test_validate_explain_lists_enforced_and_runtime_keys():
    result = CliRunner().invoke(main, ["validate", "--explain"])
    assert result.exit_code == 0, result.output
    enforced, runtime = result.stdout.split("Runtime policy")
    assert "ceilings.max_output_tokens" in enforced and "BL001" in enforced
    assert "routing.escalation_log.functions        BL003" in enforced
    assert all(key in runtime and key not in enforced for key in RUNTIME)
    assert CliRunner().invoke(main, ["validate"]).exit_code == 2  # no files, no --explain


def test_explain_names_the_guardrail_keys_a_rule_reads():
    text = CliRunner().invoke(main, ["explain", "BL001"]).stdout
    assert "Guardrail keys it reads: `strict`, `ceilings.max_output_tokens`." in text
    assert "Guardrail keys it reads: `routing.escalation_log.functions`" in CliRunner().invoke(main, ["explain", "BL003"]).stdout
    assert "Guardrail keys" not in CliRunner().invoke(main, ["explain", "BL005"]).stdout


@pytest.mark.parametrize("tier", ["medium", "hard"])
def test_runtime_keys_change_no_finding(tmp_path, monkeypatch, tier):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    for name in ("bl001.py", "bl002.py", "bl003.py", "bl004.py", "ceilings.py"):
        shutil.copyfile(CONFIG / "project" / name, tmp_path / name)
    full = (CONFIG / "guardrails" / "full.yaml").read_text().replace("tier: medium", f"tier: {tier}")
    other = (
        full.replace("gpu_time_log: true", "gpu_time_log: false")
        .replace("queue_depth_p95: 32", "queue_depth_p95: 1")
        .replace("default: local", "default: cloud")
        .replace("escalate_on: [quality_failure]", "escalate_on: [timeout, error]")
        .replace("session_tokens: 200000", "session_tokens: 1")
        .replace("agent_loop_iterations: 25", "agent_loop_iterations: 1")
    )
    reports = []
    for text in (full, other):
        (tmp_path / "guardrails.yaml").write_text(text)
        result = CliRunner().invoke(main, ["check", "--no-cache", "--format", "json", "."])
        reports.append([(f["path"], f["line"], f["code"], f["blocking"]) for f in json.loads(result.stdout)["findings"]])
    assert reports[0] == reports[1] and reports[0]
