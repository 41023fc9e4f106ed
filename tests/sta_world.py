"""Shared SensorThings test world: two sensor networks (public, confidential), a steward and a stranger, and
helpers that create Things with a Location and a Datastream through the API."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from kikz.tenancy import service as tenancy
from kikz.types import ProtectionClass, Role
from tests import factories

STA = "/sta/v1.1"
MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"
T0 = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)


@dataclass
class World:
    steward: dict[str, str]
    stranger: dict[str, str]
    public_network: str
    secret_network: str


def _token(session: Session, email: str, roles: dict[str, list[Role]]) -> dict[str, str]:
    user = factories.user(session, email, roles=roles)
    secret, _ = tenancy.create_api_token(session, user=user, name="Test")
    return {"Authorization": f"Bearer {secret}"}


def make_world(session: Session) -> World:
    public = factories.dataset(session, title="Radzählstellen Offenbach", name="radzaehlstellen")
    secret = factories.dataset(
        session, title="Interne Sensoren", name="interne-sensoren", protection_class=ProtectionClass.VERTRAULICH
    )
    world = World(
        steward=_token(session, "steward@offenbach.de", {"offenbach": [Role.DATA_STEWARD]}),
        stranger=_token(session, "staff@giessen.de", {"giessen": [Role.STAFF]}),
        public_network=public.name,
        secret_network=secret.name,
    )
    session.commit()
    return world


def thing_body(name: str = "Zählstelle Kaiserstraße", lon: float = 8.76, lat: float = 50.1) -> dict[str, Any]:
    return {
        "name": name,
        "description": "Radzähler",
        "properties": {"betreiber": "Stadt"},
        "Locations": [
            {
                "name": f"Ort {name}",
                "description": "Standort",
                "encodingType": "application/geo+json",
                "location": {"type": "Point", "coordinates": [lon, lat]},
            }
        ],
        "Datastreams": [
            {
                "name": f"Radverkehr {name}",
                "description": "Fahrräder je Stunde",
                "observationType": MEASUREMENT,
                "unitOfMeasurement": {"name": "Anzahl", "symbol": "1", "definition": "http://unitsofmeasure.org/1"},
                "Sensor": {
                    "name": "Induktionsschleife",
                    "description": "Schleife",
                    "encodingType": "text/plain",
                    "metadata": "-",
                },
                "ObservedProperty": {"name": "Radverkehr", "definition": "urn:kikz:bike", "description": "Räder"},
            }
        ],
    }


def create_thing(client: TestClient, world: World, network: str | None = None, **kwargs: Any) -> dict[str, Any]:
    response = client.post(
        f"{STA}/Things",
        params={"network": network or world.public_network},
        json=thing_body(**kwargs),
        headers=world.steward,
    )
    assert response.status_code == 201, response.text
    assert response.headers["location"] == response.json()["@iot.selfLink"]
    return response.json()


def stream_id(client: TestClient, thing: dict[str, Any]) -> int:
    streams = client.get(f"{STA}/Things({thing['@iot.id']})/Datastreams").json()["value"]
    return int(streams[0]["@iot.id"])


def add_observations(client: TestClient, world: World, stream: int, values: list[float]) -> list[str]:
    rows = [[(T0 + dt.timedelta(hours=i)).isoformat(), v] for i, v in enumerate(values)]
    body = [{"Datastream": {"@iot.id": stream}, "components": ["phenomenonTime", "result"], "dataArray": rows}]
    response = client.post(f"{STA}/CreateObservations", json=body, headers=world.steward)
    assert response.status_code == 201, response.text
    result: list[str] = response.json()
    return result
