"""The CI examples (docs/ and docs/integrations.md): each validates against its CI
system's schema as check-jsonschema ships it, and the budgetlint command in it runs and writes a
report its consumer reads (GitLab's documented fields, junitparser, reviewdog's rdjson schema).

docs/integrations.md shows each file verbatim: a snippet that drifts from its file fails here.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner
from junitparser import JUnitXml

from budgetlint.cli import main

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"
RDJSON_SCHEMA = REPO / "tests" / "vendor" / "reviewdog-rdjson-DiagnosticResult.json"
EXAMPLES = {
    "GitLab CI": ("yaml", "gitlab-ci.yml"),
    "Azure Pipelines": ("yaml", "azure-pipelines.yml"),
    "Jenkins": ("groovy", "Jenkinsfile"),
    "reviewdog": ("yaml", "reviewdog.yml"),
}
UNBOUNDED = 'from openai import OpenAI\n\nclient = OpenAI()\nclient.chat.completions.create(model="m", messages=[], metadata={"feature": "x"})\n'


def check_jsonschema(schema: str, path: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", *options, "--builtin-schema", schema, str(path)],
        capture_output=True, text=True, check=False, timeout=120,
    )


def docs_block(heading: str, language: str) -> str:
    """The first ``language`` block under ``### heading`` in docs/integrations.md."""
    text = (REPO / "docs" / "integrations.md").read_text(encoding="utf-8")
    section = text.split(f"\n### {heading}\n", 1)[1].split("\n### ", 1)[0].split("\n## ", 1)[0]
    return section.split(f"```{language}\n", 1)[1].split("```", 1)[0]


def budgetlint_commands(lines: list[str]) -> list[list[str]]:
    """The ``budgetlint check`` invocations in a CI file's script lines (before any pipe)."""
    commands = []
    for line in lines:
        match = re.search(r"(?:python -m )?budgetlint check[^|']*", line)
        if match:
            words = shlex.split(match.group())
            commands.append(words[words.index("check"):])
    return commands


def run_in(project: Path, args: list[str], monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(project)
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return result.stdout


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "chat.py").write_text(UNBOUNDED)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    monkeypatch.setenv("BUDGETLINT_CACHE_DIR", str(tmp_path.parent / "cache"))
    return tmp_path


@pytest.mark.parametrize("heading", sorted(EXAMPLES))
def test_the_readme_shows_each_ci_example_file_verbatim(heading):
    language, name = EXAMPLES[heading]
    assert docs_block(heading, language) == (DOCS / name).read_text(encoding="utf-8")


def test_the_gitlab_job_validates_and_publishes_the_report_its_command_writes(project, monkeypatch):
    path = DOCS / "gitlab-ci.yml"
    completed = check_jsonschema("vendor.gitlab-ci", path)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    job = yaml.safe_load(path.read_text(encoding="utf-8"))["budgetlint"]
    (command,) = budgetlint_commands(job["script"])
    report = command[command.index("--output") + 1]
    assert job["artifacts"]["reports"]["codequality"] == report
    assert job["artifacts"]["when"] == "always"
    run_in(project, command, monkeypatch)
    (issue,) = json.loads((project / report).read_text(encoding="utf-8"))
    assert (issue["check_name"], issue["location"]["path"], issue["location"]["lines"]["begin"]) == ("BL001", "app/chat.py", 4)


def test_a_broken_gitlab_job_fails_the_schema(tmp_path):
    job = yaml.safe_load((DOCS / "gitlab-ci.yml").read_text(encoding="utf-8"))
    job["budgetlint"]["artifacts"]["when"] = "sometimes"
    broken = tmp_path / ".gitlab-ci.yml"
    broken.write_text(yaml.safe_dump(job))
    assert check_jsonschema("vendor.gitlab-ci", broken).returncode == 1


# The Azure schema's patterns are not valid in regress's unicode mode (check-jsonschema's default
# dialect fails on the schema itself), so it is read in ECMAScript's non-unicode mode.
AZURE_OPTIONS = ("--regex-variant", "nonunicode")


def test_the_azure_pipeline_validates_and_its_commands_run(project, monkeypatch):
    path = DOCS / "azure-pipelines.yml"
    completed = check_jsonschema("vendor.azure-pipelines", path, *AZURE_OPTIONS)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    steps = yaml.safe_load(path.read_text(encoding="utf-8"))["steps"]
    annotations, junit = budgetlint_commands([step.get("script", "") for step in steps])
    assert run_in(project, annotations, monkeypatch).startswith("##vso[task.logissue type=error;sourcepath=app/chat.py;")
    run_in(project, junit, monkeypatch)
    publish = next(step for step in steps if step.get("task", "").startswith("PublishTestResults@"))
    report = junit[junit.index("--output") + 1]
    assert publish["inputs"]["testResultsFiles"] == report and publish["condition"] == "always()"
    assert [suite.name for suite in JUnitXml.fromfile(str(project / report))] == ["app/chat.py"]


def test_a_broken_azure_pipeline_fails_the_schema(tmp_path):
    pipeline = yaml.safe_load((DOCS / "azure-pipelines.yml").read_text(encoding="utf-8"))
    pipeline["steps"][1]["displayNam"] = pipeline["steps"][1].pop("displayName")
    broken = tmp_path / "azure-pipelines.yml"
    broken.write_text(yaml.safe_dump(pipeline))
    assert check_jsonschema("vendor.azure-pipelines", broken, *AZURE_OPTIONS).returncode == 1


def test_the_jenkinsfile_command_writes_the_junit_report_its_junit_step_reads(project, monkeypatch):
    text = (DOCS / "Jenkinsfile").read_text(encoding="utf-8")
    (command,) = budgetlint_commands(re.findall(r"sh '([^']*)'", text))
    report = command[command.index("--output") + 1]
    assert re.search(rf"junit testResults: '{re.escape(report)}'", text)
    assert "--exit-zero" in command  # the junit step decides the build's status
    run_in(project, command, monkeypatch)
    xml = JUnitXml.fromfile(str(project / report))
    ((suite_name, case),) = [(suite.name, case) for suite in xml for case in suite]
    assert suite_name == "app/chat.py" and case.result[0].type == "BL001"


def test_the_reviewdog_workflow_validates_and_pipes_rdjson_that_reviewdogs_schema_accepts(project, monkeypatch):
    path = DOCS / "reviewdog.yml"
    completed = check_jsonschema("vendor.github-workflows", path)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    steps = yaml.safe_load(path.read_text(encoding="utf-8"))["jobs"]["budgetlint"]["steps"]
    line = next(step["run"] for step in steps if "reviewdog -f=rdjson" in step.get("run", ""))
    assert "-reporter=github-pr-review" in line
    (command,) = budgetlint_commands([line])
    document = json.loads(run_in(project, command, monkeypatch))
    jsonschema.Draft4Validator(json.loads(RDJSON_SCHEMA.read_text(encoding="utf-8"))).validate(document)
    (diagnostic,) = document["diagnostics"]
    assert diagnostic["location"]["path"] == "app/chat.py" and diagnostic["severity"] == "ERROR"
