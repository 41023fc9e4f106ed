"""Login, lock-out, logout and the account page with personal API tokens."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from kikz.app import create_app
from kikz.settings import Settings
from kikz.tenancy import service as tenancy
from kikz.tenancy.models import ApiToken, LoginSession
from kikz.tenancy.web_session import SESSION_COOKIE
from kikz.types import Role
from kikz.web import csrf
from tests import factories as f
from tests.webutil import PASSWORD, csrf_token, login, parse

MAX_FAILURES = 3
EMAIL = "Anna.Muster@offenbach.de"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"login_max_failures": MAX_FAILURES, "login_lock_seconds": 600})


@pytest.fixture
def anna(session: Session) -> str:
    f.user(session, EMAIL.lower(), roles={"offenbach": [Role.DATA_STEWARD], "giessen": [Role.STAFF]})
    session.commit()
    return EMAIL


def _cookie_header(response: Any, name: str) -> str:
    return next(h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}="))


def test_login_sets_a_protected_session_cookie_and_rotates_csrf(client: TestClient, anna: str) -> None:
    form = client.get("/anmelden")
    assert form.status_code == 200
    old_csrf = client.cookies.get(csrf.CSRF_COOKIE)
    assert old_csrf
    response = client.post(
        "/anmelden",
        data={"email": anna, "password": PASSWORD, "csrf_token": csrf_token(form)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/verwaltung"
    cookie = _cookie_header(response, SESSION_COOKIE).lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    new_csrf = client.cookies.get(csrf.CSRF_COOKIE)
    assert new_csrf and new_csrf != old_csrf
    account = client.get("/konto")
    assert account.status_code == 200
    assert EMAIL.lower() in account.text
    assert "Offenbach am Main" in account.text and "Data Steward" in account.text
    assert "Gießen" in account.text and "Mitarbeitende" in account.text


def test_secure_cookie_flag_follows_settings(settings: Settings, engine: Engine, anna: str) -> None:
    app = create_app(settings.model_copy(update={"session_cookie_secure": True}))
    with TestClient(app, base_url="https://testserver") as client:
        response = login(client, anna)
        assert response.status_code == 303
        assert "secure" in _cookie_header(response, SESSION_COOKIE).lower()


def test_wrong_password_shows_message_and_sets_no_session(client: TestClient, anna: str, session: Session) -> None:
    response = login(client, anna, "falsches-passwort")
    assert response.status_code == 401
    assert "E-Mail-Adresse oder Passwort ist falsch." in response.text
    assert 'role="alert"' in response.text and 'href="#f-email"' in response.text
    assert parse(response.text).inputs["email"] == anna  # the e-mail is kept, the password is not
    assert parse(response.text).inputs["password"] == ""
    assert SESSION_COOKIE not in client.cookies
    assert session.scalar(select(func.count()).select_from(LoginSession)) == 0


def test_unknown_account_gets_the_same_message(client: TestClient, anna: str) -> None:
    response = login(client, "niemand@offenbach.de", PASSWORD)
    assert response.status_code == 401
    assert "E-Mail-Adresse oder Passwort ist falsch." in response.text


def test_empty_fields_are_named(client: TestClient, anna: str) -> None:
    token = csrf_token(client.get("/anmelden"))
    response = client.post("/anmelden", data={"email": "", "password": "", "csrf_token": token})
    assert response.status_code == 422
    assert 'href="#f-email"' in response.text and 'href="#f-password"' in response.text


def test_lock_out_after_too_many_failures(client: TestClient, anna: str) -> None:
    for _ in range(MAX_FAILURES):
        assert login(client, anna, "falsch-falsch").status_code == 401
    locked = login(client, anna, PASSWORD)  # even the right password is refused while locked
    assert locked.status_code == 429
    assert "vorübergehend gesperrt" in locked.text
    assert SESSION_COOKIE not in client.cookies
    assert f"Nach {MAX_FAILURES} falschen Versuchen" in client.get("/anmelden").text


def test_login_without_csrf_token_is_refused(client: TestClient, anna: str) -> None:
    client.get("/anmelden")
    response = client.post("/anmelden", data={"email": anna, "password": PASSWORD})
    assert response.status_code == 403
    assert SESSION_COOKIE not in client.cookies


@pytest.mark.parametrize(
    ("target", "expected"),
    [("/konto", "/konto"), ("//evil.example/x", "/verwaltung"), ("https://evil.example", "/verwaltung")],
)
def test_login_returns_only_to_local_pages(client: TestClient, anna: str, target: str, expected: str) -> None:
    token = csrf_token(client.get("/anmelden", params={"weiter": target}))
    response = client.post(
        "/anmelden",
        data={"email": anna, "password": PASSWORD, "csrf_token": token, "weiter": target},
        follow_redirects=False,
    )
    assert response.headers["location"] == expected


def test_staff_page_redirects_to_login_and_back(client: TestClient, anna: str) -> None:
    first = client.get("/verwaltung/datensaetze/neu", follow_redirects=False)
    assert first.headers["location"] == "/anmelden?weiter=/verwaltung/datensaetze/neu"
    form = client.get(first.headers["location"])
    assert parse(form.text).inputs["weiter"] == "/verwaltung/datensaetze/neu"
    response = client.post(
        "/anmelden",
        data={
            "email": anna,
            "password": PASSWORD,
            "csrf_token": csrf_token(form),
            "weiter": "/verwaltung/datensaetze/neu",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/verwaltung/datensaetze/neu"


def test_logout_ends_the_session(client: TestClient, anna: str, session: Session) -> None:
    login(client, anna)
    page = client.get("/konto")
    assert client.post("/abmelden", data={}).status_code == 403  # no CSRF token
    response = client.post("/abmelden", data={"csrf_token": csrf_token(page)}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/?hinweis=abgemeldet"
    assert session.scalar(select(func.count()).select_from(LoginSession)) == 0
    assert client.get("/konto", follow_redirects=False).status_code == 303
    assert "Sie sind abgemeldet." in client.get("/?hinweis=abgemeldet").text


def test_single_sign_on_button_only_when_configured(client: TestClient, settings: Settings, engine: Engine) -> None:
    assert "/anmelden/oidc" not in client.get("/anmelden").text
    app = create_app(settings.model_copy(update={"oidc_issuer": "https://sso.offenbach.example/realms/kikz"}))
    with TestClient(app) as sso_client:
        text = sso_client.get("/anmelden").text
        assert 'href="/anmelden/oidc"' in text and "Mit Single Sign-on anmelden" in text


def test_api_token_is_shown_once_works_and_can_be_revoked(client: TestClient, anna: str, session: Session) -> None:
    login(client, anna)
    page = client.get("/konto")
    created = client.post(
        "/konto/tokens", data={"csrf_token": csrf_token(page), "token_name": "Dashboard", "valid_days": "90"}
    )
    assert created.status_code == 200
    assert created.headers["cache-control"] == "private, no-store"
    match = re.search(r'id="new-token"[^>]*value="(kikz_[^"]+)"', created.text)
    assert match
    secret = match.group(1)
    assert tenancy.resolve_api_token(session, secret) is not None
    session.rollback()  # resolving marks the token as used; release the write lock for the app
    again = client.get("/konto").text
    assert secret not in again and "Dashboard" in again and secret[:12] in again
    api = client.get("/api/v1/datasets", headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 200

    token_id = session.scalars(select(ApiToken.id)).one()
    revoked = client.post(
        f"/konto/tokens/{token_id}/widerrufen", data={"csrf_token": csrf_token(page)}, follow_redirects=False
    )
    assert revoked.status_code == 303
    session.expire_all()
    assert tenancy.resolve_api_token(session, secret) is None
    session.rollback()
    assert "widerrufen" in client.get("/konto").text


def test_token_form_errors_and_foreign_tokens(client: TestClient, anna: str, session: Session) -> None:
    other = f.user(session, "other@giessen.de")
    _, foreign = tenancy.create_api_token(session, user=other, name="fremd")
    session.commit()
    login(client, anna)
    token = csrf_token(client.get("/konto"))
    bad = client.post("/konto/tokens", data={"csrf_token": token, "token_name": "", "valid_days": "9999"})
    assert bad.status_code == 422
    assert 'href="#f-token_name"' in bad.text and 'href="#f-valid_days"' in bad.text
    assert session.scalar(select(func.count()).select_from(ApiToken)) == 1
    assert client.post(f"/konto/tokens/{foreign.id}/widerrufen", data={"csrf_token": token}).status_code == 404
    session.expire_all()
    assert session.get(ApiToken, foreign.id).revoked_at is None  # type: ignore[union-attr]
