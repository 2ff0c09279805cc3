"""Score budgetlint against the detection set (precision and recall on real code).

    python bench/detection/score.py CORPORA_DIR [--budgetlint CMD] [--json] [--verbose]

CORPORA_DIR holds one checkout per repository of ``repos.csv``, named ``owner+name``, at the
recorded commit (``checkout.py`` writes them). For each one this runs
``budgetlint check . --format json --exit-zero --no-cache`` (and ``budgetlint inventory``
for the CALL rows, when that command exists) in the checkout, then matches findings to
``labels.csv`` by (repo, path, cell, line, rule).

Only files that have labels are scored: there a finding with no ``flag`` row is a false
positive. Findings in other files are listed as "outside the labeled set". ``unresolvable``
rows are left out of precision and recall and counted apart. Standard library only.
"""

from __future__ import annotations

import argparse
import csv
import json
import shlex
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
RULES = ("CALL", "BL001", "BL002", "BL003", "BL004", "BL005")
LABELS = ("flag", "ok", "unresolvable")


@dataclass(frozen=True)
class Key:
    """Where a finding belongs: the matching key of labels and findings."""

    repo: str
    path: str
    cell: int | None
    line: int
    rule: str

    def where(self) -> str:
        cell = f"[cell {self.cell}]" if self.cell is not None else ""
        return f"{self.repo} {self.path}{cell}:{self.line}"


@dataclass(frozen=True)
class Label:
    key: Key
    label: str
    why: str
    commit: str = ""


@dataclass(frozen=True)
class Repo:
    repo: str
    commit: str
    kind: str = ""
    what: str = ""

    @property
    def dirname(self) -> str:
        return self.repo.replace("/", "+")


@dataclass
class RuleScore:
    """The score of one rule."""

    tp: list[Key] = field(default_factory=list)
    fp: list[Key] = field(default_factory=list)
    fn: list[Key] = field(default_factory=list)
    unresolvable: int = 0
    unresolvable_reported: int = 0

    @property
    def precision(self) -> float | None:
        found = len(self.tp) + len(self.fp)
        return len(self.tp) / found if found else None

    @property
    def recall(self) -> float | None:
        expected = len(self.tp) + len(self.fn)
        return len(self.tp) / expected if expected else None


@dataclass
class Score:
    rules: dict[str, RuleScore]
    outside: list[Key] = field(default_factory=list)
    """Findings in files that have no labels (not counted)."""


def _cell(value: object) -> int | None:
    if value in (None, ""):
        return None
    return int(value)  # type: ignore[arg-type]


def _norm_path(path: str) -> str:
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path


def load_labels(path: Path) -> list[Label]:
    """Read ``labels.csv``; a malformed row is an error naming its line."""
    labels = []
    with path.open(newline="", encoding="utf-8") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            rule, label = row["rule"].strip(), row["label"].strip()
            if rule not in RULES or label not in LABELS:
                raise ValueError(f"{path}:{number}: unknown rule {rule!r} or label {label!r}")
            key = Key(row["repo"].strip(), _norm_path(row["path"].strip()), _cell(row.get("cell")), int(row["line"]), rule)
            labels.append(Label(key, label, row.get("why", "").strip(), row.get("commit", "").strip()))
    return labels


def load_repos(path: Path) -> list[Repo]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [Repo(row["repo"].strip(), row["commit"].strip(), row.get("kind", ""), row.get("what", "")) for row in csv.DictReader(handle)]


def findings_from_report(repo: str, report: object) -> list[Key]:
    """Keys of a ``budgetlint check --format json`` report's findings for the rules scored here."""
    items = report.get("findings") if isinstance(report, dict) else None
    return [_key(repo, item, str(item.get("code", ""))) for item in items or [] if _located(item)]


def sites_from_inventory(repo: str, report: object) -> list[Key]:
    """CALL keys of a ``budgetlint inventory --format json`` report: its generation ``sites``."""
    items = report.get("sites") if isinstance(report, dict) else None
    return [_key(repo, item, "CALL") for item in items or [] if _located(item) and item.get("kind", "generation") == "generation"]


def _located(item: object) -> bool:
    return isinstance(item, dict) and "path" in item and "line" in item


