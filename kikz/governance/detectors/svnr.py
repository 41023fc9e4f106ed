"""Sozialversicherungs-/Rentenversicherungsnummer: area, birth date, initial, serial, check digit.

The check digit is computed the way the Deutsche Rentenversicherung specifies: the initial
becomes its two-digit position in the alphabet, the first twelve digits are weighted
2,1,2,5,7,1,2,1,2,1,2,1, the digit sums of the products are added, and the sum modulo 10 is the
last digit.
"""

from __future__ import annotations

import re

from kikz.governance.detectors import Category, ValueDetector, mask_middle

SHAPE = re.compile(r"(\d{2})(\d{2})(\d{2})(\d{2})([A-Z])(\d{2})(\d)")
WEIGHTS = (2, 1, 2, 5, 7, 1, 2, 1, 2, 1, 2, 1)


def is_svnr(value: str) -> bool:
    compact = value.replace(" ", "").upper()
    m = SHAPE.fullmatch(compact)
    if not m:
        return False
    day, month = int(m[2]), int(m[3])
    # birth day may be raised by 50 when the number is a second one for the same day
    if not (1 <= day % 50 <= 31 and 1 <= month <= 12):
        return False
    digits = compact[:8] + f"{ord(m[5]) - 64:02d}" + m[6]
    total = sum(sum(divmod(int(d) * w, 10)) for d, w in zip(digits, WEIGHTS, strict=True))
    return total % 10 == int(m[7])


DETECTOR = ValueDetector(
    slug="sv_nummer",
    title="Sozialversicherungsnummer",
    category=Category.PERSONAL,
    prefilter=lambda v: 12 <= len(v) <= 16 and v[:1].isdigit(),
    match=is_svnr,
    mask=lambda v: mask_middle(v, 2, 1),
    min_share=0.7,
    column_words=("sv", "sozialversicherung", "rentenversicherung", "rvnr", "rv_nummer"),
    noun="gültige Sozialversicherungsnummern (Prüfziffer korrekt)",
)
