"""Person names: capitalised words of which one is a known first name ("Anna Schmidt", "Schmidt, Anna").

The first- and last-name lists in ``data/`` are built from Faker's locale providers (see
``names_build``). Values with a street, business or organisation word ("Anne-Frank-Schule",
"Bäckerei Schmidt GmbH", "SPD-Fraktion") are not persons.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

from kikz.governance.detectors import Category, ValueDetector

TITLES = frozenset(
    [
        "herr",
        "frau",
        "hr.",
        "fr.",
        "dr.",
        "prof.",
        "dipl.-ing.",
        "dipl.",
        "med.",
        "mag.",
        "von",
        "van",
        "de",
        "der",
        "zu",
    ]
)
NOT_A_PERSON = re.compile(
    r"straße|strasse|str\.|weg\b|gasse|allee|platz|ring\b|damm|ufer|brücke|bahnhof|haltestelle|schule|kita"
    r"|kindergarten|gymnasium|apotheke|bäckerei|metzgerei|praxis|gmbh|\bag\b|\bkg\b|e\.\s?v\.|\bohg\b|\bug\b"
    r"|mbh|gbr|e\.k\.|verein|stiftung|fraktion|partei|ausschuss|magistrat|ortsbeirat|stadt|gemeinde|kreis"
    r"|amt\b|museum|kirche|halle|park|friedhof|zentrum|center|markt|hotel|restaurant|café|cafe|klinik"
    r"|krankenhaus|zentrale|bank|sparkasse|werk|verlag|verband|genossenschaft|&|\+",
    re.IGNORECASE,
)
TOKEN = re.compile(r"[A-ZÄÖÜÉÈÇŞĞİÀ-ÖØ-Þ][a-zäöüßéèçşğıà-öø-ÿ'’]+(?:-[A-ZÄÖÜÀ-Þ][a-zäöüßà-ÿ'’]+)?")


def fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("ı", "i")


@cache
def _names(file: str) -> frozenset[str]:
    text = (Path(__file__).parent / "data" / file).read_text(encoding="utf-8")
    return frozenset(fold(line) for line in text.splitlines() if line and not line.startswith("#"))


def first_names() -> frozenset[str]:
    return _names("vornamen.txt")


def last_names() -> frozenset[str]:
    return _names("nachnamen.txt")


def name_tokens(value: str) -> list[str] | None:
    """The name words of a value, or None when it cannot be a person's name."""
    text = value.strip()
    if not text or len(text) > 60 or any(c.isdigit() for c in text) or NOT_A_PERSON.search(text):
        return None
    words = [w for w in re.split(r"[\s,]+", text) if w and w.casefold() not in TITLES]
    if not 1 <= len(words) <= 4 or not all(TOKEN.fullmatch(w) for w in words):
        return None
    return words


def is_full_name(value: str) -> bool:
    words = name_tokens(value)
    if not words or len(words) < 2:
        return False
    firsts = first_names()
    return any(part in firsts for w in words for part in fold(w).split("-"))


def is_first_name(value: str) -> bool:
    words = name_tokens(value)
    if not words or len(words) > 2:
        return False
    return all(fold(w).split("-")[0] in first_names() for w in words)


def is_last_name(value: str) -> bool:
    words = name_tokens(value)
    if not words or len(words) > 2:
        return False
    return fold(words[-1]) in last_names()


def is_person_name(value: str) -> bool:
    return is_full_name(value) or is_first_name(value)


def mask(value: str) -> str:
    words = name_tokens(value) or [value]
    return " ".join(f"{w[0]}***" for w in words)


DETECTOR = ValueDetector(
    slug="personenname",
    title="Personenname",
    category=Category.PERSONAL,
    prefilter=lambda v: 2 <= len(v) <= 60 and v.lstrip()[:1].isupper(),
    match=is_person_name,
    mask=mask,
    min_share=0.5,
    column_words=("name", "vorname", "nachname", "person", "antragsteller", "mitglied", "inhaber"),
    noun="Vor- oder vollständige Personennamen",
)

LAST_NAME = ValueDetector(
    slug="nachname",
    title="Nachname",
    category=Category.PERSONAL,
    prefilter=lambda v: 2 <= len(v) <= 40 and v.lstrip()[:1].isupper(),
    match=is_last_name,
    mask=mask,
    min_share=0.7,
    column_words=("nachname", "familienname", "name"),
    noun="bekannte Nachnamen",
)
