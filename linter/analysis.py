"""One module's analysis: its call-site model (with the project's summaries in the second
phase), every rule's reports, and the facts the project phases need from it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import libcst as cst
from libcst.metadata import CodeRange

from . import matching, summary, timing, wrappers
from .job import Job
from .locate import positions
from .model import FileModel
from .project import ProjectView
from .rule import Report, Rule
from .statements import Memo, Reuse

_MOVABLE = frozenset({"BL001", "BL002"})
"""Codes reported at a wrapper's callers instead of at its inner call."""


@dataclass
class Analysis:
    module: cst.Module
    model: FileModel
    key: str
    reports: list[tuple[type[Rule], Report]]
    view: ProjectView | None
    job: Job
    text: str | None = None
    known: Mapping[cst.CSTNode, CodeRange] | None = None

    @cached_property
    def positions(self) -> Mapping[cst.CSTNode, CodeRange]:
        """The module's node positions: ``known`` (kept by ``reparse.Document``), else generated
        for the statements looked up (given ``text``)."""
        return self.known if self.known is not None else positions(self.module, self.text)

    def position(self, node: cst.CSTNode) -> tuple[int, int, int, int]:
        where: CodeRange = self.positions[node]
        return where.start.line, where.start.column + 1, where.end.line, where.end.column + 1

    def shown(self, key: str) -> str:
        """The display name of the module at root-relative ``key`` (for related locations)."""
        return self.view.shown(key) if self.view is not None else key

    def facts(self, kept: list[Report] | None = None) -> dict:
        """``summary.file_facts``, with the marks of the ``kept`` reports (parallel to the findings)."""
        with timing.phase("summaries"):
            return self._facts(kept)

    def _facts(self, kept: list[Report] | None) -> dict:
        if self.job.summaries:
            facts = summary.file_facts(self.model, self.key, self.position, self.job.policy.carriers, self.job.policy.endpoints())
        else:
            facts = {"needs": summary.needs(self.model)}
        inner = {id(site.node): local.helper.id for local in self.model.helpers if local.helper.wrapper for site in local.inner}
        codes = {id(report): rule.code for rule, report in self.reports}
        facts["marks"] = [
            [index, inner[id(report.node)]]
            for index, report in enumerate(kept or ())
            if id(report.node) in inner and codes.get(id(report)) in _MOVABLE
        ]
        return facts


def analyse(
    module: cst.Module,
    job: Job,
    key: str,
    text: str | None = None,
    known: Mapping[cst.CSTNode, CodeRange] | None = None,
    memo: Memo | None = None,
) -> Analysis:
    """Build the module's model (the project's summaries resolving its imports in the second
    phase), link its helpers, and run every rule; ``known``: the module's positions, if kept;
    ``memo``: what is kept with each top-level statement (``reparse.Document.memo``), where what
    matching and linking decided for an unchanged statement is reused (``statements.py``)."""
    view = job.project.view(key) if job.project is not None else None
    reuse = Reuse(memo, (job.project, job.policy), (key,)) if memo is not None else None
    with timing.phase("model"):
        file_model = matching.build(module, job.policy.endpoints(), view, reuse)
        wrappers.link(file_model, key, job.policy.carriers, view, reuse)
    with timing.phase("rules"):
        reports = [(rule, report) for rule in job.rules for report in rule().check(file_model, job.policy)]
    return Analysis(module, file_model, key, reports, view, job, text, known)
