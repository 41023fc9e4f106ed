"""The demo's traffic counters: one sensor network per member city and a modelled year (2025) of 15-minute counts.

Each network is a catalogue dataset (``<city>-verkehrszaehlstellen-sensornetz``, öffentlich, published like the
other open demo datasets, with a site list and the day totals as files). Its counting sites are SensorThings
Things with a Location, Sensors, ObservedProperties and one Datastream per mode and direction, marked in
``properties["traffic"]`` (see :mod:`kikz.sensors.traffic`).

The counts come from the seeded model in :mod:`kikz.demo.traffic_model` (daily and weekly shapes, Hessian
holidays, seasons, weather, noise and the scripted events documented in docs/demo.md), so the same site and
day give the same values on every machine and for every loaded period.

A full year is about 1.9 million observations. Stored through :func:`~kikz.sensors.store.store_counts`
(with rollups) that takes minutes, not seconds (measured in docs/demo.md), so :func:`load_sensor_demo` creates
the networks at once and, for long periods, enqueues one durable job per Datastream (:data:`JOB_KIND`) that the
embedded worker or ``kikz worker`` runs in the background. Short periods (tests) are stored inline.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from kikz import jobs
from kikz.catalog.models import Dataset
from kikz.demo import geo
from kikz.demo import traffic_model as model
from kikz.demo.cities import BY_SLUG, City
from kikz.demo.files import CSV_DE, CSV_UTF8, GEOJSON, Table
from kikz.demo.specs import DatasetSpec, FileSpec
from kikz.errors import InvalidInput
from kikz.sensors.entities import ENTITIES
from kikz.sensors.models import Datastream
from kikz.sensors.store import store_counts
from kikz.sensors.traffic import MODE_LABELS, TRAFFIC_KEY, Mode, Quantity
from kikz.sensors.write import Writer
from kikz.tenancy.permissions import Principal

log = logging.getLogger("kikz.demo")

NETWORK_KEY = "verkehrszaehlstellen-sensornetz"
JOB_KIND = "demo.sensor_observations"
INLINE_MAX_DAYS = 14
"""Longer periods are stored by background jobs (a year takes minutes, see the module docstring)."""
COUNT_TYPE = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_CountObservation"
MEASUREMENT_TYPE = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"
STA_STANDARD = "http://www.opengis.net/doc/is/sensorthings/1.1"
QUARTER = dt.timedelta(minutes=15)
SMALL_DAY_TOTAL = 3

UNITS: dict[Mode, dict[str, str]] = {
    Mode.MOTOR_VEHICLE: {"name": "Fahrzeuge je 15 Minuten", "symbol": "Kfz/15 min"},
    Mode.CAR: {"name": "Fahrzeuge je 15 Minuten", "symbol": "Pkw/15 min"},
    Mode.HEAVY: {"name": "Fahrzeuge je 15 Minuten", "symbol": "SV/15 min"},
    Mode.BICYCLE: {"name": "Fahrräder je 15 Minuten", "symbol": "Rad/15 min"},
    Mode.PEDESTRIAN: {"name": "Personen je 15 Minuten", "symbol": "Fußg./15 min"},
}
PROPERTIES: dict[tuple[Mode, Quantity], tuple[str, str]] = {
    (Mode.MOTOR_VEHICLE, Quantity.COUNT): ("Kfz-Verkehrsstärke", "Alle Kraftfahrzeuge, die den Querschnitt passieren."),
    (Mode.CAR, Quantity.COUNT): ("Pkw-Verkehrsstärke", "Leichte Kraftfahrzeuge bis 3,5 t (Pkw, Lieferwagen, Krad)."),
    (Mode.HEAVY, Quantity.COUNT): (
        "Schwerverkehrsstärke",
        "Fahrzeuge über 3,5 t: Lkw, Lastzüge, Sattelzüge und Busse (Längenklassen als Näherung).",
    ),
    (Mode.BICYCLE, Quantity.COUNT): ("Radverkehrsstärke", "Fahrräder, Pedelecs und Lastenräder."),
    (Mode.PEDESTRIAN, Quantity.COUNT): ("Fußverkehrsstärke", "Zu Fuß Gehende in beiden Richtungen."),
    (Mode.MOTOR_VEHICLE, Quantity.V85): (
        "v85 (Kfz)",
        "Geschwindigkeit, die 85 % der frei fahrenden Kraftfahrzeuge im Intervall nicht überschreiten.",
    ),
}


@dataclass
class SensorSummary:
    networks: int = 0
    sites: int = 0
    datastreams: int = 0
    observations: int = 0
    """Stored inline; with background jobs the count of their observations is logged by each job."""
    jobs: int = 0
    seconds: float = 0.0


# --- the catalogue entry ------------------------------------------------------------------------------------


def network_spec(c: City) -> DatasetSpec:
    """The catalogue entry of a city's counter network (the plan lists it like every other demo dataset)."""
    sites = model.NETWORKS[c.slug]
    names = ", ".join(s.name for s in sites)
    return DatasetSpec(
        key=NETWORK_KEY,
        title=f"Verkehrszählstellen {c.name} – Sensornetz mit 15-Minuten-Werten 2025",
        description=(
            f"Sensornetz der automatischen Dauerzählstellen in {c.name} mit {len(sites)} Zählstellen ({names}). "
            "Gezählt werden je nach Gerät Kfz und Schwerverkehr je Fahrtrichtung, Radverkehr und Fußverkehr im "
            "15-Minuten-Takt; die Einzelwerte stehen über die SensorThings API (OGC, Version 1.1) der Plattform "
            "bereit. Die Tageswerte je Zählstelle, Verkehrsart und Richtung liegen zusätzlich als CSV bei, "
            "Geräteausfälle sind als fehlende Intervalle erkennbar und nicht ergänzt."
        ),
        keywords=("Verkehrszählung", "Zählstelle", "Sensornetz", "SensorThings API", "Radverkehr", "Kfz-Verkehr"),
        themes=("TRAN",),
        office="Straßenverkehrsbehörde, Verkehrsrechner",
        mailbox="verkehrsrechner",
        periodicity="CONT",
        start=model.FIRST_DAY,
        end=model.LAST_DAY,
        table=site_table,
        files=(
            FileSpec("zaehlstellen.csv", CSV_UTF8, "Zählstellen mit Lage und Gerät (CSV)"),
            FileSpec("zaehlstellen.geojson", GEOJSON, "Zählstellen (GeoJSON)"),
            FileSpec(
                "tageswerte_2025.csv", CSV_DE, "Tageswerte 2025 je Zählstelle und Richtung (CSV, Excel)", day_table
            ),
        ),
        license_id="dl-by-de/2.0",
        conforms_to=STA_STANDARD,
    )


