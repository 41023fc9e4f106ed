"""Guest invitations: a city's administration invites another municipality to read the forum for a while.

A guest municipality is one outside the network (kind ``guest``). While an invitation is active its staff read
forum-internal projects, events and discussions; they never write or comment. A guest municipality that is not
registered yet can be registered with its official keys when inviting it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from kikz import audit
from kikz.db import utcnow
from kikz.errors import Conflict, InvalidInput, NotFound
from kikz.tenancy import service as tenancy
from kikz.tenancy.models import Municipality
from kikz.tenancy.permissions import Action, PermissionDenied, Principal, allowed
from kikz.transfer.common import acting_city, city_by_slug, slugify
from kikz.transfer.models import ForumInvitation
from kikz.transfer.schemas import GuestMunicipalityIn, InvitationIn
from kikz.types import MunicipalityKind


def inviting_cities(session: Session, principal: Principal) -> list[Municipality]:
    rows = session.scalars(select(Municipality).order_by(Municipality.name))
    return [m for m in rows if allowed(principal, Action.FORUM_INVITE_GUEST, m)]


def guest_municipalities(session: Session) -> list[Municipality]:
    return list(
        session.scalars(
            select(Municipality).where(Municipality.kind == MunicipalityKind.GUEST).order_by(Municipality.name)
        )
    )


def is_active(invitation: ForumInvitation, now: dt.datetime | None = None) -> bool:
    return invitation.revoked_at is None and invitation.valid_until > (now or utcnow())


def list_invitations(session: Session, *, principal: Principal) -> list[ForumInvitation]:
    """All invitations for forum members; a guest sees the invitations of their own municipality."""
    stmt = select(ForumInvitation).order_by(ForumInvitation.created_at.desc())
    if not (principal.is_superuser or principal.network_cities):
        mine = principal.cities_with()
        if not mine:
            raise PermissionDenied(
                "Die Gästeliste sehen Mitarbeitende der Netzwerkstädte. / The guest list is for network staff."
            )
        stmt = stmt.where(ForumInvitation.municipality_id.in_(mine))
    return list(session.scalars(stmt))


def _register_guest(session: Session, principal: Principal, data: GuestMunicipalityIn) -> Municipality:
    if data.ars[:5] != data.ags[:5] or data.ars[-3:] != data.ags[-3:]:
        raise InvalidInput(
            "Der Regionalschlüssel passt nicht zum Gemeindeschlüssel (gleiche ersten fünf und letzten drei "
            "Ziffern). / The ARS does not match the AGS."
        )
    same = session.scalar(select(Municipality).where(Municipality.ags == data.ags))
    if same is not None:
        raise Conflict(
            f"{same.name} ist mit diesem Gemeindeschlüssel schon registriert; bitte aus der Liste wählen. / "
            "This municipality is already registered; please choose it from the list."
        )
    slug = slugify(data.name, limit=60)
    if session.scalar(select(Municipality.id).where(Municipality.slug == slug)) is not None:
        slug = f"{slug[:51]}-{data.ags}"
    city = tenancy.create_municipality(
        session,
        slug=slug,
        name=data.name,
        ags=data.ags,
        ars=data.ars,
        kind=MunicipalityKind.GUEST,
        official_name=data.official_name or data.name,
        email=str(data.email or ""),
    )
    audit.record(
        session,
        actor=principal,
        action="municipality.create",
        entity_type="municipality",
        entity_id=city.id,
        municipality_id=city.id,
        after={"slug": city.slug, "name": city.name, "ags": city.ags, "kind": city.kind.value},
    )
    return city


def invite(
    session: Session, *, principal: Principal, data: InvitationIn, now: dt.datetime | None = None
) -> ForumInvitation:
    cities = inviting_cities(session, principal)
    if not cities:
        raise PermissionDenied(
            "Gäste lädt die Administration einer Mitglieds- oder Partnerstadt ein. / "
            "Guests are invited by the administrators of a member or partner city."
        )
    host = acting_city(cities, data.invited_by, what="Gäste einladen")
    if (data.municipality is None) == (data.new_municipality is None):
        raise InvalidInput(
            "Bitte entweder eine registrierte Kommune wählen oder eine neue eintragen. / "
            "Choose a registered municipality or register a new one."
        )
    if data.new_municipality is not None:
        guest = _register_guest(session, principal, data.new_municipality)
    else:
        guest = city_by_slug(session, data.municipality or "")
    if guest.kind is not MunicipalityKind.GUEST:
        raise InvalidInput(
            f"{guest.name} gehört schon zum Netzwerk und braucht keine Einladung. / "
            "This municipality is already part of the network."
        )
    now = now or utcnow()
    active = session.scalar(
        select(ForumInvitation).where(
            ForumInvitation.municipality_id == guest.id,
            ForumInvitation.revoked_at.is_(None),
            ForumInvitation.valid_until > now,
        )
    )
    if active is not None:
        until = active.valid_until.astimezone(dt.UTC).strftime("%d.%m.%Y")
        raise Conflict(
            f"{guest.name} ist bereits bis {until} eingeladen. / {guest.name} is already invited until {until}."
        )
    invitation = ForumInvitation(
        municipality_id=guest.id,
        invited_by_municipality_id=host.id,
        invited_by_id=principal.user_id,
        message=data.message.strip(),
        created_at=now,
        valid_until=now + dt.timedelta(days=data.days),
    )
    session.add(invitation)
    session.flush()
    audit.record(
        session,
        actor=principal,
        action="forum.invitation.create",
        entity_type="forum_invitation",
        entity_id=invitation.id,
        municipality_id=host.id,
        after={"guest": guest.slug, "valid_until": invitation.valid_until.isoformat()},
    )
    return invitation


def revoke(session: Session, *, principal: Principal, invitation_id: int) -> ForumInvitation:
    invitation = session.get(ForumInvitation, invitation_id)
    if invitation is None:
        raise NotFound("Einladung nicht gefunden. / Invitation not found.")
    if not allowed(principal, Action.FORUM_INVITE_GUEST, invitation.invited_by_municipality_id):
        raise PermissionDenied(
            "Widerrufen darf die Administration der einladenden Stadt. / "
            "Only the inviting city's administrators may revoke."
        )
    if invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        invitation.revoked_by_id = principal.user_id
        session.flush()
        audit.record(
            session,
            actor=principal,
            action="forum.invitation.revoke",
            entity_type="forum_invitation",
            entity_id=invitation.id,
            municipality_id=invitation.invited_by_municipality_id,
            after={"revoked_at": invitation.revoked_at.isoformat()},
        )
    return invitation


def may_invite(session: Session, principal: Principal) -> bool:
    return bool(inviting_cities(session, principal))
