"""Citizen messages: check, rate-limit and route them, show them to the right stewards, answer them.

Checks on every submission (messages German / English, so a person knows what to change):

* a honeypot field that people never see and bots fill in → refused as automated;
* length limits on every field, a minimum length for the text, at most ``MAX_LINKS`` web addresses;
* at most ``RATE_LIMIT`` messages per hour from one address (counted by a keyed hash of the IP address,
  erased after a day) and ``GLOBAL_LIMIT`` per hour altogether, so a flood cannot bury the queues;
* plain text only: stored as typed, always shown escaped; control characters are dropped.

Who sees a message (``visible_messages``, inside the SQL query): its named recipient; while it has none,
the holders of its recipient role in its city; platform superusers. Nobody else, not even other stewards.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true, update
from sqlalchemy.orm import Session

from kikz import audit
from kikz.catalog.models import Dataset
from kikz.db import utcnow
from kikz.errors import InvalidInput, KikzError, NotFound
from kikz.tenancy.models import Municipality, User
from kikz.tenancy.permissions import PermissionDenied, Principal
from kikz.transparency.feedback_models import CitizenMessage, MessageKind, MessageStatus
from kikz.types import MunicipalityKind, Role

SUBJECT_MAX = 150
BODY_MIN = 10
BODY_MAX = 3000
NAME_MAX = 100
EMAIL_MAX = 254
PAGE_MAX = 300
ANSWER_MAX = 4000
MAX_LINKS = 3
RATE_LIMIT = 5
GLOBAL_LIMIT = 300
RATE_WINDOW = dt.timedelta(hours=1)
IP_HASH_KEPT = dt.timedelta(days=1)
RETENTION_DAYS = 90
REQUEST_MAX_BYTES = 32 * 1024
"""Largest accepted form submission; a message of BODY_MAX characters is far below it even in UTF-8."""

EMAIL = re.compile(r"^[^@\s<>\"'(),;:]+@[^@\s<>\"'(),;:]+\.[A-Za-z]{2,}$")
LINK = re.compile(r"(https?://|www\.)", re.IGNORECASE)
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"

# kind -> the topics a sender chooses from (labels live in templates/transparency/_feedback_labels.html)
TOPICS: dict[MessageKind, tuple[str, ...]] = {
    MessageKind.DATA_REQUEST: ("new", "format", "update", "other"),
    MessageKind.DATASET_FEEDBACK: ("error", "outdated", "description", "question", "other"),
    MessageKind.ACCESSIBILITY: ("barrier", "document", "other"),
}


class TooManyRequests(KikzError):
    status_code = 429
    code = "rate_limited"


class InvalidMessage(InvalidInput):
    """One or more fields are not acceptable; ``problems`` lists (field or None, German / English message)."""

    def __init__(self, problems: list[tuple[str | None, str]]) -> None:
        super().__init__(" ".join(message for _, message in problems))
        self.problems = problems


@dataclass
class Submission:
    """A form as sent; ``website`` is the honeypot (hidden from people, filled in by bots)."""

    kind: MessageKind
    subject: str = ""
    body: str = ""
    topic: str = ""
    contact_name: str = ""
    contact_email: str = ""
    municipality: str = ""
    page_url: str = ""
    website: str = ""
    lang: str = "de"
    problems: list[tuple[str | None, str]] = field(default_factory=list)


def _plain(value: str) -> str:
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in value if ch in "\n\t" or ch >= " ").strip()


def _too_long(limit: int) -> str:
    return f"Bitte höchstens {limit} Zeichen eingeben. / Please enter at most {limit} characters."


def check(sub: Submission) -> Submission:
    """Clean the text fields and collect every problem (nothing is stored when there is one)."""
    for name in ("subject", "body", "topic", "contact_name", "contact_email", "municipality", "page_url"):
        setattr(sub, name, _plain(getattr(sub, name)))
    problems = sub.problems
    if sub.website.strip():
        problems.append(
            (
                None,
                "Ihre Nachricht wurde als automatisch erzeugt erkannt und nicht gespeichert. Bitte lassen Sie das "
                "Feld „Webseite“ leer. / Your message looks automated and was not stored. Please leave the field "
                "“website” empty.",
            )
        )
    if not sub.subject:
        problems.append(("subject", "Bitte einen Betreff angeben. / Please give a subject."))
    elif len(sub.subject) > SUBJECT_MAX:
        problems.append(("subject", _too_long(SUBJECT_MAX)))
    if len(sub.body) < BODY_MIN:
        problems.append(
            (
                "body",
                f"Bitte beschreiben Sie Ihr Anliegen in mindestens {BODY_MIN} Zeichen. "
                f"/ Please describe your request in at least {BODY_MIN} characters.",
            )
        )
    elif len(sub.body) > BODY_MAX:
        problems.append(
            (
                "body",
                f"Ihr Text hat {len(sub.body)} Zeichen; erlaubt sind höchstens {BODY_MAX}. "
                f"/ Your text has {len(sub.body)} characters; at most {BODY_MAX} are allowed.",
            )
        )
    if len(LINK.findall(sub.body)) + len(LINK.findall(sub.subject)) > MAX_LINKS:
        problems.append(
            (
                "body",
                f"Bitte höchstens {MAX_LINKS} Internetadressen angeben (Schutz vor Werbung). "
                f"/ Please give at most {MAX_LINKS} web addresses (protection against spam).",
            )
        )
    if sub.topic not in TOPICS[sub.kind]:
        problems.append(("topic", "Bitte eine der angebotenen Arten wählen. / Please choose one of the options."))
    if len(sub.contact_name) > NAME_MAX:
        problems.append(("contact_name", _too_long(NAME_MAX)))
    if sub.contact_email and (len(sub.contact_email) > EMAIL_MAX or not EMAIL.match(sub.contact_email)):
        problems.append(
            (
                "contact_email",
                "Bitte eine gültige E-Mail-Adresse angeben oder das Feld leer lassen. "
                "/ Please give a valid e-mail address or leave the field empty.",
            )
        )
    if len(sub.page_url) > PAGE_MAX:
        problems.append(("page_url", _too_long(PAGE_MAX)))
    if sub.lang not in ("de", "en"):
        sub.lang = "de"
    return sub


def ip_hash(ip: str, secret_key: str) -> str:
    return hmac.new(secret_key.encode(), f"citizen-message|{ip}".encode(), hashlib.sha256).hexdigest()


def _rate_limit(session: Session, hashed: str, now: dt.datetime) -> None:
    since = now - RATE_WINDOW
    mine = session.scalar(
        select(func.count(CitizenMessage.id)).where(
            CitizenMessage.ip_hash == hashed, CitizenMessage.created_at >= since
        )
    )
    if (mine or 0) >= RATE_LIMIT:
        raise TooManyRequests(
            f"Von Ihrem Anschluss kamen in der letzten Stunde bereits {RATE_LIMIT} Nachrichten. Bitte versuchen Sie "
            f"es später noch einmal. / {RATE_LIMIT} messages came from your connection in the last hour already. "
            "Please try again later."
        )
    total = session.scalar(select(func.count(CitizenMessage.id)).where(CitizenMessage.created_at >= since))
    if (total or 0) >= GLOBAL_LIMIT:
        raise TooManyRequests(
            "Gerade kommen sehr viele Nachrichten an. Bitte versuchen Sie es in einer Stunde noch einmal. "
            "/ Very many messages are arriving right now. Please try again in an hour."
        )


def purge(session: Session, *, now: dt.datetime | None = None) -> None:
    """Data minimisation: address hashes after a day, names and e-mail addresses 90 days after closing."""
    now = now or utcnow()
    session.execute(
        update(CitizenMessage)
        .where(CitizenMessage.ip_hash.is_not(None), CitizenMessage.created_at < now - IP_HASH_KEPT)
        .values(ip_hash=None)
    )
    session.execute(
        update(CitizenMessage)
        .where(
            CitizenMessage.closed_at < now - dt.timedelta(days=RETENTION_DAYS),
            or_(CitizenMessage.contact_email.is_not(None), CitizenMessage.contact_name.is_not(None)),
        )
        .values(contact_email=None, contact_name=None)
    )


def _reference(session: Session) -> str:
    while True:
        ref = "A-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
        if session.scalar(select(CitizenMessage.id).where(CitizenMessage.reference == ref)) is None:
            return ref


def receipt_key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def network_cities(session: Session) -> list[Municipality]:
    """The cities a citizen can address (guests are not part of the public presentation)."""
    rows = session.scalars(
        select(Municipality)
        .where(Municipality.kind.in_([MunicipalityKind.MEMBER, MunicipalityKind.PARTNER]))
        .order_by(Municipality.name)
    )
    return list(rows)


def _route(session: Session, sub: Submission, dataset: Dataset | None, message: CitizenMessage) -> None:
    if sub.kind is MessageKind.DATASET_FEEDBACK:
        if dataset is None:
            raise NotFound("Diesen Datensatz gibt es nicht. / This dataset does not exist.")
        message.municipality_id = dataset.municipality_id
        message.dataset_id = dataset.id
        message.dataset_title = dataset.title[:500]
        message.recipient_user_id = dataset.steward_id
        message.recipient_role = Role.DATA_STEWARD
        return
    city = None
    if sub.municipality:
        city = next((c for c in network_cities(session) if c.slug == sub.municipality), None)
        if city is None:
            raise InvalidMessage(
                [("municipality", "Bitte eine der angebotenen Städte wählen. / Please choose a city.")]
            )
    if sub.kind is MessageKind.DATA_REQUEST:
        if city is None:
            raise InvalidMessage(
                [("municipality", "Bitte wählen Sie die Stadt, an die der Wunsch geht. / Please choose the city.")]
            )
        message.municipality_id, message.recipient_role = city.id, Role.DATA_STEWARD
    else:  # accessibility: the city's administration, or the platform operators (superusers) for the platform
        message.municipality_id = city.id if city else None
        message.recipient_role = Role.ADMIN if city else None


def submit(
    session: Session,
    *,
    submission: Submission,
    client_ip: str,
    secret_key: str,
    dataset: Dataset | None = None,
    now: dt.datetime | None = None,
) -> tuple[CitizenMessage, str]:
    """Check, rate-limit, route and store a message; returns it and the key of the sender's status link."""
    sub = check(submission)
    if sub.problems:
        raise InvalidMessage(sub.problems)
    now = now or utcnow()
    hashed = ip_hash(client_ip, secret_key)
    _rate_limit(session, hashed, now)
    purge(session, now=now)
    key = secrets.token_urlsafe(24)
    message = CitizenMessage(
        reference=_reference(session),
        receipt_hash=receipt_key_hash(key),
        kind=sub.kind,
        topic=sub.topic,
        subject=sub.subject,
        body=sub.body,
        page_url=sub.page_url,
        contact_name=sub.contact_name or None,
        contact_email=sub.contact_email or None,
        lang=sub.lang,
        ip_hash=hashed,
        status=MessageStatus.NEW,
        created_at=now,
        updated_at=now,
    )
    _route(session, sub, dataset, message)
    session.add(message)
    session.flush()
    audit.record(
        session,
        actor=None,
        action="citizen_message.receive",
        entity_type="citizen_message",
        entity_id=message.reference,
        municipality_id=message.municipality_id,
        after=_routing(message),
    )
    return message, key


