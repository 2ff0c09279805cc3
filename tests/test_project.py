"""Across modules (SPEC 1.1a): clients, factories, re-exports and wrappers followed through the
project, with the two phases, the cache and shards."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from budgetlint import cache, phase_files, phases
from budgetlint.cli import main
from click.testing import CliRunner

from tests.test_sarif import SCHEMA_PATH, errors_of, validator  # noqa: F401  (a fixture)

LLM = """\
from openai import OpenAI

client = OpenAI(base_url=os.environ["VLLM_BASE_URL"])
cloud = OpenAI()


def make_client():
    return OpenAI(default_headers={"X-Feature-Tag": "search"})


def ask(prompt, max_tokens=None):
    return client.chat.completions.create(model="m", messages=[prompt], max_tokens=max_tokens, metadata={"feature": "x"})


def chat(prompt, **kwargs):
    return client.chat.completions.create(model="m", messages=[prompt], **kwargs)


def call_local(prompt):
    return client.chat.completions.create(model="m", messages=[prompt], max_tokens=5, metadata={"feature": "x"})


def call_cloud(prompt):
    return cloud.chat.completions.create(model="gpt-4o", messages=[prompt], max_tokens=5, metadata={"feature": "x"})
"""
LLM = "import os\n" + LLM


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    write(tmp_path, {"app/__init__.py": "from .llm import ask, client\n", "app/llm.py": LLM})
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(cache.ENV_VAR, raising=False)
    return tmp_path


def check(*args: str) -> dict:
    result = CliRunner().invoke(main, ["check", "--format", "json", "--jobs", "1", *args], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def found(document: dict, path: str | None = None) -> list[tuple[str, int, str]]:
    return [(f["path"], f["line"], f["code"]) for f in document["findings"] if path is None or f["path"] == path]


def test_a_wrapper_called_without_a_limit_is_bl001_at_the_caller_naming_the_inner_call(project):
    write(project, {"main.py": "from app.llm import ask\nask('hi')\nask('hi', max_tokens=100)\nask('hi', 50)\nask('hi', max_tokens=None)\n"})
    document = check("--no-cache", ".")
    assert found(document, "main.py") == [("main.py", 2, "BL001"), ("main.py", 5, "BL001")]
    finding = document["findings"][-1]
    assert "client.chat.completions.create" in finding["message"]
    assert finding["related"] == [
        {"path": "app/llm.py", "line": 13, "column": 12, "end_line": 13, "end_column": 122, "message": "the LLM call the wrapper makes"}
    ]
    assert found(document, "app/llm.py") == []  # the inner call is not reported a second time


def test_a_wrapper_forwarding_kwargs_takes_limit_and_tag_from_its_callers(project):
    write(project, {"main.py": "from app.llm import chat\nchat('a')\nchat('b', max_tokens=5, metadata={'feature': 'x'})\nchat('c', max_tokens=5)\n"})
    assert found(check("--no-cache", "."), "main.py") == [("main.py", 2, "BL001"), ("main.py", 2, "BL002"), ("main.py", 4, "BL002")]


def test_a_wrapper_nobody_calls_keeps_its_inner_call_unresolvable(project):
    assert found(check("--no-cache", ".")) == []
    assert ("app/llm.py", 13, "BL001") in found(check("--no-cache", "--strict", "."))
    write(project, {"main.py": "from app.llm import ask\nask('hi', max_tokens=5)\n"})
    assert ("app/llm.py", 13, "BL001") not in found(check("--no-cache", "--strict", "."))


def test_an_imported_client_and_a_re_export_resolve_through_their_module(project):
    write(project, {"main.py": "from app import client\nclient.chat.completions.create(model='m', messages=[], max_tokens=5)\n"})
    assert found(check("--no-cache", "."), "main.py") == [("main.py", 2, "BL002")]  # the client carries no tag


def test_a_factory_resolves_calls_through_its_result(project):
    write(project, {"main.py": "from app.llm import make_client\nc = make_client()\nc.ollama_free = 1\nc.chat.completions.create(model='m', messages=[], max_tokens=5)\n"})
    assert found(check("--no-cache", "."), "main.py") == []  # the factory's client carries the tag
    write(project, {"main.py": "from app.llm import make_client\nmake_client().chat(model='m')\n"})
    assert found(check("--no-cache", "."), "main.py") == []  # `.chat` is not a method of an OpenAI client


def test_a_hybrid_router_through_helpers_is_an_escalation_unless_logged(project):
    router = "from app.llm import call_local, call_cloud\ndef answer(p):\n    try:\n        return call_local(p)\n    except Exception:\n{log}        return call_cloud(p)\n"
    write(project, {"main.py": router.format(log="")})
    assert found(check("--no-cache", "."), "main.py") == [("main.py", 6, "BL003")]
    write(project, {"main.py": router.format(log="        log_escalation('local failed')\n")})
    assert found(check("--no-cache", "."), "main.py") == []


def test_an_agent_loop_calling_a_helper_is_a_runaway_loop(project):
    write(project, {"main.py": "from app.llm import call_local\nwhile True:\n    call_local('x')\nfor _ in range(3):\n    call_local('x')\n"})
    assert found(check("--no-cache", "."), "main.py") == [("main.py", 3, "BL005")]


def test_a_relative_import_and_a_module_import_resolve(project):
    write(project, {"app/use.py": "from . import llm\nfrom .llm import ask\nllm.ask('a')\nask('b')\n"})
    assert found(check("--no-cache", "."), "app/use.py") == [("app/use.py", 3, "BL001"), ("app/use.py", 4, "BL001")]


def test_a_file_the_prefilter_skips_is_linted_when_it_imports_a_wrapper(project):
    write(project, {"main.py": "from app import ask\n\nask('no trigger word of the catalog here')\n"})
    assert found(check("--no-cache", "."), "main.py") == [("main.py", 3, "BL001")]


def test_a_warm_run_takes_the_imports_of_skipped_files_from_the_cache(project, monkeypatch):
    write(project, {"main.py": "from app import ask\n\nask('x')\n", "util.py": "import app.llm\n\nVALUE = 1\n"})
    first = check(".")
    scanned: list[bytes] = []
    monkeypatch.setattr(phase_files, "import_names", lambda code: scanned.append(code) or [])
    assert check(".") == first
    assert scanned == []  # recorded with each skipped file's result when the prefilter skipped it


def test_an_unchanged_project_takes_its_second_phase_from_the_cache(project, monkeypatch):
    write(project, {"main.py": "from app import ask\n\nask('x')\n"})
    first = check(".")
    real = phases._used
    resolved: list[str] = []
    monkeypatch.setattr(phases, "_used", lambda state, index: resolved.append(state.key) or real(state, index))
    assert check(".") == first
    assert resolved == []  # the last whole run saw the same files: its outcome is reused
    write(project, {"main.py": "from app import ask\n\nask('x', max_tokens=5)\n"})
    assert found(check("."), "main.py") == [] and resolved  # a change resolves the summaries again


def _resolving(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The keys of the files whose used summaries phase 2 works out (``phases._used``), in order."""
    real = phases._used
    resolved: list[str] = []
    monkeypatch.setattr(phases, "_used", lambda state, index: resolved.append(state.key) or real(state, index))
    return resolved


