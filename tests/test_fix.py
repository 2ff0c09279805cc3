"""``check --fix``, ``--diff`` and ``--unsafe-fixes``: what is rewritten, how, and what never is."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import types
from collections.abc import Iterator
from pathlib import Path

import libcst as cst
import pytest
from click.testing import CliRunner

from budgetlint import commands, interrupts
from budgetlint.cli import main
from budgetlint.engine import Job, lint_source
from budgetlint.fix import AddEntry, Fix, FixError, Replace, fix_module, unified_diff, write_atomic
from budgetlint.model import FileModel
from budgetlint.catalog import Location
from budgetlint.policy import Policy, StackEndpoint, Tier
from budgetlint.rule import Report, Rule
from budgetlint.rules import ALL_RULES

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

UNBOUNDED = '''\
from openai import OpenAI

client = OpenAI()


def ask(messages):
    return client.chat.completions.create(model="m", messages=messages)
'''
UNBOUNDED_FIXED = UNBOUNDED.replace("messages=messages)", "messages=messages, max_tokens=1024)")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()  # the project root: nothing above it counts
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str):
    return CliRunner().invoke(main, ["check", "--jobs", "1", *args], catch_exceptions=False)


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``root`` (outside ``.git``): its bytes and modification time."""
    return {
        path.relative_to(root).as_posix(): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(root).parts
    }


def fixed(code: str, *, unsafe: bool = False, **policy: object) -> str | None:
    """What ``--fix`` makes of ``code`` (None: nothing to fix)."""
    job = Job(Policy(**policy), ALL_RULES, report_suppressions=False, fix=True, unsafe_fixes=unsafe)
    result = lint_source(textwrap.dedent(code).encode(), "app.py", job)
    return result.fix.fixed.decode() if result.fix is not None and result.fix.fixed is not None else None


# --- the command ------------------------------------------------------------------------------


def test_fix_rewrites_the_file_and_reports_what_remains(project):
    app = write(project / "app.py", UNBOUNDED)
    result = run("--fix", "app.py")
    assert app.read_text() == UNBOUNDED_FIXED
    assert result.exit_code == 1  # BL002 (no feature tag) still blocks
    assert "BL001" not in result.stdout and "BL002" in result.stdout
    assert "Fixed 1 finding in 1 file, 1 remaining." in result.stdout


def test_fix_exits_0_when_nothing_blocking_remains(project):
    app = write(project / "app.py", UNBOUNDED)
    result = run("--fix", "--select", "BL001", "app.py")
    assert result.exit_code == 0, result.output
    assert app.read_text() == UNBOUNDED_FIXED
    assert "Fixed 1 finding in 1 file, 0 remaining." in result.stdout


def test_show_fixes_lists_what_fix_changed_per_file_and_code(project):
    write(project / "app.py", UNBOUNDED)
    write(project / "net.py", 'import ollama\nclient = ollama.Client("http://gpu:11434")\n')
    result = run("--fix", "--show-fixes", ".")
    assert (
        "Fixed 2 findings:\n- app.py:\n    1 × BL001 (unbounded-max-tokens)\n- net.py:\n    1 × BL004 (hardcoded-base-url)\n"
    ) in result.stdout
    assert "Fixed 2 findings:" not in run("--fix", ".").stdout  # nothing left to fix, and not asked


def test_fix_only_reports_only_what_it_fixed_and_exits_0(project):
    app = write(project / "app.py", UNBOUNDED)
    result = run("--fix-only", "app.py")
    assert result.exit_code == 0, result.output  # BL002 still there, not reported
    assert result.stdout == "Fixed 1 finding in 1 file.\n"
    assert app.read_text() == UNBOUNDED_FIXED
    assert run("--fix-only", "--show-fixes", "app.py").stdout == "Fixed 0 findings in 0 files.\n"
    refused = run("--fix-only", "--format", "json", "app.py")
    assert refused.exit_code == 2 and "--fix-only reports only what it fixed" in refused.stderr


def test_fix_only_exits_1_when_a_fix_cannot_be_written(project):
    app = write(project / "app.py", UNBOUNDED)
    app.chmod(0o444)
    result = run("--fix-only", "app.py")
    assert result.exit_code == 1 and "not fixing app.py: cannot rewrite: read-only" in result.stderr
    assert result.stdout == "Fixed 0 findings in 0 files.\n"


def test_exit_non_zero_on_fix(project):
    app = write(project / "app.py", UNBOUNDED)
    result = run("--fix", "--exit-non-zero-on-fix", "--select", "BL001", "app.py")
    assert app.read_text() == UNBOUNDED_FIXED
    assert result.exit_code == 1 and "Fixed 1 finding in 1 file, 0 remaining." in result.stdout
    assert run("--fix", "--exit-non-zero-on-fix", "--select", "BL001", "app.py").exit_code == 0  # nothing fixed
    write(project / "app.py", UNBOUNDED)
    assert run("--fix-only", "--exit-non-zero-on-fix", "app.py").exit_code == 1


