"""Demo content of the Citizen Lab: two upcoming workshops (Offenbach, Fulda) and a past one in Offenbach.

Everything goes through the services: the workshops are created as by the city's administration, the upcoming
Offenbach workshop gets three invented registrations through the public registration rules, and the past
workshop's registrations are removed by the same deletion run the periodic job performs, so the demo shows a
workshop whose data is already gone (only the number is left). Dates are relative to the time of loading.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from kikz.db import utcnow
from kikz.sensors.kpi import BERLIN
from kikz.tenancy.models import Municipality
from kikz.tenancy.permissions import Principal
from kikz.transparency import lab_workshops
from kikz.transparency.lab_models import AgeGroup, LabRegistration, LabWorkshop
from kikz.transparency.lab_schemas import RegistrationCreate, WorkshopCreate

LOADER = Principal(display_name="Demodaten", is_superuser=True)
"""Acts for a city without a demo administration account (production): a system actor, not a login."""

PARTICIPANTS = (
    ("Lina", AgeGroup.UNDER_16, "lina.demo@example.org", True),
    ("Mo", AgeGroup.FROM_16, "mo.demo@example.org", False),
    ("Sami", AgeGroup.UNDER_16, "sami.demo@example.org", True),
)
PAST_PARTICIPANTS = 4


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), BERLIN).astimezone(dt.UTC)


def _next(weekday: int, after: dt.date) -> dt.date:
    return after + dt.timedelta(days=(weekday - after.weekday()) % 7 or 7)


def _plan(today: dt.date) -> list[tuple[str, dict[str, object]]]:
    wednesday = _next(2, today + dt.timedelta(days=21))
    saturday = _next(5, today + dt.timedelta(days=35))
    past = _next(2, today - dt.timedelta(days=35))
    return [
        (
            "offenbach",
            {
                "title": "Radverkehr in Zahlen: Wir werten die Zählstelle Kaiserstraße aus",
                "description": "Wie viele Räder fahren über den neuen Radfahrstreifen? Wir holen die Zähldaten aus "
                "der offenen Schnittstelle, bauen eigene Diagramme und sprechen mit der Radverkehrsplanung.",
                "place": "Stadtbibliothek Offenbach, Herrnstraße 84, Raum 2.01",
                "starts_at": _at(wednesday, 15),
                "ends_at": _at(wednesday, 18),
                "capacity": 16,
                "registration_deadline": _at(wednesday - dt.timedelta(days=2), 0),
                "min_age": 12,
                "max_age": 16,
            },
        ),
        (
            "fulda",
            {
                "title": "Daten-Detektive: Was verraten offene Daten über Fulda?",
                "description": "Wir suchen im Datenkatalog, prüfen Tabellen auf personenbezogene Daten und "
                "präsentieren am Ende unsere eigene Daten-Geschichte.",
                "place": "Jugendkulturzentrum Kreuz, Kanalstraße 35, Fulda",
                "starts_at": _at(saturday, 10),
                "ends_at": _at(saturday, 14),
                "capacity": 20,
                "registration_deadline": _at(saturday - dt.timedelta(days=3), 0),
                "min_age": 14,
                "max_age": 18,
            },
        ),
        (
            "offenbach",
            {
                "title": "Schätzen, dann prüfen: Verkehrsdaten für Einsteiger",
                "description": "Der erste Citizen-Lab-Workshop: Wir haben geschätzt, gezählt und verglichen.",
                "place": "Stadtbibliothek Offenbach, Herrnstraße 84",
                "starts_at": _at(past, 15),
                "ends_at": _at(past, 17, 30),
                "capacity": 15,
                "registration_deadline": _at(past - dt.timedelta(days=1), 0),
                "min_age": 12,
                "max_age": 18,
            },
        ),
    ]


def load_lab_demo(
    session: Session, *, admins: Mapping[str, Principal] | None = None, now: dt.datetime | None = None
) -> int:
    """Create the demo workshops (once); returns how many were created. Never commits."""
    now = now or utcnow()
    if session.scalar(select(LabWorkshop.id).limit(1)) is not None:
        return 0
    slugs = {"offenbach", "fulda"}
    present = set(session.scalars(select(Municipality.slug).where(Municipality.slug.in_(slugs))))
    if present != slugs:
        return 0
    admins = admins or {}
    created: list[LabWorkshop] = []
    for slug, fields in _plan(now.astimezone(BERLIN).date()):
        data = WorkshopCreate.model_validate({"municipality": slug, **fields})
        created.append(lab_workshops.create_workshop(session, principal=admins.get(slug, LOADER), data=data))
    upcoming, _, past = created
    for name, group, email, parents in PARTICIPANTS:
        person = RegistrationCreate(name=name, age_group=group, email=email, consent=True, parental_consent=parents)
        lab_workshops.register(session, workshop_id=upcoming.id, data=person, now=now)
    # the past workshop had its registrations like any other, stored before its deadline
    for number in range(PAST_PARTICIPANTS):
        session.add(
            LabRegistration(
                workshop_id=past.id,
                name=f"Teilnehmende {number + 1}",
                age_group=AgeGroup.FROM_16 if number % 2 else AgeGroup.UNDER_16,
                email=f"teilnahme{number + 1}.demo@example.org",
                parental_consent=number % 2 == 0,
                consent_at=past.registration_deadline - dt.timedelta(days=5),
                created_at=past.registration_deadline - dt.timedelta(days=5),
                cancel_token_hash=lab_workshops.token_hash(f"demo-past-{past.id}-{number}"),
            )
        )
    session.flush()
    lab_workshops.delete_expired(session, now=now)
    return len(created)
