"""Proposals and four-eyes approval: a change to a dataset takes effect only when the required people agree.

The author never approves their own proposal. The owner side (the dataset's owner or a data owner of its
city) approves every proposal; the city's data-protection officer as well when personal data is involved.
Each approval fills one role and distinct roles need distinct people. When the last approval arrives the
change is applied through the catalogue service by the system actor "Vier-Augen-Freigabe", so history,
audit and search index follow; the audit entry names the approvers.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kikz import audit
from kikz.catalog import service as catalog
from kikz.catalog.models import Dataset
from kikz.catalog.schemas import DatasetUpdate
from kikz.db import utcnow
from kikz.errors import Conflict, InvalidInput, NotFound
from kikz.governance.workflow import reviews, rules
from kikz.governance.workflow.models import (
    ApprovalRole,
    GovernanceProposal,
    ProposalKind,
    ProposalStatus,
    WorkflowDecision,
)
from kikz.governance.workflow.people import check_person
from kikz.tenancy.permissions import Action, PermissionDenied, Principal, allowed, can_view, require, visible
from kikz.types import DatasetStatus, ProtectionClass, Role

SYSTEM_APPROVAL = Principal(display_name="Vier-Augen-Freigabe", email="Vier-Augen-Freigabe", is_superuser=True)
"""Applies approved changes: approvers need not hold edit rights; the audit entry names them."""
SCAN_AUTHOR = "Automatische Prüfung (Scan)"
APPROVAL_ACTION = {ApprovalRole.OWNER: Action.APPROVE_AS_OWNER, ApprovalRole.DPO: Action.APPROVE_AS_DPO}
PROPOSE_ACTION = {
    ProposalKind.CLASSIFICATION: Action.CLASSIFY_DATASET,
    ProposalKind.PUBLICATION: Action.EDIT_DATASET,
    ProposalKind.WITHDRAWAL: Action.EDIT_DATASET,
    ProposalKind.RESPONSIBILITY: Action.EDIT_DATASET,
}
NOT_FOUND = "Diesen Vorschlag gibt es nicht oder Sie dürfen ihn nicht sehen."
SELF_APPROVAL = "Eigene Vorschläge können Sie nicht selbst freigeben oder ablehnen (Vier-Augen-Prinzip)."


def _audit(session: Session, actor: Principal | None, action: str, proposal: GovernanceProposal, **extra: Any) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        entity_type="governance_proposal",
        entity_id=proposal.id,
        municipality_id=proposal.municipality_id,
        after={
            "dataset_id": proposal.dataset_id,
            "kind": proposal.kind.value,
            "status": proposal.status.value,
            "proposed": proposal.proposed,
            **extra,
        },
    )


def _normalise(session: Session, dataset: Dataset, kind: ProposalKind, values: dict[str, Any]) -> dict[str, Any]:
    """The proposed values of a kind, checked; refuses unknown fields and proposals that change nothing."""
    current = rules.state_of(dataset)
    if kind is ProposalKind.CLASSIFICATION:
        unknown = set(values) - set(rules.CLASSIFICATION_FIELDS)
        proposed: dict[str, Any] = {}
        for name in rules.CLASSIFICATION_FIELDS:
            if name not in values or values[name] is None:
                continue
            if name == "protection_class":
                try:
                    proposed[name] = ProtectionClass(values[name]).value
                except ValueError:
                    raise InvalidInput(f"Unbekannte Schutzklasse '{values[name]}'.") from None
            elif isinstance(values[name], bool):
                proposed[name] = values[name]
            else:
                raise InvalidInput("Personenbezug und Art. 9 sind mit ja oder nein anzugeben.")
    elif kind is ProposalKind.PUBLICATION:
        unknown, proposed = set(values) - {"status"}, {"status": DatasetStatus.PUBLISHED.value}
        if dataset.status is DatasetStatus.PUBLISHED:
            raise Conflict("Der Datensatz ist bereits veröffentlicht.")
        blockers = rules.publication_blockers(current)
        if blockers:
            raise Conflict("Kann nicht als Open Data veröffentlicht werden: " + " ".join(blockers))
    elif kind is ProposalKind.WITHDRAWAL:
        unknown = set(values) - {"status"}
        target = values.get("status") or DatasetStatus.DRAFT.value
        if target not in (DatasetStatus.DRAFT.value, DatasetStatus.ARCHIVED.value):
            raise InvalidInput("Zurückziehen heißt: Status Entwurf oder archiviert.")
        if dataset.status is not DatasetStatus.PUBLISHED:
            raise Conflict("Nur veröffentlichte Datensätze können zurückgezogen werden.")
        proposed = {"status": target}
    else:
        unknown = set(values) - set(rules.RESPONSIBILITY_FIELDS)
        proposed = {}
        for name, role in (("owner_id", Role.DATA_OWNER), ("steward_id", Role.DATA_STEWARD)):
            if values.get(name) is not None:
                check_person(session, user_id=int(values[name]), municipality_id=dataset.municipality_id, role=role)
                proposed[name] = int(values[name])
    if unknown:
        raise InvalidInput(f"Unbekannte Angaben im Vorschlag: {', '.join(sorted(unknown))}.")
    if all(current.get(name) == value for name, value in proposed.items()):
        raise InvalidInput("Der Vorschlag ändert nichts am jetzigen Stand.")
    return proposed


def _create(
    session: Session,
    *,
    dataset: Dataset,
    kind: ProposalKind,
    proposed: dict[str, Any],
    reason: str,
    author: Principal | None,
    explanation: str = "",
    source: str = "manual",
) -> GovernanceProposal:
    current = {name: value for name, value in rules.state_of(dataset).items() if name in proposed}
    full_current = rules.state_of(dataset)
    required = rules.required_approvals(full_current, proposed)
    for older in session.scalars(
        select(GovernanceProposal).where(
            GovernanceProposal.dataset_id == dataset.id,
            GovernanceProposal.kind == kind,
            GovernanceProposal.status == ProposalStatus.OPEN,
        )
    ):
        older.status = ProposalStatus.SUPERSEDED
        older.decided_at = utcnow()
        _audit(session, author, "governance.proposal.supersede", older)
    proposal = GovernanceProposal(
        dataset_id=dataset.id,
        municipality_id=dataset.municipality_id,
        kind=kind,
        status=ProposalStatus.OPEN,
        proposed=proposed,
        current=current,
        reason=reason.strip()[:5000],
        explanation=explanation[:5000],
        source=source,
        author_id=author.user_id if author else None,
        author_label=(author.email or author.display_name) if author else SCAN_AUTHOR,
        required=[r.value for r in required],
        involves_personal=rules.personal_involved(full_current, proposed),
        created_at=utcnow(),
    )
    session.add(proposal)
    session.flush()
    _audit(
        session,
        author,
        "governance.proposal.create",
        proposal,
        reason=proposal.reason,
        required=proposal.required,
    )
    return proposal


def propose(
    session: Session,
    *,
    principal: Principal,
    dataset: Dataset,
    kind: ProposalKind,
    values: dict[str, Any] | None = None,
    reason: str = "",
) -> GovernanceProposal:
    """Open a proposal; an older open proposal of the same kind for the dataset is superseded."""
    if principal.is_anonymous or not can_view(session, principal, Dataset, dataset.id):
        raise NotFound("Diesen Datensatz gibt es nicht oder Sie dürfen ihn nicht sehen.")
    require(principal, PROPOSE_ACTION[kind], dataset)
    if not reason.strip():
        raise InvalidInput("Bitte begründen Sie den Vorschlag.")
    proposed = _normalise(session, dataset, kind, dict(values or {}))
    return _create(session, dataset=dataset, kind=kind, proposed=proposed, reason=reason, author=principal)


def open_system_proposal(
    session: Session, *, dataset: Dataset, values: dict[str, Any], reason: str, explanation: str = ""
) -> GovernanceProposal | None:
    """A classification proposal from the system (a scan); None when it would change nothing."""
    try:
        proposed = _normalise(session, dataset, ProposalKind.CLASSIFICATION, values)
    except InvalidInput:
        return None
    return _create(
        session,
        dataset=dataset,
        kind=ProposalKind.CLASSIFICATION,
        proposed=proposed,
        reason=reason,
        author=None,
        explanation=explanation,
        source="scan",
    )


def get_proposal(session: Session, *, principal: Principal, proposal_id: int) -> GovernanceProposal:
    """A proposal about a dataset the principal may see; others are reported as missing."""
    stmt = (
        select(GovernanceProposal)
        .join(Dataset, Dataset.id == GovernanceProposal.dataset_id)
        .where(GovernanceProposal.id == proposal_id, visible(principal, Dataset))
    )
    proposal = session.scalars(stmt).first()
    if proposal is None:
        raise NotFound(NOT_FOUND)
    return proposal


def list_proposals(
    session: Session,
    *,
    principal: Principal,
    dataset: Dataset | None = None,
    status: ProposalStatus | None = None,
    limit: int = 200,
) -> list[GovernanceProposal]:
    stmt = select(GovernanceProposal).join(Dataset, Dataset.id == GovernanceProposal.dataset_id)
    stmt = stmt.where(visible(principal, Dataset))
    if dataset is not None:
        stmt = stmt.where(GovernanceProposal.dataset_id == dataset.id)
    if status is not None:
        stmt = stmt.where(GovernanceProposal.status == status)
    stmt = stmt.order_by(GovernanceProposal.created_at.desc(), GovernanceProposal.id.desc()).limit(limit)
    return list(session.scalars(stmt))


def decisions(session: Session, proposal: GovernanceProposal) -> list[WorkflowDecision]:
    stmt = select(WorkflowDecision).where(WorkflowDecision.proposal_id == proposal.id)
    return list(session.scalars(stmt.order_by(WorkflowDecision.at, WorkflowDecision.id)))


def required_roles(proposal: GovernanceProposal, dataset: Dataset) -> list[ApprovalRole]:
    """The stored requirement plus what the dataset's state asks for now (personal data may have appeared)."""
    now = rules.required_approvals(rules.state_of(dataset), proposal.proposed)
    return [r for r in ApprovalRole if r.value in proposal.required or r in now]