def test_a_changed_file_whose_summary_is_the_same_resolves_only_itself_again(project, monkeypatch):
    """One file changed, the summaries every module exports the same: each other file uses what
    it used in the last whole run, so phase 2 works out only the changed file's again (each
    round), and the outcome is a whole run's."""
    write(project, {"main.py": "from app import ask\n\nask('x')\n", "util.py": "import app.llm\n\nVALUE = 1\n", "plain.py": "VALUE = 1\n"})
    check(".")
    resolved = _resolving(monkeypatch)
    for changed in ("plain.py", "app/llm.py", "main.py"):
        with open(project / changed, "a") as handle:
            handle.write("# touched\n")
        resolved.clear()
        document = check(".")
        assert resolved and set(resolved) == {changed}
        assert document == check("--no-cache", ".")


def test_a_changed_file_that_now_names_a_wrapper_it_imports_is_linted_with_the_summaries(project):
    """A file the prefilter skips is linted in phase 2 when it writes a name its imports export:
    reused outcomes of the unchanged files do not hide its own change."""
    write(project, {"main.py": "from app import llm\n\nVALUE = 1\n", "plain.py": "VALUE = 1\n"})
    assert found(check(".")) == []
    write(project, {"main.py": "from app import llm\n\nllm.ask('x')\n"})
    assert found(check("."), "main.py") == [("main.py", 3, "BL001")]
    write(project, {"main.py": "from app import llm\n\nVALUE = 1\n"})
    assert found(check(".")) == []


