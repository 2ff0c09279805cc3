"""Hostile files and configs (SPEC §7, issue 8): whatever a repository holds, a run ends, reports
what it could not check as BL000/BL100, and goes on. Every case is bounded in time.

Cases already covered elsewhere are not repeated here: non-UTF-8 bytes without a cookie, a
latin-1 file with its cookie, NUL bytes and a directory named ``*.py`` given to ``lint_file``
(tests/test_engine.py), the size limit (monkeypatched, tests/test_engine.py), nesting that
overflows the parser (tests/test_engine.py), directory symlink loops in discovery
(tests/test_discovery.py), YAML bombs, huge and deeply nested YAML, wrong types in configs
(tests/test_config.py), an invalid ``pyproject.toml`` (tests/test_discovery.py).
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from budgetlint import intake
from budgetlint.cli import main
from budgetlint.engine import Job, lint_source
from budgetlint.intake import source_lines
from budgetlint.policy import Policy
from budgetlint.rules import ALL_RULES

from .test_sarif import validator  # noqa: F401  (the official SARIF schema, as a fixture)

JOB = Job(policy=Policy(), rules=ALL_RULES, report_suppressions=True)
CALL = 'openai.chat.completions.create(model="m", messages=[])'
"""A BL001 and a BL002 where it starts."""
SOURCE = f"import openai\n{CALL}\n"


def bounded(seconds: float):
    """Fail (rather than block CI) when the test body runs longer than ``seconds``."""

    def decorate(test):
        @functools.wraps(test)
        def run(*args, **kwargs):
            outcome: list = []

            def body() -> None:
                try:
                    test(*args, **kwargs)
                    outcome.append(None)
                except BaseException as error:  # re-raised in the test's thread
                    outcome.append(error)

            worker = threading.Thread(target=body, daemon=True)
            worker.start()
            worker.join(seconds)
            if worker.is_alive():
                pytest.fail(f"still running after {seconds} s: a hang")
            if outcome[0] is not None:
                raise outcome[0]

        return run

    return decorate


def budgetlint(*args: str, cwd: Path, timeout: float = 30, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """``python -m budgetlint ARGS`` in a child process: a hang or a crash of the interpreter fails only it."""
    try:
        return subprocess.run(
            [*prefix, sys.executable, "-m", "budgetlint", *args],
            cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"`budgetlint {' '.join(args)}` still running after {timeout} s: a hang")


def check_json(*args: str) -> tuple[int, dict]:
    result = CliRunner().invoke(main, ["check", "--format", "json", "--jobs", "1", *args], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def found(data: dict) -> dict[str, list[tuple]]:
    """Findings by path: (code, line, column, message)."""
    out: dict[str, list[tuple]] = {}
    for finding in data["findings"]:
        out.setdefault(finding["path"], []).append((finding["code"], finding["line"], finding["column"], finding["message"]))
    return out


def located(items: list[tuple]) -> list[tuple]:
    return [item[:3] for item in items]


# --- one hostile tree, linted once ----------------------------------------------------------------

HOSTILE_FILES: dict[str, bytes] = {
    "tabs_then_spaces.py": f"import openai\nif True:\n\t{CALL}\nif True:\n    {CALL}\n".encode(),
    "tabs_inconsistent.py": f"import openai\nif True:\n\tx = 1\n        {CALL}\n".encode(),
    "crlf.py": f"import openai\r\nx = 1\r\n{CALL}\r\n".encode(),
    "cr_only.py": f"import openai\rx = 1\r{CALL}\r".encode(),
    "mixed_endings.py": f"import openai\r\nx = 1\ry = 2\n{CALL}\r\n".encode(),
    "my file é ü.py": SOURCE.encode(),
    "bom.py": b"\xef\xbb\xbf" + f'import openai\n{CALL[:-1]}, user="é")\n'.encode(),
    "bom_and_utf8_cookie.py": b"\xef\xbb\xbf# -*- coding: utf-8 -*-\n" + SOURCE.encode(),
    "bom_and_latin1_cookie.py": b"\xef\xbb\xbf# -*- coding: latin-1 -*-\n" + SOURCE.encode(),
    "latin1_without_cookie.py": b"import openai\nx = '\xe9'\n" + CALL.encode() + b"\n",
    "latin1_with_cookie.py": b"# coding: latin-1\nimport openai\nx = '\xe9'\n" + CALL.encode() + b"\n",
    "lying_utf8_cookie.py": b"# coding: utf-8\nimport openai\nx = '\xe9'\n" + CALL.encode() + b"\n",
    "unknown_cookie.py": b"# coding: klingon\n" + SOURCE.encode(),
    "utf16_cookie.py": b"# coding: utf-16\n" + SOURCE.encode(),
    "nul_bytes.py": SOURCE.encode() + b"\x00\x00\x01",
    "form_feed.py": f"import openai\n\x0c{CALL}\n".encode(),
    "dir.py/inner.py": SOURCE.encode(),
    "long_line.py": ('import openai\nx = "' + "a" * 1_000_000 + f'"; {CALL}\n').encode(),
    "if_99_deep.py": ("import openai\n" + "".join(" " * i + "if x:\n" for i in range(99)) + " " * 99 + CALL + "\n").encode(),
    "if_200_deep.py": ("import openai\n" + "".join(" " * i + "if x:\n" for i in range(200)) + " " * 200 + CALL + "\n").encode(),
    "def_90_deep.py": ("import openai\n" + "".join(" " * i + f"def f{i}():\n" for i in range(90)) + " " * 90 + CALL + "\n").encode(),
    "nested_arguments.py": (
        "import openai\nopenai.chat.completions.create(model='m', messages=" + "[" * 150 + "]" * 150 + ", **"
        + "{'a': " * 100 + "1" + "}" * 100 + ")\n"
    ).encode(),
}
CLEAN = (("BL001", 2), ("BL002", 2))


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory) -> dict[str, list[tuple]]:
    root = tmp_path_factory.mktemp("hostile")
    (root / ".git").mkdir()
    for name, data in HOSTILE_FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    outside = tmp_path_factory.mktemp("outside")
    (outside / "pkg").mkdir()
    (outside / "pkg" / "far.py").write_text(SOURCE)
    (root / "linked_outside").symlink_to(outside / "pkg", target_is_directory=True)
    (root / "loop_a.py").symlink_to("loop_b.py")
    (root / "loop_b.py").symlink_to("loop_a.py")
    (root / "self").symlink_to(".", target_is_directory=True)
    (root / "good.py").write_text(SOURCE)
    previous = os.getcwd()
    os.chdir(root)
    try:
        outcome: list = []
        worker = threading.Thread(target=lambda: outcome.append(check_json(".")), daemon=True)
        worker.start()
        worker.join(60)
        assert not worker.is_alive(), "`budgetlint check` on the hostile tree hangs"
    finally:
        os.chdir(previous)
    exit_code, data = outcome[0]
    assert exit_code == 1
    return found(data)


def test_every_hostile_file_is_reported_and_the_run_goes_on(hostile_run):
    assert located(hostile_run["good.py"]) == [("BL001", 2, 1), ("BL002", 2, 1)]
    expected = {name for name in HOSTILE_FILES} | {"loop_a.py", "loop_b.py", "good.py"}
    assert set(hostile_run) == expected


def test_tabs_and_spaces_in_separate_blocks_are_fine_and_columns_count_characters(hostile_run):
    assert located(hostile_run["tabs_then_spaces.py"]) == [("BL001", 3, 2), ("BL002", 3, 2), ("BL001", 5, 5), ("BL002", 5, 5)]


def test_inconsistent_tabs_and_spaces_are_bl000_at_the_line(hostile_run):
    [(code, line, _, message)] = hostile_run["tabs_inconsistent.py"]
    assert (code, line) == ("BL000", 4)
    assert "inconsistent use of tabs and spaces" in message


@pytest.mark.parametrize("name", ["crlf.py", "cr_only.py", "mixed_endings.py"])
def test_windows_and_old_mac_line_endings_are_located_as_python_numbers_lines(hostile_run, name):
    lines = 4 if name == "mixed_endings.py" else 3
    assert located(hostile_run[name]) == [("BL001", lines, 1), ("BL002", lines, 1)]


def test_a_file_name_with_spaces_and_non_ascii_is_reported_under_its_name(hostile_run):
    assert located(hostile_run["my file é ü.py"]) == [("BL001", 2, 1), ("BL002", 2, 1)]


def test_a_bom_is_not_a_column_and_a_bom_with_a_utf8_cookie_is_fine(hostile_run):
    assert located(hostile_run["bom.py"]) == [("BL001", 2, 1), ("BL002", 2, 1)]
    assert located(hostile_run["bom_and_utf8_cookie.py"]) == [("BL001", 3, 1), ("BL002", 3, 1)]


@pytest.mark.parametrize(
    "name, message",
    [
        ("bom_and_latin1_cookie.py", "cannot decode file: encoding problem: utf-8"),
        ("latin1_without_cookie.py", "cannot decode file: 'utf-8' codec can't decode byte 0xe9"),
        ("lying_utf8_cookie.py", "cannot decode file: 'utf-8' codec can't decode byte 0xe9"),
        ("unknown_cookie.py", "cannot decode file: unknown encoding: klingon"),
        ("utf16_cookie.py", ""),  # ASCII bytes read as UTF-16: not Python
        ("nul_bytes.py", "cannot parse file: binary content (NUL bytes)"),
    ],
)
def test_undecodable_and_binary_files_are_one_bl000(hostile_run, name, message):
    [(code, _, _, text)] = hostile_run[name]
    assert code == "BL000"
    assert text.startswith(message)


def test_a_latin1_file_with_its_cookie_and_a_form_feed_are_linted(hostile_run):
    assert located(hostile_run["latin1_with_cookie.py"]) == [("BL001", 4, 1), ("BL002", 4, 1)]
    assert located(hostile_run["form_feed.py"]) == [("BL001", 2, 1), ("BL002", 2, 1)]  # libcst: the form feed is indentation


def test_a_directory_named_like_a_python_file_is_walked_not_opened(hostile_run):
    assert located(hostile_run["dir.py/inner.py"]) == [("BL001", 2, 1), ("BL002", 2, 1)]
    assert "dir.py" not in hostile_run


def test_a_directory_symlink_pointing_outside_the_project_is_not_followed(hostile_run):
    assert not [path for path in hostile_run if "linked_outside" in path or "far.py" in path]


def test_a_file_symlink_loop_is_bl000_and_a_directory_loop_is_not_walked(hostile_run):
    for name in ("loop_a.py", "loop_b.py"):
        [(code, _, _, message)] = hostile_run[name]
        assert code == "BL000" and message.startswith("cannot read file: ")
    assert not [path for path in hostile_run if path.startswith("self/")]


def test_a_very_long_line_is_located_at_its_column(hostile_run):
    assert located(hostile_run["long_line.py"]) == [("BL001", 2, 1_000_009), ("BL002", 2, 1_000_009)]


def test_deep_but_legal_nesting_is_linted_and_too_deep_is_bl000(hostile_run):
    assert located(hostile_run["if_99_deep.py"]) == [("BL001", 101, 100), ("BL002", 101, 100)]
    assert located(hostile_run["def_90_deep.py"]) == [("BL001", 92, 91), ("BL002", 92, 91)]
    assert located(hostile_run["nested_arguments.py"]) == [("BL001", 2, 1), ("BL002", 2, 1)]
    [(code, line, _, message)] = hostile_run["if_200_deep.py"]
    assert (code, line, message) == ("BL000", 102, "cannot analyse file: too many levels of indentation")


# --- long and deep expressions: in a child, where a C stack overflow would fail only it ------------

DEEP_EXPRESSIONS = {
    "binary_chain.py": "x = " + " + ".join(["1"] * 20000),
    "comparison_chain.py": "x = 1" + " < 1" * 5000,
    "ternary_chain.py": "x = " + "1 if x else " * 3000 + "1",
    "method_chain.py": "x = a" + ".b()" * 3000,
    "subscript_chain.py": "x = a" + "[0]" * 3000,
    "nested_calls.py": "x = " + "f(" * 190 + "1" + ")" * 190,
    "nested_lambdas.py": "x = " + "lambda: " * 150 + "1",
    "many_elifs.py": "if x:\n    pass\n" + "elif x:\n    pass\n" * 5000 + "y = 1",
    "tuple_targets.py": "(" * 150 + "a" + ",)" * 150 + " = 1",
    "fstring_fields.py": "x = f'" + "{x}" * 5000 + "'",
}


@bounded(90)
def test_long_and_deep_expressions_are_linted_or_bl000_never_a_crash(tmp_path):
    for name, statement in DEEP_EXPRESSIONS.items():
        (tmp_path / name).write_text(f"import openai\n{statement}\n{CALL}\n")
    completed = budgetlint("check", "--format", "json", "--jobs", "1", ".", cwd=tmp_path, timeout=80)
    assert completed.returncode == 1, completed.stderr
    assert "Traceback" not in completed.stderr
    by_path = found(json.loads(completed.stdout))
    assert set(by_path) == set(DEEP_EXPRESSIONS)
    for name, findings in by_path.items():
        codes = [finding[0] for finding in findings]
        text = (tmp_path / name).read_text()
        if codes == ["BL000"]:
            assert findings[0][3].startswith("cannot analyse file: "), (name, findings)
        else:
            assert codes == ["BL001", "BL002"], (name, findings)
            assert findings[0][1] == len(source_lines(text)) - 1, (name, findings)


def test_valid_code_libcst_cannot_parse_is_bl000_located_inside_the_file():
    source = "import openai\nx = (" + " ".join(['"a"'] * 5000) + f")\n{CALL}\n"
    [finding] = lint_source(source.encode(), "concat.py", JOB).findings
    lines = source_lines(source)
    assert finding.code == "BL000"
    assert 1 <= finding.line <= len(lines) and 1 <= finding.column <= len(lines[finding.line - 1]) + 1, finding
    assert finding.message.startswith("cannot analyse file: valid Python that libcst's parser cannot read"), finding.message


@pytest.mark.parametrize(
    "source",
    [b"# coding: utf-16\n# budgetlint: ignore-file\n", b"# coding: utf-16\r\n# budgetlint: ignore-file\nimport openai\n"],
)
def test_an_ignore_file_comment_under_a_cookie_that_cannot_decode_the_file_is_bl000(source):
    """Found by tests/test_fuzz.py: reading the ignore-file comment raised UnicodeDecodeError."""
    [finding] = lint_source(source, "utf16.py", JOB).findings
    assert finding.code == "BL000" and finding.message.startswith(("cannot decode file: ", "syntax error: "))


def test_a_line_continuation_before_a_final_crlf_is_one_bl000_inside_the_file():
    """Found by tests/test_fuzz.py: CPython accepts a last line of ``\\`` + CRLF, libcst's tokenizer
    does not. Nothing can be analysed, and the BL000 says so at a position of the file."""
    source = f"import openai\r\n{CALL}\r\n\\\r\n"
    [finding] = lint_source(source.encode(), "continued.py", JOB).findings
    assert (finding.code, finding.line, finding.column) == ("BL000", 1, 1)


# --- the size limit at its real value -----------------------------------------------------------

@bounded(30)
def test_a_file_above_the_real_size_limit_is_skipped_without_reading_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with open(tmp_path / "huge.py", "wb") as handle:
        handle.write(SOURCE.encode())
        handle.truncate(intake.MAX_FILE_BYTES + 1)  # sparse: cheap to make, NUL bytes if read
    (tmp_path / "good.py").write_text(SOURCE)
    _, data = check_json(".")
    by_path = found(data)
    [(code, line, column, message)] = by_path["huge.py"]
    assert (code, line, column) == ("BL000", 1, 1)
    assert message == f"skipped: file too large ({intake.MAX_FILE_BYTES + 1} bytes, limit {intake.MAX_FILE_BYTES})"
    assert located(by_path["good.py"]) == [("BL001", 2, 1), ("BL002", 2, 1)]


# --- FIFOs: never opened in a way that blocks ---------------------------------------------------

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")


@needs_fifo
def test_a_fifo_named_like_a_python_file_in_a_linted_directory_does_not_block(tmp_path):
    os.mkfifo(tmp_path / "x.py")
    (tmp_path / "good.py").write_text(SOURCE)
    completed = budgetlint("check", "--format", "json", "--jobs", "1", ".", cwd=tmp_path, timeout=4)
    by_path = found(json.loads(completed.stdout))
    assert located(by_path["good.py"]) == [("BL001", 2, 1), ("BL002", 2, 1)]
    assert "x.py" not in by_path or by_path["x.py"][0][0] == "BL000"


@needs_fifo
def test_a_fifo_named_on_the_command_line_does_not_block(tmp_path):
    os.mkfifo(tmp_path / "x.py")
    completed = budgetlint("check", "--format", "json", "--jobs", "1", "x.py", cwd=tmp_path, timeout=4)
    [(code, *_)] = found(json.loads(completed.stdout))["x.py"]
    assert code == "BL000"


@needs_fifo
@bounded(20)
def test_a_fifo_as_a_config_file_is_never_opened(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    os.mkfifo(tmp_path / "guardrails.yaml")
    (tmp_path / "good.py").write_text(SOURCE)
    exit_code, data = check_json(".")  # the default file is not a regular file: there is none
    assert (exit_code, data["tier"]) == (1, "hard")
    result = CliRunner().invoke(main, ["validate", "guardrails.yaml"])
    assert result.exit_code == 2 and "no such file" in result.stderr


# --- unreadable files and directories (as root: with the capabilities that bypass modes dropped) ---

def _unprivileged() -> tuple[str, ...] | None:
    """A command prefix under which file modes apply, or None when there is none."""
    if not hasattr(os, "geteuid"):
        return None
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    caps = "-dac_override,-dac_read_search"
    prefix = (setpriv, f"--inh-caps={caps}", f"--bounding-set={caps}")
    try:
        probe = subprocess.run([*prefix, "cat", "/proc/self/status"], capture_output=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return prefix if probe.returncode == 0 else None


UNPRIVILEGED = _unprivileged()
needs_modes = pytest.mark.skipif(UNPRIVILEGED is None, reason="file modes cannot be made to apply here (root without setpriv)")


@pytest.fixture
def locked(tmp_path):
    """A project with an unreadable file and an unreadable directory; modes restored afterwards."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "good.py").write_text(SOURCE)
    (tmp_path / "secret.py").write_text(SOURCE)
    (tmp_path / "secret.py").chmod(0)
    (tmp_path / "closed").mkdir()
    (tmp_path / "closed" / "inner.py").write_text(SOURCE)
    yield tmp_path
    (tmp_path / "secret.py").chmod(0o644)
    (tmp_path / "closed").chmod(0o755)


