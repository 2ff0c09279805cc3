"""What ruff sees after ``--fix``: an added ``import os`` where isort puts it, and a call a fix made
too long split one argument per line, so ruff has nothing to say about the lines budgetlint wrote."""

from __future__ import annotations

import difflib
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import libcst as cst
import pytest
from click.testing import CliRunner

from budgetlint.cli import main
from budgetlint.fix import _ensure_import
from budgetlint.layout import wrap_long_lines

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
RUFF_RULES = "I,E501,RUF100,RUF102"


def ruff(directory: Path) -> list[dict]:
    """ruff's findings (its JSON output) for ``directory``, with its own configuration."""
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--exit-zero", "--output-format", "json", "--select", RUFF_RULES, "."],
        cwd=directory, capture_output=True, text=True, check=True,
    )
    return json.loads(done.stdout)


def written_lines(before: str, after: str) -> set[int]:
    """The 1-based lines of ``after`` that are not lines of ``before``."""
    matcher = difflib.SequenceMatcher(None, before.splitlines(), after.splitlines(), autojunk=False)
    return {n + 1 for tag, _, _, start, end in matcher.get_opcodes() if tag in ("replace", "insert") for n in range(start, end)}


def on_written_lines(findings: list[dict], root: Path, before: dict[Path, str]) -> list[str]:
    """The findings whose lines overlap lines that differ from ``before``."""
    out = []
    for finding in findings:
        path = Path(finding["filename"])
        lines = written_lines(before.get(path, ""), path.read_text())
        span = set(range(finding["location"]["row"], finding["end_location"]["row"] + 1))
        if span & lines:
            out.append(f"{path.relative_to(root)}:{finding['location']['row']}: {finding['code']} {finding['message']}")
    return out


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the example app, as its own project."""
    (tmp_path / ".git").mkdir()
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def snapshot(root: Path) -> dict[Path, str]:
    return {path.resolve(): path.read_text() for path in root.rglob("*.py")}


def test_ruff_reports_nothing_on_the_lines_fix_wrote(app):
    before = snapshot(app)
    result = CliRunner().invoke(main, ["check", "--fix", "--jobs", "1", "examples"], catch_exceptions=False)
    assert "Fixed 3 findings in 1 file" in result.stdout
    assert snapshot(app) != before
    assert on_written_lines(ruff(app), app, before) == []


def test_the_projects_line_length_decides_what_is_split(app):
    (app / "pyproject.toml").write_text("[project]\nname = 'app'\n\n[tool.ruff]\nline-length = 120\n")
    before = snapshot(app)
    CliRunner().invoke(main, ["check", "--fix", "--jobs", "1", "examples"], catch_exceptions=False)
    answer = (app / "examples/support_bot/answer.py").read_text()
    # 100 characters: within 120, left on one line; still nothing for ruff on the written lines.
    assert '    reply = local_llm.chat.completions.create(model=LOCAL_MODEL, messages=messages, max_tokens=1024)\n' in answer
    assert on_written_lines(ruff(app), app, before) == []


IMPORTS = {
    "a docstring and code": ('"""Doc."""\nx = 1\n', '"""Doc."""\nimport os\n\nx = 1\n'),
    "a function next": ('"""Doc."""\n\ndef f():\n    pass\n', '"""Doc."""\n\nimport os\n\n\ndef f():\n    pass\n'),
    "after __future__": (
        "from __future__ import annotations\n\nimport ollama\n\nx = 1\n",
        "from __future__ import annotations\n\nimport os\n\nimport ollama\n\nx = 1\n",
    ),
    "third-party only": (
        '"""Doc."""\n\nimport ollama\nfrom openai import OpenAI\n\nx = 1\n',
        '"""Doc."""\n\nimport os\n\nimport ollama\nfrom openai import OpenAI\n\nx = 1\n',
    ),
    "sorted among the standard library": (
        "import json\nimport sys\nfrom pathlib import Path\n\nimport ollama\n\nx = 1\n",
        "import json\nimport os\nimport sys\nfrom pathlib import Path\n\nimport ollama\n\nx = 1\n",
    ),
    "last of the standard library's imports": (
        "import json\nimport logging\nfrom pathlib import Path\n\nimport ollama\n\nx = 1\n",
        "import json\nimport logging\nimport os\nfrom pathlib import Path\n\nimport ollama\n\nx = 1\n",
    ),
    "before a standard library from-import": (
        "from pathlib import Path\n\nimport ollama\n\nx = 1\n",
        "import os\nfrom pathlib import Path\n\nimport ollama\n\nx = 1\n",
    ),
    "before a relative import": ("from .clients import c\n\nx = 1\n", "import os\n\nfrom .clients import c\n\nx = 1\n"),
    "a comment stays on its import": (
        "import json\n\n# the client\nimport sys\n\nx = 1\n",
        "import json\nimport os\n\n# the client\nimport sys\n\nx = 1\n",
    ),
}


@pytest.mark.parametrize("before, after", IMPORTS.values(), ids=IMPORTS.keys())
def test_import_os_goes_where_isort_puts_it(before, after, tmp_path):
    assert _ensure_import(cst.parse_module(before), "os").code == after
    (tmp_path / "app.py").write_text(after + "print(os)\n")
    assert [finding["code"] for finding in ruff(tmp_path)] == []


def test_a_long_fixed_call_is_split_one_argument_per_line_down_to_what_fits():
    original = 'def f():\n    client = OpenAI(base_url="http://10.0.0.12:8000/v1", api_key="unused")\n'
    edited = original.replace('"http://10.0.0.12:8000/v1"', 'os.environ.get("OPENAI_BASE_URL_FOR_THE_LOCAL_SERVER", "http://10.0.0.12:8000/v1")')
    module = wrap_long_lines(cst.parse_module(edited), original, 60)
    assert module.code == textwrap.dedent("""\
        def f():
            client = OpenAI(
                base_url=os.environ.get(
                    "OPENAI_BASE_URL_FOR_THE_LOCAL_SERVER",
                    "http://10.0.0.12:8000/v1",
                ),
                api_key="unused",
            )
        """)


def test_lines_the_fix_did_not_write_and_lines_with_a_comment_stay_as_they_are():
    original = "x = f(aaaaaaaaaa, bbbbbbbbbb)\ny = g(1)  # noqa: BL002 -- tagged by the gateway\n"
    edited = original.replace("g(1)", "g(1, max_tokens=1024)")
    assert wrap_long_lines(cst.parse_module(edited), original, 20).code == edited


def test_ruff_keeps_budgetlint_noqa_comments_after_init(app):
    """``init`` adds ``external = ["BL"]`` where ruff is configured: RUF102 no longer flags (and
    ``ruff --fix`` no longer deletes) ``# noqa: BL005``; then ``--fix`` writes nothing ruff flags."""
    (app / "pyproject.toml").write_text('[project]\nname = "bot"\n\n[tool.ruff]\nline-length = 88\n')
    agent = app / "examples/support_bot/agent.py"
    agent.write_text(agent.read_text().replace("create(\n", "create(  # noqa: BL005 -- the model stops on its own\n", 1))
    noqa_line = next(n for n, line in enumerate(agent.read_text().splitlines(), 1) if "noqa: BL005" in line)
    before = [(f["code"], f["location"]["row"]) for f in ruff(app) if f["filename"] == str(agent)]
    assert ("RUF102", noqa_line) in before
    result = CliRunner().invoke(main, ["init"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert not [f for f in ruff(app) if f["code"].startswith("RUF")]
    written = snapshot(app)
    CliRunner().invoke(main, ["check", "--fix", "--jobs", "1", "examples"], catch_exceptions=False)
    assert snapshot(app) != written
    assert on_written_lines(ruff(app), app, written) == []
