"""Four-eyes approval, the publication gate, responsibilities and re-classification after a new version."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from kikz.audit import AuditEntry
from kikz.catalog import service as catalog
from kikz.catalog.models import Dataset, DatasetVersion
from kikz.catalog.schemas import DatasetUpdate
from kikz.errors import Conflict, InvalidInput
from kikz.governance.workflow import service
from kikz.governance.workflow.models import (
    ApprovalRole,
    GovernanceProposal,
    ProposalKind,
    ProposalStatus,
    ReviewFlag,
    ReviewReason,
    WorkflowDecision,
)
from kikz.jobs import Job
from kikz.settings import Settings
from kikz.storage import FileStore
from kikz.tenancy.permissions import ANONYMOUS, PermissionDenied, can_view
from kikz.types import DatasetStatus, ProtectionClass
from tests.workflow_world import World, build, mount, token_headers

CLASSIFY = CLASSIFICATION = ProposalKind.CLASSIFICATION


@pytest.fixture
def world(session: Session) -> World:
    return build(session)


def _audit_actions(session: Session, entity_id: int) -> list[str]:
    stmt = select(AuditEntry.action).where(
        AuditEntry.entity_type == "governance_proposal", AuditEntry.entity_id == str(entity_id)
    )
    return list(session.scalars(stmt.order_by(AuditEntry.id)))


def test_nobody_approves_their_own_proposal(world: World) -> None:
    s = world.session
    proposal = service.propose(
        s,
        principal=world.p("steward"),
        dataset=world.ds("baeume"),
        kind=CLASSIFY,
        values={"protection_class": "intern"},
        reason="Enthält Standorte privater Gärten",
    )
    with pytest.raises(PermissionDenied, match="Vier-Augen"):
        service.approve(s, principal=world.p("steward"), proposal_id=proposal.id)
    # an owner who proposes may not approve either, although approving is their role
    by_owner = service.propose(
        s,
        principal=world.p("owner"),
        dataset=world.ds("baeume"),
        kind=ProposalKind.PUBLICATION,
        reason="Bürgerinteresse",
    )
    with pytest.raises(PermissionDenied, match="Vier-Augen"):
        service.approve(s, principal=world.p("owner"), proposal_id=by_owner.id)
    with pytest.raises(PermissionDenied, match="Vier-Augen"):
        service.reject(s, principal=world.p("owner"), proposal_id=by_owner.id, comment="doch nicht")
    assert s.scalar(select(WorkflowDecision.id)) is None


def test_dpo_must_approve_when_personal_data_is_involved(world: World) -> None:
    s = world.session
    melde = world.ds("melde")
    proposal = service.propose(
        s,
        principal=world.p("steward"),
        dataset=melde,
        kind=CLASSIFICATION,
        values={"protection_class": "streng_vertraulich", "art9_data": True},
        reason="Gesundheitsangaben in der Spalte Bemerkung",
    )
    assert proposal.required == ["owner", "dpo"] and proposal.involves_personal
    service.approve(s, principal=world.p("owner"), proposal_id=proposal.id, comment="passt")
    assert proposal.status is ProposalStatus.OPEN and melde.protection_class is ProtectionClass.VERTRAULICH
    with pytest.raises(PermissionDenied):  # a second owner cannot stand in for the DPO
        service.approve(s, principal=world.p("owner2"), proposal_id=proposal.id)
    service.approve(s, principal=world.p("dpo"), proposal_id=proposal.id, comment="Art. 9 bestätigt")
    assert proposal.status is ProposalStatus.APPROVED
    assert (melde.protection_class, melde.art9_data) == (ProtectionClass.STRENG_VERTRAULICH, True)
    version = s.scalars(
        select(DatasetVersion).where(DatasetVersion.dataset_id == melde.id).order_by(DatasetVersion.version.desc())
    ).first()
    assert (
        version is not None and "Vier-Augen-Freigabe" in version.change_note and "dpo@kikz.test" in version.change_note
    )
    roles = [
        (d.role, d.user_label, d.approve) for d in s.scalars(select(WorkflowDecision).order_by(WorkflowDecision.id))
    ]
    assert roles == [(ApprovalRole.OWNER, "owner@kikz.test", True), (ApprovalRole.DPO, "dpo@kikz.test", True)]
    assert _audit_actions(s, proposal.id) == [
        "governance.proposal.create",
        "governance.proposal.approve",
        "governance.proposal.approve",
        "governance.proposal.apply",
    ]
    applied = s.scalars(select(AuditEntry).where(AuditEntry.action == "governance.proposal.apply")).one()
    assert applied.actor_label == "Vier-Augen-Freigabe"
    assert applied.after is not None and applied.after["approvers"] == ["owner@kikz.test", "dpo@kikz.test"]


def test_without_personal_data_the_owner_alone_approves(world: World) -> None:
    s = world.session
    baeume = world.ds("baeume")
    proposal = service.propose(
        s,
        principal=world.p("steward"),
        dataset=baeume,
        kind=CLASSIFY,
        values={"protection_class": "intern"},
        reason="erst intern abstimmen",
    )
    assert proposal.required == ["owner"]
    with pytest.raises(PermissionDenied):  # the DPO has nothing to approve here
        service.approve(s, principal=world.p("dpo"), proposal_id=proposal.id)
    service.approve(s, principal=world.p("owner2"), proposal_id=proposal.id)  # a data owner of the city
    assert proposal.status is ProposalStatus.APPROVED and baeume.protection_class is ProtectionClass.INTERN


def test_the_dpo_cannot_approve_their_own_proposal_and_distinct_roles_need_distinct_people(
    world: World,
) -> None:
    s = world.session
    proposal = service.propose(
        s,
        principal=world.p("dpo"),
        dataset=world.ds("melde"),
        kind=CLASSIFY,
        values={"art9_data": True},
        reason="Diagnosen",
    )
    with pytest.raises(PermissionDenied, match="Vier-Augen"):
        service.approve(s, principal=world.p("dpo"), proposal_id=proposal.id, as_role=ApprovalRole.DPO)
    service.approve(s, principal=world.p("ownerdpo"), proposal_id=proposal.id)
    with pytest.raises(Conflict, match="bereits"):  # the same person cannot also give the second approval
        service.approve(s, principal=world.p("ownerdpo"), proposal_id=proposal.id)
    assert proposal.status is ProposalStatus.OPEN


def test_rejection_needs_a_reason_and_closes_the_proposal(world: World) -> None:
    s = world.session
    proposal = service.propose(
        s,
        principal=world.p("steward"),
        dataset=world.ds("intern"),
        kind=CLASSIFY,
        values={"protection_class": "oeffentlich"},
        reason="kann raus",
    )
    with pytest.raises(InvalidInput):
        service.reject(s, principal=world.p("owner"), proposal_id=proposal.id, comment=" ")
    service.reject(s, principal=world.p("owner"), proposal_id=proposal.id, comment="Enthält Vergabedaten")
    assert proposal.status is ProposalStatus.REJECTED
    assert world.ds("intern").protection_class is ProtectionClass.INTERN
    with pytest.raises(Conflict, match="nicht mehr offen"):
        service.approve(s, principal=world.p("owner2"), proposal_id=proposal.id)
    assert _audit_actions(s, proposal.id)[-1] == "governance.proposal.reject"


def test_a_new_proposal_supersedes_the_open_one_and_proposals_that_change_nothing_are_refused(
    world: World,
) -> None:
    s = world.session
    first = service.propose(
        s,
        principal=world.p("steward"),
        dataset=world.ds("unklar"),
        kind=CLASSIFY,
        values={"protection_class": "intern"},
        reason="a",
    )
    second = service.propose(
        s,
        principal=world.p("steward"),
        dataset=world.ds("unklar"),
        kind=CLASSIFY,
        values={"protection_class": "vertraulich"},
        reason="b",
    )
    assert (first.status, second.status) == (ProposalStatus.SUPERSEDED, ProposalStatus.OPEN)
    with pytest.raises(InvalidInput, match="ändert nichts"):
        service.propose(
            s,
            principal=world.p("steward"),
            dataset=world.ds("intern"),
            kind=CLASSIFY,
            values={"protection_class": "intern"},
            reason="c",
        )
    with pytest.raises(PermissionDenied):  # plain staff may not propose a classification
        service.propose(
            s,
            principal=world.p("staff"),
            dataset=world.ds("intern"),
            kind=CLASSIFY,
            values={"protection_class": "oeffentlich"},
            reason="d",
        )


def test_direct_publication_is_refused_everywhere(world: World) -> None:
    s = world.session
    baeume = world.ds("baeume")
    with pytest.raises(Conflict, match="Veröffentlichungsvorschlag"):
        catalog.update_dataset(
            s, principal=world.p("owner"), dataset=baeume, data=DatasetUpdate(status=DatasetStatus.PUBLISHED)
        )
    assert baeume.status is DatasetStatus.DRAFT
    # a published internal dataset becoming öffentlich would be publication too
    intern = world.ds("intern")
    intern.status = DatasetStatus.PUBLISHED
    s.flush()
    with pytest.raises(Conflict, match="Veröffentlichungsvorschlag"):
        catalog.update_dataset(
            s,
            principal=world.p("steward"),
            dataset=intern,
            data=DatasetUpdate(protection_class=ProtectionClass.OEFFENTLICH),
        )


@pytest.mark.parametrize(
    ("key", "message"),
    [("intern", "öffentlich"), ("melde", "öffentlich"), ("unklar", "personenbezogenen")],
)
def test_publication_proposals_only_for_open_non_personal_data(world: World, key: str, message: str) -> None:
    with pytest.raises(Conflict, match=message):
        service.propose(
            world.session,
            principal=world.p("steward"),
            dataset=world.ds(key),
            kind=ProposalKind.PUBLICATION,
            reason="bitte veröffentlichen",
        )


def test_personal_data_unknown_blocks_publication(world: World) -> None:
    s = world.session
    baeume = world.ds("baeume")
    baeume.contains_personal_data = None
    s.flush()
    with pytest.raises(Conflict, match="keine personenbezogenen"):
        service.propose(s, principal=world.p("steward"), dataset=baeume, kind=ProposalKind.PUBLICATION, reason="x")


def test_approved_publication_is_visible_to_anonymous(world: World, app: FastAPI, session: Session) -> None:
    mount(app)
    steward = token_headers(session, world.users["steward"])
    owner = token_headers(session, world.users["owner"])
    with TestClient(app) as client:
        assert client.get("/api/v1/datasets/ds-baeume").status_code == 404
        patch = client.patch("/api/v1/datasets/ds-baeume", json={"status": "published"}, headers=owner)
        assert patch.status_code == 409 and "Vier-Augen" in patch.json()["error"]["message"]
        created = client.post(
            "/api/v1/governance/proposals",
            headers=steward,
            json={"dataset": "ds-baeume", "kind": "publication", "reason": "Open Data"},
        )
        assert created.status_code == 201, created.text
        body = created.json()
        assert (body["status"], body["required"], body["can_approve_as"]) == ("open", ["owner"], [])
        self_approval = client.post(f"/api/v1/governance/proposals/{body['id']}/approve", json={}, headers=steward)
        assert self_approval.status_code == 403
        approved = client.post(
            f"/api/v1/governance/proposals/{body['id']}/approve", json={"comment": "frei"}, headers=owner
        )
        assert approved.status_code == 200 and approved.json()["status"] == "approved"
        public = client.get("/api/v1/datasets/ds-baeume")
        assert public.status_code == 200 and public.json()["status"] == "published"


def test_classification_that_ends_open_data_also_withdraws_it(world: World) -> None:
    s = world.session
    rad = world.ds("rad")
    proposal = service.propose(
        s,
        principal=world.p("steward"),
        dataset=rad,
        kind=CLASSIFY,
        values={"contains_personal_data": True},
        reason="Kennzeichen in den Rohdaten",
    )
    service.approve(s, principal=world.p("owner"), proposal_id=proposal.id)
    assert proposal.status is ProposalStatus.OPEN  # personal data now involved: the DPO too
    service.approve(s, principal=world.p("dpo"), proposal_id=proposal.id)
    assert (rad.status, rad.contains_personal_data) == (DatasetStatus.DRAFT, True)
    assert not can_view(s, ANONYMOUS, Dataset, rad.id)


def test_withdrawal_proposal(world: World) -> None:
    s = world.session
    rad = world.ds("rad")
    proposal = service.propose(
        s,
        principal=world.p("steward"),
        dataset=rad,
        kind=ProposalKind.WITHDRAWAL,
        values={"status": "archived"},
        reason="Zählstellen abgebaut",
    )
    service.approve(s, principal=world.p("owner"), proposal_id=proposal.id)
    assert rad.status is DatasetStatus.ARCHIVED
    with pytest.raises(Conflict, match="veröffentlichte"):
        service.propose(s, principal=world.p("steward"), dataset=rad, kind=ProposalKind.WITHDRAWAL, reason="x")


def test_responsibilities_need_matching_city_roles(world: World) -> None:
    s = world.session
    unklar = world.ds("unklar")
    with pytest.raises(PermissionDenied):  # only the city's administration assigns directly
        service.assign_responsibilities(
            s, principal=world.p("steward"), dataset=unklar, owner_id=world.users["owner"].id
        )
    with pytest.raises(InvalidInput, match="Data Owner"):
        service.assign_responsibilities(
            s, principal=world.p("admin"), dataset=unklar, owner_id=world.users["gi_owner"].id
        )
    service.assign_responsibilities(
        s,
        principal=world.p("admin"),
        dataset=unklar,
        owner_id=world.users["owner"].id,
        steward_id=world.users["steward"].id,
    )
    assert (unklar.owner_id, unklar.steward_id) == (world.users["owner"].id, world.users["steward"].id)
    entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "governance.responsibility.assign")).one()
    assert entry.after == {"owner_id": world.users["owner"].id, "steward_id": world.users["steward"].id}
    proposal = service.propose(
        s,
        principal=world.p("steward"),
        dataset=unklar,
        kind=ProposalKind.RESPONSIBILITY,
        values={"owner_id": world.users["owner2"].id},
        reason="Zuständigkeit gewechselt",
    )
    service.approve(s, principal=world.p("owner"), proposal_id=proposal.id)
    assert unklar.owner_id == world.users["owner2"].id


def test_new_version_enqueues_a_scan_and_a_stricter_scan_opens_a_system_proposal(world: World, tmp_path: Path) -> None:
    s = world.session
    baeume = world.ds("baeume")
    dist = catalog.add_file_distribution(
        s,
        principal=world.p("steward"),
        dataset=baeume,
        store=FileStore(tmp_path / "files"),
        filename="baeume.csv",
        stream=io.BytesIO(b"art;stamm\nEiche;40\n"),
        max_bytes=10_000,
    )
    flag = service.on_new_distribution(s, dist)
    assert flag.reason is ReviewReason.NEW_VERSION
    job = s.scalars(select(Job).where(Job.kind == "governance.scan")).one()
    assert job.payload == {"distribution_id": dist.id}
    scan = {
        "protection_class": "vertraulich",
        "contains_personal_data": True,
        "art9": False,
        "explanation_de": "Spalte „Eigentümer“ enthält Namen.",
        "reasons": [{"detector": "person_name"}],
    }
    opened = service.on_scan_result(s, distribution_id=dist.id, proposal=scan)
    assert opened is not None and opened.author_id is None and opened.source == "scan"
    assert opened.proposed == {
        "protection_class": "vertraulich",
        "contains_personal_data": True,
        "art9_data": False,
    }
    assert opened.explanation.startswith("Spalte") and opened.required == ["owner", "dpo"]
    assert flag.resolved_at is not None
    service.approve(s, principal=world.p("owner"), proposal_id=opened.id)
    service.approve(s, principal=world.p("dpo"), proposal_id=opened.id)
    assert baeume.protection_class is ProtectionClass.VERTRAULICH


def test_a_scan_never_loosens_and_findings_without_change_leave_a_flag(world: World) -> None:
    s = world.session
    melde = world.ds("melde")
    from kikz.catalog.models import Distribution

    dist = Distribution(identifier="d-melde", dataset_id=melde.id, title="melde.csv", access_url="https://x.test/m")
    s.add(dist)
    s.flush()
    scan = {
        "protection_class": "oeffentlich",
        "contains_personal_data": True,
        "art9": None,
        "explanation_de": "Namen gefunden",
        "reasons": [{"d": 1}, {"d": 2}],
    }
    assert service.on_scan_result(s, distribution_id=dist.id, proposal=scan) is None
    flag = s.scalars(select(ReviewFlag).where(ReviewFlag.reason == ReviewReason.SCAN_FINDINGS)).one()
    assert flag.detail["findings"] == 2 and flag.resolved_at is None
    assert s.scalar(select(GovernanceProposal.id)) is None


def test_cli_propose_approve_and_queue(
    world: World, settings: Settings, engine: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kikz.governance.workflow import cli

    monkeypatch.setattr(cli, "get_settings", lambda: settings)
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(cli.governance, list(args), catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result.output

    out = run(
        "propose",
        "ds-unklar",
        "--as",
        "steward@kikz.test",
        "--kind",
        "classification",
        "--class",
        "intern",
        "--not-personal",
        "--reason",
        "Nur Adressen von Dienststellen",
    )
    assert "nötige Freigaben: owner" in out
    proposal_id = out.split("#")[1].split()[0]
    assert "Vier-Augen" in run("approve", proposal_id, "--as", "steward@kikz.test", code=2)
    assert proposal_id in run("queue", "--as", "owner@kikz.test", "--role", "owner")
    assert "approved" in run("approve", proposal_id, "--as", "owner@kikz.test", "--comment", "passt")
    world.session.expire_all()
    assert world.ds("unklar").protection_class is ProtectionClass.INTERN
    assert '"open_proposals": 0' in run("dashboard", "--as", "board@kikz.test")


def test_the_scan_job_opens_the_reclassification_proposal(world: World, tmp_path: Path) -> None:
    from kikz.governance import scan

    s = world.session
    store = FileStore(tmp_path / "files")
    rows = "\n".join(
        f"{first};Schneider;{1950 + i}-03-0{i % 9 + 1};anna{i}@example.org"
        for i, first in enumerate(["Anna", "Bernd", "Clara", "Dieter", "Emma", "Frank", "Gerda", "Hans"] * 5)
    )
    dist = catalog.add_file_distribution(
        s,
        principal=world.p("steward"),
        dataset=world.ds("intern"),
        store=store,
        filename="liste.csv",
        stream=io.BytesIO(f"Vorname;Nachname;Geburtsdatum;E-Mail\n{rows}\n".encode()),
        max_bytes=100_000,
    )
    service.on_new_distribution(s, dist)
    job = s.scalars(select(Job).where(Job.kind == "governance.scan")).one()
    scan.scan_handler(store)(s, dict(job.payload))
    proposal = s.scalars(select(GovernanceProposal)).one()
    assert proposal.source == "scan" and proposal.proposed["contains_personal_data"] is True
    assert proposal.required == ["owner", "dpo"] and proposal.explanation
    assert s.scalar(select(ReviewFlag.resolved_at).where(ReviewFlag.distribution_id == dist.id)) is not None
