"""The command line: `check` options, exit codes and output, `rules`, `explain`, `--version`."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from budgetlint import __version__
from budgetlint.cli import main
from budgetlint.codes import ENGINE_CODES
from budgetlint.rules import ALL_RULES

FIXTURES = Path(__file__).resolve().parent / "fixtures"
FINDING_KEYS = {
    "path", "line", "column", "end_line", "end_column", "code", "name", "message", "tier", "blocking",
    "fingerprint", "fixable",
}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty repository (its root holds ``.git``, so nothing above it counts), made the working directory."""
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def add(root: Path, relative: str, fixture: str) -> Path:
    """Copy ``tests/fixtures/<fixture>.py`` to ``root/relative``."""
    target = root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(FIXTURES / f"{fixture}.py", target)
    return target


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def report(*args: str) -> dict:
    result = run("check", "--format", "json", *args)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def codes(*args: str) -> list[str]:
    return [finding["code"] for finding in report(*args)["findings"]]


# exit codes and the text report


def test_a_finding_exits_1_with_location_source_line_and_caret(project):
    add(project, "app.py", "unbounded")
    result = run("check", ".")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("app.py:"))
    assert lines[first].startswith("app.py:7:12: BL001 [*] [blocks] ")
    assert lines[first + 1] == "        return client.chat.completions.create("
    caret = lines[first + 2]
    assert caret.strip() and set(caret.strip()) == {"^"}
    assert caret.index("^") == lines[first + 1].index("client.chat")
    assert "1 blocking, 0 warnings" in result.stdout


def test_a_clean_tree_exits_0(project):
    add(project, "app.py", "clean")
    result = run("check")
    assert result.exit_code == 0, result.output
    assert "Checked 1 file at tier hard" in result.stdout
    assert "0 blocking" in result.stdout


def test_a_missing_path_exits_2_with_a_message_on_stderr(project):
    add(project, "app.py", "unbounded")
    result = run("check", "app.py", "nowhere/missing.py")
    assert result.exit_code == 2
    assert "no such file or directory" in result.stderr
    assert "nowhere/missing.py" in result.stderr
    assert result.stdout == ""


def test_an_unknown_tier_is_a_usage_error(project):
    result = run("check", "--tier", "lenient", ".")
    assert result.exit_code == 2
    assert "lenient" in result.stderr


def test_exit_zero_reports_but_exits_0(project):
    add(project, "app.py", "unbounded")
    result = run("check", "--exit-zero", ".")
    assert result.exit_code == 0
    assert "app.py:7:12: BL001 [*] [blocks]" in result.stdout


# tier policy


def test_tier_soft_turns_a_hard_rule_into_a_warning(project):
    add(project, "app.py", "unbounded")
    result = run("check", "--tier", "soft", ".")
    assert result.exit_code == 0, result.output
    assert "app.py:7:12: BL001 [*] [warning: blocks at tier hard] " in result.stdout
    assert "0 blocking, 1 warning," in result.stdout
    finding = report("--tier", "soft")["findings"][0]
    assert (finding["code"], finding["tier"], finding["blocking"]) == ("BL001", "hard", False)


def test_tier_soft_still_blocks_on_a_soft_rule(project):
    add(project, "app.py", "unbounded")
    add(project, "jobs.py", "untagged")
    result = run("check", "--tier", "soft", ".")
    assert result.exit_code == 1
    assert "jobs.py:7:12: BL002 [blocks] " in result.stdout
    data = report("--tier", "soft")
    assert data["tier"] == "soft"
    assert {f["code"]: f["blocking"] for f in data["findings"]} == {"BL001": False, "BL002": True}
    assert data["summary"]["blocking"] == 1


def test_tier_medium_makes_the_hard_rule_a_warning_too(project):
    add(project, "app.py", "unbounded")
    assert run("check", "--tier", "medium").exit_code == 0
    assert run("check", "--tier", "hard").exit_code == 1


# rule selection


@pytest.mark.parametrize(
    "options, expected",
    [
        ((), ["BL001", "BL002"]),
        (("--select", "BL002"), ["BL002"]),
        (("--select", "bl002"), ["BL002"]),
        (("--ignore", "BL001"), ["BL002"]),
        (("--ignore", "BL001,BL002"), []),
        (("--ignore", "BL001", "--ignore", "BL002"), []),
        (("--select", "BL001, BL002"), ["BL001", "BL002"]),
        (("--select", "BL00"), ["BL001", "BL002"]),
        (("--select", "BL00", "--ignore", "BL001"), ["BL002"]),
        (("--select", "BL003"), []),
    ],
)
def test_select_and_ignore(project, options, expected):
    add(project, "app.py", "unbounded")
    add(project, "jobs.py", "untagged")
    assert codes(*options) == expected


