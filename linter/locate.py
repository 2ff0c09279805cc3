"""Reports become findings: located, suppressed by comments, fingerprinted."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import CodeRange

from . import suppress
from .codes import UNEXPLAINED_SUPPRESSION
from .finding import Finding, Related
from .fix import may_rewrite
from .intake import engine_finding, fingerprint, source_lines
from .job import Job
from .positions import Positions, whole_module
from .rule import Report, Rule, SuppressionUse


def positions(module: cst.Module, text: str | None = None) -> Mapping[cst.CSTNode, CodeRange]:
    """``PositionProvider``'s positions: generated statement by statement as they are looked up
    when the module's ``text`` is given, else for the whole module at once."""
    return Positions(module, text) if text is not None else whole_module(module)


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
    memo: Callable[[cst.CSTNode], dict | None] | None = None,
) -> Iterable[Finding]:
    """Findings for the reports: first those not suppressed (by a comment on their line or
    ``file_rule``, the file's ``ignore-file[CODES]``), whose reports are appended to ``kept``, then
    the reports on the suppressions themselves (BL901, BL900), then the suppressed ones, each
    carrying its reason (``Finding.suppression``). ``--ignore-suppressions`` (``Job``) reads no
    comment.

    ``shown`` gives the display name of another module (by its root-relative path) that a
    report's related location is in; ``where_of``: the module's positions, when already at hand
    (else generated for the statements looked up); ``memo``: a node's dict of what is kept with its
    statement (``reparse.Document.memo``), where a flagged node's snippet is kept between keystrokes."""
    honoured = not job.ignore_suppressions
    file_rule = file_rule if honoured else None
    lines = source_lines(text)
    found = honoured and suppress.might_suppress(text)
    comments = suppress.suppressions(text) if found else {}
    if where_of is None:
        where_of = positions(module, text)
    place = _Place(module, name, key, job, lines, where_of, shown, memo)
    silenced: dict[int, set[str]] = {}
    hidden: list[tuple[type[Rule], Report, str]] = []
    seen: set[tuple] = set()
    for rule, report in reports:
        line = where_of[report.node].start.line
        identity = (rule.code, line, where_of[report.node].start.column, report.message)
        if identity in seen:
            continue
        seen.add(identity)
        place.count(rule.code, report)
        comment = comments.get(line)
        if comment is not None and comment.covers(rule.code):
            silenced.setdefault(line, set()).add(rule.code)
            hidden.append((rule, report, comment.reason))
        elif file_rule is not None and file_rule.covers(rule.code):
            hidden.append((rule, report, file_rule.reason))
        else:
            if kept is not None:
                kept.append(report)
            yield place.finding(rule, report)
    judges = [rule for rule in job.rules if rule.judges_suppressions] if comments else []
    if judges:
        used = {line: frozenset(codes) for line, codes in silenced.items()}
        ran = frozenset(rule.code for rule in job.rules if not rule.judges_suppressions)
        use = SuppressionUse(module, where_of, comments, used, ran, job.every_rule)
        for rule in judges:
            for report in rule().check_suppressions(use):
                place.count(rule.code, report)
                if file_rule is not None and file_rule.covers(rule.code):
                    hidden.append((rule, report, file_rule.reason))
                    continue
                if kept is not None:
                    kept.append(report)
                yield place.finding(rule, report)
    if job.report_suppressions:
        unexplained = [line for line in sorted(silenced) if not comments[line].reason]
        for occurrence, line in enumerate(unexplained):
            yield engine_finding(
                UNEXPLAINED_SUPPRESSION,
                name,
                line,
                1,
                "suppression without a reason: at tier hard every silenced finding needs one. "
                "Add it after `--`, e.g. `# budgetlint: ignore[BL001] -- bounded by the gateway`.",
                job.policy,
                lines,
                key=key,
                occurrence=occurrence,
            )
    yield from unexplained_file(file_rule, name, key, lines, job)
    for rule, report, reason in hidden:
        yield place.finding(rule, report, suppression=reason)


@dataclass
class _Place:
    """Turns a file's reports into findings: located, fingerprinted (by the flagged node's text
    and its occurrence among the reports of that code and text)."""

    module: cst.Module
    name: str
    key: str
    job: Job
    lines: list[str]
    where_of: Mapping[cst.CSTNode, CodeRange]
    shown: Callable[[str], str]
    memo: Callable[[cst.CSTNode], dict | None] | None = None
    counts: dict[tuple[str, str], int] = field(default_factory=dict)
    noted: dict[int, tuple[str, int]] = field(default_factory=dict)
    """id of a report -> its snippet (the flagged node's text) and occurrence."""

    def count(self, code: str, report: Report) -> None:
        """Note a report, shown or suppressed: its occurrence counts every report before it, so a
        fingerprint does not change when a comment silences another finding, or this one."""
        snippet = self._snippet(report.node)
        index = self.counts.get((code, snippet), 0)
        self.counts[(code, snippet)] = index + 1
        self.noted[id(report)] = (snippet, index)

    def _snippet(self, node: cst.CSTNode) -> str:
        """The flagged node's code, its whitespace runs made single spaces."""
        kept = self.memo(node) if self.memo is not None else None
        snippet = kept.get(("snippet", node)) if kept is not None else None
        if snippet is None:
            snippet = " ".join(self.module.code_for_node(node).split())
            if kept is not None:
                kept[("snippet", node)] = snippet
        return snippet

    def finding(self, rule: type[Rule], report: Report, suppression: str | None = None) -> Finding:
        where = self.where_of[report.node]
        line, column = where.start.line, where.start.column + 1
        code = rule.code
        snippet, index = self.noted[id(report)]
        return Finding(
            path=self.name,
            line=line,
            column=column,
            code=code,
            end_line=where.end.line,
            end_column=where.end.column + 1,
            name=rule.name,
            message=report.message,
            tier=rule.tier.label,
            blocking=self.job.policy.blocks(rule.tier),
            fingerprint=fingerprint(code, self.key, snippet, index),
            fixable=suppression is None and self.job.applies(report) and may_rewrite(self.name),
            source_line=self.lines[line - 1] if 0 < line <= len(self.lines) else "",
            related=tuple(_related(place, self.where_of, self.name, self.shown) for place in report.related),
            suppression=suppression,
        )


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
