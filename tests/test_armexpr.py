"""The ARM expression parser the ARM reader evaluates conditions with."""

from __future__ import annotations

import pytest

from fixer.formats.armexpr import parse


def test_calls_literals_and_accessors() -> None:
    assert parse("[equals(parameters('x'), 'it''s')]") == (
        "call", "equals", (("call", "parameters", (("literal", "x"),)), ("literal", "it's")))
    assert parse("[parameters('cfg').sku.name]") == (
        "property", ("property", ("call", "parameters", (("literal", "cfg"),)), "sku"), "name")
    assert parse("[variables('v')['k'][0]]") == (
        "index", ("index", ("call", "variables", (("literal", "v"),)), ("literal", "k")), ("literal", 0))
    assert parse("[ If( true, -1, null ) ]") == ("call", "if", (("literal", True), ("literal", -1), ("literal", None)))


@pytest.mark.parametrize("text", ["plain", "[[escaped]", "[concat('a', ]", "[a b]", "[parameters('x')", "[]",
                                  "[parameters('x').]"])
def test_what_is_not_an_expression_it_can_read_is_none(text: str) -> None:
    assert parse(text) is None
