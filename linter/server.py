"""``budgetlint server``: a Language Server over stdio (pygls 2), for editors.

Diagnostics are published when a Python document is opened or saved, and 0.3 s after the last
change (a newer text cancels the lint of an older one: the latest text wins). Each document is
linted as ``check`` lints its file (``workspace.Workspace``: its project's settings, guardrails,
stack and other modules' summaries, all kept warm), in one worker thread, so the protocol keeps
answering while a buffer is linted. Config problems (BL100) are published on the config file.

Code actions: each fix ``--fix`` would apply (a quick fix per finding, and ``source.fixAll``),
and "suppress on this line", which writes ``# budgetlint: ignore[CODE] -- `` at the end of the
line. Where the client takes snippet edits in a workspace edit (LSP 3.18
``snippetEditSupport``), the cursor is left after ``--`` for the reason; other clients get the
plain text edit (a code action cannot move the cursor). Hover on a finding shows its rule's
documentation (``budgetlint explain``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path
from pygls.workspace import TextDocument

from . import __version__
from .codes import ENGINE_CODES
from .commands import all_rules, config_findings
from .rules_text import explain_text
from .diagnostics import SOURCE, contains, diagnostic, lines_of, overlaps, replacement, suppression
from .finding import Finding
from .resident import Resident, collector_paused
from .settings import SettingsError
from .workspace import Linted, Project, Workspace

DEBOUNCE_SECONDS = 0.3
FIX_ALL = f"{types.CodeActionKind.SourceFixAll.value}.{SOURCE}"
_WATCHED = ("**/pyproject.toml", "**/*.yaml", "**/*.yml", "**/*.py")
T = TypeVar("T")


class Server(LanguageServer):
    def __init__(self) -> None:
        super().__init__(SOURCE, __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.projects = Workspace()
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="budgetlint")
        self.pending: dict[str, asyncio.Task] = {}
        self.linted: dict[str, tuple[int | None, Linted]] = {}
        self.configs: dict[Path, tuple[int, set[str]]] = {}
        """Project root -> (id of the project whose BL100s were published, their URIs)."""
        self.told: set[str] = set()
        self.resident = Resident()

    async def run(self, call: Callable[..., T], *args: object) -> T:
        """``call(*args)`` in the worker thread (every use of the workspace is there)."""
        return await asyncio.get_running_loop().run_in_executor(self.worker, call, *args)

    def schedule(self, uri: str, delay: float) -> None:
        """Lint the document after ``delay`` seconds, cancelling a lint scheduled before."""
        if not uri.endswith(".py"):
            return
        earlier = self.pending.pop(uri, None)
        if earlier is not None:
            earlier.cancel()
        self.pending[uri] = asyncio.get_running_loop().create_task(self._lint_later(uri, delay))

    async def _lint_later(self, uri: str, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        if uri not in self.workspace.text_documents:
            return
        document = self.workspace.get_text_document(uri)
        version, source = document.version, document.source
        linted = await self.run(self._lint, document.path, source)
        self.pending.pop(uri, None)
        if uri not in self.workspace.text_documents or self.workspace.get_text_document(uri).version != version:
            return  # closed, or changed since: a newer lint publishes
        if isinstance(linted, str):
            self.linted.pop(uri, None)
            self.publish(uri, [], version)
            if linted not in self.told:
                self.told.add(linted)
                self.window_show_message(types.ShowMessageParams(type=types.MessageType.Error, message=f"budgetlint: {linted}"))
            return
        self.linted[uri] = (version, linted)
        lines = lines_of(source)
        codec = self.workspace.position_codec
        self.publish(uri, [diagnostic(f, lines, codec, _uri_in(linted.project.root)) for f in linted.result.findings], version)
        self._publish_configs(linted.project)
        await self.run(self.settle)

    def settle(self) -> None:
        """After a lint is published: what the workspace keeps is hidden from the collector (``resident.py``)."""
        self.resident.settle(self.projects.kept())

    def _lint(self, path: str, source: str) -> Linted | str:
        try:
            with collector_paused():
                return self.projects.lint(source.encode("utf-8", "surrogatepass"), Path(path))
        except SettingsError as error:
            return str(error)

    def publish(self, uri: str, diagnostics: list[types.Diagnostic], version: int | None = None) -> None:
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version))

    def _publish_configs(self, project: Project) -> None:
        """The project's config problems (BL100) on their files, once per build of the project."""
        published = self.configs.get(project.root)
        if published is not None and published[0] == id(project):
            return
        findings = config_findings(project.problems, project.run.policy, project.root)
        by_uri: dict[str, list[Finding]] = {}
        for finding in findings:
            by_uri.setdefault(_uri_in(project.root)(finding.path), []).append(finding)
        for uri in (published[1] if published else set()) - set(by_uri):
            self.publish(uri, [])
        for uri, found in by_uri.items():
            try:
                lines = lines_of(Path(to_fs_path(uri) or "").read_text(encoding="utf-8", errors="replace"))
            except OSError:
                lines = [""]
            self.publish(uri, [diagnostic(f, lines, self.workspace.position_codec, _uri_in(project.root)) for f in found])
        self.configs[project.root] = (id(project), set(by_uri))

    async def current(self, uri: str) -> tuple[TextDocument, Linted] | None:
        """The document and its lint, linted now when the last lint is of an older text."""
        if not uri.endswith(".py") or uri not in self.workspace.text_documents:
            return None
        document = self.workspace.get_text_document(uri)
        known = self.linted.get(uri)
        if known is not None and known[0] == document.version:
            return document, known[1]
        linted = await self.run(self._lint, document.path, document.source)
        return None if isinstance(linted, str) else (document, linted)


