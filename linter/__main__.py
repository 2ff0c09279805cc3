"""``python -m budgetlint`` and the ``budgetlint`` console script."""

import sys

from budgetlint import timing
from budgetlint.interrupts import EXIT_INTERRUPTED, held_interrupts


def run() -> None:
    """Start the command line; Ctrl-C while it loads ends as it would later: one line, exit 130."""
    try:
        with held_interrupts():
            from budgetlint.cli import main
    except KeyboardInterrupt:
        print("budgetlint: interrupted", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)
    timing.start()
    main()


if __name__ == "__main__":
    run()
