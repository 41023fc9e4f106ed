"""What a counting site measures, and the traffic-engineering figures of a site or of many sites.

SensorThings knows Things and Datastreams; traffic planning needs "the motor vehicles northbound". A Datastream
says what it counts in ``properties["traffic"]``::

    {"mode": "kfz" | "pkw" | "sv" | "rad" | "fuss", "direction": "Nord", "quantity": "count" | "speed" | "v85"}

``kfz`` is all motor vehicles, ``sv`` heavy vehicles over 3.5 t (with ``pkw`` the two make up ``kfz`` when a site
has no ``kfz`` stream). ``speed`` holds single-vehicle speeds (instants), ``v85`` a per-interval v85 reported by
the device (Telraam). Streams without the key are ignored here (they still work in the STA API).
A Thing is a counting site (Zählstelle); its sensor network is its catalogue dataset.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from kikz.catalog.models import Dataset
from kikz.errors import InvalidInput, NotFound
from kikz.sensors import kpi
from kikz.sensors.calendar import HESSE, DayType, TrafficCalendar
from kikz.sensors.kpi import BERLIN, CountSeries, KpiResult
from kikz.sensors.models import Datastream, Location, Observation, Rollup, Thing, thing_location
from kikz.sensors.series import hourly, quarter_hourly
from kikz.sensors.store import DAY
from kikz.tenancy.permissions import Principal, visible

TRAFFIC_KEY = "traffic"
MAX_SPEED_SAMPLES = 2_000_000
"""v85 from single-vehicle speeds reads the samples; beyond this many the period must be shortened."""


class Mode(enum.StrEnum):
    MOTOR_VEHICLE = "kfz"
    CAR = "pkw"
    HEAVY = "sv"
    BICYCLE = "rad"
    PEDESTRIAN = "fuss"


MODE_LABELS = {
    Mode.MOTOR_VEHICLE: "Kfz",
    Mode.CAR: "Pkw",
    Mode.HEAVY: "Schwerverkehr",
    Mode.BICYCLE: "Rad",
    Mode.PEDESTRIAN: "Fußverkehr",
}


class Quantity(enum.StrEnum):
    COUNT = "count"
    SPEED = "speed"
    V85 = "v85"


@dataclass(frozen=True, slots=True)
class StreamRole:
    datastream_id: int
    name: str
    mode: Mode
    direction: str
    quantity: Quantity


@dataclass(frozen=True)
class Site:
    id: int
    name: str
    dataset_id: int
    municipality_id: int
    lon: float | None
    lat: float | None
    streams: tuple[StreamRole, ...]

    def counts(self, mode: Mode) -> list[StreamRole]:
        return [s for s in self.streams if s.mode == mode and s.quantity == Quantity.COUNT]

    def motor_vehicle_streams(self) -> list[list[StreamRole]]:
        """Per direction the streams that add up to all motor vehicles (kfz, else pkw + sv)."""
        if self.counts(Mode.MOTOR_VEHICLE):
            return [[s] for s in self.counts(Mode.MOTOR_VEHICLE)]
        by_direction: dict[str, list[StreamRole]] = defaultdict(list)
        for stream in self.counts(Mode.CAR) + self.counts(Mode.HEAVY):
            by_direction[stream.direction].append(stream)
        return [parts for parts in by_direction.values() if {p.mode for p in parts} == {Mode.CAR, Mode.HEAVY}]


def traffic_role(datastream_id: int, name: str, properties: dict[str, Any] | None) -> StreamRole | None:
    info = (properties or {}).get(TRAFFIC_KEY)
    if not isinstance(info, dict):
        return None
    try:
        mode = Mode(str(info.get("mode")))
        quantity = Quantity(info.get("quantity", "count"))
    except ValueError:
        return None
    return StreamRole(datastream_id, name, mode, str(info.get("direction") or "gesamt"), quantity)


def sites(session: Session, principal: Principal, *, thing_ids: Sequence[int] | None = None) -> list[Site]:
    """Visible counting sites (Things with at least one traffic stream), with their first Location's point."""
    stmt = (
        select(Thing.id, Thing.name, Thing.dataset_id, Dataset.municipality_id)
        .join(Dataset, Dataset.id == Thing.dataset_id)
        .where(visible(principal, Dataset))
        .order_by(Thing.name, Thing.id)
    )
    if thing_ids is not None:
        stmt = stmt.where(Thing.id.in_(list(thing_ids)))
    things = session.execute(stmt).all()
    ids = [t.id for t in things]
    streams: dict[int, list[StreamRole]] = defaultdict(list)
    for row in session.execute(
        select(Datastream.id, Datastream.name, Datastream.properties, Datastream.thing_id)
        .where(Datastream.thing_id.in_(ids))
        .order_by(Datastream.id)
    ):
        role = traffic_role(row.id, row.name, row.properties)
        if role is not None:
            streams[row.thing_id].append(role)
    points: dict[int, tuple[float | None, float | None]] = {}
    for thing_id, lon, lat in session.execute(
        select(thing_location.c.thing_id, Location.lon, Location.lat)
        .join(Location, Location.id == thing_location.c.location_id)
        .where(thing_location.c.thing_id.in_(ids))
        .order_by(Location.id)
    ):
        points.setdefault(thing_id, (lon, lat))
    return [
        Site(t.id, t.name, t.dataset_id, t.municipality_id, *points.get(t.id, (None, None)), tuple(streams[t.id]))
        for t in things
        if streams[t.id]
    ]


