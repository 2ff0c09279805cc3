"""Baselines: fingerprints that survive moved lines, hidden known findings, new and stale ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from budgetlint.baseline import BaselineError, Entry, apply, dumps, load
from budgetlint import commands
from budgetlint.cli import main
from budgetlint.discovery import root_keys
from budgetlint.engine import Job, lint_source
from budgetlint.policy import Policy
from budgetlint.rules import ALL_RULES

from .helpers import lint

UNBOUNDED = """\
from openai import OpenAI

client = OpenAI()


def ask(question):
    return client.chat.completions.create(model="gpt-4o", messages=[question], metadata={"feature": "search"})
"""
UNTAGGED = """\
from openai import OpenAI

client = OpenAI()


def summarize(text):
    return client.chat.completions.create(model="gpt-4o", messages=[text], max_tokens=256)
"""
NEW_CALL = """

def translate(text):
    return client.chat.completions.create(model="gpt-4o", messages=[text], metadata={"feature": "search"})
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    (tmp_path / "pyproject.toml").write_text("[tool.budgetlint]\n", encoding="utf-8")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "ask.py").write_text(UNBOUNDED, encoding="utf-8")
    (tmp_path / "app" / "summarize.py").write_text(UNTAGGED, encoding="utf-8")
    return tmp_path


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def findings(*args: str) -> list[dict]:
    result = run("check", "--format", "json", *args)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)["findings"]


def summary(*args: str) -> dict:
    return json.loads(run("check", "--format", "json", *args).stdout)["summary"]


def write_baseline(path: str = "baseline.json", *args: str) -> dict:
    result = run("baseline", *args, "--output", path)
    assert result.exit_code == 0, result.output
    return json.loads(Path(path).read_text(encoding="utf-8"))


def insert_above(path: Path, text: str, before: str = "\n\ndef ") -> None:
    source = path.read_text(encoding="utf-8")
    at = source.index(before)
    path.write_text(source[:at] + text + source[at:], encoding="utf-8")


def dumps_now(project: Path) -> str:
    """A baseline written now, to compare with an earlier one."""
    run("baseline", "--output", "again.json")
    return (project / "again.json").read_text(encoding="utf-8")


def lint_project() -> tuple:
    """The findings of ``app/ask.py``, straight from the engine."""
    source = Path("app/ask.py").read_bytes()
    return lint_source(source, "app/ask.py", Job(Policy(), ALL_RULES, report_suppressions=False)).findings


def test_a_baseline_records_todays_findings_sorted_with_counts(project):
    document = write_baseline()
    assert document["budgetlint_baseline"] == 1
    assert document["counts"] == {"BL001": 1, "BL002": 1} and document["total"] == 2
    entries = document["findings"]
    assert [(e["path"], e["code"]) for e in entries] == [("app/ask.py", "BL001"), ("app/summarize.py", "BL002")]
    assert set(entries[0]) == {"path", "code", "fingerprint", "message"}
    assert [e["fingerprint"] for e in entries] == [f["fingerprint"] for f in findings()]
    assert run("baseline", "--output", "baseline.json").stdout == "budgetlint: wrote 2 findings to baseline.json\n"


