"""The AI register: editing rights, the publication step, the public list and the Algoritmeregister JSON export."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kikz.audit import AuditEntry
from kikz.db import utcnow
from kikz.errors import Conflict, InvalidInput, NotFound
from kikz.tenancy import service as tenancy
from kikz.tenancy.permissions import ANONYMOUS, PermissionDenied, Principal, principal_for
from kikz.transparency import register_service as register
from kikz.transparency.register_demo import ASSISTANT_SLUG, load_register_demo
from kikz.transparency.register_export import STANDARD_FIELDS, to_standard
from kikz.transparency.register_models import AlgorithmEntry
from kikz.transparency.register_schemas import EntryInput
from kikz.types import DatasetStatus, ProtectionClass, Role
from tests import factories as f
from tests.webutil import csrf_token, login, parse

# permitted values of the Algoritmeregister publication standard 1.0.0 (AlgorithmIn)
STANDARD_STATUS = {"In ontwikkeling", "In gebruik", "Buiten gebruik"}
STANDARD_CATEGORY = {"Hoog-risico AI-systeem", "Impactvolle algoritmes", "Overige algoritmes"}
STANDARD_THEMES = {
    "Organisatie en bedrijfsvoering",
    "Cultuur en recreatie",
    "Economie",
    "Overheidsfinanciën",
    "Wonen",
    "Internationaal",
    "Migratie en integratie",
    "Natuur en milieu",
    "Onderwijs en wetenschap",
    "Openbare orde en veiligheid",
    "Recht",
    "Ruimte en infrastructuur",
    "Sociale zekerheid",
    "Verkeer",
    "Werk",
    "Zorg en gezondheid",
}
MAX_LENGTHS = {
    "name": 100,
    "description_short": 350,
    "organization": 100,
    "begin_date": 7,
    "end_date": 7,
    "contact_email": 500,
    "website": 500,
    "url": 500,
    "goal": 2500,
    "proportionality": 2500,
    "human_intervention": 2500,
    "risks": 2500,
    "lawful_basis": 2500,
    "process_index_url": 500,
    "impacttoetsen": 2500,
    "source_data": 2500,
    "methods_and_models": 5000,
    "provider": 200,
    "publiccode": 500,
    "source_id": 100,
    "tags": 2500,
}


class World:
    def __init__(self, session: Session) -> None:
        self.session = session
        f.city(session, "offenbach")
        f.city(session, "giessen")
        self.emails = {
            "steward": "steward@offenbach.de",
            "admin": "admin@offenbach.de",
            "staff": "staff@offenbach.de",
            "owner": "owner@offenbach.de",
            "steward_gi": "steward@giessen.de",
        }
        f.user(session, self.emails["steward"], roles={"offenbach": [Role.DATA_STEWARD]})
        f.user(session, self.emails["admin"], roles={"offenbach": [Role.ADMIN]})
        f.user(session, self.emails["staff"], roles={"offenbach": [Role.STAFF]})
        f.user(session, self.emails["owner"], roles={"offenbach": [Role.DATA_OWNER]})
        f.user(session, self.emails["steward_gi"], roles={"giessen": [Role.DATA_STEWARD]})
        session.flush()

    def p(self, who: str) -> Principal:
        return principal_for(self.session, tenancy.get_user_by_email(self.session, self.emails[who]))


@pytest.fixture
def world(session: Session) -> World:
    return World(session)


def complete(**over: Any) -> EntryInput:
    data: dict[str, Any] = {
        "municipality": "offenbach",
        "name": "Parkscan-Fahrzeug erkennt Falschparker",
        "description_short": "Ein Fahrzeug liest Kennzeichen und prüft, ob für das Auto ein Parkschein gebucht ist.",
        "organisation": "Stadt Offenbach am Main",
        "themes": ["verkehr", "sicherheit"],
        "lifecycle": "in_use",
        "begin_date": "2024-05",
        "contact": "algorithmen@offenbach.de",
        "website": "https://www.offenbach.de/parkscan",
        "publication_category": "impactful",
        "goal": "Falschparker schneller finden.",
        "proportionality": "Schneller als Kontrollen zu Fuß.",
        "human_intervention": "Eine Kontrollkraft prüft jeden Treffer vor Ort.",
        "risks": "Fehllesungen: jeder Treffer wird von einem Menschen geprüft.",
        "lawful_basis": "Straßenverkehrsordnung, Parkgebührenordnung.",
        "lawful_basis_links": [{"title": "StVO", "link": "https://www.gesetze-im-internet.de/stvo_2013/"}],
        "impact_assessments": [{"title": "DSFA Parkscan", "link": "https://www.offenbach.de/dsfa-parkscan.pdf"}],
        "source_data": "Kennzeichen, Standort, gebuchte Parkscheine.",
        "methods_and_models": "Kennzeichenerkennung (OCR), Abgleich mit der Parkschein-Datenbank.",
        "provider": "Beispiel GmbH",
    }
    data.update(over)
    return EntryInput(**data)


def _create(world: World, who: str = "steward", **over: Any) -> AlgorithmEntry:
    return register.create_entry(world.session, principal=world.p(who), data=complete(**over))


# ------------------------------------------------------------------------------------------------ service


def test_steward_creates_edits_publishes_withdraws_and_every_step_is_audited(world: World) -> None:
    s = world.session
    entry = _create(world)
    assert entry.slug == "offenbach-parkscan-fahrzeug-erkennt-falschparker"
    assert entry.status is DatasetStatus.DRAFT and entry.protection_class is ProtectionClass.OEFFENTLICH
    assert entry.register_number == f"KIKZ-{entry.id:04d}"

    register.update_entry(s, principal=world.p("admin"), entry=entry, data=complete(goal="Parkverstöße erkennen."))
    assert entry.goal == "Parkverstöße erkennen." and entry.revision == 2
    register.publish_entry(s, principal=world.p("steward"), entry=entry)
    assert entry.status is DatasetStatus.PUBLISHED and entry.published_at is not None
    register.withdraw_entry(s, principal=world.p("admin"), entry=entry, reason="Vertrag ausgelaufen")
    assert entry.status is DatasetStatus.DRAFT

    rows = s.execute(
        select(AuditEntry.action, AuditEntry.before, AuditEntry.after)
        .where(AuditEntry.entity_type == "algorithm_entry", AuditEntry.entity_id == entry.slug)
        .order_by(AuditEntry.id)
    ).all()
    assert [r.action for r in rows] == [
        "ai_register.create",
        "ai_register.update",
        "ai_register.publish",
        "ai_register.withdraw",
    ]
    update = rows[1]
    assert update.before == {"goal": "Falschparker schneller finden."}
    assert update.after == {"goal": "Parkverstöße erkennen."}
    assert rows[3].after == {"status": "draft", "reason": "Vertrag ausgelaufen"}


def test_only_stewards_and_administration_of_the_city_edit(world: World) -> None:
    s = world.session
    for who in ("staff", "owner", "steward_gi"):
        with pytest.raises(PermissionDenied):
            _create(world, who)
    with pytest.raises(PermissionDenied):
        register.create_entry(s, principal=ANONYMOUS, data=complete())
    entry = _create(world, "admin")
    for who in ("staff", "owner", "steward_gi"):
        with pytest.raises(PermissionDenied):
            register.update_entry(s, principal=world.p(who), entry=entry, data=complete(name="Anders benannt"))
        with pytest.raises(PermissionDenied):
            register.publish_entry(s, principal=world.p(who), entry=entry)
    root = f.admin_principal(s)
    register.update_entry(s, principal=root, entry=entry, data=complete(name="Vom Betrieb korrigiert"))
    assert entry.name == "Vom Betrieb korrigiert"
    with pytest.raises(InvalidInput):
        register.update_entry(s, principal=root, entry=entry, data=complete(municipality="giessen"))


def test_publication_needs_a_complete_entry(world: World) -> None:
    s = world.session
    entry = _create(world, goal="", risks="", publication_category="high_risk", impact_assessments=[])
    entry.interacts_with_people = True
    fields = {name for name, _ in register.blockers(entry)}
    assert fields == {"goal", "risks", "impact_assessments", "ai_notice"}
    with pytest.raises(Conflict) as exc:
        register.publish_entry(s, principal=world.p("steward"), entry=entry)
    assert "Zweck und Wirkung" in exc.value.message and "Art. 50" in exc.value.message
    assert entry.status is DatasetStatus.DRAFT

    retired = _create(world, name="Alter Ampelrechner", lifecycle="retired", begin_date="")
    assert {name for name, _ in register.blockers(retired)} == {"begin_date", "end_date"}


def test_a_published_entry_stays_complete_and_is_never_deleted(world: World) -> None:
    s = world.session
    entry = _create(world)
    register.publish_entry(s, principal=world.p("steward"), entry=entry)
    s.commit()
    with pytest.raises(Conflict):
        register.update_entry(s, principal=world.p("steward"), entry=entry, data=complete(human_intervention=""))
    s.rollback()  # the route rolls back the same way
    entry = s.scalars(select(AlgorithmEntry)).one()
    assert entry.human_intervention and entry.status is DatasetStatus.PUBLISHED
    with pytest.raises(Conflict):
        register.publish_entry(s, principal=world.p("steward"), entry=entry)
    register.withdraw_entry(s, principal=world.p("steward"), entry=entry, reason="Überarbeitung")
    with pytest.raises(Conflict):  # was public once: retire it, do not erase it
        register.delete_entry(s, principal=world.p("steward"), entry=entry)

    draft = _create(world, name="Nie veröffentlicht")
    register.delete_entry(s, principal=world.p("admin"), entry=draft)
    assert s.scalar(select(AlgorithmEntry.id).where(AlgorithmEntry.name == "Nie veröffentlicht")) is None


def test_input_limits_follow_the_standard() -> None:
    from pydantic import ValidationError

    from kikz.transparency.register_schemas import field_errors

    bad = {
        "name": "x" * 101,
        "description_short": "y" * 351,
        "begin_date": "03/2025",
        "contact": "keine adresse",
        "themes": ["verkehr", "umwelt", "raum", "wohnen"],
        "website": "javascript:alert(1)",
    }
    with pytest.raises(ValidationError) as exc:
        complete(**bad)
    errors = dict(field_errors(exc.value))
    assert set(errors) == {"name", "description_short", "begin_date", "contact", "themes", "website"}
    assert errors["name"].startswith("Bitte höchstens 100 Zeichen") and " / " in errors["name"]
    with pytest.raises(ValidationError) as exc:
        complete(lifecycle="in_use", end_date="2025-01")
    assert dict(field_errors(exc.value)) == {
        "end_date": "Ein Ende gibt es nur bei Systemen außer Betrieb. / Only retired systems have an end date."
    }
    cleaned = complete(goal="Zeile eins\r\nZeile zwei\x07")
    assert cleaned.goal == "Zeile eins\nZeile zwei"


def test_visibility_uses_the_one_policy(world: World) -> None:
    s = world.session
    draft = _create(world, name="Entwurf Offenbach")
    internal = _create(world, name="Interne Verkehrssteuerung", protection_class="intern")
    register.publish_entry(s, principal=world.p("steward"), entry=internal)
    public = _create(world, name="Öffentlicher Eintrag")
    register.publish_entry(s, principal=world.p("steward"), entry=public)

    def names(principal: Principal, published_only: bool = True) -> set[str]:
        return {e.name for e in register.list_entries(s, principal=principal, published_only=published_only)}

    assert names(ANONYMOUS) == {"Öffentlicher Eintrag"}
    assert names(world.p("staff")) == {"Öffentlicher Eintrag", "Interne Verkehrssteuerung"}
    assert names(world.p("staff"), published_only=False) == {
        "Öffentlicher Eintrag",
        "Interne Verkehrssteuerung",
        "Entwurf Offenbach",
    }
    assert names(world.p("steward_gi"), published_only=False) == {"Öffentlicher Eintrag"}
    with pytest.raises(NotFound):
        register.get_entry(s, principal=ANONYMOUS, slug=draft.slug)


def test_a_dataset_grant_does_not_reveal_an_unrelated_entry_with_the_same_id(world: World) -> None:
    """visible() checks grants through ``dataset_id``: an entry is not a dataset, its id must not match a grant."""
    s = world.session
    entry = _create(world, name="Geheimer Entwurf", protection_class="intern")
    ds = f.dataset(s, title="Vertrauliche Liste", protection_class=ProtectionClass.VERTRAULICH)
    outsider = f.user(s, "extern@example.org")
    tenancy.grant_access(
        s,
        user=outsider,
        dataset_id=ds.id,
        purpose="Prüfung",
        valid_until=utcnow() + dt.timedelta(days=5),
        granted_by=f.admin_principal(s),
    )
    # give the entry the dataset's id, so a grant check on the wrong column would let it through
    s.execute(update(AlgorithmEntry).where(AlgorithmEntry.id == entry.id).values(id=ds.id))
    s.expire_all()
    entry = s.scalars(select(AlgorithmEntry)).one()
    assert entry.id == ds.id
    who = principal_for(s, outsider)
    assert register.list_entries(s, principal=who, published_only=False) == []
    entry.dataset_id = ds.id  # now the entry documents that dataset: the grant holder may read it
    s.flush()
    assert [e.name for e in register.list_entries(s, principal=who, published_only=False)] == ["Geheimer Entwurf"]


# ------------------------------------------------------------------------------------------------ export


def _check_standard_shape(item: dict[str, Any]) -> None:
    assert list(item) == list(STANDARD_FIELDS) or list(item) == [*STANDARD_FIELDS, "kikz"]
    assert item["status"] in STANDARD_STATUS
    assert item["publication_category"] in STANDARD_CATEGORY
    assert set(item["category"]) <= STANDARD_THEMES and len(item["category"]) <= 3
    assert item["standard_version"] == "1.0.0" and item["lang"] == "deu"
    for name, limit in MAX_LENGTHS.items():
        assert isinstance(item[name], str) and len(item[name]) <= limit, name
    for group in ("lawful_basis_grouping", "impacttoetsen_grouping", "source_data_grouping"):
        assert all(set(link) == {"title", "link"} for link in item[group])


def test_json_export_has_the_shape_of_the_standard_and_only_published_entries(world: World, client: TestClient) -> None:
    s = world.session
    entry = _create(world, publication_category="high_risk")
    register.publish_entry(s, principal=world.p("steward"), entry=entry)
    _create(world, name="Noch ein Entwurf")
    s.commit()

    body = client.get("/ki-register.json").json()
    assert len(body) == 1
    item = body[0]
    _check_standard_shape(item)
    assert item["name"] == "Parkscan-Fahrzeug erkennt Falschparker"
    assert item["organization"] == "Stadt Offenbach am Main"
    assert item["category"] == ["Verkeer", "Openbare orde en veiligheid"]
    assert item["status"] == "In gebruik" and item["publication_category"] == "Hoog-risico AI-systeem"
    assert item["contact_email"] == "algorithmen@offenbach.de"
    assert item["lawful_basis_grouping"] == [{"title": "StVO", "link": "https://www.gesetze-im-internet.de/stvo_2013/"}]
    assert item["impacttoetsen_grouping"][0]["title"] == "DSFA Parkscan"
    assert item["source_id"] == entry.slug
    assert item["url"] == f"http://testserver/ki-register/{entry.slug}.json"
    assert "kikz" not in item

    one = client.get(f"/ki-register/{entry.slug}.json?erweitert=1").json()
    _check_standard_shape(one)
    assert one["kikz"]["register_number"] == entry.register_number
    assert one["kikz"]["publication_status"] == "published"
    assert client.get("/ki-register.json?kategorie=other").json() == []
    assert client.get("/ki-register/noch-ein-entwurf.json").status_code == 404


def test_demo_register_starts_with_the_assistant_and_exports_valid_entries(session: Session) -> None:
    for slug in ("offenbach", "giessen", "wetzlar", "fulda"):
        f.city(session, slug)
    made = load_register_demo(session, base_url="https://daten.example.de")
    assert made == 6
    assert load_register_demo(session, base_url="https://daten.example.de") == 0  # only once
    entries = register.list_entries(session, principal=ANONYMOUS)
    assert (
        entries[0].slug == ASSISTANT_SLUG and entries[0].interacts_with_people and "KI-System" in entries[0].ai_notice
    )
    assert len(entries) == 5
    assert {e.municipality.slug for e in entries} == {"offenbach", "giessen", "wetzlar", "fulda"}
    drafts = register.list_entries(session, principal=f.admin_principal(session), published_only=False)
    assert len(drafts) == 6
    for e in entries:
        assert register.blockers(e) == []
        _check_standard_shape(to_standard(e, base_url="https://daten.example.de"))


# ------------------------------------------------------------------------------------------------ pages


def _accessible(html: str) -> None:
    page = parse(html)
    assert page.html_lang in ("de", "en")
    assert len(page.h1) == 1, page.h1
    assert {"header", "main", "footer", "nav"} <= page.landmarks
    assert not page.unlabelled_controls(), page.unlabelled_controls()
    assert len(page.ids) == len(set(page.ids)), "duplicate ids"
    assert page.tables == page.captions
    assert page.inline_scripts == 0 and page.inline_styles == 0


def test_public_list_shows_only_published_entries_with_filters(world: World, client: TestClient) -> None:
    s = world.session
    a = _create(world, name="Verkehrsprognose Offenbach", themes=["verkehr"], publication_category="other")
    b = register.create_entry(
        s, principal=world.p("steward_gi"), data=complete(municipality="giessen", name="Chatbot Gießen")
    )
    _create(world, name="Unveröffentlichter Entwurf")
    register.publish_entry(s, principal=world.p("steward"), entry=a)
    register.publish_entry(s, principal=world.p("steward_gi"), entry=b)
    s.commit()

    for lang in ("de", "en"):
        page = client.get(f"/ki-register?lang={lang}")
        assert page.status_code == 200
        _accessible(page.text)
        assert "Verkehrsprognose Offenbach" in page.text and "Chatbot Gießen" in page.text
        assert "Unveröffentlichter Entwurf" not in page.text
    assert "AI register" in client.get("/ki-register?lang=en").text

    only_giessen = client.get("/ki-register?kommune=giessen").text
    assert "Chatbot Gießen" in only_giessen and "Verkehrsprognose Offenbach" not in only_giessen
    other = client.get("/ki-register?kategorie=other&lang=de").text
    assert "Verkehrsprognose Offenbach" in other and "Chatbot Gießen" not in other
    in_use = client.get("/ki-register?status=in_development").text
    assert "Verkehrsprognose Offenbach" not in in_use
    assert client.get("/ki-register?status=kaputt&kategorie=%3Cx%3E").status_code == 200  # ignored, no error

    detail = client.get(f"/ki-register/{a.slug}")
    assert detail.status_code == 200
    _accessible(detail.text)
    assert "KIKZ-" in detail.text and "Zweck und Wirkung" in detail.text
    draft_slug = s.scalar(select(AlgorithmEntry.slug).where(AlgorithmEntry.status == DatasetStatus.DRAFT))
    assert client.get(f"/ki-register/{draft_slug}").status_code == 404


def test_editor_creates_and_publishes_through_the_forms(world: World, client: TestClient) -> None:
    world.session.commit()
    assert client.get("/verwaltung/ki-register", follow_redirects=False).status_code == 303  # login first
    assert login(client, world.emails["steward"]).status_code == 303
    form_page = client.get("/verwaltung/ki-register/neu?kommune=offenbach")
    assert form_page.status_code == 200
    _accessible(form_page.text)
    token = csrf_token(form_page)
    fields = {
        "csrf_token": token,
        "municipality": "offenbach",
        "name": "Z" * 120,
        "description_short": "Kurz.",
        "organisation": "Stadt Offenbach am Main",
        "lifecycle": "in_use",
        "begin_date": "2025-02",
        "contact": "ki@offenbach.de",
        "publication_category": "other",
        "protection_class": "oeffentlich",
        "themes": "verkehr",
        "lawful_basis_links": "StVO | https://www.gesetze-im-internet.de/stvo_2013/",
    }
    bad = client.post("/verwaltung/ki-register/neu", data=fields, follow_redirects=False)
    assert bad.status_code == 422
    assert "Bitte höchstens 100 Zeichen eingeben. / Please enter at most 100 characters." in bad.text
    assert "Bitte mindestens 10 Zeichen" in bad.text
    _accessible(bad.text)
    assert world.session.scalar(select(AlgorithmEntry.id)) is None

    fields.update(name="Ampelsteuerung lernt aus Zählwerten", description_short="Eine Ampel passt ihre Phasen an.")
    made = client.post("/verwaltung/ki-register/neu", data=fields, follow_redirects=False)
    assert made.status_code == 303
    slug = made.headers["location"].split("?")[0].rsplit("/", 1)[1]
    draft_page = client.get(made.headers["location"])
    assert (
        "Dieser Eintrag ist nicht veröffentlicht" in draft_page.text
        and "Vor der Veröffentlichung fehlt" in draft_page.text
    )
    refused = client.post(
        f"/verwaltung/ki-register/{slug}/veroeffentlichen", data={"csrf_token": token}, follow_redirects=False
    )
    assert refused.status_code == 409 and "Zweck und Wirkung" in refused.text

    edit = client.get(f"/verwaltung/ki-register/{slug}/bearbeiten")
    assert "StVO | https://www.gesetze-im-internet.de/stvo_2013/" in edit.text
    fields.update(
        goal="Wartezeiten verkürzen.",
        human_intervention="Die Verkehrszentrale überwacht.",
        risks="Fehlsteuerung: Rückfall auf Festzeitprogramm.",
        lawful_basis="StVO § 37.",
        source_data="Zählwerte der Schleifen.",
    )
    assert (
        client.post(f"/verwaltung/ki-register/{slug}/bearbeiten", data=fields, follow_redirects=False).status_code
        == 303
    )
    published = client.post(
        f"/verwaltung/ki-register/{slug}/veroeffentlichen", data={"csrf_token": token}, follow_redirects=False
    )
    assert published.status_code == 303
    no_reason = client.post(f"/verwaltung/ki-register/{slug}/zurueckziehen", data={"csrf_token": token, "reason": ""})
    assert no_reason.status_code == 422 and "Bitte einen Grund angeben" in no_reason.text
    without_csrf = client.post(f"/verwaltung/ki-register/{slug}/zurueckziehen", data={"reason": "Test der Sperre"})
    assert without_csrf.status_code == 403

    client.cookies.clear()
    assert "Ampelsteuerung lernt aus Zählwerten" in client.get("/ki-register").text
    login(client, world.emails["staff"])
    assert client.get(f"/verwaltung/ki-register/{slug}/bearbeiten").status_code == 403
    assert client.get("/verwaltung/ki-register/neu").status_code == 403


def test_linked_dataset_is_shown_only_to_those_who_may_see_it(world: World, client: TestClient) -> None:
    s = world.session
    open_ds = f.dataset(s, title="Zählstellen offen")
    internal_ds = f.dataset(s, title="Interne Schaltpläne", protection_class=ProtectionClass.INTERN)
    with pytest.raises(InvalidInput):  # a dataset of another city cannot be linked
        other = f.dataset(s, municipality="giessen", title="Gießener Daten")
        _create(world, name="Falsch verknüpft", dataset=other.name)
    linked_open = _create(world, name="Mit offenem Datensatz", dataset=open_ds.name)
    linked_internal = _create(world, name="Mit internem Datensatz", dataset=internal_ds.name)
    for entry in (linked_open, linked_internal):
        register.publish_entry(s, principal=world.p("steward"), entry=entry)
    s.commit()
    assert "Zählstellen offen" in client.get(f"/ki-register/{linked_open.slug}").text
    anonymous_view = client.get(f"/ki-register/{linked_internal.slug}").text
    assert "Interne Schaltpläne" not in anonymous_view and internal_ds.name not in anonymous_view
    login(client, world.emails["staff"])
    assert "Interne Schaltpläne" in client.get(f"/ki-register/{linked_internal.slug}").text
