"""Jupyter notebooks: code cells linted as one module, IPython syntax neutralised, findings per cell."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from jsonschema import Draft4Validator, FormatChecker

from budgetlint.cli import main
from budgetlint.discovery import discover
from budgetlint.engine import Job, lint_source
from budgetlint.runner import lint_file
from budgetlint.ipython import kernel_lines
from budgetlint.policy import Policy
from budgetlint.rules import ALL_RULES

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "tests" / "fixtures" / "notebooks" / "support_bot.ipynb"
SARIF_SCHEMA = REPO / "tests" / "vendor" / "sarif-schema-2.1.0.json"
JOB = Job(policy=Policy(), rules=ALL_RULES, report_suppressions=True)

CLIENT = 'from openai import OpenAI\nclient = OpenAI(base_url=os.environ["VLLM_BASE_URL"])\nimport os\n'
UNBOUNDED = 'r = client.chat.completions.create(model="m", messages=[], metadata={"feature": "search"})\n'
BOUNDED = 'r = client.chat.completions.create(model="m", messages=[], max_tokens=64, metadata={"feature": "search"})\n'


def notebook(*cells: str | tuple[str, str], language: str = "python", as_lines: bool = True) -> bytes:
    """An nbformat 4 notebook as Jupyter writes it: a str is a code cell, ``(type, text)`` any cell."""
    built = []
    for cell in cells:
        kind, text = cell if isinstance(cell, tuple) else ("code", cell)
        source: str | list[str] = text.splitlines(keepends=True) if as_lines else text
        entry: dict = {"cell_type": kind, "metadata": {}, "source": source}
        if kind == "code":
            entry.update(execution_count=None, outputs=[])
        built.append(entry)
    document = {
        "cells": built,
        "metadata": {"kernelspec": {"display_name": language, "language": language, "name": language}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return (json.dumps(document, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def lint(source: bytes, name: str = "nb.ipynb"):
    """The findings reported (not those a comment silences)."""
    return sorted((f for f in lint_source(source, name, JOB).findings if f.suppression is None), key=lambda f: f.sort_key())


def where(findings) -> list[tuple[str, int | None, int, int]]:
    return [(f.code, f.cell, f.line, f.column) for f in findings]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository root holding the fixture notebook and one Python file, made the working directory."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "notebooks").mkdir()
    shutil.copyfile(FIXTURE, tmp_path / "notebooks" / "support_bot.ipynb")
    (tmp_path / "app.py").write_text("import os\nfrom openai import OpenAI\n\nclient = OpenAI()\n" + UNBOUNDED)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


# the fixture notebook: findings in two cells, in every format


def test_the_fixture_reports_its_findings_at_their_cells_in_text(project):
    result = run("check", "notebooks")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("notebooks/support_bot.ipynb:cell 5:1:9: BL001 [blocks] ")
    assert lines[1] == "    reply = client.chat.completions.create("
    assert lines[2] == "            " + "^" * len("client.chat.completions.create(")
    assert lines[3].startswith("notebooks/support_bot.ipynb:cell 6:4:14: BL005 [blocks] ")
    assert lines[4] == "        answer = client.chat.completions.create("


def test_json_has_a_cell_field_for_notebook_findings_only(project):
    result = run("check", "--format", "json", ".")
    findings = json.loads(result.stdout)["findings"]
    notebook_findings = [f for f in findings if f["path"].endswith(".ipynb")]
    assert [(f["code"], f["cell"], f["line"], f["column"], f["end_line"], f["end_column"]) for f in notebook_findings] == [
        ("BL001", 5, 1, 9, 5, 2),
        ("BL005", 6, 4, 14, 7, 6),
    ]
    assert list(notebook_findings[0])[:3] == ["path", "cell", "line"]
    python_findings = [f for f in findings if f["path"] == "app.py"]
    assert python_findings and all("cell" not in f for f in python_findings)
    assert "raw_region" not in notebook_findings[0]


def test_sarif_points_into_the_notebook_json_and_names_the_cell(project):
    result = run("check", "--format", "sarif", "notebooks")
    results = json.loads(result.stdout)["runs"][0]["results"]
    raw_lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    assert [r["properties"]["cell"] for r in results] == [5, 6]
    first = results[0]
    region = first["locations"][0]["physicalLocation"]["region"]
    assert first["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "notebooks/support_bot.ipynb", "uriBaseId": "%SRCROOT%"
    }
    # The region is where the call's characters sit in the .ipynb file as stored.
    assert raw_lines[region["startLine"] - 1][region["startColumn"] - 1 :].startswith("client.chat.completions.create(")
    assert raw_lines[region["endLine"] - 1][: region["endColumn"] - 1].endswith('")')
    assert first["properties"]["cellRegion"] == {"startLine": 1, "startColumn": 9, "endLine": 5, "endColumn": 2}
    assert first["message"]["text"].endswith("(cell 5, line 1)")
    assert results[0]["partialFingerprints"] != results[1]["partialFingerprints"]


def test_sarif_with_notebook_findings_validates_against_the_official_schema(project):
    result = run("check", "--format", "sarif", ".")
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    errors = list(Draft4Validator(schema, format_checker=FormatChecker()).iter_errors(json.loads(result.stdout)))
    assert errors == []


def test_github_annotations_point_into_the_notebook_json(project):
    result = run("check", "--format", "github", "notebooks")
    first = result.stdout.splitlines()[0]
    assert first.startswith("::error file=notebooks/support_bot.ipynb,line=")
    properties = dict(pair.split("=", 1) for pair in first.split("::")[1].split(" ", 1)[1].split(","))
    line = FIXTURE.read_text(encoding="utf-8").splitlines()[int(properties["line"]) - 1]
    assert '"reply = client.chat.completions.create(' in line
    assert "col" not in properties  # the call spans lines: GitHub takes no columns then
    assert first.endswith("(cell 5, line 1)")


@pytest.mark.parametrize("as_lines", [True, False], ids=["source-as-lines", "source-as-one-string"])
def test_a_one_line_region_in_the_json_text_decodes_to_the_flagged_code(as_lines):
    cell = 'x = "caf\\u00e9 \\"q\\" \\\\ é 😀"; r = client.chat.completions.create(model="m\\"", messages=[])\n'
    source = notebook(CLIENT, cell, as_lines=as_lines)
    found = [f for f in lint(source) if f.code == "BL001"]
    assert len(found) == 1
    finding = found[0]
    line, column, end_line, end_column = finding.raw_region
    assert end_line == line
    raw = source.decode("utf-8").splitlines()[line - 1]
    flagged = finding.source_line[finding.column - 1 : finding.end_column - 1]
    assert flagged.startswith("client.chat.completions.create(") and flagged.endswith(")")
    assert json.loads('"' + raw[column - 1 : end_column - 1] + '"') == flagged


# one module: names flow from cell to cell, as in a kernel


def test_a_client_built_in_one_cell_resolves_in_a_later_one():
    untagged = 'r = client.chat.completions.create(model="m", messages=[], max_tokens=64)\n'
    # BL002 holds back on a client it cannot resolve (it may carry the tag): it fires only
    # because cell 1's OpenAI() is seen from cell 3.
    findings = lint(notebook(CLIENT, ("markdown", "# Title"), untagged))
    assert where(findings) == [("BL002", 3, 1, 5)]
    alone = lint(notebook(untagged))
    assert alone == []


def test_cell_numbers_count_every_cell_and_lines_restart_in_each():
    findings = lint(notebook(("markdown", "intro"), CLIENT, ("raw", "raw text"), "\n\n" + UNBOUNDED, UNBOUNDED))
    assert where(findings) == [("BL001", 4, 3, 5), ("BL001", 5, 1, 5)]
    assert findings[0].source_line == UNBOUNDED.rstrip("\n")


def test_findings_are_sorted_by_cell_then_line():
    findings = lint(notebook(CLIENT, "\n\n\n" + UNBOUNDED, UNBOUNDED))
    assert [(f.cell, f.line) for f in findings] == [(2, 4), (3, 1)]


# IPython syntax


@pytest.mark.parametrize(
    ("lines", "kernel"),
    [
        (["!pip install openai", "import os"], ["pass", "import os"]),
        (["%pip install openai", "%matplotlib inline"], ["pass", "pass"]),
        (["files = !ls", "a, b = %sx ls"], ["pass", "pass"]),
        (["obj?", "obj.attr??", "?obj", "print(1)  # why?"], ["pass", "pass", "pass", "print(1)  # why?"]),
        (["for i in x:", "    !echo $i"], ["for i in x:", "    pass"]),
        (["!ls \\", "   -la", "y = 1"], ["pass", "", "y = 1"]),
        (["%time r = f(x)"], ["if 1: r = f(x)"]),
        (["%timeit -n 10 f(x)"], ["if 1:         f(x)"]),
        (["%time for i in x: f(i)"], ["pass"]),  # not a simple statement: `if 1:` would not parse
        (["%%time", "r = f()"], ["pass", "r = f()"]),
        (["", "%%capture out", "x"], ["", "pass", "x"]),
        (["    x = 1", "    y = 2"], ["x = 1", "y = 2"]),
    ],
    ids=[
        "shell", "line-magic", "assigned", "help", "indented", "continued", "time", "timeit-options",
        "time-compound", "python-cell-magic", "cell-magic-after-blank", "leading-indent",
    ],
)
def test_ipython_syntax_is_neutralised_line_for_line(lines, kernel):
    assert kernel_lines(lines)[0] == kernel


@pytest.mark.parametrize(
    "lines",
    [
        ["x = '''", "!not a magic", "%s either", "'''"],
        ["y = (1,", "  % 2)"],
        ['s = "a\\', '!b"'],
        ["prompt = f'''", "%(name)s", "'''"],
    ],
    ids=["triple-quoted", "brackets", "backslash-continued-string", "f-string"],
)
def test_magic_look_alikes_inside_strings_and_brackets_are_code(lines):
    assert kernel_lines(lines)[0] == lines


@pytest.mark.parametrize("magic", ["bash", "sql", "html", "javascript", "writefile out.py", "sh"])
def test_a_cell_under_a_non_python_cell_magic_is_skipped(magic):
    assert kernel_lines([f"%%{magic}", "client.chat.completions.create(model=m, messages=h)"]) is None
    assert lint(notebook(CLIENT, f"%%{magic}\nthis is not ( python\n" + UNBOUNDED)) == []


def test_magics_do_not_hide_the_calls_around_them():
    cell = "!pip install openai\n%matplotlib inline\nfiles = !ls\nclient?\n%time " + UNBOUNDED
    findings = lint(notebook(CLIENT, cell))
    assert where(findings) == [("BL001", 2, 5, 11)]
    assert findings[0].source_line.startswith("%time r = client.chat")


def test_an_indented_cell_is_located_at_its_own_columns():
    findings = lint(notebook(CLIENT, "  " + UNBOUNDED))
    assert where(findings) == [("BL001", 2, 1, 7)]


# broken cells and broken notebooks


def test_a_syntax_error_is_a_bl000_in_its_cell_and_the_other_cells_are_still_linted():
    findings = lint(notebook(CLIENT, "def f(:\n    pass\n", UNBOUNDED))
    assert where(findings) == [("BL000", 2, 1, 7), ("BL001", 3, 1, 5)]
    assert findings[0].message.startswith("syntax error")
    assert findings[0].blocking


def test_an_unterminated_bracket_does_not_swallow_the_next_cell():
    findings = lint(notebook(CLIENT, "x = (1,\n", UNBOUNDED))
    assert where(findings)[0][:2] == ("BL000", 2)
    assert ("BL001", 3, 1, 5) in where(findings)


@pytest.mark.parametrize(
    ("content", "message", "line"),
    [
        (b'{"cells": [\n  {"cell_type": "code",}\n]}', "cannot read notebook: invalid JSON: Expecting property name", 2),
        (b"", "cannot read notebook: invalid JSON: Expecting value", 1),
        (b"\xff\xfe not utf-8", "cannot read notebook: not UTF-8", 1),
        (b"[1, 2]", "cannot read notebook: not a notebook: the JSON document is not an object", 1),
        (b'{"metadata": {}}', 'cannot read notebook: not a notebook: no "cells" list', 1),
        (b'{"worksheets": [], "nbformat": 3}', "cannot read notebook: nbformat 3 notebooks are not supported", 1),
        (b'{"cells": [{"cell_type": "code", "source": 42}]}', 'cannot read notebook: cell 1: "source" is not a string', 1),
        (b'{"cells": ["x"]}', "cannot read notebook: cell 1 is not an object", 1),
        (b"[" * 100_000, "cannot read notebook: invalid JSON: nesting too deep", 1),
    ],
    ids=["bad-json", "empty", "not-utf8", "array", "no-cells", "nbformat3", "bad-source", "bad-cell", "deep"],
)
def test_a_malformed_notebook_is_one_bl000_for_the_file(tmp_path, content, message, line):
    path = tmp_path / "bad.ipynb"
    path.write_bytes(content)
    findings = lint_file(str(path), "bad.ipynb", JOB).findings
    assert len(findings) == 1
    assert findings[0].code == "BL000" and findings[0].message.startswith(message)
    assert (findings[0].cell, findings[0].line) == (None, line)


def test_a_malformed_notebook_in_the_json_report_has_no_cell_and_the_run_goes_on(project):
    (project / "notebooks" / "bad.ipynb").write_text("{not json")
    result = run("check", "--format", "json", "notebooks")
    findings = json.loads(result.stdout)["findings"]
    assert [(f["path"], f["code"], "cell" in f) for f in findings] == [
        ("notebooks/bad.ipynb", "BL000", False),
        ("notebooks/support_bot.ipynb", "BL001", True),
        ("notebooks/support_bot.ipynb", "BL005", True),
    ]


def test_a_notebook_of_another_language_is_not_linted():
    assert lint(notebook("library(httr)\nPOST('/v1/chat/completions') ( [", language="R")) == []


def test_a_notebook_without_llm_code_is_not_parsed_even_with_a_broken_cell():
    result = lint_source(notebook("import pandas as pd", "def f(:"), "nb.ipynb", JOB)
    assert result.findings == () and not result.parsed


def test_large_outputs_do_not_make_a_notebook_too_large(tmp_path):
    document = json.loads(notebook(CLIENT, UNBOUNDED))
    document["cells"][1]["outputs"] = [
        {"output_type": "display_data", "metadata": {}, "data": {"image/png": "A" * 6_000_000}}
    ]
    path = tmp_path / "plots.ipynb"
    path.write_text(json.dumps(document))
    assert where(lint_file(str(path), "plots.ipynb", JOB).findings) == [("BL001", 2, 1, 5)]


# suppressions, fingerprints, discovery


def test_suppression_comments_work_in_cells():
    findings = lint(notebook(CLIENT, UNBOUNDED.rstrip("\n") + "  # noqa: BL001 -- bounded by the proxy\n"))
    assert findings == []
    findings = lint(notebook("# budgetlint: ignore-file -- a demo\n" + CLIENT, UNBOUNDED))
    assert findings == []
    findings = lint(notebook("# budgetlint: ignore-file\n" + CLIENT, UNBOUNDED))
    assert [(f.code, f.cell, f.line) for f in findings] == [("BL900", 1, 1)]
    findings = lint(notebook("# budgetlint: ignore-file[BL002] -- tagged by the gateway\n" + CLIENT, UNBOUNDED.replace(", metadata={\"feature\": \"search\"}", "")))
    assert [(f.code, f.cell, f.line) for f in findings] == [("BL001", 2, 1)]


def test_fingerprints_survive_edits_to_other_cells():
    before = lint(notebook(CLIENT, UNBOUNDED, 'other = 1\n'))
    after = lint(notebook(("markdown", "new intro"), CLIENT, "x = 1\n\n\n", UNBOUNDED, "other = 2\nmore = 3\n"))
    assert [(f.cell, f.line) for f in before] == [(2, 1)]
    assert [(f.cell, f.line) for f in after] == [(4, 1)]
    assert [f.fingerprint for f in before] == [f.fingerprint for f in after]


def test_discovery_finds_notebooks_but_not_checkpoints(tmp_path):
    (tmp_path / "nb.ipynb").write_bytes(notebook(UNBOUNDED))
    (tmp_path / ".ipynb_checkpoints").mkdir()
    (tmp_path / ".ipynb_checkpoints" / "nb-checkpoint.ipynb").write_bytes(notebook(UNBOUNDED))
    (tmp_path / "notes.txt").write_text("client.chat.completions.create()")
    assert [path.name for path in discover([tmp_path], tmp_path)] == ["nb.ipynb"]


def test_a_baseline_hides_notebook_findings(project):
    assert run("baseline", "notebooks", "--output", "baseline.json").exit_code == 0
    result = run("check", "--baseline", "baseline.json", "notebooks")
    assert result.exit_code == 0, result.stdout


# never a crash


def test_a_cell_libcst_accepts_and_cpython_rejects_is_analysed_as_a_python_file_is():
    """Found by Hypothesis: ``\U00031350`` is an identifier to libcst (Unicode 15), not to
    Python 3.11; libcst's node validation raised CSTValidationError out of the cell check, an
    internal error. As in a .py file, what libcst's parser accepts is analysed."""
    findings = lint(notebook(CLIENT, "\U00031350 = 1\n" + UNBOUNDED))
    assert [(f.code, f.cell, f.line) for f in findings] == [("BL001", 2, 2)]
    python = lint_source(("\U00031350 = 1\n" + CLIENT + UNBOUNDED).encode(), "same.py", JOB).findings
    assert [(f.code, f.line) for f in python] == [("BL001", 5)]


_CELL_TEXT = st.lists(
    st.sampled_from(
        [
            "client.chat.completions.create(model=m, messages=[])", "!ls", "%time x = 1", "%%bash", "%%time",
            "x = '''", "'''", "(", ")", "    y = 2", "if x:", "obj?", "\\", "# noqa", "é = '😀'", "\t", "", "\r",
        ]
    ),
    max_size=8,
).map("\n".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_CELL_TEXT, st.text(max_size=40)), max_size=5), st.booleans())
@example(cells=["\U00031350"], as_lines=False)  # a Unicode 15 identifier: libcst's validation raised
def test_any_notebook_is_linted_without_an_exception_and_findings_stay_in_their_cells(cells, as_lines):
    source = notebook(CLIENT, *cells, as_lines=as_lines)
    findings = lint(source)
    document = json.loads(source)
    for finding in findings:
        assert finding.cell is not None and 1 <= finding.cell <= len(document["cells"])
        text = "".join(document["cells"][finding.cell - 1]["source"])
        assert 1 <= finding.line <= max(1, len(text.splitlines()))
        assert finding.raw_region is not None