def _routing(message: CitizenMessage) -> dict[str, object]:
    """What the audit log keeps about a message: never its text, name or e-mail address."""
    return {
        "kind": message.kind.value,
        "topic": message.topic,
        "dataset_id": message.dataset_id,
        "recipient_user_id": message.recipient_user_id,
        "recipient_role": message.recipient_role.value if message.recipient_role else None,
    }


def visible_messages(principal: Principal) -> ColumnElement[bool]:
    """SQL condition: the messages ``principal`` is a recipient of."""
    if principal.is_superuser:
        return true()
    if principal.is_anonymous:
        return false()
    conditions: list[ColumnElement[bool]] = [CitizenMessage.recipient_user_id == principal.user_id]
    for role in (Role.DATA_STEWARD, Role.ADMIN):
        cities = principal.cities_with(role)
        if cities:
            conditions.append(
                and_(
                    CitizenMessage.recipient_user_id.is_(None),
                    CitizenMessage.recipient_role == role,
                    CitizenMessage.municipality_id.in_(cities),
                )
            )
    return or_(*conditions)


def may_use_queue(principal: Principal) -> bool:
    """Whether the principal can receive messages at all (the queue page is then worth showing)."""
    return principal.is_superuser or bool(principal.cities_with(Role.DATA_STEWARD, Role.ADMIN))


