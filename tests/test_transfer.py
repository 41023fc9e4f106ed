"""The Digital Forum's services: who reads, writes, comments and invites; search and filters; reuse; lessons;
events; spam limits of comments; the publiccode.yml export. Real databases, no mocks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from kikz.audit import AuditEntry
from kikz.db import utcnow
from kikz.errors import Conflict, InvalidInput, NotFound
from kikz.tenancy.models import Municipality, User
from kikz.tenancy.permissions import ANONYMOUS, PermissionDenied, Principal, principal_for
from kikz.transfer import adoption, comments, events, invitations, projects
from kikz.transfer.comments import MAX_PER_WINDOW, TooManyComments
from kikz.transfer.models import ForumComment, ForumProject
from kikz.transfer.projects import ProjectQuery
from kikz.transfer.publiccode import publiccode_yaml
from kikz.transfer.schemas import (
    AgendaItemIn,
    CommentIn,
    ContactIn,
    EventIn,
    GuestMunicipalityIn,
    InvitationIn,
    LessonIn,
    ProjectCreate,
    ProjectIn,
    ReuseIn,
)
from kikz.transfer.vocab import (
    EventFormat,
    FieldOfAction,
    LessonKind,
    Maturity,
    Operation,
    Phase,
    ReuseStatus,
    Visibility,
)
from kikz.types import DatasetStatus, MunicipalityKind, ProtectionClass, Role
from tests import factories

ACCOUNTS: dict[str, tuple[str, Role] | None] = {
    "of_staff": ("offenbach", Role.STAFF),
    "of_admin": ("offenbach", Role.ADMIN),
    "gi_staff": ("giessen", Role.STAFF),
    "wz_staff": ("wetzlar", Role.STAFF),
    "wz_admin": ("wetzlar", Role.ADMIN),
    "fd_staff": ("fulda", Role.STAFF),
    "mr_staff": ("marburg", Role.STAFF),
    "guest": ("gastdorf", Role.STAFF),
    "root": None,
}


@dataclass
class ForumWorld:
    session: Session
    users: dict[str, User]

    def p(self, key: str) -> Principal:
        return principal_for(self.session, self.users[key])

    def city(self, slug: str) -> Municipality:
        return factories.city(self.session, slug)


def build_world(session: Session) -> ForumWorld:
    for slug in factories.CITIES:
        factories.city(session, slug)
    users = {}
    for key, membership in ACCOUNTS.items():
        if membership is None:
            users[key] = factories.user(session, f"{key}@kikz.test", superuser=True)
        else:
            users[key] = factories.user(session, f"{key}@kikz.test", roles={membership[0]: [membership[1]]})
    return ForumWorld(session, users)


def project_data(**changes: Any) -> ProjectCreate:
    values: dict[str, Any] = {
        "municipality": "offenbach",
        "title": "Verkehrszählung mit Telraam-Sensoren",
        "summary": "Bürgerinnen und Bürger zählen mit Telraam-Geräten am Fenster den Verkehr ihrer Straße.",
        "partners": ["giessen"],
        "visibility": Visibility.FORUM,
        "field_of_action": FieldOfAction.MOBILITY,
        "phase": Phase.OPERATION,
        "maturity": Maturity.TRANSFERABLE,
        "problem": "Für Wohnstraßen fehlten Zählwerte.",
        "solution": "Telraam-Sensoren und ein Importer in die SensorThings API.",
        "technologies": ["Telraam S2", "Python"],
        "licence": "EUPL-1.2",
        "repository_url": "https://gitlab.opencode.de/smart-kikz/telraam-import",
        "operation": Operation.INTERNAL,
        "contacts": [ContactIn(name="Smart-City-Büro", role="Projektleitung", email="smartcity@offenbach.de")],
    }
    values.update(changes)
    return ProjectCreate(**values)


def update_of(project: ForumProject, **changes: Any) -> ProjectIn:
    values = {
        "title": project.title,
        "summary": project.summary,
        "partners": [p.municipality.slug for p in project.partners],
        "visibility": project.visibility,
        "field_of_action": project.field_of_action,
        "phase": project.phase,
        "maturity": project.maturity,
        "technologies": [t.name for t in project.technologies],
    }
    values.update(changes)
    return ProjectIn(**values)


def invite(world: ForumWorld, *, days: int = 30) -> None:
    invitations.invite(
        world.session, principal=world.p("of_admin"), data=InvitationIn(municipality="gastdorf", days=days)
    )


@pytest.fixture
def world(session: Session) -> ForumWorld:
    return build_world(session)


# --- who may write -----------------------------------------------------------------------------------------------


def test_staff_of_lead_and_partner_cities_edit_a_stranger_city_cannot(world: ForumWorld) -> None:
    s = world.session
    project = projects.create_project(s, principal=world.p("of_staff"), data=project_data())
    assert project.slug == "verkehrszaehlung-mit-telraam-sensoren"
    assert [p.municipality.slug for p in project.partners] == ["giessen"]
    projects.update_project(s, principal=world.p("gi_staff"), project=project, data=update_of(project, phase="pilot"))
    assert project.phase is Phase.PILOT
    for stranger in ("wz_staff", "guest"):
        with pytest.raises(PermissionDenied):
            projects.update_project(s, principal=world.p(stranger), project=project, data=update_of(project))
    with pytest.raises(PermissionDenied):
        projects.create_project(s, principal=world.p("wz_staff"), data=project_data(title="Fremde Stadt"))
    with pytest.raises(PermissionDenied):  # guests read, they do not write
        projects.create_project(s, principal=world.p("guest"), data=project_data(municipality="gastdorf"))
    with pytest.raises(PermissionDenied):
        projects.delete_project(s, principal=world.p("gi_staff"), project=project)
    projects.delete_project(s, principal=world.p("of_admin"), project=project)
    assert s.scalar(select(ForumProject.id)) is None


def test_changes_are_audited_with_before_and_after(world: ForumWorld) -> None:
    s = world.session
    project = projects.create_project(s, principal=world.p("of_staff"), data=project_data())
    projects.update_project(s, principal=world.p("of_staff"), project=project, data=update_of(project, title="Neu"))
    rows = list(s.scalars(select(AuditEntry).where(AuditEntry.entity_type == "forum_project").order_by(AuditEntry.id)))
    assert [r.action for r in rows] == ["forum.project.create", "forum.project.update"]
    assert rows[0].actor_id == world.users["of_staff"].id and rows[0].after["title"].startswith("Verkehrszählung")
    assert (rows[1].before or {})["title"] != (rows[1].after or {})["title"] == "Neu"


def test_a_partner_keeps_dataset_links_they_cannot_see(world: ForumWorld) -> None:
    s = world.session
    intern = factories.dataset(s, name="of-intern-zaehlung", protection_class=ProtectionClass.INTERN)
    public = factories.dataset(s, name="of-offen-zaehlung", municipality="offenbach")
    project = projects.create_project(
        s, principal=world.p("of_staff"), data=project_data(datasets=[intern.name, public.name])
    )
    assert [d.name for d in projects.datasets_seen(s, ANONYMOUS, project)] == [public.name]
    projects.update_project(s, principal=world.p("gi_staff"), project=project, data=update_of(project, datasets=[]))
    assert {d.dataset_id for d in project.datasets} == {intern.id}
    with pytest.raises(InvalidInput, match="nicht sehen"):  # nor can a partner link what they cannot see
        projects.update_project(
            s, principal=world.p("gi_staff"), project=project, data=update_of(project, datasets=[intern.name])
        )


# --- who may read ------------------------------------------------------------------------------------------------


def test_forum_internal_entries_for_network_staff_and_invited_guests(world: ForumWorld) -> None:
    s = world.session
    projects.create_project(s, principal=world.p("of_staff"), data=project_data())
    projects.create_project(
        s, principal=world.p("of_staff"), data=project_data(title="Offenes Projekt", visibility=Visibility.PUBLIC)
    )

    def titles(principal: Principal) -> set[str]:
        result = projects.search_projects(s, principal=principal, query=ProjectQuery())
        return {p.title for p in result.items}

    everything = {"Verkehrszählung mit Telraam-Sensoren", "Offenes Projekt"}
    assert titles(ANONYMOUS) == {"Offenes Projekt"}
    assert titles(world.p("guest")) == {"Offenes Projekt"}  # not invited yet
    assert titles(world.p("mr_staff")) == titles(world.p("wz_staff")) == titles(world.p("root")) == everything
    with pytest.raises(NotFound):
        projects.get_project(s, principal=ANONYMOUS, slug="verkehrszaehlung-mit-telraam-sensoren")
    invite(world)
    assert titles(world.p("guest")) == everything
    invitation = invitations.list_invitations(s, principal=world.p("guest"))[0]
    invitations.revoke(s, principal=world.p("of_admin"), invitation_id=invitation.id)
    assert titles(world.p("guest")) == {"Offenes Projekt"}


def test_an_expired_invitation_no_longer_opens_the_forum(world: ForumWorld) -> None:
    s = world.session
    projects.create_project(s, principal=world.p("of_staff"), data=project_data())
    invite(world, days=1)
    invitation = invitations.list_invitations(s, principal=world.p("of_admin"))[0]
    invitation.valid_until = utcnow() - dt.timedelta(minutes=1)
    s.flush()
    assert projects.search_projects(s, principal=world.p("guest"), query=ProjectQuery()).total == 0
    assert not invitations.is_active(invitation)


# --- comments ----------------------------------------------------------------------------------------------------


def test_guests_read_the_discussion_but_do_not_comment(world: ForumWorld) -> None:
    s = world.session
    project = projects.create_project(s, principal=world.p("of_staff"), data=project_data())
    comments.add_comment(
        s, principal=world.p("wz_staff"), data=CommentIn(body="Läuft das auch nachts?"), project=project
    )
    with pytest.raises(PermissionDenied):
        comments.list_comments(s, principal=world.p("guest"), project=project)
    invite(world)
    assert [c.body for c in comments.list_comments(s, principal=world.p("guest"), project=project)] == [
        "Läuft das auch nachts?"
    ]
    with pytest.raises(PermissionDenied, match="Gäste lesen"):
        comments.add_comment(s, principal=world.p("guest"), data=CommentIn(body="Wir auch!"), project=project)
    with pytest.raises(PermissionDenied):
        comments.list_comments(s, principal=ANONYMOUS, project=project)


def test_comment_spam_limits_answer_with_clear_messages(world: ForumWorld) -> None:
    s = world.session
    project = projects.create_project(s, principal=world.p("of_staff"), data=project_data())
    staff = world.p("wz_staff")

    def post(body: str, **kw: Any) -> ForumComment:
        return comments.add_comment(s, principal=staff, data=CommentIn(body=body), project=project, **kw)

    with pytest.raises(InvalidInput, match=r"höchstens 2\.000 Zeichen, eingegeben wurden 2\.001"):
        post("x" * 2001)
    with pytest.raises(InvalidInput, match="höchstens 2 Links, gefunden wurden 3"):
        post("Siehe https://a.example, https://b.example und www.c.example")
    with pytest.raises(InvalidInput, match="Bitte Text eingeben"):
        post(" \n \t ")
    first = post("  Gute Idee.\r\n\r\n\r\n\r\nWir sind dabei.  ")
    assert first.body == "Gute Idee.\n\nWir sind dabei."
    with pytest.raises(InvalidInput, match="schon als Kommentar"):
        post("Gute Idee.\n\nWir sind dabei.")
    for n in range(MAX_PER_WINDOW - 1):
        post(f"Kommentar Nummer {n}")
    with pytest.raises(TooManyComments) as caught:
        post("Noch einer")
    assert caught.value.status_code == 429 and "Bitte warten" in caught.value.message
    later = utcnow() + dt.timedelta(minutes=11)
    assert post("Nach der Pause", now=later).id


def test_html_in_comments_is_stored_as_typed(world: ForumWorld) -> None:
    s = world.session
    project = projects.create_project(s, principal=world.p("of_staff"), data=project_data())
    body = '<script>alert("x")</script> <b>fett</b>'
    comment = comments.add_comment(s, principal=world.p("gi_staff"), data=CommentIn(body=body), project=project)
    assert comment.body == body  # stored as plain text; escaping happens when shown (see the page tests)


def test_authors_and_admins_remove_comments_others_cannot(world: ForumWorld) -> None:
    s = world.session
    project = projects.create_project(s, principal=world.p("of_staff"), data=project_data())
    comment = comments.add_comment(s, principal=world.p("wz_staff"), data=CommentIn(body="Hallo"), project=project)
    with pytest.raises(PermissionDenied):
        comments.remove_comment(s, principal=world.p("fd_staff"), comment_id=comment.id, project=project)
    comments.remove_comment(s, principal=world.p("of_admin"), comment_id=comment.id, project=project)
    assert comment.removed_at is not None and comment.body == ""
    entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "forum.comment.remove"))
    assert entry is not None and (entry.before or {})["body"] == "Hallo"
    with pytest.raises(NotFound):
        comments.remove_comment(s, principal=world.p("wz_staff"), comment_id=comment.id, project=project)


# --- search ------------------------------------------------------------------------------------------------------


def test_search_words_and_filters(world: ForumWorld) -> None:
    s = world.session
    telraam = projects.create_project(s, principal=world.p("of_staff"), data=project_data())
    projects.create_project(
        s,
        principal=world.p("fd_staff"),
        data=project_data(
            municipality="fulda",
            title="Digitales Baumkataster",
            summary="Alle Straßenbäume mit Art, Zustand und Kontrollterminen, mobil erfasst.",
            partners=["marburg"],
            field_of_action=FieldOfAction.ENVIRONMENT,
            phase=Phase.ROLLOUT,
            maturity=Maturity.TESTED,
            problem="Papierlisten bei der Baumkontrolle.",
            solution="QGIS mit mobiler Erfassung.",
            technologies=["QGIS", "PostGIS"],
        ),
    )
    adoption.reuse(s, principal=world.p("wz_staff"), project=telraam, data=ReuseIn())
    root = world.p("root")

    def found(**kw: Any) -> list[str]:
        return [p.title for p in projects.search_projects(s, principal=root, query=ProjectQuery(**kw)).items]

    assert found(q="Zählung") == ["Verkehrszählung mit Telraam-Sensoren"]  # compound part, umlaut folded
    assert found(q="baeume straßenbaum") == ["Digitales Baumkataster"]
    assert found(q="Telraam Baum") == []  # every word must match
    assert found(cities=["wetzlar"]) == ["Verkehrszählung mit Telraam-Sensoren"]  # reusing city counts
    assert found(cities=["marburg"]) == ["Digitales Baumkataster"]  # partner city counts
    assert found(fields=["umwelt"]) == ["Digitales Baumkataster"]
    assert found(phases=["regelbetrieb", "umsetzung"], sort="titel") == [
        "Digitales Baumkataster",
        "Verkehrszählung mit Telraam-Sensoren",
    ]
    assert found(maturities=["nachnutzbar"]) == ["Verkehrszählung mit Telraam-Sensoren"]
    assert found(technologies=["postgis"]) == ["Digitales Baumkataster"]
    assert found(fields=["umwelt"], technologies=["Telraam S2"]) == []
    assert found(sort="reife") == ["Verkehrszählung mit Telraam-Sensoren", "Digitales Baumkataster"]
    result = projects.search_projects(s, principal=root, query=ProjectQuery(fields=["umwelt"]))
    # a facet counts with the other filters only, so the chosen field still shows its alternatives
    assert dict(result.facets["handlungsfeld"]) == {"mobilitaet": 1, "umwelt": 1}
    assert dict(result.facets["kommune"]) == {"fulda": 1, "marburg": 1}
    assert dict(result.facets["technologie"]) == {"PostGIS": 1, "QGIS": 1}
    assert found(fields=["gibt-es-nicht"]) == found()  # unknown values are ignored, not an error


# --- reuse and lessons -------------------------------------------------------------------------------------------


def test_reuse_this_solution_creates_a_reused_by_link(world: ForumWorld) -> None:
    s = world.session
    telraam = projects.create_project(s, principal=world.p("of_staff"), data=project_data())
    own = projects.create_project(
        s,
        principal=world.p("wz_staff"),
        data=project_data(municipality="wetzlar", title="Telraam Wetzlar", partners=[]),
    )
    link = adoption.reuse(
        s,
        principal=world.p("wz_staff"),
        project=telraam,
        data=ReuseIn(status=ReuseStatus.IN_PROGRESS, note="Zehn Geräte an Schulwegen.", own_project=own.slug),
    )
    assert [(r.municipality.slug, r.status) for r in telraam.reuses] == [("wetzlar", ReuseStatus.IN_PROGRESS)]
    assert link.own_project_id == own.id
    assert adoption.reused_from(s, world.p("wz_staff"), own) == [telraam]
    adoption.reuse(s, principal=world.p("wz_staff"), project=telraam, data=ReuseIn(status=ReuseStatus.IN_USE))
    assert [r.status for r in telraam.reuses] == [ReuseStatus.IN_USE]  # updated, not doubled
    with pytest.raises(Conflict):  # the lead and partner cities do not reuse their own project
        adoption.reuse(s, principal=world.p("gi_staff"), project=telraam, data=ReuseIn())
    with pytest.raises(PermissionDenied):
        adoption.reuse(s, principal=world.p("guest"), project=telraam, data=ReuseIn())
    with pytest.raises(PermissionDenied):
        adoption.remove_reuse(s, principal=world.p("fd_staff"), project=telraam, city_slug="wetzlar")
    actions = s.scalars(select(AuditEntry.action).where(AuditEntry.action.like("forum.reuse.%")))
    assert list(actions) == ["forum.reuse.create", "forum.reuse.update"]
    adoption.remove_reuse(s, principal=world.p("wz_staff"), project=telraam, city_slug="wetzlar")
    assert telraam.reuses == []


def test_lessons_come_from_involved_and_reusing_cities(world: ForumWorld) -> None:
    s = world.session
    telraam = projects.create_project(s, principal=world.p("of_staff"), data=project_data())
    lesson = LessonIn(kind=LessonKind.PITFALL, text="Nachts sinkt die Verfügbarkeit unter 0,5.")
    with pytest.raises(PermissionDenied):
        adoption.add_lesson(s, principal=world.p("wz_staff"), project=telraam, data=lesson)
    adoption.reuse(s, principal=world.p("wz_staff"), project=telraam, data=ReuseIn())
    adoption.add_lesson(s, principal=world.p("wz_staff"), project=telraam, data=lesson)
    adoption.add_lesson(s, principal=world.p("gi_staff"), project=telraam, data=lesson)
    assert [(x.municipality.slug, x.kind) for x in telraam.lessons] == [
        ("wetzlar", LessonKind.PITFALL),
        ("giessen", LessonKind.PITFALL),
    ]
    with pytest.raises(InvalidInput, match=r"höchstens 4\.000 Zeichen"):
        adoption.add_lesson(
            s, principal=world.p("of_staff"), project=telraam, data=LessonIn(kind=LessonKind.ADVICE, text="x" * 4001)
        )
    with pytest.raises(PermissionDenied):
        adoption.delete_lesson(s, principal=world.p("fd_staff"), project=telraam, lesson_id=telraam.lessons[0].id)
    adoption.delete_lesson(s, principal=world.p("wz_staff"), project=telraam, lesson_id=telraam.lessons[0].id)
    assert len(telraam.lessons) == 1


# --- events ------------------------------------------------------------------------------------------------------


def event_data(**changes: Any) -> EventIn:
    values: dict[str, Any] = {
        "title": "7. Digitalforum: Verkehrsdaten",
        "municipality": "giessen",
        "visibility": Visibility.PUBLIC,
        "format": EventFormat.ON_SITE,
        "location": "Rathaus Gießen",
        "starts_at": dt.datetime(2025, 6, 12, 10),
        "ends_at": dt.datetime(2025, 6, 12, 15, 30),
        "participants": ["giessen", "offenbach"],
    }
    values.update(changes)
    return EventIn(**values)


def test_events_in_local_time_with_agenda_and_participants(world: ForumWorld) -> None:
    s = world.session
    telraam = projects.create_project(s, principal=world.p("of_staff"), data=project_data())
    event = events.create_event(
        s,
        principal=world.p("gi_staff"),
        data=event_data(agenda=[AgendaItemIn(time=dt.time(10, 30), title="Telraam", project=telraam.slug)]),
    )
    assert event.starts_at == dt.datetime(2025, 6, 12, 8, tzinfo=dt.UTC)  # 10:00 CEST
    assert [p.municipality.slug for p in event.participants] == ["giessen", "offenbach"]
    # the agenda links the forum-internal project only for those who may see it
    assert list(events.presented_projects(s, ANONYMOUS, event)) == []
    assert list(events.presented_projects(s, world.p("fd_staff"), event)) == [telraam.id]
    with pytest.raises(PermissionDenied):
        events.update_event(s, principal=world.p("of_staff"), event=event, data=event_data())
    with pytest.raises(Conflict, match="vorbei"):
        events.set_participation(s, principal=world.p("fd_staff"), event=event, city_slug=None, taking_part=True)
    with pytest.raises(InvalidInput, match="vor dem Beginn"):
        events.create_event(s, principal=world.p("gi_staff"), data=event_data(ends_at=dt.datetime(2025, 6, 12, 9)))


def test_staff_register_their_city_for_an_upcoming_event(world: ForumWorld) -> None:
    s = world.session
    day = (utcnow() + dt.timedelta(days=30)).date()
    event = events.create_event(
        s,
        principal=world.p("gi_staff"),
        data=event_data(
            visibility=Visibility.FORUM,
            starts_at=dt.datetime.combine(day, dt.time(10)),
            ends_at=dt.datetime.combine(day, dt.time(15)),
            participants=[],
        ),
    )
    events.set_participation(s, principal=world.p("fd_staff"), event=event, city_slug=None, taking_part=True)
    assert [p.municipality.slug for p in event.participants] == ["fulda"]
    with pytest.raises(PermissionDenied):
        events.set_participation(s, principal=world.p("guest"), event=event, city_slug=None, taking_part=True)
    events.set_participation(s, principal=world.p("fd_staff"), event=event, city_slug="fulda", taking_part=False)
    assert event.participants == []
    upcoming = events.list_events(s, principal=world.p("fd_staff"), upcoming=True)
    assert [e.slug for e in upcoming] == [event.slug]
    assert events.list_events(s, principal=ANONYMOUS, upcoming=True) == []  # forum-internal


# --- guests ------------------------------------------------------------------------------------------------------


def test_only_admins_of_network_cities_invite_guests(world: ForumWorld) -> None:
    s = world.session
    with pytest.raises(PermissionDenied):
        invitations.invite(s, principal=world.p("of_staff"), data=InvitationIn(municipality="gastdorf"))
    with pytest.raises(InvalidInput, match="gehört schon zum Netzwerk"):
        invitations.invite(s, principal=world.p("of_admin"), data=InvitationIn(municipality="marburg"))
    invite(world)
    with pytest.raises(Conflict, match="bereits bis"):
        invite(world)
    invitation = invitations.list_invitations(s, principal=world.p("of_admin"))[0]
    with pytest.raises(PermissionDenied):  # another city's admin does not revoke Offenbach's invitation
        invitations.revoke(s, principal=world.p("wz_admin"), invitation_id=invitation.id)
    entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "forum.invitation.create"))
    assert entry is not None and entry.municipality_id == world.city("offenbach").id


def test_a_new_guest_municipality_is_registered_with_matching_keys(world: ForumWorld) -> None:
    s = world.session
    darmstadt = GuestMunicipalityIn(
        name="Darmstadt", official_name="Wissenschaftsstadt Darmstadt", ags="06411000", ars="064110000000"
    )
    invitation = invitations.invite(
        s, principal=world.p("wz_admin"), data=InvitationIn(new_municipality=darmstadt, message="Willkommen!")
    )
    guest = invitation.municipality
    assert (guest.slug, guest.kind, guest.ars) == ("darmstadt", MunicipalityKind.GUEST, "064110000000")
    assert invitation.invited_by_municipality.slug == "wetzlar"
    wrong = GuestMunicipalityIn(name="Kassel", ags="06611000", ars="066120000000")
    with pytest.raises(InvalidInput, match="Regionalschlüssel passt nicht"):
        invitations.invite(s, principal=world.p("wz_admin"), data=InvitationIn(new_municipality=wrong))
    again = GuestMunicipalityIn(name="Darmstadt (neu)", ags="06411000", ars="064110000000")
    with pytest.raises(Conflict, match="schon registriert"):
        invitations.invite(s, principal=world.p("wz_admin"), data=InvitationIn(new_municipality=again))


# --- publiccode.yml ----------------------------------------------------------------------------------------------


def test_publiccode_export(world: ForumWorld) -> None:
    s = world.session
    telraam = projects.create_project(s, principal=world.p("of_staff"), data=project_data(started_on="2023-04-01"))
    adoption.reuse(s, principal=world.p("wz_staff"), project=telraam, data=ReuseIn())
    text = publiccode_yaml(telraam, base_url="https://daten.example")
    assert text.startswith("# publiccode.yml")
    doc = yaml.safe_load(text)
    assert doc["publiccodeYmlVersion"] == "0.4"
    assert doc["url"] == "https://gitlab.opencode.de/smart-kikz/telraam-import"
    assert doc["developmentStatus"] == "stable" and doc["releaseDate"] == "2023-04-01"
    assert doc["legal"]["license"] == "EUPL-1.2"
    assert doc["usedBy"] == ["Offenbach am Main", "Gießen", "Wetzlar"]
    assert doc["maintenance"] == {
        "type": "internal",
        "contacts": [
            {"name": "Smart-City-Büro", "email": "smartcity@offenbach.de", "affiliation": "Offenbach am Main"}
        ],
    }
    assert doc["description"]["de"]["features"] == ["Eingesetzte Technik: Telraam S2", "Eingesetzte Technik: Python"]
    assert len(doc["description"]["de"]["shortDescription"]) <= 150
    no_repo = projects.create_project(
        s, principal=world.p("of_staff"), data=project_data(title="Ohne", repository_url="")
    )
    with pytest.raises(NotFound, match="kein Quellcode-Repository"):
        publiccode_yaml(no_repo, base_url="https://daten.example")


def test_oversized_and_malformed_entries_are_refused(world: ForumWorld) -> None:
    from pydantic import ValidationError

    for bad in (
        {"title": "x" * 201},
        {"summary": "zu kurz"},
        {"repository_url": "javascript:alert(1)"},
        {"licence": "<b>MIT</b>"},
        {"technologies": [f"t{i}" for i in range(16)]},
    ):
        with pytest.raises(ValidationError):
            project_data(**bad)
    assert world.session.scalar(select(ForumProject.id)) is None


def test_unpublished_datasets_are_not_linkable_for_strangers(world: ForumWorld) -> None:
    s = world.session
    draft = factories.dataset(s, name="wz-entwurf", municipality="wetzlar", status=DatasetStatus.DRAFT)
    with pytest.raises(InvalidInput, match="wz-entwurf"):
        projects.create_project(s, principal=world.p("of_staff"), data=project_data(datasets=[draft.name]))
