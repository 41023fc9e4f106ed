"""Imports every domain's tables so ``Base.metadata`` is complete (for migrations and test databases)."""

from kikz.audit import AuditEntry
from kikz.catalog.models import (
    Dataset,
    DatasetFacet,
    DatasetVersion,
    Distribution,
    HarvestSource,
    License,
    SearchPosting,
)
from kikz.db import Base
from kikz.governance.models import DataProfile, ScanFinding, ScanRun
from kikz.governance.workflow.models import AccessRequest, GovernanceProposal, ReviewFlag, WorkflowDecision
from kikz.jobs import Job
from kikz.tenancy.models import AccessGrant, ApiToken, LoginSession, Membership, Municipality, User

__all__ = [
    "AccessGrant",
    "AccessRequest",
    "ApiToken",
    "AuditEntry",
    "Base",
    "DataProfile",
    "Dataset",
    "DatasetFacet",
    "DatasetVersion",
    "Distribution",
    "GovernanceProposal",
    "HarvestSource",
    "Job",
    "License",
    "LoginSession",
    "Membership",
    "Municipality",
    "ReviewFlag",
    "ScanFinding",
    "ScanRun",
    "SearchPosting",
    "User",
    "WorkflowDecision",
]
