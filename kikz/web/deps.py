"""Request dependencies: settings, the per-request transaction, the caller (Principal), CSRF checks.

Use the ``Annotated`` aliases in routes: ``session: SessionDep``, ``principal: PrincipalDep``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from kikz.settings import Settings
from kikz.storage import FileStore
from kikz.tenancy import service as tenancy
from kikz.tenancy.models import User
from kikz.tenancy.permissions import ANONYMOUS, Principal, principal_for
from kikz.tenancy.web_session import SESSION_COOKIE
from kikz.web import csrf

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_store(request: Request) -> FileStore:
    store: FileStore = request.app.state.store
    return store


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the route returns, rolled back on any error."""
    session: Session = request.app.state.sessionmaker()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[FileStore, Depends(get_store)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() in ("bearer", "token") and value.strip():
        return value.strip()
    # CKAN clients send the bare token in the Authorization header
    if header.startswith(tenancy.TOKEN_PREFIX):
        return header
    return None


async def current_user(request: Request, session: SessionDep, settings: SettingsDep) -> User | None:
    """The user behind an API token or a session cookie; state-changing cookie requests need a CSRF token."""
    if hasattr(request.state, "user"):
        return request.state.user
    user: User | None = None
    token = _bearer(request)
    if token:
        user = tenancy.resolve_api_token(session, token)
        if user is None:
            raise HTTPException(401, "Ungültiges oder abgelaufenes API-Token.")
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            resolved = tenancy.resolve_session(session, cookie)
            user = resolved[0] if resolved else None
        if request.method not in SAFE_METHODS and (cookie or _is_form(request)):
            # Cookies carry ambient authority, and forms can be sent cross-site (login CSRF); a cookie-less
            # JSON call has no authority to abuse and gets the plain 401 of the route instead.
            await check_csrf(request, settings)
    request.state.user = user
    return user


def _is_form(request: Request) -> bool:
    return request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")
    )


async def check_csrf(request: Request, settings: Settings) -> None:
    submitted = request.headers.get(csrf.CSRF_HEADER)
    if submitted is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(csrf.CSRF_FIELD)
        submitted = value if isinstance(value, str) else None
    if not csrf.valid(request.cookies.get(csrf.CSRF_COOKIE), submitted, settings.secret_key):
        raise HTTPException(403, "Sicherheitstoken (CSRF) fehlt oder ist ungültig. Bitte die Seite neu laden.")


CurrentUserDep = Annotated[User | None, Depends(current_user)]


def current_principal(request: Request, session: SessionDep, user: CurrentUserDep) -> Principal:
    if hasattr(request.state, "principal"):
        return request.state.principal
    principal = principal_for(session, user) if user else ANONYMOUS
    request.state.principal = principal
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def require_login(principal: PrincipalDep) -> Principal:
    if principal.is_anonymous:
        raise HTTPException(401, "Bitte melden Sie sich an.")
    return principal


LoggedInDep = Annotated[Principal, Depends(require_login)]