def site(session: Session, principal: Principal, thing_id: int) -> Site:
    found = sites(session, principal, thing_ids=[thing_id])
    if not found:
        raise NotFound("Zählstelle nicht gefunden. / Counting site not found.")
    return found[0]


def _period(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    if last < first:
        raise InvalidInput("Das Ende des Zeitraums liegt vor dem Anfang. / Period ends before it starts.")
    if (last - first).days > 3 * 366:
        raise InvalidInput("Höchstens drei Jahre je Auswertung. / At most three years per analysis.")
    start = dt.datetime.combine(first, dt.time(), BERLIN).astimezone(dt.UTC)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), BERLIN).astimezone(dt.UTC)
    return start, end


# --- many sites: DTV from the day rollups ---------------------------------------------------------------------


def network_dtv(
    session: Session, principal: Principal, site_list: Sequence[Site], first: dt.date, last: dt.date, mode: Mode
) -> dict[int, KpiResult]:
    """DTV of ``mode`` (both directions) for every site, aggregated inside the database from the day rollups.

    Same rules as :func:`kpi.dtv` on :func:`series.daily`: a stream's day counts if at least 90 % of it is
    covered and is extrapolated to the day's length; a site's day counts only if every stream of its cross-section
    counts; the DTV is the mean over those days. One query returns one row per site.
    """
    start, end = _period(first, last)
    required: dict[int, int] = {}
    wanted: list[int] = []
    for s in site_list:
        if mode == Mode.MOTOR_VEHICLE:
            ids = [r.datastream_id for group in s.motor_vehicle_streams() for r in group]
        else:
            ids = [r.datastream_id for r in s.counts(mode)]
        if ids:
            required[s.id] = len(ids)
            wanted.extend(ids)
    if not wanted:
        return {}
    per_day = (
        select(
            Datastream.thing_id.label("thing_id"),
            func.sum(Rollup.total * Rollup.length / Rollup.covered).label("day_total"),
            func.count().label("parts"),
        )
        .join(Datastream, Datastream.id == Rollup.datastream_id)
        .join(Dataset, Dataset.id == Rollup.dataset_id)
        .where(
            visible(principal, Dataset),
            Rollup.datastream_id.in_(wanted),
            Rollup.resolution == DAY,
            Rollup.bucket_start >= start,
            Rollup.bucket_start < end,
            Rollup.covered >= kpi.MIN_COMPLETENESS * Rollup.length,
        )
        .group_by(Datastream.thing_id, Rollup.bucket_start)
        .subquery()
    )
    needed = case(required, value=per_day.c.thing_id, else_=-1)
    stmt = (
        select(per_day.c.thing_id, func.avg(per_day.c.day_total), func.count())
        .where(per_day.c.parts == needed)
        .group_by(per_day.c.thing_id)
    )
    name = f"DTV {MODE_LABELS[mode]}"
    found = {
        int(thing_id): kpi.dtv_result(float(mean), int(days), name=name)
        for thing_id, mean, days in session.execute(stmt)
    }
    return {site_id: found.get(site_id) or kpi.dtv_result(None, 0, name=name) for site_id in required}


