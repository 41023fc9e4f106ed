"""The city comparison of the forum: catalogue, open data, metadata quality, HVD and traffic counters side by side.

Every figure is counted inside SQL with the caller's visibility, exactly like the governance dashboard
(:mod:`kikz.governance.dashboard`): an anonymous visitor compares the published open data, a city's staff also
see their own and shared internal datasets counted. Quality bands are each dataset's latest MQA evaluation
(:func:`kikz.governance.dashboard.quality_band_source`); traffic figures come from the sensor reports
(:func:`kikz.sensors.reports.compare`, i.e. ``traffic.sites`` and ``traffic.network_dtv`` over the day rollups).
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from kikz.catalog.models import Dataset
from kikz.catalog.vocabularies import HVD_CATEGORIES
from kikz.db import utcnow
from kikz.governance.dashboard import quality_band_source
from kikz.sensors import reports
from kikz.sensors.traffic import Mode
from kikz.tenancy.models import Municipality
from kikz.tenancy.permissions import Principal, visible
from kikz.types import DatasetStatus, MunicipalityKind, ProtectionClass

BANDS = ("excellent", "good", "sufficient", "bad")
NOT_RATED = "unrated"
MODES = (Mode.MOTOR_VEHICLE, Mode.BICYCLE, Mode.PEDESTRIAN)


class DtvFigures(BaseModel):
    sites: int = Field(description="counting sites of the city with a DTV in the period")
    mean: float
    median: float
    maximum: float


class CityFigures(BaseModel):
    slug: str
    name: str
    kind: MunicipalityKind
    datasets: int = Field(description="catalogue datasets the caller may see")
    open_data: int = Field(description="published and öffentlich")
    open_data_share: float | None = Field(description="open_data / datasets; null without datasets")
    quality_bands: dict[str, int] = Field(description="latest MQA band per dataset: excellent … bad, unrated")
    rated_share: float | None
    hvd_datasets: int
    hvd_open: int
    hvd_categories: list[str] = Field(description="HVD category codes with at least one dataset")
    counting_sites: int
    counting_sites_by_mode: dict[str, int]
    dtv: dict[str, DtvFigures] = Field(description="per mode (kfz, rad, fuss) the city's DTV summary")


class CityComparison(BaseModel):
    generated_at: dt.datetime
    period_first: dt.date
    period_last: dt.date
    hvd_category_count: int
    cities: list[CityFigures]


def _open() -> ColumnElement[bool]:
    return and_(Dataset.status == DatasetStatus.PUBLISHED, Dataset.protection_class == ProtectionClass.OEFFENTLICH)


def network_cities(session: Session) -> list[Municipality]:
    kinds = (MunicipalityKind.MEMBER, MunicipalityKind.PARTNER)
    return list(session.scalars(select(Municipality).where(Municipality.kind.in_(kinds)).order_by(Municipality.name)))


def compare_cities(
    session: Session, *, principal: Principal, von: str | None = None, bis: str | None = None
) -> CityComparison:
    """Per network city the catalogue and traffic figures the caller may see; ``von``/``bis``: the DTV period."""
    seen = visible(principal, Dataset)
    is_open = case((_open(), 1), else_=0)
    catalogue = {
        mid: (int(total), int(opened or 0))
        for mid, total, opened in session.execute(
            select(Dataset.municipality_id, func.count(Dataset.id), func.sum(is_open))
            .where(seen)
            .group_by(Dataset.municipality_id)
        )
    }
    band = quality_band_source().subquery()
    bands: dict[int, dict[str, int]] = {}
    for mid, name, count in session.execute(
        select(Dataset.municipality_id, band.c.band, func.count(Dataset.id))
        .select_from(Dataset)
        .outerjoin(band, band.c.dataset_id == Dataset.id)
        .where(seen)
        .group_by(Dataset.municipality_id, band.c.band)
    ):
        key = str(name) if name in BANDS else NOT_RATED
        per_city = bands.setdefault(mid, {b: 0 for b in (*BANDS, NOT_RATED)})
        per_city[key] += int(count)
    hvd: dict[int, tuple[int, int, list[str]]] = {}
    for mid, category, total, opened in session.execute(
        select(Dataset.municipality_id, Dataset.hvd_category, func.count(Dataset.id), func.sum(is_open))
        .where(seen, Dataset.hvd_category != "")
        .group_by(Dataset.municipality_id, Dataset.hvd_category)
        .order_by(Dataset.hvd_category)
    ):
        n, o, cats = hvd.get(mid, (0, 0, []))
        hvd[mid] = (n + int(total), o + int(opened or 0), [*cats, str(category)])

    entries = reports.site_entries(session, principal)
    period = reports.parse_period(von, bis, reports.network_default_period(session, principal, entries))
    traffic = reports.compare(session, principal, entries, period, MODES)
    sites: dict[int, dict[str, int]] = {}
    for entry in entries:
        per_mode = sites.setdefault(entry.city.id, {})
        for mode in entry.modes:
            per_mode[mode.value] = per_mode.get(mode.value, 0) + 1
    site_counts = {city.id: n for city, n in reports.cities_of(entries)}
    dtv: dict[int, dict[str, DtvFigures]] = {}
    for summary in traffic.cities:
        dtv.setdefault(summary.city.id, {})[summary.mode.value] = DtvFigures(
            sites=summary.sites,
            mean=round(summary.mean, 1),
            median=round(summary.median, 1),
            maximum=round(summary.maximum, 1),
        )

    rows = []
    for city in network_cities(session):
        total, opened = catalogue.get(city.id, (0, 0))
        city_bands = bands.get(city.id, {b: 0 for b in (*BANDS, NOT_RATED)})
        rated = total - city_bands[NOT_RATED]
        hvd_total, hvd_open, categories = hvd.get(city.id, (0, 0, []))
        rows.append(
            CityFigures(
                slug=city.slug,
                name=city.name,
                kind=city.kind,
                datasets=total,
                open_data=opened,
                open_data_share=round(opened / total, 4) if total else None,
                quality_bands=city_bands,
                rated_share=round(rated / total, 4) if total else None,
                hvd_datasets=hvd_total,
                hvd_open=hvd_open,
                hvd_categories=categories,
                counting_sites=site_counts.get(city.id, 0),
                counting_sites_by_mode=sites.get(city.id, {}),
                dtv=dtv.get(city.id, {}),
            )
        )
    return CityComparison(
        generated_at=utcnow(),
        period_first=period.first,
        period_last=period.last,
        hvd_category_count=len(HVD_CATEGORIES),
        cities=rows,
    )
