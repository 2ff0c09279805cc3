"""A golden file per report format, and byte-identical reruns in every format.

The reports come from ``tests/fixtures/outputs/project``, run from ``tests/fixtures/outputs``
outside any git repository, so paths are stable. The version, the absolute root URI and (in
SARIF) the rules' documentation are replaced by placeholders. To regenerate after an intended change::

    BUDGETLINT_UPDATE_GOLDEN=1 pytest tests/test_golden.py

then review the diff of ``tests/golden/``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from budgetlint import __version__
from budgetlint.cli import main
from budgetlint.reporters import REPORTERS

TESTS = Path(__file__).resolve().parent
OUTPUTS = TESTS / "fixtures" / "outputs"
GOLDEN = TESTS / "golden"
UPDATE = os.environ.get("BUDGETLINT_UPDATE_GOLDEN") == "1"


@pytest.fixture
def outputs(monkeypatch: pytest.MonkeyPatch, cache_outside: None) -> Path:
    monkeypatch.chdir(OUTPUTS)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(OUTPUTS.parent))
    return OUTPUTS


def report(output_format: str, *args: str) -> str:
    result = CliRunner().invoke(main, ["check", "--format", output_format, "project", *args], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    return result.stdout


def normalise(text: str, output_format: str) -> str:
    text = text.replace(f'"{__version__}"', '"VERSION"').replace(OUTPUTS.as_uri() + "/", "file:///ROOT/")
    if output_format == "sarif":
        # Rule documentation changes with every docstring edit; test_sarif.py checks where it comes from.
        document = json.loads(text)
        for rule in document["runs"][0]["tool"]["driver"]["rules"]:
            placeholder = f"<{rule['id']} documentation>"
            rule["fullDescription"]["text"] = placeholder
            rule["help"] = {"text": placeholder, "markdown": placeholder}
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    return text


GOLDEN_FILES = {
    "sarif": "outputs.sarif",
    "github": "outputs.txt",
    "json": "outputs.json",
    "full": "outputs.full.txt",
    "concise": "outputs.concise.txt",
    "json-lines": "outputs.jsonl",
    "gitlab": "outputs.gitlab.json",
    "junit": "outputs.junit.xml",
    "rdjson": "outputs.rdjson.json",
    "azure": "outputs.azure.txt",
    "pylint": "outputs.pylint.txt",
}
"""Every format but ``text``, which is ``full`` under its old name."""
UNCHANGED_BY_STATISTICS = {"gitlab", "json-lines", "junit", "rdjson", "pylint", "sarif"}
"""Documents (and the pylint lines) that stay what their readers parse: no counts added."""


def test_every_format_has_a_golden_file():
    assert set(GOLDEN_FILES) | {"text"} == set(REPORTERS)


@pytest.mark.parametrize("output_format, name", sorted(GOLDEN_FILES.items()))
def test_golden(outputs, output_format, name):
    golden = GOLDEN / name
    actual = normalise(report(output_format), output_format)
    if UPDATE:
        golden.write_text(actual, encoding="utf-8")
    assert golden.is_file(), f"missing {golden}: run with BUDGETLINT_UPDATE_GOLDEN=1"
    assert actual == golden.read_text(encoding="utf-8"), f"{golden.name} differs; see the module docstring to regenerate"


@pytest.mark.parametrize("output_format", sorted(REPORTERS))
def test_two_runs_give_byte_identical_reports(outputs, output_format):
    assert report(output_format) == report(output_format)
    assert report(output_format, "--jobs", "1") == report(output_format, "--jobs", "4")


@pytest.mark.parametrize("output_format", sorted(REPORTERS))
def test_statistics_works_with_every_format(outputs, output_format):
    text = report(output_format, "--statistics")
    if output_format == "json":
        assert json.loads(text)["summary"]["by_code"] == {"BL000": 1, "BL001": 2, "BL002": 2, "BL004": 1, "BL005": 1, "BL100": 1}
    elif output_format in UNCHANGED_BY_STATISTICS:
        assert text == report(output_format)
        if output_format == "sarif":  # the counts live in the run's properties
            assert json.loads(text)["runs"][0]["properties"]["byCode"]["BL001"] == 2
    else:
        assert "    2  BL001  unbounded-max-tokens" in text.splitlines()
