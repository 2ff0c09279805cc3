"""Ctrl-C stops a run cleanly: nothing is left half written, and worker processes stay quiet.

A terminal sends SIGINT to the whole process group. The main process turns it into a
``KeyboardInterrupt`` (the command line reports it in one line and exits 130); workers ignore it
and are shut down by the main process. Writes that must not be cut in half (reports, the cache
index, fixed files) hold the signal back until they are done, so an interrupted run leaves the
previous file or the new one, and no temporary file.
"""

from __future__ import annotations

import os
import signal
import stat
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

EXIT_INTERRUPTED = 130
"""128 + SIGINT, the code shells and other command-line tools give an interrupted run."""


@contextmanager
def held_interrupts() -> Iterator[None]:
    """Hold SIGINT back until the block is done, then deliver it (a decorator too).

    Processes started in the block inherit the holding handler, so a SIGINT that reaches a
    worker before it ignores them (``ignore_interrupts``) is dropped, not a traceback. Outside
    the main thread, where handlers cannot be set, the block runs unprotected.
    """
    received: list[int] = []
    try:
        previous = signal.signal(signal.SIGINT, lambda number, frame: received.append(number))
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if received:
            signal.raise_signal(signal.SIGINT)  # as the restored handler would have taken it


def ignore_interrupts() -> None:
    """In a worker process: SIGINT is the main process's to handle (it shuts the workers down)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@held_interrupts()
def replace_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: through a temporary file in the same directory,
    renamed over it. Raises ``OSError``, and then leaves no temporary file.

    The file keeps its permission bits and, where allowed, its owner (a new one gets the umask's
    bits); a symlink keeps pointing at it. The data reaches the disk before the rename. What is
    not a regular file (``/dev/stdout``, a FIFO) is written to directly.
    """
    import tempfile  # only when writing

    try:
        info: os.stat_result | None = os.stat(path)
    except FileNotFoundError:
        info = None
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    else:
        if not stat.S_ISREG(info.st_mode):
            with open(path, "wb") as stream:
                stream.write(data)
            return
        mode = stat.S_IMODE(info.st_mode)
    target = os.path.realpath(path)
    directory, name = os.path.split(target)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        if info is not None and hasattr(os, "chown"):
            with suppress(OSError):  # only root, or the owner keeping its own group, may
                os.chown(temporary, info.st_uid, info.st_gid)
        os.replace(temporary, target)
    except BaseException:
        with suppress(OSError):
            os.unlink(temporary)
        raise


@held_interrupts()
def write_in_place(path: Path, data: bytes) -> None:
    """Overwrite ``path``'s content with ``data``, keeping its inode: for a file with other hard
    links, which ``replace_file``'s rename would split (the other names keeping the old content).
    Raises ``OSError``.

    The trade-off: this is not atomic as a rename is. Ctrl-C waits until the whole content is
    written, cut to length and on disk, so an interrupted run leaves the old content or the new;
    the space a longer content needs is reserved first (where ``posix_fallocate`` exists), so a
    full disk fails before a byte changes. A crash or power loss during the write, or a reader at
    that moment, can still see a mix of both.
    """
    with open(path, "r+b") as stream:
        if hasattr(os, "posix_fallocate") and len(data) > os.fstat(stream.fileno()).st_size:
            os.posix_fallocate(stream.fileno(), 0, len(data))
        stream.write(data)
        stream.truncate()
        stream.flush()
        os.fsync(stream.fileno())
