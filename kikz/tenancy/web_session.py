"""Browser login state: the session cookie and the CSRF cookie, set and cleared in one place."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from kikz.settings import Settings
from kikz.tenancy import service
from kikz.tenancy.models import User
from kikz.web import csrf

SESSION_COOKIE = "kikz_session"


def establish(response: Response, *, session: Session, user: User, settings: Settings) -> None:
    """Start a server-side session for ``user`` and rotate the CSRF cookie (no fixation across login)."""
    token, _ = service.start_session(session, user=user, max_age_seconds=settings.session_max_age_seconds)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_max_age_seconds,
        httponly=True,
        samesite="lax",
        secure=settings.session_cookie_secure,
    )
    response.set_cookie(
        csrf.CSRF_COOKIE,
        csrf.new_cookie_value(),
        httponly=True,
        samesite="lax",
        secure=settings.session_cookie_secure,
    )


def end(request: Request, response: Response, *, session: Session) -> None:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        service.end_session(session, token)
    response.delete_cookie(SESSION_COOKIE)
    response.delete_cookie(csrf.CSRF_COOKIE)