def test_moved_lines_keep_fingerprints_and_the_baseline_matching_and_a_new_finding_is_the_only_one_reported(project):
    before = findings()
    write_baseline()
    clean = run("check", "--baseline", "baseline.json")
    assert clean.exit_code == 0, clean.output
    assert "2 known findings hidden by the baseline (baseline.json)." in clean.stdout

    # Unrelated lines above both findings: they move, their fingerprints do not.
    for name in ("ask.py", "summarize.py"):
        insert_above(project / "app" / name, "\n\nimport logging\n\nlog = logging.getLogger(__name__)\nTIMEOUT = 30\n")
    moved = findings()
    assert [f["line"] for f in moved] == [f["line"] + 6 for f in before]
    assert [f["fingerprint"] for f in moved] == [f["fingerprint"] for f in before]
    assert findings("--baseline", "baseline.json") == []
    assert run("check", "--baseline", "baseline.json").exit_code == 0
    # Regenerating the baseline after the move changes nothing: the file diffs cleanly.
    assert dumps_now(project) == (project / "baseline.json").read_text(encoding="utf-8")

    # A new finding is the only one reported, and it alone decides the exit code.
    (project / "app" / "ask.py").write_text((project / "app" / "ask.py").read_text(encoding="utf-8") + NEW_CALL, encoding="utf-8")
    reported = findings("--baseline", "baseline.json")
    assert [(f["path"], f["code"], f["line"]) for f in reported] == [("app/ask.py", "BL001", 17)]
    result = run("check", "--baseline", "baseline.json")
    assert result.exit_code == 1
    assert "app/ask.py:17:12: BL001" in result.stdout
    assert "2 known findings hidden by the baseline" in result.stdout
    assert summary("--baseline", "baseline.json")["baseline"] == {"file": "baseline.json", "hidden": 2, "stale": 0}


def test_a_fixed_finding_leaves_a_stale_entry_to_drop(project):
    write_baseline()
    (project / "app" / "summarize.py").write_text(UNTAGGED.replace("max_tokens=256", 'max_tokens=256, metadata={"feature": "x"}'), encoding="utf-8")
    result = run("check", "--baseline", "baseline.json")
    assert result.exit_code == 0
    assert "1 known finding hidden by the baseline (baseline.json)." in result.stdout
    assert "1 baseline entry no longer found" in result.stdout
    assert "budgetlint baseline --output baseline.json" in result.stdout
    assert "    app/summarize.py: BL002 " in result.stdout
    assert summary("--baseline", "baseline.json")["baseline"] == {"file": "baseline.json", "hidden": 1, "stale": 1}
    shrunk = write_baseline()
    assert shrunk["total"] == 1 and shrunk["counts"] == {"BL001": 1}


def test_a_deleted_file_makes_its_entries_stale_but_a_file_outside_the_run_does_not(project):
    write_baseline()
    assert summary("app/ask.py", "--baseline", "baseline.json")["baseline"]["stale"] == 0
    (project / "app" / "summarize.py").unlink()
    assert summary("app/ask.py", "--baseline", "baseline.json")["baseline"]["stale"] == 1


def test_entries_of_rules_that_did_not_run_are_not_stale(project):
    write_baseline()
    assert summary("--select", "BL001", "--baseline", "baseline.json")["baseline"] == {
        "file": "baseline.json", "hidden": 1, "stale": 0,
    }


def test_entries_of_a_rule_a_per_file_ignore_turns_off_are_not_stale(project):
    write_baseline()
    (project / "pyproject.toml").write_text('[tool.budgetlint]\nper-file-ignores = {"app/ask.py" = ["BL001"]}\n', encoding="utf-8")
    assert summary("--baseline", "baseline.json")["baseline"] == {"file": "baseline.json", "hidden": 1, "stale": 0}


def test_the_codes_each_file_ran_are_found_with_one_resolution_of_the_projects_paths(project, monkeypatch):
    """Not one ``root_keys`` (a ``realpath`` of the root) per file: 0.15 s of a 2,000-file run."""
    for number in range(20):
        (project / "app" / f"plain{number}.py").write_text("x = 1\n", encoding="utf-8")
    write_baseline()
    calls = []
    monkeypatch.setattr(commands, "root_keys", lambda paths, root: calls.append(len(paths)) or root_keys(paths, root))
    assert summary("--baseline", "baseline.json")["baseline"] == {"file": "baseline.json", "hidden": 2, "stale": 0}
    assert len(calls) <= 1


