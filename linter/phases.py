"""Linting a project in two phases, so that calls follow clients and wrappers across modules.

Phase 1 (``runner.lint_paths``) lints every file on its own, as before, and keeps from each
parsed file its facts (``summary.py``): the summary of what it exports (clients, factories,
helpers and wrappers, re-exports) and the project names it imports. Phase 2 lints again, with
the summaries in the ``Job`` (``project.ProjectIndex``), each file whose imported names resolve
to a summary, in rounds: a file linted with the summaries may export more (a wrapper of an
imported wrapper), so files using it are linted again, until nothing changes
(``MAX_ROUNDS``). Each round uses the summaries of the round before, whatever else is in the
run, so a module's result depends only on the modules it imports.

The prefilter learns the names the summaries export: a file it skipped in phase 1 is parsed
when it imports (as its import lines say) a project module exporting a name written in it.

Results are cached by content (phase 1) and by content plus a digest of the summaries a file
used (phase 2); what each file used, per round, is taken from the last whole-project run while
the summaries are the same (``phase_rounds.py``). Findings at the inner call of a wrapper that some module calls are dropped
(the callers report them).

A run over part of a project (``--shard``, files named on the command line) also summarises
the modules its files import, transitively, and the files that may call its wrappers (those
naming them), without reporting them: its findings are those of a whole run for its files.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from contextlib import closing
from dataclasses import replace
from pathlib import Path

from . import runner
from .cache import ResultCache
from .job import FileResult, Job
from .phase_files import File, names_a_word, skipped, skipped_imports
from .phase_rounds import Rounds
from .project import Found, ProjectIndex, ProjectView, absolute, module_name

MAX_ROUNDS = 4


def lint_project(
    files: Sequence[Path],
    job: Job | Callable[[], Job],
    jobs: int,
    cwd: Path,
    root: Path | None = None,
    progress: Callable[[int], None] | None = None,
    cache: ResultCache | None = None,
    project_files: Sequence[Path] | None = None,
) -> list[FileResult]:
    """Lint ``files`` of one project in two phases; results in input order.

    ``project_files``: every file of the project (default: ``files``), where the modules its
    files import are found."""
    own = runner.triples_of(files, cwd, root)
    results = runner.lint_triples(own, job, jobs, progress, cache)
    states = [File(path, name, key, result, True) for (path, name, key), result in zip(own, results)]
    every = {key: (path, name) for path, name, key in own}
    others = [triple for triple in runner.triples_of(project_files or (), cwd, root) if triple[2] not in every]
    every.update({key: (path, name) for path, name, key in others})
    modules = {module: key for key in sorted(every) if (module := module_name(key)) is not None}
    shown = {key: name for key, (_, name) in every.items()}
    if others:
        _close(states, every, modules, shown, job, jobs, cwd, root, cache)
    built: list[Job] = []

    def the_job(index: ProjectIndex) -> Job:
        if not built:
            built.append(job if isinstance(job, Job) else job())
        return replace(built[0], project=index)

    snapshot = _snapshot(states) if cache is not None and not others else None
    if snapshot is not None and _reuse(states, cache, snapshot):  # type: ignore[arg-type]
        return _without_moved(states)  # the same files as the last whole run: the same outcome
    rounds = Rounds(states, cache if snapshot is not None else None)
    for number in range(MAX_ROUNDS):
        index = _index(states, modules, shown)
        if not _exports(index) and not any(state.used for state in states):
            break  # no module defines a client, factory or helper: phase 1 is the whole answer
        found = rounds.used(states, index, number, lambda state, index=index: _used(state, index))
        todo = [(state, used) for state, used in zip(states, found) if used is not None and used != state.used]
        if not todo:
            break
        _relint(todo, lambda index=index: the_job(index), jobs, cache)
    if snapshot is not None:
        files = {state.key: state.content for state in states}
        cache.note_project(snapshot, {state.key: state.used for state in states if state.used}, files, rounds.done)  # type: ignore[union-attr]
    return _without_moved(states)


def _snapshot(states: list[File]) -> str:
    """What phase 2's outcome is a function of, in a whole-project run: every file and its content."""
    document = json.dumps(sorted([state.key, state.content] for state in states))
    return hashlib.blake2b(document.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _reuse(states: list[File], cache: ResultCache, snapshot: str) -> bool:
    """Take each file's phase-2 result from the cache when the last whole-project run saw the same
    files with the same contents (it ended with these); False, taking nothing, when one is missing."""
    used = cache.project_used(snapshot)
    if used is None:
        return False
    hits = []
    for state in states:
        if state.key in used:
            hit = cache.get_linked(state.key, state.name, state.content, used[state.key]) if state.content else None
            if hit is None:
                return False
            hits.append((state, used[state.key], hit))
    for state, digest, hit in hits:
        state.result = FileResult(state.name, hit.findings, hit.parsed, facts=hit.facts, content=state.content)
        state.used = digest
    return True


def _exports(index: ProjectIndex) -> bool:
    """Whether some module's summary holds what a call site may go through."""
    return any(record.get("kind") in _USEFUL for summary in index.summaries.values() for record in summary.get("names", {}).values())


def _index(states: list[File], modules: dict[str, str], shown: dict[str, str]) -> ProjectIndex:
    summaries = {s.key: s.result.facts["summary"] for s in states if s.result.facts and "summary" in s.result.facts}
    return ProjectIndex(summaries, modules, shown)


def _used(state: File, index: ProjectIndex) -> str | None:
    """The digest of the summaries ``state``'s file uses now; None when it uses none."""
    view = index.view(state.key)
    facts = state.result.facts
    if skipped(state.result):
        found = [(name, _resolved(name, view)) for name in skipped_imports(state)]
        exported = {word for _, hit in found if hit is not None and hit[0] == "module" for word in hit[2]}
        exported |= {name.rpartition(".")[2] for name, hit in found if hit is not None and hit[0] == "name"}
        if not names_a_word(state.path, exported):
            return None
    elif facts is not None:
        found = [(name, _resolved(name, view)) for name in facts.get("needs", ())]
    else:
        return None
    if all(hit is None for _, hit in found):
        return None if not state.used else ""
    return index.digest(found)  # type: ignore[arg-type]


def _resolved(name: str, view: ProjectView) -> tuple | None:
    """What an imported project name is, as far as the rules care: a module (the clients,
    factories and helpers it defines or re-exports) or one of those; None for anything else.

    Once per index for the files of one package: what an absolute name resolves to depends
    only on the importing module's package (``ProjectIndex.module_of``), and not on that when no
    part of it names two modules (``ProjectIndex.unambiguous``); a relative one is the file's own."""
    memo = view.index.memo
    if name.startswith("."):
        key = ("name", name, view.key, view.module.rpartition(".")[0])
    else:
        key = ("name", name, "", "")
        if key not in memo and not view.index.unambiguous(name):
            key = ("name", name, "", view.module.rpartition(".")[0])
    if key not in memo:
        memo[key] = _resolve(name, view)
    return memo[key]  # type: ignore[return-value]


def _resolve(name: str, view: ProjectView) -> tuple | None:
    dotted = absolute(name, view.module, view.key.endswith("__init__.py"))
    module = view.index.module_of(dotted, view.module) if dotted else None
    if module is not None:
        memo = view.index.memo
        if module not in memo:  # the same for every file importing the module
            key = view.index.modules[module]
            names = view.index.summaries.get(key, {}).get("names", {})
            module_view = ProjectView(view.index, key)
            found = {entry: hit.canonical() for entry in sorted(names) if (hit := _useful(module_view.lookup(f"{module}.{entry}")))}
            memo[module] = ("module", key, found) if found else None
        return memo[module]  # type: ignore[return-value]
    hit = _useful(view.lookup(name))
    return None if hit is None else ("name", *hit.canonical())


def _useful(found: Found | None) -> Found | None:
    """``found`` when it is something a call site may go through (an alias is followed)."""
    return found if found is not None and found.record.get("kind") in _USEFUL else None


_USEFUL = frozenset({"client", "factory", "helper"})


def _relint(todo: list[tuple[File, str]], job: Callable[[], Job], jobs: int, cache: ResultCache | None) -> None:
    """Lint the files of ``todo`` again with the summaries (``job`` makes the job: only called
    when the cache does not answer, so a warm run loads no parser)."""
    pending: list[tuple[File, str]] = []
    for state, used in todo:
        hit = cache.get_linked(state.key, state.name, state.content, used) if cache is not None and state.content else None
        if hit is None:
            pending.append((state, used))
            continue
        state.result = FileResult(state.name, hit.findings, hit.parsed, facts=hit.facts, content=state.content)
        state.used = used
    if not pending:
        return
    triples = [(state.path, state.name, state.key) for state, _ in pending]
    with closing(runner.lint_many(triples, job(), jobs, signed=cache is not None)) as outcomes:
        for position, result in outcomes:
            state, used = pending[position]
            content = state.content
            state.result = replace(result, content=content) if not result.content else result
            state.used = used
            if cache is not None and result.facts is not None and content:
                cache.put_linked(state.key, content, used, result.findings, result.parsed, result.facts)


def _without_moved(states: list[File]) -> list[FileResult]:
    """Each reported file's result, without the findings at the inner call of a wrapper some module calls."""
    called = called_wrappers(state.result for state in states)
    return [without_moved(state.result, called) for state in states if state.reported]


def called_wrappers(results: Iterable[FileResult]) -> set[str]:
    """The ids of the wrappers the files of ``results`` call."""
    return {ident for result in results if result.facts for ident in result.facts.get("called", ())}


def without_moved(result: FileResult, called: set[str]) -> FileResult:
    """``result`` without its findings at the inner call of a wrapper in ``called``."""
    dropped = {index for index, ident in (result.facts or {}).get("marks", ()) if ident in called}
    kept = tuple(finding for index, finding in enumerate(result.findings) if index not in dropped)
    return replace(result, findings=kept) if dropped else result


def _close(states, every, modules, shown, job, jobs, cwd, root, cache) -> None:
    """Add (unreported) the project files the run's files depend on: the modules they import,
    transitively, and the files naming one of their wrappers (its possible callers). Each round
    reads only the files the last one added; what a name resolves to is looked up once per package."""
    known = {state.key for state in states}
    index = ProjectIndex({}, modules, shown)
    memo: dict[tuple[str, str, str], set[str]] = {}
    wrappers: set[str] = set()
    done = 0
    for _ in range(64):
        wanted: set[str] = set()
        fresh_wrappers: set[str] = set()
        for state in states[done:]:
            view = index.view(state.key)
            facts = state.result.facts
            names = skipped_imports(state) if skipped(state.result) else (facts or {}).get("needs", ())
            for name in names:
                wanted |= _modules_of(name, view, memo)
            for record in ((facts or {}).get("summary") or {}).get("names", {}).values():
                if record.get("kind") == "alias":
                    wanted |= _modules_of(record["target"], view, memo)
            if facts and facts.get("marks"):
                fresh_wrappers |= {ident.rpartition("::")[2].split(".")[0] for _, ident in facts["marks"]}
        done = len(states)
        fresh_wrappers -= wrappers
        if fresh_wrappers:  # the files naming a wrapper seen before were added when it was
            wrappers |= fresh_wrappers
            wanted |= {key for key, (path, _) in every.items() if key not in known and names_a_word(path, fresh_wrappers)}
        fresh = sorted(wanted - known)
        if not fresh:
            return
        known.update(fresh)
        paths = [Path(every[key][0]) for key in fresh]
        for path, result in zip(paths, runner.lint_paths(paths, job, jobs, cwd, root, None, cache)):
            key = fresh[paths.index(path)]
            states.append(File(str(path), every[key][1], key, result, False))


def _modules_of(name: str, view: ProjectView, memo: dict[tuple[str, str, str], set[str]]) -> set[str]:
    """The keys of the project modules ``name`` may come from (each dotted prefix of it); the
    same for every file of a package unless ``name`` is relative (``ProjectIndex.module_of``)."""
    key = (name, view.key if name.startswith(".") else "", view.module.rpartition(".")[0])
    if key in memo:
        return memo[key]
    dotted = absolute(name, view.module, view.key.endswith("__init__.py"))
    found: set[str] = set()
    parts = dotted.split(".") if dotted else []
    for cut in range(1, len(parts) + 1):
        module = view.index.module_of(".".join(parts[:cut]), view.module)
        if module is not None:
            found.add(view.index.modules[module])
    memo[key] = found
    return found
