"""The result cache: a file's findings, reused while its bytes, the configuration and budgetlint stay the same.

Where: ``.budgetlint_cache/`` at the project root (the ``cache-dir`` setting, inside the project,
``BUDGETLINT_CACHE_DIR`` and ``--cache-dir`` override it, the last most), with a
``.gitignore`` of ``*`` inside, as ruff does, and a ``CACHEDIR.TAG``. It holds one index per
configuration, ``<configuration key>.json``: one read per run, not one per file (2,000 entries
load in ~3 ms; 2,000 small files in ~30 ms).

Ownership. budgetlint writes, tags and prunes only a directory it created itself (its
``CACHEDIR.TAG`` says so). Where the directory named is one it did not create
(``BUDGETLINT_CACHE_DIR=.``, a shared folder of other JSON files), the cache lives in a
``budgetlint-cache/`` it creates there. A project's ``.budgetlint_cache`` that leads outside the
project (a committed symlink) is not used: that run caches nothing, with one warning line.

Keys. The configuration key hashes budgetlint's version and source code, the Python and libcst
versions (what parses), the policy, the rule selectors and the options that change findings
(see ``configuration_key``). Each entry, under the file's root-relative path, holds the BLAKE2b
hash of the bytes it was computed from: a hit needs the same hash, so findings are keyed by
content + configuration + version. An entry also records the display path its findings name
(relative to the working directory): run from another directory, the file is linted again.

The stat pre-check. An entry records the file's (mtime_ns, ctime_ns, size, inode); when they are
unchanged the file is not even read. ctime cannot be set by the tools that restore mtimes (tar,
rsync, ``actions/cache``, ``git checkout`` of another branch), so such a file is hashed, and a hit
refreshes its stat. A file changed in the last two seconds keeps no stat (a second change within
a coarse timestamp's tick would look the same): the next run hashes it.

Writing. At the end of a run that computed something, the index is merged with what is on disk
at that moment (another run may have written meanwhile), written to a temporary file and
``os.replace``d: a reader sees the old index or the new one, never half. An interrupted run
(Ctrl-C) writes nothing, as ruff: what it linted is linted again next time. Anything unreadable
(truncated, corrupted, another format) is a miss. What is not cached: runs with ``--fix`` or
``--diff``, files that could not be read or were too large, and internal errors.

Phase 2. An entry also keeps up to ``MAX_LINKED`` second-phase results, each under the digest
of the summaries it was computed with; the index keeps the last whole-project run's snapshot
(every file and its content hash) with the digest each file ended with, so an unchanged project
takes its second phase from here without resolving a summary (``phases._reuse``); and, per round
of that phase, the digest of the summaries and what each file used, so a run with a file changed
resolves again only the changed files while the summaries stay the same (``phase_rounds.Rounds``).

Pruning. Writing drops entries of files that no longer exist; index files beyond the
``KEEP_INDEXES`` most recently used (other configurations, older versions) are deleted; nothing
else is (``_INDEX_NAME``). A run that only reads its index touches it, so "used" counts reading.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import time
from collections.abc import Iterable
from dataclasses import fields, is_dataclass
from enum import Enum
from importlib.util import find_spec
from pathlib import Path
from typing import NamedTuple

from .finding import Finding, Related
from .interrupts import held_interrupts

DIRECTORY_NAME = ".budgetlint_cache"
ENV_VAR = "BUDGETLINT_CACHE_DIR"
FORMAT = 2
KEEP_INDEXES = 8
RECENT_NS = 2_000_000_000
"""A file changed this recently keeps no stat in its entry."""
SUBDIRECTORY = "budgetlint-cache"
"""The cache's own directory inside a ``BUDGETLINT_CACHE_DIR`` (or ``.budgetlint_cache``) that
budgetlint did not create."""
_INDEX_NAME = re.compile(r"[0-9a-f]{32}\.json")
"""An index's name: its configuration key (see ``configuration_key``)."""
_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# A cache directory of budgetlint (https://bford.info/cachedir/).\n"

