"""The CI and tool formats, each checked with its consumer's schema or parser, and escaped.

The example app (``examples/``) is reported in every format and read back as its consumer reads
it: rdjson against reviewdog's published JSON Schema (vendored, tests/vendor/README.md), junit
with junitparser, gitlab field by field against GitLab's documented Code Quality fields (GitLab
publishes no schema), azure with a port of the agent's own command parser, the line formats with
their documented patterns. Hostile paths and messages (line breaks, ``##vso[``, ``::``, ``]``,
``;``) cannot break a line or start a command in any of them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from junitparser import Failure, JUnitXml

from budgetlint.cli import main
from budgetlint.finding import Finding, Related
from budgetlint.policy import Policy, Tier
from budgetlint.reporters import REPORTERS
from budgetlint.reporters.azure import command as azure_command
from budgetlint.reporters.azure import plain_line as azure_plain_line
from budgetlint.reporters.rdjson import diagnostic
from budgetlint.result import RunResult

REPO = Path(__file__).resolve().parent.parent
RDJSON_SCHEMA = REPO / "tests" / "vendor" / "reviewdog-rdjson-DiagnosticResult.json"
GITLAB_SEVERITIES = {"info", "minor", "major", "critical", "blocker"}
"""https://docs.gitlab.com/ci/testing/code_quality/ (the report format of a custom tool)."""
HOSTILE_PATH = "odd\n::error file=x.py::pwned ##vso[task.complete result=Failed;]x].py"
HOSTILE_MESSAGE = "tag 'a;b]' 100%AZP25\r\n##vso[task.setvariable variable=X]pwned\n::warning::pwned\x1b[2J"
LINE_FORMATS = ("full", "concise", "pylint", "azure", "github", "json-lines")


@pytest.fixture(scope="module")
def example_findings() -> list[dict]:
    return json.loads(report("json"))["findings"]


def report(output_format: str, *args: str) -> str:
    """The example app's report, run from the repository root as CI runs it."""
    import os

    cwd = os.getcwd()
    os.chdir(REPO)
    try:
        result = CliRunner().invoke(main, ["check", "--no-cache", "--format", output_format, "examples", *args])
    finally:
        os.chdir(cwd)
    assert result.exit_code == 1, result.output
    return result.stdout


def finding(**changes: object) -> Finding:
    values: dict = dict(
        path="app/chat.py", line=3, column=5, code="BL002", end_line=3, end_column=20,
        name="missing-feature-tag", message="no tag", tier="soft", blocking=True, fingerprint="0" * 20,
        source_line="x = client.chat.completions.create()",
    )
    values.update(changes)
    return Finding(**values)


def run(*findings: Finding) -> RunResult:
    return RunResult(tuple(findings), 1, Policy(tier=Tier.HARD), "9.9.9")


# each format, read back by its consumer


