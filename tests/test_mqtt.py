"""MQTT bridge of the SensorThings API against the real Mosquitto on 127.0.0.1:1883."""

from __future__ import annotations

import json
import queue
import random
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from fastapi.testclient import TestClient
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kikz.sensors.entities import ENTITIES
from kikz.sensors.models import Datastream, Observation
from kikz.sensors.mqtt import INGEST_PRINCIPAL, MqttBridge, error_topic, observation_topic
from kikz.sensors.write import Writer
from kikz.tenancy import service as tenancy
from kikz.types import Role
from tests import factories
from tests.conftest import service_unavailable

URL = "mqtt://127.0.0.1:1883"
MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"


class Listener:
    """A plain MQTT client collecting what arrives on the topics it subscribed."""

    def __init__(self, *topics: str) -> None:
        self.messages: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.ready = queue.Queue[int]()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"test-{uuid.uuid4().hex[:10]}")
        self.client.on_message = lambda _c, _u, m: self.messages.put((m.topic, json.loads(m.payload)))
        self.client.on_subscribe = lambda *_a: self.ready.put(1)
        self.client.connect("127.0.0.1", 1883)
        self.client.loop_start()
        for topic in topics:
            self.client.subscribe(topic, qos=1)
            self.ready.get(timeout=5)

    def next(self, timeout: float = 5.0) -> tuple[str, Any]:
        return self.messages.get(timeout=timeout)

    def publish(self, topic: str, payload: str | bytes) -> None:
        self.client.publish(topic, payload, qos=1).wait_for_publish(timeout=5)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def broker() -> None:
    probe = mqtt.Client(CallbackAPIVersion.VERSION2)
    try:
        probe.connect("127.0.0.1", 1883)
        probe.disconnect()
    except OSError as exc:
        service_unavailable("Mosquitto", exc)


@pytest.fixture
def stream(session: Session) -> int:
    """A Datastream with a random id, so concurrent test runs do not share topics."""
    network = factories.dataset(session, title="Luftmessnetz", name=f"luft-{uuid.uuid4().hex[:8]}")
    writer = Writer(session, INGEST_PRINCIPAL)
    thing = writer.create(ENTITIES["Things"], {"name": "Messstation", "description": ""}, dataset_id=network.id)
    sensor = writer.create(ENTITIES["Sensors"], {"name": "NO2", "encodingType": "text/plain"}, dataset_id=network.id)
    prop = writer.create(
        ENTITIES["ObservedProperties"], {"name": "NO2", "definition": "urn:no2"}, dataset_id=network.id
    )
    row = Datastream(
        id=random.randint(10**6, 10**8),
        dataset_id=network.id,
        name="NO2 stündlich",
        description="",
        observation_type=MEASUREMENT,
        unit_of_measurement={"name": "µg/m³", "symbol": "µg/m³"},
        thing_id=thing.id,
        sensor_id=sensor.id,
        observed_property_id=prop.id,
    )
    session.add(row)
    session.commit()
    return row.id


@pytest.fixture
def bridge(broker: None, session_factory: sessionmaker[Session]) -> Iterator[MqttBridge]:
    bridge = MqttBridge(URL, session_factory, base="http://testserver/sta/v1.1", group=uuid.uuid4().hex[:10])
    assert bridge.start(), "bridge did not connect"
    yield bridge
    bridge.stop()


def wait_for(check: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


def stored(session_factory: sessionmaker[Session], stream: int) -> list[Observation]:
    with session_factory() as s:
        return list(s.scalars(select(Observation).where(Observation.datastream_id == stream)))


def test_published_observation_is_stored_once_even_when_redelivered(
    bridge: MqttBridge, stream: int, session_factory: sessionmaker[Session]
) -> None:
    sender = Listener()
    body = json.dumps({"phenomenonTime": "2025-06-01T10:00:00Z", "result": 23.5})
    sender.publish(observation_topic(stream), body)
    assert wait_for(lambda: len(stored(session_factory, stream)) == 1)
    sender.publish(observation_topic(stream), body)
    sender.publish(observation_topic(stream), json.dumps({"phenomenonTime": "2025-06-01T11:00:00Z", "result": 7}))
    assert wait_for(lambda: len(stored(session_factory, stream)) == 2)
    sender.close()
    rows = stored(session_factory, stream)
    assert sorted(r.result_json for r in rows) == [7, 23.5]
    with session_factory() as s:
        count = s.scalar(select(func.count()).select_from(Observation).where(Observation.datastream_id == stream))
    assert count == 2


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"{kaputt", "Kein gültiges JSON"),
        (b'{"phenomenonTime": "2025-06-01T10:00:00Z", "result": "hoch"}', "observationType"),
        (b'{"result": 1}', "phenomenonTime fehlt"),
    ],
)
def test_bad_payload_is_reported_and_the_bridge_goes_on(
    bridge: MqttBridge, stream: int, session_factory: sessionmaker[Session], payload: bytes, reason: str
) -> None:
    topic = observation_topic(stream)
    listener = Listener(error_topic(topic))
    listener.publish(topic, payload)
    error_at, error = listener.next()
    assert error_at == error_topic(topic)
    assert reason in error["error"] and error["topic"] == topic
    listener.publish(topic, json.dumps({"phenomenonTime": "2025-06-01T12:00:00Z", "result": 4.5}))
    assert wait_for(lambda: [r.result_json for r in stored(session_factory, stream)] == [4.5])
    listener.close()


def test_unknown_datastream_is_reported(bridge: MqttBridge, stream: int) -> None:
    topic = observation_topic(stream + 1)
    listener = Listener(error_topic(topic))
    listener.publish(topic, json.dumps({"phenomenonTime": "2025-06-01T10:00:00Z", "result": 1.0}))
    _at, error = listener.next()
    assert "gibt es nicht" in error["error"]
    listener.close()


def test_http_observation_is_published(
    broker: None, app: Any, client: TestClient, session: Session, stream: int
) -> None:
    user = factories.user(session, "steward@offenbach.de", roles={"offenbach": [Role.DATA_STEWARD]})
    secret, _ = tenancy.create_api_token(session, user=user, name="Test")
    session.commit()
    bridge = MqttBridge(URL, app.state.sessionmaker, base="http://testserver/sta/v1.1", group=uuid.uuid4().hex[:10])
    assert bridge.start()
    listener = Listener(observation_topic(stream))
    try:
        response = client.post(
            f"/sta/v1.1/Datastreams({stream})/Observations",
            json={"phenomenonTime": "2025-06-01T10:00:00Z", "result": 12.0},
            headers={"Authorization": f"Bearer {secret}"},
        )
        assert response.status_code == 201, response.text
        topic, message = listener.next()
        assert topic == observation_topic(stream)
        assert message["@iot.id"] == response.json()["@iot.id"]
        assert message["result"] == 12.0 and message["phenomenonTime"].startswith("2025-06-01T10:00:00")
        # the bridge sees its own publication but does not store it again
        time.sleep(0.3)
        assert session.scalar(select(func.count()).select_from(Observation)) == 1
    finally:
        listener.close()
        bridge.stop()