server = Server()


@server.feature(types.INITIALIZED)
async def initialized(ls: Server, params: types.InitializedParams) -> None:
    await ls.run(ls.projects.warm)
    watched = ls.client_capabilities.workspace and ls.client_capabilities.workspace.did_change_watched_files
    if watched and watched.dynamic_registration:
        options = types.DidChangeWatchedFilesRegistrationOptions(watchers=[types.FileSystemWatcher(glob_pattern=glob) for glob in _WATCHED])
        registration = types.Registration(id="budgetlint-watch", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES, register_options=options)
        try:
            await ls.client_register_capability_async(types.RegistrationParams(registrations=[registration]))
        except JsonRpcException as error:  # config files are still checked by their stat before every lint
            ls.window_log_message(types.LogMessageParams(type=types.MessageType.Warning, message=f"budgetlint: no file watching: {error}"))


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: Server, params: types.DidOpenTextDocumentParams) -> None:
    ls.schedule(params.text_document.uri, 0)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: Server, params: types.DidChangeTextDocumentParams) -> None:
    ls.schedule(params.text_document.uri, DEBOUNCE_SECONDS)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
async def did_save(ls: Server, params: types.DidSaveTextDocumentParams) -> None:
    await _changed_on_disk(ls, [params.text_document.uri])


@server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
async def did_change_watched_files(ls: Server, params: types.DidChangeWatchedFilesParams) -> None:
    await _changed_on_disk(ls, [change.uri for change in params.changes])


