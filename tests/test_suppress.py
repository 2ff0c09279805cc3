"""Suppression comments: per line, per code, per file; reasons and BL900 at tier hard."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from budgetlint import suppress
from budgetlint.cli import main
from budgetlint.rules import ALL_RULES
from budgetlint.suppress import ignores_file, names_our_codes, parse_comment, without

from .helpers import lint

HEAD = "from openai import OpenAI\nclient = OpenAI()\n"
UNBOUNDED = 'client.chat.completions.create(model="m", messages=[], metadata={"feature": "x"})'
"""BL001 only."""
BOTH = 'client.chat.completions.create(model="m", messages=[])'
"""BL001 and BL002."""


def found(code: str, **options) -> list[tuple[str, int]]:
    return [(f.code, f.line) for f in lint(code, **options)]


def test_the_unsuppressed_calls_are_flagged():
    assert found(HEAD + UNBOUNDED + "\n") == [("BL001", 3)]
    assert found(HEAD + BOTH + "\n") == [("BL001", 3), ("BL002", 3)]


@pytest.mark.parametrize(
    "comment",
    [
        "# budgetlint: ignore[BL001] -- the gateway caps output",
        "# noqa: BL001 -- the gateway caps output",
        "# NOQA:BL001 -- the gateway caps output",
        "#budgetlint:ignore[bl001]--the gateway caps output",
        "# type: ignore  # noqa: BL001 -- the gateway caps output",
        "# NoQA: BL001 -- the gateway caps output",
        "# BudgetLint: Ignore[BL001] -- the gateway caps output",
        "# budgetl\u0131nt: \u0130gnore[BL001] -- the gateway caps output",
    ],
)
def test_a_code_suppression_with_a_reason_silences_that_code(comment):
    assert found(f"{HEAD}{UNBOUNDED}  {comment}\n") == []
    assert found(f"{HEAD}{BOTH}  {comment}\n") == [("BL002", 3)]


@pytest.mark.parametrize(
    "comment",
    [
        "# budgetlint: ignore[BL001, BL002] -- batch job, tagged by its queue",
        "# budgetlint: ignore[BL001,BL002] -- batch job",
        "# noqa: BL001, BL002 -- batch job",
        "# noqa: BL001,BL002 -- batch job",
    ],
)
def test_several_codes_comma_separated(comment):
    assert found(f"{HEAD}{BOTH}  {comment}\n") == []


def test_a_suppression_for_another_code_does_not_silence():
    assert found(f"{HEAD}{UNBOUNDED}  # noqa: BL002 -- other\n") == [("BL001", 3), ("BL901", 3)]
    assert found(f"{HEAD}{UNBOUNDED}  # noqa: E501\n") == [("BL001", 3)]
    assert found(f"{HEAD}{UNBOUNDED}  # budgetlint: ignore[BL0011] -- typo\n") == [("BL001", 3)]


@pytest.mark.parametrize("comment", ["# budgetlint: ignore -- legacy module", "# noqa -- legacy module"])
def test_a_bare_suppression_silences_every_rule_on_its_line(comment):
    assert found(f"{HEAD}{BOTH}  {comment}\n") == []
    assert found(f"{HEAD}{BOTH}  {comment}\n{BOTH}\n") == [("BL001", 4), ("BL002", 4)]


def test_the_reason_comes_after_two_dashes():
    assert parse_comment("# noqa: BL001 -- bounded by the proxy", 3).reason == "bounded by the proxy"
    assert parse_comment("# budgetlint: ignore[BL001, BL002] -- why not", 3).codes == frozenset({"BL001", "BL002"})
    assert parse_comment("# budgetlint: ignore -- all", 3).codes is None
    assert parse_comment("# budgetlint: ignore[BL001]", 3).reason == ""
    assert parse_comment("# noqa: BL001 --", 3).reason == ""
    assert parse_comment("# a plain comment", 3) is None


# BL900: suppressions without a reason at tier hard


@pytest.mark.parametrize(
    "comment", ["# budgetlint: ignore[BL001]", "# noqa: BL001", "# budgetlint: ignore", "# noqa: BL001 --"]
)
def test_at_tier_hard_a_suppression_without_a_reason_is_bl900(comment):
    assert found(f"{HEAD}{UNBOUNDED}  {comment}\n") == [("BL900", 3)]
    [finding] = lint(f"{HEAD}{UNBOUNDED}  {comment}\n")
    assert (finding.name, finding.tier, finding.blocking) == ("unexplained-suppression", "hard", True)
    assert "--" in finding.message


def test_at_tier_hard_a_suppression_with_a_reason_is_not_reported():
    assert found(f"{HEAD}{UNBOUNDED}  # noqa: BL001 -- bounded by the proxy\n") == []


@pytest.mark.parametrize("tier", ["soft", "medium"])
def test_below_tier_hard_no_reason_is_needed(tier):
    assert found(f"{HEAD}{UNBOUNDED}  # noqa: BL001\n", tier=tier) == []


def test_a_suppression_that_silences_nothing_is_not_bl900():
    assert found(f"{HEAD}x = 1  # noqa: BL001\n{UNBOUNDED}  # noqa: BL001 -- fine\n") == [("BL901", 3)]  # unused, not unexplained


def test_bl900_through_the_command_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.py").write_text(f"{HEAD}{UNBOUNDED}  # noqa: BL001\n")

    def check(*args: str) -> tuple[int, list[str]]:
        result = CliRunner().invoke(main, ["check", "--format", "json", *args, "."])
        return result.exit_code, [f["code"] for f in json.loads(result.stdout)["findings"]]

    assert check() == (1, ["BL900"])
    assert check("--tier", "medium") == (0, [])
    assert check("--ignore", "BL900") == (0, [])
    assert check("--ignore", "BL001") == (0, [])


# where a suppression counts


def test_a_noqa_inside_a_string_literal_does_not_suppress():
    code = HEAD + 'client.chat.completions.create(model="m # noqa: BL001", messages=[], metadata={"feature": "x"})\n'
    assert found(code) == [("BL001", 3)]
    code = HEAD + 'client.chat.completions.create(model="m", messages=["# budgetlint: ignore"], metadata={"feature": "x"})\n'
    assert found(code) == [("BL001", 3)]


def test_a_suppression_must_be_on_the_first_line_of_the_flagged_node():
    on_a_later_line = HEAD + (
        "client.chat.completions.create(\n"
        '    model="m",  # noqa: BL001 -- on the wrong line\n'
        '    messages=[],\n'
        '    metadata={"feature": "x"},\n'
        ")  # budgetlint: ignore[BL001] -- on the wrong line too\n"
    )
    assert found(on_a_later_line) == [("BL001", 3), ("BL901", 4), ("BL901", 7)]
    on_the_first_line = HEAD + (
        "client.chat.completions.create(  # noqa: BL001 -- bounded by the proxy\n"
        '    model="m",\n'
        '    messages=[],\n'
        '    metadata={"feature": "x"},\n'
        ")\n"
    )
    assert found(on_the_first_line) == []


@pytest.mark.parametrize("ending", ["\r\n", "\r"])
def test_a_suppression_applies_whatever_the_line_endings(ending):
    code = f"{HEAD}{UNBOUNDED}  # noqa: BL001 -- capped by the gateway\n{UNBOUNDED}\n".replace("\n", ending)
    assert found(code) == [("BL001", 4)]


def test_a_suppression_on_the_line_above_does_not_suppress():
    assert found(f"{HEAD}# noqa: BL001 -- above\n{UNBOUNDED}\n") == [("BL901", 3), ("BL001", 4)]


# ignore-file


@pytest.mark.parametrize(
    "head",
    [
        "# budgetlint: ignore-file -- vendored\n",
        "#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n# budgetlint: ignore-file -- generated client\n",
        '"""Generated."""\n# BUDGETLINT: IGNORE-FILE -- generated\n',
    ],
)
def test_ignore_file_near_the_top_skips_the_file(head):
    assert found(f"{head}{HEAD}{BOTH}\n") == []


@pytest.mark.parametrize("tier", ["soft", "medium"])
def test_below_tier_hard_ignore_file_needs_no_reason(tier):
    assert found(f"# budgetlint: ignore-file\n{HEAD}{BOTH}\n", tier=tier) == []


@pytest.mark.parametrize(
    "head",
    ["# budgetlint: ignore-file\n", "# budgetlint: ignore-file --\n", "# budgetlint: ignore-file[BL001]\n"],
)
def test_at_tier_hard_ignore_file_without_a_reason_is_bl900_at_the_comment(head):
    """Found by adversarial testing: a file-level suppression needed no reason."""
    assert found(f'"""Generated."""\n{head}{HEAD}{UNBOUNDED}\n') == [("BL900", 2)]
    assert found(f'"""Generated."""\n{head}x = 1\n') == [("BL900", 2)]  # even where the prefilter skips


def test_ignore_file_with_codes_ignores_only_those_codes():
    """Found by adversarial testing: ``ignore-file[BL002]`` silenced every rule."""
    assert found(f"# budgetlint: ignore-file[BL002] -- tagged by the gateway\n{HEAD}{BOTH}\n") == [("BL001", 4)]
    assert found(f"# budgetlint: ignore-file[BL001, BL002] -- generated\n{HEAD}{BOTH}\n") == []
    assert found(f"# budgetlint: ignore-file[bl001] -- generated\n{HEAD}{BOTH}  # noqa: BL002 -- tagged\n") == []


def test_ignore_file_far_below_the_top_does_not_skip_the_file():
    code = HEAD + "\n" * 20 + "# budgetlint: ignore-file\n" + UNBOUNDED + "\n"
    assert found(code) == [("BL001", 24)]


def test_ignore_file_inside_a_string_does_not_skip_the_file():
    docstring = '"""Add `# budgetlint: ignore-file` to a generated module to skip it."""\n'
    assert found(docstring + HEAD + UNBOUNDED + "\n") == [("BL001", 4)]
    assignment = 'MARKER = "# budgetlint: ignore-file"\n'
    assert found(assignment + HEAD + UNBOUNDED + "\n") == [("BL001", 4)]


def test_ignores_file_on_bytes():
    assert ignores_file(b"# budgetlint: ignore-file\nimport openai\n")
    assert ignores_file(b"# -*- coding: latin-1 -*-\n# budgetlint: ignore-file \xe9t\xe9\n")
    assert not ignores_file(b"import openai\n")
    assert not ignores_file(b'"""\n# budgetlint: ignore-file\n"""\n')
    assert not ignores_file(b'"""\n# budgetlint: ignore-file\n' + b"\n" * 20 + b'"""\n')


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"])
def test_ignore_file_counts_within_the_first_ten_lines_whatever_their_endings(ending):
    for blank in range(12):
        code = ending * blank + "# budgetlint: ignore-file"
        assert ignores_file(code.encode()) == (blank < 10)
        assert ignores_file((code + ending + "import openai" + ending).encode()) == (blank < 10)