def test_a_wrapper_losing_its_limit_relints_its_callers_though_they_did_not_change(project):
    """The summary a changed file exports is not the last run's: the files using it are worked
    out again, and their findings change as a whole run's do."""
    write(project, {"main.py": "from app.llm import ask\n\nask('x')\n", "plain.py": "VALUE = 1\n", "app/llm.py": LLM.replace("max_tokens=None", "max_tokens=64")})
    assert found(check("."), "main.py") == []
    (project / "app" / "llm.py").write_text(LLM)
    document = check(".")
    assert found(document, "main.py") == [("main.py", 3, "BL001")]
    assert document == check("--no-cache", ".")


def test_a_name_many_files_of_a_package_import_is_resolved_once(project, monkeypatch):
    """Phase 2 asks what each imported project name is, for every file of every run the cache
    does not answer whole: a name the files of one package share resolves once (0.1-0.2 s of a
    warm run with one file changed on a 3,000-file project)."""
    write(project, {f"app/use{number}.py": "from app.llm import ask\nfrom app.llm import client\nask('x')\n" for number in range(10)})
    write(project, {"plain.py": "VALUE = 1\n"})
    first = check(".")
    assert len(found(first)) == 10  # each use's BL001 (the inner call's moved to its callers)
    real = phases.ProjectView.lookup
    looked: list[str] = []
    monkeypatch.setattr(phases.ProjectView, "lookup", lambda view, name, depth=0: looked.append(name) or real(view, name, depth))
    write(project, {"plain.py": "VALUE = 2\n"})
    assert check(".") == first
    assert looked.count("app.llm.ask") <= 4  # per round of phase 2 (two), once from `app` (the package's uses), once from its __init__


def test_a_run_over_part_of_a_project_resolves_each_import_once_per_package(project, monkeypatch):
    """The files a partial run depends on are found from the names its files import: a name the
    files of one package share is resolved once, and each round reads only the files the round
    before added (on a 3,000-file project this was over a second of every run naming files)."""
    write(project, {f"app/use{number}.py": "from app.llm import ask\nask('x')\n" for number in range(10)})
    real, close = phases.ProjectIndex.module_of, phases._close
    asked: list[str] = []

    def closing(*args):  # what the search for the files the run depends on asks
        with monkeypatch.context() as patch:
            patch.setattr(phases.ProjectIndex, "module_of", lambda index, dotted, importer: asked.append(dotted) or real(index, dotted, importer))
            close(*args)

    monkeypatch.setattr(phases, "_close", closing)
    document = check("--no-cache", *(f"app/use{number}.py" for number in range(10)))
    assert len(found(document)) == 10
    assert asked.count("app.llm") <= 2  # once for the package's ten files, once for its __init__ (21 before)


def test_phase_two_resolves_a_name_no_two_modules_share_once_for_every_package(project, monkeypatch):
    """What ``app.llm.ask`` is does not depend on the importing package when no two modules end
    in ``app``, ``app.llm`` or ``app.llm.ask``: it was resolved again for each package importing it."""
    write(project, {f"pkg{number}/use.py": "from app.llm import ask\nask('x')\n" for number in range(6)})
    real = phases._resolve
    resolved: list[str] = []
    monkeypatch.setattr(phases, "_resolve", lambda name, view: resolved.append(name) or real(name, view))
    document = check("--no-cache", ".")
    assert [path for path, _, code in found(document) if code == "BL001"] == [f"pkg{number}/use.py" for number in range(6)]
    assert resolved.count("app.llm.ask") == 2  # once per round of phase 2 (two); 12 before


def test_phase_two_resolves_a_name_two_modules_share_from_the_importing_package(project):
    """``llm`` names ``tools/llm.py`` and ``other/llm.py``: each package's files get their own."""
    write(project, {
        "tools/llm.py": LLM, "tools/run.py": "from llm import ask\nask('x')\n",
        "other/llm.py": "def ask(prompt):\n    return prompt\n", "other/run.py": "from llm import ask\nask('x')\n",
    })
    document = check("--no-cache", ".")
    assert ("tools/run.py", 2, "BL001") in found(document, "tools/run.py")
    assert found(document, "other/run.py") == []


