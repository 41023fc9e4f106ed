"""Importing counter files into a counting site (Thing): streams, observations and gaps in one transaction.

``import_file`` reads a Telraam report, an Eco-Counter export or a generic 15-minute CSV with the pure importers
(:mod:`kikz.sensors.importers`) and stores what they found in the Thing's sensor network:

* **Streams.** Every series key of the file (``telraam:9000001234:car_lft``) belongs to one Datastream of the Thing,
  found by ``properties["traffic"]["source_key"]`` or created with its Sensor, ObservedProperty, unit and the traffic
  meaning that :mod:`kikz.sensors.traffic` reads: Telraam car → ``pkw``, heavy → ``sv``, bike → ``rad``, pedestrian →
  ``fuss``, sides ``lft``/``rgt``; ``v85`` → quantity ``v85``; Eco-Counter channels → ``rad`` (``fuss`` when the
  site's name says so, or as chosen) with directions ``in``/``out``; generic channels as the mapping says.
* **Totals are not counted twice.** A column summing the directions (Telraam ``car``, an Eco-Counter site total, a
  generic ``total``) is stored, but while directional streams of the same mode exist its mode moves to
  ``total_of`` so the KPIs add up the directions only. Telraam ``night`` counts are kept without a mode.
* **Observations** are intervals (phenomenonTime start/end; 15 minutes or an hour); ``resultQuality`` is the Telraam
  uptime (0–1) where the source gives one. Values equal to the stored ones are left alone (``unchanged``),
  different ones replace them (``updated``, same id); rollups follow in the same transaction (``store``).
* **Speed histograms** (Telraam ``car_speed_hist_*``) are observations of a stream of their own per histogram field
  (quantity ``speed_histogram``, observationType OM_Observation), the result being
  ``{"unit": "km/h", "share_unit": "%", "classes": [{"from": 0, "to": 10, "share": 12.5}, ..., {"from": 70,
  "to": null, ...}]}``; they are not aggregated into rollups.
* **Gaps** go to ``sta_gap`` once per stream and start. Within the span a file covers for a stream, the file is
  the truth: gaps it no longer reports are closed, a source status or low uptime removes stored counts of that
  interval (the source says they are not valid), and a "missing" gap is only recorded where nothing is stored.

Permission: ``EDIT_DATASET`` on the Thing's network; a Thing the caller cannot see is "not found". The service never
commits: the request or CLI command owns the transaction, and the writes of one import run in a savepoint, so a
failure leaves nothing half-written; bad rows are listed with their line and a German message, the good rows kept.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kikz import audit
from kikz.errors import InvalidInput, KikzError
from kikz.sensors import importers
from kikz.sensors.import_gaps import store_gaps
from kikz.sensors.import_streams import StreamIndex, StreamSpec, describe, settle_totals, visible_thing
from kikz.sensors.importers import ColumnMapping, CountRecord, ImportResult, RowError, SpeedHistogram
from kikz.sensors.models import Datastream, Observation
from kikz.sensors.store import NewObservation, refresh_rollups, store_observations
from kikz.sensors.traffic import Mode
from kikz.sensors.write import Writer
from kikz.tenancy.permissions import Principal

Format = Literal["telraam", "ecocounter", "generic"]
FORMATS: tuple[str, ...] = get_args(Format)
FORMAT_LABELS = {"telraam": "Telraam-Bericht", "ecocounter": "Eco-Counter-Export", "generic": "Zähler-CSV"}
MAX_LISTED_ERRORS = 500
"""Row errors listed in a report; the count covers all of them."""


class ImportRejected(KikzError):
    """The file as a whole cannot be imported (unreadable, wrong format, no usable row): nothing is stored."""

    status_code = 400
    code = "invalid_file"


# --- what the caller gets back ---------------------------------------------------------------------------------


@dataclass
class StreamSummary:
    datastream_id: int
    name: str
    source_key: str
    stream_created: bool = False
    observations_created: int = 0
    observations_updated: int = 0
    observations_unchanged: int = 0
    observations_removed: int = 0
    gaps_recorded: int = 0


@dataclass
class ImportReport:
    thing_id: int
    format: str
    source_name: str
    rows_read: int = 0
    """Values (stream × interval) the file delivered, histograms included."""
    observations_created: int = 0
    observations_updated: int = 0
    observations_unchanged: int = 0
    observations_removed: int = 0
    """Stored counts of intervals the source now marks as invalid (low uptime, a device status)."""
    gaps_created: int = 0
    gaps_updated: int = 0
    gaps_unchanged: int = 0
    gaps_closed: int = 0
    """Stored gaps that the file fills or no longer reports (deleted or shortened)."""
    streams_created: int = 0
    row_errors: int = 0
    errors: list[RowError] = field(default_factory=list)
    """The first ``MAX_LISTED_ERRORS`` problems, each with its line and a German message."""
    period_start: dt.datetime | None = None
    period_end: dt.datetime | None = None
    streams: list[StreamSummary] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k not in ("errors", "streams")}
        out["period_start"] = self.period_start.isoformat() if self.period_start else None
        out["period_end"] = self.period_end.isoformat() if self.period_end else None
        out["errors"] = [{"line": e.line, "message": e.message} for e in self.errors]
        out["streams"] = [s.__dict__ for s in self.streams]
        return out


# --- the generic mapping -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GenericMapping:
    """A :class:`ColumnMapping` plus the traffic meaning of its channels."""

    columns: ColumnMapping
    mode: Mode = Mode.MOTOR_VEHICLE
    channel_traffic: Mapping[str, tuple[Mode, str]] = field(default_factory=dict)
    """Channel → (mode, direction) where it differs from ``mode`` and the channel name."""

    def role(self, channel: str) -> tuple[Mode, str]:
        if channel in self.channel_traffic:
            return self.channel_traffic[channel]
        return self.mode, "gesamt" if channel == "total" else channel


_MAPPING_FIELDS = {
    "series_prefix",
    "timestamp",
    "timestamp_format",
    "time_zone",
    "timestamp_marks",
    "total",
    "channels",
    "status",
    "good_status",
    "interval_minutes",
    "unit",
    "mode",
    "traffic",
}


def parse_mapping(data: Any) -> GenericMapping:
    """The mapping of a generic CSV from its JSON form (documented in the API); German errors name the field."""
    if not isinstance(data, dict):
        raise ImportRejected("Die Spaltenzuordnung muss ein JSON-Objekt sein. / The mapping must be a JSON object.")
    unknown = sorted(set(data) - _MAPPING_FIELDS)
    if unknown:
        raise ImportRejected(f"Unbekannte Felder in der Spaltenzuordnung: {', '.join(unknown)}. / Unknown fields.")

    def text(name: str, default: str | None = None, *, required: bool = False) -> str | None:
        value = data.get(name, default)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip() or len(value) > 300:
            raise ImportRejected(f"Spaltenzuordnung: '{name}' muss ein Text sein. / '{name}' must be a string.")
        return value

    channels = data.get("channels", {})
    if not isinstance(channels, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in channels.items()
    ):
        raise ImportRejected("Spaltenzuordnung: 'channels' muss Spalte → Kanalname zuordnen. / Bad 'channels'.")
    good = data.get("good_status")
    if good is not None and (not isinstance(good, list) or not all(isinstance(g, str) for g in good)):
        raise ImportRejected("Spaltenzuordnung: 'good_status' muss eine Liste von Texten sein. / Bad 'good_status'.")
    minutes = data.get("interval_minutes", 15)
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 1440:
        raise ImportRejected("Spaltenzuordnung: 'interval_minutes' muss 1 bis 1440 sein. / Bad 'interval_minutes'.")
    marks = data.get("timestamp_marks", "start")
    if marks not in ("start", "end"):
        raise ImportRejected("Spaltenzuordnung: 'timestamp_marks' ist 'start' oder 'end'. / Bad 'timestamp_marks'.")
    mode = _mode(data.get("mode", Mode.MOTOR_VEHICLE.value), "mode")
    roles: dict[str, tuple[Mode, str]] = {}
    traffic = data.get("traffic", {})
    if not isinstance(traffic, dict):
        raise ImportRejected("Spaltenzuordnung: 'traffic' muss ein Objekt sein. / 'traffic' must be an object.")
    for channel, role in traffic.items():
        if not isinstance(role, dict):
            raise ImportRejected(f"Spaltenzuordnung: traffic['{channel}'] muss ein Objekt sein. / Bad 'traffic'.")
        direction = role.get("direction", "gesamt" if channel == "total" else channel)
        if not isinstance(direction, str) or not direction.strip():
            raise ImportRejected(f"Spaltenzuordnung: Richtung von '{channel}' fehlt. / Direction missing.")
        roles[channel] = (_mode(role.get("mode", mode.value), f"traffic['{channel}'].mode"), direction.strip())
    columns = ColumnMapping(
        series_prefix=text("series_prefix", "zaehler") or "zaehler",
        timestamp=text("timestamp", required=True) or "",
        timestamp_format=text("timestamp_format"),
        time_zone=text("time_zone", "Europe/Berlin") or "Europe/Berlin",
        timestamp_marks=marks,
        total=text("total"),
        channels={k: v.strip() for k, v in channels.items()},
        status=text("status"),
        good_status=frozenset(g.strip().lower() for g in good) if good is not None else ColumnMapping.good_status,
        interval_minutes=minutes,
        unit=text("unit", "count") or "count",
    )
    return GenericMapping(columns, mode, roles)


def _mode(value: Any, name: str) -> Mode:
    try:
        return Mode(value)
    except ValueError:
        raise ImportRejected(
            f"Spaltenzuordnung: '{name}' ist keine Verkehrsart ({', '.join(m.value for m in Mode)}). / Bad mode."
        ) from None


# --- the service -----------------------------------------------------------------------------------------------


def import_file(
    session: Session,
    principal: Principal,
    thing_id: int,
    path: Path,
    format: str,
    *,
    mapping: GenericMapping | ColumnMapping | None = None,
    source_name: str,
    mode: Mode | None = None,
) -> ImportReport:
    """Import one counter file into the Thing's streams; ``mode`` sets the mode of Eco-Counter channels."""
    if format not in FORMATS:
        raise ImportRejected(f"Unbekanntes Format '{format}' (erlaubt: {', '.join(FORMATS)}). / Unknown format.")
    thing = visible_thing(session, principal, thing_id)
    writer = Writer(session, principal)
    network = writer.dataset(thing.dataset_id)  # EDIT_DATASET on the network, before the file is even read
    generic = GenericMapping(mapping) if isinstance(mapping, ColumnMapping) else mapping
    if format == "generic" and generic is None:
        raise ImportRejected("Für das generische Format fehlt die Spaltenzuordnung. / The mapping is missing.")
    result = _read(path, format, generic)
    if not result.records and not result.gaps and not result.histograms:
        detail = " ".join(f"Zeile {e.line}: {e.message}" for e in result.errors[:3])
        raise ImportRejected(
            f"Die Datei enthält keine verwertbaren Zählwerte. {detail}".strip() + " / The file holds no usable counts."
        )
    report = ImportReport(thing.id, format, source_name[:200], row_errors=len(result.errors))
    report.errors = result.errors[:MAX_LISTED_ERRORS]
    specs = {key: describe(format, key, generic=generic, mode=mode) for key in _series_keys(result)}
    streams: dict[str, Datastream] = {}
    summaries: dict[str, StreamSummary] = {}
    # a savepoint: whatever fails below takes this import's writes with it, even if the caller carries on
    with session.begin_nested():
        index = StreamIndex.load(session, thing)
        for key, spec in sorted(specs.items()):
            stream, created = index.ensure(spec)
            streams[key] = stream
            summaries[key] = StreamSummary(stream.id, stream.name, key, stream_created=created)
            report.streams_created += created
        settle_totals(list(index.streams.values()))
        _store_values(session, writer, result, streams, summaries, report)
        gaps = store_gaps(session, result, streams, source_name[:200])
    report.gaps_created, report.gaps_updated = gaps.created, gaps.updated
    report.gaps_unchanged, report.gaps_closed = gaps.unchanged, gaps.closed
    for key, recorded in gaps.recorded.items():
        summaries[key].gaps_recorded = recorded
    report.streams = [summaries[k] for k in sorted(summaries)]
    starts = [r.phenomenon_start for r in result.records] + [g.start for g in result.gaps]
    ends = [r.phenomenon_end for r in result.records] + [g.end for g in result.gaps]
    report.period_start, report.period_end = min(starts, default=None), max(ends, default=None)
    audit.record(
        session,
        actor=principal,
        action="sensors.import",
        entity_type="Thing",
        entity_id=thing.id,
        municipality_id=network.municipality_id,
        after={k: v for k, v in report.as_dict().items() if k not in ("errors", "streams")},
    )
    return report


