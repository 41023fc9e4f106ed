"""The governance board's dashboard: inventory, open-data share, HVD coverage, quality bands, overdue reviews.

Every count is computed inside SQL with the caller's visibility (``visible(principal, Dataset)`` in each
aggregate): a board member counts their own city's confidential datasets, other cities only what they may
see. Quality bands are each dataset's latest MQA evaluation (kikz.governance.quality; "nicht bewertet" without
one); HVD categories are ``Dataset.hvd_category`` as decided through kikz.governance.categorisation.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from kikz.catalog.models import Dataset, DatasetFacet
from kikz.db import utcnow
from kikz.governance.quality.models import DatasetMqaRecord
from kikz.governance.workflow.models import (
    AccessRequest,
    AccessRequestStatus,
    GovernanceProposal,
    ProposalStatus,
    ReviewFlag,
)
from kikz.tenancy.models import Municipality
from kikz.tenancy.permissions import Action, PermissionDenied, Principal, allowed, visible
from kikz.types import DatasetStatus, ProtectionClass

NOT_RATED = "nicht bewertet"
NO_THEME = "-"


class CityFigures(BaseModel):
    municipality: str
    name: str
    by_class: dict[str, int] = Field(description="classified datasets per protection class")
    unclassified: int
    total: int
    open_data: int = Field(description="published and öffentlich")
    open_data_share: float
    missing_responsibility: int


class HvdFigures(BaseModel):
    by_category: dict[str, dict[str, int]] = Field(description="category -> {total, open}")
    total: int
    open: int


class OpenWork(BaseModel):
    open_proposals: int
    open_access_requests: int
    open_reviews: int
    overdue_proposals: int
    overdue_access_requests: int
    overdue_reviews: int
    overdue_unclassified: int


class Dashboard(BaseModel):
    generated_at: dt.datetime
    overdue_days: int
    cities: list[CityFigures]
    themes: dict[str, int]
    quality_bands: dict[str, int]
    quality_available: bool = Field(description="whether any visible dataset has an MQA evaluation")
    hvd: HvdFigures
    work: OpenWork


def quality_band_source() -> Select[int, str]:
    """``SELECT dataset_id, band`` of each dataset's latest MQA evaluation (kikz.governance.quality)."""
    latest = select(func.max(DatasetMqaRecord.id)).group_by(DatasetMqaRecord.dataset_id)
    return select(DatasetMqaRecord.dataset_id, DatasetMqaRecord.band).where(DatasetMqaRecord.id.in_(latest))


def may_view(principal: Principal) -> bool:
    return principal.is_superuser or any(
        allowed(principal, Action.VIEW_GOVERNANCE, city) for city in principal.cities_with()
    )


def _open_data() -> ColumnElement[bool]:
    return and_(Dataset.status == DatasetStatus.PUBLISHED, Dataset.protection_class == ProtectionClass.OEFFENTLICH)


def _cities(session: Session, seen: ColumnElement[bool]) -> list[CityFigures]:
    rows = session.execute(
        select(
            Municipality.slug,
            Municipality.name,
            Dataset.protection_class,
            func.count(Dataset.id),
            func.sum(case((_open_data(), 1), else_=0)),
            func.sum(case((or_(Dataset.owner_id.is_(None), Dataset.steward_id.is_(None)), 1), else_=0)),
        )
        .join(Municipality, Municipality.id == Dataset.municipality_id)
        .where(seen)
        .group_by(Municipality.slug, Municipality.name, Dataset.protection_class)
    )
    cities: dict[str, CityFigures] = {}
    for slug, name, cls, count, open_count, missing in rows:
        city = cities.setdefault(
            slug,
            CityFigures(
                municipality=slug,
                name=name,
                by_class={c.value: 0 for c in ProtectionClass},
                unclassified=0,
                total=0,
                open_data=0,
                open_data_share=0.0,
                missing_responsibility=0,
            ),
        )
        if cls is None:
            city.unclassified += count
        else:
            city.by_class[ProtectionClass(cls).value] += count
        city.total += count
        city.open_data += int(open_count or 0)
        city.missing_responsibility += int(missing or 0)
    for city in cities.values():
        city.open_data_share = round(city.open_data / city.total, 4) if city.total else 0.0
    return sorted(cities.values(), key=lambda c: c.name)


