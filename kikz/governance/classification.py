"""From detector evidence to a classification proposal a data steward can follow.

Detectors look at one column at a time; here the table as a whole decides what the evidence means:

- A header hint ("Name", "Antragsteller", "Adresse") counts only when the values confirm it: the
  "Antragsteller" of council motions are parliamentary groups, not persons.
- Rows are *about persons* when a column holds direct identifiers (names, e-mail, IBAN, IDs, ...)
  or several quasi-identifiers and no counts. Only then is a street with house number a home
  address, a precise coordinate a home location, a date spread over decades a birth date, and a
  health or religion column an Art. 9 category; in aggregated statistics they are not.
- Street and stop names without house numbers are places; the address detector never matches them.
- In a table of counts, a quasi-identifier column ("Alter", "PLZ") is the key the counts are grouped
  by, not an attribute of a person; small counts matter only where persons or cases are counted,
  not vehicles at a counting station.
- In a register of facilities (schools, pharmacies, charging stations) address, postcode and phone
  number are business contact data of the facility, not of a natural person.
- A column of area or record keys ("Stadtteil-Schlüssel" 06631009001) is a code list even where a
  key happens to be a dialable number.

The proposal follows the evidence: Art. 9 → streng vertraulich, other personal data → vertraulich,
quasi-identifiers or small counts only → intern, nothing → öffentlich (a candidate: the steward
decides). A failed scan proposes vertraulich and says so: it never reads as "no personal data".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from kikz.governance.detectors import Category, ColumnEvidence, Finding, detect_column
from kikz.governance.detectors.column_names import NOT_A_PERSON_NAME, normalise
from kikz.governance.detectors.person_name import NOT_A_PERSON
from kikz.governance.profiling import ColumnProfile, TableProfile
from kikz.types import ProtectionClass

THRESHOLD = 0.5
"""Findings at or above this confidence count for the proposal and the column labels."""
DIRECT_IDENTIFIERS = frozenset(
    {
        "personenname",
        "email",
        "iban",
        "steuer_id",
        "sv_nummer",
        "kvnr",
        "ausweisnummer",
        "kfz_kennzeichen",
        "ip_adresse",
        "freitext_personenbezug",
        "geburtsdatum",
    }
)
COUNT_COLUMN = re.compile(r"anzahl|summe|insgesamt|gesamt|anteil|quote|prozent|faelle|je_\d|pro_\d|(^|_)n(_|$)")
COORDINATE_COLUMN = re.compile(
    r"(^|_)(lat|latitude|breite|breitengrad|lon|lng|long|longitude|laenge|laengengrad|x|y|rechtswert|hochwert"
    r"|koordinate[n]?|geo|geom|geometry|wkt|position)(_|$)"
)
ORGANISATION_COLUMN = re.compile(
    r"einrichtung|firma|betrieb|traeger|kita|schule|unternehmen|organisation|verein|betreiber|anbieter"
    r"|apotheke|museum|bibliothek|ladestation|ladesaeule|(^|_)bezeichnung(_|$)"
)
OBJECT_NAME_COLUMN = re.compile(r"(^|_)(name|bezeichnung|titel)(_|$)")
"""A "Name" column whose values are not person names names the things the rows describe."""
LOCATION_QUASI = re.compile(r"(^|_)plz(_|$)|postleitzahl")
KEY_COLUMN = re.compile(
    r"schluessel|kennziffer|kennzahl|(^|_)(id|ags|ars|code|key|nr|nummer|gebietsnummer|objektnummer)(_|$)"
)
NON_PERSON_UNITS = re.compile(
    r"(^|_)(kfz|pkw|lkw|krad|bus|busse|rad|raeder|fahrraeder|fahrzeug|fahrzeuge|stellplaetze|ladepunkte"
    r"|baeume|kwh|mwh|tonnen|eur|euro|km)(_|$)"
)
PRECISE = re.compile(r"^-?\d{1,3}[.,]\d{4,}$")
POINT = re.compile(r"POINT \((-?\d+\.\d{4,}) (-?\d+\.\d{4,})\)")


@dataclass(frozen=True)
class ClassificationProposal:
    protection_class: ProtectionClass
    contains_personal_data: bool | None
    art9: bool | None
    explanation_de: str
    reasons: list[Finding] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "protection_class": self.protection_class.value,
            "contains_personal_data": self.contains_personal_data,
            "art9": self.art9,
            "explanation_de": self.explanation_de,
            "reasons": [r.as_dict() for r in self.reasons],
        }


# --- detection with table context --------------------------------------------------------------


def findings_for(profile: TableProfile) -> list[Finding]:
    """All findings for a profiled table, table context applied; strongest first within a column."""
    evidence = [detect_column(name=c.name, values=c.sample, column_type=c.type) for c in profile.columns]
    return contextualise(evidence, profile)


def contextualise(evidence: Sequence[ColumnEvidence], profile: TableProfile) -> list[Finding]:
    columns = {c.name: c for c in profile.columns}
    confirmed = {e.name: _confirmed(e, columns.get(e.name)) for e in evidence}
    person_rows = _about_persons(confirmed, profile)
    table = _TableContext(
        confirmed=confirmed,
        person_rows=person_rows,
        organisations=_has_organisation_column(profile, confirmed),
        aggregated=_has_count_column(profile),
    )
    result: list[Finding] = []
    for e in evidence:
        column = columns.get(e.name)
        kept = [f for f in (_judge(f, column, table) for f in confirmed[e.name]) if f]
        if column is not None and person_rows and not any(f.category != Category.QUASI_IDENTIFIER for f in kept):
            coordinate = _home_coordinates(column)
            if coordinate:
                kept.append(coordinate)
        result.extend(_one_per_kind(kept))
    small = _small_counts(profile, person_rows)
    if small:
        result.append(small)
    return result


def _confirmed(evidence: ColumnEvidence, column: ColumnProfile | None) -> list[Finding]:
    """Drop header hints the values contradict; merge a confirmed hint into its value finding."""
    has_values = bool(column and column.sample)
    by_value = {f.detector for f in evidence.findings if f.source in {"values", "text"}}
    out: list[Finding] = []
    for f in evidence.findings:
        if f.detector == "free_text":
            continue
        if f.source == "name-hint":
            if f.detector in by_value:
                continue  # the value finding carries the evidence
            if has_values:
                continue  # values were there and did not confirm the header
            out.append(f.with_(confidence=0.5, message=f.message + " Die Spalte ist leer; nur der Name spricht dafür."))
            continue
        if (
            f.source == "values"
            and f.detector == "personenname"
            and NOT_A_PERSON_NAME.search(normalise(f.column or ""))
        ):
            continue
        out.append(f)
    return out


def _about_persons(confirmed: dict[str, list[Finding]], profile: TableProfile) -> bool:
    direct = any(
        f.detector in DIRECT_IDENTIFIERS
        and f.confidence >= THRESHOLD
        and (f.detector != "geburtsdatum" or f.source == "name")
        for findings in confirmed.values()
        for f in findings
    )
    if direct:
        return True
    quasi = sum(1 for findings in confirmed.values() if any(f.category == Category.QUASI_IDENTIFIER for f in findings))
    return quasi >= 2 and not _has_count_column(profile)


def _has_count_column(profile: TableProfile) -> bool:
    return any(COUNT_COLUMN.search(normalise(c.name)) for c in profile.columns)


@dataclass(frozen=True)
class _TableContext:
    confirmed: dict[str, list[Finding]]
    person_rows: bool
    organisations: bool
    """The rows describe facilities or organisations (a Träger, Betreiber or named objects)."""
    aggregated: bool
    """The table has count columns ("insgesamt", "Anzahl", "Anteil")."""


def _has_organisation_column(profile: TableProfile, confirmed: dict[str, list[Finding]]) -> bool:
    for c in profile.columns:
        header = normalise(c.name)
        if ORGANISATION_COLUMN.search(header):
            return True
        if (
            c.type == "string"
            and c.sample
            and OBJECT_NAME_COLUMN.search(header)
            and not any(f.detector == "personenname" for f in confirmed.get(c.name, []))
        ):
            return True
        if (
            c.type == "string"
            and c.sample
            and sum(1 for v in c.sample if NOT_A_PERSON.search(v)) >= 0.5 * len(c.sample)
        ):
            return True
    return False


def _judge(f: Finding, column: ColumnProfile | None, table: _TableContext) -> Finding | None:
    person_rows, organisations, confirmed = table.person_rows, table.organisations, table.confirmed
    if f.category == Category.ART9 and not person_rows:
        return f.with_(
            category=Category.QUASI_IDENTIFIER,
            confidence=min(f.confidence, 0.4),
            message=f"{f.message} Die Tabelle enthält keine Angaben zu einzelnen Personen "
            "(aggregiert), daher kein Art.-9-Befund.",
        )
    if f.category == Category.QUASI_IDENTIFIER and f.source == "name" and not person_rows:
        if table.aggregated:
            return f.with_(
                confidence=0.2,
                message=f"{f.message} Die Tabelle enthält Zählwerte; die Spalte ist das Merkmal, nach dem "
                "gezählt wird, keine Angabe zu einer Person.",
            )
        if organisations and LOCATION_QUASI.search(normalise(f.column or "")):
            return f.with_(
                confidence=0.2,
                message=f"{f.message} Die Tabelle beschreibt Einrichtungen; es ist die Postleitzahl des Standorts.",
            )
    if f.detector == "postanschrift" and f.source == "values" and not person_rows:
        if organisations:
            return f.with_(
                category=Category.QUASI_IDENTIFIER,
                confidence=0.2,
                message=f"{f.message} Die Tabelle beschreibt Einrichtungen; es sind Geschäftsanschriften.",
            )
        return f.with_(
            category=Category.QUASI_IDENTIFIER,
            confidence=0.3,
            message=f"{f.message} Ohne Personenbezug in der Tabelle sind das Standortadressen.",
        )
    if f.detector == "geburtsdatum" and f.source == "values":
        others = any(
            g.detector in DIRECT_IDENTIFIERS and g.detector != "geburtsdatum" and g.confidence >= THRESHOLD
            for findings in confirmed.values()
            for g in findings
        )
        if not (others and column is not None and _spread_over_decades(column)):
            return None
    if f.detector == "telefonnummer" and f.source == "values" and column is not None and _code_list(column):
        return None
    if f.detector == "telefonnummer" and f.source == "values" and organisations and not person_rows:
        return f.with_(
            category=Category.QUASI_IDENTIFIER,
            confidence=0.2,
            message=f"{f.message} Die Tabelle beschreibt Einrichtungen; es sind dienstliche Rufnummern.",
        )
    return f


def _code_list(column: ColumnProfile) -> bool:
    """Keys, not phone numbers: a key header, or digit strings of one length sharing all but a short tail."""
    from kikz.governance.detectors import phone
    from kikz.governance.detectors.column_names import mentions

    if mentions(column.name, phone.DETECTOR.column_words):
        return False
    if KEY_COLUMN.search(normalise(column.name)):
        return True
    values = [v.strip() for v in column.sample]
    if len(values) < 3 or not all(v.isdigit() for v in values) or len({len(v) for v in values}) != 1:
        return False
    common = len(values[0])
    for v in values[1:]:
        common = min(common, next((i for i, (a, b) in enumerate(zip(values[0], v, strict=True)) if a != b), common))
    return common >= max(8, len(values[0]) - 3)


def _spread_over_decades(column: ColumnProfile) -> bool:
    years = sorted(int(m[0]) for v in column.sample if (m := re.findall(r"(?:19|20)\d{2}", v)))
    return len(years) >= 2 and years[-1] - years[0] >= 15


def _home_coordinates(column: ColumnProfile) -> Finding | None:
    sample = column.sample
    if not sample:
        return None
    named = COORDINATE_COLUMN.search(normalise(column.name)) is not None
    precise = sum(1 for v in sample if (named and PRECISE.match(v.strip())) or POINT.search(v))
    if precise < 0.8 * len(sample):
        return None
    return Finding(
        detector="wohnort_koordinaten",
        title="Genaue Koordinaten (Wohnort)",
        column=column.name,
        category=Category.PERSONAL,
        evidence_count=precise,
        sample_size=len(sample),
        confidence=0.75,
        example_masked="[Koordinate]",
        message=f"Spalte '{column.name}' enthält in {precise} von {len(sample)} geprüften Werten genaue "
        "Koordinaten (auf etwa 10 m) in einer Tabelle mit Angaben zu einzelnen Personen.",
        source="context",
    )


def _small_counts(profile: TableProfile, person_rows: bool) -> Finding | None:
    if person_rows:
        return None
    for c in profile.columns:
        header = normalise(c.name)
        if c.type != "integer" or not COUNT_COLUMN.search(header) or c.minimum is None:
            continue
        if NON_PERSON_UNITS.search(header):
            continue  # one lorry at a counting station identifies nobody
        try:
            low = int(c.minimum.replace(".", ""))
        except ValueError:
            continue
        if 0 < low < 3:
            return Finding(
                detector="kleine_fallzahlen",
                title="Kleine Fallzahlen",
                column=c.name,
                category=Category.QUASI_IDENTIFIER,
                evidence_count=1,
                sample_size=c.count,
                confidence=0.5,
                message=f"Spalte '{c.name}' enthält Fallzahlen unter 3; einzelne Personen könnten erkennbar sein.",
                source="context",
            )
    return None


def _one_per_kind(findings: list[Finding]) -> list[Finding]:
    best: dict[tuple[str, Category], Finding] = {}
    for f in findings:
        key = (f.detector, f.category)
        if key not in best or f.confidence > best[key].confidence:
            best[key] = f
    return sorted(best.values(), key=lambda f: -f.confidence)


# --- column labels and the proposal ------------------------------------------------------------


def column_labels(findings: Sequence[Finding]) -> dict[str, tuple[bool, bool]]:
    """{column: (personal data, Art. 9)} as the findings say at the counting threshold."""
    labels: dict[str, tuple[bool, bool]] = {}
    for f in findings:
        if f.column is None or f.confidence < THRESHOLD:
            continue
        personal, art9 = labels.get(f.column, (False, False))
        if f.category in {Category.PERSONAL, Category.ART9}:
            personal = True
        if f.category == Category.ART9:
            art9 = True
        labels[f.column] = (personal, art9)
    return labels


def propose(findings: Sequence[Finding], profile: TableProfile | None = None) -> ClassificationProposal:
    errors = [f for f in findings if f.category == Category.ERROR]
    if errors:
        return ClassificationProposal(
            ProtectionClass.VERTRAULICH,
            None,
            None,
            "Die Prüfung auf personenbezogene Daten ist fehlgeschlagen: "
            + " ".join(f.message for f in errors)
            + " Bis zur Klärung wird 'vertraulich' vorgeschlagen; eine fehlende Prüfung bedeutet nicht, "
            "dass keine personenbezogenen Daten enthalten sind.",
            list(errors),
        )
    counted = [f for f in findings if f.confidence >= THRESHOLD]
    art9 = [f for f in counted if f.category == Category.ART9]
    personal = [f for f in counted if f.category == Category.PERSONAL]
    quasi = [f for f in findings if f.category == Category.QUASI_IDENTIFIER and f.confidence >= 0.3]
    scope = _scope(profile)
    if art9:
        cls, head = (
            ProtectionClass.STRENG_VERTRAULICH,
            (
                "Vorschlag: streng vertraulich. Die Daten enthalten besondere Kategorien "
                "personenbezogener Daten "
                "nach Art. 9 DSGVO."
            ),
        )
        reasons = art9 + personal
    elif personal:
        cls, head = (
            ProtectionClass.VERTRAULICH,
            ("Vorschlag: vertraulich. Die Daten enthalten personenbezogene Daten (Art. 4 Nr. 1 DSGVO)."),
        )
        reasons = personal
    elif quasi:
        cls, head = (
            ProtectionClass.INTERN,
            (
                "Vorschlag: intern. Es wurden keine direkt identifizierenden Angaben gefunden, "
                "aber Merkmale, "
                "die zusammen mit anderen Daten auf Personen schließen lassen könnten."
            ),
        )
        reasons = quasi
    else:
        cls, head = (
            ProtectionClass.OEFFENTLICH,
            (
                "Vorschlag: öffentlich (Kandidat). Es wurden keine personenbezogenen Daten gefunden. "
                "Die Freigabe entscheidet die Data-Stewardin bzw. der Data Steward."
            ),
        )
        reasons = []
    lines = [head] + [f"- {f.message}" for f in reasons[:12]]
    if len(reasons) > 12:
        lines.append(f"- … und {len(reasons) - 12} weitere Befunde.")
    if scope:
        lines.append(scope)
    return ClassificationProposal(
        cls,
        bool(art9 or personal),
        bool(art9),
        "\n".join(lines),
        list(reasons),
    )


def _scope(profile: TableProfile | None) -> str:
    if profile is None:
        return ""
    rows = f"{profile.rows_seen:,}".replace(",", ".")
    if profile.sampled:
        total = f"{profile.rows_total:,}".replace(",", ".") if profile.rows_total else "unbekannt vielen"
        return (
            f"Geprüft wurde eine Stichprobe von {rows} der {total} Zeilen; Werte je Spalte: bis zu 1.000 verschiedene."
        )
    return f"Geprüft wurden alle {rows} Zeilen; Werte je Spalte: bis zu 1.000 verschiedene."
