"""German vehicle registration plates: a known Unterscheidungszeichen, 1-2 letters, 1-4 digits, E/H."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from kikz.governance.detectors import Category, ValueDetector

SHAPE = re.compile(r"([A-ZÄÖÜ]{1,3})[- ]([A-Z]{1,2})[- ]?([1-9]\d{0,3})([EH]?)")


@cache
def district_codes() -> frozenset[str]:
    text = (Path(__file__).parent / "data" / "unterscheidungszeichen.txt").read_text(encoding="utf-8")
    return frozenset(w for line in text.splitlines() if not line.startswith("#") for w in line.split())


def is_plate(value: str) -> bool:
    m = SHAPE.fullmatch(value.strip().upper())
    return m is not None and m[1] in district_codes() and len(m[1]) + len(m[2]) + len(m[3]) <= 8


def mask(value: str) -> str:
    m = SHAPE.fullmatch(value.strip().upper())
    if not m:
        return "***"
    return f"{m[1]}-** {'*' * len(m[3])}{m[4]}"


DETECTOR = ValueDetector(
    slug="kfz_kennzeichen",
    title="Kfz-Kennzeichen",
    category=Category.PERSONAL,
    prefilter=lambda v: 4 <= len(v) <= 12 and ("-" in v or " " in v),
    match=is_plate,
    mask=mask,
    min_share=0.6,
    column_words=("kennzeichen", "kfz", "nummernschild"),
    noun="gültige Kfz-Kennzeichen (bekanntes Unterscheidungszeichen)",
)
