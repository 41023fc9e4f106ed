"""Open-data aggregates of a sensor network: hourly and daily counts per counting site, as catalogue files.

Only a network that may be published gets them: class *öffentlich*, checked free of personal data, no Art. 9
data (the catalogue's publication rule, ``kikz.governance.workflow.rules``); any other is refused with the
reasons. Three distributions of the network dataset are written from the rollups (never from raw rows):

* ``zaehlwerte-stunden.csv`` and ``zaehlwerte-tage.csv``: one row per count datastream (site, mode, direction)
  and clock hour or local day; UTF-8, ``,``, ISO 8601 times with offset (Europe/Berlin); columns in
  :data:`COLUMNS`;
* ``tableschema.json``: the Frictionless Table Schema that documents both files (names, types, meanings, key).

A later run replaces each file in place (same distribution, same download URL): the dataset gets a new
version with a snapshot, the audit log names the files, earlier files stay in the content-addressed store,
and governance reviews the new file as after any upload. A file whose bytes did not change changes nothing.

Small-count suppression, at hourly resolution, for streams that count people (``rad``, ``fuss``) and for any
stream marked ``"suppress": true`` in its traffic properties; ``k`` is the setting
``sensor_suppression_threshold``:

1. *primary*: an hour with ``0 < count < k`` is published empty with ``unterdrueckt = ja``. Zero is published:
   "nobody passed" says nothing about anybody.
2. *secondary*: per stream and local day, the suppressed hours must not be recomputable from the day total
   (day total minus the published hours is their sum ``T``). Hours nearest in time to the small ones (never
   chosen by value, which would bound the hidden values) are suppressed too, until at least one of them is
   such a *secondary* hour and ``T >= (k - 1) + (p - 1) + s * k`` for ``p`` primary and ``s`` secondary hours:
   then every small hour may still lie anywhere from 1 to ``k - 1`` as far as the published figures tell,
   even for a reader who knows which hours are primary (:func:`protected`). The flag does not say which.
3. if no hour is left to add, the day total of that stream is suppressed as well.

Motor-vehicle streams (``kfz``, ``pkw``, ``sv``) are published unsuppressed: the counter records how many
vehicles passed, not which (no plate, no image, no trip), and on a main road every hour's count is made by
many unrelated vehicles, so it cannot be related to a person, while one pedestrian or cyclist counted at
4 a.m. on a path may well be. A Kfz counter on a quiet residential street, where that reasoning fails, is
marked ``"suppress": true`` by the data steward and then follows the rule above. Speeds are never published.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import tempfile
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import PurePath
from typing import Any, BinaryIO, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from kikz import jobs
from kikz.catalog import service as catalog
from kikz.catalog import tabular
from kikz.catalog.models import Dataset, Distribution
from kikz.catalog.vocabularies import EXTENSION_TO_FORMAT, FILE_TYPES
from kikz.db import utcnow
from kikz.errors import InvalidInput, TooLarge
from kikz.sensors import network as networks
from kikz.sensors.kpi import BERLIN
from kikz.sensors.models import Datastream, Rollup, Thing
from kikz.sensors.store import DAY, HOUR
from kikz.sensors.traffic import TRAFFIC_KEY, Mode, Quantity, Site, sites
from kikz.settings import Settings
from kikz.storage import FileStore, UploadTooLarge
from kikz.tenancy.permissions import Action, Principal, require, visible
from kikz.types import DatasetStatus

log = logging.getLogger("kikz.sensors.publish")

JOB_KIND = "sensors.publish_aggregates"
HOURLY_FILE = "zaehlwerte-stunden.csv"
DAILY_FILE = "zaehlwerte-tage.csv"
SCHEMA_FILE = "tableschema.json"
PERSON_MODES = frozenset({Mode.BICYCLE, Mode.PEDESTRIAN})
"""Modes whose counts are people; their hourly counts are suppressed below the threshold."""
SUPPRESS_KEY = "suppress"
"""``properties["traffic"]["suppress"] = true`` on a Datastream: suppress its small counts whatever its mode."""
JOB_ACTOR = Principal(email="job:sensors.publish_aggregates", display_name="Hintergrundauftrag", is_superuser=True)

COLUMNS: tuple[tuple[str, str, str, str], ...] = (
    ("zaehlstelle", "string", "Zählstelle", "Name der Zählstelle (SensorThings: Thing.name)."),
    ("zaehlstelle_id", "integer", "Zählstellen-ID", "Kennung der Zählstelle in der SensorThings API (Thing @iot.id)."),
    ("datenstrom_id", "integer", "Datenstrom-ID", "Kennung des Datenstroms in der SensorThings API (@iot.id)."),
    ("lon", "number", "Längengrad", "Geografische Länge der Zählstelle, WGS 84 (EPSG:4326)."),
    ("lat", "number", "Breitengrad", "Geografische Breite der Zählstelle, WGS 84 (EPSG:4326)."),
    ("verkehrsart", "string", "Verkehrsart", "kfz (alle Kfz), pkw, sv (Schwerverkehr > 3,5 t), rad, fuss."),
    ("richtung", "string", "Richtung", "Fahrt- oder Gehrichtung, wie an der Zählstelle benannt; gesamt = beide."),
    ("beginn", "datetime", "Beginn", "Beginn des Zeitraums, ISO 8601 mit Zeitzonenversatz (Europe/Berlin)."),
    ("ende", "datetime", "Ende", "Ende des Zeitraums (ausschließlich), ISO 8601 mit Zeitzonenversatz."),
    (
        "anzahl",
        "number",
        "Anzahl",
        "Gezählte Fahrzeuge bzw. Personen im Zeitraum (Summe der gelieferten Zählintervalle; hochgerechnete "
        "Zählungen, z. B. Telraam, können Nachkommastellen haben). Leer, wenn unterdrückt.",
    ),
    (
        "unterdrueckt",
        "boolean",
        "Unterdrückt",
        "ja: der Wert wird zum Schutz von Personen nicht veröffentlicht (kleine Fallzahl oder Sekundärsperrung).",
    ),
    (
        "vollstaendigkeit",
        "number",
        "Vollständigkeit",
        "Anteil des Zeitraums, den gelieferte Zählintervalle abdecken (0 bis 1); leer bei Einzelereignissen.",
    ),
)
HEADER = [name for name, *_ in COLUMNS]


@dataclass(frozen=True, slots=True)
class CountStream:
    datastream_id: int
    site: Site
    mode: Mode
    direction: str
    suppress: bool


@dataclass(frozen=True, slots=True)
class Bucket:
    start: dt.datetime
    length: int
    covered: int
    total: float


@dataclass
class StreamTable:
    """One stream's hours and days, with what is suppressed (indexes into ``hours`` / ``days``)."""

    stream: CountStream
    hours: list[Bucket]
    days: list[Bucket]
    suppressed_hours: set[int] = field(default_factory=set)
    primary_hours: int = 0
    suppressed_days: set[int] = field(default_factory=set)