def list_messages(
    session: Session, *, principal: Principal, open_only: bool = True, kind: MessageKind | None = None
) -> list[CitizenMessage]:
    stmt = select(CitizenMessage).where(visible_messages(principal))
    if open_only:
        stmt = stmt.where(CitizenMessage.status.in_([MessageStatus.NEW, MessageStatus.IN_PROGRESS]))
    if kind is not None:
        stmt = stmt.where(CitizenMessage.kind == kind)
    order = CitizenMessage.created_at.asc() if open_only else CitizenMessage.created_at.desc()
    return list(session.scalars(stmt.order_by(order, CitizenMessage.id).limit(500)))


def get_message(session: Session, *, principal: Principal, reference: str) -> CitizenMessage:
    message = session.scalar(
        select(CitizenMessage).where(CitizenMessage.reference == reference, visible_messages(principal))
    )
    if message is None:
        raise NotFound("Dieses Anliegen gibt es nicht. / This request does not exist.")
    return message


def by_receipt(session: Session, key: str) -> CitizenMessage:
    message = None
    if 20 <= len(key) <= 64:
        message = session.scalar(select(CitizenMessage).where(CitizenMessage.receipt_hash == receipt_key_hash(key)))
    if message is None:
        raise NotFound("Zu diesem Link gibt es kein Anliegen. / There is no request for this link.")
    return message


