"""The pre-commit hooks: the manifest validates, and the real `pre-commit try-repo` runs them.

The try-repo tests clone this repository at its HEAD commit (the committed state: in a working
tree shared with work in progress, pre-commit's shadow commit of uncommitted changes would pick
that up too) and pip-install it into a fresh hook environment: tens of seconds each. They are
marked ``integration``; ``pytest -m 'not integration'`` leaves them out locally, CI runs them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from budgetlint.cli import main

REPO = Path(__file__).resolve().parent.parent
MANIFEST = REPO / ".pre-commit-hooks.yaml"
VENDOR_SCHEMA = REPO / "tests" / "vendor" / "schemastore-pre-commit-hooks.json"
"""SchemaStore's schema, vendored (tests/vendor/README.md): a missing file fails the test."""

GUARDRAILS = """\
apiVersion: budgetlint/v1
kind: Guardrails
tier: hard
metering: {feature_tag: {metadata_keys: [feature]}}
routing: {escalation_log: {functions: [log_escalation]}}
ceilings: {max_output_tokens: 512, session_tokens: 100000, agent_loop_iterations: 10}
"""
PYPROJECT = '[project]\nname = "shop"\nversion = "0"\n\n[tool.budgetlint]\nignore = ["BL002"]\n'
CHAT = """\
from openai import OpenAI

client = OpenAI()


def answer(question):
    return client.chat.completions.create(model="m", messages=[question], max_tokens={limit})
"""
STACK = """\
apiVersion: budgetlint/v1
kind: Stack
endpoints:
  - name: local-vllm
    engine: vllm
    location: {location}
    base_url_env: VLLM_BASE_URL
"""


def hooks() -> dict[str, dict]:
    return {hook["id"]: hook for hook in yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))}


def notebook(limit: str) -> str:
    cells = [
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": [
            "!pip install openai\n", "from openai import OpenAI\n", "client = OpenAI()",
        ]},
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": [
            f'client.chat.completions.create(model="m", messages=[], {limit})',
        ]},
    ]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n"


# the manifest


def test_the_manifest_passes_pre_commit_validate_manifest():
    completed = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", str(MANIFEST)],
        capture_output=True, text=True, check=False, timeout=120,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_a_broken_manifest_fails_validate_manifest(tmp_path):
    broken = tmp_path / ".pre-commit-hooks.yaml"
    broken.write_text("- id: budgetlint\n  entry: budgetlint check\n  language: python\n  types_or: [pythn]\n")
    completed = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", str(broken)],
        capture_output=True, text=True, check=False, timeout=120,
    )
    assert completed.returncode == 1  # an unknown file type: the check is not vacuous


def test_the_manifest_validates_against_the_schemastore_schema():
    completed = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--schemafile", str(VENDOR_SCHEMA), str(MANIFEST)],
        capture_output=True, text=True, check=False, timeout=120,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_the_hooks_take_python_and_notebooks_and_the_config_files():
    manifest = hooks()
    assert set(manifest) == {"budgetlint", "budgetlint-validate"}
    lint = manifest["budgetlint"]
    assert lint["entry"] == "budgetlint check --force-exclude" and lint["language"] == "python"
    assert lint["types_or"] == ["python", "jupyter"]
    assert lint.get("pass_filenames", True) and lint["require_serial"] is True  # one run: one summary, one pool
    validate = manifest["budgetlint-validate"]
    assert validate["entry"] == "budgetlint validate" and validate["require_serial"] is True  # a pair is cross-checked
    files = re.compile(validate["files"])
    for name in ("guardrails.yaml", "stack.yml", "config/guardrails.yml", "deploy/llm/stack.yaml"):
        assert files.search(name), name
    for name in ("myguardrails.yaml", "stack.yaml.bak", "guardrails.json", "stack/values.yaml"):
        assert not files.search(name), name


# what pre-commit passes: a few files, from the repository root


