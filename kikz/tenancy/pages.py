"""Login, logout and the account page (memberships, personal API tokens)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, RedirectResponse, Response

from kikz.settings import Settings
from kikz.tenancy import service as tenancy
from kikz.tenancy import web_session
from kikz.tenancy.models import ApiToken, User
from kikz.web.deps import CurrentUserDep, PrincipalDep, SessionDep, SettingsDep
from kikz.web.forms import FormErrors, login_redirect, safe_next, text
from kikz.web.templating import render

router = APIRouter(include_in_schema=False)

TOKEN_VALIDITY_DAYS = (30, 90, 365)
DEFAULT_TARGET = "/verwaltung"


async def submitted_form(request: Request) -> FormData:
    return await request.form()


FormDep = Annotated[FormData, Depends(submitted_form)]


def _render_login(
    request: Request,
    settings: Settings,
    *,
    email: str = "",
    target: str = "",
    errors: FormErrors | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "account/login.html",
        {
            "active": "login",
            "email": email,
            "target": target,
            "errors": errors or FormErrors(),
            "oidc": bool(settings.oidc_issuer),
        },
        status_code=status_code,
    )


@router.get("/anmelden", response_class=HTMLResponse)
def login_form(request: Request, principal: PrincipalDep, settings: SettingsDep) -> Response:
    target = safe_next(request.query_params.get("weiter"), "")
    if not principal.is_anonymous:
        return RedirectResponse(target or DEFAULT_TARGET, status_code=303)
    return _render_login(request, settings, target=target)


@router.post("/anmelden", response_class=HTMLResponse)
def login(
    request: Request, session: SessionDep, settings: SettingsDep, principal: PrincipalDep, form: FormDep
) -> Response:
    email, password = text(form, "email"), form.get("password")
    target = safe_next(text(form, "weiter"), "")
    errors = FormErrors()
    if not email:
        errors.add("email", "Bitte die E-Mail-Adresse angeben.")
    if not isinstance(password, str) or not password:
        errors.add("password", "Bitte das Passwort angeben.")
    if errors:
        return _render_login(request, settings, email=email, target=target, errors=errors, status_code=422)
    assert isinstance(password, str)
    try:
        user = tenancy.authenticate(
            session,
            email=email,
            password=password,
            max_failures=settings.login_max_failures,
            lock_seconds=settings.login_lock_seconds,
        )
    except tenancy.LoginFailed as exc:
        # returning (not raising) lets the request commit the failure count that drives the lock-out
        errors.add("email", str(exc))
        return _render_login(
            request,
            settings,
            email=email,
            target=target,
            errors=errors,
            status_code=429 if exc.locked else 401,
        )
    old = request.cookies.get(web_session.SESSION_COOKIE)
    if old:
        tenancy.end_session(session, old)
    response = RedirectResponse(target or DEFAULT_TARGET, status_code=303)
    web_session.establish(response, session=session, user=user, settings=settings)
    return response


@router.post("/abmelden")
def logout(request: Request, session: SessionDep, principal: PrincipalDep) -> Response:
    response = RedirectResponse("/?hinweis=abgemeldet", status_code=303)
    web_session.end(request, response, session=session)
    return response


def _render_account(
    request: Request,
    session: Session,
    user: User,
    *,
    new_secret: str = "",
    token_name: str = "",
    errors: FormErrors | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    tokens = session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    ).all()
    memberships = sorted(user.memberships, key=lambda m: (m.municipality.name, m.role.value))
    return render(
        request,
        "account/account.html",
        {
            "active": "account",
            "user": user,
            "memberships": memberships,
            "tokens": tokens,
            "new_secret": new_secret,
            "token_name": token_name,
            "validities": TOKEN_VALIDITY_DAYS,
            "errors": errors or FormErrors(),
        },
        status_code=status_code,
    )


@router.get("/konto", response_class=HTMLResponse)
def account(request: Request, session: SessionDep, user: CurrentUserDep, principal: PrincipalDep) -> Response:
    if user is None:
        return login_redirect(request)
    return _render_account(request, session, user)


@router.post("/konto/tokens", response_class=HTMLResponse)
def create_token(
    request: Request, session: SessionDep, user: CurrentUserDep, principal: PrincipalDep, form: FormDep
) -> Response:
    if user is None:
        return login_redirect(request)
    name = text(form, "token_name")
    days = text(form, "valid_days")
    errors = FormErrors()
    if not name:
        errors.add("token_name", "Bitte einen Namen für das Token angeben (z. B. wofür Sie es nutzen).")
    if not days.isdigit() or int(days) not in TOKEN_VALIDITY_DAYS:
        errors.add("valid_days", "Bitte eine der angebotenen Gültigkeitsdauern wählen.")
    if errors:
        return _render_account(request, session, user, token_name=name, errors=errors, status_code=422)
    secret, _ = tenancy.create_api_token(session, user=user, name=name, valid_days=int(days))
    # the plain token exists only in this response; the database keeps its hash
    return _render_account(request, session, user, new_secret=secret)


@router.post("/konto/tokens/{token_id}/widerrufen")
def revoke_token(
    request: Request, token_id: int, session: SessionDep, user: CurrentUserDep, principal: PrincipalDep
) -> Response:
    if user is None:
        return login_redirect(request)
    tenancy.revoke_api_token(session, user=user, token_id=token_id)
    return RedirectResponse("/konto?hinweis=token_widerrufen", status_code=303)
