"""Config files on the command line: the policy they set for `check`, settings discovery,
`validate`, `init` and `schema`, and bad input that never ends in a traceback.

Python sources and YAML fixtures come from ``tests/fixtures/config/``; every run happens in a
temporary project directory.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from budgetlint.cli import main
from budgetlint.config import schema
from budgetlint.reporters import REPORTERS

CONFIG = Path(__file__).resolve().parent / "fixtures" / "config"
CODE = CONFIG / "project"
RULE_FILES = ("bl001.py", "bl002.py", "bl003.py", "bl004.py")
"""One finding each, of the rule they are named after, at these places."""
RULE_FINDINGS = {
    "BL001": ("bl001.py", 7, 12),
    "BL002": ("bl002.py", 7, 12),
    "BL003": ("bl003.py", 13, 16),
    "BL004": ("bl004.py", 3, 26),
}
TIER_BLOCKS = {"soft": {"BL002"}, "medium": {"BL002", "BL003", "BL004"}, "hard": {"BL001", "BL002", "BL003", "BL004"}}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project root (with a pyproject.toml) that is the working directory."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    return tmp_path


def put(root: Path, relative: str, source: str | Path) -> Path:
    """Copy a fixture (a Path under tests/fixtures/config) or write text to ``root/relative``."""
    target = root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(source, Path):
        shutil.copyfile(source, target)
    else:
        target.write_text(source)
    return target


def run(*args: str):
    """Invoke the CLI; any exception but SystemExit is a traceback a user would see."""
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result


def json_run(*args: str) -> tuple[int, dict]:
    result = run(*args, "--format", "json")
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def located(report: dict, code: str | None = None) -> list[tuple[str, int, int, str]]:
    return [
        (f["path"], f["line"], f["column"], f["code"])
        for f in report["findings"]
        if code is None or f["code"] == code
    ]


def blocking(report: dict) -> set[str]:
    return {f["code"] for f in report["findings"] if f["blocking"]}


def warnings(report: dict) -> set[str]:
    return {f["code"] for f in report["findings"] if not f["blocking"]}


# --- the tier blocks exactly its rules ----------------------------------------------------------


@pytest.mark.parametrize("tier", ["soft", "medium", "hard"])
def test_the_guardrails_tier_blocks_exactly_its_rules(project, tier):
    put(project, "guardrails.yaml", CONFIG / f"guardrails/{tier}.yaml")
    for name in RULE_FILES:
        put(project, name, CODE / name)
    code, report = json_run("check")
    assert code == 1
    assert report["tier"] == tier
    assert sorted(located(report)) == sorted((*where, rule) for rule, where in RULE_FINDINGS.items())
    assert blocking(report) == TIER_BLOCKS[tier]
    assert warnings(report) == set(RULE_FINDINGS) - TIER_BLOCKS[tier]
    assert report["summary"]["blocking"] == len(TIER_BLOCKS[tier])
    assert report["summary"]["warnings"] == 4 - len(TIER_BLOCKS[tier])


@pytest.mark.parametrize("tier", ["soft", "medium"])
def test_rules_above_the_tier_only_warn_and_exit_0(project, tier):
    put(project, "guardrails.yaml", CONFIG / f"guardrails/{tier}.yaml")
    above = set(RULE_FINDINGS) - TIER_BLOCKS[tier]
    for rule in above:
        put(project, RULE_FINDINGS[rule][0], CODE / RULE_FINDINGS[rule][0])
    code, report = json_run("check")
    assert code == 0
    assert {f["code"] for f in report["findings"]} == above and blocking(report) == set()


def test_the_text_report_names_the_tier_and_its_source(project):
    put(project, "guardrails.yaml", CONFIG / "guardrails/soft.yaml")
    put(project, "bl001.py", CODE / "bl001.py")
    put(project, "bl002.py", CODE / "bl002.py")
    result = run("check")
    assert result.exit_code == 1
    assert "bl001.py:7:12: BL001 [*] [warning: blocks at tier hard] " in result.stdout
    assert "bl002.py:7:12: BL002 [blocks] " in result.stdout
    assert "Checked 2 files at tier soft (guardrails.yaml): 1 blocking, 1 warning" in result.stdout
    assert "No guardrails.yaml found" not in result.stdout


@pytest.mark.parametrize(("file_tier", "flag"), [("soft", "hard"), ("hard", "soft"), ("medium", "soft")])
def test_the_tier_option_overrides_the_file(project, file_tier, flag):
    put(project, "guardrails.yaml", CONFIG / f"guardrails/{file_tier}.yaml")
    for name in RULE_FILES:
        put(project, name, CODE / name)
    code, report = json_run("check", "--tier", flag)
    assert code == 1
    assert report["tier"] == flag
    assert blocking(report) == TIER_BLOCKS[flag]


def test_the_tier_option_can_make_a_run_pass(project):
    put(project, "guardrails.yaml", CONFIG / "guardrails/hard.yaml")
    put(project, "bl001.py", CODE / "bl001.py")
    assert run("check").exit_code == 1
    assert run("check", "--tier", "medium").exit_code == 0


# --- the policy reaches the rules ---------------------------------------------------------------

HARD_HEAD = "apiVersion: budgetlint/v1\nkind: Guardrails\ntier: hard\n"
ROUTING = "routing:\n  escalation_log: {}\n"
CEILINGS = "ceilings: {max_output_tokens: 1024, session_tokens: 100000, agent_loop_iterations: 10}\n"


def test_ceilings_and_features_reach_bl001_and_bl002(project):
    put(project, "ceilings.py", CODE / "ceilings.py")
    _, before = json_run("check")
    assert before["findings"] == []  # no ceiling, no feature list: nothing to compare
    put(project, "guardrails.yaml", HARD_HEAD + "metering:\n  features: [search]\n" + ROUTING + CEILINGS)
    code, report = json_run("check")
    assert code == 1
    assert located(report) == [("ceilings.py", 13, 12, "BL001"), ("ceilings.py", 19, 12, "BL002")]
    bl001, bl002 = report["findings"]
    assert "sets `max_tokens` to 4096, above the guardrail ceiling ceilings.max_output_tokens=1024" in bl001["message"]
    assert bl002["message"].startswith("feature tag 'serach' is not one of metering.features (search)")


def test_custom_feature_tag_carriers_are_honoured(project):
    put(project, "carriers.py", CODE / "carriers.py")
    put(project, "bl002.py", CODE / "bl002.py")
    put(project, "guardrails.yaml", "apiVersion: budgetlint/v1\nkind: Guardrails\ntier: soft\nmetering: {}\n")
    _, report = json_run("check")
    assert located(report) == [
        ("bl002.py", 7, 12, "BL002"),
        ("carriers.py", 8, 12, "BL002"),
        ("carriers.py", 14, 12, "BL002"),
        ("carriers.py", 21, 12, "BL002"),
    ]
    put(
        project,
        "guardrails.yaml",
        "apiVersion: budgetlint/v1\nkind: Guardrails\ntier: soft\nmetering:\n"
        "  feature_tag: {metadata_keys: [product], headers: [X-Cost-Center], wrappers: [billed_as]}\n",
    )
    _, report = json_run("check")
    assert located(report) == [("bl002.py", 7, 12, "BL002")]
    message = report["findings"][0]["message"]
    assert 'Add `metadata={"product": ...}`, `extra_headers={"X-Cost-Center": ...}`, or wrap it in `billed_as(...)`.' in message


def test_a_custom_escalation_log_function_silences_bl003(project):
    put(project, "escalation.py", CODE / "escalation.py")
    put(project, "guardrails.yaml", CONFIG / "guardrails/medium.yaml")
    _, report = json_run("check")
    assert located(report) == [("escalation.py", 14, 16, "BL003")]
    assert "Call an escalation logger (e.g. `log_escalation(...)`)" in report["findings"][0]["message"]
    put(
        project,
        "guardrails.yaml",
        "apiVersion: budgetlint/v1\nkind: Guardrails\ntier: medium\nmetering: {}\n"
        "routing:\n  escalation_log: {functions: [record_fallback]}\n",
    )
    code, report = json_run("check")
    assert (code, report["findings"]) == (0, [])


@pytest.mark.parametrize(("location", "expected"), [("local", [("stack_env.py", 15, 16, "BL003")]), ("cloud", [])])
def test_stack_endpoints_classify_environment_variables_for_bl003(project, location, expected):
    put(project, "stack_env.py", CODE / "stack_env.py")
    _, report = json_run("check")
    assert report["findings"] == []  # MY_GPU could point anywhere: not judged
    put(
        project,
        "stack.yaml",
        f"apiVersion: budgetlint/v1\nkind: Stack\nendpoints:\n"
        f"  - {{name: gpu, engine: vllm, location: {location}, base_url_env: MY_GPU}}\n",
    )
    _, report = json_run("check")
    assert located(report) == expected
    if expected:
        assert "after the local `gpu.chat.completions.create`" in report["findings"][0]["message"]


def test_strict_in_the_guardrails_flags_unresolved_limits(project):
    shutil.copyfile(CONFIG.parent / "unresolved_limit.py", project / "settings_limit.py")
    put(project, "guardrails.yaml", CONFIG / "guardrails/soft.yaml")
    assert json_run("check")[1]["findings"] == []
    put(project, "guardrails.yaml", (CONFIG / "guardrails/soft.yaml").read_text() + "strict: true\n")
    code, report = json_run("check")
    assert code == 0  # BL001 is a hard rule: a warning at tier soft
    assert located(report) == [("settings_limit.py", 7, 12, "BL001")]


def test_an_invalid_stack_file_keeps_the_guardrails_policy(project):
    put(project, "guardrails.yaml", CONFIG / "guardrails/soft.yaml")
    put(project, "stack.yaml", CONFIG / "stack/location.yaml")
    put(project, "bl001.py", CODE / "bl001.py")
    code, report = json_run("check")
    assert (code, report["tier"]) == (1, "soft")
    assert located(report) == [("bl001.py", 7, 12, "BL001"), ("stack.yaml", 6, 15, "BL100"), ("stack.yaml", 9, 15, "BL100")]
    assert blocking(report) == {"BL100"}


def test_an_invalid_guardrails_file_is_bl100_next_to_code_findings_under_the_default_policy(project):
    put(project, "guardrails.yaml", CONFIG / "guardrails/tier_typo.yaml")
    put(project, "bl001.py", CODE / "bl001.py")
    code, report = json_run("check")
    assert code == 1
    assert report["tier"] == "hard"  # the built-in default, not the file's (unreadable) tier
    assert located(report) == [("bl001.py", 7, 12, "BL001"), ("guardrails.yaml", 3, 7, "BL100")]
    assert all(f["blocking"] for f in report["findings"])
    bl100 = report["findings"][1]
    assert bl100["message"] == "tier: 'medum' is not one of soft, medium, hard; did you mean 'medium'?"
    assert (bl100["tier"], bl100["name"]) == ("always", "invalid-config")


def test_a_bl100_in_the_text_report_shows_the_yaml_line(project):
    put(project, "stack.yaml", CONFIG / "stack/engine_typo.yaml")
    result = run("check")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    first = lines.index(next(line for line in lines if line.startswith("stack.yaml:5:13: BL100 [blocks] ")))
    assert lines[first].endswith("did you mean 'ollama'?")
    assert lines[first + 1] == "        engine: ollamma"
    assert set(lines[first + 2].strip()) == {"^"}
    assert lines[first + 2].index("^") == lines[first + 1].index("ollamma")


def test_check_cross_checks_the_ceiling_against_the_stack(project):
    put(project, "guardrails.yaml", CONFIG / "guardrails/high_ceiling.yaml")
    put(project, "stack.yaml", CONFIG / "stack/small_context.yaml")
    put(project, "bl002.py", CODE / "bl002.py")
    code, report = json_run("check")
    assert code == 1
    assert located(report, "BL100") == [("guardrails.yaml", 8, 22, "BL100")] * 2
    assert [f["message"] for f in report["findings"] if f["code"] == "BL100"] == [
        "ceilings.max_output_tokens: 16384 is above the max_model_len 4096 of endpoint 'tiny' (stack.yaml): "
        "no call to it can use that many output tokens",
        "ceilings.max_output_tokens: 16384 is above the max_model_len 8192 of endpoint 'local-vllm' (stack.yaml): "
        "no call to it can use that many output tokens",
    ]
    assert located(report, "BL002") == [("bl002.py", 7, 12, "BL002")]


@pytest.mark.parametrize(
    ("fixture", "name", "expected"),
    [
        ("stack/literal_base_url.yaml", "stack.yaml", ("stack.yaml", 7, 15)),
        ("stack/duplicate_endpoints.yaml", "stack.yaml", ("stack.yaml", 10, 11)),
        ("guardrails/duplicate_features.yaml", "guardrails.yaml", ("guardrails.yaml", 8, 7)),
    ],
)
def test_check_reports_semantic_problems_at_their_node(project, fixture, name, expected):
    put(project, name, CONFIG / fixture)
    code, report = json_run("check")
    assert code == 1
    assert located(report) == [(*expected, "BL100")]


# --- settings discovery -------------------------------------------------------------------------


def test_a_run_from_a_subdirectory_uses_the_project_guardrails(project, monkeypatch):
    put(project, "guardrails.yaml", CONFIG / "guardrails/soft.yaml")
    put(project, "src/pkg/bl001.py", CODE / "bl001.py")
    monkeypatch.chdir(project / "src" / "pkg")
    code, report = json_run("check")
    assert (code, report["tier"]) == (0, "soft")
    assert located(report) == [("bl001.py", 7, 12, "BL001")] and warnings(report) == {"BL001"}


def test_config_problems_from_a_subdirectory_are_relative_like_code_findings(project, monkeypatch):
    put(project, "guardrails.yaml", CONFIG / "guardrails/tier_typo.yaml")
    put(project, "src/bl001.py", CODE / "bl001.py")
    monkeypatch.chdir(project / "src")
    result = run("check")
    assert result.exit_code == 1
    assert "../guardrails.yaml:3:7: BL100 [blocks] tier: 'medum'" in result.stdout
    assert "    tier: medum" in result.stdout  # the YAML line, read through the relative path
    assert "bl001.py:7:12: BL001 [*] [blocks] " in result.stdout
    # The file exists: the summary must not say it was not found.
    assert "at tier hard (the built-in default policy, as ../guardrails.yaml could not be used)" in result.stdout
    assert "No guardrails.yaml found" not in result.stdout


def test_a_single_file_argument_uses_the_project_guardrails(project):
    # As pre-commit runs it: from the root, with the changed files as arguments.
    put(project, "guardrails.yaml", CONFIG / "guardrails/soft.yaml")
    put(project, "src/pkg/bl001.py", CODE / "bl001.py")
    code, report = json_run("check", "src/pkg/bl001.py")
    assert (code, report["tier"]) == (0, "soft")
    assert located(report) == [("src/pkg/bl001.py", 7, 12, "BL001")]


def test_a_file_argument_from_outside_the_project_uses_its_guardrails(project, monkeypatch):
    put(project, "guardrails.yaml", CONFIG / "guardrails/soft.yaml")
    put(project, "src/bl001.py", CODE / "bl001.py")
    elsewhere = project / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "pyproject.toml").write_text("")  # another project, without guardrails
    monkeypatch.chdir(elsewhere)
    code, report = json_run("check", "../src/bl001.py")
    assert (code, report["tier"]) == (0, "soft")


def test_the_guardrails_path_in_pyproject_is_honoured(project, monkeypatch):
    (project / "pyproject.toml").write_text('[tool.budgetlint]\nguardrails = "config/guard.yaml"\n')
    put(project, "config/guard.yaml", CONFIG / "guardrails/soft.yaml")
    put(project, "guardrails.yaml", CONFIG / "guardrails/hard.yaml")  # not the configured one
    put(project, "src/bl001.py", CODE / "bl001.py")
    monkeypatch.chdir(project / "src")
    result = run("check")
    assert result.exit_code == 0, result.output
    assert "at tier soft (../config/guard.yaml)" in result.stdout


def test_the_stack_path_in_pyproject_is_honoured(project):
    (project / "pyproject.toml").write_text('[tool.budgetlint]\nstack = "deploy/stack.yaml"\n')
    put(
        project,
        "deploy/stack.yaml",
        "apiVersion: budgetlint/v1\nkind: Stack\nendpoints:\n  - {name: gpu, engine: vllm, location: local, base_url_env: MY_GPU}\n",
    )
    put(project, "stack_env.py", CODE / "stack_env.py")
    _, report = json_run("check", "stack_env.py")
    assert located(report) == [("stack_env.py", 15, 16, "BL003")]


def test_a_configured_guardrails_file_that_does_not_exist_is_a_usage_error(project):
    (project / "pyproject.toml").write_text('[tool.budgetlint]\nguardrails = "config/guard.yaml"\n')
    put(project, "bl002.py", CODE / "bl002.py")
    result = CliRunner().invoke(main, ["check", "--format", "json"])
    assert result.exit_code == 2
    assert "the guardrails file 'config/guard.yaml' set in" in result.stderr
    assert "does not exist" in result.stderr


def test_a_stack_file_configured_as_the_guardrails_file_is_bl100(project):
    (project / "pyproject.toml").write_text('[tool.budgetlint]\nguardrails = "stack.yaml"\n')
    put(project, "stack.yaml", CONFIG / "stack/full.yaml")
    code, report = json_run("check")
    assert code == 1
    assert located(report) == [("stack.yaml", 3, 7, "BL100")]
    assert report["findings"][0]["message"] == "configured as the guardrails file, but its kind is 'Stack'"


def test_a_config_file_named_on_the_command_line_is_not_linted_as_python(project):
    text = (CONFIG / "guardrails/full.yaml").read_text() + "# the tag reaches client.chat.completions.create as metadata\n"
    put(project, "guardrails.yaml", text)
    put(project, "bl002.py", CODE / "bl002.py")
    code, report = json_run("check", "guardrails.yaml", "bl002.py")
    assert located(report) == [("bl002.py", 7, 12, "BL002")]


def test_a_guardrails_yaml_of_another_kind_is_bl100(project):
    put(project, "guardrails.yaml", CONFIG / "load/other_kind.yaml")
    code, report = json_run("check")
    assert code == 1
    assert located(report) == [("guardrails.yaml", 2, 7, "BL100")]
    assert report["findings"][0]["message"] == "kind 'Other' is not one of 'Guardrails' or 'Stack'"


# --- validate -----------------------------------------------------------------------------------


def test_validate_accepts_valid_files_with_exit_0(project):
    put(project, "guardrails.yaml", CONFIG / "guardrails/full.yaml")
    put(project, "stack.yaml", CONFIG / "stack/full.yaml")
    result = run("validate", "guardrails.yaml", "stack.yaml")
    assert result.exit_code == 0, result.output
    code, report = json_run("validate", "guardrails.yaml", "stack.yaml")
    assert code == 0 and report["findings"] == [] and report["summary"]["files"] == 2


def test_validate_takes_the_kind_from_the_document(project):
    # Names say nothing: a stack in a file called guardrails.yaml is validated as a stack.
    put(project, "guardrails.yaml", CONFIG / "stack/engine_typo.yaml")
    code, report = json_run("validate", "guardrails.yaml")
    assert code == 1
    assert located(report) == [("guardrails.yaml", 5, 13, "BL100")]
    assert "did you mean 'ollama'?" in report["findings"][0]["message"]


def test_validate_cross_checks_a_guardrails_and_a_stack_file(project):
    put(project, "guardrails.yaml", CONFIG / "guardrails/high_ceiling.yaml")
    put(project, "stack.yaml", CONFIG / "stack/small_context.yaml")
    assert run("validate", "guardrails.yaml").exit_code == 0
    assert run("validate", "stack.yaml").exit_code == 0
    code, report = json_run("validate", "guardrails.yaml", "stack.yaml")
    assert code == 1
    assert located(report) == [("guardrails.yaml", 8, 22, "BL100")] * 2
    assert "above the max_model_len 4096 of endpoint 'tiny' (stack.yaml)" in report["findings"][0]["message"]


def test_validate_reports_every_file_in_one_report(project):
    put(project, "a.yaml", CONFIG / "guardrails/tier_typo.yaml")
    put(project, "b.yaml", CONFIG / "load/duplicate_key.yaml")
    put(project, "c.yaml", CONFIG / "stack/minimal.yaml")
    result = run("validate", "a.yaml", "b.yaml", "c.yaml")
    assert result.exit_code == 1
    assert "a.yaml:3:7: BL100 [blocks] tier: 'medum' is not one of soft, medium, hard; did you mean 'medium'?" in result.stdout
    assert "b.yaml:7:1: BL100 [blocks] duplicate key 'tier' (first defined on line 3)" in result.stdout
    assert "c.yaml" not in result.stdout.replace("(a.yaml, b.yaml, c.yaml)", "")


def test_validate_exits_2_on_a_missing_file(project):
    put(project, "guardrails.yaml", CONFIG / "guardrails/soft.yaml")
    result = run("validate", "guardrails.yaml", "nowhere.yaml")
    assert result.exit_code == 2
    assert "nowhere.yaml" in result.stderr and result.stdout == ""


def test_validate_needs_a_file(project):
    assert run("validate").exit_code == 2


def test_validate_writes_its_report_to_output(project):
    put(project, "stack.yaml", CONFIG / "stack/duplicate_endpoints.yaml")
    result = run("validate", "stack.yaml", "--format", "json", "--output", "report.json")
    assert result.exit_code == 1 and result.stdout == ""
    report = json.loads((project / "report.json").read_text())
    assert located(report) == [("stack.yaml", 10, 11, "BL100")]
    assert report["findings"][0]["message"] == "endpoints[2].name: duplicate endpoint name 'gpu-pool' (also endpoints[0])"


def test_validate_exit_zero(project):
    put(project, "stack.yaml", CONFIG / "stack/duplicate_endpoints.yaml")
    assert run("validate", "--exit-zero", "stack.yaml").exit_code == 0


@pytest.mark.parametrize("output_format", sorted(REPORTERS))
def test_validate_offers_every_format_of_check(project, output_format):
    put(project, "stack.yaml", CONFIG / "stack/engine_typo.yaml")
    result = run("validate", "stack.yaml", "--format", output_format)
    assert result.exit_code == 1, result.output
    assert "stack.yaml" in result.stdout


# --- bad input never ends in a traceback --------------------------------------------------------

BAD = sorted(
    path.relative_to(CONFIG).as_posix()
    for path in CONFIG.glob("*/*.yaml")
    if path.parent.name == "load" or path.stem not in {"soft", "medium", "hard", "full", "minimal", "high_ceiling", "small_context"}
)


@pytest.mark.parametrize("fixture", BAD)
def test_validate_turns_bad_input_into_bl100(project, fixture):
    put(project, fixture, CONFIG / fixture)
    code, report = json_run("validate", fixture)
    assert code == 1
    assert report["findings"] and {f["code"] for f in report["findings"]} == {"BL100"}
    assert {f["path"] for f in report["findings"]} == {fixture}


@pytest.mark.parametrize("fixture", [name for name in BAD if not name.startswith("stack/")])
def test_check_turns_a_bad_guardrails_file_into_bl100(project, fixture):
    put(project, "guardrails.yaml", CONFIG / fixture)
    put(project, "bl002.py", CODE / "bl002.py")
    code, report = json_run("check")
    assert code == 1
    assert {(f["path"], f["code"]) for f in report["findings"]} == {("guardrails.yaml", "BL100"), ("bl002.py", "BL002")}


@pytest.mark.parametrize("fixture", [name for name in BAD if name.startswith("stack/")])
def test_check_turns_a_bad_stack_file_into_bl100(project, fixture):
    put(project, "stack.yaml", CONFIG / fixture)
    code, report = json_run("check")
    assert code == 1
    assert {(f["path"], f["code"]) for f in report["findings"]} == {("stack.yaml", "BL100")}


def test_a_python_tag_in_guardrails_runs_nothing(project):
    put(project, "guardrails.yaml", CONFIG / "load/python_tag.yaml")
    run("check", "--format", "json")
    run("validate", "guardrails.yaml")
    assert not (project / "budgetlint-pwned").exists()


# --- init and schema ----------------------------------------------------------------------------


def test_init_writes_files_that_validate(project):
    result = run("init")
    assert result.exit_code == 0, result.output
    for name, kind in (("guardrails.yaml", "guardrails"), ("stack.yaml", "stack")):
        first = (project / name).read_text().splitlines()[0]
        # The versioned $id of the schema, not a copy that goes stale when budgetlint is upgraded.
        assert first == f"# yaml-language-server: $schema={schema(kind)['$id']}"
        assert schema(kind)["$id"].startswith("https://") and "/v1/" in schema(kind)["$id"]
    assert not (project / ".budgetlint").exists()
    result = run("validate", "guardrails.yaml", "stack.yaml")
    assert result.exit_code == 0, result.output
    assert "0 blocking" in result.stdout


def test_init_keeps_the_tier_that_applied_before(project):
    put(project, "bl004.py", CODE / "bl004.py")
    before, _ = json_run("check")
    result = run("init")
    assert "tier hard (as before)" in result.stdout
    code, report = json_run("check")
    assert (code, report["tier"]) == (before, "hard")  # was `medium`, silently: BL001 and BL005 stopped blocking
    assert located(report) == [("bl004.py", 3, 26, "BL004")]
    put(project, "guardrails.yaml", (project / "guardrails.yaml").read_text().replace("tier: hard", "tier: soft"))
    assert "tier soft (as before)" in run("init", "--force").stdout
    assert "tier: soft\n" in (project / "guardrails.yaml").read_text()
    assert "tier medium (chosen with --tier)" in run("init", "--force", "--tier", "medium").stdout
    assert json_run("check")[1]["tier"] == "medium"


def test_init_writes_the_endpoints_the_code_calls(project):
    shutil.copytree(Path(__file__).resolve().parents[1] / "examples", project / "examples")
    result = run("init")
    assert result.exit_code == 0, result.output
    stack = yaml.safe_load((project / "stack.yaml").read_text())
    assert [(e["name"], e["engine"], e["location"], e["base_url_env"], e.get("openai_compatible", False)) for e in stack["endpoints"]] == [
        ("local-ollama", "ollama", "local", "OLLAMA_HOST", False),
        ("local-vllm", "vllm", "local", "VLLM_BASE_URL", True),  # clients.py reads VLLM_BASE_URL; answer.py's literal joins it
        ("cloud-openai", "openai", "cloud", "OPENAI_BASE_URL", False),
    ]
    assert stack["endpoints"][1]["models"] == ["llama", "meta-llama/Llama-3.1-8B-Instruct"]
    guardrails = yaml.safe_load((project / "guardrails.yaml").read_text())
    assert guardrails["metering"]["features"] == ["summarize", "support-bot"]  # the tags the code uses
    assert "3 endpoints, as `budgetlint init` found them in the code" in result.stdout
    assert "Commit guardrails.yaml, stack.yaml:" in result.stdout
    assert run("validate", "guardrails.yaml", "stack.yaml").exit_code == 0


def test_init_engine_chooses_the_endpoints(project):
    put(project, "app.py", "import ollama\nollama.chat(model='m', messages=[], options={'num_predict': 5})\n")
    result = run("init", "--engine", "tgi,ollama")
    assert result.exit_code == 0, result.output
    stack = yaml.safe_load((project / "stack.yaml").read_text())
    assert [(e["engine"], e["location"], e["base_url_env"]) for e in stack["endpoints"]] == [
        ("ollama", "local", "OLLAMA_HOST"), ("tgi", "local", "TGI_BASE_URL"),
    ]
    refused = run("init", "--force", "--engine", "ollama,vlm")
    assert refused.exit_code == 2 and "unknown engine vlm" in refused.stderr


def test_init_without_llm_calls_writes_a_template_and_says_so(project):
    result = run("init")
    assert "a template: no LLM call was found in the code; edit it" in result.stdout
    stack = yaml.safe_load((project / "stack.yaml").read_text())
    assert [e["engine"] for e in stack["endpoints"]] == ["vllm", "openai"]


RUFF_PYPROJECT = '[project]\nname = "demo"  # mine\n\n[tool.ruff]\nline-length = 100\n\n[tool.ruff.lint]\nselect = ["E", "RUF"]\n'


@pytest.mark.parametrize(
    "before, after",
    [
        (RUFF_PYPROJECT, RUFF_PYPROJECT.replace("[tool.ruff.lint]\n", '[tool.ruff.lint]\nexternal = ["BL"]\n')),
        ('[tool.ruff]\nline-length = 100', '[tool.ruff]\nline-length = 100\n\n[tool.ruff.lint]\nexternal = ["BL"]\n'),
        ('[tool.ruff.lint]\r\nexternal = ["X1"]  # ours\r\n', '[tool.ruff.lint]\r\nexternal = ["BL", "X1"]  # ours\r\n'),
        ('[tool.ruff.lint]\r\nselect = ["E"]\r\n', '[tool.ruff.lint]\r\nexternal = ["BL"]\r\nselect = ["E"]\r\n'),
        ('[tool.ruff.lint]\nexternal = ["BL"]\n', None),
        ('[tool.ruff]\nlint.select = ["E"]\n', None),  # dotted keys: told what to add, not edited
        ('[project]\nname = "demo"\n', None),  # ruff is not configured here
    ],
)
def test_init_adds_ruff_external_to_pyproject_minimally(project, before, after):
    (project / "pyproject.toml").write_bytes(before.encode())
    result = run("init")
    assert result.exit_code == 0, result.output
    assert (project / "pyproject.toml").read_bytes().decode() == (after or before)
    assert ("pyproject.toml" in result.stdout.splitlines()[-1]) == (after is not None)  # what to commit


def test_init_leaves_a_symlinked_pyproject_alone(project, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside") / "pyproject.toml"
    outside.write_text("[tool.ruff]\nline-length = 100\n")
    (project / "pyproject.toml").unlink()
    (project / "pyproject.toml").symlink_to(outside)
    result = run("init")
    assert result.exit_code == 0, result.output
    assert outside.read_text() == "[tool.ruff]\nline-length = 100\n"
    assert "left pyproject.toml alone (a symbolic link)" in result.stdout


def test_init_in_another_directory(project):
    assert run("init", "--directory", "deploy").exit_code == 0
    assert (project / "deploy/guardrails.yaml").is_file() and (project / "deploy/stack.yaml").is_file()


def test_init_refuses_to_overwrite_without_force(project):
    put(project, "guardrails.yaml", "# mine\n")
    result = run("init")
    assert result.exit_code == 2
    assert "--force" in result.stderr
    assert (project / "guardrails.yaml").read_text() == "# mine\n"
    assert not (project / "stack.yaml").exists()
    assert run("init", "--force").exit_code == 0
    assert (project / "guardrails.yaml").read_text().startswith("# yaml-language-server: $schema=")


def _tree(root: Path) -> dict[str, bytes | str]:
    """Every path under ``root``: a file's bytes, a symlink's target."""
    return {
        path.relative_to(root).as_posix(): str(path.readlink()) if path.is_symlink() else path.read_bytes() if path.is_file() else ""
        for path in sorted(root.rglob("*"))
    }


@pytest.mark.parametrize("link", ["guardrails.yaml", "stack.yaml", "deploy/guardrails.yaml"])
@pytest.mark.parametrize("force", [False, True])
@pytest.mark.parametrize("dangling", [False, True])
def test_init_writes_nothing_through_a_symlink(project, tmp_path_factory, link, force, dangling):
    outside = tmp_path_factory.mktemp("outside")
    target = outside / "target"
    if not dangling and link.endswith(".yaml"):
        target.write_text("# theirs\n")
    elif not dangling:
        target.mkdir()
    (project / link).parent.mkdir(parents=True, exist_ok=True)
    (project / link).symlink_to(target)
    before, outside_before = _tree(project), _tree(outside)
    directory = ["--directory", "deploy"] if link.startswith("deploy") else []
    result = run("init", *directory, *(["--force"] if force else []))
    assert result.exit_code == 2, result.output
    assert f"{link} is a symbolic link" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert _tree(project) == before and _tree(outside) == outside_before


@pytest.mark.parametrize("blocker", ["guardrails.yaml", "stack.yaml"])
def test_init_where_a_directory_is_in_the_way_is_one_line(project, blocker):
    (project / blocker).mkdir()
    result = run("init", "--force")
    assert result.exit_code == 2
    assert result.stderr.startswith("budgetlint: error: cannot ") and len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize("kind", ["guardrails", "stack"])
def test_schema_prints_the_package_schema(kind):
    result = run("schema", kind)
    assert result.exit_code == 0
    assert json.loads(result.stdout) == schema(kind)


def test_schema_rejects_an_unknown_kind():
    result = run("schema", "policy")
    assert result.exit_code == 2


# --- several projects in one run (a monorepo) -----------------------------------------------------

SERVICE_FILES = ("app.py", "bl001.py", "bl002.py", "legacy.py")


@pytest.fixture
def services(project: Path) -> Path:
    """Two projects under one repository: svc_a at tier hard with a ceiling, ignoring BL002 and
    excluding legacy.py; svc_b at tier soft without ceiling or feature list."""
    put(project, "svc_a/pyproject.toml", '[tool.budgetlint]\nignore = ["BL002"]\nexclude = ["legacy.py"]\n')
    put(project, "svc_a/guardrails.yaml", HARD_HEAD + "metering:\n  features: [search]\n" + ROUTING + CEILINGS)
    put(project, "svc_b/pyproject.toml", "[tool.budgetlint]\n")
    put(project, "svc_b/guardrails.yaml", CONFIG / "guardrails/soft.yaml")
    for service in ("svc_a", "svc_b"):
        put(project, f"{service}/app.py", CODE / "ceilings.py")
        put(project, f"{service}/bl001.py", CODE / "bl001.py")
        put(project, f"{service}/bl002.py", CODE / "bl002.py")
        put(project, f"{service}/legacy.py", CODE / "bl001.py")
    return project


SERVICES_FOUND = [
    ("svc_a/app.py", 13, 12, "BL001", True),  # above svc_a's ceiling; its BL002 ('serach') is ignored there
    ("svc_a/bl001.py", 7, 12, "BL001", True),
    ("svc_b/bl001.py", 7, 12, "BL001", False),  # tier soft: a warning
    ("svc_b/bl002.py", 7, 12, "BL002", True),
]


def found(report: dict) -> list[tuple[str, int, int, str, bool]]:
    return [(f["path"], f["line"], f["column"], f["code"], f["blocking"]) for f in report["findings"]]


def test_each_file_is_checked_with_its_own_projects_settings_and_guardrails(services):
    named = [f"{service}/{name}" for service in ("svc_a", "svc_b") for name in SERVICE_FILES if name != "legacy.py"]
    forward = run("check", "--format", "json", *named)
    backward = run("check", "--format", "json", *reversed(named))
    assert forward.exit_code == backward.exit_code == 1
    assert forward.stdout == backward.stdout
    report = json.loads(forward.stdout)
    assert found(report) == SERVICES_FOUND
    assert report["tier"] == "hard"  # projects differ: the strictest of their tiers
    text = run("check", *reversed(named)).stdout
    assert "at tier hard (per project, svc_a: tier hard from svc_a/guardrails.yaml; svc_b: tier soft from svc_b/guardrails.yaml)" in text


def test_a_walk_applies_each_nested_projects_settings_and_excludes(services):
    code, report = json_run("check", ".")
    assert code == 1
    assert found(report) == [*SERVICES_FOUND, ("svc_b/legacy.py", 7, 12, "BL001", False)]
    assert report["summary"]["files"] == 7  # svc_a/legacy.py is excluded by svc_a's settings


def test_one_services_ceiling_does_not_apply_to_the_other(services):
    _, report = json_run("check", "svc_b/app.py", "svc_a/app.py")
    assert found(report) == [SERVICES_FOUND[0]]
    assert "ceiling" in report["findings"][0]["message"]


def test_config_problems_of_every_project_involved_are_reported(services):
    put(services, "svc_b/guardrails.yaml", CONFIG / "guardrails/tier_typo.yaml")
    for order in (("svc_a/app.py", "svc_b/bl002.py"), ("svc_b/bl002.py", "svc_a/app.py")):
        code, report = json_run("check", *order)
        assert code == 1
        assert found(report) == [
            SERVICES_FOUND[0],
            ("svc_b/bl002.py", 7, 12, "BL002", True),  # svc_b: the default policy, as its guardrails are broken
            ("svc_b/guardrails.yaml", 3, 7, "BL100", True),
        ]


def test_command_line_options_apply_to_every_project(services):
    _, report = json_run("check", "--tier", "medium", "--ignore", "BL002", "svc_b", "svc_a")
    assert report["tier"] == "medium"
    assert found(report) == [
        ("svc_a/app.py", 13, 12, "BL001", False),
        ("svc_a/bl001.py", 7, 12, "BL001", False),
        ("svc_b/bl001.py", 7, 12, "BL001", False),
        ("svc_b/legacy.py", 7, 12, "BL001", False),
    ]


def test_each_project_caches_under_its_own_configuration(services):
    named = ("svc_a/app.py", "svc_b/bl002.py", "svc_b/app.py")
    first = run("check", "--format", "json", *named).stdout
    assert (services / "svc_a" / ".budgetlint_cache").is_dir() and (services / "svc_b" / ".budgetlint_cache").is_dir()
    assert run("check", "--format", "json", *reversed(named)).stdout == first
    assert found(json.loads(first)) == [SERVICES_FOUND[0], SERVICES_FOUND[3]]


def test_projects_sharing_a_cache_directory_keep_an_index_each(project, tmp_path_factory, monkeypatch):
    shared = tmp_path_factory.mktemp("shared") / "cache"  # created by budgetlint: its own
    monkeypatch.setenv("BUDGETLINT_CACHE_DIR", str(shared))
    for service in ("svc_a", "svc_b"):  # the same configuration, and a file of the same name
        put(project, f"{service}/pyproject.toml", "[tool.budgetlint]\n")
        put(project, f"{service}/app.py", CODE / "bl001.py")
    first = run("check", "--format", "json", "svc_a", "svc_b").stdout
    assert len(list(shared.glob("*.json"))) == 2
    assert run("check", "--format", "json", "svc_b", "svc_a").stdout == first
