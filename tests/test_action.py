"""The composite GitHub Action: it validates against GitHub's schema, and its steps really run.

The steps are run as the Actions runner runs a composite action's bash steps: each script with
``bash --noprofile --norc -eo pipefail``, its ``${{ ... }}`` expressions substituted (inputs
with their defaults, ``github.action_path``, earlier steps' outputs), ``GITHUB_OUTPUT`` a file
the step appends ``key=value`` lines to, ``RUNNER_TEMP`` a scratch directory. The install step
pip-installs budgetlint into a fresh virtualenv (tens of seconds): those tests are marked
``integration``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from budgetlint.cli import main

REPO = Path(__file__).resolve().parent.parent
ACTION = REPO / "action.yml"
WORKFLOW = REPO / "docs" / "github-workflow.yml"
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
COPY_IGNORES = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".budgetlint_cache", ".hypothesis"
)

UNBOUNDED = """\
from openai import OpenAI

client = OpenAI()
reply = client.chat.completions.create(model="m", messages=[], metadata={"feature": "search"})
"""
UNTAGGED = """\
from openai import OpenAI

client = OpenAI()
reply = client.chat.completions.create(model="m", messages=[], max_tokens=64)
"""


def action() -> dict:
    return yaml.safe_load(ACTION.read_text(encoding="utf-8"))


def check_jsonschema(schema: str, path: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, *options, str(path)],
        capture_output=True, text=True, check=False, timeout=120,
    )


# validation against GitHub's schemas (as check-jsonschema ships them)


def test_the_action_validates_against_the_github_actions_schema():
    completed = check_jsonschema("vendor.github-actions", ACTION)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_a_broken_action_fails_the_schema(tmp_path):
    broken = action()
    broken["runs"]["steps"][0].pop("shell")  # a composite run step must name its shell
    path = tmp_path / "action.yml"
    path.write_text(yaml.safe_dump(broken))
    assert check_jsonschema("vendor.github-actions", path).returncode == 1


def test_the_example_workflow_validates_against_the_github_workflows_schema():
    completed = check_jsonschema("vendor.github-workflows", WORKFLOW)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_a_broken_workflow_fails_the_schema(tmp_path):
    broken = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    broken["jobs"]["budgetlint"]["permissions"]["security-events"] = "admin"
    path = tmp_path / "workflow.yml"
    path.write_text(yaml.safe_dump(broken))
    assert check_jsonschema("vendor.github-workflows", path).returncode == 1


def test_the_example_workflow_uploads_the_actions_sarif_even_on_failure():
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    job = workflow["jobs"]["budgetlint"]
    assert job["permissions"]["security-events"] == "write"
    steps = job["steps"]
    ours = next(step for step in steps if step.get("uses", "").startswith("budgetlint/budgetlint@"))
    assert set(ours.get("with", {})) <= set(action()["inputs"])
    upload = next(step for step in steps if step.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert upload["if"].startswith("always()")
    assert upload["with"]["category"] == "budgetlint"
    assert upload["with"]["sarif_file"] == f"${{{{ steps.{ours['id']}.outputs.sarif-file }}}}"
    assert steps.index(upload) > steps.index(ours)


def step(step_id: str) -> dict:
    return next(item for item in action()["runs"]["steps"] if item.get("id") == step_id)


def test_the_action_declares_the_inputs_and_outputs_it_documents():
    spec = action()
    assert set(spec["inputs"]) == {"version", "paths", "tier", "format", "sarif-file", "extra-args"}
    assert spec["inputs"]["format"]["default"] == "github"
    assert spec["inputs"]["version"]["default"] == ""  # the action's own checkout
    assert {"sarif-file", "blocking"} <= set(spec["outputs"])
    assert spec["runs"]["using"] == "composite"
    install = step("install")
    assert '"$ACTION_PATH"' in install["run"] and install["env"]["ACTION_PATH"] == "${{ github.action_path }}"
    assert '--constraint "$ACTION_PATH/constraints.txt"' in install["run"]


def test_pip_downloads_are_cached_under_a_key_of_the_pins_and_the_version():
    steps = action()["runs"]["steps"]
    cache = next(item for item in steps if item.get("uses", "").startswith("actions/cache@"))
    assert cache["with"] == {"path": "${{ steps.setup.outputs.pip-cache }}", "key": "${{ steps.setup.outputs.cache-key }}"}
    assert steps.index(step("setup")) < steps.index(cache) < steps.index(step("install"))


def test_the_constraints_pin_every_runtime_dependency_to_a_version_it_allows():
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    try:
        import tomllib
    except ModuleNotFoundError:  # Python < 3.11
        import tomli as tomllib
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = {}
    for line in (REPO / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            requirement = Requirement(line)
            (specifier,) = requirement.specifier
            assert specifier.operator == "==", line  # a pin, not a range
            pins[canonicalize_name(requirement.name)] = specifier.version
    for dependency in map(Requirement, project["dependencies"]):
        name = canonicalize_name(dependency.name)
        assert name in pins, f"{dependency.name} is not pinned in constraints.txt"
        assert dependency.specifier.contains(pins[name]), f"constraints.txt pins {name}=={pins[name]}, outside {dependency.specifier}"


def test_every_expression_in_the_action_is_one_the_step_runner_below_resolves():
    resolver = Resolver(inputs={}, action_path=REPO, steps={})
    spec = action()
    ids = [step.get("id") for step in spec["runs"]["steps"]]
    for number, step in enumerate(spec["runs"]["steps"]):
        for text in [step.get("run", ""), *step.get("env", {}).values(), *step.get("with", {}).values()]:
            for expression in EXPRESSION.findall(text):
                resolver.check(expression, earlier=set(ids[:number]))
    for output in spec["outputs"].values():
        for expression in EXPRESSION.findall(output["value"]):
            resolver.check(expression, earlier=set(ids))


def test_inputs_reach_the_script_through_the_environment_never_spliced_into_it():
    for step in action()["runs"]["steps"]:
        assert not EXPRESSION.search(step.get("run", "")), step["name"]  # no script injection from inputs


# running the steps


@dataclass
class Resolver:
    """Evaluates the few expressions a composite action's steps use."""

    inputs: dict[str, str]
    action_path: Path
    steps: dict[str, dict[str, str]]

    def check(self, expression: str, earlier: set[str]) -> None:
        parts = expression.split(".")
        if parts[0] == "inputs":
            assert len(parts) == 2 and parts[1] in action()["inputs"], expression
        elif parts[0] == "steps":
            assert len(parts) == 4 and parts[1] in earlier and parts[2] == "outputs", expression
        else:
            assert expression == "github.action_path", f"the test runner cannot evaluate {expression!r}"

    def __call__(self, text: str) -> str:
        return EXPRESSION.sub(lambda match: self.value(match.group(1)), text)

    def value(self, expression: str) -> str:
        parts = expression.split(".")
        if parts[0] == "inputs":
            return self.inputs[parts[1]]
        if parts[0] == "steps":
            return self.steps.get(parts[1], {}).get(parts[3], "")
        assert expression == "github.action_path", expression
        return str(self.action_path)


