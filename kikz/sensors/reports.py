"""The traffic reports behind the pages, the JSON API and the council report: periods, sites with their city and
network, the figures of one site and the comparison of many.

Everything reads through :mod:`kikz.sensors.traffic` (which filters by the caller's rights in SQL); an invisible
site is reported as missing. Views carry plain values; :mod:`kikz.sensors.present` turns them into text.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kikz.catalog.models import Dataset
from kikz.errors import KikzError, NotFound
from kikz.sensors import kpi, series, traffic
from kikz.sensors.kpi import BERLIN, MIN_COMPLETENESS, CountSeries, KpiResult
from kikz.sensors.models import Datastream, Thing
from kikz.sensors.traffic import Mode, Quantity, Site, SiteReport
from kikz.tenancy.models import Municipality
from kikz.tenancy.permissions import Principal, visible

COMPARED_MODES = (Mode.MOTOR_VEHICLE, Mode.BICYCLE, Mode.PEDESTRIAN)
MAX_PERIOD_DAYS = 3 * 366
"""Same limit as :func:`kikz.sensors.traffic.site_report`, checked here so the caller gets a 400 first."""
WEEKDAY_GROUPS = {"workday": (0, 1, 2, 3, 4), "saturday": (5,), "sunday": (6,)}
"""Rows of the heatmap (Mo..So, holidays with Sundays) that make up the hourly profiles."""


class BadRequest(KikzError):
    """A malformed query (dates, period): 400 with a German message."""

    status_code = 400
    code = "bad_request"


@dataclass(frozen=True)
class Period:
    first: dt.date
    last: dt.date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def parse_date(raw: str | None, name: str) -> dt.date | None:
    if raw is None or not raw.strip():
        return None
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise BadRequest(
            f"„{name}“ ist kein gültiges Datum (JJJJ-MM-TT): {raw.strip()[:20]!r}. / "
            f"'{name}' is not a valid date (YYYY-MM-DD)."
        ) from None


def parse_period(von: str | None, bis: str | None, default: Period) -> Period:
    """The period of ``?von=&bis=`` (ISO dates, both inclusive); a missing end is filled from the default."""
    first = parse_date(von, "von")
    last = parse_date(bis, "bis")
    if first is None and last is None:
        return default
    if first is None:
        assert last is not None
        first = max(last - dt.timedelta(days=default.days - 1), dt.date(last.year, 1, 1))
    if last is None:
        last = min(dt.date(first.year, 12, 31), first + dt.timedelta(days=default.days - 1))
    if last < first:
        raise BadRequest("Das Ende des Zeitraums („bis“) liegt vor dem Anfang („von“). / Period ends before it starts.")
    if (last - first).days + 1 > MAX_PERIOD_DAYS:
        raise BadRequest("Höchstens drei Jahre je Auswertung. / At most three years per analysis.")
    return Period(first, last)


# --- what data there is -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DataExtent:
    first: dt.date | None
    """First local day with data."""
    last: dt.date | None
    """Last local day with data."""

    @property
    def years(self) -> list[int]:
        if self.first is None or self.last is None:
            return []
        return list(range(self.first.year, self.last.year + 1))


def data_extent(session: Session, principal: Principal, datastream_ids: Sequence[int]) -> DataExtent:
    """The local days covered by the visible streams' phenomenon times (kept current on every write)."""
    if not datastream_ids:
        return DataExtent(None, None)
    begin, end = session.execute(
        select(func.min(Datastream.phenomenon_time_start), func.max(Datastream.phenomenon_time_end))
        .join(Dataset, Dataset.id == Datastream.dataset_id)
        .where(visible(principal, Dataset), Datastream.id.in_(list(datastream_ids)))
    ).one()
    return _extent(begin, end)


