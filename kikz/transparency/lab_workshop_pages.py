"""Citizen Lab workshops: public dates and registration, self-service cancellation, the administration's pages.

A refused registration re-renders the form with the reason and the entered values; the transaction is rolled back
explicitly first, because the page is rendered, not raised. Pages that show a cancel link or participants are
never cached.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, RedirectResponse, Response

from kikz.errors import KikzError
from kikz.sensors.kpi import BERLIN
from kikz.tenancy.permissions import PermissionDenied, Principal
from kikz.transparency import lab_workshops
from kikz.transparency.lab_models import AgeGroup
from kikz.transparency.lab_pages import lab_render
from kikz.transparency.lab_schemas import RegistrationCreate, WorkshopCreate
from kikz.web.deps import PrincipalDep, SessionDep, SettingsDep
from kikz.web.forms import FormErrors, errors_from_validation, login_redirect, text

router = APIRouter(include_in_schema=False)

WorkshopId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Token = Annotated[str, Path(min_length=20, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
REGISTRATION_FIELDS = ("vorname", "altersgruppe", "email", "eltern", "einwilligung")
REGISTRATION_ALIASES = {
    "name": "vorname",
    "age_group": "altersgruppe",
    "email": "email",
    "consent": "einwilligung",
    "parental_consent": "eltern",
}
WORKSHOP_FIELDS = (
    "municipality",
    "title",
    "description",
    "ort",
    "datum",
    "beginn",
    "ende",
    "plaetze",
    "anmeldeschluss",
    "alter_von",
    "alter_bis",
)
WORKSHOP_ALIASES = {
    "place": "ort",
    "starts_at": "beginn",
    "ends_at": "ende",
    "capacity": "plaetze",
    "registration_deadline": "anmeldeschluss",
    "min_age": "alter_von",
    "max_age": "alter_bis",
}


MODEL_MESSAGE_FIELDS = {"Ende": "ende", "Anmeldeschluss": "anmeldeschluss", "Mindestalter": "alter_von"}


def _attached(errors: FormErrors, rules: dict[str, str]) -> list[tuple[str | None, str]]:
    """Messages of whole-form checks belong to the field they are about, so the summary links to it."""
    return [
        (field or next((name for word, name in rules.items() if word in message), None), message)
        for field, message in errors.items
    ]


async def _form(request: Request) -> FormData:
    return await request.form()


FormDep = Annotated[FormData, Depends(_form)]


def _no_store(response: HTMLResponse) -> HTMLResponse:
    response.headers["cache-control"] = "private, no-store"
    return response


# --- public -----------------------------------------------------------------------------------------------------


@router.get("/lab/workshops", response_class=HTMLResponse)
def workshop_list(request: Request, session: SessionDep, principal: PrincipalDep, settings: SettingsDep) -> Response:
    context = {
        "upcoming": lab_workshops.upcoming(session),
        "past": lab_workshops.past(session, limit=5),
        "may_manage": bool(lab_workshops.managed_cities(session, principal)),
    }
    return lab_render(request, settings, "lab/workshops.html", context)


def _registration_values(form: FormData | None = None) -> dict[str, Any]:
    if form is None:
        return {"vorname": "", "altersgruppe": "", "email": "", "eltern": False, "einwilligung": False}
    return {
        "vorname": text(form, "vorname"),
        "altersgruppe": text(form, "altersgruppe"),
        "email": text(form, "email"),
        "eltern": form.get("eltern") == "ja",
        "einwilligung": form.get("einwilligung") == "ja",
    }


def _workshop_page(
    request: Request,
    session: Session,
    workshop_id: int,
    *,
    values: dict[str, Any],
    errors: FormErrors,
    status_code: int = 200,
) -> HTMLResponse:
    view = lab_workshops.workshop_view(session, workshop_id)
    settings = request.app.state.settings
    context = {"view": view, "values": values, "errors": errors, "retention_days": lab_workshops.RETENTION_DAYS}
    return lab_render(request, settings, "lab/workshop.html", context, status_code=status_code)


@router.get("/lab/workshops/{workshop_id}", response_class=HTMLResponse)
def workshop_page(request: Request, workshop_id: WorkshopId, session: SessionDep, principal: PrincipalDep) -> Response:
    return _workshop_page(request, session, workshop_id, values=_registration_values(), errors=FormErrors())


def _service_error(session: Session, errors: FormErrors, exc: KikzError) -> int:
    session.rollback()
    field = "email" if "E-Mail" in exc.message else "altersgruppe" if "Jährige" in exc.message else None
    errors.add(field, exc.message)
    return exc.status_code


@router.post("/lab/workshops/{workshop_id}", response_class=HTMLResponse)
def register(
    request: Request, workshop_id: WorkshopId, session: SessionDep, principal: PrincipalDep, form: FormDep
) -> Response:
    values = _registration_values(form)
    errors = FormErrors()
    status_code = 422
    data: RegistrationCreate | None = None
    try:
        data = RegistrationCreate(
            name=values["vorname"],
            age_group=values["altersgruppe"] or None,
            email=values["email"],
            consent=values["einwilligung"],
            parental_consent=values["eltern"],
        )
    except ValidationError as exc:
        errors.items.extend(_attached(errors_from_validation(exc, REGISTRATION_ALIASES), {"Elternteil": "eltern"}))
    if data is not None:
        try:
            registration, token = lab_workshops.register(session, workshop_id=workshop_id, data=data)
        except KikzError as exc:
            status_code = _service_error(session, errors, exc)
        else:
            view = lab_workshops.workshop_view(session, workshop_id)
            settings = request.app.state.settings
            context = {
                "view": view,
                "registration": registration,
                "cancel_url": f"{settings.base_url.rstrip('/')}/lab/abmelden/{token}",
                "retention_days": lab_workshops.RETENTION_DAYS,
            }
            return _no_store(lab_render(request, settings, "lab/registered.html", context))
    errors.sort(REGISTRATION_FIELDS)
    return _workshop_page(request, session, workshop_id, values=values, errors=errors, status_code=status_code)


@router.get("/lab/abmelden/{token}", response_class=HTMLResponse)
def cancel_page(request: Request, token: Token, session: SessionDep, principal: PrincipalDep) -> Response:
    registration = lab_workshops.registration_for_token(session, token)
    view = lab_workshops.workshop_view(session, registration.workshop_id)
    settings = request.app.state.settings
    context = {"view": view, "token": token, "cancelled": False}
    return _no_store(lab_render(request, settings, "lab/cancel.html", context))


@router.post("/lab/abmelden/{token}", response_class=HTMLResponse)
def cancel(request: Request, token: Token, session: SessionDep, principal: PrincipalDep) -> Response:
    workshop = lab_workshops.cancel(session, token=token)
    view = lab_workshops.workshop_view(session, workshop.id)
    settings = request.app.state.settings
    return _no_store(lab_render(request, settings, "lab/cancel.html", {"view": view, "cancelled": True}))


# --- the city's administration ----------------------------------------------------------------------------------


def _require_manager(session: Session, principal: Principal) -> None:
    if not lab_workshops.managed_cities(session, principal):
        raise PermissionDenied(
            "Workshop-Termine verwaltet die Administration einer Kommune. / Only a city's administration manages "
            "workshop dates."
        )


@router.get("/lab/verwaltung", response_class=HTMLResponse)
def staff_home(request: Request, session: SessionDep, principal: PrincipalDep, settings: SettingsDep) -> Response:
    if principal.is_anonymous:
        return login_redirect(request)
    _require_manager(session, principal)
    context = {
        "workshops": lab_workshops.managed_workshops(session, principal),
        "retention_days": lab_workshops.RETENTION_DAYS,
    }
    return lab_render(request, settings, "lab/staff_index.html", context)


def _new_page(
    request: Request,
    session: Session,
    principal: Principal,
    values: dict[str, str],
    errors: FormErrors,
    status_code: int = 200,
) -> HTMLResponse:
    cities = lab_workshops.managed_cities(session, principal)
    context = {"values": values, "errors": errors, "cities": [(c.slug, c.name) for c in cities]}
    return lab_render(request, request.app.state.settings, "lab/staff_new.html", context, status_code=status_code)


@router.get("/lab/verwaltung/neu", response_class=HTMLResponse)
def new_workshop_form(request: Request, session: SessionDep, principal: PrincipalDep) -> Response:
    if principal.is_anonymous:
        return login_redirect(request)
    _require_manager(session, principal)
    values = {name: "" for name in WORKSHOP_FIELDS}
    values.update(plaetze="20", alter_von="12", alter_bis="18", beginn="15:00", ende="18:00")
    return _new_page(request, session, principal, values, FormErrors())


def _moment(day: str, time: str, errors: FormErrors, day_field: str, time_field: str) -> dt.datetime | None:
    try:
        date = dt.date.fromisoformat(day)
    except ValueError:
        errors.add(day_field, "Bitte ein Datum im Format JJJJ-MM-TT angeben. / Please give a date as YYYY-MM-DD.")
        return None
    try:
        clock = dt.time.fromisoformat(time)
    except ValueError:
        errors.add(time_field, "Bitte eine Uhrzeit im Format HH:MM angeben. / Please give a time as HH:MM.")
        return None
    return dt.datetime.combine(date, clock.replace(second=0, microsecond=0), BERLIN).astimezone(dt.UTC)


def _end_of_day(day: str, errors: FormErrors) -> dt.datetime | None:
    try:
        date = dt.date.fromisoformat(day)
    except ValueError:
        errors.add(
            "anmeldeschluss", "Bitte ein Datum im Format JJJJ-MM-TT angeben. / Please give a date as YYYY-MM-DD."
        )
        return None
    return dt.datetime.combine(date + dt.timedelta(days=1), dt.time(), BERLIN).astimezone(dt.UTC)


def _whole(raw: str, field: str, errors: FormErrors) -> int | None:
    if raw.isdigit() and len(raw) < 6:
        return int(raw)
    errors.add(field, "Bitte eine ganze Zahl angeben. / Please give a whole number.")
    return None


@router.post("/lab/verwaltung/neu", response_class=HTMLResponse)
def create_workshop(request: Request, session: SessionDep, principal: PrincipalDep, form: FormDep) -> Response:
    if principal.is_anonymous:
        return login_redirect(request)
    _require_manager(session, principal)
    values = {name: text(form, name) for name in WORKSHOP_FIELDS}
    errors = FormErrors()
    starts = _moment(values["datum"], values["beginn"], errors, "datum", "beginn")
    ends = _moment(values["datum"], values["ende"], errors, "datum", "ende") if starts else None
    deadline = _end_of_day(values["anmeldeschluss"], errors)
    numbers = {name: _whole(values[name], name, errors) for name in ("plaetze", "alter_von", "alter_bis")}
    status_code = 422
    if not errors and starts and ends and deadline:
        try:
            data = WorkshopCreate(
                municipality=values["municipality"],
                title=values["title"],
                description=values["description"],
                place=values["ort"],
                starts_at=starts,
                ends_at=ends,
                capacity=numbers["plaetze"],
                registration_deadline=min(deadline, starts),  # the deadline day may be the day of the workshop
                min_age=numbers["alter_von"],
                max_age=numbers["alter_bis"],
            )
        except ValidationError as exc:
            errors.items.extend(_attached(errors_from_validation(exc, WORKSHOP_ALIASES), MODEL_MESSAGE_FIELDS))
        else:
            try:
                workshop = lab_workshops.create_workshop(session, principal=principal, data=data)
            except (KikzError, PermissionDenied) as exc:
                session.rollback()
                errors.add("municipality", exc.message)
                status_code = exc.status_code if isinstance(exc, KikzError) else 403
            else:
                return RedirectResponse(f"/lab/verwaltung/workshops/{workshop.id}?neu=1", status_code=303)
    errors.sort(WORKSHOP_FIELDS)
    return _new_page(request, session, principal, values, errors, status_code)


@router.get("/lab/verwaltung/workshops/{workshop_id}", response_class=HTMLResponse)
def staff_workshop(
    request: Request, workshop_id: WorkshopId, session: SessionDep, principal: PrincipalDep, settings: SettingsDep
) -> Response:
    if principal.is_anonymous:
        return login_redirect(request)
    participants = lab_workshops.registrations(session, principal=principal, workshop_id=workshop_id)
    view = lab_workshops.workshop_view(session, workshop_id)
    context = {
        "view": view,
        "participants": participants,
        "under_16": AgeGroup.UNDER_16,
        "created": request.query_params.get("neu") == "1",
        "removed": request.query_params.get("geloescht") == "1",
    }
    return _no_store(lab_render(request, settings, "lab/staff_workshop.html", context))


@router.post("/lab/verwaltung/workshops/{workshop_id}/anmeldungen/{registration_id}/loeschen")
def remove_registration(
    request: Request,
    workshop_id: WorkshopId,
    registration_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    session: SessionDep,
    principal: PrincipalDep,
) -> Response:
    if principal.is_anonymous:
        return login_redirect(request)
    lab_workshops.remove_registration(
        session, principal=principal, workshop_id=workshop_id, registration_id=registration_id
    )
    return RedirectResponse(f"/lab/verwaltung/workshops/{workshop_id}?geloescht=1", status_code=303)
