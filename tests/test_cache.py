"""The result cache: a hit equals a fresh run, anything that changes findings misses, damage is a miss."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from budgetlint import __version__, cache, engine
from budgetlint.cache import KEEP_INDEXES, ResultCache, canonical, configuration_key
from budgetlint.catalog import Location
from budgetlint.cli import main
from budgetlint.engine import Job
from budgetlint.runner import lint_paths
from budgetlint.policy import DEFAULT_POLICY, Policy, Tier
from budgetlint.rules import ALL_RULES
from click.testing import CliRunner

CALL = 'from openai import OpenAI\nOpenAI().chat.completions.create(model="m", messages=[], metadata={"feature": "x"}LIMIT)\n'
UNBOUNDED = CALL.replace("LIMIT", "")
BOUNDED = CALL.replace("LIMIT", ", max_tokens=50")
BROKEN = "import openai\ndef f(:\n"


def guardrails(tier: str = "hard", ceiling: int = 2048) -> str:
    return (
        f"apiVersion: budgetlint/v1\nkind: Guardrails\ntier: {tier}\nmetering: {{}}\n"
        "routing:\n  escalation_log: {}\n"
        f"ceilings:\n  max_output_tokens: {ceiling}\n  session_tokens: 200000\n  agent_loop_iterations: 25\n"
    )


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "chat.py").write_text(UNBOUNDED)
    (tmp_path / "app" / "bounded.py").write_text(BOUNDED)
    (tmp_path / "app" / "broken.py").write_text(BROKEN)
    (tmp_path / "plain.py").write_text("print('no LLM here')\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(cache.ENV_VAR, raising=False)
    return tmp_path


def check(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", "--format", "json", "--jobs", "1", *args], catch_exceptions=False)
    return result.exit_code, result.stdout


def index_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.json"))


# hits


def test_a_cache_hit_gives_byte_identical_findings(project, linted):
    fresh = check("--no-cache", ".")
    assert sorted(linted) == ["app/bounded.py", "app/broken.py", "app/chat.py", "plain.py"]
    first = check(".")
    linted.clear()
    second = check(".")
    assert linted == []  # every file answered from the cache
    assert fresh == first == second
    codes = [finding["code"] for finding in json.loads(second[1])["findings"]]
    assert codes == ["BL000", "BL001"]  # a cached parse error is still reported


def test_every_output_format_is_the_same_from_the_cache(project):
    for output_format in ("text", "json", "sarif", "github"):
        runner = CliRunner()
        fresh = runner.invoke(main, ["check", "--format", output_format, "--no-cache", "."])
        check(".")
        cached = runner.invoke(main, ["check", "--format", output_format, "."])
        assert (cached.exit_code, cached.stdout) == (fresh.exit_code, fresh.stdout)


def test_only_a_changed_file_is_linted_again(project, linted):
    check(".")
    (project / "app" / "bounded.py").write_text(UNBOUNDED)
    linted.clear()
    _, out = check(".")
    assert linted == ["app/bounded.py"]
    assert [f["path"] for f in json.loads(out)["findings"] if f["code"] == "BL001"] == ["app/bounded.py", "app/chat.py"]


def test_same_size_same_mtime_different_bytes_is_a_miss(project, linted, monkeypatch):
    """Tools that restore mtimes (tar, rsync, actions/cache) cannot restore ctime: the file is hashed."""
    monkeypatch.setattr(cache, "RECENT_NS", 0)  # record stats although the files were just written
    path = project / "app" / "chat.py"
    old = path.stat()
    _, before = check(".")
    path.write_text(UNBOUNDED.replace('"m"', '"n"'))  # the same size
    os.utime(path, ns=(old.st_atime_ns, old.st_mtime_ns))
    linted.clear()
    _, after = check(".")
    assert linted == ["app/chat.py"]
    assert after == check("--no-cache", ".")[1] != before  # the fingerprint hashes the flagged code


def test_an_unchanged_file_with_a_recorded_stat_is_not_even_read(project, linted, monkeypatch):
    monkeypatch.setattr(cache, "RECENT_NS", 0)  # record stats although the files were just written
    fresh = check("--no-cache", ".")
    check(".")
    monkeypatch.setattr(cache, "digest", lambda source: pytest.fail("a file was read and hashed"))
    linted.clear()
    assert check(".") == fresh
    assert linted == []


def test_a_touched_but_unchanged_file_is_a_hit(project, linted):
    check(".")
    os.utime(project / "app" / "chat.py")
    linted.clear()
    check(".")
    assert linted == []


def test_running_from_another_directory_names_files_from_there(project, linted):
    check(".")
    os.chdir(project / "app")
    linted.clear()
    _, out = check(".")
    assert sorted(linted) == ["bounded.py", "broken.py", "chat.py"]  # names changed: linted again
    assert {f["path"] for f in json.loads(out)["findings"]} == {"broken.py", "chat.py"}


# misses: the configuration and budgetlint itself


def test_a_guardrails_tier_change_invalidates_the_cache(project, linted):
    (project / "guardrails.yaml").write_text(guardrails("hard"))
    _, hard = check(".")
    (project / "guardrails.yaml").write_text(guardrails("soft"))
    linted.clear()
    _, soft = check(".")
    assert sorted(linted) == ["app/bounded.py", "app/broken.py", "app/chat.py", "plain.py"]
    blocking = {f["code"]: f["blocking"] for f in json.loads(soft)["findings"]}
    assert blocking == {"BL000": True, "BL001": False}
    assert hard != soft


def test_a_ceiling_change_invalidates_the_cache(project, linted):
    (project / "guardrails.yaml").write_text(guardrails(ceiling=100))
    _, before = check(".")
    (project / "guardrails.yaml").write_text(guardrails(ceiling=10))
    linted.clear()
    _, after = check(".")
    assert "app/bounded.py" in linted
    assert "app/bounded.py" not in before and "app/bounded.py" in after  # 50 is above the new ceiling


def test_select_and_command_line_options_are_part_of_the_key(project, linted):
    check(".")
    for options in (["--select", "BL000"], ["--tier", "medium"], ["--strict"], ["--unsafe-fixes"]):
        linted.clear()
        check(*options, ".")
        assert linted, options


def test_the_configuration_key_covers_every_policy_field():
    base = configuration_key(__version__, DEFAULT_POLICY, ALL_RULES)
    assert base == configuration_key(__version__, Policy(), ALL_RULES)
    changed = [
        Policy(tier=Tier.SOFT),
        Policy(strict=True),
        Policy(max_output_tokens=10),
        Policy(agent_loop_iterations=3),
        Policy(features=("search",)),
        Policy(env_locations={"X_URL": Location.LOCAL}),
        Policy(local_env_pattern="LOCAL"),
    ]
    keys = {configuration_key(__version__, policy, ALL_RULES) for policy in changed}
    assert base not in keys and len(keys) == len(changed)
    assert configuration_key(__version__, DEFAULT_POLICY, ALL_RULES[:1]) != base
    assert configuration_key("0.0.1", DEFAULT_POLICY, ALL_RULES) != base


def test_the_configuration_key_is_the_same_in_another_process():
    script = (
        "from budgetlint import __version__; from budgetlint.cache import configuration_key; "
        "from budgetlint.policy import Policy; from budgetlint.rules import ALL_RULES; "
        "print(configuration_key(__version__, Policy(env_locations={'B': 'local', 'A': 'cloud'}), ALL_RULES))"
    )
    other = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.strip()
    here = configuration_key(__version__, Policy(env_locations={"A": "cloud", "B": "local"}), ALL_RULES)
    assert other == here


def test_a_value_the_key_cannot_represent_is_an_error_not_an_unstable_key():
    with pytest.raises(TypeError):
        canonical(object())


# what is never cached


def test_no_cache_writes_nothing(project):
    check("--no-cache", ".")
    assert not (project / cache.DIRECTORY_NAME).exists()


def test_fix_and_diff_neither_read_nor_write_the_cache(project, linted):
    runner = CliRunner()
    runner.invoke(main, ["check", "--diff", "--jobs", "1", "."])
    assert not (project / cache.DIRECTORY_NAME).exists()
    check(".")
    linted.clear()
    runner.invoke(main, ["check", "--fix", "--jobs", "1", "."])
    assert "app/chat.py" in linted
    assert "max_tokens" in (project / "app" / "chat.py").read_text()


def test_an_internal_error_is_not_cached(project, monkeypatch):
    def broken(*args, **kwargs):
        raise KeyError("surprise")

    with monkeypatch.context() as patch:
        patch.setattr(engine, "analyse", broken)
        _, out = check(".")
    assert "internal error" in out
    _, out = check(".")
    assert "internal error" not in out
    assert "BL001" in out


# the directory


def test_the_cache_lives_at_the_project_root_with_its_gitignore(project):
    os.chdir(project / "app")
    check(".")
    directory = project / cache.DIRECTORY_NAME
    assert (directory / ".gitignore").read_text().splitlines()[-1] == "*"
    assert (directory / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert len(index_files(directory)) == 1


def test_the_cache_directory_is_not_linted_and_git_ignores_it(project):
    check(".")
    status = subprocess.run(["git", "status", "--porcelain", "--ignored"], cwd=project, capture_output=True, text=True, check=False)
    if status.returncode == 0:  # `.git` here is a bare directory: git may refuse it
        assert cache.DIRECTORY_NAME not in status.stdout.replace("!! .budgetlint_cache/", "")


def test_budgetlint_cache_dir_is_honoured(project, tmp_path_factory, monkeypatch):
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "cache"
    monkeypatch.setenv(cache.ENV_VAR, str(elsewhere))
    check(".")
    assert not (project / cache.DIRECTORY_NAME).exists()
    assert (elsewhere / ".gitignore").is_file() and len(index_files(elsewhere)) == 1


def test_the_cache_dir_option_is_honoured_over_the_environment(project, tmp_path_factory, monkeypatch, linted):
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    monkeypatch.setenv(cache.ENV_VAR, str(elsewhere / "from-env"))
    check("--cache-dir", str(elsewhere / "from-option"), ".")
    assert not (project / cache.DIRECTORY_NAME).exists() and not (elsewhere / "from-env").exists()
    assert (elsewhere / "from-option" / "CACHEDIR.TAG").is_file() and len(index_files(elsewhere / "from-option")) == 1
    linted.clear()
    check("--cache-dir", str(elsewhere / "from-option"), ".")
    assert linted == []


def test_the_cache_dir_option_keeps_the_ownership_rules(project, tmp_path_factory):
    shared = tmp_path_factory.mktemp("shared")  # exists, not budgetlint's: its files are left alone
    (shared / f"{0:032x}.json").write_text("{}")
    check("--cache-dir", str(shared), ".")
    assert sorted(path.name for path in shared.iterdir()) == [f"{0:032x}.json", cache.SUBDIRECTORY]
    assert len(index_files(shared / cache.SUBDIRECTORY)) == 1


def test_the_cache_dir_setting_is_a_directory_inside_the_project(project, linted):
    (project / "pyproject.toml").write_text('[tool.budgetlint]\ncache-dir = "build/lint-cache"\n')
    check(".")
    assert not (project / cache.DIRECTORY_NAME).exists()
    assert len(index_files(project / "build" / "lint-cache")) == 1
    linted.clear()
    check(".")
    assert linted == []
    (project / "pyproject.toml").write_text('[tool.budgetlint]\ncache-dir = "../outside"\n')
    result = CliRunner().invoke(main, ["check", "."], catch_exceptions=False)
    assert result.exit_code == 2 and "cache-dir = '../outside' is outside the project" in result.stderr


# budgetlint clean


def clean(*args: str):
    return CliRunner().invoke(main, ["clean", *args], catch_exceptions=False)


def test_clean_removes_the_caches_budgetlint_created_and_says_which(project):
    (project / "svc").mkdir()
    (project / "svc" / "pyproject.toml").write_text("[tool.budgetlint]\n")
    (project / "svc" / "app.py").write_text(UNBOUNDED)
    check(".")
    check("svc")
    assert (project / cache.DIRECTORY_NAME).is_dir() and (project / "svc" / cache.DIRECTORY_NAME).is_dir()
    result = clean()
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [f"removed {cache.DIRECTORY_NAME}", f"removed svc/{cache.DIRECTORY_NAME}"]
    assert not (project / cache.DIRECTORY_NAME).exists() and not (project / "svc" / cache.DIRECTORY_NAME).exists()
    assert (project / "app" / "chat.py").is_file()
    assert clean().stdout == "no budgetlint cache to remove\n"


def test_clean_removes_nothing_budgetlint_did_not_create(project, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    (outside / cache.SUBDIRECTORY).mkdir()
    (outside / cache.SUBDIRECTORY / "CACHEDIR.TAG").write_text("Signature: 8a477f597d28d172789f06886806bc55\n")  # another tool's tag
    (outside / "keep.json").write_text("{}")
    (project / "app" / cache.DIRECTORY_NAME).mkdir()  # a folder of the same name, not budgetlint's
    (project / "app" / cache.DIRECTORY_NAME / "notes.txt").write_text("mine")
    (project / cache.DIRECTORY_NAME).symlink_to(outside)
    result = clean("--cache-dir", str(outside))
    assert result.exit_code == 0
    assert result.stdout == "no budgetlint cache to remove\n"
    assert (project / "app" / cache.DIRECTORY_NAME / "notes.txt").read_text() == "mine"
    assert sorted(path.name for path in outside.iterdir()) == [cache.SUBDIRECTORY, "keep.json"]


def test_clean_removes_budgetlints_subdirectory_of_a_shared_cache_directory(project, tmp_path_factory, monkeypatch):
    shared = tmp_path_factory.mktemp("shared")
    (shared / "data.json").write_text("[]")
    monkeypatch.setenv(cache.ENV_VAR, str(shared))
    check(".")
    assert (shared / cache.SUBDIRECTORY).is_dir()
    result = clean()
    assert result.exit_code == 0 and result.stdout.startswith("removed ")
    assert [path.name for path in shared.iterdir()] == ["data.json"]


def _files(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in directory.iterdir() if path.is_file()}


def test_a_directory_budgetlint_did_not_create_keeps_its_files(project, tmp_path_factory, monkeypatch, linted):
    shared = tmp_path_factory.mktemp("shared")
    for number in range(KEEP_INDEXES + 4):  # other tools' JSON, some named as budgetlint's indexes are
        (shared / f"{number:032x}.json").write_text("{}")
        (shared / f"data{number}.json").write_text("[]")
    before = _files(shared)
    monkeypatch.setenv(cache.ENV_VAR, str(shared))
    fresh = check("--no-cache", ".")
    for ceiling in (100, 200, 300):  # three configurations: three indexes written, pruning run
        (project / "guardrails.yaml").write_text(guardrails(ceiling=ceiling))
        check(".")
    assert _files(shared) == before  # neither deleted, nor a .gitignore or CACHEDIR.TAG added
    (project / "guardrails.yaml").unlink()
    check(".")
    linted.clear()
    assert check(".") == fresh and linted == []  # the cache works, in a directory of its own there
    assert len(index_files(shared / cache.SUBDIRECTORY)) == 4


def test_a_cache_subdirectory_budgetlint_did_not_create_is_not_used(project, tmp_path_factory, monkeypatch):
    shared = tmp_path_factory.mktemp("shared")
    (shared / cache.SUBDIRECTORY).mkdir()
    (shared / cache.SUBDIRECTORY / "data.json").write_text("[]")
    monkeypatch.setenv(cache.ENV_VAR, str(shared))
    fresh = check("--no-cache", ".")
    result = CliRunner().invoke(main, ["check", "--format", "json", "--jobs", "1", "."], catch_exceptions=False)
    assert (result.exit_code, result.stdout) == fresh
    assert "is not a cache directory budgetlint created: results are not cached" in result.stderr
    assert [path.name for path in shared.rglob("*")] == [cache.SUBDIRECTORY, "data.json"]


def test_the_project_as_cache_directory_neither_ignores_nor_tags_the_project(project, monkeypatch):
    monkeypatch.setenv(cache.ENV_VAR, ".")
    fresh = check("--no-cache", ".")
    assert check(".") == fresh
    assert not (project / ".gitignore").exists() and not (project / "CACHEDIR.TAG").exists()
    code, report = check(".")
    assert (code, report) == fresh and json.loads(report)["summary"]["files"] == 4


@pytest.mark.parametrize("dangling", [False, True])
def test_a_cache_directory_linking_outside_the_project_is_not_used(project, tmp_path_factory, dangling):
    outside = tmp_path_factory.mktemp("outside")
    (outside / "keep.json").write_text("{}")
    target = outside / "missing" if dangling else outside
    (project / cache.DIRECTORY_NAME).symlink_to(target)
    fresh = check("--no-cache", ".")
    result = CliRunner().invoke(main, ["check", "--format", "json", "--jobs", "1", "."], catch_exceptions=False)
    assert (result.exit_code, result.stdout) == fresh
    assert "warning: .budgetlint_cache links outside the project" in result.stderr
    assert sorted(path.name for path in outside.iterdir()) == ["keep.json"]


def test_an_unwritable_cache_directory_only_costs_speed(project, monkeypatch):
    blocker = project / "not-a-directory"
    blocker.write_text("")
    monkeypatch.setenv(cache.ENV_VAR, str(blocker / "cache"))
    fresh = check("--no-cache", ".")
    assert check(".") == fresh


# damage


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text[: len(text) // 2],
        lambda text: "",
        lambda text: "\0garbage{",
        lambda text: json.dumps({"budgetlint_cache": 999, "entries": {}}),
        lambda text: json.dumps([1, 2, 3]),
    ],
    ids=["truncated", "empty", "garbage", "other-format", "not-an-object"],
)
def test_a_damaged_index_is_a_miss(project, linted, damage):
    fresh = check("--no-cache", ".")
    check(".")
    [index] = index_files(project / cache.DIRECTORY_NAME)
    index.write_text(damage(index.read_text()))
    linted.clear()
    assert check(".") == fresh
    assert len(linted) == 4
    linted.clear()
    assert check(".") == fresh  # and it was rewritten whole
    assert linted == []


@pytest.mark.parametrize(
    "damage",
    [
        lambda entry: entry[:3],
        lambda entry: [entry[0], entry[1], entry[2], entry[3], [["not", "a", "finding"]]],
        lambda entry: [entry[0], entry[1], entry[2], entry[3], [[*entry[4][0][:-1], {"x": 1}]]],
        lambda entry: [entry[0], entry[1], entry[2], entry[3], [["line"] + entry[4][0][1:]]],
        lambda entry: "nonsense",
    ],
    ids=["short", "wrong-shape", "wrong-region", "wrong-type", "not-a-list"],
)
def test_a_corrupted_entry_is_a_miss_for_that_file_only(project, linted, damage):
    fresh = check("--no-cache", ".")
    check(".")
    [index] = index_files(project / cache.DIRECTORY_NAME)
    document = json.loads(index.read_text())
    document["entries"]["app/chat.py"] = damage(document["entries"]["app/chat.py"])
    index.write_text(json.dumps(document))
    linted.clear()
    assert check(".") == fresh
    assert linted == ["app/chat.py"]


# pruning and concurrent runs


def test_entries_of_deleted_files_are_pruned(project):
    check(".")
    (project / "app" / "broken.py").unlink()
    (project / "app" / "chat.py").write_text(BOUNDED)  # something to write
    check(".")
    [index] = index_files(project / cache.DIRECTORY_NAME)
    assert sorted(json.loads(index.read_text())["entries"]) == ["app/bounded.py", "app/chat.py", "plain.py"]


def test_entries_of_files_outside_a_partial_run_are_kept(project):
    check(".")
    (project / "app" / "chat.py").write_text(BOUNDED)
    check("app/chat.py")
    [index] = index_files(project / cache.DIRECTORY_NAME)
    assert len(json.loads(index.read_text())["entries"]) == 4


def test_only_the_most_recently_used_indexes_are_kept_and_nothing_else_is_deleted(project):
    check(".")  # budgetlint creates its directory: it prunes only there
    directory = project / cache.DIRECTORY_NAME
    (directory / "notes.json").write_text("{}")
    os.utime(directory / "notes.json", ns=(0, 0))
    for number in range(1, KEEP_INDEXES + 3):
        stale = directory / f"{number:032x}.json"
        stale.write_text("{}")
        os.utime(stale, ns=(number * 10**9, number * 10**9))
    (project / "plain.py").write_text("print(1)\n")  # something to write
    check(".")
    kept = index_files(directory)
    assert len(kept) == KEEP_INDEXES + 1  # notes.json too
    assert directory / "notes.json" in kept and directory / f"{1:032x}.json" not in kept


def test_two_runs_writing_at_once_keep_each_others_entries(project):
    directory = project / cache.DIRECTORY_NAME
    first, second = (ResultCache(directory, "k" * 32, project) for _ in range(2))
    job = Job(Policy(), ALL_RULES, report_suppressions=True)
    lint_paths([project / "app" / "chat.py"], job, 1, project, project, cache=first)
    lint_paths([project / "app" / "bounded.py"], job, 1, project, project, cache=second)
    first.save()
    second.save()  # reads the index the first one wrote and merges
    entries = json.loads((directory / f"{'k' * 32}.json").read_text())["entries"]
    assert sorted(entries) == ["app/bounded.py", "app/chat.py"]
    assert not list(directory.glob("*.tmp"))


def test_saving_an_index_no_other_run_wrote_meanwhile_does_not_read_it_again(project, monkeypatch):
    """Merging with the index on disk is for when another run wrote it after this one read it:
    reading 2,000 entries twice per run costs ~30 ms of a warm run."""
    directory = project / cache.DIRECTORY_NAME
    job = Job(Policy(), ALL_RULES, report_suppressions=True)
    lint_paths([project / "app" / "chat.py"], job, 1, project, project, cache=(first := ResultCache(directory, "k" * 32, project)))
    first.save()
    reads = []
    real = ResultCache._read
    monkeypatch.setattr(ResultCache, "_read", lambda self: reads.append(self) or real(self))
    second = ResultCache(directory, "k" * 32, project)
    lint_paths([project / "app" / "bounded.py"], job, 1, project, project, cache=second)
    second.save()
    assert len(reads) == 1
    entries = json.loads((directory / f"{'k' * 32}.json").read_text())["entries"]
    assert sorted(entries) == ["app/bounded.py", "app/chat.py"]


def test_parallel_runs_of_the_command_agree(project):
    for index in range(40):
        (project / f"m{index}.py").write_text(UNBOUNDED if index % 2 else BOUNDED)
    command = [sys.executable, "-m", "budgetlint", "check", "--format", "json", "--exit-zero", "."]
    processes = [subprocess.Popen(command, cwd=project, stdout=subprocess.PIPE, text=True) for _ in range(4)]
    outputs = {process.communicate()[0] for process in processes}
    fresh = subprocess.run([*command, "--no-cache"], cwd=project, capture_output=True, text=True, check=False).stdout
    assert outputs == {fresh}
    cached = subprocess.run(command, cwd=project, capture_output=True, text=True, check=False).stdout
    assert cached == fresh
    json.loads(index_files(project / cache.DIRECTORY_NAME)[0].read_text())  # a whole index, never half of one


# a run the cache answers entirely


def _loaded_in_two_runs(project, modules: set[str]) -> list[list[str]]:
    """Which of ``modules`` a first run (filling the cache) and a second (answered by it) loaded;
    the two runs' reports must be the same."""
    script = (
        "import sys\nfrom budgetlint.cli import main\n"
        "try:\n    main(['check', '--quiet', '--exit-zero', '.'])\nexcept SystemExit:\n    pass\n"
        f"print(','.join(sorted(set({sorted(modules)!r}) & set(sys.modules))), file=sys.stderr)\n"
    )
    runs = [subprocess.run([sys.executable, "-c", script], cwd=project, capture_output=True, text=True, check=True) for _ in range(2)]
    assert runs[0].stdout == runs[1].stdout
    return [[name for name in run.stderr.strip().split(",") if name] for run in runs]


