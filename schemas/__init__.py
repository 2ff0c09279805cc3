"""JSON Schemas for budgetlint's guardrails and stack files (package data)."""
