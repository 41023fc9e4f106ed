"""Citizen Lab workshops: dates set by a city's administration, registration with as little data as possible.

Rules a registration must pass, each with a clear message: the deadline has not passed, there is a free place,
the age group fits the workshop, this e-mail address is not registered for it yet, consent (and, under 16, the
consent of a parent) was given. Registrations are deleted ``RETENTION_DAYS`` after the event by the periodic job
``DELETE_JOB``; the audit log records counts and age groups only, never names or addresses.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kikz import audit
from kikz.db import utcnow
from kikz.errors import Conflict, InvalidInput, NotFound
from kikz.sensors.kpi import BERLIN
from kikz.tenancy.models import Municipality
from kikz.tenancy.permissions import PermissionDenied, Principal
from kikz.transparency.lab_models import AgeGroup, LabRegistration, LabWorkshop
from kikz.transparency.lab_schemas import RegistrationCreate, WorkshopCreate, WorkshopPublic
from kikz.types import Role

RETENTION_DAYS = 7
"""Registrations are kept this many days after the end of the event (questions, lost property), then deleted."""
DELETE_JOB = "lab.delete_registrations"
DELETE_INTERVAL_SECONDS = 3600
MANAGING_ROLES = (Role.ADMIN,)


# --- who may manage ---------------------------------------------------------------------------------------------


def may_manage(principal: Principal, municipality_id: int) -> bool:
    """The city's administration (and platform superusers) set workshop dates and see registrations."""
    return principal.is_superuser or principal.has_role(municipality_id, *MANAGING_ROLES)


def managed_cities(session: Session, principal: Principal) -> list[Municipality]:
    if principal.is_anonymous:
        return []
    stmt = select(Municipality).order_by(Municipality.name)
    if not principal.is_superuser:
        stmt = stmt.where(Municipality.id.in_(principal.cities_with(*MANAGING_ROLES)))
    return list(session.scalars(stmt))


def _require_manage(principal: Principal, workshop: LabWorkshop) -> None:
    if not may_manage(principal, workshop.municipality_id):
        raise PermissionDenied("Workshops dieser Kommune verwaltet deren Administration. / Not your city's workshops.")


# --- reading ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkshopView:
    workshop: LabWorkshop
    registered: int
    now: dt.datetime

    @property
    def free_places(self) -> int:
        return max(0, self.workshop.capacity - self.registered)

    @property
    def past(self) -> bool:
        return self.workshop.ends_at <= self.now

    @property
    def deadline_passed(self) -> bool:
        return self.now >= self.workshop.registration_deadline

    @property
    def registration_open(self) -> bool:
        return not self.deadline_passed and self.free_places > 0

    @property
    def deletion_due(self) -> dt.datetime:
        return self.workshop.ends_at + dt.timedelta(days=RETENTION_DAYS)

    def public(self, base_url: str = "") -> WorkshopPublic:
        w = self.workshop
        return WorkshopPublic(
            id=w.id,
            city=w.municipality.slug,
            city_name=w.municipality.name,
            title=w.title,
            description=w.description,
            place=w.place,
            starts_at=w.starts_at,
            ends_at=w.ends_at,
            registration_deadline=w.registration_deadline,
            registration_open=self.registration_open,
            capacity=w.capacity,
            free_places=self.free_places,
            min_age=w.min_age,
            max_age=w.max_age,
            url=f"{base_url.rstrip('/')}/lab/workshops/{w.id}",
        )


