"""Compile a ``$filter``/``$orderby`` AST to SQLAlchemy expressions: every value is a bound parameter.

Geometry: ``geo.distance`` is the planar distance in degrees between point columns (``lon``/``lat``) and the given
point (what OData/STA servers without a projection answer, and exact enough to rank nearby stations);
``st_within`` tests a point against a polygon by ray casting written as SQL arithmetic, so it runs on SQLite and
PostgreSQL without a spatial extension.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Numeric,
    String,
    and_,
    case,
    cast,
    extract,
    false,
    func,
    literal,
    not_,
    or_,
    true,
)

from kikz.db import UTCDateTime, utcnow
from kikz.sensors.odata.errors import NotImplementedOption, QueryError
from kikz.sensors.odata.parser import Binary, Call, Geography, Literal, Node, Property, Unary

SqlExpr = ColumnElement[Any]


@dataclass(frozen=True)
class Fields:
    """What ``$filter``/``$orderby`` may name on one entity type."""

    # mapped attributes (``Model.column``), typed loosely because ORM attributes and columns both work
    columns: Mapping[str, Any]
    points: Mapping[str, tuple[Any, Any]] = field(default_factory=dict)
    # a property whose column depends on the compared value's type (Observation/result)
    typed: Mapping[str, Callable[[Any], Any]] = field(default_factory=dict)


@dataclass
class _Value:
    expr: SqlExpr
    kind: str  # number string datetime bool null any


def _is_datetime(column: SqlExpr) -> bool:
    return isinstance(column.type, UTCDateTime)


class Compiler:
    def __init__(self, fields: Fields, dialect: str) -> None:
        self.fields = fields
        self.dialect = dialect

    # --- entry points -------------------------------------------------------------------------------------
    def condition(self, node: Node) -> ColumnElement[bool]:
        value = self.value(node)
        if value.kind not in ("bool", "any"):
            raise QueryError("$filter muss eine Bedingung sein (wahr/falsch). / $filter must be a boolean.")
        return value.expr

    def sort_key(self, node: Node) -> SqlExpr:
        return self.value(node).expr

    # --- values -------------------------------------------------------------------------------------------
    def value(self, node: Node, hint: Any = None) -> _Value:
        if isinstance(node, Literal):
            return self.literal(node.value)
        if isinstance(node, Property):
            return self.property(node, hint)
        if isinstance(node, Geography):
            raise QueryError("Eine Geometrie ist nur als Argument von geo.distance/st_within erlaubt.")
        if isinstance(node, Unary):
            if node.op == "not":
                inner = self.value(node.operand)
                self._want(inner, "bool", "not")
                return _Value(not_(inner.expr), "bool")
            inner = self.value(node.operand)
            self._want(inner, "number", "-")
            return _Value(-inner.expr, "number")
        if isinstance(node, Binary):
            return self.binary(node)
        return self.call(node)

    def literal(self, value: Any) -> _Value:
        if value is None:
            return _Value(literal(None), "null")
        if isinstance(value, bool):
            return _Value(true() if value else false(), "bool")
        if isinstance(value, int | float):
            return _Value(literal(value, Float if isinstance(value, float) else Integer), "number")
        if isinstance(value, dt.datetime):
            return _Value(literal(value, UTCDateTime()), "datetime")
        return _Value(literal(str(value), String), "string")

    def property(self, node: Property, hint: Any = None) -> _Value:
        name = "/".join(node.path)
        if name in ("id", "@iot.id"):
            name = "id"
        if name in self.fields.typed:
            column = self.fields.typed[name](hint)
        elif name in self.fields.columns:
            column = self.fields.columns[name]
        elif len(node.path) > 1:
            raise NotImplementedOption(f"Pfad {name!r} in Ausdrücken wird nicht unterstützt. / Path not supported.")
        elif name in self.fields.points:
            raise QueryError(f"{name!r} ist eine Geometrie; nutzen Sie geo.distance oder st_within.")
        else:
            raise QueryError(f"Unbekannte Eigenschaft {name!r}. / Unknown property.")
        if _is_datetime(column):
            return _Value(column, "datetime")
        if isinstance(column.type, Integer | Float):
            return _Value(column, "number")
        if isinstance(column.type, String):
            return _Value(column, "string")
        return _Value(column, "any")

    def binary(self, node: Binary) -> _Value:
        if node.op in ("and", "or"):
            left, right = self.value(node.left), self.value(node.right)
            self._want(left, "bool", node.op)
            self._want(right, "bool", node.op)
            return _Value((and_ if node.op == "and" else or_)(left.expr, right.expr), "bool")
        hint = node.right.value if isinstance(node.right, Literal) else None
        left = self.value(node.left, hint)
        right = self.value(node.right, node.left.value if isinstance(node.left, Literal) else None)
        if node.op in ("add", "sub", "mul", "div", "mod"):
            self._want(left, "number", node.op)
            self._want(right, "number", node.op)
            if node.op == "div":
                return _Value(cast(left.expr, Float) / func.nullif(right.expr, 0), "number")
            if node.op == "mod":
                # PostgreSQL has no ``double % integer``; numeric works for every number on both databases
                return _Value(func.mod(cast(left.expr, Numeric), cast(right.expr, Numeric)), "number")
            ops = {"add": left.expr + right.expr, "sub": left.expr - right.expr, "mul": left.expr * right.expr}
            return _Value(ops[node.op], "number")
        if "null" in (left.kind, right.kind):
            other = right if left.kind == "null" else left
            if node.op == "eq":
                return _Value(other.expr.is_(None), "bool")
            if node.op == "ne":
                return _Value(other.expr.is_not(None), "bool")
            raise QueryError("null lässt sich nur mit eq/ne vergleichen. / null only with eq/ne.")
        known = {left.kind, right.kind} - {"any"}
        if len(known) > 1:
            raise QueryError(f"Unvergleichbare Typen bei {node.op!r}: {' / '.join(sorted(known))}.")
        ops = {
            "eq": left.expr == right.expr,
            "ne": left.expr != right.expr,
            "gt": left.expr > right.expr,
            "ge": left.expr >= right.expr,
            "lt": left.expr < right.expr,
            "le": left.expr <= right.expr,
        }
        return _Value(ops[node.op], "bool")

    @staticmethod
    def _want(value: _Value, kind: str, where: str) -> None:
        if value.kind not in (kind, "any"):
            raise QueryError(f"{where!r} erwartet {kind}, nicht {value.kind}. / Type mismatch.")

    # --- functions ----------------------------------------------------------------------------------------
    def call(self, node: Call) -> _Value:
        name, args = node.name, node.args
        if name in ("geo.distance", "st_within", "geo.intersects", "st_intersects"):
            return self.geo(name, args)
        handler = _FUNCTIONS.get(name)
        if handler is None:
            if name in _UNSUPPORTED:
                raise NotImplementedOption(f"Funktion {name!r} wird nicht unterstützt. / Function not supported.")
            raise QueryError(f"Unbekannte Funktion {name!r}. / Unknown function.")
        arity, kinds, build = handler
        if len(args) not in arity:
            raise QueryError(f"{name}() erwartet {' oder '.join(map(str, arity))} Argumente. / Wrong argument count.")
        values = [self.value(arg) for arg in args]
        for value, kind in zip(values, kinds, strict=False):
            self._want(value, kind, name)
        return build(self, [v.expr for v in values])

    def geo(self, name: str, args: tuple[Node, ...]) -> _Value:
        if len(args) != 2:
            raise QueryError(f"{name}() erwartet 2 Argumente. / Expects 2 arguments.")
        prop, shape = args
        if isinstance(prop, Geography):
            prop, shape = shape, prop
        if not isinstance(prop, Property) or not isinstance(shape, Geography):
            raise QueryError(f"{name}() erwartet eine Geometrie-Eigenschaft und geography'…'.")
        point = self.fields.points.get("/".join(prop.path))
        if point is None:
            raise QueryError(f"{'/'.join(prop.path)!r} ist keine Geometrie-Eigenschaft. / Not a geometry.")
        lon, lat = point
        if name == "geo.distance":
            if shape.kind != "POINT":
                raise NotImplementedOption("geo.distance nur zu einem Punkt. / Only to a POINT.")
            x, y = shape.coords[0]
            dx, dy = lon - literal(x, Float), lat - literal(y, Float)
            return _Value(func.sqrt(dx * dx + dy * dy), "number")
        if name != "st_within" or shape.kind != "POLYGON":
            raise NotImplementedOption(f"{name} mit {shape.kind} wird nicht unterstützt. / Not supported.")
        ring = list(shape.coords)
        if ring[0] != ring[-1]:
            ring.append(ring[0])
        crossings = []
        for (xi, yi), (xj, yj) in itertools.pairwise(ring):
            if yi == yj:
                continue  # a horizontal edge never crosses the horizontal ray
            straddles = (lat > literal(yi, Float)) != (lat > literal(yj, Float))
            x_cross = literal(xi, Float) + (lat - literal(yi, Float)) * literal((xj - xi) / (yj - yi), Float)
            crossings.append(case((and_(straddles, lon < x_cross), 1), else_=0))
        if not crossings:
            return _Value(false(), "bool")
        total: SqlExpr = crossings[0]
        for term in crossings[1:]:
            total = total + term
        return _Value(and_(lon.is_not(None), total % 2 == 1), "bool")

    def like_escape(self, expr: SqlExpr) -> SqlExpr:
        return func.replace(func.replace(func.replace(expr, "\\", "\\\\"), "%", "\\%"), "_", "\\_")

    def index_of(self, haystack: SqlExpr, needle: SqlExpr) -> SqlExpr:
        position = func.strpos(haystack, needle) if self.dialect == "postgresql" else func.instr(haystack, needle)
        return position - 1

    def date_part(self, part: str, value: SqlExpr) -> SqlExpr:
        if self.dialect == "sqlite":
            # SQLite keeps UTC timestamps as text; strftime gives exact integer parts
            formats = {"year": "%Y", "month": "%m", "day": "%d", "hour": "%H", "minute": "%M", "second": "%S"}
            return cast(func.strftime(formats[part], value), Integer)
        return cast(extract(part, func.timezone("UTC", value)), Integer)


def _contains(c: Compiler, haystack: SqlExpr, needle: SqlExpr, pattern: str) -> _Value:
    escaped = c.like_escape(needle)
    parts = {"contains": ("%", "%"), "starts": ("", "%"), "ends": ("%", "")}[pattern]
    like = literal(parts[0]) + escaped + literal(parts[1])
    return _Value(haystack.like(like, escape="\\"), "bool")


def _substring(c: Compiler, a: list[SqlExpr]) -> _Value:
    if len(a) == 2:
        return _Value(func.substr(a[0], a[1] + 1), "string")
    return _Value(func.substr(a[0], a[1] + 1, a[2]), "string")


def _date(part: str) -> Callable[[Compiler, list[SqlExpr]], _Value]:
    return lambda c, a: _Value(c.date_part(part, a[0]), "number")


_FUNCTIONS: dict[str, tuple[tuple[int, ...], tuple[str, ...], Callable[[Compiler, list[SqlExpr]], _Value]]] = {
    "substringof": ((2,), ("string", "string"), lambda c, a: _contains(c, a[1], a[0], "contains")),
    "contains": ((2,), ("string", "string"), lambda c, a: _contains(c, a[0], a[1], "contains")),
    "startswith": ((2,), ("string", "string"), lambda c, a: _contains(c, a[0], a[1], "starts")),
    "endswith": ((2,), ("string", "string"), lambda c, a: _contains(c, a[0], a[1], "ends")),
    "length": ((1,), ("string",), lambda c, a: _Value(func.length(a[0]), "number")),
    "tolower": ((1,), ("string",), lambda c, a: _Value(func.lower(a[0]), "string")),
    "toupper": ((1,), ("string",), lambda c, a: _Value(func.upper(a[0]), "string")),
    "trim": ((1,), ("string",), lambda c, a: _Value(func.trim(a[0]), "string")),
    "concat": ((2,), ("string", "string"), lambda c, a: _Value(a[0].concat(a[1]), "string")),
    "indexof": ((2,), ("string", "string"), lambda c, a: _Value(c.index_of(a[0], a[1]), "number")),
    "substring": ((2, 3), ("string", "number", "number"), _substring),
    "round": ((1,), ("number",), lambda c, a: _Value(func.round(a[0]), "number")),
    "floor": ((1,), ("number",), lambda c, a: _Value(func.floor(a[0]), "number")),
    "ceiling": ((1,), ("number",), lambda c, a: _Value(func.ceil(a[0]), "number")),
    "now": ((0,), (), lambda c, a: _Value(literal(utcnow(), UTCDateTime()), "datetime")),
}
for _part in ("year", "month", "day", "hour", "minute", "second"):
    _FUNCTIONS[_part] = ((1,), ("datetime",), _date(_part))

_UNSUPPORTED = {
    "date",
    "time",
    "fractionalseconds",
    "totaloffsetminutes",
    "mindatetime",
    "maxdatetime",
    "geo.length",
    "st_equals",
    "st_disjoint",
    "st_touches",
    "st_overlaps",
    "st_crosses",
    "st_contains",
    "st_relate",
}
