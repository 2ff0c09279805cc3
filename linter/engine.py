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
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

import libcst as cst

from . import intake, notebook, stubs, suppress, timing, triage
from .analysis import analyse
from .cache import signature
from .codes import PARSE_ERROR
from .finding import Finding
from .fix import FileFix, FixError, fix_module, may_rewrite
from .intake import engine_finding, source_lines
from .job import FileResult, Job
from .locate import locate, positions, unexplained_file  # noqa: F401  (positions re-exported)
from .parsing import cell_error, cpython_tree, unvalidated
from .policy import Policy
from .rule import Report

if TYPE_CHECKING:
    from .reparse import Document  # the language server's and stdin's buffers

_RECURSION_LIMIT = 20_000
_UNPARSED = "cannot analyse {what}: valid Python that libcst's parser cannot read ({why}); nothing in it was checked"


def lint_read(
    source: bytes, info: os.stat_result | None, name: str, job: Job, key: str | None = None, document: Document | None = None, *, screened: bool = False
) -> FileResult:
    """Lint a file already read (``intake.read``), or a buffer (``info`` None: its result is not
    cacheable; ``document``: its last parse, reused where the text did not change): the per-file
    boundary, whatever goes wrong inside is a BL000 for the file. ``screened``: ``intake.screen``
    found it must be analysed, with the job's settings (``runner.lint_file``)."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, _RECURSION_LIMIT))  # long implicit string concatenations nest deeply
    try:
        result = lint_source(source, name, job, key, document, screened=screened)
        if info is None or not intake.cacheable(source, name):
            return result
        return replace(result, signature=signature(source, info))
    except RecursionError:
        return _error(name, "cannot analyse file: nesting too deep", key=key)
    except Exception as error:  # the per-file boundary: never crash the run
        detail = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        return _error(name, f"internal error while analysing file ({detail})", key=key)
    finally:
        sys.setrecursionlimit(limit)
        if len(source) >= RELEASE_ABOVE and document is None:  # a document keeps its tree
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


def lint_source(source: bytes, name: str, job: Job, key: str | None = None, document: Document | None = None, *, screened: bool = False) -> FileResult:
    """Lint one file's bytes (a notebook's: its code cells). Raises only on internal errors (``lint_file`` catches them)."""
    job = job.for_file(key or name)
    if name.endswith(notebook.SUFFIX):
        return _lint_notebook(source, name, job, key)
    return _lint_python(source, name, job, key, document, screened=screened)


def _lint_python(source: bytes, name: str, job: Job, key: str | None = None, document: Document | None = None, *, screened: bool = False) -> FileResult:
    if not screened:
        with timing.phase("prefilter"):
            decided = intake.screen(source, name, key, prefilter=job.project is None, honour=not job.ignore_suppressions)
        if decided is not None:
            return FileResult(name, decided, parsed=False)
    file_rule = None if job.ignore_suppressions else suppress.file_suppression(source)
    if file_rule is not None and file_rule.codes is None:  # ignore-file: nothing in it is analysed
        lines = source_lines(source.decode("utf-8", "replace"))
        return FileResult(name, tuple(unexplained_file(file_rule, name, key or name, lines, job)), parsed=False)
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
        text = source.decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError) as error:
        return _error(name, f"cannot decode file: {error}", key=key)
    reused = document.reparse(text, encoding) if document is not None else None
    if reused is None:
        partial = document is None and not job.fix and not name.endswith(notebook.SUFFIX)
        parsed = _parse(source, text, name, key, job, file_rule, partial)
        if isinstance(parsed, FileResult):
            return parsed
        reused = parsed, document.remember(parsed, text) if document is not None else None
    module, known = reused
    analysis = analyse(module, job, key or name, text, known, document.memo if document is not None else None)
    if job.describe:
        from .inventory import describe  # only ``budgetlint inventory`` describes call sites
    sites = tuple(describe(analysis, name)) if job.describe else ()
    # BL901 judges only budgetlint's suppressions: a file whose only ones are other linters' (`# noqa: E501`) reports nothing
    judged = not job.ignore_suppressions and any(rule.judges_suppressions for rule in job.rules) and suppress.names_our_codes(source)
    if not analysis.reports and file_rule is None and not judged:
        return FileResult(name, (), parsed=True, facts=analysis.facts(), sites=sites)
    kept: list[Report] = []
    with timing.phase("locate"):
        memo = document.memo if document is not None else None  # a snippet kept with its statement
        findings = tuple(locate(module, text, name, key or name, analysis.reports, job, kept, analysis.shown, file_rule, analysis.positions, memo))
    result = FileResult(name, findings, parsed=True, facts=analysis.facts(kept), sites=sites)
    if job.fix and may_rewrite(name) and any(job.applies(report) for report in kept):
        return _fix(result, source, module, kept, _codes(findings, kept), job, key, file_rule)
    return result


def _parse(
    source: bytes, text: str, name: str, key: str | None, job: Job, file_rule: suppress.Suppression | None, partial: bool = False
) -> cst.Module | FileResult:
    """The module of ``source`` (CPython's verdict first, ``parsing.cpython_tree``), or the
    result of a file that cannot be analysed, or of one the triage finds nothing to report in.
    ``partial``: the bodies nothing needs may be left out of the tree (``stubs.py``)."""
    with timing.phase("guard"):
        refusal, cpython_error, tree = cpython_tree(source, text)
    if refusal is not None:
        return _error(name, f"cannot analyse file: {refusal.msg}", refusal.lineno or 1, refusal.offset or 1, text, key=key)
    judged = not job.ignore_suppressions and any(rule.judges_suppressions for rule in job.rules) and suppress.names_our_codes(source)
    # Decided on the tree or parsed in part: not in phase 2, nor for the inventory (it lists every site).
    decided = tree is not None and file_rule is None and job.project is None and not judged and not job.describe
    nodes = None  # the triage's walk of the tree, which partial parsing reads too
    if decided and triage.enabled():
        with timing.phase("triage"):
            nodes = triage.gather(tree)  # type: ignore[arg-type]
            facts = triage.verdict(tree, source, nodes)  # type: ignore[arg-type]
        if facts is not None:  # nothing a rule reports: the facts analysis would give, without libcst
            return FileResult(name, (), parsed=False, facts=facts)
    reduced = None
    if decided and partial and stubs.enabled():
        with timing.phase("triage"):
            reduced = stubs.reduced(tree, source, nodes)  # type: ignore[arg-type]
    del tree, nodes  # freed before libcst builds its own
    try:
        with unvalidated(), timing.phase("parse"):
            module = stubs.parse(source, reduced)
            timing.count("parsed" if job.project is None else "parsed in phase 2")
            return module
    except cst.ParserSyntaxError as error:
        if cpython_error is not None and cpython_error.lineno:
            # CPython locates syntax errors where they are; libcst's native parser often a line later.
            line, column = cpython_error.lineno, max(cpython_error.offset or 1, 1)
            return _error(name, f"syntax error: {cpython_error.msg}", line, column, text, key=key)
        if cpython_error is None:  # valid Python that libcst's parser gives up on: the whole file
            return _error(name, _UNPARSED.format(what="file", why=error.message), 1, 1, text, key=key)
        return _error(name, f"syntax error: {error.message}", error.raw_line, error.raw_column + 1, text, key=key)


MAX_FIX_PASSES = 8
"""Fix, re-lint, and fix again what the first pass left (conflicting edits), like ruff."""


def _fix(
    result: FileResult,
    source: bytes,
    module: cst.Module,
    kept: list[Report],
    codes: dict[int, str],
    job: Job,
    key: str | None,
    file_rule: suppress.Suppression | None = None,
) -> FileResult:
    """``result`` after applying the fixes of its reports: the fixed bytes and their findings.

    ``codes`` gives the rule code of each report (by id), to count what was fixed per code.
    When a fix would not parse, nothing is applied: the result keeps the file's own findings.
    """
    current, findings = source, result.findings
    fixed_codes: Counter[str] = Counter()
    for _ in range(MAX_FIX_PASSES):
        fixes = {id(report.fix): codes[id(report)] for report in kept if report.fix is not None and job.applies(report)}
        if not fixes:
            break
        try:
            fixed, applied = fix_module(module, [report.fix for report in kept if id(report.fix) in fixes], current, job.line_length)
        except FixError as error:
            return replace(result, fix=FileFix(source, None, 0, result.findings, str(error)))
        if fixed == current:
            break
        module = cst.parse_module(fixed)
        kept = []
        text = fixed.decode(module.encoding)
        analysis = analyse(module, job, key or result.path, text)
        findings = tuple(locate(module, text, result.path, key or result.path, analysis.reports, job, kept, analysis.shown, file_rule, analysis.positions))
        codes = _codes(findings, kept)
        current = fixed
        fixed_codes.update(fixes[id(fix)] for fix in applied)
    if current == source:
        return result
    fix = FileFix(source, current, sum(fixed_codes.values()), result.findings, codes=tuple(sorted(fixed_codes.items())))
    return FileResult(result.path, findings, parsed=True, fix=fix, facts=result.facts)


def _codes(findings: tuple[Finding, ...], kept: list[Report]) -> dict[int, str]:
    """The code of each kept report, by the report's id (``locate`` yields a kept report's finding
    first, in order: the rules' findings, then those on suppressions, BL901)."""
    return {id(report): finding.code for finding, report in zip(findings, kept)}


def fixes_by_finding(source: bytes, name: str, job: Job, key: str | None = None) -> dict[str, bytes]:
    """Each fixable finding's own fix applied alone to ``source`` (a Python file's), by the
    finding's fingerprint: an editor offers them one by one. A fix that would not parse is left
    out; so is everything of a file that does not parse."""
    if not may_rewrite(name):
        return {}
    try:
        with unvalidated():
            module = cst.parse_module(source)
    except (cst.ParserSyntaxError, UnicodeDecodeError, LookupError, SyntaxError):
        return {}
    analysis = analyse(module, job, key or name)
    kept: list[Report] = []
    text = source.decode(module.encoding)
    findings = list(locate(module, text, name, key or name, analysis.reports, job, kept, analysis.shown, suppress.file_suppression(source), analysis.positions))
    fixed: dict[str, bytes] = {}
    for finding, report in zip(findings, kept):  # locate keeps a report for each rule finding, in order
        if report.fix is not None and job.applies(report):
            try:
                data, applied = fix_module(module, [report.fix], source)
            except FixError:
                continue
            if applied and data != source:
                fixed[finding.fingerprint] = data
    return fixed


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
    honour = not job.ignore_suppressions
    wanted = intake.worth_parsing(code, honour) if job.project is None else not (honour and suppress.ignores_file(code))  # see intake.screen
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
    if result is not None and result.sites:
        from .inventory import in_cell  # call sites are described only for ``budgetlint inventory``
    sites = tuple(in_cell(site, module) for site in result.sites) if result is not None and result.sites else ()
    return FileResult(name, tuple(findings), parsed=result is not None and result.parsed, facts=facts, sites=sites)


def _error(name: str, message: str, line: int = 1, column: int = 1, text: str = "", *, key: str | None) -> FileResult:
    return FileResult(name, (intake.error(name, message, line, column, text, key=key),), parsed=False)
