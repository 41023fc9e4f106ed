"""The workflow's content rules: which approvals a change needs, and what may become open data.

Who may act is decided by the one policy (kikz.tenancy.permissions); these functions only look at the data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kikz.catalog.models import Dataset
from kikz.governance.workflow.models import ApprovalRole
from kikz.types import DatasetStatus, ProtectionClass

CLASSIFICATION_FIELDS = ("protection_class", "contains_personal_data", "art9_data")
RESPONSIBILITY_FIELDS = ("owner_id", "steward_id")
PERSONAL_FIELDS = ("contains_personal_data", "art9_data")


def personal_involved(*states: Mapping[str, Any]) -> bool:
    """Personal data (or Art. 9 data) in any of the states: the current one or the proposed one."""
    return any(state.get(name) is True for state in states for name in PERSONAL_FIELDS)


def required_approvals(current: Mapping[str, Any], proposed: Mapping[str, Any]) -> list[ApprovalRole]:
    """Owner side always; the data-protection officer too when personal data is involved either way.

    An unknown flag (None) does not count as personal data here: a proposal that claims "no personal data"
    for an unchecked dataset is approved by the owner, and publishing still needs the flag to be False.
    """
    roles = [ApprovalRole.OWNER]
    if personal_involved(current, proposed):
        roles.append(ApprovalRole.DPO)
    return roles


def access_approvals(dataset: Dataset) -> list[ApprovalRole]:
    """Access to data that may hold personal data (flag True or not yet checked) also needs the DPO."""
    roles = [ApprovalRole.OWNER]
    if dataset.contains_personal_data is not False or dataset.art9_data is True:
        roles.append(ApprovalRole.DPO)
    return roles


def state_of(dataset: Dataset) -> dict[str, Any]:
    """The fields the workflow looks at, as JSON values."""
    return {
        "protection_class": dataset.protection_class.value if dataset.protection_class else None,
        "contains_personal_data": dataset.contains_personal_data,
        "art9_data": dataset.art9_data,
        "status": dataset.status.value,
        "owner_id": dataset.owner_id,
        "steward_id": dataset.steward_id,
    }


def publication_blockers(state: Mapping[str, Any]) -> list[str]:
    """Why a dataset in this state cannot be published as open data (empty list: it can)."""
    reasons = []
    if state.get("protection_class") != ProtectionClass.OEFFENTLICH.value:
        reasons.append("Als Open Data veröffentlicht werden nur Datensätze der Schutzklasse „öffentlich“.")
    if state.get("contains_personal_data") is not False:
        reasons.append(
            "Es muss geprüft und festgehalten sein, dass der Datensatz keine personenbezogenen Daten enthält."
        )
    if state.get("art9_data") is True:
        reasons.append(
            "Datensätze mit besonderen Kategorien personenbezogener Daten (Art. 9 DSGVO) werden nie veröffentlicht."
        )
    return reasons


def is_open_data(state: Mapping[str, Any]) -> bool:
    return (
        state.get("status") == DatasetStatus.PUBLISHED.value
        and state.get("protection_class") == ProtectionClass.OEFFENTLICH.value
    )


def stricter_classification(current: Mapping[str, Any], scanned: Mapping[str, Any]) -> dict[str, Any]:
    """Combine a scan's proposal with the current classification: per field the stricter value wins.

    A scan of one file never loosens a human decision (a steward may have had reasons the file does not
    show); an unset field takes the scan's value.
    """
    result: dict[str, Any] = {}
    now_class, scan_class = current.get("protection_class"), scanned.get("protection_class")
    if now_class is None or (scan_class and ProtectionClass(scan_class).rank > ProtectionClass(now_class).rank):
        result["protection_class"] = scan_class
    else:
        result["protection_class"] = now_class
    for name in PERSONAL_FIELDS:
        now, scan = current.get(name), scanned.get(name)
        result[name] = scan if now is None or scan is True else now
    return result
