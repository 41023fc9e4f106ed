"""Access requests: staff of other departments or partner cities ask for time-limited access to a dataset.

A request names a dataset by identifier or name. Whether that dataset exists but is hidden from the
requester, or does not exist at all, the answer is the same: the request is recorded as open. Only the
dataset's owner side (and the DPO) ever sees it. Approval creates an ``AccessGrant`` that ends by itself at
the requested date; it can be revoked earlier. Every step is audited.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from kikz import audit
from kikz.catalog.models import Dataset
from kikz.db import utcnow
from kikz.errors import Conflict, InvalidInput, NotFound
from kikz.governance.workflow import rules
from kikz.governance.workflow.models import AccessRequest, AccessRequestStatus, ApprovalRole, WorkflowDecision
from kikz.tenancy import service as tenancy
from kikz.tenancy.models import AccessGrant, User
from kikz.tenancy.permissions import Action, PermissionDenied, Principal, allowed
from kikz.types import DatasetStatus, ProtectionClass

APPROVAL_ACTION = {ApprovalRole.OWNER: Action.APPROVE_AS_OWNER, ApprovalRole.DPO: Action.APPROVE_AS_DPO}
NOT_FOUND = "Diese Zugangsanfrage gibt es nicht oder Sie dürfen sie nicht sehen."


def _audit(session: Session, actor: Principal | None, action: str, request: AccessRequest, **extra: Any) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        entity_type="access_request",
        entity_id=request.id,
        municipality_id=request.municipality_id,
        after={
            "dataset_key": request.dataset_key,
            "dataset_id": request.dataset_id,
            "status": request.status.value,
            "requester_id": request.requester_id,
            **extra,
        },
    )


def _find(session: Session, key: str) -> Dataset | None:
    """The dataset by identifier or name, without the visibility filter: only for routing the request."""
    return session.scalars(select(Dataset).where(or_(Dataset.identifier == key, Dataset.name == key)).limit(1)).first()


def request_access(
    session: Session,
    *,
    principal: Principal,
    dataset_key: str,
    purpose: str,
    requested_until: dt.datetime,
    legal_basis: str = "",
    max_days: int = 365,
) -> AccessRequest:
    """Record a request. Nonexistent and invisible datasets are treated alike, so the answer tells nothing."""
    if principal.is_anonymous or not any(
        allowed(principal, Action.REQUEST_ACCESS, city) for city in principal.cities_with()
    ):
        raise PermissionDenied("Zugang anfragen können Mitarbeitende der Kommunen.")
    key = dataset_key.strip()
    if not key or len(key) > 200:
        raise InvalidInput("Bitte die Kennung oder den Namen des Datensatzes angeben.")
    if not purpose.strip():
        raise InvalidInput("Bitte den Zweck angeben, für den Sie die Daten brauchen.")
    if len(purpose) > 1000 or len(legal_basis) > 500:
        raise InvalidInput("Zweck (höchstens 1000 Zeichen) oder Rechtsgrundlage (höchstens 500) ist zu lang.")
    now = utcnow()
    if requested_until.tzinfo is None:
        raise InvalidInput("Bitte das Enddatum mit Zeitzone angeben.")
    if requested_until <= now:
        raise InvalidInput("Das Ende des Zugangs muss in der Zukunft liegen.")
    if requested_until > now + dt.timedelta(days=max_days):
        raise InvalidInput(f"Zugang kann für höchstens {max_days} Tage angefragt werden.")
    dataset = _find(session, key)
    # open data is visible to everybody, so saying so reveals nothing
    if (
        dataset is not None
        and dataset.protection_class is ProtectionClass.OEFFENTLICH
        and dataset.status is DatasetStatus.PUBLISHED
    ):
        raise Conflict("Dieser Datensatz ist frei zugänglich; dafür braucht es keine Anfrage.")
    request = AccessRequest(
        dataset_key=key,
        dataset_id=dataset.id if dataset else None,
        municipality_id=dataset.municipality_id if dataset else None,
        requester_id=principal.user_id,
        purpose=purpose.strip(),
        legal_basis=legal_basis.strip(),
        requested_until=requested_until,
        status=AccessRequestStatus.OPEN,
        required=[r.value for r in rules.access_approvals(dataset)] if dataset else [ApprovalRole.OWNER.value],
        involves_personal=bool(dataset and ApprovalRole.DPO in rules.access_approvals(dataset)),
        created_at=now,
    )
    session.add(request)
    session.flush()
    _audit(
        session,
        principal,
        "access_request.create",
        request,
        purpose=request.purpose,
        until=requested_until.isoformat(),
        legal_basis=request.legal_basis,
    )
    return request


def _dataset(session: Session, request: AccessRequest) -> Dataset | None:
    return session.get(Dataset, request.dataset_id) if request.dataset_id is not None else None


def decider_roles(principal: Principal, request: AccessRequest, dataset: Dataset | None) -> list[ApprovalRole]:
    """Roles in which ``principal`` decides this request (never their own)."""
    if dataset is None or principal.is_anonymous or principal.user_id == request.requester_id:
        return []
    return [ApprovalRole(r) for r in request.required if allowed(principal, APPROVAL_ACTION[ApprovalRole(r)], dataset)]


def get_request(session: Session, *, principal: Principal, request_id: int) -> AccessRequest:
    """The requester and the deciders see a request; for everybody else it does not exist."""
    request = session.get(AccessRequest, request_id)
    if request is None or principal.is_anonymous:
        raise NotFound(NOT_FOUND)
    if request.requester_id == principal.user_id or principal.is_superuser:
        return request
    dataset = _dataset(session, request)
    if dataset is None or not (
        allowed(principal, Action.APPROVE_AS_OWNER, dataset) or allowed(principal, Action.APPROVE_AS_DPO, dataset)
    ):
        raise NotFound(NOT_FOUND)
    return request


def my_requests(session: Session, *, principal: Principal) -> list[AccessRequest]:
    if principal.is_anonymous:
        return []
    stmt = select(AccessRequest).where(AccessRequest.requester_id == principal.user_id)
    return list(session.scalars(stmt.order_by(AccessRequest.created_at.desc(), AccessRequest.id.desc())))


def decisions(session: Session, request: AccessRequest) -> list[WorkflowDecision]:
    stmt = select(WorkflowDecision).where(WorkflowDecision.access_request_id == request.id)
    return list(session.scalars(stmt.order_by(WorkflowDecision.at, WorkflowDecision.id)))


def open_roles(session: Session, request: AccessRequest) -> list[ApprovalRole]:
    done = {d.role for d in decisions(session, request) if d.approve}
    return [ApprovalRole(r) for r in request.required if ApprovalRole(r) not in done]


def _open_for_decision(
    session: Session, principal: Principal, request_id: int
) -> tuple[AccessRequest, Dataset, list[ApprovalRole]]:
    request = get_request(session, principal=principal, request_id=request_id)
    session.refresh(request, with_for_update=True)
    dataset = _dataset(session, request)
    if request.requester_id == principal.user_id:
        raise PermissionDenied("Über die eigene Anfrage entscheiden andere (Vier-Augen-Prinzip).")
    if request.status is not AccessRequestStatus.OPEN:
        raise Conflict(f"Diese Anfrage ist nicht mehr offen (Status: {request.status.value}).")
    roles = decider_roles(principal, request, dataset)
    if dataset is None or not roles:
        raise PermissionDenied("Über diese Anfrage entscheiden der Data Owner und ggf. die/der Datenschutzbeauftragte.")
    if any(d.user_id == principal.user_id for d in decisions(session, request)):
        raise Conflict("Sie haben über diese Anfrage bereits entschieden.")
    return request, dataset, roles


def _record(
    session: Session,
    request: AccessRequest,
    principal: Principal,
    role: ApprovalRole,
    approve: bool,
    comment: str,
) -> None:
    session.add(
        WorkflowDecision(
            access_request_id=request.id,
            user_id=principal.user_id,
            user_label=principal.email or principal.display_name,
            role=role,
            approve=approve,
            comment=comment.strip()[:2000],
            at=utcnow(),
        )
    )
    session.flush()


def approve_request(session: Session, *, principal: Principal, request_id: int, comment: str = "") -> AccessRequest:
    """One required approval; with the last one the grant is created, valid until the requested date."""
    request, dataset, _roles = _open_for_decision(session, principal, request_id)
    # personal data may have been found since the request was made
    request.required = sorted(
        {*request.required, *(r.value for r in rules.access_approvals(dataset))},
        key=lambda r: list(ApprovalRole).index(ApprovalRole(r)),
    )
    done = {d.role for d in decisions(session, request) if d.approve}
    open_roles = [ApprovalRole(r) for r in request.required if ApprovalRole(r) not in done]
    mine = [r for r in open_roles if allowed(principal, APPROVAL_ACTION[r], dataset)]
    if not mine:
        raise PermissionDenied("Ihre Freigabe ist für diese Anfrage nicht (mehr) nötig.")
    _record(session, request, principal, mine[0], True, comment)
    _audit(session, principal, "access_request.approve", request, role=mine[0].value, comment=comment)
    if len(open_roles) == 1:
        if request.requested_until <= utcnow():
            raise Conflict("Der angefragte Zeitraum ist bereits abgelaufen.")
        requester = session.get_one(User, request.requester_id)
        grant = tenancy.grant_access(
            session,
            user=requester,
            dataset_id=dataset.id,
            purpose=request.purpose,
            valid_until=request.requested_until,
            granted_by=principal,
            municipality_id=dataset.municipality_id,
        )
        request.grant_id = grant.id
        request.status = AccessRequestStatus.APPROVED
        request.decided_at = utcnow()
        _audit(
            session,
            principal,
            "access_request.grant",
            request,
            grant_id=grant.id,
            until=request.requested_until.isoformat(),
        )
    return request


def reject_request(session: Session, *, principal: Principal, request_id: int, comment: str) -> AccessRequest:
    if not comment.strip():
        raise InvalidInput("Bitte begründen Sie die Ablehnung.")
    request, _dataset_row, roles = _open_for_decision(session, principal, request_id)
    _record(session, request, principal, roles[0], False, comment)
    request.status = AccessRequestStatus.REJECTED
    request.decided_at = utcnow()
    _audit(session, principal, "access_request.reject", request, role=roles[0].value, comment=comment)
    return request


def withdraw_request(session: Session, *, principal: Principal, request_id: int) -> AccessRequest:
    request = get_request(session, principal=principal, request_id=request_id)
    if request.requester_id != principal.user_id:
        raise PermissionDenied("Zurückziehen kann nur, wer angefragt hat.")
    if request.status is not AccessRequestStatus.OPEN:
        raise Conflict(f"Diese Anfrage ist nicht mehr offen (Status: {request.status.value}).")
    request.status = AccessRequestStatus.WITHDRAWN
    request.ended_at = utcnow()
    _audit(session, principal, "access_request.withdraw", request)
    return request


def revoke_request(session: Session, *, principal: Principal, request_id: int, comment: str = "") -> AccessRequest:
    """End an approved access early: the owner side, the DPO or the requester themselves."""
    request = get_request(session, principal=principal, request_id=request_id)
    dataset = _dataset(session, request)
    may = request.requester_id == principal.user_id or (
        dataset is not None
        and (allowed(principal, Action.GRANT_ACCESS, dataset) or allowed(principal, Action.APPROVE_AS_DPO, dataset))
    )
    if not may:
        raise PermissionDenied()
    if request.status is not AccessRequestStatus.APPROVED:
        raise Conflict("Widerrufen lässt sich nur ein gewährter Zugang.")
    now = utcnow()
    grant = session.get(AccessGrant, request.grant_id) if request.grant_id else None
    if grant is not None and grant.revoked_at is None:
        grant.revoked_at = now
    request.status = AccessRequestStatus.REVOKED
    request.ended_at = now
    _audit(session, principal, "access_request.revoke", request, comment=comment.strip())
    return request


def expire_requests(session: Session, *, now: dt.datetime | None = None) -> int:
    """Mark requests whose time is up: granted ones (their grant already stopped counting) and unanswered."""
    now = now or utcnow()
    stmt = select(AccessRequest).where(
        AccessRequest.status.in_([AccessRequestStatus.OPEN, AccessRequestStatus.APPROVED]),
        AccessRequest.requested_until <= now,
    )
    count = 0
    for request in session.scalars(stmt):
        request.status = AccessRequestStatus.EXPIRED
        request.ended_at = now
        _audit(session, None, "access_request.expire", request)
        count += 1
    return count


def expire_job(session: Session, payload: dict[str, Any]) -> None:
    """Job handler ``governance.expire_access``: run it daily (the lead schedules it)."""
    expire_requests(session)
