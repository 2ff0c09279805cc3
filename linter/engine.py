"""The engine: read, prefilter, parse once, build the call-site model, run every rule, locate.

``lint_read`` is the per-file boundary: whatever goes wrong inside becomes a BL000 finding
for that file, and the run goes on; ``runner.lint_file`` reads the file and comes here only
for what needs the parser. Many files are scheduled by ``runner.lint_paths``
(re-exported here with ``Job``, ``FileResult`` and ``display_path``).
"""

from __future__ import annotations

import ast
import functools
import io
import os
import re
import sys
import tokenize
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace

import libcst as cst
from libcst import CSTNode
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from . import intake, model, notebook, suppress
from .cache import signature
from .codes import PARSE_ERROR, UNEXPLAINED_SUPPRESSION
from .discovery import display_path  # noqa: F401  (re-exported)
from .finding import Finding
from .fix import FileFix, FixError, fix_module, may_rewrite
from .intake import engine_finding, fingerprint, source_lines
from .policy import Policy
from .rule import Report, Rule
from .runner import FileResult, Job, lint_file, lint_paths  # noqa: F401  (lint_file, lint_paths re-exported)

MAX_BOOL_CHAIN = 1000
"""Operands of one ``and``/``or`` chain: CPython keeps them flat, libcst nests one level each."""
_BOOL_OPERATORS = re.compile(rb"\b(?:and|or)\b")
_CPYTHON_RECURSION_LIMIT = 1000
"""While CPython pre-parses: nesting it accepts under this limit is nesting libcst survives."""
_RECURSION_LIMIT = 20_000
_UNPARSED = "cannot analyse {what}: valid Python that libcst's parser cannot read ({why}); nothing in it was checked"


