"""JSON API of the governance workflow under ``/api/v1/governance``: proposals, access requests, queues,
responsibilities and the dashboard. Thin: parse, call the services (which check permissions), answer.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from kikz.catalog import service as catalog
from kikz.governance import dashboard as dashboards
from kikz.governance.workflow import service, views
from kikz.governance.workflow.models import ProposalKind, ProposalStatus
from kikz.governance.workflow.people import user_id_for
from kikz.governance.workflow.schemas import (
    AccessRequestCreate,
    AccessRequestDetail,
    AccessRequestPublic,
    DecisionIn,
    ProposalCreate,
    ProposalPublic,
    QueuePublic,
    ResponsibilitiesIn,
    ResponsibilitiesPublic,
)
from kikz.web.deps import LoggedInDep, SessionDep, SettingsDep

router = APIRouter(prefix="/api/v1/governance")
TAG = "Governance"


def _values(session: SessionDep, body: ProposalCreate) -> dict[str, Any]:
    """Responsibility proposals name people by e-mail; the service works with account ids."""
    if body.kind is not ProposalKind.RESPONSIBILITY:
        return body.values
    out: dict[str, Any] = {}
    for field, target in (("owner_email", "owner_id"), ("steward_email", "steward_id")):
        if body.values.get(field):
            out[target] = user_id_for(session, str(body.values[field]))
    extra = set(body.values) - {"owner_email", "steward_email"}
    out.update({key: body.values[key] for key in extra})  # the service refuses unknown fields by name
    return out


@router.get(
    "/dashboard",
    response_model=dashboards.Dashboard,
    tags=[TAG],
    summary="Governance-Dashboard / Governance dashboard",
)
def get_dashboard(session: SessionDep, principal: LoggedInDep, settings: SettingsDep) -> dashboards.Dashboard:
    return dashboards.dashboard(session, principal=principal, overdue_days=settings.governance_overdue_days)


@router.get("/queue", response_model=QueuePublic, tags=[TAG], summary="Prüfliste einer Rolle / Review queue")
def get_queue(
    session: SessionDep,
    principal: LoggedInDep,
    settings: SettingsDep,
    role: Annotated[str, Query(description="steward, owner, dpo or board")],
) -> QueuePublic:
    items = service.queue(session, principal=principal, role=role, overdue_days=settings.governance_overdue_days)
    return QueuePublic(role=role, overdue_days=settings.governance_overdue_days, items=items)


@router.get("/proposals", response_model=list[ProposalPublic], tags=[TAG], summary="Vorschläge / Proposals")
def list_proposals(
    session: SessionDep,
    principal: LoggedInDep,
    dataset: str | None = None,
    status: ProposalStatus | None = None,
) -> list[ProposalPublic]:
    ds = catalog.get_dataset(session, principal=principal, key=dataset) if dataset else None
    rows = service.list_proposals(session, principal=principal, dataset=ds, status=status)
    return [views.proposal_public(session, principal, p) for p in rows]


@router.post(
    "/proposals",
    response_model=ProposalPublic,
    status_code=201,
    tags=[TAG],
    summary="Vorschlag stellen / Open a proposal",
)
def create_proposal(body: ProposalCreate, session: SessionDep, principal: LoggedInDep) -> ProposalPublic:
    dataset = catalog.get_dataset(session, principal=principal, key=body.dataset)
    proposal = service.propose(
        session,
        principal=principal,
        dataset=dataset,
        kind=body.kind,
        values=_values(session, body),
        reason=body.reason,
    )
    return views.proposal_public(session, principal, proposal)


@router.get("/proposals/{proposal_id}", response_model=ProposalPublic, tags=[TAG], summary="Vorschlag / Proposal")
def read_proposal(proposal_id: int, session: SessionDep, principal: LoggedInDep) -> ProposalPublic:
    proposal = service.get_proposal(session, principal=principal, proposal_id=proposal_id)
    return views.proposal_public(session, principal, proposal)


@router.post(
    "/proposals/{proposal_id}/approve",
    response_model=ProposalPublic,
    tags=[TAG],
    summary="Freigeben / Approve",
)
def approve_proposal(proposal_id: int, body: DecisionIn, session: SessionDep, principal: LoggedInDep) -> ProposalPublic:
    proposal = service.approve(
        session, principal=principal, proposal_id=proposal_id, comment=body.comment, as_role=body.as_role
    )
    return views.proposal_public(session, principal, proposal)


@router.post("/proposals/{proposal_id}/reject", response_model=ProposalPublic, tags=[TAG], summary="Ablehnen / Reject")
def reject_proposal(proposal_id: int, body: DecisionIn, session: SessionDep, principal: LoggedInDep) -> ProposalPublic:
    proposal = service.reject(session, principal=principal, proposal_id=proposal_id, comment=body.comment)
    return views.proposal_public(session, principal, proposal)


@router.post(
    "/proposals/{proposal_id}/withdraw",
    response_model=ProposalPublic,
    tags=[TAG],
    summary="Zurückziehen / Withdraw",
)
def withdraw_proposal(proposal_id: int, session: SessionDep, principal: LoggedInDep) -> ProposalPublic:
    proposal = service.withdraw(session, principal=principal, proposal_id=proposal_id)
    return views.proposal_public(session, principal, proposal)


@router.get(
    "/access-requests",
    response_model=list[AccessRequestPublic],
    tags=[TAG],
    summary="Meine Zugangsanfragen / My access requests",
)
def my_access_requests(session: SessionDep, principal: LoggedInDep) -> list[AccessRequestPublic]:
    return [views.request_public(r) for r in service.my_requests(session, principal=principal)]


@router.post(
    "/access-requests",
    response_model=AccessRequestPublic,
    status_code=202,
    tags=[TAG],
    summary="Zugang anfragen / Request access",
    description="Die Antwort ist dieselbe, ob es den Datensatz gibt oder nicht. / The answer is the same "
    "whether the dataset exists or not.",
)
def create_access_request(
    body: AccessRequestCreate, session: SessionDep, principal: LoggedInDep, settings: SettingsDep
) -> AccessRequestPublic:
    request = service.request_access(
        session,
        principal=principal,
        dataset_key=body.dataset,
        purpose=body.purpose,
        requested_until=views.until(body.requested_until),
        legal_basis=body.legal_basis,
        max_days=settings.governance_access_max_days,
    )
    return views.request_public(request)


@router.get(
    "/access-requests/{request_id}",
    response_model=AccessRequestDetail | AccessRequestPublic,
    tags=[TAG],
    summary="Zugangsanfrage / Access request",
)
def read_access_request(
    request_id: int, session: SessionDep, principal: LoggedInDep
) -> AccessRequestDetail | AccessRequestPublic:
    request = service.get_request(session, principal=principal, request_id=request_id)
    return views.request_view(session, principal, request)


def _decided(session: SessionDep, principal: LoggedInDep, request_id: int) -> AccessRequestDetail | AccessRequestPublic:
    request = service.get_request(session, principal=principal, request_id=request_id)
    return views.request_view(session, principal, request)


@router.post(
    "/access-requests/{request_id}/approve",
    response_model=AccessRequestDetail | AccessRequestPublic,
    tags=[TAG],
    summary="Zugang freigeben / Approve access",
)
def approve_access(
    request_id: int, body: DecisionIn, session: SessionDep, principal: LoggedInDep
) -> AccessRequestDetail | AccessRequestPublic:
    service.approve_request(session, principal=principal, request_id=request_id, comment=body.comment)
    return _decided(session, principal, request_id)


@router.post(
    "/access-requests/{request_id}/reject",
    response_model=AccessRequestDetail | AccessRequestPublic,
    tags=[TAG],
    summary="Zugang ablehnen / Reject access",
)
def reject_access(
    request_id: int, body: DecisionIn, session: SessionDep, principal: LoggedInDep
) -> AccessRequestDetail | AccessRequestPublic:
    service.reject_request(session, principal=principal, request_id=request_id, comment=body.comment)
    return _decided(session, principal, request_id)


@router.post(
    "/access-requests/{request_id}/revoke",
    response_model=AccessRequestDetail | AccessRequestPublic,
    tags=[TAG],
    summary="Zugang widerrufen / Revoke access",
)
def revoke_access(
    request_id: int, body: DecisionIn, session: SessionDep, principal: LoggedInDep
) -> AccessRequestDetail | AccessRequestPublic:
    service.revoke_request(session, principal=principal, request_id=request_id, comment=body.comment)
    return _decided(session, principal, request_id)


@router.post(
    "/access-requests/{request_id}/withdraw",
    response_model=AccessRequestPublic,
    tags=[TAG],
    summary="Anfrage zurückziehen / Withdraw request",
)
def withdraw_access(request_id: int, session: SessionDep, principal: LoggedInDep) -> AccessRequestPublic:
    return views.request_public(service.withdraw_request(session, principal=principal, request_id=request_id))


@router.get(
    "/datasets/{name_or_id}/responsibilities",
    response_model=ResponsibilitiesPublic,
    tags=[TAG],
    summary="Verantwortliche / Responsibilities",
)
def read_responsibilities(name_or_id: str, session: SessionDep, principal: LoggedInDep) -> ResponsibilitiesPublic:
    dataset = catalog.get_dataset(session, principal=principal, key=name_or_id)
    return views.responsibilities_public(session, dataset)


@router.put(
    "/datasets/{name_or_id}/responsibilities",
    response_model=ResponsibilitiesPublic,
    tags=[TAG],
    summary="Verantwortliche zuweisen / Assign responsibilities",
    description="Direkt durch die Administration der Kommune; sonst per Vorschlag (kind=responsibility).",
)
def assign_responsibilities(
    name_or_id: str, body: ResponsibilitiesIn, session: SessionDep, principal: LoggedInDep
) -> ResponsibilitiesPublic:
    dataset = catalog.get_dataset(session, principal=principal, key=name_or_id)
    service.assign_responsibilities(
        session,
        principal=principal,
        dataset=dataset,
        owner_id=user_id_for(session, body.owner_email) if body.owner_email else None,
        steward_id=user_id_for(session, body.steward_email) if body.steward_email else None,
    )
    return views.responsibilities_public(session, dataset)


@router.post(
    "/datasets/{name_or_id}/reviewed",
    status_code=204,
    tags=[TAG],
    summary="Einstufung geprüft / Mark reviewed",
)
def mark_reviewed(name_or_id: str, session: SessionDep, principal: LoggedInDep) -> Response:
    dataset = catalog.get_dataset(session, principal=principal, key=name_or_id)
    service.mark_reviewed(session, principal=principal, dataset=dataset)
    return Response(status_code=204)
