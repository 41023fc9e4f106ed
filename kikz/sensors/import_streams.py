"""Which Datastream of a counting site a counter file's series belongs to, and how a missing one is made.

A series key of the importers (``telraam:9000001234:car_lft``, ``ecocounter:lahnbrücke:in``,
``giessen:zs-017:nord``) is kept as ``properties["traffic"]["source_key"]`` of its Datastream, next to the traffic
meaning that :mod:`kikz.sensors.traffic` reads (``mode``, ``direction``, ``quantity``) and where it came from
(``source``, and ``segment`` or ``site``). A Datastream so marked is found again on every later import of the same
counter, whatever the file is called. Sensors and ObservedProperties are shared within the sensor network: one
Sensor per source ("Telraam", "Eco-Counter", "Zählgerät (CSV-Import)"), one ObservedProperty per quantity and mode
(definition ``urn:kikz:traffic:<quantity>:<mode>``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kikz.catalog.models import Dataset
from kikz.errors import NotFound
from kikz.sensors.models import Datastream, ObservedProperty, Sensor, Thing
from kikz.sensors.traffic import MODE_LABELS, TRAFFIC_KEY, Mode
from kikz.tenancy.permissions import Principal, visible

if TYPE_CHECKING:
    from kikz.sensors.imports import GenericMapping

OM = "http://www.opengis.net/def/observationType/OGC-OM/2.0/"
MEASUREMENT = OM + "OM_Measurement"
COMPLEX = OM + "OM_Observation"
COUNT_UNIT = {"name": "Anzahl", "symbol": "1", "definition": "http://unitsofmeasure.org/1"}
SPEED_UNIT = {"name": "Kilometer pro Stunde", "symbol": "km/h", "definition": "http://unitsofmeasure.org/km/h"}
SHARE_UNIT = {"name": "Prozent je Geschwindigkeitsklasse", "symbol": "%", "definition": "http://unitsofmeasure.org/%"}
TOTAL = "gesamt"
"""Direction of a stream that counts both directions."""

TELRAAM_MODES = {"car": Mode.CAR, "heavy": Mode.HEAVY, "bike": Mode.BICYCLE, "pedestrian": Mode.PEDESTRIAN}
TELRAAM_SIDES = {"_lft": "lft", "_rgt": "rgt"}
ECOCOUNTER_DIRECTIONS = {"in": "in", "out": "out", "total": TOTAL}
PEDESTRIAN_WORDS = ("fuß", "fuss", "fussg", "pedestrian", "piéton", "pieton", "piet")
"""An Eco-Counter site whose name holds one of these counts pedestrians; every other site counts bicycles."""
DIRECTION_LABELS = {
    TOTAL: "beide Richtungen",
    "lft": "Richtung links (lft)",
    "rgt": "Richtung rechts (rgt)",
    "in": "Richtung hinein (in)",
    "out": "Richtung hinaus (out)",
}
SENSORS = {
    "telraam": (
        "Telraam",
        "Telraam-Verkehrszählkamera am Fenster; Zählwerte je Intervall, hochgerechnet nach der Betriebszeit "
        "(uptime, 0–1), daher gebrochen.",
    ),
    "ecocounter": ("Eco-Counter", "Dauerzählstelle von Eco-Counter (Export aus Eco-Visio), Zählkanäle je Richtung."),
    "generic": ("Zählgerät (CSV-Import)", "Zählgerät, dessen Zählwerte als CSV-Datei mit Spaltenzuordnung kommen."),
}


@dataclass(frozen=True)
class StreamSpec:
    source_key: str
    source: str
    quantity: str
    """"count", "v85" or "speed_histogram"."""
    mode: Mode | None
    """None for counts that belong to no traffic mode (Telraam "night")."""
    direction: str
    name: str
    description: str
    unit: dict[str, str]
    observation_type: str
    property_name: str
    property_definition: str
    property_description: str
    origin: dict[str, str] = field(default_factory=dict)
    """"segment" (Telraam) or "site" (Eco-Counter) or "series_prefix" (generic)."""

    def traffic(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "source_key": self.source_key,
            "source": self.source,
            "quantity": self.quantity,
            "direction": self.direction,
            **self.origin,
        }
        if self.mode is not None:
            info["mode"] = self.mode.value
        return info


def _direction_label(direction: str) -> str:
    return DIRECTION_LABELS.get(direction, f"Richtung {direction}")


def _count(
    key: str, source: str, mode: Mode | None, direction: str, where: str, origin: dict[str, str], *, what: str = ""
) -> StreamSpec:
    label = what or (MODE_LABELS[mode] if mode else "")
    slug = mode.value if mode else re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
    return StreamSpec(
        source_key=key,
        source=source,
        quantity="count",
        mode=mode,
        direction=direction,
        name=f"{label}, {_direction_label(direction)} – {where}"[:300],
        description=f"Gezählte {label} je Intervall, {_direction_label(direction)} ({where}).",
        unit=COUNT_UNIT,
        observation_type=MEASUREMENT,
        property_name=f"Anzahl {label}",
        property_definition=f"urn:kikz:traffic:count:{slug}",
        property_description=f"Verkehrsstärke: Anzahl {label} je Zählintervall.",
        origin=origin,
    )


def describe(format: str, key: str, *, generic: GenericMapping | None = None, mode: Mode | None = None) -> StreamSpec:
    """The stream a series key of a ``format`` file belongs to; ``mode`` overrides the Eco-Counter guess."""
    if format == "telraam":
        return _telraam(key)
    if format == "ecocounter":
        return _ecocounter(key, mode)
    assert generic is not None
    prefix = generic.columns.series_prefix
    channel = key[len(prefix) + 1 :]
    channel_mode, direction = generic.role(channel)
    spec = _count(key, "generic", channel_mode, direction, f"Zähler {prefix}", {"series_prefix": prefix})
    if generic.columns.unit != "count":
        unit = generic.columns.unit
        spec = _replace_unit(spec, {"name": unit, "symbol": unit, "definition": ""})
    return spec


def _replace_unit(spec: StreamSpec, unit: dict[str, str]) -> StreamSpec:
    return StreamSpec(**{**spec.__dict__, "unit": unit})


def _telraam(key: str) -> StreamSpec:
    _source, segment, name = key.split(":", 2)
    where = f"Telraam-Segment {segment}"
    origin = {"segment": segment}
    if name == "v85":
        return StreamSpec(
            key,
            "telraam",
            "v85",
            Mode.CAR,
            TOTAL,
            f"v85 Pkw – {where}",
            f"Geschwindigkeit, die 85 % der Pkw je Intervall nicht überschreiten ({where}).",
            SPEED_UNIT,
            MEASUREMENT,
            "v85 Pkw",
            "urn:kikz:traffic:v85:pkw",
            "85-%-Geschwindigkeit der Pkw je Intervall, vom Gerät gemeldet.",
            origin,
        )
    if name.startswith("car_speed_hist"):
        top = name.rsplit("to", 1)[-1].removesuffix("plus")
        return StreamSpec(
            key,
            "telraam",
            "speed_histogram",
            Mode.CAR,
            TOTAL,
            f"Geschwindigkeitsverteilung Pkw (0–{top}+ km/h) – {where}",
            f"Anteile der Pkw je Geschwindigkeitsklasse in Prozent, Klassen 0 bis {top}+ km/h ({where}).",
            SHARE_UNIT,
            COMPLEX,
            "Geschwindigkeitsverteilung Pkw",
            "urn:kikz:traffic:speed-histogram:pkw",
            "Anteile der Pkw je Geschwindigkeitsklasse (Histogramm) je Intervall.",
            origin,
        )
    base, direction = name, TOTAL
    for suffix, side in TELRAAM_SIDES.items():
        if name.endswith(suffix):
            base, direction = name.removesuffix(suffix), side
    mode = TELRAAM_MODES.get(base)
    what = "" if mode else ("Nachtverkehr (Telraam)" if base == "night" else f"Telraam '{base}'")
    return _count(key, "telraam", mode, direction, where, origin, what=what)


def ecocounter_mode(site: str) -> Mode:
    lowered = site.lower()
    return Mode.PEDESTRIAN if any(word in lowered for word in PEDESTRIAN_WORDS) else Mode.BICYCLE


def _ecocounter(key: str, mode: Mode | None) -> StreamSpec:
    _source, rest = key.split(":", 1)
    site, _, channel = rest.rpartition(":")
    direction = ECOCOUNTER_DIRECTIONS.get(channel, channel)
    chosen = mode or ecocounter_mode(site)
    return _count(key, "ecocounter", chosen, direction, f"Eco-Counter {site}", {"site": site})


# --- finding and making streams ----------------------------------------------------------------------------------


def visible_thing(session: Session, principal: Principal, thing_id: int) -> Thing:
    thing = session.scalars(
        select(Thing)
        .join(Dataset, Dataset.id == Thing.dataset_id)
        .where(Thing.id == thing_id, visible(principal, Dataset))
    ).first()
    if thing is None:
        raise NotFound("Zählstelle nicht gefunden. / Counting site not found.")
    return thing


def source_key(properties: dict[str, Any] | None) -> str | None:
    """The importer's series key a Datastream (given by its ``properties``) holds, if any."""
    traffic = (properties or {}).get(TRAFFIC_KEY)
    key = traffic.get("source_key") if isinstance(traffic, dict) else None
    return key if isinstance(key, str) else None


