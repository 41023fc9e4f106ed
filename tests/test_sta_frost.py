"""The FROST Python client (a widely used SensorThings client) against a live kikz server."""

from __future__ import annotations

import datetime as dt

import frost_sta_client as fsc
import geojson
import pytest
import requests
from fastapi import FastAPI
from sqlalchemy.orm import Session

from kikz.settings import Settings
from kikz.tenancy import service as tenancy
from kikz.types import Role
from tests import factories
from tests.servers import live_server

MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"


class _Bearer(requests.auth.AuthBase):
    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


class BearerAuth(fsc.AuthHandler):
    """FROST only knows HTTP Basic; kikz API tokens are bearer tokens."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def add_auth_header(self) -> _Bearer:
        return _Bearer(self.token)


# the FROST client itself still calls furl's deprecated ``pathstr`` when building query URLs
@pytest.mark.filterwarnings("ignore:furl.pathstr is deprecated:DeprecationWarning")
def test_frost_client_creates_and_queries(app: FastAPI, settings: Settings, session: Session) -> None:
    network = factories.dataset(session, title="Luftmessnetz", name="luftmessnetz")
    steward = factories.user(session, "steward@offenbach.de", roles={"offenbach": [Role.DATA_STEWARD]})
    secret, _ = tenancy.create_api_token(session, user=steward, name="FROST")
    session.commit()
    with live_server(app) as url:
        settings.base_url = url  # selfLinks and nextLinks must point at the live server the client talks to
        service = fsc.SensorThingsService(f"{url}/sta/v1.1?network={network.name}", auth_handler=BearerAuth(secret))
        location = fsc.Location(
            name="Messstation Marktplatz",
            description="Dach des Rathauses",
            encoding_type="application/geo+json",
            location=geojson.Point((8.7665, 50.1055)),
        )
        thing = fsc.Thing(name="Luftmessstation 1", description="NO2-Messung", locations=[location])
        service.create(thing)
        assert thing.id is not None
        datastream = fsc.Datastream(
            name="NO2 Marktplatz",
            description="Stickstoffdioxid",
            observation_type=MEASUREMENT,
            unit_of_measurement=fsc.UnitOfMeasurement(
                name="Mikrogramm je Kubikmeter", symbol="µg/m³", definition="ucum:ug/m3"
            ),
            thing=thing,
            sensor=fsc.Sensor(name="Passivsammler", description="NO2", encoding_type="text/plain", metadata="-"),
            observed_property=fsc.ObservedProperty(name="NO2", definition="urn:no2", description="Stickstoffdioxid"),
        )
        service.create(datastream)
        start = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
        for hour in range(12):
            observation = fsc.Observation(
                result=20.0 + hour,
                phenomenon_time=(start + dt.timedelta(hours=hour)).isoformat(),
                datastream=datastream,
            )
            service.create(observation)
        # reading anonymously: the network is published and öffentlich (FROST appends paths after the URL text,
        # so the reading service has no ``?network=``)
        reader = fsc.SensorThingsService(f"{url}/sta/v1.1")
        datastream = reader.datastreams().find(datastream.id)
        high = datastream.get_observations().query().filter("result ge 28").orderby("result", "desc").list()
        assert [o.result for o in high] == [31.0, 30.0, 29.0, 28.0]
        every = list(datastream.get_observations().query().top(5).list())  # the client follows @iot.nextLink
        assert len(every) == 12
        things = reader.things().query().expand("Locations").list()
        assert [t.name for t in things] == ["Luftmessstation 1"]
        assert things.entities[0].locations.entities[0].name == "Messstation Marktplatz"
        # paths across entities, spatial and date functions, ordering by a related entity's property
        by_property = reader.things().query().filter("Datastreams/ObservedProperty/name eq 'NO2'").list()
        assert [t.name for t in by_property] == ["Luftmessstation 1"]
        area = "geography'POLYGON((8.7 50.0, 8.8 50.0, 8.8 50.2, 8.7 50.2, 8.7 50.0))'"
        inside = reader.things().query().filter(f"st_within(Locations/location, {area})").list()
        assert [t.name for t in inside] == ["Luftmessstation 1"]
        query = (
            reader.observations()
            .query()
            .filter("Datastream/Thing/name eq 'Luftmessstation 1' and hour(phenomenonTime) ge 10")
        )
        late = query.orderby("Datastream/Sensor/name").orderby("result", "desc").list()
        assert [o.result for o in late] == [31.0, 30.0]