def _read(path: Path, format: str, generic: GenericMapping | None) -> ImportResult:
    label = FORMAT_LABELS[format]
    try:
        if format == "telraam":
            return importers.import_telraam(path)
        if format == "ecocounter":
            return importers.import_ecocounter(path)
        assert generic is not None
        return importers.import_generic(path, generic.columns)
    except InvalidInput as exc:
        raise ImportRejected(
            f"Die Datei lässt sich nicht als {label} lesen: {exc.message} / The file cannot be read as {format}."
        ) from exc
    except (UnicodeError, csv.Error, ValueError, RecursionError) as exc:
        raise ImportRejected(
            f"Die Datei lässt sich nicht als {label} lesen ({type(exc).__name__}). / Cannot be read as {format}."
        ) from exc


def _series_keys(result: ImportResult) -> set[str]:
    return (
        {r.series_key for r in result.records}
        | {g.series_key for g in result.gaps}
        | {h.series_key for h in result.histograms}
    )


# --- observations ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Stored:
    id: int
    end: dt.datetime | None
    result: Any
    quality: Any
    parameters: Any
    feature: int | None


def _stored(session: Session, stream_id: int, first: dt.datetime, last: dt.datetime) -> dict[dt.datetime, _Stored]:
    rows = session.execute(
        select(
            Observation.phenomenon_time,
            Observation.id,
            Observation.phenomenon_time_end,
            Observation.result_json,
            Observation.result_quality,
            Observation.parameters,
            Observation.feature_of_interest_id,
        ).where(
            Observation.datastream_id == stream_id,
            Observation.phenomenon_time >= first,
            Observation.phenomenon_time <= last,
        )
    )
    return {row[0]: _Stored(*row[1:]) for row in rows}