def test_a_run_the_cache_answers_never_loads_libcst(project):
    assert _loaded_in_two_runs(project, {"libcst"}) == [["libcst"], []]


def test_a_run_the_cache_answers_never_loads_what_reading_a_file_needs(project):
    """The prefilter (its patterns built from the catalog: ~15 ms of a 0.3 s warm run), the
    intake, the suppression comments' patterns and the notebook reader are for a file that must be read."""
    read = ["budgetlint.intake", "budgetlint.notebook", "budgetlint.prefilter", "budgetlint.suppress"]
    assert _loaded_in_two_runs(project, set(read)) == [read, []]


def test_a_plain_check_run_never_loads_what_other_options_need(project, monkeypatch):
    """Baselines, fixes, exclude patterns (none configured, no ``.gitignore``), the config
    schemas (no config file) and the SDK catalog's tables (for reading code) are for runs that
    need them, as is the inventory's CSV writer: none loads when the cache answers. Describing
    call sites (``budgetlint inventory``) and parsing a buffer again (the language server) are
    never a plain check's, even when it parses files; nor is ``tempfile`` (with ``shutil`` and
    ``random``), even when it writes the cache's index."""
    monkeypatch.setenv("HOME", str(project))  # no global git excludes file from the machine running the test
    monkeypatch.setenv("XDG_CONFIG_HOME", str(project))
    never = ["budgetlint.inventory", "budgetlint.reparse", "tempfile"]
    optional = ["budgetlint.baseline", "budgetlint.catalog", "budgetlint.fix", "csv", "difflib", "importlib.resources", "pathspec", *never]
    first, second = _loaded_in_two_runs(project, set(optional))
    assert {"budgetlint.catalog", "budgetlint.fix"} <= set(first)  # when a file is read and parsed
    assert not set(never) & set(first)
    assert second == []


