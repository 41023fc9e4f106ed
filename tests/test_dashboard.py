"""The governance dashboard and the review queues: counts per role, filtered by what the caller may see."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from kikz.db import utcnow
from kikz.governance import dashboard as dashboards
from kikz.governance.quality.models import DatasetMqaRecord
from kikz.governance.workflow import service
from kikz.governance.workflow.models import ProposalKind
from kikz.tenancy.permissions import PermissionDenied
from tests.webutil import csrf_token, login, parse
from tests.workflow_world import World, build, mount, token_headers


@pytest.fixture
def world(session: Session) -> World:
    return build(session)


def _inventory(board: dashboards.Dashboard) -> dict[str, tuple[int, ...]]:
    """city -> (the four classes, unclassified, total, open data, without owner/steward)"""
    return {
        c.municipality: (*c.by_class.values(), c.unclassified, c.total, c.open_data, c.missing_responsibility)
        for c in board.cities
    }


def test_counts_follow_the_callers_visibility(world: World) -> None:
    s = world.session
    ob_board = dashboards.dashboard(s, principal=world.p("board"), overdue_days=14)
    assert _inventory(ob_board) == {
        "offenbach": (2, 1, 1, 0, 1, 5, 1, 1),
        "giessen": (1, 0, 0, 0, 0, 1, 1, 1),
    }
    assert ob_board.cities[1].open_data_share == 0.2  # Offenbach: 1 of 5 (cities sorted by name: Gießen first)
    assert ob_board.themes == {"TRAN": 2, "ECON": 1, "ENVI": 1, "-": 2}
    gi_board = dashboards.dashboard(s, principal=world.p("gi_board"), overdue_days=14)
    assert _inventory(gi_board) == {
        "offenbach": (1, 0, 0, 0, 0, 1, 1, 0),
        "giessen": (1, 0, 1, 0, 0, 2, 1, 2),
    }
    dpo = dashboards.dashboard(s, principal=world.p("dpo"), overdue_days=14)
    assert _inventory(dpo)["offenbach"][3] == 1  # only the DPO counts the streng vertrauliche dataset
    assert (dpo.quality_bands, dpo.quality_available) == ({"nicht bewertet": 7}, False)
    with pytest.raises(PermissionDenied):
        dashboards.dashboard(s, principal=world.p("staff"), overdue_days=14)


def test_quality_bands_and_hvd_coverage(world: World) -> None:
    s = world.session
    rad, baeume, melde = world.ds("rad"), world.ds("baeume"), world.ds("melde")
    rad.hvd_category = baeume.hvd_category = "c_b79e35eb"
    melde.hvd_category = "c_e1da4e07"
    s.add_all(
        [
            DatasetMqaRecord(dataset_id=rad.id, score=100, band="bad"),
            DatasetMqaRecord(dataset_id=rad.id, score=300, band="good"),  # the latest evaluation counts
            DatasetMqaRecord(dataset_id=melde.id, score=150, band="sufficient"),
        ]
    )
    s.flush()
    board = dashboards.dashboard(s, principal=world.p("board"), overdue_days=14)
    assert board.quality_bands == {"good": 1, "sufficient": 1, "nicht bewertet": 4} and board.quality_available
    assert board.hvd.by_category == {
        "c_b79e35eb": {"total": 2, "open": 1},
        "c_e1da4e07": {"total": 1, "open": 0},
    }
    outsider = dashboards.dashboard(s, principal=world.p("gi_board"), overdue_days=14)
    assert outsider.hvd.by_category == {"c_b79e35eb": {"total": 1, "open": 1}}
    assert outsider.quality_bands == {"good": 1, "nicht bewertet": 2}


def test_open_and_overdue_work(world: World) -> None:
    s = world.session
    service.propose(
        s,
        principal=world.p("steward"),
        dataset=world.ds("melde"),
        kind=ProposalKind.CLASSIFICATION,
        values={"art9_data": True},
        reason="Diagnosen",
    )
    service.request_access(
        s,
        principal=world.p("gi_staff"),
        dataset_key="id-intern",
        purpose="Planung",
        requested_until=utcnow() + dt.timedelta(days=30),
    )
    now = dashboards.dashboard(s, principal=world.p("board"), overdue_days=14)
    assert (now.work.open_proposals, now.work.open_access_requests, now.work.overdue_proposals) == (1, 1, 0)
    later = dashboards.dashboard(s, principal=world.p("board"), overdue_days=14, now=utcnow() + dt.timedelta(days=15))
    assert (
        later.work.overdue_proposals,
        later.work.overdue_access_requests,
        later.work.overdue_unclassified,
    ) == (1, 1, 1)
    gi = dashboards.dashboard(s, principal=world.p("gi_board"), overdue_days=14)
    assert (gi.work.open_proposals, gi.work.open_access_requests) == (
        0,
        0,
    )  # Offenbach's confidential work is hidden


def test_queues_per_role(world: World) -> None:
    s = world.session
    steward = service.queue(s, principal=world.p("steward"), role="steward", overdue_days=14)
    assert {(i.kind, i.dataset) for i in steward} == {
        ("unclassified", "ds-unklar"),
        ("missing_responsibility", "ds-unklar"),
    }
    personal = service.propose(
        s,
        principal=world.p("steward"),
        dataset=world.ds("melde"),
        kind=ProposalKind.CLASSIFICATION,
        values={"art9_data": True},
        reason="Diagnosen",
    )
    plain = service.propose(
        s,
        principal=world.p("owner"),
        dataset=world.ds("baeume"),
        kind=ProposalKind.PUBLICATION,
        reason="Open Data",
    )
    owner = service.queue(s, principal=world.p("owner"), role="owner", overdue_days=14)
    assert [i.proposal_id for i in owner] == [personal.id]  # not their own publication proposal
    owner2 = service.queue(s, principal=world.p("owner2"), role="owner", overdue_days=14)
    assert [i.proposal_id for i in owner2] == [personal.id, plain.id]
    dpo = service.queue(s, principal=world.p("dpo"), role="dpo", overdue_days=14)
    assert [i.proposal_id for i in dpo] == [personal.id]
    assert service.queue(s, principal=world.p("gi_owner"), role="owner", overdue_days=14) == []
    assert service.queue(s, principal=world.p("board"), role="board", overdue_days=14) == []
    overdue = service.queue(
        s, principal=world.p("board"), role="board", overdue_days=14, now=utcnow() + dt.timedelta(days=20)
    )
    assert {i.kind for i in overdue} == {"proposal", "unclassified"} and all(i.overdue for i in overdue)
    assert service.available_roles(s, world.p("ownerdpo")) == ["owner", "dpo"]


def test_dashboard_api_and_pages(world: World, app: FastAPI, session: Session) -> None:
    mount(app)
    with TestClient(app) as client:
        assert client.get("/api/v1/governance/dashboard").status_code == 401
        staff = token_headers(session, world.users["staff"])
        assert client.get("/api/v1/governance/dashboard", headers=staff).status_code == 403
        board = token_headers(session, world.users["board"])
        body = client.get("/api/v1/governance/dashboard", headers=board).json()
        assert [c["municipality"] for c in body["cities"]] == ["giessen", "offenbach"]
        assert client.get("/governance", follow_redirects=False).status_code == 303
        login(client, "board@kikz.test")
        page = client.get("/governance")
        assert page.status_code == 200 and parse(page.text).h1 == ["Governance"]
        assert "Offenbach am Main" in page.text
        queue = client.get("/governance/pruefliste?rolle=board")
        assert queue.status_code == 200 and "Nichts zu tun." in queue.text
        assert client.get("/governance/pruefliste?rolle=dpo").status_code == 403


def test_proposal_forms_with_csrf(world: World, app: FastAPI) -> None:
    mount(app)
    with TestClient(app) as client:
        login(client, "steward@kikz.test")
        page = client.get("/governance/datensaetze/ds-intern")
        assert page.status_code == 200 and not parse(page.text).unlabelled_controls()
        token = csrf_token(page)
        no_token = client.post(
            "/governance/datensaetze/ds-intern/vorschlag",
            data={"kind": "classification", "protection_class": "oeffentlich"},
        )
        assert no_token.status_code == 403
        created = client.post(
            "/governance/datensaetze/ds-intern/vorschlag",
            follow_redirects=False,
            data={
                "csrf_token": token,
                "kind": "classification",
                "protection_class": "oeffentlich",
                "reason_classification": "Keine schutzwürdigen Angaben",
            },
        )
        assert created.status_code == 303
        location = created.headers["location"]
        missing_reason = client.post(
            "/governance/datensaetze/ds-intern/vorschlag",
            data={"csrf_token": token, "kind": "classification", "protection_class": "vertraulich"},
        )
        assert missing_reason.status_code == 422 and "begründen" in missing_reason.text
        client.cookies.clear()
        login(client, "owner@kikz.test")
        detail = client.get(location)
        assert detail.status_code == 200 and "Freigeben" in detail.text
        approved = client.post(
            location + "/freigeben",
            data={"csrf_token": csrf_token(detail), "comment": "ok"},
            follow_redirects=False,
        )
        assert approved.status_code == 303
        assert "freigegeben" in client.get(location).text
    world.session.expire_all()
    assert world.ds("intern").protection_class.value == "oeffentlich"  # type: ignore[union-attr]
