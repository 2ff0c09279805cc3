"""`budgetlint server` end to end, with pytest-lsp's client as the editor: the real server in a
subprocess, spoken to over stdio."""

from __future__ import annotations

import asyncio
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

import attrs
import pytest
import pytest_lsp
from click.testing import CliRunner
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from budgetlint.cli import main
from budgetlint.diagnostics import RULES_PAGE, lines_of, replacement
from budgetlint.workspace import Workspace

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

UNBOUNDED = 'from openai import OpenAI\n\nclient = OpenAI()\nreply = client.chat.completions.create(model="m", messages=[], metadata={"feature": "chat"})\n'
WRAPPER = '''from openai import OpenAI

client = OpenAI()


def ask(prompt, **kwargs):
    return client.chat.completions.create(model="m", messages=[{"role": "user", "content": prompt}], metadata={"feature": "x"}, **kwargs)
'''
CALLER = "from app.llm import ask\n\n\ndef answer(question):\n    return ask(question)\n"
WAIT_SECONDS = 60
SNIPPETS = attrs.evolve(
    client_capabilities("visual-studio-code"),
    workspace=attrs.evolve(
        client_capabilities("visual-studio-code").workspace,
        workspace_edit=types.WorkspaceEditClientCapabilities(document_changes=True, snippet_edit_support=True),
    ),
)

@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "llm.py").write_text(WRAPPER)
    return tmp_path


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "budgetlint", "server"]))
async def client(lsp_client: LanguageClient, project: Path):
    lsp_client.registrations = []

    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:
        lsp_client.registrations.extend(params.registrations)

    folder = types.WorkspaceFolder(uri=project.as_uri(), name="demo")
    await lsp_client.initialize_session(
        types.InitializeParams(capabilities=SNIPPETS, root_uri=project.as_uri(), workspace_folders=[folder])
    )
    yield
    await lsp_client.shutdown_session()


async def diagnostics_of(client: LanguageClient, uri: str, ready: Callable[[list[types.Diagnostic]], bool]) -> list[types.Diagnostic]:
    """The document's diagnostics once ``ready`` holds for them (polled: a notification may come
    before one would wait for it)."""
    async def wait() -> list[types.Diagnostic]:
        while uri not in client.diagnostics or not ready(client.diagnostics[uri]):
            await asyncio.sleep(0.02)
        return client.diagnostics[uri]

    return await asyncio.wait_for(wait(), WAIT_SECONDS)


async def _registered(client: LanguageClient) -> None:
    while not client.registrations:
        await asyncio.sleep(0.02)


def codes(diagnostics: list[types.Diagnostic]) -> list[str]:
    return sorted(str(d.code) for d in diagnostics)


def open_document(client: LanguageClient, path: Path, text: str) -> str:
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)))
    return uri


def change(client: LanguageClient, uri: str, version: int, text: str) -> None:
    whole = types.TextDocumentContentChangeWholeDocument(text=text)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version), content_changes=[whole])
    )


def apply(text: str, edit: types.WorkspaceEdit) -> str:
    """``text`` with the edits of a workspace edit (one document) applied, as an editor would."""
    changes = [change for document in edit.document_changes or () for change in document.edits] or list((edit.changes or {}).values())[0]
    lines = lines_of(text)
    offsets = []
    for change in changes:
        start, end = change.range.start, change.range.end
        offsets.append((sum(map(len, lines[: start.line])) + start.character, sum(map(len, lines[: end.line])) + end.character, change))
    for start, end, change in sorted(offsets, key=lambda item: item[0], reverse=True):
        new = change.new_text if isinstance(change, types.TextEdit) else change.snippet.value
        text = text[:start] + new + text[end:]
    return text


async def actions_at(client: LanguageClient, uri: str, diagnostic: types.Diagnostic, only: list[str] | None = None) -> list[types.CodeAction]:
    context = types.CodeActionContext(diagnostics=[diagnostic], only=only)
    params = types.CodeActionParams(text_document=types.TextDocumentIdentifier(uri=uri), range=diagnostic.range, context=context)
    return await client.text_document_code_action_async(params) or []


@pytest.mark.asyncio
async def test_an_unbounded_call_is_a_diagnostic_with_code_severity_and_link(client: LanguageClient, project: Path):
    uri = open_document(client, project / "app" / "chat.py", UNBOUNDED)
    [found] = await diagnostics_of(client, uri, bool)
    assert found.code == "BL001"
    assert found.source == "budgetlint"
    assert found.severity == types.DiagnosticSeverity.Error  # tier hard: BL001 blocks
    assert found.code_description.href == f"{RULES_PAGE}#bl001-unbounded-max-tokens"
    end = len(UNBOUNDED.splitlines()[3])
    assert found.range == types.Range(start=types.Position(line=3, character=8), end=types.Position(line=3, character=end))


