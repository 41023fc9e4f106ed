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
from kikz.catalog.search_state import CatalogChange, CatalogState
from kikz.db import Base
from kikz.governance.categorisation.models import CategoryDecision, DatasetCategory
from kikz.governance.models import DataProfile, ScanFinding, ScanRun
from kikz.governance.quality.models import (
    CatalogueMqaRecord,
    DataQualityRecord,
    DatasetMqaRecord,
    LinkCheck,
    StoredTableSchema,
)
from kikz.governance.workflow.models import AccessRequest, GovernanceProposal, ReviewFlag, WorkflowDecision
from kikz.jobs import Job
from kikz.sensors import models as sensor_models  # noqa: F401 - registers the SensorThings tables
from kikz.tenancy.models import AccessGrant, ApiToken, LoginSession, Membership, Municipality, User
from kikz.transfer import models as transfer_models  # noqa: F401 - registers the Digital Forum tables
from kikz.transparency.feedback_models import CitizenMessage
from kikz.transparency.lab_models import LabRegistration, LabWorkshop
from kikz.transparency.register_models import AlgorithmEntry

__all__ = [
    "AccessGrant",
    "AccessRequest",
    "AlgorithmEntry",
    "ApiToken",
    "AuditEntry",
    "Base",
    "CatalogChange",
    "CatalogState",
    "CatalogueMqaRecord",
    "CategoryDecision",
    "CitizenMessage",
    "DataProfile",
    "DataQualityRecord",
    "Dataset",
    "DatasetCategory",
    "DatasetFacet",
    "DatasetMqaRecord",
    "DatasetVersion",
    "Distribution",
    "GovernanceProposal",
    "HarvestSource",
    "Job",
    "LabRegistration",
    "LabWorkshop",
    "License",
    "LinkCheck",
    "LoginSession",
    "Membership",
    "Municipality",
    "ReviewFlag",
    "ScanFinding",
    "ScanRun",
    "SearchPosting",
    "StoredTableSchema",
    "User",
    "WorkflowDecision",
]
