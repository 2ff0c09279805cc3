"""budgetlint: lint Python code that calls LLMs for cost and control guardrails."""

# The one place the version is written: pyproject.toml reads it (``[tool.setuptools.dynamic]``),
# so the CLI need not import importlib.metadata (~25 ms at every start) to learn it.
__version__ = "0.1.0"
