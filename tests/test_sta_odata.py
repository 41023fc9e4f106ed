"""The $filter/$orderby parser: structure, limits, and that no input escapes as anything but a clean QueryError."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from kikz.sensors.entities import ENTITIES
from kikz.sensors.odata.compiler import Compiler
from kikz.sensors.odata.errors import NotImplementedOption, QueryError
from kikz.sensors.odata.parser import Binary, Call, Literal, Property, Unary, parse_filter, parse_orderby

ALPHABET = "()',-/ 0123456789.:TZabcdeglnoqrstuxyz_@"
WORDS = st.sampled_from(
    [
        "eq",
        "ne",
        "gt",
        "and",
        "or",
        "not",
        "add",
        "mul",
        "(",
        ")",
        ",",
        "'x'",
        "1",
        "2.5",
        "name",
        "result",
        "phenomenonTime",
        "length(",
        "geo.distance(",
        "geography'POINT(1 2)'",
        "2025-01-01T00:00:00Z",
        "null",
        "-",
    ]
)


def test_precedence_and_literals() -> None:
    node = parse_filter("a eq 1 or b eq 'it''s' and not c gt -2 add 3 mul 4")
    assert isinstance(node, Binary) and node.op == "or"
    right = node.right
    assert isinstance(right, Binary) and right.op == "and"
    assert right.left == Binary("eq", Property(("b",)), Literal("it's"))
    negated = right.right
    assert isinstance(negated, Unary) and negated.op == "not"
    assert negated.operand == Binary(
        "gt", Property(("c",)), Binary("add", Literal(-2), Binary("mul", Literal(3), Literal(4)))
    )
    assert parse_filter("Datastream/id eq 3") == Binary("eq", Property(("Datastream", "id")), Literal(3))
    assert isinstance(parse_filter("startswith(name, 'a')"), Call)
    assert [i.descending for i in parse_orderby("result desc, phenomenonTime asc, id")] == [True, False, False]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "a eq",
        "eq 1",
        "a eq 1 eq 2",
        "(a eq 1",
        "a eq 1)",
        "'open",
        "a eq 2025-01-01T00:00:00",
        "a ? b",
        "geography'LINESTRING(1 2, 3 4)'",
        "(" * 200 + "a" + ")" * 200,
    ],
)
def test_invalid_filters_are_query_errors(text: str) -> None:
    with pytest.raises(QueryError):
        parse_filter(text)


def test_values_are_bound_parameters_never_sql_text() -> None:
    entity = ENTITIES["Things"]
    evil = "x' OR 1=1 --"
    condition = Compiler(entity.fields, "sqlite").condition(
        parse_filter(f"name eq '{evil.replace(chr(39), 2 * chr(39))}'")
    )
    for dialect in (sqlite.dialect(), postgresql.dialect()):
        compiled = select(entity.model.id).where(condition).compile(dialect=dialect)
        assert evil not in str(compiled)
        assert evil in compiled.params.values()


def test_unsupported_functions_are_501_and_unknown_ones_400() -> None:
    compiler = Compiler(ENTITIES["Things"].fields, "sqlite")
    with pytest.raises(NotImplementedOption):
        compiler.condition(parse_filter("time(name) eq 1"))
    with pytest.raises(QueryError) as info:
        compiler.condition(parse_filter("frobnicate(name) eq 1"))
    assert not isinstance(info.value, NotImplementedOption)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=80))
def test_random_text_parses_or_fails_cleanly(text: str) -> None:
    compiler = Compiler(ENTITIES["Observations"].fields, "postgresql")
    with contextlib.suppress(QueryError):
        compiler.condition(parse_filter(text))


@settings(max_examples=300, deadline=None)
@given(st.lists(WORDS, max_size=30).map(" ".join))
def test_random_token_soup_parses_or_fails_cleanly(text: str) -> None:
    for entity in ("Things", "Observations", "Locations"):
        compiler = Compiler(ENTITIES[entity].fields, "sqlite")
        try:
            compiler.condition(parse_filter(text))
            parse_orderby(text)
        except QueryError:
            pass
