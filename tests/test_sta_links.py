"""SensorThings references and links: ``$ref`` reads, association links (POST/PUT/DELETE on ``$ref``), property
paths, PATCH of to-one links, and ``$batch``."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.sta_world import (
    STA,
    World,
    add_observations,
    create_thing,
    make_world,
    stream_id,
)


@pytest.fixture
def world(session: Session) -> World:
    return make_world(session)


def test_references_and_property_paths(client: TestClient, world: World) -> None:
    thing = create_thing(client, world, name="Nah")
    create_thing(client, world, name="Fern")
    tid, sid = thing["@iot.id"], stream_id(client, thing)
    refs = client.get(f"{STA}/Things({tid})/Datastreams/$ref").json()
    assert refs == {"value": [{"@iot.selfLink": f"http://testserver{STA}/Datastreams({sid})"}]}
    page = client.get(f"{STA}/Datastreams/$ref", params={"$top": "1", "$count": "true", "$orderby": "id"}).json()
    assert page["@iot.count"] == 2 and list(page["value"][0]) == ["@iot.selfLink"]
    rest = client.get(page["@iot.nextLink"].removeprefix("http://testserver")).json()
    assert len(rest["value"]) == 1 and rest["value"] != page["value"]
    one = client.get(f"{STA}/Datastreams({sid})/Thing/$ref").json()
    assert one == {"@iot.selfLink": f"http://testserver{STA}/Things({tid})"}
    assert client.get(f"{STA}/Things/$ref", params={"$select": "name"}).status_code == 400
    assert client.get(f"{STA}/Things/$ref/name").status_code == 400
    assert client.get(f"{STA}/Things({tid})/properties").json() == {"properties": {"betreiber": "Stadt"}}
    assert client.get(f"{STA}/Things({tid})/properties/$value").json() == {"betreiber": "Stadt"}
    assert client.get(f"{STA}/Datastreams({sid})/observedArea/$value").status_code == 204
    assert client.get(f"{STA}/Things({tid})/id").json() == {"id": tid}
    assert client.get(f"{STA}/Things({tid})/$value").status_code == 400
    assert client.get(f"{STA}/Things({tid})/nosuch").status_code == 404
    assert client.get(f"{STA}/Things/Datastreams").status_code == 400
    assert client.get(f"{STA}/Datastreams({sid})/Thing(1)").status_code == 400


def _location(client: TestClient, world: World, name: str) -> int:
    body = {
        "name": name,
        "description": "",
        "encodingType": "application/geo+json",
        "location": {"type": "Point", "coordinates": [8.7, 50.1]},
    }
    response = client.post(
        f"{STA}/Locations", params={"network": world.public_network}, json=body, headers=world.steward
    )
    assert response.status_code == 201, response.text
    return int(response.json()["@iot.id"])


def _names(client: TestClient, path: str) -> list[str]:
    return sorted(item["name"] for item in client.get(f"{STA}/{path}").json()["value"])


def test_association_links(client: TestClient, world: World) -> None:
    thing = create_thing(client, world, name="Nah")
    other = create_thing(client, world, name="Fern")
    tid, sid = thing["@iot.id"], stream_id(client, thing)
    extra = _location(client, world, "Zweitort")
    history = f"Things({tid})/HistoricalLocations"
    assert len(client.get(f"{STA}/{history}").json()["value"]) == 1
    added = client.post(f"{STA}/Things({tid})/Locations/$ref", json={"@iot.id": extra}, headers=world.steward)
    assert added.status_code == 204, added.text
    assert _names(client, f"Things({tid})/Locations") == ["Ort Nah", "Zweitort"]
    assert len(client.get(f"{STA}/{history}").json()["value"]) == 2  # the Thing's place changed
    by_link = client.post(
        f"{STA}/Locations({extra})/Things/$ref",
        json={"@iot.selfLink": f"http://testserver{STA}/Things({other['@iot.id']})"},
        headers=world.steward,
    )
    assert by_link.status_code == 204, by_link.text
    assert _names(client, f"Locations({extra})/Things") == ["Fern", "Nah"]
    removed = client.delete(f"{STA}/Things({tid})/Locations({extra})/$ref", headers=world.steward)
    assert removed.status_code == 204, removed.text
    assert _names(client, f"Things({tid})/Locations") == ["Ort Nah"]
    assert client.get(f"{STA}/Locations({extra})").status_code == 200  # only the link is gone
    by_id = client.delete(
        f"{STA}/Locations({extra})/Things/$ref",
        params={"$id": f"{STA}/Things({other['@iot.id']})"},
        headers=world.steward,
    )
    assert by_id.status_code == 204, by_id.text
    assert _names(client, f"Locations({extra})/Things") == []
    # to-one links: PUT on $ref, or PATCH with {"@iot.id": …}
    other_sensor = stream_id(client, other)
    sensor = client.get(f"{STA}/Datastreams({other_sensor})/Sensor").json()["@iot.id"]
    moved = client.put(
        f"{STA}/Datastreams({sid})/Thing/$ref", json={"@iot.id": other["@iot.id"]}, headers=world.steward
    )
    assert moved.status_code == 204, moved.text
    assert client.get(f"{STA}/Datastreams({sid})/Thing").json()["name"] == "Fern"
    patched = client.patch(
        f"{STA}/Datastreams({sid})", json={"Thing": {"@iot.id": tid}, "name": "Neu"}, headers=world.steward
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["name"] == "Neu"
    assert client.get(f"{STA}/Datastreams({sid})/Thing").json()["name"] == "Nah"
    assert (
        client.put(f"{STA}/Datastreams({sid})/Sensor/$ref", json={"@iot.id": sensor}, headers=world.steward).status_code
        == 204
    )
    assert client.get(f"{STA}/Datastreams({sid})/Sensor/$ref").json()["@iot.selfLink"].endswith(f"Sensors({sensor})")
    # refused: required links, moving observations, unknown targets, strangers, PUT of an entity
    assert client.delete(f"{STA}/Datastreams({sid})/Thing/$ref", headers=world.steward).status_code == 409
    observation = add_observations(client, world, sid, [1])[0].rsplit("(", 1)[1].rstrip(")")
    assert (
        client.put(
            f"{STA}/Observations({observation})/Datastream/$ref", json={"@iot.id": other_sensor}, headers=world.steward
        ).status_code
        == 409
    )
    assert (
        client.post(f"{STA}/Things({tid})/Locations/$ref", json={"@iot.id": 99999}, headers=world.steward).status_code
        == 422
    )
    assert (
        client.post(f"{STA}/Things({tid})/Locations/$ref", json={"@iot.id": extra}, headers=world.stranger).status_code
        == 403
    )
    assert client.post(f"{STA}/Things({tid})/Locations/$ref", json={"@iot.id": extra}).status_code in (401, 403)
    assert client.put(f"{STA}/Things({tid})", json={"name": "x"}, headers=world.steward).status_code == 501
    unlinked_foi = client.delete(f"{STA}/Observations({observation})/FeatureOfInterest/$ref", headers=world.steward)
    assert unlinked_foi.status_code == 204
    assert client.get(f"{STA}/Observations({observation})/FeatureOfInterest").status_code == 404


def test_batch_requests(client: TestClient, world: World) -> None:
    thing = create_thing(client, world, name="Nah")
    tid = thing["@iot.id"]
    body: dict[str, Any] = {
        "requests": [
            {"id": "1", "method": "get", "url": f"Things({tid})?$select=name"},
            {
                "id": "2",
                "method": "post",
                "url": "Things?network=" + world.public_network,
                "body": {"name": "Per Batch", "description": "neu"},
            },
            {"id": "3", "method": "patch", "url": "$2", "body": {"description": "geändert"}, "dependsOn": ["2"]},
            {"id": "4", "method": "get", "url": f"{STA}/$2?$select=description", "dependsOn": ["3"]},
            {"id": "5", "method": "get", "url": "Things(99999)"},
            {"id": "6", "method": "get", "url": "$5/Datastreams", "dependsOn": ["5"]},
            {"id": "7", "method": "get", "url": f"http://testserver{STA}/Things({tid})/name/$value"},
        ]
    }
    response = client.post(f"{STA}/$batch", json=body, headers=world.steward)
    assert response.status_code == 200, response.text
    answers = {item["id"]: item for item in response.json()["responses"]}
    assert answers["1"]["status"] == 200 and answers["1"]["body"] == {"name": "Nah"}
    assert answers["2"]["status"] == 201
    assert answers["2"]["headers"]["location"] == answers["2"]["body"]["@iot.selfLink"]
    assert answers["3"]["status"] == 200 and answers["3"]["body"]["description"] == "geändert"
    assert answers["4"]["body"] == {"description": "geändert"}
    assert answers["5"]["status"] == 404 and answers["5"]["body"]["error"]["message"]
    assert answers["6"]["status"] == 424
    assert answers["7"]["body"] == "Nah" and answers["7"]["headers"]["content-type"].startswith("text/plain")
    assert sorted(t["name"] for t in client.get(f"{STA}/Things").json()["value"]) == ["Nah", "Per Batch"]
    # an atomicity group fails as a whole and leaves nothing behind; requests outside it still run
    grouped = {
        "requests": [
            {
                "id": "a",
                "atomicityGroup": "g",
                "method": "post",
                "url": "Things?network=" + world.public_network,
                "body": {"name": "Gruppe 1"},
            },
            {"id": "b", "atomicityGroup": "g", "method": "post", "url": "Things", "body": {"name": "ohne Netz"}},
            {"id": "c", "method": "delete", "url": f"Things({tid})"},
        ]
    }
    answers = {
        a["id"]: a for a in client.post(f"{STA}/$batch", json=grouped, headers=world.steward).json()["responses"]
    }
    assert answers["a"]["status"] == 424 and answers["b"]["status"] == 422 and answers["c"]["status"] == 200
    assert [t["name"] for t in client.get(f"{STA}/Things").json()["value"]] == ["Per Batch"]
    # anonymous callers read but cannot write; a bad envelope is a 400
    anonymous = client.post(f"{STA}/$batch", json={"requests": [body["requests"][1]]}).json()["responses"]
    assert anonymous[0]["status"] in (401, 403, 422)
    for bad in (
        {},
        {"requests": [{"method": "get"}]},
        {"requests": [{"id": "1", "method": "get", "url": "x", "dependsOn": ["9"]}]},
    ):
        assert client.post(f"{STA}/$batch", json=bad).status_code == 400
    nested = {"requests": [{"id": "1", "method": "post", "url": "$batch", "body": {"requests": []}}]}
    assert client.post(f"{STA}/$batch", json=nested).json()["responses"][0]["status"] == 400


def test_service_root_declares_what_is_implemented(client: TestClient) -> None:
    conformance = client.get(STA).json()["serverSettings"]["conformance"]
    assert "http://www.opengis.net/spec/iot_sensing/1.1/req/batch-request/batch-request" in conformance
    assert not any("multi-datastream" in c for c in conformance)


def _http_parts(text: str, boundary: str) -> list[str]:
    return [part for part in text.split(f"--{boundary}") if "HTTP/1.1" in part or "multipart/mixed" in part]


def test_multipart_batch(client: TestClient, world: World) -> None:
    thing = create_thing(client, world, name="Nah")
    crlf = "\r\n"
    body = crlf.join(
        [
            "--batch_1",
            "Content-Type: application/http",
            "Content-Transfer-Encoding: binary",
            "",
            f"GET Things({thing['@iot.id']})?$select=name HTTP/1.1",
            "",
            "",
            "--batch_1",
            "Content-Type: multipart/mixed; boundary=changeset_1",
            "",
            "--changeset_1",
            "Content-Type: application/http",
            "Content-Transfer-Encoding: binary",
            "Content-ID: 1",
            "",
            f"POST Things?network={world.public_network} HTTP/1.1",
            "Content-Type: application/json",
            "",
            '{"name": "Aus dem Changeset", "description": ""}',
            "--changeset_1",
            "Content-Type: application/http",
            "Content-Transfer-Encoding: binary",
            "Content-ID: 2",
            "",
            "PATCH $1 HTTP/1.1",
            "Content-Type: application/json",
            "",
            '{"description": "gesetzt"}',
            "--changeset_1--",
            "",
            "--batch_1--",
            "",
        ]
    )
    response = client.post(
        f"{STA}/$batch",
        content=body.encode(),
        headers=world.steward | {"content-type": "multipart/mixed; boundary=batch_1"},
    )
    assert response.status_code == 200, response.text
    media_type = response.headers["content-type"]
    assert media_type.startswith("multipart/mixed; boundary=")
    parts = _http_parts(response.text, media_type.split("boundary=")[1])
    assert len(parts) == 2
    assert "HTTP/1.1 200 OK" in parts[0] and '{"name": "Nah"}' in parts[0]
    assert parts[1].count("HTTP/1.1 20") == 2 and "Content-ID: 1" in parts[1] and "Content-ID: 2" in parts[1]
    created = client.get(f"{STA}/Things", params={"$filter": "name eq 'Aus dem Changeset'"}).json()["value"]
    assert [t["description"] for t in created] == ["gesetzt"]
    broken = client.post(
        f"{STA}/$batch",
        content=b"--b\r\nContent-Type: application/http\r\n\r\nKAPUTT\r\n--b--\r\n",
        headers={"content-type": "multipart/mixed; boundary=b"},
    )
    assert broken.status_code == 400
