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
from kikz.jobs import Job
from kikz.tenancy.models import AccessGrant, ApiToken, LoginSession, Membership, Municipality, User

__all__ = [
    "AccessGrant",
    "ApiToken",
    "AuditEntry",
    "Base",
    "Dataset",
    "DatasetFacet",
    "DatasetVersion",
    "Distribution",
    "HarvestSource",
    "Job",
    "License",
    "LoginSession",
    "Membership",
    "Municipality",
    "SearchPosting",
    "User",
]
