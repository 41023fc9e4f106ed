"""MQTT for the SensorThings API: ingest Observations from a broker and publish new ones to subscribers.

Topics (STA v1.1 MQTT extension):

* ``v1.1/Datastreams(<id>)/Observations`` – a client publishes an Observation as JSON (the body of an STA POST);
  the bridge stores it through ``Writer.observation`` (the same validation as HTTP) in a transaction of its own.
  After any Observation is committed (HTTP or MQTT) its STA JSON is published on the same topic.
* ``kikz/errors/v1.1/Datastreams(<id>)/Observations`` – a rejected message is answered here with
  ``{"topic", "error", "payload"}`` (``error`` in German / English, ``payload`` cut to 500 characters).
  Messages on topics the bridge cannot parse go to ``kikz/errors/unknown``.

Duplicates: an Observation over MQTT must carry ``phenomenonTime``; a QoS-1 redelivery with the same
(datastream, phenomenonTime) updates the stored row instead of adding one. Without phenomenonTime the server time
would be used and a redelivery could not be recognised, so such messages are rejected.
Messages carrying ``@iot.id`` are our own publications (or another kikz instance's) and are skipped.
The bridge subscribes through the shared subscription ``$share/kikz/...`` so several web processes do not each
store the same message.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from kikz.errors import InvalidInput, KikzError, NotFound
from kikz.sensors.entities import ENTITIES
from kikz.sensors.models import Datastream, Observation
from kikz.sensors.store import CREATED_KEY, PUBLISH_KEY, NewObservation
from kikz.sensors.write import Writer
from kikz.tenancy.permissions import Principal

log = logging.getLogger(__name__)

# MQTT wildcards cover whole levels only, so "Datastreams(+)" is not a valid filter; TOPIC_RE narrows it down
TOPIC_FILTER = "v1.1/+/Observations"
ERROR_PREFIX = "kikz/errors/"
TOPIC_RE = re.compile(r"^v1\.1/Datastreams\((\d{1,10})\)/Observations$")
MAX_PAYLOAD = 64 * 1024
# Trusted: the broker is the platform's own; the datastream must still exist (checked in ingest()).
INGEST_PRINCIPAL = Principal(display_name="MQTT-Ingest", is_superuser=True)


def observation_topic(datastream_id: int) -> str:
    return f"v1.1/Datastreams({datastream_id})/Observations"


def error_topic(topic: str) -> str:
    return ERROR_PREFIX + (topic if TOPIC_RE.match(topic) else "unknown")


@dataclass(frozen=True)
class Broker:
    host: str
    port: int
    tls: bool
    username: str | None
    password: str | None


def broker_address(url: str) -> Broker:
    """``mqtt://[user:password@]host[:1883]`` or ``mqtts://…[:8883]`` (TLS, server certificate verified)."""
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "tcp", "mqtts", "ssl") or not parts.hostname:
        raise ValueError(f"KIKZ_MQTT_URL must look like mqtt://host:1883 or mqtts://user:pass@host:8883, got {url!r}")
    tls = parts.scheme in ("mqtts", "ssl")
    return Broker(
        parts.hostname,
        parts.port or (8883 if tls else 1883),
        tls,
        unquote(parts.username) if parts.username else None,
        unquote(parts.password) if parts.password else None,
    )


def ingest(session: Session, *, topic: str, payload: bytes) -> Observation | None:
    """Store one MQTT message as an Observation; None for an echo of a published one. Never commits."""
    match = TOPIC_RE.match(topic)
    if match is None:
        raise InvalidInput(f"Unbekanntes Topic {topic!r}. / Unknown topic.")
    if len(payload) > MAX_PAYLOAD:
        raise InvalidInput(f"Nachricht zu groß (höchstens {MAX_PAYLOAD} Bytes). / Payload too large.")
    try:
        body = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidInput(f"Kein gültiges JSON: {exc}. / Malformed JSON.") from exc
    if not isinstance(body, dict):
        raise InvalidInput("Ein JSON-Objekt wird erwartet. / A JSON object is expected.")
    if "@iot.id" in body:
        return None
    if body.get("phenomenonTime") is None:
        raise InvalidInput(
            "phenomenonTime fehlt (über MQTT Pflicht, damit Wiederholungen erkannt werden). "
            "/ phenomenonTime is required over MQTT."
        )
    datastream = session.get(Datastream, int(match.group(1)))
    if datastream is None:
        raise NotFound(f"Datastreams({match.group(1)}) gibt es nicht. / Datastream not found.")
    observation, _created = Writer(session, INGEST_PRINCIPAL).observation(body, None, datastream)
    return observation