@dataclass
class StreamIndex:
    """The Thing's streams by source key, and the network's Sensors and ObservedProperties, loaded once."""

    session: Session
    thing: Thing
    streams: dict[str, Datastream] = field(default_factory=dict)
    sensors: dict[str, Sensor] = field(default_factory=dict)
    properties: dict[str, ObservedProperty] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session, thing: Thing) -> StreamIndex:
        index = cls(session, thing)
        for stream in session.scalars(select(Datastream).where(Datastream.thing_id == thing.id)):
            key = source_key(stream.properties)
            if key is not None:
                index.streams.setdefault(key, stream)
        return index

    def ensure(self, spec: StreamSpec) -> tuple[Datastream, bool]:
        """The stream of ``spec.source_key``, created with its Sensor and ObservedProperty if it is missing."""
        known = self.streams.get(spec.source_key)
        if known is not None:
            return known, False
        stream = Datastream(
            dataset_id=self.thing.dataset_id,
            name=spec.name,
            description=spec.description,
            observation_type=spec.observation_type,
            unit_of_measurement=dict(spec.unit),
            properties={TRAFFIC_KEY: spec.traffic()},
            thing_id=self.thing.id,
            sensor_id=self._sensor(spec.source).id,
            observed_property_id=self._property(spec).id,
        )
        self.session.add(stream)
        self.session.flush()
        self.streams[spec.source_key] = stream
        return stream, True

    def _sensor(self, source: str) -> Sensor:
        name, description = SENSORS[source]
        if name not in self.sensors:
            found = self.session.scalars(
                select(Sensor)
                .where(Sensor.dataset_id == self.thing.dataset_id, Sensor.name == name)
                .order_by(Sensor.id)
            ).first()
            if found is None:
                found = Sensor(
                    dataset_id=self.thing.dataset_id, name=name, description=description, encoding_type="text/plain"
                )
                self.session.add(found)
                self.session.flush()
            self.sensors[name] = found
        return self.sensors[name]

    def _property(self, spec: StreamSpec) -> ObservedProperty:
        definition = spec.property_definition
        if definition not in self.properties:
            found = self.session.scalars(
                select(ObservedProperty)
                .where(ObservedProperty.dataset_id == self.thing.dataset_id, ObservedProperty.definition == definition)
                .order_by(ObservedProperty.id)
            ).first()
            if found is None:
                found = ObservedProperty(
                    dataset_id=self.thing.dataset_id,
                    name=spec.property_name,
                    definition=definition,
                    description=spec.property_description,
                )
                self.session.add(found)
                self.session.flush()
            self.properties[definition] = found
        return self.properties[definition]


