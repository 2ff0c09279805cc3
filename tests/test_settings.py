"""``[tool.budgetlint]`` settings and their command-line overrides: per-file-ignores,
extend-select, ``--config KEY = VALUE``, ``--show-settings`` and ``--show-files``.

Exclusion and git's ignore files are in ``test_discovery.py``; the cache directory and
``budgetlint clean`` in ``test_cache.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from budgetlint.cli import main

UNBOUNDED = 'import openai\nopenai.chat.completions.create(model="m", messages=[], metadata={"feature": "x"})\n'
"""One BL001, fixable."""
UNTAGGED = 'import openai\nopenai.chat.completions.create(model="m", messages=[], max_tokens=5)\n'
"""One BL002."""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository root, the working directory, with a BL001 in app/ and in tests/ and a BL002 in tests/."""
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    for relative, text in {"app/chat.py": UNBOUNDED, "tests/test_chat.py": UNBOUNDED, "tests/helpers/tag.py": UNTAGGED}.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)
    return tmp_path


def settings(root: Path, text: str) -> None:
    (root / "pyproject.toml").write_text("[tool.budgetlint]\n" + text)


def run(*args: str):
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result


def found(*args: str) -> list[tuple[str, str]]:
    result = run("check", "--format", "json", *args)
    assert result.exit_code in (0, 1), result.output
    return [(finding["path"], finding["code"]) for finding in json.loads(result.stdout)["findings"]]


EVERYTHING = [("app/chat.py", "BL001"), ("tests/helpers/tag.py", "BL002"), ("tests/test_chat.py", "BL001")]


# per-file-ignores


def test_per_file_ignores_turn_codes_off_for_matching_files(project):
    settings(project, '[tool.budgetlint.per-file-ignores]\n"tests/**" = ["BL001"]\n"tag.py" = ["bl00"]\n')
    assert found() == [("app/chat.py", "BL001")]
    assert found("tests/test_chat.py") == []  # a file named on the command line too


def test_a_negated_per_file_pattern_applies_to_the_other_files(project):
    settings(project, '[tool.budgetlint.per-file-ignores]\n"!tests/**" = ["BL001"]\n')
    assert found() == EVERYTHING[1:]


def test_extend_per_file_ignores_adds_to_per_file_ignores(project):
    settings(project, 'per-file-ignores = {"tests/helpers/**" = ["BL002"]}\nextend-per-file-ignores = {"app/*.py" = ["BL001"]}\n')
    assert found() == [("tests/test_chat.py", "BL001")]


def test_a_per_file_ignored_finding_is_not_fixed(project):
    settings(project, 'per-file-ignores = {"tests/**" = ["BL001"]}\n')
    before = (project / "tests" / "test_chat.py").read_text()
    result = run("check", "--fix", ".")
    assert (project / "tests" / "test_chat.py").read_text() == before
    assert "max_tokens" in (project / "app" / "chat.py").read_text(), result.output


def test_changing_per_file_ignores_is_not_answered_from_the_cache(project):
    assert found() == EVERYTHING
    settings(project, 'per-file-ignores = {"app/**" = ["BL001"]}\n')
    assert found() == EVERYTHING[1:]


@pytest.mark.parametrize(
    "text, message",
    [
        ('per-file-ignores = ["tests/**"]\n', "must be a table"),
        ('per-file-ignores = {"tests/**" = "BL001"}\n', "list of codes"),
        ('per-file-ignores = {"tests/**" = [""]}\n', "list of codes"),
        ('per-file-ignores = {"[z-a]" = ["BL001"]}\n', "not a valid gitignore-style pattern"),
    ],
)
def test_a_malformed_per_file_ignores_exits_2_naming_the_key(project, text, message):
    settings(project, text)
    result = run("check", ".")
    assert result.exit_code == 2, result.output
    assert "per-file-ignores" in result.stderr and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("codes, message", [('["BL0001"]', "no rule code starts with BL0001"), ('["BL000"]', "cannot be ignored")])
def test_per_file_ignores_codes_are_checked_like_ignore(project, codes, message):
    settings(project, f'per-file-ignores = {{"tests/**" = {codes}}}\n')
    result = run("check", ".")
    assert result.exit_code == 2, result.output
    assert message in result.stderr


# extend-select


def test_extend_select_adds_to_the_select_it_comes_with(project):
    settings(project, 'select = ["BL002"]\nextend-select = ["BL001"]\n')
    assert found() == EVERYTHING
    assert found("--select", "BL002") == [("tests/helpers/tag.py", "BL002")]  # a command-line select replaces both
    assert found("--select", "BL002", "--extend-select", "BL001") == EVERYTHING


def test_ignore_wins_over_extend_select(project):
    settings(project, 'select = ["BL002"]\nextend-select = ["BL001"]\nignore = ["BL001"]\n')
    assert found() == [("tests/helpers/tag.py", "BL002")]


# --config KEY = VALUE


def test_config_overrides_a_setting_for_the_run(project):
    settings(project, 'ignore = ["BL002"]\n')
    assert found("--config", "ignore = []") == EVERYTHING
    assert found("--config", 'extend-exclude = ["tests/"]', "--config", "ignore=['BL002']") == [("app/chat.py", "BL001")]
    assert found("--config", 'per-file-ignores = {"app/*" = ["BL001"]}', ".") == [("tests/test_chat.py", "BL001")]