# --- one site: the full KPI table --------------------------------------------------------------------------------


@dataclass
class SiteReport:
    site: Site
    first: dt.date
    last: dt.date
    kpis: list[KpiResult]
    directions: dict[str, KpiResult]
    heatmap: list[list[float | None]]
    """Mean motor-vehicle (else the main mode's) count per local hour: rows Mo..So (holidays count as So), 24 cols."""
    heatmap_mode: Mode | None
    daily_totals: dict[str, list[tuple[dt.date, float | None]]] = field(default_factory=dict)
    """Per mode label the day totals (None for invalid days), for charts."""
    completeness: float | None = None
    """Share of valid days in the period for the main mode."""


def _main_mode(s: Site) -> Mode | None:
    if s.motor_vehicle_streams():
        return Mode.MOTOR_VEHICLE
    for mode in (Mode.BICYCLE, Mode.PEDESTRIAN, Mode.CAR, Mode.HEAVY):
        if s.counts(mode):
            return mode
    return None


def _groups(s: Site, mode: Mode) -> list[list[StreamRole]]:
    return s.motor_vehicle_streams() if mode == Mode.MOTOR_VEHICLE else [[r] for r in s.counts(mode)]


def _cross_section(series: dict[int, CountSeries], groups: list[list[StreamRole]]) -> CountSeries | None:
    members = [series[r.datastream_id] for group in groups for r in group if r.datastream_id in series]
    if not members or len(members) != sum(len(g) for g in groups):
        return None
    return kpi.combine(members)


def heatmap(series: CountSeries, calendar: TrafficCalendar = HESSE) -> list[list[float | None]]:
    """Mean count per local weekday × hour; public holidays are grouped with Sundays."""
    mask = series.present
    sums = np.zeros((7, 24))
    counts = np.zeros((7, 24))
    for start, value in zip(series.start[mask], series.values[mask], strict=True):
        local = dt.datetime.fromtimestamp(int(start), BERLIN)
        row = 6 if calendar.day_type(local.date()) == DayType.SUNDAY_OR_HOLIDAY else local.weekday()
        sums[row, local.hour] += value
        counts[row, local.hour] += 1
    factor = 3600 / series.step  # quarter-hours become hourly rates
    return [[float(sums[r, h] / counts[r, h] * factor) if counts[r, h] else None for h in range(24)] for r in range(7)]


def _v85(session: Session, principal: Principal, s: Site, start: dt.datetime, end: dt.datetime) -> KpiResult | None:
    speed = [r for r in s.streams if r.quantity == Quantity.SPEED]
    if speed:
        stmt = (
            select(Observation.result_number)
            .join(Dataset, Dataset.id == Observation.dataset_id)
            .where(
                visible(principal, Dataset),
                Observation.datastream_id.in_([r.datastream_id for r in speed]),
                Observation.phenomenon_time >= start,
                Observation.phenomenon_time < end,
                Observation.result_number.is_not(None),
            )
            .limit(MAX_SPEED_SAMPLES + 1)
        )
        samples = np.array(session.scalars(stmt).all(), dtype=np.float64)
        if samples.size > MAX_SPEED_SAMPLES:
            raise InvalidInput("Zu viele Einzelgeschwindigkeiten; bitte den Zeitraum verkürzen. / Period too long.")
        if samples.size:
            return kpi.speed_percentile_from_samples(samples)
    reported = [r for r in s.streams if r.quantity == Quantity.V85]
    if reported:
        values = hourly(session, principal, [r.datastream_id for r in reported], start, end)
        present = np.concatenate([v.values[v.present] for v in values.values()]) if values else np.zeros(0)
        if present.size:
            return KpiResult(
                "v85",
                float(np.median(present)),
                "km/h",
                0,
                "v85: Median der vom Gerät je Intervall gemeldeten v85-Werte (keine Einzelfahrzeugdaten vorhanden).",
                {"intervals": int(present.size)},
            )
    return None


