"""IBAN, validated with python-stdnum (country format and ISO 13616 mod-97 check digits)."""

from __future__ import annotations

import re

from stdnum import iban as stdnum_iban

from kikz.governance.detectors import Category, ValueDetector

SHAPE = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9 ]{11,36}")
INLINE = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,3})?\b")


def is_iban(value: str) -> bool:
    text = value.strip().upper()
    return SHAPE.fullmatch(text) is not None and stdnum_iban.is_valid(text)


def mask(value: str) -> str:
    compact = value.replace(" ", "").upper()
    groups = [compact[:4]] + ["****"] * ((len(compact) - 6) // 4) + [compact[-2:]]
    return " ".join(groups)


DETECTOR = ValueDetector(
    slug="iban",
    title="IBAN",
    category=Category.PERSONAL,
    prefilter=lambda v: len(v) >= 15 and v[:2].isalpha() and v[2:4].isdigit(),
    match=is_iban,
    mask=mask,
    min_share=0.5,
    column_words=("iban", "konto", "bankverbindung"),
    noun="gültige IBAN (Prüfziffer nach ISO 13616 korrekt)",
)