@pytest.mark.parametrize("options", [("--select", "BL0001"), ("--ignore", "BL001,XYZ"), ("--select", "unbounded")])
def test_a_selector_that_names_no_rule_is_a_usage_error(project, options):
    """A typo in --select must not turn every rule off and let CI pass."""
    add(project, "app.py", "unbounded")
    result = run("check", *options, ".")
    assert result.exit_code == 2
    assert "no rule code starts with" in result.stderr
    assert result.stdout == ""


def test_select_all_and_engine_code_prefixes_are_known(project):
    add(project, "app.py", "unbounded")
    assert codes("--select", "ALL") == ["BL001"]
    assert codes("--ignore", "BL9") == ["BL001"]
    assert codes("--select", "BL1") == []


def test_a_selector_from_pyproject_that_names_no_rule_is_a_usage_error(project):
    add(project, "app.py", "unbounded")
    (project / "pyproject.toml").write_text('[tool.budgetlint]\nignore = ["BL01"]\n')
    result = run("check", ".")
    assert result.exit_code == 2
    assert "BL01" in result.stderr


@pytest.mark.parametrize(
    "options, named",
    [
        (("--select", ""), "--select"),
        (("--ignore", ","), "--ignore"),
        (("--ignore", "BL001,"), "--ignore"),
        (("--select", "BL001", "--select", " "), "--select"),
    ],
)
def test_an_empty_selector_on_the_command_line_is_a_usage_error(project, options, named):
    """Found by adversarial testing: ``--select ""`` was no selection, so every rule ran."""
    add(project, "app.py", "unbounded")
    result = run("check", *options, ".")
    assert result.exit_code == 2, result.output
    assert named in result.stderr and "empty" in result.stderr
    assert result.stdout == ""
    assert run("baseline", "--output", "b.json", *options, ".").exit_code == 2


@pytest.mark.parametrize("key", ["select", "ignore", "exclude", "extend-exclude"])
def test_an_empty_selector_in_pyproject_is_a_usage_error(project, key):
    """Found by adversarial testing: ``ignore = ["BL002", ""]`` disabled every rule (every code
    starts with the empty string)."""
    add(project, "app.py", "unbounded")
    (project / "pyproject.toml").write_text(f'[tool.budgetlint]\n{key} = ["BL002", " "]\n')
    result = run("check", ".")
    assert result.exit_code == 2, result.output
    assert f"[tool.budgetlint] {key}" in result.stderr and "empty" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("options", [("--ignore", "BL000"), ("--ignore", "bl100"), ("--ignore", "BL1")])
def test_ignoring_a_code_that_always_reports_is_a_usage_error(project, options):
    """BL000 and BL100 cannot be ignored (a file or config nothing checked must not pass):
    naming them in --ignore is an error, not an option that silently does nothing."""
    add(project, "app.py", "unbounded")
    result = run("check", *options, ".")
    assert result.exit_code == 2, result.output
    assert "cannot be ignored" in result.stderr
    (project / "pyproject.toml").write_text('[tool.budgetlint]\nignore = ["BL000"]\n')
    assert "cannot be ignored" in run("check", ".").stderr
    (project / "pyproject.toml").unlink()
    assert codes("--ignore", "BL0", ".") == []  # a prefix naming rules too ignores those rules


def test_select_and_ignore_from_pyproject(project):
    add(project, "app.py", "unbounded")
    add(project, "jobs.py", "untagged")
    (project / "pyproject.toml").write_text('[tool.budgetlint]\nselect = ["bl00"]\nignore = ["bl001"]\n')
    assert codes(".") == ["BL002"]
    assert codes("--select", "BL001,BL002", "--ignore", "BL002") == []


def test_ignoring_every_blocking_rule_exits_0(project):
    add(project, "app.py", "unbounded")
    assert run("check", "--ignore", "BL001").exit_code == 0
    assert run("check", "--select", "BL002,BL003").exit_code == 0


def test_strict_flags_a_limit_that_cannot_be_resolved(project):
    add(project, "app.py", "unresolved_limit")
    assert run("check", ".").exit_code == 0
    result = run("check", "--strict", ".")
    assert result.exit_code == 1
    assert "app.py:7:12: BL001 [blocks] " in result.stdout
    assert "cannot resolve" in result.stdout


