"""The $filter/$orderby parser: structure, limits, and that no input escapes as anything but a clean QueryError."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select, true
from sqlalchemy.dialects import postgresql, sqlite

from kikz.sensors.entities import ENTITIES
from kikz.sensors.odata import geometry
from kikz.sensors.odata.compiler import Compiler
from kikz.sensors.odata.errors import NotImplementedOption, QueryError
from kikz.sensors.odata.parser import (
    Binary,
    Call,
    Geography,
    Literal,
    Property,
    Unary,
    parse_filter,
    parse_orderby,
)


def compiler(entity: str, dialect: str = "sqlite") -> Compiler:
    return Compiler(ENTITIES[entity], ENTITIES, dialect, restrict=lambda alias: true())


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
        "Datastreams/name",
        "Datastream/Thing/name",
        "Locations/location",
        "Thing/Locations/location",
        "properties/a/b",
        "location",
        "st_relate(",
        "st_touches(",
        "geo.length(",
        "'T*F**F***'",
        "geography'LINESTRING(1 2, 3 4)'",
        "geography'POLYGON((0 0, 4 0, 4 4, 0 0), (1 1, 2 1, 2 2, 1 1))'",
        "date(",
        "2025-06-01",
        "12:00:00",
        "fractionalseconds(",
        "mindatetime()",
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
        "geography'LINESTRING(1 2)'",
        "geography'POLYGON((1 2, 3 4))'",
        "geography'POINT(1 2, 3 4)'",
        "geography'POINT(a b)'",
        "date eq 2025-13-01",
        "time eq 25:00:00",
        "(" * 200 + "a" + ")" * 200,
    ],
)
def test_invalid_filters_are_query_errors(text: str) -> None:
    with pytest.raises(QueryError):
        parse_filter(text)


def test_values_are_bound_parameters_never_sql_text() -> None:
    entity = ENTITIES["Things"]
    evil = "x' OR 1=1 --"
    condition = compiler("Things").condition(parse_filter(f"name eq '{evil.replace(chr(39), 2 * chr(39))}'"))
    for dialect in (sqlite.dialect(), postgresql.dialect()):
        compiled = select(entity.model.id).where(condition).compile(dialect=dialect)
        assert evil not in str(compiled)
        assert evil in compiled.params.values()


def test_unsupported_functions_are_501_and_unknown_ones_400() -> None:
    things = compiler("Things")
    with pytest.raises(NotImplementedOption):
        things.condition(parse_filter("st_within(geography'POINT(1 2)', geography'POINT(1 2)')"))
    with pytest.raises(NotImplementedOption):
        parse_filter("st_within(location, geography'MULTIPOINT((1 2))')")
    with pytest.raises(QueryError) as info:
        things.condition(parse_filter("frobnicate(name) eq 1"))
    assert not isinstance(info.value, NotImplementedOption)
    with pytest.raises(QueryError) as info:
        things.condition(parse_filter("time(name) eq 12:00:00"))
    assert not isinstance(info.value, NotImplementedOption)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=80))
def test_random_text_parses_or_fails_cleanly(text: str) -> None:
    observations = compiler("Observations", "postgresql")
    with contextlib.suppress(QueryError):
        observations.condition(parse_filter(text))


@settings(max_examples=300, deadline=None)
@given(st.lists(WORDS, max_size=30).map(" ".join))
def test_random_token_soup_parses_or_fails_cleanly(text: str) -> None:
    for entity in ("Things", "Observations", "Locations"):
        try:
            compiler(entity).condition(parse_filter(text))
            parse_orderby(text)
        except QueryError:
            pass


def test_date_time_and_wkt_literals() -> None:
    assert parse_filter("date(phenomenonTime) eq 2025-06-01") == Binary(
        "eq", Call("date", (Property(("phenomenonTime",)),)), Literal(dt.date(2025, 6, 1))
    )
    node = parse_filter("time(phenomenonTime) lt 12:30:15.25")
    assert isinstance(node, Binary) and node.right == Literal(dt.time(12, 30, 15, 250000))
    node = parse_filter("phenomenonTime gt 2025-06-01T02:00:00+02:00")
    assert isinstance(node, Binary) and node.right == Literal(dt.datetime(2025, 6, 1, tzinfo=dt.UTC))
    node = parse_filter("st_within(location, geometry'SRID=4326;POLYGON((0 0, 4 0, 4 4, 0 4), (1 1, 2 1, 2 2, 1 1))')")
    assert isinstance(node, Call)
    shape = node.args[1]
    assert isinstance(shape, Geography) and shape.kind == "POLYGON"
    assert shape.coords == ((0, 0), (4, 0), (4, 4), (0, 4), (0, 0))  # the ring is closed for the caller
    assert shape.holes == (((1, 1), (2, 1), (2, 2), (1, 1)),)
    line = parse_filter("geo.length(geography'LINESTRING(0 0, 3 4, 3 5)') eq 6")
    assert isinstance(line, Binary) and isinstance(line.left, Call)
    assert line.left.args[0] == Geography("LINESTRING", ((0, 0), (3, 4), (3, 5)))
    with pytest.raises(NotImplementedOption):
        parse_filter("st_within(location, geography'SRID=25832;POINT(1 2)')")


def _classes(name: str, kind: str, point_first: bool = True, pattern: str | None = None) -> list[int]:
    """Which positions of a point (interior 0, boundary 1, exterior 2) make the relation hold."""
    coords = {
        "POINT": ((1.0, 1.0),),
        "LINESTRING": ((0.0, 0.0), (2.0, 2.0)),
        "POLYGON": ((0.0, 0.0), (2.0, 0.0), (2.0, 2.0), (0.0, 0.0)),
    }[kind]
    holds = []
    for position in (geometry.INTERIOR, geometry.BOUNDARY, geometry.EXTERIOR):
        if kind == "POINT" and position == geometry.BOUNDARY:
            continue  # a point has no boundary
        matrix = geometry._matrix(position, Geography(kind, coords))
        if not point_first:
            matrix = geometry._transpose(matrix)
        dims = (0, geometry._DIMENSION[kind]) if point_first else (geometry._DIMENSION[kind], 0)
        if geometry._relation(name, matrix, *dims, pattern):
            holds.append(position)
    return holds


@pytest.mark.parametrize(
    ("name", "kind", "point_first", "expected"),
    [
        ("st_within", "POLYGON", True, [0]),
        ("st_within", "LINESTRING", True, [0]),
        ("st_within", "POINT", True, [0]),
        ("st_contains", "POLYGON", False, [0]),
        ("st_contains", "POLYGON", True, []),
        ("st_within", "POLYGON", False, []),
        ("st_touches", "POLYGON", True, [1]),
        ("st_touches", "LINESTRING", False, [1]),
        ("st_touches", "POINT", True, []),
        ("st_intersects", "POLYGON", True, [0, 1]),
        ("geo.intersects", "LINESTRING", True, [0, 1]),
        ("st_disjoint", "POLYGON", True, [2]),
        ("st_equals", "POINT", True, [0]),
        ("st_equals", "POLYGON", True, []),
        ("st_crosses", "LINESTRING", True, []),
        ("st_overlaps", "POINT", True, []),
    ],
)
def test_point_relations_follow_the_de9im_matrix(name: str, kind: str, point_first: bool, expected: list[int]) -> None:
    assert _classes(name, kind, point_first) == expected


def test_st_relate_patterns() -> None:
    assert geometry.matches("0FFFFF212", "T*F**F***")
    assert not geometry.matches("F0FFFF212", "T*F**F***")
    assert _classes("st_relate", "POLYGON", True, "0FFFFF212") == [0]
    assert _classes("st_relate", "POLYGON", True, "F0FFFF212") == [1]
    assert _classes("st_relate", "POLYGON", True, "FF*FF****") == [2]


def test_to_many_paths_become_exists_and_to_one_paths_subqueries() -> None:
    sql = str(
        select(ENTITIES["Things"].model.id)
        .where(compiler("Things").condition(parse_filter("Datastreams/ObservedProperty/name eq 'NO2'")))
        .compile(dialect=sqlite.dialect())
    )
    assert sql.count("EXISTS") == 1 and "sta_observed_property" in sql
    nested = compiler("Things").condition(parse_filter("Datastreams/Observations/result gt 5"))
    assert str(nested.compile(dialect=postgresql.dialect())).count("EXISTS") == 2
    key = compiler("Observations").sort_key(parse_filter("Datastream/Thing/name"))
    assert "sta_thing" in str(key.compile(dialect=sqlite.dialect()))
    with pytest.raises(QueryError):
        compiler("Things").sort_key(parse_filter("Datastreams/name"))
    with pytest.raises(QueryError):
        compiler("Things").condition(parse_filter("Datastreams/Sensor eq 1"))
    many = " and ".join(["Datastreams/Thing/Datastreams/Thing/name eq 'x'"] * 12)
    with pytest.raises(QueryError):
        compiler("Things").condition(parse_filter(many))
