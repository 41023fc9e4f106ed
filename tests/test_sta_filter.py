"""SensorThings $filter/$orderby against the database: paths across entities, JSON properties, date/time,
arithmetic and spatial functions, visibility inside paths, and keyset paging for every kind of ordering."""

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


def names(client: TestClient, collection: str, query: str, headers: dict[str, str] | None = None) -> list[str]:
    response = client.get(f"{STA}/{collection}", params={"$filter": query, "$orderby": "name"}, headers=headers)
    assert response.status_code == 200, response.text
    return [item["name"] for item in response.json()["value"]]


def results(client: TestClient, query: str, orderby: str = "phenomenonTime") -> list[Any]:
    response = client.get(f"{STA}/Observations", params={"$filter": query, "$orderby": orderby})
    assert response.status_code == 200, response.text
    return [o["result"] for o in response.json()["value"]]


def post(client: TestClient, world: World, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"{STA}/{path}", json=body, headers=world.steward)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def test_paths_across_entities_in_filter_and_orderby(client: TestClient, world: World) -> None:
    near = create_thing(client, world, name="Nah", lon=8.76, lat=50.10)
    far = create_thing(client, world, name="Fern", lon=9.70, lat=50.55)
    add_observations(client, world, stream_id(client, near), [5, 12])
    add_observations(client, world, stream_id(client, far), [40])
    client.patch(f"{STA}/ObservedProperties({_property_of(client, far)})", json={"name": "Kfz"}, headers=world.steward)
    assert results(client, "Datastream/Thing/name eq 'Nah'") == [5, 12]
    assert results(client, "Datastream/ObservedProperty/name eq 'Kfz' or result lt 6") == [5, 40]
    assert names(client, "Things", "Datastreams/ObservedProperty/name eq 'Kfz'") == ["Fern"]
    assert names(client, "Things", "Datastreams/Observations/result gt 20") == ["Fern"]
    assert names(client, "Things", "not (Datastreams/Observations/result gt 20)") == ["Nah"]
    assert names(client, "Things", "startswith(Datastreams/name, 'Radverkehr N')") == ["Nah"]
    assert names(client, "Sensors", "Datastreams/Thing/name eq 'Fern'") == ["Induktionsschleife"]
    assert names(client, "Locations", "Things/Datastreams/Observations/result eq 12") == ["Ort Nah"]
    assert results(client, "Datastream/Thing/Locations/name eq 'Ort Fern'") == [40]
    assert names(client, "Datastreams", "Thing/id eq " + str(near["@iot.id"])) == ["Radverkehr Nah"]
    ordered = client.get(f"{STA}/Datastreams", params={"$orderby": "Thing/name desc"}).json()["value"]
    assert [d["name"] for d in ordered] == ["Radverkehr Nah", "Radverkehr Fern"]
    by_thing = client.get(f"{STA}/Observations", params={"$orderby": "Datastream/Thing/name,result desc"}).json()
    assert [o["result"] for o in by_thing["value"]] == [40, 12, 5]
    polygon = "geography'POLYGON((9.5 50.4, 9.9 50.4, 9.9 50.7, 9.5 50.7, 9.5 50.4))'"
    assert names(client, "Things", f"st_within(Locations/location, {polygon})") == ["Fern"]
    assert names(client, "Datastreams", f"st_within(Thing/Locations/location, {polygon})") == ["Radverkehr Fern"]
    assert names(client, "Things", "geo.distance(Locations/location, geography'POINT(8.76 50.1)') lt 0.01") == ["Nah"]


def _property_of(client: TestClient, thing: dict[str, Any]) -> int:
    stream = client.get(f"{STA}/Datastreams({stream_id(client, thing)})/ObservedProperty").json()
    return int(stream["@iot.id"])


