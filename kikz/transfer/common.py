"""Small pieces the forum services share: city lookup, slugs, search words, spam limits of free text."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from kikz.catalog.text import fold, stem, tokens
from kikz.errors import InvalidInput
from kikz.tenancy.models import Municipality
from kikz.tenancy.permissions import Principal

LINK = re.compile(r"(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def city_by_slug(session: Session, slug: str) -> Municipality:
    city = session.scalar(select(Municipality).where(Municipality.slug == slug.strip()))
    if city is None:
        raise InvalidInput(f"Unbekannte Kommune: „{slug[:60]}“. / Unknown municipality.")
    return city


def acting_city(cities: list[Municipality], slug: str | None, *, what: str) -> Municipality:
    """The city the caller acts for: the named one among ``cities``, or the only/first one."""
    if not cities:
        raise InvalidInput(f"Sie gehören keiner Stadt an, die {what} darf. / None of your cities may do this.")
    if not slug:
        return cities[0]
    for city in cities:
        if city.slug == slug:
            return city
    raise InvalidInput(f"Für „{slug[:60]}“ dürfen Sie {what} nicht. / You may not act for this city.")


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def slugify(text: str, limit: int = 80) -> str:
    """URL key in German spelling without umlauts ("Zählung" → "zaehlung", not "zahlung")."""
    words = re.findall(r"[a-z0-9]+", fold(text.casefold().translate(_UMLAUTS)))
    slug = "-".join(words)[:limit].strip("-")
    return slug or "eintrag"


def unique_slug(session: Session, column: InstrumentedAttribute[str], text: str, *, keep: str | None = None) -> str:
    """A URL key from ``text`` that no other row has (``keep``: the row's current key may stay)."""
    base = slugify(text)
    candidate, n = base, 1
    while candidate != keep and session.scalar(select(column).where(column == candidate)) is not None:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def search_words(*texts: str) -> str:
    """Folded words and their stems, space-delimited, for substring matching.

    A query word matches by its stem anywhere in a word, so "Zählung" finds "Verkehrszählung" (whose own stem,
    "verkehrszahl", would not contain it) and "Bäume" finds "Straßenbäume".
    """
    words = [t for text in texts for t in tokens(text)]
    return " " + " ".join(dict.fromkeys([*words, *(stem(w) for w in words)])) + " "


def search_terms(query: str) -> list[str]:
    return list(dict.fromkeys(stem(t) for t in tokens(query)))[:10]


def all_terms(column: InstrumentedAttribute[str], terms: Iterable[str]) -> ColumnElement[bool] | None:
    conditions = [column.like(f"%{t}%") for t in terms]  # terms are [0-9a-z] only: no LIKE wildcards
    return and_(*conditions) if conditions else None


def clean_text(value: str) -> str:
    """Plain text as typed: unified line ends, no control characters, at most one blank line in a row."""
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    value = _CONTROL.sub("", value)
    value = re.sub(r"\n{3,}", "\n\n", value)
    return value.strip()


def check_free_text(value: str, *, label: str, max_chars: int, max_links: int, min_chars: int = 2) -> str:
    """Refuse empty, oversized and link-stuffed text with a clear message; returns the cleaned text."""
    value = clean_text(value)
    if len(value.replace(" ", "").replace("\n", "")) < min_chars:
        raise InvalidInput(f"{label}: Bitte Text eingeben. / Please enter some text.")
    if len(value) > max_chars:
        limit, given = f"{max_chars:,}", f"{len(value):,}"
        raise InvalidInput(
            f"{label}: höchstens {limit.replace(',', '.')} Zeichen, eingegeben wurden {given.replace(',', '.')}. / "
            f"At most {limit} characters, {given} given."
        )
    links = len(LINK.findall(value))
    if links > max_links:
        raise InvalidInput(
            f"{label}: höchstens {max_links} Links, gefunden wurden {links}. / At most {max_links} links."
        )
    return value


def principal_label(principal: Principal) -> str:
    return principal.display_name or principal.email or "System"
