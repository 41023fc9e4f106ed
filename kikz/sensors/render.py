"""SensorThings JSON of entities: ``$select``, ``$expand`` (nested, with options), selfLinks and nextLinks.

An expanded collection is one page like a top-level one: its ``$top`` (default 100) cuts it, and then it
carries ``<Nav>@iot.nextLink`` to the rest; ``$count=true`` inside the expand gives ``<Nav>@iot.count``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from kikz.sensors.entities import ENTITIES, EntityType
from kikz.sensors.odata.errors import QueryError
from kikz.sensors.query import Options, fetch_one, fetch_page, next_link
from kikz.tenancy.permissions import Principal

MAX_ENTITIES = 200_000
ID_NAMES = {"id", "@iot.id"}
LINK_NAMES = {"@iot.selfLink", "selfLink"}


def self_link(base: str, entity: EntityType, row: Any) -> str:
    return f"{base}/{entity.set_name}({row.id})"


def check_select(entity: EntityType, options: Options) -> None:
    """``$select`` and ``$expand`` name what the entity types have, at every level of ``$expand``."""
    for name, sub in options.expand:
        if name not in entity.navs:
            raise QueryError(f"{entity.set_name} hat keine Navigation {name!r}. / Unknown navigation in $expand.")
        check_select(ENTITIES[entity.navs[name].target], sub)
    if options.select is None:
        return
    known = set(entity.properties(_Blank())) | set(entity.navs) | ID_NAMES | LINK_NAMES
    unknown = set(options.select) - known
    if unknown:
        raise QueryError(f"Unbekannte Eigenschaft in $select: {', '.join(sorted(unknown))}. / Unknown property.")


def expansion_size(entity: EntityType, options: Options, top: int) -> int:
    """How many entities an answer may hold at most: ``top`` rows, each with its expanded pages."""
    per_row = 1
    for name, sub in options.expand:
        nav = entity.navs[name]
        per_row += expansion_size(ENTITIES[nav.target], sub, sub.top if nav.many else 1)
    return top * per_row


def check_options(entity: EntityType, options: Options, top: int) -> None:
    """Checked before any row is read: names exist, and the answer stays within ``MAX_ENTITIES``."""
    check_select(entity, options)
    if expansion_size(entity, options, top) > MAX_ENTITIES:
        raise QueryError(
            f"Die Antwort könnte mehr als {MAX_ENTITIES} Entitäten enthalten; verkleinern Sie $top in $expand. "
            "/ Too many entities: lower $top inside $expand."
        )


class _Blank:
    """Stands in for a row to learn an entity type's property names (every attribute reads as None)."""

    def __getattr__(self, name: str) -> None:
        return None


def render(
    session: Session,
    principal: Principal,
    entity: EntityType,
    row: Any,
    options: Options,
    base: str,
    memo: dict[Any, Any] | None = None,
) -> dict:
    """One entity as JSON (the caller has run ``check_options``). ``memo`` is shared by the rows of one answer:
    a to-one expansion they have in common (100 Observations of one Datastream) is read and rendered once."""
    memo = {} if memo is None else memo
    link = self_link(base, entity, row)
    props = entity.properties(row)
    chosen = set(options.select) if options.select else None
    out: dict[str, Any] = {}
    if chosen is None or chosen & ID_NAMES:
        out["@iot.id"] = row.id
    if chosen is None or chosen & LINK_NAMES:
        out["@iot.selfLink"] = link
    for key, value in props.items():
        if chosen is None or key in chosen:
            out[key] = value
    for nav in entity.navs:
        if chosen is None or nav in chosen:
            out[f"{nav}@iot.navigationLink"] = f"{link}/{nav}"
    for name, sub in options.expand:
        nav_def = entity.navs[name]
        target = ENTITIES[nav_def.target]
        condition = nav_def.of_row(target.model, row)
        if nav_def.many:
            page = fetch_page(session, target, principal, sub, condition)
            out[name] = [render(session, principal, target, child, sub, base, memo) for child in page.rows]
            if page.count is not None:
                out[f"{name}@iot.count"] = page.count
            if page.next_token:
                out[f"{name}@iot.nextLink"] = next_link(f"{link}/{name}", sub.raw, page.next_token)
        else:
            shared = (nav_def.target, getattr(row, nav_def.fk or "id"), id(sub))
            if shared not in memo:
                child = fetch_one(session, target, principal, condition)
                memo[shared] = render(session, principal, target, child, sub, base, memo) if child else None
            out[name] = memo[shared]
    return out
