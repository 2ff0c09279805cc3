"""The detection-set scorer (bench/detection/score.py) matches findings to labels correctly."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

SCORE_PY = Path(__file__).resolve().parents[1] / "bench" / "detection" / "score.py"


@pytest.fixture(scope="module")
def score():
    spec = importlib.util.spec_from_file_location("detection_score", SCORE_PY)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


LABELS_CSV = """repo,commit,path,cell,line,rule,label,why
o/a,abc,app.py,,10,BL001,flag,no limit
o/a,abc,app.py,,10,BL002,ok,client may carry the tag
o/a,abc,app.py,,20,BL001,flag,no limit
o/a,abc,app.py,,30,BL001,unresolvable,limit from a parameter
o/a,abc,nb.ipynb,2,3,BL005,flag,unbounded loop
o/a,abc,nb.ipynb,3,3,BL005,ok,bounded loop
"""


def write_labels(tmp_path: Path) -> Path:
    path = tmp_path / "labels.csv"
    path.write_text(LABELS_CSV, encoding="utf-8")
    return path


def key(score, path, line, rule, cell=None):
    return score.Key("o/a", path, cell, line, rule)


def test_flag_found_is_tp_missing_is_fn_ok_found_is_fp(score, tmp_path):
    labels = score.load_labels(write_labels(tmp_path))
    findings = [key(score, "app.py", 10, "BL001"), key(score, "app.py", 10, "BL002")]
    result = score.match(labels, findings)
    bl001, bl002 = result.rules["BL001"], result.rules["BL002"]
    assert (len(bl001.tp), len(bl001.fp), len(bl001.fn)) == (1, 0, 1)
    assert bl001.fn == [key(score, "app.py", 20, "BL001")]
    assert (len(bl002.tp), len(bl002.fp)) == (0, 1)
    assert bl001.precision == 1.0 and bl001.recall == 0.5


def test_unlabeled_line_in_labeled_file_is_fp_and_other_files_are_outside(score, tmp_path):
    labels = score.load_labels(write_labels(tmp_path))
    findings = [key(score, "app.py", 11, "BL001"), key(score, "other.py", 1, "BL001")]
    result = score.match(labels, findings)
    assert result.rules["BL001"].fp == [key(score, "app.py", 11, "BL001")]
    assert result.outside == [key(score, "other.py", 1, "BL001")]


def test_unresolvable_rows_are_counted_apart_not_scored(score, tmp_path):
    labels = score.load_labels(write_labels(tmp_path))
    result = score.match(labels, [key(score, "app.py", 30, "BL001")])
    bl001 = result.rules["BL001"]
    assert bl001.unresolvable == 1 and bl001.unresolvable_reported == 1
    assert not bl001.tp and not bl001.fp
    assert key(score, "app.py", 30, "BL001") not in bl001.fn


def test_notebook_findings_match_by_cell(score, tmp_path):
    labels = score.load_labels(write_labels(tmp_path))
    findings = [key(score, "nb.ipynb", 3, "BL005", cell=3), key(score, "nb.ipynb", 3, "BL005", cell=4)]
    bl005 = score.match(labels, findings).rules["BL005"]
    assert bl005.fp == findings  # cell 3 is an ok row, cell 4 has no row
    assert bl005.fn == [key(score, "nb.ipynb", 3, "BL005", cell=2)]


def test_duplicate_findings_count_once_and_other_codes_are_ignored(score, tmp_path):
    labels = score.load_labels(write_labels(tmp_path))
    found = key(score, "app.py", 20, "BL001")
    result = score.match(labels, [found, found, key(score, "app.py", 5, "BL900")])
    assert result.rules["BL001"].tp == [found]
    assert all(not part.fp for part in result.rules.values()) and not result.outside


def test_report_paths_are_normalised_and_cells_read(score):
    report = {"findings": [{"path": "./app.py", "line": 20, "code": "BL001"}, {"path": "nb.ipynb", "cell": 2, "line": 3, "code": "BL005"}]}
    assert score.findings_from_report("o/a", report) == [key(score, "app.py", 20, "BL001"), key(score, "nb.ipynb", 3, "BL005", cell=2)]
    inventory = {"sites": [{"path": "app.py", "line": 10, "kind": "generation"}, {"path": "app.py", "line": 4, "kind": "client"}]}
    assert score.sites_from_inventory("o/a", inventory) == [key(score, "app.py", 10, "CALL")]


def test_inventory_json_is_read_as_call_sites(score, tmp_path, monkeypatch):
    """The scorer reads what `budgetlint inventory --format json` prints (notebook cells too)."""
    from click.testing import CliRunner

    from budgetlint.cli import main

    (tmp_path / ".git").mkdir()
    (tmp_path / "app.py").write_text('import ollama\n\nollama.chat(model="llama3", messages=[])\n', encoding="utf-8")
    cells = [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": ["import ollama\n"]},
             {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": ['ollama.generate(model="m", prompt="p")\n']}]
    (tmp_path / "nb.ipynb").write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["inventory", ".", "--format", "json", "--all"])
    assert result.exit_code == 0, result.output
    assert score.sites_from_inventory("o/a", json.loads(result.stdout)) == [key(score, "app.py", 3, "CALL"), key(score, "nb.ipynb", 1, "CALL", cell=2)]


def test_precision_and_recall_are_undefined_without_findings_or_flags(score):
    empty = score.RuleScore()
    assert empty.precision is None and empty.recall is None


def test_bad_rule_in_labels_is_an_error_naming_the_line(score, tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text(LABELS_CSV + "o/a,abc,app.py,,1,BL009,flag,x\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"labels.csv:8"):
        score.load_labels(path)


def test_commit_is_verified_from_the_commit_file(score, tmp_path):
    (tmp_path / ".commit").write_text("abc\n", encoding="utf-8")
    assert score.verify_commit(tmp_path, "abc") is None
    assert "labels are for def" in score.verify_commit(tmp_path, "def")
    bare = tmp_path / "bare"
    bare.mkdir()
    assert "cannot verify" in score.verify_commit(bare, "abc")


def test_main_scores_a_fake_budgetlint_and_reports_missing_inventory(score, tmp_path, capsys):
    labels = write_labels(tmp_path)
    repos = tmp_path / "repos.csv"
    repos.write_text("repo,commit,kind,what\no/a,abc,app,x\n", encoding="utf-8")
    checkout = tmp_path / "corpora" / "o+a"
    checkout.mkdir(parents=True)
    (checkout / ".commit").write_text("abc\n", encoding="utf-8")
    fake = tmp_path / "fake_budgetlint.py"
    fake.write_text(
        "import json, sys\n"
        "if sys.argv[1] == 'inventory':\n"
        "    print('Error: No such command', file=sys.stderr); sys.exit(2)\n"
        f"print(json.dumps({{'findings': [{{'path': 'app.py', 'line': 10, 'code': 'BL001'}}]}}))\n",
        encoding="utf-8",
    )
    argv = [str(tmp_path / "corpora"), "--budgetlint", f"{sys.executable} {fake}", "--labels", str(labels), "--repos", str(repos), "--json"]
    assert score.main(argv) == 0
    report = json.loads(capsys.readouterr().out)
    assert "CALL: inventory not available" in report["notes"]
    assert "CALL" not in report["rules"]
    assert report["rules"]["BL001"]["tp"] == 1 and report["rules"]["BL001"]["fn"] == 1
