"""Events of the Digital Forum format: date and place, agenda, materials and the cities taking part.

Times are entered in local time (Europe/Berlin) and stored in UTC. The host city's staff create and edit an
event; staff of any member or partner city register their city for an upcoming one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from kikz import audit
from kikz.db import utcnow
from kikz.errors import Conflict, InvalidInput, NotFound
from kikz.tenancy.models import Municipality
from kikz.tenancy.permissions import Action, PermissionDenied, Principal, allowed
from kikz.transfer import access
from kikz.transfer.common import acting_city, city_by_slug, unique_slug
from kikz.transfer.models import ForumAgendaItem, ForumEvent, ForumEventCity, ForumMaterial, ForumProject
from kikz.transfer.projects import get_project
from kikz.transfer.schemas import EventIn

BERLIN = ZoneInfo("Europe/Berlin")
MAX_DURATION = dt.timedelta(days=3)


def local(moment: dt.datetime) -> dt.datetime:
    """An entered time as UTC: without an offset it is local time in Hessen."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=BERLIN)
    return moment.astimezone(dt.UTC)


def visible_events(session: Session, principal: Principal) -> Select[ForumEvent]:
    return select(ForumEvent).where(access.visible_condition(session, principal, ForumEvent.visibility))


def get_event(session: Session, *, principal: Principal, slug: str) -> ForumEvent:
    event = session.scalar(visible_events(session, principal).where(ForumEvent.slug == slug))
    if event is None:
        raise NotFound("Veranstaltung nicht gefunden. / Event not found.")
    return event


def list_events(
    session: Session, *, principal: Principal, upcoming: bool | None = None, now: dt.datetime | None = None
) -> list[ForumEvent]:
    """Visible events; upcoming ones (not yet ended) soonest first, past ones latest first."""
    now = now or utcnow()
    stmt = visible_events(session, principal)
    if upcoming is True:
        return list(session.scalars(stmt.where(ForumEvent.ends_at >= now).order_by(ForumEvent.starts_at)))
    if upcoming is False:
        return list(session.scalars(stmt.where(ForumEvent.ends_at < now).order_by(ForumEvent.starts_at.desc())))
    return list(session.scalars(stmt.order_by(ForumEvent.starts_at.desc())))


def snapshot(event: ForumEvent) -> dict[str, Any]:
    return {
        "slug": event.slug,
        "title": event.title,
        "host": event.municipality_id,
        "visibility": event.visibility.value,
        "format": event.format.value,
        "location": event.location,
        "starts_at": event.starts_at.isoformat(),
        "ends_at": event.ends_at.isoformat(),
        "agenda": len(event.agenda),
        "materials": [m.url for m in event.materials],
        "participants": sorted(p.municipality_id for p in event.participants),
    }


def _apply(session: Session, principal: Principal, event: ForumEvent, data: EventIn) -> None:
    starts, ends = local(data.starts_at), local(data.ends_at)
    if ends <= starts:
        raise InvalidInput("Das Ende liegt vor dem Beginn. / The event ends before it starts.")
    if ends - starts > MAX_DURATION:
        raise InvalidInput("Eine Veranstaltung dauert höchstens drei Tage. / An event lasts at most three days.")
    event.title = data.title
    event.description = data.description
    event.visibility = data.visibility
    event.format = data.format
    event.location = data.location
    event.starts_at, event.ends_at = starts, ends
    agenda = []
    for position, item in enumerate(data.agenda, start=1):
        project_id = None
        if item.project:
            try:
                project_id = get_project(session, principal=principal, slug=item.project).id
            except NotFound:
                raise InvalidInput(
                    f"Programmpunkt {position}: Projekt „{item.project[:80]}“ nicht gefunden. / "
                    f"Agenda item {position}: project not found."
                ) from None
        agenda.append(
            ForumAgendaItem(
                position=position,
                start_time=item.time,
                title=item.title.strip(),
                speaker=item.speaker.strip(),
                project_id=project_id,
            )
        )
    event.agenda = agenda
    event.materials = [
        ForumMaterial(position=i, title=m.title.strip(), url=m.url, kind=m.kind)
        for i, m in enumerate(data.materials, start=1)
    ]
    wanted = list(dict.fromkeys(city_by_slug(session, slug).id for slug in data.participants))
    current = {p.municipality_id for p in event.participants}
    event.participants = [p for p in event.participants if p.municipality_id in wanted] + [
        ForumEventCity(municipality_id=c) for c in wanted if c not in current
    ]
    event.updated_at = utcnow()


