"""Access requests: from request to grant to expiry, with invisibility preserved for the requester."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from kikz.audit import AuditEntry
from kikz.catalog.models import Dataset
from kikz.db import utcnow
from kikz.errors import Conflict, InvalidInput, NotFound
from kikz.governance.workflow import service
from kikz.governance.workflow.models import AccessRequest, AccessRequestStatus
from kikz.tenancy.models import AccessGrant
from kikz.tenancy.permissions import ANONYMOUS, PermissionDenied, can_view, visible
from tests.webutil import csrf_token, login, parse
from tests.workflow_world import World, build, mount, token_headers


@pytest.fixture
def world(session: Session) -> World:
    return build(session)


def _until(days: int = 30) -> dt.datetime:
    return utcnow() + dt.timedelta(days=days)


def _request(
    world: World,
    key: str,
    who: str = "gi_staff",
    *,
    purpose: str = "Auswertung Verkehr",
    until: dt.datetime | None = None,
    legal_basis: str = "",
) -> AccessRequest:
    return service.request_access(
        world.session,
        principal=world.p(who),
        dataset_key=key,
        purpose=purpose,
        requested_until=until or _until(),
        legal_basis=legal_basis,
    )


def test_request_grant_and_expiry(world: World) -> None:
    s = world.session
    intern = world.ds("intern")
    assert not can_view(s, world.p("gi_staff"), Dataset, intern.id)
    request = _request(world, "id-intern", legal_basis="§ 3 HDSIG")
    assert request.required == ["owner"] and request.status is AccessRequestStatus.OPEN
    with pytest.raises(NotFound):  # staff of the city see the dataset, not the request, and may not decide
        service.approve_request(s, principal=world.p("staff"), request_id=request.id)
    service.approve_request(s, principal=world.p("owner"), request_id=request.id, comment="für das Projekt")
    assert request.status is AccessRequestStatus.APPROVED
    grant = s.get_one(AccessGrant, request.grant_id)
    assert grant.valid_until == request.requested_until and grant.purpose == "Auswertung Verkehr"
    assert can_view(s, world.p("gi_staff"), Dataset, intern.id)
    later = request.requested_until + dt.timedelta(seconds=1)
    assert service.expire_requests(s, now=later) == 1
    assert request.status is AccessRequestStatus.EXPIRED
    seen_later = select(Dataset.id).where(Dataset.id == intern.id, visible(world.p("gi_staff"), Dataset, now=later))
    assert s.scalar(seen_later) is None
    actions = list(
        s.scalars(select(AuditEntry.action).where(AuditEntry.entity_type == "access_request").order_by(AuditEntry.id))
    )
    assert actions == [
        "access_request.create",
        "access_request.approve",
        "access_request.grant",
        "access_request.expire",
    ]
    assert s.scalar(select(AuditEntry.id).where(AuditEntry.action == "grant.create")) is not None


def test_personal_data_needs_the_dpo_and_revocation_ends_access(world: World) -> None:
    s = world.session
    melde = world.ds("melde")
    request = _request(world, "ds-melde")
    assert request.required == ["owner", "dpo"]
    service.approve_request(s, principal=world.p("owner"), request_id=request.id)
    assert request.status is AccessRequestStatus.OPEN and not can_view(s, world.p("gi_staff"), Dataset, melde.id)
    service.approve_request(s, principal=world.p("dpo"), request_id=request.id, comment="Zweckbindung geprüft")
    assert can_view(s, world.p("gi_staff"), Dataset, melde.id)
    service.revoke_request(s, principal=world.p("dpo"), request_id=request.id, comment="Projekt beendet")
    assert request.status is AccessRequestStatus.REVOKED
    assert not can_view(s, world.p("gi_staff"), Dataset, melde.id)


def test_rejection_and_own_request(world: World) -> None:
    s = world.session
    request = _request(world, "id-intern", who="owner2")  # a data owner asking is still not deciding
    with pytest.raises(PermissionDenied, match="Vier-Augen"):
        service.approve_request(s, principal=world.p("owner2"), request_id=request.id)
    with pytest.raises(InvalidInput):
        service.reject_request(s, principal=world.p("owner"), request_id=request.id, comment="")
    service.reject_request(s, principal=world.p("owner"), request_id=request.id, comment="Kein Bedarf erkennbar")
    assert request.status is AccessRequestStatus.REJECTED and request.grant_id is None


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"purpose": "  "}, "Zweck"),
        ({"until": _until(400)}, "höchstens 365"),
        ({"until": _until(-1)}, "Zukunft"),
    ],
)
def test_bad_requests_are_refused(world: World, kw: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        _request(world, "id-intern", **kw)


def test_public_datasets_need_no_request_and_anonymous_cannot_ask(world: World) -> None:
    with pytest.raises(Conflict, match="frei zugänglich"):
        _request(world, "ds-rad")
    with pytest.raises(PermissionDenied):
        service.request_access(
            world.session, principal=ANONYMOUS, dataset_key="id-intern", purpose="x", requested_until=_until()
        )


def test_deciders_and_requester_see_the_request_others_do_not(world: World) -> None:
    s = world.session
    request = _request(world, "id-intern")
    assert service.get_request(s, principal=world.p("owner"), request_id=request.id) is request
    assert service.get_request(s, principal=world.p("gi_staff"), request_id=request.id) is request
    for other in ("staff", "gi_owner", "steward"):
        with pytest.raises(NotFound):
            service.get_request(s, principal=world.p(other), request_id=request.id)


def _shape(body: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in body.items() if k not in ("id", "created_at", "dataset")}


def test_invisible_and_nonexistent_datasets_get_the_same_answer(world: World, app: FastAPI, session: Session) -> None:
    mount(app)
    asker = token_headers(session, world.users["gi_staff"])
    until = (utcnow() + dt.timedelta(days=60)).date().isoformat()
    with TestClient(app) as client:
        answers = {}
        for key in ("id-geheim", "id-gibt-es-nicht"):
            response = client.post(
                "/api/v1/governance/access-requests",
                headers=asker,
                json={"dataset": key, "purpose": "Jugendhilfeplanung", "requested_until": until},
            )
            assert response.status_code == 202, response.text
            answers[key] = response.json()
            detail = client.get(f"/api/v1/governance/access-requests/{response.json()['id']}", headers=asker)
            assert detail.status_code == 200 and set(detail.json()) == set(response.json())
        assert _shape(answers["id-geheim"]) == _shape(answers["id-gibt-es-nicht"])
        assert set(answers["id-geheim"]) == {
            "id",
            "dataset",
            "purpose",
            "legal_basis",
            "requested_until",
            "status",
            "created_at",
            "decided_at",
            "ended_at",
        }
        mine = client.get("/api/v1/governance/access-requests", headers=asker).json()
        assert [_shape(r) for r in mine] == [_shape(answers["id-geheim"])] * 2
        # the owner sees the request for the existing one, with the dataset
        owner = token_headers(session, world.users["owner"])
        queue = client.get("/api/v1/governance/queue?role=owner", headers=owner).json()
        assert [i["access_request_id"] for i in queue["items"] if i["kind"] == "access_request"] == [
            answers["id-geheim"]["id"]
        ]
        seen = client.get(f"/api/v1/governance/access-requests/{answers['id-geheim']['id']}", headers=owner).json()
        assert seen["dataset_title"] == "Jugendhilfefälle" and seen["required"] == ["owner", "dpo"]
        denied = client.post(
            "/api/v1/governance/access-requests",
            json={"dataset": "x", "purpose": "y", "requested_until": until},
        )
        assert denied.status_code == 401


def test_access_request_pages(world: World, app: FastAPI, session: Session) -> None:
    mount(app)
    until = (utcnow() + dt.timedelta(days=30)).date().isoformat()
    with TestClient(app) as client:
        login(client, "gi_staff@kikz.test")
        assert client.get("/datensaetze/ds-intern").status_code == 404
        form = client.get("/governance/zugang?datensatz=id-intern")
        assert form.status_code == 200 and parse(form.text).inputs["dataset"] == "id-intern"
        assert not parse(form.text).unlabelled_controls()
        data = {
            "csrf_token": csrf_token(form),
            "dataset": "id-intern",
            "purpose": "",
            "requested_until": until,
        }
        missing = client.post("/governance/zugang", data=data)
        assert missing.status_code == 422 and "Zweck" in missing.text
        sent = client.post("/governance/zugang", data={**data, "purpose": "Baustellenkoordination"})
        assert sent.status_code == 200 and "eingegangen" in sent.text
        request_id = session.scalars(select(AccessRequest.id)).one()
        client.cookies.clear()
        login(client, "owner@kikz.test")
        detail = client.get(f"/governance/zugang/{request_id}")
        assert detail.status_code == 200 and "Baustellenplanung" in detail.text
        approve = client.post(
            f"/governance/zugang/{request_id}/freigeben",
            data={"csrf_token": csrf_token(detail)},
            follow_redirects=False,
        )
        assert approve.status_code == 303
        client.cookies.clear()
        login(client, "gi_staff@kikz.test")
        assert client.get("/datensaetze/ds-intern").status_code == 200
        assert "gewährt" in client.get(f"/governance/zugang/{request_id}").text
