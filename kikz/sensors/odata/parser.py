"""Tokenizer and Pratt parser for ``$filter`` and ``$orderby`` (OGC 18-088 / OData 4.0 subset).

The parser only builds an AST; values never become SQL text (see ``compiler``). Nesting is bounded
(``MAX_DEPTH``) so a filter of thousands of brackets is a clean 400, not a recursion crash.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from kikz.sensors.odata.errors import NotImplementedOption, QueryError

MAX_DEPTH = 64
MAX_LENGTH = 20_000


@dataclass(frozen=True)
class Literal:
    value: Any


Coord = tuple[float, float]


@dataclass(frozen=True)
class Geography:
    """A WKT literal: a POINT (one coordinate), a LINESTRING, or a POLYGON (outer ring, then holes)."""

    kind: str  # POINT, LINESTRING or POLYGON
    coords: tuple[Coord, ...]  # the point, the line, or the polygon's outer ring (closed)
    holes: tuple[tuple[Coord, ...], ...] = ()


@dataclass(frozen=True)
class Property:
    path: tuple[str, ...]


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Unary:
    op: str  # not, neg
    operand: Node


@dataclass(frozen=True)
class Binary:
    op: str
    left: Node
    right: Node


Node = Literal | Geography | Property | Call | Unary | Binary


@dataclass(frozen=True)
class Token:
    kind: str  # num str dt geo name op lpar rpar comma eof
    value: Any
    pos: int


_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<geo>(?:geography|geometry)'(?P<geobody>[^']*)')
  | (?P<str>'(?:[^']|'')*')
  | (?P<dt>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)
  | (?P<date>\d{4}-\d{2}-\d{2}(?![\dT]))
  | (?P<time>\d{2}:\d{2}(?::\d{2}(?:\.\d{1,12})?)?(?![\d:]))
  | (?P<num>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_@][A-Za-z0-9_.@]*(?:/[A-Za-z_@][A-Za-z0-9_.@]*)*)
  | (?P<lpar>\()
  | (?P<rpar>\))
  | (?P<comma>,)
  | (?P<minus>-)
    """,
    re.VERBOSE,
)

BINARY_POWER = {
    "or": 1,
    "and": 2,
    "eq": 4,
    "ne": 4,
    "gt": 4,
    "ge": 4,
    "lt": 4,
    "le": 4,
    "add": 5,
    "sub": 5,
    "mul": 6,
    "div": 6,
    "mod": 6,
}


