"""OGC SensorThings API v1.1 (Sensing) under ``/sta/v1.1``: resource paths, query options, writes.

Reads see what ``visible`` allows on the sensor network (catalogue dataset) of each entity, inside SQL;
an invisible entity is answered 404 like a missing one.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import ColumnElement, and_
from sqlalchemy.orm import Session

from kikz.errors import InvalidInput, NotFound
from kikz.sensors.entities import ENTITIES, EntityType
from kikz.sensors.models import Observation
from kikz.sensors.odata.errors import NotImplementedOption, QueryError
from kikz.sensors.query import (
    Options,
    fetch_one,
    fetch_page,
    next_link,
    parse_options,
)
from kikz.sensors.store import NewObservation, store_observations
from kikz.sensors.write import Writer, network_by_ref
from kikz.tenancy.permissions import PermissionDenied, Principal
from kikz.web.deps import PrincipalDep, SessionDep, SettingsDep

PREFIX = "/sta/v1.1"
TAG = "SensorThings API v1.1"
router = APIRouter(prefix=PREFIX, tags=[TAG])

CONFORMANCE = [
    "http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/resource-path/resource-path-to-entities",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/request-data",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/create-update-delete",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/data-array/data-array",
]
_SEGMENT = re.compile(r"^([A-Za-z]+)(?:\((\d{1,9})\))?$")  # ids beyond 9 digits exist nowhere
DATA_ARRAY_COMPONENTS = ["id", "phenomenonTime", "result", "resultTime", "resultQuality", "validTime", "parameters"]
MAX_BATCH = 10_000
COMPONENTS = {
    "phenomenonTime",
    "result",
    "resultTime",
    "resultQuality",
    "validTime",
    "parameters",
    "FeatureOfInterest/id",
}


async def json_body(request: Request) -> Any:
    raw = await request.body()
    try:
        return json.loads(raw or b"null")
    except (ValueError, RecursionError) as exc:
        raise QueryError("Der Inhalt ist kein gültiges JSON. / The body is not valid JSON.") from exc


BodyDep = Annotated[Any, Depends(json_body)]


def _base(settings: Any) -> str:
    return str(settings.base_url).rstrip("/") + PREFIX


@dataclass
class Resolved:
    entity: EntityType
    row: Any = None  # a single entity, or None for a collection
    condition: ColumnElement[bool] | None = None
    path: str = ""
    parent: Any = None  # the entity a navigation collection hangs on
    nav: str = ""
    property: str | None = None
    raw_value: bool = False


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
        if state.property is not None:
            if segment == "$value" and index == len(segments) - 1:
                state.raw_value = True
                continue
            raise QueryError(f"Nach einer Eigenschaft ist {segment!r} nicht möglich. / Invalid path.")
        if state.row is None:
            raise QueryError("Navigation ist nur von einer einzelnen Entität aus möglich. / Navigate from one entity.")
        if segment in ("$ref", "$value"):
            raise NotImplementedOption(f"{segment} wird hier nicht unterstützt. / {segment} not supported here.")
        match = _SEGMENT.match(segment)
        if match and match.group(1) in state.entity.navs:
            nav = state.entity.navs[match.group(1)]
            target = ENTITIES[nav.target]
            condition = nav.link(state.row.id)
            if match.group(2):
                condition = and_(condition, target.model.id == int(match.group(2)))
            if nav.many and not match.group(2):
                state = Resolved(target, None, condition, f"{state.path}/{segment}", state.row, match.group(1))
            else:
                row = _one(session, principal, target, condition)
                state = Resolved(target, row, path=f"/{target.set_name}({row.id})")
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


def render(session: Session, principal: Principal, entity: EntityType, row: Any, options: Options, base: str) -> dict:
    self_link = f"{base}/{entity.set_name}({row.id})"
    props = entity.properties(row)
    chosen = set(options.select) if options.select else None
    if chosen is not None:
        unknown = chosen - set(props) - set(entity.navs) - {"id", "@iot.id", "@iot.selfLink", "selfLink"}
        if unknown:
            raise QueryError(f"Unbekannte Eigenschaft in $select: {', '.join(sorted(unknown))}.")
    out: dict[str, Any] = {}
    if chosen is None or chosen & {"id", "@iot.id"}:
        out["@iot.id"] = row.id
    if chosen is None or chosen & {"@iot.selfLink", "selfLink"}:
        out["@iot.selfLink"] = self_link
    for key, value in props.items():
        if chosen is None or key in chosen:
            out[key] = value
    for nav in entity.navs:
        if chosen is None or nav in chosen:
            out[f"{nav}@iot.navigationLink"] = f"{self_link}/{nav}"
    for name, sub in options.expand:
        nav_def = entity.navs.get(name)
        if nav_def is None:
            raise QueryError(f"{entity.set_name} hat keine Navigation {name!r}. / Unknown navigation in $expand.")
        target = ENTITIES[nav_def.target]
        if nav_def.many:
            page = fetch_page(session, target, principal, sub, nav_def.link(row.id))
            out[name] = [render(session, principal, target, child, sub, base) for child in page.rows]
            if sub.count:
                out[f"{name}@iot.count"] = page.count
        else:
            child = fetch_one(session, target, principal, nav_def.link(row.id))
            out[name] = render(session, principal, target, child, sub, base) if child is not None else None
    return out


def _data_array(rows: list[Observation], options: Options, base: str) -> list[dict[str, Any]]:
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


@router.get("", summary="Dienstwurzel / Service root")
def service_root(settings: SettingsDep) -> dict[str, Any]:
    base = _base(settings)
    return {
        "value": [{"name": name, "url": f"{base}/{name}"} for name in ENTITIES],
        "serverSettings": {"conformance": CONFORMANCE},
    }


@router.post("/CreateObservations", status_code=201, summary="Beobachtungen als dataArray anlegen")
def create_observations(
    session: SessionDep, principal: PrincipalDep, settings: SettingsDep, body: BodyDep
) -> list[str]:
    """Bad blocks and bad rows are answered with ``error: …`` at their position; every valid row is stored, in one
    bulk write per call (with the rollups), so a batch costs about what a plain insert of its rows costs."""
    if not isinstance(body, list):
        raise QueryError("Eine Liste von Datastream-Blöcken wird erwartet. / A list is expected.")
    total = sum(len(block.get("dataArray") or []) if isinstance(block, dict) else 1 for block in body)
    if total > MAX_BATCH:
        raise QueryError(f"Höchstens {MAX_BATCH} Beobachtungen je Aufruf. / At most {MAX_BATCH} per call.")
    writer = Writer(session, principal)
    answer: list[str | int] = []
    valid: list[NewObservation] = []
    for block in body:
        if not isinstance(block, dict) or not isinstance(block.get("components"), list):
            answer.append("error: Block braucht Datastream, components und dataArray.")
            continue
        components = block["components"]
        rows = block.get("dataArray")
        if not set(components) <= COMPONENTS or not isinstance(rows, list):
            answer.append(
                f"error: components erlaubt nur {', '.join(sorted(COMPONENTS))}; dataArray muss eine Liste sein."
            )
            continue
        try:
            stream = writer.linked(ENTITIES["Datastreams"], block.get("Datastream"), None)
            writer.dataset(stream.dataset_id)
        except (QueryError, InvalidInput, NotFound, PermissionDenied) as exc:
            answer.extend(f"error: {exc.message}" for _ in rows or [None])
            continue
        for values in rows:
            try:
                if not isinstance(values, list) or len(values) != len(components):
                    raise InvalidInput("Anzahl der Werte passt nicht zu components. / Values do not match components.")
                item = dict(zip(components, values, strict=True))
                if "FeatureOfInterest/id" in item:
                    item["FeatureOfInterest"] = {"@iot.id": item.pop("FeatureOfInterest/id")}
                valid.append(writer.new_observation(item, stream))
                answer.append(len(valid) - 1)
            except (QueryError, InvalidInput, NotFound) as exc:
                answer.append(f"error: {exc.message}")
    stored = store_observations(session, valid)
    base = _base(settings)
    return [entry if isinstance(entry, str) else f"{base}/Observations({stored[entry].id})" for entry in answer]


@router.get("/{path:path}", summary="Entitäten lesen / Read entities")
def read(request: Request, path: str, session: SessionDep, principal: PrincipalDep, settings: SettingsDep) -> Response:
    params = dict(request.query_params)
    options = parse_options(params)
    state = resolve(session, principal, path)
    base = _base(settings)
    if state.property is not None:
        value = state.row.id if state.property == "id" else state.entity.properties(state.row)[state.property]
        if state.raw_value:
            text = value if isinstance(value, str) else json.dumps(value)
            return Response(text, media_type="text/plain; charset=utf-8")
        return JSONResponse({state.property: value})
    if state.row is not None:
        return JSONResponse(render(session, principal, state.entity, state.row, options, base))
    page = fetch_page(session, state.entity, principal, options, state.condition)
    out: dict[str, Any] = {}
    if page.count is not None:
        out["@iot.count"] = page.count
    if options.result_format == "dataArray":
        if state.entity.set_name != "Observations":
            raise QueryError("$resultFormat=dataArray gibt es nur für Observations. / Observations only.")
        out["value"] = _data_array(page.rows, options, base)
    else:
        out["value"] = [render(session, principal, state.entity, row, options, base) for row in page.rows]
    if page.next_token:
        out["@iot.nextLink"] = next_link(f"{base}/{path.strip('/')}", params, page.next_token)
    return JSONResponse(out)


@router.post("/{path:path}", status_code=201, summary="Entität anlegen / Create an entity")
def create(
    request: Request, path: str, session: SessionDep, principal: PrincipalDep, settings: SettingsDep, body: BodyDep
) -> Response:
    state = resolve(session, principal, path)
    if state.row is not None or state.property is not None:
        raise QueryError("POST geht nur an eine Sammlung. / POST only to a collection.")
    writer = Writer(session, principal, network_by_ref(session, principal, request.query_params.get("network")))
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
    base = _base(settings)
    content = render(session, principal, state.entity, row, Options(), base)
    return JSONResponse(content, status_code=status, headers={"Location": content["@iot.selfLink"]})


@router.patch("/{path:path}", summary="Entität ändern / Update an entity")
def patch(path: str, session: SessionDep, principal: PrincipalDep, settings: SettingsDep, body: BodyDep) -> Response:
    state = resolve(session, principal, path)
    if state.row is None or state.property is not None:
        raise QueryError("PATCH geht nur an eine einzelne Entität. / PATCH only on one entity.")
    Writer(session, principal).patch(state.entity, state.row, body)
    return JSONResponse(render(session, principal, state.entity, state.row, Options(), _base(settings)))


@router.delete("/{path:path}", status_code=200, summary="Entität löschen / Delete an entity")
def delete(path: str, session: SessionDep, principal: PrincipalDep) -> Response:
    state = resolve(session, principal, path)
    if state.row is None or state.property is not None:
        raise QueryError("DELETE geht nur an eine einzelne Entität. / DELETE only on one entity.")
    Writer(session, principal).delete(state.row)
    return Response(status_code=200)