async def _changed_on_disk(ls: Server, uris: list[str]) -> None:
    """Files changed on disk: the modules (or settings) they belong to are read again, and every
    open document is linted again (a module's summary may change what another reports)."""
    for uri in uris:
        path = to_fs_path(uri)
        if path:
            await ls.run(ls.projects.saved, Path(path))
    for uri in list(ls.workspace.text_documents):
        ls.schedule(uri, 0)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: Server, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    pending = ls.pending.pop(uri, None)
    if pending is not None:
        pending.cancel()
    ls.linted.pop(uri, None)
    path = to_fs_path(uri)
    if path:
        ls.worker.submit(ls.projects.closed, Path(path))  # in the worker thread, as every use of the workspace
    ls.publish(uri, [])


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL], resolve_provider=False),
)
async def code_action(ls: Server, params: types.CodeActionParams) -> list[types.CodeAction] | None:
    found = await ls.current(params.text_document.uri)
    if found is None:
        return None
    document, linted = found
    wanted = params.context.only
    lines = lines_of(document.source)
    codec = ls.workspace.position_codec
    to_diagnostic = _to_diagnostic(lines, codec, linted.project.root)
    actions: list[types.CodeAction] = []
    if not wanted or any(kind.startswith(types.CodeActionKind.QuickFix) for kind in wanted):
        where = document.range_from_client_units(params.range)
        here = [finding for finding in linted.result.findings if overlaps(finding, where)]
        fixes = await ls.run(ls.projects.fixes, linted) if any(finding.fixable for finding in here) else {}
        titles = {rule.code: rule.fix_title for rule in all_rules()}
        for finding in here:
            fixed = fixes.get(finding.fingerprint)
            if fixed is not None:
                edit = replacement(document.source, fixed.decode("utf-8", "surrogatepass"), codec)
                actions.append(types.CodeAction(
                    title=f"{titles.get(finding.code) or 'Fix'} ({finding.code})",
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[to_diagnostic(finding)],
                    edit=_edit(ls, document, [edit]),
                    is_preferred=True,
                ))
        for finding in here:
            if finding.code not in ENGINE_CODES:
                actions.append(_suppress(ls, document, finding, lines, to_diagnostic(finding)))
    if (not wanted or any(FIX_ALL.startswith(kind) for kind in wanted)) and any(f.fixable for f in linted.result.findings):
        whole = await ls.run(ls.projects.lint, linted.source, Path(document.path), True)
        outcome = whole.result.fix
        if outcome is not None and outcome.changed and outcome.fixed is not None:
            edit = replacement(document.source, outcome.fixed.decode("utf-8", "surrogatepass"), codec)
            actions.append(types.CodeAction(title="Fix all budgetlint findings that have a fix", kind=FIX_ALL, edit=_edit(ls, document, [edit])))
    return actions


def _suppress(ls: Server, document: TextDocument, finding: Finding, lines: list[str], shown: types.Diagnostic) -> types.CodeAction:
    """"Suppress CODE on this line": a snippet edit (cursor at the reason) where the client takes one."""
    where, text, snippet = suppression(finding, lines, ls.workspace.position_codec)
    edits = ls.client_capabilities.workspace and ls.client_capabilities.workspace.workspace_edit
    edit: types.TextEdit | types.SnippetTextEdit = types.TextEdit(range=where, new_text=text)
    if edits and edits.snippet_edit_support:
        edit = types.SnippetTextEdit(range=where, snippet=types.StringValue(value=snippet))
    return types.CodeAction(
        title=f"Suppress {finding.code} on this line", kind=types.CodeActionKind.QuickFix, diagnostics=[shown], edit=_edit(ls, document, [edit])
    )


def _edit(ls: Server, document: TextDocument, edits: list) -> types.WorkspaceEdit:
    """Edits of one document: versioned (``documentChanges``) where the client takes them."""
    capable = ls.client_capabilities.workspace and ls.client_capabilities.workspace.workspace_edit
    if capable and capable.document_changes:
        identifier = types.OptionalVersionedTextDocumentIdentifier(uri=document.uri, version=document.version)
        return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(text_document=identifier, edits=edits)])
    return types.WorkspaceEdit(changes={document.uri: edits})


@server.feature(types.TEXT_DOCUMENT_HOVER)
async def hover(ls: Server, params: types.HoverParams) -> types.Hover | None:
    found = await ls.current(params.text_document.uri)
    if found is None:
        return None
    document, linted = found
    position = document.position_from_client_units(params.position)
    here = [finding for finding in linted.result.findings if contains(finding, position)]
    if not here:
        return None
    texts = [text for code in dict.fromkeys(finding.code for finding in here) if (text := explain_text(code))]
    lines = lines_of(document.source)
    where = _to_diagnostic(lines, ls.workspace.position_codec, linted.project.root)(here[0]).range
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value="\n\n---\n\n".join(texts)), range=where)


def _to_diagnostic(lines: list[str], codec: object, root: Path) -> Callable[[Finding], types.Diagnostic]:
    return lambda finding: diagnostic(finding, lines, codec, _uri_in(root))  # type: ignore[arg-type]


def _uri_in(root: Path) -> Callable[[str], str]:
    """The URI of a path findings name (relative to the project root)."""
    return lambda path: from_fs_path(str(root / path)) or path


def serve() -> None:
    """Run the server on stdin and stdout until the client says exit."""
    server.start_io()