def parse_datetime(text: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        if value.tzinfo is None:
            raise QueryError(f"Zeitpunkt ohne Zeitzone: {text!r}. / Timestamp without time zone.")
        return value.astimezone(dt.UTC)
    except (ValueError, OverflowError) as exc:  # OverflowError: year 1 or 9999 shifted out of range by the zone
        raise QueryError(f"Ungültiger Zeitpunkt: {text!r}. / Invalid timestamp.") from exc


MAX_COORDINATES = 2_000
_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_PAIR = re.compile(rf"\s*({_NUMBER})\s+({_NUMBER})(?:\s+{_NUMBER})?\s*")
_UNSUPPORTED_WKT = ("MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON", "GEOMETRYCOLLECTION")


def _pairs(text: str, pos: int) -> tuple[Coord, ...]:
    coords = []
    for part in text.split(","):
        match = _PAIR.fullmatch(part)
        if match is None:
            raise QueryError(f"Ungültige Koordinaten an Position {pos}. / Invalid coordinates.")
        coords.append((float(match.group(1)), float(match.group(2))))
    return tuple(coords)


def _geography(body: str, pos: int) -> Geography:
    text = body.strip()
    srid = re.match(r"SRID=(\d+);", text, re.IGNORECASE)
    if srid:
        if srid.group(1) != "4326":
            raise NotImplementedOption("Nur SRID=4326 wird unterstützt. / Only SRID=4326 is supported.")
        text = text[srid.end() :].strip()
    kind = re.match(r"[A-Za-z]+", text)
    name = kind.group(0).upper() if kind else ""
    if name in _UNSUPPORTED_WKT:
        raise NotImplementedOption(f"Geometrien vom Typ {name} werden nicht unterstützt. / {name} not supported.")
    rest = text[len(name) :].strip()
    if len(rest) > 100_000:
        raise QueryError("Geometrie zu groß. / Geometry too large.")
    if name in ("POINT", "LINESTRING"):
        match = re.fullmatch(r"\(([^()]*)\)", rest)
        coords = _pairs(match.group(1), pos) if match else ()
        if name == "POINT" and len(coords) != 1:
            raise QueryError(f"POINT braucht genau eine Koordinate (Position {pos}). / POINT needs one coordinate.")
        if name == "LINESTRING" and len(coords) < 2:
            raise QueryError(f"LINESTRING braucht zwei Koordinaten (Position {pos}). / LINESTRING needs two.")
        geometry = Geography(name, coords)
    elif name == "POLYGON" and re.fullmatch(r"\(\s*\([^()]*\)(?:\s*,\s*\([^()]*\))*\s*\)", rest):
        rings = []
        for ring_text in re.findall(r"\(([^()]*)\)", rest):
            ring = _pairs(ring_text, pos)
            if ring[0] != ring[-1]:
                ring = (*ring, ring[0])
            if len(ring) < 4:
                raise QueryError(f"Ein Polygonring braucht drei Ecken (Position {pos}). / A ring needs 3 corners.")
            rings.append(ring)
        geometry = Geography(name, rings[0], tuple(rings[1:]))
    else:
        raise QueryError(
            f"Ungültige Geometrie an Position {pos} (POINT, LINESTRING oder POLYGON in WKT erwartet). "
            "/ Invalid geometry."
        )
    if len(geometry.coords) + sum(len(h) for h in geometry.holes) > MAX_COORDINATES:
        raise QueryError(f"Höchstens {MAX_COORDINATES} Koordinaten je Geometrie. / Too many coordinates.")
    return geometry


def _time_of_day(text: str) -> dt.time:
    hours, minutes, *rest = text.split(":")
    seconds = rest[0] if rest else "0"
    whole, _, fraction = seconds.partition(".")
    try:
        return dt.time(int(hours), int(minutes), int(whole), int((fraction + "000000")[:6]))
    except ValueError as exc:
        raise QueryError(f"Ungültige Uhrzeit: {text!r}. / Invalid time of day.") from exc


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise QueryError(f"Ungültiges Datum: {text!r}. / Invalid date.") from exc


def tokenize(text: str) -> list[Token]:
    if len(text) > MAX_LENGTH:
        raise QueryError(f"Ausdruck zu lang (höchstens {MAX_LENGTH} Zeichen). / Expression too long.")
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise QueryError(f"Unerwartetes Zeichen {text[pos]!r} an Position {pos}. / Unexpected character.")
        kind = match.lastgroup or ""
        raw = match.group(0)
        if kind == "geobody":
            kind = "geo"
        if kind == "geo":
            tokens.append(Token("geo", _geography(match.group("geobody"), pos), pos))
        elif kind == "str":
            tokens.append(Token("str", raw[1:-1].replace("''", "'"), pos))
        elif kind == "dt":
            tokens.append(Token("dt", parse_datetime(raw), pos))
        elif kind == "date":
            tokens.append(Token("dt", _date(raw), pos))
        elif kind == "time":
            tokens.append(Token("dt", _time_of_day(raw), pos))
        elif kind == "num":
            number = float(raw) if any(c in raw for c in ".eE") else int(raw)
            tokens.append(Token("num", number, pos))
        elif kind == "name":
            tokens.append(Token("name", raw, pos))
        elif kind != "ws":
            tokens.append(Token(kind, raw, pos))
        pos = match.end()
    tokens.append(Token("eof", None, len(text)))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.index = 0
        self.depth = 0

    def peek(self) -> Token:
        return self.tokens[self.index]

    def take(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def expect(self, kind: str) -> Token:
        token = self.take()
        if token.kind != kind:
            raise QueryError(f"An Position {token.pos} wurde {kind!r} erwartet. / Expected {kind!r}.")
        return token

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QueryError(f"Ausdruck zu tief verschachtelt (höchstens {MAX_DEPTH}). / Nested too deeply.")

    def expression(self, min_power: int = 0) -> Node:
        self.enter()
        left = self.prefix()
        compared = False
        chained = 0
        while True:
            token = self.peek()
            op = token.value.lower() if token.kind == "name" else ""
            power = BINARY_POWER.get(op)
            if power is None or power <= min_power:
                break
            # comparisons do not chain: ``a eq b eq c`` is an error rather than a surprise
            if power == 4 and compared:
                raise QueryError("Vergleiche lassen sich nicht verketten. / Comparisons cannot be chained.")
            compared = power == 4
            if op not in ("and", "or"):
                # a chain ``1 add 1 add …`` nests as deeply as it is long; and/or chains are compiled flat
                chained += 1
                if self.depth + chained > MAX_DEPTH:
                    raise QueryError(f"Ausdruck zu tief verschachtelt (höchstens {MAX_DEPTH}). / Nested too deeply.")
            self.take()
            left = Binary(op, left, self.expression(power))
        self.depth -= 1
        return left

    def prefix(self) -> Node:
        token = self.take()
        if token.kind == "lpar":
            inner = self.expression()
            self.expect("rpar")
            return inner
        if token.kind == "minus":
            self.enter()
            operand = self.prefix()
            self.depth -= 1
            if isinstance(operand, Literal) and isinstance(operand.value, int | float):
                return Literal(-operand.value)
            return Unary("neg", operand)
        if token.kind in ("num", "str", "dt"):
            return Literal(token.value)
        if token.kind == "geo":
            value: Geography = token.value
            return value
        if token.kind == "name":
            name: str = token.value
            lowered = name.lower()
            if lowered == "not":
                return Unary("not", self.expression(3))
            if lowered in ("true", "false"):
                return Literal(lowered == "true")
            if lowered == "null":
                return Literal(None)
            if self.peek().kind == "lpar":
                self.take()
                args: list[Node] = []
                if self.peek().kind != "rpar":
                    args.append(self.expression())
                    while self.peek().kind == "comma":
                        self.take()
                        args.append(self.expression())
                self.expect("rpar")
                return Call(lowered, tuple(args))
            if lowered in BINARY_POWER:
                raise QueryError(f"Operand fehlt vor {name!r} (Position {token.pos}). / Missing operand.")
            return Property(tuple(name.split("/")))
        where = "am Ende" if token.kind == "eof" else f"an Position {token.pos}"
        raise QueryError(f"Unerwartetes Ende oder Zeichen {where}. / Unexpected token.")


def parse_filter(text: str) -> Node:
    if not text.strip():
        raise QueryError("$filter ist leer. / $filter is empty.")
    parser = _Parser(text)
    node = parser.expression()
    if parser.peek().kind != "eof":
        raise QueryError(f"Unerwartetes Zeichen an Position {parser.peek().pos}. / Unexpected token.")
    return node


@dataclass(frozen=True)
class OrderItem:
    expr: Node
    descending: bool


def parse_orderby(text: str) -> list[OrderItem]:
    parser = _Parser(text)
    items: list[OrderItem] = []
    while True:
        expr = parser.expression()
        descending = False
        token = parser.peek()
        if token.kind == "name" and token.value.lower() in ("asc", "desc"):
            descending = parser.take().value.lower() == "desc"
        items.append(OrderItem(expr, descending))
        if parser.peek().kind == "comma":
            parser.take()
            continue
        if parser.peek().kind != "eof":
            raise QueryError(f"Unerwartetes Zeichen in $orderby an Position {parser.peek().pos}. / Unexpected token.")
        if len(items) > 10:
            raise QueryError("Höchstens 10 Sortierschlüssel. / At most 10 sort keys.")
        return items
