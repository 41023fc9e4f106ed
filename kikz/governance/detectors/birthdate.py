"""Dates that can be birth dates (1900 up to today). Alone this says little: classification asks for a
birth-date header, or a spread over decades in a table whose rows are persons."""

from __future__ import annotations

import datetime as dt
import re

from kikz.governance.detectors import Category, ValueDetector

GERMAN = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ]00:00(?::00)?)?")


def parse(value: str) -> dt.date | None:
    text = value.strip()
    try:
        if m := GERMAN.fullmatch(text):
            return dt.date(int(m[3]), int(m[2]), int(m[1]))
        if m := ISO.fullmatch(text):
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None
    return None


def is_birth_date(value: str) -> bool:
    day = parse(value)
    return day is not None and day.year >= 1900 and day <= dt.date.today()


def mask(value: str) -> str:
    day = parse(value)
    return f"**.**.{str(day.year)[:2]}**" if day else "**.**.****"


DETECTOR = ValueDetector(
    slug="geburtsdatum",
    title="Geburtsdatum",
    category=Category.PERSONAL,
    prefilter=lambda v: 8 <= len(v) <= 19 and v[:1].isdigit(),
    match=is_birth_date,
    mask=mask,
    min_share=0.8,
    column_words=("geburt", "geb", "birth", "dob"),
    noun="mögliche Geburtsdaten",
)
