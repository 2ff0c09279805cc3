"""Guardrails and stack files: schema branches, semantic checks and loading, each problem at its YAML node.

The fixtures live in ``tests/fixtures/config/``; each test names the line, column and message of
every problem a file has (so a stray extra problem fails too). The command-line behaviour
(validate, check, init, schema) is in ``test_config_cli.py``.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest

from budgetlint.config import (
    ConfigProblem,
    cross_file,
    load_configs,
    load_file,
    policy_from,
    schema,
)
from budgetlint.policy import DEFAULT_POLICY, Tier
from budgetlint.yamldoc import ConfigError
from budgetlint.yamlparse import parse as load

CONFIG = Path(__file__).resolve().parent / "fixtures" / "config"
SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"
ENGINES = (
    "ollama, vllm, llama.cpp, tgi, localai, lmstudio, sglang, triton, openai, azure-openai, anthropic, google, "
    "mistral, cohere, groq, together, bedrock, huggingface, openrouter, other"
)
GUARDRAILS_KEYS = "apiVersion, kind, tier, strict, metering, alerts, routing, ceilings"


def problems(relative: str, expected: str | None = None) -> list[tuple[int, int, str]]:
    """(line, column, message) of each problem of a fixture, checking each names the file."""
    _, found = load_file(CONFIG / relative, relative, expected)
    assert all(problem.path == relative for problem in found), found
    return [(problem.line, problem.column, problem.message) for problem in found]


def loaded(relative: str):
    document, found = load_file(CONFIG / relative, relative)
    assert found == [], found
    assert document is not None
    return document


# --- valid files ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fixture",
    [
        "guardrails/soft.yaml",
        "guardrails/medium.yaml",
        "guardrails/hard.yaml",
        "guardrails/full.yaml",
        "guardrails/high_ceiling.yaml",
        "stack/full.yaml",
        "stack/minimal.yaml",
        "stack/small_context.yaml",
    ],
)
def test_valid_files_have_no_problem(fixture):
    assert problems(fixture) == []


def test_a_utf8_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "guardrails.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + (CONFIG / "guardrails/soft.yaml").read_bytes())
    document, found = load_file(path, "guardrails.yaml")
    assert found == [] and document is not None and document.data["tier"] == "soft"


# --- apiVersion, kind, tier ------------------------------------------------------------------


def test_api_version_is_a_constant():
    assert problems("guardrails/api_version.yaml") == [
        (1, 13, "apiVersion: expected 'budgetlint/v1', got 'budgetlint/v2'"),
    ]


def test_api_version_is_required():
    assert problems("guardrails/missing_api_version.yaml") == [(1, 1, "missing required key `apiVersion`")]


def test_tier_typo_suggests_the_closest_tier():
    assert problems("guardrails/tier_typo.yaml") == [
        (3, 7, "tier: 'medum' is not one of soft, medium, hard; did you mean 'medium'?"),
    ]


def test_tier_is_required():
    assert problems("guardrails/tier_missing.yaml") == [(1, 1, "missing required key `tier`")]


# --- what each tier requires (if/then) --------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        # The root mapping starts after the fixture's comment line.
        ("guardrails/soft_without_metering.yaml", (2, 1, "missing required key `metering` (required at tier soft)")),
        ("guardrails/medium_without_metering.yaml", (1, 1, "missing required key `metering` (required at tier medium)")),
        ("guardrails/medium_without_routing.yaml", (1, 1, "missing required key `routing` (required at tier medium)")),
        # A missing key is reported at the mapping that lacks it: here the `routing:` key.
        (
            "guardrails/medium_without_escalation_log.yaml",
            (5, 1, "routing: missing required key `escalation_log` (required at tier medium)"),
        ),
        (
            "guardrails/hard_without_escalation_log.yaml",
            (5, 1, "routing: missing required key `escalation_log` (required at tier hard)"),
        ),
        ("guardrails/hard_without_ceilings.yaml", (1, 1, "missing required key `ceilings` (required at tier hard)")),
        (
            "guardrails/hard_without_max_output_tokens.yaml",
            (7, 1, "ceilings: missing required key `max_output_tokens` (required at tier hard)"),
        ),
        (
            "guardrails/hard_without_session_tokens.yaml",
            (7, 1, "ceilings: missing required key `session_tokens` (required at tier hard)"),
        ),
        (
            "guardrails/hard_without_agent_loop_iterations.yaml",
            (7, 1, "ceilings: missing required key `agent_loop_iterations` (required at tier hard)"),
        ),
    ],
)
def test_each_tier_requires_its_sections(fixture, expected):
    assert problems(fixture) == [expected]


def test_lower_tiers_do_not_require_the_sections_of_higher_ones():
    # soft.yaml has neither routing nor ceilings, medium.yaml no ceilings.
    assert problems("guardrails/soft.yaml") == problems("guardrails/medium.yaml") == []


# --- unknown keys at every level --------------------------------------------------------------


def test_unknown_keys_at_every_guardrails_level_are_reported_at_the_key_with_a_suggestion():
    assert problems("guardrails/unknown_keys.yaml") == [
        (5, 3, "metering.feature: unknown key; did you mean 'features'? (known: feature_tag, features, gpu_time_log)"),
        (7, 5, "metering.feature_tag.header: unknown key; did you mean 'headers'? (known: metadata_keys, headers, wrappers)"),
        (9, 3, "alerts.queue_depth: unknown key; did you mean 'queue_depth_p95'? (known: queue_depth_p95)"),
        (11, 3, "routing.escalate: unknown key; did you mean 'escalate_on'? (known: default, escalate_on, escalation_log)"),
        (13, 5, "routing.escalation_log.function: unknown key; did you mean 'functions'? (known: functions, message_pattern)"),
        (
            15,
            3,
            "ceilings.max_tokens: unknown key; did you mean 'max_output_tokens'? "
            "(known: max_output_tokens, session_tokens, agent_loop_iterations)",
        ),
        (16, 1, f"ceiling: unknown key; did you mean 'ceilings'? (known: {GUARDRAILS_KEYS})"),
    ]


def test_unknown_keys_at_every_stack_level_are_reported_at_the_key_with_a_suggestion():
    endpoint_keys = "name, engine, location, base_url_env, base_url, openai_compatible, models, max_model_len, gpu"
    assert problems("stack/unknown_keys.yaml") == [
        (7, 5, f"endpoints[0].model: unknown key; did you mean 'models'? (known: {endpoint_keys})"),
        (8, 21, "endpoints[0].gpu.counts: unknown key; did you mean 'count'? (known: type, count)"),
        (9, 1, "endpoint: unknown key; did you mean 'endpoints'? (known: apiVersion, kind, endpoints)"),
    ]


def test_an_unknown_key_without_a_close_match_has_no_suggestion(tmp_path):
    path = tmp_path / "g.yaml"
    path.write_text((CONFIG / "guardrails/soft.yaml").read_text() + "owner: platform-team\n")
    _, found = load_file(path, "g.yaml")
    assert [(p.line, p.column, p.message) for p in found] == [(5, 1, f"owner: unknown key (known: {GUARDRAILS_KEYS})")]


def test_keys_are_named_as_written(tmp_path):
    # YAML 1.1 reads `null:` and `yes:` keys as None and True; the message uses the text of the file.
    path = tmp_path / "g.yaml"
    path.write_text((CONFIG / "guardrails/soft.yaml").read_text() + "null: 1\nyes: 2\n")
    _, found = load_file(path, "g.yaml")
    assert [(p.line, p.column, p.message.split(":")[0]) for p in found] == [(5, 1, "null"), (6, 1, "yes")]


# --- wrong types ------------------------------------------------------------------------------


def test_wrong_types_in_every_guardrails_leaf():
    assert problems("guardrails/wrong_types.yaml") == [
        (4, 9, "strict: expected a boolean (true/false), got string 'yes'"),
        (7, 20, "metering.feature_tag.metadata_keys: expected a list, got string 'feature'"),
        (8, 14, "metering.feature_tag.headers: expected a list, got mapping {'X-Feature-Tag': True}"),
        (9, 29, "metering.feature_tag.wrappers[1]: expected a string, got integer 3"),
        (10, 22, "metering.features[1]: expected a string, got integer 12"),
        (11, 17, "metering.gpu_time_log: expected a boolean (true/false), got null"),
        (13, 20, "alerts.queue_depth_p95: expected an integer, got string '32'"),
        (15, 16, "routing.escalate_on: expected a list, got string 'quality_failure'"),
        (17, 16, "routing.escalation_log.functions: expected a list, got mapping {'log_escalation': 1}"),
        (18, 22, "routing.escalation_log.message_pattern: expected a string, got integer 5"),
        (20, 22, "ceilings.max_output_tokens: expected an integer, got string '2048'"),
        (21, 19, "ceilings.session_tokens: expected an integer, got null"),
        (22, 26, "ceilings.agent_loop_iterations: expected an integer, got number 2.5"),
    ]


def test_wrong_types_for_whole_guardrails_sections():
    assert problems("guardrails/wrong_type_sections.yaml") == [
        (4, 11, "metering: expected a mapping, got list ['search']"),
        (5, 9, "alerts: expected a mapping, got integer 32"),
        (6, 10, "routing: expected a mapping, got null"),
        (7, 11, "ceilings: expected a mapping, got string '2048'"),
    ]


def test_wrong_types_in_stack_endpoints():
    assert problems("stack/wrong_types.yaml") == [
        (4, 11, "endpoints[0].name: expected a string, got integer 12"),
        (7, 19, "endpoints[0].base_url_env: 'VLLM-URL' does not match '^[A-Za-z_][A-Za-z0-9_]*$'"),
        (8, 24, "endpoints[0].openai_compatible: expected a boolean (true/false), got string 'yes'"),
        (9, 13, "endpoints[0].models: expected a list, got string 'meta-llama/Llama-3.1-8B-Instruct'"),
        (10, 20, "endpoints[0].max_model_len: expected an integer, got string '8k'"),
        (11, 5, "endpoints[1]: expected a mapping, got null"),
        (12, 5, "endpoints[2]: expected a mapping, got list ['vllm']"),
    ]


def test_endpoints_must_be_a_non_empty_list():
    assert problems("stack/missing_endpoints.yaml") == [(1, 1, "missing required key `endpoints`")]
    assert problems("stack/empty_endpoints.yaml") == [(3, 12, "endpoints: [] should be non-empty")]
    assert problems("stack/endpoints_mapping.yaml") == [
        (4, 3, "endpoints: expected a list, got mapping {'local-vllm': {'engine': 'vllm', 'location': 'local'}}"),
    ]


def test_a_long_value_is_cut_in_the_message(tmp_path):
    path = tmp_path / "g.yaml"
    path.write_text("apiVersion: budgetlint/v1\nkind: Guardrails\ntier: soft\nmetering: [" + ", ".join(["feature"] * 200) + "]\n")
    _, found = load_file(path, "g.yaml")
    assert len(found) == 1 and found[0].message.startswith("metering: expected a mapping, got list ['feature', ")
    assert found[0].message.endswith("...") and len(found[0].message) < 120


# --- enums, patterns, minimums ----------------------------------------------------------------


def test_routing_enums_suggest_the_closest_value():
    assert problems("guardrails/wrong_enums.yaml") == [
        (6, 12, "routing.default: 'lokal' is not one of local, cloud; did you mean 'local'?"),
        (
            7,
            34,
            "routing.escalate_on[1]: 'timout' is not one of quality_failure, timeout, error, queue_full, "
            "context_overflow, capability; did you mean 'timeout'?",
        ),
    ]


def test_minimums_and_empty_values():
    assert problems("guardrails/minimum.yaml") == [
        (6, 20, "metering.feature_tag.metadata_keys: [] should be non-empty"),
        (7, 16, "metering.feature_tag.wrappers[0]: 'feature-tag' does not match '^[A-Za-z_][A-Za-z0-9_]*$'"),
        (8, 14, "metering.features[0]: '' should be non-empty"),
        (10, 20, "alerts.queue_depth_p95: 0 is less than the minimum of 1"),
        (12, 37, "routing.escalation_log.message_pattern: '' should be non-empty"),
        (14, 22, "ceilings.max_output_tokens: 0 is less than the minimum of 1"),
        (15, 19, "ceilings.session_tokens: -1 is less than the minimum of 1"),
        (16, 26, "ceilings.agent_loop_iterations: 0 is less than the minimum of 1"),
    ]
    assert problems("stack/minimum.yaml") == [
        (7, 20, "endpoints[0].max_model_len: 0 is less than the minimum of 1"),
        (8, 14, "endpoints[0].models[0]: '' should be non-empty"),
    ]


def test_an_invalid_message_pattern_is_reported_once_with_the_reason():
    # The schema's `format: regex` (for editors) and the semantic check would both report it.
    assert problems("guardrails/bad_regex.yaml") == [
        (
            8,
            22,
            "routing.escalation_log.message_pattern: not a valid regular expression "
            "(missing ), unterminated subpattern at position 7)",
        ),
    ]


def test_engine_typo_suggests_the_engine():
    assert problems("stack/engine_typo.yaml") == [
        (5, 13, f"endpoints[0].engine: 'ollamma' is not one of {ENGINES}; did you mean 'ollama'?"),
    ]


def test_location_is_local_or_cloud():
    assert problems("stack/location.yaml") == [
        (6, 15, "endpoints[0].location: 'on-prem' is not one of local, cloud"),
        (9, 15, "endpoints[1].location: 'clod' is not one of local, cloud; did you mean 'cloud'?"),
    ]


def test_endpoint_name_pattern():
    assert problems("stack/name_pattern.yaml") == [
        (4, 11, "endpoints[0].name: 'Local_VLLM' does not match '^[a-z0-9][a-z0-9._-]*$'"),
        (7, 11, "endpoints[1].name: '-dash' does not match '^[a-z0-9][a-z0-9._-]*$'"),
    ]


def test_gpu_sub_object():
    assert problems("stack/gpu.yaml") == [
        (7, 5, "endpoints[0].gpu: missing required key `type`"),
        (11, 28, "endpoints[1].gpu.count: 0 is less than the minimum of 1"),
        (15, 10, "endpoints[2].gpu: expected a mapping, got list ['L4']"),
        (21, 7, "endpoints[3].gpu.vendor: unknown key (known: type, count)"),
    ]


def test_endpoint_required_keys_are_reported_at_the_endpoint():
    assert problems("stack/missing_keys.yaml") == [
        (4, 5, "endpoints[0]: missing required key `engine`"),
        (4, 5, "endpoints[0]: missing required key `location`"),
        (4, 5, "endpoints[0]: missing required key `name`"),
    ]


# --- semantic checks --------------------------------------------------------------------------


def test_duplicate_features():
    assert problems("guardrails/duplicate_features.yaml") == [
        (8, 7, "metering.features: 'search' is listed twice (first as item 1)"),
    ]


def test_duplicate_endpoint_names():
    assert problems("stack/duplicate_endpoints.yaml") == [
        (10, 11, "endpoints[2].name: duplicate endpoint name 'gpu-pool' (also endpoints[0])"),
    ]


def test_a_literal_base_url_names_the_variable_to_use():
    assert problems("stack/literal_base_url.yaml") == [
        (
            7,
            15,
            "endpoints[0].base_url: a literal URL pins where traffic goes in a committed file; "
            "set `base_url_env: LOCAL_VLLM_BASE_URL` and put the URL in that environment variable",
        ),
    ]


def test_a_ceiling_above_an_endpoints_context_is_reported_at_the_ceiling_once_per_endpoint():
    guardrails, stack = loaded("guardrails/high_ceiling.yaml"), loaded("stack/small_context.yaml")
    assert cross_file(guardrails, stack) == [
        ConfigProblem(
            "guardrails/high_ceiling.yaml",
            8,
            22,
            f"ceilings.max_output_tokens: 16384 is above the max_model_len {length} of endpoint {name!r} "
            "(stack/small_context.yaml): no call to it can use that many output tokens",
        )
        for name, length in (("local-vllm", 8192), ("tiny", 4096))
    ]


def test_a_ceiling_within_every_context_is_fine():
    assert cross_file(loaded("guardrails/hard.yaml"), loaded("stack/small_context.yaml")) == []
    # No ceiling, or no max_model_len: nothing to compare.
    assert cross_file(loaded("guardrails/soft.yaml"), loaded("stack/small_context.yaml")) == []
    assert cross_file(loaded("guardrails/high_ceiling.yaml"), loaded("stack/minimal.yaml")) == []


def test_a_ceiling_written_as_a_float_is_still_compared(tmp_path):
    # JSON Schema counts 16384.0 as an integer, so the file is valid; the check must still apply.
    path = tmp_path / "guardrails.yaml"
    path.write_text((CONFIG / "guardrails/high_ceiling.yaml").read_text().replace("16384", "16384.0"))
    guardrails, found = load_file(path, "guardrails.yaml")
    assert found == []
    assert [p.line for p in cross_file(guardrails, loaded("stack/small_context.yaml"))] == [8, 8]
    assert policy_from(guardrails.data, None).max_output_tokens == 16384


# --- loading ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        (
            "load/syntax_error.yaml",
            (6, 15, "YAML syntax error: expected ',' or ']', but got ':' (while parsing a flow sequence started on line 5)"),
        ),
        (
            "load/bad_indent.yaml",
            (6, 2, "YAML syntax error: expected <block end>, but found '<block mapping start>' "
                   "(while parsing a block mapping started on line 1)"),
        ),
        (
            "load/two_documents.yaml",
            (5, 1, "YAML syntax error: expected a single document in the stream, but found another document"),
        ),
        (
            "load/duplicate_key.yaml",
            (7, 1, "duplicate key 'tier' (first defined on line 3): YAML would silently keep the last one"),
        ),
        (
            "load/nested_duplicate_key.yaml",
            (7, 5, "duplicate key 'engine' (first defined on line 5): YAML would silently keep the last one"),
        ),
        ("load/empty.yaml", (1, 1, "the document is empty")),
        ("load/comments_only.yaml", (1, 1, "the document is empty")),
        ("load/top_level_list.yaml", (1, 1, "a budgetlint config file is a mapping with apiVersion and kind, not a list")),
        ("load/scalar.yaml", (1, 1, "a budgetlint config file is a mapping with apiVersion and kind, not a string")),
        ("load/other_kind.yaml", (2, 7, "kind 'Other' is not one of 'Guardrails' or 'Stack'")),
        ("load/kind_typo.yaml", (2, 7, "kind 'Guardrail' is not one of 'Guardrails' or 'Stack'; did you mean 'Guardrails'?")),
        ("load/no_kind.yaml", (1, 1, "missing key `kind`: expected 'Guardrails' or 'Stack'")),
        # Level 65 is the 63rd bracket of line 5.
        ("load/deeply_nested.yaml", (5, 76, "the document is nested too deeply (more than 64 levels)")),
        (
            "load/latin1.yaml",
            (1, 1, "config file is not UTF-8: 'utf-8' codec can't decode byte 0xe9 in position 80: invalid continuation byte"),
        ),
        (
            "load/python_name_key.yaml",
            (5, 5, "unsupported YAML tag tag:yaml.org,2002:python/name:os.system: "
                   "only plain scalars, lists and mappings are allowed"),
        ),
    ],
)
def test_bad_input_is_one_problem_at_its_line(fixture, expected):
    assert problems(fixture) == [expected]


def test_a_billion_laughs_document_is_rejected_quickly():
    start = time.perf_counter()
    found = problems("load/billion_laughs.yaml")
    elapsed = time.perf_counter() - start
    assert found == [
        (
            6,
            49,
            "the document expands to more than 100000 values (aliases included): refusing it, "
            "as a 'billion laughs' document would exhaust memory",
        ),
    ]
    assert elapsed < 5, f"took {elapsed:.1f} s"


def test_a_deep_and_wide_alias_bomb_is_rejected_quickly():
    # Aliases of a deeply nested list: bounded by depth before the node count matters.
    inner = "[" * 60 + ", ".join(["x"] * 300) + "]" * 60
    text = f"kind: Guardrails\na: &a {inner}\nb: [{', '.join(['*a'] * 300)}]\n"
    start = time.perf_counter()
    with pytest.raises(ConfigError, match="expands to more than 100000 values"):
        load(text, "bomb.yaml")
    assert time.perf_counter() - start < 5


def test_nesting_through_aliases_is_bounded_too():
    # Each half is 40 levels deep; the alias puts one inside the other.
    text = "a: &a " + "[" * 40 + "]" * 40 + "\nb: " + "[" * 40 + "*a" + "]" * 40 + "\n"
    with pytest.raises(ConfigError, match=r"nested too deeply \(more than 64 levels\)"):
        load(text, "deep.yaml")


def test_python_tags_are_rejected_and_nothing_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the tag would write budgetlint-pwned here
    assert problems("load/python_tag.yaml") == [(3, 7, "unsupported YAML tag tag:yaml.org,2002:python/object/apply:os.system")]
    assert not (tmp_path / "budgetlint-pwned").exists()


@pytest.mark.parametrize("tag", ["!!set {a, b}", "!!binary aGVsbG8=", "!!omap [a: 1]", "!custom x"])
def test_other_tags_are_rejected(tag):
    with pytest.raises(ConfigError, match="unsupported YAML tag") as raised:
        load(f"apiVersion: budgetlint/v1\nkind: Guardrails\ntier: soft\nmetering: {{features: {tag}}}\n", "g.yaml")
    assert (raised.value.mark.line, raised.value.mark.column) == (4, 22)


def test_aliases_within_the_bound_are_expanded():
    document = load("a: &x [1, 2]\nb: *x\n", "a.yaml")
    assert document.data == {"a": [1, 2], "b": [1, 2]}


def test_a_file_of_another_kind_than_configured():
    assert problems("stack/full.yaml", expected="guardrails") == [(3, 7, "configured as the guardrails file, but its kind is 'Stack'")]
    assert problems("guardrails/soft.yaml", expected="stack") == [(2, 7, "configured as the stack file, but its kind is 'Guardrails'")]


def test_an_oversized_file_is_refused_without_parsing(tmp_path):
    path = tmp_path / "guardrails.yaml"
    path.write_text("# " + "x" * (1024 * 1024) + "\n")
    _, found = load_file(path, "guardrails.yaml")
    assert [(p.line, p.column, p.message) for p in found] == [
        (1, 1, "config file too large (1048579 bytes, limit 262144)"),
    ]


def test_a_large_deeply_nested_document_is_rejected_at_the_first_level_too_deep():
    # 200 kB of 100-level lists: composing it all before checking the depth took seconds.
    chunk = "[" * 100 + "]" * 100
    text = "kind: Guardrails\nx: [" + ", ".join([chunk] * 1000) + "]\n"
    start = time.perf_counter()
    with pytest.raises(ConfigError, match=r"nested too deeply \(more than 64 levels\)") as raised:
        load(text, "deep.yaml")
    assert time.perf_counter() - start < 2
    assert (raised.value.mark.line, raised.value.mark.column) == (2, 4 + 64)


# --- load_configs: the project's files --------------------------------------------------------


def _copy(root: Path, fixture: str, name: str) -> None:
    target = root / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes((CONFIG / fixture).read_bytes())


def test_no_config_files_is_the_default_policy(tmp_path):
    loaded_ = load_configs(tmp_path, None, None, tmp_path)
    assert loaded_.problems == [] and loaded_.policy() == DEFAULT_POLICY
    assert loaded_.policy().tier is Tier.HARD


def test_the_default_files_at_the_root_are_loaded_and_cross_checked(tmp_path):
    _copy(tmp_path, "guardrails/high_ceiling.yaml", "guardrails.yaml")
    _copy(tmp_path, "stack/small_context.yaml", "stack.yaml")
    loaded_ = load_configs(tmp_path, None, None, tmp_path)
    assert [(p.path, p.line, p.column) for p in loaded_.problems] == [("guardrails.yaml", 8, 22)] * 2


def test_a_configured_file_that_does_not_exist_is_a_problem(tmp_path):
    loaded_ = load_configs(tmp_path, "config/guard.yaml", None, tmp_path)
    assert loaded_.problems == [
        ConfigProblem("config/guard.yaml", 1, 1, "the guardrails file set in [tool.budgetlint] does not exist"),
    ]
    policy = loaded_.policy()
    assert replace(policy, source=DEFAULT_POLICY.source) == DEFAULT_POLICY
    assert policy.source == "the built-in default policy, as config/guard.yaml could not be used"


def test_an_invalid_guardrails_file_falls_back_to_the_default_policy(tmp_path):
    _copy(tmp_path, "guardrails/unknown_keys.yaml", "guardrails.yaml")
    loaded_ = load_configs(tmp_path, None, None, tmp_path)
    assert len(loaded_.problems) == 7
    policy = loaded_.policy()
    assert replace(policy, source=DEFAULT_POLICY.source) == DEFAULT_POLICY
    assert policy.source == "the built-in default policy, as guardrails.yaml could not be used"


def test_paths_are_shown_relative_to_the_working_directory(tmp_path):
    _copy(tmp_path, "load/duplicate_key.yaml", "config/guard.yaml")
    loaded_ = load_configs(tmp_path, "config/guard.yaml", None, tmp_path / "config")
    assert [(p.path, p.line) for p in loaded_.problems] == [("guard.yaml", 7)]


# --- the policy -------------------------------------------------------------------------------


def test_policy_from_the_full_files():
    policy = policy_from(loaded("guardrails/full.yaml").data, loaded("stack/full.yaml").data)
    assert policy.tier is Tier.MEDIUM
    assert policy.max_output_tokens == 2048 and policy.agent_loop_iterations == 25
    assert policy.features == ("search", "summarize", "support-bot")
    assert policy.carriers.headers == ("X-Feature-Tag",)
    assert policy.escalation_log.functions == ("log_escalation",)
    assert {name: location.value for name, location in policy.env_locations.items()} == {
        "VLLM_BASE_URL": "local",
        "OPENAI_BASE_URL": "cloud",
    }


def test_policy_defaults_for_a_minimal_file():
    policy = policy_from(loaded("guardrails/soft.yaml").data, None)
    assert policy.tier is Tier.SOFT
    assert policy.max_output_tokens is None and policy.features == ()
    assert policy.carriers == DEFAULT_POLICY.carriers and policy.escalation_log == DEFAULT_POLICY.escalation_log


# --- the schemas ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["guardrails", "stack"])
def test_schemas_pass_the_metaschema(name):
    jsonschema.Draft202012Validator.check_schema(schema(name))
    assert schema(name)["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema(name)["$id"].endswith(f"/{name}.schema.json")
    assert schema(name) == json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))


def _properties(node: object, where: str = "#"):
    """Every (location, property schema) under a schema, $defs and if/then included."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                for name, sub in value.items():
                    yield f"{where}/properties/{name}", sub
            yield from _properties(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _properties(item, f"{where}/{index}")


@pytest.mark.parametrize("name", ["guardrails", "stack"])
def test_every_property_has_a_title_and_a_description(name):
    declared = [
        (where, sub)
        for where, sub in _properties(schema(name))
        # if/then clauses restate properties only to constrain them.
        if "/allOf/" not in where
    ]
    assert len(declared) >= (20 if name == "guardrails" else 13)
    missing = [where for where, sub in declared if not (sub.get("title") and sub.get("description"))]
    assert missing == []


@pytest.mark.parametrize("name", ["guardrails", "stack"])
def test_every_object_forbids_unknown_keys(name):
    def objects(node: object, where: str = "#"):
        if isinstance(node, dict):
            if node.get("type") == "object":
                yield where, node
            for key, value in node.items():
                yield from objects(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, item in enumerate(node):
                yield from objects(item, f"{where}/{index}")

    found = list(objects(schema(name)))
    assert found and [where for where, node in found if node.get("additionalProperties") is not False] == []


def test_reading_a_config_file_does_not_import_rfc3987_syntax():
    """jsonschema imports rfc3987-syntax when it is installed (the test extra installs it), which
    builds some forty grammars: two seconds of every run with a guardrails file, for ``iri``
    formats budgetlint's schemas do not use."""
    import importlib.util
    import subprocess
    import sys

    assert importlib.util.find_spec("rfc3987_syntax") is not None, "the test extra installs jsonschema[format-nongpl]"
    program = (
        "import sys; from pathlib import Path; from budgetlint.config import load_file; "
        f"document, problems = load_file(Path({str(CONFIG / 'guardrails' / 'api_version.yaml')!r}), 'g.yaml'); "
        "assert problems, problems; print('rfc3987_syntax' in sys.modules)"
    )
    completed = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True, timeout=120)
    assert completed.stdout.strip() == "False"