def _result(value: float) -> float | int:
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def histogram_result(histogram: SpeedHistogram) -> dict[str, Any]:
    classes = [
        {"from": low, "to": None if math.isinf(high) else high, "share": share}
        for low, high, share in zip(histogram.edges[:-1], histogram.edges[1:], histogram.shares, strict=True)
    ]
    return {"unit": "km/h", "share_unit": "%", "classes": classes}


def _store_values(
    session: Session,
    writer: Writer,
    result: ImportResult,
    streams: dict[str, Datastream],
    summaries: dict[str, StreamSummary],
    report: ImportReport,
) -> None:
    uptime = {(r.series_key.rsplit(":", 1)[0], r.phenomenon_start): r.quality for r in result.records}
    features: dict[str, int | None] = {}
    for key, stream in streams.items():
        feature = writer.feature_from_location(stream)  # one query per stream, not per value
        features[key] = feature.id if feature else None
    wanted: dict[str, list[NewObservation]] = defaultdict(list)
    for record in result.records:
        stream = streams[record.series_key]
        wanted[record.series_key].append(_observation(stream, record, features[record.series_key]))
    for histogram in result.histograms:
        stream = streams[histogram.series_key]
        quality = uptime.get((histogram.series_key.rsplit(":", 1)[0], histogram.phenomenon_start))
        wanted[histogram.series_key].append(
            NewObservation(
                datastream_id=stream.id,
                dataset_id=stream.dataset_id,
                phenomenon_time=histogram.phenomenon_start,
                phenomenon_time_end=histogram.phenomenon_end,
                result=histogram_result(histogram),
                result_quality=quality,
                feature_of_interest_id=features[histogram.series_key],
            )
        )
    invalid = _invalid_intervals(result)
    changed: list[NewObservation] = []
    owners: list[str] = []
    for key, stream in streams.items():
        items = wanted.get(key, [])
        summary = summaries[key]
        report.rows_read += len(items)
        times = [i.phenomenon_time for i in items] + [g[0] for g in invalid.get(key, [])]
        ends = [i.phenomenon_time_end or i.phenomenon_time for i in items] + [g[1] for g in invalid.get(key, [])]
        if not times:
            continue
        stored = _stored(session, stream.id, min(times), max(ends))
        for item in items:
            known = stored.get(item.phenomenon_time)
            if known is not None and _same(known, item):
                summary.observations_unchanged += 1
                continue
            changed.append(item)
            owners.append(key)
        doomed = [
            (moment, row.id)
            for moment, row in stored.items()
            if any(start <= moment < end for start, end in invalid.get(key, []))
        ]
        if doomed:
            session.execute(delete(Observation).where(Observation.id.in_([i for _m, i in doomed])))
            refresh_rollups(session, stream.id, [m for m, _i in doomed])
            summary.observations_removed += len(doomed)
    for outcome, key in zip(store_observations(session, changed), owners, strict=True):
        if outcome.created:
            summaries[key].observations_created += 1
        else:
            summaries[key].observations_updated += 1
    for summary in summaries.values():
        report.observations_created += summary.observations_created
        report.observations_updated += summary.observations_updated
        report.observations_unchanged += summary.observations_unchanged
        report.observations_removed += summary.observations_removed


