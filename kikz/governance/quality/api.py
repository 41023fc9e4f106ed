"""JSON API of the quality evaluation (mounted by the app factory).

A dataset's quality is as visible as the dataset: an invisible one answers 404. A city's catalogue MQA
covers its public open data only and is public.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query

from kikz import jobs
from kikz.catalog import service as catalog
from kikz.governance.quality import history
from kikz.governance.quality.jobs import EVALUATE_DATASET
from kikz.governance.quality.schemas import CityQuality, DatasetQuality, QualityHistoryPoint
from kikz.tenancy.permissions import Action, require
from kikz.web.deps import LoggedInDep, PrincipalDep, SessionDep, StoreDep

router = APIRouter()

QUALITY = "Qualität / Quality"


@router.get(
    "/api/v1/datasets/{name}/quality",
    response_model=DatasetQuality,
    tags=[QUALITY],
    summary="Metadaten- und Datenqualität eines Datensatzes / Metadata and data quality of a dataset",
    description="MQA nach data.europa.eu (405 Punkte, mit Begründung je Indikator) und die Datenqualität "
    "jeder Tabelle (Vollständigkeit, Gültigkeit, Eindeutigkeit, Aktualität, Konsistenz). / MQA (405 points, "
    "reason per indicator) and the data quality of each table.",
)
def dataset_quality(name: str, session: SessionDep, principal: PrincipalDep, store: StoreDep) -> DatasetQuality:
    return history.dataset_quality(session, principal=principal, key=name, store=store)


@router.post(
    "/api/v1/datasets/{name}/quality",
    status_code=202,
    tags=[QUALITY],
    summary="Neu bewerten lassen / Queue a re-evaluation",
    description="Stellt eine Neubewertung (MQA und Datenqualität) in die Warteschlange; braucht das Recht, "
    "den Datensatz zu bearbeiten. / Queues a re-evaluation; needs the right to edit the dataset.",
)
def queue_evaluation(name: str, session: SessionDep, principal: LoggedInDep) -> dict[str, Any]:
    dataset = catalog.get_dataset(session, principal=principal, key=name)
    require(principal, Action.EDIT_DATASET, dataset)
    job = jobs.enqueue(session, EVALUATE_DATASET, {"dataset_id": dataset.id})
    return {"job": job.id, "status": "queued"}


@router.get(
    "/api/v1/distributions/{identifier}/quality/history",
    response_model=list[QualityHistoryPoint],
    tags=[QUALITY],
    summary="Verlauf der Datenqualität / Data-quality trend",
)
def distribution_history(
    identifier: str,
    session: SessionDep,
    principal: PrincipalDep,
    limit: Annotated[int, Query(ge=1, le=history.HISTORY_LIMIT)] = history.HISTORY_LIMIT,
) -> list[QualityHistoryPoint]:
    dist = history.visible_distribution(session, principal, identifier)
    return history.data_quality_history(session, principal=principal, distribution_id=dist.id, limit=limit)


@router.get(
    "/api/v1/distributions/{identifier}/table-schema",
    tags=[QUALITY],
    summary="Table Schema einer Tabelle / Table Schema of a table",
    description="Das gespeicherte (von Data Stewards bearbeitete) oder aus der Spaltenbeschreibung "
    "abgeleitete Frictionless Table Schema. / The stored or inferred Frictionless Table Schema.",
)
def get_table_schema(identifier: str, session: SessionDep, principal: PrincipalDep) -> dict[str, Any]:
    return history.get_table_schema(session, principal=principal, identifier=identifier)


@router.put(
    "/api/v1/distributions/{identifier}/table-schema",
    tags=[QUALITY],
    summary="Table Schema festlegen / Set the Table Schema",
    description="Typen, Formate, Bedingungen und Primärschlüssel für die Gültigkeits- und "
    "Eindeutigkeitsprüfung. / Types, formats, constraints and primary key used by the validity and "
    "uniqueness checks.",
)
def put_table_schema(
    identifier: str, session: SessionDep, principal: LoggedInDep, schema: Annotated[dict[str, Any], Body()]
) -> dict[str, Any]:
    return history.save_table_schema(session, principal=principal, identifier=identifier, schema=schema)


@router.get(
    "/api/v1/municipalities/{slug}/mqa",
    response_model=CityQuality,
    tags=[QUALITY],
    summary="Metadatenqualität (MQA) einer Kommune / Catalogue MQA of a municipality",
    description="Katalogebene: Gewicht × Anteil der offenen Datensätze, die den Indikator erfüllen; mit "
    "Verteilung der Bewertungsstufen und Verlauf. / Catalogue level: weight × share of open datasets "
    "passing, with the band distribution and the history.",
)
def city_mqa(slug: str, session: SessionDep, store: StoreDep) -> CityQuality:
    return history.city_quality(session, slug=slug, store=store)