def test_config_applies_to_a_project_without_settings(project):
    assert found("--config", 'select = ["BL002"]') == [("tests/helpers/tag.py", "BL002")]


@pytest.mark.parametrize(
    "value, message",
    [
        ("exclude", "not a TOML `KEY = VALUE` pair"),
        ("exclude = tests", "not a TOML `KEY = VALUE` pair"),
        ('exlcude = ["x"]', "unknown key 'exlcude'"),
        ("select = 'BL001'", "--config select must be a list of strings"),
        ('guardrails = "../elsewhere.yaml"', "outside the project"),
        ("respect-gitignore = 1", "--config respect-gitignore must be true or false"),
    ],
)
def test_a_bad_config_value_exits_2_with_one_line(project, value, message):
    result = run("check", "--config", value, ".")
    assert result.exit_code == 2, result.output
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.output


def test_config_with_a_settings_file_says_it_takes_settings(project):
    settings(project, "")
    result = run("check", "--config", "pyproject.toml", ".")
    assert result.exit_code == 2
    assert "--config takes settings, not a file" in result.stderr


# --show-files and --show-settings


def test_show_files_prints_what_a_run_would_lint_and_exits_0(project):
    settings(project, 'extend-exclude = ["tests/helpers/"]\n')
    (project / "venv").mkdir()
    (project / "venv" / "x.py").write_text(UNBOUNDED)
    result = run("check", "--show-files")
    assert result.exit_code == 0, result.output
    assert result.stdout == "app/chat.py\ntests/test_chat.py\n"
    assert not (project / ".budgetlint_cache").exists()  # nothing was linted
    assert run("check", "--show-files", "tests", "venv/x.py").stdout == "tests/test_chat.py\nvenv/x.py\n"


def test_show_files_takes_the_shard(project):
    parts = [run("check", "--show-files", "--shard", f"{k}/2").stdout.splitlines() for k in (1, 2)]
    assert sorted(parts[0] + parts[1]) == ["app/chat.py", "tests/helpers/tag.py", "tests/test_chat.py"]


def test_show_settings_prints_every_key_with_its_value_and_origin(project):
    settings(project, 'extend-exclude = ["tests/helpers/"]\n[tool.budgetlint.per-file-ignores]\n"tests/**" = ["BL001"]\n')
    result = run("check", "--show-settings", "--config", "respect-gitignore = false", "--select", "BL0")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:2] == ["# project root: .", "# settings file: pyproject.toml"]
    keys = {line.split(" = ")[0]: line for line in lines if not line.startswith("#")}
    assert list(keys) == [
        "exclude", "extend-exclude", "respect-gitignore", "select", "extend-select", "ignore", "per-file-ignores",
        "extend-per-file-ignores", "guardrails", "stack", "cache-dir",
    ]
    assert keys["exclude"].startswith('exclude = [".bzr", ".direnv"') and keys["exclude"].endswith("# default")
    assert '"venv", ".budgetlint_cache"]' in keys["exclude"]
    assert keys["extend-exclude"].split("  #") == ['extend-exclude = ["tests/helpers/"]', " pyproject.toml"]
    assert keys["respect-gitignore"].split() == ["respect-gitignore", "=", "false", "#", "--config"]
    assert keys["per-file-ignores"].split("  #")[0].rstrip() == 'per-file-ignores = {"tests/**" = ["BL001"]}'
    assert keys["extend-per-file-ignores"] == "extend-per-file-ignores = {}  # default"
    assert "# command line: --select BL0" in lines
    assert "# cache directory: .budgetlint_cache" in lines
    assert "# rules that run: BL001, BL002, BL003, BL004, BL005 (before per-file-ignores)" in lines


def test_show_settings_names_each_project(project):
    (project / "svc").mkdir()
    (project / "svc" / "pyproject.toml").write_text('[tool.budgetlint]\nignore = ["BL002"]\n')
    result = run("check", "--show-settings", "app", "svc")
    assert result.exit_code == 0, result.output
    roots = [line for line in result.stdout.splitlines() if line.startswith("# project root")]
    assert roots == ["# project root: .", "# project root: svc"]
    assert 'ignore = ["BL002"]' in result.stdout


def test_a_baseline_entry_of_a_per_file_ignored_code_is_not_stale(project):
    """The rule did not run on that file: its entry is neither matched nor "no longer found"."""
    assert run("baseline", "--output", "baseline.json").exit_code == 0
    settings(project, 'per-file-ignores = {"tests/test_chat.py" = ["BL001"]}\n')
    result = run("check", "--format", "json", "--baseline", "baseline.json")
    assert json.loads(result.stdout)["summary"]["baseline"] == {"file": "baseline.json", "hidden": 2, "stale": 0}


def test_baseline_takes_config_and_extend_select_as_check_does(project):
    result = run("baseline", "--output", "baseline.json", "--select", "BL002", "--extend-select", "BL001", "--config", 'extend-exclude = ["app/"]')
    assert result.exit_code == 0, result.output
    entries = json.loads((project / "baseline.json").read_text())
    assert sorted((entry["path"], entry["code"]) for entry in entries["findings"]) == EVERYTHING[1:]