def test_named_files_find_the_projects_settings_and_guardrails_upward(tmp_path, monkeypatch):
    """pre-commit names only the changed files: [tool.budgetlint] and guardrails.yaml still apply."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    (tmp_path / "guardrails.yaml").write_text(GUARDRAILS)
    (tmp_path / "src" / "shop").mkdir(parents=True)
    (tmp_path / "src" / "shop" / "chat.py").write_text(CHAT.format(limit=4096))
    for cwd in (tmp_path, tmp_path / "src"):
        monkeypatch.chdir(cwd)
        named = os.path.relpath(tmp_path / "src" / "shop" / "chat.py", cwd)
        result = CliRunner().invoke(main, ["check", "--format", "json", named], catch_exceptions=False)
        findings = json.loads(result.stdout)["findings"]
        assert [f["code"] for f in findings] == ["BL001"]  # BL002 ignored by [tool.budgetlint]
        assert "512" in findings[0]["message"]  # the guardrails ceiling


# the real pre-commit


def git(cwd: Path, *args: str, env: dict[str, str]) -> None:
    subprocess.run(
        ["git", "-c", "user.name=budgetlint tests", "-c", "user.email=tests@budgetlint.invalid",
         "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args],
        cwd=cwd, env=env, check=True, capture_output=True, timeout=120,
    )


@pytest.fixture
def sandbox(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A git repository in ``tmp_path`` and an environment free of the caller's git state."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=False)
    if head.returncode != 0:
        pytest.skip("budgetlint's source is not a git checkout: try-repo needs one")
    env = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    (tmp_path / "home").mkdir()
    (tmp_path / "tmp").mkdir()
    env.update(
        PRE_COMMIT_HOME=str(tmp_path / "home"),
        TMPDIR=str(tmp_path / "tmp"),  # try-repo's own store lives in a temporary directory
        PRE_COMMIT_COLOR="never",
        NO_COLOR="1",
    )
    env.pop("SKIP", None)
    project = tmp_path / "project"
    project.mkdir()
    git(project, "init", "-q", env=env)
    env["BUDGETLINT_REF"] = head.stdout.strip()
    return project, env


def try_repo(project: Path, env: dict[str, str], hook: str) -> subprocess.CompletedProcess[str]:
    git(project, "add", "-A", env=env)
    git(project, "commit", "-q", "-m", "change", "--allow-empty", env=env)
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), hook,
         "--ref", env["BUDGETLINT_REF"], "--all-files", "--color", "never"],
        cwd=project, env=env, capture_output=True, text=True, check=False, timeout=900,
    )


@pytest.mark.integration
def test_pre_commit_try_repo_runs_the_budgetlint_hook(sandbox):
    project, env = sandbox
    (project / "pyproject.toml").write_text(PYPROJECT)
    (project / "guardrails.yaml").write_text(GUARDRAILS)
    (project / "app").mkdir()
    (project / "app" / "chat.py").write_text(CHAT.format(limit=4096))
    (project / "notebooks").mkdir()
    (project / "notebooks" / "explore.ipynb").write_text(notebook("max_tokens=None"))
    (project / "README.md").write_text("client.chat.completions.create(model=m) is not Python\n")

    failed = try_repo(project, env, "budgetlint")
    output = failed.stdout + failed.stderr
    assert failed.returncode == 1, output
    assert "budgetlint" in output and "Failed" in output
    assert re.search(r"app/chat\.py:7:12: BL001 (\[\*\] )?\[blocks\] .*512", output), output  # guardrails.yaml found
    assert "notebooks/explore.ipynb:cell 2:1:1: BL001" in output  # notebooks are passed and linted
    assert "BL002" not in output  # [tool.budgetlint] ignore found from the named files
    assert "README.md" not in output

    (project / "app" / "chat.py").write_text(CHAT.format(limit=256))
    (project / "notebooks" / "explore.ipynb").write_text(notebook("max_tokens=256"))
    passed = try_repo(project, env, "budgetlint")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert re.search(r"budgetlint\.+Passed", passed.stdout), passed.stdout


@pytest.mark.integration
def test_a_commit_across_directories_is_checked_by_one_process_with_one_summary(sandbox):
    """``require_serial``: pre-commit would otherwise split the files over one process per CPU,
    each with its own summary, worker pool and project summaries."""
    project, env = sandbox
    (project / "pyproject.toml").write_text('[project]\nname = "shop"\nversion = "0"\n\n[tool.budgetlint]\nexclude = ["generated/"]\n')
    (project / "guardrails.yaml").write_text(GUARDRAILS)
    for directory in ("app", "jobs"):
        (project / directory).mkdir()
        for number in range(4):
            (project / directory / f"m{number}.py").write_text(CHAT.format(limit=4096))
    (project / "generated").mkdir()
    (project / "generated" / "client.py").write_text(CHAT.format(limit=4096))

    failed = try_repo(project, env, "budgetlint")
    output = failed.stdout + failed.stderr
    assert failed.returncode == 1, output
    summaries = re.findall(r"Checked (\d+) files? at tier", output)
    assert summaries == ["8"], output  # one process for the 8 files; generated/ excluded (--force-exclude)
    assert "generated/client.py" not in output
    assert len(re.findall(r"^(app|jobs)/m\d\.py:7:12: BL001", output, flags=re.M)) == 8


@pytest.mark.integration
def test_pre_commit_try_repo_runs_the_budgetlint_validate_hook(sandbox):
    project, env = sandbox
    (project / "config").mkdir()
    (project / "config" / "stack.yaml").write_text(STACK.format(location="on-prem"))
    (project / "guardrails.yaml").write_text(GUARDRAILS)
    (project / "docker-compose.yml").write_text("services: {vllm: {image: vllm/vllm-openai}}\n")

    failed = try_repo(project, env, "budgetlint-validate")
    output = failed.stdout + failed.stderr
    assert failed.returncode == 1, output
    assert re.search(r"config/stack\.yaml:6:15: BL100 \[blocks\] .*on-prem", output), output
    assert "docker-compose.yml" not in output  # not a budgetlint config: never passed

    (project / "config" / "stack.yaml").write_text(STACK.format(location="local"))
    passed = try_repo(project, env, "budgetlint-validate")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert re.search(r"budgetlint validate\.+Passed", passed.stdout), passed.stdout


def integrations_snippet(heading: str) -> dict:
    """The YAML block under ``## heading`` in docs/integrations.md."""
    text = (REPO / "docs" / "integrations.md").read_text(encoding="utf-8")
    section = text.split(f"\n## {heading}\n", 1)[1]
    return yaml.safe_load(section.split("```yaml\n", 1)[1].split("```", 1)[0])


def test_the_docs_pre_commit_snippet_names_this_repository_and_its_hooks():
    config = integrations_snippet("pre-commit")
    (repo,) = config["repos"]
    assert repo["repo"] == "https://github.com/budgetlint/budgetlint"
    assert [hook["id"] for hook in repo["hooks"]] == sorted(hooks())
