"""OpenID Connect login (authorization-code flow with PKCE), e.g. against a city's Keycloak realm.

Switched on by ``KIKZ_OIDC_ISSUER``/``_CLIENT_ID``/``_CLIENT_SECRET``. The ID token's signature (issuer JWKS),
issuer, audience, expiry and nonce are checked; users are matched by ``sub`` and then e-mail, and new users
join ``KIKZ_OIDC_DEFAULT_MUNICIPALITY`` as staff when that is set.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from typing import Any
from urllib.parse import urlencode

import httpx
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse
from itsdangerous import BadSignature, URLSafeTimedSerializer
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry
from sqlalchemy import select
from sqlalchemy.orm import Session

from kikz import audit
from kikz.settings import Settings
from kikz.tenancy import service, web_session
from kikz.tenancy.models import Municipality, User
from kikz.types import Role
from kikz.web.deps import SessionDep, SettingsDep

router = APIRouter(include_in_schema=False)
STATE_COOKIE = "kikz_oidc"
STATE_MAX_AGE = 600
_discovery_cache: dict[str, tuple[float, dict[str, Any]]] = {}


class OidcError(Exception):
    pass


def _enabled(settings: Settings) -> bool:
    return bool(settings.oidc_issuer and settings.oidc_client_id)


def discovery(settings: Settings) -> dict[str, Any]:
    cached = _discovery_cache.get(settings.oidc_issuer)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    url = settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration"
    doc = httpx.get(url, timeout=10).raise_for_status().json()
    _discovery_cache[settings.oidc_issuer] = (time.monotonic() + 3600, doc)
    return doc


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt="kikz-oidc")


def _redirect_uri(settings: Settings) -> str:
    return settings.base_url.rstrip("/") + "/anmelden/oidc/callback"


@router.get("/anmelden/oidc")
def start(settings: SettingsDep) -> RedirectResponse:
    if not _enabled(settings):
        raise HTTPException(404, "Single Sign-on ist nicht eingerichtet.")
    try:
        meta = discovery(settings)
    except httpx.HTTPError as exc:
        raise HTTPException(502, "Der Anmeldedienst (OIDC) ist nicht erreichbar.") from exc
    state, nonce, verifier = (secrets.token_urlsafe(24) for _ in range(3))
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    params = {
        "response_type": "code",
        "client_id": settings.oidc_client_id,
        "redirect_uri": _redirect_uri(settings),
        "scope": "openid email profile",
        "state": state,
        "nonce": nonce,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    response = RedirectResponse(f"{meta['authorization_endpoint']}?{urlencode(params)}", status_code=302)
    response.set_cookie(
        STATE_COOKIE,
        _serializer(settings).dumps({"state": state, "nonce": nonce, "verifier": verifier}),
        max_age=STATE_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=settings.session_cookie_secure,
    )
    return response


def verify_id_token(settings: Settings, id_token: str, nonce: str) -> dict[str, Any]:
    meta = discovery(settings)
    keys = KeySet.import_key_set(httpx.get(meta["jwks_uri"], timeout=10).raise_for_status().json())
    try:
        token = jwt.decode(id_token, keys, algorithms=["RS256", "ES256", "PS256"])
        JWTClaimsRegistry(
            iss={"essential": True, "value": meta.get("issuer", settings.oidc_issuer)},
            aud={"essential": True, "value": settings.oidc_client_id},
            sub={"essential": True},
            exp={"essential": True},
            nonce={"essential": True, "value": nonce},
        ).validate(token.claims)
    except (JoseError, ValueError) as exc:
        raise OidcError(f"ID-Token ungültig: {exc}") from exc
    return dict(token.claims)


def _user_for(session: Session, settings: Settings, claims: dict[str, Any]) -> User:
    sub = str(claims["sub"])
    user = session.scalar(select(User).where(User.oidc_subject == sub))
    if user:
        return user
    email = str(claims.get("email") or "").lower()
    if not email or not claims.get("email_verified", True):
        raise OidcError("Der Anmeldedienst hat keine bestätigte E-Mail-Adresse übermittelt.")
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        name = str(claims.get("name") or claims.get("preferred_username") or email)
        user = service.create_user(session, email=email, display_name=name)
        default = settings.oidc_default_municipality
        city = session.scalar(select(Municipality).where(Municipality.slug == default)) if default else None
        if city:
            service.grant_role(session, user=user, municipality=city, role=Role.STAFF)
    user.oidc_subject = sub
    audit.record(
        session,
        actor=user,
        action="user.oidc_link",
        entity_type="user",
        entity_id=user.id,
        after={"sub": sub},
    )
    return user


@router.get("/anmelden/oidc/callback")
def callback(request: Request, session: SessionDep, settings: SettingsDep) -> RedirectResponse:
    if not _enabled(settings):
        raise HTTPException(404, "Single Sign-on ist nicht eingerichtet.")
    if request.query_params.get("error"):
        raise HTTPException(400, f"Anmeldung abgebrochen: {request.query_params.get('error')}")
    try:
        saved = _serializer(settings).loads(request.cookies.get(STATE_COOKIE, ""), max_age=STATE_MAX_AGE)
    except BadSignature as exc:
        raise HTTPException(400, "Die Anmeldung ist abgelaufen. Bitte erneut versuchen.") from exc
    code = request.query_params.get("code", "")
    if not code or not secrets.compare_digest(request.query_params.get("state", ""), saved["state"]):
        raise HTTPException(400, "Ungültige Antwort des Anmeldedienstes (state).")
    try:
        meta = discovery(settings)
        answer = (
            httpx.post(
                meta["token_endpoint"],
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": _redirect_uri(settings),
                    "code_verifier": saved["verifier"],
                },
                auth=(settings.oidc_client_id, settings.oidc_client_secret),
                timeout=10,
            )
            .raise_for_status()
            .json()
        )
        claims = verify_id_token(settings, answer["id_token"], saved["nonce"])
        user = _user_for(session, settings, claims)
    except httpx.HTTPError as exc:
        raise HTTPException(502, "Der Anmeldedienst (OIDC) hat nicht korrekt geantwortet.") from exc
    except (OidcError, KeyError) as exc:
        raise HTTPException(400, f"Anmeldung nicht möglich: {exc}") from exc
    if not user.is_active:
        raise HTTPException(403, "Dieses Konto ist gesperrt.")
    response = RedirectResponse("/konto", status_code=303)
    web_session.establish(response, session=session, user=user, settings=settings)
    response.delete_cookie(STATE_COOKIE)
    return response
