"""Which files a run lints: skipped directories, .gitignore, [tool.budgetlint] excludes, named files."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from budgetlint.cli import main
from budgetlint.discovery import discover, root_keys
from budgetlint.settings import SettingsError, load_settings

CALL = 'import openai\nopenai.chat.completions.create(model="m", messages=[], max_tokens=5, metadata={"feature": "x"})\n'


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory):
    """Make files (relative path -> text) in an empty repository, the working directory; git's
    global excludes are those of an empty home directory."""
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))
    for name in ("XDG_CONFIG_HOME", "GIT_CONFIG_GLOBAL"):
        monkeypatch.delenv(name, raising=False)

    def make(files: dict[str, str]) -> Path:
        for relative, text in files.items():
            path = tmp_path / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        return tmp_path

    return make


def linted(*paths: str) -> list[str]:
    """Files a run checks, relative to the working directory."""
    settings = load_settings([Path(p) for p in paths or (".",)])
    files = discover([Path(p) for p in paths or (".",)], settings.root, settings.exclude + settings.extend_exclude, settings.respect_gitignore)
    return [Path(os.path.relpath(file)).as_posix() for file in files]


def check(*args: str):
    return CliRunner().invoke(main, ["check", "--format", "json", *args], catch_exceptions=False)


def test_python_files_are_found_and_sorted(tree):
    tree({"b.py": CALL, "a.py": CALL, "pkg/c.py": CALL, "notes.txt": CALL, "pkg/data.json": "{}"})
    assert linted() == ["a.py", "b.py", "pkg/c.py"]


def test_files_are_sorted_component_by_component_as_paths_are(tree):
    """A directory sorts by its name, before a file whose name extends it (``a/`` before ``a-b.py``)."""
    tree({"a-b.py": CALL, "a/z.py": CALL, "a.py": CALL, "a/b/c.py": CALL, "a/b.py": CALL, "a0.py": CALL, "ab/x.py": CALL})
    assert linted() == [str(path.as_posix()) for path in sorted(map(Path, linted()))]
    assert linted() == ["a/b/c.py", "a/b.py", "a/z.py", "a-b.py", "a.py", "a0.py", "ab/x.py"]


def test_tool_and_environment_directories_are_skipped(tree):
    tree({
        "app.py": CALL,
        ".git/hooks/pre-commit.py": CALL,
        "node_modules/pkg/index.py": CALL,
        "dist/app.py": CALL,
        "__pycache__/app.py": CALL,
        ".venv/lib/site.py": CALL,
        "venv/lib/site.py": CALL,
        "my-env/pyvenv.cfg": "home = /usr/bin\n",
        "my-env/lib/python3.11/site-packages/openai/client.py": CALL,
        "src/pkg/module.py": CALL,
    })
    assert linted() == ["app.py", "src/pkg/module.py"]


def test_gitignore_is_honoured_at_every_level(tree):
    tree({
        ".gitignore": "*.gen.py\ngenerated/\n/scratch.py\n",
        "app.py": CALL,
        "client.gen.py": CALL,
        "generated/api.py": CALL,
        "scratch.py": CALL,
        "pkg/scratch.py": CALL,
        "pkg/.gitignore": "local_*.py\n!keep.gen.py\ncache/\n",
        "pkg/local_settings.py": CALL,
        "pkg/other.gen.py": CALL,
        "pkg/keep.gen.py": CALL,
        "pkg/cache/x.py": CALL,
        "pkg/sub/local_test.py": CALL,
        "pkg/sub/fine.py": CALL,
        "local_root.py": CALL,
    })
    assert linted() == ["app.py", "local_root.py", "pkg/keep.gen.py", "pkg/scratch.py", "pkg/sub/fine.py"]


def test_gitignore_above_the_linted_directory_applies(tree):
    tree({".gitignore": "pkg/skip.py\n", "pkg/skip.py": CALL, "pkg/keep.py": CALL})
    assert linted("pkg") == ["pkg/keep.py"]


def test_pyproject_exclude_and_extend_exclude(tree):
    tree({
        "pyproject.toml": '[tool.budgetlint]\nexclude = ["legacy/", "*_pb2.py"]\nextend-exclude = ["tests/fixtures"]\n',
        "app.py": CALL,
        "legacy/old.py": CALL,
        "proto/api_pb2.py": CALL,
        "tests/fixtures/bad.py": CALL,
        "tests/test_app.py": CALL,
    })
    assert linted() == ["app.py", "tests/test_app.py"]
    data = json.loads(check(".").stdout)
    assert data["summary"]["files"] == 2


def test_excludes_are_relative_to_the_project_root_not_the_working_directory(tree, monkeypatch):
    root = tree({
        "pyproject.toml": '[tool.budgetlint]\nexclude = ["src/gen"]\n',
        "src/gen/api.py": CALL,
        "src/app.py": CALL,
    })
    monkeypatch.chdir(root / "src")
    data = json.loads(check(".").stdout)
    assert data["summary"]["files"] == 1


def test_files_named_explicitly_are_always_linted(tree):
    tree({
        "pyproject.toml": '[tool.budgetlint]\nextend-exclude = ["legacy/"]\n',
        ".gitignore": "ignored.py\n",
        "legacy/old.py": CALL,
        "ignored.py": CALL,
        "node_modules/tool.py": CALL,
        "script": CALL,
    })
    assert linted(".") == []
    named = ("legacy/old.py", "ignored.py", "node_modules/tool.py", "script")
    assert linted(*named) == sorted(named)
    result = check(*named)
    assert json.loads(result.stdout)["summary"]["files"] == 4


def test_force_exclude_applies_the_configured_excludes_to_named_files(tree):
    """pre-commit names the changed files; ``--force-exclude`` holds back the excluded ones, as ruff's does."""
    unbounded = CALL.replace("max_tokens=5, ", "")
    root = tree({
        "pyproject.toml": '[tool.budgetlint]\nexclude = ["legacy/", "*_pb2.py"]\n',
        ".gitignore": "ignored.py\n",
        "legacy/old.py": unbounded,
        "api_pb2.py": unbounded,
        "ignored.py": unbounded,
        "app/chat.py": unbounded,
    })
    named = ("legacy/old.py", "api_pb2.py", "ignored.py", "app/chat.py")
    data = json.loads(check("--force-exclude", *named).stdout)
    assert sorted({f["path"] for f in data["findings"]}) == ["app/chat.py", "ignored.py"]  # .gitignore aside: a named file was chosen
    assert data["summary"]["files"] == 2
    os.chdir(root / "legacy")  # excludes are the project's, from any working directory (the fixture restores it)
    assert json.loads(check("--force-exclude", "old.py").stdout)["summary"]["files"] == 0
    assert json.loads(check("old.py").stdout)["summary"]["files"] == 1  # without it, named files are always linted