def open_roles(session: Session, proposal: GovernanceProposal, dataset: Dataset) -> list[ApprovalRole]:
    done = {d.role for d in decisions(session, proposal) if d.approve}
    return [r for r in required_roles(proposal, dataset) if r not in done]


def roles_for(
    session: Session, principal: Principal, proposal: GovernanceProposal, dataset: Dataset
) -> list[ApprovalRole]:
    """Approvals ``principal`` could give now (none for the author, or for someone who already decided)."""
    if principal.is_anonymous or proposal.status is not ProposalStatus.OPEN:
        return []
    if proposal.author_id == principal.user_id:
        return []
    if any(d.user_id == principal.user_id for d in decisions(session, proposal)):
        return []
    return [r for r in open_roles(session, proposal, dataset) if allowed(principal, APPROVAL_ACTION[r], dataset)]


def _decidable(session: Session, principal: Principal, proposal_id: int) -> tuple[GovernanceProposal, Dataset]:
    proposal = get_proposal(session, principal=principal, proposal_id=proposal_id)
    session.refresh(proposal, with_for_update=True)  # two approvers at once: the second waits and re-reads
    if proposal.status is not ProposalStatus.OPEN:
        raise Conflict(f"Dieser Vorschlag ist nicht mehr offen (Status: {proposal.status.value}).")
    if principal.is_anonymous:
        raise PermissionDenied()
    if proposal.author_id == principal.user_id:
        raise PermissionDenied(SELF_APPROVAL)
    if any(d.user_id == principal.user_id for d in decisions(session, proposal)):
        raise Conflict("Sie haben über diesen Vorschlag bereits entschieden.")
    return proposal, session.get_one(Dataset, proposal.dataset_id)