@needs_modes
def test_an_unreadable_file_in_a_linted_directory_is_bl000(locked):
    completed = budgetlint("check", "--format", "json", "--jobs", "1", ".", cwd=locked, prefix=UNPRIVILEGED)
    by_path = found(json.loads(completed.stdout))
    assert by_path["secret.py"] == [("BL000", 1, 1, "cannot read file: Permission denied")]
    assert located(by_path["good.py"]) == [("BL001", 2, 1), ("BL002", 2, 1)]


@needs_modes
def test_an_unreadable_file_named_on_the_command_line_is_a_usage_error(locked):
    completed = budgetlint("check", "secret.py", cwd=locked, prefix=UNPRIVILEGED)
    assert completed.returncode == 2
    assert "is not readable" in completed.stderr and "Traceback" not in completed.stderr


@needs_modes
def test_an_unreadable_directory_in_a_linted_directory_does_not_crash_the_run(locked):
    (locked / "closed").chmod(0)
    completed = budgetlint("check", "--format", "json", "--jobs", "1", ".", cwd=locked, prefix=UNPRIVILEGED)
    assert "Traceback" not in completed.stderr, completed.stderr[-2000:]
    by_path = found(json.loads(completed.stdout))
    assert located(by_path["good.py"]) == [("BL001", 2, 1), ("BL002", 2, 1)]