def _themes(session: Session, seen: ColumnElement[bool]) -> dict[str, int]:
    rows = session.execute(
        select(DatasetFacet.value, func.count(Dataset.id))
        .join(Dataset, Dataset.id == DatasetFacet.dataset_id)
        .where(DatasetFacet.facet == "theme", seen)
        .group_by(DatasetFacet.value)
    )
    themes = dict(sorted(rows, key=lambda row: (-row[1], row[0])))
    without = session.scalar(
        select(func.count(Dataset.id)).where(
            seen,
            ~select(DatasetFacet.dataset_id)
            .where(DatasetFacet.dataset_id == Dataset.id, DatasetFacet.facet == "theme")
            .exists(),
        )
    )
    if without:
        themes[NO_THEME] = int(without)
    return themes


def _bands(session: Session, seen: ColumnElement[bool]) -> tuple[dict[str, int], bool]:
    band = quality_band_source().subquery()
    rows = session.execute(
        select(band.c.band, func.count(Dataset.id))
        .select_from(Dataset)
        .outerjoin(band, band.c.dataset_id == Dataset.id)
        .where(seen)
        .group_by(band.c.band)
    )
    bands = {str(name or NOT_RATED): int(count) for name, count in rows}
    return bands, set(bands) != {NOT_RATED}


def _hvd(session: Session, seen: ColumnElement[bool]) -> HvdFigures:
    """Datasets with an HVD category (decided via kikz.governance.categorisation) and how many are open."""
    rows = session.execute(
        select(Dataset.hvd_category, func.count(Dataset.id), func.sum(case((_open_data(), 1), else_=0)))
        .where(Dataset.hvd_category != "", seen)
        .group_by(Dataset.hvd_category)
    )
    by_category = {str(cat): {"total": int(total), "open": int(opened or 0)} for cat, total, opened in rows}
    return HvdFigures(
        by_category=by_category,
        total=sum(c["total"] for c in by_category.values()),
        open=sum(c["open"] for c in by_category.values()),
    )


def _count(session: Session, stmt: Select[Any]) -> int:
    return int(session.scalar(stmt) or 0)


def _work(session: Session, seen: ColumnElement[bool], cutoff: dt.datetime) -> OpenWork:
    def proposals(*extra: ColumnElement[bool]) -> int:
        return _count(
            session,
            select(func.count(GovernanceProposal.id))
            .join(Dataset, Dataset.id == GovernanceProposal.dataset_id)
            .where(GovernanceProposal.status == ProposalStatus.OPEN, seen, *extra),
        )

    def requests(*extra: ColumnElement[bool]) -> int:
        return _count(
            session,
            select(func.count(AccessRequest.id))
            .join(Dataset, Dataset.id == AccessRequest.dataset_id)
            .where(AccessRequest.status == AccessRequestStatus.OPEN, seen, *extra),
        )

    def reviews(*extra: ColumnElement[bool]) -> int:
        return _count(
            session,
            select(func.count(ReviewFlag.id))
            .join(Dataset, Dataset.id == ReviewFlag.dataset_id)
            .where(ReviewFlag.resolved_at.is_(None), seen, *extra),
        )

    return OpenWork(
        open_proposals=proposals(),
        open_access_requests=requests(),
        open_reviews=reviews(),
        overdue_proposals=proposals(GovernanceProposal.created_at < cutoff),
        overdue_access_requests=requests(AccessRequest.created_at < cutoff),
        overdue_reviews=reviews(ReviewFlag.created_at < cutoff),
        overdue_unclassified=_count(
            session,
            select(func.count(Dataset.id)).where(seen, Dataset.protection_class.is_(None), Dataset.created_at < cutoff),
        ),
    )


def dashboard(
    session: Session, *, principal: Principal, overdue_days: int, now: dt.datetime | None = None
) -> Dashboard:
    """The figures for the governance board, admins, DPOs, stewards and owners."""
    if not may_view(principal):
        raise PermissionDenied("Das Governance-Dashboard sehen Mitglieder der Governance-Rollen einer Kommune.")
    now = now or utcnow()
    seen = visible(principal, Dataset, now=now)
    bands, rated = _bands(session, seen)
    return Dashboard(
        generated_at=now,
        overdue_days=overdue_days,
        cities=_cities(session, seen),
        themes=_themes(session, seen),
        quality_bands=bands,
        quality_available=rated,
        hvd=_hvd(session, seen),
        work=_work(session, seen, now - dt.timedelta(days=overdue_days)),
    )