def test_rdjson_validates_against_reviewdogs_schema_with_the_fields_reviewdog_uses(example_findings):
    document = json.loads(report("rdjson"))
    schema = json.loads(RDJSON_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(document)
    assert document["source"]["name"] == "budgetlint"
    diagnostics = document["diagnostics"]
    assert len(diagnostics) == len(example_findings) > 0
    for item, expected in zip(diagnostics, example_findings):
        # The schema requires nothing (proto3): check what reviewdog reads, as reviewdog.proto documents it.
        assert item["message"] == expected["message"]
        assert item["location"]["path"] == expected["path"]
        start, end = item["location"]["range"]["start"], item["location"]["range"]["end"]
        assert (start["line"], end["line"]) == (expected["line"], expected["end_line"])
        assert start["column"] >= 1 and (end["line"], end["column"]) > (start["line"], start["column"])
        assert item["severity"] == ("ERROR" if expected["blocking"] else "WARNING")
        assert item["code"]["value"] == expected["code"]
        assert item["code"]["url"].endswith(f"/docs/rules.md#{expected['code'].lower()}-{expected['name']}")


def test_rdjson_counts_columns_in_utf8_bytes_and_names_a_wrappers_call():
    # "é" is two bytes: the call at character 8 starts at byte 9; the end is exclusive.
    item = diagnostic(finding(source_line='s = "é"; call()', column=8, end_column=14,
                              related=(Related("app/llm.py", 4, 12, 4, 40, "the LLM call the wrapper makes"),)))
    assert item["location"]["range"] == {"start": {"line": 3, "column": 9}, "end": {"line": 3, "column": 15}}
    (related,) = item["related_locations"]
    assert related["location"]["path"] == "app/llm.py" and related["message"] == "the LLM call the wrapper makes"
    schema = json.loads(RDJSON_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate({"diagnostics": [item]})


def test_rdjson_docs_links_point_at_headings_of_the_rules_page():
    headings = {line[3:].strip() for line in (REPO / "docs" / "rules.md").read_text(encoding="utf-8").splitlines() if line.startswith("## ")}
    anchors = {heading.lower().replace(" ", "-") for heading in headings}
    document = json.loads(report("rdjson"))
    for item in document["diagnostics"]:
        assert item["code"]["url"].rsplit("#", 1)[1] in anchors


def test_junit_parses_with_junitparser_one_testcase_per_finding_grouped_by_file(example_findings):
    xml = JUnitXml.fromstring(report("junit"))
    suites = list(xml)
    assert [suite.name for suite in suites] == sorted({f["path"] for f in example_findings})
    cases = [(suite.name, case) for suite in suites for case in suite]
    assert len(cases) == len(example_findings)
    for (suite_name, case), expected in zip(cases, example_findings):
        assert suite_name == case.classname == expected["path"]
        (failure,) = case.result
        assert isinstance(failure, Failure)
        assert failure.type == expected["code"] and failure.message == expected["message"]
        assert case.name.startswith(f"{expected['code']} {expected['name']} (line {expected['line']},")
    for suite in suites:
        assert suite.tests == suite.failures == len(list(suite))


def test_junit_without_findings_is_one_passing_testcase():
    xml = JUnitXml.fromstring(REPORTERS["junit"]().render(run()))
    (suite,) = list(xml)
    (case,) = list(suite)
    assert case.is_passed and suite.failures == 0 and "no findings" in case.name


def test_junit_quiet_keeps_only_blocking_findings():
    text = REPORTERS["junit"](quiet=True).render(run(finding(), finding(path="b.py", blocking=False)))
    assert [suite.name for suite in JUnitXml.fromstring(text)] == ["app/chat.py"]


def test_gitlab_report_has_every_documented_field(example_findings):
    issues = json.loads(report("gitlab"))
    assert isinstance(issues, list) and len(issues) == len(example_findings)
    for issue, expected in zip(issues, example_findings):
        assert isinstance(issue["description"], str) and expected["message"] in issue["description"]
        assert issue["check_name"] == expected["code"]
        assert issue["severity"] in GITLAB_SEVERITIES
        assert issue["severity"] == ("major" if expected["blocking"] else "minor")
        path = issue["location"]["path"]
        assert not path.startswith(("/", "./")) and (REPO / path).is_file()  # relative to the repository root
        assert path == expected["path"]
        assert issue["location"]["lines"]["begin"] == expected["line"]
        assert issue["location"]["lines"]["end"] >= expected["line"]
    fingerprints = [issue["fingerprint"] for issue in issues]
    assert all(isinstance(f, str) and f for f in fingerprints)
    assert len(set(fingerprints)) == len(fingerprints)  # GitLab shows one issue per fingerprint


def test_gitlab_severity_puts_unchecked_files_above_rule_findings():
    rendered = json.loads(REPORTERS["gitlab"]().render(run(
        finding(code="BL000", name="parse-error", tier="always"), finding(path="b.py"), finding(path="c.py", blocking=False),
    )))
    assert [issue["severity"] for issue in rendered] == ["critical", "major", "minor"]


def test_json_lines_are_the_json_reports_findings_one_per_line(example_findings):
    lines = report("json-lines").split("\n")
    assert lines[-1] == ""
    assert [json.loads(line) for line in lines[:-1]] == example_findings


CONCISE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<column>\d+): (?P<code>BL\d{3})(?P<fixable> \[\*\])? \[(?P<blocks>blocks|warning: blocks at tier [a-z]+)\] (?P<message>.+)$")
PYLINT = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+): \[(?P<code>BL\d{3})\] (?P<message>.+)$")


def test_concise_is_one_line_per_finding_then_the_summary(example_findings):
    lines = report("concise").splitlines()
    parsed = [CONCISE.match(line) for line in lines[: len(example_findings)]]
    assert all(parsed), lines
    assert [(m["path"], int(m["line"]), int(m["column"]), m["code"], bool(m["fixable"]), m["blocks"] == "blocks", m["message"]) for m in parsed] == [
        (f["path"], f["line"], f["column"], f["code"], f["fixable"], f["blocking"], f["message"]) for f in example_findings
    ]
    assert lines[len(example_findings)] == "" and any(line.startswith("Checked 5 files") for line in lines)
    assert report("text") == report("full") != report("concise")


def test_pylint_is_one_line_per_finding_and_nothing_else(example_findings):
    lines = report("pylint").splitlines()
    parsed = [PYLINT.match(line) for line in lines]
    assert all(parsed), lines
    assert [(m["path"], int(m["line"]), m["code"], m["message"]) for m in parsed] == [
        (f["path"], f["line"], f["code"], f["message"]) for f in example_findings
    ]


# Azure Pipelines: the agent's parser (azure-pipelines-agent Command.TryParse and
# CommandStringConvertor.Unescape, with percent decoding on)

AZURE_ESCAPES = ((";", "%3B"), ("\r", "%0D"), ("\n", "%0A"), ("]", "%5D"))


def azure_unescape(text: str) -> str:
    for token, replacement in AZURE_ESCAPES:
        text = text.replace(replacement, token)
    return text.replace("%AZP25", "%")