def _decide(
    session: Session,
    proposal: GovernanceProposal,
    principal: Principal,
    role: ApprovalRole,
    approve: bool,
    comment: str,
) -> WorkflowDecision:
    decision = WorkflowDecision(
        proposal_id=proposal.id,
        user_id=principal.user_id,
        user_label=principal.email or principal.display_name,
        role=role,
        approve=approve,
        comment=comment.strip()[:2000],
        at=utcnow(),
    )
    session.add(decision)
    session.flush()
    return decision


def approve(
    session: Session,
    *,
    principal: Principal,
    proposal_id: int,
    comment: str = "",
    as_role: ApprovalRole | None = None,
) -> GovernanceProposal:
    """Give one required approval; the last one applies the change."""
    proposal, dataset = _decidable(session, principal, proposal_id)
    proposal.required = [r.value for r in required_roles(proposal, dataset)]
    mine = [r for r in open_roles(session, proposal, dataset) if allowed(principal, APPROVAL_ACTION[r], dataset)]
    if as_role is not None:
        mine = [r for r in mine if r is as_role]
    if not mine:
        raise PermissionDenied(
            "Sie können diesen Vorschlag nicht freigeben: Freigeben dürfen der Data Owner des Datensatzes "
            "(bzw. der Kommune) und, bei personenbezogenen Daten, die/der Datenschutzbeauftragte."
        )
    _decide(session, proposal, principal, mine[0], True, comment)
    _audit(session, principal, "governance.proposal.approve", proposal, role=mine[0].value, comment=comment)
    if not open_roles(session, proposal, dataset):
        _apply(session, proposal, dataset)
    return proposal


