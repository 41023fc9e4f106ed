"""SensorThings API v1.1: service root, CRUD, navigation, query options, paging, dataArray, permissions."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kikz.sensors.models import Observation
from tests.sta_world import (
    STA,
    World,
    add_observations,
    create_thing,
    make_world,
    stream_id,
    thing_body,
)


@pytest.fixture
def world(session: Session) -> World:
    return make_world(session)


def test_service_root_lists_the_eight_collections_and_conformance(client: TestClient) -> None:
    root = client.get(STA).json()
    names = [item["name"] for item in root["value"]]
    assert sorted(names) == sorted(
        [
            "Things",
            "Locations",
            "HistoricalLocations",
            "Sensors",
            "ObservedProperties",
            "Datastreams",
            "FeaturesOfInterest",
            "Observations",
        ]
    )
    assert root["value"][0]["url"].startswith("http://testserver/sta/v1.1/")
    assert "http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel" in root["serverSettings"]["conformance"]


def test_deep_insert_navigation_and_property_paths(client: TestClient, world: World) -> None:
    thing = create_thing(client, world)
    tid = thing["@iot.id"]
    assert thing["Datastreams@iot.navigationLink"].endswith(f"/Things({tid})/Datastreams")
    assert client.get(f"{STA}/Things({tid})/name").json() == {"name": "Zählstelle Kaiserstraße"}
    raw = client.get(f"{STA}/Things({tid})/name/$value")
    assert raw.text == "Zählstelle Kaiserstraße"
    locations = client.get(f"{STA}/Things({tid})/Locations").json()["value"]
    assert locations[0]["location"]["coordinates"] == [8.76, 50.1]
    history = client.get(f"{STA}/Things({tid})/HistoricalLocations?$expand=Locations").json()["value"]
    assert len(history) == 1 and history[0]["Locations"][0]["@iot.id"] == locations[0]["@iot.id"]
    sid = stream_id(client, thing)
    sensor = client.get(f"{STA}/Datastreams({sid})/Sensor").json()
    assert sensor["name"] == "Induktionsschleife"
    assert client.get(f"{STA}/Datastreams({sid})/Thing").json()["@iot.id"] == tid
    assert client.get(f"{STA}/Things(999999)").status_code == 404


def test_location_change_records_history_patch_and_delete(client: TestClient, world: World) -> None:
    thing = create_thing(client, world)
    tid = thing["@iot.id"]
    original = client.get(f"{STA}/Things({tid})/Locations").json()["value"][0]["@iot.id"]
    new = client.post(
        f"{STA}/Locations",
        json={
            "name": "Neuer Ort",
            "description": "umgezogen",
            "encodingType": "application/geo+json",
            "location": {"type": "Point", "coordinates": [8.8, 50.2]},
            "Things": [{"@iot.id": tid}],
        },
        headers=world.steward,
    )
    assert new.status_code == 201, new.text
    current = client.get(f"{STA}/Things({tid})/Locations").json()["value"]
    assert [loc["name"] for loc in current] == ["Neuer Ort"]
    assert len(client.get(f"{STA}/Things({tid})/HistoricalLocations").json()["value"]) == 2
    back = client.patch(f"{STA}/Things({tid})", json={"Locations": [{"@iot.id": original}]}, headers=world.steward)
    assert back.status_code == 200, back.text
    assert len(client.get(f"{STA}/Things({tid})/HistoricalLocations").json()["value"]) == 3
    via_nav = client.post(
        f"{STA}/Things({tid})/Locations",
        json={"name": "Dritter Ort", "description": "", "location": {"type": "Point", "coordinates": [8.9, 50.3]}},
        headers=world.steward,
    )
    assert via_nav.status_code == 201, via_nav.text
    names = [loc["name"] for loc in client.get(f"{STA}/Things({tid})/Locations").json()["value"]]
    assert names == ["Dritter Ort"]
    assert len(client.get(f"{STA}/Things({tid})/HistoricalLocations").json()["value"]) == 4
    patched = client.patch(f"{STA}/Things({tid})", json={"description": "neu"}, headers=world.steward)
    assert patched.status_code == 200 and patched.json()["description"] == "neu"
    assert client.patch(f"{STA}/Things({tid})", json={"description": "x"}).status_code in (401, 403)
    assert client.delete(f"{STA}/Things({tid})", headers=world.steward).status_code == 200
    assert client.get(f"{STA}/Things({tid})").status_code == 404
    assert client.get(f"{STA}/Things({tid})/Datastreams").status_code == 404


def test_filter_orderby_select_expand(client: TestClient, world: World) -> None:
    near = create_thing(client, world, name="Nah", lon=8.76, lat=50.10)
    create_thing(client, world, name="Fern", lon=9.70, lat=50.55)
    sid = stream_id(client, near)
    add_observations(client, world, sid, [5, 12, 30, 7])

    def names(query: str) -> list[str]:
        response = client.get(f"{STA}/Things", params={"$filter": query, "$orderby": "name"})
        assert response.status_code == 200, response.text
        return [t["name"] for t in response.json()["value"]]

    assert names("name eq 'Nah'") == ["Nah"]
    assert names("startswith(name, 'F') or substringof('ah', name)") == ["Fern", "Nah"]
    assert names("length(name) eq 3 and tolower(name) eq 'nah'") == ["Nah"]
    assert names("indexof(name, 'er') eq 1 and concat(name, '!') eq 'Fern!'") == ["Fern"]
    assert names("substring(name, 1, 2) eq 'ah' and toupper(trim(name)) eq 'NAH'") == ["Nah"]
    assert names("not endswith(name, 'n')") == ["Nah"]
    obs = f"{STA}/Datastreams({sid})/Observations"
    got = client.get(obs, params={"$filter": "result gt 6 and result mul 2 le 40", "$orderby": "result desc"}).json()
    assert [o["result"] for o in got["value"]] == [12, 7]
    got = client.get(obs, params={"$filter": "round(result div 4) eq 3 or floor(result) eq ceiling(5.0)"}).json()
    assert sorted(o["result"] for o in got["value"]) == [5, 12]
    got = client.get(obs, params={"$filter": "hour(phenomenonTime) eq 2 and year(phenomenonTime) eq 2025"}).json()
    assert [o["result"] for o in got["value"]] == [30]
    got = client.get(obs, params={"$filter": "phenomenonTime ge 2025-06-01T01:00:00Z and result mod 2 eq 1"}).json()
    assert [o["result"] for o in got["value"]] == [7]
    locs = client.get(
        f"{STA}/Locations", params={"$filter": "geo.distance(location, geography'POINT(8.75 50.1)') lt 0.1"}
    ).json()["value"]
    assert [loc["name"] for loc in locs] == ["Ort Nah"]
    polygon = "geography'POLYGON((9.5 50.4, 9.9 50.4, 9.9 50.7, 9.5 50.7, 9.5 50.4))'"
    locs = client.get(f"{STA}/Locations", params={"$filter": f"st_within(location, {polygon})"}).json()["value"]
    assert [loc["name"] for loc in locs] == ["Ort Fern"]
    selected = client.get(f"{STA}/Things", params={"$select": "id,name", "$orderby": "name desc"}).json()
    assert selected["value"] == [
        {"@iot.id": selected["value"][0]["@iot.id"], "name": "Nah"},
        {"@iot.id": selected["value"][1]["@iot.id"], "name": "Fern"},
    ]
    expanded = client.get(
        f"{STA}/Things({near['@iot.id']})",
        params={"$expand": "Datastreams($select=name;$expand=Observations($orderby=result desc;$top=2;$count=true))"},
    ).json()
    stream = expanded["Datastreams"][0]
    assert set(stream) == {"name", "Observations", "Observations@iot.count", "Observations@iot.nextLink"}
    assert stream["Observations@iot.count"] == 4
    assert [o["result"] for o in stream["Observations"]] == [30, 12]
    rest = client.get(stream["Observations@iot.nextLink"].removeprefix("http://testserver")).json()
    assert [o["result"] for o in rest["value"]] == [7, 5] and "@iot.nextLink" not in rest
    slash = client.get(f"{STA}/Things({near['@iot.id']})", params={"$expand": "Datastreams/Sensor"}).json()
    assert slash["Datastreams"][0]["Sensor"]["name"] == "Induktionsschleife"
    shared = client.get(
        f"{STA}/Observations",
        params={"$expand": "Datastream($select=name;$expand=Thing($select=name))", "$select": "result"},
    ).json()["value"]
    assert [o["Datastream"] for o in shared] == [{"name": "Radverkehr Nah", "Thing": {"name": "Nah"}}] * 4


def test_paging_with_keyset_next_link_and_count(client: TestClient, world: World) -> None:
    thing = create_thing(client, world)
    sid = stream_id(client, thing)
    add_observations(client, world, sid, [float(v % 7) for v in range(23)])
    url = f"{STA}/Datastreams({sid})/Observations?$top=5&$count=true&$orderby=result desc"
    seen: list[tuple[float, int]] = []
    pages = 0
    while url:
        page = client.get(url.removeprefix("http://testserver")).json()
        assert page["@iot.count"] == 23
        seen.extend((o["result"], o["@iot.id"]) for o in page["value"])
        url = page.get("@iot.nextLink", "")
        pages += 1
    assert pages == 5
    assert len(seen) == 23 and len({i for _, i in seen}) == 23
    assert seen == sorted(seen, key=lambda pair: (-pair[0], pair[1]))
    first = client.get(f"{STA}/Observations", params={"$top": 3, "$skip": 20}).json()
    assert len(first["value"]) == 3 and "@iot.nextLink" not in first


def test_result_format_data_array(client: TestClient, world: World) -> None:
    thing = create_thing(client, world)
    sid = stream_id(client, thing)
    add_observations(client, world, sid, [1, 2])
    body = client.get(
        f"{STA}/Observations",
        params={"$resultFormat": "dataArray", "$select": "result,phenomenonTime", "$orderby": "phenomenonTime"},
    ).json()
    block = body["value"][0]
    assert block["components"] == ["result", "phenomenonTime"]
    assert block["dataArray"] == [[1, "2025-06-01T00:00:00Z"], [2, "2025-06-01T01:00:00Z"]]
    assert block["Datastream@iot.navigationLink"].endswith(f"/Datastreams({sid})")


def test_create_observations_keeps_good_items_and_dedupes(client: TestClient, world: World, session: Session) -> None:
    thing = create_thing(client, world)
    sid = stream_id(client, thing)
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).isoformat()
    body = [
        {
            "Datastream": {"@iot.id": sid},
            "components": ["phenomenonTime", "result"],
            "dataArray": [
                ["2025-06-01T00:00:00Z", 4],
                ["2025-06-01T01:00:00", 5],
                [future, 6],
                ["2025-06-01T02:00:00Z", "viele"],
                ["2025-06-01T00:00:00Z", 9],
            ],
        },
        {
            "Datastream": {"@iot.id": 987654},
            "components": ["phenomenonTime", "result"],
            "dataArray": [["2025-06-01T00:00:00Z", 1]],
        },
    ]
    response = client.post(f"{STA}/CreateObservations", json=body, headers=world.steward)
    assert response.status_code == 201
    answer = response.json()
    assert answer[0].startswith("http://testserver/sta/v1.1/Observations(")
    assert "Zeitzone" in answer[1]
    assert "Zukunft" in answer[2]
    assert "observationType" in answer[3]
    assert answer[4] == answer[0]  # the same (datastream, phenomenonTime): the stored one is updated
    assert answer[5].startswith("error:")
    stored = session.scalars(select(Observation).where(Observation.datastream_id == sid)).all()
    assert [(o.result_json) for o in stored] == [9]
    assert session.scalar(select(func.count()).select_from(Observation)) == 1
    again = client.post(
        f"{STA}/Datastreams({sid})/Observations",
        json={"phenomenonTime": "2025-06-01T00:00:00Z", "result": 10},
        headers=world.steward,
    )
    assert again.status_code == 200 and again.json()["result"] == 10
    fresh = client.post(
        f"{STA}/Observations",
        json={"phenomenonTime": "2025-06-01T05:00:00Z", "result": 11, "Datastream": {"@iot.id": sid}},
        headers=world.steward,
    )
    assert fresh.status_code == 201
    features = client.get(f"{STA}/FeaturesOfInterest").json()["value"]
    assert len(features) == 1 and features[0]["feature"] == {"type": "Point", "coordinates": [8.76, 50.1]}
    obs_id = fresh.json()["@iot.id"]
    assert client.get(f"{STA}/Observations({obs_id})/FeatureOfInterest").json()["@iot.id"] == features[0]["@iot.id"]
    stream = client.get(f"{STA}/Datastreams({sid})").json()
    assert stream["phenomenonTime"] == "2025-06-01T00:00:00Z/2025-06-01T05:00:00Z"


def test_confidential_network_is_invisible_to_anonymous_and_strangers(client: TestClient, world: World) -> None:
    secret = create_thing(client, world, network=world.secret_network, name="Geheim")
    public = create_thing(client, world, name="Offen")
    sid = stream_id(client, public)
    secret_stream = client.get(f"{STA}/Things({secret['@iot.id']})/Datastreams", headers=world.steward).json()
    secret_sid = secret_stream["value"][0]["@iot.id"]
    for headers in ({}, world.stranger):
        assert client.get(f"{STA}/Datastreams({secret_sid})", headers=headers).status_code == 404
        listed = client.get(f"{STA}/Datastreams", headers=headers).json()["value"]
        assert [d["@iot.id"] for d in listed] == [sid]
        assert [t["name"] for t in client.get(f"{STA}/Things", headers=headers).json()["value"]] == ["Offen"]
    assert client.get(f"{STA}/Datastreams({secret_sid})", headers=world.steward).status_code == 200
    batch = [
        {
            "Datastream": {"@iot.id": sid},
            "components": ["phenomenonTime", "result"],
            "dataArray": [["2025-06-01T00:00:00Z", 1]],
        },
    ]
    refused = client.post(f"{STA}/CreateObservations", json=batch, headers=world.stranger)
    assert refused.status_code == 201
    assert refused.json()[0].startswith("error:") and "nicht bearbeiten" in refused.json()[0]
    assert client.get(f"{STA}/Datastreams({sid})/Observations").json()["value"] == []
    hidden = client.post(
        f"{STA}/CreateObservations", json=[batch[0] | {"Datastream": {"@iot.id": secret_sid}}], headers=world.stranger
    )
    assert hidden.json()[0].startswith("error:") and "gibt es nicht" in hidden.json()[0]
    anonymous = client.post(f"{STA}/Things", params={"network": world.public_network}, json=thing_body())
    assert anonymous.status_code in (401, 403)


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"$filter": "name eq"}, 400),
        ({"$filter": "nosuch eq 1"}, 400),
        ({"$filter": "name eq 1"}, 400),
        ({"$filter": "date(name) eq 1"}, 400),
        ({"$filter": "st_within(geography'POINT(1 2)', geography'POLYGON((0 0, 5 0, 5 5, 0 0))')"}, 501),
        ({"$filter": "st_intersects(Locations/location, geography'MULTIPOINT((1 2), (3 4))')"}, 501),
        ({"$filter": "Datastreams/nosuch eq 1"}, 400),
        ({"$filter": "Datastreams eq 1"}, 400),
        ({"$orderby": "Datastreams/name"}, 400),
        ({"$filter": "name eq '" + "x" * 30_000 + "'"}, 400),
        ({"$skiptoken": "eyJrIjpbMV0sInEiOiJ4In0"}, 400),
        ({"$top": "10000", "$expand": "Datastreams($top=10000)"}, 400),
        ({"$filter": " add ".join(["id"] * 2_000) + " eq 1"}, 400),
        ({"$filter": " or ".join(["id eq 1"] * 1_500) + " or name eq 'Zählstelle Kaiserstraße'"}, 200),
        ({"$expand": "Locations($expand=Things($select=nosuch))"}, 400),
        ({"$expand": "Datastreams($expand=Sensor($expand=Nirgends))"}, 400),
        ({"$filter": "geo.distance(Locations/location, Locations/location) lt 1"}, 501),
        ({"$filter": "st_relate(Locations/location, geography'POINT(1 2)', 'XYZ')"}, 400),
        ({"$filter": "(" * 10_000 + "id eq 1" + ")" * 10_000}, 400),
        ({"$filter": "not " * 5_000 + "id eq 1"}, 400),
        ({"$orderby": "name sideways"}, 400),
        ({"$top": "-1"}, 400),
        ({"$count": "vielleicht"}, 400),
        ({"$search": "x"}, 501),
        ({"$bogus": "x"}, 400),
        ({"$expand": "Nirgends"}, 400),
        ({"$expand": "Datastreams(" * 200 + ")" * 200}, 400),
        ({"$select": "nosuch"}, 400),
        ({"$skiptoken": "!!!"}, 400),
        ({"$resultFormat": "csv"}, 501),
    ],
)
def test_bad_query_options_are_clean_errors(
    client: TestClient, world: World, query: dict[str, str], status: int
) -> None:
    create_thing(client, world)
    response = client.get(f"{STA}/Things", params=query)
    assert response.status_code == status, response.text
    if status == 200:
        assert [t["name"] for t in response.json()["value"]] == ["Zählstelle Kaiserstraße"]
        return
    error = response.json()["error"]
    assert error["code"] == ("not_implemented" if status == 501 else "invalid_query")
    assert error["message"]
    assert client.get(STA).status_code == 200


def test_bad_writes_are_refused_without_partial_records(client: TestClient, world: World, session: Session) -> None:
    body = thing_body()
    body["Datastreams"][0]["unitOfMeasurement"] = "Stück"
    response = client.post(f"{STA}/Things", params={"network": world.public_network}, json=body, headers=world.steward)
    assert response.status_code == 422
    assert client.get(f"{STA}/Things").json()["value"] == []
    assert client.post(f"{STA}/Things", json=thing_body(), headers=world.steward).status_code == 422
    broken = client.post(
        f"{STA}/Things",
        params={"network": world.public_network},
        content=b"{kaputt",
        headers=world.steward | {"content-type": "application/json"},
    )
    assert broken.status_code == 400


FILTER_WORDS = st.sampled_from(
    [
        "eq",
        "ne",
        "lt",
        "and",
        "or",
        "not",
        "add",
        "sub",
        "mul",
        "div",
        "mod",
        "(",
        ")",
        ",",
        "'Nah'",
        "0",
        "7",
        "1e308",
        "-3.5",
        "result",
        "phenomenonTime",
        "id",
        "round(",
        "floor(",
        "hour(",
        "length(",
        "substring(",
        "indexof(",
        "2025-06-01T00:00:00Z",
        "null",
        "now()",
        "Datastream/id",
        "true",
        "Datastream/Thing/name",
        "Datastream/Thing/Datastreams/name",
        "FeatureOfInterest/feature",
        "Datastream/Thing/Locations/location",
        "parameters/a/b",
        "geo.distance(",
        "st_within(",
        "st_relate(",
        "'T********'",
        "geography'POLYGON((8 50, 9 50, 9 51, 8 50))'",
        "geography'LINESTRING(8 50, 9 51)'",
        "date(",
        "time(",
        "fractionalseconds(",
        "2025-06-01",
        "12:00:00",
    ]
)


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=st.lists(FILTER_WORDS, min_size=1, max_size=14))
def test_random_filters_against_the_database_never_fail_the_server(
    client: TestClient, world: World, words: list[str]
) -> None:
    response = client.get(f"{STA}/Observations", params={"$filter": " ".join(words), "$orderby": "result desc"})
    assert response.status_code in (200, 400, 501), response.text


def test_overflowing_arithmetic_is_a_400(client: TestClient, world: World) -> None:
    thing = create_thing(client, world)
    add_observations(client, world, stream_id(client, thing), [2.5])
    response = client.get(f"{STA}/Observations", params={"$filter": "result mul 1e308 mul 1e308 gt 0"})
    # SQLite computes infinity (which is > 0), PostgreSQL reports an overflow: both are answers, never a 500
    if client.app.state.sessionmaker.kw["bind"].dialect.name == "postgresql":  # type: ignore[attr-defined]
        assert response.status_code == 400
        assert "Zahlenüberlauf" in response.json()["error"]["message"]
    else:
        assert [o["result"] for o in response.json()["value"]] == [2.5]
    assert client.get(f"{STA}/Things({thing['@iot.id']})").status_code == 200


def test_hostile_bodies_are_rejected_cleanly(client: TestClient, world: World) -> None:
    params = {"network": world.public_network}
    nested: dict[str, Any] = {"name": "L", "location": {"type": "Point", "coordinates": [8, 50]}}
    for _ in range(50):
        nested = (
            {"name": "T", "Locations": [nested]}
            if "location" in nested
            else {"name": "L", "location": {"type": "Point", "coordinates": [8, 50]}, "Things": [nested]}
        )
    response = client.post(f"{STA}/Locations", params=params, json=nested, headers=world.steward)
    assert response.status_code == 422 and "verschachtelt" in response.json()["error"]["message"]
    deep = b"[" * 100_000 + b"]" * 100_000
    response = client.post(
        f"{STA}/Things", params=params, content=deep, headers=world.steward | {"content-type": "application/json"}
    )
    assert response.status_code == 400
    thing = create_thing(client, world)
    old = [
        {
            "Datastream": {"@iot.id": stream_id(client, thing)},
            "components": ["phenomenonTime", "result"],
            "dataArray": [["0001-01-01T00:00:00+01:00", 1], ["2025-06-01T00:00:00Z", float("nan")]],
        }
    ]
    answer = client.post(
        f"{STA}/CreateObservations",
        content=json.dumps(old).encode(),
        headers=world.steward | {"content-type": "application/json"},
    ).json()
    assert all(item.startswith("error:") for item in answer)
    assert (
        client.get(f"{STA}/Things", params={"$filter": "id eq 1 and 0001-01-01T00:00:00+01:00 lt now()"}).status_code
        == 400
    )
