"""E-mail addresses; role addresses of offices (info@, poststelle@) are not a person's address."""

from __future__ import annotations

import re

from kikz.governance.detectors import Category, ValueDetector

PATTERN = re.compile(r"[A-Za-z0-9._%+\-äöüÄÖÜß]+@[A-Za-z0-9\-äöü]+(?:\.[A-Za-z0-9\-äöü]+)*\.[A-Za-z]{2,24}")
ROLE_LOCAL_PARTS = frozenset(
    [
        "info",
        "kontakt",
        "contact",
        "poststelle",
        "post",
        "office",
        "mail",
        "service",
        "buergerbuero",
        "buergerservice",
        "presse",
        "verwaltung",
        "sekretariat",
        "rathaus",
        "stadt",
        "amt",
        "zentrale",
        "team",
        "redaktion",
        "noreply",
        "no-reply",
        "webmaster",
        "datenschutz",
        "support",
        "hallo",
        "hello",
        "anfrage",
        "anfragen",
        "bewerbung",
        "karriere",
        "leitung",
        "kita",
        "schule",
        "bibliothek",
        "museum",
        "verkehr",
        "opendata",
        "abfall",
        "umwelt",
        "ordnungsamt",
        "standesamt",
    ]
)


def is_email(value: str) -> bool:
    return PATTERN.fullmatch(value.strip()) is not None


def is_role_address(value: str) -> bool:
    local = value.strip().split("@", 1)[0].casefold()
    return local in ROLE_LOCAL_PARTS or any(
        local.startswith(w + ".") or local.startswith(w + "-") for w in ROLE_LOCAL_PARTS
    )


def is_personal_email(value: str) -> bool:
    return is_email(value) and not is_role_address(value)


def mask(value: str) -> str:
    local, _, domain = value.strip().partition("@")
    tld = domain.rsplit(".", 1)[-1] if "." in domain else ""
    return f"{local[:2]}***@***.{tld}"


DETECTOR = ValueDetector(
    slug="email",
    title="E-Mail-Adresse",
    category=Category.PERSONAL,
    prefilter=lambda v: "@" in v,
    match=is_personal_email,
    mask=mask,
    min_share=0.5,
    column_words=("mail",),
    noun="persönliche E-Mail-Adressen",
)
