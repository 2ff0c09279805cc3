"""Extract each repository of the detection set at its recorded commit.

    python bench/detection/checkout.py MIRROR_OR_DIR CORPORA_DIR [--repos repos.csv]

For every row of ``repos.csv``, reads the git repository at ``MIRROR_OR_DIR/owner+name``
(a bare git directory, a clone with a ``.git`` directory, or a directory holding a bare one in
``repo/``, as fetched mirrors are laid out) and writes the tree of the recorded commit to
``CORPORA_DIR/owner+name``, with a ``.commit`` file holding the sha for ``score.py`` to check.
The repositories are public; fetching them (with history: some labels are on older commits)
is up to the user. Objects git does not have (large files left out of a snapshot) and
symbolic links are skipped with a warning. Standard library and the ``git`` command only.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import subprocess
import sys
from pathlib import Path, PurePosixPath

HERE = Path(__file__).resolve().parent


def git_dir(source: Path) -> Path | None:
    """The git directory of a mirror or clone, or None."""
    for candidate in (source / "repo", source / ".git", source):
        if (candidate / "HEAD").is_file() and (candidate / "objects").is_dir():
            return candidate
    return None


def _tree(gitdir: Path, commit: str) -> list[tuple[str, str, str, str]]:
    """(mode, type, sha, path) of every entry of the commit's tree."""
    out = subprocess.run(["git", "--git-dir", str(gitdir), "ls-tree", "-r", "-z", commit], capture_output=True, check=True).stdout
    entries = []
    for record in out.split(b"\0"):
        if record:
            meta, path = record.split(b"\t", 1)
            mode, kind, sha = meta.decode().split()
            entries.append((mode, kind, sha, path.decode("utf-8", "surrogateescape")))
    return entries


def _safe(dest: Path, path: str) -> Path | None:
    parts = PurePosixPath(path).parts
    if not parts or PurePosixPath(path).is_absolute() or ".." in parts:
        return None
    return dest.joinpath(*parts)


def extract(gitdir: Path, commit: str, dest: Path) -> list[str]:
    """Write the commit's files under ``dest``; returns warnings for what was skipped."""
    warnings = []
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    blobs = []
    for mode, kind, sha, path in _tree(gitdir, commit):
        target = _safe(dest, path)
        if kind != "blob" or target is None:
            warnings.append(f"skipped {path} ({kind})")
        elif mode == "120000":
            warnings.append(f"skipped symbolic link {path}")
        else:
            blobs.append((mode, sha, path, target))
    with subprocess.Popen(["git", "--git-dir", str(gitdir), "cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE) as proc:
        assert proc.stdin is not None and proc.stdout is not None
        for mode, sha, path, target in blobs:
            proc.stdin.write(sha.encode() + b"\n")
            proc.stdin.flush()
            header = proc.stdout.readline().split()
            if len(header) < 3 or header[1] != b"blob":
                warnings.append(f"skipped {path} (object not in the snapshot)")
                continue
            data = proc.stdout.read(int(header[2]))
            proc.stdout.read(1)  # the newline after the object
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            if mode == "100755":
                target.chmod(0o755)
        proc.stdin.close()
    (dest / ".commit").write_text(commit + "\n", encoding="utf-8")
    return warnings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mirrors", type=Path, help="directory with one git repository per repo, named owner+name")
    parser.add_argument("corpora", type=Path, help="where to write the checkouts")
    parser.add_argument("--repos", type=Path, default=HERE / "repos.csv")
    args = parser.parse_args(argv)
    with args.repos.open(newline="", encoding="utf-8") as handle:
        repos = [(row["repo"].strip(), row["commit"].strip()) for row in csv.DictReader(handle)]
    failed = 0
    for repo, commit in repos:
        name = repo.replace("/", "+")
        gitdir = git_dir(args.mirrors / name)
        if gitdir is None:
            print(f"{repo}: no git repository at {args.mirrors / name}", file=sys.stderr)
            failed += 1
            continue
        try:
            warnings = extract(gitdir, commit, args.corpora / name)
        except subprocess.CalledProcessError as error:
            print(f"{repo}: cannot read commit {commit}: {error.stderr.decode(errors='replace').strip()}", file=sys.stderr)
            failed += 1
            continue
        for warning in warnings[:5]:
            print(f"{repo}: warning: {warning}", file=sys.stderr)
        if len(warnings) > 5:
            print(f"{repo}: warning: {len(warnings) - 5} more skipped", file=sys.stderr)
        print(f"{repo}: {commit[:12]} -> {args.corpora / name}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