@pytest.mark.asyncio
async def test_a_change_is_linted_again(client: LanguageClient, project: Path):
    uri = open_document(client, project / "app" / "chat.py", UNBOUNDED)
    await diagnostics_of(client, uri, bool)
    change(client, uri, 2, UNBOUNDED.replace(', metadata={"feature": "chat"}', ", max_tokens=10"))
    assert codes(await diagnostics_of(client, uri, lambda found: codes(found) == ["BL002"])) == ["BL002"]
    change(client, uri, 3, "x = 1\n")
    assert not await diagnostics_of(client, uri, lambda found: not found)


@pytest.mark.asyncio
async def test_a_ranged_change_is_applied_and_linted_again(client: LanguageClient, project: Path):
    """The server asks for incremental sync: editors then send only the edited range."""
    uri = open_document(client, project / "app" / "chat.py", UNBOUNDED)
    await diagnostics_of(client, uri, bool)
    line = UNBOUNDED.splitlines()[3]
    start = line.index(', metadata=')
    span = types.Range(types.Position(3, start), types.Position(3, len(line) - 1))  # the tag, not the closing parenthesis
    edit = types.TextDocumentContentChangePartial(range=span, text=", max_tokens=10")
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2), content_changes=[edit])
    )
    found = await diagnostics_of(client, uri, lambda found: codes(found) == ["BL002"])
    assert [diagnostic.range.start.line for diagnostic in found] == [3]


@pytest.mark.asyncio
async def test_the_fix_action_applied_and_linted_again_leaves_no_bl001(client: LanguageClient, project: Path):
    uri = open_document(client, project / "app" / "chat.py", UNBOUNDED)
    [found] = await diagnostics_of(client, uri, bool)
    [fix] = [action for action in await actions_at(client, uri, found) if action.title.endswith("(BL001)")]
    assert fix.kind == types.CodeActionKind.QuickFix and fix.is_preferred
    fixed = apply(UNBOUNDED, fix.edit)
    assert fixed == UNBOUNDED.replace("})", "}, max_tokens=1024)")
    change(client, uri, 2, fixed)
    assert not await diagnostics_of(client, uri, lambda found: not found)


@pytest.mark.asyncio
async def test_fix_all_is_a_source_action(client: LanguageClient, project: Path):
    uri = open_document(client, project / "app" / "chat.py", UNBOUNDED)
    [found] = await diagnostics_of(client, uri, bool)
    [fix_all] = await actions_at(client, uri, found, only=[types.CodeActionKind.SourceFixAll])
    assert fix_all.kind == "source.fixAll.budgetlint"
    assert "max_tokens=1024" in apply(UNBOUNDED, fix_all.edit)


@pytest.mark.asyncio
async def test_suppress_on_this_line_leaves_the_cursor_for_the_reason(client: LanguageClient, project: Path):
    uri = open_document(client, project / "app" / "chat.py", UNBOUNDED)
    [found] = await diagnostics_of(client, uri, bool)
    [suppress] = [action for action in await actions_at(client, uri, found) if action.title == "Suppress BL001 on this line"]
    [edit] = suppress.edit.document_changes[0].edits
    assert isinstance(edit, types.SnippetTextEdit)
    assert edit.snippet.value == "  # budgetlint: ignore[BL001] -- ${1:reason}"
    suppressed = apply(UNBOUNDED, suppress.edit).replace("${1:reason}", "bounded by the gateway")
    change(client, uri, 2, suppressed)
    assert not await diagnostics_of(client, uri, lambda found: not found)


@pytest.mark.asyncio
async def test_hover_on_a_diagnostic_shows_the_rules_documentation(client: LanguageClient, project: Path):
    uri = open_document(client, project / "app" / "chat.py", UNBOUNDED)
    [found] = await diagnostics_of(client, uri, bool)
    hover = await client.text_document_hover_async(types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=found.range.start))
    assert hover.contents.kind == types.MarkupKind.Markdown
    assert hover.contents.value.startswith("# BL001 unbounded-max-tokens")
    assert "## What it does" in hover.contents.value
    nothing = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=0, character=0))
    )
    assert nothing is None


@pytest.mark.asyncio
async def test_a_wrapper_call_names_the_inner_call_as_related_information(client: LanguageClient, project: Path):
    uri = open_document(client, project / "app" / "chat.py", CALLER)
    [found] = await diagnostics_of(client, uri, bool)
    assert (found.code, found.range.start.line) == ("BL001", 4)
    [related] = found.related_information
    assert related.location.uri == (project / "app" / "llm.py").as_uri()
    assert related.location.range.start.line == 6