def settle_totals(streams: list[Datastream]) -> int:
    """Keep sums of directions out of the KPIs while the directions themselves are there; returns streams changed.

    A both-directions count (direction "gesamt") of a source whose directional streams of the same mode exist gets
    its ``mode`` moved to ``total_of``; once no directional stream is left it gets it back.
    """
    groups: dict[tuple[str, str], list[tuple[Datastream, dict[str, Any]]]] = defaultdict(list)
    for stream in streams:
        traffic = (stream.properties or {}).get(TRAFFIC_KEY)
        key = source_key(stream.properties)
        if key is None or not isinstance(traffic, dict) or traffic.get("quantity") != "count":
            continue
        mode = traffic.get("mode") or traffic.get("total_of")
        if isinstance(mode, str):
            groups[(key.rsplit(":", 1)[0], mode)].append((stream, traffic))
    changed = 0
    for members in groups.values():
        directional = any(t.get("direction") != TOTAL and "mode" in t for _s, t in members)
        for stream, traffic in members:
            if traffic.get("direction") != TOTAL:
                continue
            info = dict(traffic)
            if directional and "mode" in info:
                info["total_of"] = info.pop("mode")
            elif not directional and "mode" not in info:
                info["mode"] = info.pop("total_of")
            else:
                continue
            stream.properties = {**(stream.properties or {}), TRAFFIC_KEY: info}
            changed += 1
    return changed