def lint_read(source: bytes, info: os.stat_result, name: str, job: Job, key: str | None = None) -> FileResult:
    """Lint a file already read (``intake.read``): the per-file boundary, whatever goes wrong
    inside is a BL000 for the file."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, _RECURSION_LIMIT))  # long implicit string concatenations nest deeply
    try:
        result = lint_source(source, name, job, key)
        return replace(result, signature=signature(source, info)) if intake.cacheable(source, name) else result
    except RecursionError:
        return _error(name, "cannot analyse file: nesting too deep", key=key)
    except Exception as error:  # the per-file boundary: never crash the run
        detail = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        return _error(name, f"internal error while analysing file ({detail})", key=key)
    finally:
        sys.setrecursionlimit(limit)
        if len(source) >= RELEASE_ABOVE:
            _release_memory()


RELEASE_ABOVE = 64 * 1024
"""After parsing a file this large, freed memory goes back to the system: libcst's tree of a
250 KiB file takes ~130 MiB, which glibc would otherwise keep for the rest of the process."""


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    import ctypes

    try:
        return ctypes.CDLL(None).malloc_trim  # the C library Python runs on
    except (OSError, AttributeError, TypeError):  # not glibc (macOS, musl, Windows)
        return None


def _release_memory() -> None:
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def lint_source(source: bytes, name: str, job: Job, key: str | None = None) -> FileResult:
    """Lint one file's bytes (a notebook's: its code cells). Raises only on internal errors (``lint_file`` catches them)."""
    if name.endswith(notebook.SUFFIX):
        return _lint_notebook(source, name, job, key)
    return _lint_python(source, name, job, key)


def _lint_python(source: bytes, name: str, job: Job, key: str | None = None) -> FileResult:
    decided = intake.screen(source, name, key)
    if decided is not None:
        return FileResult(name, decided, parsed=False)
    file_rule = suppress.file_suppression(source)
    if file_rule is not None and file_rule.codes is None:  # ignore-file: nothing in it is analysed
        lines = source_lines(source.decode("utf-8", "replace"))
        return FileResult(name, tuple(_unexplained_file(file_rule, name, key or name, lines, job)), parsed=False)
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
        text = source.decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError) as error:
        return _error(name, f"cannot decode file: {error}", key=key)
    refusal, cpython_error = _cpython_verdict(source, text)
    if refusal is not None:
        return _error(name, f"cannot analyse file: {refusal.msg}", refusal.lineno or 1, refusal.offset or 1, text, key=key)
    try:
        with _unvalidated():
            module = cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        if cpython_error is not None and cpython_error.lineno:
            # CPython locates syntax errors where they are; libcst's native parser often a line later.
            line, column = cpython_error.lineno, max(cpython_error.offset or 1, 1)
            return _error(name, f"syntax error: {cpython_error.msg}", line, column, text, key=key)
        if cpython_error is None:  # valid Python that libcst's parser gives up on: the whole file
            return _error(name, _UNPARSED.format(what="file", why=error.message), 1, 1, text, key=key)
        return _error(name, f"syntax error: {error.message}", error.raw_line, error.raw_column + 1, text, key=key)
    reports = _run_rules(module, job)
    if not reports and file_rule is None:
        return FileResult(name, (), parsed=True)
    kept: list[Report] = []
    result = FileResult(name, tuple(_locate(module, text, name, key or name, reports, job, kept, file_rule)), parsed=True)
    if job.fix and may_rewrite(name) and any(job.applies(report) for report in kept):
        return _fix(result, source, module, kept, job, key, file_rule)
    return result


MAX_FIX_PASSES = 8
"""Fix, re-lint, and fix again what the first pass left (conflicting edits), like ruff."""


def _fix(
    result: FileResult, source: bytes, module: cst.Module, kept: list[Report], job: Job, key: str | None,
    file_rule: suppress.Suppression | None = None,
) -> FileResult:
    """``result`` after applying the fixes of its reports: the fixed bytes and their findings.

    When a fix would not parse, nothing is applied: the result keeps the file's own findings.
    """
    current, applied, findings = source, 0, result.findings
    for _ in range(MAX_FIX_PASSES):
        fixes = [report.fix for report in kept if report.fix is not None and job.applies(report)]
        if not fixes:
            break
        try:
            fixed, count = fix_module(module, fixes, current)
        except FixError as error:
            return replace(result, fix=FileFix(source, None, 0, result.findings, str(error)))
        if fixed == current:
            break
        module = cst.parse_module(fixed)
        kept = []
        text = fixed.decode(module.encoding)
        findings = tuple(_locate(module, text, result.path, key or result.path, _run_rules(module, job), job, kept, file_rule))
        current, applied = fixed, applied + count
    if current == source:
        return result
    return FileResult(result.path, findings, parsed=True, fix=FileFix(source, current, applied, result.findings))


def _lint_notebook(source: bytes, name: str, job: Job, key: str | None) -> FileResult:
    """The code cells as one module, as a kernel runs them; each finding placed in its cell.

    A cell that does not parse is a BL000 in that cell, and the others are still linted.
    """
    try:
        book = notebook.read(source)
    except notebook.NotebookError as error:
        text = source.decode("utf-8", "replace")
        return _error(name, f"cannot read notebook: {error}", error.line, error.column, text, key=key)
    whole = book.module()
    code = whole.text.encode("utf-8", "surrogatepass")
    if not book.is_python or not intake.worth_parsing(code):
        return FileResult(name, (), parsed=False)
    if len(code) > intake.MAX_FILE_BYTES:
        return _error(name, f"skipped: code cells too large ({len(code)} bytes, limit {intake.MAX_FILE_BYTES})", key=key)
    findings: list[Finding] = []
    broken: set[int] = set()
    for cell in book.cells:
        problem = _cell_error(cell.text)
        if problem is not None:
            message, line, column = problem
            broken.add(cell.index)
            occurrence = sum(1 for finding in findings if finding.message == message)
            error = engine_finding(PARSE_ERROR, name, line, column, message, Policy(), list(cell.lines), key=key, occurrence=occurrence)
            findings.append(book.place(error, cell))
    module = book.module(frozenset(broken)) if broken else whole
    result = _lint_python(module.text.encode("utf-8", "surrogatepass"), name, job, key) if module.cells else None
    for finding in result.findings if result is not None else ():
        cell, offset = module.cell_at(finding.line)
        findings.append(book.place(finding, cell, offset))
    return FileResult(name, tuple(findings), parsed=result is not None and result.parsed)


def _cell_error(text: str) -> tuple[str, int, int] | None:
    """Why one notebook cell cannot be analysed: (message, line, column) in the cell; None if it can."""
    refusal, cpython_error = _cpython_verdict(text.encode("utf-8", "surrogatepass"), text)
    if refusal is not None:
        return f"cannot analyse cell: {refusal.msg}", refusal.lineno or 1, refusal.offset or 1
    if cpython_error is None:
        return None
    try:  # libcst may accept syntax newer than the running interpreter; then, as for a file, it is analysed
        with _unvalidated():  # as the file is parsed: validation may refuse what the parser accepts
            cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        if cpython_error.lineno:
            return f"syntax error: {cpython_error.msg}", cpython_error.lineno, max(cpython_error.offset or 1, 1)
        return f"syntax error: {error.message}", error.raw_line, error.raw_column + 1
    return None


def _cpython_verdict(source: bytes, text: str) -> tuple[SyntaxError | None, SyntaxError | None]:
    """Parse with CPython first: (nesting too deep to analyse, syntax error to report).

    libcst's native parser recurses once per nesting level and overflows the C stack on deep
    enough input: a crash of the whole run, not an exception. CPython's parser bounds its own
    recursion, so what it refuses as too deep is refused here before libcst sees it. Other
    CPython syntax errors are only used for their location: libcst may accept syntax newer
    than the running interpreter.
    """
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(_CPYTHON_RECURSION_LIMIT)  # CPython scales its nesting bound by this limit
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text)  # not the bytes: columns in characters, as libcst counts them
    except (RecursionError, MemoryError):
        return SyntaxError("nesting too deep"), None
    except SyntaxError as error:
        if error.msg.startswith("too many"):  # nested parentheses, levels of indentation
            return error, None
        return None, error
    except ValueError:
        return None, None
    finally:
        sys.setrecursionlimit(limit)
    if source.count(b"and") + source.count(b"or") > MAX_BOOL_CHAIN and len(_BOOL_OPERATORS.findall(source)) > MAX_BOOL_CHAIN:
        for node in ast.walk(tree):
            if isinstance(node, ast.BoolOp) and len(node.values) > MAX_BOOL_CHAIN:
                return SyntaxError("nesting too deep", ("", node.lineno, 1, "")), None
    return None, None


@contextmanager
def _unvalidated() -> Iterator[None]:
    """While parsing, libcst's nodes skip their own validation (``CSTNode.__post_init__``).

    The parser builds valid nodes by construction; validating each again was 14% of parsing
    (libcst's own comment there says as much). Nodes built anywhere else (fixes) are validated.
    """
    original = CSTNode.__dict__.get("__post_init__")
    if original is None:  # another libcst: leave it alone
        yield
        return
    CSTNode.__post_init__ = _no_validation  # type: ignore[method-assign]
    try:
        yield
    finally:
        CSTNode.__post_init__ = original  # type: ignore[method-assign]


def _no_validation(self: CSTNode) -> None:
    pass


def _positions(module: cst.Module) -> Mapping[cst.CSTNode, CodeRange]:
    """``PositionProvider``'s positions, computed directly.

    ``MetadataWrapper.resolve`` also visits (and rebuilds) the whole tree for the batchable
    providers, even when there are none: 30% of the cost of positions.
    """
    return PositionProvider()._gen(MetadataWrapper(module, unsafe_skip_copy=True))


def _run_rules(module: cst.Module, job: Job) -> list[tuple[type[Rule], object]]:
    file_model = model.build(module, job.policy.endpoints())
    reports = []
    for rule in job.rules:
        for report in rule().check(file_model, job.policy):
            reports.append((rule, report))
    return reports


def _locate(
    module: cst.Module,
    text: str,
    name: str,
    key: str,
    reports: list,
    job: Job,
    kept: list[Report] | None = None,
    file_rule: suppress.Suppression | None = None,
) -> Iterable[Finding]:
    """Findings for the reports not suppressed (by a comment on their line or ``file_rule``, the
    file's ``ignore-file[CODES]``); those reports are appended to ``kept``."""
    positions = _positions(module) if reports else {}
    lines = source_lines(text)
    comments = suppress.suppressions(text) if suppress.might_suppress(text.encode("utf-8", "replace")) else {}
    occurrences: dict[tuple[str, str], int] = {}
    used: set[int] = set()
    seen: set[tuple] = set()
    for rule, report in reports:
        where = positions[report.node]
        line, column = where.start.line, where.start.column + 1
        identity = (rule.code, line, column, report.message)
        if identity in seen:
            continue
        seen.add(identity)
        comment = comments.get(line)
        if comment is not None and comment.covers(rule.code):
            used.add(line)
            continue
        if file_rule is not None and file_rule.covers(rule.code):
            continue
        if kept is not None:
            kept.append(report)
        snippet = " ".join(module.code_for_node(report.node).split())
        index = occurrences.get((rule.code, snippet), 0)
        occurrences[(rule.code, snippet)] = index + 1
        yield Finding(
            path=name,
            line=line,
            column=column,
            code=rule.code,
            end_line=where.end.line,
            end_column=where.end.column + 1,
            name=rule.name,
            message=report.message,
            tier=rule.tier.label,
            blocking=job.policy.blocks(rule.tier),
            fingerprint=fingerprint(rule.code, key, snippet, index),
            fixable=job.applies(report) and may_rewrite(name),
            source_line=lines[line - 1] if 0 < line <= len(lines) else "",
        )
    if job.report_suppressions:
        unexplained = [line for line in sorted(used) if not comments[line].reason]
        for occurrence, line in enumerate(unexplained):
            yield engine_finding(
                UNEXPLAINED_SUPPRESSION,
                name,
                line,
                1,
                "suppression without a reason: at tier hard every silenced finding needs one. "
                "Add it after `--`, e.g. `# noqa: BL001 -- bounded by the gateway`.",
                job.policy,
                lines,
                key=key,
                occurrence=occurrence,
            )
        yield from _unexplained_file(file_rule, name, key, lines, job)


def _unexplained_file(file_rule: suppress.Suppression | None, name: str, key: str, lines: list[str], job: Job) -> Iterator[Finding]:
    """The BL900 of an ignore-file comment without a reason, at tier hard (reported whether or not
    the file has findings now: it silences every later one too)."""
    if file_rule is not None and not file_rule.reason and job.report_suppressions:
        yield engine_finding(
            UNEXPLAINED_SUPPRESSION,
            name,
            file_rule.line,
            1,
            "file-level suppression without a reason: at tier hard it needs one, as every suppression does. "
            "Add it after `--`, e.g. `# budgetlint: ignore-file -- generated client`.",
            job.policy,
            lines,
            key=key,
        )


def _error(name: str, message: str, line: int = 1, column: int = 1, text: str = "", *, key: str | None) -> FileResult:
    return FileResult(name, (intake.error(name, message, line, column, text, key=key),), parsed=False)
