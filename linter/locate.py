"""Reports become findings: located, suppressed by comments, fingerprinted."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from . import suppress
from .codes import UNEXPLAINED_SUPPRESSION
from .finding import Finding, Related
from .fix import may_rewrite
from .intake import engine_finding, fingerprint, source_lines
from .job import Job
from .rule import Report


def positions(module: cst.Module) -> Mapping[cst.CSTNode, CodeRange]:
    """``PositionProvider``'s positions, computed directly.

    ``MetadataWrapper.resolve`` also visits (and rebuilds) the whole tree for the batchable
    providers, even when there are none: 30% of the cost of positions.
    """
    return PositionProvider()._gen(MetadataWrapper(module, unsafe_skip_copy=True))


RELATED_MESSAGE = "the LLM call the wrapper makes"


def locate(
    module: cst.Module,
    text: str,
    name: str,
    key: str,
    reports: list,
    job: Job,
    kept: list[Report] | None = None,
    shown: Callable[[str], str] = str,
    file_rule: suppress.Suppression | None = None,
    where_of: Mapping[cst.CSTNode, CodeRange] | None = None,
) -> Iterable[Finding]:
    """Findings for the reports not suppressed (by a comment on their line or ``file_rule``, the
    file's ``ignore-file[CODES]``); those reports are appended to ``kept``.

    ``shown`` gives the display name of another module (by its root-relative path) that a
    report's related location is in; ``where_of``: the module's positions, when already computed
    (they cost a whole code generation of the module)."""
    if where_of is None:
        where_of = positions(module) if reports else {}
    lines = source_lines(text)
    comments = suppress.suppressions(text) if suppress.might_suppress(text.encode("utf-8", "replace")) else {}
    occurrences: dict[tuple[str, str], int] = {}
    used: set[int] = set()
    seen: set[tuple] = set()
    for rule, report in reports:
        where = where_of[report.node]
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
            related=tuple(_related(place, where_of, name, shown) for place in report.related),
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
    yield from unexplained_file(file_rule, name, key, lines, job)


def unexplained_file(file_rule: suppress.Suppression | None, name: str, key: str, lines: list[str], job: Job) -> Iterator[Finding]:
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


def _related(place: object, where_of: Mapping[cst.CSTNode, CodeRange], name: str, shown: Callable[[str], str]) -> Related:
    """A report's related place: a node of this module, or (key, line, column, end line, end column)."""
    if isinstance(place, cst.CSTNode):
        where = where_of[place]
        return Related(name, where.start.line, where.start.column + 1, where.end.line, where.end.column + 1, RELATED_MESSAGE)
    key, line, column, end_line, end_column = place  # type: ignore[misc]
    return Related(shown(key), line, column, end_line, end_column, RELATED_MESSAGE)
