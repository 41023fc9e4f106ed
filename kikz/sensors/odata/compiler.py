"""Compile a ``$filter``/``$orderby`` AST to SQLAlchemy expressions: every value is a bound parameter.

Paths may cross entities (``Datastream/Thing/name``, ``Datastreams/ObservedProperty/name``,
``Locations/location``) and enter JSON (``properties/owner/city``):

* a to-one step becomes a correlated scalar subquery, so it works in ``$orderby`` and inside any expression;
* a to-many step means "any related entity": the smallest condition around it (a comparison or a boolean
  function) becomes ``EXISTS (…)`` over the related rows. Two conditions on the same to-many path are two
  independent EXISTS: ``Datastreams/name eq 'a' and Datastreams/name eq 'b'`` asks for a Thing with a
  Datastream named a and one named b.

Related rows count only if the caller may see them (``restrict``), so a filter never reveals hidden entities.
Spatial functions are in ``geometry``, the other built-in functions in ``functions``.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Float,
    Integer,
    Numeric,
    String,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.orm import aliased

from kikz.db import UTCDateTime
from kikz.sensors.odata import geometry
from kikz.sensors.odata.errors import NotImplementedOption, QueryError
from kikz.sensors.odata.functions import FUNCTIONS, check_kinds, literal_value
from kikz.sensors.odata.parser import Binary, Call, Geography, Literal, Node, Property, Unary
from kikz.sensors.odata.schema import EntityType
from kikz.sensors.odata.values import KINDS_OF_JSON, SqlExpr, Value, boolean, number

Restrict = Callable[[Any], ColumnElement[bool]]
_COMPARE = {
    "eq": operator.eq,
    "ne": operator.ne,
    "gt": operator.gt,
    "ge": operator.ge,
    "lt": operator.lt,
    "le": operator.le,
}
COMPARISONS = tuple(_COMPARE)
MAX_SUBQUERIES = 32


@dataclass(frozen=True)
class Scope:
    entity: EntityType
    alias: Any  # the model itself at the top, an alias of it inside subqueries


class _NeedsAny(Exception):
    """A path went through a to-many navigation that no enclosing EXISTS binds yet."""

    def __init__(self, prefix: tuple[str, ...]) -> None:
        super().__init__("/".join(prefix))
        self.prefix = prefix


@dataclass
class _Point:
    lon: SqlExpr
    lat: SqlExpr


def _chain(node: Node, op: str) -> list[Node]:
    """The operands of a run of one operator, left to right, gathered without recursion."""
    terms: list[Node] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, Binary) and item.op == op:
            stack += [item.right, item.left]
        else:
            terms.append(item)
    return terms


def _balanced(op: str, terms: list[ColumnElement[bool]]) -> ColumnElement[bool]:
    """``a OR b OR …`` as bracketed groups of 50 joined in a row: SQLite parses a flat list as a tree as deep as
    it is long and refuses more than 1,000 levels (and SQLAlchemy merges nested lists of one operator)."""
    join = and_ if op == "and" else or_
    if len(terms) <= 50:
        return join(*terms)
    groups = [join(*terms[i : i + 50]).self_group() for i in range(0, len(terms), 50)]
    result = groups[0]
    for group in groups[1:]:
        result = result.op(op.upper(), return_type=Boolean)(group)
    return result


def _kind_of(column: Any) -> Value:
    if isinstance(column.type, UTCDateTime):
        return Value(column, "datetime")
    if isinstance(column.type, Integer):
        return number(column, integral=True)
    if isinstance(column.type, Float | Numeric):
        return number(column)
    if isinstance(column.type, String):
        return Value(column, "string")
    return Value(column, "any")


class Compiler:
    def __init__(
        self, entity: EntityType, entities: Mapping[str, EntityType], dialect: str, *, restrict: Restrict
    ) -> None:
        self.entity = entity
        self.entities = entities
        self.dialect = dialect
        self.restrict = restrict
        self.bindings: dict[tuple[str, ...], Scope] = {(): Scope(entity, entity.model)}
        self.subqueries = 0

    # --- entry points -------------------------------------------------------------------------------------
    def condition(self, node: Node) -> ColumnElement[bool]:
        try:
            value = self.value(node)
        except _NeedsAny as need:
            raise QueryError(
                f"{'/'.join(need.prefix)} führt zu mehreren Entitäten; vergleichen Sie einen ihrer Werte. "
                "/ A to-many path needs a comparison."
            ) from None
        if value.kind not in ("bool", "any"):
            raise QueryError("$filter muss eine Bedingung sein (wahr/falsch). / $filter must be a boolean.")
        return value.expr

    def sort_key(self, node: Node) -> SqlExpr:
        try:
            value = self.value(node)
        except _NeedsAny as need:
            raise QueryError(
                f"Nach {'/'.join(need.prefix)} (mehrere Entitäten) lässt sich nicht sortieren. "
                "/ Cannot order by a to-many path."
            ) from None
        if value.kind == "json":
            return value.variants.get("number", value.expr)
        return value.expr

    # --- values -------------------------------------------------------------------------------------------
    def value(self, node: Node, hint: Any = None) -> Value:
        if isinstance(node, Literal):
            return self.literal(node.value)
        if isinstance(node, Property):
            resolved = self.resolve(node.path, hint)
            if isinstance(resolved, _Point):
                raise QueryError(f"{'/'.join(node.path)!r} ist eine Geometrie; nutzen Sie geo.distance oder st_*.")
            return resolved
        if isinstance(node, Geography):
            raise QueryError("Eine Geometrie ist nur als Argument der geo.*/st_*-Funktionen erlaubt.")
        if isinstance(node, Unary):
            if node.op == "not":
                inner = self.value(node.operand).as_kind("bool", "not")
                return boolean(not_(inner.expr))
            inner = self.value(node.operand).as_kind("number", "-")
            return number(-inner.expr, inner.integral)
        if isinstance(node, Binary):
            if node.op in COMPARISONS:
                return self.atom(lambda: self.compare(node))
            return self.binary(node)
        return self.call(node)

    def literal(self, value: Any) -> Value:
        if value is None:
            return Value(literal(None), "null")
        if isinstance(value, bool):
            return boolean(true() if value else false())
        if isinstance(value, int):
            return number(literal(value, Integer), integral=True)
        if isinstance(value, float):
            return number(literal(value, Float))
        if isinstance(value, dt.date | dt.time):
            return literal_value(value, self.dialect)
        return Value(literal(str(value), String), "string")

    # --- paths --------------------------------------------------------------------------------------------
    def resolve(self, path: tuple[str, ...], hint: Any = None) -> Value | _Point:
        if path in (("@iot.id",),):
            path = ("id",)
        bound = max((p for p in self.bindings if path[: len(p)] == p and len(p) < len(path)), key=len)
        return self._walk(self.bindings[bound], bound, path[len(bound) :], hint)

    def _walk(self, scope: Scope, done: tuple[str, ...], rest: tuple[str, ...], hint: Any) -> Value | _Point:
        fields, alias = scope.entity.fields, scope.alias
        name = "/".join(rest)
        if name in ("@iot.id",):
            name = "id"
        if name in fields.typed:
            return _kind_of(fields.typed[name](alias, hint))
        if name in fields.columns:
            return _kind_of(getattr(alias, fields.columns[name]))
        if name in fields.points:
            lon, lat = fields.points[name]
            return _Point(getattr(alias, lon), getattr(alias, lat))
        head = rest[0]
        if head in fields.json:
            if len(rest) == 1:
                raise QueryError(
                    f"{head!r} ist ein JSON-Objekt; vergleichen Sie einen Wert darin, z. B. {head}/name. "
                    "/ Compare a value inside the object."
                )
            return self._json(getattr(alias, fields.json[head]), rest[1:])
        nav = scope.entity.navs.get(head)
        if nav is None or len(rest) == 1:
            where = f" (über {'/'.join(done)})" if done else ""
            if nav is not None:
                raise QueryError(f"{head!r} ist eine Navigation, keine Eigenschaft{where}. / Not a property.")
            raise QueryError(f"Unbekannte Eigenschaft {'/'.join((*done, *rest))!r}{where}. / Unknown property.")
        if nav.many:
            raise _NeedsAny((*done, head))
        target = self.entities[nav.target]
        inner_alias = aliased(target.model)
        self._count_subquery()
        inner = self._walk(Scope(target, inner_alias), (*done, head), rest[1:], hint)
        conditions = [nav.join(inner_alias, alias), self.restrict(inner_alias)]
        outer = [*self._ancestors(), alias]

        def scalar(expr: SqlExpr) -> SqlExpr:
            return select(expr).where(*conditions).correlate(*outer).scalar_subquery()

        if isinstance(inner, _Point):
            return _Point(scalar(inner.lon), scalar(inner.lat))
        return Value(scalar(inner.expr), inner.kind, inner.integral, {k: scalar(v) for k, v in inner.variants.items()})

    def _json(self, column: Any, keys: tuple[str, ...]) -> Value:
        if self.dialect == "postgresql":
            node = column[keys]
            text = node.as_string()
            typeof = func.json_typeof(node)
            variants: dict[str, SqlExpr] = {
                "number": case((typeof == "number", cast(text, Float))),
                "string": case((typeof == "string", text)),
                "bool": case((typeof == "boolean", text == "true")),
            }
        else:
            path = "$" + "".join('."' + key + '"' for key in keys)
            text = func.json_extract(column, path)
            typeof = func.json_type(column, path)
            variants = {
                "number": case((typeof.in_(["integer", "real"]), text)),
                "string": case((typeof == "text", text)),
                "bool": case((typeof.in_(["true", "false"]), typeof == "true")),
            }
        assert set(variants) == set(KINDS_OF_JSON)
        return Value(text, "json", variants=variants)

    def _count_subquery(self) -> None:
        self.subqueries += 1
        if self.subqueries > MAX_SUBQUERIES:
            raise QueryError("Zu viele Pfade über Navigationen. / Too many navigation paths.")

    # --- to-many: any related entity ----------------------------------------------------------------------
    def atom(self, build: Callable[[], Value]) -> Value:
        """A condition; if it names a to-many path, it holds when it holds for any visible related entity."""
        try:
            return build()
        except _NeedsAny as need:
            outer = self._ancestors()
            created, conditions = self._bind(need.prefix)
            try:
                inner = self.atom(build)
            finally:
                for prefix in created:
                    del self.bindings[prefix]
            return boolean(exists(select(literal_column("1")).where(*conditions, inner.expr).correlate(*outer)))

    def _ancestors(self) -> list[Any]:
        """The tables of every enclosing query: a subquery names them explicitly, as SQLAlchemy correlates
        implicitly only with the query right around it."""
        return [scope.alias for scope in self.bindings.values()]

    def _bind(self, prefix: tuple[str, ...]) -> tuple[list[tuple[str, ...]], list[ColumnElement[bool]]]:
        bound = max((p for p in self.bindings if prefix[: len(p)] == p and len(p) < len(prefix)), key=len)
        scope = self.bindings[bound]
        created: list[tuple[str, ...]] = []
        conditions: list[ColumnElement[bool]] = []
        for depth in range(len(bound), len(prefix)):
            nav = scope.entity.navs[prefix[depth]]
            target = self.entities[nav.target]
            alias = aliased(target.model)
            self._count_subquery()
            conditions += [nav.join(alias, scope.alias), self.restrict(alias)]
            scope = Scope(target, alias)
            self.bindings[prefix[: depth + 1]] = scope
            created.append(prefix[: depth + 1])
        return created, conditions

    # --- operators ----------------------------------------------------------------------------------------
    def binary(self, node: Binary) -> Value:
        if node.op in ("and", "or"):
            # a long chain ``a or b or c …`` is one flat list, not a nesting as deep as the chain is long
            terms = [self.value(term).as_kind("bool", node.op).expr for term in _chain(node, node.op)]
            return boolean(_balanced(node.op, terms))
        left = self.value(node.left).as_kind("number", node.op)
        right = self.value(node.right).as_kind("number", node.op)
        integral = left.integral and right.integral
        if node.op == "div":
            if integral:
                # both databases truncate integer division toward zero, as OData's div on integers does
                # raw ``/``: SQLAlchemy's ``//`` wraps it in FLOOR, a Python function on SQLite that fails on NULL
                divided = left.expr.op("/", return_type=Integer)(func.nullif(right.expr, 0))
                return number(divided, integral=True)
            return number(cast(left.expr, Float) / func.nullif(right.expr, 0))
        if node.op == "mod":
            if integral:
                return number(left.expr % func.nullif(right.expr, 0), integral=True)
            # PostgreSQL has no ``double % double``; numeric works for every number on both databases
            return number(cast(func.mod(cast(left.expr, Numeric), func.nullif(cast(right.expr, Numeric), 0)), Float))
        ops = {"add": left.expr + right.expr, "sub": left.expr - right.expr, "mul": left.expr * right.expr}
        return number(ops[node.op], integral)

    def compare(self, node: Binary) -> Value:
        left = self.value(node.left, node.right.value if isinstance(node.right, Literal) else None)
        right = self.value(node.right, node.left.value if isinstance(node.left, Literal) else None)
        if "null" in (left.kind, right.kind):
            other = right if left.kind == "null" else left
            if node.op == "eq":
                return boolean(other.expr.is_(None))
            if node.op == "ne":
                return boolean(other.expr.is_not(None))
            raise QueryError("null lässt sich nur mit eq/ne vergleichen. / null only with eq/ne.")
        left, right = self._align(left, right, node)
        if "bool" in (left.kind, right.kind) and node.op not in ("eq", "ne"):
            raise QueryError("Wahrheitswerte lassen sich nur mit eq/ne vergleichen. / Booleans only with eq/ne.")
        return boolean(_COMPARE[node.op](left.expr, right.expr))

    def _align(self, left: Value, right: Value, node: Binary) -> tuple[Value, Value]:
        if left.kind == "json" and right.kind == "json":
            return left.as_kind("string", node.op), right.as_kind("string", node.op)
        if left.kind == "json":
            return left.as_kind(right.kind, node.op), right
        if right.kind == "json":
            return left, right.as_kind(left.kind, node.op)
        kinds = {left.kind, right.kind} - {"any"}
        if kinds == {"datetime", "date"}:
            # a date literal against a timestamp means midnight UTC of that day
            left, right = (self._midnight(v, node) if v.kind == "date" else v for v in (left, right))
        elif len(kinds) > 1:
            raise QueryError(f"Unvergleichbare Typen bei {node.op!r}: {' / '.join(sorted(kinds))}.")
        return left, right

    def _midnight(self, value: Value, node: Binary) -> Value:
        for side in (node.left, node.right):
            if isinstance(side, Literal) and type(side.value) is dt.date:
                moment = dt.datetime.combine(side.value, dt.time(), tzinfo=dt.UTC)
                return Value(literal(moment, UTCDateTime()), "datetime")
        raise QueryError("Datum und Zeitpunkt sind nicht vergleichbar; nutzen Sie date(…). / Use date().")

    # --- functions ----------------------------------------------------------------------------------------
    def call(self, node: Call) -> Value:
        name, args = node.name, node.args
        if name in geometry.RELATIONS:
            return self.atom(lambda: self.spatial(name, args))
        if name in ("geo.distance", "geo.length"):
            return self.spatial(name, args)
        function = FUNCTIONS.get(name)
        if function is None:
            raise QueryError(f"Unbekannte Funktion {name!r}. / Unknown function.")
        if len(args) not in function.arity:
            arity = " oder ".join(map(str, function.arity))
            raise QueryError(f"{name}() erwartet {arity} Argumente. / Wrong argument count.")

        def build() -> Value:
            values = check_kinds(name, [self.value(arg) for arg in args], function.kinds)
            return function.build(self.dialect, values)

        if name in ("substringof", "contains", "startswith", "endswith"):
            return self.atom(build)
        return build()

    def spatial(self, name: str, args: tuple[Node, ...]) -> Value:
        if name == "geo.length":
            if len(args) != 1:
                raise QueryError("geo.length() erwartet 1 Argument. / Expects 1 argument.")
            if isinstance(args[0], Geography):
                return geometry.length(args[0], None)
            return geometry.length(None, self._point_shape(args[0], name))
        wanted = 3 if name == "st_relate" else 2
        if len(args) != wanted:
            raise QueryError(f"{name}() erwartet {wanted} Argumente. / Expects {wanted} arguments.")
        first, second = args[0], args[1]
        if isinstance(first, Geography) and isinstance(second, Geography):
            raise geometry.unsupported(name)
        point_first = not isinstance(first, Geography)
        prop, shape = (first, second) if point_first else (second, first)
        if not isinstance(shape, Geography):
            if isinstance(shape, Property):
                raise geometry.unsupported(name)
            raise QueryError(f"{name}() erwartet eine Geometrie-Konstante geography'…'. / Expects a geometry.")
        point = self._point_shape(prop, name)
        if name == "geo.distance":
            return number(point.distance(shape))
        pattern = None
        if name == "st_relate":
            if not isinstance(args[2], Literal) or not isinstance(args[2].value, str):
                raise QueryError("st_relate erwartet als drittes Argument ein Muster in '…'. / Pattern expected.")
            pattern = args[2].value
        return geometry.relation(name, point, shape, point_first, pattern)

    def _point_shape(self, node: Node, name: str) -> geometry.PointShape:
        if not isinstance(node, Property):
            raise QueryError(f"{name}() erwartet eine Geometrie-Eigenschaft. / Expects a geometry property.")
        resolved = self.resolve(node.path)
        if not isinstance(resolved, _Point):
            raise QueryError(f"{'/'.join(node.path)!r} ist keine Geometrie-Eigenschaft. / Not a geometry.")
        return geometry.PointShape(resolved.lon, resolved.lat, self.dialect)


__all__ = ["Compiler", "NotImplementedOption", "QueryError", "Scope"]
