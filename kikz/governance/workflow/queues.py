"""Review queues per role: what is waiting for a steward, an owner, the DPO and the governance board.

Every query is restricted to datasets the caller may see (``visible`` in the SQL); who may approve what is
asked of the one policy (``allowed``) for each open item, never re-encoded here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.orm import Session

from kikz.catalog.models import Dataset
from kikz.db import utcnow
from kikz.errors import InvalidInput
from kikz.governance.workflow import access, proposals
from kikz.governance.workflow.models import (
    AccessRequest,
    AccessRequestStatus,
    ApprovalRole,
    GovernanceProposal,
    ProposalStatus,
    ReviewFlag,
    ReviewReason,
)
from kikz.governance.workflow.schemas import QueueItem
from kikz.tenancy.permissions import Principal, visible
from kikz.types import Role

ROLES = ("steward", "owner", "dpo", "board")
KIND_LABEL = {
    "classification": "Einstufung",
    "publication": "Veröffentlichung als Open Data",
    "withdrawal": "Zurückziehen",
    "responsibility": "Verantwortliche",
}
LIMIT = 500


def available_roles(session: Session, principal: Principal) -> list[str]:
    """The queues that concern the caller."""
    if principal.is_anonymous:
        return []
    if principal.is_superuser:
        return list(ROLES)
    out = []
    named_steward = session.scalar(select(Dataset.id).where(Dataset.steward_id == principal.user_id).limit(1))
    if principal.cities_with(Role.DATA_STEWARD) or named_steward:
        out.append("steward")
    named_owner = session.scalar(select(Dataset.id).where(Dataset.owner_id == principal.user_id).limit(1))
    if principal.cities_with(Role.DATA_OWNER) or named_owner:
        out.append("owner")
    if principal.cities_with(Role.DPO):
        out.append("dpo")
    if principal.cities_with(Role.GOVERNANCE_BOARD, Role.ADMIN):
        out.append("board")
    return out


def _in_cities(principal: Principal, *roles: Role) -> ColumnElement[bool]:
    if principal.is_superuser:
        return Dataset.id.is_not(None)
    cities = principal.cities_with(*roles)
    return Dataset.municipality_id.in_(cities) if cities else false()


def _item(
    kind: str,
    title: str,
    detail: str,
    dataset: Dataset | None,
    since: dt.datetime,
    cutoff: dt.datetime,
    link: str,
    **ids: int | None,
) -> QueueItem:
    return QueueItem(
        kind=kind,
        title=title,
        detail=detail,
        dataset=dataset.name if dataset else None,
        municipality=dataset.municipality.slug if dataset else None,
        since=since,
        overdue=since < cutoff,
        link=link,
        **ids,
    )


def _dataset_link(dataset: Dataset) -> str:
    return f"/governance/datensaetze/{dataset.name}"


def _steward(session: Session, principal: Principal, cutoff: dt.datetime) -> list[QueueItem]:
    mine = or_(_in_cities(principal, Role.DATA_STEWARD), Dataset.steward_id == principal.user_id)
    base = select(Dataset).where(mine, visible(principal, Dataset)).order_by(Dataset.created_at, Dataset.id)
    items = []
    for ds in session.scalars(base.where(Dataset.protection_class.is_(None)).limit(LIMIT)):
        items.append(
            _item(
                "unclassified",
                ds.title,
                "Noch nicht eingestuft (gilt als vertraulich).",
                ds,
                ds.created_at,
                cutoff,
                _dataset_link(ds),
            )
        )
    for ds in session.scalars(base.where(or_(Dataset.owner_id.is_(None), Dataset.steward_id.is_(None))).limit(LIMIT)):
        missing = [
            label for label, value in (("Data Owner", ds.owner_id), ("Data Steward", ds.steward_id)) if value is None
        ]
        items.append(
            _item(
                "missing_responsibility",
                ds.title,
                "Es fehlt: " + ", ".join(missing) + ".",
                ds,
                ds.created_at,
                cutoff,
                _dataset_link(ds),
            )
        )
    flags = (
        select(ReviewFlag, Dataset)
        .join(Dataset, Dataset.id == ReviewFlag.dataset_id)
        .where(ReviewFlag.resolved_at.is_(None), mine, visible(principal, Dataset))
        .order_by(ReviewFlag.created_at, ReviewFlag.id)
        .limit(LIMIT)
    )
    for flag, ds in session.execute(flags):
        items.append(_flag_item(flag, ds, cutoff))
    return items


def _flag_item(flag: ReviewFlag, ds: Dataset, cutoff: dt.datetime) -> QueueItem:
    if flag.reason is ReviewReason.NEW_VERSION:
        detail = f"Neue Version ({flag.detail.get('file', 'Datei')}): Einstufung prüfen."
    else:
        found = flag.detail.get("findings", 0)
        detail = f"Die Prüfung hat {found} Hinweis(e) auf personenbezogene Daten gefunden."
        if flag.detail.get("art9"):
            detail += " Darunter besondere Kategorien (Art. 9 DSGVO)."
    return _item(flag.reason.value, ds.title, detail, ds, flag.created_at, cutoff, _dataset_link(ds))


def _open_proposals(
    session: Session, principal: Principal, *extra: ColumnElement[bool]
) -> Iterable[tuple[GovernanceProposal, Dataset]]:
    stmt = (
        select(GovernanceProposal, Dataset)
        .join(Dataset, Dataset.id == GovernanceProposal.dataset_id)
        .where(GovernanceProposal.status == ProposalStatus.OPEN, visible(principal, Dataset), *extra)
        .order_by(GovernanceProposal.created_at, GovernanceProposal.id)
        .limit(LIMIT)
    )
    return session.execute(stmt)


def _open_requests(
    session: Session, principal: Principal, *extra: ColumnElement[bool]
) -> Iterable[tuple[AccessRequest, Dataset]]:
    stmt = (
        select(AccessRequest, Dataset)
        .join(Dataset, Dataset.id == AccessRequest.dataset_id)
        .where(AccessRequest.status == AccessRequestStatus.OPEN, visible(principal, Dataset), *extra)
        .order_by(AccessRequest.created_at, AccessRequest.id)
        .limit(LIMIT)
    )
    return session.execute(stmt)


def _approver(session: Session, principal: Principal, role: ApprovalRole, cutoff: dt.datetime) -> list[QueueItem]:
    items = []
    for proposal, ds in _open_proposals(session, principal):
        if role in proposals.roles_for(session, principal, proposal, ds):
            items.append(
                _item(
                    "proposal",
                    f"{KIND_LABEL[proposal.kind.value]}: {ds.title}",
                    f"Vorschlag #{proposal.id} von {proposal.author_label}: {proposal.reason[:200]}",
                    ds,
                    proposal.created_at,
                    cutoff,
                    f"/governance/vorschlaege/{proposal.id}",
                    proposal_id=proposal.id,
                )
            )
    for request, ds in _open_requests(session, principal):
        decided = {d.user_id for d in access.decisions(session, request)}
        pending = access.open_roles(session, request)
        if (
            principal.user_id not in decided
            and role in pending
            and role in access.decider_roles(principal, request, ds)
        ):
            items.append(
                _item(
                    "access_request",
                    f"Zugangsanfrage: {ds.title}",
                    f"Zweck: {request.purpose[:200]}",
                    ds,
                    request.created_at,
                    cutoff,
                    f"/governance/zugang/{request.id}",
                    access_request_id=request.id,
                )
            )
    return items


def _dpo(session: Session, principal: Principal, cutoff: dt.datetime) -> list[QueueItem]:
    items = _approver(session, principal, ApprovalRole.DPO, cutoff)
    flags = (
        select(ReviewFlag, Dataset)
        .join(Dataset, Dataset.id == ReviewFlag.dataset_id)
        .where(
            ReviewFlag.resolved_at.is_(None),
            ReviewFlag.reason == ReviewReason.SCAN_FINDINGS,
            _in_cities(principal, Role.DPO),
            visible(principal, Dataset),
        )
        .order_by(ReviewFlag.created_at, ReviewFlag.id)
        .limit(LIMIT)
    )
    for flag, ds in session.execute(flags):
        if flag.detail.get("art9"):
            items.append(_flag_item(flag, ds, cutoff))
    return items


def _board(session: Session, principal: Principal, cutoff: dt.datetime) -> list[QueueItem]:
    """Everything open for longer than the overdue limit in the board's cities."""
    scope = _in_cities(principal, Role.GOVERNANCE_BOARD, Role.ADMIN)
    items = []
    for proposal, ds in _open_proposals(session, principal, scope, GovernanceProposal.created_at < cutoff):
        items.append(
            _item(
                "proposal",
                f"{KIND_LABEL[proposal.kind.value]}: {ds.title}",
                f"Vorschlag #{proposal.id} wartet auf: "
                + ", ".join(r.value for r in proposals.open_roles(session, proposal, ds))
                + ".",
                ds,
                proposal.created_at,
                cutoff,
                f"/governance/vorschlaege/{proposal.id}",
                proposal_id=proposal.id,
            )
        )
    for request, ds in _open_requests(session, principal, scope, AccessRequest.created_at < cutoff):
        items.append(
            _item(
                "access_request",
                f"Zugangsanfrage: {ds.title}",
                "Unbeantwortete Zugangsanfrage.",
                ds,
                request.created_at,
                cutoff,
                f"/governance/zugang/{request.id}",
                access_request_id=request.id,
            )
        )
    flags = (
        select(ReviewFlag, Dataset)
        .join(Dataset, Dataset.id == ReviewFlag.dataset_id)
        .where(
            ReviewFlag.resolved_at.is_(None),
            ReviewFlag.created_at < cutoff,
            scope,
            visible(principal, Dataset),
        )
        .order_by(ReviewFlag.created_at)
        .limit(LIMIT)
    )
    items.extend(_flag_item(flag, ds, cutoff) for flag, ds in session.execute(flags))
    unclassified = select(Dataset).where(
        Dataset.protection_class.is_(None), Dataset.created_at < cutoff, scope, visible(principal, Dataset)
    )
    for ds in session.scalars(unclassified.order_by(Dataset.created_at).limit(LIMIT)):
        items.append(
            _item(
                "unclassified",
                ds.title,
                "Seit Langem nicht eingestuft.",
                ds,
                ds.created_at,
                cutoff,
                _dataset_link(ds),
            )
        )
    return items


def queue(
    session: Session, *, principal: Principal, role: str, overdue_days: int, now: dt.datetime | None = None
) -> list[QueueItem]:
    """The open items of one role's queue, oldest first."""
    if role not in ROLES:
        raise InvalidInput(f"Unbekannte Rolle '{role}' (steward, owner, dpo, board).")
    if principal.is_anonymous:
        return []
    cutoff = (now or utcnow()) - dt.timedelta(days=overdue_days)
    if role == "steward":
        items = _steward(session, principal, cutoff)
    elif role == "owner":
        items = _approver(session, principal, ApprovalRole.OWNER, cutoff)
    elif role == "dpo":
        items = _dpo(session, principal, cutoff)
    else:
        items = _board(session, principal, cutoff)
    return sorted(items, key=lambda item: item.since)
