"""Values read from the source: string literals."""

from __future__ import annotations

import libcst as cst
import pytest

from budgetlint.values import integer_value, string_value


@pytest.mark.parametrize(
    "literal",
    ['"abc"', "'x'", '"""a\nb"""', "''", '""', 'u"q"', 'U"q"', 'b"x"', 'r"\\d"', '"a\\nb"', '""""a"""', "''''''", "'\"'", '"é"', 'rb"\\x"', "'a\\\\'", "'''it's'''"],
)
def test_a_string_value_is_what_python_makes_of_the_literal(literal: str):
    node = cst.parse_expression(literal)
    assert isinstance(node, cst.SimpleString)
    assert string_value(node) == node.evaluated_value
    assert type(string_value(node)) is type(node.evaluated_value)


@pytest.mark.parametrize("literal", ["0", "00", "7", "256", "1_000", "0x1F", "0o17", "0b101", "4096"])
def test_an_integer_value_is_what_python_makes_of_the_literal(literal: str):
    node = cst.parse_expression(literal)
    assert isinstance(node, cst.Integer)
    assert integer_value(node) == int(node.evaluated_value)