# quiet, statistics, output file


def test_quiet_prints_only_blocking_findings_without_source_or_summary(project):
    add(project, "app.py", "unbounded")
    add(project, "jobs.py", "untagged")
    result = run("check", "--quiet", "--tier", "soft", ".")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("jobs.py:7:12: BL002 [blocks] ")


def test_quiet_with_nothing_blocking_prints_nothing(project):
    add(project, "app.py", "unbounded")
    result = run("check", "-q", "--tier", "soft", ".")
    assert result.exit_code == 0
    assert result.stdout == ""


def test_statistics_adds_counts_per_rule_to_a_quiet_report(project):
    add(project, "a.py", "unbounded")
    add(project, "b.py", "unbounded")
    add(project, "c.py", "untagged")
    quiet = run("check", "--quiet", ".").stdout
    assert "unbounded-max-tokens" not in quiet
    result = run("check", "--quiet", "--statistics", ".")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert "    2  BL001  unbounded-max-tokens" in lines
    assert "    1  BL002  missing-feature-tag" in lines
    assert any(line.startswith("Checked 3 files at tier hard") for line in lines)


def test_output_writes_the_report_to_a_file(project):
    add(project, "app.py", "unbounded")
    result = run("check", "--format", "json", "--output", "report.json", ".")
    assert result.exit_code == 1
    assert result.stdout == ""
    data = json.loads((project / "report.json").read_text(encoding="utf-8"))
    assert [f["code"] for f in data["findings"]] == ["BL001"]
    text = run("check", "-o", "report.txt", "app.py")
    assert text.stdout == ""
    assert "app.py:7:12: BL001" in (project / "report.txt").read_text(encoding="utf-8")
    assert "\x1b[" not in (project / "report.txt").read_text(encoding="utf-8")


def test_an_output_file_that_cannot_be_written_exits_2(project):
    add(project, "app.py", "unbounded")
    result = run("check", "--output", "no/such/dir/report.txt", ".")
    assert result.exit_code == 2
    assert "cannot write" in result.stderr


# JSON


def test_json_has_exactly_the_documented_keys(project):
    add(project, "app.py", "unbounded")
    data = report(".")
    assert set(data) == {"tool", "version", "tier", "findings", "summary"}
    assert (data["tool"], data["version"], data["tier"]) == ("budgetlint", __version__, "hard")
    [finding] = data["findings"]
    assert set(finding) == FINDING_KEYS
    assert {"files", "findings", "blocking"} <= set(data["summary"])
    assert (data["summary"]["files"], data["summary"]["findings"], data["summary"]["blocking"]) == (1, 1, 1)
    assert finding["path"] == "app.py"
    assert (finding["line"], finding["column"], finding["end_line"], finding["end_column"]) == (7, 12, 11, 6)
    assert (finding["code"], finding["name"], finding["tier"]) == ("BL001", "unbounded-max-tokens", "hard")
    assert finding["blocking"] is True
    assert isinstance(finding["fixable"], bool)
    assert isinstance(finding["fingerprint"], str) and finding["fingerprint"]
    assert finding["message"]


def test_json_columns_are_1_based(project):
    (project / "top.py").write_text('import openai\nopenai.chat.completions.create(model="m", messages=[], max_tokens=5)\n')
    [finding] = report("top.py")["findings"]
    assert (finding["code"], finding["line"], finding["column"]) == ("BL002", 2, 1)


def test_json_paths_are_relative_to_the_working_directory_with_forward_slashes(project):
    add(project, "pkg/sub/app.py", "unbounded")
    expected = ["pkg/sub/app.py"]
    assert [f["path"] for f in report("pkg")["findings"]] == expected
    assert [f["path"] for f in report(str(project / "pkg"))["findings"]] == expected
    assert [f["path"] for f in report(str(project / "pkg" / "sub" / "app.py"))["findings"]] == expected
    assert [f["path"] for f in report(".")["findings"]] == expected


