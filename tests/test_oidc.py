"""OIDC login against a real (in-process) OpenID provider that signs ID tokens with RS256."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest
from fastapi import FastAPI, Form
from fastapi.responses import RedirectResponse
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import RSAKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from kikz.app import create_app
from kikz.settings import Settings
from kikz.tenancy.models import User
from kikz.types import Role
from tests import factories as f
from tests.servers import live_server

CLIENT_ID = "kikz-portal"


class FakeProvider:
    """A minimal OpenID provider: discovery, authorize (auto-consent), token, JWKS."""

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key", "use": "sig"})
        self.codes: dict[str, dict[str, str]] = {}
        self.issuer = ""
        self.claims = {
            "sub": "kc-4711",
            "email": "m.mustermann@offenbach.de",
            "email_verified": True,
            "name": "Maria Mustermann",
        }
        self.audience = CLIENT_ID
        self.app = FastAPI()
        app = self.app

        @app.get("/.well-known/openid-configuration")
        def discovery() -> dict[str, str]:
            return {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/auth",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/certs",
            }

        @app.get("/auth")
        def authorize(redirect_uri: str, state: str, nonce: str, client_id: str) -> RedirectResponse:
            assert client_id == CLIENT_ID
            code = uuid.uuid4().hex
            self.codes[code] = {"nonce": nonce}
            return RedirectResponse(f"{redirect_uri}?code={code}&state={state}")

        @app.post("/token")
        def token(code: str = Form(), code_verifier: str = Form()) -> dict[str, str]:
            assert code_verifier
            data = self.codes.pop(code)
            now = int(time.time())
            claims = {
                **self.claims,
                "iss": self.issuer,
                "aud": self.audience,
                "iat": now,
                "exp": now + 300,
                "nonce": data["nonce"],
            }
            id_token = jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, self.key)
            return {"access_token": "x", "token_type": "Bearer", "id_token": id_token}

        @app.get("/certs")
        def certs() -> dict[str, list[dict[str, object]]]:
            return {"keys": [self.key.as_dict(private=False)]}


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    fake = FakeProvider()
    with live_server(fake.app) as url:
        fake.issuer = url
        yield fake


def _login(settings: Settings, provider: FakeProvider) -> tuple[TestClient, object]:
    oidc_settings = settings.model_copy(
        update={
            "oidc_issuer": provider.issuer,
            "oidc_client_id": CLIENT_ID,
            "oidc_client_secret": "s3cret",
            "oidc_default_municipality": "offenbach",
        }
    )
    client = TestClient(create_app(oidc_settings))
    start = client.get("/anmelden/oidc", follow_redirects=False)
    assert start.status_code == 302
    import httpx

    at_provider = httpx.get(start.headers["location"], follow_redirects=False)
    back = urlparse(at_provider.headers["location"])
    return client, client.get(f"{back.path}?{back.query}", follow_redirects=False)


def test_oidc_login_creates_user_with_default_membership(settings: Settings, session: Session, provider) -> None:
    f.city(session, "offenbach")
    session.commit()
    client, response = _login(settings, provider)
    assert response.status_code == 303, response.text
    assert "kikz_session" in response.cookies
    user = session.scalar(select(User).where(User.oidc_subject == "kc-4711"))
    assert user is not None and user.email == "m.mustermann@offenbach.de"
    assert [m.role for m in user.memberships] == [Role.STAFF]
    assert client.get("/api/v1/me").json()["email"] == "m.mustermann@offenbach.de"


def test_oidc_rejects_token_for_other_audience(settings: Settings, session: Session, provider) -> None:
    provider.audience = "another-client"
    _, response = _login(settings, provider)
    assert response.status_code == 400
    assert session.scalar(select(User).where(User.oidc_subject == "kc-4711")) is None


def test_oidc_callback_with_forged_state_is_refused(settings: Settings, provider) -> None:
    oidc_settings = settings.model_copy(update={"oidc_issuer": provider.issuer, "oidc_client_id": CLIENT_ID})
    client = TestClient(create_app(oidc_settings))
    client.get("/anmelden/oidc", follow_redirects=False)
    assert client.get("/anmelden/oidc/callback?code=abc&state=forged").status_code == 400


def test_oidc_disabled_by_default(client: TestClient) -> None:
    assert client.get("/anmelden/oidc").status_code == 404
