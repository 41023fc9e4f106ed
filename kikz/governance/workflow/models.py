"""Tables of the governance workflow: proposals with their decisions, access requests, review flags."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import Boolean, Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kikz.db import Base, utcnow


class ProposalKind(enum.StrEnum):
    CLASSIFICATION = "classification"
    PUBLICATION = "publication"
    WITHDRAWAL = "withdrawal"
    RESPONSIBILITY = "responsibility"


class ProposalStatus(enum.StrEnum):
    OPEN = "open"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    SUPERSEDED = "superseded"


class ApprovalRole(enum.StrEnum):
    """Which approval a decision fills: the dataset's owner side, or the data-protection officer."""

    OWNER = "owner"
    DPO = "dpo"


class AccessRequestStatus(enum.StrEnum):
    OPEN = "open"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    REVOKED = "revoked"
    EXPIRED = "expired"


class ReviewReason(enum.StrEnum):
    NEW_VERSION = "new_version"
    SCAN_FINDINGS = "scan_findings"


def _enum(kind: type[enum.Enum]) -> Enum:
    return Enum(kind, native_enum=False, length=20)


class GovernanceProposal(Base):
    """A proposed change to a dataset that takes effect only after the required approvals (four eyes)."""

    __tablename__ = "governance_proposal"
    __table_args__ = (Index("ix_governance_proposal_open", "status", "municipality_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("dataset.id", ondelete="CASCADE"), index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id", ondelete="CASCADE"))
    kind: Mapped[ProposalKind] = mapped_column(_enum(ProposalKind))
    status: Mapped[ProposalStatus] = mapped_column(_enum(ProposalStatus), default=ProposalStatus.OPEN)
    proposed: Mapped[dict[str, Any]] = mapped_column(doc="the new values, e.g. {'protection_class': 'intern'}")
    current: Mapped[dict[str, Any]] = mapped_column(doc="the same fields as they were when proposed")
    reason: Mapped[str] = mapped_column(Text, default="")
    explanation: Mapped[str] = mapped_column(Text, default="", doc="the scanner's explanation, if from a scan")
    source: Mapped[str] = mapped_column(String(20), default="manual", doc="manual or scan")
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), doc="None: opened by the system (scan)"
    )
    author_label: Mapped[str] = mapped_column(String(254), default="")
    required: Mapped[list[str]] = mapped_column(doc="approval roles needed, e.g. ['owner', 'dpo']")
    involves_personal: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[dt.datetime | None]
    applied_version: Mapped[int | None] = mapped_column(doc="dataset version that carried the change")


class AccessRequest(Base):
    """A request for time-limited access to a dataset the requester cannot see.

    ``dataset_key`` keeps what was asked for; ``dataset_id`` is empty when no such dataset exists, so the
    requester's view of the request is the same whether it exists or is merely invisible to them.
    """

    __tablename__ = "access_request"
    __table_args__ = (Index("ix_access_request_open", "status", "municipality_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_key: Mapped[str] = mapped_column(String(200))
    dataset_id: Mapped[int | None] = mapped_column(ForeignKey("dataset.id", ondelete="SET NULL"), index=True)
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id", ondelete="CASCADE"))
    requester_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(1000))
    legal_basis: Mapped[str] = mapped_column(String(500), default="")
    requested_until: Mapped[dt.datetime]
    status: Mapped[AccessRequestStatus] = mapped_column(_enum(AccessRequestStatus), default=AccessRequestStatus.OPEN)
    required: Mapped[list[str]] = mapped_column(default=list)
    involves_personal: Mapped[bool] = mapped_column(Boolean, default=False)
    grant_id: Mapped[int | None] = mapped_column(ForeignKey("access_grant.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[dt.datetime | None]
    ended_at: Mapped[dt.datetime | None] = mapped_column(doc="revoked, withdrawn or expired")


class WorkflowDecision(Base):
    """One approval or rejection, with its comment, of a proposal or an access request."""

    __tablename__ = "workflow_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("governance_proposal.id", ondelete="CASCADE"), index=True
    )
    access_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("access_request.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    user_label: Mapped[str] = mapped_column(String(254))
    role: Mapped[ApprovalRole] = mapped_column(_enum(ApprovalRole))
    approve: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str] = mapped_column(String(2000), default="")
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ReviewFlag(Base):
    """A dataset needs a steward's look: a new version arrived, or a scan found personal data."""

    __tablename__ = "review_flag"
    __table_args__ = (Index("ix_review_flag_open", "resolved_at", "municipality_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("dataset.id", ondelete="CASCADE"), index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id", ondelete="CASCADE"))
    reason: Mapped[ReviewReason] = mapped_column(_enum(ReviewReason))
    distribution_id: Mapped[int | None] = mapped_column(doc="no foreign key: the flag outlives a replaced file")
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[dt.datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