# --- file symlinks pointing outside the project --------------------------------------------------

def project_linking_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    """A project (the working directory) whose ``app.py`` is a symlink to a file outside it."""
    project, outside = tmp_path / "project", tmp_path / "outside"
    (project / ".git").mkdir(parents=True)
    outside.mkdir()
    (outside / "elsewhere.py").write_text(text)
    (project / "app.py").symlink_to(outside / "elsewhere.py")
    monkeypatch.chdir(project)


@bounded(20)
def test_a_file_symlink_pointing_outside_the_project_is_not_followed_when_walking(tmp_path, monkeypatch):
    project_linking_out(tmp_path, monkeypatch, "import openai\nTOKEN = 'hunter2' +\n")
    _, data = check_json(".")
    assert "hunter2" not in json.dumps(data)
    assert data["summary"]["files"] == 0


@bounded(20)
def test_a_file_symlink_inside_the_project_is_linted_under_its_own_name(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "impl.py").write_text(SOURCE)
    (tmp_path / "alias.py").symlink_to(tmp_path / "real" / "impl.py")
    monkeypatch.chdir(tmp_path)
    _, data = check_json(".")
    by_path = found(data)
    assert located(by_path["alias.py"]) == located(by_path["real/impl.py"]) == [("BL001", 2, 1), ("BL002", 2, 1)]