def _observation(stream: Datastream, record: CountRecord, feature_id: int | None) -> NewObservation:
    return NewObservation(
        datastream_id=stream.id,
        dataset_id=stream.dataset_id,
        phenomenon_time=record.phenomenon_start,
        phenomenon_time_end=record.phenomenon_end,
        result=_result(record.value),
        result_quality=record.quality,
        parameters=None if record.status == importers.records.STATUS_OK else {"status": record.status},
        feature_of_interest_id=feature_id,
    )


def _same(known: _Stored, item: NewObservation) -> bool:
    return (
        known.end == item.phenomenon_time_end
        and known.result == item.result
        and known.quality == item.result_quality
        and known.parameters == item.parameters
        and known.feature == item.feature_of_interest_id
    )


def _invalid_intervals(result: ImportResult) -> dict[str, list[tuple[dt.datetime, dt.datetime]]]:
    """Intervals the source marks as invalid (not merely absent): stored counts there are withdrawn."""
    out: dict[str, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    for gap in result.gaps:
        if gap.reason != "missing":
            out[gap.series_key].append((gap.start, gap.end))
    return out


__all__ = [
    "FORMATS",
    "GenericMapping",
    "ImportRejected",
    "ImportReport",
    "StreamSpec",
    "StreamSummary",
    "import_file",
    "parse_mapping",
]
