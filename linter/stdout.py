"""Printing to stdout, which may be closed (``budgetlint check >&-``) or full (``> /dev/full``).

A report that cannot be printed is a failed run, not a clean one and not a traceback: ``echo``
raises ``StdoutError`` and the command line says why in one line on stderr, with exit code 2.
A reader that went away (``budgetlint check | head``) is left to click, which ends quietly.
"""

from __future__ import annotations

import os
import sys

import click


class StdoutError(Exception):
    """stdout cannot take the output: exit code 2."""


def echo(message: str | bytes, *, nl: bool = True, color: bool | None = None) -> None:
    """``click.echo`` to stdout; raises ``StdoutError`` when it cannot be written."""
    if sys.stdout is None:  # Python found no stdout at start
        raise StdoutError("it is closed")
    try:
        click.echo(message, nl=nl, color=color)
    except BrokenPipeError:
        raise
    except OSError as error:
        _discard_pending()
        raise StdoutError(error.strerror or str(error)) from None


def _discard_pending() -> None:
    """Point stdout at the null device, so that the final flush of what could not be written does
    not fail again at exit (Python's advice for a closed pipe)."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError):
        pass