def create_event(session: Session, *, principal: Principal, data: EventIn) -> ForumEvent:
    host = city_by_slug(session, data.municipality)
    access.require_city(principal, Action.FORUM_CONTRIBUTE, host)
    event = ForumEvent(
        slug=unique_slug(session, ForumEvent.slug, data.title),
        municipality_id=host.id,
        created_by_id=principal.user_id,
    )
    session.add(event)
    _apply(session, principal, event, data)
    session.flush()
    audit.record(
        session,
        actor=principal,
        action="forum.event.create",
        entity_type="forum_event",
        entity_id=event.id,
        municipality_id=host.id,
        after=snapshot(event),
    )
    return event


def update_event(session: Session, *, principal: Principal, event: ForumEvent, data: EventIn) -> ForumEvent:
    access.require_edit(principal, [event.municipality_id])
    host = city_by_slug(session, data.municipality)
    if host.id != event.municipality_id:
        access.require_city(principal, Action.FORUM_CONTRIBUTE, host)
        event.municipality_id = host.id
    before = snapshot(event)
    _apply(session, principal, event, data)
    session.flush()
    audit.record(
        session,
        actor=principal,
        action="forum.event.update",
        entity_type="forum_event",
        entity_id=event.id,
        municipality_id=event.municipality_id,
        before=before,
        after=snapshot(event),
    )
    return event


def delete_event(session: Session, *, principal: Principal, event: ForumEvent) -> None:
    if not access.may_moderate(principal, [event.municipality_id]):
        raise PermissionDenied(
            "Veranstaltungen löscht die Administration der gastgebenden Stadt. / "
            "Events are deleted by the host city's administrators."
        )
    audit.record(
        session,
        actor=principal,
        action="forum.event.delete",
        entity_type="forum_event",
        entity_id=event.id,
        municipality_id=event.municipality_id,
        before=snapshot(event),
    )
    session.delete(event)
    session.flush()


def participation_cities(session: Session, principal: Principal) -> list[Municipality]:
    return access.contributor_cities(principal, session)


def set_participation(
    session: Session,
    *,
    principal: Principal,
    event: ForumEvent,
    city_slug: str | None,
    taking_part: bool,
    now: dt.datetime | None = None,
) -> None:
    """Register (or withdraw) the caller's city for an event that has not ended yet."""
    if event.ends_at < (now or utcnow()):
        raise Conflict(
            "Die Veranstaltung ist vorbei; die Teilnehmenden trägt die gastgebende Stadt nach. / "
            "The event is over; the host city keeps the list of participants."
        )
    cities = participation_cities(session, principal)
    if not cities:
        raise PermissionDenied(
            "Teilnahme melden Mitarbeitende der Mitglieds- und Partnerstädte. / "
            "Participation is registered by staff of member and partner cities."
        )
    city = acting_city(cities, city_slug, what="die Teilnahme melden")
    assert allowed(principal, Action.FORUM_CONTRIBUTE, city)
    current = next((p for p in event.participants if p.municipality_id == city.id), None)
    if taking_part and current is None:
        event.participants.append(ForumEventCity(municipality_id=city.id))
    elif not taking_part and current is not None:
        event.participants.remove(current)
    else:
        return
    session.flush()
    audit.record(
        session,
        actor=principal,
        action="forum.event.participation",
        entity_type="forum_event",
        entity_id=event.id,
        municipality_id=city.id,
        after={"city": city.slug, "taking_part": taking_part},
    )


def presented_projects(session: Session, principal: Principal, event: ForumEvent) -> dict[int, ForumProject]:
    """The agenda's projects the caller may see, by id (others are shown without a link)."""
    ids = [item.project_id for item in event.agenda if item.project_id is not None]
    if not ids:
        return {}
    stmt = select(ForumProject).where(
        ForumProject.id.in_(ids), access.visible_condition(session, principal, ForumProject.visibility)
    )
    return {p.id: p for p in session.scalars(stmt)}
