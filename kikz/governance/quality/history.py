"""Reading evaluations back: latest results and trends, filtered by what the caller may see.

A dataset's evaluations are as visible as the dataset itself (``visible(principal, Dataset)`` sits in every
query); a city's catalogue MQA covers public data only and is public.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kikz import audit
from kikz.catalog import service as catalog
from kikz.catalog.models import Dataset, Distribution
from kikz.errors import InvalidInput, NotFound
from kikz.governance.quality import mqa, service
from kikz.governance.quality.models import (
    CatalogueMqaRecord,
    DataQualityRecord,
    DatasetMqaRecord,
    StoredTableSchema,
)
from kikz.governance.quality.schemas import (
    CatalogueIndicator,
    CatalogueMqa,
    CityQuality,
    DatasetQuality,
    MqaHistoryPoint,
    QualityHistoryPoint,
    QualityReport,
)
from kikz.governance.quality.tableschema import check_schema
from kikz.storage import FileStore
from kikz.tenancy.models import Municipality
from kikz.tenancy.permissions import Action, Principal, require, visible

HISTORY_LIMIT = 100
INLINE_ROWS = 20_000
"""A table never evaluated is checked within the request up to this size; larger ones wait for the job."""


def dataset_mqa_history(
    session: Session, *, principal: Principal, dataset_id: int, limit: int = HISTORY_LIMIT
) -> list[MqaHistoryPoint]:
    """Oldest first, the last ``limit`` evaluations."""
    stmt = (
        select(DatasetMqaRecord.evaluated_at, DatasetMqaRecord.score, DatasetMqaRecord.band)
        .join(Dataset, Dataset.id == DatasetMqaRecord.dataset_id)
        .where(DatasetMqaRecord.dataset_id == dataset_id, visible(principal, Dataset))
        .order_by(DatasetMqaRecord.evaluated_at.desc(), DatasetMqaRecord.id.desc())
        .limit(limit)
    )
    rows = list(session.execute(stmt))
    return [MqaHistoryPoint(evaluated_at=r.evaluated_at, score=r.score, band=r.band) for r in reversed(rows)]


def city_mqa_history(
    session: Session, *, municipality: Municipality, limit: int = HISTORY_LIMIT
) -> list[MqaHistoryPoint]:
    stmt = (
        select(CatalogueMqaRecord)
        .where(CatalogueMqaRecord.municipality_id == municipality.id)
        .order_by(CatalogueMqaRecord.evaluated_at.desc(), CatalogueMqaRecord.id.desc())
        .limit(limit)
    )
    rows = list(session.scalars(stmt))
    return [
        MqaHistoryPoint(evaluated_at=r.evaluated_at, score=r.score, band=r.band, dataset_count=r.dataset_count)
        for r in reversed(rows)
    ]


def latest_city_mqa(session: Session, *, municipality: Municipality) -> CatalogueMqa | None:
    """The last stored catalogue evaluation (for dashboards: no recomputation)."""
    row = session.scalars(
        select(CatalogueMqaRecord)
        .where(CatalogueMqaRecord.municipality_id == municipality.id)
        .order_by(CatalogueMqaRecord.evaluated_at.desc(), CatalogueMqaRecord.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    indicators = [CatalogueIndicator(**i) for i in row.indicators]
    return CatalogueMqa(
        municipality=municipality.slug,
        municipality_name=municipality.name,
        evaluated_at=row.evaluated_at,
        scope_de=service.SCOPE_DE,
        dataset_count=row.dataset_count,
        score=row.score,
        band=row.band,
        band_label_de=mqa.band_label(row.band),
        bands=dict(row.bands),
        dimensions=mqa.dimension_scores({i.key: i.points for i in indicators}),
        indicators=indicators,
    )


def city_quality(session: Session, *, slug: str, store: FileStore | None = None, fresh: bool = False) -> CityQuality:
    """The latest catalogue MQA of a city (computed and recorded when there is none yet, or ``fresh``)."""
    from kikz.tenancy.service import get_municipality

    city = get_municipality(session, slug)
    latest = None if fresh else latest_city_mqa(session, municipality=city)
    if latest is None:
        latest = service.mqa_for_city(session, municipality=city, store=store)
    return CityQuality(mqa=latest, history=city_mqa_history(session, municipality=city))


def data_quality_history(
    session: Session, *, principal: Principal, distribution_id: int, limit: int = HISTORY_LIMIT
) -> list[QualityHistoryPoint]:
    r = DataQualityRecord
    stmt = (
        select(r.evaluated_at, r.overall, r.completeness, r.validity, r.uniqueness, r.timeliness, r.consistency)
        .join(Dataset, Dataset.id == r.dataset_id)
        .where(r.distribution_id == distribution_id, visible(principal, Dataset))
        .order_by(r.evaluated_at.desc(), r.id.desc())
        .limit(limit)
    )
    rows = list(session.execute(stmt))
    return [QualityHistoryPoint(**row._asdict()) for row in reversed(rows)]


def latest_data_quality(session: Session, *, principal: Principal, distribution_id: int) -> QualityReport | None:
    stmt = (
        select(DataQualityRecord.report)
        .join(Dataset, Dataset.id == DataQualityRecord.dataset_id)
        .where(DataQualityRecord.distribution_id == distribution_id, visible(principal, Dataset))
        .order_by(DataQualityRecord.evaluated_at.desc(), DataQualityRecord.id.desc())
        .limit(1)
    )
    report = session.scalar(stmt)
    return QualityReport.model_validate(report) if report else None


def _same(result: Any, latest: DatasetMqaRecord | None) -> bool:
    if latest is None:
        return False
    return latest.score == result.score and latest.indicators == [i.model_dump() for i in result.indicators]


def dataset_quality(session: Session, *, principal: Principal, key: str, store: FileStore) -> DatasetQuality:
    """MQA (computed now; recorded when it changed) and the latest data quality of each table.

    A dataset the caller may not see is reported as missing. A table never evaluated is checked now when it
    is small (``INLINE_ROWS``); a larger one shows as pending until the job has run.
    """
    dataset = catalog.get_dataset(session, principal=principal, key=key)
    result = service.mqa_for_dataset(session, dataset=dataset, store=store, record=False)
    latest = session.scalars(
        select(DatasetMqaRecord)
        .where(DatasetMqaRecord.dataset_id == dataset.id)
        .order_by(DatasetMqaRecord.evaluated_at.desc(), DatasetMqaRecord.id.desc())
        .limit(1)
    ).first()
    if not _same(result, latest):
        service.record_dataset_result(session, dataset.id, result)
        session.flush()
    reports: list[QualityReport] = []
    for dist in dataset.distributions:
        if not service.is_tabular_file(dist):
            continue
        report = latest_data_quality(session, principal=principal, distribution_id=dist.id)
        if report is None:
            if (dist.row_count or 0) <= INLINE_ROWS:
                report = service.data_quality(session, distribution=dist, store=store)
            else:
                report = service.plain_report(
                    dist,
                    result.evaluated_at,
                    "pending",
                    "Noch nicht bewertet; die Prüfung läuft im Hintergrund.",
                )
        reports.append(report)
    history = dataset_mqa_history(session, principal=principal, dataset_id=dataset.id)
    return DatasetQuality(mqa=result, mqa_history=history, data_quality=reports)


# --- Table Schemas -------------------------------------------------------------------------------------


def visible_distribution(session: Session, principal: Principal, identifier: str) -> Distribution:
    dist = session.scalars(
        select(Distribution)
        .join(Dataset, Dataset.id == Distribution.dataset_id)
        .where(Distribution.identifier == identifier, visible(principal, Dataset))
    ).first()
    if dist is None:
        raise NotFound("Diese Distribution gibt es nicht oder Sie dürfen sie nicht sehen.")
    return dist


def get_table_schema(session: Session, *, principal: Principal, identifier: str) -> dict[str, Any]:
    dist = visible_distribution(session, principal, identifier)
    if not dist.columns:
        raise NotFound("Für diese Distribution ist keine Tabellenstruktur bekannt.")
    return service.table_schema_for(session, dist)


def save_table_schema(session: Session, *, principal: Principal, identifier: str, schema: Any) -> dict[str, Any]:
    """Store a steward's Table Schema (checked against the file's columns); audited."""
    dist = visible_distribution(session, principal, identifier)
    require(principal, Action.EDIT_DATASET, dist.dataset)
    if not dist.columns:
        raise InvalidInput("Für diese Distribution ist keine Tabellenstruktur bekannt.")
    cleaned = check_schema(schema, [str(c.get("name", "")) for c in dist.columns])
    stored = session.get(StoredTableSchema, dist.id)
    before = dict(stored.schema) if stored else None
    if stored is None:
        stored = StoredTableSchema(distribution_id=dist.id, schema=cleaned, updated_by_id=principal.user_id)
        session.add(stored)
    else:
        stored.schema = cleaned
        stored.updated_by_id = principal.user_id
    audit.record(
        session,
        actor=principal,
        action="quality.table_schema",
        entity_type="distribution",
        entity_id=dist.identifier,
        municipality_id=dist.dataset.municipality_id,
        before=before,
        after=cleaned,
    )
    session.flush()
    return cleaned
