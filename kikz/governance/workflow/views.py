"""Turn workflow rows into the response shapes (shared by the JSON API, the pages and the CLI)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from kikz.catalog.models import Dataset
from kikz.governance.workflow import access, proposals
from kikz.governance.workflow.models import AccessRequest, ApprovalRole, GovernanceProposal
from kikz.governance.workflow.schemas import (
    AccessRequestDetail,
    AccessRequestPublic,
    DecisionPublic,
    ProposalPublic,
    ResponsibilitiesPublic,
)
from kikz.tenancy.models import User
from kikz.tenancy.permissions import Principal


def until(value: dt.datetime | dt.date) -> dt.datetime:
    """A date means the end of that day (UTC)."""
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.combine(value, dt.time(23, 59, 59), tzinfo=dt.UTC)


def proposal_public(session: Session, principal: Principal, proposal: GovernanceProposal) -> ProposalPublic:
    dataset = session.get_one(Dataset, proposal.dataset_id)
    return ProposalPublic(
        id=proposal.id,
        dataset=dataset.name,
        dataset_title=dataset.title,
        municipality=dataset.municipality.slug,
        kind=proposal.kind,
        status=proposal.status,
        proposed=proposal.proposed,
        current=proposal.current,
        reason=proposal.reason,
        explanation=proposal.explanation,
        source=proposal.source,
        author=proposal.author_label,
        required=proposals.required_roles(proposal, dataset),
        open_roles=proposals.open_roles(session, proposal, dataset) if proposal.status.value == "open" else [],
        can_approve_as=proposals.roles_for(session, principal, proposal, dataset),
        involves_personal=proposal.involves_personal,
        created_at=proposal.created_at,
        decided_at=proposal.decided_at,
        applied_version=proposal.applied_version,
        decisions=[DecisionPublic.model_validate(d) for d in proposals.decisions(session, proposal)],
    )


def request_public(request: AccessRequest) -> AccessRequestPublic:
    return AccessRequestPublic(
        id=request.id,
        dataset=request.dataset_key,
        purpose=request.purpose,
        legal_basis=request.legal_basis,
        requested_until=request.requested_until,
        status=request.status,
        created_at=request.created_at,
        decided_at=request.decided_at,
        ended_at=request.ended_at,
    )


def request_view(
    session: Session, principal: Principal, request: AccessRequest
) -> AccessRequestPublic | AccessRequestDetail:
    """The requester gets the plain view; deciders get the dataset, the people and the decisions."""
    dataset = session.get(Dataset, request.dataset_id) if request.dataset_id else None
    is_decider = (
        dataset is not None
        and request.requester_id != principal.user_id
        and (principal.is_superuser or bool(access.decider_roles(principal, request, dataset)))
    )
    if not is_decider or dataset is None:
        return request_public(request)
    requester = session.get(User, request.requester_id)
    pending = access.open_roles(session, request)
    decided = {d.user_id for d in access.decisions(session, request)}
    can = (
        []
        if principal.user_id in decided or request.status.value != "open"
        else [r for r in access.decider_roles(principal, request, dataset) if r in pending]
    )
    return AccessRequestDetail(
        **request_public(request).model_dump(),
        dataset_title=dataset.title,
        municipality=dataset.municipality.slug,
        requester=requester.email if requester else "",
        required=[ApprovalRole(r) for r in request.required],
        involves_personal=request.involves_personal,
        can_decide_as=can,
        decisions=[DecisionPublic.model_validate(d) for d in access.decisions(session, request)],
    )


def responsibilities_public(session: Session, dataset: Dataset) -> ResponsibilitiesPublic:
    owner = session.get(User, dataset.owner_id) if dataset.owner_id else None
    steward = session.get(User, dataset.steward_id) if dataset.steward_id else None
    return ResponsibilitiesPublic(
        dataset=dataset.name,
        owner=owner.email if owner else None,
        steward=steward.email if steward else None,
        complete=owner is not None and steward is not None,
    )