def _modes_text(site: model.SiteSpec) -> str:
    labels = dict.fromkeys(MODE_LABELS[s.mode] for s in site.streams if s.quantity == Quantity.COUNT)
    if any(s.quantity == Quantity.V85 for s in site.streams):
        labels["v85"] = None
    return ", ".join(labels)


def site_table(c: City, _rng: object = None) -> Table:
    """The network's counting sites: number, place, district, device and what is counted."""
    rows = []
    for site in model.NETWORKS[c.slug]:
        directions = dict.fromkeys(s.direction for s in site.streams if s.direction != "gesamt")
        rows.append(
            (
                site.number,
                site.name,
                geo.district_of(c, site.lat, site.lon),
                site.sensor.name,
                _modes_text(site),
                " / ".join(directions) or "gesamt",
                "15 Minuten",
                site.since,
                site.lat,
                site.lon,
            )
        )
    columns = ["Zählstelle", "Bezeichnung", "Stadtteil", "Gerät", "Verkehrsarten", "Richtungen", "Intervall"]
    return Table([*columns, "in Betrieb seit", "lat", "lon"], rows)


def day_table(c: City, _rng: object = None) -> Table:
    """Day totals of every count stream over 2025; a day with a device outage has no total, only its coverage.

    Totals below :data:`SMALL_DAY_TOTAL` are left empty (a quiet Sunday's two lorries): the column holds vehicles
    and people alike, and small counts of people must not be published.
    """
    grid = model.year_grid()
    rows = []
    for site in model.NETWORKS[c.slug]:
        series = model.site_year(c.slug, site.number)
        for stream in site.streams:
            if stream.quantity != Quantity.COUNT:
                continue
            values = series[stream.key]
            present = np.bincount(grid.day, weights=~np.isnan(values), minlength=len(grid.dates))
            expected = np.bincount(grid.day, minlength=len(grid.dates))
            totals = np.bincount(grid.day, weights=np.nan_to_num(values), minlength=len(grid.dates))
            label, direction = MODE_LABELS[stream.mode], stream.direction
            for i, day in enumerate(grid.dates):
                complete = present[i] == expected[i]
                total: float | int | None = None
                if complete and totals[i] >= SMALL_DAY_TOTAL:  # smaller totals are withheld, as in open data
                    total = round(float(totals[i]), 1) if site.sensor.fractional else int(totals[i])
                share = round(100 * float(present[i]) / float(expected[i]))
                rows.append((site.number, day, label, direction, total, share))
    return Table(["Zählstelle", "Datum", "Verkehrsart", "Richtung", "Anzahl", "Vollständigkeit %"], rows)


