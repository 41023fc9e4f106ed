"""Street and house number ("Kaiserstraße 12a", "Am Markt 3, 63065 Offenbach").

A street name without a house number ("Zählstelle Frankfurter Straße") is a place, not an address.
Even with a number it is a person's address only where the table's rows are about persons; the
classification makes that call.
"""

from __future__ import annotations

import re

from kikz.governance.detectors import Category, ValueDetector

STREET_WORDS = (
    r"straße|strasse|str\.|weg|gasse|allee|platz|ring|damm|ufer|pfad|steig|chaussee|markt|hof|berg"
    r"|anlage|promenade|landstraße|graben|wall|stieg|tor|brücke|garten|feld|aue|höhe|winkel|zeile"
)
ADDRESS = re.compile(
    rf"(?:[A-ZÄÖÜ][\wäöüß.'\-]*\s)*?[\wäöüß.'\-]*?(?:{STREET_WORDS})?(?:\s[A-ZÄÖÜ][\wäöüß.'\-]*)*"
    r"\s\d{1,4}\s?[a-zA-Z]?(?:\s?[-/]\s?\d{1,4}[a-zA-Z]?)?(?:,?\s+\d{5}(?:\s+[A-ZÄÖÜ][\wäöüß.\- ]+)?)?",
    re.IGNORECASE,
)
HAS_STREET = re.compile(rf"(?:{STREET_WORDS})\b|^(?:am|an der|auf der|im|in der|zum|zur)\s", re.IGNORECASE)


def is_address(value: str) -> bool:
    text = value.strip()
    return (
        len(text) <= 80
        and HAS_STREET.search(text) is not None
        and ADDRESS.fullmatch(text) is not None
        and sum(c.isalpha() for c in text) >= 4
    )


def mask(value: str) -> str:
    text = value.strip()
    head = re.split(r"\s\d", text, maxsplit=1)[0]
    return f"{head} **"


DETECTOR = ValueDetector(
    slug="postanschrift",
    title="Postanschrift (Straße und Hausnummer)",
    category=Category.PERSONAL,
    prefilter=lambda v: any(c.isdigit() for c in v) and any(c.isalpha() for c in v),
    match=is_address,
    mask=mask,
    min_share=0.5,
    column_words=("anschrift", "adresse", "strasse", "wohn", "hausnummer"),
    noun="Straßenangaben mit Hausnummer",
)
