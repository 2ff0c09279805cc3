"""The README and docs/ must not go stale: generated pages match their sources, and every command
and snippet in them runs or validates (docs/architecture.md, "Documentation", says how)."""

from __future__ import annotations

import ast
import json
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from budgetlint.config import load_file, schema
from budgetlint.policy import DEFAULT_POLICY
from budgetlint.settings import KEYS, SettingsError, load_project

from .test_action import check_jsonschema

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

DOCS = Path(__file__).resolve().parent.parent / "docs"
OUTPUT = runpy.run_path(str(DOCS / "gen_output.py"))
REPO = OUTPUT["REPO"]
PAGES = OUTPUT["PAGES"]
SKIPPED = {"text"}
"""Info strings of illustrative blocks, checked by nothing."""
CHECKED_ELSEWHERE = {"lua", "groovy"}
"""Info strings of blocks another test checks (the Neovim configurations: tests/test_server.py;
the Jenkinsfile, shown verbatim from docs/: tests/test_ci_examples.py)."""


def test_rules_page_is_up_to_date():
    generator = runpy.run_path(str(DOCS / "gen_rules.py"))
    assert generator["main"](["--check"]) == 0, "docs/rules.md is stale: run `python docs/gen_rules.py`"


def test_rules_page_documents_every_code():
    text = (DOCS / "rules.md").read_text(encoding="utf-8")
    for code in ("BL000", "BL001", "BL002", "BL003", "BL004", "BL005", "BL100", "BL900"):
        assert f"## {code} " in text
    assert "### Why is this bad?" in text


def test_configuration_page_is_up_to_date():
    generator = runpy.run_path(str(DOCS / "gen_config.py"))
    assert generator["main"](["--check"]) == 0, "docs/configuration.md is stale: run `python docs/gen_config.py`"


def test_configuration_page_documents_every_key():
    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    for key in KEYS:
        assert f"| `{key.name}` |" in text
    for path in ("metering.feature_tag.headers", "ceilings.max_output_tokens", "endpoints[].base_url_env", "endpoints[].gpu.count"):
        assert f"| `{path}` |" in text
    assert "| `ceilings` | mapping |  | at tier hard |" in text
    assert "| `routing` | mapping |  | at tier medium, hard |" in text


@pytest.mark.parametrize("key", KEYS, ids=lambda key: key.name)
def test_each_settings_key_is_checked_by_the_kind_the_reference_shows(tmp_path, key):
    wrong = {"patterns": '"not-a-list"', "codes": "[1]", "path": "[]", "flag": '"yes"', "file-codes": "[]"}[key.kind]
    (tmp_path / "pyproject.toml").write_text(f"[tool.budgetlint]\n{key.name} = {wrong}\n")
    with pytest.raises(SettingsError, match=f"\\[tool.budgetlint\\] {key.name} must be"):
        load_project(tmp_path)


def test_schema_defaults_are_the_policy_defaults():
    """The reference's defaults come from the schemas: they must be what the loader applies."""
    guardrails = schema("guardrails")["properties"]
    tag = guardrails["metering"]["properties"]["feature_tag"]["properties"]
    log = guardrails["routing"]["properties"]["escalation_log"]["properties"]
    assert guardrails["strict"]["default"] is DEFAULT_POLICY.strict
    assert tuple(tag["metadata_keys"]["default"]) == DEFAULT_POLICY.carriers.metadata_keys
    assert tuple(tag["headers"]["default"]) == DEFAULT_POLICY.carriers.headers
    assert tuple(tag["wrappers"]["default"]) == DEFAULT_POLICY.carriers.wrappers
    assert tuple(log["functions"]["default"]) == DEFAULT_POLICY.escalation_log.functions
    assert log["message_pattern"]["default"] == DEFAULT_POLICY.escalation_log.message_pattern


# every fenced block of README.md and docs/*.md


def test_shown_output_is_a_real_runs():
    assert OUTPUT["main"](["--check"]) == 0, "a console block's output differs from a real run: run `python docs/gen_output.py`"