def extents_by_site(session: Session, principal: Principal, site_list: Sequence[Site]) -> dict[int, DataExtent]:
    """The data extent of every site (its counting streams) in one grouped query."""
    owner = {r.datastream_id: s.id for s in site_list for r in s.streams if r.quantity == Quantity.COUNT}
    if not owner:
        return {}
    rows = session.execute(
        select(
            Datastream.thing_id, func.min(Datastream.phenomenon_time_start), func.max(Datastream.phenomenon_time_end)
        )
        .join(Dataset, Dataset.id == Datastream.dataset_id)
        .where(visible(principal, Dataset), Datastream.id.in_(list(owner)))
        .group_by(Datastream.thing_id)
    )
    return {thing_id: _extent(begin, end) for thing_id, begin, end in rows if thing_id is not None}


def _extent(begin: dt.datetime | None, end: dt.datetime | None) -> DataExtent:
    if begin is None or end is None:
        return DataExtent(None, None)
    first = begin.astimezone(BERLIN).date()
    last = (end - dt.timedelta(seconds=1)).astimezone(BERLIN).date()  # the end is exclusive
    return DataExtent(first, max(first, last))


def default_period(extent: DataExtent, today: dt.date | None = None) -> Period:
    """The last full calendar year with data; without one, the last (up to) 365 days with data."""
    if extent.first is None or extent.last is None:
        year = (today or dt.date.today()).year - 1
        return Period(dt.date(year, 1, 1), dt.date(year, 12, 31))
    last = extent.last
    year = last.year if (last.month, last.day) == (12, 31) else last.year - 1
    if extent.first <= dt.date(year, 1, 1):
        return Period(dt.date(year, 1, 1), dt.date(year, 12, 31))
    return Period(max(extent.first, last - dt.timedelta(days=364)), last)


def count_stream_ids(site_list: Sequence[Site]) -> list[int]:
    return [r.datastream_id for s in site_list for r in s.streams if r.quantity == Quantity.COUNT]


# --- sites with their city and network ---------------------------------------------------------------------------


@dataclass(frozen=True)
class City:
    id: int
    slug: str
    name: str


@dataclass(frozen=True)
class SiteEntry:
    site: Site
    city: City
    network_name: str
    """URL slug of the sensor network's catalogue dataset."""
    network_title: str
    description: str = ""

    @property
    def modes(self) -> list[Mode]:
        """Counted modes, motor vehicles first (kfz also when only pkw + sv are counted)."""
        out = [Mode.MOTOR_VEHICLE] if self.site.motor_vehicle_streams() else []
        return out + [m for m in (Mode.BICYCLE, Mode.PEDESTRIAN) if self.site.counts(m)]

    @property
    def directions(self) -> list[str]:
        """Counted directions of the main mode (motor vehicles, else the first counted mode)."""
        if self.site.motor_vehicle_streams():
            return list(dict.fromkeys(g[0].direction for g in self.site.motor_vehicle_streams()))
        counted = [r for r in self.site.streams if r.quantity == Quantity.COUNT]
        main = next((r.mode for r in counted if r.mode in self.modes), None)
        return list(dict.fromkeys(r.direction for r in counted if r.mode == main))


def site_entries(session: Session, principal: Principal, *, thing_ids: Sequence[int] | None = None) -> list[SiteEntry]:
    """Visible counting sites with city and network, ordered by city, then name."""
    found = traffic.sites(session, principal, thing_ids=thing_ids)
    if not found:
        return []
    networks = {
        row.id: row
        for row in session.execute(
            select(Dataset.id, Dataset.name, Dataset.title, Municipality.id.label("city_id"), Municipality.slug)
            .add_columns(Municipality.name.label("city_name"))
            .join(Municipality, Municipality.id == Dataset.municipality_id)
            .where(visible(principal, Dataset), Dataset.id.in_({s.dataset_id for s in found}))
        )
    }
    descriptions: dict[int, str] = {
        thing_id: text
        for thing_id, text in session.execute(
            select(Thing.id, Thing.description).where(Thing.id.in_([s.id for s in found]))
        )
    }
    entries = [
        SiteEntry(
            s,
            City(net.city_id, net.slug, net.city_name),
            net.name,
            net.title,
            descriptions.get(s.id) or "",
        )
        for s in found
        if (net := networks.get(s.dataset_id)) is not None
    ]
    return sorted(entries, key=lambda e: (e.city.name, e.site.name, e.site.id))