def test_a_changed_file_without_llm_code_does_not_load_libcst_either(project):
    """Most commits touch no LLM code: the prefilter answers them without the parser."""
    script = (
        "import sys\nfrom budgetlint.cli import main\n"
        "try:\n    main(['check', '--format', 'json', '--exit-zero', '.'])\nexcept SystemExit:\n    pass\n"
        "print('libcst' in sys.modules, file=sys.stderr)\n"
    )

    def run() -> tuple[str, dict]:
        completed = subprocess.run([sys.executable, "-c", script], cwd=project, capture_output=True, text=True, check=True)
        return completed.stderr.strip(), json.loads(completed.stdout)["findings"]

    loaded, before = run()
    assert loaded == "True"
    (project / "plain.py").write_text("print('still no LLM here')\n")
    assert run() == ("False", before)
    with open(project / "app" / "bounded.py", "a") as handle:
        handle.write("# touched\n")
    assert run() == ("True", before)


def test_a_typo_in_select_is_a_usage_error_even_when_the_cache_is_warm(project):
    check(".")
    result = CliRunner().invoke(main, ["check", "--select", "BL0X", "."])
    assert result.exit_code == 2 and "no rule code starts with BL0X" in result.output
    (project / "empty").mkdir()
    assert CliRunner().invoke(main, ["check", "--select", "BL0X", "empty"]).exit_code == 2


