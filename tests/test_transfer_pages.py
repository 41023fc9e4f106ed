"""The forum's HTML pages through the app: rights, escaping, spam limits, forms with CSRF, filters, accessibility."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from kikz.db import utcnow
from kikz.transfer import events, invitations, projects
from kikz.transfer.models import ForumComment, ForumEvent, ForumInvitation, ForumProject, ForumReuse
from kikz.transfer.schemas import EventIn, InvitationIn
from kikz.transfer.vocab import EventFormat, FieldOfAction, Maturity, Phase, Visibility
from tests.test_transfer import ForumWorld, build_world, project_data
from tests.webutil import csrf_token, login, parse


@dataclass
class Site:
    world: ForumWorld
    telraam: str
    trees: str
    event: str


@pytest.fixture
def site(session: Session) -> Site:
    world = build_world(session)
    telraam = projects.create_project(session, principal=world.p("of_staff"), data=project_data())
    trees = projects.create_project(
        session,
        principal=world.p("fd_staff"),
        data=project_data(
            municipality="fulda",
            title="Digitales Baumkataster",
            summary="Alle Straßenbäume mit Art, Zustand und Kontrollterminen, mobil erfasst.",
            partners=["marburg"],
            visibility=Visibility.PUBLIC,
            field_of_action=FieldOfAction.ENVIRONMENT,
            phase=Phase.ROLLOUT,
            maturity=Maturity.TESTED,
            technologies=["QGIS"],
            repository_url="",
        ),
    )
    day = (utcnow() + dt.timedelta(days=20)).date()
    event = events.create_event(
        session,
        principal=world.p("gi_staff"),
        data=EventIn(
            title="8. Digitalforum: KI im Bürgerservice",
            municipality="giessen",
            visibility=Visibility.PUBLIC,
            format=EventFormat.HYBRID,
            location="Rathaus Gießen",
            starts_at=dt.datetime.combine(day, dt.time(10)),
            ends_at=dt.datetime.combine(day, dt.time(15)),
        ),
    )
    session.commit()
    return Site(world, telraam.slug, trees.slug, event.slug)


def login_as(client: TestClient, key: str) -> None:
    assert login(client, f"{key}@kikz.test").status_code == 303


def post_form(client: TestClient, page: str, action: str, data: dict[str, str | list[str]]) -> httpx.Response:
    token = csrf_token(client.get(page))
    return client.post(action, data={**data, "csrf_token": token}, follow_redirects=False)


def test_anonymous_visitors_see_public_entries_without_the_discussion(client: TestClient, site: Site) -> None:
    page = client.get("/forum")
    assert page.status_code == 200
    assert "Digitales Baumkataster" in page.text and "Telraam" not in page.text
    assert client.get(f"/forum/projekte/{site.telraam}").status_code == 404
    detail = client.get(f"/forum/projekte/{site.trees}")
    assert "Die Diskussion ist Mitarbeitenden der Netzwerkstädte" in detail.text
    assert 'name="body"' not in detail.text and "Diese Lösung nachnutzen" not in detail.text
    assert client.get("/forum/neues-projekt", follow_redirects=False).headers["location"].startswith("/anmelden")


def test_html_in_comments_is_escaped_and_links_are_safe(client: TestClient, site: Site, session: Session) -> None:
    login_as(client, "wz_staff")
    page = f"/forum/projekte/{site.telraam}"
    body = '<script>alert("x")</script> <img src=x onerror=alert(1)> javascript:alert(1) https://telraam.net/de.'
    answer = post_form(client, page, f"{page}/kommentare", {"body": body})
    assert answer.status_code == 303
    html = client.get(page).text
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert '<a href="https://telraam.net/de" rel="nofollow ugc noopener">https://telraam.net/de</a>.' in html
    assert 'href="javascript' not in html
    stored = session.scalar(select(ForumComment.body))
    assert stored == body


def test_spam_limits_are_answered_on_the_page(client: TestClient, site: Site) -> None:
    login_as(client, "wz_staff")
    page = f"/forum/projekte/{site.telraam}"
    long_text = "Sehr lang. " * 200
    answer = post_form(client, page, f"{page}/kommentare", {"body": long_text})
    assert answer.status_code == 422
    text = answer.text
    assert "höchstens 2.000 Zeichen, eingegeben wurden 2.199" in text
    assert long_text.strip() in text  # the entered text is kept for correction
    assert parse(text).h1 == ["Verkehrszählung mit Telraam-Sensoren"]
    links = "Schaut mal: https://a.example https://b.example https://c.example"
    answer = post_form(client, page, f"{page}/kommentare", {"body": links})
    assert answer.status_code == 422 and "höchstens 2 Links" in answer.text
    for n in range(5):
        assert post_form(client, page, f"{page}/kommentare", {"body": f"Frage {n}"}).status_code == 303
    answer = post_form(client, page, f"{page}/kommentare", {"body": "Noch eine Frage"})
    assert answer.status_code == 429 and "Bitte warten Sie" in answer.text


def test_forms_need_the_csrf_token(client: TestClient, site: Site, session: Session) -> None:
    login_as(client, "wz_staff")
    answer = client.post(f"/forum/projekte/{site.telraam}/kommentare", data={"body": "Hallo"})
    assert answer.status_code == 403 and "CSRF" in answer.text
    assert session.scalar(select(ForumComment.id)) is None


def test_guests_read_forum_entries_but_get_no_comment_form(client: TestClient, site: Site, session: Session) -> None:
    world = site.world
    invitations.invite(session, principal=world.p("of_admin"), data=InvitationIn(municipality="gastdorf"))
    session.commit()
    login_as(client, "guest")
    html = client.get(f"/forum/projekte/{site.telraam}").text
    assert "Verkehrszählung mit Telraam-Sensoren" in html
    assert 'name="body"' not in html and "Als Gast lesen Sie die Diskussion mit" in html
    assert "Diese Lösung nachnutzen" not in html and "/bearbeiten" not in html
    answer = post_form(
        client, f"/forum/projekte/{site.telraam}", f"/forum/projekte/{site.telraam}/kommentare", {"body": "Hallo"}
    )
    assert answer.status_code == 403
    assert "Gäste lesen mit" in answer.text


def test_a_stranger_city_cannot_edit(client: TestClient, site: Site) -> None:
    login_as(client, "wz_staff")
    html = client.get(f"/forum/projekte/{site.telraam}").text
    assert f"/forum/projekte/{site.telraam}/bearbeiten" not in html
    assert client.get(f"/forum/projekte/{site.telraam}/bearbeiten").status_code == 403
    answer = post_form(
        client, "/forum", f"/forum/projekte/{site.telraam}/bearbeiten", {"title": "Gekapert", "summary": "x" * 30}
    )
    assert answer.status_code == 403


def test_create_and_edit_a_project_with_the_form(client: TestClient, site: Site, session: Session) -> None:
    login_as(client, "of_staff")
    form = client.get("/forum/neues-projekt")
    assert form.status_code == 200 and not parse(form.text).unlabelled_controls()
    bad = post_form(
        client,
        "/forum/neues-projekt",
        "/forum/neues-projekt",
        {"municipality": "offenbach", "title": "", "summary": "kurz", "contacts": "a | b | c | d"},
    )
    assert bad.status_code == 422
    assert 'href="#f-title"' in bad.text and "Zeile 1" in bad.text
    assert "Fehler:" in bad.text.split("<title>")[1][:40]
    good = post_form(
        client,
        "/forum/neues-projekt",
        "/forum/neues-projekt",
        {
            "municipality": "offenbach",
            "title": "Parkraumsensorik Innenstadt",
            "summary": "Sensoren melden freie Stellplätze in der Innenstadt an die Parkleitapp.",
            "partners": ["wetzlar", "fulda"],
            "visibility": "oeffentlich",
            "field_of_action": "mobilitaet",
            "phase": "pilot",
            "maturity": "prototyp",
            "technologies": "LoRaWAN, NB-IoT",
            "contacts": "Max Muster | Verkehrsplanung | verkehr@offenbach.de",
            "started_on": "2025-03-01",
        },
    )
    assert good.status_code == 303
    assert good.headers["location"] == "/forum/projekte/parkraumsensorik-innenstadt?hinweis=angelegt"
    page = client.get(good.headers["location"]).text
    assert "Der Eintrag ist angelegt." in page and "LoRaWAN" in page and "verkehr@offenbach.de" in page
    edit = client.get("/forum/projekte/parkraumsensorik-innenstadt/bearbeiten")
    assert parse(edit.text).inputs["title"] == "Parkraumsensorik Innenstadt"
    assert "Sensoren melden freie Stellplätze" in edit.text and 'value="mobilitaet" selected' in edit.text
    values: dict[str, str | list[str]] = {
        "title": "Parkraumsensorik Innenstadt",
        "summary": "Sensoren melden freie Stellplätze in der Innenstadt an die Parkleitapp.",
        "field_of_action": "mobilitaet",
        "phase": "umsetzung",
        "partners": ["wetzlar"],
        "visibility": "oeffentlich",
        "maturity": "prototyp",
    }
    answer = post_form(client, "/forum", "/forum/projekte/parkraumsensorik-innenstadt/bearbeiten", values)
    assert answer.status_code == 303
    project = session.scalar(select(ForumProject).where(ForumProject.slug == "parkraumsensorik-innenstadt"))
    assert project is not None and project.phase is Phase.ROLLOUT
    assert [p.municipality.slug for p in project.partners] == ["wetzlar"]


def test_reuse_this_solution_button(client: TestClient, site: Site, session: Session) -> None:
    login_as(client, "wz_staff")
    page = f"/forum/projekte/{site.telraam}"
    html = client.get(page).text
    assert "Diese Lösung nachnutzen" in html
    oversized = post_form(client, page, f"{page}/nachnutzen", {"status": "im_einsatz", "note": "x" * 2001})
    assert oversized.status_code == 422 and "Bitte höchstens 2000 Zeichen eingeben." in oversized.text
    assert 'href="#f-reuse-note"' in oversized.text
    answer = post_form(client, page, f"{page}/nachnutzen", {"status": "im_einsatz", "note": "Zehn Geräte."})
    assert answer.status_code == 303
    html = client.get(page).text
    assert re.search(r"<strong>Wetzlar</strong> – im Einsatz", html)
    assert session.scalar(select(ForumReuse.note)) == "Zehn Geräte."
    listing = client.get("/forum?kommune=wetzlar").text
    assert "Verkehrszählung mit Telraam-Sensoren" in listing and "Digitales Baumkataster" not in listing


def test_search_and_filters_in_the_list(client: TestClient, site: Site) -> None:
    login_as(client, "gi_staff")
    html = client.get("/forum?handlungsfeld=umwelt").text
    assert "Digitales Baumkataster" in html and "Verkehrszählung mit Telraam" not in html
    assert "Umwelt und Klima" in html and "1 Projekt" in html
    assert "Verkehrszählung mit Telraam" in client.get("/forum?q=Zählung").text
    assert "Keine Projekte gefunden" in client.get("/forum?q=Zählung&technologie=QGIS").text
    english = client.get("/forum?lang=en&reife=erprobt").text
    assert "Digital Forum" in english and "Tested" in english


def test_lessons_and_comments_can_be_removed(client: TestClient, site: Site, session: Session) -> None:
    login_as(client, "of_staff")
    page = f"/forum/projekte/{site.telraam}"
    answer = post_form(
        client, page, f"{page}/erfahrungen", {"kind": "stolperstein", "text": "Strom am Fenster fehlt oft."}
    )
    assert answer.status_code == 303
    assert "Strom am Fenster fehlt oft." in client.get(page).text
    too_short = post_form(client, page, f"{page}/erfahrungen", {"kind": "gelungen", "text": "gut"})
    assert too_short.status_code == 422
    post_form(client, page, f"{page}/kommentare", {"body": "Versehentlich geschrieben"})
    comment_id = session.scalar(select(ForumComment.id))
    answer = post_form(client, page, f"{page}/kommentare/{comment_id}/entfernen", {})
    assert answer.status_code == 303
    html = client.get(page).text
    assert "Dieser Kommentar wurde entfernt." in html and "Versehentlich geschrieben" not in html


def test_events_pages_form_and_participation(client: TestClient, site: Site, session: Session) -> None:
    login_as(client, "fd_staff")
    page = f"/forum/veranstaltungen/{site.event}"
    html = client.get(page).text
    assert "Fulda nimmt teil" in html and "Hybrid" in html
    assert (
        post_form(client, page, f"{page}/teilnahme", {"municipality": "fulda", "action": "zusagen"}).status_code == 303
    )
    assert "Teilnahme von Fulda zurückziehen" in client.get(page).text
    form = client.get("/forum/neue-veranstaltung")
    assert form.status_code == 200 and not parse(form.text).unlabelled_controls()
    data = {
        "title": "Werkstatt Baumkataster",
        "municipality": "fulda",
        "visibility": "forum",
        "format": "online",
        "date": "2025-09-18",
        "start_time": "14:00",
        "end_time": "16:00",
        "agenda": (
            f"14:00 | Begrüßung\n14:10 | Das Baumkataster | Grünflächenamt | {site.trees}\nquatsch | a | b | c | d"
        ),
        "materials": "Folien | https://example.org/folien.pdf | Folien",
        "participants": ["fulda", "marburg"],
    }
    bad = post_form(client, "/forum/neue-veranstaltung", "/forum/neue-veranstaltung", data)
    assert bad.status_code == 422 and "Zeile 3" in bad.text
    data["agenda"] = str(data["agenda"]).rsplit("\n", 1)[0]
    good = post_form(client, "/forum/neue-veranstaltung", "/forum/neue-veranstaltung", data)
    assert good.status_code == 303
    event = session.scalar(select(ForumEvent).where(ForumEvent.title == "Werkstatt Baumkataster"))
    assert event is not None and event.starts_at == dt.datetime(2025, 9, 18, 12, tzinfo=dt.UTC)
    html = client.get(f"/forum/veranstaltungen/{event.slug}").text
    assert "Do., 18.09.2025, 14:00–16:00 Uhr" in html
    assert f'href="/forum/projekte/{site.trees}"' in html and "Folien" in html
    assert "Die Veranstaltung ist vorbei." in html and "nimmt teil" not in html
    listing = client.get("/forum/veranstaltungen").text
    assert listing.index("8. Digitalforum") < listing.index("Werkstatt Baumkataster")  # upcoming before past


def test_admins_invite_guests_with_the_form(client: TestClient, site: Site, session: Session) -> None:
    login_as(client, "of_staff")
    html = client.get("/forum/gaeste").text
    assert "Zurzeit ist keine Kommune als Gast eingeladen." in html and 'name="ags"' not in html
    client.cookies.clear()
    login_as(client, "of_admin")
    bad = post_form(
        client, "/forum/gaeste", "/forum/gaeste", {"municipality": "neu", "name": "Darmstadt", "ags": "0641", "ars": ""}
    )
    assert bad.status_code == 422 and "8 Ziffern" in bad.text
    good = post_form(
        client,
        "/forum/gaeste",
        "/forum/gaeste",
        {"municipality": "neu", "name": "Darmstadt", "ags": "06411000", "ars": "064110000000", "days": "90"},
    )
    assert good.status_code == 303
    invitation = session.scalar(select(ForumInvitation))
    assert invitation is not None and invitation.municipality.slug == "darmstadt"
    assert (invitation.valid_until - invitation.created_at).days == 90
    html = client.get("/forum/gaeste?hinweis=eingeladen").text
    assert "Die Einladung ist ausgesprochen." in html and "Darmstadt" in html
    answer = post_form(client, "/forum/gaeste", f"/forum/gaeste/{invitation.id}/widerrufen", {})
    assert answer.status_code == 303
    assert "widerrufen" in client.get("/forum/gaeste").text


PAGES = (
    "/forum",
    "/forum?lang=en",
    "/forum/projekte/{telraam}",
    "/forum/projekte/{trees}",
    "/forum/projekte/{telraam}/bearbeiten",
    "/forum/neues-projekt",
    "/forum/veranstaltungen",
    "/forum/veranstaltungen/{event}",
    "/forum/neue-veranstaltung",
    "/forum/gaeste",
    "/forum/staedtevergleich",
)


def test_forum_pages_are_accessible(client: TestClient, site: Site) -> None:
    login_as(client, "of_admin")
    for template in PAGES:
        url = template.format(telraam=site.telraam, trees=site.trees, event=site.event)
        response = client.get(url)
        assert response.status_code == 200, url
        page = parse(response.text)
        assert page.html_lang in ("de", "en"), url
        assert len(page.h1) == 1, url
        assert {"header", "main", "footer", "nav"} <= page.landmarks, url
        assert page.unlabelled_controls() == [], url
        assert len(page.ids) == len(set(page.ids)), (url, [i for i in page.ids if page.ids.count(i) > 1])
        assert page.inline_scripts == 0 and page.inline_styles == 0, url
        assert page.tables == page.captions, url
        assert all(scope in ("col", "row") for scope in page.th_scopes), url
        assert 'href="/forum" aria-current="page"' in response.text, url
