"""The engine's per-file boundary: unreadable, undecodable and unparsable files become BL000."""

from __future__ import annotations

import json
import os
import pickle
import pwd
import subprocess
import sys
import tempfile
import warnings

import pytest
from click.testing import CliRunner

from budgetlint import engine, intake
from budgetlint.cli import main
from budgetlint.engine import Job, lint_source
from budgetlint.runner import lint_file, lint_paths
from budgetlint.prefilter import might_matter
from budgetlint.policy import Policy, Tier
from budgetlint.rules import ALL_RULES

JOB = Job(policy=Policy(), rules=ALL_RULES, report_suppressions=True)
CALL = 'import openai\nopenai.chat.completions.create(model="m", messages=[], metadata={"feature": "x"})\n'
"""One BL001 at 2:1."""


def codes(result) -> list[tuple[str, int, int]]:
    return [(f.code, f.line, f.column) for f in result.findings]


def check_json(*args: str) -> tuple[int, dict]:
    result = CliRunner().invoke(main, ["check", "--format", "json", *args], catch_exceptions=False)
    return result.exit_code, json.loads(result.stdout)


# syntax errors


def test_a_syntax_error_is_bl000_at_its_line_and_the_run_goes_on(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "broken.py").write_text("import openai\n\ndef ask(:\n    pass\n")
    (tmp_path / "good.py").write_text(CALL)
    exit_code, data = check_json(".")
    assert exit_code == 1
    found = [(f["path"], f["code"], f["line"]) for f in data["findings"]]
    assert found == [("broken.py", "BL000", 3), ("good.py", "BL001", 2)]
    error = data["findings"][0]
    assert error["column"] == 9
    assert error["message"].startswith("syntax error: ")
    assert (error["name"], error["tier"], error["blocking"]) == ("parse-error", "always", True)
    assert data["summary"]["files"] == 2


@pytest.mark.parametrize(
    "source, line",
    [
        ('import openai\nx = "unterminated\ny = 1\n', 2),
        ("import openai\nx = (1,\ny = 2\n", 2),
        ("import openai\nclass\n", 2),
        ("import openai\nif True:\nprint(1)\n", 3),
        ("import openai\n\n\nx = 1 +\n", 4),
    ],
)
def test_a_syntax_error_is_located_where_python_locates_it(source, line):
    result = lint_source(source.encode(), "broken.py", JOB)
    assert [(f.code, f.line) for f in result.findings] == [("BL000", line)]
    assert result.parsed is False
    assert result.findings[0].source_line == source.split("\n")[line - 1]


def test_a_syntax_error_column_counts_characters_not_bytes():
    [finding] = lint_source('import openai\nx = "ééé" $ 1\n'.encode(), "broken.py", JOB).findings
    assert (finding.code, finding.line, finding.column) == ("BL000", 2, 11)
    assert finding.source_line[finding.column - 1] == "$"


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="needs syntax newer than the running Python")
def test_syntax_newer_than_the_interpreter_is_still_linted():
    source = "import openai\ntype Limit = int\n" + CALL.split("\n", 1)[1]
    result = lint_source(source.encode(), "new.py", JOB)
    assert codes(result) == [("BL001", 3, 1)]


def test_the_pre_parse_prints_no_warnings(capsys):
    source = 'import openai\npattern = "\\d+"\nassert (openai, 1)\n' + CALL.split("\n", 1)[1]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = lint_source(source.encode(), "warn.py", JOB)
    assert [str(w.message) for w in caught] == []
    assert capsys.readouterr().err == ""
    assert [f.code for f in result.findings] == ["BL001"]


# encodings and binary content


def test_bytes_that_are_not_utf8_without_a_coding_cookie_are_bl000():
    result = lint_source(b"\xff\xfe garbage\nimport openai\n", "enc.py", JOB)
    assert [(f.code, f.line) for f in result.findings] == [("BL000", 1)]
    assert "decode" in result.findings[0].message


def test_a_latin1_file_with_a_coding_cookie_parses():
    source = (
        "# -*- coding: latin-1 -*-\nimport openai\nGREETING = 'café'\n"
        "openai.chat.completions.create(model='m', messages=[GREETING], metadata={'feature': 'é'})\n"
    ).encode("latin-1")
    result = lint_source(source, "latin.py", JOB)
    assert result.parsed
    assert codes(result) == [("BL001", 4, 1)]
    assert "'é'" in result.findings[0].source_line


def test_binary_content_is_bl000():
    result = lint_source(b"import openai\n\x00\x01\x02", "blob.py", JOB)
    assert [f.code for f in result.findings] == ["BL000"]
    assert "binary" in result.findings[0].message


# files that cannot be read


