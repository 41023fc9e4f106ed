"""Citizen Lab workshops: dates by the city's administration, registration rules, deletion after the event,
and that participants' data appears nowhere public (pages, API, catalogue exports, audit log)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kikz import jobs
from kikz.audit import AuditEntry
from kikz.db import utcnow
from kikz.errors import Conflict, InvalidInput
from kikz.settings import Settings
from kikz.tenancy.permissions import PermissionDenied, principal_for
from kikz.transparency import lab_demo, lab_workshops
from kikz.transparency.lab_models import AgeGroup, LabRegistration, LabWorkshop
from kikz.transparency.lab_schemas import RegistrationCreate, WorkshopCreate
from kikz.types import Role
from kikz.worker import PERIODIC_JOBS, job_handlers
from tests import factories
from tests.webutil import csrf_token, login, parse

BERLIN = dt.timezone(dt.timedelta(hours=1))


def _workshop(
    session: Session,
    *,
    city: str = "offenbach",
    starts_in: dt.timedelta = dt.timedelta(days=20),
    deadline_before: dt.timedelta = dt.timedelta(days=2),
    capacity: int = 10,
    ages: tuple[int, int] = (12, 18),
) -> LabWorkshop:
    factories.city(session, city)
    starts = (utcnow() + starts_in).replace(microsecond=0)
    data = WorkshopCreate(
        municipality=city,
        title="Daten-Detektive",
        place="Stadtbibliothek, Raum 2",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=3),
        capacity=capacity,
        registration_deadline=starts - deadline_before,
        min_age=ages[0],
        max_age=ages[1],
    )
    workshop = lab_workshops.create_workshop(session, principal=factories.admin_principal(session), data=data)
    session.commit()
    return workshop


def _registration(name: str = "Lena", email: str = "lena@example.org", **changes: object) -> RegistrationCreate:
    values: dict[str, object] = {
        "name": name,
        "age_group": AgeGroup.FROM_16,
        "email": email,
        "consent": True,
        "parental_consent": False,
    }
    values.update(changes)
    return RegistrationCreate.model_validate(values)


# --- registration rules (service) ---------------------------------------------------------------------------------


def test_registration_stores_only_what_is_needed(session: Session) -> None:
    workshop = _workshop(session)
    registration, token = lab_workshops.register(
        session, workshop_id=workshop.id, data=_registration(email="  Lena.K@Example.ORG ")
    )
    session.commit()
    assert registration.email == "lena.k@example.org"
    assert registration.cancel_token_hash == lab_workshops.token_hash(token) != token
    columns = set(LabRegistration.__table__.columns.keys())
    assert columns == {
        "id",
        "workshop_id",
        "name",
        "age_group",
        "email",
        "consent_at",
        "parental_consent",
        "cancel_token_hash",
        "created_at",
    }


def test_duplicate_email_is_refused_with_a_clear_message(session: Session) -> None:
    workshop = _workshop(session)
    lab_workshops.register(session, workshop_id=workshop.id, data=_registration())
    with pytest.raises(Conflict, match="schon jemand für diesen Workshop angemeldet"):
        lab_workshops.register(session, workshop_id=workshop.id, data=_registration("Lenchen", "LENA@example.org"))
    other = _workshop(session, city="fulda")
    lab_workshops.register(session, workshop_id=other.id, data=_registration())  # another workshop is fine
    assert session.scalar(select(func.count()).select_from(LabRegistration)) == 2


def test_full_and_late_registrations_are_refused(session: Session) -> None:
    small = _workshop(session, capacity=2)
    lab_workshops.register(session, workshop_id=small.id, data=_registration("A", "a@example.org"))
    lab_workshops.register(session, workshop_id=small.id, data=_registration("B", "b@example.org"))
    with pytest.raises(Conflict, match="ausgebucht"):
        lab_workshops.register(session, workshop_id=small.id, data=_registration("C", "c@example.org"))

    workshop = _workshop(session, city="fulda")
    after_deadline = workshop.registration_deadline + dt.timedelta(seconds=1)
    with pytest.raises(Conflict, match="Anmeldefrist ist abgelaufen"):
        lab_workshops.register(session, workshop_id=workshop.id, data=_registration(), now=after_deadline)
    just_before = workshop.registration_deadline - dt.timedelta(seconds=1)
    lab_workshops.register(session, workshop_id=workshop.id, data=_registration(), now=just_before)


def test_age_group_and_parental_consent(session: Session) -> None:
    with pytest.raises(ValueError, match="Elternteil"):
        _registration(age_group=AgeGroup.UNDER_16)
    with pytest.raises(ValueError, match="Einwilligung"):
        _registration(consent=False)
    with pytest.raises(ValueError, match="keine E-Mail-Adresse"):
        _registration(name="lena@example.org")
    older = _workshop(session, ages=(16, 21))
    with pytest.raises(InvalidInput, match="16- bis 21-Jährige"):
        lab_workshops.register(
            session, workshop_id=older.id, data=_registration(age_group=AgeGroup.UNDER_16, parental_consent=True)
        )
    younger = _workshop(session, city="fulda", ages=(10, 14))
    with pytest.raises(InvalidInput, match="10- bis 14-Jährige"):
        lab_workshops.register(session, workshop_id=younger.id, data=_registration())
    child = _registration(age_group=AgeGroup.UNDER_16, parental_consent=True)
    assert lab_workshops.register(session, workshop_id=younger.id, data=child)[0].parental_consent


def test_workshop_input_is_checked() -> None:
    starts = dt.datetime(2026, 3, 4, 15, tzinfo=BERLIN)
    base = {
        "municipality": "offenbach",
        "title": "Daten-Detektive",
        "place": "Stadtbibliothek",
        "starts_at": starts,
        "ends_at": starts + dt.timedelta(hours=2),
        "capacity": 10,
        "registration_deadline": starts - dt.timedelta(days=1),
        "min_age": 12,
        "max_age": 16,
    }
    WorkshopCreate.model_validate(base)
    for change, message in (
        ({"ends_at": starts}, "Ende"),
        ({"registration_deadline": starts + dt.timedelta(minutes=1)}, "Anmeldeschluss"),
        ({"min_age": 17}, "Mindestalter"),
        ({"capacity": 0}, "greater than or equal"),
    ):
        with pytest.raises(ValueError, match=message):
            WorkshopCreate.model_validate({**base, **change})


def test_only_the_city_administration_creates_workshops(session: Session) -> None:
    factories.city(session, "fulda")
    staff = factories.user(session, "staff@offenbach.de", roles={"offenbach": [Role.STAFF, Role.DATA_STEWARD]})
    admin = factories.user(session, "admin@offenbach.de", roles={"offenbach": [Role.ADMIN]})
    starts = utcnow() + dt.timedelta(days=10)
    data = WorkshopCreate(
        municipality="offenbach",
        title="Daten-Detektive",
        place="Stadtbibliothek",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        capacity=10,
        registration_deadline=starts,
        min_age=12,
        max_age=16,
    )
    with pytest.raises(PermissionDenied):
        lab_workshops.create_workshop(session, principal=principal_for(session, staff), data=data)
    with pytest.raises(PermissionDenied):
        lab_workshops.create_workshop(
            session, principal=principal_for(session, admin), data=data.model_copy(update={"municipality": "fulda"})
        )
    workshop = lab_workshops.create_workshop(session, principal=principal_for(session, admin), data=data)
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "lab.workshop_created"))
    assert entry is not None and entry.actor_id == admin.id and entry.entity_id == str(workshop.id)


# --- deletion after the event -------------------------------------------------------------------------------------


def _past_workshop(session: Session, *, ended_days_ago: float, registrations: int = 3) -> LabWorkshop:
    factories.city(session, "offenbach")
    city_id = factories.city(session, "offenbach").id
    ends = utcnow() - dt.timedelta(days=ended_days_ago)
    workshop = LabWorkshop(
        municipality_id=city_id,
        title="Schon vorbei",
        place="Rathaus",
        starts_at=ends - dt.timedelta(hours=2),
        ends_at=ends,
        capacity=10,
        registration_deadline=ends - dt.timedelta(days=3),
        min_age=12,
        max_age=18,
    )
    session.add(workshop)
    session.flush()
    for number in range(registrations):
        session.add(
            LabRegistration(
                workshop_id=workshop.id,
                name=f"Person {number}",
                age_group=AgeGroup.FROM_16,
                email=f"person{number}.{workshop.id}@example.org",
                cancel_token_hash=lab_workshops.token_hash(f"t-{workshop.id}-{number}"),
            )
        )
    session.commit()
    return workshop


def test_registrations_are_deleted_seven_days_after_the_event(session: Session) -> None:
    recent = _past_workshop(session, ended_days_ago=6.9)
    old = _past_workshop(session, ended_days_ago=7.1)
    upcoming = _workshop(session)
    lab_workshops.register(session, workshop_id=upcoming.id, data=_registration())
    assert lab_workshops.delete_expired(session) == 3
    session.commit()
    remaining = session.scalars(select(LabRegistration.workshop_id)).all()
    assert sorted(set(remaining)) == sorted({recent.id, upcoming.id})
    session.refresh(old)
    assert old.deleted_registrations == 3 and old.registrations_deleted_at is not None
    assert recent.registrations_deleted_at is None
    assert lab_workshops.delete_expired(session) == 0  # idempotent
    later = utcnow() + dt.timedelta(days=1)
    assert lab_workshops.delete_expired(session, now=later) == 3
    entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "lab.registrations_deleted")).all()
    assert [e.after for e in entries] == [{"deleted": 3, "retention_days": 7}] * 2


def test_the_periodic_job_deletes(session: Session, session_factory: sessionmaker[Session], settings: Settings) -> None:
    assert PERIODIC_JOBS[lab_workshops.DELETE_JOB] == lab_workshops.DELETE_INTERVAL_SECONDS
    old = _past_workshop(session, ended_days_ago=30, registrations=2)
    with session_factory.begin() as work:
        due = jobs.enqueue_due(work, {lab_workshops.DELETE_JOB: PERIODIC_JOBS[lab_workshops.DELETE_JOB]})
    assert due == [lab_workshops.DELETE_JOB]
    assert jobs.run_until_empty(session_factory, job_handlers(settings)) == 1
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(LabRegistration)) == 0
    assert session.get(LabWorkshop, old.id).deleted_registrations == 2  # type: ignore[union-attr]


# --- pages --------------------------------------------------------------------------------------------------------


def _register_form(
    client: TestClient, workshop_id: int, **fields: str
) -> tuple[str, dict[str, str]]:  # the page and the default form values
    page = client.get(f"/lab/workshops/{workshop_id}")
    assert page.status_code == 200
    values = {
        "csrf_token": csrf_token(client.get("/lab")),  # the form is missing where registration is closed
        "vorname": "Zyxwa",
        "altersgruppe": "ab_16",
        "email": "zyxwa.geheim@example.org",
        "einwilligung": "ja",
    }
    values.update(fields)
    return page.text, values


def test_registration_over_http_and_cancel_link(client: TestClient, session: Session) -> None:
    workshop = _workshop(session)
    page, form = _register_form(client, workshop.id)
    structure = parse(page)
    assert not structure.unlabelled_controls()
    assert "Art. 8" in page and "unter 16" in page  # the parental-consent note
    response = client.post(f"/lab/workshops/{workshop.id}", data=form)
    assert response.status_code == 200
    assert "Du bist angemeldet!" in response.text
    assert response.headers["cache-control"] == "private, no-store"
    link = re.search(r'value="http://testserver(/lab/abmelden/[A-Za-z0-9_-]+)"', response.text)
    assert link is not None

    again = client.post(f"/lab/workshops/{workshop.id}", data={**form, "vorname": "Noch mal"})
    assert again.status_code == 409
    assert "schon jemand für diesen Workshop angemeldet" in again.text
    assert 'value="Noch mal"' in again.text  # entered values are kept

    confirm = client.get(link.group(1))
    assert confirm.status_code == 200 and "Ja, Anmeldung löschen" in confirm.text
    done = client.post(link.group(1), data={"csrf_token": csrf_token(confirm)})
    assert "Du bist abgemeldet" in done.text
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(LabRegistration)) == 0
    assert client.get(link.group(1)).status_code == 404


def test_refused_registrations_show_clear_messages(client: TestClient, session: Session) -> None:
    workshop = _workshop(session, capacity=1)
    _, form = _register_form(client, workshop.id)
    child = client.post(f"/lab/workshops/{workshop.id}", data={**form, "altersgruppe": "unter_16"})
    assert child.status_code == 422
    assert "Unter 16 Jahren muss ein Elternteil" in child.text
    assert 'href="#f-eltern"' in child.text  # the summary links to the checkbox
    no_consent = client.post(f"/lab/workshops/{workshop.id}", data={**form, "einwilligung": ""})
    assert no_consent.status_code == 422 and "Ohne Einwilligung" in no_consent.text
    bad_mail = client.post(f"/lab/workshops/{workshop.id}", data={**form, "email": "keine-adresse"})
    assert bad_mail.status_code == 422 and "gültige E-Mail-Adresse" in bad_mail.text
    assert client.post(f"/lab/workshops/{workshop.id}", data=form).status_code == 200
    full = client.post(f"/lab/workshops/{workshop.id}", data={**form, "email": "zweite@example.org"})
    assert full.status_code == 409 and "ausgebucht" in full.text
    page = client.get(f"/lab/workshops/{workshop.id}").text
    assert "ausgebucht" in page and 'name="vorname"' not in page  # no form when there is no place

    closed = _workshop(session, city="fulda", starts_in=dt.timedelta(days=1), deadline_before=dt.timedelta(days=2))
    page_text, form = _register_form(client, closed.id)
    assert "Anmeldefrist ist abgelaufen" in page_text
    late = client.post(f"/lab/workshops/{closed.id}", data=form)
    assert late.status_code == 409 and "Anmeldefrist ist abgelaufen" in late.text
    assert client.post(f"/lab/workshops/{closed.id}", data={**form, "csrf_token": "falsch"}).status_code == 403


def test_staff_create_workshop_and_see_registrations(client: TestClient, session: Session) -> None:
    factories.user(session, "admin@offenbach.de", roles={"offenbach": [Role.ADMIN]})
    factories.user(session, "steward@offenbach.de", roles={"offenbach": [Role.DATA_STEWARD]})
    session.commit()
    assert client.get("/lab/verwaltung", follow_redirects=False).status_code == 303
    assert login(client, "steward@offenbach.de").status_code == 303
    assert client.get("/lab/verwaltung").status_code == 403
    client.post("/abmelden", data={"csrf_token": csrf_token(client.get("/lab"))})

    assert login(client, "admin@offenbach.de").status_code == 303
    form_page = client.get("/lab/verwaltung/neu")
    assert form_page.status_code == 200
    assert not parse(form_page.text).unlabelled_controls()
    day = (utcnow() + dt.timedelta(days=30)).date()
    fields = {
        "csrf_token": csrf_token(form_page),
        "municipality": "offenbach",
        "title": "Radverkehr in Zahlen",
        "description": "Wir werten Zähldaten aus.",
        "ort": "Stadtbibliothek",
        "datum": day.isoformat(),
        "beginn": "15:00",
        "ende": "18:00",
        "anmeldeschluss": (day - dt.timedelta(days=3)).isoformat(),
        "plaetze": "12",
        "alter_von": "12",
        "alter_bis": "16",
    }
    bad = client.post("/lab/verwaltung/neu", data={**fields, "ende": "14:00", "anmeldeschluss": "morgen"})
    assert bad.status_code == 422
    assert "JJJJ-MM-TT" in bad.text and 'value="Radverkehr in Zahlen"' in bad.text
    wrong_order = client.post("/lab/verwaltung/neu", data={**fields, "ende": "14:00"})
    assert wrong_order.status_code == 422 and "Das Ende muss nach dem Beginn liegen" in wrong_order.text
    created = client.post("/lab/verwaltung/neu", data=fields, follow_redirects=False)
    assert created.status_code == 303
    workshop = session.scalar(select(LabWorkshop).where(LabWorkshop.title == "Radverkehr in Zahlen"))
    assert workshop is not None and workshop.capacity == 12
    assert workshop.starts_at.astimezone(lab_workshops.BERLIN).hour == 15
    deadline = workshop.registration_deadline.astimezone(lab_workshops.BERLIN)
    assert (deadline.date(), deadline.hour) == (day - dt.timedelta(days=2), 0)  # end of the deadline day

    lab_workshops.register(session, workshop_id=workshop.id, data=_registration("Zyxwa", "zyxwa@example.org"))
    session.commit()
    detail = client.get(created.headers["location"])
    assert "Zyxwa" in detail.text and "zyxwa@example.org" in detail.text
    assert detail.headers["cache-control"] == "private, no-store"
    registration_id = session.scalar(select(LabRegistration.id))
    removed = client.post(
        f"/lab/verwaltung/workshops/{workshop.id}/anmeldungen/{registration_id}/loeschen",
        data={"csrf_token": csrf_token(detail)},
        follow_redirects=False,
    )
    assert removed.status_code == 303
    assert "Zyxwa" not in client.get(removed.headers["location"]).text

    other = _workshop(session, city="fulda")
    assert client.get(f"/lab/verwaltung/workshops/{other.id}").status_code == 403


def test_no_personal_data_in_public_pages_exports_or_audit(client: TestClient, session: Session) -> None:
    factories.dataset(session, title="Radverkehrszählung Innenstadt")
    workshop = _workshop(session)
    _, form = _register_form(client, workshop.id)
    assert client.post(f"/lab/workshops/{workshop.id}", data=form).status_code == 200
    secrets = ("Zyxwa", "zyxwa.geheim")
    public = [
        "/lab",
        "/lab/workshops",
        f"/lab/workshops/{workshop.id}",
        "/api/v1/lab/workshops",
        f"/api/v1/lab/workshops/{workshop.id}",
        "/datensaetze?q=Rad",
        "/api/v1/datasets",
        "/api/3/action/package_search?q=Rad",
        "/catalog.ttl",
        "/api/openapi.json",
    ]
    for url in public:
        response = client.get(url)
        assert response.status_code == 200, url
        assert not any(s in response.text for s in secrets), url
    assert client.get("/api/3/action/package_search", params={"q": "Zyxwa"}).json()["result"]["count"] == 0
    listing = client.get("/api/v1/lab/workshops").json()
    assert listing[0]["free_places"] == 9 and "registrations" not in listing[0]
    for entry in session.scalars(select(AuditEntry)):
        text = f"{entry.actor_label} {entry.before} {entry.after}"
        assert not any(s in text for s in secrets), entry.action


# --- demo -------------------------------------------------------------------------------------------------------


def test_demo_workshops(session: Session) -> None:
    for slug in ("offenbach", "fulda"):
        factories.city(session, slug)
    assert lab_demo.load_lab_demo(session) == 3
    assert lab_demo.load_lab_demo(session) == 0  # once
    upcoming = lab_workshops.upcoming(session)
    assert [v.workshop.municipality.slug for v in upcoming] == ["offenbach", "fulda"]
    assert [v.registered for v in upcoming] == [3, 0]
    assert all(v.registration_open for v in upcoming)
    (past,) = lab_workshops.past(session)
    assert past.workshop.registrations_deleted_at is not None
    assert past.workshop.deleted_registrations == lab_demo.PAST_PARTICIPANTS and past.registered == 0


def test_workshop_pages_are_accessible(client: TestClient, session: Session) -> None:
    from tests.test_lab_lessons import _check_structure

    workshop = _workshop(session)
    lab_workshops.register(session, workshop_id=workshop.id, data=_registration())
    factories.user(session, "admin@offenbach.de", roles={"offenbach": [Role.ADMIN]})
    session.commit()
    for url in ("/lab/workshops", f"/lab/workshops/{workshop.id}", f"/lab/workshops/{workshop.id}?lang=en"):
        _check_structure(client.get(url).text, url)
    assert login(client, "admin@offenbach.de").status_code == 303
    for url in ("/lab/verwaltung", "/lab/verwaltung/neu", f"/lab/verwaltung/workshops/{workshop.id}"):
        response = client.get(url)
        assert response.status_code == 200, url
        _check_structure(response.text, url)
