"""Krankenversichertennummer (KVNR, unveränderbarer Teil): a letter, eight digits and a check digit.

The letter becomes its two-digit alphabet position; the ten digits are weighted alternately
1 and 2, the digit sums of the products are added, and the sum modulo 10 is the check digit.
"""

from __future__ import annotations

import re

from kikz.governance.detectors import Category, ValueDetector, mask_middle

SHAPE = re.compile(r"([A-Z])(\d{8})(\d)")


def is_kvnr(value: str) -> bool:
    m = SHAPE.fullmatch(value.strip().upper())
    if not m:
        return False
    digits = f"{ord(m[1]) - 64:02d}" + m[2]
    total = sum(sum(divmod(int(d) * (1 if i % 2 == 0 else 2), 10)) for i, d in enumerate(digits))
    return total % 10 == int(m[3])


DETECTOR = ValueDetector(
    slug="kvnr",
    title="Krankenversichertennummer",
    category=Category.PERSONAL,
    prefilter=lambda v: len(v.strip()) == 10 and v.strip()[:1].isalpha(),
    match=is_kvnr,
    mask=lambda v: mask_middle(v, 1, 1),
    min_share=0.7,
    column_words=("kvnr", "versicherten", "krankenversicher"),
    noun="gültige Krankenversichertennummern (Prüfziffer korrekt)",
)
