"""Detectors for personal data: small declarative checks that yield typed findings, never exceptions.

Each module in this package declares one detector as data (``DETECTOR = ValueDetector(...)``); the
function ``value_detectors()`` lists them in the order they are tried. A detector looks at the distinct
values sampled from one column and says how many of them it recognises; the column-name rules
(``column_names.RULES``) look at the header. Whether a hit really is personal data is decided later,
with the whole table in view (``kikz.governance.classification``): a street with a house number is an
address of a person only where the rows are about persons.

    findings = detect_column(name="E-Mail", values=["anna.schmidt@web.de", ...])
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache


class Category(enum.StrEnum):
    PERSONAL = "personal"
    ART9 = "art9"
    QUASI_IDENTIFIER = "quasi_identifier"
    ERROR = "error"


@dataclass(frozen=True)
class Finding:
    """One piece of evidence about one column (``column`` None: about the whole table).

    ``evidence_count`` of ``sample_size`` checked distinct values matched; ``example_masked`` never
    holds a value in clear text.
    """

    detector: str
    title: str
    column: str | None
    category: Category
    evidence_count: int
    sample_size: int
    confidence: float
    example_masked: str = ""
    message: str = ""
    source: str = "values"
    """"values", "name" (column header), "text" (inside free text) or "context" (table-level rule)."""

    def with_(self, **changes: object) -> Finding:
        return replace(self, **changes)  # type: ignore[arg-type]

    def as_dict(self) -> dict[str, object]:
        return {
            "detector": self.detector,
            "title": self.title,
            "column": self.column,
            "category": self.category.value,
            "evidence_count": self.evidence_count,
            "sample_size": self.sample_size,
            "confidence": round(self.confidence, 3),
            "example_masked": self.example_masked,
            "message": self.message,
            "source": self.source,
        }


@dataclass(frozen=True)
class ValueDetector:
    """A check for one kind of identifier in single cell values.

    ``prefilter`` is a cheap test (a character, a length) that rejects most values before the
    validator runs; ``match`` is the real test (checksum, library validation); ``column_words``
    are header fragments that make the kind likely, so fewer matching values suffice.
    """

    slug: str
    title: str
    category: Category
    match: Callable[[str], bool]
    mask: Callable[[str], str]
    prefilter: Callable[[str], bool] = lambda value: True
    min_share: float = 0.6
    column_words: tuple[str, ...] = ()
    noun: str = ""
    """How the explanation names a matching value, e.g. "gültige IBAN (Prüfsumme korrekt)"."""

    def count(self, values: Sequence[str]) -> tuple[int, str]:
        """(matching values, masked example of the first match)."""
        hits = 0
        example = ""
        for value in values:
            if self.prefilter(value) and self.match(value):
                hits += 1
                if not example:
                    example = self.mask(value)
        return hits, example


@dataclass
class ColumnEvidence:
    """What detection found for one column; classification turns it into final findings."""

    name: str
    findings: list[Finding] = field(default_factory=list)

    def best(self) -> Finding | None:
        return max(self.findings, key=lambda f: f.confidence, default=None)


def mask_middle(value: str, keep_start: int = 2, keep_end: int = 2) -> str:
    """Keep a few characters at both ends, star the rest (separators stay for readability)."""
    chars = list(value.strip())
    letters = [i for i, c in enumerate(chars) if c.isalnum()]
    if len(letters) <= keep_start + keep_end:
        return "*" * len(chars)
    for i in letters[keep_start : len(letters) - keep_end]:
        chars[i] = "*"
    return "".join(chars)


def share_confidence(hits: int, sample: int, *, supported: bool) -> float:
    """Confidence from the share of matching values, lowered for tiny samples, raised by a header hint."""
    if sample <= 0 or hits <= 0:
        return 0.0
    share = hits / sample
    small = min(1.0, 0.5 + sample / 20)  # 10 values give full weight; 2 values give 0.6
    confidence = share * small
    if supported:
        confidence = max(confidence, 0.6 + 0.4 * share)
    return min(1.0, confidence)


def _registry() -> tuple[ValueDetector, ...]:
    from kikz.governance.detectors import (
        art9_values,
        birthdate,
        email,
        iban,
        idcard,
        ip,
        kvnr,
        person_name,
        phone,
        plate,
        postal_address,
        steuer_id,
        svnr,
    )

    return (
        email.DETECTOR,
        iban.DETECTOR,
        steuer_id.DETECTOR,
        svnr.DETECTOR,
        kvnr.DETECTOR,
        idcard.DETECTOR,
        plate.DETECTOR,
        ip.DETECTOR,
        phone.DETECTOR,
        birthdate.DETECTOR,
        postal_address.DETECTOR,
        person_name.DETECTOR,
        art9_values.HEALTH,
        art9_values.RELIGION,
    )


@cache
def value_detectors() -> tuple[ValueDetector, ...]:
    """Every value detector in the order they are tried (imported lazily: some load word lists)."""
    return _registry()


def detect_column(*, name: str, values: Sequence[str], column_type: str = "string") -> ColumnEvidence:
    """Findings for one column from its header and its sampled distinct non-empty values."""
    from kikz.governance.detectors import column_names, free_text

    evidence = ColumnEvidence(name)
    hints = column_names.match(name)
    evidence.findings.extend(hints)
    hinted = {f.detector for f in hints}
    sample = len(values)
    prose = column_type == "string" and (free_text.is_free_text(name, values) or "free_text" in hinted)
    for detector in value_detectors():
        if not values:
            break
        if prose and detector.category == Category.ART9:
            continue  # in prose, health words count only next to a person (free_text.scan)
        if column_type in {"date", "datetime"} and detector.slug != "geburtsdatum":
            continue
        hits, example = detector.count(values)
        if not hits:
            continue
        supported = detector.slug in hinted or column_names.mentions(name, detector.column_words)
        share = hits / sample
        needed = detector.min_share / 2 if supported else detector.min_share
        if share < needed:
            continue
        noun = detector.noun or detector.title
        evidence.findings.append(
            Finding(
                detector=detector.slug,
                title=detector.title,
                column=name,
                category=detector.category,
                evidence_count=hits,
                sample_size=sample,
                confidence=share_confidence(hits, sample, supported=supported),
                example_masked=example,
                message=f"Spalte '{name}' enthält in {hits} von {sample} geprüften Werten {noun}.",
            )
        )
    if prose:
        evidence.findings.extend(free_text.scan(name, values))
    return evidence


__all__ = [
    "Category",
    "ColumnEvidence",
    "Finding",
    "ValueDetector",
    "detect_column",
    "mask_middle",
    "share_confidence",
    "value_detectors",
]
