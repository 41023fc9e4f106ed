"""An upload returns at once; the background jobs scan it and open a classification proposal."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kikz import jobs
from kikz.governance.models import ScanRun, ScanStatus
from kikz.governance.workflow.models import GovernanceProposal
from kikz.settings import Settings
from kikz.tenancy import service as tenancy
from kikz.types import ProtectionClass, Role
from kikz.worker import job_handlers
from tests import factories as f

PERSONAL_CSV = (
    "Vorname;Nachname;Geburtsdatum;E-Mail;Telefon\n"
    "Anna;Schmidt;12.03.1984;anna.schmidt@example.org;+49 69 8065 2345\n"
    "Jonas;Weber;01.11.1990;j.weber@example.net;069 8065 1122\n"
    "Leonie;Fischer;23.07.1975;leonie.f@example.com;+49 171 5550123\n"
).encode("cp1252")


def test_upload_is_scanned_in_the_background(
    client: TestClient, session: Session, session_factory: sessionmaker[Session], settings: Settings
) -> None:
    steward = f.user(session, "steward@offenbach.de", roles={"offenbach": [Role.DATA_STEWARD]})
    f.user(session, "owner@offenbach.de", roles={"offenbach": [Role.DATA_OWNER]})
    dataset = f.dataset(session, title="Anmeldungen Ferienspiele", protection_class=ProtectionClass.INTERN)
    token, _ = tenancy.create_api_token(session, user=steward, name="test")
    session.commit()

    answer = client.post(
        f"/api/v1/datasets/{dataset.name}/distributions",
        files={"file": ("anmeldungen.csv", PERSONAL_CSV, "text/csv")},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 201, answer.text
    with session_factory() as check:
        assert check.scalar(select(ScanRun)) is None  # the upload did not wait for the scan

    ran = jobs.run_until_empty(session_factory, job_handlers(settings))
    assert ran >= 2  # distribution added -> scan

    with session_factory() as check:
        scan = check.scalars(select(ScanRun)).one()
        assert scan.status is ScanStatus.DONE
        assert scan.proposal is not None and scan.proposal["contains_personal_data"] is True
        proposal = check.scalars(select(GovernanceProposal).where(GovernanceProposal.dataset_id == dataset.id)).one()
        assert proposal.source == "scan"
        assert proposal.proposed["protection_class"] in ("vertraulich", "streng_vertraulich")