@dataclass
class FileResult:
    file_name: str
    identifier: str
    outcome: str
    """neu, ersetzt or unverändert."""
    rows: int | None


@dataclass
class PublishReport:
    network: str
    published: bool
    """Whether the network dataset is published already (the files are public only then)."""
    sites: int = 0
    streams: int = 0
    hours: int = 0
    days: int = 0
    primary_suppressed: int = 0
    secondary_suppressed: int = 0
    suppressed_days: int = 0
    files: list[FileResult] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["files"] = [f.__dict__ for f in self.files]
        return data


# --- suppression ------------------------------------------------------------------------------------------------


def protected(primary: int, values: Sequence[float], threshold: int) -> bool:
    """Whether a day's suppressed hours (``values``, the first ``primary`` of them small) are safe.

    A reader who subtracts the published hours from the day total learns their sum ``T``. If the reader also
    knows which hours are primary (each 1 … k − 1) and which secondary (each k or more), a primary hour is
    at most ``T − (primary − 1) − secondary · k``; requiring that to be at least ``k − 1`` leaves the whole
    range open. At least one secondary hour is required, because only its unbounded value keeps a primary hour
    from being bounded from below as well.
    """
    secondary = len(values) - primary
    return secondary >= 1 and sum(values) >= (threshold - 1) + (primary - 1) + secondary * threshold