@dataclass
class StepRun:
    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]


def parse_outputs(text: str) -> dict[str, str]:
    """``GITHUB_OUTPUT``: ``key=value`` lines, or ``key<<DELIMITER`` ... ``DELIMITER`` blocks."""
    outputs: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            key, delimiter = line.split("<<", 1)
            body = []
            for item in lines:
                if item == delimiter:
                    break
                body.append(item)
            outputs[key] = "\n".join(body)
        elif line:
            key, value = line.split("=", 1)
            outputs[key] = value
    return outputs


class ActionRunner:
    def __init__(self, action_path: Path, scratch: Path) -> None:
        self.action_path = action_path
        self.scratch = scratch
        self.runner_temp = scratch / "runner-temp"
        self.runner_temp.mkdir(parents=True, exist_ok=True)
        self.steps: dict[str, dict[str, str]] = {}
        self.count = 0

    def run_step(self, step: dict, inputs: dict[str, str], cwd: Path) -> StepRun:
        assert step["shell"] == "bash"
        spec = action()
        values = {name: str(item.get("default", "")) for name, item in spec["inputs"].items()}
        values.update(inputs)
        resolve = Resolver(values, self.action_path, self.steps)
        self.count += 1
        output_file = self.scratch / f"github-output-{self.count}"
        output_file.write_text("")
        script = self.scratch / f"step-{self.count}.sh"
        script.write_text(resolve(step["run"]))
        env = {key: value for key, value in os.environ.items() if not key.startswith(("GITHUB_", "INPUT_", "BUDGETLINT_"))}
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
        env.update(
            GITHUB_OUTPUT=str(output_file),
            GITHUB_ACTION_PATH=str(self.action_path),
            GITHUB_ACTIONS="true",
            RUNNER_TEMP=str(self.runner_temp),
            RUNNER_OS="Linux",
        )
        env.update({key: resolve(str(value)) for key, value in step.get("env", {}).items()})
        completed = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=900,
        )
        outputs = parse_outputs(output_file.read_text())
        if "id" in step:
            self.steps[step["id"]] = outputs
        return StepRun(completed.returncode, completed.stdout, completed.stderr, outputs)

    def action_outputs(self) -> dict[str, str]:
        resolve = Resolver({}, self.action_path, self.steps)
        return {name: resolve(item["value"]) for name, item in action()["outputs"].items()}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> ActionRunner:
    """The install step, run once: the action's checkout (a copy of this tree) pip-installed."""
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    scratch = tmp_path_factory.mktemp("action")
    checkout = scratch / "action-checkout"
    shutil.copytree(REPO, checkout, ignore=COPY_IGNORES)  # as the runner checks an action out
    runner = ActionRunner(checkout, scratch)
    setup = runner.run_step(step("setup"), {}, cwd=scratch)  # actions/cache, between them, is not run here
    assert setup.returncode == 0, setup.stdout + setup.stderr
    assert setup.outputs["pip-cache"] and setup.outputs["cache-key"].startswith("budgetlint-pip-Linux-")
    ran = runner.run_step(step("install"), {}, cwd=scratch)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert Path(ran.outputs["bin"], "budgetlint").exists() or Path(ran.outputs["bin"], "budgetlint.exe").exists()
    return runner