def test_the_readme_shows_the_example_apps_report():
    (block,) = [block for block in OUTPUT["blocks"](REPO / "README.md") if block.info == "console"]
    assert block.body.startswith("$ budgetlint check examples/\n")
    assert "Checked 5 files at tier hard" in block.body


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(REPO)))
def test_every_command_on_the_page_runs(page):
    """A page's ``budgetlint`` lines, in order, in one sandbox: none is a usage error or crashes."""
    ran = []
    with OUTPUT["sandbox"]():
        for block in OUTPUT["blocks"](page):
            for line in OUTPUT["commands"](block) if block.info in ("sh", "shell", "console") else ():
                result = OUTPUT["run"](line)
                assert result.exception is None, f"{block.where}: {line}: {result.exception!r}"
                assert result.exit_code != 2, f"{block.where}: {line}: exit 2\n{result.output}"
                assert "Traceback" not in result.output, f"{block.where}: {line}\n{result.output}"
                ran.append(line)
    if str(page.relative_to(REPO)) in ("README.md", "docs/getting-started.md", "docs/reports.md", "docs/suppressions.md"):
        assert ran, "the commands of this page are no longer found"


def _blocks(info: str | None = None) -> list:
    found = [block for page in PAGES for block in OUTPUT["blocks"](page)]
    return [block for block in found if info is None or block.info == info]


def test_every_block_has_an_info_string_the_docs_test_knows():
    known = {"sh", "shell", "console", "yaml", "toml", "json", "python", *SKIPPED, *CHECKED_ELSEWHERE}
    unknown = [f"{block.where}: {block.info or '(none)'}" for block in _blocks() if block.info not in known]
    assert not unknown, "classify these blocks (tests/test_docs.py): " + ", ".join(unknown)


@pytest.mark.parametrize("block", _blocks("yaml"), ids=lambda block: block.where)
def test_every_yaml_block_validates_as_what_it_is(block, tmp_path):
    data = yaml.safe_load(block.body)
    if isinstance(data, dict) and data.get("kind") in ("Guardrails", "Stack"):
        path = tmp_path / f"{data['kind'].lower()}.yaml"
        path.write_text(block.body, encoding="utf-8")
        document, problems = load_file(path, path.name)
        assert document is not None and not problems, f"{block.where}: {problems}"
    elif isinstance(data, dict) and "repos" in data:
        path = tmp_path / ".pre-commit-config.yaml"
        path.write_text(block.body, encoding="utf-8")
        completed = subprocess.run(
            [sys.executable, "-m", "pre_commit", "validate-config", str(path)],
            capture_output=True, text=True, check=False, timeout=120,
        )
        assert completed.returncode == 0, f"{block.where}: {completed.stdout}{completed.stderr}"
    elif isinstance(data, dict) and "jobs" in data or isinstance(data, list):
        jobs = data["jobs"] if isinstance(data, dict) else {"budgetlint": {"runs-on": "ubuntu-latest", "steps": data}}
        path = tmp_path / "workflow.yml"
        path.write_text(yaml.safe_dump({"name": "docs", "on": ["push"], "jobs": jobs}), encoding="utf-8")
        completed = check_jsonschema("vendor.github-workflows", path)
        assert completed.returncode == 0, f"{block.where}: {completed.stdout}{completed.stderr}"
    elif isinstance(data, dict) and "steps" in data and "pool" in data:
        path = tmp_path / "azure-pipelines.yml"
        path.write_text(block.body, encoding="utf-8")
        completed = check_jsonschema("vendor.azure-pipelines", path, "--regex-variant", "nonunicode")
        assert completed.returncode == 0, f"{block.where}: {completed.stdout}{completed.stderr}"
    elif isinstance(data, dict) and any(isinstance(job, dict) and "script" in job for job in data.values()):
        path = tmp_path / ".gitlab-ci.yml"
        path.write_text(block.body, encoding="utf-8")
        completed = check_jsonschema("vendor.gitlab-ci", path)
        assert completed.returncode == 0, f"{block.where}: {completed.stdout}{completed.stderr}"
    else:
        pytest.fail(f"{block.where}: a YAML block the docs test cannot tell the kind of (tests/test_docs.py)")


@pytest.mark.parametrize("block", _blocks("toml"), ids=lambda block: block.where)
def test_every_toml_block_parses_with_known_settings_keys(block, tmp_path):
    data = tomllib.loads(block.body)
    table = data.get("tool", {}).get("budgetlint")
    if table is not None:
        assert set(table) <= {key.name for key in KEYS}, block.where
        (tmp_path / "pyproject.toml").write_text(block.body, encoding="utf-8")
        load_project(tmp_path)  # the loader accepts it (a SettingsError fails the test)


@pytest.mark.parametrize("block", _blocks("json"), ids=lambda block: block.where)
def test_every_json_block_parses(block):
    json.loads(block.body)


@pytest.mark.parametrize("block", _blocks("python"), ids=lambda block: block.where)
def test_every_python_block_parses(block):
    ast.parse(block.body, block.where)  # not compiled: an example may `return` outside a function
