"""Review flags: a dataset needs a steward's look after a new version or a scan with findings."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kikz import audit
from kikz.catalog.models import Dataset
from kikz.db import utcnow
from kikz.governance.workflow.models import ReviewFlag
from kikz.tenancy.permissions import Action, Principal, require


def resolve(session: Session, *, dataset: Dataset, by: Principal | None) -> int:
    """Close the dataset's open review flags (after a classification decision or a steward's check)."""
    flags = list(
        session.scalars(select(ReviewFlag).where(ReviewFlag.dataset_id == dataset.id, ReviewFlag.resolved_at.is_(None)))
    )
    for flag in flags:
        flag.resolved_at = utcnow()
        flag.resolved_by_id = by.user_id if by else None
    if flags:
        audit.record(
            session,
            actor=by,
            action="governance.review.resolve",
            entity_type="dataset",
            entity_id=dataset.identifier,
            municipality_id=dataset.municipality_id,
            after={"flags": [f.id for f in flags]},
        )
    return len(flags)


def mark_reviewed(session: Session, *, principal: Principal, dataset: Dataset) -> int:
    """A steward confirms the dataset's classification still fits after a new version or scan."""
    require(principal, Action.CLASSIFY_DATASET, dataset)
    return resolve(session, dataset=dataset, by=principal)