# --- the SensorThings entities ------------------------------------------------------------------------------


def _stream_body(site: model.SiteSpec, stream: model.StreamSpec, sensor_id: int, property_id: int) -> dict[str, Any]:
    label = MODE_LABELS[stream.mode] if stream.quantity == Quantity.COUNT else "v85 Kfz"
    where = "beide Richtungen" if stream.direction == "gesamt" else f"Richtung {stream.direction}"
    if stream.quantity == Quantity.V85:
        unit = {
            "name": "Kilometer pro Stunde",
            "symbol": "km/h",
            "definition": "http://qudt.org/vocab/unit/KiloM-PER-HR",
        }
    else:
        unit = UNITS[stream.mode] | {"definition": "http://qudt.org/vocab/unit/NUM"}
    fractional = site.sensor.fractional or stream.quantity == Quantity.V85
    return {
        "name": f"{site.number} {site.name} – {label}, {where}",
        "description": f"{label} an der Zählstelle {site.name}, {where}, in 15-Minuten-Intervallen.",
        "observationType": MEASUREMENT_TYPE if fractional else COUNT_TYPE,
        "unitOfMeasurement": unit,
        "properties": {
            TRAFFIC_KEY: {"mode": stream.mode.value, "direction": stream.direction, "quantity": stream.quantity.value}
        },
        "Sensor": {"@iot.id": sensor_id},
        "ObservedProperty": {"@iot.id": property_id},
    }


@dataclass(frozen=True)
class _Stream:
    datastream_id: int
    dataset_id: int
    feature_id: int
    city: str
    site: str
    key: str


def _create_network(session: Session, principal: Principal, city: City, network: Dataset) -> list[_Stream]:
    writer = Writer(session, principal, network=network)
    sites = model.NETWORKS[city.slug]
    sensors: dict[str, int] = {}
    properties: dict[tuple[Mode, Quantity], int] = {}
    for site in sites:
        kind = site.sensor
        if kind.key not in sensors:
            body = {
                "name": kind.name,
                "description": kind.description,
                "encodingType": "text/html",
                "metadata": kind.metadata,
            }
            sensors[kind.key] = writer.create(ENTITIES["Sensors"], body, dataset_id=network.id).id
        for stream in site.streams:
            role = (stream.mode, stream.quantity)
            if role not in properties:
                name, text = PROPERTIES[role]
                slug = f"{stream.mode.value}-{stream.quantity.value}"
                body = {"name": name, "description": text, "definition": f"urn:x-kikz:verkehr:{slug}"}
                properties[role] = writer.create(ENTITIES["ObservedProperties"], body, dataset_id=network.id).id
    out = []
    for site in sites:
        point = {"type": "Point", "coordinates": [site.lon, site.lat]}
        district = geo.district_of(city, site.lat, site.lon) or city.name
        thing_body: dict[str, Any] = {
            "name": f"Zählstelle {site.number} {site.name}",
            "description": site.description,
            "properties": {
                "Zählstellen-Nr.": site.number,
                "Stadtteil": district,
                "Gerät": site.sensor.name,
                "in Betrieb seit": site.since.isoformat(),
                "Betreiber": city.official_name,
            },
            "Locations": [
                {"name": site.name, "description": f"{site.name}, {district}", "location": point},
            ],
            "Datastreams": [
                _stream_body(site, s, sensors[site.sensor.key], properties[(s.mode, s.quantity)]) for s in site.streams
            ],
        }
        thing = writer.create(ENTITIES["Things"], thing_body, dataset_id=network.id)
        feature = writer.create(
            ENTITIES["FeaturesOfInterest"],
            {"name": site.name, "description": f"Querschnitt {site.name}", "feature": point},
            dataset_id=network.id,
        )
        ids = session.scalars(select(Datastream.id).where(Datastream.thing_id == thing.id).order_by(Datastream.id))
        for stream, datastream_id in zip(site.streams, ids, strict=True):
            out.append(_Stream(datastream_id, network.id, feature.id, city.slug, site.number, stream.key))
    return out