def suppress(table: StreamTable, threshold: int) -> None:
    """Apply primary and secondary suppression to one stream (see the module docstring)."""
    if not table.stream.suppress or threshold <= 0:
        return
    by_day: dict[dt.date, list[int]] = defaultdict(list)
    for index, hour in enumerate(table.hours):
        by_day[hour.start.astimezone(BERLIN).date()].append(index)
    day_index = {day.start.astimezone(BERLIN).date(): i for i, day in enumerate(table.days)}
    for date, indexes in by_day.items():
        primary = [i for i in indexes if 0 < table.hours[i].total < threshold]
        if not primary:
            continue
        table.primary_hours += len(primary)
        moments = [table.hours[i].start for i in primary]

        def distance(i: int, moments: list[dt.datetime] = moments) -> tuple[float, dt.datetime]:
            start = table.hours[i].start
            return min(abs((start - m).total_seconds()) for m in moments), start

        # nearest in time, not smallest: a choice by value would tell the reader a bound on the hidden values
        rest = sorted((i for i in indexes if table.hours[i].total >= threshold), key=distance)
        chosen = list(primary)
        while not protected(len(primary), [table.hours[i].total for i in chosen], threshold) and rest:
            chosen.append(rest.pop(0))
        table.suppressed_hours.update(chosen)
        if not protected(len(primary), [table.hours[i].total for i in chosen], threshold) and date in day_index:
            table.suppressed_days.add(day_index[date])


# --- reading ----------------------------------------------------------------------------------------------------


def count_streams(session: Session, principal: Principal, network: Dataset) -> list[CountStream]:
    """The network's visible count datastreams with their site, ordered by site, mode and direction."""
    thing_ids = list(session.scalars(select(Thing.id).where(Thing.dataset_id == network.id)))
    properties: dict[int, dict[str, Any] | None] = {
        row.id: row.properties
        for row in session.execute(
            select(Datastream.id, Datastream.properties).where(Datastream.dataset_id == network.id)
        )
    }
    out: list[CountStream] = []
    for s in sites(session, principal, thing_ids=thing_ids):
        for role in s.streams:
            if role.quantity != Quantity.COUNT:
                continue
            info = (properties.get(role.datastream_id) or {}).get(TRAFFIC_KEY) or {}
            marked = isinstance(info, dict) and info.get(SUPPRESS_KEY) is True
            out.append(
                CountStream(role.datastream_id, s, role.mode, role.direction, role.mode in PERSON_MODES or marked)
            )
    return sorted(out, key=lambda c: (c.site.name, c.site.id, c.mode.value, c.direction, c.datastream_id))


def _buckets(session: Session, principal: Principal, datastream_id: int, resolution: int) -> list[Bucket]:
    stmt = (
        select(Rollup.bucket_start, Rollup.length, Rollup.covered, Rollup.total)
        .join(Dataset, Dataset.id == Rollup.dataset_id)
        .where(visible(principal, Dataset), Rollup.datastream_id == datastream_id, Rollup.resolution == resolution)
        .order_by(Rollup.bucket_start)
    )
    return [Bucket(row.bucket_start, row.length, row.covered, row.total) for row in session.execute(stmt)]


def build_tables(
    session: Session, principal: Principal, streams: Sequence[CountStream], threshold: int
) -> list[StreamTable]:
    tables = []
    for stream in streams:
        table = StreamTable(
            stream,
            _buckets(session, principal, stream.datastream_id, HOUR),
            _buckets(session, principal, stream.datastream_id, DAY),
        )
        suppress(table, threshold)
        tables.append(table)
    return tables


# --- writing ----------------------------------------------------------------------------------------------------


def _number(value: float | None, digits: int = 3) -> str:
    if value is None:
        return ""
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _rows(table: StreamTable, buckets: list[Bucket], hidden: set[int]) -> Iterable[list[str]]:
    s = table.stream
    for index, b in enumerate(buckets):
        start = b.start.astimezone(BERLIN)
        end = (b.start + dt.timedelta(seconds=b.length)).astimezone(BERLIN)
        hide = index in hidden
        yield [
            s.site.name,
            str(s.site.id),
            str(s.datastream_id),
            _number(s.site.lon, 6),
            _number(s.site.lat, 6),
            s.mode.value,
            s.direction,
            start.isoformat(),
            end.isoformat(),
            "" if hide else _number(b.total),
            "ja" if hide else "nein",
            _number(b.covered / b.length) if b.covered and b.length else "",
        ]


def _csv_file(rows: Iterable[list[str]]) -> BinaryIO:
    """The rows as a CSV file (UTF-8, ``,``, header), spooled to disk when large, positioned at its start."""
    spool = cast(BinaryIO, tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024))  # noqa: SIM115 - returned
    text = io.TextIOWrapper(spool, encoding="utf-8", newline="")
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    text.flush()
    text.detach()
    spool.seek(0)
    return spool