def test_paths_only_see_visible_entities(client: TestClient, world: World) -> None:
    public = create_thing(client, world, name="Offen")
    secret_place = {
        "name": "Geheimort",
        "description": "intern",
        "encodingType": "application/geo+json",
        "location": {"type": "Point", "coordinates": [8.7, 50.1]},
    }
    response = client.post(
        f"{STA}/Locations", params={"network": world.secret_network}, json=secret_place, headers=world.steward
    )
    assert response.status_code == 201, response.text
    linked = client.post(
        f"{STA}/Things({public['@iot.id']})/Locations/$ref",
        json={"@iot.id": response.json()["@iot.id"]},
        headers=world.steward,
    )
    assert linked.status_code == 204, linked.text
    query = "Locations/name eq 'Geheimort'"
    assert names(client, "Things", query, headers=world.steward) == ["Offen"]
    for headers in ({}, world.stranger):
        assert names(client, "Things", query, headers=headers) == []
        assert names(client, "Things", f"not ({query})", headers=headers) == ["Offen"]
        expanded = client.get(f"{STA}/Things", params={"$expand": "Locations"}, headers=headers).json()["value"]
        assert [location["name"] for location in expanded[0]["Locations"]] == ["Ort Offen"]
    mine = client.get(f"{STA}/Things", params={"$expand": "Locations($orderby=name)"}, headers=world.steward).json()
    assert [location["name"] for location in mine["value"][0]["Locations"]] == ["Geheimort", "Ort Offen"]
    history = client.get(f"{STA}/Things({public['@iot.id']})/HistoricalLocations", params={"$count": "true"}).json()
    assert history["@iot.count"] == 2  # linking a Location recorded where the Thing is now


def test_json_properties(client: TestClient, world: World) -> None:
    first = create_thing(client, world, name="A")
    second = create_thing(client, world, name="B")
    for thing, props in (
        (first, {"betreiber": "Stadt", "spuren": 2, "adresse": {"ort": "Offenbach"}, "aktiv": True}),
        (second, {"betreiber": "Land", "spuren": "zwei", "adresse": {"ort": "Gießen"}, "aktiv": False}),
    ):
        patched = client.patch(f"{STA}/Things({thing['@iot.id']})", json={"properties": props}, headers=world.steward)
        assert patched.status_code == 200, patched.text
    assert names(client, "Things", "properties/betreiber eq 'Stadt'") == ["A"]
    assert names(client, "Things", "properties/adresse/ort eq 'Gießen'") == ["B"]
    assert names(client, "Things", "properties/spuren gt 1") == ["A"]  # "zwei" is no number: no match, no error
    assert names(client, "Things", "properties/spuren eq 'zwei'") == ["B"]
    assert names(client, "Things", "properties/aktiv eq true") == ["A"]
    assert names(client, "Things", "properties/fehlt eq null") == ["A", "B"]
    assert names(client, "Things", "startswith(properties/adresse/ort, 'Off')") == ["A"]
    assert names(client, "Things", "properties/spuren add 1 eq 3") == ["A"]
    assert names(client, "Datastreams", "unitOfMeasurement/symbol eq '1'") == ["Radverkehr A", "Radverkehr B"]
    ordered = client.get(f"{STA}/Things", params={"$orderby": "properties/betreiber desc"}).json()["value"]
    assert [t["name"] for t in ordered] == ["A", "B"] or [t["name"] for t in ordered] == ["B", "A"]


def test_date_and_time_functions(client: TestClient, world: World) -> None:
    thing = create_thing(client, world)
    sid = stream_id(client, thing)
    for when, value in (
        ("2025-06-01T02:30:15.500Z", 1),
        ("2025-06-01T23:59:59+02:00", 2),  # 21:59:59 UTC
        ("2024-12-31T23:00:00Z", 3),
    ):
        post(client, world, f"Datastreams({sid})/Observations", {"phenomenonTime": when, "result": value})
    assert results(client, "year(phenomenonTime) eq 2025 and month(phenomenonTime) eq 6") == [1, 2]
    assert results(client, "day(phenomenonTime) eq 31") == [3]
    assert results(client, "hour(phenomenonTime) eq 21 and minute(phenomenonTime) eq 59") == [2]
    assert results(client, "second(phenomenonTime) eq 15") == [1]
    assert results(client, "fractionalseconds(phenomenonTime) eq 0.5") == [1]
    assert results(client, "fractionalseconds(phenomenonTime) eq 0") == [3, 2]
    assert results(client, "date(phenomenonTime) eq 2025-06-01") == [1, 2]
    assert results(client, "date(phenomenonTime) lt 2025-01-01") == [3]
    assert results(client, "time(phenomenonTime) gt 12:00:00") == [3, 2]
    assert results(client, "time(phenomenonTime) eq 02:30:15.5") == [1]
    assert results(client, "hour(time(phenomenonTime)) eq 2 and year(date(phenomenonTime)) eq 2025") == [1]
    assert results(client, "totaloffsetminutes(phenomenonTime) eq 0") == [3, 1, 2]
    assert results(client, "phenomenonTime gt mindatetime() and phenomenonTime lt maxdatetime()") == [3, 1, 2]
    assert results(client, "phenomenonTime lt now() and phenomenonTime ge 2025-06-01") == [1, 2]
    assert results(client, "resultTime eq null") == [3, 1, 2]
    assert results(client, "phenomenonTime ge 2025-06-01T04:31:00+02:00") == [2]
    ordered = results(client, "result gt 0", orderby="hour(phenomenonTime) desc")
    assert ordered == [3, 2, 1]


