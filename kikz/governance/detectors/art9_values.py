"""Special categories (GDPR Art. 9) recognisable in cell values: health details and religion."""

from __future__ import annotations

import re

from kikz.governance.detectors import Category, ValueDetector

HEALTH_WORDS = re.compile(
    r"diagnose|diabetes|demenz|depression|krebs|tumor|karzinom|asthma|epilepsie|schlaganfall|herzinfarkt"
    r"|multiple sklerose|parkinson|alzheimer|hiv|aids|hepatitis|covid|corona-infektion|sucht|alkoholabh"
    r"|psychos|schizophren|autismus|adhs|behinderung|gehbehinder|blind|gehörlos|rollstuhl|pflegegrad"
    r"|pflegestufe|dialyse|chemotherapie|medikation|insulin|schwanger|infektion|allergie|erkrankung"
    r"|krankheit|therapie|reha|psychiatr|gdb\s?\d|grad der behinderung"
    # reasons of absence in HR tables: a work injury or a sick child is health data too
    r"|\bkrank\b|krankgeschrieben|arbeitsunfähig|arbeitsunfall|dienstunfall|wegeunfall",
    re.IGNORECASE,
)
ICD10 = re.compile(r"[A-TV-Z]\d{2}(?:\.\d{1,2})?[GVAZRLB]?")
PFLEGEGRAD = re.compile(r"(?:pflegegrad|pg)\s?[1-5]", re.IGNORECASE)
RELIGIONS = frozenset(
    [
        "evangelisch",
        "ev",
        "ev.",
        "evang.",
        "katholisch",
        "rk",
        "rk.",
        "röm.-kath.",
        "römisch-katholisch",
        "kath.",
        "altkatholisch",
        "ak",
        "islamisch",
        "muslimisch",
        "sunnitisch",
        "schiitisch",
        "alevitisch",
        "jüdisch",
        "israelitisch",
        "orthodox",
        "griechisch-orthodox",
        "russisch-orthodox",
        "buddhistisch",
        "hinduistisch",
        "neuapostolisch",
        "freikirchlich",
        "konfessionslos",
        "lt",
        "rf",
    ]
)


def is_health(value: str) -> bool:
    text = value.strip()
    return bool(HEALTH_WORDS.search(text) or ICD10.fullmatch(text) or PFLEGEGRAD.fullmatch(text))


def is_religion(value: str) -> bool:
    return value.strip().casefold() in RELIGIONS


HEALTH = ValueDetector(
    slug="gesundheitsdaten",
    title="Gesundheitsdaten",
    category=Category.ART9,
    prefilter=lambda v: len(v) >= 3,
    match=is_health,
    mask=lambda v: "[Gesundheitsangabe]",
    min_share=0.4,
    column_words=("diagnose", "krank", "gesundheit", "pflege", "behinder", "befund", "icd", "medizin"),
    noun="Gesundheitsangaben (Diagnosen, ICD-10-Codes, Pflegegrade)",
)

RELIGION = ValueDetector(
    slug="religion",
    title="Religionszugehörigkeit",
    category=Category.ART9,
    prefilter=lambda v: 2 <= len(v) <= 25,
    match=is_religion,
    mask=lambda v: "[Konfession]",
    min_share=0.6,
    column_words=("konfession", "religion", "glaube", "bekenntnis"),
    noun="Konfessions- oder Religionsangaben",
)