def _field(name: str, kind: str, title: str, description: str) -> dict[str, Any]:
    spec: dict[str, Any] = {"name": name, "type": kind, "title": title, "description": description}
    if kind == "boolean":
        spec["trueValues"], spec["falseValues"] = ["ja"], ["nein"]
    if name in ("zaehlstelle", "zaehlstelle_id", "datenstrom_id", "verkehrsart", "beginn", "ende", "unterdrueckt"):
        spec["constraints"] = {"required": True}
    if name == "verkehrsart":
        spec["constraints"]["enum"] = [m.value for m in Mode]
    return spec


def table_schema(threshold: int) -> bytes:
    """The Table Schema (Frictionless Data) of both CSV files: names, types, titles, meanings, key."""
    schema = {
        "title": "Zählwerte je Stunde und je Tag – Spaltenbeschreibung",
        "description": suppression_note(threshold),
        "fields": [_field(*column) for column in COLUMNS],
        "missingValues": [""],
        "primaryKey": ["datenstrom_id", "beginn"],
    }
    return (json.dumps(schema, ensure_ascii=False, indent=2) + "\n").encode()


def suppression_note(threshold: int) -> str:
    return (
        f"Stundenwerte von Rad- und Fußverkehr (und als schutzbedürftig markierten Zählstellen) unter {threshold} "
        "werden nicht veröffentlicht (leer, unterdrueckt = ja); je Tag werden weitere Stunden (oder der Tageswert) "
        "gesperrt, damit sich ein gesperrter Wert nicht aus der Tagessumme zurückrechnen lässt. Kfz-Zählungen "
        "werden nicht unterdrückt: eine Fahrzeuganzahl bezieht sich auf keine Person. "
        "/ Hourly bicycle and pedestrian counts below the threshold are suppressed, with secondary suppression."
    )


def _attach(
    session: Session,
    *,
    network: Dataset,
    store: FileStore,
    max_bytes: int,
    file_name: str,
    stream: BinaryIO,
    title: str,
    description: str,
    changed: list[tuple[Distribution, str]],
) -> FileResult:
    """Store the file and add it as a distribution, or give the one already there the new bytes.

    New and replaced files are collected in ``changed``; :func:`_record` makes them one new dataset version.
    """
    try:
        stored = store.put(stream, max_bytes=max_bytes)
    except UploadTooLarge as exc:
        raise TooLarge(str(exc)) from exc
    existing = next((d for d in network.distributions if d.file_name == file_name and d.is_stored_file), None)
    if existing is not None and existing.checksum_sha256 == stored.sha256:
        return FileResult(file_name, existing.identifier, "unverändert", existing.row_count)
    fmt = EXTENSION_TO_FORMAT[PurePath(file_name).suffix]
    info = tabular.describe(store.path_for(stored.sha256), fmt) if fmt == "CSV" else None
    now = utcnow()
    dist = existing or Distribution(
        identifier=str(uuid.uuid4()),
        dataset_id=network.id,
        file_name=file_name,
        format=fmt,
        media_type=FILE_TYPES[fmt][0],
        license_id=network.license_id,
        access_url="",
        issued=now,
    )
    dist.title, dist.description = title, description
    dist.checksum_sha256, dist.byte_size, dist.modified = stored.sha256, stored.size, now
    if info is not None:
        dist.encoding, dist.delimiter, dist.row_count = info.encoding, info.delimiter, info.row_count
        dist.columns = [c.as_dict() for c in info.columns]
    outcome = "ersetzt" if existing is not None else "neu"
    if existing is None:
        session.add(dist)
    changed.append((dist, outcome))
    return FileResult(file_name, dist.identifier, outcome, dist.row_count)


def _record(
    session: Session,
    principal: Principal,
    network: Dataset,
    changed: list[tuple[Distribution, str]],
    before: dict[str, Any],
) -> None:
    """One new dataset version (snapshot, audit entry, search index) for the files a run added or replaced."""
    if not changed:
        return
    network.version += 1
    network.modified = utcnow()
    session.flush()
    session.refresh(network, ["distributions"])
    verbs = {"neu": "hinzugefügt", "ersetzt": "ersetzt"}
    names = ", ".join(f"'{d.file_name}' {verbs[outcome]}" for d, outcome in changed)
    catalog.record_change(
        session,
        dataset=network,
        actor=principal,
        action="dataset.distribution",
        note=f"Zählwerte veröffentlicht: {names}"[:500],
        before=before,
    )
    for dist, _outcome in changed:  # governance reviews each new file version, as after an upload
        jobs.enqueue(session, catalog.DISTRIBUTION_ADDED, {"distribution_id": dist.id})