def test_a_file_named_twice_is_linted_once(tree):
    root = tree({"app.py": 'import openai\nopenai.chat.completions.create(model="m", messages=[])\n', "sub/x.txt": ""})
    result = check(".", "app.py", "./app.py", str(root / "app.py"), "sub/../app.py")
    data = json.loads(result.stdout)
    assert data["summary"]["files"] == 1
    assert [f["code"] for f in data["findings"]] == ["BL001", "BL002"]


def test_a_symlinked_file_is_reported_under_its_own_name(tree):
    root = tree({"real.py": 'import openai\nopenai.chat.completions.create(model="m", messages=[], max_tokens=5)\n'})
    (root / "alias.py").symlink_to("real.py")
    data = json.loads(check(".").stdout)
    assert [f["path"] for f in data["findings"]] == ["alias.py", "real.py"]


def test_symlink_loops_do_not_hang(tree):
    root = tree({"pkg/app.py": CALL})
    (root / "pkg" / "loop").symlink_to(root / "pkg", target_is_directory=True)
    (root / "pkg" / "up").symlink_to("..", target_is_directory=True)
    (root / "self").symlink_to(".", target_is_directory=True)
    outcome: list = []
    worker = threading.Thread(target=lambda: outcome.append(linted()), daemon=True)
    worker.start()
    worker.join(timeout=20)
    assert not worker.is_alive(), "discovery does not terminate on a symlink loop"
    assert outcome == [["pkg/app.py"]]


@pytest.mark.parametrize(
    "pyproject, message",
    [
        ("[tool.budgetlint\nexclude = 1\n", "cannot read"),
        ('[tool.budgetlint]\nexclude = "legacy"\n', "exclude must be a list of strings"),
        ('[tool.budgetlint]\nexlcude = ["legacy"]\n', "unknown key"),
        ("[tool]\nbudgetlint = 3\n", "must be a table"),
    ],
    ids=["toml-syntax", "wrong-type", "unknown-key", "not-a-table"],
)
def test_an_invalid_pyproject_exits_2_with_a_clear_message(tree, pyproject, message):
    tree({"pyproject.toml": pyproject, "app.py": CALL})
    result = check(".")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("budgetlint: error: ")
    assert "pyproject.toml" in result.stderr
    assert message in result.stderr
    with pytest.raises(SettingsError):
        load_settings([Path(".")])


def test_a_pyproject_without_a_budgetlint_table_is_fine(tree):
    tree({"pyproject.toml": '[project]\nname = "app"\n', "app.py": CALL})
    result = check(".")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["summary"]["files"] == 1