def test_a_path_that_cannot_be_read_is_bl000(tmp_path):
    directory = tmp_path / "package.py"
    directory.mkdir()
    result = lint_file(str(directory), "package.py", JOB)
    assert [(f.code, f.path) for f in result.findings] == [("BL000", "package.py")]
    assert result.findings[0].message.startswith("cannot read file: ")


_UNPRIVILEGED_LINT = """
import json, os, sys
from budgetlint.runner import lint_file
import budgetlint.intake  # loaded as root: lint_file imports it on first use, and root's Python may be unreadable to nobody
os.setgroups([]); os.setgid(int(sys.argv[2])); os.setuid(int(sys.argv[2]))  # root reads every file
print(json.dumps([[f.code, f.message] for f in lint_file(sys.argv[1], "secret.py", lambda: None).findings]))
"""
"""As root (CI), the lint runs in a process that first becomes the unprivileged user ``nobody``."""


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX permissions")
def test_a_file_without_read_permission_is_bl000():
    with tempfile.TemporaryDirectory() as directory:  # under /tmp: another user may enter it
        os.chmod(directory, 0o755)
        path = os.path.join(directory, "secret.py")
        with open(path, "w") as handle:
            handle.write(CALL)
        os.chmod(path, 0)
        if os.geteuid() == 0:
            try:
                nobody = pwd.getpwnam("nobody").pw_uid
            except KeyError:
                nobody = 65534
            completed = subprocess.run(
                [sys.executable, "-c", _UNPRIVILEGED_LINT, path, str(nobody)], capture_output=True, text=True, check=True
            )
            findings = [tuple(finding) for finding in json.loads(completed.stdout)]
        else:
            findings = [(f.code, f.message) for f in lint_file(path, "secret.py", JOB).findings]
    assert findings == [("BL000", "cannot read file: Permission denied")]


def test_a_dangling_symlink_in_the_tree_is_bl000_and_the_run_goes_on(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "gone.py").symlink_to(tmp_path / "deleted.py")
    (tmp_path / "good.py").write_text(CALL)
    exit_code, data = check_json(".")
    assert exit_code == 1
    assert [(f["path"], f["code"]) for f in data["findings"]] == [("gone.py", "BL000"), ("good.py", "BL001")]
    assert data["findings"][0]["message"].startswith("cannot read file: ")


def test_a_file_above_the_size_limit_is_bl000(tmp_path, monkeypatch):
    path = tmp_path / "big.py"
    path.write_text(CALL)
    monkeypatch.setattr(intake, "MAX_FILE_BYTES", 10)
    result = lint_file(str(path), "big.py", JOB)
    assert [f.code for f in result.findings] == ["BL000"]
    assert "too large" in result.findings[0].message


@pytest.mark.parametrize(
    "source, expected",
    [
        (b"# budgetlint: ignore-file -- generated\n" + CALL.encode(), []),
        (b"# budgetlint: ignore-file\n" + CALL.encode(), [("BL900", 1)]),
        (b"x = 1\n" * 10, []),  # the prefilter: nothing a rule looks at
        (b"# budgetlint: ignore-file[BL002] -- tagged upstream\n" + CALL.encode(), [("BL000", 1)]),
        (CALL.encode(), [("BL000", 1)]),
    ],
    ids=["ignore-file", "ignore-file-without-reason", "prefilter", "ignore-file-some-codes", "llm-code"],
)
def test_ignore_file_and_the_prefilter_apply_before_the_size_limit(tmp_path, monkeypatch, source, expected):
    """Found by adversarial testing: a file over the limit was a blocking BL000 even when it was
    ignored whole or held nothing a rule looks at."""
    path = tmp_path / "big.py"
    path.write_bytes(source)
    monkeypatch.setattr(intake, "MAX_FILE_BYTES", 10)
    result = lint_file(str(path), "big.py", JOB)
    assert [(f.code, f.line) for f in result.findings] == expected
    assert result.signature is None  # not cached: the cache would hash the whole file


def test_a_file_over_the_scan_bound_is_bl000_unless_ignored_whole(tmp_path, monkeypatch):
    """Past ``SCAN_MAX_BYTES`` the prefilter cannot see the whole file: LLM code may be at its end."""
    path = tmp_path / "big.py"
    path.write_bytes(b"x = 1\n" * 10 + CALL.encode())
    monkeypatch.setattr(intake, "MAX_FILE_BYTES", 45)  # over the scan bound, only this much is read
    monkeypatch.setattr(intake, "SCAN_MAX_BYTES", 100)
    assert [f.code for f in lint_file(str(path), "big.py", JOB).findings] == ["BL000"]
    path.write_bytes(b"# budgetlint: ignore-file -- generated\n" + b"x = 1\n" * 10 + CALL.encode())
    assert lint_file(str(path), "big.py", JOB).findings == ()


