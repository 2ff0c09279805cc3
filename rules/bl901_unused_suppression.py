"""BL901 unused-suppression."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from budgetlint.fix import Fix, Replace
from budgetlint.model import FileModel
from budgetlint.policy import Policy, Tier
from budgetlint.rule import Invalid, Report, Rule, SuppressionUse, Valid
from budgetlint.suppress import Suppression, without

_HEAD = "from openai import OpenAI\nclient = OpenAI()\n"
_BL001_ONLY = 'client.chat.completions.create(model="m", messages=[], metadata={"feature": "x"})'
"""A call only BL001 flags."""


class UnusedSuppression(Rule):
    """
    ## What it does
    Flags a line suppression of budgetlint's (`# budgetlint: ignore[BL001] -- reason`, or
    `# noqa: BL001 -- reason`) naming a code that silenced nothing on its line: the call was
    fixed, moved or deleted, or the comment sits on another line than the first line of the
    flagged call (a comment on the line above silences nothing).

    Only budgetlint's own codes of the rules that ran are judged: `# noqa: E501, BL001` is never
    flagged for `E501`, a code left out by `--select`/`--ignore` (or `select`/`ignore` in
    `[tool.budgetlint]`) is not judged in that run, and a bare `# noqa` belongs to every linter
    reading it, so it is left alone. A bare `# budgetlint: ignore` is judged when every rule ran.
    A comment that also names `BL901` (`# budgetlint: ignore[BL001, BL901] -- reason`) is kept
    as written, and `# budgetlint: ignore-file[BL901] -- reason` turns the rule off for a file.
    File-level suppressions are not judged. `--ignore-suppressions` turns the rule off.

    ## Why is this bad?
    A stale suppression is a hole waiting for a finding: the next unbounded call written on
    that line is silenced without anyone deciding it should be, and the reason next to it
    describes code that is gone. Like ruff's `RUF100`, it blocks at tier hard (the default),
    where every suppression must be a considered decision (BL900), and is a warning below.

    ## Example
    ```python
    client.chat.completions.create(model=m, messages=h, max_tokens=512)  # noqa: BL001 -- gateway caps output
    ```

    Use instead:
    ```python
    client.chat.completions.create(model=m, messages=h, max_tokens=512)
    ```

    ## Fix safety
    The fix removes the unused codes from the comment, keeping the others and the reason; when
    no code remains it removes the suppression with its reason (a comment on its own line goes
    with its line), keeping any other comment written after or before it
    (`# type: ignore  # noqa: BL001` becomes `# type: ignore`). It changes no code, so it is
    safe: `--fix` applies it.
    """

    code = "BL901"
    name = "unused-suppression"
    tier = Tier.HARD
    summary = "suppression comment that silences nothing"
    fix_title = "Remove the unused code, or the comment"
    fixable = True
    judges_suppressions = True

    VALID = [
        _HEAD + _BL001_ONLY + "  # budgetlint: ignore[BL001] -- the gateway caps output\n",
        _HEAD + _BL001_ONLY + "  # noqa: BL001 -- the gateway caps output\n",
        _HEAD + 'client.chat.completions.create(model="m", messages=[])  # budgetlint: ignore[BL001, BL002] -- batch job\n',
        "x = 1  # noqa: E501\n",
        "x = 1  # noqa\n",
        "x = 1  # budgetlint: ignore[BL001, BL901] -- kept for the v2 client\n",
        "# budgetlint: ignore-file[BL901] -- migrating the suppressions\nx = 1  # noqa: BL001 -- old client\n",
        'marker = "# noqa: BL001 -- inside a string"\n',
        Valid("x = 1  # noqa: BL999 -- not a code budgetlint knows\n"),
        Valid(_HEAD + _BL001_ONLY + "  # noqa: BL001 -- reported as a warning at tier soft\n", {"tier": "soft"}),
    ]
    INVALID = [
        Invalid("x = 1  # noqa: BL001 -- stale\n", line=1, column=8, expected_replacement="x = 1\n"),
        Invalid("x = 1  # budgetlint: ignore[BL001] -- stale\n", expected_replacement="x = 1\n"),
        Invalid(
            _HEAD + _BL001_ONLY + "  # budgetlint: ignore[BL001,BL002] -- the gateway caps output\n",
            line=3,
            expected_replacement=_HEAD + _BL001_ONLY + "  # budgetlint: ignore[BL001] -- the gateway caps output\n",
        ),
        Invalid("x = 1  # noqa: E501, BL001 -- long line\n", expected_replacement="x = 1  # noqa: E501 -- long line\n"),
        Invalid("x = f()  # type: ignore  # noqa: BL002 -- old\n", expected_replacement="x = f()  # type: ignore\n"),
        Invalid(
            "def f():\n    # noqa: BL001 -- on the line above the call\n    return 1\n",
            line=2,
            column=5,
            expected_replacement="def f():\n    return 1\n",
        ),
        Invalid("x = 1  # budgetlint: ignore -- legacy module\n", expected_replacement="x = 1\n"),
        Invalid(
            _HEAD + "client.chat.completions.create(  # noqa: BL002 -- tagged by the proxy\n"
            '    model="m", messages=[], max_tokens=5, metadata={"feature": "x"}\n)\n',
            line=3,
            column=34,
            expected_replacement=_HEAD + "client.chat.completions.create(\n"
            '    model="m", messages=[], max_tokens=5, metadata={"feature": "x"}\n)\n',
        ),
        Invalid(
            "x = 1  # noqa: bl001 -- a\ny = 2  # budgetlint: ignore[BL004] -- b\n",
            count=2,
            expected_replacement="x = 1\ny = 2\n",
        ),
        Invalid("x = 1  #budgetlint:ignore[bl001,E501]\n", expected_replacement="x = 1  #budgetlint:ignore[E501]\n"),
    ]

    def check(self, model: FileModel, policy: Policy) -> Iterator[Report]:
        return iter(())  # judged from the suppressions, once the other rules' findings are known

    def check_suppressions(self, use: SuppressionUse) -> Iterator[Report]:
        unused = {line: codes for line, comment in use.comments.items() if (codes := self._unused(comment, use)) is not None}
        if not unused:
            return
        holders = _Holders()
        use.module.visit(holders)
        for comment_node, holder in holders.found:
            line = use.positions[comment_node].start.line
            codes = unused.get(line)
            if codes is None:
                continue
            suppression = use.comments[line]
            yield Report(comment_node, _message(codes, isinstance(holder, cst.EmptyLine)), _fix(holder, suppression, codes))

    def _unused(self, comment: Suppression, use: SuppressionUse) -> frozenset[str] | None:
        """The codes of ``comment`` that silenced nothing (empty: a bare one that did not); None
        when it is used or not judged."""
        silenced = use.silenced.get(comment.line, frozenset())
        if comment.codes is None:
            if comment.noqa or silenced or not use.every_rule:
                return None
            return frozenset()
        if self.code in comment.codes:
            return None
        unused = (comment.codes & use.judged) - silenced
        return frozenset(unused) if unused else None


class _Holders(cst.CSTVisitor):
    """Each comment of the module with the node holding it (a line's trailing whitespace, or a
    line of its own)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[cst.Comment, cst.TrailingWhitespace | cst.EmptyLine]] = []

    def visit_TrailingWhitespace(self, node: cst.TrailingWhitespace) -> None:
        if node.comment is not None:
            self.found.append((node.comment, node))

    def visit_EmptyLine(self, node: cst.EmptyLine) -> None:
        if node.comment is not None:
            self.found.append((node.comment, node))


def _message(codes: frozenset[str], own_line: bool) -> str:
    if codes:
        named = ", ".join(sorted(codes))
        text = f"unused suppression of {named}: nothing on this line is reported for {'it' if len(codes) == 1 else 'them'}"
    else:
        text = "unused suppression: nothing on this line is reported"
    if own_line:
        text += " (a suppression applies to its own line: the first line of the flagged call)"
    return text


def _fix(holder: cst.TrailingWhitespace | cst.EmptyLine, suppression: Suppression, codes: frozenset[str]) -> Fix:
    text = without(suppression, codes)
    if text is not None:
        return Fix((Replace(holder, holder.with_changes(comment=cst.Comment(text))),))
    if isinstance(holder, cst.EmptyLine):
        return Fix((Replace(holder, cst.RemovalSentinel.REMOVE),))
    return Fix((Replace(holder, holder.with_changes(whitespace=cst.SimpleWhitespace(""), comment=None)),))
