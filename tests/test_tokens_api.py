"""The caller's own account over JSON: who am I, and personal API tokens (create once, list, revoke)."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from kikz.db import utcnow
from kikz.tenancy import service as tenancy
from kikz.tenancy.models import ApiToken
from kikz.types import Role
from tests import factories as f


@pytest.fixture
def maria(session: Session) -> dict[str, str]:
    user = f.user(
        session,
        "maria@offenbach.de",
        roles={"offenbach": [Role.STAFF, Role.DATA_STEWARD], "marburg": [Role.STAFF]},
    )
    secret, _ = tenancy.create_api_token(session, user=user, name="Erstes Token")
    session.commit()
    return {"Authorization": f"Bearer {secret}"}


def test_me_shows_user_and_memberships(client: TestClient, maria: dict[str, str]) -> None:
    me = client.get("/api/v1/me", headers=maria).json()
    assert (me["email"], me["display_name"], me["is_superuser"]) == ("maria@offenbach.de", "maria", False)
    assert me["memberships"] == [
        {"municipality": "marburg", "municipality_name": "Marburg", "roles": ["staff"]},
        {
            "municipality": "offenbach",
            "municipality_name": "Offenbach am Main",
            "roles": ["data_steward", "staff"],
        },
    ]


def test_me_needs_login(client: TestClient) -> None:
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Bitte melden Sie sich an."
    assert client.get("/api/v1/me/tokens").status_code == 401


def test_create_token_shows_secret_once_and_it_works(client: TestClient, maria: dict[str, str]) -> None:
    response = client.post("/api/v1/me/tokens", json={"name": "Import-Skript", "valid_days": 30}, headers=maria)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["token"].startswith("kikz_")
    assert created["token"].startswith(created["prefix"])
    expires = dt.datetime.fromisoformat(created["expires_at"])
    assert dt.timedelta(days=29) < expires - utcnow() <= dt.timedelta(days=30)
    new = {"Authorization": f"Bearer {created['token']}"}
    assert client.get("/api/v1/me", headers=new).json()["email"] == "maria@offenbach.de"

    listed = client.get("/api/v1/me/tokens", headers=maria).json()
    assert [t["name"] for t in listed] == ["Import-Skript", "Erstes Token"]
    assert all("token" not in t for t in listed)
    assert created["token"] not in client.get("/api/v1/me/tokens", headers=maria).text
    assert listed[0]["last_used_at"] is not None  # used just above
    assert set(listed[0]) == {
        "id",
        "name",
        "prefix",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    }


def test_revoke_token(client: TestClient, maria: dict[str, str], session: Session) -> None:
    created = client.post("/api/v1/me/tokens", json={"name": "kurzlebig"}, headers=maria).json()
    other = {"Authorization": f"Bearer {created['token']}"}
    assert client.delete(f"/api/v1/me/tokens/{created['id']}", headers=maria).status_code == 204
    assert client.get("/api/v1/me", headers=other).status_code == 401
    listed = {t["id"]: t for t in client.get("/api/v1/me/tokens", headers=maria).json()}
    assert listed[created["id"]]["revoked_at"] is not None
    row = session.scalar(select(ApiToken).where(ApiToken.id == created["id"]))
    assert row is not None and row.revoked_at is not None


def test_cannot_revoke_someone_elses_token(client: TestClient, maria: dict[str, str], session: Session) -> None:
    other = f.user(session, "other@giessen.de")
    _, token = tenancy.create_api_token(session, user=other, name="fremd")
    session.commit()
    assert client.delete(f"/api/v1/me/tokens/{token.id}", headers=maria).status_code == 404
    assert client.delete("/api/v1/me/tokens/999999", headers=maria).status_code == 404
    session.refresh(token)
    assert token.revoked_at is None


def test_expired_token_is_refused(client: TestClient, session: Session) -> None:
    user = f.user(session, "alt@offenbach.de")
    secret, token = tenancy.create_api_token(session, user=user, name="alt")
    token.expires_at = utcnow() - dt.timedelta(minutes=1)
    session.commit()
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401
    assert "API-Token" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"name": "ok", "valid_days": 0}, "valid_days"),
        ({"name": "ok", "valid_days": 10_000}, "valid_days"),
        ({"name": "ok", "scope": "admin"}, "scope"),
        ({}, "name"),
    ],
)
def test_create_token_refuses_bad_input(
    client: TestClient, maria: dict[str, str], body: dict[str, object], field: str
) -> None:
    response = client.post("/api/v1/me/tokens", json=body, headers=maria)
    assert response.status_code == 422
    assert field in {d["field"] for d in response.json()["error"]["details"]}
    assert len(client.get("/api/v1/me/tokens", headers=maria).json()) == 1
