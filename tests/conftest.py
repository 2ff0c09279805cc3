"""Test-wide settings: Hypothesis runs that leave nothing behind and repeat exactly."""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("repeatable", database=None, derandomize=True)
"""The default: no example database (a failure saved by one run would change the next), and the
same examples every run, so the suite passes or fails the same way twice in a row."""
settings.register_profile("explore", database=None, derandomize=False)
"""``HYPOTHESIS_PROFILE=explore``: new random examples each run (still nothing saved)."""
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))
