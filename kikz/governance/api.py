"""JSON API of profiling, classification and categorisation (the workflow and quality have their own routers)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import select

from kikz.catalog import service as catalog
from kikz.governance import scan as scans
from kikz.governance.categorisation import service as categorisation
from kikz.governance.categorisation.schemas import CategorySuggestion, DatasetCategoryPublic
from kikz.governance.models import DataProfile
from kikz.tenancy.permissions import Action, allowed, require
from kikz.web.deps import LoggedInDep, PrincipalDep, SessionDep, SettingsDep

router = APIRouter(prefix="/api/v1", tags=["Governance: Prüfung und Kategorien / scans and categories"])


class FindingPublic(BaseModel):
    column: str | None
    detector: str
    title: str
    category: str
    evidence_count: int
    sample_size: int
    confidence: float
    example_masked: str
    message: str


class ScanPublic(BaseModel):
    status: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    rows_seen: int | None
    rows_total: int | None
    sampled: bool
    error: str | None
    proposal: dict[str, Any] | None = Field(description="protection class, personal data, Art. 9, explanation")
    findings: list[FindingPublic]
    profile: list[dict[str, Any]] = Field(description="per-column profile (no examples of personal columns)")


class ScanQueued(BaseModel):
    queued: bool
    job_id: int


class CategoryAnswer(BaseModel):
    current: DatasetCategoryPublic
    suggestion: CategorySuggestion


class CategoryDecisionIn(BaseModel):
    field: str = Field(description="eu_themes, mdk_thema, mdk_musterdatensatz or hvd_category")
    value: Any = Field(description="the accepted or corrected value (a list of codes for eu_themes)")


@router.get("/distributions/{identifier}/scan", response_model=ScanPublic, summary="Letzte Prüfung / Latest scan")
def latest_scan(identifier: str, session: SessionDep, principal: LoggedInDep) -> ScanPublic:
    """Profile, findings and classification proposal of a file the caller may see (staff only)."""
    dist = catalog.get_distribution(session, principal=principal, identifier=identifier)
    run = scans.latest_scan(session, dist.id)
    if run is None:
        from kikz.errors import NotFound

        raise NotFound("Diese Datei wurde noch nicht geprüft.")
    profile = session.scalar(select(DataProfile).where(DataProfile.scan_id == run.id))
    return ScanPublic(
        status=run.status.value,
        started_at=run.started_at,
        finished_at=run.finished_at,
        rows_seen=run.rows_seen,
        rows_total=run.rows_total,
        sampled=run.sampled,
        error=run.error,
        proposal=run.proposal,
        findings=[
            FindingPublic(
                column=f.column_name,
                detector=f.detector,
                title=f.title,
                category=f.category,
                evidence_count=f.evidence_count,
                sample_size=f.sample_size,
                confidence=f.confidence,
                example_masked=f.example_masked,
                message=f.message,
            )
            for f in scans.findings_of(session, run.id)
        ],
        profile=profile.columns if profile else [],
    )


@router.post(
    "/distributions/{identifier}/scan",
    response_model=ScanQueued,
    status_code=202,
    summary="Prüfung neu anstoßen / Queue a new scan",
)
def queue_scan(identifier: str, session: SessionDep, principal: LoggedInDep) -> ScanQueued:
    dist = catalog.get_distribution(session, principal=principal, identifier=identifier)
    dataset = dist.dataset
    if not (allowed(principal, Action.CLASSIFY_DATASET, dataset) or allowed(principal, Action.EDIT_DATASET, dataset)):
        require(principal, Action.CLASSIFY_DATASET, dataset)
    job = scans.enqueue_scan(session, dist)
    return ScanQueued(queued=True, job_id=job.id)


@router.get(
    "/datasets/{name}/categories", response_model=CategoryAnswer, summary="Kategorievorschläge / Category suggestions"
)
def category_suggestions(
    name: str, session: SessionDep, principal: PrincipalDep, settings: SettingsDep
) -> CategoryAnswer:
    dataset = catalog.get_dataset(session, principal=principal, key=name)
    model = categorisation.get_model(settings.data_dir)
    return CategoryAnswer(
        current=categorisation.current_categories(session, dataset=dataset),
        suggestion=categorisation.suggest(session, dataset=dataset, model=model),
    )


@router.post(
    "/datasets/{name}/categories",
    response_model=DatasetCategoryPublic,
    summary="Kategorie übernehmen oder korrigieren / Accept or correct a category",
)
def decide_category(
    name: str, body: CategoryDecisionIn, session: SessionDep, principal: LoggedInDep, settings: SettingsDep
) -> DatasetCategoryPublic:
    dataset = catalog.get_dataset(session, principal=principal, key=name)
    model = categorisation.get_model(settings.data_dir)
    categorisation.decide(
        session, principal=principal, dataset=dataset, field=body.field, value=body.value, model=model
    )
    return categorisation.current_categories(session, dataset=dataset)
