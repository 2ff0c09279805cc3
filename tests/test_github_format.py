"""``--format github``: workflow commands, escaped as the Actions runner unescapes them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from budgetlint.cli import main
from budgetlint.finding import Finding
from budgetlint.reporters.github import command, escape_data, escape_property

OUTPUTS = Path(__file__).resolve().parent / "fixtures" / "outputs"
COMMAND = re.compile(r"^::(error|warning) ((?:[A-Za-z]+=[^,:]*)(?:,[A-Za-z]+=[^,:]*)*)::(.*)$")


def unescape_data(text: str) -> str:
    """What the runner does to a command's message (actions/runner ActionCommand.cs)."""
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def unescape_property(text: str) -> str:
    return text.replace("%3A", ":").replace("%2C", ",").replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def parse(line: str) -> tuple[str, dict[str, str], str]:
    match = COMMAND.match(line)
    assert match, line
    properties = dict(pair.split("=", 1) for pair in match.group(2).split(","))
    return match.group(1), {key: unescape_property(value) for key, value in properties.items()}, unescape_data(match.group(3))


def finding(**changes: object) -> Finding:
    values: dict = dict(
        path="app/chat.py", line=3, column=5, code="BL001", end_line=3, end_column=20,
        name="unbounded-max-tokens", message="no limit", tier="hard", blocking=True, fingerprint="f",
    )
    values.update(changes)
    return Finding(**values)


@pytest.mark.parametrize(
    "text, escaped",
    [
        ("plain", "plain"),
        ("100%", "100%25"),
        ("two\nlines", "two%0Alines"),
        ("cr\r\nlf", "cr%0D%0Alf"),
        ("%0A is not a newline", "%250A is not a newline"),
        ("a: b, c", "a: b, c"),
    ],
)
def test_data_escapes_percent_cr_and_lf(text, escaped):
    assert escape_data(text) == escaped
    assert unescape_data(escaped) == text


@pytest.mark.parametrize(
    "text, escaped",
    [
        ("app/chat.py", "app/chat.py"),
        ("C:/a,b.py", "C%3A/a%2Cb.py"),
        ("BL001 unbounded-max-tokens", "BL001 unbounded-max-tokens"),
        ("50%: x\ny", "50%25%3A x%0Ay"),
    ],
)
def test_properties_also_escape_colon_and_comma(text, escaped):
    assert escape_property(text) == escaped
    assert unescape_property(escaped) == text


def test_a_blocking_finding_is_an_error_with_its_location_and_title():
    line = command(finding(), "app/chat.py")
    assert line == "::error file=app/chat.py,line=3,col=5,endLine=3,endColumn=19,title=BL001 unbounded-max-tokens::no limit"


def test_a_warning_and_a_multi_line_finding_without_columns():
    # GitHub refuses col/endColumn on an annotation spanning lines.
    line = command(finding(blocking=False, end_line=7, end_column=6), "app/chat.py")
    assert line == "::warning file=app/chat.py,line=3,endLine=7,title=BL001 unbounded-max-tokens::no limit"


def test_a_nasty_path_and_message_survive_the_round_trip():
    message = "tag '100%, really': bad\nsecond line %0A"
    path = "odd dir/a,b:c.py"
    level, properties, data = parse(command(finding(message=message), path))
    assert level == "error"
    assert properties["file"] == path
    assert properties["title"] == "BL001 unbounded-max-tokens"
    assert data == message


def test_the_fixture_tree_gives_one_command_per_finding_and_a_summary(monkeypatch, cache_outside):
    monkeypatch.chdir(OUTPUTS)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(OUTPUTS.parent))
    result = CliRunner().invoke(main, ["check", "--format", "github", "project"], catch_exceptions=False)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    commands = [parse(line) for line in lines if line.startswith("::")]
    assert len(commands) == 8
    assert [level for level, _, _ in commands].count("warning") == 3
    assert {properties["file"] for _, properties, _ in commands} >= {"project/app/odd name.py", "project/stack.yaml"}
    assert lines[-1] == "budgetlint: checked 4 files at tier medium: 5 blocking, 3 warnings."


def test_quiet_keeps_only_errors_and_statistics_adds_counts(monkeypatch, cache_outside):
    monkeypatch.chdir(OUTPUTS)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(OUTPUTS.parent))
    quiet = CliRunner().invoke(main, ["check", "--format", "github", "--quiet", "project"]).stdout.splitlines()
    assert len(quiet) == 5 and all(line.startswith("::error ") for line in quiet)
    counted = CliRunner().invoke(main, ["check", "--format", "github", "--statistics", "project"]).stdout.splitlines()
    assert "    2  BL001  unbounded-max-tokens" in counted
    assert "    1  BL100  invalid-config" in counted


def injected_lines(stdout: str) -> list[str]:
    """Lines the runner would read as a workflow command (v2 ``::`` after leading blanks, or v1
    ``##[`` anywhere) that are not one of budgetlint's own annotations."""
    return [
        line for line in stdout.splitlines()
        if (line.lstrip().startswith("::") or "##[" in line) and not COMMAND.match(line)
    ]


def test_stale_baseline_entries_cannot_inject_workflow_commands(tmp_path, monkeypatch):
    # A baseline is committed with the pull request it guards: its text is the attacker's.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    (tmp_path / "app.py").write_text('import openai\nopenai.chat.completions.create(model="m", messages=[])\n')
    hostile = [
        {"path": "::error file=x.py::pwned", "code": "BL001", "fingerprint": "0" * 20, "message": "m"},
        {"path": "gone.py", "code": "BL002", "fingerprint": "1" * 20,
         "message": "m\n::stop-commands::token\r\n  ::error::pwned\n##[error]pwned"},
        {"path": "  ::warning::pwned", "code": "BL002", "fingerprint": "2" * 20, "message": "m"},
        {"path": "gone ##[warning]pwned.py", "code": "BL002", "fingerprint": "3" * 20, "message": "m"},
    ]
    document = {"budgetlint_baseline": 1, "findings": hostile}
    (tmp_path / "baseline.json").write_text(json.dumps(document), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--format", "github", "--baseline", "baseline.json", "."])
    assert result.exit_code == 1, result.output
    assert "4 baseline entries no longer found" in result.stdout
    assert injected_lines(result.stdout) == []
    commands = [parse(line) for line in result.stdout.splitlines() if COMMAND.match(line)]
    assert {properties["file"] for _, properties, _ in commands} == {"app.py"}


def test_a_baseline_file_name_cannot_inject_workflow_commands(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    (tmp_path / "app.py").write_text("x = 1\n")
    name = "b\n::error::pwned.json"
    (tmp_path / name).write_text('{"budgetlint_baseline": 1, "findings": []}', encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--format", "github", "--baseline", name, "."])
    assert result.exit_code == 0, result.output
    assert "hidden by the baseline" in result.stdout
    assert injected_lines(result.stdout) == []