def cities_of(entries: Sequence[SiteEntry]) -> list[tuple[City, int]]:
    """The cities of the given sites with their number of sites, by name."""
    counts: dict[City, int] = {}
    for entry in entries:
        counts[entry.city] = counts.get(entry.city, 0) + 1
    return sorted(counts.items(), key=lambda item: item[0].name)


def site_entry(session: Session, principal: Principal, thing_id: int) -> SiteEntry:
    found = site_entries(session, principal, thing_ids=[thing_id])
    if not found:
        raise NotFound("Zählstelle nicht gefunden. / Counting site not found.")
    return found[0]


# --- one site ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """Where the figures come from, for the report's source and licence statement."""

    network_title: str
    network_name: str
    publisher: str
    city: str
    license_title: str
    license_url: str
    attribution: str


def source_of(session: Session, principal: Principal, entry: SiteEntry) -> Source:
    dataset = session.scalars(
        select(Dataset).where(visible(principal, Dataset), Dataset.id == entry.site.dataset_id)
    ).one()
    license_ = dataset.license
    return Source(
        network_title=dataset.title,
        network_name=dataset.name,
        publisher=dataset.publisher_name or entry.city.name,
        city=entry.city.name,
        license_title=license_.title if license_ else "",
        license_url=(license_.url or license_.iri) if license_ else "",
        attribution=f"{dataset.publisher_name or entry.city.name}, {dataset.title}",
    )


@dataclass
class SiteView:
    entry: SiteEntry
    period: Period
    extent: DataExtent
    report: SiteReport
    source: Source
    profiles: dict[str, list[float | None]] = field(default_factory=dict)
    """Mean hourly volume per day group (``workday``, ``saturday``, ``sunday``), 24 values each."""
    incidents: list[Any] = field(default_factory=list)
    """Outages and anomalies of the main series, when :mod:`kikz.sensors.analytics` provides them."""

    @property
    def valid_days(self) -> int:
        return round((self.report.completeness or 0.0) * self.period.days)

    @property
    def min_completeness(self) -> float:
        return MIN_COMPLETENESS

    def kpi(self, name: str) -> KpiResult | None:
        return next((k for k in self.report.kpis if k.name == name), None)


def hourly_profiles(grid: list[list[float | None]]) -> dict[str, list[float | None]]:
    """Mean per hour over the heatmap rows of each day group (rows without a value are left out)."""
    out: dict[str, list[float | None]] = {}
    for key, rows in WEEKDAY_GROUPS.items():
        values: list[float | None] = []
        for hour in range(24):
            cells = [grid[r][hour] for r in rows if grid and grid[r][hour] is not None]
            values.append(statistics.fmean(c for c in cells if c is not None) if cells else None)
        out[key] = values
    return out


def site_view(
    session: Session, principal: Principal, thing_id: int, von: str | None = None, bis: str | None = None
) -> SiteView:
    """Everything the site page, the council report and the JSON report show for one site and period."""
    entry = site_entry(session, principal, thing_id)
    extent = data_extent(session, principal, count_stream_ids([entry.site]))
    period = parse_period(von, bis, default_period(extent))
    report = traffic.site_report(session, principal, thing_id, period.first, period.last)
    view = SiteView(entry, period, extent, report, source_of(session, principal, entry))
    view.profiles = hourly_profiles(report.heatmap)
    return view


# --- many sites: the city comparison -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ComparisonRow:
    entry: SiteEntry
    mode: Mode
    result: KpiResult


@dataclass(frozen=True)
class CitySummary:
    city: City
    mode: Mode
    sites: int
    """Sites of the city counting this mode with a DTV in the period."""
    mean: float
    median: float
    maximum: float


@dataclass
class Comparison:
    period: Period
    modes: list[Mode]
    rows: list[ComparisonRow]
    cities: list[CitySummary]
    without_figures: list[tuple[SiteEntry, Mode]]
    """Sites counting a mode but without a valid day in the period."""


