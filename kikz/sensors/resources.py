"""SensorThings resource paths and what GET, POST, PATCH, PUT and DELETE do with them (OGC 18-088 §9, §10).

A path is an entity set, an entity, a navigation from an entity (``/Things(1)/Datastreams``,
``/Datastreams(1)/Thing``), a property (``/Things(1)/name``, ``…/name/$value``) or references (``…/$ref``).
Association links: ``POST …/Locations/$ref`` links an existing entity, ``DELETE …/Locations(5)/$ref`` (or
``…/Locations/$ref?$id=…``) unlinks it, ``PUT``/``PATCH …/Thing/$ref`` re-points a to-one link. Linking a
Location to a Thing records a HistoricalLocation, as any change of a Thing's Locations does.

Every handler answers a ``Reply`` so the HTTP routes and ``$batch`` share one implementation.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, insert, select, true
from sqlalchemy.orm import Session

from kikz.errors import Conflict, InvalidInput, NotFound
from kikz.sensors.entities import ENTITIES, EntityType
from kikz.sensors.models import Location, Observation, Thing, thing_location
from kikz.sensors.odata.errors import NotImplementedOption, QueryError
from kikz.sensors.odata.schema import Nav
from kikz.sensors.query import Options, fetch_one, fetch_page, next_link, parse_options
from kikz.sensors.render import check_options, render, self_link
from kikz.sensors.write import Writer, network_by_ref
from kikz.tenancy.permissions import Principal

_SEGMENT = re.compile(r"^([A-Za-z]+)(?:\((\d{1,9})\))?$")  # ids beyond 9 digits exist nowhere
_REF_ID = re.compile(r"(?:^|/)([A-Za-z]+)\((\d{1,9})\)$")
DATA_ARRAY_COMPONENTS = ["id", "phenomenonTime", "result", "resultTime", "resultQuality", "validTime", "parameters"]


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # JSON, or text for ``$value``
    headers: dict[str, str] = field(default_factory=dict)
    text: bool = False


@dataclass
class Resolved:
    entity: EntityType
    row: Any = None  # a single entity, or None for a collection
    condition: ColumnElement[bool] | None = None
    path: str = ""
    parent: Any = None  # the entity the last navigation started from
    parent_entity: EntityType | None = None
    nav: str = ""
    property: str | None = None
    raw_value: bool = False
    ref: bool = False


def resolve(session: Session, principal: Principal, path: str) -> Resolved:
    segments = [s for s in path.strip("/").split("/") if s]
    if not segments:
        raise NotFound("Pfad fehlt. / Path missing.")
    first = _SEGMENT.match(segments[0])
    if not first or first.group(1) not in ENTITIES:
        raise NotFound(f"Unbekannte Entitätsmenge {segments[0]!r}. / Unknown entity set.")
    state = Resolved(ENTITIES[first.group(1)], path=f"/{first.group(1)}")
    if first.group(2):
        state.row = _one(session, principal, state.entity, state.entity.model.id == int(first.group(2)))
        state.path = f"/{state.entity.set_name}({state.row.id})"
    for index, segment in enumerate(segments[1:], start=1):
        last = index == len(segments) - 1
        if state.ref:
            raise QueryError(f"Nach $ref ist {segment!r} nicht möglich. / Nothing may follow $ref.")
        if state.property is not None:
            if segment == "$value" and last:
                state.raw_value = True
                continue
            raise QueryError(f"Nach einer Eigenschaft ist {segment!r} nicht möglich. / Invalid path.")
        if segment == "$ref":
            state.ref = True
            continue
        if state.row is None:
            raise QueryError("Navigation ist nur von einer einzelnen Entität aus möglich. / Navigate from one entity.")
        if segment == "$value":
            raise QueryError("$value folgt nur auf eine Eigenschaft. / $value only after a property.")
        match = _SEGMENT.match(segment)
        if match and match.group(1) in state.entity.navs:
            nav = state.entity.navs[match.group(1)]
            target = ENTITIES[nav.target]
            condition = nav.of_row(target.model, state.row)
            if match.group(2):
                if not nav.many:
                    raise QueryError(f"{match.group(1)} ist keine Sammlung. / Not a collection.")
                condition = and_(condition, target.model.id == int(match.group(2)))
            parent, parent_entity = state.row, state.entity
            if nav.many and not match.group(2):
                state = Resolved(target, None, condition, f"{state.path}/{segment}")
            else:
                row = _one(session, principal, target, condition)
                state = Resolved(target, row, path=f"/{target.set_name}({row.id})")
            state.parent, state.parent_entity, state.nav = parent, parent_entity, match.group(1)
        elif segment in state.entity.properties(state.row) or segment == "id":
            state.property = segment
        else:
            raise NotFound(f"Unbekanntes Pfadelement {segment!r}. / Unknown path segment.")
    return state


def _one(session: Session, principal: Principal, entity: EntityType, condition: ColumnElement[bool]) -> Any:
    row = fetch_one(session, entity, principal, condition)
    if row is None:
        raise NotFound("Diese Entität gibt es nicht oder sie ist nicht sichtbar. / Entity not found.")
    return row


# --- GET ------------------------------------------------------------------------------------------------------


def read(session: Session, principal: Principal, base: str, path: str, params: Mapping[str, str]) -> Reply:
    options = parse_options(params)
    state = resolve(session, principal, path)
    if state.property is not None:
        value = state.row.id if state.property == "id" else state.entity.properties(state.row)[state.property]
        if state.raw_value:
            if value is None:
                return Reply(204)
            return Reply(body=value if isinstance(value, str) else json.dumps(value), text=True)
        return Reply(body={state.property: value})
    if state.ref and (options.select is not None or options.expand):
        raise QueryError("$select und $expand gehen nicht mit $ref. / No $select or $expand with $ref.")
    if state.row is not None:
        if state.ref:
            return Reply(body={"@iot.selfLink": self_link(base, state.entity, state.row)})
        check_options(state.entity, options, 1)
        return Reply(body=render(session, principal, state.entity, state.row, options, base))
    if not state.ref:
        check_options(state.entity, options, options.top)
    page = fetch_page(session, state.entity, principal, options, state.condition)
    out: dict[str, Any] = {}
    if page.count is not None:
        out["@iot.count"] = page.count
    if state.ref:
        out["value"] = [{"@iot.selfLink": self_link(base, state.entity, row)} for row in page.rows]
    elif options.result_format == "dataArray":
        if state.entity.set_name != "Observations":
            raise QueryError("$resultFormat=dataArray gibt es nur für Observations. / Observations only.")
        out["value"] = data_array(page.rows, options, base)
    else:
        memo: dict[Any, Any] = {}
        out["value"] = [render(session, principal, state.entity, row, options, base, memo) for row in page.rows]
    if page.next_token:
        out["@iot.nextLink"] = next_link(f"{base}/{path.strip('/')}", params, page.next_token)
    return Reply(body=out)


def data_array(rows: list[Observation], options: Options, base: str) -> list[dict[str, Any]]:
    components = options.select or DATA_ARRAY_COMPONENTS
    unknown = set(components) - set(DATA_ARRAY_COMPONENTS)
    if unknown:
        raise QueryError(f"Unbekannte Komponente: {', '.join(sorted(unknown))}. / Unknown component.")
    groups: dict[int, list[list[Any]]] = {}
    observations = ENTITIES["Observations"]
    for row in rows:
        props = observations.properties(row) | {"id": row.id}
        groups.setdefault(row.datastream_id, []).append([props[c] for c in components])
    return [
        {
            "Datastream@iot.navigationLink": f"{base}/Datastreams({stream_id})",
            "components": components,
            "dataArray@iot.count": len(values),
            "dataArray": values,
        }
        for stream_id, values in groups.items()
    ]


# --- POST -----------------------------------------------------------------------------------------------------


def create(session: Session, principal: Principal, base: str, path: str, params: Mapping[str, str], body: Any) -> Reply:
    state = resolve(session, principal, path)
    if state.property is not None:
        raise QueryError("POST geht nicht an eine Eigenschaft. / POST not on a property.")
    if state.ref:
        if state.row is not None or state.parent is None:
            raise QueryError("POST …/$ref geht nur an eine Navigation zu vielen. / POST $ref on a to-many path.")
        target = referenced(session, principal, state.entity, body)
        link(session, principal, state.parent_entity, state.parent, state.nav, target)
        return Reply(204)
    if state.row is not None:
        raise QueryError("POST geht nur an eine Sammlung. / POST only to a collection.")
    writer = Writer(session, principal, network_by_ref(session, principal, params.get("network")))
    links: dict[str, Any] = {}
    dataset_id = None
    if state.parent is not None:
        dataset_id = state.parent.dataset_id
        key = {"Datastreams": "thing", "Observations": "datastream", "Locations": "thing"}.get(state.entity.set_name)
        parent_kind = type(state.parent).__name__
        if key is None or (key == "datastream") != (parent_kind == "Datastream"):
            raise NotImplementedOption("Anlegen über diese Navigation wird nicht unterstützt. / Not supported.")
        if key == "thing" and parent_kind != "Thing":
            raise NotImplementedOption("Anlegen über diese Navigation wird nicht unterstützt. / Not supported.")
        links[key] = state.parent
    status = 201
    if state.entity.set_name == "Observations":
        if not isinstance(body, dict):
            raise InvalidInput("Ein JSON-Objekt wird erwartet. / A JSON object is expected.")
        observation, created = writer.observation(body, dataset_id, links.get("datastream"))
        row: Any = observation
        status = 201 if created else 200
    else:
        row = writer.create(state.entity, body, dataset_id=dataset_id, **links)
    content = render(session, principal, state.entity, row, Options(), base)
    return Reply(status, content, {"Location": content["@iot.selfLink"]})


# --- PATCH, PUT -----------------------------------------------------------------------------------------------


def patch(session: Session, principal: Principal, base: str, path: str, body: Any) -> Reply:
    state = resolve(session, principal, path)
    if state.ref:
        return _repoint(session, principal, state, body)
    if state.row is None or state.property is not None:
        raise QueryError("PATCH geht nur an eine einzelne Entität. / PATCH only on one entity.")
    if not isinstance(body, dict):
        raise InvalidInput("Ein JSON-Objekt wird erwartet. / A JSON object is expected.")
    rest = dict(body)
    for name, nav in state.entity.navs.items():
        # a to-one link given as {"@iot.id": n} is changed like PUT …/<nav>/$ref
        if not nav.many and isinstance(rest.get(name), dict) and set(rest[name]) == {"@iot.id"}:
            target = referenced(session, principal, ENTITIES[nav.target], rest.pop(name))
            link(session, principal, state.entity, state.row, name, target)
    if rest:
        Writer(session, principal).patch(state.entity, state.row, rest)
    return Reply(body=render(session, principal, state.entity, state.row, Options(), base))


def put(session: Session, principal: Principal, path: str, body: Any) -> Reply:
    state = resolve(session, principal, path)
    if not state.ref:
        raise NotImplementedOption("PUT wird nur für …/$ref unterstützt; ändern Sie mit PATCH. / Use PATCH.")
    return _repoint(session, principal, state, body)


def _repoint(session: Session, principal: Principal, state: Resolved, body: Any) -> Reply:
    if state.parent is None or state.parent_entity is None or state.parent_entity.navs[state.nav].many:
        raise QueryError("Nur eine Einzel-Navigation lässt sich per $ref neu setzen. / Only to-one links.")
    target = referenced(session, principal, state.entity, body)
    link(session, principal, state.parent_entity, state.parent, state.nav, target)
    return Reply(204)


# --- DELETE ---------------------------------------------------------------------------------------------------


def remove(session: Session, principal: Principal, path: str, params: Mapping[str, str]) -> Reply:
    state = resolve(session, principal, path)
    if state.property is not None:
        raise QueryError("DELETE geht nicht an eine Eigenschaft. / DELETE not on a property.")
    if state.ref:
        if state.parent is None or state.parent_entity is None:
            raise QueryError("DELETE …/$ref braucht eine Navigation. / DELETE $ref needs a navigation.")
        target = state.row
        if target is None:
            if "$id" not in params:
                raise QueryError("Welche Verknüpfung? Geben Sie $id an. / Which link? Give $id.")
            target = referenced(session, principal, state.entity, {"@iot.selfLink": params["$id"]})
            linked = and_(true() if state.condition is None else state.condition, state.entity.model.id == target.id)
            if fetch_one(session, state.entity, principal, linked) is None:
                raise NotFound("Diese Verknüpfung gibt es nicht. / No such link.")
        unlink(session, principal, state.parent_entity, state.parent, state.nav, target)
        return Reply(204)
    if state.row is None:
        raise QueryError("DELETE geht nur an eine einzelne Entität. / DELETE only on one entity.")
    Writer(session, principal).delete(state.row)
    return Reply(200)


# --- association links ----------------------------------------------------------------------------------------


def referenced(session: Session, principal: Principal, entity: EntityType, body: Any) -> Any:
    """The entity a reference body names: ``{"@iot.id": 5}`` or ``{"@iot.selfLink": "…/Things(5)"}``."""
    if isinstance(body, dict) and "@iot.selfLink" in body and "@iot.id" not in body:
        match = _REF_ID.search(str(body["@iot.selfLink"]))
        if match is None or match.group(1) != entity.set_name:
            raise InvalidInput(f"@iot.selfLink muss auf {entity.set_name}(…) zeigen. / Wrong selfLink.")
        body = {"@iot.id": int(match.group(2))}
    if not isinstance(body, dict) or "@iot.id" not in body:
        raise InvalidInput('Erwartet wird {"@iot.id": …} oder {"@iot.selfLink": …}. / Reference expected.')
    return Writer(session, principal).linked(entity, {"@iot.id": body["@iot.id"]}, None)


def _nullable(model: Any, column: str) -> bool:
    return bool(model.__table__.c[column].nullable)


def _guard_observations(nav: Nav, parent: Any) -> None:
    moves_observation = (nav.target == "Observations" and nav.back == "datastream_id") or (
        isinstance(parent, Observation) and nav.fk == "datastream_id"
    )
    if moves_observation:
        raise Conflict(
            "Eine Beobachtung bleibt in ihrem Datastream; legen Sie sie im anderen neu an. "
            "/ An Observation cannot move to another Datastream."
        )


def link(
    session: Session, principal: Principal, entity: EntityType | None, parent: Any, name: str, target: Any
) -> None:
    assert entity is not None
    nav = entity.navs[name]
    writer = Writer(session, principal)
    writer.dataset(parent.dataset_id)
    _guard_observations(nav, parent)
    if nav.table is not None:
        if {type(parent), type(target)} == {Thing, Location}:
            thing, location = (parent, target) if isinstance(parent, Thing) else (target, parent)
            current = list(
                session.scalars(
                    select(Location)
                    .join(thing_location, thing_location.c.location_id == Location.id)
                    .where(thing_location.c.thing_id == thing.id)
                )
            )
            if location not in current:
                writer.set_locations(thing, [*current, location])
            return
        exists = session.execute(
            select(nav.table).where(nav.table.c[nav.mine] == parent.id, nav.table.c[nav.theirs] == target.id)
        ).first()
        if exists is None:
            session.execute(insert(nav.table).values({nav.mine: parent.id, nav.theirs: target.id}))
    elif nav.back is not None:
        writer.dataset(target.dataset_id)
        setattr(target, nav.back, parent.id)
    else:
        assert nav.fk is not None
        setattr(parent, nav.fk, target.id)
    session.flush()


def unlink(session: Session, principal: Principal, entity: EntityType, parent: Any, name: str, target: Any) -> None:
    nav = entity.navs[name]
    writer = Writer(session, principal)
    writer.dataset(parent.dataset_id)
    if nav.table is not None:
        session.execute(
            delete(nav.table).where(nav.table.c[nav.mine] == parent.id, nav.table.c[nav.theirs] == target.id)
        )
    elif nav.back is not None:
        if not _nullable(type(target), nav.back):
            raise Conflict(
                f"Die Verknüpfung ist Pflicht für {ENTITIES[nav.target].set_name}; verknüpfen Sie neu oder löschen "
                "Sie die Entität. / This link is required."
            )
        writer.dataset(target.dataset_id)
        setattr(target, nav.back, None)
    else:
        assert nav.fk is not None
        if not _nullable(type(parent), nav.fk):
            raise Conflict(f"{name} ist Pflicht und lässt sich nicht lösen. / {name} is required.")
        setattr(parent, nav.fk, None)
    session.flush()
