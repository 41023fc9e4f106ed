"""JSON API of the traffic reports under ``/api/v1/sensors``: counting sites, a site's report, the comparison.

The same service as the pages (:mod:`kikz.sensors.reports`), so the same rights apply: an invisible site is
answered 404 like a missing one; malformed dates are answered 400 with a German message.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from kikz.sensors import reports
from kikz.sensors.kpi import KpiResult
from kikz.sensors.reports import COMPARED_MODES, SORTS, DataExtent, SiteEntry
from kikz.sensors.traffic import Mode
from kikz.web.deps import PrincipalDep, SessionDep, SettingsDep

router = APIRouter(prefix="/api/v1/sensors", tags=["Verkehrszählung / Traffic counts"])

DateParam = Annotated[
    str | None, Query(max_length=20, description="Datum JJJJ-MM-TT (einschließlich) / date YYYY-MM-DD (inclusive)")
]
CityParam = Annotated[str | None, Query(max_length=60, description="Kommune (Kürzel) / municipality slug")]
SiteId = Annotated[int, Path(ge=1, le=2**31 - 1, description="Id der Zählstelle (Thing) / site (Thing) id")]


class CityPublic(BaseModel):
    slug: str
    name: str


class NetworkPublic(BaseModel):
    id: int
    name: str = Field(description="Datensatz-Kürzel im Katalog / catalogue dataset slug")
    title: str


class StreamPublic(BaseModel):
    datastream_id: int
    name: str
    mode: str = Field(description="kfz, pkw, sv, rad oder fuss")
    direction: str
    quantity: str = Field(description="count, speed oder v85")


class PointPublic(BaseModel):
    type: str = "Point"
    coordinates: list[float] = Field(description="[Länge, Breite] WGS 84 / [lon, lat]")


class ExtentPublic(BaseModel):
    first: dt.date | None
    last: dt.date | None


class SitePublic(BaseModel):
    id: int
    name: str
    city: CityPublic
    network: NetworkPublic
    point: PointPublic | None
    modes: list[str]
    streams: list[StreamPublic]
    data: ExtentPublic | None = None
    links: dict[str, str]


class SiteList(BaseModel):
    count: int
    sites: list[SitePublic]


class PeriodPublic(BaseModel):
    first: dt.date
    last: dt.date
    days: int


class KpiPublic(BaseModel):
    name: str
    value: float | None
    unit: str
    valid_days: int
    definition: str
    details: dict[str, Any]


class DirectionPublic(BaseModel):
    direction: str
    value: float | None
    unit: str
    valid_days: int


class DayValue(BaseModel):
    date: dt.date
    value: float | None = Field(description="Tagessumme; null für ungültige Tage / null for invalid days")


class HeatmapPublic(BaseModel):
    mode: str | None
    rows: list[str] = Field(description="Mo..So; Feiertage zählen als So / holidays count as Sunday")
    values: list[list[float | None]] = Field(description="7 × 24 mittlere Stundenwerte / mean hourly volumes")


class SourcePublic(BaseModel):
    network: str
    publisher: str
    license: str
    license_url: str


class SiteReportPublic(BaseModel):
    site: SitePublic
    period: PeriodPublic
    completeness: float | None = Field(description="Anteil gültiger Tage / share of valid days")
    min_completeness: float
    kpis: list[KpiPublic]
    directions: list[DirectionPublic]
    heatmap: HeatmapPublic
    hourly_profiles: dict[str, list[float | None]]
    daily_totals: dict[str, list[DayValue]]
    source: SourcePublic


class ComparisonRowPublic(BaseModel):
    site_id: int
    site: str
    city: CityPublic
    mode: str
    dtv: float | None
    unit: str
    valid_days: int


class CitySummaryPublic(BaseModel):
    city: CityPublic
    mode: str
    sites: int
    mean_dtv: float
    median_dtv: float
    max_dtv: float


class ComparisonPublic(BaseModel):
    period: PeriodPublic
    modes: list[str]
    rows: list[ComparisonRowPublic]
    cities: list[CitySummaryPublic]
    definition: str


def _number(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _number(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_number(v) for v in value]
    return value


def _kpi(result: KpiResult) -> KpiPublic:
    return KpiPublic(
        name=result.name,
        value=_number(result.value),
        unit=result.unit,
        valid_days=result.valid_days,
        definition=result.definition,
        details=_number(result.details),
    )


def _site(entry: SiteEntry, base: str, extent: DataExtent | None = None) -> SitePublic:
    s = entry.site
    point = PointPublic(coordinates=[s.lon, s.lat]) if s.lon is not None and s.lat is not None else None
    return SitePublic(
        id=s.id,
        name=s.name,
        city=CityPublic(slug=entry.city.slug, name=entry.city.name),
        network=NetworkPublic(id=s.dataset_id, name=entry.network_name, title=entry.network_title),
        point=point,
        modes=[m.value for m in entry.modes],
        streams=[
            StreamPublic(
                datastream_id=r.datastream_id,
                name=r.name,
                mode=r.mode.value,
                direction=r.direction,
                quantity=r.quantity.value,
            )
            for r in s.streams
        ],
        data=ExtentPublic(first=extent.first, last=extent.last) if extent else None,
        links={
            "page": f"{base}/verkehr/zaehlstellen/{s.id}",
            "report": f"{base}/api/v1/sensors/sites/{s.id}/report",
            "council_pdf": f"{base}/verkehr/zaehlstellen/{s.id}/bericht.pdf",
            "thing": f"{base}/sta/v1.1/Things({s.id})",
        },
    )


@router.get(
    "/sites",
    response_model=SiteList,
    summary="Zählstellen / Counting sites",
    description="Sichtbare Zählstellen mit Punkt, Zählreihen und Datenzeitraum. / Visible counting sites.",
)
def list_sites(session: SessionDep, principal: PrincipalDep, settings: SettingsDep, city: CityParam = None) -> SiteList:
    entries = [e for e in reports.site_entries(session, principal) if city is None or e.city.slug == city]
    extents = reports.extents_by_site(session, principal, [e.site for e in entries])
    base = settings.base_url.rstrip("/")
    return SiteList(count=len(entries), sites=[_site(e, base, extents.get(e.site.id)) for e in entries])


@router.get(
    "/sites/{thing_id}",
    response_model=SitePublic,
    summary="Eine Zählstelle / One counting site",
)
def get_site(thing_id: SiteId, session: SessionDep, principal: PrincipalDep, settings: SettingsDep) -> SitePublic:
    entry = reports.site_entry(session, principal, thing_id)
    extent = reports.data_extent(session, principal, reports.count_stream_ids([entry.site]))
    return _site(entry, settings.base_url.rstrip("/"), extent)


@router.get(
    "/sites/{thing_id}/report",
    response_model=SiteReportPublic,
    summary="Kennwerte einer Zählstelle / KPI report of a site",
    description="DTV, DTVw, je Richtung, DTVSV/pSV, Spitzenstunde, MSV30, v85, Modal Split, Tagessummen und "
    "Stunde × Wochentag für einen Zeitraum (Standard: letztes volles Jahr mit Daten). / KPIs for a period "
    "(default: the last full year with data).",
)
def site_report(
    thing_id: SiteId,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    von: DateParam = None,
    bis: DateParam = None,
) -> SiteReportPublic:
    view = reports.site_view(session, principal, thing_id, von, bis)
    report = view.report
    return SiteReportPublic(
        site=_site(view.entry, settings.base_url.rstrip("/"), view.extent),
        period=PeriodPublic(first=view.period.first, last=view.period.last, days=view.period.days),
        completeness=report.completeness,
        min_completeness=view.min_completeness,
        kpis=[_kpi(k) for k in report.kpis],
        directions=[
            DirectionPublic(direction=name, value=_number(r.value), unit=r.unit, valid_days=r.valid_days)
            for name, r in report.directions.items()
        ],
        heatmap=HeatmapPublic(
            mode=report.heatmap_mode.value if report.heatmap_mode else None,
            rows=["Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"],
            values=_number(report.heatmap),
        ),
        hourly_profiles=_number(view.profiles),
        daily_totals={
            label: [DayValue(date=day, value=_number(value)) for day, value in points]
            for label, points in report.daily_totals.items()
        },
        source=SourcePublic(
            network=view.source.network_title,
            publisher=view.source.publisher,
            license=view.source.license_title,
            license_url=view.source.license_url,
        ),
    )


@router.get(
    "/comparison",
    response_model=ComparisonPublic,
    summary="Städtevergleich / City comparison",
    description="DTV je Zählstelle, Kommune und Verkehrsart (kfz, rad, fuss) aus den Tagesaggregaten. "
    "/ DTV per site, city and mode from the day rollups.",
)
def comparison(
    session: SessionDep,
    principal: PrincipalDep,
    von: DateParam = None,
    bis: DateParam = None,
    city: CityParam = None,
    mode: Annotated[list[Mode] | None, Query(max_length=3, description="kfz, rad, fuss")] = None,
    sort: Annotated[str, Query(max_length=10, description="stadt, dtv oder name")] = "stadt",
) -> ComparisonPublic:
    every = reports.site_entries(session, principal)
    entries = [e for e in every if city is None or e.city.slug == city]
    period = reports.parse_period(von, bis, reports.network_default_period(session, principal, every))
    modes = [m for m in COMPARED_MODES if mode is None or m in mode]
    if not modes:
        raise reports.BadRequest("Verkehrsart muss kfz, rad oder fuss sein. / Mode must be kfz, rad or fuss.")
    result = reports.compare(session, principal, entries, period, modes, sort=sort if sort in SORTS else "stadt")
    return ComparisonPublic(
        period=PeriodPublic(first=period.first, last=period.last, days=period.days),
        modes=[m.value for m in modes],
        rows=[
            ComparisonRowPublic(
                site_id=r.entry.site.id,
                site=r.entry.site.name,
                city=CityPublic(slug=r.entry.city.slug, name=r.entry.city.name),
                mode=r.mode.value,
                dtv=_number(r.result.value),
                unit=r.result.unit,
                valid_days=r.result.valid_days,
            )
            for r in result.rows
        ],
        cities=[
            CitySummaryPublic(
                city=CityPublic(slug=c.city.slug, name=c.city.name),
                mode=c.mode.value,
                sites=c.sites,
                mean_dtv=c.mean,
                median_dtv=c.median,
                max_dtv=c.maximum,
            )
            for c in result.cities
        ],
        definition=result.rows[0].result.definition if result.rows else "",
    )