def _read_sizes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The sizes ``intake.read`` asks its reads for."""
    asked: list[int] = []
    real = open

    def opened(*args, **kwargs):
        handle = real(*args, **kwargs)
        read = handle.read

        class Counted:
            def __enter__(self):
                return self

            def __exit__(self, *exc):
                handle.close()

            def read(self, size=-1):
                asked.append(size)
                return read(size)

        return Counted()

    monkeypatch.setattr(intake, "open", opened, raising=False)
    return asked


def test_a_file_is_read_in_reads_of_about_its_size(tmp_path, monkeypatch):
    """Asking for the scan bound (64 MiB) in one read made each file's read allocate that much:
    reading 2,000 small files took three times as long."""
    path = tmp_path / "m.py"
    path.write_text(CALL)
    asked = _read_sizes(monkeypatch)
    source, _ = intake.read(str(path), "m.py")
    assert source == CALL.encode()
    assert asked and max(asked) <= len(CALL) + 64 * 1024


def test_a_file_that_grew_after_its_stat_is_read_whole(tmp_path, monkeypatch):
    path = tmp_path / "m.py"
    path.write_bytes(b"x = 1\n" * 30_000 + CALL.encode())
    real = os.stat
    monkeypatch.setattr(os, "stat", lambda name, *args, **kwargs: os.stat_result((*real(name)[:6], 10, *real(name)[7:])))
    source, info = intake.read(str(path), "m.py")
    assert info.st_size == 10 and source == path.read_bytes()
    monkeypatch.setattr(intake, "MAX_FILE_BYTES", 45)
    monkeypatch.setattr(intake, "SCAN_MAX_BYTES", 100)
    assert isinstance(intake.read(str(path), "m.py"), engine.Finding)  # still bounded


# deep nesting and internal errors


def test_a_recursion_error_while_analysing_is_bl000_not_a_crash(tmp_path, monkeypatch):
    path = tmp_path / "deep.py"
    path.write_text(CALL)

    def too_deep(*args, **kwargs):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(engine, "analyse", too_deep)
    limit = sys.getrecursionlimit()
    result = lint_file(str(path), "deep.py", JOB)
    assert [(f.code, f.message) for f in result.findings] == [("BL000", "cannot analyse file: nesting too deep")]
    assert sys.getrecursionlimit() == limit


def test_an_internal_error_is_bl000_naming_it(tmp_path, monkeypatch):
    path = tmp_path / "odd.py"
    path.write_text(CALL)

    def broken(*args, **kwargs):
        raise KeyError("surprise")

    monkeypatch.setattr(engine, "analyse", broken)
    [finding] = lint_file(str(path), "odd.py", JOB).findings
    assert finding.code == "BL000"
    assert "KeyError" in finding.message and "surprise" in finding.message


@pytest.mark.parametrize(
    "expression",
    [
        "(" * 250 + "1" + ")" * 250,
        "not " * 3500 + "x",
        "a" + ".b" * 4000,
        "1" + " and 1" * 1500,
    ],
    ids=["parentheses", "unary", "attributes", "boolean-chain"],
)
def test_nesting_too_deep_for_python_is_bl000(expression):
    result = lint_source(f"import openai\nx = {expression}\n".encode(), "deep.py", JOB)
    assert [f.code for f in result.findings] == ["BL000"]
    assert result.findings[0].message.startswith("cannot analyse file: ")


def test_nesting_deep_enough_to_overflow_the_parser_is_bl000_not_a_crash(tmp_path):
    """libcst's native parser overflows the C stack on these (a segfault): run them in a child."""
    expressions = {
        "parens.py": "(" * 5000 + "1" + ")" * 5000,
        "unary.py": "not " * 50000 + "x",
        "lambdas.py": "lambda: " * 5000 + "1",
        "boolean.py": "1" + " and 1" * 50000,
        "subscripts.py": "a" + "[0]" * 50000,
    }
    for name, expression in expressions.items():
        (tmp_path / name).write_text(f"import openai\nx = {expression}\n")
    (tmp_path / "good.py").write_text(CALL)
    completed = subprocess.run(
        [sys.executable, "-m", "budgetlint", "check", "--format", "json", "--jobs", "1", "."],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )
    assert completed.returncode == 1, completed.stderr
    findings = json.loads(completed.stdout)["findings"]
    expected = sorted([*((name, "BL000") for name in expressions), ("good.py", "BL001")])
    assert [(f["path"], f["code"]) for f in findings] == expected


# BL000 and the tier policy