# --- the observations ---------------------------------------------------------------------------------------


def _check_period(first: dt.date, days: int) -> None:
    last = first + dt.timedelta(days=days - 1)
    if days < 1 or first < model.FIRST_DAY or last > model.LAST_DAY:
        raise InvalidInput(
            f"Die Demo-Zähldaten umfassen nur {model.FIRST_DAY.year}: {first} + {days} Tage liegt außerhalb. / "
            "The demo counts cover 2025 only."
        )


def store_stream(session: Session, stream: _Stream, first: dt.date, days: int) -> int:
    """Store one Datastream's modelled values of the period (an outage stays a gap); returns how many."""
    _check_period(first, days)
    epochs, values = model.window(model.site_year(stream.city, stream.site)[stream.key], first, days)
    present = ~np.isnan(values)
    site = model.SITES[stream.site]
    spec = next(s for s in site.streams if s.key == stream.key)
    fractional = site.sensor.fractional or spec.quantity == Quantity.V85
    results: list[float] | list[int] = (
        [float(v) for v in values[present]] if fractional else [int(v) for v in values[present]]
    )
    if not results:
        return 0
    start_us = epochs[present].astype(np.int64) * 1_000_000
    store_counts(
        session,
        datastream_id=stream.datastream_id,
        dataset_id=stream.dataset_id,
        start_us=start_us,
        end_us=start_us + int(QUARTER.total_seconds()) * 1_000_000,
        results=results,
        feature_of_interest_id=stream.feature_id,
    )
    return len(results)


def _payload(stream: _Stream, first: dt.date, days: int) -> dict[str, Any]:
    return {
        "datastream_id": stream.datastream_id,
        "dataset_id": stream.dataset_id,
        "feature_id": stream.feature_id,
        "city": stream.city,
        "site": stream.site,
        "stream": stream.key,
        "first": first.isoformat(),
        "days": days,
    }


def observations_job(session: Session, payload: dict[str, Any]) -> None:
    """Job handler: fill one demo Datastream (idempotent: a re-run replaces the same values)."""
    if session.get(Datastream, payload["datastream_id"]) is None:
        return  # the network was deleted meanwhile
    stream = _Stream(
        payload["datastream_id"],
        payload["dataset_id"],
        payload["feature_id"],
        payload["city"],
        payload["site"],
        payload["stream"],
    )
    began = time.perf_counter()
    stored = store_stream(session, stream, dt.date.fromisoformat(payload["first"]), int(payload["days"]))
    log.info(
        "Demo-Zählwerte %s %s: %d Beobachtungen in %.1f s", stream.site, stream.key, stored, time.perf_counter() - began
    )


def load_sensor_demo(
    session: Session,
    actors: Mapping[str, Principal],
    *,
    first: dt.date = model.FIRST_DAY,
    days: int = model.DAYS,
    inline: bool | None = None,
) -> SensorSummary:
    """Create the counter networks of the cities in ``actors`` (whose network datasets exist) and their data.

    ``inline`` None stores periods up to :data:`INLINE_MAX_DAYS` at once and enqueues longer ones as jobs.
    """
    _check_period(first, days)
    began = time.perf_counter()
    summary = SensorSummary()
    inline = days <= INLINE_MAX_DAYS if inline is None else inline
    for slug, principal in actors.items():
        if slug not in model.NETWORKS:
            continue
        network = session.scalars(select(Dataset).where(Dataset.name == f"{slug}-{NETWORK_KEY}")).one()
        streams = _create_network(session, principal, BY_SLUG[slug], network)
        summary.networks += 1
        summary.sites += len(model.NETWORKS[slug])
        summary.datastreams += len(streams)
        for stream in streams:
            if inline:
                summary.observations += store_stream(session, stream, first, days)
            else:
                jobs.enqueue(session, JOB_KIND, _payload(stream, first, days))
                summary.jobs += 1
    session.flush()
    summary.seconds = time.perf_counter() - began
    log.info(
        "Demo-Sensornetze: %d Netze, %d Zählstellen, %d Datastreams, %d Beobachtungen, %d Aufträge in %.1f s",
        summary.networks,
        summary.sites,
        summary.datastreams,
        summary.observations,
        summary.jobs,
        summary.seconds,
    )
    return summary
