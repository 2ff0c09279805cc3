"""The engine: read, prefilter, parse once, build the call-site model, run every rule, locate.

``lint_read`` is the per-file boundary: whatever goes wrong inside becomes a BL000 finding
for that file, and the run goes on; ``runner.lint_file`` reads the file and comes here only
for what needs the parser. The engine analyses one module: the orchestration above it
(``runner``, ``pool``, ``phases``) schedules many, and it never imports them. ``Job`` and
``FileResult`` (``job.py``) are re-exported here.
"""

from __future__ import annotations

import functools
import io
import os
import sys
import tokenize
from collections.abc import Callable
from dataclasses import replace

import libcst as cst

from . import intake, notebook, suppress, triage
from .analysis import analyse
from .cache import signature
from .codes import PARSE_ERROR
from .finding import Finding
from .fix import FileFix, FixError, fix_module, may_rewrite
from .intake import engine_finding, source_lines
from .inventory import describe, in_cell
from .job import FileResult, Job
from .locate import locate, positions, unexplained_file  # noqa: F401  (positions re-exported)
from .parsing import cell_error, cpython_tree, unvalidated
from .policy import Policy
from .rule import Report

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
    decided = intake.screen(source, name, key, prefilter=job.project is None)
    if decided is not None:
        return FileResult(name, decided, parsed=False)
    file_rule = suppress.file_suppression(source)
    if file_rule is not None and file_rule.codes is None:  # ignore-file: nothing in it is analysed
        lines = source_lines(source.decode("utf-8", "replace"))
        return FileResult(name, tuple(unexplained_file(file_rule, name, key or name, lines, job)), parsed=False)
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
        text = source.decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError) as error:
        return _error(name, f"cannot decode file: {error}", key=key)
    refusal, cpython_error, tree = cpython_tree(source, text)
    if refusal is not None:
        return _error(name, f"cannot analyse file: {refusal.msg}", refusal.lineno or 1, refusal.offset or 1, text, key=key)
    if tree is not None and file_rule is None and job.project is None and triage.enabled():
        facts = triage.verdict(tree, source)
        if facts is not None:  # nothing a rule reports: the facts analysis would give, without libcst
            return FileResult(name, (), parsed=False, facts=facts)
    del tree  # freed before libcst builds its own
    try:
        with unvalidated():
            module = cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        if cpython_error is not None and cpython_error.lineno:
            # CPython locates syntax errors where they are; libcst's native parser often a line later.
            line, column = cpython_error.lineno, max(cpython_error.offset or 1, 1)
            return _error(name, f"syntax error: {cpython_error.msg}", line, column, text, key=key)
        if cpython_error is None:  # valid Python that libcst's parser gives up on: the whole file
            return _error(name, _UNPARSED.format(what="file", why=error.message), 1, 1, text, key=key)
        return _error(name, f"syntax error: {error.message}", error.raw_line, error.raw_column + 1, text, key=key)
    analysis = analyse(module, job, key or name)
    sites = tuple(describe(analysis, name)) if job.describe else ()
    if not analysis.reports and file_rule is None:
        return FileResult(name, (), parsed=True, facts=analysis.facts(), sites=sites)
    kept: list[Report] = []
    findings = tuple(locate(module, text, name, key or name, analysis.reports, job, kept, analysis.shown, file_rule))
    result = FileResult(name, findings, parsed=True, facts=analysis.facts(kept), sites=sites)
    if job.fix and may_rewrite(name) and any(job.applies(report) for report in kept):
        return _fix(result, source, module, kept, job, key, file_rule)
    return result


MAX_FIX_PASSES = 8
"""Fix, re-lint, and fix again what the first pass left (conflicting edits), like ruff."""


def _fix(
    result: FileResult,
    source: bytes,
    module: cst.Module,
    kept: list[Report],
    job: Job,
    key: str | None,
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
        analysis = analyse(module, job, key or result.path)
        text = fixed.decode(module.encoding)
        findings = tuple(locate(module, text, result.path, key or result.path, analysis.reports, job, kept, analysis.shown, file_rule))
        current, applied = fixed, applied + count
    if current == source:
        return result
    return FileResult(result.path, findings, parsed=True, fix=FileFix(source, current, applied, result.findings), facts=result.facts)


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
    wanted = intake.worth_parsing(code) if job.project is None else not suppress.ignores_file(code)  # see intake.screen
    if not book.is_python or not wanted:
        return FileResult(name, (), parsed=False)
    if len(code) > intake.MAX_FILE_BYTES:
        return _error(name, f"skipped: code cells too large ({len(code)} bytes, limit {intake.MAX_FILE_BYTES})", key=key)
    findings: list[Finding] = []
    broken: set[int] = set()
    for cell in book.cells:
        problem = cell_error(cell.text)
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
    facts = result.facts if result is not None else None
    if facts is not None:  # a notebook is no module: nothing of it is imported, so no mark of its findings is needed
        facts = {**facts, "summary": {"names": {}}, "marks": []}
    sites = tuple(in_cell(site, module) for site in result.sites) if result is not None else ()
    return FileResult(name, tuple(findings), parsed=result is not None and result.parsed, facts=facts, sites=sites)


def _error(name: str, message: str, line: int = 1, column: int = 1, text: str = "", *, key: str | None) -> FileResult:
    return FileResult(name, (intake.error(name, message, line, column, text, key=key),), parsed=False)
