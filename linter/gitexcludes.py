"""git's excludes beyond ``.gitignore``: the repository's ``info/exclude`` and the user's global
excludes file (``core.excludesFile``), as git reads them for a work tree.

git is not run: its config files are read directly (a subprocess per run would cost more than a
warm run's whole discovery), as ripgrep and ruff do. Read, lowest precedence first:
``/etc/gitconfig``, ``$XDG_CONFIG_HOME/git/config`` (default ``~/.config/git/config``),
``~/.gitconfig`` (or the file ``GIT_CONFIG_GLOBAL`` names instead of both), then the
repository's ``config``; the last ``core.excludesFile`` wins (``GIT_CONFIG_SYSTEM`` and
``GIT_CONFIG_NOSYSTEM`` are honoured). Without one, git's default
``$XDG_CONFIG_HOME/git/ignore`` applies. ``[include]`` and ``[includeIf]`` are not followed.
"""

from __future__ import annotations

import os
import re

_SECTION = re.compile(r"\s*\[\s*([A-Za-z0-9.-]+)\s*(\"[^\"]*\"\s*)?\]\s*(.*)$")
_EXCLUDES_FILE = re.compile(r"\s*excludesfile\s*=\s*(.*)$", re.IGNORECASE)


def repository_lines(work_tree: str) -> list[str]:
    """The exclude patterns git applies at the top of the work tree ``work_tree`` (a directory
    holding ``.git``), the weakest first: the global excludes file, then ``info/exclude``."""
    common = _common_dir(os.path.join(work_tree, ".git"))
    home = os.path.expanduser("~")
    xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    configs = [] if os.environ.get("GIT_CONFIG_NOSYSTEM") else [os.environ.get("GIT_CONFIG_SYSTEM") or "/etc/gitconfig"]
    if os.environ.get("GIT_CONFIG_GLOBAL"):
        configs.append(os.environ["GIT_CONFIG_GLOBAL"])
    else:
        configs += [os.path.join(xdg, "git", "config"), os.path.join(home, ".gitconfig")]
    if common is not None:
        configs.append(os.path.join(common, "config"))
    global_file = _global_file(configs, home, os.path.join(xdg, "git", "ignore"))
    lines = _lines(global_file) if global_file else []
    if common is not None:
        lines += _lines(os.path.join(common, "info", "exclude"))
    return lines


def _common_dir(dot_git: str) -> str | None:
    """The (common) git directory of a ``.git``: the directory itself, or for the file of a
    linked work tree or submodule (``gitdir: PATH``) the directory its ``commondir`` names."""
    if os.path.isdir(dot_git):
        return dot_git
    text = _read(dot_git)
    if text is None or not text.startswith("gitdir:"):
        return None
    git_dir = os.path.join(os.path.dirname(dot_git), text[len("gitdir:") :].strip())
    common = _read(os.path.join(git_dir, "commondir"))
    return os.path.normpath(os.path.join(git_dir, common.strip())) if common else git_dir


def _global_file(configs: tuple[str, ...], home: str, default: str) -> str | None:
    """The excludes file the config files set (the last one wins), else git's default."""
    found = None
    for path in configs:
        value = _core_excludes_file(path)
        if value is not None:
            found = value
    if found is None:
        return default
    if found == "~" or found.startswith("~/"):
        found = home + found[1:]
    return found or None


def _core_excludes_file(path: str) -> str | None:
    """``core.excludesFile`` as the git config file at ``path`` sets it (the last time), or None."""
    text = _read(path)
    if text is None:
        return None
    value = None
    section = ""
    for line in text.splitlines():
        header = _SECTION.match(line)
        if header is not None:
            section = header[1].lower() if header[2] is None else ""
            line = header[3]
        if section == "core":
            setting = _EXCLUDES_FILE.match(line)
            if setting is not None:
                value = _value(setting[1])
    return value


def _value(raw: str) -> str:
    """A git config value: quotes removed, ``\\`` escapes read, a ``#`` or ``;`` comment cut."""
    out: list[str] = []
    quoted = False
    characters = iter(raw.strip())
    for character in characters:
        if character == '"':
            quoted = not quoted
        elif character == "\\":
            escaped = next(characters, "")
            out.append({"n": "\n", "t": "\t", "b": "\b"}.get(escaped, escaped))
        elif character in "#;" and not quoted:
            break
        else:
            out.append(character)
    return "".join(out).strip()


def _lines(path: str) -> list[str]:
    text = _read(path)
    return text.splitlines() if text is not None else []


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return None
