"""Pydantic shapes of the governance workflow (tables are never responses)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from kikz.governance.workflow.models import (
    AccessRequestStatus,
    ApprovalRole,
    ProposalKind,
    ProposalStatus,
)


class ProposalCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dataset: str = Field(min_length=1, max_length=200, description="name, identifier or id of the dataset")
    kind: ProposalKind
    values: dict[str, Any] = Field(
        default_factory=dict,
        description="classification: protection_class, contains_personal_data, art9_data; withdrawal: status "
        "(draft/archived); responsibility: owner_email, steward_email; publication: none",
    )
    reason: str = Field(min_length=1, max_length=5000)


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    comment: str = Field("", max_length=2000)
    as_role: ApprovalRole | None = Field(None, description="which approval to give when you could give both")


class DecisionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    user_label: str
    role: ApprovalRole
    approve: bool
    comment: str
    at: dt.datetime


class ProposalPublic(BaseModel):
    id: int
    dataset: str
    dataset_title: str
    municipality: str
    kind: ProposalKind
    status: ProposalStatus
    proposed: dict[str, Any]
    current: dict[str, Any]
    reason: str
    explanation: str
    source: str
    author: str
    required: list[ApprovalRole]
    open_roles: list[ApprovalRole]
    can_approve_as: list[ApprovalRole] = Field(description="approvals the caller could give now")
    involves_personal: bool
    created_at: dt.datetime
    decided_at: dt.datetime | None
    applied_version: int | None
    decisions: list[DecisionPublic]


class AccessRequestCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dataset: str = Field(min_length=1, max_length=200, description="identifier or name of the dataset")
    purpose: str = Field(min_length=1, max_length=1000)
    requested_until: AwareDatetime | dt.date = Field(description="end of the access (date or timestamp)")
    legal_basis: str = Field("", max_length=500)


class AccessRequestPublic(BaseModel):
    """What the requester sees: nothing about the dataset until access is granted."""

    id: int
    dataset: str
    purpose: str
    legal_basis: str
    requested_until: dt.datetime
    status: AccessRequestStatus
    created_at: dt.datetime
    decided_at: dt.datetime | None
    ended_at: dt.datetime | None


class AccessRequestDetail(AccessRequestPublic):
    """What the deciders see in addition."""

    dataset_title: str | None
    municipality: str | None
    requester: str
    required: list[ApprovalRole]
    involves_personal: bool
    can_decide_as: list[ApprovalRole]
    decisions: list[DecisionPublic]


class QueueItem(BaseModel):
    kind: str = Field(
        description="unclassified, missing_responsibility, new_version, scan_findings, proposal, access_request"
    )
    title: str
    detail: str
    dataset: str | None
    municipality: str | None
    since: dt.datetime
    overdue: bool
    link: str
    proposal_id: int | None = None
    access_request_id: int | None = None


class QueuePublic(BaseModel):
    role: str
    overdue_days: int
    items: list[QueueItem]


class ResponsibilitiesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    owner_email: str | None = Field(None, max_length=254)
    steward_email: str | None = Field(None, max_length=254)


class ResponsibilitiesPublic(BaseModel):
    dataset: str
    owner: str | None
    steward: str | None
    complete: bool
