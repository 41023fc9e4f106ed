"""Forum pages: events (list, detail, forms, participation, discussion), guest invitations, the city comparison."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse, Response

from kikz.catalog.vocabularies import HVD_CATEGORIES
from kikz.db import utcnow
from kikz.errors import KikzError
from kikz.tenancy.models import Municipality
from kikz.tenancy.permissions import PermissionDenied, Principal
from kikz.transfer import access, comparison, events, invitations
from kikz.transfer import comments as comment_service
from kikz.transfer.forms import empty_event, event_input, event_values, values_from_event
from kikz.transfer.models import ForumEvent
from kikz.transfer.pages import done, login_to, service_error
from kikz.transfer.present import render_forum
from kikz.transfer.schemas import CommentIn, GuestMunicipalityIn, InvitationIn
from kikz.transfer.vocab import EventFormat, Visibility
from kikz.web.deps import PrincipalDep, SessionDep
from kikz.web.forms import FormErrors, errors_from_validation, login_redirect, text
from kikz.web.templating import language

router = APIRouter(include_in_schema=False)


@router.get("/forum/veranstaltungen", response_class=HTMLResponse)
def events_page(request: Request, session: SessionDep, principal: PrincipalDep) -> HTMLResponse:
    return render_forum(
        request,
        "transfer/events.html",
        {
            "upcoming": events.list_events(session, principal=principal, upcoming=True),
            "past": events.list_events(session, principal=principal, upcoming=False),
            "can_create": bool(access.contributor_cities(principal, session)),
        },
    )


def _event_context(session: Session, principal: Principal, event: ForumEvent, **extra: Any) -> dict[str, Any]:
    readers = access.reads_internal(session, principal)
    cities = events.participation_cities(session, principal)
    taking_part = {p.municipality_id for p in event.participants}
    context: dict[str, Any] = {
        "event": event,
        "presented": events.presented_projects(session, principal, event),
        "upcoming": event.ends_at >= utcnow(),
        "may_edit": access.may_edit(principal, [event.municipality_id]),
        "may_delete": access.may_moderate(principal, [event.municipality_id]),
        "join_cities": [c for c in cities if c.id not in taking_part],
        "leave_cities": [c for c in cities if c.id in taking_part],
        "reads_internal": readers,
        "comments": comment_service.list_comments(session, principal=principal, event=event) if readers else [],
        "comment_cities": access.comment_cities(principal, session),
        "may_remove": lambda c: comment_service.may_remove(principal, c, [event.municipality_id]),
        "comment_errors": FormErrors(),
        "comment_value": "",
    }
    context.update(extra)
    return context


@router.get("/forum/veranstaltungen/{slug}", response_class=HTMLResponse)
def event_page(request: Request, slug: str, session: SessionDep, principal: PrincipalDep) -> HTMLResponse:
    event = events.get_event(session, principal=principal, slug=slug)
    return render_forum(request, "transfer/event.html", _event_context(session, principal, event))


@router.post("/forum/veranstaltungen/{slug}/teilnahme", response_class=HTMLResponse)
async def participation(request: Request, slug: str, session: SessionDep, principal: PrincipalDep) -> Response:
    if principal.is_anonymous:
        return login_to(f"/forum/veranstaltungen/{slug}")
    form = await request.form()
    event = events.get_event(session, principal=principal, slug=slug)
    events.set_participation(
        session,
        principal=principal,
        event=event,
        city_slug=text(form, "municipality") or None,
        taking_part=text(form, "action") != "absagen",
    )
    return done(f"/forum/veranstaltungen/{slug}", "teilnahme", "#teilnehmende")


@router.post("/forum/veranstaltungen/{slug}/kommentare", response_class=HTMLResponse)
async def post_event_comment(request: Request, slug: str, session: SessionDep, principal: PrincipalDep) -> Response:
    if principal.is_anonymous:
        return login_to(f"/forum/veranstaltungen/{slug}")
    form = await request.form()
    body = text(form, "body")
    event = events.get_event(session, principal=principal, slug=slug)
    errors = FormErrors()
    try:
        data = CommentIn(body=body or " ", municipality=text(form, "municipality") or None)
        comment = comment_service.add_comment(session, principal=principal, data=data, event=event)
    except (KikzError, PermissionDenied) as exc:
        status = service_error(session, errors, exc, None if isinstance(exc, PermissionDenied) else "body")
        event = events.get_event(session, principal=principal, slug=slug)
        context = _event_context(session, principal, event, comment_errors=errors, comment_value=body)
        return render_forum(request, "transfer/event.html", context, status_code=status)
    return done(f"/forum/veranstaltungen/{slug}", "kommentiert", f"#kommentar-{comment.id}")


@router.post("/forum/veranstaltungen/{slug}/kommentare/{comment_id}/entfernen", response_class=HTMLResponse)
def remove_event_comment(slug: str, comment_id: int, session: SessionDep, principal: PrincipalDep) -> Response:
    if principal.is_anonymous:
        return login_to(f"/forum/veranstaltungen/{slug}")
    event = events.get_event(session, principal=principal, slug=slug)
    comment_service.remove_comment(session, principal=principal, comment_id=comment_id, event=event)
    return done(f"/forum/veranstaltungen/{slug}", "entfernt", "#diskussion")


# --- event forms -------------------------------------------------------------------------------------------------


def _event_options(session: Session, principal: Principal) -> dict[str, Any]:
    return {
        "host_cities": access.contributor_cities(principal, session),
        "all_cities": list(session.scalars(select(Municipality).order_by(Municipality.name))),
        "formats": list(EventFormat),
        "visibilities": list(Visibility),
    }


def _event_field(message: str) -> str | None:
    checks = (("Ende", "end_time"), ("drei Tage", "end_date"), ("Projekt", "agenda"), ("Kommune", "participants"))
    return next((name for word, name in checks if word in message), None)


@router.get("/forum/neue-veranstaltung", response_class=HTMLResponse)
def new_event_form(request: Request, session: SessionDep, principal: PrincipalDep) -> Response:
    if principal.is_anonymous:
        return login_redirect(request)
    options = _event_options(session, principal)
    if not options["host_cities"]:
        raise PermissionDenied(
            "Veranstaltungen tragen Mitarbeitende der Mitglieds- und Partnerstädte ein. / "
            "Events are entered by staff of member and partner cities."
        )
    values = empty_event(options["host_cities"][0].slug)
    context = {"values": values, "errors": FormErrors(), "event": None, **options}
    return render_forum(request, "transfer/event_form.html", context)


@router.post("/forum/neue-veranstaltung", response_class=HTMLResponse)
async def create_event(request: Request, session: SessionDep, principal: PrincipalDep) -> Response:
    if principal.is_anonymous:
        return login_redirect(request)
    values = event_values(await request.form())
    data, errors = event_input(values)
    status = 422
    if data is not None:
        try:
            event = events.create_event(session, principal=principal, data=data)
            return done(f"/forum/veranstaltungen/{event.slug}", "angelegt")
        except (KikzError, PermissionDenied) as exc:
            status = service_error(session, errors, exc, _event_field(exc.message))
    context = {"values": values, "errors": errors, "event": None, **_event_options(session, principal)}
    return render_forum(request, "transfer/event_form.html", context, status_code=status)


@router.get("/forum/veranstaltungen/{slug}/bearbeiten", response_class=HTMLResponse)
def edit_event_form(request: Request, slug: str, session: SessionDep, principal: PrincipalDep) -> Response:
    if principal.is_anonymous:
        return login_redirect(request)
    event = events.get_event(session, principal=principal, slug=slug)
    access.require_edit(principal, [event.municipality_id])
    slugs = {pid: p.slug for pid, p in events.presented_projects(session, principal, event).items()}
    context = {
        "values": values_from_event(event, slugs),
        "errors": FormErrors(),
        "event": event,
        **_event_options(session, principal),
    }
    return render_forum(request, "transfer/event_form.html", context)


@router.post("/forum/veranstaltungen/{slug}/bearbeiten", response_class=HTMLResponse)
async def edit_event(request: Request, slug: str, session: SessionDep, principal: PrincipalDep) -> Response:
    if principal.is_anonymous:
        return login_redirect(request)
    event = events.get_event(session, principal=principal, slug=slug)
    access.require_edit(principal, [event.municipality_id])
    values = event_values(await request.form())
    data, errors = event_input(values)
    status = 422
    if data is not None:
        try:
            events.update_event(session, principal=principal, event=event, data=data)
            return done(f"/forum/veranstaltungen/{event.slug}", "gespeichert")
        except (KikzError, PermissionDenied) as exc:
            status = service_error(session, errors, exc, _event_field(exc.message))
            event = events.get_event(session, principal=principal, slug=slug)
    context = {"values": values, "errors": errors, "event": event, **_event_options(session, principal)}
    return render_forum(request, "transfer/event_form.html", context, status_code=status)


@router.post("/forum/veranstaltungen/{slug}/loeschen", response_class=HTMLResponse)
def delete_event(slug: str, session: SessionDep, principal: PrincipalDep) -> Response:
    if principal.is_anonymous:
        return login_to(f"/forum/veranstaltungen/{slug}")
    event = events.get_event(session, principal=principal, slug=slug)
    events.delete_event(session, principal=principal, event=event)
    return done("/forum/veranstaltungen", "geloescht")


# --- guests ------------------------------------------------------------------------------------------------------

GUEST_FIELDS = ("invited_by", "municipality", "name", "official_name", "ags", "ars", "email", "days", "message")


def _guests_context(session: Session, principal: Principal, **extra: Any) -> dict[str, Any]:
    inviting = invitations.inviting_cities(session, principal)
    context: dict[str, Any] = {
        "invitations": invitations.list_invitations(session, principal=principal),
        "is_active": invitations.is_active,
        "inviting_cities": inviting,
        "guest_cities": invitations.guest_municipalities(session),
        "may_revoke": lambda inv: inv.invited_by_municipality_id in {c.id for c in inviting},
        "values": {name: "" for name in GUEST_FIELDS} | {"days": "365"},
        "errors": FormErrors(),
    }
    context.update(extra)
    return context


@router.get("/forum/gaeste", response_class=HTMLResponse)
def guests_page(request: Request, session: SessionDep, principal: PrincipalDep) -> Response:
    if principal.is_anonymous:
        return login_redirect(request)
    return render_forum(request, "transfer/guests.html", _guests_context(session, principal))


def _invitation_input(values: dict[str, str], errors: FormErrors) -> InvitationIn | None:
    new = None
    if values["municipality"] == "neu" or (not values["municipality"] and values["name"]):
        try:
            new = GuestMunicipalityIn.model_validate(
                {
                    k: values[k] or (None if k == "email" else "")
                    for k in ("name", "official_name", "ags", "ars", "email")
                }
            )
        except ValidationError as exc:
            for field, message in errors_from_validation(exc).items:
                if field in ("ags", "ars"):
                    message = {
                        "ags": "Bitte die 8 Ziffern des Gemeindeschlüssels angeben.",
                        "ars": "Bitte die 12 Ziffern des Regionalschlüssels angeben.",
                    }[field]
                errors.add(field, message)
            return None
    try:
        return InvitationIn(
            municipality=None if new else (values["municipality"] or None),
            new_municipality=new,
            invited_by=values["invited_by"] or None,
            message=values["message"],
            days=int(values["days"] or 365),
        )
    except ValueError:
        errors.add("days", "Bitte eine Gültigkeit von 1 bis 730 Tagen angeben.")
        return None


@router.post("/forum/gaeste", response_class=HTMLResponse)
async def invite_guest(request: Request, session: SessionDep, principal: PrincipalDep) -> Response:
    if principal.is_anonymous:
        return login_redirect(request)
    form = await request.form()
    values = {name: text(form, name) for name in GUEST_FIELDS}
    errors = FormErrors()
    data = _invitation_input(values, errors)
    status = 422
    if data is not None:
        try:
            invitations.invite(session, principal=principal, data=data)
            return done("/forum/gaeste", "eingeladen")
        except (KikzError, PermissionDenied) as exc:
            status = service_error(session, errors, exc, "municipality")
    context = _guests_context(session, principal, values=values, errors=errors)
    return render_forum(request, "transfer/guests.html", context, status_code=status)


@router.post("/forum/gaeste/{invitation_id}/widerrufen", response_class=HTMLResponse)
def revoke_guest(invitation_id: int, session: SessionDep, principal: PrincipalDep) -> Response:
    if principal.is_anonymous:
        return login_to("/forum/gaeste")
    invitations.revoke(session, principal=principal, invitation_id=invitation_id)
    return done("/forum/gaeste", "widerrufen")


# --- city comparison ---------------------------------------------------------------------------------------------


@router.get("/forum/staedtevergleich", response_class=HTMLResponse)
def comparison_page(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    von: Annotated[str | None, Query(max_length=10)] = None,
    bis: Annotated[str | None, Query(max_length=10)] = None,
) -> HTMLResponse:
    figures = comparison.compare_cities(session, principal=principal, von=von, bis=bis)
    lang = language(request)
    return render_forum(
        request,
        "transfer/comparison.html",
        {
            "figures": figures,
            "bands": comparison.BANDS,
            "modes": [m.value for m in comparison.MODES],
            "hvd_names": {code: names[1 if lang == "en" else 0] for code, names in HVD_CATEGORIES.items()},
            "anonymous": principal.is_anonymous,
        },
    )
