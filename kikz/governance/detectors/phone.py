"""Telephone numbers, validated with phonenumbers (Google libphonenumber) for the German region."""

from __future__ import annotations

import re

import phonenumbers

from kikz.governance.detectors import Category, ValueDetector, mask_middle

SHAPE = re.compile(r"(?:\+|00|\(?0)[0-9 ()/\-.]{5,22}")
DATE_LIKE = re.compile(r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}(?:\s.*)?")


def is_phone(value: str) -> bool:
    text = value.strip()
    if not SHAPE.fullmatch(text) or DATE_LIKE.fullmatch(text):
        return False
    digits = sum(c.isdigit() for c in text)
    if not 6 <= digits <= 15:
        return False
    try:
        number = phonenumbers.parse(text, "DE")
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(number)


DETECTOR = ValueDetector(
    slug="telefonnummer",
    title="Telefonnummer",
    category=Category.PERSONAL,
    prefilter=lambda v: 6 <= len(v) <= 25 and v.lstrip()[:1] in "+0(",
    match=is_phone,
    mask=lambda v: mask_middle(v, 3, 2),
    min_share=0.6,
    column_words=("telefon", "tel", "mobil", "handy", "fax", "rufnummer", "phone"),
    noun="gültige Telefonnummern",
)
