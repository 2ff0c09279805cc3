"""Golden files for the sarif, github and json reports, and byte-identical reruns in every format.

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


@pytest.mark.parametrize("output_format, suffix", [("sarif", "sarif"), ("github", "txt"), ("json", "json")])
def test_golden(outputs, output_format, suffix):
    golden = GOLDEN / f"outputs.{suffix}"
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
    elif output_format == "sarif":  # the counts live in the run's properties; the document stays SARIF
        assert json.loads(text)["runs"][0]["properties"]["byCode"]["BL001"] == 2
        assert text == report(output_format)
    else:
        assert "    2  BL001  unbounded-max-tokens" in text.splitlines()
