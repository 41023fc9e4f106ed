"""Re-classification when a new version arrives: the catalogue calls ``on_new_distribution`` after an upload,
the scan job calls ``on_scan_result`` when it has a classification proposal for the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kikz import audit, jobs
from kikz.catalog.models import Dataset, Distribution
from kikz.db import utcnow
from kikz.governance.workflow import rules
from kikz.governance.workflow.models import GovernanceProposal, ReviewFlag, ReviewReason
from kikz.governance.workflow.proposals import open_system_proposal

SCAN_JOB = "governance.scan"


def _enqueue_scan(session: Session, distribution: Distribution) -> None:
    try:
        from kikz.governance.scan import enqueue_scan
    except ImportError:  # the scanner module is not there: queue the job by its documented kind and payload
        jobs.enqueue(session, SCAN_JOB, {"distribution_id": distribution.id})
        return
    enqueue_scan(session, distribution)


def on_new_distribution(session: Session, distribution: Distribution) -> ReviewFlag:
    """A file was added or replaced: scan it in the background and mark the dataset "review needed"."""
    dataset = session.get_one(Dataset, distribution.dataset_id)
    flag = ReviewFlag(
        dataset_id=dataset.id,
        municipality_id=dataset.municipality_id,
        reason=ReviewReason.NEW_VERSION,
        distribution_id=distribution.id,
        detail={"file": distribution.file_name or distribution.title},
        created_at=utcnow(),
    )
    session.add(flag)
    if distribution.is_stored_file:
        _enqueue_scan(session, distribution)
    session.flush()
    audit.record(
        session,
        actor=None,
        action="governance.review.new_version",
        entity_type="dataset",
        entity_id=dataset.identifier,
        municipality_id=dataset.municipality_id,
        after={"distribution": distribution.identifier, "flag": flag.id},
    )
    return flag


def _scan_values(proposal: Any) -> tuple[dict[str, Any], str, int]:
    """(classification, explanation, number of findings) of a scanner proposal (object or its ``as_dict``)."""
    data: Mapping[str, Any] = proposal if isinstance(proposal, Mapping) else proposal.as_dict()
    cls = data.get("protection_class")
    values = {
        "protection_class": getattr(cls, "value", cls),
        "contains_personal_data": data.get("contains_personal_data"),
        "art9_data": data.get("art9", data.get("art9_data")),
    }
    return values, str(data.get("explanation_de", "")), len(data.get("reasons") or [])


def on_scan_result(session: Session, *, distribution_id: int, proposal: Any) -> GovernanceProposal | None:
    """Open a classification proposal (author: system) when the scan asks for a stricter classification.

    The new-version flag of the file is closed either way; findings without a change of classification
    leave a "scan findings" flag for the steward to look at.
    """
    distribution = session.get(Distribution, distribution_id)
    if distribution is None:
        return None
    dataset = session.get_one(Dataset, distribution.dataset_id)
    scanned, explanation, findings = _scan_values(proposal)
    current = rules.state_of(dataset)
    merged = rules.stricter_classification(current, scanned)
    changed = {name: value for name, value in merged.items() if value is not None and value != current.get(name)}
    # "No personal data found" on a field nobody has set yet is no reason to bother two approvers on its own.
    if all(value is False and current.get(name) is None for name, value in changed.items()):
        changed = {}
    now = utcnow()
    for flag in session.scalars(
        select(ReviewFlag).where(
            ReviewFlag.distribution_id == distribution_id,
            ReviewFlag.reason == ReviewReason.NEW_VERSION,
            ReviewFlag.resolved_at.is_(None),
        )
    ):
        flag.resolved_at = now
    opened = None
    if changed:
        opened = open_system_proposal(
            session,
            dataset=dataset,
            values=changed,
            explanation=explanation,
            reason=f"Die Prüfung der Datei „{distribution.file_name or distribution.title}“ ergibt eine "
            "strengere Einstufung als die jetzige.",
        )
    elif findings:
        session.add(
            ReviewFlag(
                dataset_id=dataset.id,
                municipality_id=dataset.municipality_id,
                reason=ReviewReason.SCAN_FINDINGS,
                distribution_id=distribution_id,
                created_at=now,
                detail={
                    "findings": findings,
                    "art9": scanned.get("art9_data") is True,
                    "personal": scanned.get("contains_personal_data") is True,
                    "explanation": explanation[:2000],
                },
            )
        )
    session.flush()
    return opened