@pytest.mark.asyncio
async def test_a_guardrails_change_on_disk_changes_the_severity(client: LanguageClient, project: Path):
    await asyncio.wait_for(_registered(client), WAIT_SECONDS)
    [watch] = client.registrations
    assert watch.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
    uri = open_document(client, project / "app" / "chat.py", UNBOUNDED)
    [found] = await diagnostics_of(client, uri, bool)
    assert found.severity == types.DiagnosticSeverity.Error
    guardrails = project / "guardrails.yaml"
    guardrails.write_text("apiVersion: budgetlint/v1\nkind: Guardrails\ntier: soft\nmetering:\n  feature_tag: {metadata_keys: [feature]}\n")
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(changes=[types.FileEvent(uri=guardrails.as_uri(), type=types.FileChangeType.Created)])
    )
    [found] = await diagnostics_of(client, uri, lambda found: bool(found) and found[0].severity == types.DiagnosticSeverity.Warning)
    assert found.code == "BL001"


@pytest.mark.asyncio
async def test_an_invalid_guardrails_file_gets_its_bl100_diagnostic(client: LanguageClient, project: Path):
    guardrails = project / "guardrails.yaml"
    guardrails.write_text("apiVersion: budgetlint/v1\nkind: Guardrails\ntier: extreme\n")
    open_document(client, project / "app" / "chat.py", UNBOUNDED)
    found = await diagnostics_of(client, guardrails.as_uri(), bool)
    assert {d.code for d in found} == {"BL100"}
    assert all(d.severity == types.DiagnosticSeverity.Error for d in found)


def test_without_pygls_the_command_says_what_to_install(monkeypatch):
    for name in [name for name in sys.modules if name.split(".")[0] in ("pygls", "lsprotocol")] + ["budgetlint.server", "budgetlint.diagnostics"]:
        monkeypatch.delitem(sys.modules, name, raising=False)
    monkeypatch.setitem(sys.modules, "pygls", None)
    result = CliRunner().invoke(main, ["server"])
    assert result.exit_code == 2
    assert result.stderr == "budgetlint: error: the language server needs pygls: pip install 'budgetlint[server]'\n"


def test_one_edit_replaces_what_changed_in_utf16_units():
    from pygls.workspace.position_codec import PositionCodec

    before = 'x = "😀"\ny = call(a)\n'
    edit = replacement(before, before.replace("call(a)", "call(a, b=1)"), PositionCodec(types.PositionEncodingKind.Utf16))
    assert edit == types.TextEdit(range=types.Range(types.Position(1, 10), types.Position(1, 10)), new_text=", b=1")
    after = replacement('x = "😀"; f()\n', 'x = "😀"; g()\n', PositionCodec(types.PositionEncodingKind.Utf16))
    assert after.range == types.Range(types.Position(0, 10), types.Position(0, 11)) and after.new_text == "g"  # 😀 is 2 UTF-16 units


def test_the_workspace_lints_a_buffer_as_the_file_of_its_project(project):
    linted = Workspace().lint(CALLER.encode(), project / "app" / "chat.py")
    assert [(f.code, f.path, f.related[0].path) for f in linted.result.findings] == [("BL001", "app/chat.py", "app/llm.py")]


def editor_snippets() -> dict[str, list[str]]:
    """The fenced blocks of the docs' language server section, by language."""
    text = (Path(__file__).resolve().parent.parent / "docs" / "integrations.md").read_text(encoding="utf-8")
    section = text.split("\n### Language server\n", 1)[1].split("\n### ", 1)[0]
    blocks: dict[str, list[str]] = {}
    for language, body in re.findall(r"```(\w+)\n(.*?)```", section, re.DOTALL):
        blocks.setdefault(language, []).append(body)
    return blocks


def test_the_docs_helix_configuration_parses_and_starts_the_server():
    [helix] = editor_snippets()["toml"]
    config = tomllib.loads(helix)
    assert config["language-server"]["budgetlint"] == {"command": "budgetlint", "args": ["server"]}
    [python] = config["language"]
    assert python["name"] == "python" and "budgetlint" in python["language-servers"]


def test_the_docs_neovim_and_vs_code_configurations_start_the_server():
    blocks = editor_snippets()
    assert len(blocks["lua"]) == 2
    for lua in blocks["lua"]:
        assert 'cmd = { "budgetlint", "server" }' in lua
        assert 'filetypes = { "python" }' in lua
    assert 'vim.lsp.enable("budgetlint")' in blocks["lua"][0]
    [vscode] = blocks["json"]
    settings = json.loads(vscode)
    assert [settings["glspc.server.command"], *settings["glspc.server.commandArguments"]] == ["budgetlint", "server"]
    assert settings["glspc.server.languageId"] == ["python"]
    assert "pip install 'budgetlint[server]'" in blocks["sh"][0]