def test_output_order_is_path_line_column_code_and_runs_are_byte_identical(project):
    for name in ("b.py", "a/z.py", "a.py", "c/a.py"):
        add(project, name, "unbounded")
        add(project, name.replace(".py", "_jobs.py"), "untagged")
    (project / "both.py").write_text(
        "import openai\n"
        'openai.chat.completions.create(model="m", messages=[])\n'
        'x = 1; openai.chat.completions.create(model="m", messages=[])\n'
    )
    first = run("check", "--format", "json", ".")
    second = run("check", "--format", "json", ".")
    assert first.stdout == second.stdout
    findings = json.loads(first.stdout)["findings"]
    keys = [(f["path"], f["line"], f["column"], f["code"]) for f in findings]
    assert keys == sorted(keys)
    assert len(keys) == 12
    assert keys[:4] == [("a.py", 7, 12, "BL001"), ("a/z.py", 7, 12, "BL001"), ("a/z_jobs.py", 7, 12, "BL002"),
                        ("a_jobs.py", 7, 12, "BL002")]
    assert ("both.py", 2, 1, "BL001") in keys and ("both.py", 3, 8, "BL002") in keys
    assert run("check", ".").stdout == run("check", ".").stdout


def test_parallel_jobs_give_the_same_report_as_one(project):
    fixtures = ("unbounded", "untagged", "clean", "unresolved_limit")
    for index in range(44):
        add(project, f"pkg{index % 3}/module_{index:02d}.py", fixtures[index % len(fixtures)])
    (project / "pkg0" / "broken.py").write_text("import openai\ndef f(:\n")
    serial = run("check", "--format", "json", "--jobs", "1", ".")
    parallel = run("check", "--format", "json", "--jobs", "2", ".")
    assert serial.exit_code == parallel.exit_code == 1
    assert parallel.stdout == serial.stdout
    data = json.loads(serial.stdout)
    assert data["summary"]["files"] == 45
    assert sorted({f["code"] for f in data["findings"]}) == ["BL000", "BL001", "BL002"]


# rules, explain, version


def test_rules_lists_every_code(project):
    result = run("rules")
    assert result.exit_code == 0
    listed = [line.split()[0] for line in result.stdout.splitlines()[1:]]
    expected = {rule.code for rule in ALL_RULES} | set(ENGINE_CODES)
    assert set(listed) == expected
    assert {"BL000", "BL001", "BL002", "BL003", "BL004", "BL005", "BL100", "BL900"} <= set(listed)
    assert listed == sorted(listed)
    for rule in ALL_RULES:
        assert rule.name in result.stdout


@pytest.mark.parametrize("code", ["BL001", "unbounded-max-tokens", "bl001"])
def test_explain_prints_the_rule_documentation(project, code):
    result = run("explain", code)
    assert result.exit_code == 0
    assert result.stdout.startswith("# BL001 unbounded-max-tokens\n")
    for heading in ("## What it does", "## Why is this bad?", "## Example", "Use instead:"):
        assert heading in result.stdout
    assert "Blocks from tier: hard." in result.stdout


@pytest.mark.parametrize("code", sorted(ENGINE_CODES))
def test_explain_knows_the_engine_codes(project, code):
    result = run("explain", code)
    assert result.exit_code == 0
    assert result.stdout.startswith(f"# {code} {ENGINE_CODES[code].name}\n")
    assert "## What it does" in result.stdout


def test_explain_an_unknown_code_exits_2(project):
    result = run("explain", "BL999")
    assert result.exit_code == 2
    assert "unknown rule 'BL999'" in result.stderr
    assert result.stdout == ""