def test_the_hidden_count_reaches_the_github_and_sarif_reports(project):
    write_baseline()
    github = run("check", "--format", "github", "--baseline", "baseline.json").stdout
    assert "2 known findings hidden by the baseline (baseline.json)." in github
    sarif = json.loads(run("check", "--format", "sarif", "--baseline", "baseline.json").stdout)
    assert sarif["runs"][0]["results"] == []
    assert sarif["runs"][0]["properties"]["baseline"] == {"file": "baseline.json", "hidden": 2, "stale": 0}


def test_two_findings_of_one_rule_on_one_line_get_distinct_fingerprints():
    found = lint(
        """
        from openai import OpenAI
        c = OpenAI()
        a = c.chat.completions.create(model="m", messages=[]); b = c.chat.completions.create(model="m", messages=[])
        """,
        tier="soft",
    )
    unbounded = [f for f in found if f.code == "BL001"]
    assert len(unbounded) == 2 and unbounded[0].line == unbounded[1].line
    assert unbounded[0].fingerprint != unbounded[1].fingerprint


def test_one_entry_hides_one_finding(project):
    (project / "app" / "ask.py").write_text(UNBOUNDED + NEW_CALL.replace("translate", "again"), encoding="utf-8")
    first, second = [f for f in lint_project() if f.code == "BL001"]
    assert first.fingerprint != second.fingerprint
    entry = Entry(first.path, first.code, first.message, first.fingerprint)
    reported, outcome = apply([first, second], [entry, entry], source="b.json", checked=lambda e: True)
    assert reported == (second,) and outcome.hidden == 1
    assert outcome.stale == (entry,)  # the duplicate matched nothing


def test_parse_errors_are_never_recorded_nor_hidden(project):
    (project / "app" / "broken.py").write_text("from openai import OpenAI\ndef broken(:\n", encoding="utf-8")
    result = run("baseline", "--output", "baseline.json")
    assert result.exit_code == 0
    assert "1 parse or config error (BL000/BL100) not recorded" in result.stderr
    recorded = json.loads((project / "baseline.json").read_text(encoding="utf-8"))
    assert "BL000" not in recorded["counts"]
    (broken,) = [f for f in findings() if f["code"] == "BL000"]
    forged = dict(recorded, findings=[*recorded["findings"], {k: broken[k] for k in ("path", "code", "fingerprint", "message")}])
    (project / "baseline.json").write_text(json.dumps(forged), encoding="utf-8")
    assert [f["code"] for f in findings("--baseline", "baseline.json")] == ["BL000"]