def test_arithmetic_keeps_integer_and_decimal_types(client: TestClient, world: World) -> None:
    thing = create_thing(client, world)
    add_observations(client, world, stream_id(client, thing), [5, 7.5])
    assert results(client, "result div 2 eq 2.5") == [5]
    assert results(client, "result mod 2 eq 1.5") == [7.5]
    assert results(client, "5 div 2 eq 2 and -7 div 2 eq -3 and 7 mod 3 eq 1 and -7 mod 3 eq -1") == [5, 7.5]
    assert results(client, "5.0 div 2 eq 2.5 and 2 mul 3 sub 1 eq 5 and 1 add 2 mul 3 eq 7") == [5, 7.5]
    assert results(client, "1 div 0 eq null and result div 0 eq null") == [5, 7.5]
    assert results(client, "round(result) eq 8 or ceiling(result) eq 5") == [5, 7.5]
    assert results(client, "floor(result) eq 7 and round(2.5) eq 3") == [7.5]
    assert results(client, "id div 1 eq id and id mod 1 eq 0") == [5, 7.5]
    assert results(client, "length('abc') add indexof('abc', 'c') eq 5") == [5, 7.5]
    for bad in ("result add 'x' eq 1", "'a' mul 2 eq 1", "year(result) eq 1", "round('a') eq 1"):
        response = client.get(f"{STA}/Observations", params={"$filter": bad})
        assert response.status_code == 400, bad


def test_string_functions(client: TestClient, world: World) -> None:
    create_thing(client, world, name=" Kaiser_straße 100% ")
    create_thing(client, world, name="Marktplatz")
    assert names(client, "Things", "substringof('_straße 100%', name)") == [" Kaiser_straße 100% "]
    assert names(client, "Things", "contains(name, '%')") == [" Kaiser_straße 100% "]
    assert names(client, "Things", "endswith(name, 'platz') and startswith(name, 'Markt')") == ["Marktplatz"]
    assert names(client, "Things", "length(trim(name)) eq 18") == [" Kaiser_straße 100% "]
    assert names(client, "Things", "substring(name, 5) eq 'platz' and substring(name, 0, 5) eq 'Markt'") == [
        "Marktplatz"
    ]
    assert names(client, "Things", "indexof(name, 'platz') eq 5 and indexof(name, 'x') eq -1") == ["Marktplatz"]
    assert names(client, "Things", "tolower(name) eq 'marktplatz' and toupper(name) eq 'MARKTPLATZ'") == ["Marktplatz"]
    assert names(client, "Things", "concat(concat(name, '-'), description) eq 'Marktplatz-Radzähler'") == ["Marktplatz"]


def _place(client: TestClient, world: World, name: str, lon: float, lat: float) -> None:
    body = {
        "name": name,
        "description": "",
        "encodingType": "application/geo+json",
        "location": {"type": "Point", "coordinates": [lon, lat]},
    }
    response = client.post(
        f"{STA}/Locations", params={"network": world.public_network}, json=body, headers=world.steward
    )
    assert response.status_code == 201, response.text


SQUARE = "geography'POLYGON((8 50, 9 50, 9 51, 8 51, 8 50))'"
HOLED = "geography'POLYGON((8 50, 9 50, 9 51, 8 51, 8 50), (8.4 50.4, 8.6 50.4, 8.6 50.6, 8.4 50.6, 8.4 50.4))'"
LINE = "geography'LINESTRING(8 50, 9 51)'"
POINT = "geography'POINT(8.5 50.5)'"


ALL = ["Aussen", "Ecke", "Innen", "Mitte", "Rand"]


