"""Reading SensorThings collections: query options, visibility in SQL, keyset paging, ``$expand``.

Options are evaluated in the spec's order ($filter, $count, $orderby, $skip, $top, $select, $expand).
``@iot.nextLink`` carries the last row's sort key (``$skiptoken``), so page 1,000 is an index seek like page 1;
only when a sort key of that row is null or computed does the link fall back to an offset.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from kikz.catalog.models import Dataset
from kikz.db import UTCDateTime
from kikz.sensors.entities import ENTITIES, EntityType, iso
from kikz.sensors.odata.compiler import Compiler
from kikz.sensors.odata.errors import NotImplementedOption, QueryError
from kikz.sensors.odata.parser import MAX_DEPTH, OrderItem, Property, parse_datetime, parse_filter, parse_orderby
from kikz.tenancy.permissions import Principal, visible

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


def visible_select(entity: EntityType, principal: Principal) -> Select[Any]:
    model = entity.model
    return select(model).join(Dataset, model.dataset_id == Dataset.id).where(visible(principal, Dataset))


@dataclass
class Page:
    rows: list[Any]
    count: int | None
    next_token: str | None


def _order(entity: EntityType, compiler: Compiler, options: Options) -> tuple[list[tuple[Any, bool]], bool]:
    """Sort keys (expression, descending) ending with the id, and whether keyset paging is possible."""
    items: list[OrderItem] = parse_orderby(options.orderby) if options.orderby else []
    keys: list[tuple[Any, bool]] = []
    keyset = True
    for item in items:
        keys.append((compiler.sort_key(item.expr), item.descending))
        if not isinstance(item.expr, Property):
            keyset = False
    if not any(key is entity.model.id for key, _ in keys):
        keys.append((entity.model.id, False))
    return keys, keyset


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


def _after(keys: list[tuple[Any, bool]], values: list[Any]) -> ColumnElement[bool]:
    """Rows strictly after ``values`` in the order of ``keys``: (k1 > v1) or (k1 = v1 and k2 > v2) …"""
    if len(values) != len(keys):
        raise QueryError("$skiptoken passt nicht zu $orderby. / $skiptoken does not match $orderby.")
    typed = []
    for (key, _), value in zip(keys, values, strict=True):
        if isinstance(key.type, UTCDateTime) and isinstance(value, str):
            value = parse_datetime(value)
        typed.append(value)
    branches = []
    for index, (key, descending) in enumerate(keys):
        equal = [k == v for (k, _), v in zip(keys[:index], typed[:index], strict=True)]
        step = key < typed[index] if descending else key > typed[index]
        branches.append(and_(*equal, step))
    # the redundant bound on the first key lets the database seek in its index instead of scanning the OR
    first, descending = keys[0]
    bound = first <= typed[0] if descending else first >= typed[0]
    return and_(bound, or_(*branches))


def fetch_page(
    session: Session,
    entity: EntityType,
    principal: Principal,
    options: Options,
    condition: ColumnElement[bool] | None = None,
) -> Page:
    compiler = Compiler(entity.fields, dialect_name(session))
    stmt = visible_select(entity, principal)
    if condition is not None:
        stmt = stmt.where(condition)
    if options.filter:
        stmt = stmt.where(compiler.condition(parse_filter(options.filter)))
    try:
        return _run_page(session, entity, compiler, options, stmt)
    except DBAPIError as exc:
        # e.g. a numeric overflow in ``result mul 1e308 mul 1e308``: the filter is at fault, not the server
        raise QueryError("Der Ausdruck lässt sich nicht auswerten (z. B. Zahlenüberlauf). / Cannot evaluate.") from exc


def _run_page(session: Session, entity: EntityType, compiler: Compiler, options: Options, stmt: Select[Any]) -> Page:
    count = None
    if options.count:
        count = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    keys, keyset = _order(entity, compiler, options)
    stmt = stmt.order_by(*[key.desc() if descending else key.asc() for key, descending in keys])
    offset = options.skip
    if options.skiptoken:
        token = _decode(options.skiptoken)
        if "o" in token and isinstance(token["o"], int) and token["o"] >= 0:
            offset = token["o"]
        elif isinstance(token.get("k"), list):
            stmt = stmt.where(_after(keys, token["k"]))
            offset = 0
        else:
            raise QueryError("Ungültiges $skiptoken. / Invalid $skiptoken.")
    rows = list(session.scalars(stmt.offset(offset).limit(options.top + 1)))
    next_token = None
    if len(rows) > options.top:
        rows = rows[: options.top]
        last = rows[-1] if rows else None
        values = [_key_value(last, key) for key, _ in keys] if last is not None else []
        if keyset and last is not None and all(v is not None for v in values):
            next_token = _encode({"k": values})
        else:
            next_token = _encode({"o": offset + options.top})
    return Page(rows, count, next_token)


def _key_value(row: Any, key: Any) -> Any:
    value = getattr(row, key.key)
    return iso(value) if hasattr(value, "isoformat") else value


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