# BL901: unused suppressions


def test_without_leaves_out_the_unused_codes_as_they_are_written():
    def rewritten(comment: str, *unused: str) -> str | None:
        return without(parse_comment(comment, 1), frozenset(unused))

    assert rewritten("# budgetlint: ignore[BL001, BL002] -- batch", "BL002") == "# budgetlint: ignore[BL001] -- batch"
    assert rewritten("# budgetlint: ignore[bl002,BL001,BL005] -- batch", "BL002") == "# budgetlint: ignore[BL001,BL005] -- batch"
    assert rewritten("# noqa: E501 BL001 -- long", "BL001") == "# noqa: E501 -- long"
    assert rewritten("# noqa: BL001, BL002 -- gone", "BL001", "BL002") is None
    assert rewritten("# budgetlint: ignore -- gone") is None
    assert rewritten("# noqa: BL001 -- gone  # keep me", "BL001") == "# keep me"
    assert rewritten("# pragma: no cover  # budgetlint: ignore[BL001]", "BL001") == "# pragma: no cover"


def test_names_our_codes_finds_only_budgetlint_suppressions():
    assert names_our_codes(b"x = 1  # noqa: E501, bl001\n")
    assert names_our_codes(b"x = 1  # budgetlint: ignore\n")
    for comment in ("#\xa0noqa: BL001", "#\x0cnoqa:\u3000BL001", "# BudgetL\u0131nt:\x0b\u0130gnore"):  # as the comment patterns read them
        assert parse_comment(comment, 1) is not None
        assert names_our_codes(f"x = 1  {comment}\n".encode())
    assert not names_our_codes(b"x = 1  # noqa: E501\ny = 2  # noqa\n# BL001 is a rule\n")
    assert not names_our_codes(b"# budgetlint: ignore-file -- generated\n")