@bounded(20)
def test_a_file_symlink_pointing_outside_named_on_the_command_line_is_linted(tmp_path, monkeypatch):
    project_linking_out(tmp_path, monkeypatch, SOURCE)
    _, data = check_json("app.py")  # named explicitly: the user asked for it
    assert located(found(data)["app.py"]) == [("BL001", 2, 1), ("BL002", 2, 1)]


# --- hostile project settings ----------------------------------------------------------------------

@pytest.mark.parametrize(
    "table, message",
    [
        ("select = 3", "select must be a list of strings"),
        ('ignore = "BL001"', "ignore must be a list of strings"),
        ("extend-exclude = [1, 2]", "extend-exclude must be a list of strings"),
        ("guardrails = 1", "guardrails must be a string path"),
        ("stack = []", "stack must be a string path"),
        ("guardrails = { path = 'x' }", "guardrails must be a string path"),
        ('guardrails = "config"', "does not exist"),  # a directory
    ],
)
@bounded(20)
def test_wrong_types_in_pyproject_exit_2_with_a_clear_message(tmp_path, monkeypatch, table, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config").mkdir()
    (tmp_path / "pyproject.toml").write_text(f"[tool.budgetlint]\n{table}\n")
    (tmp_path / "app.py").write_text(SOURCE)
    result = CliRunner().invoke(main, ["check", "."])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("budgetlint: error: ") and message in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    "data",
    [
        b"[tool.budgetlint]\nexclude = ['\xff']\n", b"\x00\x01\x02", b"\xef\xbb\xbf[tool.budgetlint]\nexclude = [\n" + b"'x', " * 50000,
        b'tool = "x"\n', b"tool = [1, 2]\n",
    ],
    ids=["not-utf8", "binary", "unterminated-huge", "tool-a-string", "tool-a-list"],
)
@bounded(20)
def test_an_unreadable_pyproject_exits_2(tmp_path, monkeypatch, data):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_bytes(data)
    (tmp_path / "app.py").write_text(SOURCE)
    result = CliRunner().invoke(main, ["check", "."])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("budgetlint: error: ") and "pyproject.toml" in result.stderr