def recipient_label(session: Session, message: CitizenMessage, lang: str = "de") -> str:
    """Who the message went to, for the queue (a person's name, or a role of a city)."""
    en = lang == "en"
    if message.recipient_user_id is not None:
        user = session.get(User, message.recipient_user_id)
        if user is not None:
            return user.display_name
    if message.recipient_role is None:
        return "Platform administration" if en else "Plattform-Administration"
    city = message.municipality.name if message.municipality else ""
    role = {"data_steward": ("Data Stewards", "data stewards"), "admin": ("Administration", "administration")}.get(
        message.recipient_role.value, (message.recipient_role.label, message.recipient_role.value)
    )
    return f"{city}: {role[1] if en else role[0]}" if city else role[1 if en else 0]


def respond(
    session: Session, *, principal: Principal, message: CitizenMessage, status: str, answer: str
) -> CitizenMessage:
    """Set the status and (for answered or declined) the answer the sender reads on the status page."""
    try:
        new_status = MessageStatus(status)
    except ValueError:
        raise InvalidMessage(
            [("status", "Bitte einen der angebotenen Status wählen. / Please choose a status.")]
        ) from None
    answer = _plain(answer)
    problems: list[tuple[str | None, str]] = []
    if len(answer) > ANSWER_MAX:
        problems.append(("answer", _too_long(ANSWER_MAX)))
    if new_status in (MessageStatus.ANSWERED, MessageStatus.DECLINED) and not answer:
        problems.append(
            (
                "answer",
                "Beantwortete oder abgelehnte Anliegen brauchen eine Antwort. / Answered or declined requests need "
                "an answer.",
            )
        )
    if problems:
        raise InvalidMessage(problems)
    before = {"status": message.status.value, "answer": message.answer}
    now = utcnow()
    message.status = new_status
    if answer != message.answer:
        message.answer = answer
        message.answered_by_id = principal.user_id
        message.answered_at = now
    message.closed_at = None if new_status.is_open else (message.closed_at or now)
    message.updated_at = now
    session.flush()
    audit.record(
        session,
        actor=principal,
        action="citizen_message.respond",
        entity_type="citizen_message",
        entity_id=message.reference,
        municipality_id=message.municipality_id,
        before=before,
        after={"status": message.status.value, "answer": message.answer},
    )
    return message


def forward_to_city(session: Session, *, principal: Principal, message: CitizenMessage) -> CitizenMessage:
    """A named recipient hands the message to all data stewards of its city."""
    if message.recipient_user_id is None:
        raise InvalidMessage(
            [(None, "Das Anliegen liegt bereits bei der Stadt. / The request is already with the city.")]
        )
    if message.recipient_user_id != principal.user_id and not principal.is_superuser:
        raise PermissionDenied(
            "Nur die Empfängerin oder der Empfänger gibt ein Anliegen weiter. / Only the recipient can forward."
        )
    if message.municipality_id is None:
        raise InvalidMessage([(None, "Das Anliegen gehört zu keiner Stadt. / The request belongs to no city.")])
    before = _routing(message)
    message.recipient_user_id = None
    message.recipient_role = Role.DATA_STEWARD
    message.updated_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor=principal,
        action="citizen_message.forward",
        entity_type="citizen_message",
        entity_id=message.reference,
        municipality_id=message.municipality_id,
        before=before,
        after=_routing(message),
    )
    return message
