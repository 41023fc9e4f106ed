"""Tokenizer and Pratt parser for ``$filter`` and ``$orderby`` (OGC 18-088 / OData 4.0 subset).

The parser only builds an AST; values never become SQL text (see ``compiler``). Nesting is bounded
(``MAX_DEPTH``) so a filter of thousands of brackets is a clean 400, not a recursion crash.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from kikz.sensors.odata.errors import QueryError

MAX_DEPTH = 64
MAX_LENGTH = 20_000


@dataclass(frozen=True)
class Literal:
    value: Any


@dataclass(frozen=True)
class Geography:
    kind: str  # POINT or POLYGON
    coords: tuple[tuple[float, float], ...]


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
  | (?P<geo>geography'(?P<geobody>[^']*)')
  | (?P<str>'(?:[^']|'')*')
  | (?P<dt>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)
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


def _geography(body: str, pos: int) -> Geography:
    match = re.fullmatch(r"\s*(POINT|POLYGON)\s*\(\s*(\(?)([^()]*)\)?\s*\)\s*", body, re.IGNORECASE)
    if not match:
        raise QueryError(f"Ungültige Geometrie an Position {pos} (POINT oder POLYGON erwartet). / Invalid geometry.")
    kind = match.group(1).upper()
    try:
        coords = tuple(
            (float(pair.split()[0]), float(pair.split()[1])) for pair in match.group(3).split(",") if pair.strip()
        )
    except (ValueError, IndexError) as exc:
        raise QueryError(f"Ungültige Koordinaten an Position {pos}. / Invalid coordinates.") from exc
    if (kind == "POINT" and len(coords) != 1) or (kind == "POLYGON" and not 4 <= len(coords) <= 500):
        raise QueryError(f"Falsche Anzahl Koordinaten an Position {pos}. / Wrong number of coordinates.")
    return Geography(kind, coords)


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
