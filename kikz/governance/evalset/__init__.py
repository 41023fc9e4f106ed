"""Labelled evaluation set: realistic German municipal tables with column-level labels.

Every table is generated in code from a fixed seed (``tables()``), written as a real file
(``write_csv``: semicolon, Windows-1252, as German Excel exports it) and scanned through the same
pipeline as an upload. Each column is labelled (personal data yes/no, Art. 9 yes/no).

Labelling decisions (documented, because reasonable people could label otherwise):

- A column is *personal* when its values identify a person or are a special-category attribute of
  one: names, contact data, IDs, home addresses, birth dates, plates, IPs, home coordinates, and
  free text mentioning persons. Non-identifying attributes in a person table (Antragsart, Betrag,
  Eingangsdatum) and quasi-identifiers (PLZ, Alter, Geschlecht, Staatsangehörigkeit, Geburtsjahr)
  are not labelled personal at column level; the table-level proposal still says "contains
  personal data".
- Council members' names in a public list are personal data (labelled yes): publication has a
  legal basis, but the GDPR still applies. Their parliamentary group ("Fraktion") is a public
  office, not a political opinion of a private person: not Art. 9. Motions filed by groups or the
  Magistrat ("Antragsteller: SPD-Fraktion") are not personal.
- Business names and business contact data (Bäckerei, Autohaus, Kita) are not personal.
- Aggregated statistics (counts by district, Pflegegrad, Konfession, Herkunftsland, postcode) are
  not personal, even when the category is an Art. 9 one.
- Street, stop, district and tree names are places and species, not persons.
- Counts by age band ("Alter 0 bis 5") or by single year of age are statistics: the age column is
  the key of the counts, not a quasi-identifier of a person. District keys (06413000001) are codes,
  even where one is a dialable number. Facility registers (pharmacies, museums, charging stations)
  carry business addresses and phones: not personal. Such tables carry ``max_class`` öffentlich,
  so the table-level proposal is checked too, not only the column labels.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from kikz.governance.detectors import Finding
from kikz.governance.evalset.tables_negative import NEGATIVE_TABLES
from kikz.governance.evalset.tables_personal import PERSONAL_TABLES
from kikz.governance.evalset.tables_places import PLACE_TABLES
from kikz.types import ProtectionClass


@dataclass(frozen=True)
class EvalTable:
    name: str
    description: str
    columns: list[str]
    rows: list[list[str]]
    personal: frozenset[str]
    art9: frozenset[str] = frozenset()
    kinds: dict[str, str] = field(default_factory=dict)
    """{labelled column: the detector expected to find it}, for per-detector precision and recall."""
    max_class: ProtectionClass | None = None
    """The strictest table-level proposal that is still right (None: not checked)."""

    def label(self, column: str) -> tuple[bool, bool]:
        return column in self.personal or column in self.art9, column in self.art9


def tables() -> list[EvalTable]:
    return [EvalTable(**spec) for spec in (*NEGATIVE_TABLES(), *PERSONAL_TABLES(), *PLACE_TABLES())]


def evaluate(directory: Path) -> list[tuple[EvalTable, dict[str, tuple[bool, bool]], list[Finding]]]:
    """Scan every table through the file pipeline: (table, predicted column labels, findings)."""
    from kikz.governance.classification import column_labels
    from kikz.governance.scan import analyse_file

    results = []
    for table in tables():
        analysis = analyse_file(write_csv(table, directory), "CSV")
        results.append((table, column_labels(analysis.findings), analysis.findings))
    return results


def write_csv(table: EvalTable, directory: Path) -> Path:
    path = directory / f"{table.name}.csv"
    with path.open("w", encoding="cp1252", errors="replace", newline="") as fh:
        writer = csv.writer(fh, delimiter=";", lineterminator="\r\n")
        writer.writerow(table.columns)
        writer.writerows(table.rows)
    return path


__all__ = ["EvalTable", "evaluate", "tables", "write_csv"]
