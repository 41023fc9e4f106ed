"""Citizen information pages, and citizens' messages: routing to the right steward, spam limits, privacy."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from kikz.audit import AuditEntry
from kikz.catalog.models import Dataset
from kikz.db import utcnow
from kikz.tenancy import service as tenancy
from kikz.transparency import feedback_service as feedback
from kikz.transparency.feedback_models import CitizenMessage, MessageKind, MessageStatus
from kikz.types import ProtectionClass, Role
from tests import factories as f
from tests.webutil import csrf_token, login, parse

INFO_PAGES = [
    "/informationen",
    "/informationen/leichte-sprache",
    "/informationen/daten",
    "/informationen/daten/leichte-sprache",
    "/informationen/verkehrszaehlung",
    "/informationen/verkehrszaehlung/leichte-sprache",
    "/informationen/ki-assistent",
    "/informationen/ki-assistent/leichte-sprache",
    "/informationen/datenwunsch",
    "/informationen/rueckmeldung-barrierefreiheit",
    "/barrierefreiheit",
]
EMAIL = "anna.beispiel@example.org"


def _accessible(html: str, url: str) -> None:
    page = parse(html)
    assert len(page.h1) == 1, (url, page.h1)
    assert {"header", "main", "footer", "nav"} <= page.landmarks, url
    assert "#main" in page.links, url
    assert not page.unlabelled_controls(), (url, page.unlabelled_controls())
    assert len(page.ids) == len(set(page.ids)), (url, "duplicate ids")
    assert page.tables == page.captions, url
    assert all(scope in ("col", "row") for scope in page.th_scopes), url
    assert page.inline_scripts == 0 and page.inline_styles == 0, url


class World:
    """Offenbach with two stewards (one named on the dataset), an admin; Gießen with a steward."""

    def __init__(self, session: Session) -> None:
        self.session = session
        f.city(session, "offenbach")
        f.city(session, "giessen")
        f.city(session, "gastdorf")
        self.named = f.user(session, "named@offenbach.de", roles={"offenbach": [Role.DATA_STEWARD]})
        self.other = f.user(session, "other@offenbach.de", roles={"offenbach": [Role.DATA_STEWARD]})
        self.admin = f.user(session, "admin@offenbach.de", roles={"offenbach": [Role.ADMIN]})
        self.owner = f.user(session, "owner@offenbach.de", roles={"offenbach": [Role.DATA_OWNER]})
        self.gi = f.user(session, "steward@giessen.de", roles={"giessen": [Role.DATA_STEWARD]})
        f.user(session, "root@kikz.test", superuser=True)
        self.with_steward = f.dataset(session, title="Radzählung Kaiserstraße", steward_id=None)
        self.with_steward.steward_id = self.named.id
        self.without_steward = f.dataset(session, title="Spielplätze Offenbach")
        self.hidden = f.dataset(session, title="Personalliste", protection_class=ProtectionClass.VERTRAULICH)
        session.commit()


@pytest.fixture
def world(session: Session) -> World:
    return World(session)


def _send(client: TestClient, url: str, form_url: str | None = None, **fields: str):  # type: ignore[no-untyped-def]
    token = csrf_token(client.get(form_url or url))
    data = {"csrf_token": token, "subject": "Frage", "body": "Eine ausreichend lange Nachricht.", **fields}
    return client.post(url, data=data, follow_redirects=False)


def _messages(session: Session) -> list[CitizenMessage]:
    session.expire_all()
    return list(session.scalars(select(CitizenMessage).order_by(CitizenMessage.id)))


def _queue_refs(client: TestClient, email: str) -> set[str]:
    client.cookies.clear()
    assert login(client, email).status_code == 303
    page = client.get("/verwaltung/anliegen?ansicht=alle")
    assert page.status_code == 200
    return set(re.findall(r'href="/verwaltung/anliegen/(A-[0-9A-Z]{6})"', page.text))


# ------------------------------------------------------------------------------------------------ pages


@pytest.mark.parametrize("lang", ["de", "en"])
def test_information_pages_render_accessibly_in_both_languages(client: TestClient, lang: str) -> None:
    for url in INFO_PAGES:
        response = client.get(f"{url}?lang={lang}")
        assert response.status_code == 200, url
        assert parse(response.text).html_lang == lang, url
        _accessible(response.text, url)
    plain = client.get(f"/informationen/verkehrszaehlung?lang={lang}").text
    easy = client.get(f"/informationen/verkehrszaehlung/leichte-sprache?lang={lang}").text
    assert 'href="/informationen/verkehrszaehlung/leichte-sprache"' in plain
    assert 'href="/informationen/verkehrszaehlung"' in easy
    if lang == "de":
        assert "Die Zähler zählen – sie erkennen niemanden." in plain
        assert "Die Zähl-Geräte wissen nicht, wer Sie sind" in easy
        assert "Hinweis nach Art. 50 der KI-Verordnung" in client.get("/informationen/ki-assistent").text
    else:
        assert "The counters count – they do not recognise anybody." in plain
        assert "The counters do not know who you are" in easy
        assert "You are talking to an AI" in client.get("/informationen/ki-assistent?lang=en").text


def test_suppression_threshold_on_the_counter_page_is_the_configured_one(client: TestClient) -> None:
    assert (
        "Stundenwerte von Rad- und Fußverkehr unter 5 zurückgehalten"
        in client.get("/informationen/verkehrszaehlung").text
    )


def test_accessibility_statement_and_dataset_page_carry_a_feedback_form(world: World, client: TestClient) -> None:
    statement = parse(client.get("/barrierefreiheit").text)
    assert {"csrf_token", "subject", "body", "contact_email", "website", "municipality", "topic"} <= set(
        statement.inputs
    )
    assert "/informationen/rueckmeldung-barrierefreiheit" in client.get("/barrierefreiheit").text
    page = client.get(f"/datensaetze/{world.with_steward.name}")
    assert f'action="/datensaetze/{world.with_steward.name}/rueckmeldung"' in page.text
    _accessible(page.text, "dataset")


# ------------------------------------------------------------------------------------------------ routing


def test_dataset_feedback_reaches_the_named_steward_and_nobody_else(world: World, client: TestClient) -> None:
    url = f"/datensaetze/{world.with_steward.name}/rueckmeldung"
    sent = _send(client, url, topic="error", contact_email=EMAIL)
    assert sent.status_code == 303 and sent.headers["location"].startswith("/informationen/anliegen/")
    (msg,) = _messages(world.session)
    assert msg.kind is MessageKind.DATASET_FEEDBACK and msg.recipient_user_id == world.named.id
    assert msg.dataset_title == "Radzählung Kaiserstraße"

    assert _queue_refs(client, "named@offenbach.de") == {msg.reference}
    detail = client.get(f"/verwaltung/anliegen/{msg.reference}")
    assert EMAIL in detail.text  # the recipient needs it to answer
    for outsider in ("other@offenbach.de", "admin@offenbach.de", "owner@offenbach.de", "steward@giessen.de"):
        client.cookies.clear()
        login(client, outsider)
        queue = client.get("/verwaltung/anliegen?ansicht=alle")
        assert msg.reference not in queue.text, outsider
        assert client.get(f"/verwaltung/anliegen/{msg.reference}").status_code in (403, 404), outsider
    assert _queue_refs(client, "root@kikz.test") == {msg.reference}


def test_without_a_named_steward_the_city_stewards_receive_it(world: World, client: TestClient) -> None:
    _send(client, f"/datensaetze/{world.without_steward.name}/rueckmeldung", topic="outdated")
    (msg,) = _messages(world.session)
    assert msg.recipient_user_id is None and msg.recipient_role is Role.DATA_STEWARD
    assert _queue_refs(client, "named@offenbach.de") == {msg.reference}
    assert _queue_refs(client, "other@offenbach.de") == {msg.reference}
    assert _queue_refs(client, "steward@giessen.de") == set()


def test_data_request_goes_to_the_stewards_of_the_chosen_city(world: World, client: TestClient) -> None:
    missing_city = _send(client, "/informationen/datenwunsch", topic="new", municipality="")
    assert missing_city.status_code == 422 and "Bitte wählen Sie die Stadt" in missing_city.text
    guest = _send(client, "/informationen/datenwunsch", topic="new", municipality="gastdorf")
    assert guest.status_code == 422
    sent = _send(client, "/informationen/datenwunsch", topic="new", municipality="giessen")
    assert sent.status_code == 303
    (msg,) = _messages(world.session)
    assert msg.kind is MessageKind.DATA_REQUEST and msg.recipient_role is Role.DATA_STEWARD
    assert _queue_refs(client, "steward@giessen.de") == {msg.reference}
    assert _queue_refs(client, "named@offenbach.de") == set()


def test_accessibility_feedback_goes_to_the_city_administration_or_the_platform(
    world: World, client: TestClient
) -> None:
    url = "/informationen/rueckmeldung-barrierefreiheit"
    _send(client, url, topic="barrier", municipality="offenbach", page_url="/verkehr")
    _send(client, url, topic="document", municipality="")
    city_msg, platform_msg = _messages(world.session)
    assert city_msg.recipient_role is Role.ADMIN and platform_msg.municipality_id is None
    assert _queue_refs(client, "admin@offenbach.de") == {city_msg.reference}
    assert _queue_refs(client, "named@offenbach.de") == set()
    assert _queue_refs(client, "root@kikz.test") == {city_msg.reference, platform_msg.reference}


def test_feedback_on_a_hidden_dataset_is_not_accepted(world: World, client: TestClient) -> None:
    response = _send(
        client,
        f"/datensaetze/{world.hidden.name}/rueckmeldung",
        form_url="/informationen/datenwunsch",
        topic="error",
    )
    assert response.status_code == 404
    assert _messages(world.session) == []


def test_named_steward_forwards_to_the_city_and_answers_reach_the_sender(world: World, client: TestClient) -> None:
    sent = _send(client, f"/datensaetze/{world.with_steward.name}/rueckmeldung", topic="question")
    receipt_url = sent.headers["location"].split("?")[0]
    (msg,) = _messages(world.session)
    client.cookies.clear()
    login(client, "named@offenbach.de")
    token = csrf_token(client.get(f"/verwaltung/anliegen/{msg.reference}"))
    empty = client.post(
        f"/verwaltung/anliegen/{msg.reference}", data={"csrf_token": token, "status": "answered", "answer": ""}
    )
    assert empty.status_code == 422 and "brauchen eine Antwort" in empty.text
    forwarded = client.post(
        f"/verwaltung/anliegen/{msg.reference}/weitergeben", data={"csrf_token": token}, follow_redirects=False
    )
    assert forwarded.status_code == 303
    assert _queue_refs(client, "other@offenbach.de") == {msg.reference}
    token = csrf_token(client.get(f"/verwaltung/anliegen/{msg.reference}"))
    answer = "Die Zählstelle war defekt.\n\nDie Werte vom Mai werden korrigiert."
    done = client.post(
        f"/verwaltung/anliegen/{msg.reference}",
        data={"csrf_token": token, "status": "answered", "answer": answer},
        follow_redirects=False,
    )
    assert done.status_code == 303
    (msg,) = _messages(world.session)
    assert msg.status is MessageStatus.ANSWERED and msg.answered_by_id == world.other.id and msg.closed_at

    client.cookies.clear()
    receipt = client.get(receipt_url)
    assert receipt.status_code == 200 and "Die Zählstelle war defekt." in receipt.text
    assert "beantwortet" in receipt.text
    assert receipt.headers["cache-control"] == "private, no-store"
    assert client.get("/informationen/anliegen/nicht-der-richtige-schluessel-123").status_code == 404


# ------------------------------------------------------------------------------------------------ abuse


def test_honeypot_oversize_and_link_spam_are_refused_with_clear_messages(world: World, client: TestClient) -> None:
    url = "/informationen/datenwunsch"
    bot = _send(client, url, topic="new", municipality="offenbach", website="http://spam.example")
    assert bot.status_code == 422 and "automatisch erzeugt" in bot.text and "looks automated" in bot.text
    long = _send(client, url, topic="new", municipality="offenbach", body="x" * 3001)
    assert long.status_code == 422 and "Ihr Text hat 3001 Zeichen; erlaubt sind höchstens 3000" in long.text
    assert "x" * 3001 in long.text  # the text is kept, so nothing typed is lost
    links = " ".join(f"https://werbung{i}.example" for i in range(4))
    spam = _send(client, url, topic="new", municipality="offenbach", body=f"Billig kaufen {links}")
    assert spam.status_code == 422 and "höchstens 3 Internetadressen" in spam.text
    subject = _send(client, url, topic="new", municipality="offenbach", subject="s" * 151)
    assert subject.status_code == 422 and "höchstens 150 Zeichen" in subject.text
    mail = _send(client, url, topic="new", municipality="offenbach", contact_email="kein@adresse")
    assert mail.status_code == 422 and "gültige E-Mail-Adresse" in mail.text
    topic = _send(client, url, topic="<b>", municipality="offenbach")
    assert topic.status_code == 422
    _accessible(topic.text, url)

    token = csrf_token(client.get(url))
    huge = client.post(url, data={"csrf_token": token, "body": "y" * 40_000, "subject": "s"})
    assert huge.status_code == 413 and "Die Nachricht ist zu groß" in huge.text
    without_csrf = client.post(url, data={"subject": "Frage", "body": "Eine ausreichend lange Nachricht."})
    assert without_csrf.status_code == 403
    assert _messages(world.session) == []


def test_rate_limit_per_address(world: World, client: TestClient) -> None:
    url = "/informationen/datenwunsch"
    for i in range(feedback.RATE_LIMIT):
        assert _send(client, url, topic="new", municipality="offenbach", subject=f"Wunsch {i}").status_code == 303
    refused = _send(client, url, topic="new", municipality="offenbach", subject="Noch einer")
    assert refused.status_code == 429
    assert "in der letzten Stunde bereits 5 Nachrichten" in refused.text
    assert len(_messages(world.session)) == feedback.RATE_LIMIT
    hashes = {m.ip_hash for m in _messages(world.session)}
    assert len(hashes) == 1 and "testclient" not in hashes.pop()  # a keyed hash, never the address


def test_html_is_shown_as_text_and_never_rendered(world: World, client: TestClient) -> None:
    body = '<script>alert("x")</script> <b>fett</b> <a href="https://evil.example">Link</a>'
    sent = _send(
        client,
        f"/datensaetze/{world.with_steward.name}/rueckmeldung",
        topic="error",
        subject="<i>Betreff</i>",
        body=body,
    )
    receipt = client.get(sent.headers["location"]).text
    assert "&lt;script&gt;alert(" in receipt and "<script>alert" not in receipt
    assert "<b>fett</b>" not in receipt and "&lt;i&gt;Betreff&lt;/i&gt;" in receipt
    (msg,) = _messages(world.session)
    assert msg.body == body  # stored as typed
    client.cookies.clear()
    login(client, "named@offenbach.de")
    detail = client.get(f"/verwaltung/anliegen/{msg.reference}").text
    assert "<script>alert" not in detail and 'href="https://evil.example"' not in detail


def test_the_senders_email_never_appears_in_public_output(world: World, client: TestClient) -> None:
    sent = _send(
        client,
        "/informationen/datenwunsch",
        topic="format",
        municipality="offenbach",
        contact_email=EMAIL,
        contact_name="Anna Beispiel",
    )
    receipt = client.get(sent.headers["location"])
    public = [
        receipt.text,
        client.get("/informationen").text,
        client.get("/ki-register").text,
        client.get("/ki-register.json").text,
        client.get(f"/datensaetze/{world.with_steward.name}").text,
        client.get("/catalog.ttl").text,
    ]
    for text in public:
        assert EMAIL not in text and "Anna Beispiel" not in text
    audit = world.session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "citizen_message")).all()
    assert audit and all(EMAIL not in json.dumps([a.before, a.after]) for a in audit)
    assert all("Eine ausreichend lange Nachricht" not in json.dumps([a.before, a.after]) for a in audit)


def test_personal_details_are_erased_after_the_retention_period(world: World, session: Session) -> None:
    ds = session.get(Dataset, world.with_steward.id)
    old = utcnow() - dt.timedelta(days=feedback.RETENTION_DAYS + 10)
    message, _ = feedback.submit(
        session,
        submission=feedback.Submission(
            kind=MessageKind.DATASET_FEEDBACK,
            topic="error",
            subject="Alt",
            body="Eine alte Rückmeldung zum Datensatz.",
            contact_email=EMAIL,
            contact_name="Anna",
        ),
        client_ip="192.0.2.1",
        secret_key="k",
        dataset=ds,
        now=old,
    )
    message.status, message.closed_at = MessageStatus.ANSWERED, old
    session.flush()
    feedback.submit(
        session,
        submission=feedback.Submission(
            kind=MessageKind.DATA_REQUEST,
            topic="new",
            subject="Neu",
            body="Bitte Baumkataster.",
            municipality="giessen",
        ),
        client_ip="192.0.2.2",
        secret_key="k",
    )
    session.refresh(message)
    assert message.contact_email is None and message.contact_name is None and message.ip_hash is None
    assert message.body  # the content stays for the city's records, only the personal details go


def test_service_rejects_unknown_status_and_checks_recipients(world: World, session: Session) -> None:
    ds = session.get(Dataset, world.with_steward.id)
    message, key = feedback.submit(
        session,
        submission=feedback.Submission(kind=MessageKind.DATASET_FEEDBACK, topic="error", subject="x", body="y" * 12),
        client_ip="198.51.100.7",
        secret_key="k",
        dataset=ds,
    )
    assert feedback.by_receipt(session, key).id == message.id
    named = tenancy.get_user_by_email(session, "named@offenbach.de")
    from kikz.tenancy.permissions import principal_for

    with pytest.raises(feedback.InvalidMessage):
        feedback.respond(
            session, principal=principal_for(session, named), message=message, status="gelöscht", answer=""
        )
    other = principal_for(session, tenancy.get_user_by_email(session, "other@offenbach.de"))
    with pytest.raises(Exception, match="Empfänger"):
        feedback.forward_to_city(session, principal=other, message=message)