SORTS = ("stadt", "dtv", "name")


def network_default_period(session: Session, principal: Principal, entries: Sequence[SiteEntry]) -> Period:
    return default_period(data_extent(session, principal, count_stream_ids([e.site for e in entries])))


def compare(
    session: Session,
    principal: Principal,
    entries: Sequence[SiteEntry],
    period: Period,
    modes: Sequence[Mode] = COMPARED_MODES,
    *,
    sort: str = "stadt",
) -> Comparison:
    """Per mode the DTV of every site from the day rollups, and per city and mode a summary."""
    rows: list[ComparisonRow] = []
    missing: list[tuple[SiteEntry, Mode]] = []
    by_id = {e.site.id: e for e in entries}
    for mode in modes:
        counting = [e for e in entries if mode in e.modes]
        if not counting:
            continue
        results = traffic.network_dtv(session, principal, [e.site for e in counting], period.first, period.last, mode)
        for e in counting:
            result = results.get(e.site.id)
            if result is None or result.value is None:
                missing.append((e, mode))
            else:
                rows.append(ComparisonRow(by_id[e.site.id], mode, result))
    summaries: list[CitySummary] = []
    for mode in modes:
        grouped: dict[City, list[float]] = {}
        for row in rows:
            if row.mode == mode and row.result.value is not None:
                grouped.setdefault(row.entry.city, []).append(row.result.value)
        for city, values in sorted(grouped.items(), key=lambda item: item[0].name):
            summaries.append(
                CitySummary(city, mode, len(values), statistics.fmean(values), statistics.median(values), max(values))
            )
    return Comparison(period, list(modes), sort_rows(rows, sort), summaries, missing)


def sort_rows(rows: list[ComparisonRow], sort: str) -> list[ComparisonRow]:
    mode_order = {m: i for i, m in enumerate(COMPARED_MODES)}

    def dtv_desc(row: ComparisonRow) -> float:
        return -(row.result.value or 0.0)

    if sort == "dtv":
        return sorted(rows, key=lambda r: (mode_order.get(r.mode, 9), dtv_desc(r), r.entry.site.name))
    if sort == "name":
        return sorted(rows, key=lambda r: (mode_order.get(r.mode, 9), r.entry.site.name.casefold(), r.entry.site.id))
    return sorted(rows, key=lambda r: (mode_order.get(r.mode, 9), r.entry.city.name, dtv_desc(r)))


# --- incidents (kikz.sensors.analytics) ---------------------------------------------------------------------------


def main_series(session: Session, principal: Principal, view: SiteView) -> CountSeries | None:
    """The hourly cross-section of the site's main mode (all directions) in the view's period."""
    main = view.report.heatmap_mode
    if main is None:
        return None
    site_ = view.entry.site
    groups = site_.motor_vehicle_streams() if main == Mode.MOTOR_VEHICLE else [[r] for r in site_.counts(main)]
    ids = [r.datastream_id for group in groups for r in group]
    start, end = period_bounds(view.period)
    found = series.hourly(session, principal, ids, start, end)
    if not ids or any(i not in found for i in ids):
        return None
    return kpi.combine([found[i] for i in ids])


def period_bounds(period: Period) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(period.first, dt.time(), BERLIN).astimezone(dt.UTC)
    end = dt.datetime.combine(period.last + dt.timedelta(days=1), dt.time(), BERLIN).astimezone(dt.UTC)
    return start, end


def incidents(session: Session, principal: Principal, view: SiteView) -> list[Any]:
    """Outages and anomalies of the main series in the period (:mod:`kikz.sensors.analytics.outages`)."""
    try:
        from kikz.sensors.analytics.outages import detect_incidents
    except ImportError:  # the analytics package is optional for the pages
        return []
    counts = main_series(session, principal, view)
    if counts is None or not counts.present.any():
        return []
    try:
        return list(detect_incidents(counts, period=period_bounds(view.period)))
    except KikzError:
        return []