def _counts(session: Session, ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    rows = session.execute(
        select(LabRegistration.workshop_id, func.count())
        .where(LabRegistration.workshop_id.in_(ids))
        .group_by(LabRegistration.workshop_id)
    )
    return {int(w): int(n) for w, n in rows}


def _views(session: Session, workshops: list[LabWorkshop], now: dt.datetime) -> list[WorkshopView]:
    counts = _counts(session, [w.id for w in workshops])
    return [WorkshopView(w, counts.get(w.id, 0), now) for w in workshops]


def upcoming(session: Session, *, now: dt.datetime | None = None, city: str | None = None) -> list[WorkshopView]:
    """Workshops that have not ended yet, soonest first (public)."""
    now = now or utcnow()
    stmt = select(LabWorkshop).where(LabWorkshop.ends_at > now).order_by(LabWorkshop.starts_at, LabWorkshop.id)
    if city:
        stmt = stmt.join(Municipality, Municipality.id == LabWorkshop.municipality_id).where(Municipality.slug == city)
    return _views(session, list(session.scalars(stmt)), now)


def past(session: Session, *, now: dt.datetime | None = None, limit: int = 10) -> list[WorkshopView]:
    now = now or utcnow()
    stmt = select(LabWorkshop).where(LabWorkshop.ends_at <= now).order_by(LabWorkshop.starts_at.desc()).limit(limit)
    return _views(session, list(session.scalars(stmt)), now)


def workshop_view(session: Session, workshop_id: int, *, now: dt.datetime | None = None) -> WorkshopView:
    workshop = session.get(LabWorkshop, workshop_id)
    if workshop is None:
        raise NotFound("Diesen Workshop gibt es nicht. / Workshop not found.")
    return _views(session, [workshop], now or utcnow())[0]


def managed_workshops(session: Session, principal: Principal, *, now: dt.datetime | None = None) -> list[WorkshopView]:
    """Every workshop of the cities the principal administers, newest first."""
    ids = [c.id for c in managed_cities(session, principal)]
    if not ids:
        return []
    stmt = (
        select(LabWorkshop)
        .where(LabWorkshop.municipality_id.in_(ids))
        .order_by(LabWorkshop.starts_at.desc(), LabWorkshop.id.desc())
    )
    return _views(session, list(session.scalars(stmt)), now or utcnow())


def registrations(session: Session, *, principal: Principal, workshop_id: int) -> list[LabRegistration]:
    """The participant list, for the city's administration only."""
    workshop = session.get(LabWorkshop, workshop_id)
    if workshop is None:
        raise NotFound("Diesen Workshop gibt es nicht. / Workshop not found.")
    _require_manage(principal, workshop)
    return list(
        session.scalars(
            select(LabRegistration).where(LabRegistration.workshop_id == workshop_id).order_by(LabRegistration.id)
        )
    )


# --- writing ----------------------------------------------------------------------------------------------------


def _public_fields(workshop: LabWorkshop) -> dict[str, Any]:
    return {
        "title": workshop.title,
        "place": workshop.place,
        "starts_at": workshop.starts_at.isoformat(),
        "ends_at": workshop.ends_at.isoformat(),
        "capacity": workshop.capacity,
        "registration_deadline": workshop.registration_deadline.isoformat(),
        "ages": [workshop.min_age, workshop.max_age],
    }


def create_workshop(session: Session, *, principal: Principal, data: WorkshopCreate) -> LabWorkshop:
    city = session.scalar(select(Municipality).where(Municipality.slug == data.municipality))
    if city is None:
        raise InvalidInput("Diese Kommune gibt es nicht. / Unknown municipality.")
    if not may_manage(principal, city.id):
        raise PermissionDenied("Workshops dieser Kommune verwaltet deren Administration. / Not your city's workshops.")
    workshop = LabWorkshop(
        municipality_id=city.id,
        title=data.title,
        description=data.description,
        place=data.place,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        capacity=data.capacity,
        registration_deadline=data.registration_deadline,
        min_age=data.min_age,
        max_age=data.max_age,
        created_by_id=principal.user_id,
    )
    session.add(workshop)
    session.flush()
    audit.record(
        session,
        actor=principal,
        action="lab.workshop_created",
        entity_type="lab_workshop",
        entity_id=workshop.id,
        municipality_id=city.id,
        after=_public_fields(workshop),
    )
    return workshop


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _local_date(moment: dt.datetime) -> str:
    return moment.astimezone(BERLIN).strftime("%d.%m.%Y, %H:%M Uhr")


def register(
    session: Session, *, workshop_id: int, data: RegistrationCreate, now: dt.datetime | None = None
) -> tuple[LabRegistration, str]:
    """Store one registration; returns it and the secret token of its cancel link (shown once, kept hashed).

    The workshop row is locked first (PostgreSQL), so two last-minute registrations cannot both take the last place.
    """
    now = now or utcnow()
    workshop = session.scalar(select(LabWorkshop).where(LabWorkshop.id == workshop_id).with_for_update(of=LabWorkshop))
    if workshop is None:
        raise NotFound("Diesen Workshop gibt es nicht. / Workshop not found.")
    if now >= workshop.registration_deadline:
        raise Conflict(
            f"Die Anmeldefrist ist abgelaufen (Anmeldeschluss {_local_date(workshop.registration_deadline)}). "
            "Eine Anmeldung ist nicht mehr möglich. / The registration deadline has passed."
        )
    if data.age_group == AgeGroup.UNDER_16 and workshop.min_age >= 16:
        raise InvalidInput(
            f"Dieser Workshop ist für {workshop.min_age}- bis {workshop.max_age}-Jährige. "
            f"/ This workshop is for ages {workshop.min_age} to {workshop.max_age}."
        )
    if data.age_group == AgeGroup.FROM_16 and workshop.max_age < 16:
        raise InvalidInput(
            f"Dieser Workshop ist für {workshop.min_age}- bis {workshop.max_age}-Jährige. "
            f"/ This workshop is for ages {workshop.min_age} to {workshop.max_age}."
        )
    duplicate = session.scalar(
        select(LabRegistration.id).where(
            LabRegistration.workshop_id == workshop.id, LabRegistration.email == data.email
        )
    )
    if duplicate is not None:
        raise Conflict(_DUPLICATE)
    taken = _counts(session, [workshop.id]).get(workshop.id, 0)
    if taken >= workshop.capacity:
        raise Conflict(
            "Der Workshop ist leider ausgebucht; alle Plätze sind vergeben. / Sorry, the workshop is fully booked."
        )
    token = secrets.token_urlsafe(24)
    registration = LabRegistration(
        workshop_id=workshop.id,
        name=data.name,
        age_group=data.age_group,
        email=data.email,
        consent_at=now,
        parental_consent=data.parental_consent,
        cancel_token_hash=token_hash(token),
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(registration)
    except IntegrityError as exc:  # a parallel request with the same address won the race
        raise Conflict(_DUPLICATE) from exc
    audit.record(
        session,
        actor=None,
        action="lab.registration_created",
        entity_type="lab_workshop",
        entity_id=workshop.id,
        municipality_id=workshop.municipality_id,
        after={"age_group": data.age_group.value, "registered": taken + 1, "capacity": workshop.capacity},
    )
    return registration, token


_DUPLICATE = (
    "Mit dieser E-Mail-Adresse ist schon jemand für diesen Workshop angemeldet. Eine zweite Anmeldung ist nicht "
    "nötig. / This e-mail address is already registered for this workshop."
)


def registration_for_token(session: Session, token: str) -> LabRegistration:
    found = session.scalar(select(LabRegistration).where(LabRegistration.cancel_token_hash == token_hash(token)))
    if found is None:
        raise NotFound(
            "Diese Anmeldung gibt es nicht (mehr): Sie wurde schon abgesagt oder nach dem Workshop gelöscht. "
            "/ This registration no longer exists."
        )
    return found


def cancel(session: Session, *, token: str) -> LabWorkshop:
    """The participant withdraws: the registration is deleted at once."""
    registration = registration_for_token(session, token)
    workshop = registration.workshop
    session.delete(registration)
    session.flush()
    audit.record(
        session,
        actor=None,
        action="lab.registration_cancelled",
        entity_type="lab_workshop",
        entity_id=workshop.id,
        municipality_id=workshop.municipality_id,
        after={"registered": _counts(session, [workshop.id]).get(workshop.id, 0)},
    )
    return workshop


def remove_registration(session: Session, *, principal: Principal, workshop_id: int, registration_id: int) -> None:
    """The administration deletes one registration (e.g. on request by phone)."""
    registration = session.get(LabRegistration, registration_id)
    if registration is None or registration.workshop_id != workshop_id:
        raise NotFound("Diese Anmeldung gibt es nicht (mehr). / Registration not found.")
    workshop = registration.workshop
    _require_manage(principal, workshop)
    session.delete(registration)
    session.flush()
    audit.record(
        session,
        actor=principal,
        action="lab.registration_removed",
        entity_type="lab_workshop",
        entity_id=workshop.id,
        municipality_id=workshop.municipality_id,
        after={"registered": _counts(session, [workshop.id]).get(workshop.id, 0)},
    )


def delete_expired(session: Session, *, now: dt.datetime | None = None) -> int:
    """Delete the registrations of workshops that ended more than ``RETENTION_DAYS`` ago; returns how many."""
    now = now or utcnow()
    cutoff = now - dt.timedelta(days=RETENTION_DAYS)
    due = list(
        session.scalars(
            select(LabWorkshop)
            .where(LabWorkshop.ends_at <= cutoff, LabWorkshop.registrations_deleted_at.is_(None))
            .order_by(LabWorkshop.id)
        )
    )
    total = 0
    for workshop in due:
        removed = session.execute(delete(LabRegistration).where(LabRegistration.workshop_id == workshop.id))
        count = int(removed.rowcount or 0)  # type: ignore[attr-defined]
        workshop.deleted_registrations += count
        workshop.registrations_deleted_at = now
        total += count
        audit.record(
            session,
            actor=None,
            action="lab.registrations_deleted",
            entity_type="lab_workshop",
            entity_id=workshop.id,
            municipality_id=workshop.municipality_id,
            after={"deleted": count, "retention_days": RETENTION_DAYS},
        )
    session.flush()
    session.expire_all()  # bulk delete: relationship collections loaded before must not show deleted rows
    return total


def delete_job(session: Session, payload: dict[str, Any]) -> None:
    """Handler of the periodic ``DELETE_JOB``."""
    delete_expired(session)
