"""Steuerliche Identifikationsnummer (IdNr), validated with python-stdnum (ISO 7064 check digit)."""

from __future__ import annotations

from stdnum.de import idnr

from kikz.governance.detectors import Category, ValueDetector, mask_middle


def is_steuer_id(value: str) -> bool:
    compact = value.replace(" ", "").replace("/", "")
    return len(compact) == 11 and compact.isdigit() and idnr.is_valid(compact)


DETECTOR = ValueDetector(
    slug="steuer_id",
    title="Steuer-Identifikationsnummer",
    category=Category.PERSONAL,
    prefilter=lambda v: 11 <= len(v) <= 15 and v[:1].isdigit(),
    match=is_steuer_id,
    mask=lambda v: mask_middle(v, 2, 1),
    min_share=0.8,
    column_words=("steuer", "idnr", "identifikationsnummer"),
    noun="gültige Steuer-IDs (Prüfziffer korrekt)",
)