@pytest.mark.parametrize(
    "text, message",
    [
        ("apiVersion: budgetlint/v1\nkind: Guardrails\ntier: soft\n<<: {tier: hard}\n", "unsupported YAML tag"),
        ("? [a, b]\n: 1\n", "mapping keys must be plain scalars"),
        ("apiVersion: budgetlint/v1\nkind: Guardrails\ntier: soft\n1: 2\nnull: 3\n", "unknown key"),
        ("apiVersion: budgetlint/v1\nkind: !!binary aGVsbG8=\n", "unsupported YAML tag"),
        ("kind: Guardrails\n" + "x: &a [1]\n" + "y: [*a, *a]\n" * 1 + "z: " + "[" * 60 + "]" * 60 + "\n", ""),
        ("\t- tab indented\n", "YAML syntax error"),
        ("kind: Guardrails\ntier: hard\n" + "".join(f"k{i}: {i}\n" for i in range(5000)), ""),
    ],
    ids=["merge-key", "complex-key", "non-string-keys", "binary-tag", "aliases-and-nesting", "tab-indent", "many-keys"],
)
@bounded(30)
def test_hostile_config_documents_are_bl100_not_a_crash(tmp_path, monkeypatch, text, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "guardrails.yaml").write_text(text)
    result = CliRunner().invoke(main, ["validate", "--format", "json", "guardrails.yaml"], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    findings = json.loads(result.stdout)["findings"]
    assert findings and all(finding["code"] == "BL100" for finding in findings)
    assert any(message in finding["message"] for finding in findings), findings


# --- file names: bytes that are not UTF-8, control characters ------------------------------------


@pytest.fixture
def non_utf8_project(tmp_path) -> Path:
    """A project with ``caf\\xe9.py`` (latin-1 bytes, as Linux allows) and a normal file."""
    try:
        (tmp_path / os.fsdecode(b"caf\xe9.py")).write_text(SOURCE)
    except (OSError, UnicodeError):
        pytest.skip("this file system refuses file names that are not UTF-8")
    (tmp_path / "good.py").write_text(SOURCE)
    (tmp_path / "pyproject.toml").write_text("[tool.budgetlint]\n")
    return tmp_path


def test_a_file_name_that_is_not_utf8_is_escaped_in_text_json_and_github(non_utf8_project):
    shown = "caf\\xe9.py"
    text = budgetlint("check", "--no-cache", ".", cwd=non_utf8_project)
    assert text.returncode == 1, text.stderr
    assert f"{shown}:2:1: BL001 [*] [blocks]" in text.stdout and "good.py:2:1: BL001 [*] [blocks]" in text.stdout
    data = budgetlint("check", "--no-cache", "--format", "json", ".", cwd=non_utf8_project)
    assert data.returncode == 1, data.stderr
    findings = json.loads(data.stdout)["findings"]
    assert [(f["path"], f["code"]) for f in findings] == [(shown, "BL001"), (shown, "BL002"), ("good.py", "BL001"), ("good.py", "BL002")]
    fingerprints = {f["fingerprint"] for f in findings}
    assert len(fingerprints) == 4 and all(len(value) == 20 for value in fingerprints)
    github = budgetlint("check", "--no-cache", "--format", "github", ".", cwd=non_utf8_project)
    assert github.returncode == 1, github.stderr
    assert github.stdout.startswith(f"::error file={shown},line=2,col=1,"), github.stdout


def test_a_file_name_that_is_not_utf8_gets_a_percent_encoded_sarif_uri_that_validates(non_utf8_project, validator):
    completed = budgetlint("check", "--no-cache", "--format", "sarif", ".", cwd=non_utf8_project)
    assert completed.returncode == 1, completed.stderr
    document = json.loads(completed.stdout)
    uris = [result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for result in document["runs"][0]["results"]]
    assert uris == ["caf%E9.py", "caf%E9.py", "good.py", "good.py"]  # the file's own bytes
    assert list(validator.iter_errors(document)) == []


def test_a_baseline_of_a_file_name_that_is_not_utf8_hides_its_findings(non_utf8_project):
    written = budgetlint("baseline", "--output", "baseline.json", ".", cwd=non_utf8_project)
    assert written.returncode == 0, written.stderr
    entries = json.loads((non_utf8_project / "baseline.json").read_text(encoding="utf-8"))["findings"]
    assert {entry["path"] for entry in entries} == {"caf\\xe9.py", "good.py"}
    checked = budgetlint("check", "--baseline", "baseline.json", ".", cwd=non_utf8_project)  # from the cache
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "4 known findings hidden by the baseline" in checked.stdout
    assert "no longer found" not in checked.stdout


# --- a cache entry and where the report goes -----------------------------------------------------


def test_a_cache_index_nested_too_deeply_is_a_miss(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    (tmp_path / "app.py").write_text(SOURCE)
    first = CliRunner().invoke(main, ["check", "--format", "json", "app.py"])
    indexes = list((tmp_path / ".budgetlint_cache").glob("*.json"))
    assert first.exit_code == 1 and indexes
    for index in indexes:
        index.write_text('{"budgetlint_cache": 1, "entries": ' + "[" * 100_000 + "]" * 100_000 + "}")
    again = CliRunner().invoke(main, ["check", "--format", "json", "app.py"])
    assert again.exit_code == 1, again.output
    assert again.stdout == first.stdout


CLOSED_STDOUT = ("sh", "-c", 'exec "$@" >&-', "sh")
FULL_STDOUT = ("sh", "-c", 'exec "$@" >/dev/full', "sh")


@pytest.mark.skipif(not Path("/dev/full").exists() or shutil.which("sh") is None, reason="needs sh and /dev/full")
@pytest.mark.parametrize("stdout", [CLOSED_STDOUT, FULL_STDOUT], ids=["closed", "full"])
@pytest.mark.parametrize(
    "args",
    [("check", "app.py"), ("check", "--format", "json", "app.py"), ("check", "--diff", "app.py"), ("rules",), ("schema", "stack")],
    ids=["text", "json", "diff", "rules", "schema"],
)
def test_a_report_that_cannot_reach_stdout_exits_2_with_one_line(tmp_path, stdout, args):
    (tmp_path / ".git").mkdir()
    (tmp_path / "app.py").write_text(SOURCE)
    completed = budgetlint(*args, cwd=tmp_path, prefix=stdout)
    assert completed.returncode == 2, completed.stderr
    assert completed.stderr.startswith("budgetlint: error: cannot write to stdout: ")
    assert completed.stderr.count("\n") == 1, completed.stderr


def test_a_report_to_a_file_needs_no_stdout(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "app.py").write_text(SOURCE)
    completed = budgetlint("check", "--output", "report.txt", "app.py", cwd=tmp_path, prefix=CLOSED_STDOUT)
    assert completed.returncode == 1, completed.stderr
    assert completed.stderr == ""
    assert "app.py:2:1: BL001" in (tmp_path / "report.txt").read_text()