def test_python_dash_m_version():
    completed = subprocess.run(
        [sys.executable, "-m", "budgetlint", "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == f"budgetlint, version {__version__}"


@pytest.mark.parametrize("value", ["\u00b2/3", "1/\u0663", "1/" + "1" * 5000, "1" * 5000 + "/2"])
def test_a_shard_in_other_digits_or_too_long_is_a_usage_error(project, value):
    (project / "app.py").write_text("x = 1\n")
    result = CliRunner().invoke(main, ["check", "--shard", value, "app.py"])
    assert result.exit_code == 2, result.output
    assert "is not K/N" in result.stderr and "Traceback" not in result.stderr


# --- colour and progress ----------------------------------------------------------------------


def test_color_always_styles_the_report_and_never_does_not(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    (tmp_path / "app.py").write_text('import ollama\nollama.chat(model="m", messages=[])\n')
    runner = CliRunner()
    colored = runner.invoke(main, ["check", "--color", "always", "app.py"], color=True)
    plain = runner.invoke(main, ["check", "--color", "never", "app.py"], color=True)
    assert "\x1b[" in colored.output
    assert "\x1b[" not in plain.output
    assert click.unstyle(colored.output) == plain.output


def test_color_auto_honours_no_color(tmp_path, monkeypatch):
    from budgetlint.cli import _use_color

    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    monkeypatch.setenv("NO_COLOR", "1")
    assert _use_color("auto", None) is False
    monkeypatch.delenv("NO_COLOR")
    assert _use_color("auto", None) is True
    assert _use_color("auto", tmp_path / "report.txt") is False


def test_an_empty_no_color_leaves_colour_on(monkeypatch):
    # no-color.org: "when present and not an empty string"
    from budgetlint.cli import _use_color

    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    monkeypatch.setenv("NO_COLOR", "")
    assert _use_color("auto", None) is True
    monkeypatch.setenv("NO_COLOR", "0")
    assert _use_color("auto", None) is False


def test_progress_reports_every_file_serial_and_parallel(tmp_path):
    from budgetlint.engine import Job
    from budgetlint.runner import lint_paths
    from budgetlint.policy import Policy
    from budgetlint.rules import ALL_RULES

    files = []
    for index in range(40):
        path = tmp_path / f"m{index}.py"
        path.write_text('import ollama\nollama.chat(model="m", messages=[])\n')
        files.append(path)
    job = Job(Policy(), ALL_RULES, report_suppressions=False)
    for jobs in (1, 2):
        done: list[int] = []
        lint_paths(files, job, jobs, tmp_path, progress=done.append)
        assert sum(done) == len(files)


# report formats: --format, --output-format, BUDGETLINT_OUTPUT_FORMAT


def test_check_help_lists_every_format_and_the_environment_variable():
    from budgetlint.reporters import REPORTERS

    text = run("check", "--help").stdout
    for name in REPORTERS:
        assert name in text
    assert "--output-format" in text and "BUDGETLINT_OUTPUT_FORMAT" in text


@pytest.mark.parametrize("command", ["check", "validate"])
def test_check_and_validate_take_the_same_format_options(command):
    from budgetlint.cli import check, validate

    chosen = check if command == "check" else validate
    options = {p.name: p for p in chosen.params}
    assert {"output_format", "output_format_alias", "output"} <= set(options)
    assert options["output_format"].envvar == "BUDGETLINT_OUTPUT_FORMAT"
    assert options["output_format"].type.choices == next(p for p in check.params if p.name == "output_format").type.choices


def test_output_format_is_ruffs_spelling_of_format(project):
    add(project, "app.py", "unbounded")
    assert run("check", "--output-format", "pylint").stdout == run("check", "--format", "pylint").stdout
    assert run("check", "--output-format", "pylint").stdout.startswith("app.py:7: [BL001] ")
    assert run("check", "--format", "text", "--output-format", "full").exit_code == 1  # the same report: no conflict


def test_format_and_output_format_that_disagree_are_a_usage_error(project):
    add(project, "app.py", "unbounded")
    result = CliRunner().invoke(main, ["check", "--format", "json", "--output-format", "pylint"])
    assert result.exit_code == 2
    assert "--format json and --output-format pylint disagree" in result.stderr


def test_the_environment_sets_the_default_format_and_options_override_it(project, monkeypatch):
    add(project, "app.py", "unbounded")
    monkeypatch.setenv("BUDGETLINT_OUTPUT_FORMAT", "concise")
    concise = run("check").stdout
    assert concise.startswith("app.py:7:12: BL001 [*] [blocks] ") and "        return client" not in concise
    assert json.loads(run("check", "--format", "json").stdout)["summary"]["findings"] == 1
    assert run("check", "--output-format", "pylint").stdout.startswith("app.py:7: [BL001] ")
    diff = run("check", "--diff")  # the environment's format does not make --diff a usage error
    assert diff.exit_code == 1 and diff.stdout.startswith("---")
    monkeypatch.setenv("BUDGETLINT_OUTPUT_FORMAT", "xml")
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 2 and "BUDGETLINT_OUTPUT_FORMAT" in result.stderr or "'xml' is not one of" in result.stderr


def test_validate_takes_output_format_and_the_environment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "stack.yaml").write_text("apiVersion: budgetlint/v1\nkind: Stack\nendpoints:\n  - {name: a, engine: vllm, location: on-prem, base_url_env: X}\n")
    pylint = run("validate", "--output-format", "pylint", "stack.yaml")
    assert pylint.exit_code == 1 and pylint.stdout.startswith("stack.yaml:4: [BL100] ")
    monkeypatch.setenv("BUDGETLINT_OUTPUT_FORMAT", "gitlab")
    assert json.loads(run("validate", "stack.yaml").stdout)[0]["check_name"] == "BL100"