def test_the_baseline_file_is_byte_identical_across_runs(project):
    write_baseline("one.json")
    write_baseline("two.json")
    assert (project / "one.json").read_bytes() == (project / "two.json").read_bytes()
    assert dumps(lint_project()) == dumps(list(reversed(lint_project())))


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "cannot read baseline baseline.json"),
        ("{not json", "baseline.json is not a budgetlint baseline: invalid JSON at line 1"),
        ("[]", "baseline.json is not a budgetlint baseline"),
        ('{"findings": []}', "baseline.json is not a budgetlint baseline"),
        ('{"budgetlint_baseline": 99, "findings": []}', "unsupported baseline format 99"),
        ('{"budgetlint_baseline": 1, "findings": {}}', "`findings` must be a list"),
        ('{"budgetlint_baseline": 1, "findings": [{"path": "a.py"}]}', "finding 1 needs string fields"),
        ('{"budgetlint_baseline": ' + "1" * 5000 + "}", "baseline.json is not a budgetlint baseline: "),
    ],
)
def test_a_missing_or_invalid_baseline_exits_2_with_a_message(project, content, message):
    if content is not None:
        (project / "baseline.json").write_text(content, encoding="utf-8")
    result = run("check", "--baseline", "baseline.json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("budgetlint: error: ") and message in result.stderr
    with pytest.raises(BaselineError):
        load(project / "baseline.json")


GOOD_ENTRY = {"path": "app/ask.py", "code": "BL001", "fingerprint": "0123456789abcdef0123", "message": "m"}


@pytest.mark.parametrize(
    "change, message",
    [
        ({"code": "XX001"}, "finding 2 (app/ask.py): code 'XX001' is not a rule code"),
        ({"code": "bl001"}, "code 'bl001' is not a rule code"),
        ({"code": "BL\u0661\u0662\u0663"}, "is not a rule code"),  # Arabic-Indic digits
        ({"fingerprint": "0123"}, "fingerprint '0123' is not 20 lowercase hex digits"),
        ({"fingerprint": "0123456789ABCDEF0123"}, "is not 20 lowercase hex digits"),
        ({"fingerprint": "0123456789abcdef012z"}, "is not 20 lowercase hex digits"),
        ({"path": ""}, "path '' is not a relative file path"),
        ({"path": "/etc/passwd"}, "path '/etc/passwd' is not a relative file path"),
        ({"path": "C:/x.py"}, "is not a relative file path"),
        ({"path": "a\n::error::b.py"}, "path 'a\\n::error::b.py' has a control character"),
        ({"path": "a\x1b[31m.py"}, "has a control character"),
        ({"path": "a\x85.py"}, "has a control character"),
        ({"message": 7}, "finding 2 needs string fields"),
        ({"message": "caf\udce9"}, "finding 2: message 'caf\\udce9' has an unpaired surrogate"),
    ],
)
def test_an_entry_with_an_invalid_field_exits_2_naming_it(project, change, message):
    document = {"budgetlint_baseline": 1, "findings": [GOOD_ENTRY, {**GOOD_ENTRY, **change}]}
    (project / "baseline.json").write_text(json.dumps(document), encoding="utf-8")
    result = run("check", "--baseline", "baseline.json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("budgetlint: error: baseline.json: ") and message in result.stderr
    assert result.stderr.count("\n") == 1


def test_a_baseline_nested_too_deeply_exits_2(project):
    (project / "baseline.json").write_text('{"budgetlint_baseline": 1, "findings": ' + "[" * 100_000 + "]" * 100_000 + "}")
    result = run("check", "--baseline", "baseline.json")
    assert result.exit_code == 2
    assert result.stderr == "budgetlint: error: baseline.json is not a budgetlint baseline: nested too deeply\n"


def test_a_file_name_with_a_newline_is_recorded_escaped_and_the_baseline_loads(project):
    (project / "app" / "new\nline.py").write_text(UNBOUNDED, encoding="utf-8")
    document = write_baseline()
    assert "app/new\\nline.py" in {entry["path"] for entry in document["findings"]}
    result = run("check", "--baseline", "baseline.json")
    assert result.exit_code == 0, result.output
    assert "3 known findings hidden" in result.stdout and "no longer found" not in result.stdout


def test_baseline_needs_an_output_and_reports_usage_errors(project):
    assert run("baseline").exit_code == 2
    assert run("baseline", "missing/", "--output", "b.json").exit_code == 2
    assert run("baseline", "--output", "no/such/dir/b.json").exit_code == 2


def test_a_project_named_through_a_symlink_has_the_same_paths_and_fingerprints(project, monkeypatch):
    # `cd link/proj; budgetlint check "$PWD"`, where link -> the real directory
    real = project.parent / f"{project.name}-real"
    real.mkdir()
    project.rename(real / "proj")
    link = project.parent / f"{project.name}-link"
    link.symlink_to(real, target_is_directory=True)
    logical = link / "proj"
    monkeypatch.chdir(logical)
    monkeypatch.setenv("PWD", str(logical))
    written = write_baseline()
    named = findings(str(logical))
    assert [(f["path"], f["fingerprint"]) for f in named] == [(f["path"], f["fingerprint"]) for f in findings(".")]
    assert {f["path"] for f in named} == {"app/ask.py", "app/summarize.py"}
    assert summary("--baseline", "baseline.json", str(logical))["baseline"]["hidden"] == written["total"] == 2
    assert summary("--baseline", "baseline.json", str(real / "proj"))["baseline"]["hidden"] == 2