def site_report(session: Session, principal: Principal, thing_id: int, first: dt.date, last: dt.date) -> SiteReport:
    """DTV, DTVw, per direction, DTVSV/pSV, Spitzenstunde, MSV30, v85 and modal split of one site and period."""
    s = site(session, principal, thing_id)
    start, end = _period(first, last)
    counts = [r for r in s.streams if r.quantity == Quantity.COUNT]
    series = hourly(session, principal, [r.datastream_id for r in counts], start, end)
    kpis: list[KpiResult] = []
    directions: dict[str, KpiResult] = {}
    main = _main_mode(s)
    daily_out: dict[str, list[tuple[dt.date, float | None]]] = {}
    grid: list[list[float | None]] = []
    completeness = None
    if main is not None:
        groups = _groups(s, main)
        cross = _cross_section(series, groups)
        if cross is not None:
            label = MODE_LABELS[main]
            kpis.append(kpi.dtv(cross, name=f"DTV {label}"))
            kpis.append(kpi.dtvw(cross))
            by_direction = {
                group[0].direction: combined
                for group in groups
                if (combined := _cross_section(series, [group])) is not None
            }
            if len(by_direction) > 1:
                directions = {k: v for k, v in kpi.dtv_by_direction(by_direction).items() if k != "gesamt"}
            quarter = _quarter_cross_section(session, principal, groups, start, end)
            kpis.append(kpi.peak_hour(quarter if quarter is not None else cross))
            kpis.append(kpi.msv(cross))
            days = kpi.daily_totals(cross)
            daily_out[label] = [
                (d, None if not v else float(t)) for d, t, v in zip(days.dates, days.totals, days.valid, strict=True)
            ]
            period_days = (last - first).days + 1
            completeness = float(days.valid.sum()) / period_days
            grid = heatmap(cross)
            if main == Mode.MOTOR_VEHICLE:
                heavy = _cross_section(series, [[r] for r in s.counts(Mode.HEAVY)])
                if heavy is not None:
                    kpis.extend(kpi.heavy_vehicle_share(cross, heavy))
    speed = _v85(session, principal, s, start, end)
    if speed is not None:
        kpis.append(speed)
    modes = {}
    for mode in (Mode.MOTOR_VEHICLE, Mode.BICYCLE, Mode.PEDESTRIAN):
        cross_mode = _cross_section(series, _groups(s, mode)) if _groups(s, mode) else None
        if cross_mode is not None:
            modes[MODE_LABELS[mode]] = cross_mode
            if mode != main:
                days = kpi.daily_totals(cross_mode)
                daily_out[MODE_LABELS[mode]] = [
                    (d, None if not v else float(t))
                    for d, t, v in zip(days.dates, days.totals, days.valid, strict=True)
                ]
    if len(modes) > 1:
        kpis.append(kpi.modal_split(modes))
    return SiteReport(s, first, last, kpis, directions, grid, main, daily_out, completeness)


def _quarter_cross_section(
    session: Session, principal: Principal, groups: list[list[StreamRole]], start: dt.datetime, end: dt.datetime
) -> CountSeries | None:
    members = [quarter_hourly(session, principal, r.datastream_id, start, end) for g in groups for r in g]
    if not members or any(m.start.size == 0 for m in members):
        return None
    return kpi.combine(members)