_FIELDS = tuple(field.name for field in fields(Finding))[1:]  # every field but the path
_KINDS: dict[str, tuple[type, ...]] = {
    "line": (int,), "column": (int,), "code": (str,), "end_line": (int,), "end_column": (int,),
    "name": (str,), "message": (str,), "tier": (str,), "blocking": (bool,), "fingerprint": (str,),
    "fixable": (bool,), "source_line": (str,), "cell": (int, type(None)), "raw_region": (list, type(None)),
    "related": (list,), "suppression": (str, type(None)),
}
"""What each stored field must be: an entry that does not fit is a miss."""


class Signature(NamedTuple):
    """What a result was computed from: the file's content hash and, if old enough, its stat."""

    digest: str
    stat: tuple[int, int, int, int] | None


def signature(source: bytes, info: os.stat_result) -> Signature:
    return Signature(digest(source), _stat(info))


def digest(source: bytes) -> str:
    return hashlib.blake2b(source, digest_size=16).hexdigest()


def _stat(info: os.stat_result) -> tuple[int, int, int, int] | None:
    if time.time_ns() - max(info.st_mtime_ns, info.st_ctime_ns) < RECENT_NS:
        return None
    return (info.st_mtime_ns, info.st_ctime_ns, info.st_size, info.st_ino)


class CacheRefused(Exception):
    """No directory is budgetlint's to cache in: this run caches nothing."""


def location(root: Path, option: Path | None = None, configured: str | None = None) -> Path:
    """The cache directory: ``--cache-dir`` (``option``), else ``BUDGETLINT_CACHE_DIR``, else the
    project's ``cache-dir`` setting (``configured``, relative to ``root``), else
    ``.budgetlint_cache`` at the project root; where that is a directory budgetlint did not
    create, its ``SUBDIRECTORY`` there.

    budgetlint writes and deletes files only in a directory it created. Raises ``CacheRefused``
    when the project's directory (a committed setting or symlink) leads outside the project, or
    when the subdirectory exists and is not budgetlint's.
    """
    override = option or os.environ.get(ENV_VAR)
    base = Path(override) if override else root / (configured or DIRECTORY_NAME)
    directory = base if not os.path.lexists(base) or owned(base) else base / SUBDIRECTORY
    if not override:
        try:
            directory.resolve().relative_to(root.resolve())
        except (ValueError, OSError, RuntimeError):
            name = configured or DIRECTORY_NAME
            raise CacheRefused(f"{name} links outside the project ({os.path.realpath(base)}): results are not cached") from None
    if directory != base and os.path.lexists(directory) and not owned(directory):
        raise CacheRefused(f"{directory} is not a cache directory budgetlint created: results are not cached")
    return directory


def owned(directory: Path) -> bool:
    """``directory`` is one budgetlint created: its ``CACHEDIR.TAG`` is budgetlint's."""
    try:
        with open(directory / "CACHEDIR.TAG", encoding="utf-8") as handle:
            return handle.read(len(_TAG) + 1) == _TAG
    except (OSError, UnicodeDecodeError):
        return False