def publish_network(
    session: Session,
    *,
    principal: Principal,
    network: Dataset,
    store: FileStore,
    threshold: int,
    max_bytes: int,
) -> PublishReport:
    """Write (or replace) the aggregate files of one network; refuses networks that may not be published."""
    require(principal, Action.EDIT_DATASET, network)
    reason = networks.publication_refusal(network)
    if reason:
        raise InvalidInput(reason)
    streams = count_streams(session, principal, network)
    if not streams:
        raise InvalidInput(
            f"Das Sensornetz „{network.title}“ hat keine Zähl-Datenströme (properties.traffic mit mode und "
            "quantity 'count'). / The network has no count datastreams."
        )
    tables = build_tables(session, principal, streams, threshold)
    report = PublishReport(network.name, network.status == DatasetStatus.PUBLISHED)
    report.sites = len({t.stream.site.id for t in tables})
    report.streams = len(tables)
    for t in tables:
        report.hours += len(t.hours)
        report.days += len(t.days)
        report.primary_suppressed += t.primary_hours
        report.secondary_suppressed += len(t.suppressed_hours) - t.primary_hours
        report.suppressed_days += len(t.suppressed_days)
    before = catalog.snapshot(network)
    changed: list[tuple[Distribution, str]] = []
    note = suppression_note(threshold)
    attach = partial(_attach, session, network=network, store=store, max_bytes=max_bytes, changed=changed)
    for file_name, title, hourly in (
        (HOURLY_FILE, "Zählwerte je Stunde", True),
        (DAILY_FILE, "Zählwerte je Tag", False),
    ):
        rows = (
            row
            for t in tables
            for row in (_rows(t, t.hours, t.suppressed_hours) if hourly else _rows(t, t.days, t.suppressed_days))
        )
        with _csv_file(rows) as spool:
            description = f"{title} je Zählstelle, Verkehrsart und Richtung (CSV, UTF-8). {note}"
            report.files.append(attach(file_name=file_name, stream=spool, title=title, description=description))
    schema = attach(
        file_name=SCHEMA_FILE,
        stream=io.BytesIO(table_schema(threshold)),
        title="Spaltenbeschreibung (Table Schema)",
        description="Beschreibt Spalten, Typen und Bedeutung der beiden CSV-Dateien mit Zählwerten "
        "(Frictionless Table Schema, JSON).",
    )
    report.files.append(schema)
    _record(session, principal, network, changed, before)
    return report


def publish_aggregates(
    session: Session, *, principal: Principal, network: str, settings: Settings, store: FileStore | None = None
) -> PublishReport:
    """``publish_network`` for a network given by name, identifier or id, with the platform's settings."""
    dataset = networks.get_network(session, principal=principal, key=network)
    return publish_network(
        session,
        principal=principal,
        network=dataset,
        store=store or FileStore(settings.files_dir),
        threshold=settings.sensor_suppression_threshold,
        max_bytes=settings.max_upload_bytes,
    )


def networks_with_aggregates(session: Session, principal: Principal) -> list[Dataset]:
    """Visible networks that carry published aggregates already (the daily job keeps these current)."""
    carrying = set(session.scalars(select(Distribution.dataset_id).where(Distribution.file_name == HOURLY_FILE)))
    return [n for n in networks.visible_networks(session, principal=principal) if n.id in carrying]


def job_handler(settings: Settings) -> jobs.Handler:
    """``sensors.publish_aggregates``: payload ``{"network": <dataset id or name>}`` publishes that network (and
    fails with the reason if it may not be published); without one, refreshes every network whose aggregates
    were published before and may still be published."""

    def handle(session: Session, payload: dict[str, Any]) -> None:
        store = FileStore(settings.files_dir)
        if payload.get("network") is not None:
            publish_aggregates(session, principal=JOB_ACTOR, network=str(payload["network"]), settings=settings)
            return
        for network in networks_with_aggregates(session, JOB_ACTOR):
            reason = networks.publication_refusal(network)
            if reason:
                log.info("Zählwerte von %s nicht aktualisiert: %s", network.name, reason)
                continue
            publish_aggregates(session, principal=JOB_ACTOR, network=network.name, settings=settings, store=store)

    return handle


def enqueue(session: Session, network: Dataset) -> jobs.Job:
    """Publish the network's aggregates in the background (after the caller's transaction commits)."""
    return jobs.enqueue(session, JOB_KIND, {"network": network.id})
