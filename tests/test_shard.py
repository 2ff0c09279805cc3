"""`--shard K/N`: a deterministic split of the files found, for the jobs of a CI matrix."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from budgetlint.cli import main
from budgetlint.discovery import shard, shard_of
from click.testing import CliRunner

CALL = 'import openai\nopenai.chat.completions.create(model="m", messages=[])\n'
NAMES = [f"pkg{index % 4}/sub{index % 3}/module_{index:03d}.py" for index in range(120)]


def files(root: Path, names: list[str]) -> list[Path]:
    return [root / name for name in names]


@pytest.mark.parametrize("count", [1, 2, 3, 4, 7])
def test_shards_partition_the_files_exactly(tmp_path, count):
    everything = files(tmp_path, NAMES)
    parts = [shard(everything, tmp_path, index, count) for index in range(1, count + 1)]
    assert sorted(path for part in parts for path in part) == sorted(everything)  # union: all, each once
    for number, part in enumerate(parts):
        others = {path for other in parts[:number] + parts[number + 1 :] for path in other}
        assert not others & set(part)
        assert part == [path for path in everything if path in set(part)]  # order kept


def test_shards_are_roughly_even(tmp_path):
    sizes = [len(shard(files(tmp_path, NAMES), tmp_path, index, 4)) for index in range(1, 5)]
    assert min(sizes) > 10  # 120 files, hashed: no empty or degenerate shard


def test_adding_or_removing_a_file_moves_no_other_file(tmp_path):
    before = {index: shard(files(tmp_path, NAMES), tmp_path, index, 3) for index in (1, 2, 3)}
    grown = NAMES + ["pkg9/new_module.py", "a.py"]
    after = {index: shard(files(tmp_path, grown), tmp_path, index, 3) for index in (1, 2, 3)}
    for index in (1, 2, 3):
        assert [path for path in after[index] if path.name not in ("new_module.py", "a.py")] == before[index]
    shrunk = NAMES[1:]
    for index in (1, 2, 3):
        assert shard(files(tmp_path, shrunk), tmp_path, index, 3) == [p for p in before[index] if p != tmp_path / NAMES[0]]


def test_the_split_depends_on_the_root_relative_path_only(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    absolute = shard(files(tmp_path, NAMES), tmp_path, 2, 3)
    relative = shard([Path(name) for name in NAMES], tmp_path, 2, 3)
    assert [path.resolve() for path in relative] == absolute
    elsewhere = tmp_path / "checkout-two"
    assert [p.relative_to(elsewhere) for p in shard(files(elsewhere, NAMES), elsewhere, 2, 3)] == [
        p.relative_to(tmp_path) for p in absolute
    ]


def test_the_hash_is_fixed():
    """Every job of a matrix, on any machine and Python, computes the same shard (BLAKE2b of the path)."""
    names = ("app.py", "pkg/a.py", "pkg/b.py", "src/llm/client.py", "tests/test_x.py")
    assert [shard_of(name, 4) for name in names] == [1, 3, 0, 2, 3]
    assert [shard_of(name, 7) for name in names] == [5, 4, 3, 1, 2]
    assert {shard_of(name, 1) for name in NAMES} == {0}


# the command line


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    for name in NAMES[:40]:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(CALL)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def check(*args: str) -> dict:
    result = CliRunner().invoke(main, ["check", "--format", "json", "--no-cache", "--jobs", "1", *args])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def test_the_shards_of_a_run_together_report_what_one_run_reports(project):
    whole = check(".")
    parts = [check("--shard", f"{index}/3", ".") for index in (1, 2, 3)]
    assert sum(part["summary"]["files"] for part in parts) == whole["summary"]["files"] == 40
    merged = sorted((f for part in parts for f in part["findings"]), key=lambda f: (f["path"], f["line"], f["code"]))
    assert merged == sorted(whole["findings"], key=lambda f: (f["path"], f["line"], f["code"]))


def test_a_shard_is_the_same_from_a_subdirectory(project):
    (project / "pyproject.toml").write_text("[tool.budgetlint]\n")
    top = {f["fingerprint"] for f in check("--shard", "2/3", "pkg1")["findings"]}
    os.chdir(project / "pkg1")
    below = {f["fingerprint"] for f in check("--shard", "2/3", ".")["findings"]}
    assert top == below and top


@pytest.mark.parametrize("value", ["0/2", "3/2", "1/0", "2", "a/b", "-1/2", "1/2/3", ""])
def test_a_malformed_shard_is_a_usage_error(project, value):
    result = CliRunner().invoke(main, ["check", "--shard", value, "."])
    assert result.exit_code == 2
    assert "--shard" in result.output


def test_the_docs_matrix_example_is_a_valid_workflow_with_a_category_per_shard(tmp_path):
    import yaml

    from .test_action import action, check_jsonschema

    text = (Path(__file__).resolve().parent.parent / "docs" / "integrations.md").read_text(encoding="utf-8")
    section = text.split("\n## Sharding and caching in CI\n", 1)[1]
    snippet = yaml.safe_load(section.split("```yaml\n", 1)[1].split("```", 1)[0])
    workflow = tmp_path / "workflow.yml"
    workflow.write_text(yaml.safe_dump({"name": "budgetlint", "on": ["push"], **snippet}))
    completed = check_jsonschema("vendor.github-workflows", workflow)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    job = snippet["jobs"]["budgetlint"]
    shards = job["strategy"]["matrix"]["shard"]
    steps = {step.get("uses", "").split("@")[0]: step for step in job["steps"]}
    assert steps["budgetlint/budgetlint"]["with"]["extra-args"] == f"--shard ${{{{ matrix.shard }}}}/{len(shards)}"
    assert set(steps["budgetlint/budgetlint"]["with"]) <= set(action()["inputs"])
    assert "${{ matrix.shard }}" in steps["github/codeql-action/upload-sarif"]["with"]["category"]
    assert steps["actions/cache"]["with"]["path"] == ".budgetlint_cache"


def test_a_shard_is_the_same_when_the_project_is_named_through_a_symlink(project, monkeypatch):
    link = project.parent / f"{project.name}-link"
    link.symlink_to(project, target_is_directory=True)
    direct = check("--shard", "2/3", ".")["findings"]
    monkeypatch.chdir(link)
    monkeypatch.setenv("PWD", str(link))
    through = check("--shard", "2/3", str(link))["findings"]
    assert [(f["path"], f["fingerprint"]) for f in through] == [(f["path"], f["fingerprint"]) for f in direct]
    assert direct