def test_a_baseline_applies_the_same_from_the_cache(project):
    runner = CliRunner()
    assert runner.invoke(main, ["baseline", "--output", "baseline.json", "."]).exit_code == 0
    (project / "app" / "late.py").write_text(UNBOUNDED)
    fresh = runner.invoke(main, ["check", "--format", "json", "--no-cache", "--baseline", "baseline.json", "."])
    check(".")
    cached = runner.invoke(main, ["check", "--format", "json", "--baseline", "baseline.json", "."])
    assert (cached.exit_code, cached.stdout) == (fresh.exit_code, fresh.stdout)
    summary = json.loads(cached.stdout)["summary"]["baseline"]
    assert (summary["hidden"], summary["stale"]) == (1, 0)


def test_a_run_hides_what_it_loaded_from_the_collector_while_it_lints_and_hands_it_back(project, monkeypatch):
    """The cache's index, the files found and the modules loaded live until the run ends: the
    cyclic collector's young collections need not walk them (``gc.freeze`` while the run lints,
    libcst and the engine joining them when imported); once the run is over they are collectable again."""
    import gc

    from budgetlint import commands

    seen: list[int] = []
    real = commands.lint_project
    monkeypatch.setattr(commands, "lint_project", lambda *args, **kwargs: seen.append(gc.get_freeze_count()) or real(*args, **kwargs))
    assert gc.get_freeze_count() == 0
    first = check(".")
    (project / "app" / "chat.py").write_text(UNBOUNDED + "# touched\n")
    assert check(".") == first
    assert len(seen) == 2 and all(count > 0 for count in seen)
    assert gc.get_freeze_count() == 0