def test_gitignore_lines_git_accepts_but_pathspec_cannot_compile_are_skipped(tree):
    # git skips `!` and a trailing `\`, and `[z-a]` matches nothing: the other lines still apply.
    tree({
        ".gitignore": "!\n\\\n[z-a]\nskip.py\n",
        "app.py": CALL,
        "skip.py": CALL,
        "pkg/.gitignore": "foo\\\n[z-a].py\n!\nlocal.py\n",
        "pkg/local.py": CALL,
        "pkg/keep.py": CALL,
    })
    assert linted() == ["app.py", "pkg/keep.py"]
    result = check(".")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["summary"]["files"] == 2


@pytest.mark.parametrize("key", ["exclude", "extend-exclude"])
@pytest.mark.parametrize("pattern", ["[z-a]", "!", "legacy\\\\"])
def test_a_bad_exclude_pattern_exits_2_naming_the_key_and_the_pattern(tree, key, pattern):
    tree({"pyproject.toml": f'[tool.budgetlint]\n{key} = ["ok/", "{pattern}"]\n', "app.py": CALL})
    result = check(".")
    assert result.exit_code == 2
    assert result.stdout == ""
    shown = pattern.replace("\\\\", "\\")
    assert result.stderr.startswith("budgetlint: error: ")
    assert f"[tool.budgetlint] {key}" in result.stderr and repr(shown) in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


# ruff's default excludes, which `exclude` replaces and `extend-exclude` extends


UNBOUNDED = 'import openai\nopenai.chat.completions.create(model="m", messages=[], metadata={"feature": "x"})\n'


def test_a_directory_named_env_or_build_is_linted(tree):
    """Found adopting it in a service: `src/app/env/llm.py` gave "Checked 0 files" and exit 0."""
    tree({"src/app/env/llm.py": UNBOUNDED, "src/app/build/steps.py": CALL, "src/app/.env/x.py": CALL})
    assert linted() == ["src/app/.env/x.py", "src/app/build/steps.py", "src/app/env/llm.py"]
    result = check(".")
    assert result.exit_code == 1, result.output
    assert [finding["path"] for finding in json.loads(result.stdout)["findings"]] == ["src/app/env/llm.py"]


def test_ruffs_default_excludes_match_a_name_at_any_depth(tree):
    tree({
        "app.py": CALL,
        "src/venv/lib/site.py": CALL,
        "src/pkg/dist/app.py": CALL,
        "src/.tox/py311/x.py": CALL,
        "src/_build/x.py": CALL,
        "src/.budgetlint_cache/x.py": CALL,
        "src/node_modules/pkg/index.py": CALL,
        "src/site-packages/openai/client.py": CALL,
    })
    assert linted() == ["app.py"]


def test_exclude_replaces_the_defaults_and_brings_an_excluded_directory_back(tree):
    tree({
        "pyproject.toml": '[tool.budgetlint]\nexclude = ["legacy/"]\n',
        "app.py": CALL,
        "legacy/old.py": CALL,
        "venv/tool.py": CALL,
        "dist/app.py": CALL,
    })
    assert linted() == ["app.py", "dist/app.py", "venv/tool.py"]


def test_extend_exclude_keeps_the_defaults(tree):
    tree({
        "pyproject.toml": '[tool.budgetlint]\nextend-exclude = ["legacy/"]\n',
        "app.py": CALL,
        "legacy/old.py": CALL,
        "venv/tool.py": CALL,
    })
    assert linted() == ["app.py"]


# respect-gitignore: .gitignore, .git/info/exclude and git's global excludes file


@pytest.fixture
def git_home(tree) -> Path:
    """The home directory of ``tree``'s runs, with no git configuration (the tests write what they need)."""
    return Path(os.environ["HOME"])


def test_git_info_exclude_is_honoured(tree, git_home):
    root = tree({"app.py": CALL, "scratch/try.py": CALL, "pkg/local_notes.py": CALL})
    (root / ".git" / "info").mkdir()
    (root / ".git" / "info" / "exclude").write_text("# local\nscratch/\nlocal_*.py\n")
    assert linted() == ["app.py"]
    assert linted("pkg") == []


def test_gits_default_global_excludes_file_is_honoured(tree, git_home, monkeypatch):
    root = tree({"app.py": CALL, "notes.scratch.py": CALL, "pkg/x.scratch.py": CALL})
    (git_home / ".config" / "git").mkdir(parents=True)
    (git_home / ".config" / "git" / "ignore").write_text("*.scratch.py\n")
    assert linted() == ["app.py"]
    monkeypatch.setenv("XDG_CONFIG_HOME", str(root / "xdg"))  # git looks there instead
    assert linted() == ["app.py", "notes.scratch.py", "pkg/x.scratch.py"]


