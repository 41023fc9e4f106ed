"""The built-in string, math and date/time functions of STA v1.1 §9.3.3.5 as portable SQL (SQLite, PostgreSQL).

Times are stored in UTC, so every date part is a UTC part and ``totaloffsetminutes`` is 0. SQLite keeps
timestamps as text and its date functions resolve milliseconds: ``time()`` and ``fractionalseconds()`` are exact
to the millisecond there and to the microsecond on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Date, Float, Integer, Numeric, String, Time, case, cast, extract, func, literal

from kikz.db import UTCDateTime, utcnow
from kikz.sensors.odata.errors import QueryError
from kikz.sensors.odata.values import SqlExpr, Value, boolean, number

MIN_DATETIME = dt.datetime(1, 1, 1, tzinfo=dt.UTC)
MAX_DATETIME = dt.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC)

Builder = Callable[[str, list[Value]], Value]


@dataclass(frozen=True)
class Function:
    arity: tuple[int, ...]
    kinds: tuple[str, ...]  # per argument; "a|b" allows either
    build: Builder


def literal_value(value: object, dialect: str) -> Value:
    """A typed, bound literal (never SQL text)."""
    if isinstance(value, dt.datetime):
        return Value(literal(value, UTCDateTime()), "datetime")
    if isinstance(value, dt.date):
        return Value(literal(value, Date()), "date")
    if isinstance(value, dt.time):
        if dialect == "sqlite":
            # the same text form as ``time()`` below: milliseconds, as SQLite's strftime resolves them
            return Value(literal(value.isoformat(timespec="milliseconds"), String), "time")
        return Value(literal(value, Time()), "time")
    raise TypeError(value)


# --- strings --------------------------------------------------------------------------------------------------


def _like_escape(expr: SqlExpr) -> SqlExpr:
    return func.replace(func.replace(func.replace(expr, "\\", "\\\\"), "%", "\\%"), "_", "\\_")


def _contains(haystack: Value, needle: Value, pattern: str) -> Value:
    parts = {"contains": ("%", "%"), "starts": ("", "%"), "ends": ("%", "")}[pattern]
    like = literal(parts[0]) + _like_escape(needle.expr) + literal(parts[1])
    return boolean(haystack.expr.like(like, escape="\\"))


def _index_of(dialect: str, a: list[Value]) -> Value:
    position = func.strpos(a[0].expr, a[1].expr) if dialect == "postgresql" else func.instr(a[0].expr, a[1].expr)
    return number(position - 1, integral=True)


def _substring(dialect: str, a: list[Value]) -> Value:
    start = a[1].expr + 1
    if len(a) == 2:
        return Value(func.substr(a[0].expr, start), "string")
    return Value(func.substr(a[0].expr, start, a[2].expr), "string")


# --- math -----------------------------------------------------------------------------------------------------


def _rounding(name: str) -> Builder:
    def build(dialect: str, a: list[Value]) -> Value:
        if a[0].integral:
            return a[0]
        value = a[0].expr
        expr: SqlExpr
        if name == "round":
            # OData rounds midpoints away from zero: SQLite's round does, PostgreSQL's only for numeric
            expr = func.round(cast(value, Numeric) if dialect == "postgresql" else value)
        elif name == "floor":
            # -ceil(-x): SQLAlchemy replaces SQLite's floor() by a Python function that fails on NULL
            expr = -func.ceil(-value)
        else:
            expr = func.ceil(value)
        # both databases answer a double for a double; the value is whole either way
        return number(cast(expr, Float))

    return build


# --- dates and times ------------------------------------------------------------------------------------------

_STRFTIME = {"year": "%Y", "month": "%m", "day": "%d", "hour": "%H", "minute": "%M", "second": "%S"}


def _utc(value: Value) -> SqlExpr:
    return func.timezone("UTC", value.expr) if value.kind == "datetime" else value.expr


def _part(part: str) -> Builder:
    def build(dialect: str, a: list[Value]) -> Value:
        if dialect == "sqlite":
            return number(cast(func.strftime(_STRFTIME[part], a[0].expr), Integer), integral=True)
        # PostgreSQL's second includes the fraction (15.5): cut it off, never round it up
        return number(cast(func.floor(extract(part, _utc(a[0]))), Integer), integral=True)

    return build


def _fractional_seconds(dialect: str, a: list[Value]) -> Value:
    if dialect == "sqlite":
        seconds = cast(func.strftime("%f", a[0].expr), Float) - cast(func.strftime("%S", a[0].expr), Integer)
        return number(func.round(seconds, 3))
    micro = func.mod(cast(extract("microseconds", _utc(a[0])), Integer), 1_000_000)
    return number(cast(micro, Float) / 1_000_000.0)


def _date(dialect: str, a: list[Value]) -> Value:
    if dialect == "sqlite":
        return Value(func.date(a[0].expr), "date")
    return Value(cast(_utc(a[0]), Date), "date")


def _time(dialect: str, a: list[Value]) -> Value:
    if dialect == "sqlite":
        return Value(func.strftime("%H:%M:%f", a[0].expr), "time")
    return Value(cast(_utc(a[0]), Time), "time")


def _offset(dialect: str, a: list[Value]) -> Value:
    return number(case((a[0].expr.is_not(None), 0)), integral=True)


def _moment(value: Callable[[], dt.datetime]) -> Builder:
    return lambda dialect, a: Value(literal(value(), UTCDateTime()), "datetime")


FUNCTIONS: dict[str, Function] = {
    "substringof": Function((2,), ("string", "string"), lambda d, a: _contains(a[1], a[0], "contains")),
    "contains": Function((2,), ("string", "string"), lambda d, a: _contains(a[0], a[1], "contains")),
    "startswith": Function((2,), ("string", "string"), lambda d, a: _contains(a[0], a[1], "starts")),
    "endswith": Function((2,), ("string", "string"), lambda d, a: _contains(a[0], a[1], "ends")),
    "length": Function((1,), ("string",), lambda d, a: number(func.length(a[0].expr), integral=True)),
    "tolower": Function((1,), ("string",), lambda d, a: Value(func.lower(a[0].expr), "string")),
    "toupper": Function((1,), ("string",), lambda d, a: Value(func.upper(a[0].expr), "string")),
    "trim": Function((1,), ("string",), lambda d, a: Value(func.trim(a[0].expr), "string")),
    "concat": Function((2,), ("string", "string"), lambda d, a: Value(a[0].expr.concat(a[1].expr), "string")),
    "indexof": Function((2,), ("string", "string"), _index_of),
    "substring": Function((2, 3), ("string", "number", "number"), _substring),
    "round": Function((1,), ("number",), _rounding("round")),
    "floor": Function((1,), ("number",), _rounding("floor")),
    "ceiling": Function((1,), ("number",), _rounding("ceiling")),
    "year": Function((1,), ("datetime|date",), _part("year")),
    "month": Function((1,), ("datetime|date",), _part("month")),
    "day": Function((1,), ("datetime|date",), _part("day")),
    "hour": Function((1,), ("datetime|time",), _part("hour")),
    "minute": Function((1,), ("datetime|time",), _part("minute")),
    "second": Function((1,), ("datetime|time",), _part("second")),
    "fractionalseconds": Function((1,), ("datetime|time",), _fractional_seconds),
    "date": Function((1,), ("datetime",), _date),
    "time": Function((1,), ("datetime",), _time),
    "totaloffsetminutes": Function((1,), ("datetime",), _offset),
    "now": Function((0,), (), _moment(utcnow)),
    "mindatetime": Function((0,), (), _moment(lambda: MIN_DATETIME)),
    "maxdatetime": Function((0,), (), _moment(lambda: MAX_DATETIME)),
}


def check_kinds(name: str, values: list[Value], kinds: tuple[str, ...]) -> list[Value]:
    """Arguments in the types ``name`` accepts (JSON properties are read as the first allowed type)."""
    checked = []
    for value, allowed in zip(values, kinds, strict=False):
        options = allowed.split("|")
        if value.kind in options or value.kind == "any":
            checked.append(value)
        elif value.kind == "json":
            checked.append(value.as_kind(options[0], name))
        else:
            raise QueryError(f"{name}() erwartet {' oder '.join(options)}, nicht {value.kind}. / Type mismatch.")
    return checked