def test_comments_are_read_only_where_a_suppression_may_matter(monkeypatch):
    """Tokenizing a file for its comments was most of the locate step: not for a file whose only
    suppressions are other linters' (``# noqa: E501``), which nothing reports in."""
    read: list[str] = []
    real = suppress.suppressions
    monkeypatch.setattr(suppress, "suppressions", lambda text: read.append(text) or real(text))
    assert found(HEAD + "client.models.list()  # noqa: E501\nx = 1  # noqa\n") == []
    assert read == []
    assert found(f"{HEAD}{UNBOUNDED}  # noqa: BL001 -- capped\n") == [] and len(read) == 1


def test_a_suppression_of_a_rule_that_did_not_run_is_not_judged():
    stale = "x = 1  # noqa: BL001 -- old client\n"
    unused = next(rule for rule in ALL_RULES if rule.code == "BL901")
    others = [rule for rule in ALL_RULES if rule.code != "BL001"]
    assert found(stale) == [("BL901", 1)]
    assert [(f.code, f.line) for f in lint(stale, rules=others)] == []
    assert [(f.code, f.line) for f in lint("x = 1  # budgetlint: ignore -- legacy\n", rules=others)] == []
    assert [(f.code, f.line) for f in lint("x = 1  # budgetlint: ignore -- legacy\n", rules=[*others, unused])] == []