def configuration_key(version: str, *parts: object) -> str:
    """A hash of everything findings depend on besides the file: budgetlint and ``parts``.

    ``parts`` (the policy, the rules, the options) are written as canonical JSON, so the key is
    the same in every process and run; a value of a type ``canonical`` does not know is an error,
    never a silently unstable key.
    """
    parser = [sys.implementation.name, list(sys.version_info[:2]), _parser_version()]  # syntax accepted, trees built
    document = [FORMAT, version, _code_digest(), parser, list(_FIELDS), [canonical(part) for part in parts]]
    return hashlib.sha256(json.dumps(document, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:32]


def canonical(value: object) -> object:
    """``value`` as plain JSON data, the same for equal values in any process."""
    if value is None or isinstance(value, (bool, int, float, str)) and not isinstance(value, Enum):
        return value
    if isinstance(value, Enum):
        return [type(value).__qualname__, canonical(value.value)]
    if is_dataclass(value) and not isinstance(value, type):
        return [type(value).__qualname__, {field.name: canonical(getattr(value, field.name)) for field in fields(value)}]
    if isinstance(value, (list, tuple)):
        return [canonical(item) for item in value]
    if isinstance(value, (set, frozenset)):
        return sorted((canonical(item) for item in value), key=json.dumps)
    if isinstance(value, dict):
        return sorted(([canonical(key), canonical(item)] for key, item in value.items()), key=json.dumps)
    if isinstance(value, re.Pattern):
        return ["re", value.pattern, value.flags]
    if isinstance(value, type):
        return f"{value.__module__}.{value.__qualname__}"
    raise TypeError(f"cannot key the cache on a {type(value).__name__}")


def _parser_version() -> str:
    """libcst's version, read from its ``_version.py`` without importing libcst (~235 ms) or
    ``importlib.metadata`` (~25 ms): a warm run needs neither."""
    spec = find_spec("libcst")
    if spec is not None and spec.origin:
        try:
            return (Path(spec.origin).parent / "_version.py").read_text(encoding="utf-8")
        except OSError:
            pass
    from importlib import metadata

    try:
        return metadata.version("libcst")
    except metadata.PackageNotFoundError:
        return ""


def _code_digest() -> str:
    """A hash of budgetlint's own modules: a changed engine or rule never reuses old results,
    even where the version number stays (an editable install)."""
    hasher = hashlib.blake2b(digest_size=16)
    for package in ("budgetlint", "budgetlint.rules", "budgetlint.reporters"):
        spec = find_spec(package)
        for folder in (spec.submodule_search_locations or []) if spec else []:
            for path in sorted(Path(folder).glob("*.py")):
                hasher.update(f"{package}/{path.name}\0".encode())
                hasher.update(path.read_bytes())
    return hasher.hexdigest()


class Cached(NamedTuple):
    findings: tuple[Finding, ...]
    parsed: bool
    facts: dict | None = None
    """What the project phases need from the file (``FileResult.facts``)."""
    digest: str = ""
    """The content hash the result was computed from."""


MAX_LINKED = 4
"""Second-phase results kept per file (one per digest of the summaries it used)."""


class ResultCache:
    """One configuration's index: ``get`` before linting a file, ``put`` after, ``save`` at the end."""

    def __init__(self, directory: Path, key: str, root: Path) -> None:
        self.directory = directory
        self.path = directory / f"{key}.json"
        self.root = root
        self._project: dict = {}
        """The last run's phase-2 outcome (``project_used``), as read."""
        self._project_out: dict | None = None
        self._entries, self._loaded = self._read()
        self._changed: dict[str, list] = {}
        self._seen: set[str] = set()

    @property
    def known(self) -> bool:
        """An index of this configuration was read: a run with it has completed before."""
        return self._loaded is not None

    def get(self, path: str, name: str, key: str) -> Cached | None:
        """The cached result of the file at ``path`` (``key``: root-relative), if still valid."""
        self._seen.add(key)
        entry = self._entries.get(key)
        try:
            if not isinstance(entry, list) or len(entry) != 7 or entry[2] != name:
                return None
            content, stat, _, parsed, stored, facts, linked = entry
            info = os.stat(path)
            if stat is None or tuple(stat) != (info.st_mtime_ns, info.st_ctime_ns, info.st_size, info.st_ino):
                with open(path, "rb") as handle:
                    if digest(handle.read()) != content:
                        return None
                fresh = _stat(info)
                if fresh is not None:
                    self._changed[key] = [content, list(fresh), name, parsed, stored, facts, linked]
            if facts is not None and not isinstance(facts, dict):
                return None
            return Cached(tuple(_finding(name, values) for values in stored), bool(parsed), facts, str(content))
        except (OSError, TypeError, ValueError):
            return None

    def put(self, key: str, name: str, signature: Signature, findings: tuple[Finding, ...], parsed: bool, facts: dict | None = None) -> None:
        stat = list(signature.stat) if signature.stat is not None else None
        self._changed[key] = [signature.digest, stat, name, parsed, _stored(findings), facts, {}]

    def get_linked(self, key: str, name: str, content: str, used: str) -> Cached | None:
        """The second-phase result of the file at ``key`` with this ``content`` hash, computed
        with summaries whose digest is ``used``; None when there is none."""
        entry = self._changed.get(key) or self._entries.get(key)
        try:
            if not isinstance(entry, list) or len(entry) != 7 or entry[0] != content or entry[2] != name:
                return None
            found = entry[6].get(used)
            if not isinstance(found, list) or len(found) != 3 or not isinstance(found[2], dict):
                return None
            stored, parsed, facts = found
            return Cached(tuple(_finding(name, values) for values in stored), bool(parsed), facts, content)
        except (AttributeError, TypeError, ValueError):
            return None

    def project_used(self, snapshot: str) -> dict[str, str] | None:
        """The digest of the summaries each file was last linted with, by root-relative path,
        when the last whole-project run saw the same files with the same contents (``snapshot``)."""
        used = self._project.get("used")
        if self._project.get("snapshot") != snapshot or not isinstance(used, dict):
            return None
        return {key: value for key, value in used.items() if isinstance(value, str)}

    def project_rounds(self, keys: Iterable[str]) -> tuple[dict[str, str], list[tuple[str, dict[str, str]]]] | None:
        """What the last whole-project run's phase 2 worked out, for ``phase_rounds.Rounds``, when it saw
        the files of ``keys`` (root-relative paths): the content hash of each, and per round the
        digest of the summaries (``phase_rounds.index_digest``) and the summaries each file used then;
        None when there is no such record (other files, or a record of another shape)."""
        files, rounds = self._project.get("files"), self._project.get("rounds")
        if not (isinstance(files, list) and len(files) == 2 and isinstance(files[1], list) and isinstance(rounds, list)):
            return None
        ordered = sorted(keys)
        if files[0] != _keys_digest(ordered) or len(files[1]) != len(ordered) or not all(isinstance(content, str) for content in files[1]):
            return None
        if not all(isinstance(step, list) and len(step) == 2 and isinstance(step[0], str) and isinstance(step[1], dict) for step in rounds):
            return None
        return dict(zip(ordered, files[1])), [(digest, {key: value for key, value in used.items() if isinstance(value, str)}) for digest, used in rounds]

    def note_project(self, snapshot: str, used: dict[str, str], files: dict[str, str], rounds: list[tuple[str, dict[str, str]]]) -> None:
        """Record this whole-project run's phase-2 outcome for ``project_used``, and for
        ``project_rounds`` the content hash of each of its ``files`` (by root-relative path, in
        path order: the paths are in the index already) and what each round worked out."""
        ordered = sorted(files)
        stored = [_keys_digest(ordered), [files[key] for key in ordered]]
        record = {"snapshot": snapshot, "used": used, "files": stored, "rounds": [list(step) for step in rounds]}
        if record != self._project:
            self._project_out = record

    def put_linked(self, key: str, content: str, used: str, findings: tuple[Finding, ...], parsed: bool, facts: dict) -> None:
        """Record a second-phase result beside the file's first-phase one (same ``content``)."""
        entry = self._changed.get(key) or self._entries.get(key)
        if not isinstance(entry, list) or len(entry) != 7 or entry[0] != content or not isinstance(entry[6], dict):
            return
        linked = {name: value for name, value in entry[6].items() if name != used}
        kept = dict(list(linked.items())[-(MAX_LINKED - 1) :])
        kept[used] = [_stored(findings), parsed, facts]
        self._changed[key] = [*entry[:6], kept]

    @held_interrupts()
    def save(self) -> None:
        """Write what this run learned (merged with what is on disk now) and prune; errors are ignored.

        Ctrl-C waits until it is done (no half index, no temporary file); a run interrupted
        before it saves nothing: the index stays as the last complete run left it."""
        if not self._changed and self._project_out is None:
            if self._loaded is not None:
                try:
                    os.utime(self.path, follow_symlinks=False)  # used: kept by the pruning of old indexes
                except OSError:
                    pass
            return
        try:
            if not self._prepare():
                return
            if self._written() != self._loaded:  # another run wrote meanwhile: keep its entries too
                entries, _ = self._read()
                self._entries = {**self._entries, **entries}
            self._entries.update(self._changed)
            for key in [key for key in self._entries if key not in self._seen]:
                if not (self.root / key).exists():
                    del self._entries[key]
            project = self._project_out if self._project_out is not None else self._project
            # check_circular off: plain data read from JSON or made by the run (10-20 % faster over 2,000 entries)
            document = json.dumps({"budgetlint_cache": FORMAT, "entries": self._entries, "project": project}, separators=(",", ":"), check_circular=False)
            handle, temporary = _temporary(self.directory)
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as stream:
                    stream.write(document)
                os.replace(temporary, self.path)
            except BaseException:
                os.unlink(temporary)
                raise
            self._prune_indexes()
        except OSError:
            pass  # a read-only checkout lints, only slower

    def _read(self) -> tuple[dict[str, list], tuple[int, int] | None]:
        try:
            with open(self.path, "rb") as handle:
                info = os.fstat(handle.fileno())
                document = json.loads(handle.read())
            entries = document["entries"] if document.get("budgetlint_cache") == FORMAT else None
            if isinstance(entries, dict):
                project = document.get("project")
                self._project = project if isinstance(project, dict) else {}
                return entries, (info.st_mtime_ns, info.st_size)
        except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
            pass
        return {}, None

    def _written(self) -> tuple[int, int] | None:
        """The index's (mtime_ns, size) on disk now, as ``_read`` records it; None when there is none."""
        try:
            info = os.stat(self.path)
        except OSError:
            return None
        return (info.st_mtime_ns, info.st_size)

    def _prepare(self) -> bool:
        """Whether budgetlint may write in its directory: one it creates now, tagged as its own
        (``CACHEDIR.TAG``, then a ``.gitignore`` of ``*``), or one it created before."""
        try:
            self.directory.mkdir(parents=True)
        except FileExistsError:
            return owned(self.directory)
        for name, text in (("CACHEDIR.TAG", _TAG), (".gitignore", "# Created by budgetlint: its result cache.\n*\n")):
            with open(self.directory / name, "x", encoding="utf-8") as handle:
                handle.write(text)
        return True

    def _prune_indexes(self) -> None:
        """Delete the indexes beyond the ``KEEP_INDEXES`` most recently used: only files named as
        budgetlint names its indexes, never another file."""
        indexes = []
        for path in self.directory.glob("*.json"):
            if not _INDEX_NAME.fullmatch(path.name):
                continue
            try:
                indexes.append((path.lstat().st_mtime_ns, path))
            except OSError:
                continue
        for _, path in sorted(indexes, reverse=True)[KEEP_INDEXES:]:
            if path != self.path:
                path.unlink(missing_ok=True)


def _temporary(directory: Path) -> tuple[int, str]:
    """A new file for the index being written, made as ``tempfile.mkstemp`` makes one (created
    exclusively, for its owner only, under a random name) without importing ``tempfile``, which
    brings ``shutil`` and ``random`` (~7 ms of a warm run that writes its index). An ``OSError``
    (after 100 names taken: a broken directory) is the caller's."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    for _ in range(99):
        path = os.path.join(directory, f".index-{os.urandom(8).hex()}.tmp")
        try:
            return os.open(path, flags, 0o600), path
        except FileExistsError:
            continue
    path = os.path.join(directory, f".index-{os.urandom(8).hex()}.tmp")
    return os.open(path, flags, 0o600), path


def _keys_digest(ordered: list[str]) -> str:
    return hashlib.blake2b(json.dumps(ordered).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _stored(findings: tuple[Finding, ...]) -> list:
    return [[getattr(finding, field) for field in _FIELDS] for finding in findings]


def _finding(name: str, values: list) -> Finding:
    if len(values) != len(_FIELDS):
        raise ValueError("entry of another shape")
    for field, value in zip(_FIELDS, values):
        if not isinstance(value, _KINDS[field]):
            raise TypeError(f"{field}: {type(value).__name__}")
    data = dict(zip(_FIELDS, values))
    if data["raw_region"] is not None:
        data["raw_region"] = tuple(data["raw_region"])
    data["related"] = tuple(Related(*place) for place in data["related"])
    return Finding(path=name, **data)
