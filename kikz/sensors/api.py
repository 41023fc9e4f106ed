"""OGC SensorThings API v1.1 (Sensing) under ``/sta/v1.1``: resource paths, query options, writes.

Reads see what ``visible`` allows on the sensor network (catalogue dataset) of each entity, inside SQL;
an invisible entity is answered 404 like a missing one.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from kikz.errors import InvalidInput, NotFound
from kikz.sensors import resources
from kikz.sensors.batch import Batch, format_multipart, parse_multipart
from kikz.sensors.entities import ENTITIES
from kikz.sensors.odata.errors import QueryError
from kikz.sensors.store import NewObservation, store_counts, store_observations
from kikz.sensors.write import Writer
from kikz.tenancy.permissions import PermissionDenied
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
    "http://www.opengis.net/spec/iot_sensing/1.1/req/batch-request/batch-request",
]
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
) -> JSONResponse:
    """Bad blocks and bad rows are answered with ``error: …`` at their position; every valid row is stored, in one
    bulk write per call (with the rollups), so a batch costs about what a plain insert of its rows costs."""
    if not isinstance(body, list):
        raise QueryError("Eine Liste von Datastream-Blöcken wird erwartet. / A list is expected.")
    total = sum(len(block.get("dataArray") or []) if isinstance(block, dict) else 1 for block in body)
    if total > MAX_BATCH:
        raise QueryError(f"Höchstens {MAX_BATCH} Beobachtungen je Aufruf. / At most {MAX_BATCH} per call.")
    writer = Writer(session, principal)
    answer: list[str | tuple[int, int]] = []  # an error, or (block, row) of a stored observation
    valid: list[NewObservation] = []
    blocks: list[list[int]] = []  # ids per fast block; the last entry: ids of the row-by-row items
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
        columns = writer.counts_from_array(stream, components, rows)
        if columns is not None:
            feature = writer.feature_from_location(stream)
            start, end, results = columns
            ids = store_counts(
                session,
                datastream_id=stream.id,
                dataset_id=stream.dataset_id,
                start_us=start,
                end_us=end,
                results=results,
                feature_of_interest_id=feature.id if feature else None,
            )
            answer.extend((len(blocks), i) for i in range(len(ids)))
            blocks.append(ids)
            continue
        for entry in writer.observations_from_array(stream, components, rows):
            if isinstance(entry, str):
                answer.append(entry)
            else:
                valid.append(entry)
                answer.append((-1, len(valid) - 1))
    blocks.append([stored.id for stored in store_observations(session, valid)])  # index -1
    base = _base(settings)
    links = [
        entry if isinstance(entry, str) else f"{base}/Observations({blocks[entry[0]][entry[1]]})" for entry in answer
    ]
    # serialised here: FastAPI's response validation would cost more than the insert for large batches
    return JSONResponse(links, status_code=201)


def _reply(reply: resources.Reply) -> Response:
    """An HTTP response for a resource reply (JSON, plain text for ``$value``, or empty)."""
    if reply.text:
        return Response(str(reply.body), status_code=reply.status, media_type="text/plain", headers=reply.headers)
    if reply.body is None:
        return Response(status_code=reply.status, headers=reply.headers)
    return JSONResponse(reply.body, status_code=reply.status, headers=reply.headers)


async def batch_body(request: Request) -> tuple[bytes, str]:
    return await request.body(), request.headers.get("content-type", "")


@router.post("/$batch", summary="Mehrere Anfragen auf einmal / Batch requests")
def batch(
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    sent: Annotated[tuple[bytes, str], Depends(batch_body)],
) -> Response:
    """OData JSON batch (``{"requests": […]}``) or OData 4.0 ``multipart/mixed``; see ``kikz.sensors.batch``."""
    raw, content_type = sent

    def observations(items: Any) -> Any:
        return json.loads(bytes(create_observations(session, principal, settings, items).body))

    runner = Batch(session, principal, _base(settings), PREFIX, {"CreateObservations": observations})
    if content_type.lower().startswith("multipart/mixed"):
        request = parse_multipart(raw, content_type)
        content, media_type = format_multipart(request, runner.run(request))
        return Response(content, media_type=media_type)
    try:
        body = json.loads(raw or b"null")
    except (ValueError, RecursionError) as exc:
        raise QueryError("Der Inhalt ist kein gültiges JSON. / The body is not valid JSON.") from exc
    return JSONResponse(runner.run(body))


@router.get("/{path:path}", summary="Entitäten lesen / Read entities")
def read(request: Request, path: str, session: SessionDep, principal: PrincipalDep, settings: SettingsDep) -> Response:
    return _reply(resources.read(session, principal, _base(settings), path, dict(request.query_params)))


@router.post("/{path:path}", status_code=201, summary="Entität anlegen / Create an entity")
def create(
    request: Request, path: str, session: SessionDep, principal: PrincipalDep, settings: SettingsDep, body: BodyDep
) -> Response:
    params = dict(request.query_params)
    return _reply(resources.create(session, principal, _base(settings), path, params, body))


@router.patch("/{path:path}", summary="Entität ändern / Update an entity")
def patch(path: str, session: SessionDep, principal: PrincipalDep, settings: SettingsDep, body: BodyDep) -> Response:
    return _reply(resources.patch(session, principal, _base(settings), path, body))


@router.put("/{path:path}", summary="Verknüpfung setzen / Set a link ($ref)")
def put(path: str, session: SessionDep, principal: PrincipalDep, body: BodyDep) -> Response:
    return _reply(resources.put(session, principal, path, body))


@router.delete("/{path:path}", status_code=200, summary="Entität oder Verknüpfung löschen / Delete")
def delete(request: Request, path: str, session: SessionDep, principal: PrincipalDep) -> Response:
    return _reply(resources.remove(session, principal, path, dict(request.query_params)))