def test_core_excludes_file_from_git_config_is_honoured(tree, git_home):
    tree({"app.py": CALL, "mine.py": CALL, "pkg/mine.py": CALL, "pkg/keep.py": CALL})
    (git_home / ".gitconfig").write_text(
        '[user]\n\tname = someone\n[core]\n\tautocrlf = false\n\texcludesFile = "~/my ignores"  ; comment\n'
        '[alias "x"]\n\texcludesfile = /nowhere\n'
    )
    (git_home / "my ignores").write_text("mine.py\n")
    assert linted() == ["app.py", "pkg/keep.py"]


def test_a_gitignore_overrides_the_repository_and_global_excludes(tree, git_home):
    root = tree({".gitignore": "!keep.py\n", "app.py": CALL, "keep.py": CALL, "drop.py": CALL})
    (root / ".git" / "info").mkdir()
    (root / ".git" / "info" / "exclude").write_text("keep.py\ndrop.py\n")
    assert linted() == ["app.py", "keep.py"]


def test_a_git_worktree_reads_the_exclude_file_of_its_common_directory(tree, git_home, tmp_path_factory):
    main_git = tmp_path_factory.mktemp("main") / ".git"
    (main_git / "worktrees" / "wt").mkdir(parents=True)
    (main_git / "info").mkdir()
    (main_git / "info" / "exclude").write_text("scratch.py\n")
    (main_git / "worktrees" / "wt" / "commondir").write_text("../..\n")
    root = tree({"app.py": CALL, "scratch.py": CALL})
    (root / ".git").rmdir()
    (root / ".git").write_text(f"gitdir: {main_git / 'worktrees' / 'wt'}\n")
    assert linted() == ["app.py"]


def test_respect_gitignore_false_lints_what_git_ignores(tree, git_home):
    root = tree({
        "pyproject.toml": "[tool.budgetlint]\nrespect-gitignore = false\n",
        ".gitignore": "generated/\n",
        "app.py": CALL,
        "generated/api.py": CALL,
        "scratch.py": CALL,
    })
    (root / ".git" / "info").mkdir()
    (root / ".git" / "info" / "exclude").write_text("scratch.py\n")
    assert linted() == ["app.py", "generated/api.py", "scratch.py"]
    assert json.loads(check(".").stdout)["summary"]["files"] == 3


# root-relative keys


def test_root_keys_resolve_directories_as_realpath_does(tmp_path):
    deep = tmp_path / "a" / "b"
    (deep / "pkg").mkdir(parents=True)
    (tmp_path / "a" / "hop").symlink_to("b", target_is_directory=True)
    (deep / "up").symlink_to("..", target_is_directory=True)
    (tmp_path / "elsewhere").symlink_to(deep / "pkg", target_is_directory=True)
    directories = [deep / "pkg", tmp_path / "a" / "hop" / "pkg", deep / "up" / "hop", tmp_path / "elsewhere", tmp_path / "missing" / "x"]
    absolutes = [os.path.join(os.path.abspath(directory), "m.py") for directory in directories]
    expected = [os.path.relpath(os.path.join(os.path.realpath(directory), "m.py"), tmp_path).replace(os.sep, "/") for directory in directories]
    assert root_keys(absolutes, os.path.realpath(tmp_path)) == expected


def test_root_keys_look_up_each_directory_once_not_each_component_of_each(tmp_path, monkeypatch):
    """``realpath`` per directory took an ``lstat`` per component of its path: ~1,700 for 250 directories."""
    top = tmp_path / "p" / "q" / "r" / "s"
    absolutes = []
    for index in range(30):
        (top / f"d{index}").mkdir(parents=True)
        absolutes.append(str(top / f"d{index}" / "m.py"))
    root = os.path.realpath(tmp_path)
    calls = []
    real = os.lstat
    monkeypatch.setattr(os, "lstat", lambda path, **kw: calls.append(path) or real(path, **kw))
    keys = root_keys(absolutes, root)
    assert keys == [f"p/q/r/s/d{index}/m.py" for index in range(30)]
    assert len(calls) <= 30 + len(top.parts)


def test_the_walk_reads_only_the_gitignore_files_there_are(tree, monkeypatch):
    """Trying to open a ``.gitignore`` in each of agno's 600 directories (none has one) was a fifth of its walk."""
    from budgetlint import discovery

    files = {f"pkg{index}/sub/m.py": "x = 1\n" for index in range(20)}
    root = tree({**files, "pkg3/.gitignore": "sub/\n"})
    opened = []
    monkeypatch.setattr(discovery, "open", lambda path, *args, **kwargs: opened.append(path) or open(path, *args, **kwargs), raising=False)
    found = discover([root], root)
    assert len(found) == 19
    inside = [os.path.relpath(path, root) for path in opened if os.path.realpath(path).startswith(os.path.realpath(root) + os.sep)]
    assert inside == [os.path.join("pkg3", ".gitignore")]