def test_bl901_is_reported_at_every_tier_and_blocks_from_hard():
    [finding] = lint("x = 1  # noqa: BL001 -- old client\n")
    assert (finding.code, finding.name, finding.tier, finding.blocking, finding.fixable) == ("BL901", "unused-suppression", "hard", True, True)
    [finding] = lint("x = 1  # noqa: BL001 -- old client\n", tier="medium")
    assert (finding.code, finding.blocking) == ("BL901", False)


def cli(*args: str) -> tuple[int, list[tuple[str, int]], dict]:
    result = CliRunner().invoke(main, ["check", "--no-cache", "--format", "json", *args], catch_exceptions=False)
    document = json.loads(result.stdout)
    return result.exit_code, [(f["code"], f["line"]) for f in document["findings"]], document["summary"]


def test_bl901_through_the_command_line_with_selection(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.py").write_text(f"{HEAD}{UNBOUNDED}  # budgetlint: ignore[BL001, BL004] -- capped by the gateway\n")
    assert cli(".")[:2] == (1, [("BL901", 3)])
    assert cli("--ignore", "BL004", ".")[:2] == (0, [])
    assert cli("--select", "BL001,BL901", ".")[:2] == (0, [])
    assert cli("--ignore", "BL901", ".")[:2] == (0, [])
    assert cli("--tier", "medium", ".")[:2] == (0, [("BL901", 3)])


def test_bl901_in_a_file_without_llm_code(tmp_path, monkeypatch):
    """The prefilter would skip the file: a suppression naming a BL code makes it parsed."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "util.py").write_text("def helper():\n    return 1  # noqa: E501, BL001 -- the call moved to app.py\n")
    (tmp_path / "other.py").write_text("def helper():\n    return 1  # noqa: E501\n")
    assert cli(".")[:2] == (1, [("BL901", 2)])
    assert CliRunner().invoke(main, ["check", "--no-cache", "--fix", "."]).exit_code == 0
    assert (tmp_path / "util.py").read_text() == "def helper():\n    return 1  # noqa: E501 -- the call moved to app.py\n"
    assert (tmp_path / "other.py").read_text() == "def helper():\n    return 1  # noqa: E501\n"


def test_the_json_summary_counts_the_suppressed_findings(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.py").write_text(f"{HEAD}{BOTH}  # budgetlint: ignore[BL001, BL002] -- batch job\n")
    code, findings, summary = cli(".")
    assert (code, findings, summary["findings"], summary["suppressed"]) == (0, [], 0, 2)


# --ignore-suppressions


def test_ignore_suppressions_reports_and_blocks_what_comments_silence(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.py").write_text(f"{HEAD}{UNBOUNDED}  # noqa: BL001\nx = 1  # budgetlint: ignore[BL002] -- stale\n")
    (tmp_path / "gen.py").write_text(f"# budgetlint: ignore-file -- generated client\n{HEAD}{UNBOUNDED}\n")
    (tmp_path / "part.py").write_text(f"# budgetlint: ignore-file[BL001] -- generated\n{HEAD}{UNBOUNDED}\n")
    assert cli(".")[:2] == (1, [("BL900", 3), ("BL901", 4)])
    code, findings, summary = cli("--ignore-suppressions", ".")
    assert (code, findings) == (1, [("BL001", 3), ("BL001", 4), ("BL001", 4)])
    assert summary["suppressed"] == 0


def test_the_cache_keeps_runs_with_and_without_ignore_suppressions_apart(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    (tmp_path / "app.py").write_text(f"{HEAD}{UNBOUNDED}  # noqa: BL001 -- capped\n")

    def codes(*args: str) -> list[str]:
        result = CliRunner().invoke(main, ["check", "--format", "json", *args, "."], catch_exceptions=False)
        return [f["code"] for f in json.loads(result.stdout)["findings"]]

    for _ in range(2):
        assert codes() == []
        assert codes("--ignore-suppressions") == ["BL001"]


def test_silencing_a_finding_changes_no_fingerprint_of_another():
    """A baseline entry of the second identical call stays valid when the first is suppressed."""
    before = lint(f"{HEAD}{UNBOUNDED}\n{UNBOUNDED}\n")
    after = lint(f"{HEAD}{UNBOUNDED}  # noqa: BL001 -- capped\n{UNBOUNDED}\n")
    [silenced] = lint(f"{HEAD}{UNBOUNDED}  # noqa: BL001 -- capped\n{UNBOUNDED}\n", suppressed=True)
    assert [f.fingerprint for f in after] == [before[1].fingerprint]
    assert (silenced.fingerprint, silenced.suppression) == (before[0].fingerprint, "capped")
