"""`check -`: the text on stdin linted as the file `--stdin-filename` names, as ruff does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from budgetlint.cache import DIRECTORY_NAME, digest
from budgetlint.cli import main

UNBOUNDED = 'from openai import OpenAI\n\nclient = OpenAI()\nclient.chat.completions.create(model="m", messages=[], metadata={"feature": "chat"})\n'
BOUNDED = UNBOUNDED.replace("messages=[]", "messages=[], max_tokens=256")
WRAPPER = '''from openai import OpenAI

client = OpenAI()


def ask(prompt, **kwargs):
    return client.chat.completions.create(model="m", messages=[{"role": "user", "content": prompt}], metadata={"feature": "x"}, **kwargs)
'''
CALLER = "from app.llm import ask\n\n\ndef answer(question):\n    return ask(question)\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project (``pyproject.toml`` at its root) with a package ``app``, made the working directory."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(text: str, *args: str):
    return CliRunner().invoke(main, ["check", *args], input=text.encode(), catch_exceptions=False)


def findings(text: str, *args: str) -> list[dict]:
    result = run(text, "--format", "json", *args)
    return json.loads(result.stdout)["findings"]


def test_the_buffer_is_linted_as_the_named_file(project):
    result = run(UNBOUNDED, "-", "--stdin-filename", "app/chat.py")
    assert result.exit_code == 1
    assert "app/chat.py:4:1: BL001 [*] [blocks]" in result.stdout
    assert not (project / "app" / "chat.py").exists()


def test_the_buffer_not_the_file_on_disk_is_linted(project):
    (project / "app" / "chat.py").write_text(UNBOUNDED)
    assert run(BOUNDED, "-", "--stdin-filename", "app/chat.py", "-q").exit_code == 0
    assert run(UNBOUNDED, "-", "--stdin-filename", "app/chat.py", "-q").exit_code == 1


def test_findings_are_those_of_check_on_the_same_file(project):
    (project / "app" / "chat.py").write_text(UNBOUNDED)
    from_disk = json.loads(CliRunner().invoke(main, ["check", "--format", "json", "--no-cache", "app/chat.py"]).stdout)["findings"]
    assert findings(UNBOUNDED, "-", "--stdin-filename", "app/chat.py", "--no-cache") == from_disk


def test_without_a_name_the_buffer_is_called_dash(project):
    result = run(UNBOUNDED, "-", "-q")
    assert result.exit_code == 1
    assert result.stdout.startswith("-:4:1: BL001")


def test_stdin_filename_alone_reads_stdin(project):
    assert [f["path"] for f in findings(UNBOUNDED, "--stdin-filename", "app/chat.py")] == ["app/chat.py"]


def test_the_settings_of_the_named_files_project_apply(project):
    service = project / "service"
    service.mkdir()
    (service / "pyproject.toml").write_text('[tool.budgetlint]\nignore = ["BL001"]\n')
    untagged = UNBOUNDED.replace(', metadata={"feature": "chat"}', "")
    assert {f["code"] for f in findings(untagged, "-", "--stdin-filename", "app/chat.py")} == {"BL001", "BL002"}
    assert {f["code"] for f in findings(untagged, "-", "--stdin-filename", "service/chat.py")} == {"BL002"}


def test_the_guardrails_of_the_named_files_project_set_the_tier(project):
    (project / "guardrails.yaml").write_text(
        "apiVersion: budgetlint/v1\nkind: Guardrails\ntier: soft\nmetering:\n  feature_tag: {metadata_keys: [feature]}\n"
    )
    result = run(UNBOUNDED, "-", "--stdin-filename", "app/chat.py", "--format", "json")
    assert result.exit_code == 0  # BL001 blocks from tier hard only
    assert [(f["code"], f["blocking"]) for f in json.loads(result.stdout)["findings"]] == [("BL001", False)]


def test_a_wrapper_imported_from_another_module_is_followed(project):
    (project / "app" / "llm.py").write_text(WRAPPER)
    found = findings(CALLER, "-", "--stdin-filename", "app/chat.py")
    assert [(f["code"], f["line"], f["path"]) for f in found] == [("BL001", 5, "app/chat.py")]
    assert found[0]["related"][0]["path"] == "app/llm.py"
    bounded = CALLER.replace("ask(question)", "ask(question, max_tokens=100)")
    assert findings(bounded, "-", "--stdin-filename", "app/chat.py") == []


def test_a_wrappers_inner_call_is_left_to_its_callers_in_other_modules(project):
    (project / "app" / "chat.py").write_text(CALLER)
    assert findings(WRAPPER, "-", "--stdin-filename", "app/llm.py") == []
    (project / "app" / "chat.py").write_text("")  # no caller: the inner call is reported (with --strict only)
    assert [f["code"] for f in findings(WRAPPER, "-", "--stdin-filename", "app/llm.py", "--strict")] == ["BL001"]


def test_the_cache_never_holds_the_buffer(project):
    (project / "app" / "llm.py").write_text(WRAPPER)
    (project / "app" / "chat.py").write_text(CALLER)
    changed = CALLER.replace("ask(question)", "ask(question, max_tokens=100)")
    assert run(changed, "-", "--stdin-filename", "app/chat.py").exit_code == 0
    [index] = (project / DIRECTORY_NAME).glob("*.json")
    entries = json.loads(index.read_text())["entries"]
    assert entries["app/chat.py"][0] == digest(CALLER.encode())  # the file on disk, as `check` caches it
    assert entries["app/llm.py"][0] == digest(WRAPPER.encode())


def test_a_buffer_using_no_other_module_writes_no_cache(project):
    assert run(UNBOUNDED, "-", "--stdin-filename", "app/chat.py").exit_code == 1
    assert not list(project.glob(f"{DIRECTORY_NAME}/*.json"))


def test_fix_prints_the_whole_fixed_buffer_and_reports_on_stderr(project):
    (project / "app" / "chat.py").write_text(UNBOUNDED)
    result = run(UNBOUNDED, "-", "--stdin-filename", "app/chat.py", "--fix")
    assert result.stdout == UNBOUNDED.replace("})", "}, max_tokens=1024)")
    assert "Fixed 1 finding" in result.stderr
    assert result.exit_code == 0
    assert (project / "app" / "chat.py").read_text() == UNBOUNDED  # nothing is written


def test_fix_prints_the_buffer_unchanged_when_nothing_applies(project):
    untagged = BOUNDED.replace(', metadata={"feature": "chat"}', "")
    result = run(untagged, "-", "--stdin-filename", "app/chat.py", "--fix")
    assert result.stdout == untagged
    assert result.exit_code == 1  # BL002 remains, and it has no fix
    assert "BL002" in result.stderr


def test_diff_prints_a_patch_of_the_buffer(project):
    result = run(UNBOUNDED, "-", "--stdin-filename", "app/chat.py", "--diff")
    assert result.exit_code == 1
    assert result.stdout.startswith("--- a/app/chat.py\n+++ b/app/chat.py\n")
    assert '+client.chat.completions.create(model="m", messages=[], metadata={"feature": "chat"}, max_tokens=1024)\n' in result.stdout
    clean = run(BOUNDED, "-", "--stdin-filename", "app/chat.py", "--diff")
    assert (clean.exit_code, clean.stdout) == (0, "")


def test_a_buffer_that_does_not_parse_is_a_bl000(project):
    result = run("import openai\ndef broken(:\n", "-", "--stdin-filename", "app/chat.py", "--format", "json")
    assert result.exit_code == 1
    assert [f["code"] for f in json.loads(result.stdout)["findings"]] == ["BL000"]


@pytest.mark.parametrize(
    "args",
    [("-", "app"), ("--stdin-filename", "app/chat.py", "app"), ("-", "--shard", "1/2"), ("-", "--stdin-filename", "")],
)
def test_usage_errors_exit_2(project, args):
    result = run(UNBOUNDED, *args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_a_finding_a_comment_silences_is_not_reported_but_sarif_lists_it_dismissed(project):
    silenced = UNBOUNDED.replace(', metadata={"feature": "chat"})', ', metadata={"feature": "chat"})  # budgetlint: ignore[BL001] -- gateway caps it')
    assert findings(silenced, "-", "--stdin-filename", "app/chat.py") == []
    sarif = json.loads(run(silenced, "-", "--stdin-filename", "app/chat.py", "--format", "sarif").stdout)
    [result] = sarif["runs"][0]["results"]
    assert result["suppressions"] == [{"kind": "inSource", "justification": "gateway caps it"}]