SPATIAL_CASES = [
    (f"st_within(location, {SQUARE})", ["Innen", "Mitte"]),
    (f"st_within(location, {HOLED})", ["Innen"]),
    (f"st_contains({SQUARE}, location)", ["Innen", "Mitte"]),
    (f"st_contains(location, {SQUARE})", []),
    (f"st_touches(location, {SQUARE})", ["Ecke", "Rand"]),
    (f"st_intersects(location, {SQUARE})", ["Ecke", "Innen", "Mitte", "Rand"]),
    (f"geo.intersects(location, {SQUARE})", ["Ecke", "Innen", "Mitte", "Rand"]),
    (f"st_disjoint(location, {SQUARE})", ["Aussen"]),
    (f"st_disjoint(location, {HOLED})", ["Aussen", "Mitte"]),
    (f"st_within(location, {LINE})", ["Mitte"]),
    (f"st_touches(location, {LINE})", ["Ecke"]),
    (f"st_intersects(location, {LINE})", ["Ecke", "Mitte"]),
    (f"st_equals(location, {POINT})", ["Mitte"]),
    (f"st_within(location, {POINT})", ["Mitte"]),
    (f"st_contains(location, {POINT})", ["Mitte"]),
    (f"st_overlaps(location, {SQUARE})", []),
    (f"st_crosses(location, {LINE})", []),
    (f"st_relate(location, {SQUARE}, 'F0FFFF212')", ["Ecke", "Rand"]),
    (f"st_relate(location, {SQUARE}, 'T********')", ["Innen", "Mitte"]),
    (f"geo.distance(location, {LINE}) lt 0.001", ["Ecke", "Mitte"]),
    (f"geo.distance(location, {SQUARE}) eq 0", ["Ecke", "Innen", "Mitte", "Rand"]),
    (f"geo.distance(location, {SQUARE}) gt 0.4 and geo.distance(location, {SQUARE}) lt 0.6", ["Aussen"]),
    (f"geo.distance(location, {HOLED}) gt 0", ["Aussen", "Mitte"]),
    (f"geo.distance({POINT}, location) eq 0", ["Mitte"]),
    ("geo.length(location) eq 0", ALL),
    (f"geo.length({LINE}) gt 1.41 and geo.length({LINE}) lt 1.42", ALL),
]


def test_spatial_functions(client: TestClient, world: World) -> None:
    # Innen: inside the square, outside its hole; Mitte: the centre (in the hole), on the line; Rand: on the
    # square's west edge; Ecke: the square's corner and the line's end; Aussen: 0.5 degrees east of the square
    for name, lon, lat in (
        ("Innen", 8.2, 50.8),
        ("Mitte", 8.5, 50.5),
        ("Rand", 8.0, 50.3),
        ("Ecke", 9.0, 51.0),
        ("Aussen", 9.5, 50.5),
    ):
        _place(client, world, name, lon, lat)
    for query, expected in SPATIAL_CASES:
        assert names(client, "Locations", query) == expected, query


@pytest.mark.parametrize(
    "orderby",
    [
        "result desc",
        "resultTime desc,result",
        "result mul -1",
        "hour(phenomenonTime) desc,result",
        "time(phenomenonTime) desc",
        "date(resultTime),result desc",
        "Datastream/phenomenonTime desc,result",
        "Datastream/Thing/name,phenomenonTime desc",
        "parameters/stufe,result desc",
    ],
)
def test_keyset_paging_for_every_ordering(client: TestClient, world: World, orderby: str) -> None:
    things = [create_thing(client, world, name=n) for n in ("B", "A")]
    for index, thing in enumerate(things):
        sid = stream_id(client, thing)
        for hour in range(7):
            body: dict[str, Any] = {
                "phenomenonTime": f"2025-06-01T{hour:02d}:00:00Z",
                "result": (hour * 3 + index) % 5,
            }
            if hour % 3:
                body["resultTime"] = f"2025-06-02T{hour % 2:02d}:00:00Z"
                body["parameters"] = {"stufe": hour % 2}
            post(client, world, f"Datastreams({sid})/Observations", body)
    everything = client.get(f"{STA}/Observations", params={"$orderby": orderby, "$top": "100"}).json()
    assert "@iot.nextLink" not in everything and len(everything["value"]) == 14
    url = f"{STA}/Observations?$top=3&$orderby={orderby}"
    seen: list[int] = []
    while url:
        page = client.get(url.removeprefix("http://testserver"))
        assert page.status_code == 200, page.text
        seen += [o["@iot.id"] for o in page.json()["value"]]
        url = page.json().get("@iot.nextLink", "")
        assert "$skip=" not in url
    assert seen == [o["@iot.id"] for o in everything["value"]]