def to_sta_json(observation: Observation, base: str) -> dict[str, Any]:
    """STA JSON of an Observation; works on a transient one too (no SQL)."""
    return {
        "@iot.id": observation.id,
        "@iot.selfLink": f"{base}/Observations({observation.id})",
        **ENTITIES["Observations"].properties(observation),
    }


class MqttBridge:
    """One paho client: ingests from the broker and publishes committed Observations (best effort)."""

    def __init__(
        self,
        url: str,
        factory: sessionmaker[Session],
        *,
        base: str,
        group: str = "kikz",
        ca_file: str = "",
    ) -> None:
        broker = broker_address(url)
        self.host, self.port = broker.host, broker.port
        self.topic_filter = f"$share/{group}/{TOPIC_FILTER}"
        self.factory = factory
        self.base = base
        self.connected = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"kikz-{uuid.uuid4().hex[:12]}")
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        if broker.username is not None:
            self.client.username_pw_set(broker.username, broker.password)
        if broker.tls:  # verified against the given CA file, else the system's trust store
            self.client.tls_set(ca_certs=ca_file or None)

    # --- lifecycle ------------------------------------------------------------------------------------------
    def start(self, timeout: float = 5.0) -> bool:
        """Connect in the background (paho reconnects by itself); True once connected within ``timeout``."""
        self.client.connect_async(self.host, self.port, keepalive=30)
        self.client.loop_start()
        self.install(self.factory)
        return self.connected.wait(timeout)

    def stop(self) -> None:
        event.remove(self.factory, "after_begin", self._after_begin)
        event.remove(self.factory, "after_commit", self._after_commit)
        event.remove(self.factory, "after_rollback", self._after_rollback)
        self.client.disconnect()
        self.client.loop_stop()

    def install(self, factory: sessionmaker[Session]) -> None:
        event.listen(factory, "after_begin", self._after_begin)
        event.listen(factory, "after_commit", self._after_commit)
        event.listen(factory, "after_rollback", self._after_rollback)

    def _on_connect(self, client: mqtt.Client, _userdata: Any, _flags: Any, reason: Any, _props: Any) -> None:
        if reason.is_failure:
            log.warning("MQTT: Verbindung abgelehnt: %s", reason)
            return
        client.subscribe(self.topic_filter, qos=1)
        self.connected.set()

    def _on_disconnect(self, *_args: Any) -> None:
        self.connected.clear()

    # --- ingestion ------------------------------------------------------------------------------------------
    def _on_message(self, _client: mqtt.Client, _userdata: Any, message: mqtt.MQTTMessage) -> None:
        try:
            self.handle(message.topic, bytes(message.payload))
        except Exception:  # the network thread must survive whatever a message does
            log.exception("MQTT: unerwarteter Fehler bei %s", message.topic)

    def handle(self, topic: str, payload: bytes) -> None:
        with self.factory() as session:
            try:
                ingest(session, topic=topic, payload=payload)
                session.commit()
            except KikzError as exc:
                session.rollback()
                self.reject(topic, payload, exc.message)

    def reject(self, topic: str, payload: bytes, reason: str) -> None:
        log.warning("MQTT: Nachricht auf %s abgelehnt: %s", topic, reason)
        text = payload[:500].decode("utf-8", errors="replace")
        self.publish(error_topic(topic), {"topic": topic, "error": reason, "payload": text})

    # --- publishing -----------------------------------------------------------------------------------------
    def publish(self, topic: str, message: dict[str, Any]) -> None:
        if not self.client.is_connected():
            return
        self.client.publish(topic, json.dumps(message, ensure_ascii=False), qos=1)

    def _after_begin(self, session: Session, _transaction: Any, _connection: Any) -> None:
        session.info[PUBLISH_KEY] = True  # kikz.sensors.store lists created observations for us

    def _after_commit(self, session: Session) -> None:
        created: list[tuple[int, NewObservation]] = session.info.pop(CREATED_KEY, [])
        for observation_id, item in created:
            topic = observation_topic(item.datastream_id)
            try:
                message = to_sta_json(Observation(id=observation_id, **item.row()), self.base)
                self.publish(topic, message)
            except Exception:  # best effort: a broker problem must not fail a committed request
                log.exception("MQTT: Veröffentlichung auf %s fehlgeschlagen", topic)

    def _after_rollback(self, session: Session) -> None:
        session.info.pop(CREATED_KEY, None)


def start_bridge(url: str, factory: sessionmaker[Session], *, base: str, ca_file: str = "") -> MqttBridge | None:
    """The app's bridge, or None without MQTT configured."""
    if not url:
        return None
    bridge = MqttBridge(url, factory, base=base, ca_file=ca_file)
    if not bridge.start():
        log.warning("MQTT: Broker %s noch nicht erreichbar; es wird weiter versucht.", url)
    return bridge
