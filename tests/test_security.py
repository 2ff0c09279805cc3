"""Security (SPEC §7, issue 8): the code scanned is never imported or run; report paths stay
relative to the project; config paths cannot make a run read files outside the project unless
they are named on the command line."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest
from click.testing import CliRunner

from budgetlint import config
from budgetlint.cli import main

CALL = 'openai.chat.completions.create(model="m", messages=[])'
SOURCE = f"import openai\n{CALL}\n"
SCRIPT = Path(sys.executable).with_name("budgetlint")
"""The console script: unlike ``python -m``, it does not put the working directory on ``sys.path``."""


def _planted(marker: Path, name: str) -> str:
    """Code that writes ``marker/name`` when imported or run, and that budgetlint models (an SDK call)."""
    return (
        "import pathlib\n"
        f"pathlib.Path({str(marker)!r}, {name!r}).write_text('ran')\n"
        "import openai\n"
        f"{CALL}\n"
    )


@pytest.fixture
def planted(tmp_path) -> tuple[Path, Path]:
    """A project whose every module, if imported or executed, leaves a file in ``markers``."""
    project, markers = tmp_path / "project", tmp_path / "markers"
    project.mkdir()
    markers.mkdir()
    (project / ".git").mkdir()
    (project / "pyproject.toml").write_text('[project]\nname = "victim"\n[tool.budgetlint]\n')
    modules = [
        "pkg/__init__.py", "pkg/module.py", "pkg/__main__.py", "conftest.py", "setup.py", "sitecustomize.py",
        "usercustomize.py", "__main__.py",
        # Names budgetlint or its dependencies import: shadowing them would run them.
        "yaml.py", "click.py", "libcst/__init__.py", "pathspec.py", "jsonschema.py", "openai.py", "budgetlint.py",
        "typing_extensions.py", "tomllib.py", "tomli.py",
    ]
    for index, module in enumerate(modules):
        path = project / module
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_planted(markers, f"{index}-{module.replace('/', '_')}"))
    for index in range(40):  # enough files for the parallel path
        (project / "many" / f"m{index}.py").parent.mkdir(exist_ok=True)
        (project / "many" / f"m{index}.py").write_text(_planted(markers, f"many-{index}"))
    (project / "victim.pth").write_text(f"import pathlib; pathlib.Path({str(markers)!r}, 'pth').write_text('ran')\n")
    notebook = {
        "cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": _planted(markers, "notebook")}],
        "metadata": {"kernelspec": {"name": "python3", "language": "python"}, "language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (project / "analysis.ipynb").write_text(json.dumps(notebook))
    return project, markers


@pytest.mark.skipif(not SCRIPT.exists(), reason="the budgetlint console script is not installed next to this Python")
@pytest.mark.parametrize(
    "args",
    [("--jobs", "1"), ("--jobs", "2"), ("--fix", "--unsafe-fixes", "--jobs", "1"), ("--format", "sarif", "--jobs", "2")],
    ids=["serial", "parallel", "fix", "sarif"],
)
def test_scanned_code_is_never_imported_or_executed(planted, args):
    project, markers = planted
    completed = subprocess.run(
        [str(SCRIPT), "check", *args, "."], cwd=project, capture_output=True, text=True, timeout=60, check=False,
    )
    assert completed.returncode == 1, completed.stderr  # the planted calls are findings
    assert "Traceback" not in completed.stderr
    assert list(markers.iterdir()) == [], "scanned code ran"


@pytest.mark.skipif(not SCRIPT.exists(), reason="the budgetlint console script is not installed next to this Python")
def test_validate_and_a_python_tag_in_a_config_run_nothing(planted):
    project, markers = planted
    (project / "guardrails.yaml").write_text(
        f"apiVersion: budgetlint/v1\nkind: !!python/object/apply:os.system ['touch {markers}/yaml']\ntier: soft\n"
    )
    for command in (["validate", "guardrails.yaml"], ["check", "--jobs", "1", "."]):
        completed = subprocess.run([str(SCRIPT), *command], cwd=project, capture_output=True, text=True, timeout=60, check=False)
        assert completed.returncode == 1 and "Traceback" not in completed.stderr, completed.stderr
    assert list(markers.iterdir()) == []


# --- report paths ---------------------------------------------------------------------------------

@pytest.fixture
def nested(tmp_path, monkeypatch) -> Path:
    """A repository with a finding at its root, one outside it, and the run started in ``repo/sub``."""
    repo, outside = tmp_path / "repo", tmp_path / "outside"
    (repo / "sub").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(repo)], check=True, timeout=30)  # SARIF and GitHub paths are relative to its top level
    outside.mkdir()
    (repo / "my app é.py").write_text(SOURCE)
    (outside / "far.py").write_text(SOURCE)
    monkeypatch.chdir(repo / "sub")
    return repo


def _run(*args: str) -> str:
    result = CliRunner().invoke(main, ["check", "--jobs", "1", *args], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    return result.stdout


needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


@needs_git
def test_files_named_through_dotdot_are_shown_relative_to_the_working_directory(nested):
    data = json.loads(_run("--format", "json", "../my app é.py", "../../outside/far.py"))
    assert sorted({finding["path"] for finding in data["findings"]}) == ["../../outside/far.py", "../my app é.py"]


@needs_git
def test_sarif_uris_never_contain_dotdot(nested):
    sarif = json.loads(_run("--format", "sarif", "../my app é.py", "../../outside/far.py", "../sub/../my app é.py"))
    [run] = sarif["runs"]
    uris = [location["physicalLocation"]["artifactLocation"] for result in run["results"] for location in result["locations"]]
    assert uris
    for artifact in uris:
        parts = urlparse(artifact["uri"]).path.split("/")
        assert ".." not in parts and "." not in parts, artifact
    inside = {artifact["uri"] for artifact in uris if artifact.get("uriBaseId") == "%SRCROOT%"}
    absolute = {artifact["uri"] for artifact in uris if "uriBaseId" not in artifact}
    assert inside == {"my%20app%20%C3%A9.py"}  # relative to the repository root
    assert absolute == {(nested.parent / "outside" / "far.py").as_uri()}  # outside it: an absolute file URI


@needs_git
def test_github_annotations_inside_the_repository_are_relative_to_its_root(nested):
    text = _run("--format", "github", "../my app é.py")
    assert "file=my app é.py," in text and ".." not in text.split("::")[1]


# --- config paths ---------------------------------------------------------------------------------

SECRET = "root:x:0:0:TOPSECRET:/root:/bin/bash\n"


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "project"
    (root / ".git").mkdir(parents=True)
    (root / "app.py").write_text(
        'import openai\nopenai.chat.completions.create(model="m", messages=[], max_tokens=5, metadata={"feature": "x"})\n'
    )
    (tmp_path / "secret.yaml").write_text(SECRET)
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def opened(monkeypatch) -> list[Path]:
    """The config files a run loads."""
    paths: list[Path] = []
    real = config.load_file

    def spy(path, *args, **kwargs):
        paths.append(Path(path).resolve())
        return real(path, *args, **kwargs)

    monkeypatch.setattr(config, "load_file", spy)
    return paths


@pytest.mark.parametrize("key", ["guardrails", "stack"])
@pytest.mark.parametrize("value", ["../secret.yaml", "{outside}/secret.yaml", "sub/../../secret.yaml"])
def test_a_config_path_outside_the_project_is_never_read_or_quoted(project, opened, key, value):
    (project / "sub").mkdir()
    value = value.format(outside=project.parent.as_posix())
    (project / "pyproject.toml").write_text(f'[tool.budgetlint]\nexclude = []\n{key} = "{value}"\n')
    result = CliRunner().invoke(main, ["check", "--format", "json", "--jobs", "1", "."], catch_exceptions=False)
    assert "TOPSECRET" not in result.output
    assert opened == []
    assert result.exit_code == 2
    assert f"{key} = {value!r} is outside the project" in result.stderr


@pytest.mark.parametrize("key", ["guardrails", "stack"])
def test_a_configured_path_inside_that_resolves_outside_is_never_read_or_quoted(project, opened, key):
    (project / "innocent.yaml").symlink_to(project.parent / "secret.yaml")
    (project / "pyproject.toml").write_text(f'[tool.budgetlint]\nexclude = []\n{key} = "innocent.yaml"\n')
    result = CliRunner().invoke(main, ["check", "--format", "json", "--jobs", "1", "."], catch_exceptions=False)
    assert "TOPSECRET" not in result.output
    assert opened == []
    [finding] = json.loads(result.stdout)["findings"]
    assert (finding["path"], finding["line"], finding["code"]) == ("pyproject.toml", 3, "BL100")
    assert "outside the project" in finding["message"] and "not read" in finding["message"]


def test_a_default_config_file_symlinked_outside_the_project_is_never_read_or_quoted(project, opened):
    (project / "guardrails.yaml").symlink_to(project.parent / "secret.yaml")
    result = CliRunner().invoke(main, ["check", "--format", "json", "--jobs", "1", "."], catch_exceptions=False)
    assert "TOPSECRET" not in result.output
    assert opened == []
    [finding] = json.loads(result.stdout)["findings"]
    assert (finding["code"], finding["path"]) == ("BL100", ".")
    assert "'guardrails.yaml' resolves outside the project" in finding["message"]


@pytest.mark.parametrize("value", ["../secret.yaml", "/etc/passwd"])
def test_a_config_path_outside_the_project_is_a_usage_error(project, value):
    (project / "pyproject.toml").write_text(f'[tool.budgetlint]\nguardrails = "{value}"\n')
    result = CliRunner().invoke(main, ["check", "."])
    assert result.exit_code == 2
    assert "guardrails" in result.stderr and "outside" in result.stderr


def test_a_config_file_outside_the_project_named_on_the_command_line_is_read(project):
    outside = project.parent / "guardrails.yaml"
    outside.write_text("apiVersion: budgetlint/v1\nkind: Guardrails\ntier: soft\nmetering: {}\n")
    result = CliRunner().invoke(main, ["validate", "--format", "json", str(outside), "../secret.yaml"])
    findings = json.loads(result.stdout)["findings"]
    assert [(finding["path"], finding["code"]) for finding in findings] == [("../secret.yaml", "BL100")]