def test_without_fix_the_findings_are_fixable_and_the_file_untouched(project):
    app = write(project / "app.py", UNBOUNDED)
    data = json.loads(run("--format", "json", "app.py").stdout)
    assert {f["code"]: f["fixable"] for f in data["findings"]} == {"BL001": True, "BL002": False}
    assert data["summary"]["fixable"] == 1
    assert app.read_text() == UNBOUNDED


def test_fix_leaves_files_without_fixes_alone_mtime_included(project):
    clean = write(project / "clean.py", UNBOUNDED_FIXED)
    other = write(project / "notes.py", "print('no LLM here')\n")
    os.utime(clean, ns=(1_000_000_000, 1_000_000_000))
    os.utime(other, ns=(1_000_000_000, 1_000_000_000))
    before = snapshot(project)
    result = run("--fix", ".")
    assert snapshot(project) == before
    assert "Fixed 0 findings in 0 files" in result.stdout


def test_fix_keeps_permissions_and_leaves_no_temporary_file(project):
    app = write(project / "app.py", UNBOUNDED)
    app.chmod(0o640)
    inode = app.stat().st_ino
    run("--fix", "app.py")
    assert app.stat().st_mode & 0o7777 == 0o640
    assert app.stat().st_ino != inode  # a new file renamed over the old one, not rewritten in place
    assert sorted(path.name for path in project.iterdir()) == [".git", "app.py"]


def test_fix_rewrites_a_symlinks_target_and_keeps_the_link(project):
    target = write(project / "real" / "app.py", UNBOUNDED)
    link = project / "app.py"
    link.symlink_to(target)
    run("--fix", "app.py")
    assert link.is_symlink()
    assert target.read_text() == UNBOUNDED_FIXED


def test_a_failed_rename_leaves_the_file_whole_and_reports_it(project, monkeypatch):
    app = write(project / "app.py", UNBOUNDED)

    def refuse(source, destination):
        raise OSError(13, "Permission denied")

    monkeypatch.setattr(interrupts.os, "replace", refuse)
    result = run("--fix", "--select", "BL001", "app.py")
    assert app.read_text() == UNBOUNDED
    assert "not fixing app.py: cannot rewrite: Permission denied" in result.stderr
    assert result.exit_code == 1 and "BL001" in result.stdout  # the finding is still there
    assert sorted(path.name for path in project.iterdir()) == [".git", "app.py"]


def test_a_read_only_file_is_left_alone_and_reported(project):
    app = write(project / "app.py", UNBOUNDED)
    app.chmod(0o444)
    inode = app.stat().st_ino
    result = run("--fix", "--select", "BL001", "app.py")
    assert app.read_text() == UNBOUNDED
    assert (app.stat().st_ino, app.stat().st_mode & 0o7777) == (inode, 0o444)
    assert "not fixing app.py: cannot rewrite: read-only" in result.stderr
    assert result.exit_code == 1 and "BL001" in result.stdout  # the finding is still there
    assert sorted(path.name for path in project.iterdir()) == [".git", "app.py"]


def test_a_hard_linked_file_is_fixed_in_place_for_every_name(project):
    app = write(project / "app.py", UNBOUNDED)
    other = project / "elsewhere" / "app.txt"
    other.parent.mkdir()
    os.link(app, other)
    inode = app.stat().st_ino
    result = run("--fix", "--select", "BL001", "app.py")
    assert result.exit_code == 0, result.output
    assert other.read_text() == UNBOUNDED_FIXED
    assert (app.stat().st_ino, app.stat().st_nlink) == (inode, 2)
    assert sorted(path.name for path in project.iterdir()) == [".git", "app.py", "elsewhere"]


