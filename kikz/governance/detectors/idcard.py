"""Numbers of German identity cards and passports (ICAO 9303 check digit, weights 7-3-1).

Since 2010 the document number has nine characters from a reduced alphabet (no vowels that can be
confused) followed by the check digit; "D" for Germany may follow in machine-readable form.
"""

from __future__ import annotations

import re

from kikz.governance.detectors import Category, ValueDetector, mask_middle

SHAPE = re.compile(r"([CFGHJKLMNPRTVWXYZ][CFGHJKLMNPRTVWXYZ0-9]{8})(\d)D?")
WEIGHTS = (7, 3, 1)


def icao_check_digit(text: str) -> int:
    total = 0
    for i, char in enumerate(text):
        value = int(char) if char.isdigit() else ord(char) - 55
        total += value * WEIGHTS[i % 3]
    return total % 10


def is_document_number(value: str) -> bool:
    compact = value.replace(" ", "").upper()
    m = SHAPE.fullmatch(compact)
    return m is not None and any(c.isdigit() for c in m[1]) and icao_check_digit(m[1]) == int(m[2])


DETECTOR = ValueDetector(
    slug="ausweisnummer",
    title="Ausweis- oder Passnummer",
    category=Category.PERSONAL,
    prefilter=lambda v: 10 <= len(v.strip()) <= 12,
    match=is_document_number,
    mask=lambda v: mask_middle(v, 1, 1),
    min_share=0.8,
    column_words=("ausweis", "pass", "dokument"),
    noun="gültige Ausweis-/Passnummern (ICAO-Prüfziffer korrekt)",
)