def test_outside_any_project_a_run_over_a_directory_does_not_walk_the_working_directory(tmp_path, monkeypatch):
    """Nothing above the files marks a project (no pyproject.toml, no .git): the working directory
    is its root for settings, but its extent is unknown (a home directory, /tmp), so a run over
    a subdirectory summarises only its own files rather than walking everything beside it."""
    write(tmp_path, {"app/llm.py": LLM, "app/main.py": "from app.llm import ask\nask('x')\n", "elsewhere/big.py": "VALUE = 1\n"})
    monkeypatch.chdir(tmp_path)
    read: list[str] = []
    real = phases.runner.triples_of
    monkeypatch.setattr(phases.runner, "triples_of", lambda files, cwd, root: read.extend(map(str, files)) or real(files, cwd, root))
    document = check("--no-cache", "app")
    assert found(document) == [("app/main.py", 2, "BL001")]  # the wrapper still resolves within the run
    assert not any("elsewhere" in path for path in read)
    (tmp_path / ".git").mkdir()  # a repository: its files are the project's
    check("--no-cache", "app")
    assert any("elsewhere" in path for path in read)


def test_sarif_related_locations_validate(project, validator):  # noqa: F811
    write(project, {"main.py": "from app.llm import ask\nask('hi')\n"})
    result = CliRunner().invoke(main, ["check", "--format", "sarif", "--no-cache", "."])
    document = json.loads(result.stdout)
    assert errors_of(validator, document) == []
    [related] = document["runs"][0]["results"][0]["relatedLocations"]
    assert related["physicalLocation"]["artifactLocation"]["uri"] == "app/llm.py"
    assert related["physicalLocation"]["region"]["startLine"] == 13


def test_the_text_report_names_the_inner_call(project):
    write(project, {"main.py": "from app.llm import ask\nask('hi')\n"})
    result = CliRunner().invoke(main, ["check", "--no-cache", "."])
    assert "note: the LLM call the wrapper makes: app/llm.py:13:12" in result.stdout


# the cache


def test_editing_a_wrapper_relints_its_callers_and_nothing_else(project, linted):
    write(
        project,
        {
            "main.py": "from app.llm import ask\nask('hi', max_tokens=5)\n",
            "other.py": "from app.llm import call_local\nimport openai\nopenai.chat.completions.create(model='m', messages=[], max_tokens=5)\n",
            "plain.py": "import openai\nopenai.chat.completions.create(model='m', messages=[])\n",
        },
    )
    first = check(".")
    assert found(check("--no-cache", ".")) == found(first)
    linted.clear()
    assert check(".") == first and linted == []
    (project / "app" / "llm.py").write_text(LLM.replace("max_tokens=None", "max_tokens=64"))
    second = check(".")
    assert sorted(set(linted)) == ["app/__init__.py", "app/llm.py", "main.py"]  # and not other.py or plain.py
    assert found(second) == found(check("--no-cache", "."))


# shards and partial runs


def test_shards_together_give_exactly_the_findings_of_a_whole_run(project):
    write(
        project,
        {
            "main.py": "from app import ask\nask('hi')\n",
            "svc/run.py": "from app.llm import call_local, call_cloud\ndef f(p):\n    try:\n        call_local(p)\n    except Exception:\n        call_cloud(p)\n",
            "svc/loop.py": "from app.llm import chat\nwhile True:\n    chat('x', max_tokens=5)\n",
        },
    )
    whole = found(check("--no-cache", "--strict", "."))
    assert whole
    for count in (2, 3, 5):
        parts = [finding for index in range(1, count + 1) for finding in found(check("--no-cache", "--strict", "--shard", f"{index}/{count}", "."))]
        assert sorted(parts) == sorted(whole)


def test_a_file_named_alone_is_linted_with_the_modules_it_imports(project):
    write(project, {"main.py": "from app import ask\nask('hi')\n"})
    assert found(check("--no-cache", "main.py")) == [("main.py", 2, "BL001")]
    alone = found(check("--no-cache", "--strict", os.path.join("app", "llm.py")))
    assert alone == [("app/llm.py", 17, "BL001")]  # main.py calls `ask` (line 13); nothing calls `chat`


def test_a_notebook_calling_a_project_wrapper_is_linted_with_the_summaries(project):
    cell = {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": ["from app import ask\n", "ask('hi')\n"]}
    book = {"cells": [cell], "metadata": {"kernelspec": {"language": "python", "name": "python3", "display_name": "Python 3"}}, "nbformat": 4, "nbformat_minor": 5}
    (project / "notes.ipynb").write_text(json.dumps(book))
    findings = [(f["path"], f.get("cell"), f["line"], f["code"]) for f in check("--no-cache", ".")["findings"]]
    assert findings == [("notes.ipynb", 1, 2, "BL001")]
    assert found(check("--no-cache", "--strict", "app/llm.py")) == [("app/llm.py", 17, "BL001")]  # the notebook calls `ask`