def reject(session: Session, *, principal: Principal, proposal_id: int, comment: str) -> GovernanceProposal:
    """Any required approver may reject, with a reason; the proposal is closed."""
    if not comment.strip():
        raise InvalidInput("Bitte begründen Sie die Ablehnung.")
    proposal, dataset = _decidable(session, principal, proposal_id)
    mine = [r for r in required_roles(proposal, dataset) if allowed(principal, APPROVAL_ACTION[r], dataset)]
    if not mine:
        raise PermissionDenied("Ablehnen dürfen nur die Personen, die den Vorschlag freigeben müssten.")
    _decide(session, proposal, principal, mine[0], False, comment)
    proposal.status = ProposalStatus.REJECTED
    proposal.decided_at = utcnow()
    _audit(session, principal, "governance.proposal.reject", proposal, role=mine[0].value, comment=comment)
    return proposal


def withdraw(session: Session, *, principal: Principal, proposal_id: int) -> GovernanceProposal:
    """The author takes an open proposal back (proposals of the system: whoever may classify the dataset)."""
    proposal = get_proposal(session, principal=principal, proposal_id=proposal_id)
    if proposal.status is not ProposalStatus.OPEN:
        raise Conflict(f"Dieser Vorschlag ist nicht mehr offen (Status: {proposal.status.value}).")
    dataset = session.get_one(Dataset, proposal.dataset_id)
    own = proposal.author_id is not None and proposal.author_id == principal.user_id
    if not own and not (proposal.author_id is None and allowed(principal, Action.CLASSIFY_DATASET, dataset)):
        raise PermissionDenied("Zurückziehen kann nur, wer den Vorschlag gestellt hat.")
    proposal.status = ProposalStatus.WITHDRAWN
    proposal.decided_at = utcnow()
    _audit(session, principal, "governance.proposal.withdraw", proposal)
    return proposal


def _classification_update(dataset: Dataset, proposed: dict[str, Any]) -> dict[str, Any]:
    """The classification, plus a withdrawal where the dataset may not stay (or silently become) open data."""
    changes = dict(proposed)
    before = rules.state_of(dataset)
    after = {**before, **proposed}
    if after["status"] == DatasetStatus.PUBLISHED.value and after["protection_class"] == "oeffentlich":
        if not rules.is_open_data(before) or rules.publication_blockers(after):
            changes["status"] = DatasetStatus.DRAFT.value
    elif rules.is_open_data(before):
        changes["status"] = DatasetStatus.DRAFT.value
    return changes


def _apply(session: Session, proposal: GovernanceProposal, dataset: Dataset) -> None:
    approvers = [d.user_label for d in decisions(session, proposal) if d.approve]
    note = f"Vier-Augen-Freigabe von Vorschlag #{proposal.id} durch {', '.join(approvers)}"[:500]
    before = rules.state_of(dataset)
    publish = False
    responsibilities: dict[str, int | None] | None = None
    changes: dict[str, Any] = {}
    if proposal.kind is ProposalKind.CLASSIFICATION:
        changes = _classification_update(dataset, proposal.proposed)
    elif proposal.kind is ProposalKind.PUBLICATION:
        blockers = rules.publication_blockers(before)
        if blockers:
            raise Conflict("Kann nicht als Open Data veröffentlicht werden: " + " ".join(blockers))
        changes, publish = {"status": DatasetStatus.PUBLISHED.value}, True
    elif proposal.kind is ProposalKind.WITHDRAWAL:
        changes = dict(proposal.proposed)
    else:
        for name, role in (("owner_id", Role.DATA_OWNER), ("steward_id", Role.DATA_STEWARD)):
            if name in proposal.proposed:  # people may have left the city since the proposal was made
                check_person(
                    session,
                    user_id=proposal.proposed[name],
                    municipality_id=dataset.municipality_id,
                    role=role,
                )
        responsibilities = dict(proposal.proposed)
    catalog.update_dataset(
        session,
        principal=SYSTEM_APPROVAL,
        dataset=dataset,
        data=DatasetUpdate(**changes, change_note=note),
        publication_approved=publish,
        classification_approved=True,  # this is the four-eyes approval
        responsibilities=responsibilities,
    )
    proposal.status = ProposalStatus.APPROVED
    proposal.decided_at = utcnow()
    proposal.applied_version = dataset.version
    if proposal.kind is ProposalKind.CLASSIFICATION:
        reviews.resolve(session, dataset=dataset, by=None)
    audit.record(
        session,
        actor=SYSTEM_APPROVAL,
        action="governance.proposal.apply",
        entity_type="governance_proposal",
        entity_id=proposal.id,
        municipality_id=proposal.municipality_id,
        before=before,
        after={**rules.state_of(dataset), "approvers": approvers, "dataset_id": dataset.id},
    )