def check_step() -> dict:
    return next(step for step in action()["runs"]["steps"] if step.get("id") == "check")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=root, check=True, env={k: v for k, v in os.environ.items() if not k.startswith("GIT_")})
    (root / "src").mkdir()
    (root / "src" / "chat.py").write_text(UNBOUNDED)
    (root / "src" / "tagless.py").write_text(UNTAGGED)
    return root


def json_summary(root: Path, *args: str) -> dict:
    cwd = os.getcwd()
    os.chdir(root)
    try:
        result = CliRunner().invoke(main, ["check", "--format", "json", *args], catch_exceptions=False)
    finally:
        os.chdir(cwd)
    return json.loads(result.stdout)["summary"]


@pytest.mark.integration
def test_the_action_annotates_writes_sarif_counts_blocking_findings_and_fails(installed, project):
    ran = installed.run_step(check_step(), {}, cwd=project)
    assert ran.returncode == 1, ran.stdout + ran.stderr
    assert "::error file=src/chat.py,line=4,col=9," in ran.stdout
    assert "title=BL001 unbounded-max-tokens::" in ran.stdout
    assert "::error file=src/tagless.py,line=4,col=9," in ran.stdout
    outputs = installed.action_outputs()
    assert outputs["sarif-file"] == "budgetlint.sarif"
    sarif = json.loads((project / "budgetlint.sarif").read_text())
    assert sarif["version"] == "2.1.0" and len(sarif["runs"][0]["results"]) == 2
    summary = json_summary(project)
    assert outputs["blocking"] == str(summary["blocking"]) == "2"
    assert outputs["findings"] == "2"


@pytest.mark.integration
def test_the_tier_input_makes_hard_rules_warnings_and_the_sarif_file_input_sets_the_path(installed, project):
    ran = installed.run_step(check_step(), {"tier": "soft", "sarif-file": "reports/out.sarif"}, cwd=project)
    assert ran.returncode == 2  # reports/ does not exist: budgetlint cannot write there
    (project / "reports").mkdir()
    ran = installed.run_step(check_step(), {"tier": "soft", "sarif-file": "reports/out.sarif"}, cwd=project)
    # At tier soft only BL002 (soft) blocks; BL001 (hard) is a warning.
    assert "::warning file=src/chat.py" in ran.stdout and "::error file=src/tagless.py" in ran.stdout
    outputs = installed.action_outputs()
    assert (outputs["sarif-file"], outputs["blocking"], outputs["findings"]) == ("reports/out.sarif", "1", "2")
    assert ran.returncode == 1


@pytest.mark.integration
def test_paths_and_extra_args_are_passed_and_a_clean_run_passes(installed, project):
    ran = installed.run_step(check_step(), {"paths": "src/chat.py  src/tagless.py", "extra-args": "--ignore BL001 --ignore BL002"}, cwd=project)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "::" not in ran.stdout
    assert installed.action_outputs()["blocking"] == "0"
    ran = installed.run_step(check_step(), {"paths": "src/chat.py", "format": "json", "extra-args": "--exit-zero"}, cwd=project)
    assert ran.returncode == 0
    assert [f["path"] for f in json.loads(ran.stdout)["findings"]] == ["src/chat.py"]
    assert installed.action_outputs()["blocking"] == "1"  # counted even when it does not fail the step


@pytest.mark.integration
def test_a_usage_error_fails_the_step_with_no_sarif_output(installed, project):
    (project / "budgetlint.sarif").write_text("stale")
    ran = installed.run_step(check_step(), {"paths": "missing/"}, cwd=project)
    assert ran.returncode == 2
    assert "no such file or directory: missing" in ran.stderr
    assert installed.action_outputs()["sarif-file"] == ""
    assert not (project / "budgetlint.sarif").exists()  # a stale report is never uploaded


def test_the_docs_action_snippet_is_a_valid_workflow_using_the_actions_inputs_and_outputs(tmp_path):
    text = (REPO / "docs" / "integrations.md").read_text(encoding="utf-8")
    section = text.split("\n## GitHub Actions\n", 1)[1]
    snippet = yaml.safe_load(section.split("```yaml\n", 1)[1].split("```", 1)[0])
    workflow = tmp_path / "workflow.yml"
    workflow.write_text(yaml.safe_dump({"name": "budgetlint", "on": ["push"], **snippet}))
    completed = check_jsonschema("vendor.github-workflows", workflow)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    steps = snippet["jobs"]["budgetlint"]["steps"]
    ours = next(step for step in steps if step.get("uses", "").startswith("budgetlint/budgetlint@"))
    assert set(ours["with"]) <= set(action()["inputs"])
    upload = next(step for step in steps if step.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert upload["if"].startswith("always()")
    assert upload["with"]["sarif_file"] == "${{ steps.budgetlint.outputs.sarif-file }}"
