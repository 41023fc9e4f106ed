"""The forum's JSON API under /api/v1/forum: same services and rights as the pages, answers as JSON."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from kikz.db import utcnow
from kikz.tenancy import service as tenancy
from kikz.transfer import projects
from tests.test_transfer import ForumWorld, build_world, project_data


@pytest.fixture
def world(session: Session) -> ForumWorld:
    world = build_world(session)
    projects.create_project(session, principal=world.p("of_staff"), data=project_data())
    projects.create_project(
        session,
        principal=world.p("fd_staff"),
        data=project_data(
            municipality="fulda",
            title="Digitales Baumkataster",
            summary="Alle Straßenbäume mit Art, Zustand und Kontrollterminen, mobil erfasst.",
            partners=[],
            visibility="oeffentlich",
            field_of_action="umwelt",
            technologies=["QGIS"],
            repository_url="",
        ),
    )
    session.commit()
    return world


def auth(session: Session, world: ForumWorld, key: str) -> dict[str, str]:
    secret, _ = tenancy.create_api_token(session, user=world.users[key], name="test")
    session.commit()
    return {"Authorization": f"Bearer {secret}"}


def new_project(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "municipality": "wetzlar",
        "title": "Smarte Straßenbeleuchtung",
        "summary": "Leuchten dimmen nachts und melden Ausfälle selbst an den Bauhof.",
        "field_of_action": "energie",
        "phase": "pilot",
        "maturity": "erprobt",
        "technologies": ["LoRaWAN"],
        "contacts": [{"name": "Bauhof Wetzlar", "email": "bauhof@wetzlar.de"}],
    }
    body.update(changes)
    return body


def test_search_answers_with_items_and_facets(client: TestClient, world: ForumWorld, session: Session) -> None:
    public = client.get("/api/v1/forum/projects").json()
    assert public["total"] == 1 and public["items"][0]["slug"] == "digitales-baumkataster"
    staff = client.get("/api/v1/forum/projects", headers=auth(session, world, "wz_staff")).json()
    assert staff["total"] == 2
    assert {f["value"]: f["count"] for f in staff["facets"]["handlungsfeld"]} == {"mobilitaet": 1, "umwelt": 1}
    filtered = client.get(
        "/api/v1/forum/projects",
        params={"field_of_action": "umwelt", "q": "Baum"},
        headers=auth(session, world, "wz_staff"),
    ).json()
    assert [i["title"] for i in filtered["items"]] == ["Digitales Baumkataster"]
    assert client.get("/api/v1/forum/projects", params={"per_page": 500}).status_code == 422


def test_create_update_and_delete_through_the_api(client: TestClient, world: ForumWorld, session: Session) -> None:
    assert client.post("/api/v1/forum/projects", json=new_project()).status_code == 401
    wz = auth(session, world, "wz_staff")
    created = client.post("/api/v1/forum/projects", json=new_project(), headers=wz)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["slug"] == "smarte-strassenbeleuchtung" and body["lead"]["slug"] == "wetzlar" and body["may_edit"]
    stranger = auth(session, world, "of_staff")
    changed = new_project(title="Gekapert")
    del changed["municipality"]
    answer = client.put("/api/v1/forum/projects/smarte-strassenbeleuchtung", json=changed, headers=stranger)
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "forbidden"
    changed["title"] = "Smarte Straßenbeleuchtung (Pilot Altstadt)"
    answer = client.put("/api/v1/forum/projects/smarte-strassenbeleuchtung", json=changed, headers=wz)
    assert answer.status_code == 200 and answer.json()["title"].endswith("(Pilot Altstadt)")
    invalid = client.post("/api/v1/forum/projects", json=new_project(summary="kurz"), headers=wz)
    assert invalid.status_code == 422 and invalid.json()["error"]["code"] == "invalid_input"
    unknown = client.post("/api/v1/forum/projects", json=new_project(partners=["atlantis"]), headers=wz)
    assert unknown.status_code == 422 and "Unbekannte Kommune" in unknown.json()["error"]["message"]
    assert client.delete("/api/v1/forum/projects/smarte-strassenbeleuchtung", headers=stranger).status_code == 403
    wz_admin = auth(session, world, "wz_admin")
    assert client.delete("/api/v1/forum/projects/smarte-strassenbeleuchtung", headers=wz_admin).status_code == 204
    assert client.get("/api/v1/forum/projects/smarte-strassenbeleuchtung", headers=wz).status_code == 404


def test_comments_reuse_and_lessons(client: TestClient, world: ForumWorld, session: Session) -> None:
    slug = "verkehrszaehlung-mit-telraam-sensoren"
    wz = auth(session, world, "wz_staff")
    posted = client.post(f"/api/v1/forum/projects/{slug}/comments", json={"body": "<b>Hallo</b>"}, headers=wz)
    assert posted.status_code == 201 and posted.json()["body"] == "<b>Hallo</b>"
    assert posted.json()["city"] == {"slug": "wetzlar", "name": "Wetzlar"}
    too_long = client.post(f"/api/v1/forum/projects/{slug}/comments", json={"body": "x" * 2500}, headers=wz)
    assert too_long.status_code == 422 and "höchstens 2.000 Zeichen" in too_long.json()["error"]["message"]
    reuse = client.post(f"/api/v1/forum/projects/{slug}/reuse", json={"status": "im_einsatz"}, headers=wz)
    assert reuse.status_code == 201 and reuse.json()["city"]["slug"] == "wetzlar"
    lesson = client.post(
        f"/api/v1/forum/projects/{slug}/lessons",
        json={"kind": "empfehlung", "text": "Zwei Wochen parallel zur Schleife zählen."},
        headers=wz,
    )
    assert lesson.status_code == 201
    detail = client.get(f"/api/v1/forum/projects/{slug}", headers=wz).json()
    assert [r["city"]["slug"] for r in detail["reuses"]] == ["wetzlar"]
    assert detail["reused_by"] == [{"slug": "wetzlar", "name": "Wetzlar"}]
    assert detail["lessons"][0]["kind"] == "empfehlung"
    comments = client.get(f"/api/v1/forum/projects/{slug}/comments", headers=wz).json()
    assert [c["body"] for c in comments] == ["<b>Hallo</b>"]
    guest = auth(session, world, "guest")
    assert client.get(f"/api/v1/forum/projects/{slug}/comments", headers=guest).status_code == 404


def test_guest_invitations_through_the_api(client: TestClient, world: ForumWorld, session: Session) -> None:
    slug = "verkehrszaehlung-mit-telraam-sensoren"
    guest = auth(session, world, "guest")
    assert client.get(f"/api/v1/forum/projects/{slug}", headers=guest).status_code == 404
    staff = auth(session, world, "of_staff")
    assert client.post("/api/v1/forum/invitations", json={"municipality": "gastdorf"}, headers=staff).status_code == 403
    admin = auth(session, world, "of_admin")
    created = client.post("/api/v1/forum/invitations", json={"municipality": "gastdorf", "days": 10}, headers=admin)
    assert created.status_code == 201 and created.json()["active"] is True
    assert client.get(f"/api/v1/forum/projects/{slug}", headers=guest).status_code == 200
    answer = client.post(f"/api/v1/forum/projects/{slug}/comments", json={"body": "Hallo"}, headers=guest)
    assert answer.status_code == 403
    assert [i["guest"]["slug"] for i in client.get("/api/v1/forum/invitations", headers=guest).json()] == ["gastdorf"]
    revoked = client.post(f"/api/v1/forum/invitations/{created.json()['id']}/revoke", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    assert client.get(f"/api/v1/forum/projects/{slug}", headers=guest).status_code == 404


def test_events_through_the_api(client: TestClient, world: ForumWorld, session: Session) -> None:
    fd = auth(session, world, "fd_staff")
    day = (utcnow() + dt.timedelta(days=10)).date().isoformat()
    body = {
        "title": "Werkstatt Baumkataster",
        "municipality": "fulda",
        "visibility": "forum",
        "format": "online",
        "starts_at": f"{day}T14:00:00",
        "ends_at": f"{day}T16:00:00+02:00",
        "agenda": [
            {"time": "14:00", "title": "Begrüßung"},
            {"title": "Das Kataster", "project": "digitales-baumkataster"},
        ],
        "materials": [{"title": "Folien", "url": "https://example.org/f.pdf", "kind": "folien"}],
    }
    created = client.post("/api/v1/forum/events", json=body, headers=fd)
    assert created.status_code == 201, created.text
    event = created.json()
    assert event["upcoming"] is True and event["agenda"][1]["project"] == "digitales-baumkataster"
    assert client.get("/api/v1/forum/events").json() == []  # forum-internal
    wz = auth(session, world, "wz_staff")
    joined = client.post(f"/api/v1/forum/events/{event['slug']}/participation", headers=wz)
    assert [c["slug"] for c in joined.json()["participants"]] == ["wetzlar"]
    left = client.delete(f"/api/v1/forum/events/{event['slug']}/participation", headers=wz)
    assert left.json()["participants"] == []
    bad = dict(body, materials=[{"title": "Folien", "url": "ftp://x", "kind": "folien"}])
    assert client.post("/api/v1/forum/events", json=bad, headers=fd).status_code == 422
    unknown = dict(body, agenda=[{"title": "Vortrag", "project": "gibt-es-nicht"}])
    answer = client.post("/api/v1/forum/events", json=unknown, headers=fd)
    assert answer.status_code == 422 and "Programmpunkt 1" in answer.json()["error"]["message"]


def test_publiccode_export_endpoint(client: TestClient, world: ForumWorld, session: Session) -> None:
    wz = auth(session, world, "wz_staff")
    answer = client.get("/api/v1/forum/projects/verkehrszaehlung-mit-telraam-sensoren/publiccode.yml", headers=wz)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/yaml")
    doc = yaml.safe_load(answer.text)
    assert doc["name"] == "Verkehrszählung mit Telraam-Sensoren"
    assert doc["description"]["de"]["documentation"].endswith("/forum/projekte/verkehrszaehlung-mit-telraam-sensoren")
    none = client.get("/api/v1/forum/projects/digitales-baumkataster/publiccode.yml")
    assert none.status_code == 404 and "kein Quellcode-Repository" in none.json()["error"]["message"]
    assert client.get("/api/v1/forum/projects/verkehrszaehlung-mit-telraam-sensoren/publiccode.yml").status_code == 404


def test_the_api_is_documented_in_openapi(client: TestClient) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in ("/api/v1/forum/projects", "/api/v1/forum/events", "/api/v1/forum/comparison"):
        assert path in paths