def azure_parse(line: str) -> tuple[str, dict[str, str], str] | None:
    """(command, properties, data) as the agent reads ``line``; None when it reads no command."""
    start = line.find("##vso[")
    if start < 0:
        return None
    end = line.find("]", start)
    if end < 0:
        return None
    info = line[start + len("##vso["): end]
    name, _, rest = info.partition(" ")
    if len([part for part in name.split(".") if part]) != 2:
        return None
    properties = {}
    for pair in filter(None, rest.split(";")):
        key, sep, value = pair.partition("=")
        if key and sep and value:
            properties[key] = azure_unescape(value)
    return name, properties, azure_unescape(line[end + 1:])


def test_azure_commands_are_read_by_the_agents_parser(example_findings):
    lines = report("azure").splitlines()
    commands = [azure_parse(line) for line in lines]
    assert commands[-1] is None and lines[-1].startswith("budgetlint: checked 5 files")
    for parsed, expected in zip(commands, example_findings):
        name, properties, data = parsed
        assert name == "task.logissue"
        assert properties == {
            "type": "error" if expected["blocking"] else "warning",
            "sourcepath": expected["path"],
            "linenumber": str(expected["line"]),
            "columnnumber": str(expected["column"]),
            "code": expected["code"],
        }
        assert data == f"{expected['code']} {expected['message']}"
    assert len([c for c in commands if c]) == len(example_findings)


# escaping: hostile paths and messages


def hostile_run() -> RunResult:
    return run(finding(path=HOSTILE_PATH, message=HOSTILE_MESSAGE), finding(path="b.py", message=HOSTILE_MESSAGE, blocking=False))


@pytest.mark.parametrize("output_format", LINE_FORMATS)
def test_a_hostile_path_or_message_stays_on_its_line(output_format):
    rendered = REPORTERS[output_format]().render(hostile_run())
    lines = rendered.splitlines()
    per_finding = [line for line in lines if "no tag" in line or "tag 'a" in line or "pwned" in line]
    if output_format == "full":
        per_finding = [line for line in lines if re.match(r"^\S.*: BL002 \[", line)]
    assert len(per_finding) == 2, lines  # each finding's text on one line
    if output_format not in ("azure", "github"):  # whose runners unescape what they escape, and show the rest
        assert "\x1b" not in rendered  # no terminal control sequence from a file
    if output_format == "azure":  # the agent reads one command a line: ours
        assert [azure_parse(line)[0] for line in per_finding] == ["task.logissue"] * 2
    elif output_format != "github":  # no Azure logging command from a file (GitHub's runner reads none)
        assert not any("##vso[" in line or "##[" in line for line in lines)
    if output_format != "github":  # no GitHub workflow command from a file
        assert not any(line.lstrip().startswith("::") for line in lines)


def test_azure_escaping_round_trips_through_the_agents_parser():
    name, properties, data = azure_parse(azure_command(finding(path=HOSTILE_PATH, message=HOSTILE_MESSAGE), HOSTILE_PATH))
    assert name == "task.logissue"
    assert properties["sourcepath"] == HOSTILE_PATH
    assert properties["type"] == "error" and properties["code"] == "BL002"
    assert data == f"BL002 {HOSTILE_MESSAGE}"


@pytest.mark.parametrize("text", ["##vso[task.complete result=Failed;]done", "x ##vso[task.setvariable variable=a]b", "##[error]x", "a\n##vso[x.y]z"])
def test_an_azure_plain_line_never_issues_a_command(text):
    line = azure_plain_line(text)
    assert "\n" not in line and azure_parse(line) is None and "##[" not in line


def test_concise_and_pylint_escape_control_characters_in_paths_and_messages():
    concise = REPORTERS["concise"](quiet=True).render(run(finding(path="a\nb.py", message="one\ntwo\x1b[31m")))
    assert concise == "a\\nb.py:3:5: BL002 [blocks] one\\ntwo\\x1b[31m\n"
    pylint = REPORTERS["pylint"]().render(run(finding(path="a\nb.py", message="one\r\ntwo")))
    assert pylint == "a\\nb.py:3: [BL002] one\\r\\ntwo\n"


def test_full_keeps_the_caret_under_the_node_after_an_escaped_character():
    rendered = REPORTERS["full"]().render(run(finding(source_line="s = '\x1b'; call()", column=10, end_column=16)))
    source, caret = rendered.splitlines()[1:3]
    assert source == "    s = '\\x1b'; call()"
    assert caret.index("^") == source.index("call()")


def test_junit_holds_control_characters_xml_cannot():
    text = REPORTERS["junit"]().render(run(finding(path="a\x1bb.py", message="m\x00\x1b]0;title\x07")))
    (suite,) = list(JUnitXml.fromstring(text))
    (case,) = list(suite)
    assert suite.name == "a\\x1bb.py"
    assert case.result[0].message == "m\\x00\\x1b]0;title\\x07"


def test_the_example_app_reports_identically_in_text_and_full():
    assert report("text") == report("full")