def test_ctrl_c_during_an_in_place_write_waits_for_the_whole_content(tmp_path, monkeypatch):
    app = write(tmp_path / "app.py", "x = 1\n" * 100)
    os.link(app, tmp_path / "other.py")
    original = os.fsync

    def interrupted(descriptor):
        signal.raise_signal(signal.SIGINT)  # held: delivered once the write is complete
        original(descriptor)

    monkeypatch.setattr(interrupts.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(app, ("x = 1\n" * 100).encode(), b"x = 2\n")
    assert (tmp_path / "other.py").read_bytes() == b"x = 2\n"


def test_write_atomic_leaves_a_file_changed_since_it_was_linted(tmp_path):
    app = write(tmp_path / "app.py", "x = 2\n")
    assert write_atomic(app, b"x = 1\n", b"x = 3\n") == "changed while it was being fixed; left alone"
    assert app.read_bytes() == b"x = 2\n"
    assert write_atomic(app, b"x = 1\n", b"x = 2\n") == ""  # already what the fix would write


def test_notebooks_are_never_rewritten(project):
    cell = {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": UNBOUNDED.splitlines(True)}
    notebook = {"cells": [cell], "metadata": {"language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5}
    book = write(project / "chat.ipynb", json.dumps(notebook, indent=1))
    before = snapshot(project)
    result = run("--fix", "--format", "json", "chat.ipynb")
    assert snapshot(project) == before
    findings = json.loads(result.stdout)["findings"]
    assert [(f["code"], f["fixable"]) for f in findings if f["code"] == "BL001"] == [("BL001", False)]
    assert run("--diff", "chat.ipynb").stdout == ""
    assert book.read_text() == json.dumps(notebook, indent=1)


def test_a_suppressed_finding_is_not_fixed(project):
    code = UNBOUNDED.replace("messages=messages)", "messages=messages)  # noqa: BL001 -- capped by the gateway")
    app = write(project / "app.py", code)
    run("--fix", "app.py")
    assert app.read_text() == code


def test_an_unused_suppression_and_a_finding_on_its_line_are_fixed_in_one_run(project):
    code = UNBOUNDED.replace("messages=messages)", "messages=messages)  # noqa: E501, BL004 -- old endpoint")
    app = write(project / "app.py", code)
    result = run("--fix", "--select", "BL001,BL004,BL901", "app.py")
    assert result.exit_code == 0, result.output
    assert app.read_text() == UNBOUNDED_FIXED.replace("max_tokens=1024)", "max_tokens=1024)  # noqa: E501 -- old endpoint")
    assert "Fixed 2 findings in 1 file, 0 remaining." in result.stdout


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"])
def test_removing_an_unused_suppression_keeps_the_line_endings_and_the_rest(project, ending):
    code = "import os\n\n\ndef f():\n    # budgetlint: ignore[BL002] -- above\n    x = 1  # type: ignore  # noqa: BL001 -- gone\n    return x\n"
    app = write(project / "app.py", code.replace("\n", ending))
    assert run("--fix", "app.py").exit_code == 0
    assert app.read_bytes() == "import os\n\n\ndef f():\n    x = 1  # type: ignore\n    return x\n".replace("\n", ending).encode()


def test_fix_in_parallel_workers(project):
    for index in range(40):  # enough files for the process pool
        write(project / f"app{index}.py", UNBOUNDED)
    result = CliRunner().invoke(main, ["check", "--fix", "--jobs", "2", "--select", "BL001", "."], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert all((project / f"app{index}.py").read_text() == UNBOUNDED_FIXED for index in range(40))
    assert "Fixed 40 findings in 40 files, 0 remaining." in result.stdout


# --- encodings, BOM, line endings -----------------------------------------------------------


def test_crlf_line_endings_are_kept(project):
    app = write(project / "app.py", UNBOUNDED.replace("\n", "\r\n").replace("import OpenAI", "import OpenAI\r\nimport os"))
    write(project / "net.py", 'import ollama\r\nclient = ollama.Client("http://gpu:11434")\r\n')
    run("--fix", ".")
    data = app.read_bytes()
    assert b"max_tokens=1024)\r\n" in data
    assert data.count(b"\n") == data.count(b"\r\n")
    assert (project / "net.py").read_bytes() == (
        b'import os\r\n\r\nimport ollama\r\nclient = ollama.Client(os.environ.get("OLLAMA_HOST", "http://gpu:11434"))\r\n'
    )


def test_cr_line_endings_are_kept_to_the_last_one(project):
    app = write(project / "app.py", UNBOUNDED.replace("\n", "\r"))
    run("--fix", "--select", "BL001", "app.py")
    assert app.read_bytes() == UNBOUNDED_FIXED.replace("\n", "\r").encode()
    before = snapshot(project)
    assert "Fixed 0 findings in 0 files" in run("--fix", "app.py").stdout
    assert snapshot(project) == before


def test_a_bom_and_an_encoding_cookie_are_kept(project):
    bom = write(project / "bom.py", b"\xef\xbb\xbf" + UNBOUNDED.encode())
    latin = write(
        project / "latin.py",
        ("# -*- coding: latin-1 -*-\n# Réponse courte\n" + UNBOUNDED).encode("latin-1"),
    )
    run("--fix", ".")
    assert bom.read_bytes() == b"\xef\xbb\xbf" + UNBOUNDED_FIXED.encode()
    assert latin.read_bytes() == ("# -*- coding: latin-1 -*-\n# Réponse courte\n" + UNBOUNDED_FIXED).encode("latin-1")


# --- layouts --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, expected",
    [
        pytest.param(
            """\
            client.chat.completions.create(
                model="m",
                messages=[],
            )""",
            """\
            client.chat.completions.create(
                model="m",
                messages=[],
                max_tokens=1024,
            )""",
            id="trailing-comma",
        ),
        pytest.param(
            """\
            client.chat.completions.create(
                model="m",
                messages=[]
            )""",
            """\
            client.chat.completions.create(
                model="m",
                messages=[],
                max_tokens=1024
            )""",
            id="no-trailing-comma",
        ),
        pytest.param(
            """\
            client.chat.completions.create(
                model="m",  # the model
                messages=[],  # the history
                # more to come
            )""",
            """\
            client.chat.completions.create(
                model="m",  # the model
                messages=[],  # the history
                max_tokens=1024,
                # more to come
            )""",
            id="comments",
        ),
        pytest.param(
            """\
            client.chat.completions.create(model="m",
                                           messages=[])""",
            """\
            client.chat.completions.create(model="m",
                                           messages=[],
                                           max_tokens=1024)""",
            id="hanging-indent",
        ),
        pytest.param(
            """\
            client.chat.completions.create(
                messages=[]  # only one
            )""",
            """\
            client.chat.completions.create(
                messages=[],  # only one
                max_tokens=1024
            )""",
            id="one-argument",
        ),
        pytest.param(
            """\
            client.chat.completions.create(model="m", messages=[],)""",
            """\
            client.chat.completions.create(model="m", messages=[], max_tokens=1024,)""",
            id="one-line-trailing-comma",
        ),
    ],
)
def test_an_added_argument_follows_the_calls_layout(call, expected):
    head = "from openai import OpenAI\nclient = OpenAI()\n"
    assert fixed(head + textwrap.dedent(call) + "\n") == head + textwrap.dedent(expected) + "\n"


def test_params_dict_in_the_function_gets_the_key():
    code = """\
        import litellm
        def ask(msgs):
            params = {"model": "gpt-4o", "messages": msgs,}
            return litellm.completion(**params)
        """
    assert fixed(code) == textwrap.dedent(code).replace("msgs,}", 'msgs, "max_tokens": 1024,}')


def test_params_dict_of_another_scope_stays_shared_and_the_call_gets_the_keyword():
    code = """\
        import litellm
        DEFAULTS = {"model": "gpt-4o"}
        def ask(msgs):
            return litellm.completion(**DEFAULTS, messages=msgs)
        """
    assert fixed(code) == textwrap.dedent(code).replace("messages=msgs)", "messages=msgs, max_tokens=1024)")


def test_a_dict_copied_from_a_bounded_mapping_is_not_raised_to_the_default():
    code = """\
        import litellm
        BASE = {"model": "gpt-4o", "max_tokens": 256}
        def ask(msgs, other):
            params = dict(BASE)
            litellm.completion(messages=msgs, **params)
            return litellm.completion(messages=msgs, **dict(other, temperature=0))
        """
    assert fixed(code) is None


def test_the_ceiling_is_the_value_and_values_above_it_are_lowered():
    code = """\
        from openai import OpenAI
        OpenAI().chat.completions.create(model="m", messages=[])
        OpenAI().chat.completions.create(model="m", messages=[], max_tokens=9000)
        OpenAI().chat.completions.create(model="m", messages=[], max_tokens=-1 * 1)
        """
    assert fixed(code, max_output_tokens=2048) == textwrap.dedent(
        """\
        from openai import OpenAI
        OpenAI().chat.completions.create(model="m", messages=[], max_tokens=2048)
        OpenAI().chat.completions.create(model="m", messages=[], max_tokens=2048)
        OpenAI().chat.completions.create(model="m", messages=[], max_tokens=-1 * 1)
        """
    )  # an expression budgetlint cannot evaluate is not flagged, so not fixed


def test_containers_and_bodies():
    code = """\
        import ollama, requests
        ollama.chat(model="llama3", messages=[], options=None)
        def ask(prompt):
            body = {"inputs": prompt, "parameters": {"temperature": 0.2}}
            return requests.post(TGI + "/generate", json=body)
        """
    assert fixed(code) == textwrap.dedent(
        """\
        import ollama, requests
        ollama.chat(model="llama3", messages=[], options={"num_predict": 1024})
        def ask(prompt):
            body = {"inputs": prompt, "parameters": {"temperature": 0.2, "max_new_tokens": 1024}}
            return requests.post(TGI + "/generate", json=body)
        """
    )


def test_endpoint_fixes_add_os_once_and_skip_what_they_cannot_rewrite():
    code = """\
        import os.path
        import ollama
        from openai import OpenAI
        a = ollama.Client("http://gpu:11434")
        b = OpenAI(base_url="http://localhost:8000" + "/v1")
        c = OpenAI(base_url=f"http://{HOST}/v1")
        """
    assert fixed(code) == textwrap.dedent(code).replace(
        'Client("http://gpu:11434")', 'Client(os.environ.get("OLLAMA_HOST", "http://gpu:11434"))'
    )


def test_the_raw_http_fix_reads_a_variable_holding_a_full_url():
    # OLLAMA_HOST is often a bare host:port, which the appended path would leave without a scheme.
    code = """\
        import requests
        requests.post("http://127.0.0.1:11434/api/generate", json={"model": "m", "prompt": "x", "options": {"num_predict": 9}})
        """
    fixed_code = fixed(code)
    assert fixed_code is not None
    assert 'os.environ.get("OLLAMA_BASE_URL", "http://127.0.0.1:11434") + "/api/generate"' in fixed_code
    stack = (StackEndpoint("OLLAMA_URL", "ollama", Location.LOCAL),)
    assert 'os.environ.get("OLLAMA_URL", "http://127.0.0.1:11434")' in (fixed(code, stack_endpoints=stack) or "")


def test_endpoint_fixes_in_unpacked_dicts_and_attributes_run(monkeypatch):
    code = """\
        from openai import OpenAI
        URL = "http://localhost:8000/v1"
        OpenAI(**{"base_url": "http://localhost:8000/v1"})
        kw = dict(base_url=URL)
        OpenAI(**kw)
        class Bot:
            base_url = "http://localhost:8000/v1"
            def __init__(self):
                OpenAI(base_url=self.base_url)
        Bot()
        """
    result = fixed(code)
    assert result is not None and result.count('os.environ.get("OPENAI_BASE_URL", "http://localhost:8000/v1")') == 3
    assert _run(result, monkeypatch) == ["http://localhost:8000/v1"] * 3


def test_the_fix_of_an_endpoint_attribute_keeps_its_api_path_in_code():
    code = """\
        class Ollama:
            def __init__(self):
                self.api_url = "http://localhost:11434/api/generate"
        """
    assert fixed(code) == textwrap.dedent(code).replace(
        '"http://localhost:11434/api/generate"', 'os.environ.get("OLLAMA_BASE_URL", "http://localhost:11434") + "/api/generate"'
    ).replace("class Ollama", "import os\n\n\nclass Ollama")  # isort's two blank lines before a class


def test_no_endpoint_fix_where_os_means_something_else():
    code = """\
        from openai import OpenAI
        def make(os):
            return OpenAI(base_url="http://localhost:8000/v1")
        """
    assert fixed(code) is None


URL = "http://localhost:8000/v1"
CALL = f'OpenAI(base_url="{URL}")'
BINDING_FORMS = {
    "assignment": "NAME = 'posix'\nCALL",
    "tuple and list targets": "(a, [NAME, b]) = 1, [2, 3]\nCALL",
    "starred target": "first, *NAME = [1, 2]\nCALL",
    "augmented assignment": "def make():\n    try:\n        NAME += 1\n    except UnboundLocalError:\n        pass\n    return CALL\nmake()",
    "annotated assignment": "NAME: str = 'posix'\nCALL",
    "annotation without a value": "def make():\n    NAME: str\n    return CALL\nmake()",
    "walrus": "if (NAME := 'posix'):\n    CALL",
    "walrus in a comprehension": "def make():\n    [(NAME := x) for x in 'ab']\n    return CALL\nmake()",
    "for target": "for NAME in [1]:\n    CALL",
    "async for target": (
        "import asyncio\nasync def items():\n    yield 1\nasync def main():\n    async for NAME in items():\n        CALL\n"
        "asyncio.run(main())"
    ),
    "with as": "import contextlib\nwith contextlib.nullcontext((1, 2)) as (a, NAME):\n    CALL",
    "async with as": (
        "import asyncio, contextlib\nasync def main():\n    async with contextlib.nullcontext(1) as NAME:\n        CALL\n"
        "asyncio.run(main())"
    ),
    "import as": "import posixpath as NAME\nCALL",
    "dotted import as": "import os.path as NAME\nCALL",
    "from import as": "from sys import path as NAME\nCALL",
    "import later in the function": "def make():\n    client = CALL\n    import os as NAME\n    return client\nmake()",
    "def": "def NAME():\n    pass\nCALL",
    "async def": "async def NAME():\n    pass\nCALL",
    "class": "class NAME:\n    pass\nCALL",
    "class body": "class Bot:\n    NAME = 1\n    client = CALL",
    "positional-only parameter": "def make(NAME, /):\n    return CALL\nmake(1)",
    "parameter": "def make(NAME=1):\n    return CALL\nmake()",
    "keyword-only parameter": "def make(*, NAME=1):\n    return CALL\nmake()",
    "*args": "def make(*NAME):\n    return CALL\nmake()",
    "**kwargs": "def make(**NAME):\n    return CALL\nmake()",
    "lambda parameter": "make = lambda NAME: CALL\nmake(1)",
    "lambda keyword-only parameter": "make = lambda *, NAME=1: CALL\nmake()",
    "list comprehension": "[CALL for NAME in [1]]",
    "set comprehension": "{CALL for NAME in [1]}",
    "dict comprehension": "{k: CALL for k, NAME in [(1, 2)]}",
    "generator expression": "list(CALL for NAME in [1])",
    "inner comprehension loop": "[CALL for a in [1] for NAME in [a]]",
    "except as": "try:\n    raise ValueError\nexcept ValueError as NAME:\n    CALL",
    "except* as": "try:\n    raise ValueError\nexcept* ValueError as NAME:\n    CALL",
    "match capture": "match 1:\n    case NAME:\n        CALL",
    "match as": "match 1:\n    case 1 | 2 as NAME:\n        CALL",
    "match star": "match [1, 2]:\n    case [1, *NAME]:\n        CALL",
    "match mapping rest": "match {'a': 1}:\n    case {'a': 1, **NAME}:\n        CALL",
    "match class positional": "match 1:\n    case int(NAME):\n        CALL",
    "match class keyword": "match 1j:\n    case complex(imag=NAME):\n        CALL",
    "global": "def rebind():\n    global NAME\n    NAME = 'posix'\nrebind()\nCALL",
    "nonlocal": (
        "def make():\n    import os as NAME\n    def rebind():\n        nonlocal NAME\n        NAME = 'posix'\n"
        "    rebind()\n    return CALL\nmake()"
    ),
    "del": "import os as NAME\ndel NAME\nCALL",
}


def _snippet(form: str, name: str) -> str:
    return "from openai import OpenAI\n" + BINDING_FORMS[form].replace("NAME", name).replace("CALL", CALL) + "\n"


def _run(code: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Execute ``code`` against a stand-in ``openai`` module: the base URLs its clients got."""
    urls: list[str] = []
    stand_in = types.ModuleType("openai")
    stand_in.OpenAI = lambda base_url=None, **kwargs: urls.append(base_url)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "openai", stand_in)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    exec(compile(code, "app.py", "exec"), {"__name__": "app"})
    return urls


@pytest.mark.parametrize("form", BINDING_FORMS)
def test_no_endpoint_fix_where_a_binding_makes_os_something_else(form, monkeypatch):
    code = _snippet(form, "os")
    result = fixed(code)
    assert _run(result or code, monkeypatch) == [URL]  # what --fix leaves runs
    assert result is None


@pytest.mark.parametrize("form", BINDING_FORMS)
def test_the_endpoint_fix_applies_and_runs_where_the_binding_is_another_name(form, monkeypatch):
    result = fixed(_snippet(form, "alias"))
    assert result is not None and f'os.environ.get("OPENAI_BASE_URL", "{URL}")' in result
    assert _run(result, monkeypatch) == [URL]


@pytest.mark.parametrize(
    "code",
    [
        "def make[os]():\n    return CALL",
        "class Bot[os]:\n    def make(self):\n        return CALL",
        "type os = int\nCALL",
    ],
)
def test_no_endpoint_fix_where_a_type_parameter_or_alias_is_named_os(code):
    # Python 3.12 syntax: libcst reads it whatever Python runs budgetlint.
    assert fixed("from openai import OpenAI\n" + code.replace("CALL", CALL) + "\n") is None


# --- safety -------------------------------------------------------------------------------


CONSTANT = """\
from openai import OpenAI
LIMIT = None
OpenAI().chat.completions.create(model="m", messages=[], max_tokens=LIMIT)
"""


def test_unsafe_fixes_apply_only_with_unsafe_fixes(project):
    app = write(project / "app.py", CONSTANT)
    data = json.loads(run("--format", "json", "--select", "BL001", "app.py").stdout)
    assert [f["fixable"] for f in data["findings"]] == [False]
    result = run("--fix", "--select", "BL001", "app.py")
    assert app.read_text() == CONSTANT and result.exit_code == 1
    assert run("--diff", "--select", "BL001", "app.py").stdout == ""
    data = json.loads(run("--format", "json", "--select", "BL001", "--unsafe-fixes", "app.py").stdout)
    assert [f["fixable"] for f in data["findings"]] == [True]
    result = run("--fix", "--unsafe-fixes", "--select", "BL001", "app.py")
    assert result.exit_code == 0, result.output
    assert app.read_text() == CONSTANT.replace("max_tokens=LIMIT", "max_tokens=1024")


class _Broken(Rule):
    """Proposes a fix whose code does not parse."""

    code = "BL001"
    name = "broken"
    tier = Tier.HARD
    summary = "test rule"
    fixable = True

    def check(self, model: FileModel, policy: Policy) -> Iterator[Report]:
        for site in model.sites:
            yield Report(site.node, "broken", Fix((Replace(site.node.func, cst.Name("lambda")),)))


def test_a_fix_that_would_not_parse_is_never_written(project, monkeypatch):
    app = write(project / "app.py", UNBOUNDED)
    monkeypatch.setattr(commands, "all_rules", lambda: (_Broken,))
    result = run("--fix", "app.py")
    assert app.read_text() == UNBOUNDED
    assert "not fixing app.py: the fixed code would not parse" in result.stderr
    assert result.exit_code == 1 and "broken" in result.stdout


def test_fix_module_raises_on_invalid_code():
    module = cst.parse_module(b'x = "a" "b"\n')
    left = module.body[0].body[0].value.left
    with pytest.raises(FixError):
        fix_module(module, [Fix((Replace(left, cst.parse_expression("f()")),))], module.bytes)


def test_an_entry_already_present_is_not_added_twice():
    module = cst.parse_module(b"f(a=1)\nd = {'a': 1}\n")
    call = module.body[0].body[0].value
    mapping = module.body[1].body[0].value
    fixes = [Fix((AddEntry(call, "a", cst.Integer("2")),)), Fix((AddEntry(mapping, "a", cst.Integer("2")),))]
    assert fix_module(module, fixes, module.bytes) == (module.bytes, fixes)


# --- --diff -------------------------------------------------------------------------------


def test_diff_prints_without_writing_and_exits_1(project):
    app = write(project / "app.py", UNBOUNDED)
    result = run("--diff", "app.py")
    assert result.exit_code == 1
    assert app.read_text() == UNBOUNDED
    assert result.stdout.startswith("--- a/app.py\n+++ b/app.py\n@@ ")
    assert "+    return client.chat.completions.create(model=\"m\", messages=messages, max_tokens=1024)" in result.stdout
    assert "Would fix 1 finding in 1 file." in result.stderr
    assert run("--diff", "--exit-zero", "app.py").exit_code == 0


@pytest.mark.parametrize(
    "options, named",
    [
        (("--format", "json"), "--format"),
        (("--format", "sarif"), "--format"),
        (("--sarif-file", "out.sarif"), "--sarif-file"),
        (("--baseline", "baseline.json"), "--baseline"),
        (("--statistics",), "--statistics"),
        (("--format", "github", "--baseline", "baseline.json"), "--format, --baseline"),
    ],
)
def test_diff_refuses_the_options_of_a_report(project, options, named):
    app = write(project / "app.py", UNBOUNDED)
    write(project / "baseline.json", '{"budgetlint_baseline": 1, "findings": []}')
    result = run("--diff", *options, "app.py")
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert f"--diff prints the fixes as a patch, not a report: it does not take {named}" in result.stderr
    assert not (project / "out.sarif").exists() and app.read_text() == UNBOUNDED


def test_diff_takes_the_default_format_when_named(project):
    write(project / "app.py", UNBOUNDED)
    assert run("--diff", "--format", "text", "app.py").stdout.startswith("--- a/app.py\n")


def test_diff_with_nothing_to_fix_prints_nothing_and_exits_0(project):
    write(project / "app.py", UNBOUNDED_FIXED)
    result = run("--diff", "--select", "BL001", "app.py")
    assert (result.exit_code, result.stdout) == (0, "")


def test_unified_diff_marks_a_missing_final_newline():
    diff = unified_diff("app.py", b"x = 1", b"x = 2")
    assert diff == b"--- a/app.py\n+++ b/app.py\n@@ -1 +1 @@\n-x = 1\n\\ No newline at end of file\n+x = 2\n\\ No newline at end of file\n"


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(cwd), "GIT_CEILING_DIRECTORIES": str(cwd.parent)}
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, check=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_diff_applies_with_git_apply_and_matches_fix(tmp_path, monkeypatch):
    trees = {}
    for name in ("diffed", "fixed"):
        root = tmp_path / name
        shutil.copytree(EXAMPLES, root / "examples")
        write(root / "crlf.py", UNBOUNDED.replace("\n", "\r\n"))
        write(root / "bom.py", b"\xef\xbb\xbf" + UNBOUNDED.encode())
        write(root / "no_newline.py", 'import ollama\nollama.Client("http://gpu:11434")')
        trees[name] = root
    _git(trees["diffed"], "init", "-q")
    monkeypatch.chdir(trees["diffed"])
    result = CliRunner().invoke(main, ["check", "--diff", "--output", "fixes.patch", "."], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    before = snapshot(trees["diffed"])
    _git(trees["diffed"], "apply", "--check", "fixes.patch")
    assert snapshot(trees["diffed"]) == before  # --diff wrote nothing but the patch
    _git(trees["diffed"], "apply", "fixes.patch")
    (trees["diffed"] / "fixes.patch").unlink()
    monkeypatch.chdir(trees["fixed"])
    run("--fix", ".")
    diffed = {path: data for path, (data, _) in snapshot(trees["diffed"]).items()}
    assert diffed == {path: data for path, (data, _) in snapshot(trees["fixed"]).items()}
    assert diffed["crlf.py"] == UNBOUNDED_FIXED.replace("\n", "\r\n").encode()


ODD_NAMES = ("new\nline.py", "tab\tquote\"back\\slash.py", "bell\x07.py", "odd name é.py", "plain.py")


@pytest.mark.parametrize(
    "name, header",
    [
        ("plain.py", b"a/plain.py"),
        ("new\nline.py", b'"a/new\\nline.py"'),
        ("t\tq\"b\\s.py", b'"a/t\\tq\\"b\\\\s.py"'),
        ("bell\x07\x7f.py", b'"a/bell\\a\\177.py"'),
        ("\u00e9.py", b'"a/\\303\\251.py"'),
        (os.fsdecode(b"caf\xe9.py"), b'"a/caf\\351.py"'),
    ],
)
def test_unified_diff_quotes_odd_names_as_git_does(name, header):
    diff = unified_diff(name, b"x = 1\n", b"x = 2\n")
    assert diff.startswith(b"--- " + header + b"\n+++ " + header.replace(b"a/", b"b/", 1) + b"\n@@ ")


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_a_diff_of_files_with_odd_names_applies_with_git_apply(tmp_path, monkeypatch):
    names = [*ODD_NAMES]
    try:
        write(tmp_path / os.fsdecode(b"caf\xe9.py"), UNBOUNDED)
        names.append(os.fsdecode(b"caf\xe9.py"))
    except (OSError, UnicodeError):  # a file system that wants UTF-8 names
        pass
    for name in ODD_NAMES:
        write(tmp_path / name, UNBOUNDED)
    _git(tmp_path, "init", "-q")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", "--diff", "--output", "fixes.patch", "."], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    assert f"Would fix {len(names)} findings in {len(names)} files." in result.stderr
    _git(tmp_path, "apply", "--check", "fixes.patch")
    _git(tmp_path, "apply", "fixes.patch")
    assert all((tmp_path / name).read_text() == UNBOUNDED_FIXED for name in names)


def test_fix_twice_changes_nothing_the_second_time(tmp_path, monkeypatch):
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    first = run("--fix", "--unsafe-fixes", "examples")
    assert "Fixed 3 findings in 1 file" in first.stdout
    after_first = snapshot(tmp_path)
    assert after_first["examples/support_bot/answer.py"][0] != (EXAMPLES / "support_bot" / "answer.py").read_bytes()
    second = run("--fix", "--unsafe-fixes", "examples")
    assert snapshot(tmp_path) == after_first
    assert "Fixed 0 findings in 0 files" in second.stdout
    assert run("--diff", "--unsafe-fixes", "examples").stdout == ""
    assert first.exit_code == second.exit_code == 1  # BL002, BL003, BL005 have no fix


def test_the_stack_file_names_the_variable(project):
    write(
        project / "stack.yaml",
        "apiVersion: budgetlint/v1\nkind: Stack\nendpoints:\n"
        "  - {name: local-vllm, engine: vllm, location: local, base_url_env: VLLM_BASE_URL, openai_compatible: true}\n"
        "  - {name: cloud, engine: openai, location: cloud, base_url_env: OPENAI_BASE_URL}\n",
    )
    app = write(project / "app.py", 'from openai import OpenAI\nlocal = OpenAI(base_url="http://10.0.0.12:8000/v1")\n')
    result = run("--fix", "--select", "BL004", "app.py")
    assert result.exit_code == 0, result.output
    assert app.read_text() == (
        'import os\n\nfrom openai import OpenAI\nlocal = OpenAI(base_url=os.environ.get("VLLM_BASE_URL", "http://10.0.0.12:8000/v1"))\n'
    )