def _key(repo: str, item: dict, rule: str) -> Key:
    return Key(repo, _norm_path(str(item["path"])), _cell(item.get("cell")), int(item["line"]), rule)


def match(labels: Iterable[Label], findings: Iterable[Key], rules: Sequence[str] = RULES) -> Score:
    """Score findings against labels, rule by rule (see the module docstring)."""
    labels = list(labels)
    by_key = {label.key: label for label in labels if label.key.rule in rules}
    labeled_files = {(label.key.repo, label.key.path) for label in labels}
    score = Score({rule: RuleScore() for rule in rules})
    for label in by_key.values():
        if label.label == "unresolvable":
            score.rules[label.key.rule].unresolvable += 1
    seen = set()
    for key in findings:
        if key.rule not in rules or key in seen:
            continue
        seen.add(key)
        in_labeled = (key.repo, key.path) in labeled_files
        label = by_key.get(key)
        if label is None:
            (score.rules[key.rule].fp if in_labeled else score.outside).append(key)
        elif label.label == "flag":
            score.rules[key.rule].tp.append(key)
        elif label.label == "ok":
            score.rules[key.rule].fp.append(key)
        else:
            score.rules[key.rule].unresolvable_reported += 1
    for key, label in by_key.items():
        if label.label == "flag" and key not in seen:
            score.rules[key.rule].fn.append(key)
    return score


def merge(scores: Iterable[Score], rules: Sequence[str] = RULES) -> Score:
    total = Score({rule: RuleScore() for rule in rules})
    for score in scores:
        total.outside.extend(score.outside)
        for rule, part in score.rules.items():
            into = total.rules.setdefault(rule, RuleScore())
            into.tp.extend(part.tp)
            into.fp.extend(part.fp)
            into.fn.extend(part.fn)
            into.unresolvable += part.unresolvable
            into.unresolvable_reported += part.unresolvable_reported
    return total


def verify_commit(directory: Path, commit: str) -> str | None:
    """A warning when the checkout is not at ``commit`` (or cannot be told), else None."""
    marker = directory / ".commit"
    if marker.is_file():
        found = marker.read_text(encoding="utf-8").strip()
        return None if found == commit else f"{directory.name}: .commit says {found}, labels are for {commit}"
    if (directory / ".git").exists():
        result = subprocess.run(["git", "-C", str(directory), "rev-parse", "HEAD"], capture_output=True, text=True)
        found = result.stdout.strip()
        if result.returncode == 0 and found:
            return None if found == commit else f"{directory.name}: HEAD is {found}, labels are for {commit}"
    return f"{directory.name}: cannot verify the commit (no .commit file, not a git checkout)"


def _run_json(command: list[str], cwd: Path) -> tuple[object | None, subprocess.CompletedProcess[str]]:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    try:
        return json.loads(result.stdout), result
    except json.JSONDecodeError:
        return None, result


def run_check(budgetlint: list[str], directory: Path) -> list[dict]:
    report, result = _run_json([*budgetlint, "check", ".", "--format", "json", "--exit-zero", "--no-cache"], directory)
    if not isinstance(report, dict):
        raise RuntimeError(f"budgetlint check failed in {directory} (exit {result.returncode}): {result.stderr.strip()[:500]}")
    return report


