"""Changes outside the proposal flow: the city administration assigns people, trusted loaders publish."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kikz import audit
from kikz.catalog import service as catalog
from kikz.catalog.models import Dataset
from kikz.catalog.schemas import DatasetUpdate
from kikz.errors import Conflict, InvalidInput
from kikz.governance.workflow import rules
from kikz.governance.workflow.people import check_person
from kikz.tenancy.permissions import Action, Principal, require
from kikz.types import DatasetStatus, Role


def assign_responsibilities(
    session: Session,
    *,
    principal: Principal,
    dataset: Dataset,
    owner_id: int | None = None,
    steward_id: int | None = None,
) -> Dataset:
    """Set owner and/or steward directly (city administration); each needs the matching role in the city."""
    require(principal, Action.ASSIGN_RESPONSIBILITY, dataset)
    changes: dict[str, int | None] = {}
    if owner_id is not None:
        check_person(session, user_id=owner_id, municipality_id=dataset.municipality_id, role=Role.DATA_OWNER)
        changes["owner_id"] = owner_id
    if steward_id is not None:
        check_person(session, user_id=steward_id, municipality_id=dataset.municipality_id, role=Role.DATA_STEWARD)
        changes["steward_id"] = steward_id
    if not changes:
        raise InvalidInput("Bitte Data Owner und/oder Data Steward angeben.")
    before = rules.state_of(dataset)
    catalog.update_dataset(
        session,
        principal=principal,
        dataset=dataset,
        data=DatasetUpdate(change_note="Verantwortliche zugewiesen"),
        responsibilities=changes,
    )
    audit.record(
        session,
        actor=principal,
        action="governance.responsibility.assign",
        entity_type="dataset",
        entity_id=dataset.identifier,
        municipality_id=dataset.municipality_id,
        before={k: before[k] for k in changes},
        after=changes,
    )
    return dataset


def publish_directly(session: Session, *, dataset: Dataset, actor: Principal, note: str) -> Dataset:
    """Publish without a proposal: only for trusted loaders (demo content), never reachable from a request.

    The open-data conditions still hold; the audit log records that the workflow was bypassed and by whom.
    """
    blockers = rules.publication_blockers(rules.state_of(dataset))
    if blockers:
        raise Conflict("Kann nicht als Open Data veröffentlicht werden: " + " ".join(blockers))
    catalog.update_dataset(
        session,
        principal=actor,
        dataset=dataset,
        data=DatasetUpdate(status=DatasetStatus.PUBLISHED, change_note=note),
        publication_approved=True,
    )
    audit.record(
        session,
        actor=actor,
        action="governance.publish_direct",
        entity_type="dataset",
        entity_id=dataset.identifier,
        municipality_id=dataset.municipality_id,
        after={"note": note},
    )
    return dataset
