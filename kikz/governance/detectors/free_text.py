"""Personal data hidden in prose: "Herr Müller, Tel. 069 123456, wegen Diagnose …".

A free-text column is scanned value by value for e-mail addresses, IBANs, phone numbers, names after
a form of address or a known first name, and health words. One text with a phone number is enough
to make the column personal; health words count as Art. 9 only in texts that also point to a person.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import phonenumbers

from kikz.governance.detectors import Category, Finding, person_name
from kikz.governance.detectors import email as email_detector
from kikz.governance.detectors import iban as iban_detector
from kikz.governance.detectors.art9_values import HEALTH_WORDS

SALUTATION = re.compile(
    r"\b(?:Herr|Herrn|Frau|Hr\.|Fr\.|Familie|Fam\.)\s+(?:Dr\.\s+)?([A-ZÄÖÜ][a-zäöüß]+(?:-[A-ZÄÖÜ][a-zäöüß]+)?)"
)
CAPITALISED_PAIR = re.compile(r"\b([A-ZÄÖÜ][a-zäöüß]+)\s+([A-ZÄÖÜ][a-zäöüß]+(?:-[A-ZÄÖÜ][a-zäöüß]+)?)\b")
PHONE_HINT = re.compile(r"\d[\d /\-]{5,}\d")
LABELS = {
    "email": "E-Mail",
    "iban": "IBAN",
    "telefon": "Telefon",
    "name": "Namen",
    "gesundheit": "Gesundheit",
}


def is_free_text(name: str, values: Sequence[str]) -> bool:
    if not values:
        return False
    prose = sum(
        1 for v in values if len(v) >= 25 and sum(1 for w in v.split() if sum(c.isalpha() for c in w) >= 2) >= 4
    )
    return prose >= max(1, 0.3 * len(values))


def kinds_in(text: str) -> set[str]:
    """Which kinds of personal data one text mentions."""
    kinds: set[str] = set()
    if "@" in text and any(email_detector.is_personal_email(m.group()) for m in email_detector.PATTERN.finditer(text)):
        kinds.add("email")
    if any(iban_detector.is_iban(m.group()) for m in iban_detector.INLINE.finditer(text)):
        kinds.add("iban")
    if PHONE_HINT.search(text):
        for _match in phonenumbers.PhoneNumberMatcher(text, "DE", leniency=phonenumbers.Leniency.VALID):
            kinds.add("telefon")
            break
    if SALUTATION.search(text) or any(
        person_name.fold(first) in person_name.first_names() and person_name.name_tokens(f"{first} {last}") is not None
        for first, last in CAPITALISED_PAIR.findall(text)
    ):
        kinds.add("name")
    if HEALTH_WORDS.search(text):
        kinds.add("gesundheit")
    return kinds


def scan(name: str, values: Sequence[str]) -> list[Finding]:
    personal = art9 = 0
    kinds: Counter[str] = Counter()
    for text in values:
        found = kinds_in(text)
        kinds.update(found)
        pointing = found - {"gesundheit"}
        if pointing:
            personal += 1
            if "gesundheit" in found:
                art9 += 1
    sample = len(values)
    findings: list[Finding] = []
    if personal:
        listed = ", ".join(f"{LABELS[k]} {n}" for k, n in kinds.most_common() if k != "gesundheit")
        findings.append(
            Finding(
                detector="freitext_personenbezug",
                title="Personenbezug im Freitext",
                column=name,
                category=Category.PERSONAL,
                evidence_count=personal,
                sample_size=sample,
                confidence=min(1.0, 0.55 + 0.45 * min(1.0, personal / max(3.0, 0.05 * sample))),
                example_masked=f"[{listed}]",
                message=f"Spalte '{name}' enthält in {personal} von {sample} geprüften Texten "
                f"personenbezogene Angaben ({listed}).",
                source="text",
            )
        )
    if art9:
        findings.append(
            Finding(
                detector="freitext_gesundheit",
                title="Gesundheitsangaben im Freitext",
                column=name,
                category=Category.ART9,
                evidence_count=art9,
                sample_size=sample,
                confidence=min(1.0, 0.5 + 0.5 * min(1.0, art9 / 3)),
                example_masked="[Gesundheitsangabe]",
                message=f"Spalte '{name}' nennt in {art9} von {sample} Texten eine Person zusammen mit "
                "Gesundheitsangaben (besondere Kategorie nach Art. 9 DSGVO).",
                source="text",
            )
        )
    return findings