def run_inventory(budgetlint: list[str], directory: Path) -> object | None:
    """The inventory report, or None when budgetlint has no ``inventory`` command."""
    report, result = _run_json([*budgetlint, "inventory", ".", "--format", "json"], directory)
    if report is None and ("No such command" in result.stderr or result.returncode == 2):
        return None
    if report is None:
        raise RuntimeError(f"budgetlint inventory failed in {directory} (exit {result.returncode}): {result.stderr.strip()[:500]}")
    return report


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def render_text(score: Score, labels: list[Label], verbose: bool, notes: list[str]) -> str:
    why = {label.key: label.why for label in labels}
    lines = [*notes, "", f"{'rule':<6} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>9} {'recall':>7} {'unresolvable':>12}"]
    for rule, part in score.rules.items():
        lines.append(
            f"{rule:<6} {len(part.tp):>4} {len(part.fp):>4} {len(part.fn):>4} {_pct(part.precision):>9} {_pct(part.recall):>7} {part.unresolvable:>12}"
        )
    rows = [part for rule, part in score.rules.items() if rule != "CALL"]
    tp, fp, fn = (sum(len(getattr(part, name)) for part in rows) for name in ("tp", "fp", "fn"))
    lines.append(f"{'BL*':<6} {tp:>4} {fp:>4} {fn:>4} {_pct(tp / (tp + fp) if tp + fp else None):>9} {_pct(tp / (tp + fn) if tp + fn else None):>7}")
    lines.append(f"outside the labeled set: {len(score.outside)} findings (not counted)")
    if verbose:
        for rule, part in score.rules.items():
            for title, keys in (("FN", part.fn), ("FP", part.fp)):
                for key in sorted(keys, key=lambda k: (k.repo, k.path, k.cell or 0, k.line)):
                    lines.append(f"  {rule} {title} {key.where()}  {why.get(key, '(no label)')}")
        for key in sorted(score.outside, key=lambda k: (k.repo, k.path, k.cell or 0, k.line, k.rule)):
            lines.append(f"  outside {key.rule} {key.where()}")
    return "\n".join(lines)


def render_json(score: Score, notes: list[str]) -> str:
    def keys(items: list[Key]) -> list[dict]:
        return [{"repo": k.repo, "path": k.path, "cell": k.cell, "line": k.line, "rule": k.rule} for k in items]

    return json.dumps(
        {
            "notes": notes,
            "rules": {
                rule: {
                    "tp": len(part.tp),
                    "fp": len(part.fp),
                    "fn": len(part.fn),
                    "precision": part.precision,
                    "recall": part.recall,
                    "unresolvable": part.unresolvable,
                    "unresolvable_reported": part.unresolvable_reported,
                    "false_negatives": keys(part.fn),
                    "false_positives": keys(part.fp),
                }
                for rule, part in score.rules.items()
            },
            "outside": keys(score.outside),
        },
        indent=2,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", type=Path, help="directory with one checkout per repo, named owner+name")
    parser.add_argument("--budgetlint", default="budgetlint", help="command that runs budgetlint (default: budgetlint)")
    parser.add_argument("--labels", type=Path, default=HERE / "labels.csv")
    parser.add_argument("--repos", type=Path, default=HERE / "repos.csv")
    parser.add_argument("--json", action="store_true", help="print the score as JSON")
    parser.add_argument("--verbose", action="store_true", help="list false negatives, false positives and findings outside the labeled set")
    args = parser.parse_args(argv)
    if not args.corpora.is_dir():
        parser.error(f"{args.corpora} is not a directory")
    try:
        labels = load_labels(args.labels)
        repos = load_repos(args.repos)
    except (OSError, KeyError, ValueError) as error:
        parser.error(str(error))
    budgetlint = shlex.split(args.budgetlint)
    notes: list[str] = []
    findings: list[Key] = []
    calls: list[Key] = []
    inventory_available = True
    scored_repos = set()
    for repo in repos:
        directory = args.corpora / repo.dirname
        if not directory.is_dir():
            notes.append(f"warning: {repo.repo} is not checked out ({directory}); its labels are not scored")
            continue
        warning = verify_commit(directory, repo.commit)
        if warning:
            notes.append(f"warning: {warning}")
        scored_repos.add(repo.repo)
        try:
            findings += findings_from_report(repo.repo, run_check(budgetlint, directory))
            if inventory_available:
                inventory = run_inventory(budgetlint, directory)
                if inventory is None:
                    inventory_available = False
                else:
                    calls += sites_from_inventory(repo.repo, inventory)
        except (OSError, RuntimeError) as error:
            print(f"score.py: {error}", file=sys.stderr)
            return 2
    labels = [label for label in labels if label.key.repo in scored_repos]
    rules = RULES if inventory_available else RULES[1:]
    if not inventory_available:
        notes.append("CALL: inventory not available")
    score = match(labels, [*findings, *calls], rules)
    print(render_json(score, notes) if args.json else render_text(score, labels, args.verbose, notes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