def test_bl000_blocks_at_every_tier(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "broken.py").write_text("import openai\nx = (\n")
    for tier in ("soft", "medium", "hard"):
        exit_code, data = check_json("--tier", tier, ".")
        assert exit_code == 1
        [finding] = data["findings"]
        assert (finding["code"], finding["tier"], finding["blocking"]) == ("BL000", "always", True)
    result = CliRunner().invoke(main, ["check", "--tier", "soft", "--exit-zero", "."])
    assert result.exit_code == 0


# the prefilter


def test_a_file_without_trigger_words_is_not_parsed():
    source = b"def create(x):\n    return x.create(model='m')\n\nitems = {'messages': []}\n"
    assert not might_matter(source)
    result = lint_source(source, "plain.py", JOB)
    assert (result.parsed, result.findings) == (False, ())


def test_a_file_without_trigger_words_is_never_parsed_even_if_broken():
    result = lint_source(b"def broken(:\n", "plain.py", JOB)
    assert (result.parsed, result.findings) == (False, ())


@pytest.mark.parametrize(
    "source",
    [
        CALL,
        "from anthropic import Anthropic\n\nclient = Anthropic()\n",  # a client other modules may import
        "def ask(client):\n    return client.chat.completions.create(model='m', messages=[])\n",
        "import os\nos.environ['OPENAI_BASE_URL'] = 'http://localhost:8000'\n",
    ],
    ids=["import", "from-import", "distinctive-method", "environ"],
)
def test_a_file_with_trigger_words_is_parsed(source):
    assert might_matter(source.encode())
    result = lint_source(source.encode(), "llm.py", JOB)
    assert result.parsed is True


# locations


def test_source_lines_are_numbered_as_python_numbers_them():
    """Form feeds and U+2028 do not end a line for Python; the caret must show the flagged line."""
    source = 'import openai\n# section\x0c\nNOTE = "a\u2028b"\r\n' + CALL.split("\n", 1)[1]
    [finding] = lint_source(source.encode(), "ff.py", JOB).findings
    assert (finding.line, finding.column) == (4, 1)
    assert finding.source_line.startswith("openai.chat.completions.create(")


def test_lint_paths_keeps_input_order_and_names_files_relative_to_cwd(tmp_path):
    (tmp_path / "pkg").mkdir()
    files = []
    for name in ("pkg/b.py", "a.py", "pkg/a.py"):
        (tmp_path / name).write_text(CALL)
        files.append(tmp_path / name)
    results = lint_paths(files, JOB, 1, tmp_path)
    assert [r.path for r in results] == ["pkg/b.py", "a.py", "pkg/a.py"]
    assert all(r.findings[0].path == r.path for r in results)


def test_fingerprints_survive_moved_lines_and_differ_between_findings():
    before = lint_source(CALL.encode(), "app.py", JOB).findings
    after = lint_source(("\n\n# moved\n" + CALL).encode(), "app.py", JOB).findings
    assert before[0].line != after[0].line
    assert before[0].fingerprint == after[0].fingerprint
    twice = CALL + CALL.split("\n", 1)[1]
    first, second = lint_source(twice.encode(), "app.py", JOB).findings
    assert first.fingerprint != second.fingerprint


def test_every_fingerprint_hashes_the_root_relative_path_wherever_budgetlint_runs(tmp_path, monkeypatch):
    """Rule findings and BL000s alike: a baseline written at the root matches from a subdirectory."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "calls.py").write_text(CALL.replace(', metadata={"feature": "x"}', ""))
    (tmp_path / "app" / "broken.py").write_text("import openai\ndef ask(:\n")
    (tmp_path / "app" / "blob.py").write_bytes(b"import openai\n\0")

    def fingerprints(where) -> list[tuple[str, str]]:
        monkeypatch.chdir(where)
        _, data = check_json("--no-cache", ".")
        return sorted((finding["code"], finding["fingerprint"]) for finding in data["findings"])

    at_root = fingerprints(tmp_path)
    assert [code for code, _ in at_root].count("BL000") == 2 and len(at_root) == 4
    assert fingerprints(tmp_path / "app") == at_root


def test_job_is_sent_to_worker_processes():
    """``--jobs`` pickles the job: a policy that does not pickle would only fail in parallel runs."""
    job = Job(policy=Policy(tier=Tier.SOFT, strict=True), rules=ALL_RULES, report_suppressions=False)
    assert pickle.loads(pickle.dumps(job)) == job


# speed shortcuts that must not change libcst's behaviour


def test_nodes_built_outside_parsing_are_still_validated():
    import libcst as cst

    lint_source(CALL.encode(), "app.py", JOB)
    lint_source(b"import openai\ndef f(:\n", "broken.py", JOB)  # a parse that raises restores it too
    with pytest.raises(cst.CSTValidationError):
        cst.Name("not an identifier")


def test_positions_are_libcsts():
    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider

    module = cst.parse_module(CALL)
    assert dict(engine.positions(module)) == dict(MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider))
