import sys

from budgetlint.interrupts import EXIT_INTERRUPTED, held_interrupts

try:
    with held_interrupts():  # Ctrl-C while starting: as later (cli), one line and no traceback
        from budgetlint.cli import main
except KeyboardInterrupt:
    print("budgetlint: interrupted", file=sys.stderr)
    sys.exit(EXIT_INTERRUPTED)

main()
