"""``--format sarif``: the official SARIF 2.1.0 schema, and what GitHub code scanning needs beyond it."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from jsonschema import Draft4Validator, FormatChecker

from budgetlint import __version__
from budgetlint.cli import main
from budgetlint.codes import ENGINE_CODES
from budgetlint.reporters import sarif
from budgetlint.rules import ALL_RULES

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

REPO = Path(__file__).resolve().parent.parent
OUTPUTS = REPO / "tests" / "fixtures" / "outputs"
SCHEMA_PATH = REPO / "tests" / "vendor" / "sarif-schema-2.1.0.json"
"""The official schema, vendored (tests/vendor/README.md): a missing file fails the tests."""


@pytest.fixture(scope="module")
def validator() -> Draft4Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    checker = FormatChecker()
    # Without jsonschema[format-nongpl] these formats pass unchecked: the test would prove nothing.
    assert {"uri", "uri-reference", "date-time"} <= set(checker.checkers)
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema, format_checker=checker)


@pytest.fixture
def outside_git(monkeypatch: pytest.MonkeyPatch, cache_outside: None) -> Path:
    """Run from the outputs fixture's parent, with git unable to find budgetlint's own repository."""
    monkeypatch.chdir(OUTPUTS)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(OUTPUTS.parent))
    return OUTPUTS


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def sarif_of(*args: str) -> tuple[dict, int]:
    result = run("check", "--format", "sarif", *args)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout), result.exit_code


def errors_of(validator: Draft4Validator, document: dict) -> list[str]:
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(document)]


# the official schema


def test_sarif_of_the_fixture_tree_validates_against_the_official_schema_with_format_checking(validator, outside_git):
    document, exit_code = sarif_of("project")
    assert exit_code == 1
    assert errors_of(validator, document) == []
    codes = {result["ruleId"] for result in document["runs"][0]["results"]}
    assert {"BL000", "BL001", "BL002", "BL004", "BL005", "BL100"} <= codes


def _without_message(document: dict) -> None:
    del document["runs"][0]["results"][0]["message"]


def _start_line_zero(document: dict) -> None:
    document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0


def _unencoded_uri(document: dict) -> None:
    """Only format checking catches this one: a space is not allowed in a URI reference."""
    location = document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    location["artifactLocation"]["uri"] = "app/odd name.py"


def _bad_level(document: dict) -> None:
    document["runs"][0]["results"][0]["level"] = "fatal"


def _information_uri_not_a_uri(document: dict) -> None:
    document["runs"][0]["tool"]["driver"]["informationUri"] = "not a uri"


@pytest.mark.parametrize("breakage", [_without_message, _start_line_zero, _unencoded_uri, _bad_level, _information_uri_not_a_uri])
def test_the_validator_catches_a_broken_document(validator, outside_git, breakage):
    document, _ = sarif_of("project")
    assert errors_of(validator, document) == []
    broken = copy.deepcopy(document)
    breakage(broken)
    assert errors_of(validator, broken), f"{breakage.__name__} went unnoticed"


def test_format_checking_is_what_catches_an_unencoded_uri(validator, outside_git):
    document, _ = sarif_of("project")
    _unencoded_uri(document)
    assert errors_of(Draft4Validator(validator.schema), document) == []  # the schema alone lets it pass
    assert any("uri-reference" in error for error in errors_of(validator, document))


# what GitHub code scanning needs beyond the schema


def test_the_log_has_the_schema_version_and_one_run_with_a_described_driver(outside_git):
    document, _ = sarif_of("project")
    assert document["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert document["version"] == "2.1.0"
    assert len(document["runs"]) == 1
    driver = document["runs"][0]["tool"]["driver"]
    assert driver["name"] == "budgetlint"
    assert driver["version"] == __version__
    assert driver["semanticVersion"] == __version__
    homepage = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["urls"]["Homepage"]
    assert driver["informationUri"] == homepage


def test_rules_describe_every_rule_and_engine_code_with_help_tags_and_levels_for_the_tier(outside_git):
    document, _ = sarif_of("project")  # the fixture's guardrails set tier medium
    rules = document["runs"][0]["tool"]["driver"]["rules"]
    ids = [rule["id"] for rule in rules]
    assert ids == sorted({rule.code for rule in ALL_RULES} | set(ENGINE_CODES))
    by_id = {rule["id"]: rule for rule in rules}
    for rule_class in ALL_RULES:
        rule = by_id[rule_class.code]
        assert rule["name"] == rule_class.name
        assert rule["help"]["markdown"].endswith(rule_class.documentation())
        assert "## Why is this bad?" in rule["help"]["text"]
        assert rule["fullDescription"]["text"] and "\n## " not in rule["fullDescription"]["text"]
    for rule in rules:
        assert rule["shortDescription"]["text"]
        assert rule["help"]["text"].strip() and rule["help"]["markdown"].strip()
        assert rule["properties"]["tags"] and all(isinstance(tag, str) for tag in rule["properties"]["tags"])
        assert rule["properties"]["precision"] in {"high", "very-high"}
    levels = {rule["id"]: rule["defaultConfiguration"]["level"] for rule in rules}
    assert levels == {
        "BL000": "error", "BL001": "warning", "BL002": "error", "BL003": "error",
        "BL004": "error", "BL005": "warning", "BL100": "error", "BL900": "warning", "BL901": "warning",
    }
    at_hard, _ = sarif_of("project", "--tier", "hard")
    assert {rule["defaultConfiguration"]["level"] for rule in at_hard["runs"][0]["tool"]["driver"]["rules"]} == {"error"}


def test_results_point_at_their_rule_with_levels_from_the_tier_policy(outside_git):
    document, _ = sarif_of("project")
    run = document["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        expected = "warning" if result["ruleId"] in {"BL001", "BL005"} else "error"
        assert result["level"] == expected, result
        assert result["message"]["text"]


def test_locations_are_percent_encoded_forward_slash_uris_relative_to_srcroot_with_one_based_regions(outside_git):
    document, _ = sarif_of("project")
    run = document["runs"][0]
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": OUTPUTS.as_uri() + "/"}}
    uris = set()
    for result in run["results"]:
        assert len(result["locations"]) == 1
        physical = result["locations"][0]["physicalLocation"]
        artifact = physical["artifactLocation"]
        assert artifact["uriBaseId"] == "%SRCROOT%"
        uri = artifact["uri"]
        assert "\\" not in uri and not uri.startswith("/") and ".." not in uri.split("/") and ":" not in uri
        uris.add(uri)
        region = physical["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
        assert (region["endLine"], region["endColumn"]) >= (region["startLine"], region["startColumn"])
    assert "project/app/odd%20name.py" in uris and "project/app/chat.py" in uris


def test_a_config_finding_is_located_in_its_yaml_file(outside_git):
    document, _ = sarif_of("project")
    (config,) = [result for result in document["runs"][0]["results"] if result["ruleId"] == "BL100"]
    location = config["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "project/stack.yaml"
    assert (location["region"]["startLine"], location["region"]["startColumn"]) == (6, 15)


def test_regions_match_the_json_report(outside_git):
    document, _ = sarif_of("project")
    findings = json.loads(run("check", "--format", "json", "project").stdout)["findings"]
    regions = [
        (r["ruleId"], r["locations"][0]["physicalLocation"]["region"], r["partialFingerprints"]["budgetlintFingerprint/v1"])
        for r in document["runs"][0]["results"]
    ]
    assert regions == [
        (f["code"], {"startLine": f["line"], "startColumn": f["column"], "endLine": f["end_line"], "endColumn": f["end_column"]},
         f["fingerprint"])
        for f in findings
    ]


def test_partial_fingerprints_are_present_and_distinct(outside_git):
    document, _ = sarif_of("project")
    prints = [result["partialFingerprints"]["budgetlintFingerprint/v1"] for result in document["runs"][0]["results"]]
    assert all(prints) and len(set(prints)) == len(prints)


def test_the_invocation_records_the_exit_code(outside_git):
    document, exit_code = sarif_of("project")
    assert document["runs"][0]["invocations"] == [{"executionSuccessful": True, "exitCode": exit_code}]
    document, exit_code = sarif_of("project", "--exit-zero")
    assert exit_code == 0 and document["runs"][0]["invocations"][0]["exitCode"] == 0


# the repository root


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_uris_are_relative_to_the_git_top_level_when_run_from_a_subdirectory(tmp_path, monkeypatch, validator):
    git("init", "-q", cwd=tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.budgetlint]\n", encoding="utf-8")
    service = tmp_path / "services" / "chat bot"
    shutil.copytree(OUTPUTS / "project" / "app", service / "app")
    monkeypatch.chdir(service)
    document, _ = sarif_of("app")
    run_ = document["runs"][0]
    assert run_["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"
    uris = {result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for result in run_["results"]}
    assert uris == {"services/chat%20bot/app/chat.py", "services/chat%20bot/app/odd%20name.py"}
    assert errors_of(validator, document) == []


def test_outside_a_repository_uris_are_relative_to_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    shutil.copytree(OUTPUTS / "project" / "app", tmp_path / "src")
    monkeypatch.chdir(tmp_path / "src")
    document, _ = sarif_of(".")
    run_ = document["runs"][0]
    assert run_["originalUriBaseIds"]["%SRCROOT%"]["uri"] == (tmp_path / "src").resolve().as_uri() + "/"
    uris = {result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for result in run_["results"]}
    assert uris == {"chat.py", "odd%20name.py"}


# suppressed findings: dismissed, not absent


def test_suppressed_findings_are_results_with_an_in_source_suppression(tmp_path, monkeypatch, validator):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    monkeypatch.chdir(tmp_path)
    head = "from openai import OpenAI\nclient = OpenAI()\n"
    call = 'client.chat.completions.create(model="m", messages=[], metadata={"feature": "x"})'
    (tmp_path / "app.py").write_text(
        f"{head}{call}  # budgetlint: ignore[BL001] -- the gateway caps output\n{call}  # noqa: BL001\n{call}\n"
    )
    document, exit_code = sarif_of("--no-cache", ".")
    assert exit_code == 1
    assert errors_of(validator, document) == []
    run_ = document["runs"][0]
    shown = [(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"], r.get("suppressions")) for r in run_["results"]]
    assert shown == [
        ("BL900", 4, None),
        ("BL001", 5, None),
        ("BL001", 3, [{"kind": "inSource", "justification": "the gateway caps output"}]),
        ("BL001", 4, [{"kind": "inSource"}]),
    ]
    assert (run_["properties"]["findings"], run_["properties"]["suppressed"]) == (2, 2)
    fingerprints = [r["partialFingerprints"]["budgetlintFingerprint/v1"] for r in run_["results"]]
    assert len(set(fingerprints)) == 4
    ignoring, _ = sarif_of("--no-cache", "--ignore-suppressions", ".")
    results = ignoring["runs"][0]["results"]
    assert [(r["ruleId"], "suppressions" in r) for r in results] == [("BL001", False)] * 3
    # a suppressed finding keeps the fingerprint it has when reported: code scanning dismisses that alert
    assert sorted(fingerprints[1:]) == sorted(r["partialFingerprints"]["budgetlintFingerprint/v1"] for r in results)
    assert "suppressed" not in ignoring["runs"][0]["properties"]


# GitHub's limit of 25,000 results per run


def test_past_the_result_limit_blocking_findings_are_kept_and_the_drop_is_recorded(outside_git, monkeypatch, validator):
    full, _ = sarif_of("project")
    results = full["runs"][0]["results"]
    blocking = [result for result in results if result["level"] == "error"]
    monkeypatch.setattr(sarif, "MAX_RESULTS", len(blocking) - 1)
    document, exit_code = sarif_of("project")
    assert exit_code == 1
    run_ = document["runs"][0]
    assert run_["results"] == blocking[:-1]  # report order, blocking first
    dropped = len(results) - len(blocking) + 1
    assert run_["properties"]["droppedResults"] == dropped
    (notification,) = run_["invocations"][0]["toolExecutionNotifications"]
    assert notification["level"] == "warning" and f"{dropped} of {len(results)} results" in notification["message"]["text"]
    assert errors_of(validator, document) == []


def test_the_result_limit_is_githubs():
    assert sarif.MAX_RESULTS == 25_000


# --sarif-file


def test_sarif_file_writes_the_same_run_next_to_the_terminal_report(outside_git, tmp_path):
    target = tmp_path / "budgetlint.sarif"
    result = run("check", "project", "--sarif-file", str(target))
    assert result.exit_code == 1
    assert "project/app/chat.py:9:12: BL001" in result.stdout  # the text report, on stdout
    assert target.read_text(encoding="utf-8") == run("check", "--format", "sarif", "project").stdout


def test_sarif_file_and_output_together(outside_git, tmp_path):
    result = run("check", "project", "--format", "json", "--output", str(tmp_path / "r.json"), "--sarif-file", str(tmp_path / "r.sarif"))
    assert result.exit_code == 1 and result.stdout == ""
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["summary"]["findings"] == 8
    assert len(json.loads((tmp_path / "r.sarif").read_text(encoding="utf-8"))["runs"][0]["results"]) == 8


def test_an_unwritable_sarif_file_exits_2(outside_git, tmp_path):
    result = run("check", "project", "--sarif-file", str(tmp_path / "missing" / "r.sarif"))
    assert result.exit_code == 2
    assert "cannot write" in result.stderr
