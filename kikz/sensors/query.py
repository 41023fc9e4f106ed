"""Reading SensorThings collections: query options, visibility in SQL, keyset paging, ``$expand``.

Options are evaluated in the spec's order ($filter, $count, $orderby, $skip, $top, $select, $expand).
``@iot.nextLink`` carries the last row's sort key (``$skiptoken``), so page 1,000 is an index seek like page 1;
only when a sort key of that row is null or computed does the link fall back to an offset.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import decimal
import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Column, ColumnElement, Date, Select, Time, and_, false, func, or_, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from kikz.catalog.models import Dataset
from kikz.db import UTCDateTime
from kikz.sensors.entities import ENTITIES, EntityType, iso
from kikz.sensors.odata.compiler import Compiler
from kikz.sensors.odata.errors import NotImplementedOption, QueryError
from kikz.sensors.odata.parser import MAX_DEPTH, OrderItem, parse_datetime, parse_filter, parse_orderby
from kikz.tenancy.permissions import Principal, visible

log = logging.getLogger("kikz")

DEFAULT_TOP = 100
MAX_TOP = 10_000
KNOWN = {"$filter", "$orderby", "$top", "$skip", "$count", "$select", "$expand", "$resultFormat", "$skiptoken"}
UNSUPPORTED = {"$search", "$format", "$apply", "$compute", "$levels", "$index", "$schemaversion"}


@dataclass
class Options:
    filter: str | None = None
    orderby: str | None = None
    top: int = DEFAULT_TOP
    skip: int = 0
    count: bool = False
    select: list[str] | None = None
    expand: list[tuple[str, Options]] = field(default_factory=list)
    result_format: str | None = None
    skiptoken: str | None = None
    raw: dict[str, str] = field(default_factory=dict)  # the options as given, for nextLinks of expanded lists


def _int(name: str, raw: str, limit: int) -> int:
    if not raw.isdigit() or int(raw) > limit:
        raise QueryError(f"{name} muss eine ganze Zahl von 0 bis {limit} sein. / {name} must be 0..{limit}.")
    return int(raw)


def parse_options(params: Mapping[str, str], depth: int = 0) -> Options:
    if depth > 5:
        raise QueryError("$expand ist zu tief verschachtelt. / $expand nested too deeply.")
    options = Options()
    for key, raw in params.items():
        if not key.startswith("$"):
            continue
        options.raw[key] = raw
        if key in UNSUPPORTED:
            raise NotImplementedOption(f"{key} wird nicht unterstützt. / {key} is not supported.")
        if key not in KNOWN:
            raise QueryError(f"Unbekannte Abfrageoption {key}. / Unknown query option.")
        if key == "$filter":
            options.filter = raw
        elif key == "$orderby":
            options.orderby = raw
        elif key == "$top":
            options.top = _int(key, raw, MAX_TOP)
        elif key == "$skip":
            options.skip = _int(key, raw, 10**9)
        elif key == "$count":
            if raw not in ("true", "false"):
                raise QueryError("$count muss true oder false sein. / $count must be true or false.")
            options.count = raw == "true"
        elif key == "$select":
            options.select = [part.strip() for part in raw.split(",") if part.strip()]
            if not options.select or any(s.startswith("distinct:") for s in options.select):
                raise NotImplementedOption("Diese $select-Form wird nicht unterstützt. / Unsupported $select.")
        elif key == "$expand":
            options.expand = parse_expand(raw, depth)
        elif key == "$resultFormat":
            if raw not in ("dataArray", "default"):
                raise NotImplementedOption(f"$resultFormat={raw} wird nicht unterstützt.")
            options.result_format = raw
        elif key == "$skiptoken":
            options.skiptoken = raw
    return options


def _split(text: str, separator: str) -> list[str]:
    """Split at ``separator`` outside brackets and quotes."""
    parts, depth, quoted, start = [], 0, False, 0
    for index, char in enumerate(text):
        if char == "'":
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
            if depth > MAX_DEPTH:
                raise QueryError("$expand ist zu tief verschachtelt. / $expand nested too deeply.")
        elif not quoted and char == ")":
            depth -= 1
            if depth < 0:
                raise QueryError("Klammern in $expand passen nicht. / Unbalanced brackets.")
        elif not quoted and depth == 0 and char == separator:
            parts.append(text[start:index])
            start = index + 1
    if depth != 0 or quoted:
        raise QueryError("Klammern oder Anführungszeichen in $expand passen nicht. / Unbalanced $expand.")
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def parse_expand(text: str, depth: int) -> list[tuple[str, Options]]:
    items: list[tuple[str, Options]] = []
    for item in _split(text, ","):
        name, _, rest = item.partition("(")
        nested: dict[str, str] = {}
        if rest:
            if not rest.endswith(")"):
                raise QueryError(f"Ungültiges $expand-Element {item!r}. / Invalid $expand item.")
            for option in _split(rest[:-1], ";"):
                key, eq, value = option.partition("=")
                if not eq:
                    raise QueryError(f"Ungültige Option {option!r} in $expand. / Invalid option.")
                nested[key.strip()] = value.strip()
        head, slash, tail = name.strip().partition("/")
        options = parse_options(nested, depth + 1)
        if slash:
            options = Options(expand=[(tail, options)])
        items.append((head, options))
    return items


def dialect_name(session: Session) -> str:
    return session.get_bind().dialect.name


def visible_networks(principal: Principal) -> Select[Any]:
    return select(Dataset.id).where(visible(principal, Dataset))


def visible_select(entity: EntityType, principal: Principal) -> Select[Any]:
    model = entity.model
    return select(model).join(Dataset, model.dataset_id == Dataset.id).where(visible(principal, Dataset))


def compiler_for(session: Session, entity: EntityType, principal: Principal) -> Compiler:
    """A compiler whose paths into related entities only see what ``principal`` may see."""
    # never correlated: the outer query joins ``dataset`` too, and this list must not be tied to its row
    networks = visible_networks(principal).correlate(None).scalar_subquery()
    return Compiler(entity, ENTITIES, dialect_name(session), restrict=lambda alias: alias.dataset_id.in_(networks))


@dataclass
class Page:
    rows: list[Any]
    count: int | None
    next_token: str | None


@dataclass(frozen=True)
class SortKey:
    expr: Any
    descending: bool
    nullable: bool


def _nullable(expr: Any) -> bool:
    column = getattr(expr, "expression", expr)
    return not (isinstance(column, Column) and (column.nullable is False or column.primary_key))


def _order(entity: EntityType, compiler: Compiler, options: Options) -> list[SortKey]:
    """Sort keys ending with the id, which makes every order total and so every page a keyset seek."""
    items: list[OrderItem] = parse_orderby(options.orderby) if options.orderby else []
    keys = []
    for item in items:
        expr = compiler.sort_key(item.expr)
        keys.append(SortKey(expr, item.descending, _nullable(expr)))
    if not any(key.expr is entity.model.id for key in keys):
        keys.append(SortKey(entity.model.id, False, False))
    return keys


def _sql_order(key: SortKey) -> Any:
    ordered = key.expr.desc() if key.descending else key.expr.asc()
    if not key.nullable:
        return ordered  # no NULLS clause, so SQLite can still walk an index
    # PostgreSQL's default on both databases: nulls after every value ascending, before them descending
    return ordered.nulls_first() if key.descending else ordered.nulls_last()


def _encode(payload: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode(token: str) -> dict[str, Any]:
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, binascii.Error) as exc:
        raise QueryError("Ungültiges $skiptoken. / Invalid $skiptoken.") from exc
    if not isinstance(data, dict):
        raise QueryError("Ungültiges $skiptoken. / Invalid $skiptoken.")
    return data


def _fingerprint(options: Options) -> str:
    """Ties a token to the ``$filter``/``$orderby`` it was made for."""
    text = f"{options.filter or ''}\x00{options.orderby or ''}"
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _after(keys: list[SortKey], values: list[Any]) -> ColumnElement[bool]:
    """Rows strictly after ``values`` in the order of ``keys``: (k1 > v1) or (k1 = v1 and k2 > v2) …"""
    if len(values) != len(keys):
        raise QueryError("$skiptoken passt nicht zu $orderby. / $skiptoken does not match $orderby.")
    typed = []
    for key, value in zip(keys, values, strict=True):
        if isinstance(value, str) and isinstance(key.expr.type, UTCDateTime | Date | Time):
            value = _moment(key.expr.type, value)
        elif value is not None and not isinstance(value, str | int | float | bool):
            raise QueryError("Ungültiges $skiptoken. / Invalid $skiptoken.")
        typed.append(value)
    branches = []
    for index, key in enumerate(keys):
        equal = [
            k.expr.is_(None) if v is None else k.expr == v for k, v in zip(keys[:index], typed[:index], strict=True)
        ]
        value = typed[index]
        if value is None:
            step = key.expr.is_not(None) if key.descending else false()
        elif key.descending:
            step = key.expr < value
        else:
            step = or_(key.expr > value, key.expr.is_(None)) if key.nullable else key.expr > value
        branches.append(and_(*equal, step))
    first = keys[0]
    if first.nullable or typed[0] is None:
        return or_(*branches)
    # the redundant bound on the first key lets the database seek in its index instead of scanning the OR
    bound = first.expr <= typed[0] if first.descending else first.expr >= typed[0]
    return and_(bound, or_(*branches))


def _moment(kind: Any, text: str) -> Any:
    if isinstance(kind, UTCDateTime):
        return parse_datetime(text)
    try:
        return dt.date.fromisoformat(text) if isinstance(kind, Date) else dt.time.fromisoformat(text)
    except ValueError as exc:
        raise QueryError("Ungültiges $skiptoken. / Invalid $skiptoken.") from exc


def _plain(value: Any) -> Any:
    if hasattr(value, "isoformat") and hasattr(value, "astimezone"):
        return iso(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


def fetch_page(
    session: Session,
    entity: EntityType,
    principal: Principal,
    options: Options,
    condition: ColumnElement[bool] | None = None,
) -> Page:
    compiler = compiler_for(session, entity, principal)
    stmt = visible_select(entity, principal)
    if condition is not None:
        stmt = stmt.where(condition)
    if options.filter:
        stmt = stmt.where(compiler.condition(parse_filter(options.filter)))
    try:
        return _run_page(session, entity, compiler, options, stmt)
    except DBAPIError as exc:
        # e.g. a numeric overflow in ``result mul 1e308 mul 1e308``: the filter is at fault, not the server
        log.warning("SensorThings-Abfrage nicht auswertbar: %s", exc.orig)
        raise QueryError("Der Ausdruck lässt sich nicht auswerten (z. B. Zahlenüberlauf). / Cannot evaluate.") from exc


def _run_page(session: Session, entity: EntityType, compiler: Compiler, options: Options, stmt: Select[Any]) -> Page:
    count = None
    if options.count:
        count = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    keys = _order(entity, compiler, options)
    stmt = stmt.add_columns(*[key.expr.label(f"sort_{i}") for i, key in enumerate(keys)])
    stmt = stmt.order_by(*[_sql_order(key) for key in keys])
    offset = options.skip
    if options.skiptoken:
        token = _decode(options.skiptoken)
        if token.get("q") != _fingerprint(options):
            raise QueryError("$skiptoken gehört zu einer anderen Abfrage. / $skiptoken belongs to another query.")
        if isinstance(token.get("k"), list):
            stmt = stmt.where(_after(keys, token["k"]))
            offset = 0
        else:
            raise QueryError("Ungültiges $skiptoken. / Invalid $skiptoken.")
    if options.top == 0:
        return Page([], count, None)
    result = session.execute(stmt.offset(offset).limit(options.top + 1)).all()
    rows = [row[0] for row in result]
    next_token = None
    if len(rows) > options.top:
        rows = rows[: options.top]
        last = result[options.top - 1]
        next_token = _encode({"k": [_plain(v) for v in last[1:]], "q": _fingerprint(options)})
    return Page(rows, count, next_token)


def fetch_one(session: Session, entity: EntityType, principal: Principal, condition: ColumnElement[bool]) -> Any:
    return session.scalars(visible_select(entity, principal).where(condition).limit(1)).first()


def next_link(base: str, params: Mapping[str, str], token: str) -> str:
    kept = {k: v for k, v in params.items() if k not in ("$skip", "$skiptoken")}
    kept["$skiptoken"] = token
    return f"{base}?{urlencode(kept)}"


def entity_set(name: str) -> EntityType:
    entity = ENTITIES.get(name)
    if entity is None:
        raise QueryError(f"Unbekannte Entitätsmenge {name!r}. / Unknown entity set.")
    return entity
